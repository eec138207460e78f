"""Numba kernels of the run's summary: a block's values counted into its histograms in one
pass, without the block-sized temporaries (ratios, bin ids) NumPy needs, and without the GIL,
so each worker thread counts its blocks into its own histograms: the Bilaga 2 fans (the funds'
monthly values, :func:`count_fan`) and every other histogram of the summary (the results, the
funds' returns, falls and depths, :func:`count_columns`). The block's events (every reported
probability's, with the antithetic pairs' moments, :func:`count_events`) and the cash lock's
month-ends (:func:`count_below`) are counted path by path the same way: exact integers, held
to their NumPy definitions by a test.

The binning is NumPy's ``floor((x - origin - lo) / width)`` cast to a bin id, step for step in
the same floating-point operations, so the counts are those NumPy gives for NaN and for finite
values whose bin fits in an int64 (``tests/test_analysis.py`` holds them equal to that
definition written in NumPy, and the golden guard the run's statistics). An infinity, or a
value further than 2^63 bins out, is counted beyond the range on its own side: the floor is
compared as a float, and only a bin inside the range is cast. NumPy's cast of such a value to
an integer depends on the processor (x86 gives the most negative int64, so +inf would count
below the range).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["count_fan", "count_columns", "count_events", "count_below", "EVENTS"]

_MAX = 1.7976931348623157e308


@njit(nogil=True, cache=True)
def _tally(v, d, lo, width, bins, row, lo_v, hi_v, b, a):
    """One value ``v`` of a column (its minimum and maximum), counted in the bin of ``d`` on
    the grid ``[lo, lo + bins * width)`` of the column's ``row``: the column's running minimum,
    maximum, counts below and above, and whether ``v`` is NaN."""
    return _tally_bin(v, np.floor((d - lo) / width), bins, row, lo_v, hi_v, b, a)


@njit(nogil=True, cache=True)
def _tally_bin(v, f, bins, row, lo_v, hi_v, b, a):
    """:func:`_tally` with the bin ``f`` (``floor((d - lo) / width)``, a float: numba's
    ``math.floor`` gives an int64, undefined past 2^63) computed before."""
    if v != v:
        return lo_v, hi_v, b + 1, a, True       # NumPy's floor(NaN) cast to int64 is negative
    if v < lo_v:
        lo_v = v
    if v > hi_v:
        hi_v = v
    if f < 0.0:
        b += 1
    elif f >= bins:
        a += 1
    else:
        row[int(f)] += 1
    return lo_v, hi_v, b, a, False


@njit(nogil=True, cache=True)
def _close(c, lo_v, hi_v, b, a, nan_seen, below, above, vmin, vmax):
    """Column ``c``'s counts outside the range, minimum and maximum (NaN once a NaN is seen,
    as NumPy's min and max) after a block."""
    below[c] += b
    above[c] += a
    if nan_seen:
        vmin[c] = math.nan
        vmax[c] = math.nan
    else:
        vmin[c] = lo_v
        vmax[c] = hi_v


@njit(nogil=True, cache=True)
def count_fan(values, scale, nan_to_zero, lo, width, bins, counts, below, above, vmin, vmax):
    """Count ``values[i, p, m] / scale[p]`` (paths ``i``, funds ``p``, months ``m``) into the
    histogram of column ``p * M + m``: ``counts`` (P*M, bins), ``below`` and ``above`` the
    range ``[lo, lo + bins * width)``, and each column's ``vmin`` and ``vmax`` (NaN once a NaN
    is seen, as NumPy's min and max). ``nan_to_zero`` applies NumPy's ``nan_to_num`` to the
    ratio first (NaN to 0, infinities to the largest finite numbers). Column by column, so a
    column's bins stay in the cache while its paths are counted; each column in two passes:
    its ratios and their bins over a contiguous copy of the column, a loop whose only branch
    (``nan_to_zero``) is the same for every value, so it compiles to vector divisions, then
    the tally."""
    n, p_count, months = values.shape
    xs = np.empty(n)
    fs = np.empty(n)
    for p in range(p_count):
        s = scale[p]
        for m in range(months):
            c = p * months + m
            for i in range(n):
                xs[i] = values[i, p, m]
            for i in range(n):
                x = xs[i] / s
                if nan_to_zero:
                    x = 0.0 if x != x else min(max(x, -_MAX), _MAX)
                xs[i] = x
                fs[i] = np.floor((x - lo) / width)
            row = counts[c]
            lo_v, hi_v = vmin[c], vmax[c]
            nan_seen = lo_v != lo_v
            b, a = 0, 0
            for i in range(n):
                lo_v, hi_v, b, a, nan_x = _tally_bin(xs[i], fs[i], bins, row, lo_v, hi_v, b, a)
                nan_seen = nan_seen or nan_x
            _close(c, lo_v, hi_v, b, a, nan_seen, below, above, vmin, vmax)


