"""The region's budget: resultatbudget lines from their parts, and the balance requirement."""

from .balance import BALANCE_KEYS, balance_requirement
from .lines import LINE_KEYS, budget_lines
from .plan import BudgetPlan, FactorPaths

__all__ = ["BudgetPlan", "FactorPaths", "budget_lines", "balance_requirement", "LINE_KEYS",
           "BALANCE_KEYS", "run_budget"]


def run_budget(plan: BudgetPlan, factors: FactorPaths) -> dict:
    """Budget lines and balance requirement for every path: one dict of arrays [mnkr]."""
    lines = budget_lines(plan, factors)
    lines.update(balance_requirement(plan, lines["balance_requirement_result"],
                                     lines["required_result_1pct"], factors.tax_base_growth))
    return lines
