"""Numba kernels of the portfolios: returns in, values, weights and accounting out; no I/O.

The kernel takes the records of :mod:`sim.portfolio.records`; a fund's strategy record
(:class:`~sim.portfolio.records.FixedMix` or :class:`~sim.portfolio.records.Dynamic`) selects,
by its type, the rule compiled in. Its plain reference is
``tests/reference/portfolio_numpy.py`` (the same rule and accounting in NumPy, vectorized over
paths), held to this kernel within 1e-12, and the hand-computed six-month table in
``tests/portfolio/test_strategies.py``.

About 450 lines in one module on purpose: numba compiles the kernel with its rule helpers as
one unit, and each helper's ``@overload`` form sits beside its Python form
(``tests/portfolio/test_rule_forms.py`` runs both).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import overload

from .records import (LIMIT_WINDOW, PATH_BREACH_MONTHS, PATH_FIRST_BREACH, PATH_LOCK_MONTHS,
                      PATH_WORST_DEPTH, PATH_WORST_FALL_12M, Dynamic, FixedMix)


def _is(rule_type, cls) -> bool:
    return getattr(rule_type, "instance_class", None) is cls


# --- What differs between the two rules, resolved when the kernel is compiled for a record type.

def has_floor(rule):
    """True for a rule with a protection level (the dynamic rule)."""
    return isinstance(rule, Dynamic)


@overload(has_floor)
def _has_floor(rule):
    flag = _is(rule, Dynamic)
    return lambda rule: flag


@njit(cache=True, nogil=True, error_model="numpy")   # no raise: inlined in vector loops
def _dynamic_weight(rule, nav, high, var_step, stress_scale, fi_stress):
    """The dynamic rule's equity share (:func:`target_weight`)."""
    floor = rule.floor_share * high
    s = min(max(stress_scale * math.sqrt(var_step), rule.stress_min), rule.stress_max)
    if fi_stress == 0.0:
        w = (nav - floor) / (nav * s)
    else:
        w = ((nav - floor) / nav - fi_stress) / max(s - fi_stress, 1e-12)
    return min(max(w, rule.min_equity), rule.max_equity)


def target_weight(rule, nav, high, var_step, stress_scale, fi_stress):
    """The equity share the rule wants now.

    Fixed mix: ``equity_weight``. Dynamic: ``clip((c - s_fi) / (s - s_fi), min_equity,
    max_equity)`` with the cushion ``c = (nav - F) / nav``, ``F = floor_share * high``, the
    equity stress ``s = clip(z * vol * sqrt(h), stress_min, stress_max)`` (``vol`` the
    annualized EWMA volatility, ``h = stress_horizon / 12`` years) and the fixed income's
    ``s_fi = z * fixed_income_vol * sqrt(h)`` (``fi_stress``): a fall of ``s`` in the equity
    held and of ``s_fi`` in the rest uses the cushion up, no more. ``stress_scale`` is ``z *
    sqrt(steps_per_year * h)``, so ``s = clip(stress_scale * sqrt(var_step), ...)``.
    With ``s_fi = 0`` this is ``(nav - F) / (nav s)``.
    """
    if isinstance(rule, FixedMix):
        return rule.equity_weight
    return _dynamic_weight(rule, nav, high, var_step, stress_scale, fi_stress)


@overload(target_weight)
def _target_weight(rule, nav, high, var_step, stress_scale, fi_stress):
    if _is(rule, FixedMix):
        return lambda rule, nav, high, var_step, stress_scale, fi_stress: rule.equity_weight

    def dynamic(rule, nav, high, var_step, stress_scale, fi_stress):
        return _dynamic_weight(rule, nav, high, var_step, stress_scale, fi_stress)
    return dynamic


def start_state(rule, steps, rebalance_every):
    """(EWMA variance per step, 24-month high, window [months], stress scale, the fixed
    income's stress ``s_fi``, the EWMA's decay a step) at the start."""
    if isinstance(rule, FixedMix):
        return 0.0, 1.0, 1, 0.0, 0.0, 0.0
    return ((rule.initial_vol / 100.0) ** 2 / (12 * steps), rule.initial_high, rule.window,
            rule.stress_z * math.sqrt(steps * rule.stress_horizon),
            rule.stress_z * rule.fixed_income_vol * math.sqrt(rule.stress_horizon / 12.0),
            rule.ewma_lambda ** (1.0 / steps))


