"""The fund kernel with the paths side by side: each path's state in arrays along the paths
(a structure of arrays), so the equity steps, which are most of a fund's work, run as one loop
over the paths that the compiler turns into vector instructions, several paths at once.

:func:`sim.portfolio._kernels.portfolio_nb` is the reference: the same rule and accounting one
path at a time, its every statement in the same order for each path here, so the results are
bit-identical (a test holds every output equal on both rules, with flows, target values, a
start after the information date, a pay-out that empties the fund and the monthly paths; the
golden guard holds the runs). What differs is the order of the work, not its arithmetic:

* the market arrives step by step (:class:`~sim.portfolio.records.StepMarket`, steps along
  the rows, paths along the columns), so a step reads its paths contiguously;
* a month's start (the year's flow) and end (the protection level's window, the breach
  statistics, Bilaga 2's yardsticks, the year's outputs) run path by path, as in the
  reference, their state loaded from and stored to the arrays around the reference's own
  statements;
* the step's rebalancing computes the trade for every path and keeps it where the rule
  trades (selects, not branches: a branch per path would stop the vector loop); a path whose
  fund is empty, or not due, keeps its holdings as the reference leaves them. The divisions
  this computes on paths that do not trade may divide by zero; numba's NumPy error model
  gives them infinities, which are never kept, where its Python model would raise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._kernels import (_sell, ewma, floor_rule, has_floor, holds_no_equity,
                       start_state, target_weight)
from .records import (LIMIT_WINDOW, PATH_BREACH_MONTHS, PATH_FIRST_BREACH, PATH_LOCK_MONTHS,
                      PATH_WORST_DEPTH, PATH_WORST_FALL_12M)


@njit(cache=True, nogil=True, error_model="numpy")
def _steps(k0, n_steps, eq_growth, eq_step, shift, rule, trading, rebalance_every,
           stress_scale, fi_stress, lam, fi_only, units, ring_high, growth_fi, eq, fi, b_eq,
           b_fi, realized, costs, m_eq, m_fi, m_cost, var, rebal_count):
    """The equity steps ``k0 .. k0 + n_steps`` of one month for every path (the reference's
    step loop, path by path, as selects)."""
    band, cost = trading.no_trade_band, trading.transaction_cost
    n = eq.shape[0]
    for j in range(n_steps):
        k = k0 + j
        g_row = eq_growth[k]
        x_row = eq_step[k]
        for i in range(n):
            e = eq[i]
            f = fi[i]
            be = b_eq[i]
            bf = b_fi[i]
            gfi = growth_fi[i]
            cnt = rebal_count[i]
            skip = fi_only and e == 0.0           # nothing to rebalance, no equity
            due = cnt == 0
            cnt2 = cnt + 1
            cnt2 = 0 if cnt2 == rebalance_every else cnt2
            value = e + f
            u = units[i]
            nav = value / u
            high = max(ring_high[i], nav)
            w = target_weight(rule, nav, high, var[i], stress_scale, fi_stress)
            trade = w * value - e
            do = (not skip) & due & (value > 0.0) & (u > 0.0) & (abs(trade) > band * value)
            buy = trade > 0.0
            r, rem = _sell(trade if buy else -trade, f if buy else e, bf if buy else be)
            e2 = e + trade
            f2 = f - trade
            be2 = be + trade if buy else be - rem
            bf2 = bf - rem if buy else bf - trade
            c = cost * abs(trade)
            paid = c > 0.0
            from_fi = paid & (f2 >= c)
            from_eq = paid & (not (f2 >= c))
            f2 = f2 - c if from_fi else f2
            bf2 = bf2 - c if from_fi else bf2
            e2 = e2 - c if from_eq else e2
            be2 = be2 - c if from_eq else be2
            re2 = realized[i] + r
            re2 = re2 - c if paid else re2
            e = e2 if do else e
            f = f2 if do else f
            b_eq[i] = be2 if do else be
            b_fi[i] = bf2 if do else bf
            realized[i] = re2 if do else realized[i]
            costs[i] = costs[i] + c if do & paid else costs[i]
            m_cost[i] = m_cost[i] + c if do & paid else m_cost[i]
            g = g_row[i] * shift
            m_eq[i] = m_eq[i] if skip else m_eq[i] + e * (g - 1.0)
            m_fi[i] += f * (gfi - 1.0)
            eq[i] = e if skip else e * g
            fi[i] = f * gfi
            var[i] = var[i] if skip else ewma(rule, lam, var[i], x_row[i])
            rebal_count[i] = cnt if skip else cnt2


@njit(cache=True, nogil=True, error_model="numpy")
def _month_start(fi_growth_m, fi_shift, floor_share, units, ring_high, eq, fi, growth_fi,
                 nav_start, floor_start, m_eq, m_fi, m_cost):
    """The month's growth of fixed income, and its start for the split of a breach: NAV,
    level, results per asset (after the year's flow)."""
    for i in range(eq.shape[0]):
        u = units[i]
        growth_fi[i] = fi_growth_m[i] * fi_shift
        nav_start[i] = (eq[i] + fi[i]) / u if u > 0.0 else 0.0
        floor_start[i] = floor_share * ring_high[i]
        m_eq[i] = 0.0
        m_fi[i] = 0.0
        m_cost[i] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _window_in(ring, pos, nav, high, rescan):
    """Put each path's month-end ``nav`` in row ``pos`` of its window ``ring`` (rows, paths):
    the new largest where it follows from the old one (``_window_high``'s first two cases),
    ``rescan`` where the largest left (the third, a scan, done path by path after)."""
    row = ring[pos]
    for i in range(nav.shape[0]):
        x = nav[i]
        h = high[i]
        leaving = row[i]
        row[i] = x
        up = x >= h
        high[i] = x if up else h
        rescan[i] = (not up) & (not (leaving < h))


@njit(cache=True, nogil=True)
def _rescan(ring, n, high, rescan):
    """The largest of each flagged path's window, its first ``n`` rows (``_window_high``'s
    scan)."""
    for i in range(high.shape[0]):
        if rescan[i]:
            h = ring[0, i]
            for q in range(1, n):
                h = max(h, ring[q, i])
            high[i] = h


@njit(cache=True, nogil=True, error_model="numpy")
def _month_end(m, dynamic, floor_share, cash_lock, eq, fi, units, nav_a, value_a, ring_high,
               lim_high, past_high, nav_start, floor_start, m_eq, m_fi, m_cost, worst_depth,
               breach_months, y_breach, y_depth, first_breach, in_breach, y_spells, y_cushion,
               y_eq, y_fi, y_cost, y_move, lock_months, y_lock, y_fall, y_fall24):
    """The month-end's statistics for every path, as selects (the reference's month end after
    its windows: the breach, its spell's split, the cash lock, the 12- and 24-month falls);
    ``past_high`` is last month's (the 12-month fall is measured against it)."""
    for i in range(eq.shape[0]):
        nav = nav_a[i]
        value = value_a[i]
        u = units[i]
        floor_nav = floor_share * ring_high[i]
        if dynamic:                  # only the dynamic rule has a protection level
            chk = floor_nav > 0.0
            depth = nav / floor_nav - 1.0
            wd = worst_depth[i]
            worst_depth[i] = min(wd, depth) if chk & (nav < floor_nav * (1.0 + wd)) else wd
            below = chk & (nav < floor_nav)
            breach_months[i] += 1 if below else 0
            y_breach[i] += 1 if below else 0
            y_depth[i] = min(y_depth[i], depth) if below else y_depth[i]
            first_breach[i] = m if below & (first_breach[i] < 0) else first_breach[i]
            spell = below & (not in_breach[i]) & (u > 0.0)   # a spell begins: split its depth
            y_spells[i] += 1 if spell else 0
            fs = floor_start[i]
            y_cushion[i] = y_cushion[i] + (nav_start[i] - fs) / floor_nav if spell \
                else y_cushion[i]
            y_eq[i] = y_eq[i] + m_eq[i] / u / floor_nav if spell else y_eq[i]
            y_fi[i] = y_fi[i] + m_fi[i] / u / floor_nav if spell else y_fi[i]
            y_cost[i] = y_cost[i] - m_cost[i] / u / floor_nav if spell else y_cost[i]
            y_move[i] = y_move[i] - (floor_nav - fs) / floor_nav if spell else y_move[i]
            in_breach[i] = (nav < floor_nav) if chk else in_breach[i]
            locked = chk & ((eq[i] < cash_lock * value) if value > 0.0 else (cash_lock > 0.0))
            lock_months[i] += 1 if locked else 0
            y_lock[i] += 1 if locked else 0
        ph = past_high[i]
        yf = y_fall[i]
        y_fall[i] = max(yf, 1.0 - nav / ph) if (ph > 0.0) & (nav < ph * (1.0 - yf)) else yf
        lh = lim_high[i]
        yf24 = y_fall24[i]
        y_fall24[i] = max(yf24, 1.0 - nav / lh) if (lh > 0.0) & (nav < lh * (1.0 - yf24)) \
            else yf24


@njit(cache=True, nogil=True)
def portfolio_soa_nb(market, rule, trading, flows, out, monthly):
    """Run one fund over a block of paths: :func:`sim.portfolio._kernels.portfolio_nb`'s
    model (its docstring is the model's description), on ``market``, a
    :class:`~sim.portfolio.records.StepMarket`, with every path's state held in arrays along
    the paths (this module's docstring)."""
    eq_step, eq_growth, fi_growth = market.equity_step, market.equity_growth, \
        market.fixed_income_growth
    steps = market.steps_per_month
    n_months, n_paths = fi_growth.shape
    rebalance_every = steps // trading.rebalance_per_month
    start_value, net_flow, target_value = flows.start_value, flows.net_flow, flows.target_value
    start_month = flows.start_month
    eq_centre = np.exp(flows.equity_shift / steps)   # (Y,) growth factor a step, 1 for none
    fi_centre = np.exp(flows.fixed_income_shift / steps)
    start_basis = flows.start_cost_basis
    var0, high0, window, stress_scale, fi_stress, lam = start_state(rule, steps,
                                                                    rebalance_every)
    floor_share, cash_lock = floor_rule(rule)
    dynamic = has_floor(rule)
    fi_only = holds_no_equity(rule)
    n = n_paths
    # every path's state, the reference's scalars along the paths; the windows (rows, paths)
    ring = np.full((window, n), high0)
    hist = np.empty((12, n))             # the last 12 month-end NAVs (and the start)
    hist[0] = 1.0
    lim = np.full((LIMIT_WINDOW, n), high0)   # Bilaga 2's yardstick: the last 24
    units_a = np.full(n, start_value)
    var_a = np.full(n, var0)
    ring_high_a = np.full(n, high0)
    lim_high_a = np.full(n, high0)
    past_high_a = np.ones(n)
    new_past_high = np.empty(n)
    y_fall24_a = np.zeros(n)
    rebal_a = np.zeros(n, np.int64)
    w0 = target_weight(rule, 1.0, high0, var0, stress_scale, fi_stress)
    eq0 = w0 * start_value
    fi0 = start_value - eq0
    eq_a = np.full(n, eq0)
    fi_a = np.full(n, fi0)
    b_eq_a = np.full(n, eq0 * start_basis)   # the holdings' cost basis at the start
    b_fi_a = np.full(n, fi0 * start_basis)
    realized_a = np.zeros(n)
    costs_a = np.zeros(n)
    breach_months_a = np.zeros(n, np.int64)
    lock_months_a = np.zeros(n, np.int64)
    first_breach_a = np.full(n, -1, np.int64)
    worst_depth_a = np.full(n, math.inf)
    worst_fall_a = np.zeros(n)
    prev_value_a = np.full(n, start_value)
    prev_unreal_a = np.full(n, start_value * (1.0 - start_basis))
    y_breach_a = np.zeros(n, np.int64)
    y_lock_a = np.zeros(n, np.int64)
    y_fall_a = np.zeros(n)
    in_breach_a = np.zeros(n, np.bool_)
    y_depth_a = np.zeros(n)
    y_spells_a = np.zeros(n, np.int64)
    y_cushion_a = np.zeros(n)
    y_eq_a = np.zeros(n)
    y_fi_a = np.zeros(n)
    y_cost_a = np.zeros(n)
    y_move_a = np.zeros(n)
    flow_a = np.zeros(n)
    growth_fi_a = np.empty(n)
    nav_start_a = np.empty(n)
    floor_start_a = np.empty(n)
    m_eq_a = np.empty(n)
    m_fi_a = np.empty(n)
    m_cost_a = np.empty(n)
    nav_a = np.empty(n)
    value_a = np.empty(n)
    rescan = np.zeros(n, np.bool_)
    pos = 0
    lim_pos = 0
    n_hist = 1
    hist_pos = 1                         # next slot of ``hist`` (kept below 12: no modulo)
    shift = eq_centre[start_month // 12] if start_month < n_months else 1.0
    fi_shift = fi_centre[start_month // 12] if start_month < n_months else 1.0
    if monthly:                          # before the fund starts: no values
        for i in range(n):
            for m in range(start_month):
                out.nav[i, m] = math.nan
                out.value[i, m] = math.nan
                out.equity_weight[i, m] = math.nan
                out.floor[i, m] = math.nan
    for m in range(start_month, n_months):
        if m % 12 == 0 or m == start_month:
            y = m // 12
            shift = eq_centre[y]         # the year's return centre, a step
            fi_shift = fi_centre[y]
            for i in range(n):           # the year's flow, path by path
                eq, fi, b_eq, b_fi = eq_a[i], fi_a[i], b_eq_a[i], b_fi_a[i]
                units, realized = units_a[i], realized_a[i]
                value = eq + fi
                flow = net_flow[y] if m > start_month else 0.0
                if m > start_month and not math.isnan(target_value[y]):
                    flow = target_value[y] - value
                if flow > 0.0:
                    if units > 0.0 and value > 0.0:
                        units += flow / (value / units)
                        a_eq = flow * eq / value
                    else:                    # an empty fund restarts at NAV 1, in fixed income
                        units = flow
                        a_eq = 0.0
                    eq += a_eq
                    b_eq += a_eq
                    fi += flow - a_eq
                    b_fi += flow - a_eq
                elif flow < 0.0 and units > 0.0 and value > 0.0:
                    if -flow >= value:       # paid out in full: the fund is empty
                        realized += value - b_eq - b_fi
                        eq = fi = b_eq = b_fi = units = 0.0
                        flow = -value
                    else:
                        amount = -flow
                        units -= amount / (value / units)
                        a_eq = amount * eq / value
                        r, rem = _sell(a_eq, eq, b_eq)
                        realized += r
                        eq -= a_eq
                        b_eq -= rem
                        r, rem = _sell(amount - a_eq, fi, b_fi)
                        realized += r
                        fi -= amount - a_eq
                        b_fi -= rem
                elif flow < 0.0:
                    flow = 0.0                   # nothing to pay out from
                flow_a[i] = flow
                eq_a[i], fi_a[i], b_eq_a[i], b_fi_a[i] = eq, fi, b_eq, b_fi
                units_a[i], realized_a[i] = units, realized
        _month_start(fi_growth[m], fi_shift, floor_share, units_a, ring_high_a, eq_a, fi_a,
                     growth_fi_a, nav_start_a, floor_start_a, m_eq_a, m_fi_a, m_cost_a)
        _steps(m * steps, steps, eq_growth, eq_step, shift, rule, trading, rebalance_every,
               stress_scale, fi_stress, lam, fi_only, units_a, ring_high_a, growth_fi_a, eq_a,
               fi_a, b_eq_a, b_fi_a, realized_a, costs_a, m_eq_a, m_fi_a, m_cost_a, var_a,
               rebal_a)
        # --- month end: the NAV; the windows (the same row for every path); the statistics
        for i in range(n):
            u = units_a[i]
            value_a[i] = eq_a[i] + fi_a[i]
            nav_a[i] = value_a[i] / u if u > 0.0 else 0.0
        if dynamic:                      # only the dynamic rule has a protection level
            _window_in(ring, pos, nav_a, ring_high_a, rescan)
            pos += 1
            if pos == window:
                pos = 0
            _rescan(ring, window, ring_high_a, rescan)
        if monthly:
            for i in range(n):
                value = value_a[i]
                floor_nav = floor_share * ring_high_a[i]
                out.nav[i, m] = nav_a[i]
                out.value[i, m] = value
                out.equity_weight[i, m] = eq_a[i] / value if value > 0.0 else 0.0
                out.floor[i, m] = floor_nav * units_a[i] if dynamic else math.nan
        _window_in(lim, lim_pos, nav_a, lim_high_a, rescan)   # this month-end, the 23 before
        lim_pos += 1
        if lim_pos == LIMIT_WINDOW:
            lim_pos = 0
        _rescan(lim, LIMIT_WINDOW, lim_high_a, rescan)
        _month_end(m, dynamic, floor_share, cash_lock, eq_a, fi_a, units_a, nav_a, value_a,
                   ring_high_a, lim_high_a, past_high_a, nav_start_a, floor_start_a, m_eq_a,
                   m_fi_a, m_cost_a, worst_depth_a, breach_months_a, y_breach_a, y_depth_a,
                   first_breach_a, in_breach_a, y_spells_a, y_cushion_a, y_eq_a, y_fi_a,
                   y_cost_a, y_move_a, lock_months_a, y_lock_a, y_fall_a, y_fall24_a)
        # the 12 last month-ends (a window of its own length until it is full)
        full = n_hist == 12
        for i in range(n):
            leaving = hist[hist_pos, i] if full else -math.inf
            x = nav_a[i]
            h = past_high_a[i]
            hist[hist_pos, i] = x
            up = x >= h
            past_high_a[i] = x if up else h
            rescan[i] = (not up) & (not (leaving < h))
        hist_pos += 1
        if hist_pos == 12:
            hist_pos = 0
        n_hist = min(n_hist + 1, 12)
        _rescan(hist, n_hist, past_high_a, rescan)
        if m % 12 == 11 or m == n_months - 1:
            y = m // 12
            for i in range(n):
                value = value_a[i]
                b_eq, b_fi = b_eq_a[i], b_fi_a[i]
                unreal = value - b_eq - b_fi
                out.year_return[i, y] = value - prev_value_a[i] - flow_a[i]
                out.realized[i, y] = realized_a[i]
                out.unrealized_change[i, y] = unreal - prev_unreal_a[i]
                out.value_end[i, y] = value
                out.cost_basis[i, y] = b_eq + b_fi
                out.breach_months[i, y] = y_breach_a[i]
                out.cash_lock_months[i, y] = y_lock_a[i]
                out.transaction_costs[i, y] = costs_a[i]
                out.worst_fall_12m[i, y] = y_fall_a[i]
                out.worst_fall_24m[i, y] = y_fall24_a[i]
                out.breach_spells[i, y] = y_spells_a[i]
                out.breach_depth[i, y] = y_depth_a[i]
                out.breach_cushion[i, y] = y_cushion_a[i]
                out.breach_equity[i, y] = y_eq_a[i]
                out.breach_fixed_income[i, y] = y_fi_a[i]
                out.breach_costs[i, y] = y_cost_a[i]
                out.breach_floor_move[i, y] = y_move_a[i]
                worst_fall_a[i] = max(worst_fall_a[i], y_fall_a[i])
                prev_value_a[i] = value
                prev_unreal_a[i] = unreal
                realized_a[i] = 0.0
                costs_a[i] = 0.0
                y_breach_a[i] = 0
                y_lock_a[i] = 0
                y_fall_a[i] = 0.0
                y_fall24_a[i] = 0.0
                y_spells_a[i] = 0
                y_depth_a[i] = 0.0
                y_cushion_a[i] = 0.0
                y_eq_a[i] = 0.0
                y_fi_a[i] = 0.0
                y_cost_a[i] = 0.0
                y_move_a[i] = 0.0
    for i in range(n):
        out.path[i, PATH_BREACH_MONTHS] = breach_months_a[i]
        out.path[i, PATH_FIRST_BREACH] = first_breach_a[i]
        out.path[i, PATH_WORST_DEPTH] = worst_depth_a[i] if dynamic else math.nan
        out.path[i, PATH_WORST_FALL_12M] = worst_fall_a[i]
        out.path[i, PATH_LOCK_MONTHS] = lock_months_a[i]
