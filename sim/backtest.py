"""``sim backtest``: where did the outturns fall in the model's distribution?

For each row of a history of published outturns (``data/history/norrbotten_outturns.csv``:
plan config, year, budget line, outturn), the plan config is run as it stands (its
information date and model: what was known when it was made) and the outturn's place in the
run's distribution of that line and year is read off: its PIT, ``P(model <= outturn)`` (ties
counted half), and whether it fell inside the 5-95 % and 1-99 % bands. Over many rows the PITs
of a calibrated model are uniform and the bands hold about 90 % and 98 % of the outturns; a
model whose outturns fall outside its 1-99 % band more than rarely is not calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .budget import BALANCE_KEYS, LINE_KEYS
from .errors import HistoryError

#: What an outturn can be: a line of the resultatbudget or of the balance requirement.
BUDGET_LINES = LINE_KEYS + BALANCE_KEYS

__all__ = ["Outturn", "read_history", "backtest", "coverage", "backtest_dataset"]


@dataclass(frozen=True)
class Outturn:
    plan_config: str
    year: int
    line: str
    outturn: float
    published: str
    source: str


#: The columns of a plan's outturns file, in order.
HISTORY_COLUMNS = ("plan_config", "year", "line", "outturn_mnkr", "published", "source")


def read_history(path: Path) -> list[Outturn]:
    """The rows of a plan's outturns file, read by :func:`sim.data.files.read_table` (the one
    reader of history files: encoding, size, separator, header, finite numbers); a bad row
    names its line, the value and what is allowed."""
    from .data.files import read_table

    table = read_table(path, HISTORY_COLUMNS, exact=True)
    years = table.years(ordered=False)
    outturn = table.numbers("outturn_mnkr")
    published = table.dates("published")
    rows = []
    for i, row in enumerate(table.rows):
        where = f"{path}, line {table.line_numbers[i]}"
        if row[2] not in BUDGET_LINES:
            raise HistoryError(f"{where}: {row[2]!r} is not a budget line; allowed: "
                               f"{', '.join(BUDGET_LINES)}")
        rows.append(Outturn(row[0], years[i], row[2], float(outturn[i]), published[i],
                            row[5]))
    return rows


def pit(samples: np.ndarray, value: float) -> float:
    """``P(X < v) + P(X = v) / 2`` over the samples."""
    return float(np.mean(samples < value) + 0.5 * np.mean(samples == value))


def backtest(rows: list[Outturn], runs: dict) -> list[dict]:
    """Each row's PIT and band membership, given ``runs[plan_config]``: a results Dataset with
    every path's yearly lines (``--store annual``)."""
    out = []
    for r in rows:
        ds = runs[r.plan_config]
        if r.line not in ds:
            raise ValueError(f"line {r.line!r} (plan {r.plan_config}, {r.year}): not a line of "
                             "the results file")
        if r.year not in ds["year"].values:
            raise ValueError(f"{r.year} (plan {r.plan_config}): not a plan year")
        x = ds[r.line].sel(year=r.year).values
        q = np.quantile(x, [0.01, 0.05, 0.5, 0.95, 0.99])
        p = pit(x, r.outturn)
        out.append({"plan_config": r.plan_config, "year": r.year, "line": r.line,
                    "outturn": r.outturn, "pit": p, "q01": q[0], "q05": q[1], "median": q[2],
                    "q95": q[3], "q99": q[4], "inside_90": bool(0.05 <= p <= 0.95),
                    "inside_98": bool(0.01 <= p <= 0.99), "source": r.source})
    return out


def coverage(results: list[dict]) -> dict:
    """The share of outturns inside the 5-95 % and 1-99 % bands, with their count."""
    n = len(results)
    return {"n": n, "inside_90": sum(r["inside_90"] for r in results) / n,
            "inside_98": sum(r["inside_98"] for r in results) / n}


def backtest_dataset(results: list[dict], attrs: dict):
    """The rows of :func:`backtest` as a results Dataset (dim ``outturn``), with the coverage
    and ``attrs`` (the runs' provenance) as attributes: what ``sim report --backtest`` reads."""
    import xarray as xr

    from .catalogue import annotate, label

    def col(key, dtype=np.float64):
        return ("outturn",), np.array([r[key] for r in results], dtype=dtype)

    cov = coverage(results)
    ds = xr.Dataset(
        {"outturn_mnkr": col("outturn"), "pit": col("pit"), "band_q01": col("q01"),
         "band_q05": col("q05"), "band_median": col("median"), "band_q95": col("q95"),
         "band_q99": col("q99"), "inside_90": col("inside_90", np.int8),
         "inside_98": col("inside_98", np.int8)},
        coords={"plan_config": col("plan_config", object), "year": col("year", np.int64),
                "line": col("line", object),
                "line_label": ("outturn", [label(r["line"]) for r in results]),
                "outturn_source": col("source", object)})
    ds.attrs.update(attrs)
    ds.attrs.update({"coverage_n": cov["n"], "coverage_inside_90": cov["inside_90"],
                     "coverage_inside_98": cov["inside_98"]})
    return annotate(ds)