@overload(start_state)
def _start_state(rule, steps, rebalance_every):
    if _is(rule, FixedMix):
        return lambda rule, steps, rebalance_every: (0.0, 1.0, 1, 0.0, 0.0, 0.0)

    def dynamic(rule, steps, rebalance_every):
        return ((rule.initial_vol / 100.0) ** 2 / (12 * steps), rule.initial_high,
                rule.window, rule.stress_z * math.sqrt(steps * rule.stress_horizon),
                rule.stress_z * rule.fixed_income_vol * math.sqrt(rule.stress_horizon / 12.0),
                rule.ewma_lambda ** (1.0 / steps))
    return dynamic


def ewma(rule, lam, var, x):
    """The EWMA variance after a step's log return ``x``, decay ``lam`` a step (kept by the
    dynamic rule only)."""
    if isinstance(rule, FixedMix):
        return var
    return lam * var + (1.0 - lam) * x * x


@overload(ewma)
def _ewma(rule, lam, var, x):
    if _is(rule, FixedMix):
        return lambda rule, lam, var, x: var
    return lambda rule, lam, var, x: lam * var + (1.0 - lam) * x * x


def floor_rule(rule):
    """(floor_share, cash_lock_below) of a rule with a protection level; zeros otherwise."""
    if isinstance(rule, FixedMix):
        return 0.0, 0.0
    return rule.floor_share, rule.cash_lock_below


@overload(floor_rule)
def _floor_rule(rule):
    if _is(rule, FixedMix):
        return lambda rule: (0.0, 0.0)
    return lambda rule: (rule.floor_share, rule.cash_lock_below)


def holds_no_equity(rule):
    """True for a fixed mix of fixed income only (nothing to rebalance)."""
    return isinstance(rule, FixedMix) and rule.equity_weight == 0.0


@overload(holds_no_equity)
def _holds_no_equity(rule):
    if _is(rule, FixedMix):
        return lambda rule: rule.equity_weight == 0.0
    return lambda rule: False


@njit(cache=True, nogil=True, error_model="numpy")   # no raise: inlined in vector loops
def _sell(amount, value, basis):
    """Sell ``amount`` of a holding at average cost: (realized gain, basis removed)."""
    if value <= 0.0 or amount <= 0.0:
        return 0.0, 0.0
    removed = basis * (amount / value)
    return amount - removed, removed


@njit(cache=True, nogil=True)
def target_weight_nb(rule, nav, high, var_step, stress_scale, fi_stress=0.0):
    """:func:`target_weight` compiled (for tests and callers outside a kernel)."""
    return target_weight(rule, nav, high, var_step, stress_scale, fi_stress)


@njit(cache=True, nogil=True, inline="always")
def _window_high(window, n, high, leaving, new):
    """The largest of ``window[:n]`` after ``new`` replaced ``leaving`` in it, given ``high``,
    the largest before: read again only when the largest left (exact, as a full scan)."""
    if new >= high:
        return new
    if leaving < high:
        return high
    high = window[0]
    for q in range(1, n):
        high = max(high, window[q])
    return high


@njit(cache=True, nogil=True)
def fixed_income_growth_nb(fixed_income, steps, out):
    """Each month's fixed-income growth a step, ``(1 + r)^(1/steps)`` (``1 + r`` for one step),
    into ``out``: what every fund of a block multiplies its fixed income by (computed here once,
    not by each fund's kernel: the power is a sixth of a dynamic fund's time)."""
    for i in range(fixed_income.shape[0]):
        for m in range(fixed_income.shape[1]):
            g = 1.0 + fixed_income[i, m]
            if steps > 1:
                g = g ** (1.0 / steps)
            out[i, m] = g
    return out


