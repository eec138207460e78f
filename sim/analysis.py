"""Statistics of Monte Carlo results: probabilities with their uncertainty, streaming quantiles.

* :func:`wilson` -- the 95 % Wilson score interval of a binomial proportion (Wilson 1927), which
  stays inside [0, 1] and behaves for probabilities near 0 or 1, where the normal interval does
  not.
* :class:`Histogram` -- fixed-width bins that accumulate block by block in bounded memory;
  a quantile is interpolated within its bin, so it is off by less than one bin width;
  expected shortfall averages bin centres, so it is off by at most half a bin width (values
  outside the range are counted and their exact extremes kept).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["wilson", "standard_error", "noise_range", "noise_range_of", "Histogram"]

Z95 = 1.959963984540054


def standard_error(p: np.ndarray, n: int) -> np.ndarray:
    """Monte Carlo standard error of a proportion: sqrt(p (1 - p) / n)."""
    return np.sqrt(np.asarray(p) * (1 - np.asarray(p)) / n)


def noise_range(se, k: int, level: float = 0.95):
    """The spread (largest minus smallest) that ``k`` estimates of one and the same quantity,
    each with standard error ``se``, stay below with probability ``level``: the studentized
    range's quantile with infinite degrees of freedom (Tukey), times ``se``. A larger spread
    between model variants is model risk, not simulation noise. Variants run on common random
    numbers vary less than independent estimates, so the bound is conservative."""
    from scipy.stats import studentized_range

    if k < 2:
        return np.zeros_like(np.asarray(se, dtype=float))
    return studentized_range.ppf(level, k, np.inf) * np.asarray(se, dtype=float)


def noise_range_of(se, level: float = 0.95, draws: int = 200_000) -> np.ndarray:
    """The spread that estimates of one and the same quantity, each with its **own** standard
    error, stay below with probability ``level``: ``se`` is (k,) or (k, columns), the 95 %
    quantile of ``max - min`` of independent normals with those standard deviations (from a
    fixed stream of ``draws`` draws, so the same on every machine). With equal errors this is
    :func:`noise_range`; with one error far larger than the rest it is about that one's
    deviation from the others, not the studentized range at the largest error for all k (which
    overstated it several times)."""
    se = np.asarray(se, dtype=float)
    cols = se.reshape(se.shape[0], -1)
    z = np.random.default_rng(20230101).standard_normal((draws, cols.shape[0]))
    out = np.empty(cols.shape[1])
    for j in range(cols.shape[1]):
        x = z * cols[:, j]
        out[j] = np.quantile(x.max(axis=1) - x.min(axis=1), level)
    return out.reshape(se.shape[1:]) if se.ndim > 1 else out[0]


def wilson(k: np.ndarray, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the Wilson score interval for ``k`` successes in ``n``."""
    k = np.asarray(k, dtype=float)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the interval contains p exactly: at k = 0 (or n) rounding leaves centre - half a hair
    # above 0 (below 1), which a chart's error bar cannot draw
    return np.minimum(np.maximum(centre - half, 0.0), p), np.maximum(np.minimum(centre + half, 1.0), p)


