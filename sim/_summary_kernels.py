"""Numba kernels of the run's summary: a block's monthly fund values counted into the Bilaga 2
fans' histograms in one pass, without the block-sized temporaries (ratios, bin ids) NumPy
needs, and without the GIL, so each worker thread counts its blocks into its own histogram.

The binning is :meth:`sim.analysis.Histogram.bin`'s, step for step in the same floating-point
operations, so the counts are those NumPy gives (a test holds them equal, and the golden guard
the run's fans).
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["count_fan"]

_MAX = 1.7976931348623157e308


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
                if x != x:
                    nan_seen = True
                    b += 1                   # NumPy's floor(NaN) cast to int64 is negative
                    continue
                if x < lo_v:
                    lo_v = x
                if x > hi_v:
                    hi_v = x
                f = math.floor((x - lo) / width)
                if f < 0.0:
                    b += 1
                elif f >= bins:
                    a += 1
                else:
                    row[int(f)] += 1
            below[c] += b
            above[c] += a
            if nan_seen:
                vmin[c] = math.nan
                vmax[c] = math.nan
            else:
                vmin[c] = lo_v
                vmax[c] = hi_v
