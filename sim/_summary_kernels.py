"""Numba kernels of the run's summary: a block's values counted into its histograms in one
pass, without the block-sized temporaries (ratios, bin ids) NumPy needs, and without the GIL,
so each worker thread counts its blocks into its own histograms: the Bilaga 2 fans (the funds'
monthly values, :func:`count_fan`) and every other histogram of the summary (the results, the
funds' returns, falls and depths, :func:`count_columns`).

The binning is :meth:`sim.analysis.Histogram.bin`'s, step for step in the same floating-point
operations, so the counts are those NumPy gives for finite values and NaN (a test holds them
equal, and the golden guard the run's statistics); an infinity is counted beyond the range on
its own side, where NumPy's cast to an integer depends on the processor.
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["count_fan", "count_columns"]

_MAX = 1.7976931348623157e308


@njit(nogil=True, cache=True)
def _tally(v, d, lo, width, bins, row, lo_v, hi_v, b, a):
    """One value ``v`` of a column (its minimum and maximum), counted in the bin of ``d`` on
    the grid ``[lo, lo + bins * width)`` of the column's ``row``: the column's running minimum,
    maximum, counts below and above, and whether ``v`` is NaN."""
    if v != v:
        return lo_v, hi_v, b + 1, a, True       # NumPy's floor(NaN) cast to int64 is negative
    if v < lo_v:
        lo_v = v
    if v > hi_v:
        hi_v = v
    f = math.floor((d - lo) / width)
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
    column's bins stay in the cache while its paths are counted."""
    n, p_count, months = values.shape
    for p in range(p_count):
        s = scale[p]
        for m in range(months):
            c = p * months + m
            row = counts[c]
            lo_v, hi_v = vmin[c], vmax[c]
            nan_seen = lo_v != lo_v
            b, a = 0, 0
            for i in range(n):
                x = values[i, p, m] / s
                if nan_to_zero:
                    if x != x:
                        x = 0.0
                    elif x == math.inf:
                        x = _MAX
                    elif x == -math.inf:
                        x = -_MAX
                lo_v, hi_v, b, a, nan_x = _tally(x, x, lo, width, bins, row, lo_v, hi_v, b, a)
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
