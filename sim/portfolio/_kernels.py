"""Numba kernels of the portfolios: returns in, values, weights and accounting out; no I/O.

The plain reference is ``tests/portfolio/reference_numpy.py`` (the same rule and accounting in
NumPy, vectorized over paths), held to these kernels within 1e-12, and the hand-computed
six-month table in ``tests/portfolio/test_strategies.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

FIXED_MIX = 0
DYNAMIC = 1

#: Columns of the per-path summary.
PATH_BREACH_MONTHS = 0
PATH_FIRST_BREACH = 1
PATH_WORST_DEPTH = 2
PATH_WORST_FALL_12M = 3
PATH_LOCK_MONTHS = 4
N_PATH_STATS = 5


@njit(cache=True, nogil=True)
def target_weight_nb(kind, w_fixed, nav, high, var_step, stress_scale, floor_share, w_min,
                     w_max, s_min, s_max):
    """The equity weight the strategy wants now.

    Fixed mix: ``w_fixed``. Dynamic: ``clip((nav - F) / (nav s), w_min, w_max)`` with
    ``F = floor_share * high`` and ``s = clip(z * vol * sqrt(h), s_min, s_max)``, ``vol`` the
    annualized EWMA volatility and ``h`` the years to the next rebalancing; ``stress_scale`` is
    ``z * sqrt(steps_per_year * h)``, so ``s = clip(stress_scale * sqrt(var_step), ...)``.
    """
    if kind == FIXED_MIX:
        return w_fixed
    floor = floor_share * high
    s = min(max(stress_scale * math.sqrt(var_step), s_min), s_max)
    w = (nav - floor) / (nav * s)
    return min(max(w, w_min), w_max)


@njit(cache=True, nogil=True)
def _sell(amount, value, basis):
    """Sell ``amount`` of a holding at average cost: (realized gain, basis removed)."""
    if value <= 0.0 or amount <= 0.0:
        return 0.0, 0.0
    removed = basis * (amount / value)
    return amount - removed, removed


@njit(cache=True, nogil=True)
def portfolio_nb(eq_step, eq_growth, fi_month, steps, rebalance_every, kind, w_fixed, floor_share, window,
                 w_min, w_max, stress_z, s_min, s_max, lam, var0, high0, band, cost, cash_lock,
                 start_value, flows, target, monthly,
                 out_nav, out_value, out_floor, out_weight,
                 out_y_return, out_y_realized, out_y_dunreal, out_y_value, out_y_basis,
                 out_y_breach, out_y_lock, out_y_cost, out_y_fall12, out_path):
    """Run one portfolio over a block of paths.

    ``eq_growth`` is ``exp(eq_step)``, computed once for all funds. The monthly outputs
    (``out_nav`` ... ``out_weight``) are written only when ``monthly`` is true. Per equity step ``k`` of
    month ``m`` (``steps`` a month): at the first step of a year after
    the first, the year's net flow buys (or sells) units at the current NAV, pro rata to the
    holdings (where ``target[y]`` is not NaN the flow instead brings the value to it: the
    return is drawn off, or a loss refilled); every ``rebalance_every`` steps the target weight is set (``target_weight_nb``)
    and traded if it differs from the held weight by more than ``band``, at ``cost`` times the
    traded amount (a realized loss); then equity grows by ``exp(eq_step)`` and fixed income by
    ``(1 + fi_month)^(1/steps)``, and the EWMA variance is updated with the step's equity log
    return. Month-end NAVs fill a ring of the last ``window`` month-ends (initially
    ``high0``, the history before the start); the floor is ``floor_share`` times their maximum
    and a month-end NAV below it is a breach (dynamic strategy only).

    Accounting is by average cost per asset class. Yearly: return = value change - flow =
    realized + change in unrealized; ``out_y_fall12`` is the worst fall of the month-end NAV
    against any month-end of the 12 before it, among months ending in the year.
    """
    n_paths, n_months = fi_month.shape
    stress_scale = stress_z * math.sqrt(float(rebalance_every))   # z sqrt(steps_per_year h)
    ring = np.empty(window)
    hist = np.empty(12)              # the last 12 month-end NAVs (and the start)
    fi_only = kind == FIXED_MIX and w_fixed == 0.0
    for i in range(n_paths):
        units = start_value
        var = var0
        ring[:] = high0
        ring_high = high0            # max of the ring, kept up to date at each month end
        pos = 0
        hist[0] = 1.0
        n_hist = 1
        hist_pos = 1                 # next slot of ``hist`` (kept below 12: no modulo)
        rebal_count = 0              # steps since the last rebalancing (no modulo either)
        w0 = target_weight_nb(kind, w_fixed, 1.0, high0, var, stress_scale, floor_share, w_min,
                              w_max, s_min, s_max)
        eq = w0 * start_value
        fi = start_value - eq
        b_eq = eq
        b_fi = fi
        realized = 0.0
        costs = 0.0
        breach_months = 0
        lock_months = 0
        first_breach = -1
        worst_depth = math.inf
        worst_fall = 0.0
        prev_value = start_value
        prev_unreal = 0.0
        y_breach = 0
        y_lock = 0
        y_fall = 0.0
        flow = 0.0
        for m in range(n_months):
            if m % 12 == 0:
                y = m // 12
                value = eq + fi
                flow = flows[y] if y > 0 else 0.0
                if y > 0 and not math.isnan(target[y]):
                    flow = target[y] - value
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
            growth_fi = 1.0 + fi_month[i, m]
            if steps > 1:
                growth_fi = growth_fi ** (1.0 / steps)
            for j in range(steps):
                if fi_only and eq == 0.0:          # nothing to rebalance, no equity
                    fi *= growth_fi
                    continue
                k = m * steps + j
                rebal_due = rebal_count == 0
                rebal_count += 1
                if rebal_count == rebalance_every:
                    rebal_count = 0
                if rebal_due:
                    value = eq + fi
                    if value > 0.0 and units > 0.0:
                        nav = value / units
                        high = max(ring_high, nav)
                        w = target_weight_nb(kind, w_fixed, nav, high, var, stress_scale,
                                             floor_share, w_min, w_max, s_min, s_max)
                        if abs(w * value - eq) > band * value:   # |w - eq/value| > band
                            trade = w * value - eq
                            if trade > 0.0:
                                r, rem = _sell(trade, fi, b_fi)
                                fi -= trade
                                b_fi -= rem
                                eq += trade
                                b_eq += trade
                            else:
                                r, rem = _sell(-trade, eq, b_eq)
                                eq += trade
                                b_eq -= rem
                                fi -= trade
                                b_fi -= trade
                            realized += r
                            c = cost * abs(trade)
                            if c > 0.0:
                                if fi >= c:
                                    fi -= c
                                    b_fi -= c
                                else:
                                    eq -= c
                                    b_eq -= c
                                realized -= c
                                costs += c
                eq *= eq_growth[i, k]
                fi *= growth_fi
                if kind == DYNAMIC:
                    x = eq_step[i, k]
                    var = lam * var + (1.0 - lam) * x * x
            # --- month end
            value = eq + fi
            nav = value / units if units > 0.0 else 0.0
            if kind == DYNAMIC:          # only the dynamic rule has a floor
                leaving = ring[pos]
                ring[pos] = nav
                pos += 1
                if pos == window:
                    pos = 0
                if nav >= ring_high:
                    ring_high = nav
                elif leaving >= ring_high:   # the old high left the window: rescan
                    ring_high = ring[0]
                    for q in range(1, window):
                        ring_high = max(ring_high, ring[q])
            floor_nav = floor_share * ring_high
            if monthly:
                out_nav[i, m] = nav
                out_value[i, m] = value
                out_weight[i, m] = eq / value if value > 0.0 else 0.0
                out_floor[i, m] = floor_nav * units if kind == DYNAMIC else math.nan
            # comparisons instead of divisions where the division cannot change the result
            if kind == DYNAMIC and floor_nav > 0.0:
                if nav < floor_nav * (1.0 + worst_depth):
                    worst_depth = min(worst_depth, nav / floor_nav - 1.0)
                if nav < floor_nav:
                    breach_months += 1
                    y_breach += 1
                    if first_breach < 0:
                        first_breach = m
                if eq < cash_lock * value if value > 0.0 else cash_lock > 0.0:
                    lock_months += 1
                    y_lock += 1
            past_high = hist[0]
            for q in range(1, n_hist):
                past_high = max(past_high, hist[q])
            if past_high > 0.0 and nav < past_high * (1.0 - y_fall):
                y_fall = max(y_fall, 1.0 - nav / past_high)
            hist[hist_pos] = nav
            hist_pos += 1
            if hist_pos == 12:
                hist_pos = 0
            n_hist = min(n_hist + 1, 12)
            if m % 12 == 11 or m == n_months - 1:
                y = m // 12
                unreal = value - b_eq - b_fi
                out_y_return[i, y] = value - prev_value - flow
                out_y_realized[i, y] = realized
                out_y_dunreal[i, y] = unreal - prev_unreal
                out_y_value[i, y] = value
                out_y_basis[i, y] = b_eq + b_fi
                out_y_breach[i, y] = y_breach
                out_y_lock[i, y] = y_lock
                out_y_cost[i, y] = costs
                out_y_fall12[i, y] = y_fall
                worst_fall = max(worst_fall, y_fall)
                prev_value = value
                prev_unreal = unreal
                realized = 0.0
                costs = 0.0
                y_breach = 0
                y_lock = 0
                y_fall = 0.0
        out_path[i, PATH_BREACH_MONTHS] = breach_months
        out_path[i, PATH_FIRST_BREACH] = first_breach
        out_path[i, PATH_WORST_DEPTH] = worst_depth if kind == DYNAMIC else math.nan
        out_path[i, PATH_WORST_FALL_12M] = worst_fall
        out_path[i, PATH_LOCK_MONTHS] = lock_months