@dataclass
class Histogram:
    """Counts of values in ``bins`` equal bins over ``[lo, hi)``, one histogram per column.

    :meth:`count` takes an ``(n, columns)`` array (:meth:`count_ratios` the fans' values),
    counted in a numba kernel (:mod:`sim._summary_kernels`). Integer counts make the
    accumulation exact and independent of the order of blocks. ``origin`` (one value per column) centres each column's
    range on it: the bins cover ``origin + [lo, hi)``, so a result measured against its plan
    keeps its grid whatever the plan's level (a rich region's +40 000 mnkr as a poor one's 0).
    """

    lo: float
    hi: float
    bins: int
    columns: int
    origin: np.ndarray | None = None
    counts: np.ndarray = field(init=False)
    below: np.ndarray = field(init=False)
    above: np.ndarray = field(init=False)
    vmin: np.ndarray = field(init=False)
    vmax: np.ndarray = field(init=False)

    def __post_init__(self):
        self.counts = np.zeros((self.columns, self.bins), dtype=np.int64)
        self.below = np.zeros(self.columns, dtype=np.int64)
        self.above = np.zeros(self.columns, dtype=np.int64)
        self.vmin = np.full(self.columns, np.inf)
        self.vmax = np.full(self.columns, -np.inf)

    def __getstate__(self) -> dict:
        """Pickled with its counts as the nonzero bins' flat indices and counts: a cluster's
        chunk sends its histograms back to the client, and a chunk's are mostly empty bins
        (dense, 9 MB a chunk of the default plan's summary)."""
        state = self.__dict__.copy()
        flat = self.counts.ravel()
        at = np.flatnonzero(flat)
        state["counts"] = (self.counts.shape, at, flat[at])
        return state

    def __setstate__(self, state: dict) -> None:
        shape, at, values = state["counts"]
        counts = np.zeros(shape, dtype=np.int64)
        counts.ravel()[at] = values
        self.__dict__.update(state, counts=counts)

    @property
    def width(self) -> float:
        return (self.hi - self.lo) / self.bins

    @property
    def _origin(self):
        return 0.0 if self.origin is None else self.origin

    def count_ratios(self, values: np.ndarray, scale: np.ndarray,
                     nan_to_zero: bool = False) -> None:
        """Count ``values[i, p, m] / scale[p]`` into column ``p * M + m`` at once, in a numba
        kernel without the GIL (:func:`sim._summary_kernels.count_fan`): the bins NumPy's
        :meth:`bin` gives (NaN counted below the range, as there), with no temporaries. Not
        thread-safe: a histogram counted this way belongs to one thread."""
        from ._summary_kernels import count_fan

        if self.origin is not None:
            raise ValueError("Histogram.count_ratios: a grid with an origin is binned by bin()")
        n, p, m = values.shape
        if p * m != self.columns:
            raise ValueError(f"Histogram.count_ratios: {p} x {m} columns, the grid has "
                             f"{self.columns}")
        count_fan(np.asarray(values, dtype=np.float64),     # strided is fine: no copy
                  np.asarray(scale, dtype=np.float64), nan_to_zero, float(self.lo),
                  float(self.width), self.bins, self.counts, self.below, self.above,
                  self.vmin, self.vmax)

    def count(self, x: np.ndarray) -> None:
        """Count ``x`` (n, columns) at once in a numba kernel without the GIL
        (:func:`sim._summary_kernels.count_columns`): the bins :meth:`bin` gives, with no
        temporaries and no ids buffered. Not thread-safe: a histogram counted this way belongs
        to one thread."""
        from ._summary_kernels import count_columns

        x = np.asarray(x, dtype=np.float64).reshape(-1, self.columns)
        origin = (np.empty(0) if self.origin is None
                  else np.ascontiguousarray(np.broadcast_to(self.origin, self.columns),
                                            dtype=np.float64))
        count_columns(x, origin, float(self.lo), float(self.width), self.bins, self.counts,
                      self.below, self.above, self.vmin, self.vmax)

    def merge(self, other: Histogram) -> None:
        """Add another histogram of the same grid (counts are integers: exact in any order)."""
        if (other.lo, other.hi, other.bins, other.columns) != (self.lo, self.hi, self.bins,
                                                                self.columns) or not \
                np.array_equal(np.broadcast_to(other._origin, self.columns),
                               np.broadcast_to(self._origin, self.columns)):
            raise ValueError("Histogram.merge: the grids differ")
        self.counts += other.counts
        self.below += other.below
        self.above += other.above
        self.vmin = np.minimum(self.vmin, other.vmin)
        self.vmax = np.maximum(self.vmax, other.vmax)

    @property
    def n(self) -> int:
        return int(self.counts[0].sum() + self.below[0] + self.above[0])

    def quantile(self, q) -> np.ndarray:
        """The q-quantile of each column, interpolated within its bin (NaN if it falls outside
        the range); ``q`` a number, or one per column."""
        return self.quantiles([q])[0]

    def quantiles(self, qs) -> np.ndarray:
        """:meth:`quantile` of each ``q`` of ``qs`` (rows), every column's cumulative counts
        summed once for all of them."""
        n = self.n
        cum_all = np.cumsum(self.counts, axis=1)    # integers: each row is its own cumsum
        rows = [np.broadcast_to(np.asarray(q, dtype=float), (self.columns,)) * n for q in qs]
        out = np.empty((len(rows), self.columns))
        for c in range(self.columns):
            cum = self.below[c] + cum_all[c]
            for k, targets in enumerate(rows):
                target = targets[c]
                if target < self.below[c] or target > cum[-1]:
                    out[k, c] = math.nan
                    continue
                j = int(np.searchsorted(cum, target, side="left"))
                before = cum[j] - self.counts[c, j]
                frac = (target - before) / self.counts[c, j] if self.counts[c, j] else 0.0
                out[k, c] = self.lo + (j + frac) * self.width
        return out + self._origin

    def shortfall(self, q: float) -> np.ndarray:
        """Expected shortfall: the mean of the lowest ``q`` share of each column (bin centres,
        the partial bin pro rata; NaN if the tail leaves the range, below it or, for a column
        whose lowest ``q`` share lies above its end, above it)."""
        out = np.empty(self.columns)
        target = q * self.n
        centres = self.lo + (np.arange(self.bins) + 0.5) * self.width
        for c in range(self.columns):
            cum = np.cumsum(self.counts[c])
            if self.below[c] > 0 or target <= 0 or cum[-1] < target:
                out[c] = math.nan
                continue
            j = int(np.searchsorted(cum, target, side="left"))
            full = self.counts[c, :j]
            rest = target - full.sum()
            out[c] = ((full * centres[:j]).sum() + rest * centres[j]) / target
        return out + self._origin
