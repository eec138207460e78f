"""The budget of a block of Monte Carlo paths in one numba pass (the engine's fast path).

:func:`block_budget` gives what ``FactorPaths.from_deviations`` + ``run_budget`` + the driver
split give, from the generator's yearly deviations and the funds' yearly results; the NumPy
path stays the reference and the deterministic run (``tests/budget/test_block.py``).
"""

from __future__ import annotations

import numpy as np

from ._kernels import budget_block_nb
from .balance import balance_requirement
from .lines import LINE_KEYS
from .plan import BudgetPlan

__all__ = ["BlockBudget"]


class BlockBudget:
    """A plan's budget resolved once for the fast path; ``factors`` names ``dev``'s rows."""

    def __init__(self, plan: BudgetPlan, factors: tuple[str, ...], by_sales: np.ndarray,
                 base: dict):
        """``by_sales`` (P,): funds counted by their sales; ``base``: the plan's own budget
        (``run_budget`` at ``FactorPaths.at_forecast``), the baseline of the driver split."""
        self.plan = plan

        def weights(drivers: tuple[str, ...], scale: float = 1.0) -> np.ndarray:
            w = np.zeros(len(factors))
            for d in drivers:
                w[factors.index(d)] += scale
            return w

        # Everything below is the same for every block: resolved here, once.
        self._args = (
            plan.planned_components(), plan.component_growth,
            np.array(plan.component_lags, np.int64),
            np.array([weights(d, e) for d, e in zip(plan.component_drivers,
                                                     plan.component_elasticity)]),
            plan.tax_revenue, plan.tax_base_growth, weights(plan.tax_drivers),
            plan.liability_opening, weights(plan.liability_drivers), plan.liability_lag,
            plan.liability_indexed_share, plan.operating_income, plan.depreciation,
            plan.general_grants_equalisation, plan.financial_costs,
            base["planned_cost_measures"][0], base["other_financial_income"][0],
            plan.fund_unrealized_share, np.asarray(by_sales), plan.goal_share,
            base["operating_cost_components"][0], base["tax_revenue"][0],
            (base["fund_return"] - base["fund_unrealized"])[0], base["financial_costs"][0])

    def __call__(self, dev: np.ndarray, fund_return: np.ndarray,
                 fund_unrealized: np.ndarray) -> dict[str, np.ndarray]:
        """Budget lines, components, driver split and balance requirement per path.

        ``dev`` (N, F, Y') deviations from forecast from the plan's first year; ``fund_return``
        and ``fund_unrealized`` (N, P, Y') the funds' yearly results [mnkr].
        """
        pl = self.plan
        n, y, k, p = dev.shape[0], pl.n_years, len(pl.component_keys), len(pl.fund_keys)
        lines = np.empty((n, len(LINE_KEYS), y))
        comp = np.empty((n, k, y))
        contrib = np.empty((n, k + 2 + p, y))
        tax_growth = np.empty((n, y))
        budget_block_nb(
            np.ascontiguousarray(dev, dtype=np.float64),
            np.ascontiguousarray(fund_return[:, :, :y], dtype=np.float64),
            np.ascontiguousarray(fund_unrealized[:, :, :y], dtype=np.float64),
            *self._args, lines, comp, contrib, tax_growth)
        out = {key: np.ascontiguousarray(lines[:, j]) for j, key in enumerate(LINE_KEYS)}
        out["operating_cost_components"] = comp
        out["contributions"] = contrib
        out.update(balance_requirement(pl, out["balance_requirement_result"],
                                       out["required_result_1pct"], tax_growth))
        return out
