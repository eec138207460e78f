"""Presentation: charts, text tables, the PDF report and the Excel workbook. Everything here
reads result Datasets (and the variable catalogue); compute code never imports this package."""

from __future__ import annotations


import numpy as np

__all__ = ["protected_fund", "plan_figures"]


def plan_figures(ds, name: str) -> np.ndarray:
    """The plan's figures of a line (``bkr`` or ``net_result``) as the plan prints them (one
    number, one value: every table, chart and sheet shows these), or the model's own
    calculation of them when the config gives no printed figures."""
    printed = f"{name}_plan_printed"
    return (ds[printed] if printed in ds else ds[f"{name}_plan"]).values


def protected_fund(ds) -> str | None:
    """The fund with a protection level (the dynamic rule), found by its role in the results:
    the one whose protection level (``fund_floor_fan`` of a run, ``fund_floor`` of a stress
    test) is a number; None when no fund has one."""
    for name in ("fund_floor_fan", "fund_floor"):
        if name in ds:
            da = ds[name]
            other = [d for d in da.dims if d != "fund"]
            finite = np.isfinite(da).any(dim=other).values if other else np.isfinite(da.values)
            hits = [str(f) for f, ok in zip(ds["fund"].values, finite) if ok]
            return hits[0] if hits else None
    return None
