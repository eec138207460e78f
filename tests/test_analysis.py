"""Wilson intervals: they contain the estimate exactly, even at 0 and 1, so an error bar of
p - lo and hi - p is never negative (a chart of a probability of 0 or 1 crashed on it)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import wilson


@pytest.mark.parametrize("n", [1, 7, 1000, 20000, 100000])
def test_the_interval_contains_the_estimate_at_the_ends(n):
    k = np.array([0, 1, n - 1, n]) if n > 1 else np.array([0, 1])
    lo, hi = wilson(k, n)
    p = k / n
    assert np.all(lo <= p) and np.all(p <= hi)
    assert lo[0] == 0.0 and hi[-1] == 1.0


def test_matches_the_closed_form_inside():
    """k = 50 of 1000 at z = 1,96 (Wilson 1927), by hand: centre (0,05 + 1,96^2/2000) /
    (1 + 1,96^2/1000), half 1,96 sqrt(0,05 * 0,95 / 1000 + 1,96^2/4e6) / (1 + 1,96^2/1000)."""
    z, n, p = 1.959963984540054, 1000, 0.05
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    lo, hi = wilson(np.array([50]), n)
    np.testing.assert_allclose([lo[0], hi[0]], [centre - half, centre + half], rtol=1e-15)


def test_the_noise_range_is_what_k_estimates_of_one_quantity_exceed_one_time_in_twenty():
    """Seven independent N(0, 1) estimates: their range exceeds noise_range(1, 7) in 5 % of
    200 000 draws, within three binomial standard errors."""
    from sim.analysis import noise_range

    x = np.random.default_rng(3).standard_normal((200_000, 7))
    share = float((np.ptp(x, axis=1) > noise_range(1.0, 7)).mean())
    assert abs(share - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 200_000)
    assert noise_range(0.01, 1) == 0.0


def test_the_noise_range_with_each_estimates_own_error():
    """The range model variants' estimates stay below by simulation noise alone, each with its
    own standard error: equal errors give the studentized range; one error far larger than the
    rest (a variant with parameter uncertainty, 20 blocks: 2,9 points against 0,35) gives
    about that one's deviation, 6,2 points, where the studentized range at the largest error
    for all nine said 12,7, twice too much (an earlier report's "9,7 procentenheter" came
    from the same rule). Checked
    against independent draws: the range exceeds the bound in 5 % of trials, within three
    standard errors."""
    from sim.analysis import noise_range, noise_range_of

    np.testing.assert_allclose(noise_range_of(np.full(7, 1.0)), noise_range(1.0, 7), rtol=0.01)
    se = np.array([0.0035] * 8 + [0.029])
    bound = noise_range_of(se)
    assert bound < noise_range(se.max(), se.size) / 2
    rng = np.random.default_rng(77)
    x = rng.standard_normal((40000, se.size)) * se
    share = float((np.ptp(x, axis=1) > bound).mean())
    assert abs(share - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 40000)
    cols = noise_range_of(np.stack([se, np.full(9, 0.0035)], axis=1))
    assert cols.shape == (2,) and cols[0] == bound


def test_shortfall_of_a_tail_beyond_the_range_is_nan_not_an_index_error():
    """A rich plan: every value of a column above the histogram's end (the lowest 5 % lie
    beyond it) gives NaN, as a tail below the range does; a column inside stays exact."""
    from sim.analysis import Histogram

    h = Histogram(0.0, 10.0, 10, columns=2)
    x = np.column_stack([np.full(100, 25.0), np.linspace(0.05, 9.95, 100)])
    h.count(x)
    es = h.shortfall(0.05)
    assert np.isnan(es[0])
    assert es[1] == pytest.approx(np.sort(x[:, 1])[:5].mean(), abs=h.width / 2)


def test_a_histogram_centred_on_its_plan_gives_the_quantiles_of_an_uncentred_one_moved():
    """Centred per column on an origin (the plan), the quantiles and shortfall are those of
    the same values shifted to zero, shifted back: a rich plan's results (+40 000 mnkr) are
    inside the grid as a poor one's are."""
    from sim.analysis import Histogram

    rng = np.random.default_rng(5)
    base = rng.normal(0.0, 300.0, size=(5000, 2))
    origin = np.array([40_000.0, -120.0])
    plain = Histogram(-3000.0, 3000.0, 6000, columns=2)
    plain.count(base)
    centred = Histogram(-3000.0, 3000.0, 6000, columns=2, origin=origin)
    centred.count(base + origin)
    for q in (0.01, 0.05, 0.5):
        np.testing.assert_allclose(centred.quantile(q), plain.quantile(q) + origin, rtol=1e-12)
    np.testing.assert_allclose(centred.shortfall(0.05), plain.shortfall(0.05) + origin,
                               rtol=1e-12)
    assert np.all(np.isfinite(centred.quantile(0.05)))


