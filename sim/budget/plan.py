"""Resolve a validated plan config to the arrays the budget model runs on.

Two types cross this boundary:

* :class:`BudgetPlan` -- the plan itself, path-independent: the given budget lines, the base-year
  split of the operating costs with each component's forecast growth, the portfolios' planned
  capital and expected returns, the pension liability, and the balance-requirement rules.
* :class:`FactorPaths` -- what actually happens, per path and year: realized growth of each cost
  index and of the tax base, realized inflation for the liability, the operating-income level and
  the portfolios' returns. :meth:`FactorPaths.at_forecast` is the plan's own world (every shock
  zero); the scenario generator and the portfolio strategies fill it otherwise.

All amounts are mnkr; growth and inflation are percent per year.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..config import PlanConfig

__all__ = ["BudgetPlan", "FactorPaths", "DRAW_MODES"]

#: Codes of ``balance_requirement.rur.draw_when`` passed to the numba kernel.
DRAW_MODES = {"never": 0, "tax_base_below_average": 1, "any_deficit": 2}


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
    # Taxes.
    tax_base_growth: np.ndarray       # (Y,) forecast [%]
    tax_drivers: tuple[str, ...]
    # Funds.
    fund_keys: tuple[str, ...]        # (P,)
    fund_labels: tuple[str, ...]
    fund_capital: np.ndarray          # (P, Y) planned capital at the start of the year [mnkr]
    fund_expected_return: np.ndarray  # (P,) [% per year]
    fund_unrealized_share: np.ndarray  # (P,) [fraction]
    # Pension liability.
    liability_opening: np.ndarray     # (Y,) provisions at the end of the previous year [mnkr]
    liability_inflation: np.ndarray   # (Y,) forecast inflation at the indexation lag [%]
    liability_indexed_share: float
    liability_lag: int
    liability_drivers: tuple[str, ...]
    # Balance requirement.
    goal_share: float
    restore_within_years: int
    rur_start: float
    rur_draw_mode: int
    rur_tax_base_growth_average: float
    rur_max_draw: float
    rur_reserve_share: float

    @classmethod
    def from_config(cls, cfg: PlanConfig) -> BudgetPlan:
        years = cfg.meta.years
        comps = cfg.costs.components
        fc = cfg.forecasts

        def series(key: str, lag: int = 0) -> np.ndarray:
            return np.array([fc[key].at(y - lag) for y in years])

        comp_growth = np.array([series(c.index, c.lag_years) for c in comps.values()])
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
            component_lags=tuple(c.lag_years for c in comps.values()),
            component_drivers=tuple(tuple(c.drivers) for c in comps.values()),
            component_elasticity=np.array([1.0 if c.elasticity is None else c.elasticity.value
                                           for c in comps.values()]),
            tax_base_growth=series(cfg.taxes.index),
            tax_drivers=tuple(cfg.taxes.drivers),
            fund_keys=tuple(cfg.funds),
            fund_labels=tuple(f.label for f in cfg.funds.values()),
            fund_capital=np.array([[f.capital.at(y) for y in years] for f in cfg.funds.values()]),
            fund_expected_return=np.array([f.expected_return.value for f in cfg.funds.values()]),
            fund_unrealized_share=np.array([f.unrealized_share.value
                                            for f in cfg.funds.values()]),
            liability_opening=np.array([pl.provisions.at(y - 1) for y in years]),
            liability_inflation=series(pl.inflation_index, pl.lag_years),
            liability_indexed_share=pl.indexed_share.value,
            liability_lag=pl.lag_years,
            liability_drivers=tuple(pl.drivers),
            goal_share=br.goal_share.value,
            restore_within_years=int(br.restore_within_years.value),
            rur_start=br.rur.start_balance.value,
            rur_draw_mode=DRAW_MODES[br.rur.draw_when],
            rur_tax_base_growth_average=br.rur.tax_base_growth_10y_average.value,
            rur_max_draw=br.rur.max_draw_per_year.value,
            rur_reserve_share=br.rur.reserve_share_above_goal.value,
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

    def planned_fund_return(self) -> np.ndarray:
        """Each fund's budgeted return [mnkr], (P, Y): planned capital times expected return."""
        return self.fund_capital * self.fund_expected_return[:, None] / 100.0


