"""The lower bound for a model of the engine's shape: a minimal model written for speed.

Five correlated monthly factors, drawn the engine's way (a xoroshiro128++ stream per path seeded
from its block's ``SeedSequence``, ZIGNOR normals, a lower Cholesky factor), and one fund with
the floor rule (the protection level is ``FLOOR_SHARE`` of the fund's highest month-end value
over the last ``LOOKBACK`` months; the equity share is the cushion above it times a multiplier,
capped). One fused kernel per block, blocks on a thread pool like the engine's, and the summary
the engine also gives (the mean final value, the share of paths that breached the floor, the
mean inflation) accumulated per block.

Nothing here is estimated: the parameters are fixed round numbers, because the model exists
to be timed. It does the least work a model with this shape must do, so ``engine / minimal`` is
what the engine's structure (three funds, the budget, the summary's fans and histograms, the
Python between the kernels) costs above it. ``tests/test_benchmark.py`` holds the kernel to a
plain Python transcription of the same rule on the same random numbers.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from sim.esg._rng import normal, path_states

FLOOR_SHARE = 0.85
LOOKBACK = 24
MULTIPLIER = 4.0
MAX_EQUITY = 0.6
#: (equity log-return mean, short rate, inflation, wage growth, tax base growth), monthly
MEAN = np.array([0.006, 0.002, 0.0017, 0.0025, 0.003])
#: monthly volatility of each factor's innovation
VOL = np.array([0.045, 0.0004, 0.002, 0.001, 0.0015])
#: AR(1) coefficient of each factor (0: independent months)
PHI = np.array([0.0, 0.98, 0.6, 0.8, 0.8])
CORRELATION = np.array([[1.0, -0.1, -0.1, 0.1, 0.3],
                        [-0.1, 1.0, 0.4, 0.3, 0.1],
                        [-0.1, 0.4, 1.0, 0.5, 0.2],
                        [0.1, 0.3, 0.5, 1.0, 0.4],
                        [0.3, 0.1, 0.2, 0.4, 1.0]])
CHOLESKY = np.linalg.cholesky(CORRELATION)


@njit(cache=True, nogil=True, inline="always")
def _high(ring, m, value, high, age):
    """The highest of the values at the start of the last ``LOOKBACK`` months, this month's
    (``value``, at ``ring[m % LOOKBACK]``) included: (high, its age in months). Amortised O(1):
    the ring is read again only when the highest value leaves the window."""
    if value >= high or m == 0:
        return value, 0
    age += 1
    if age < LOOKBACK:
        return high, age
    high, age = value, 0
    for back in range(1, LOOKBACK):
        v = ring[(m - back) % LOOKBACK]
        if v > high:
            high, age = v, back
    return high, age


@njit(cache=True, nogil=True)
def block_nb(states, months, chol, mean, vol, phi, final, breached, inflation):
    """Every path of a block, month by month, all in registers but the fund's 24-month ring:
    ``final`` (n,) the fund's value at the end (1 at the start), ``breached`` (n,) months
    below the floor, ``inflation`` (n,) the mean monthly inflation."""
    n, k = states.shape[0], chol.shape[0]
    eps = np.empty(k)
    x = np.empty(k)
    ring = np.empty(LOOKBACK)
    for i in range(n):
        s0, s1 = states[i, 0], states[i, 1]
        for j in range(k):
            x[j] = mean[j]
        value, count, infl, high, age = 1.0, 0, 0.0, 1.0, 0
        for m in range(months):
            for j in range(k):
                s0, s1, eps[j] = normal(s0, s1)
            for j in range(k):
                z = 0.0
                for c in range(j + 1):
                    z += chol[j, c] * eps[c]
                x[j] = mean[j] + phi[j] * (x[j] - mean[j]) + vol[j] * z
            ring[m % LOOKBACK] = value
            high, age = _high(ring, m, value, high, age)
            floor = FLOOR_SHARE * high
            share = min(MAX_EQUITY, max(0.0, MULTIPLIER * (value - floor) / value))
            value *= 1.0 + share * (math.exp(x[0]) - 1.0) + (1.0 - share) * x[1]
            count += value < floor
            infl += x[2]
        final[i], breached[i], inflation[i] = value, count, infl / months


def run(n: int, months: int, seed: int = 1, threads: int = 2,
        block_size: int = 1000) -> dict[str, float]:
    """``n`` paths of ``months`` months in blocks of ``block_size`` on ``threads`` threads; the
    summary: the mean final value, the share of paths that breached, the mean inflation."""
    blocks = range((n + block_size - 1) // block_size)

    def one(b: int) -> tuple[float, int, float]:
        size = min(n, (b + 1) * block_size) - b * block_size
        states = path_states(np.random.SeedSequence(seed, spawn_key=(b,)), size)
        final, breached, infl = np.empty(size), np.empty(size, np.int64), np.empty(size)
        block_nb(states, months, CHOLESKY, MEAN, VOL, PHI, final, breached, infl)
        return float(final.sum()), int((breached > 0).sum()), float(infl.sum())

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(one, blocks))          # in block order: the sums are exact
    return {"mean_final": sum(p[0] for p in parts) / n,
            "p_breach": sum(p[1] for p in parts) / n,
            "mean_inflation": sum(p[2] for p in parts) / n}
