"""Goodness of fit of the calibrated models, shown, not asserted.

* the probability integral transform (PIT) of each observation under its one-step predictive
  distribution: uniform if the model fits (a histogram per model);
* the fitted model's yearly distribution against the data's: quantiles at 1, 5, 50, 95 and 99 %
  of the year's log return (equity) and of the yearly mean KPIF (inflation), the model's by
  simulation;
* for inflation, the probability the fitted model gave to the yearly outturns of 2022 and 2023.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .fit import Estimate

__all__ = ["pit_rsln2", "pit_msar", "pit_garch", "simulate_msar", "simulate_rsln2",
           "yearly_quantiles", "QUANTILES"]

QUANTILES = (0.01, 0.05, 0.5, 0.95, 0.99)


def pit_rsln2(e: Estimate, x: np.ndarray) -> np.ndarray:
    mu1, s1, mu2, s2, p12, p21 = e.values
    p2 = p12 / (p12 + p21)
    p1 = 1.0 - p2
    out = np.empty(x.size)
    for t, v in enumerate(x):
        if t > 0:
            p1, p2 = p1 * (1 - p12) + p2 * p21, p1 * p12 + p2 * (1 - p21)
        out[t] = p1 * stats.norm.cdf(v, mu1, s1) + p2 * stats.norm.cdf(v, mu2, s2)
        a, b = p1 * stats.norm.pdf(v, mu1, s1), p2 * stats.norm.pdf(v, mu2, s2)
        p1, p2 = a / (a + b), b / (a + b)
    return out


def pit_msar(e: Estimate, y: np.ndarray) -> np.ndarray:
    mu, shift, phi, s0, s1, pe, px = e.values
    trans = np.array([[1 - pe, pe], [px, 1 - px]])
    prob = np.array([px, pe]) / (pe + px)
    sds = (s0, s1)
    out = np.empty(y.size - 1)
    for t in range(1, y.size):
        joint = prob[:, None] * trans
        cdf = dens = 0.0
        post = np.zeros(2)
        for a in range(2):
            for b in range(2):
                m = mu + shift * b + phi * (y[t - 1] - mu - shift * a)
                cdf += joint[a, b] * stats.norm.cdf(y[t], m, sds[b])
                d = joint[a, b] * stats.norm.pdf(y[t], m, sds[b])
                dens += d
                post[b] += d
        out[t - 1] = cdf
        prob = post / dens
    return out


def pit_garch(e: Estimate, x: np.ndarray) -> np.ndarray:
    mu, omega, alpha, beta, nu = e.values
    h = omega / (1 - alpha - beta)
    scale = math.sqrt((nu - 2) / nu)
    out = np.empty(x.size)
    prev = 0.0
    for t, v in enumerate(x):
        if t > 0:
            h = omega + alpha * prev * prev + beta * h
        out[t] = stats.t.cdf((v - mu) / (math.sqrt(h) * scale), nu)
        prev = v - mu
    return out


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
                  start: float | None = None, start_regime: np.ndarray | None = None
                  ) -> np.ndarray:
    """KPIF paths of the fitted switching AR(1), from its stationary law (or from ``start``
    with the regimes ``start_regime``)."""
    mu, shift, phi, s0, s1, pe, px = e.values
    if start_regime is None:
        state = rng.random(n) < pe / (pe + px)
    else:
        state = np.asarray(start_regime, dtype=bool)
    if start is None:
        x = rng.standard_normal(n) * np.where(state, s1, s0) / math.sqrt(1 - phi * phi)
    else:
        x = np.full(n, start - mu) - shift * state
    out = np.empty((n, months))
    for m in range(months):
        u = rng.random(n)
        state = np.where(state, u >= px, u < pe)
        x = phi * x + np.where(state, s1, s0) * rng.standard_normal(n)
        out[:, m] = mu + x + shift * state
    return out


def yearly_quantiles(values: np.ndarray) -> np.ndarray:
    return np.quantile(values, QUANTILES)
