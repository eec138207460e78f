"""Text tables in the seed's layout: Swedish labels, whole mnkr, space as thousands separator."""

from __future__ import annotations

import math

import xarray as xr

from .budget import BALANCE_KEYS, LINE_KEYS

__all__ = ["format_mnkr", "budget_table"]

#: Rows of the balance-requirement block under the seed's table.
BALANCE_ROWS = ("rur_drawn", "rur_reserved", "balance_requirement_result_after_rur", "rur_balance",
                "deficit_outstanding", "deficit_unrestored")
assert set(BALANCE_ROWS) <= set(BALANCE_KEYS)


def format_mnkr(x: float) -> str:
    """Whole mnkr, half away from zero, space as thousands separator: -10454.4 -> '-10 454'."""
    if math.isnan(x):
        return "–"
    n = int(math.floor(abs(x) + 0.5))
    return ("-" if x < 0 and n else "") + f"{n:,}".replace(",", " ")


def budget_table(ds: xr.Dataset) -> str:
    """The resultatbudget and the balance requirement, a row per line, a column per year.

    With more than one path, each cell is the mean over paths.
    """
    n_paths = ds.sizes["path"]
    years = [int(y) for y in ds["year"].values]
    keys = LINE_KEYS + BALANCE_ROWS
    label_w = max(len(ds[k].attrs["long_name"]) for k in keys) + 2
    col_w = 9
    title = ds.attrs.get("title", "")
    lines = [title, f"{'Mnkr':<{label_w}}" + "".join(f"{y:>{col_w}}" for y in years)]
    if n_paths > 1:
        lines.insert(1, f"Medelvärde över {n_paths} scenarier")

    def row(key: str) -> str:
        da = ds[key]
        vals = da.mean("path").values if n_paths > 1 else da.isel(path=0).values
        label = da.attrs["long_name"]
        return f"{label:<{label_w}}" + "".join(f"{format_mnkr(v):>{col_w}}" for v in vals)

    lines += [row(k) for k in LINE_KEYS] + [""] + [row(k) for k in BALANCE_ROWS]
    return "\n".join(lines)
