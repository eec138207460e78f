"""The budget model: the plan resolved once into the kernel's records, then one numba pass per
block of paths (:func:`sim.budget._kernels.budget_block_nb`) followed by the balance
requirement (:func:`sim.budget._kernels.balance_requirement_nb`).

It is the only implementation in production: the deterministic run, the stress tests and the
Monte Carlo all call :class:`Budget`. Each line of the plan is explained by parts driven by
factors; the part a line's factors do not explain is derived once from the plan at its
forecast and held fixed in mnkr, so with every factor at its forecast the model returns the
plan's own lines and a factor off its forecast moves only the part it drives:

* operating costs = - sum_k c_k(t) R_k(t) + planned_cost_measures(t) - overrun(t)
  - (1 - S) max(planned_cost_measures(t), 0), with ``S`` the path's share of the measures
  delivered (``PlanConfig.measures``) and ``c_k`` component
  k's planned amount and ``R_k(t) = prod_{s<=t} (1 + G_k(s)/100) / (1 + g_k(s)/100)`` the
  ratio of its realized index ``G`` to the forecast ``g`` since the first plan year;
* tax revenue = plan(t) R_tax(t), the same ratio for the tax base;
* operating income = plan(t) (1 + X), X the path's relative change (``PlanConfig.income``);
* general grants and equalisation and depreciation: as planned;
* financial income = other_financial_income(t) + sum_p fund return_p(t);
* financial costs = plan(t) - s L(t-1) dev_pi(t - lag) / 100, the liability's indexation
  moving with realized inflation (``s`` the indexed share, ``L`` the provisions);
* pension_portfolio_return = - the unrealized part of the funds' return, removed to give the
  balanskravsresultat.

The derived lines follow the seed's arithmetic (docs/models/budget.md).
"""

from __future__ import annotations

import numpy as np

from ..catalogue import label
from ..esg.schema import DEVIATION_FACTORS
from ._kernels import balance_requirement_nb, budget_block_nb
from .plan import BudgetPlan
from .records import (BUDGET_CHANNELS, CHANNEL_DRIVERS, LINES, BalanceOut, Baseline, BudgetOut,
                      BudgetResult, FundResults, Lines, PlanArrays, PlanBudget, channel_params,
                      driver_rows, factor_weights)


__all__ = ["Budget", "LINE_KEYS", "BALANCE_KEYS", "driver_keys", "driver_labels",
           "balance_requirement"]

#: The seed table's keys, in its order (see ``tests/data/resultatbudget_2023_2028.csv``); the
#: rows of :attr:`BudgetOut.lines`.
LINE_KEYS = Lines._fields
#: The balance requirement's results, in :class:`BalanceOut` order.
BALANCE_KEYS = BalanceOut._fields


def driver_keys(plan: BudgetPlan) -> tuple[str, ...]:
    """The drivers of the contribution table, in :attr:`BudgetOut.contributions` order."""
    return (plan.component_keys + ("tax_revenue",)
            + tuple(f"fund_{k}" for k in plan.fund_keys) + CHANNEL_DRIVERS)


def driver_labels(plan: BudgetPlan) -> tuple[str, ...]:
    """The drivers' Swedish labels, in :func:`driver_keys` order (a channel's from its
    registration, :data:`~sim.budget.records.BUDGET_CHANNELS`)."""
    return (plan.component_labels + (label("tax_revenue"),)
            + tuple(f"{lab}, realiserat" for lab in plan.fund_labels)
            + tuple(c.label(plan.config) for c in BUDGET_CHANNELS))


def plan_arrays(plan: BudgetPlan, factors: tuple[str, ...] = DEVIATION_FACTORS) -> PlanArrays:
    """The plan as the kernel reads it; ``factors`` names the rows of the deviations."""
    planned = plan.planned_components()
    planned_return = plan.planned_fund_return()
    return PlanArrays(
        component_planned=planned, component_growth=plan.component_growth,
        component_lags=np.array(plan.component_lags, np.int64),
        component_weights=np.array([factor_weights(factors, d, e) for d, e in
                                    zip(plan.component_drivers, plan.component_elasticity)]),
        component_persistence=plan.component_persistence,
        tax_revenue=plan.tax_revenue, tax_base_growth=plan.tax_base_growth,
        tax_weights=factor_weights(factors, plan.tax_drivers),
        n_pre=int(plan.n_pre), pre_component_growth=plan.pre_component_growth,
        pre_tax_base_growth=plan.pre_tax_base_growth,
        liability_opening=plan.liability_opening,
        liability_weights=factor_weights(factors, plan.liability_drivers),
        liability_lag=int(plan.liability_lag),
        liability_indexed_share=float(plan.liability_indexed_share),
        operating_costs=plan.operating_costs,
        operating_income=plan.operating_income, depreciation=plan.depreciation,
        general_grants_equalisation=plan.general_grants_equalisation,
        financial_costs=plan.financial_costs,
        planned_cost_measures=plan.operating_costs + planned.sum(axis=0),
        other_financial_income=plan.financial_income - planned_return.sum(axis=0),
        fund_unrealized_share=plan.fund_unrealized_share, goal_share=float(plan.goal_share),
        drivers=driver_rows(len(plan.component_keys), len(plan.fund_keys)),
        channel=channel_params(plan.config, factors))


def baseline(plan: BudgetPlan) -> Baseline:
    """The plan's own world: every factor at its forecast, every fund at its planned return."""
    ret = plan.planned_fund_return()
    return Baseline(components=-plan.planned_components(), tax_revenue=plan.tax_revenue,
                    realized_fund_return=ret - ret * plan.fund_unrealized_share[:, None],
                    financial_costs=plan.financial_costs)


