"""Resolve a validated plan config to the arrays the budget model runs on.

:class:`BudgetPlan` is the plan itself, path-independent: the given budget lines, the base-year
split of the operating costs with each component's forecast growth, the portfolios' planned
capital and expected returns, the pension liability, and the balance-requirement rules. What
happens on a path (the factors' deviations, the funds' results) is the input of
:class:`sim.budget.Budget`.

All amounts are mnkr; growth and inflation are percent per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import PlanConfig
from ..params import Series
from .records import DRAW_MODES, ReserveRules


__all__ = ["BudgetPlan"]


def _rate(rate, year: int) -> float:
    """A fund's budgeted rate in ``year``: one rate for every year, or the series' value."""
    return rate.at(year) if isinstance(rate, Series) else rate.value


@dataclass(frozen=True)
class BudgetPlan:
    """The plan as flat arrays. Shapes: ``Y`` plan years, ``K`` cost components, ``P`` funds."""

    name: str
    years: np.ndarray                 # (Y,) int
    # The plan's given lines [mnkr], signs as printed (costs negative).
    operating_income: np.ndarray      # (Y,)
    operating_costs: np.ndarray       # (Y,)
    depreciation: np.ndarray          # (Y,)
    tax_revenue: np.ndarray           # (Y,)
    general_grants_equalisation: np.ndarray  # (Y,)
    financial_income: np.ndarray      # (Y,)
    financial_costs: np.ndarray       # (Y,)
    # Operating-cost components.
    component_keys: tuple[str, ...]   # (K,)
    component_labels: tuple[str, ...]
    component_base: np.ndarray        # (K,) base-year amount [mnkr, positive]
    component_growth: np.ndarray      # (K, Y) forecast growth of each index, at its lag [%]
    component_lags: tuple[int, ...]   # (K,) years between a driver's year and its effect
    component_drivers: tuple[tuple[str, ...], ...]  # scenario factors moving each component
    component_elasticity: np.ndarray  # (K,) growth points per point of the drivers' deviation
    component_persistence: np.ndarray  # (K,) share of a year's driven deviation kept next year
    # Pre-plan years (between the information date and the plan, :mod:`sim.information`):
    # their forecast growth, so a deviation there moves the plan years' levels.
    n_pre: int
    pre_component_growth: np.ndarray  # (K, n_pre) forecast growth of each index, at its lag [%]
    pre_tax_base_growth: np.ndarray   # (n_pre,) forecast [%]
    # Taxes.
    tax_base_growth: np.ndarray       # (Y,) forecast [%]
    tax_drivers: tuple[str, ...]
    # Delivery of the planned cost measures (``PlanConfig.measures``): every path's share
    # delivered is ``measures_mean``, or a draw from the beta law ``measures_beta`` (a, b).
    measures_mean: float
    measures_beta: tuple[float, float] | None
    # Operating income against plan (``PlanConfig.income``): each path's relative change,
    # ``income_change_mean`` plus a normal draw of ``income_change_sd`` [fraction], clipped to
    # [-1, 1]; the config's mean is 0 (a stress scenario sets it, with no spread).
    income_change_sd: float
    income_change_mean: float
    # Funds.
    fund_keys: tuple[str, ...]        # (P,)
    fund_labels: tuple[str, ...]
    fund_capital: np.ndarray          # (P, Y) planned capital at the start of the year [mnkr]
    fund_expected_return: np.ndarray  # (P, Y) [% per year] the return the plan budgets
    fund_unrealized_share: np.ndarray  # (P,) [fraction]
    # Pension liability.
    liability_opening: np.ndarray     # (Y,) provisions at the end of the previous year [mnkr]
    liability_inflation: np.ndarray   # (Y,) forecast inflation at the indexation lag [%]
    liability_indexed_share: float
    liability_lag: int
    liability_drivers: tuple[str, ...]
    # Balance requirement.
    goal_share: float
    reserve: ReserveRules             # the RUR and the restoration rule, named as the config
    # The validated config, which the registered budget channels read their parameters and
    # labels from (:data:`sim.budget.records.BUDGET_CHANNELS`).
    config: PlanConfig = field(repr=False, compare=False)

    @classmethod
    def from_config(cls, cfg: PlanConfig) -> BudgetPlan:
        years = cfg.meta.years
        comps = cfg.costs.components
        fc = cfg.forecasts

        def series(key: str, lag: int = 0) -> np.ndarray:
            return np.array([fc[key].at(y - lag) for y in years])

        comp_growth = np.array([series(c.index, c.lag_years) for c in comps.values()])
        pre = list(range(cfg.start_year, years[0]))

        def pre_series(key: str, lag: int = 0) -> np.ndarray:
            return np.array([fc[key].at(y - lag) for y in pre], dtype=float)
        base_total = -cfg.plan.operating_costs[0]
        pl = cfg.pension_liability
        br = cfg.balance_requirement
        return cls(
            name=cfg.meta.name,
            years=np.array(years),
            **{name: np.array(getattr(cfg.plan, name), dtype=float)
               for name in cfg.plan.LINES},
            component_keys=tuple(comps),
            component_labels=tuple(c.label for c in comps.values()),
            component_base=np.array([c.share.value * base_total for c in comps.values()]),
            component_growth=comp_growth,
            n_pre=len(pre),
            pre_component_growth=np.array([pre_series(c.index, c.lag_years)
                                           for c in comps.values()]).reshape(len(comps), len(pre)),
            pre_tax_base_growth=pre_series(cfg.taxes.index),
            component_lags=tuple(c.lag_years for c in comps.values()),
            component_drivers=tuple(tuple(c.drivers) for c in comps.values()),
            component_elasticity=np.array([1.0 if c.elasticity is None else c.elasticity.value
                                           for c in comps.values()]),
            component_persistence=np.array([1.0 if c.persistence is None else
                                             c.persistence.value for c in comps.values()]),
            tax_base_growth=series(cfg.taxes.index),
            tax_drivers=tuple(cfg.taxes.drivers),
            measures_mean=cfg.measures.delivered_mean.value,
            measures_beta=cfg.measures.beta(),
            income_change_sd=cfg.income.change_sd.value,
            income_change_mean=0.0,
            fund_keys=tuple(cfg.funds),
            fund_labels=tuple(f.label for f in cfg.funds.values()),
            fund_capital=np.array([[f.capital.at(y) for y in years] for f in cfg.funds.values()]),
            fund_expected_return=np.array([[_rate(f.expected_return, y) for y in years]
                                           for f in cfg.funds.values()]),
            fund_unrealized_share=np.array([f.unrealized_share.value
                                            for f in cfg.funds.values()]),
            liability_opening=np.array([pl.provisions.at(y - 1) for y in years]),
            liability_inflation=series(pl.inflation_index, pl.lag_years),
            liability_indexed_share=pl.indexed_share.value,
            liability_lag=pl.lag_years,
            liability_drivers=tuple(pl.drivers),
            goal_share=br.goal_share.value,
            reserve=ReserveRules(
                start_balance=float(br.rur.start_balance.value),
                draw_when=DRAW_MODES[br.rur.draw_when],
                tax_base_growth_10y_average=float(br.rur.tax_base_growth_10y_average.value),
                max_draw_per_year=float(br.rur.max_draw_per_year.value),
                reserve_share_above_goal=float(br.rur.reserve_share_above_goal.value),
                restore_within_years=int(br.restore_within_years.value)),
            config=cfg,
        )

    @property
    def n_years(self) -> int:
        return len(self.years)

    def planned_components(self) -> np.ndarray:
        """Each component's planned amount per year [mnkr, positive], (K, Y).

        The base year holds the base-year split; later years grow with the component's
        forecast index: ``c_k(t) = c_k(t0) * prod_{s=t0+1..t} (1 + g_k(s)/100)``.
        """
        growth = 1.0 + self.component_growth[:, 1:] / 100.0
        cum = np.concatenate([np.ones((len(self.component_keys), 1)),
                              np.cumprod(growth, axis=1)], axis=1)
        return self.component_base[:, None] * cum

    def draw_delivered(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Each of ``n`` paths' share of the planned cost measures delivered, (n,): the mean
        when the law has no spread (``rng`` is then not used), else beta draws."""
        if self.measures_beta is None:
            return np.full(n, self.measures_mean)
        return rng.beta(*self.measures_beta, size=n)

    def draw_income_change(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Each of ``n`` paths' relative change of operating income against plan, (n,): the
        mean when the law has no spread (``rng`` is then not used)."""
        if self.income_change_sd == 0.0:
            return np.full(n, self.income_change_mean)
        return np.clip(self.income_change_mean + self.income_change_sd
                       * rng.standard_normal(n), -1.0, 1.0)

    def planned_fund_return(self) -> np.ndarray:
        """Each fund's budgeted return [mnkr], (P, Y): planned capital times expected return."""
        return self.fund_capital * self.fund_expected_return / 100.0
