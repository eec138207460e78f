"""Run stress scenarios: each deterministically, and optionally as the centre of a Monte Carlo.

The result is one Dataset with a ``scenario`` dimension (the plan's own world, ``bas``, first):
the deterministic budget, balance requirement and portfolios per scenario and year, and with
``paths`` the Monte Carlo summary of :class:`sim.summary.Summary` around each scenario, all on
the same random numbers (the same seed and blocks for every scenario).

Deterministic means every random shock at zero. The budget factors then sit at their forecasts,
but the portfolios do not earn their budgeted return (with zero shocks the equity model earns
its calm-regime drift, not its long-run mean). So the deterministic budget counts the funds'
results as **the plan's budgeted return plus the scenario's effect** (the scenario's simulated
fund results minus those of ``bas``): ``bas`` is exactly the plan, and every scenario is the
plan moved by what the scenario does. The portfolio values, floors and breaches reported are
the strategy's own simulated paths.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from ..engine import Engine
from ..engine import run as run_mc
from ..esg.model import zero_innovations
from ..catalogue import annotate
from .scenario import BASE, Scenario, scenario_shifts

__all__ = ["run_stress", "scenario_result", "plan_offset", "DETERMINISTIC_KEYS"]

#: Per scenario and year from the deterministic run (labels and units: sim/catalogue.py).
DETERMINISTIC_KEYS = (
    "net_result", "balance_requirement_result", "required_result_1pct", "financial_income",
    "financial_costs", "operating_costs", "tax_revenue", "rur_drawn", "rur_balance",
    "balance_requirement_result_after_rur", "deficit_restored", "deficit_outstanding",
    "deficit_unrestored", "kpif_annual",
)


def plan_offset(e: Engine) -> tuple[np.ndarray, np.ndarray]:
    """What turns the zero-shock funds' yearly results into the plan's budgeted ones
    (:meth:`sim.engine.Engine.plan_offset`)."""
    return e.plan_offset()


def _deterministic(e: Engine, shifts, offset, delivered=None,
                   income=None) -> dict[str, tuple]:
    """One path with every random shock at zero, moved by the scenario's shifts; ``delivered``
    the share of the planned measures delivered (default: all, as the plan), ``income`` the
    relative change of operating income (default: none)."""
    r = e.run_block(zero_innovations(e.esg, 1), fund_months=True, shifts=shifts,
                    fund_offset=offset,
                    delivered=None if delivered is None else np.array([delivered]),
                    income_change=None if income is None else np.array([income]))
    y = e.plan.n_years
    b, f = r.budget, r.funds
    out = {key: (("year",), (r.esg.kpif_annual if key == "kpif_annual" else getattr(b, key))
                 [0, :y]) for key in DETERMINISTIC_KEYS}
    out["margin_to_goal"] = (("year",), (b.balance_requirement_result
                                         - b.required_result_1pct)[0, :y])
    out["cost_component"] = (("component", "year"), -b.operating_cost_components[0, :, :y])
    out["fund_value"] = (("fund", "year"), f.value_end[0, :, :y])
    out["fund_return"] = (("fund", "year"), f.year_return[0, :, :y] + offset[0])
    floor = f.floor[0, :, 11::12][:, :y]      # the floor at each year's last month
    out["fund_floor"] = (("fund", "year"), floor)
    out["fund_breach_months"] = (("fund", "year"), f.breach_months[0, :, :y])
    out["fund_worst_fall_12m"] = (("fund", "year"), f.worst_fall_12m[0, :, :y])
    eq = r.esg.equity_log_return[0].reshape(-1, 12).sum(axis=1)[:y]
    out["equity_return"] = (("year",), np.expm1(eq))
    out["short_rate_end"] = (("year",), r.esg.short_rate[0, 11::12][:y])
    return out


def _with_channels(e: Engine, share: float | None, income: float | None) -> Engine:
    """``e`` with every path delivering ``share`` of the planned measures and changing its
    operating income by ``income``, where the scenario sets them."""
    if share is None and income is None:
        return e
    fixed = {}
    if share is not None:
        fixed.update(measures_mean=share, measures_beta=None)
    if income is not None:
        fixed.update(income_change_mean=income, income_change_sd=0.0)
    out = copy.copy(e)
    out.plan = dataclasses.replace(e.plan, **fixed)
    return out


def scenario_result(e: Engine, cfg, key: str, sc: Scenario, seed: int, paths: int = 0,
                    threads: int = 1, progress=None):
    """One scenario on engine ``e`` (built for ``cfg`` and ``seed``): its deterministic run
    and, with ``paths``, the Monte Carlo around it, as a Dataset over ``year`` (and the
    summary's dimensions). The one computation of :func:`run_stress` and ``sim serve``."""
    import xarray as xr

    shifts = scenario_shifts(sc, e.esg, key)
    delivered = None if sc.measures_delivered is None else sc.measures_delivered.value
    income = None if sc.income_change is None else sc.income_change.value
    data = _deterministic(e, shifts, plan_offset(e), delivered, income)
    ds = xr.Dataset(data, coords={"year": e.plan.years, "fund": list(e.plan.fund_keys),
                                  "component": list(e.plan.component_keys)})
    if paths:
        mc = run_mc(cfg, paths, seed, threads=threads, shifts=shifts,
                    engine=_with_channels(e, delivered, income), progress=progress)
        ds = xr.merge([ds, mc], combine_attrs="override")
    return ds


def run_stress(cfg, scenarios: list[tuple[str, Scenario]], seed: int, paths: int = 0,
               threads: int = 1, progress=None):
    """The scenarios (with ``bas`` first) as a Dataset with a ``scenario`` dimension."""
    import xarray as xr

    e = Engine(cfg, seed)
    if not any(k == "bas" for k, _ in scenarios):
        scenarios = [("bas", BASE)] + list(scenarios)
    parts = [scenario_result(e, cfg, key, sc, seed, paths, threads, progress)
             .expand_dims(scenario=[key]) for key, sc in scenarios]
    out = xr.concat(parts, dim="scenario", combine_attrs="override")
    out = out.assign_coords(
        scenario_label=("scenario", [sc.label for _, sc in scenarios]),
        scenario_description=("scenario", [sc.description for _, sc in scenarios]),
        scenario_source=("scenario", [sc.source for _, sc in scenarios]),
        fund_label=("fund", list(e.plan.fund_labels)),
        component_label=("component", list(e.plan.component_labels)))
    out.attrs.update({"paths": int(paths), "scenarios": ", ".join(k for k, _ in scenarios),
                      "scenario_json": "[" + ", ".join(
                          sc.model_dump_json() for _, sc in scenarios) + "]"})
    return annotate(out)
