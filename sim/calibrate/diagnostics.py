"""Simulation from the fitted models, as they were estimated (the parameter-recovery tests
draw their data here; the generator's own kernels are tested against their NumPy references).
"""

from __future__ import annotations

import math

import numpy as np

from .fit import Estimate

__all__ = ["simulate_msar", "simulate_rsln2", "simulate_garch_t"]


def simulate_rsln2(e: Estimate, months: int, n: int, rng: np.random.Generator) -> np.ndarray:
    mu1, s1, mu2, s2, p12, p21 = e.values
    state = rng.random(n) < p12 / (p12 + p21)
    out = np.empty((n, months))
    for m in range(months):
        if m:
            u = rng.random(n)
            state = np.where(state, u >= p21, u < p12)
        z = rng.standard_normal(n)
        out[:, m] = np.where(state, mu2 + s2 * z, mu1 + s1 * z)
    return out


def simulate_msar(e: Estimate, months: int, n: int, rng: np.random.Generator,
                  start: float | None = None, start_regime: np.ndarray | None = None,
                  episodes=None) -> np.ndarray:
    """KPIF paths of the fitted switching AR(1), from its stationary law (or from ``start``
    with the regimes ``start_regime``); with ``episodes`` (an
    :class:`~sim.calibrate.episodes.EpisodeFit`) the episode chain beside it, from its
    stationary law."""
    mu, shift, phi, s0, s1, pe, px = e.values
    ep_shift, ep_enter, ep_exit = ((0.0, 0.0, 1.0) if episodes is None
                                   else (float(v) for v in episodes.values))
    if start_regime is None:
        state = rng.random(n) < pe / (pe + px)
    else:
        state = np.asarray(start_regime, dtype=bool)
    ep = (rng.random(n) < ep_enter / (ep_enter + ep_exit)) if episodes is not None \
        else np.zeros(n, dtype=bool)
    if start is None:
        x = rng.standard_normal(n) * np.where(state, s1, s0) / math.sqrt(1 - phi * phi)
    else:
        x = np.full(n, start - mu) - shift * state
    out = np.empty((n, months))
    for m in range(months):
        u = rng.random(n)
        state = np.where(state, u >= px, u < pe)
        if episodes is not None:
            v = rng.random(n)
            ep = np.where(ep, v >= ep_exit, v < ep_enter)
        x = phi * x + np.where(state, s1, s0) * rng.standard_normal(n)
        out[:, m] = mu + x + shift * state + ep_shift * ep
    return out


def simulate_garch_t(e: Estimate, months: int, n: int, rng: np.random.Generator,
                     burn: int = 120) -> np.ndarray:
    """Monthly log returns of the fitted GARCH(1,1)-t, after ``burn`` months from the long-run
    variance (so the paths start from the stationary law, not from ``h_0``)."""
    mu, omega, alpha, beta, nu = e.values
    h = np.full(n, omega / (1 - alpha - beta))
    eps = np.zeros(n)
    out = np.empty((n, months))
    for m in range(-burn, months):
        h = omega + alpha * eps * eps + beta * h
        eps = np.sqrt(h) * rng.standard_t(nu, n) * math.sqrt((nu - 2) / nu)
        if m >= 0:
            out[:, m] = mu + eps
    return out
