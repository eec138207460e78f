"""Plain NumPy implementations of the generator's processes, written from the equations, vectorized
over paths with a loop over time. The kernels are held to these within 1e-12."""

from __future__ import annotations

import math

import numpy as np


def gbm(z, drift, vol):
    return drift + vol * z


def rsln2(z, u, steps, mu1, s1, mu2, s2, p12, p21):
    n, n_steps = z.shape
    n_months = n_steps // steps
    regime = np.zeros((n, n_months), dtype=np.int8)
    pi2 = p12 / (p12 + p21)
    state = (u[:, 0] < pi2).astype(np.int8)
    regime[:, 0] = state
    for m in range(1, n_months):
        switch = np.where(state == 0, u[:, m] < p12, u[:, m] < p21)
        state = np.where(switch, 1 - state, state).astype(np.int8)
        regime[:, m] = state
    per_step = np.repeat(regime, steps, axis=1)
    mu = np.where(per_step == 0, mu1, mu2) / steps
    sig = np.where(per_step == 0, s1, s2) / math.sqrt(steps)
    return mu + sig * z, regime


def garch_t(z, w, mu, omega, alpha, beta, nu, hbar):
    n, n_steps = z.shape
    x = np.empty((n, n_steps))
    h_out = np.empty((n, n_steps))
    h = np.full(n, hbar)
    eps = np.zeros(n)
    for t in range(n_steps):
        if t > 0:
            h = omega + alpha * eps ** 2 + beta * h
        eps = np.sqrt(h) * z[:, t] * math.sqrt(nu - 2.0) / np.sqrt(w[:, t])
        h_out[:, t] = h
        x[:, t] = mu + eps
    return x, h_out


def vasicek(z, r0, decay, theta, step_vol, observed=None):
    """``observed`` (M,): a month's known rate replaces the step (NaN: not known)."""
    n, n_months = z.shape
    r = np.empty((n, n_months))
    prev = np.full(n, r0)
    for m in range(n_months):
        prev = theta + (prev - theta) * decay + step_vol * z[:, m]
        if observed is not None and not np.isnan(observed[m]):
            prev = np.full(n, observed[m])
        r[:, m] = prev
    return r


def fixed_income(rates, r0, spread, duration):
    start = np.concatenate([np.full((rates.shape[0], 1), r0), rates[:, :-1]], axis=1)
    return (start + spread) / 1200.0 - duration * (rates - start) / 100.0


def inflation(z, u, forecast_month, phi, sigma, hi_on, p_enter, p_exit, shift, sigma_high=None,
              ep_on=False, ep_enter=0.0, ep_exit=1.0, ep_shift=0.0, n_known=0, observed=None,
              p_state=None, ep_u=None):
    """KPIF; the first ``n_known`` months are known: an observed value (``observed`` (M,), NaN
    where none) sets the AR state, and the regimes over them are the information date's,
    drawn jointly from ``p_state`` (state regime + 2 episode) with the last known month's
    uniform. The episode chain steps with its own uniforms ``ep_u``."""
    n, n_months = z.shape
    out = np.empty((n, n_months))
    regime = np.zeros((n, n_months), dtype=np.int8)
    episode = np.zeros((n, n_months), dtype=np.int8)
    x = np.zeros(n)
    state = np.zeros(n, dtype=np.int8)
    ep = np.zeros(n, dtype=np.int8)
    if n_known and (hi_on or ep_on):
        joint = np.searchsorted(np.cumsum(p_state), u[:, n_known - 1], side="right")
        joint = np.where(joint > 3, 0, joint)     # beyond the last bin: the normal state
        state, ep = (joint % 2).astype(np.int8), (joint // 2).astype(np.int8)
    for m in range(n_months):
        if hi_on and m >= n_known:
            switch = np.where(state == 0, u[:, m] < p_enter, u[:, m] < p_exit)
            state = np.where(switch, 1 - state, state).astype(np.int8)
        if ep_on and m >= n_known:
            switch = np.where(ep == 0, ep_u[:, m] < ep_enter, ep_u[:, m] < ep_exit)
            ep = np.where(switch, 1 - ep, ep).astype(np.int8)
        level = shift * state + ep_shift * ep
        if m < n_known and not np.isnan(observed[m]):
            x = observed[m] - forecast_month[m] - level
        else:
            sd = sigma if sigma_high is None else np.where(state == 1, sigma_high, sigma)
            x = phi * x + sd * z[:, m]
        regime[:, m] = state
        episode[:, m] = ep
        out[:, m] = forecast_month[m] + x + level
        if m < n_known and not np.isnan(observed[m]):
            out[:, m] = observed[m]
    return out, regime, episode


def annual(z, jumps, infl_dev, forecast, phi, sigma, beta, beta_lag, known=None, offset=None):
    """``known`` (K, Y): a deviation known at the information date replaces the recursion's;
    ``offset`` (K,) is subtracted a year (mean-zero jumps)."""
    n, n_years, k = z.shape
    growth = np.empty_like(z)
    d = np.zeros((n, k))
    before = np.zeros((n, 1))                 # no inflation deviation before the first year
    for y in range(n_years):
        d = (phi * d + beta * infl_dev[:, y:y + 1] + beta_lag * before + sigma * z[:, y]
             + jumps[:, y] - (0.0 if offset is None else offset))
        if known is not None:
            d = np.where(np.isnan(known[:, y])[None], d, known[:, y][None])
        before = infl_dev[:, y:y + 1]
        growth[:, y] = forecast[:, y] + d
    return growth
