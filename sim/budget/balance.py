"""The balance requirement (balanskravet), the RUR and the restoration of deficits.

See :func:`sim.budget._kernels.balance_requirement_nb` for the rule, year by year.
"""

from __future__ import annotations

import numpy as np

from ._kernels import balance_requirement_nb
from .plan import BudgetPlan

__all__ = ["balance_requirement", "BALANCE_KEYS"]

BALANCE_KEYS = ("rur_drawn", "rur_reserved", "rur_balance", "balance_requirement_result_after_rur",
                "deficit_restored", "deficit_outstanding", "deficit_unrestored")


def balance_requirement(plan: BudgetPlan, bkr: np.ndarray, goal: np.ndarray,
                        tax_base_growth: np.ndarray) -> dict[str, np.ndarray]:
    """Apply the RUR and the three-year restoration rule to each path.

    Parameters
    ----------
    plan : the plan's rules (RUR start, draw rule, reservation share, restoration window).
    bkr : balanskravsresultat before the reserve [mnkr], ``(N, Y)``.
    goal : the 1 % goal [mnkr], ``(N, Y)``.
    tax_base_growth : realized tax-base growth [% per year], ``(N, Y)``; drives the draw rule.

    Returns
    -------
    dict of ``(N, Y)`` arrays [mnkr], keyed by :data:`BALANCE_KEYS`.
    """
    bkr = np.ascontiguousarray(bkr, dtype=np.float64)
    goal = np.ascontiguousarray(np.broadcast_to(goal, bkr.shape), dtype=np.float64)
    growth = np.ascontiguousarray(np.broadcast_to(tax_base_growth, bkr.shape), dtype=np.float64)
    out = {k: np.empty_like(bkr) for k in BALANCE_KEYS}
    balance_requirement_nb(bkr, goal, growth, float(plan.rur_start), int(plan.rur_draw_mode),
                           float(plan.rur_tax_base_growth_average), float(plan.rur_max_draw),
                           float(plan.rur_reserve_share), int(plan.restore_within_years),
                           *(out[k] for k in BALANCE_KEYS))
    return out