@njit(cache=True, nogil=True)
def portfolio_nb(market, rule, trading, flows, out, monthly):
    """Run one fund over a block of paths.

    ``market`` (:class:`~sim.portfolio.records.Market`) gives the returns, ``rule`` the
    strategy, ``trading`` its rebalancing and costs, ``flows`` its money in and out; results go
    to ``out`` (:class:`~sim.portfolio.records.FundOut`), its monthly arrays only when
    ``monthly`` is true.

    The fund starts at the beginning of month ``flows.start_month`` (the month after the
    information date) with ``start_value``; before it the monthly results are NaN and the
    yearly ones are left as they are in ``out`` (zero when allocated by the Python layer).

    Per equity step ``k`` of month ``m`` (``steps`` a month): at the first step of a year after
    the fund's start, the year's net flow buys (or sells) units at the current NAV, pro rata to the
    holdings (where ``target_value[y]`` is not NaN the flow instead brings the value to it: the
    return is drawn off, or a loss refilled); every ``steps / rebalance_per_month`` steps the
    target weight is set (:func:`target_weight`) and traded if it differs from the held weight
    by more than ``no_trade_band``, at ``transaction_cost`` times the traded amount (a realized
    loss); then equity grows by ``exp(equity_step)`` and fixed income by ``(1 +
    fixed_income)^(1/steps)``, and the EWMA variance is updated with the step's equity log
    return; equity also grows by ``exp(equity_shift[y] / steps)`` a step and fixed income by
    ``exp(fixed_income_shift[y] / steps)`` (the fund's return centre: 0 leaves the market's
    own returns). Month-end NAVs fill a ring of the last ``window`` month-ends (initially
    ``initial_high``, the history before the start); the protection level is ``floor_share``
    times their maximum and a month-end NAV below it is a breach (dynamic rule only). A
    month-end below the level after one above it begins a spell; its depth is split exactly
    into the cushion at the month's start, the month's equity and fixed-income results, its
    costs and the level's move (:class:`~sim.portfolio.records.FundOut`).

    Accounting is by average cost per asset class. Yearly: return = value change - flow =
    realized + change in unrealized; ``worst_fall_12m`` is the worst fall of the month-end NAV
    against any month-end of the 12 before it, among months ending in the year.
    """
    eq_step, eq_growth, fi_month = market.equity_step, market.equity_growth, market.fixed_income
    fi_growth = market.fixed_income_growth
    steps = market.steps_per_month
    n_paths, n_months = fi_month.shape
    rebalance_every = steps // trading.rebalance_per_month
    band, cost = trading.no_trade_band, trading.transaction_cost
    start_value, net_flow, target_value = flows.start_value, flows.net_flow, flows.target_value
    start_month = flows.start_month
    eq_centre = np.exp(flows.equity_shift / steps)   # (Y,) growth factor a step, 1 for none
    fi_centre = np.exp(flows.fixed_income_shift / steps)
    start_basis = flows.start_cost_basis
    shift = 1.0
    fi_shift = 1.0
    var0, high0, window, stress_scale, fi_stress, lam = start_state(rule, steps,
                                                                    rebalance_every)
    floor_share, cash_lock = floor_rule(rule)
    dynamic = has_floor(rule)
    fi_only = holds_no_equity(rule)
    ring = np.empty(window)
    hist = np.empty(12)              # the last 12 month-end NAVs (and the start)
    lim = np.empty(LIMIT_WINDOW)     # Bilaga 2's yardstick: the last 24 month-ends
    for i in range(n_paths):
        units = start_value
        var = var0
        ring[:] = high0
        ring_high = high0            # max of the ring, kept up to date at each month end
        pos = 0
        hist[0] = 1.0
        lim[:] = high0               # the history before the start, as the rule's
        lim_high = high0             # the largest of ``lim``, kept like ``ring_high``
        past_high = 1.0              # the largest of ``hist[:n_hist]``
        lim_pos = 0
        y_fall24 = 0.0
        n_hist = 1
        hist_pos = 1                 # next slot of ``hist`` (kept below 12: no modulo)
        rebal_count = 0              # steps since the last rebalancing (no modulo either)
        w0 = target_weight(rule, 1.0, high0, var, stress_scale, fi_stress)
        eq = w0 * start_value
        fi = start_value - eq
        b_eq = eq * start_basis          # the holdings' cost basis at the start
        b_fi = fi * start_basis
        realized = 0.0
        costs = 0.0
        breach_months = 0
        lock_months = 0
        first_breach = -1
        worst_depth = math.inf
        worst_fall = 0.0
        prev_value = start_value
        prev_unreal = start_value * (1.0 - start_basis)
        y_breach = 0
        y_lock = 0
        y_fall = 0.0
        in_breach = False
        y_depth = 0.0
        y_spells = 0
        y_cushion = 0.0
        y_eq = 0.0
        y_fi = 0.0
        y_cost = 0.0
        y_move = 0.0
        flow = 0.0
        shift = eq_centre[start_month // 12] if start_month < n_months else 1.0
        fi_shift = fi_centre[start_month // 12] if start_month < n_months else 1.0
        if monthly:                      # before the fund starts: no values
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
            growth_fi = fi_growth[i, m] * fi_shift
            # the month's start, for the split of a breach: NAV, level, results per asset
            nav_start = (eq + fi) / units if units > 0.0 else 0.0
            floor_start = floor_share * ring_high
            m_eq = 0.0
            m_fi = 0.0
            m_cost = 0.0
            for j in range(steps):
                if fi_only and eq == 0.0:          # nothing to rebalance, no equity
                    m_fi += fi * (growth_fi - 1.0)
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
                        w = target_weight(rule, nav, high, var, stress_scale, fi_stress)
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
                                m_cost += c
                g = eq_growth[i, k] * shift
                m_eq += eq * (g - 1.0)
                m_fi += fi * (growth_fi - 1.0)
                eq *= g
                fi *= growth_fi
                var = ewma(rule, lam, var, eq_step[i, k])
            # --- month end
            value = eq + fi
            nav = value / units if units > 0.0 else 0.0
            if dynamic:                  # only the dynamic rule has a protection level
                leaving = ring[pos]
                ring[pos] = nav
                pos += 1
                if pos == window:
                    pos = 0
                ring_high = _window_high(ring, window, ring_high, leaving, nav)
            floor_nav = floor_share * ring_high
            if monthly:
                out.nav[i, m] = nav
                out.value[i, m] = value
                out.equity_weight[i, m] = eq / value if value > 0.0 else 0.0
                out.floor[i, m] = floor_nav * units if dynamic else math.nan
            # comparisons instead of divisions where the division cannot change the result
            if dynamic and floor_nav > 0.0:
                if nav < floor_nav * (1.0 + worst_depth):
                    worst_depth = min(worst_depth, nav / floor_nav - 1.0)
                if nav < floor_nav:
                    breach_months += 1
                    y_breach += 1
                    y_depth = min(y_depth, nav / floor_nav - 1.0)
                    if first_breach < 0:
                        first_breach = m
                    if not in_breach and units > 0.0:    # a spell begins: split its depth
                        y_spells += 1
                        y_cushion += (nav_start - floor_start) / floor_nav
                        y_eq += m_eq / units / floor_nav
                        y_fi += m_fi / units / floor_nav
                        y_cost -= m_cost / units / floor_nav
                        y_move -= (floor_nav - floor_start) / floor_nav
                in_breach = nav < floor_nav
                if eq < cash_lock * value if value > 0.0 else cash_lock > 0.0:
                    lock_months += 1
                    y_lock += 1
            if past_high > 0.0 and nav < past_high * (1.0 - y_fall):
                y_fall = max(y_fall, 1.0 - nav / past_high)
            leaving = lim[lim_pos]
            lim[lim_pos] = nav           # this month-end and the 23 before it
            lim_pos += 1
            if lim_pos == LIMIT_WINDOW:
                lim_pos = 0
            lim_high = _window_high(lim, LIMIT_WINDOW, lim_high, leaving, nav)
            if lim_high > 0.0 and nav < lim_high * (1.0 - y_fall24):
                y_fall24 = max(y_fall24, 1.0 - nav / lim_high)
            leaving = hist[hist_pos] if n_hist == 12 else -math.inf
            hist[hist_pos] = nav
            hist_pos += 1
            if hist_pos == 12:
                hist_pos = 0
            n_hist = min(n_hist + 1, 12)
            past_high = _window_high(hist, n_hist, past_high, leaving, nav)
            if m % 12 == 11 or m == n_months - 1:
                y = m // 12
                unreal = value - b_eq - b_fi
                out.year_return[i, y] = value - prev_value - flow
                out.realized[i, y] = realized
                out.unrealized_change[i, y] = unreal - prev_unreal
                out.value_end[i, y] = value
                out.cost_basis[i, y] = b_eq + b_fi
                out.breach_months[i, y] = y_breach
                out.cash_lock_months[i, y] = y_lock
                out.transaction_costs[i, y] = costs
                out.worst_fall_12m[i, y] = y_fall
                out.worst_fall_24m[i, y] = y_fall24
                out.breach_spells[i, y] = y_spells
                out.breach_depth[i, y] = y_depth
                out.breach_cushion[i, y] = y_cushion
                out.breach_equity[i, y] = y_eq
                out.breach_fixed_income[i, y] = y_fi
                out.breach_costs[i, y] = y_cost
                out.breach_floor_move[i, y] = y_move
                worst_fall = max(worst_fall, y_fall)
                prev_value = value
                prev_unreal = unreal
                realized = 0.0
                costs = 0.0
                y_breach = 0
                y_lock = 0
                y_fall = 0.0
                y_fall24 = 0.0
                y_spells = 0
                y_depth = 0.0
                y_cushion = 0.0
                y_eq = 0.0
                y_fi = 0.0
                y_cost = 0.0
                y_move = 0.0
        out.path[i, PATH_BREACH_MONTHS] = breach_months
        out.path[i, PATH_FIRST_BREACH] = first_breach
        out.path[i, PATH_WORST_DEPTH] = worst_depth if dynamic else math.nan
        out.path[i, PATH_WORST_FALL_12M] = worst_fall
        out.path[i, PATH_LOCK_MONTHS] = lock_months
