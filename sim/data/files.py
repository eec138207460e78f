"""The history files of ``data/history/``: one reader and one writer for every command.

A history file is CSV (comma-separated, decimal point, UTF-8) that opens with ``#`` comment
lines naming the series, its publisher, the table or series id, where it was obtained, the
retrieval date and the licence; then one header line and the rows. Monthly series have a
``month`` column (``YYYY-MM``, consecutive, oldest first), yearly ones a ``year`` column.

:func:`read_table` refuses, with a message that names the file, the line and what is allowed,
anything it cannot read for certain: a file that is not a regular file or is over
:data:`MAX_BYTES`, one that is not UTF-8 (a byte-order mark is accepted), NUL bytes, another
separator, a header without a required column, a row of the wrong width, and (through
:meth:`Table.numbers`, :meth:`Table.months`, :meth:`Table.years`) a cell that is not a finite
number or outside what its column can hold (:data:`RANGES`), a month that is missing,
repeated or out of order, a date that is not one. It never guesses: ``0,3`` is not read as 0.3.

:func:`table_text` writes the same format; the commands write it atomically (a temporary
file renamed into place), so an interrupted write leaves the old file whole.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import HistoryError

__all__ = ["HistoryError", "Table", "read_table", "MAX_BYTES", "RANGES", "header_text",
           "table_text"]

#: The largest history file read (a century of monthly rows is under 100 kB).
MAX_BYTES = 10 * 1024 * 1024

#: The values a column may hold, ``name -> (low, high, what it is)``, both bounds excluded: what
#: the quantity can be, not what is plausible (a fit's own check is that its estimates are
#: finite). A value outside is a damaged file, refused with its line.
RANGES = {
    **{c: (-100.0, 100.0, "a monthly change of a price index in percent")
       for c in ("kpif_change_pct",)},
    **{c: (-100.0, 100.0, "an interest rate in percent a year")
       for c in ("policy_rate_pct", "rate_3m_pct", "yield_10y_pct", "stir", "ltrate",
                 "bond_rate", "bill_rate", "forecast_pct")},
    **{c: (0.0, math.inf, "a price, an index level or an exchange rate, which is positive")
       for c in ("kpi_1980eq100", "sek_per_usd", "cpi", "wage", "xrusd")},
    **{c: (0.0, math.inf, "a region's costs in mnkr, which are positive")
       for c in ("costs_mnkr", "costs_bn_sek")},
}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")



@dataclass(frozen=True)
class Table:
    """A history file read: its comment lines, column names and rows (each with its line
    number in the file)."""

    path: Path
    comments: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line_numbers: tuple[int, ...] = field(repr=False)

    def _where(self, i: int) -> str:
        return f"{self.path}, line {self.line_numbers[i]}"

    def column(self, name: str) -> list[str]:
        j = self.columns.index(name)
        return [r[j] for r in self.rows]

    def numbers(self, name: str, allow_empty: bool = False) -> np.ndarray:
        """Column ``name`` as finite floats (``nan`` for an empty cell if ``allow_empty``)."""
        out = np.empty(len(self.rows))
        for i, text in enumerate(self.column(name)):
            text = text.strip()
            if not text and allow_empty:
                out[i] = math.nan
                continue
            try:
                v = float(text)
            except ValueError:
                hint = (" (write a decimal point: 0.3, not 0,3)" if re.fullmatch(
                    r"-?\d+,\d+", text) else " (a plain number without a unit or %)"
                        if text.endswith("%") else "")
                raise HistoryError(f"{self._where(i)}: column {name!r}: {text!r} is not a "
                                   f"number{hint}") from None
            if not math.isfinite(v):
                raise HistoryError(f"{self._where(i)}: column {name!r}: {text!r} is not a "
                                   "finite number")
            low, high, what = RANGES.get(name, (-math.inf, math.inf, ""))
            if not low < v < high:
                raise HistoryError(f"{self._where(i)}: column {name!r}: {text} is not {what}: "
                                   f"allowed between {low:g} and {high:g}, both excluded")
            out[i] = v
        return out

    def months(self, name: str = "month") -> list[str]:
        """Column ``name`` as ``YYYY-MM`` months, checked consecutive and oldest first."""
        months = [m.strip() for m in self.column(name)]
        for i, m in enumerate(months):
            match = _MONTH.match(m)
            if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1000:
                raise HistoryError(f"{self._where(i)}: column {name!r}: {m!r} is not a month "
                                   "YYYY-MM (e.g. 2022-04)")
        for i in range(1, len(months)):
            if _index(months[i]) != _index(months[i - 1]) + 1:
                what = ("repeats" if months[i] == months[i - 1] else
                        "goes back" if _index(months[i]) < _index(months[i - 1]) else
                        "skips a month after")
                raise HistoryError(f"{self._where(i)}: month {months[i]} {what} "
                                   f"{months[i - 1]}; months must be consecutive, oldest first")
        return months

    def years(self, name: str = "year", consecutive: bool = True,
              ordered: bool = True) -> list[int]:
        """Column ``name`` as years, increasing (consecutive unless told otherwise; in any
        order, repeats allowed, when not ``ordered``: a file of one row per region and year)."""
        out = []
        for i, y in enumerate(self.column(name)):
            if not _YEAR.match(y.strip()):
                raise HistoryError(f"{self._where(i)}: column {name!r}: {y!r} is not a year "
                                   "YYYY")
            out.append(int(y))
            if ordered and i and (out[i] <= out[i - 1]
                                  or (consecutive and out[i] != out[i - 1] + 1)):
                raise HistoryError(f"{self._where(i)}: year {out[i]} after {out[i - 1]}; years "
                                   "must increase" + (" by one" if consecutive else ""))
        return out

    def dates(self, name: str) -> list[str]:
        """Column ``name`` as calendar dates ``YYYY-MM-DD`` (checked: 2020-13-45 is refused)."""
        out = []
        for i, d in enumerate(self.column(name)):
            d = d.strip()
            try:
                if not _DATE.match(d):
                    raise ValueError
                datetime.date.fromisoformat(d)
            except ValueError:
                raise HistoryError(f"{self._where(i)}: column {name!r}: {d!r} is not a date "
                                   "YYYY-MM-DD (e.g. 2023-04-26)") from None
            out.append(d)
        return out

    def header_value(self, key: str) -> str | None:
        """The text after ``# <key>:`` in the comment lines (first match), if any."""
        pattern = re.compile(rf"^#\s*{re.escape(key)}\s*:\s*(.*)$", re.IGNORECASE)
        for line in self.comments:
            m = pattern.match(line)
            if m:
                return m.group(1).strip()
        return None