def balance_requirement(plan: BudgetPlan, bkr: np.ndarray, goal: np.ndarray,
                        tax_base_growth: np.ndarray) -> BalanceOut:
    """Apply the RUR and the three-year restoration rule to each path.

    Parameters
    ----------
    plan : BudgetPlan
        The plan's rules (RUR start, draw rule, reservation share, restoration window).
    bkr : ndarray (N, Y)
        Balanskravsresultat before the reserve [mnkr].
    goal : ndarray (N, Y) or broadcastable
        The 1 % goal [mnkr].
    tax_base_growth : ndarray (N, Y) or broadcastable
        Realized tax-base growth [% per year]; drives the draw rule.

    Returns
    -------
    BalanceOut
        (N, Y) arrays [mnkr].
    """
    bkr = np.ascontiguousarray(bkr, dtype=np.float64)
    goal = np.ascontiguousarray(np.broadcast_to(goal, bkr.shape), dtype=np.float64)
    growth = np.ascontiguousarray(np.broadcast_to(tax_base_growth, bkr.shape), dtype=np.float64)
    out = BalanceOut(*(np.empty_like(bkr) for _ in BALANCE_KEYS))
    balance_requirement_nb(bkr, goal, growth, plan.reserve, out)
    return out


class Budget:
    """A plan's budget, resolved once; call it on a block's deviations and fund results.

    Parameters
    ----------
    plan : BudgetPlan
    by_sales : ndarray (P,) of bool
        Funds whose realized gains (average cost) count in the balanskravsresultat; the others
        count their return less ``fund_unrealized_share`` of it, as the plan does.
    factors : tuple of str
        The rows of ``dev`` (default :data:`sim.esg.schema.DEVIATION_FACTORS`).
    """

    def __init__(self, plan: BudgetPlan, by_sales: np.ndarray,
                 factors: tuple[str, ...] = DEVIATION_FACTORS):
        self.plan = plan
        self.factors = factors
        self.by_sales = np.asarray(by_sales, dtype=bool)
        self.arrays = plan_arrays(plan, factors)
        self.base = baseline(plan)
        self.drivers = driver_keys(plan)

    def __call__(self, dev: np.ndarray, fund_return: np.ndarray, fund_unrealized: np.ndarray,
                 by_sales: np.ndarray | None = None,
                 delivered: np.ndarray | None = None,
                 income_change: np.ndarray | None = None) -> BudgetResult:
        """Budget lines, components, driver split and balance requirement per path [mnkr].

        ``dev`` (N, F, n_pre + Y') deviations from forecast [points] from the generator's first
        year (the pre-plan years first, :attr:`BudgetPlan.n_pre`); ``fund_return`` and
        ``fund_unrealized`` (N, P, Y'') the funds' yearly results from the plan's first year;
        ``delivered`` (N,) each path's share of the planned cost measures delivered (default:
        all of them); ``income_change`` (N,) each path's relative change of operating income
        against plan (default: none).
        """
        pl = self.plan
        n, y, k = dev.shape[0], pl.n_years, len(pl.component_keys)
        if dev.shape[1] != len(self.factors):
            raise ValueError(f"dev: {dev.shape[1]} factor rows, expected {len(self.factors)} "
                             f"({', '.join(self.factors)})")
        out = BudgetOut(lines=np.empty((n, len(LINE_KEYS), y)), components=np.empty((n, k, y)),
                        contributions=np.empty((n, len(driver_keys(pl)), y)),
                        tax_base_growth=np.empty((n, y)))
        funds = FundResults(
            year_return=np.ascontiguousarray(fund_return[:, :, :y], dtype=np.float64),
            unrealized_change=np.ascontiguousarray(fund_unrealized[:, :, :y], dtype=np.float64),
            by_sales=self.by_sales if by_sales is None else np.asarray(by_sales, dtype=bool))
        delivered = (np.ones(n) if delivered is None
                     else np.ascontiguousarray(np.broadcast_to(delivered, (n,)), dtype=np.float64))
        income_change = (np.zeros(n) if income_change is None else np.ascontiguousarray(
            np.broadcast_to(income_change, (n,)), dtype=np.float64))
        budget_block_nb(np.ascontiguousarray(dev, dtype=np.float64), delivered, income_change,
                        funds, self.arrays, self.base, out)
        lines = [np.ascontiguousarray(out.lines[:, j]) for j in range(len(LINE_KEYS))]
        balance = balance_requirement(pl, lines[LINES.balance_requirement_result],
                                      lines[LINES.required_result_1pct], out.tax_base_growth)
        return BudgetResult(*lines, out.components, out.contributions, *balance)

    def deterministic(self) -> PlanBudget:
        """The plan's own budget (one path): every factor at its forecast, every fund at its
        planned return with the plan's unrealized share, with the parts its lines are built
        from."""
        pl = self.plan
        ret = pl.planned_fund_return()[None]
        unreal = ret * pl.fund_unrealized_share[None, :, None]
        res = self(np.zeros((1, len(self.factors), pl.n_pre + pl.n_years)), ret, unreal,
                   by_sales=np.zeros(len(pl.fund_keys), dtype=bool))
        return PlanBudget(res, self.arrays.planned_cost_measures[None].copy(),
                          self.arrays.other_financial_income[None].copy(), ret.copy(), unreal)
