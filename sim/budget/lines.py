"""The resultatbudget, line by line, from its parts.

Each line of the plan is explained by parts driven by factors; the part a line's factors do not
explain is derived once from the plan at its forecast and held fixed in mnkr. So with every factor
at its forecast the model returns the plan's own lines, and a factor off its forecast moves only
the part it drives:

* operating costs = - sum_k c_k(t) * R_k(t) + planned_cost_measures(t), where ``c_k`` is component
  k's planned amount and ``R_k(t) = prod_{s<=t} (1 + G_k(s)/100) / (1 + g_k(s)/100)`` the ratio of
  its realized index ``G`` to the forecast ``g`` since the first plan year;
* tax revenue = plan(t) * R_tax(t), the same ratio for the tax base;
* general grants and equalisation, operating income (times its level factor) and depreciation:
  as planned;
* financial income = other_financial_income(t) + sum_p fund return_p(t);
* financial costs = plan(t) - s * L(t-1) * (pi(t-lag) - pi_plan(t-lag)) / 100, the liability's
  indexation moving with realized inflation (``s`` the indexed share, ``L`` the provisions);
* pension_portfolio_return = - sum_p unrealized gain change_p(t): the unrealized part of the
  funds' return, removed to get the balanskravsresultat.

Derived lines follow the seed's arithmetic (DOMAIN.md). Everything is vectorized over paths; the
arrays are small (paths x years), so NumPy is the right tool here and the year recursion of the
balance requirement is the numba kernel (:mod:`sim.budget.balance`).
"""

from __future__ import annotations

import numpy as np

from .plan import BudgetPlan, FactorPaths

__all__ = ["budget_lines", "LINE_KEYS"]

#: The seed table's keys, in its order (see ``tests/data/resultatbudget_2023_2028.csv``).
LINE_KEYS = (
    "operating_income", "operating_costs", "depreciation", "net_operating_cost", "tax_revenue",
    "general_grants_equalisation", "operating_result", "financial_income", "financial_costs",
    "net_result", "pension_portfolio_return", "balance_requirement_result",
    "required_result_1pct", "measures_needed",
)


def _index_ratio(realized: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Cumulative ratio of realized to forecast index along the last axis (years)."""
    return np.cumprod((1.0 + realized / 100.0) / (1.0 + forecast / 100.0), axis=-1)


def budget_lines(plan: BudgetPlan, factors: FactorPaths) -> dict[str, np.ndarray]:
    """Every budget line per path and year [mnkr], plus the parts behind them.

    Returns a dict with the :data:`LINE_KEYS` (each ``(N, Y)``) and
    ``operating_cost_components`` ``(N, K, Y)`` (negative, as costs), ``planned_cost_measures``,
    ``other_financial_income`` and ``fund_return`` ``(N, P, Y)``, ``fund_unrealized`` ``(N, P, Y)``.
    """
    factors.check(plan)
    n = factors.n_paths

    planned_comp = plan.planned_components()                              # (K, Y)
    measures = plan.operating_costs + planned_comp.sum(axis=0)            # (Y,)
    comp = planned_comp[None] * _index_ratio(factors.component_growth, plan.component_growth)
    operating_costs = -comp.sum(axis=1) + measures[None]

    operating_income = plan.operating_income[None] * factors.operating_income_level
    depreciation = np.broadcast_to(plan.depreciation, (n, plan.n_years))
    net_operating_cost = operating_income + operating_costs + depreciation

    tax_revenue = plan.tax_revenue[None] * _index_ratio(factors.tax_base_growth,
                                                        plan.tax_base_growth)
    grants = np.broadcast_to(plan.general_grants_equalisation, (n, plan.n_years))
    operating_result = net_operating_cost + tax_revenue + grants

    other_fin = plan.financial_income - plan.planned_fund_return().sum(axis=0)   # (Y,)
    financial_income = other_fin[None] + factors.fund_return.sum(axis=1)
    financial_costs = plan.financial_costs[None] - (
        plan.liability_indexed_share * plan.liability_opening[None]
        * (factors.liability_inflation - plan.liability_inflation[None]) / 100.0)
    net_result = operating_result + financial_income + financial_costs

    pension_portfolio_return = -factors.fund_unrealized.sum(axis=1)
    bkr = net_result + pension_portfolio_return
    required = plan.goal_share * (tax_revenue + grants)

    return {
        "operating_income": operating_income,
        "operating_costs": operating_costs,
        "depreciation": np.array(depreciation),
        "net_operating_cost": net_operating_cost,
        "tax_revenue": tax_revenue,
        "general_grants_equalisation": np.array(grants),
        "operating_result": operating_result,
        "financial_income": financial_income,
        "financial_costs": financial_costs,
        "net_result": net_result,
        "pension_portfolio_return": pension_portfolio_return,
        "balance_requirement_result": bkr,
        "required_result_1pct": required,
        "measures_needed": required - bkr,
        "operating_cost_components": -comp,
        "planned_cost_measures": np.broadcast_to(measures, (n, plan.n_years)).copy(),
        "other_financial_income": np.broadcast_to(other_fin, (n, plan.n_years)).copy(),
        "fund_return": factors.fund_return.copy(),
        "fund_unrealized": factors.fund_unrealized.copy(),
    }