def _index(month: str) -> int:
    y, m = month.split("-")
    return int(y) * 12 + int(m)


def _read_text(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise HistoryError(f"{path}: not a regular file")
    if st.st_size > MAX_BYTES:
        raise HistoryError(f"{path}: {st.st_size} bytes; a history file may have at most "
                           f"{MAX_BYTES} bytes")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HistoryError(f"{path}: UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        raise HistoryError(f"{path}: holds NUL bytes; it is not a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryError(f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None


def read_table(path: Path, columns: tuple[str, ...] = (), exact: bool = False) -> Table:
    """Read a history file; ``columns`` are the names its header must hold (with ``exact``,
    all it may hold, in that order)."""
    path = Path(path)
    text = _read_text(path)
    comments, body = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            comments.append(line)
        elif line.strip():
            body.append((number, line))
    if not body:
        raise HistoryError(f"{path}: no header line and no rows")
    header_line = body[0][1]
    if "," not in header_line and (";" in header_line or "\t" in header_line):
        raise HistoryError(f"{path}, line {body[0][0]}: the columns are separated by "
                           f"{'semicolons' if ';' in header_line else 'tabs'}; a history file is "
                           "comma-separated")
    names = tuple(c.strip() for c in next(csv.reader([header_line])))
    missing = [c for c in columns if c not in names]
    if missing:
        raise HistoryError(f"{path}, line {body[0][0]}: no column {missing[0]!r}; the header "
                           f"must name {list(columns)} (found {list(names)})")
    if exact and names != tuple(columns):
        raise HistoryError(f"{path}, line {body[0][0]}: the header must be "
                           f"{','.join(columns)}, got {','.join(names)}")
    if len(set(names)) != len(names):
        raise HistoryError(f"{path}, line {body[0][0]}: a column name is given twice")
    rows, numbers = [], []
    for number, line in body[1:]:
        cells = next(csv.reader([line]))
        if len(cells) != len(names):
            raise HistoryError(f"{path}, line {number}: {len(cells)} cells, the header has "
                               f"{len(names)} ({', '.join(names)})")
        rows.append(tuple(cells))
        numbers.append(number)
    if not rows:
        raise HistoryError(f"{path}: a header but no rows")
    return Table(path, tuple(comments), names, tuple(rows), tuple(numbers))


def header_text(lines: list[str]) -> str:
    """Comment lines for a history file's header (each prefixed with ``# ``)."""
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def table_text(header: list[str], columns: list[str], rows: list[list[object]]) -> str:
    """A history file's text: the header's comment lines, the column names, the rows (floats
    written as Python reads them back exactly). Written with :func:`sim.results.atomic_write`
    (or ``atomic_write_many`` for several files as one unit)."""
    buf = io.StringIO()
    buf.write(header_text(header))
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row])
    return buf.getvalue()
