"""Writing estimates into a model file, keeping everything else of it as it is.

The template is parsed with tomlkit, which keeps its comments, order and layout; each estimate
replaces its key's inline table with ``{ value, unit, se, source }``, and a fit's correlation of
estimates goes to ``[estimates.<group>]``. The result is deterministic: the same estimates and
template give the same text. A number that is not finite is never written: the fit that gave it
is refused with the key and the data it was estimated from (:func:`finite`).
"""

from __future__ import annotations

import math

import tomlkit
from tomlkit.items import Table

from ..errors import HistoryError

__all__ = ["ModelFile", "number", "finite"]


def finite(key: str, source: str, *values: float) -> None:
    """Refuse (:class:`~sim.errors.HistoryError`) an estimate that is NaN or infinite, naming
    its key and ``source`` (the data and period it was estimated from)."""
    bad = [v for v in values if not math.isfinite(float(v))]
    if bad:
        raise HistoryError(f"{key}: the fit gave {bad[0]!r}, not a finite number, from "
                           f"{source.removeprefix('estimated: ')}; nothing was written. Check "
                           "those data's values (a level at zero, an extreme month) and the "
                           "period (--until)")


def number(v: float) -> float:
    """``v`` at six significant digits, as the model files print estimates."""
    return float(f"{float(v):.6g}")


def _matrix(rows) -> tomlkit.items.Array:
    out = tomlkit.array()
    for row in rows:
        out.append([number(v) for v in row])
    out.multiline(True)
    return out


class ModelFile:
    """A model file being edited: :meth:`set_estimate`, :meth:`set_value`,
    :meth:`set_estimates`, :meth:`set_note`, then :meth:`text`."""

    def __init__(self, template: str):
        self.doc = tomlkit.parse(template)

    def _section(self, section: str, create: bool = False) -> Table:
        node = self.doc
        for part in section.split("."):
            if part not in node:
                if not create:
                    raise ValueError(f"the template has no [{section}] section")
                node.add(part, tomlkit.table())
            node = node[part]
        return node

    def set_estimate(self, section: str, key: str, value: float, se: float, unit: str,
                     source: str) -> None:
        """``[section] key = { value, unit, se, source }``."""
        finite(f"{section}.{key}", source, value, se)
        item = tomlkit.inline_table()
        item.update({"value": number(value), "unit": unit, "se": number(se), "source": source})
        self._section(section)[key] = item

    def set_value(self, section: str, key: str, value: float, unit: str, source: str) -> None:
        """``[section] key = { value, unit, source }`` (a value that is not an estimate)."""
        finite(f"{section}.{key}", source, value)
        item = tomlkit.inline_table()
        item.update({"value": number(value), "unit": unit, "source": source})
        self._section(section)[key] = item

    def remove(self, section: str, key: str) -> None:
        """Drop ``[section] key`` if it is there (its default then applies)."""
        table = self._section(section)
        if key in table:
            del table[key]

    def set_plain(self, section: str, key: str, value) -> None:
        """``[section] key = value`` (a matrix of numbers, a list, a string)."""
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)) \
                and all(isinstance(v, (int, float)) for v in value[0]):
            finite(f"{section}.{key}", "the fit", *(v for row in value for v in row))
            value = _matrix(value)
        elif isinstance(value, float):
            finite(f"{section}.{key}", "the fit", value)
        self._section(section, create=True)[key] = value

    def set_estimates(self, group: str, keys: list[str], matrix, source: str) -> None:
        """``[estimates.<group>]``: a fit's estimates' keys and their correlation."""
        if "estimates" not in self.doc:
            self.doc.add(tomlkit.nl())
            self.doc.add(tomlkit.comment("-" * 93))
            self.doc.add(tomlkit.comment("The estimates' correlations: with their se, the law "
                                         "simulation.parameter_uncertainty draws"))
            self.doc.add(tomlkit.comment("from (one draw per block of paths; "
                                         "docs/guides/calibrate.md, 'Parameter uncertainty')"))
            self.doc.add(tomlkit.comment("-" * 93))
            est = tomlkit.table(is_super_table=True)
            self.doc.add("estimates", est)
        finite(f"estimates.{group}", source, *(v for row in matrix for v in row))
        table = tomlkit.table()
        table.add("keys", list(keys))
        table.add("matrix", _matrix(matrix))
        table.add("source", source)
        self.doc["estimates"][group] = table

    def set_note(self, note: str, marker: str | None = None) -> None:
        """The file's opening comment lines: ``note`` replaces the template's (with ``marker``,
        only the line starting with ``marker`` is replaced, or added after the others)."""
        self._note = (note, marker)

    def text(self) -> str:
        body = tomlkit.dumps(self.doc)
        lines = body.splitlines()
        head = 0
        while head < len(lines) and lines[head].startswith("#"):
            head += 1
        opening, rest = lines[:head], lines[head:]
        note, marker = getattr(self, "_note", (None, None))
        if note is not None and marker is None:
            opening = note.rstrip("\n").splitlines()
        elif note is not None:
            opening = [line for line in opening if not line.startswith(marker)] + [note]
        return "\n".join(opening + rest).rstrip("\n") + "\n"