class NumpyBinning:
    """The histograms' binning written in NumPy, the definition the kernels are held to: a
    value's bin is ``floor((x - origin - lo) / width)`` cast to an integer; below the range
    if negative (NaN casts there), above it from ``bins``; the extremes are NumPy's ``min``
    and ``max`` (NaN once a NaN is seen)."""

    def __init__(self, lo, hi, bins, columns, origin=None):
        self.lo, self.width, self.bins, self.origin = lo, (hi - lo) / bins, bins, origin
        self.counts = np.zeros((columns, bins), dtype=np.int64)
        self.below = np.zeros(columns, dtype=np.int64)
        self.above = np.zeros(columns, dtype=np.int64)
        self.vmin = np.full(columns, np.inf)
        self.vmax = np.full(columns, -np.inf)

    def add(self, x):
        columns = self.counts.shape[0]
        x = np.asarray(x, dtype=float).reshape(-1, columns)
        d = x if self.origin is None else x - self.origin
        with np.errstate(invalid="ignore"):            # NumPy casts NaN's bin: below
            idx = np.floor((d - self.lo) / self.width).astype(np.int64)
        inside = (idx >= 0) & (idx < self.bins)
        ids = (idx + np.arange(columns) * self.bins)[inside]
        self.counts += np.bincount(ids, minlength=columns * self.bins).reshape(columns,
                                                                               self.bins)
        self.below += (idx < 0).sum(axis=0)
        self.above += (idx >= self.bins).sum(axis=0)
        self.vmin = np.minimum(self.vmin, x.min(axis=0))
        self.vmax = np.maximum(self.vmax, x.max(axis=0))


