"""Numba kernels of the portfolios: returns in, values, weights and accounting out; no I/O.

The kernel takes the records of :mod:`sim.portfolio.records`; a fund's strategy record
(:class:`~sim.portfolio.records.FixedMix` or :class:`~sim.portfolio.records.Dynamic`) selects,
by its type, the rule compiled in. Its plain reference is
``tests/reference/portfolio_numpy.py`` (the same rule and accounting in NumPy, vectorized over
paths), held to this kernel within 1e-12, and the hand-computed six-month table in
``tests/portfolio/test_strategies.py``.

The paths side by side. Every path's state is held in arrays along the paths (a structure of
arrays) and the market arrives step by step (:class:`~sim.portfolio.records.Market`: steps
along the rows, paths along the columns), so the equity steps, which are most of a fund's
work, the month's start and the month-end statistics are loops over the paths that the
compiler turns into vector instructions, several paths at once. In them the trade, a spell's
split, the cash lock and the falls are selects, not branches (a branch per path would stop
the vector loop): each is computed for every path and kept where the rule says. These loops
use numba's NumPy error model, as do :func:`_sell` and :func:`_dynamic_weight` which they
inline: a division on a path that does not trade may divide by zero and give an infinity that
is never kept, where the Python model would raise. The year's flow and outputs run path by
path, and a window's largest value is read again only on the paths whose largest left it.
Each path sees the operations of the one-path-at-a-time kernel this replaced, in its order:
its results were bit-identical (a test held every output equal before that kernel was
removed), and they are those of the golden guard.

About 600 lines in one module on purpose: numba compiles the kernel with its rule helpers as
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


@njit(cache=True, nogil=True)
def fixed_income_growth_nb(fixed_income, steps, out):
    """Each month's fixed-income growth a step, ``(1 + r)^(1/steps)`` (``1 + r`` for one step),
    of ``fixed_income`` (paths, months) into ``out`` (months, paths), step by step as the
    kernel reads it: what every fund of a block multiplies its fixed income by (computed here
    once, not by each fund's kernel: the power was a sixth of a dynamic fund's time)."""
    for i in range(fixed_income.shape[0]):
        for m in range(fixed_income.shape[1]):
            g = 1.0 + fixed_income[i, m]
            if steps > 1:
                g = g ** (1.0 / steps)
            out[m, i] = g
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _steps(k0, n_steps, eq_growth, eq_step, shift, rule, trading, rebalance_every,
           stress_scale, fi_stress, lam, fi_only, units, ring_high, growth_fi, eq, fi, b_eq,
           b_fi, realized, costs, m_eq, m_fi, m_cost, var, rebal_count):
    """The equity steps ``k0 .. k0 + n_steps`` of one month for every path: the rebalancing
    (a trade where the rule is due, the fund not empty and the weight outside the band; its
    sale at average cost and its cost, from fixed income while it lasts), as selects, then
    the step's growth and the EWMA variance (:func:`portfolio_nb`'s docstring); a step at
    which no path may trade (:func:`_due_anywhere`) is its growth alone."""
    band, cost = trading.no_trade_band, trading.transaction_cost
    n = eq.shape[0]
    for j in range(n_steps):
        k = k0 + j
        g_row = eq_growth[k]
        x_row = eq_step[k]
        if not _due_anywhere(fi_only, eq, rebal_count):   # no trade on any path: growth alone
            for i in range(n):
                e = eq[i]
                _grow(rule, lam, i, e, fi[i], fi_only and e == 0.0, rebalance_every,
                      g_row[i] * shift, growth_fi[i], x_row[i], eq, fi, m_eq, m_fi, var,
                      rebal_count)
            continue
        for i in range(n):
            e = eq[i]
            f = fi[i]
            be = b_eq[i]
            bf = b_fi[i]
            gfi = growth_fi[i]
            skip = fi_only and e == 0.0           # nothing to rebalance, no equity
            due = rebal_count[i] == 0
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
            _grow(rule, lam, i, e, f, skip, rebalance_every, g_row[i] * shift, gfi, x_row[i],
                  eq, fi, m_eq, m_fi, var, rebal_count)


@njit(cache=True, nogil=True)
def _due_anywhere(fi_only, eq, rebal_count):
    """Whether any path may trade at this step: its review is due (the counters of the paths
    that are not skipped move together) and it holds something to rebalance. Where none may,
    the step is its growth alone, the same numbers without the trade's arithmetic: three of a
    month's four weekly steps for a mix reviewed monthly, every step of a fixed-income-only
    fund."""
    for i in range(eq.shape[0]):
        if rebal_count[i] == 0 and not (fi_only and eq[i] == 0.0):
            return True
    return False


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _grow(rule, lam, i, e, f, skip, rebalance_every, g, gfi, x, eq, fi, m_eq, m_fi, var,
          rebal_count):
    """Path ``i``'s step after its trade (if any): equity ``e`` grows by ``g``, fixed income
    ``f`` by ``gfi``, the month's results and the EWMA variance (log return ``x``) move on and
    the review counter one step on (back to 0 every ``rebalance_every``); a skipped path (no
    equity in a fixed-income-only mix) keeps its equity, variance and counter."""
    m_eq[i] = m_eq[i] if skip else m_eq[i] + e * (g - 1.0)
    m_fi[i] += f * (gfi - 1.0)
    eq[i] = e if skip else e * g
    fi[i] = f * gfi
    var[i] = var[i] if skip else ewma(rule, lam, var[i], x)
    cnt = rebal_count[i]
    cnt2 = cnt + 1
    rebal_count[i] = cnt if skip else (0 if cnt2 == rebalance_every else cnt2)


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
def _window_in(ring, pos, nav, high, rescan, full, n):
    """Put each path's month-end ``nav`` in row ``pos`` of its window ``ring`` (rows, paths),
    replacing the value leaving it (none while the window is not ``full``), and keep
    ``high``, the largest of its first ``n`` rows: the new value if it is at least the largest,
    else the old largest if the value leaving was below it; on the paths where the largest
    left, the window is read again (:func:`_rescan`: exact, as a full scan every month, read
    only where needed). Returns the next row."""
    row = ring[pos]
    for i in range(nav.shape[0]):
        x = nav[i]
        h = high[i]
        leaving = row[i] if full else -math.inf
        row[i] = x
        up = x >= h
        high[i] = x if up else h
        rescan[i] = (not up) & (not (leaving < h))
    _rescan(ring, n, high, rescan)
    return 0 if pos + 1 == ring.shape[0] else pos + 1


@njit(cache=True, nogil=True)
def _rescan(ring, n, high, rescan):
    """The largest of each flagged path's window, its first ``n`` rows."""
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
    """The month-end's statistics for every path, as selects, after the windows: the breach,
    its spell's split, the cash lock, the 12- and 24-month falls; ``past_high`` is last
    month's (the 12-month fall is measured against it)."""
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
def portfolio_nb(market, rule, trading, flows, out, monthly, stats=True):
    """Run one fund over a block of paths.

    ``market`` (:class:`~sim.portfolio.records.Market`) gives the returns step by step,
    ``rule`` the strategy, ``trading`` its rebalancing and costs, ``flows`` its money in and
    out; results go to ``out`` (:class:`~sim.portfolio.records.FundOut`), its monthly arrays only when
    ``monthly`` is true. Without ``stats`` the month-end statistics are not kept (Bilaga 2's
    24-month window, the last 12 month-ends, the breaches, spells, cash lock and falls: a
    third of a dynamic fund's time): nothing the fund trades on or holds depends on them, so
    its values and accounting are the same, and the statistics' outputs hold no statistics
    (:func:`~sim.portfolio.run_fund` leaves them out).

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

    How it runs: every path's state is held in arrays along the paths (a structure of arrays),
    so the equity steps, the month's start and the month-end statistics are loops over the
    paths that compile to vector instructions, several paths at once (the module's docstring).
    """
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
    # every path's state in arrays along the paths; the windows (rows, paths)
    ring = np.full((window, n), high0)
    hist = np.empty((12, n))             # the last 12 month-end NAVs (and the start)
    hist[0] = 1.0
    lim = np.full((LIMIT_WINDOW, n), high0)   # Bilaga 2's yardstick: the last 24
    units_a = np.full(n, start_value)
    var_a = np.full(n, var0)
    ring_high_a = np.full(n, high0)
    lim_high_a = np.full(n, high0)
    past_high_a = np.ones(n)
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
            pos = _window_in(ring, pos, nav_a, ring_high_a, rescan, True, window)
        if monthly:
            for i in range(n):
                value = value_a[i]
                floor_nav = floor_share * ring_high_a[i]
                out.nav[i, m] = nav_a[i]
                out.value[i, m] = value
                out.equity_weight[i, m] = eq_a[i] / value if value > 0.0 else 0.0
                out.floor[i, m] = floor_nav * units_a[i] if dynamic else math.nan
        if stats:
            # Bilaga 2's yardstick: this month-end and the 23 before it
            lim_pos = _window_in(lim, lim_pos, nav_a, lim_high_a, rescan, True, LIMIT_WINDOW)
            _month_end(m, dynamic, floor_share, cash_lock, eq_a, fi_a, units_a, nav_a, value_a,
                       ring_high_a, lim_high_a, past_high_a, nav_start_a, floor_start_a,
                       m_eq_a, m_fi_a, m_cost_a, worst_depth_a, breach_months_a, y_breach_a,
                       y_depth_a, first_breach_a, in_breach_a, y_spells_a, y_cushion_a, y_eq_a,
                       y_fi_a, y_cost_a, y_move_a, lock_months_a, y_lock_a, y_fall_a,
                       y_fall24_a)
            # the 12 last month-ends (a window of its own length until it is full)
            full = n_hist == 12
            n_hist = min(n_hist + 1, 12)
            hist_pos = _window_in(hist, hist_pos, nav_a, past_high_a, rescan, full, n_hist)
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
