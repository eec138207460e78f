"""Comparing a model file written by ``sim calibrate`` with the shipped one, number by number.

An optimiser's output is not the same text on every machine: a different processor or BLAS
moves the last printed digit (0,0137432 against 0,0137433). So the comparison parses both files
and holds each estimate within a small fraction of its own standard error, the unit in which
its uncertainty is stated; everything that is not estimated (the template's values, units,
structure) must be equal.

Tolerances, each far inside what the numbers mean:

* an estimate's value: within ``VALUE_SE`` (a hundredth) of its standard error;
* a standard error: within ``SE_REL`` (1 %) of itself (a numerical Hessian's second
  differences are the least stable part of the fit);
* the correlation of two estimates: within ``CORR_ABS`` (0,01) -- the correlation of estimates
  is itself estimated, with a sampling error of order ``1/sqrt(n)`` (0,04 at the shortest
  sample fitted, 40 years of yearly data);
* a number inside a source text (a fitted mean or spread quoted in words): within
  ``TEXT_REL`` (1 %) of itself; the words around it must be equal.
"""

from __future__ import annotations

import math
import re
import tomllib

VALUE_SE = 0.01
SE_REL = 0.01
CORR_ABS = 0.01
TEXT_REL = 0.01

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _close(a: float, b: float, tol: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=tol)


def _text_agrees(a: str, b: str) -> bool:
    words_a, words_b = _NUMBER.split(a), _NUMBER.split(b)
    nums_a, nums_b = _NUMBER.findall(a), _NUMBER.findall(b)
    if words_a != words_b or len(nums_a) != len(nums_b):
        return False
    return all(math.isclose(float(x), float(y), rel_tol=TEXT_REL, abs_tol=1e-12)
               for x, y in zip(nums_a, nums_b))


def differences(got: dict, shipped: dict, path: str = "") -> list[str]:
    """Every place where ``got`` and ``shipped`` (parsed model files) disagree beyond the
    tolerances above, as readable lines (empty when they agree)."""
    out: list[str] = []
    if set(got) != set(shipped):
        return [f"{path or '<top>'}: keys {sorted(set(got) ^ set(shipped))} in only one file"]
    for key in got:
        a, b = got[key], shipped[key]
        where = f"{path}{key}"
        if isinstance(a, dict) and isinstance(b, dict) and "value" in a and "se" in b:
            if "se" not in a:
                out.append(f"{where}: no se in the new file")
                continue
            tol = VALUE_SE * b["se"]
            if not _close(a["value"], b["value"], tol):
                out.append(f"{where}.value: {a['value']!r} against {b['value']!r} "
                           f"(tolerance {tol:.3g} = {VALUE_SE} se)")
            if not math.isclose(a["se"], b["se"], rel_tol=SE_REL, abs_tol=1e-300):
                out.append(f"{where}.se: {a['se']!r} against {b['se']!r} (tolerance {SE_REL:.0%})")
            rest_a = {k: v for k, v in a.items() if k not in ("value", "se")}
            rest_b = {k: v for k, v in b.items() if k not in ("value", "se")}
            out += differences(rest_a, rest_b, f"{where}.")
        elif isinstance(a, dict) and isinstance(b, dict):
            out += differences(a, b, f"{where}.")
        elif path.startswith("estimates.") and key == "matrix":
            flat_a = [v for row in a for v in row]
            flat_b = [v for row in b for v in row]
            if len(flat_a) != len(flat_b) or not all(
                    _close(x, y, CORR_ABS) for x, y in zip(flat_a, flat_b)):
                out.append(f"{where}: correlations differ by more than {CORR_ABS}")
        elif isinstance(a, str) and isinstance(b, str):
            if not _text_agrees(a, b):
                out.append(f"{where}: {a!r} against {b!r}")
        elif a != b:
            out.append(f"{where}: {a!r} against {b!r}")
    return out


def comments(text: str) -> list[str]:
    """The file's comment lines (the command that wrote it, the sections' banners)."""
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def assert_model_files_agree(got_text: str, shipped_text: str) -> None:
    """``got_text`` (a fresh ``sim calibrate`` output) agrees with ``shipped_text``: the same
    keys, comments and template values, every estimate within the tolerances above."""
    diff = differences(tomllib.loads(got_text), tomllib.loads(shipped_text))
    lines_got, lines_shipped = comments(got_text), comments(shipped_text)
    if lines_got != lines_shipped:
        diff.append("the comment lines differ: "
                    + next(f"{a!r} against {b!r}" for a, b in zip(lines_got + [""] * 999,
                                                                  lines_shipped + [""] * 999)
                           if a != b))
    assert not diff, "the model file differs from the command's output:\n  " + "\n  ".join(diff)