@pytest.mark.parametrize("nan_to_zero", [False, True])
def test_counting_ratios_in_the_kernel_is_numpys_binning(nan_to_zero):
    """The fans' numba kernel (Histogram.count_ratios) against the NumPy reference
    (NumpyBinning of the ratios, nan_to_num'ed as the summary did): the same counts, below,
    above, minima and maxima, exactly; values on bin edges, outside the range and NaN
    included."""
    from sim.analysis import Histogram

    rng = np.random.default_rng(7)
    n, p, m = 500, 3, 7
    scale = np.array([2.0, 0.5, 1.0])
    values = rng.uniform(-0.5, 9.0, size=(n, p, m))
    values[:20] = np.arange(20)[:, None, None] * 0.001 * scale[None, :, None]  # on the edges
    values[25, 1, 3] = np.nan
    values[26, 2, :] = np.nan
    kernel = Histogram(0.0, 4.0, 4000, columns=p * m)
    numpy = NumpyBinning(0.0, 4.0, 4000, columns=p * m)
    for half in (values[: n // 2], values[n // 2:]):           # two blocks
        kernel.count_ratios(half, scale, nan_to_zero=nan_to_zero)
        ratio = half / scale[None, :, None]
        if nan_to_zero:
            ratio = np.nan_to_num(ratio, nan=0.0)
        numpy.add(ratio.reshape(len(half), -1))
    np.testing.assert_array_equal(kernel.counts, numpy.counts)
    np.testing.assert_array_equal(kernel.below, numpy.below)
    np.testing.assert_array_equal(kernel.above, numpy.above)
    np.testing.assert_array_equal(kernel.vmin, numpy.vmin)
    np.testing.assert_array_equal(kernel.vmax, numpy.vmax)
    assert kernel.counts.sum() + kernel.below.sum() + kernel.above.sum() == n * p * m


@pytest.mark.parametrize("centred", [False, True])
def test_counting_columns_in_the_kernel_is_numpys_binning(centred):
    """Every other histogram of the summary (Histogram.count, numba) against the NumPy binning
    (NumpyBinning): the same counts, below, above, minima and maxima, exactly, with and
    without a grid centred on each column's origin; values on bin edges, outside the range,
    a strided array and NaN included."""
    from sim.analysis import Histogram

    rng = np.random.default_rng(8)
    n, c = 400, 5
    origin = np.array([0.0, 1200.0, -45.0, 3.0, 17000.0]) if centred else None
    x = rng.normal(0.0, 900.0, size=(n, c)) + (0.0 if origin is None else origin)
    x[:30] = (np.arange(30)[:, None] - 15.0) + (0.0 if origin is None else origin)  # edges
    x[40, 1] = 1e9
    x[41, 2] = -1e9
    x[42, 3] = np.nan
    kernel = Histogram(-3000.0, 3000.0, 6000, columns=c, origin=origin)
    numpy = NumpyBinning(-3000.0, 3000.0, 6000, columns=c, origin=origin)
    wide = np.zeros((n, 2 * c))
    wide[:, ::2] = x
    for half in (wide[: n // 2, ::2], wide[n // 2:, ::2]):     # two blocks, strided
        kernel.count(half)
        numpy.add(half)
    for key in ("counts", "below", "above", "vmin", "vmax"):
        np.testing.assert_array_equal(getattr(kernel, key), getattr(numpy, key), err_msg=key)
    assert kernel.counts.sum() + kernel.below.sum() + kernel.above.sum() == n * c
    assert kernel.above.sum() >= 1 and kernel.below.sum() >= 2


@pytest.mark.parametrize("how", ["count", "count_ratios", "count_ratios_nan_to_zero"])
def test_an_infinity_or_a_value_past_the_int64_bins_counts_on_its_own_side(how):
    """Beyond the bins an int64 holds, NumPy's cast of a value's bin depends on the processor
    (x86 casts +inf's to the most negative integer), so the kernels define it: +inf and a huge
    positive value are counted above the range, -inf and a huge negative one below, NaN below
    (0 with ``nan_to_zero``, a bin inside). On x86 the old integer floor counted +inf below."""
    from sim.analysis import Histogram

    x = np.array([np.inf, -np.inf, 1e300, -1e300, 0.5, np.nan, 1e20, -1e20])
    h = Histogram(0.0, 1.0, 10, columns=1)
    if how == "count":
        h.count(x[:, None])
    else:
        h.count_ratios(x[:, None, None], np.ones(1), nan_to_zero=how.endswith("zero"))
    nan_inside = how.endswith("zero")
    assert h.above[0] == 3                                  # +inf, 1e300, 1e20
    assert h.below[0] == 3 + (not nan_inside)               # -inf, -1e300, -1e20 (and NaN)
    assert h.counts.sum() == 1 + nan_inside                 # 0.5 (and NaN as 0)


def test_quantiles_at_once_are_each_quantile_and_the_samples_within_a_bin():
    """``quantiles(qs)`` sums each column's counts once for every q: equal to the bit to the
    interpolation written out for one column and one q (the definition), NaN where q falls
    below or above the range, and within a bin of NumPy's sample quantile."""
    import math

    from sim.analysis import Histogram

    rng = np.random.default_rng(11)
    x = np.column_stack([rng.normal(0.0, 1.0, 20000), rng.normal(3.5, 0.5, 20000),
                         rng.normal(-3.8, 0.4, 20000)])
    h = Histogram(-4.0, 4.0, 800, columns=3)
    h.count(x)
    qs = [0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999]
    got = h.quantiles(qs)
    n = x.shape[0]
    for k, q in enumerate(qs):
        for c in range(3):
            cum = h.below[c] + np.cumsum(h.counts[c])
            t = q * n
            if t < h.below[c] or t > cum[-1]:
                want = math.nan
            else:
                j = int(np.searchsorted(cum, t, side="left"))
                frac = (t - (cum[j] - h.counts[c, j])) / h.counts[c, j] if h.counts[c, j] \
                    else 0.0
                want = h.lo + (j + frac) * h.width
            np.testing.assert_equal(got[k, c], want)
            if not math.isnan(want):
                assert abs(want - np.quantile(x[:, c], q)) <= h.width
    assert np.isnan(got[-1, 1]) and np.isnan(got[0, 2])     # beyond the range either side
    np.testing.assert_array_equal(h.quantile(0.5), got[3])
    per_column = h.quantile(np.array([0.01, 0.5, 0.99]))
    np.testing.assert_array_equal(per_column, [got[1, 0], got[3, 1], got[5, 2]])


def test_a_histogram_pickles_to_its_nonzero_bins_and_back_exactly():
    """What a cluster's chunk sends back: the same histogram, every field, from a pickle the
    size of its nonzero bins, not of its grid."""
    import copy
    import pickle

    from sim.analysis import Histogram

    h = Histogram(-100.0, 100.0, 20000, columns=3, origin=np.array([1.0, 2.0, 3.0]))
    h.count(np.random.default_rng(5).normal(0.0, 20.0, (500, 3)))
    h.count(np.array([[1e9, -1e9, np.nan]]))            # above, below and NaN too
    dense = h.counts.nbytes
    for back in (pickle.loads(pickle.dumps(h, protocol=5)), copy.deepcopy(h)):
        for name in ("lo", "hi", "bins", "columns"):
            assert getattr(back, name) == getattr(h, name)
        for name in ("origin", "counts", "below", "above", "vmin", "vmax"):
            got, want = getattr(back, name), getattr(h, name)
            assert got.dtype == want.dtype and got.shape == want.shape, name
            np.testing.assert_array_equal(got, want, err_msg=name)
    assert len(pickle.dumps(h, protocol=5)) < dense / 10
    empty = Histogram(0.0, 1.0, 10, columns=2)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(empty)).counts, empty.counts)
