"""Random numbers inside numba: a xoroshiro128++ stream per path and a ziggurat normal.

* xoroshiro128++ (Blackman and Vigna, "Scrambled linear pseudorandom number generators", ACM
  TOMS 47(4), 2021): 128 bits of state, period 2^128 - 1. Each path has its own state, seeded
  from its block's ``numpy.random.SeedSequence`` (:func:`path_states`), so a path's numbers do
  not depend on threads, workers or the order of blocks.
* Normal deviates by the ziggurat of Doornik (2005), "An improved ziggurat method to generate
  normal random samples" (ZIGNOR, 128 layers): the layer index and the uniform come from
  disjoint bits of one 64-bit output, which avoids the correlation defect of the original
  Marsaglia-Tsang code.

The plain references are ``tests/esg/test_rng.py``: the generator against a transcription of
the published C in plain Python, and the normal against N(0, 1) (moments, tails,
Kolmogorov-Smirnov).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

MASK64 = (1 << 64) - 1

# --- ZIGNOR tables (Doornik 2005): 128 layers of equal area V, base strip up to R -------------
ZIG_C = 128
ZIG_R = 3.442619855899
ZIG_V = 9.91256303526217e-3


def _zig_tables() -> tuple[np.ndarray, np.ndarray]:
    x = np.empty(ZIG_C + 1)
    f = math.exp(-0.5 * ZIG_R * ZIG_R)
    x[0] = ZIG_V / f
    x[1] = ZIG_R
    x[ZIG_C] = 0.0
    for i in range(2, ZIG_C):
        x[i] = math.sqrt(-2.0 * math.log(ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIG_X, ZIG_RATIO = _zig_tables()


# SeedSequence's output hash (O'Neill's seed_seq_fe, as numpy's ``generate_state`` has it)
SEED_INIT_B = 0x8B51F9DD
SEED_MULT_B = 0x58F38DED
MASK32 = 0xFFFFFFFF


def path_states(seed_sequence: np.random.SeedSequence, n: int) -> np.ndarray:
    """``(n, 2)`` uint64 xoroshiro states, one per path, from a block's seed sequence: its
    ``generate_state(2 * n, dtype=np.uint64)``, computed by :func:`seed_states_nb` (numpy's
    loop over the words costs a third of a millisecond a block of 1 000 paths)."""
    states = np.empty((n, 2), np.uint64)
    seed_states_nb(np.asarray(seed_sequence.pool, np.uint32), states)
    return states


@njit(cache=True, nogil=True, inline="always")
def nonzero_state(s0, s1):
    """The state itself, except the all-zero state, the one state to avoid: (1, 0) for it."""
    if s0 == 0 and s1 == 0:
        return uint64(1), s1
    return s0, s1


@njit(cache=True, nogil=True)
def seed_states_nb(pool, out):
    """Fill ``out`` (n, 2) uint64 with ``SeedSequence.generate_state(2 * n, np.uint64)`` of the
    sequence whose entropy pool is ``pool`` (uint32), each row made :func:`nonzero_state`.

    The algorithm is numpy's (O'Neill, "Developing a seed_seq alternative", pcg-random.org,
    2015): 32-bit word ``w`` is ``pool[w % len(pool)]`` xor the hash constant, the constant
    times ``SEED_MULT_B``, the word times the new constant, xor its own upper half shifted down,
    all modulo 2^32; a uint64 is two words, the first the low half. Held to numpy's
    ``generate_state`` bit for bit by ``tests/esg/test_rng.py``."""
    k = pool.shape[0]
    flat = out.reshape(-1)
    h = uint64(SEED_INIT_B)
    for j in range(flat.shape[0]):
        word = uint64(0)
        for half in range(2):
            w = 2 * j + half
            x = uint64(pool[w % k]) ^ h
            h = (h * uint64(SEED_MULT_B)) & uint64(MASK32)
            x = (x * h) & uint64(MASK32)
            x ^= x >> uint64(16)
            word |= x << uint64(32 * half)
        flat[j] = word
    for i in range(out.shape[0]):
        out[i, 0], out[i, 1] = nonzero_state(out[i, 0], out[i, 1])


@njit(cache=True, nogil=True, inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


# Every draw takes a path's state (s0, s1) and returns (s0, s1, value): inlined, the state stays
# in registers for the whole path.

@njit(cache=True, nogil=True, inline="always")
def next_u64(s0, s1):
    """xoroshiro128++: the next 64-bit output and the new state."""
    result = _rotl(s0 + s1, 17) + s0
    t = s1 ^ s0
    return _rotl(s0, 49) ^ t ^ (t << uint64(21)), _rotl(t, 28), result


@njit(cache=True, nogil=True, inline="always")
def uniform(s0, s1):
    """A uniform deviate in [0, 1) with 53 random bits."""
    s0, s1, bits = next_u64(s0, s1)
    return s0, s1, float(bits >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _normal_slow(s0, s1, u, j):
    """The 1 % of draws outside the rectangles: the tail (layer 0) or a wedge."""
    while True:
        if j == 0:
            while True:
                s0, s1, a = uniform(s0, s1)
                s0, s1, b = uniform(s0, s1)
                x = math.log(1.0 - a) / ZIG_R
                y = math.log(1.0 - b)
                if -2.0 * y >= x * x:
                    return s0, s1, (x - ZIG_R if u < 0.0 else ZIG_R - x)
        x = u * ZIG_X[j]
        f0 = math.exp(-0.5 * (ZIG_X[j] * ZIG_X[j] - x * x))
        f1 = math.exp(-0.5 * (ZIG_X[j + 1] * ZIG_X[j + 1] - x * x))
        s0, s1, v = uniform(s0, s1)
        if f1 + v * (f0 - f1) < 1.0:
            return s0, s1, x
        s0, s1, bits = next_u64(s0, s1)   # rejected: a fresh draw
        u = 2.0 * (float(bits >> uint64(11)) * (1.0 / 9007199254740992.0)) - 1.0
        j = int(bits & uint64(0x7F))
        if abs(u) < ZIG_RATIO[j]:
            return s0, s1, u * ZIG_X[j]


@njit(cache=True, nogil=True, inline="always")
def normal(s0, s1):
    """A standard normal deviate (ZIGNOR): one 64-bit draw 99 % of the time."""
    s0, s1, bits = next_u64(s0, s1)
    u = 2.0 * (float(bits >> uint64(11)) * (1.0 / 9007199254740992.0)) - 1.0
    j = int(bits & uint64(0x7F))
    if abs(u) < ZIG_RATIO[j]:
        return s0, s1, u * ZIG_X[j]
    return _normal_slow(s0, s1, u, j)


@njit(cache=True, nogil=True)
def gamma(s0, s1, shape):
    """A Gamma(shape, 1) deviate (Marsaglia and Tsang 2000, ACM TOMS 26(3); shape < 1 by
    ``G(a) = G(a + 1) U^(1/a)``)."""
    boost = 1.0
    if shape < 1.0:
        s0, s1, u = uniform(s0, s1)
        boost = (1.0 - u) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        s0, s1, z = normal(s0, s1)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        s0, s1, u = uniform(s0, s1)
        if math.log(1.0 - u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return s0, s1, d * v * boost


@njit(cache=True, nogil=True)
def poisson_small(s0, s1, lam):
    """A Poisson(lam) count by Knuth's multiplication method: multiply uniforms until the
    product falls to exp(-lam) or below; the count is the number of factors less one. Its cost
    grows with lam, which suits the small yearly jump intensities."""
    limit = math.exp(-lam)
    k = 0
    s0, s1, p = uniform(s0, s1)
    while p > limit:
        k += 1
        s0, s1, u = uniform(s0, s1)
        p *= u
    return s0, s1, k


def u64_reference(s0: int, s1: int, count: int) -> list[int]:
    """xoroshiro128++ transcribed from the published C, in plain Python integers."""
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64
    out = []
    for _ in range(count):
        out.append((rotl((s0 + s1) & MASK64, 17) + s0) & MASK64)
        s1 ^= s0
        s0, s1 = rotl(s0, 49) ^ s1 ^ ((s1 << 21) & MASK64), rotl(s1, 28)
    return out
