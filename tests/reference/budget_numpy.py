"""The budget in plain NumPy, written again from the equations (docs/models/budget.md): the
reference of :class:`sim.budget.Budget`.

It shares no computed constant with the kernel: the planned cost components, the planned fund
returns, the planned cost measures and the other financial income are derived here from the
plan's raw fields (base-year split, forecast growth, capital and expected return).

:class:`FactorPaths` is what happens on each path: realized growth of each cost index and of
the tax base, realized inflation for the liability and the funds' returns. :meth:`FactorPaths.at_forecast` is the plan's own world.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

__all__ = ["FactorPaths", "budget_lines", "run_budget"]


def _components(plan) -> np.ndarray:
    """Each component's planned amount (K, Y): base-year amount grown by its forecast index."""
    k, y = plan.component_growth.shape
    out = np.empty((k, y))
    out[:, 0] = plan.component_base
    for t in range(1, y):
        out[:, t] = out[:, t - 1] * (1.0 + plan.component_growth[:, t] / 100.0)
    return out


def _planned_return(plan) -> np.ndarray:
    """Each fund's budgeted return (P, Y): capital times expected return."""
    return plan.fund_capital * (plan.fund_expected_return / 100.0)


@dataclass(frozen=True)
class FactorPaths:
    """Realized factors per path and year (``N`` paths)."""

    component_growth: np.ndarray      # (N, K, Y) realized growth of each cost index [%]
    tax_base_growth: np.ndarray       # (N, Y) [%]
    pre_component_growth: np.ndarray  # (N, K, n_pre) the same in the pre-plan years
    pre_tax_base_growth: np.ndarray   # (N, n_pre)
    operations: np.ndarray            # (N, Y) operating overrun [% of operating costs]
    pre_operations: np.ndarray        # (N, n_pre)
    liability_inflation: np.ndarray   # (N, Y) realized inflation at the indexation lag [%]
    fund_return: np.ndarray           # (N, P, Y) [mnkr]
    fund_unrealized: np.ndarray       # (N, P, Y) [mnkr]
    measures_delivered: np.ndarray    # (N,) share of the planned cost measures delivered
    income_change: np.ndarray         # (N,) operating income's relative change against plan

    @classmethod
    def at_forecast(cls, plan, n_paths: int = 1) -> FactorPaths:
        ret = _planned_return(plan)

        def tile(a):
            return np.repeat(np.asarray(a, dtype=float)[None], n_paths, axis=0)

        return cls(component_growth=tile(plan.component_growth),
                   tax_base_growth=tile(plan.tax_base_growth),
                   pre_component_growth=tile(plan.pre_component_growth),
                   pre_tax_base_growth=tile(plan.pre_tax_base_growth),
                   operations=np.zeros((n_paths, plan.n_years)),
                   pre_operations=np.zeros((n_paths, plan.n_pre)),
                   liability_inflation=tile(plan.liability_inflation),
                   fund_return=tile(ret),
                   fund_unrealized=tile(ret * plan.fund_unrealized_share[:, None]),
                   measures_delivered=np.ones(n_paths), income_change=np.zeros(n_paths))

    @classmethod
    def from_deviations(cls, plan, deviations: dict[str, np.ndarray],
                        first_year: int) -> FactorPaths:
        """Each budget part: its forecast growth plus its drivers' deviations ``lag`` years
        earlier (none before ``first_year``, the deviations' first calendar year); funds at
        their planned return. The pre-plan years get the same."""
        n = next(iter(deviations.values())).shape[0]
        base = cls.at_forecast(plan, n)
        pre_years = [int(plan.years[0]) - plan.n_pre + j for j in range(plan.n_pre)]

        def shifted(drivers, lag, years=plan.years):
            total = np.zeros((n, len(years)))
            for name in drivers:
                dev = deviations[name]
                for j, year in enumerate(years):
                    src = int(year) - lag - first_year
                    if 0 <= src < dev.shape[1]:
                        total[:, j] += dev[:, src]
            return total

        comp = base.component_growth.copy()
        pre = base.pre_component_growth.copy()
        for k, (drivers, lag) in enumerate(zip(plan.component_drivers, plan.component_lags)):
            comp[:, k] += plan.component_elasticity[k] * shifted(drivers, lag)
            pre[:, k] += plan.component_elasticity[k] * shifted(drivers, lag, pre_years)
        return replace(base, component_growth=comp, pre_component_growth=pre,
                       operations=shifted(tuple(plan.config.operations.drivers), 0),
                       pre_operations=shifted(tuple(plan.config.operations.drivers), 0, pre_years),
                       pre_tax_base_growth=base.pre_tax_base_growth
                       + shifted(plan.tax_drivers, 0, pre_years),
                       tax_base_growth=base.tax_base_growth + shifted(plan.tax_drivers, 0),
                       liability_inflation=base.liability_inflation
                       + shifted(plan.liability_drivers, plan.liability_lag))

    @property
    def n_paths(self) -> int:
        return self.tax_base_growth.shape[0]

    def check(self, plan) -> None:
        n, k, p, y = self.n_paths, len(plan.component_keys), len(plan.fund_keys), plan.n_years
        want = {"component_growth": (n, k, y), "tax_base_growth": (n, y),
                "pre_component_growth": (n, k, plan.n_pre),
                "pre_tax_base_growth": (n, plan.n_pre),
                "operations": (n, y), "pre_operations": (n, plan.n_pre),
                "liability_inflation": (n, y),
                "fund_return": (n, p, y), "fund_unrealized": (n, p, y),
                "measures_delivered": (n,), "income_change": (n,)}
        for f in fields(self):
            got = getattr(self, f.name).shape
            if got != want[f.name]:
                raise ValueError(f"FactorPaths.{f.name}: shape {got}, expected {want[f.name]}")


