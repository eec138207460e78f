"""Replay the portfolio strategies over a given monthly path of returns (a CSV file).

Format (UTF-8, comma-separated, lines starting with ``#`` are comments; the file Swedish Excel
saves, with a byte-order mark, ``;`` between fields and decimal commas, is read too)::

    month,equity_return,fixed_income_return
    2008-01,-0.060,0.004
    2008-02,-0.030,0.004

* ``month``: ``YYYY-MM``, consecutive months, starting in January (flows and the yearly
  accounting follow calendar years);
* ``equity_return``: the equity funds' simple total return in the month, as a fraction (-0.06
  is -6 %), above -1;
* ``fixed_income_return``: the fixed-income funds' simple return in the month, as a fraction,
  above -1.

The funds start at the plan's start values; replay year ``k`` takes the plan's flows of year
``first_year + k``. Returns are monthly, so every fund must rebalance monthly.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np

from ..errors import ReplayError

__all__ = ["ReplayError", "read_returns_csv"]

COLUMNS = ("month", "equity_return", "fixed_income_return")
#: The months a nanosecond time axis (xarray's, NetCDF's) holds: 1677-09-21 to 2262-04-11.
FIRST_MONTH, LAST_MONTH = np.datetime64("1677-10", "M"), np.datetime64("2262-03", "M")


#: The largest monthly return a replay takes (a fraction): as a stress scenario's equity path;
#: 1e308 was read, and its value became infinite.
MAX_MONTHLY_RETURN = 10.0


def read_returns_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a returns CSV: (months as datetime64[M], equity simple returns, fixed-income returns)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")     # a BOM, as Excel writes, is dropped
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path}: cannot read ({exc})") from None
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ReplayError(f"{path}: no data; expected a header {','.join(COLUMNS)}")
    # Swedish Excel (and sim's --csv-locale sv) writes ';' between fields and a decimal comma
    swedish = ";" in rows[0][1]
    delimiter = ";" if swedish else ","
    header = [h.strip() for h in next(csv.reader([rows[0][1]], delimiter=delimiter))]
    if tuple(header) != COLUMNS:
        raise ReplayError(f"{path}, line {rows[0][0]}: header {delimiter.join(header)!r}; "
                          f"expected {','.join(COLUMNS)!r} (or, as Swedish Excel writes it, "
                          f"{';'.join(COLUMNS)!r} with decimal commas)")
    months, eq, fi = [], [], []
    for n, line in rows[1:]:
        cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
        if swedish:
            cells = [cells[0]] + [c.replace("\u2212", "-").replace(",", ".") for c in cells[1:]]
        if len(cells) != 3:
            raise ReplayError(f"{path}, line {n}: {len(cells)} values, expected 3 ({line!r})")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}", cells[0]):
                raise ValueError    # a full date lost its day without a word
            month = np.datetime64(cells[0], "M")
        except ValueError:
            raise ReplayError(f"{path}, line {n}: month {cells[0]!r} is not YYYY-MM") from None
        if not FIRST_MONTH <= month <= LAST_MONTH:
            # the results file's time axis is datetime64[ns]: 9999-01 read back as 1815
            raise ReplayError(f"{path}, line {n}: month {cells[0]} is outside {FIRST_MONTH} to "
                              f"{LAST_MONTH}, the months a results file's time axis can hold")
        values = []
        for name, cell in zip(COLUMNS[1:], cells[1:]):
            try:
                v = float(cell)
            except ValueError:
                raise ReplayError(f"{path}, line {n}: {name} {cell!r} is not a number") from None
            if not math.isfinite(v) or v <= -1.0 or v > MAX_MONTHLY_RETURN:
                raise ReplayError(f"{path}, line {n}: {name} {cell} must be a fraction above -1 "
                                  f"and at most {MAX_MONTHLY_RETURN:g} (-0.06 is -6 %; "
                                  f"{MAX_MONTHLY_RETURN:g} is +{100 * MAX_MONTHLY_RETURN:,.0f} % "
                                  "in a month)")
            values.append(v)
        if months and month != months[-1] + 1:
            raise ReplayError(f"{path}, line {n}: month {cells[0]} does not follow "
                              f"{months[-1]}; months must be consecutive")
        months.append(month)
        eq.append(values[0])
        fi.append(values[1])
    if not months:
        raise ReplayError(f"{path}: a header but no months")
    if (months[0].astype(int) % 12) != 0:
        raise ReplayError(f"{path}: the first month is {months[0]}; a replay starts in January")
    return np.array(months), np.array(eq), np.array(fi)