@njit(nogil=True, cache=True)
def count_columns(x, origin, lo, width, bins, counts, below, above, vmin, vmax):
    """Count ``x[i, c]`` (paths ``i``, columns ``c``) into column ``c``'s histogram on the grid
    ``origin[c] + [lo, lo + bins * width)`` (``origin`` of length 0: none), with ``below``,
    ``above`` and each column's ``vmin`` and ``vmax`` of ``x`` as :func:`count_fan`. Column by
    column, so a column's bins stay in the cache while its paths are counted."""
    n, columns = x.shape
    shifted = origin.shape[0] > 0
    for c in range(columns):
        o = origin[c] if shifted else 0.0
        row = counts[c]
        lo_v, hi_v = vmin[c], vmax[c]
        nan_seen = lo_v != lo_v
        b, a = 0, 0
        for i in range(n):
            v = x[i, c]
            lo_v, hi_v, b, a, nan_v = _tally(v, v - o if shifted else v, lo, width, bins, row,
                                             lo_v, hi_v, b, a)
            nan_seen = nan_seen or nan_v
        _close(c, lo_v, hi_v, b, a, nan_seen, below, above, vmin, vmax)


#: The events :func:`count_events` counts, in the order of its columns: the order of
#: ``sim.summary.PROB_COUNTS`` (a test holds them equal).
EVENTS = ("deficit", "deficit_budget_only", "deficit_market_only", "below_goal", "deficit_any",
          "deficit_after_rur", "below_goal_any", "rur_drawn", "unrestored", "rur_used_up",
          "kpif_high", "kpif_high_ever", "fund_breach", "fund_fall_over_limit",
          "fund_breach_ever", "fund_fall_over_limit_ever", "fund_fall24_over_limit",
          "fund_fall24_over_limit_ever")


@njit(nogil=True, cache=True)
def count_events(bkr, budget_only, market_only, goal, after_rur, rur_drawn, unrestored,
                 rur_balance, reserve, kpif, high, breach_months, fall12, fall24, limits, nb,
                 at, pairs, counts, u_sq, u_cross):
    """A block's events, path by path, counted: ``counts[k]``, the paths with event column
    ``k`` (:data:`EVENTS` in order, column ``at[j]`` the first of event ``j``: a year each, a
    fund each, a fund and year each (fund-major), or one), and with ``pairs`` the antithetic
    pairs' moments (paths ``2i`` and ``2i + 1``, the last path alone when the count is odd):
    ``u_sq[k]``, the sum of the pairs' squared counts, and ``u_cross[k]``, of twice their
    counts (a pair has two paths).

    The events, for the plan years ``t < Y`` of ``bkr`` (paths, years) and the funds ``p``:
    a deficit ``bkr < 0``, and ``budget_only < 0`` and ``market_only < 0`` (the result with the
    funds' returns, or everything else, at plan); below the goal ``bkr < goal``; a deficit and
    below the goal in one of the first ``nb`` years; ``after_rur < 0``; the reserve drawn
    (``rur_drawn > 0``), a deficit not restored (``unrestored > 0``), the reserve used up
    (``rur_balance <= 1e-9`` with a ``reserve``); KPIF at or above ``high`` in a year and in
    any; a month below the protection level (``breach_months > 0``) and a 12- or 24-month
    fall beyond the fund's ``limits`` (never with a NaN limit), in a year and in any."""
    n, y = bkr.shape
    f = limits.shape[0]
    k = counts.shape[0]
    row = np.zeros(k, np.int64)
    prev = np.zeros(k, np.int64)
    for i in range(n):
        row[:] = 0
        for t in range(y):
            d = bkr[i, t] < 0.0
            g = bkr[i, t] < goal[i, t]
            row[at[0] + t] = d
            row[at[1] + t] = budget_only[i, t] < 0.0
            row[at[2] + t] = market_only[i, t] < 0.0
            row[at[3] + t] = g
            if t < nb:
                if d:
                    row[at[4]] = 1
                if g:
                    row[at[6]] = 1
            row[at[5] + t] = after_rur[i, t] < 0.0
            row[at[7] + t] = rur_drawn[i, t] > 0.0
            row[at[8] + t] = unrestored[i, t] > 0.0
            row[at[9] + t] = (rur_balance[i, t] <= 1e-9) and reserve
            h = kpif[i, t] >= high
            row[at[10] + t] = h
            if h:
                row[at[11]] = 1
            for p in range(f):
                b = breach_months[i, p, t] > 0.0
                o12 = fall12[i, p, t] > limits[p]
                o24 = fall24[i, p, t] > limits[p]
                row[at[12] + p * y + t] = b
                row[at[13] + p * y + t] = o12
                row[at[16] + p * y + t] = o24
                if b:
                    row[at[14] + p] = 1
                if o12:
                    row[at[15] + p] = 1
                if o24:
                    row[at[17] + p] = 1
        for j in range(k):
            counts[j] += row[j]
        if pairs:
            if i % 2 == 1:
                for j in range(k):
                    s = prev[j] + row[j]
                    u_sq[j] += s * s
                    u_cross[j] += 2 * s
            elif i == n - 1:
                for j in range(k):
                    u_sq[j] += row[j]
                    u_cross[j] += row[j]
            else:
                prev[:] = row


@njit(nogil=True, cache=True)
def count_below(values, level, on, counts):
    """``counts[p, j] +=`` the paths ``i`` with ``values[i, p, j] < level[p]``, for the funds
    ``p`` that are ``on`` (NaN is never below): the paths in the cash lock at each month-end."""
    n, f, m = values.shape
    for p in range(f):
        if not on[p]:
            continue
        for i in range(n):
            for j in range(m):
                if values[i, p, j] < level[p]:
                    counts[p, j] += 1
