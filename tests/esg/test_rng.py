"""The in-kernel generator: xoroshiro128++ against the published algorithm, and its normal,
gamma and Poisson deviates against their laws (tolerances of 4 standard errors, fixed seeds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit, uint64
from scipy import stats

from sim.esg import _rng as R

Z = 4.0


NORMAL, GAMMA, POISSON = range(3)


@njit
def _draws(kind, s0, s1, arg, n):
    """``n`` draws of one kind from the stream (s0, s1): normals, Gamma(arg) or Poisson(arg)
    (raw 64-bit outputs would lose bits as float64: see _u64)."""
    out = np.empty(n)
    s0, s1 = uint64(s0), uint64(s1)
    for k in range(n):
        if kind == NORMAL:
            s0, s1, out[k] = R.normal(s0, s1)
        elif kind == GAMMA:
            s0, s1, out[k] = R.gamma(s0, s1, arg)
        else:
            s0, s1, x = R.poisson_small(s0, s1, arg)
            out[k] = x
    return out


@njit
def _u64(s0, s1, n):
    out = np.empty(n, dtype=np.uint64)
    for k in range(n):
        s0, s1, out[k] = R.next_u64(s0, s1)
    return out


@pytest.mark.parametrize("s0,s1", [(1, 2), (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9)])
def test_xoroshiro_equals_the_published_algorithm(s0, s1):
    """The first output for state (1, 2) is rotl(3, 17) + 1 = 393 217."""
    got = [int(v) for v in _u64(np.uint64(s0), np.uint64(s1), 1000)]
    assert got == R.u64_reference(s0, s1, 1000)
    if (s0, s1) == (1, 2):
        assert got[0] == 393217


def test_normal_moments_tails_and_shape():
    n = 4_000_000
    z = _draws(NORMAL, 12345, 678, 0.0, n)
    assert abs(z.mean()) < Z / math.sqrt(n)
    assert abs(z.var() - 1) < Z * math.sqrt(2 / n)
    assert abs((z ** 3).mean()) < Z * math.sqrt(15 / n)
    assert abs((z ** 4).mean() - 3) < Z * math.sqrt(96 / n)
    for c in (1.0, 2.0, 3.0, R.ZIG_R, 4.0):           # R: where the tail algorithm takes over
        p = 2 * stats.norm.sf(c)
        assert abs((np.abs(z) > c).mean() - p) < Z * math.sqrt(p * (1 - p) / n), c
    assert stats.kstest(z[:1_000_000], "norm").pvalue > 1e-4


@pytest.mark.parametrize("shape", [0.4, 1.0, 3.0, 7.5])
def test_gamma_mean_and_variance(shape):
    n = 400_000
    g = _draws(GAMMA, 5, 6, shape, n)
    assert abs(g.mean() - shape) < Z * math.sqrt(shape / n)
    # Var(sample variance) ~ (mu4 - sigma^4) / n with mu4 = 3 k^2 + 6 k for Gamma(k, 1)
    assert abs(g.var() - shape) < Z * math.sqrt((3 * shape ** 2 + 6 * shape - shape ** 2) / n)


@pytest.mark.parametrize("lam", [0.15, 0.25, 2.0])
def test_poisson_mean_and_variance(lam):
    n = 400_000
    k = _draws(POISSON, 7, 8, lam, n)
    assert abs(k.mean() - lam) < Z * math.sqrt(lam / n)
    assert abs(k.var() - lam) < Z * math.sqrt((lam + 2 * lam ** 2) / n)


def test_path_states_are_reproducible_and_never_zero():
    ss = np.random.SeedSequence(42, spawn_key=(3,))
    a, b = R.path_states(ss, 1000), R.path_states(np.random.SeedSequence(42, spawn_key=(3,)), 1000)
    np.testing.assert_array_equal(a, b)
    assert not ((a[:, 0] == 0) & (a[:, 1] == 0)).any()
    assert len({tuple(r) for r in a.tolist()}) == 1000
    assert not np.array_equal(a, R.path_states(np.random.SeedSequence(42, spawn_key=(4,)), 1000))


@pytest.mark.parametrize("entropy, spawn_key, pool_size, n", [
    (20230101, (5,), 4, 1000), (1, (), 4, 7), (42, (3,), 4, 1),
    (2 ** 70 + 3, (1, 2, 3), 4, 999), (7, (0,), 8, 33), (0, (), 4, 0)])
def test_path_states_are_numpys_generate_state(entropy, spawn_key, pool_size, n):
    """The numba hash is numpy's ``SeedSequence.generate_state``, word for word (any pool
    size, an odd number of paths, none)."""
    ss = np.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size)
    expected = ss.generate_state(2 * n, dtype=np.uint64).reshape(n, 2)
    got = R.path_states(ss, n)
    assert got.dtype == np.uint64 and got.shape == (n, 2)
    np.testing.assert_array_equal(got, expected)


def test_the_all_zero_state_is_avoided():
    zero = np.uint64(0)
    assert R.nonzero_state(zero, zero) == (1, 0)
    for s in [(np.uint64(0), np.uint64(5)), (np.uint64(3), np.uint64(0))]:
        assert R.nonzero_state(*s) == s


def test_paths_of_a_block_are_independent():
    """Neighbouring paths' streams are uncorrelated (first 100 000 normals)."""
    states = R.path_states(np.random.SeedSequence(1), 2)
    a = _draws(NORMAL, states[0, 0], states[0, 1], 0.0, 100_000)
    b = _draws(NORMAL, states[1, 0], states[1, 1], 0.0, 100_000)
    assert abs(np.corrcoef(a, b)[0, 1]) < Z / math.sqrt(100_000)
