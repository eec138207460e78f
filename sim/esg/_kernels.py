"""Numba kernels of the scenario generator: innovations in, paths out, no I/O, no objects.

Randomness is an input: the kernels only loop and fill their ``out`` arrays, so a test can feed
them any shocks. Parameters arrive as the named records of :mod:`sim.esg.records`. Their plain
references are the NumPy implementations in ``tests/reference/esg_numpy.py``, held to the same
paths within 1e-12.

Units inside: the short rate and inflation in percent (annual rates), equity as log returns per
step, the fixed-income return as a simple return per month.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import _rng as R
from .records import EQUITY_GBM, EQUITY_RSLN2


@njit(cache=True, nogil=True, inline="always")
def markov_step(state, u, p_leave_0, p_leave_1):
    """One month of a two-state chain: leave state 0 when ``u < p_leave_0``, state 1 when
    ``u < p_leave_1``."""
    if state == 0:
        return 1 if u < p_leave_0 else 0
    return 0 if u < p_leave_1 else 1


@njit(cache=True, nogil=True)
def monthly_nb(inn, equity, rate, fi, infl, kpif_forecast, obs, out):
    """Step every monthly factor of a block of paths through its months.

    ``inn`` is the block's :class:`~sim.esg.model.Innovations`; ``equity``, ``rate``, ``fi`` and
    ``infl`` the records :class:`~sim.esg.records.Equity`, ``ShortRate``, ``FixedIncome`` and
    ``Inflation``; ``kpif_forecast`` (M,) the expected KPIF per month [percent]; results go to
    ``out`` (:class:`~sim.esg.records.MonthlyOut`). Shapes: ``B`` paths, ``M`` months,
    ``steps`` equity steps a month (``S = M * steps``).

    Equity (``equity.model``; ``inn.equity`` (B, S) standard normal, ``inn.equity_regime_u``
    (B, M) uniform, ``inn.equity_w`` (B, S) chi-square(nu) for GARCH-t), log return of step j:

    * GBM: ``x = drift + vol * z`` (drift and vol already per step);
    * RSLN2 (Hardy 2001): regime ``s`` drawn from the stationary law in the first month (``u <
      pi_2`` -> regime 2), then switching 1->2 when ``u < p12`` and 2->1 when ``u < p21`` at
      each later month; ``x = mu_s / steps + sigma_s / sqrt(steps) * z``;
    * GARCH(1,1)-t: ``h_t = omega + alpha eps_{t-1}^2 + beta h_{t-1}`` (``h_0 = long_run_var``),
      ``x = mu + sqrt(h_t) * z * sqrt((nu - 2) / w)``.

    Short rate (Vasicek, exact monthly step): ``r_{m+1} = theta + (r_m - theta) * decay +
    step_vol * z``. Fixed-income return of month m: ``(r_m + spread) / 1200 - duration *
    (r_{m+1} - r_m) / 100``.

    Inflation: the regime steps first (entered with ``u < p_enter``, left with ``u < p_exit``,
    starting normal), and the episode chain with its own uniform ``inn.episode_u`` (entered
    with ``u < ep_enter``, left with ``u < ep_exit``), then ``x_m = phi x_{m-1} + sigma_s z_m``
    (``x_{-1} = 0``; ``sigma_s`` is ``sigma_high`` in the high regime) and ``pi_m =
    forecast_m + x_m + shift * regime_m + ep_shift * episode_m``.

    Known months (``m < obs.n_known``, :class:`~sim.esg.records.Observed`): an observed short
    rate replaces the step (``r_{m+1} = observed``), an observed KPIF replaces ``pi_m`` and sets
    ``x_m = observed - forecast_m - shift * regime - ep_shift * episode``. The regimes of the
    known months are those at the information date, drawn jointly from ``obs.p_state`` (state
    ``regime + 2 episode``) with ``u`` the regime uniform of the last known month; the chains
    move on from them after.
    """
    eq_z, eq_w, regime_u = inn.equity, inn.equity_w, inn.equity_regime_u
    rate_z, infl_z, infl_regime_u = inn.short_rate, inn.inflation, inn.inflation_regime_u
    episode_u = inn.episode_u
    model, steps = equity.model, equity.steps_per_month
    gbm, rs, g = equity.gbm, equity.rsln2, equity.garch
    n_paths, n_months = rate_z.shape
    sqrt_steps = math.sqrt(steps)
    t_scale = math.sqrt(max(g.nu - 2.0, 0.0))
    for i in range(n_paths):
        regime = 0
        h = g.long_run_var
        eps_prev = 0.0
        r = rate.r0
        x = 0.0
        hi = 0
        ep = 0
        n_known = obs.n_known
        if n_known > 0 and (infl.high_regime or infl.episodes):
            u = infl_regime_u[i, n_known - 1]
            acc = 0.0
            for s in range(4):
                acc += obs.p_state[s]
                if u < acc:
                    hi, ep = s % 2, s // 2
                    break
        for m in range(n_months):
            # --- equity
            if model == EQUITY_RSLN2:
                u = regime_u[i, m]
                if m == 0:
                    regime = 1 if u < rs.pi_2 else 0
                else:
                    regime = markov_step(regime, u, rs.p12, rs.p21)
                out.equity_regime[i, m] = regime
            total = 0.0
            for j in range(steps):
                k = m * steps + j
                z = eq_z[i, k]
                if model == EQUITY_GBM:
                    step = gbm.drift + gbm.vol * z
                elif model == EQUITY_RSLN2:
                    if regime == 0:
                        step = rs.mu_1 / steps + rs.sigma_1 / sqrt_steps * z
                    else:
                        step = rs.mu_2 / steps + rs.sigma_2 / sqrt_steps * z
                else:
                    if k > 0:
                        h = g.omega + g.alpha * eps_prev * eps_prev + g.beta * h
                    eps = math.sqrt(h) * z * t_scale / math.sqrt(eq_w[i, k])
                    eps_prev = eps
                    out.equity_variance[i, k] = h
                    step = g.mu + eps
                out.equity_step[i, k] = step
                total += step
            out.equity_month[i, m] = total
            # --- short rate and fixed income
            if m < n_known and not math.isnan(obs.short_rate[m]):
                r_next = obs.short_rate[m]
            else:
                r_next = (rate.theta + (r - rate.theta) * rate.decay
                          + rate.step_vol * rate_z[i, m])
            out.fixed_income[i, m] = (r + fi.spread) / 1200.0 - fi.duration * (r_next - r) / 100.0
            out.short_rate[i, m] = r_next
            r = r_next
            # --- inflation (the regime at as_of holds over the known months)
            if m >= n_known and infl.high_regime:
                hi = markov_step(hi, infl_regime_u[i, m], infl.p_enter, infl.p_exit)
            if m >= n_known and infl.episodes:
                ep = markov_step(ep, episode_u[i, m], infl.ep_enter, infl.ep_exit)
            level = infl.shift * hi + infl.ep_shift * ep
            if m < n_known and not math.isnan(obs.kpif[m]):
                x = obs.kpif[m] - kpif_forecast[m] - level
                out.kpif[i, m] = obs.kpif[m]       # the outturn exactly, not a round trip
            else:
                x = infl.phi * x + (infl.sigma_high if hi else infl.sigma) * infl_z[i, m]
                out.kpif[i, m] = kpif_forecast[m] + x + level
            out.inflation_regime[i, m] = hi
            out.inflation_episode[i, m] = ep


@njit(cache=True, nogil=True)
def annual_nb(z, jumps, infl_dev, factors, out_growth, out_dev):
    """Yearly budget factors: ``d_{k,Y} = phi_k d_{k,Y-1} + beta_k infl_dev_Y + lag_k
    infl_dev_{Y-1} + sigma_k z_{k,Y} + jumps_{k,Y}`` (``d_{k,-1} = 0``, no inflation deviation
    before the first year; ``factors.jump_offset`` subtracted a year where the jumps are made
    mean-zero), growth ``= forecast_k(Y) + d_{k,Y}`` [percent]. A deviation known
    at the information date (``factors.known[k, Y]`` not NaN) replaces the recursion's value,
    and the recursion goes on from it.

    ``factors`` is :class:`~sim.esg.records.AnnualFactors` (``beta`` its ``inflation_beta``,
    ``lag`` its ``inflation_beta_lag``). Shapes: ``z``, ``jumps``, ``out_*`` (B, Y, K);
    ``infl_dev`` (B, Y).
    """
    forecast, phi, sigma, beta, lag = (factors.forecast, factors.phi, factors.sigma,
                                       factors.inflation_beta, factors.inflation_beta_lag)
    known, offset = factors.known, factors.jump_offset
    n_paths, n_years, n_factors = z.shape
    for i in range(n_paths):
        for k in range(n_factors):
            d = 0.0
            for y in range(n_years):
                d = (phi[k] * d + beta[k] * infl_dev[i, y] + sigma[k] * z[i, y, k]
                     + jumps[i, y, k] - offset[k])
                if y > 0 and lag[k] != 0.0:
                    d += lag[k] * infl_dev[i, y - 1]
                if not math.isnan(known[k, y]):
                    d = known[k, y]
                out_dev[i, y, k] = d
                out_growth[i, y, k] = forecast[k, y] + d


@njit(cache=True, nogil=True)
def draw_nb(states, spec, out):
    """Draw a block's innovations from each path's own xoroshiro128++ stream (``states``,
    one row per path), in a fixed order per path, and correlate them into ``out``
    (:class:`~sim.esg.model.Innovations`); ``spec`` is :class:`~sim.esg.records.DrawSpec`.

    Per month: ``steps`` equity normals (each with a chi-square(nu) draw for GARCH-t), then the
    short rate's and inflation's normals, correlated with the month's equity innovation by the
    lower Cholesky factor ``chol_monthly`` (first row (1, 0, 0), so equity steps stay as drawn);
    then the regime uniforms the model uses (equity's, inflation's, the episode chain's). Per
    year: six normals for the yearly factors, drawn
    given the year's normalised sums of the monthly innovations (``cond_mean``,
    ``cond_factor``), and each factor's jumps: a Poisson(rate) count of exponential(mean)
    sizes, whose sum is mean x Gamma(count).
    """
    steps, chol, cond_mean, cond_factor = (spec.steps_per_month, spec.chol_monthly,
                                           spec.cond_mean, spec.cond_factor)
    need_regime, need_infl_regime, garch, nu = (spec.equity_regime, spec.inflation_regime,
                                                spec.garch, spec.nu)
    need_episode, out_ep_u = spec.episodes, out.episode_u
    jump_rate, jump_mean = spec.jump_rate, spec.jump_mean
    out_eq, out_w, out_regime_u = out.equity, out.equity_w, out.equity_regime_u
    out_rate, out_infl, out_infl_u = out.short_rate, out.inflation, out.inflation_regime_u
    out_annual, out_jumps = out.annual, out.jumps
    n, n_months = out_rate.shape
    n_factors = out_annual.shape[2]
    root_steps = math.sqrt(steps)
    root12 = math.sqrt(12.0)
    raw = np.empty(n_factors)
    ysum = np.empty(3)
    for i in range(n):
        s0 = states[i, 0]
        s1 = states[i, 1]
        ysum[:] = 0.0
        for m in range(n_months):
            total = 0.0
            for j in range(steps):
                k = m * steps + j
                s0, s1, z = R.normal(s0, s1)
                out_eq[i, k] = z
                total += z
                if garch:
                    s0, s1, g = R.gamma(s0, s1, 0.5 * nu)
                    out_w[i, k] = 2.0 * g
                else:
                    out_w[i, k] = 1.0
            z_eq = total / root_steps
            s0, s1, e_r = R.normal(s0, s1)
            s0, s1, e_pi = R.normal(s0, s1)
            z_r = chol[1, 0] * z_eq + chol[1, 1] * e_r
            z_pi = chol[2, 0] * z_eq + chol[2, 1] * e_r + chol[2, 2] * e_pi
            out_rate[i, m] = z_r
            out_infl[i, m] = z_pi
            if need_regime:
                s0, s1, u = R.uniform(s0, s1)
                out_regime_u[i, m] = u
            else:
                out_regime_u[i, m] = 1.0
            if need_infl_regime:
                s0, s1, u = R.uniform(s0, s1)
                out_infl_u[i, m] = u
            else:
                out_infl_u[i, m] = 1.0
            if need_episode:
                s0, s1, u = R.uniform(s0, s1)
                out_ep_u[i, m] = u
            else:
                out_ep_u[i, m] = 1.0
            ysum[0] += z_eq
            ysum[1] += z_r
            ysum[2] += z_pi
            if m % 12 == 11:
                y = m // 12
                for f in range(n_factors):
                    s0, s1, raw[f] = R.normal(s0, s1)
                for f in range(n_factors):
                    a = 0.0
                    for q in range(3):
                        a += cond_mean[f, q] * ysum[q] / root12
                    for q in range(n_factors):
                        a += cond_factor[f, q] * raw[q]
                    out_annual[i, y, f] = a
                    jump = 0.0
                    if jump_rate[f] > 0.0:
                        s0, s1, count = R.poisson_small(s0, s1, jump_rate[f])
                        if count > 0:
                            s0, s1, g = R.gamma(s0, s1, float(count))
                            jump = jump_mean[f] * g
                    out_jumps[i, y, f] = jump
                ysum[:] = 0.0
