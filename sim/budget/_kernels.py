"""Numba kernels of the budget: the records of :mod:`sim.budget.records` in, ``out`` filled,
no I/O.

Plain references: for :func:`budget_block_nb`, ``tests/reference/budget_numpy.py`` (the lines
written again from the equations, sharing no computed constant with this kernel) and the seed's
84-cell table; for :func:`balance_requirement_nb`, the hand-computed cases and the independent
pure-Python implementation in ``tests/budget/test_balance.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .records import DRAW_ANY_DEFICIT, DRAW_TAX_BASE_BELOW_AVERAGE, LINES


@njit(cache=True, nogil=True, inline="always")
def _driven(w, dev, i, src):
    """``sum_f w[f] dev[i, f, src]``: the points a part moves by in generator year ``src``;
    none outside the years simulated."""
    d = 0.0
    if 0 <= src < dev.shape[2]:
        for f in range(dev.shape[1]):
            d += w[f] * dev[i, f, src]
    return d


@njit(cache=True, nogil=True, inline="always")
def _step(ratio, g, d, persistence):
    """A cost component's realized-to-planned ratio after a year of forecast growth ``g`` and
    driven deviation ``d`` [points]: compounded like an index (``persistence`` 1), or the
    year's effect plus ``persistence`` times last year's deviation from plan (0: a one-year
    flow)."""
    effect = (1.0 + (g + d) / 100.0) / (1.0 + g / 100.0)
    if persistence == 1.0:
        return ratio * effect
    return 1.0 + persistence * (ratio - 1.0) + (effect - 1.0)


@njit(cache=True, nogil=True)
def balance_requirement_nb(bkr, goal, tax_base_growth, rules, out):
    """The balance requirement's year recursion, one path per row.

    ``rules`` is :class:`~sim.budget.records.ReserveRules`, ``out``
    :class:`~sim.budget.records.BalanceOut`.

    For each year ``t`` of a path, with ``b`` the balanskravsresultat before the reserve:

    1. RUR draw: if ``b < 0`` and the rule allows it this year (``draw_when``: never; when the
       realized tax-base growth is below ``tax_base_growth_10y_average``; or for any deficit),
       draw ``min(-b, balance, max_draw_per_year)``.
    2. ``after = b + drawn``. If ``after < 0`` it is this year's deficit, to be restored.
       Otherwise the surplus restores outstanding deficits, oldest first; of what is left, the
       part above the goal times ``reserve_share_above_goal`` is reserved to the RUR.
    3. A deficit still outstanding ``restore_within_years`` years after its year is
       unrestored (overdue);
       later surpluses still restore it.

    Arrays are ``(N, Y)``; ``balance_requirement_result_after_rur`` is the balanskravsresultat
    after RUR draw and reservation.
    """
    draw_mode, growth_average = rules.draw_when, rules.tax_base_growth_10y_average
    reserve_share, window = rules.reserve_share_above_goal, rules.restore_within_years
    n, ny = bkr.shape
    for i in range(n):
        outstanding = np.zeros(ny)
        balance = rules.start_balance
        for t in range(ny):
            b = bkr[i, t]
            drawn = 0.0
            if b < 0.0:
                allowed = (draw_mode == DRAW_ANY_DEFICIT
                           or (draw_mode == DRAW_TAX_BASE_BELOW_AVERAGE
                               and tax_base_growth[i, t] < growth_average))
                if allowed:
                    drawn = min(-b, balance, rules.max_draw_per_year)
                    balance -= drawn
            after = b + drawn
            restored = 0.0
            reserved = 0.0
            if after < 0.0:
                outstanding[t] = -after
            else:
                avail = after
                for v in range(t):
                    r = min(avail, outstanding[v])
                    outstanding[v] -= r
                    avail -= r
                    restored += r
                if avail > goal[i, t]:
                    reserved = reserve_share * (avail - goal[i, t])
                    balance += reserved
            total = 0.0
            overdue = 0.0
            for v in range(t + 1):
                total += outstanding[v]
                if t - v >= window:
                    overdue += outstanding[v]
            out.rur_drawn[i, t] = drawn
            out.rur_reserved[i, t] = reserved
            out.rur_balance[i, t] = balance
            out.balance_requirement_result_after_rur[i, t] = after - reserved
            out.deficit_restored[i, t] = restored
            out.deficit_outstanding[i, t] = total
            out.deficit_unrestored[i, t] = overdue


@njit(cache=True, nogil=True)
def budget_block_nb(dev, delivered, income_change, funds, plan, base, out):
    """The resultatbudget of a block of paths from the factors' yearly deviations, one pass per
    path.

    ``dev`` (N, F, Y') holds each factor's deviation from its forecast [points] for the
    generator's years: ``plan.n_pre`` pre-plan years (between the information date and the
    plan), then the plan's first year; ``delivered`` (N,) each path's share of the planned
    cost measures delivered; ``income_change`` (N,) each path's relative change of operating
    income against plan; ``funds`` is :class:`~sim.budget.records.FundResults`, ``plan`` :class:`~sim.budget.records.PlanArrays`,
    ``base`` :class:`~sim.budget.records.Baseline` and ``out``
    :class:`~sim.budget.records.BudgetOut`.

    The operating overrun (``plan.channel.operations_weights`` on ``dev``, percent of the year's
    planned operating costs) compounds like an index ratio from the generator's first year and
    adds ``(ratio - 1) x |planned operating costs|`` to the costs (driver ``operations``). The
    measures not delivered, ``(1 - delivered) x max(planned_cost_measures, 0)``, add to the
    costs too (driver ``measures``). Operating income is the plan's times ``1 +
    income_change`` (driver ``income``).

    A cost component's growth is its forecast plus ``sum_f w[f] * dev[f, year - lag]`` (no
    deviation before the generator's first year), its amount the planned amount times the
    ratio of realized to forecast index since the generator's first year (a pre-plan year's
    deviation moves every plan year's level: the plan was built on its forecast), or, for a
    component with ``plan.component_persistence`` below 1, the year's effect plus that share
    of last year's deviation from plan (0: a one-year flow, the pension indexation); the tax
    revenue likewise with the tax base. Fund
    returns count in financial income; the balanskravsresultat removes their unrealized part:
    the accounting's for funds counted by sales, else ``fund_unrealized_share`` of the return.
    The pension liability's financial costs move by ``indexed_share * opening * dev / 100``.
    ``out.lines`` follows ``LINE_KEYS``; ``out.contributions`` splits the balanskravsresultat's
    deviation from plan by driver (components, tax revenue, each fund's realized return,
    financial costs, the operating overrun, the measures not delivered, operating income).
    """
    fund_ret, fund_unreal, by_sales = funds.year_return, funds.unrealized_change, funds.by_sales
    comp_plan, comp_growth, comp_lag, comp_w = (plan.component_planned, plan.component_growth,
                                                plan.component_lags, plan.component_weights)
    persist = plan.component_persistence
    tax_plan, tax_growth, tax_w = plan.tax_revenue, plan.tax_base_growth, plan.tax_weights
    liab_open, liab_w, liab_lag, liab_share = (plan.liability_opening, plan.liability_weights,
                                               plan.liability_lag, plan.liability_indexed_share)
    oi_plan, dep_plan, grants_plan, fc_plan = (plan.operating_income, plan.depreciation,
                                               plan.general_grants_equalisation,
                                               plan.financial_costs)
    measures, other_fin = plan.planned_cost_measures, plan.other_financial_income
    unreal_share, goal_share = plan.fund_unrealized_share, plan.goal_share
    base_comp, base_tax, base_real, base_fc = (base.components, base.tax_revenue,
                                               base.realized_fund_return, base.financial_costs)
    out_lines, out_comp, out_contrib, out_tax_growth = (out.lines, out.components,
                                                        out.contributions, out.tax_base_growth)
    n_pre, pre_growth, pre_tax_growth = (plan.n_pre, plan.pre_component_growth,
                                         plan.pre_tax_base_growth)
    ops_w, oc_plan = plan.channel.operations_weights, plan.operating_costs
    rows = plan.drivers
    n = dev.shape[0]
    n_comp, n_years = comp_plan.shape
    n_funds = fund_ret.shape[1]
    cost_ratio = np.empty(n_comp)
    for i in range(n):
        cost_ratio[:] = 1.0
        tax_ratio = 1.0
        ops_ratio = 1.0
        for tt in range(n_pre):            # pre-plan years: levels only
            for k in range(n_comp):
                g = pre_growth[k, tt]
                d = _driven(comp_w[k], dev, i, tt - comp_lag[k])
                cost_ratio[k] = _step(cost_ratio[k], g, d, persist[k])
            g = pre_tax_growth[tt]
            d = _driven(tax_w, dev, i, tt)
            tax_ratio *= (1.0 + (g + d) / 100.0) / (1.0 + g / 100.0)
            ops_ratio *= 1.0 + _driven(ops_w, dev, i, tt) / 100.0
        for t in range(n_years):
            # operating costs, component by component
            costs = 0.0
            for k in range(n_comp):
                d = _driven(comp_w[k], dev, i, t + n_pre - comp_lag[k])
                g = comp_growth[k, t]
                cost_ratio[k] = _step(cost_ratio[k], g, d, persist[k])
                c = comp_plan[k, t] * cost_ratio[k]
                out_comp[i, k, t] = -c
                out_contrib[i, k, t] = -c - base_comp[k, t]
                costs += c
            # the budget's own operating risk: an overrun beyond prices, its level carried on
            ops_ratio *= 1.0 + _driven(ops_w, dev, i, t + n_pre) / 100.0
            overrun = (ops_ratio - 1.0) * (-oc_plan[t])
            out_contrib[i, rows.operations, t] = -overrun
            # the planned measures this path does not deliver
            undelivered = (1.0 - delivered[i]) * max(measures[t], 0.0)
            out_contrib[i, rows.measures, t] = -undelivered
            operating_costs = measures[t] - costs - overrun - undelivered
            income_t = oi_plan[t] * (1.0 + income_change[i])
            out_contrib[i, rows.income, t] = income_t - oi_plan[t]
            net_operating_cost = income_t + operating_costs + dep_plan[t]
            # taxes
            d = _driven(tax_w, dev, i, t + n_pre)
            g = tax_growth[t]
            out_tax_growth[i, t] = g + d
            tax_ratio *= (1.0 + (g + d) / 100.0) / (1.0 + g / 100.0)
            tax = tax_plan[t] * tax_ratio
            operating_result = net_operating_cost + tax + grants_plan[t]
            # financial items
            income = other_fin[t]
            unrealized = 0.0
            for p in range(n_funds):
                r = fund_ret[i, p, t]
                u = fund_unreal[i, p, t] if by_sales[p] else unreal_share[p] * r
                income += r
                unrealized += u
                out_contrib[i, rows.first_fund + p, t] = (r - u) - base_real[p, t]
            d = _driven(liab_w, dev, i, t + n_pre - liab_lag)
            fin_costs = fc_plan[t] - liab_share * liab_open[t] * d / 100.0
            net_result = operating_result + income + fin_costs
            bkr = net_result - unrealized
            required = goal_share * (tax + grants_plan[t])
            out_contrib[i, rows.tax_revenue, t] = tax - base_tax[t]
            out_contrib[i, rows.financial_costs, t] = fin_costs - base_fc[t]
            line = out_lines[i, :, t]
            line[LINES.operating_income] = income_t
            line[LINES.operating_costs] = operating_costs
            line[LINES.depreciation] = dep_plan[t]
            line[LINES.net_operating_cost] = net_operating_cost
            line[LINES.tax_revenue] = tax
            line[LINES.general_grants_equalisation] = grants_plan[t]
            line[LINES.operating_result] = operating_result
            line[LINES.financial_income] = income
            line[LINES.financial_costs] = fin_costs
            line[LINES.net_result] = net_result
            line[LINES.pension_portfolio_return] = -unrealized
            line[LINES.balance_requirement_result] = bkr
            line[LINES.required_result_1pct] = required
            line[LINES.measures_needed] = required - bkr