def _index_ratio(realized, forecast, pre_realized, pre_forecast, persistence=None):
    """Realized over forecast index from the first pre-plan year, for the plan's years. With
    ``persistence`` (per component, the second axis) below 1, a year's ratio is its own
    growth ratio's excess over 1 plus that share of the year before's excess."""
    r = np.concatenate([pre_realized, realized], axis=-1)
    f = np.concatenate([np.broadcast_to(pre_forecast, pre_realized.shape), forecast
                        * np.ones(realized.shape)], axis=-1)
    growth = (1.0 + r / 100.0) / (1.0 + f / 100.0)
    out = np.cumprod(growth, axis=-1)
    if persistence is not None:
        for k, rho in enumerate(persistence):
            if rho == 1.0:
                continue
            excess = np.zeros(growth.shape[0])
            for t in range(growth.shape[-1]):
                excess = rho * excess + (growth[:, k, t] - 1.0)
                out[:, k, t] = 1.0 + excess
    return out[..., pre_realized.shape[-1]:]


def budget_lines(plan, f: FactorPaths) -> dict[str, np.ndarray]:
    """Every budget line per path and year [mnkr], plus the parts behind them."""
    f.check(plan)
    n, y = f.n_paths, plan.n_years
    planned = _components(plan)
    measures = plan.operating_costs + planned.sum(axis=0)
    comp = planned[None] * _index_ratio(f.component_growth, plan.component_growth,
                                        f.pre_component_growth, plan.pre_component_growth,
                                        plan.component_persistence)
    ratio = np.cumprod(1.0 + np.concatenate([f.pre_operations, f.operations], axis=1) / 100.0,
                       axis=1)[:, plan.n_pre:]
    overrun = (ratio - 1.0) * (-plan.operating_costs[None])
    # a measure is what lowers the costs: only a positive unexplained part can go undelivered
    undelivered = (1.0 - f.measures_delivered[:, None]) * np.clip(measures, 0.0, None)[None]
    operating_costs = measures[None] - comp.sum(axis=1) - overrun - undelivered
    operating_income = plan.operating_income[None] * (1.0 + f.income_change[:, None])
    net_operating_cost = operating_income + operating_costs + plan.depreciation[None]
    tax = plan.tax_revenue[None] * _index_ratio(f.tax_base_growth, plan.tax_base_growth,
                                                f.pre_tax_base_growth, plan.pre_tax_base_growth)
    grants = np.broadcast_to(plan.general_grants_equalisation, (n, y))
    operating_result = net_operating_cost + tax + grants
    other_fin = plan.financial_income - _planned_return(plan).sum(axis=0)
    financial_income = other_fin[None] + f.fund_return.sum(axis=1)
    financial_costs = plan.financial_costs[None] - (
        plan.liability_indexed_share * plan.liability_opening[None]
        * (f.liability_inflation - plan.liability_inflation[None]) / 100.0)
    net_result = operating_result + financial_income + financial_costs
    ppr = -f.fund_unrealized.sum(axis=1)
    bkr = net_result + ppr
    required = plan.goal_share * (tax + grants)
    return {
        "operating_income": operating_income, "operating_costs": operating_costs,
        "depreciation": np.broadcast_to(plan.depreciation, (n, y)).copy(),
        "net_operating_cost": net_operating_cost, "tax_revenue": tax,
        "general_grants_equalisation": np.array(grants), "operating_result": operating_result,
        "financial_income": financial_income, "financial_costs": financial_costs,
        "net_result": net_result, "pension_portfolio_return": ppr,
        "balance_requirement_result": bkr, "required_result_1pct": required,
        "measures_needed": required - bkr, "operating_cost_components": -comp,
        "planned_cost_measures": np.broadcast_to(measures, (n, y)).copy(),
        "other_financial_income": np.broadcast_to(other_fin, (n, y)).copy(),
        "fund_return": f.fund_return.copy(), "fund_unrealized": f.fund_unrealized.copy(),
    }


def run_budget(plan, f: FactorPaths) -> dict[str, np.ndarray]:
    """Budget lines and the balance requirement (the NumPy recursion of ``model_numpy``)."""
    from .model_numpy import balance_requirement

    out = budget_lines(plan, f)
    out.update(balance_requirement(plan, out["balance_requirement_result"],
                                   out["required_result_1pct"], f.tax_base_growth))
    return out
