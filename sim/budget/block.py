"""The budget of a block of Monte Carlo paths in one numba pass (the engine's fast path).

:func:`block_budget` gives what ``FactorPaths.from_deviations`` + ``run_budget`` + the driver
split give, from the generator's yearly deviations and the funds' yearly results; the NumPy
path stays the reference and the deterministic run (``tests/budget/test_block.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._kernels import budget_block_nb
from .balance import balance_requirement
from .lines import LINE_KEYS
from .plan import BudgetPlan

__all__ = ["BlockBudget"]


@dataclass(frozen=True)
class BlockBudget:
    """A plan's budget resolved once for the fast path; ``factors`` names ``dev``'s rows."""

    plan: BudgetPlan
    factors: tuple[str, ...]
    by_sales: np.ndarray          # (P,) funds counted by their sales
    base: dict                    # the plan's own budget (FactorPaths.at_forecast)

    def weights(self, drivers: tuple[str, ...], scale: float = 1.0) -> np.ndarray:
        w = np.zeros(len(self.factors))
        for d in drivers:
            w[self.factors.index(d)] += scale
        return w

    def __call__(self, dev: np.ndarray, fund_return: np.ndarray,
                 fund_unrealized: np.ndarray) -> dict[str, np.ndarray]:
        """Budget lines, components, driver split and balance requirement per path.

        ``dev`` (N, F, Y') deviations from forecast from the plan's first year; ``fund_return``
        and ``fund_unrealized`` (N, P, Y) the funds' yearly results [mnkr].
        """
        pl = self.plan
        n, y, k = dev.shape[0], pl.n_years, len(pl.component_keys)
        p = len(pl.fund_keys)
        comp_w = np.array([self.weights(d, e) for d, e in
                           zip(pl.component_drivers, pl.component_elasticity)])
        base = self.base
        lines = np.empty((n, len(LINE_KEYS), y))
        comp = np.empty((n, k, y))
        contrib = np.empty((n, k + 2 + p, y))
        tax_growth = np.empty((n, y))
        budget_block_nb(
            np.ascontiguousarray(dev, dtype=np.float64),
            np.ascontiguousarray(fund_return[:, :, :y], dtype=np.float64),
            np.ascontiguousarray(fund_unrealized[:, :, :y], dtype=np.float64),
            pl.planned_components(), pl.component_growth, np.array(pl.component_lags, np.int64),
            comp_w, pl.tax_revenue, pl.tax_base_growth, self.weights(pl.tax_drivers),
            pl.liability_opening, self.weights(pl.liability_drivers), pl.liability_lag,
            pl.liability_indexed_share, pl.operating_income, pl.depreciation,
            pl.general_grants_equalisation, pl.financial_costs,
            base["planned_cost_measures"][0], base["other_financial_income"][0],
            pl.fund_unrealized_share, self.by_sales, pl.goal_share,
            base["operating_cost_components"][0], base["tax_revenue"][0],
            (base["fund_return"] - base["fund_unrealized"])[0], base["financial_costs"][0],
            lines, comp, contrib, tax_growth)
        out = {key: np.ascontiguousarray(lines[:, j]) for j, key in enumerate(LINE_KEYS)}
        out["operating_cost_components"] = comp
        out["contributions"] = contrib
        out.update(balance_requirement(pl, out["balance_requirement_result"],
                                       out["required_result_1pct"], tax_growth))
        return out