@dataclass(frozen=True)
class FactorPaths:
    """Realized factors per path and year (``N`` paths). Zero shocks = :meth:`at_forecast`."""

    component_growth: np.ndarray      # (N, K, Y) realized growth of each cost index, at its lag [%]
    tax_base_growth: np.ndarray       # (N, Y) realized tax-base growth [%]
    liability_inflation: np.ndarray   # (N, Y) realized inflation at the indexation lag [%]
    operating_income_level: np.ndarray  # (N, Y) operating income relative to plan [1 = plan]
    fund_return: np.ndarray           # (N, P, Y) realized return of each fund [mnkr]
    fund_unrealized: np.ndarray       # (N, P, Y) change in unrealized gains in the year [mnkr]

    @classmethod
    def at_forecast(cls, plan: BudgetPlan, n_paths: int = 1) -> FactorPaths:
        """Every factor at the plan's forecast: the deterministic world of the plan."""
        ret = plan.planned_fund_return()

        def tile(a: np.ndarray) -> np.ndarray:
            return np.repeat(np.asarray(a, dtype=float)[None], n_paths, axis=0)  # writable copy

        return cls(
            component_growth=tile(plan.component_growth),
            tax_base_growth=tile(plan.tax_base_growth),
            liability_inflation=tile(plan.liability_inflation),
            operating_income_level=tile(np.ones(plan.n_years)),
            fund_return=tile(ret),
            fund_unrealized=tile(ret * plan.fund_unrealized_share[:, None]),
        )

    @classmethod
    def from_deviations(cls, plan: BudgetPlan, deviations: dict[str, np.ndarray],
                        first_year: int) -> FactorPaths:
        """The budget's factors from the scenario generator's yearly deviations from forecast.

        ``deviations[name]`` is ``(N, Y')`` in percentage points for years ``first_year ...``
        (``inflation`` and the yearly factors). Each budget part takes its forecast growth plus
        the sum of its drivers' deviations in the year ``lag`` years earlier; a year before
        ``first_year`` has no deviation (its outturn is known). Funds stay at their planned
        return and operating income at plan.
        """
        n = next(iter(deviations.values())).shape[0]
        base = cls.at_forecast(plan, n)

        def shifted(drivers: tuple[str, ...], lag: int) -> np.ndarray:
            total = np.zeros((n, plan.n_years))
            for name in drivers:
                dev = deviations[name]
                for j, year in enumerate(plan.years):
                    src = int(year) - lag - first_year
                    if 0 <= src < dev.shape[1]:
                        total[:, j] += dev[:, src]
            return total

        comp = base.component_growth.copy()
        for k, (drivers, lag) in enumerate(zip(plan.component_drivers, plan.component_lags)):
            comp[:, k] += plan.component_elasticity[k] * shifted(drivers, lag)
        return replace(
            base, component_growth=comp,
            tax_base_growth=base.tax_base_growth + shifted(plan.tax_drivers, 0),
            liability_inflation=base.liability_inflation
            + shifted(plan.liability_drivers, plan.liability_lag))

    @property
    def n_paths(self) -> int:
        return self.tax_base_growth.shape[0]

    def check(self, plan: BudgetPlan) -> None:
        """Raise ValueError if a shape does not fit ``plan``."""
        n, k, p, y = self.n_paths, len(plan.component_keys), len(plan.fund_keys), plan.n_years
        want = {"component_growth": (n, k, y), "tax_base_growth": (n, y),
                "liability_inflation": (n, y), "operating_income_level": (n, y),
                "fund_return": (n, p, y), "fund_unrealized": (n, p, y)}
        for f in fields(self):
            got = getattr(self, f.name).shape
            if got != want[f.name]:
                raise ValueError(f"FactorPaths.{f.name}: shape {got}, expected {want[f.name]} "
                                 "(paths, [components|funds,] years)")
