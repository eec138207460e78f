"""Numba log-likelihoods of the generator's time-series models: the data in, one number out.

Each is the exact likelihood of the model the generator simulates (``sim/esg/_kernels.py``),
written as a forward filter (Hamilton 1989, Econometrica 57(2) 357-384) where a regime is
hidden. Their peers in the tests are statsmodels' ``MarkovRegression`` and
``MarkovAutoregression`` and arch's GARCH with Student-t errors, fitted to the same data.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True)
def _log_normal(x, mean, sd):
    return _log_normal_given(x, mean, sd, math.log(sd))


@njit(cache=True)
def _log_normal_given(x, mean, sd, log_sd):
    """:func:`_log_normal` with ``log(sd)`` computed once for a filter's regimes, not at every
    step: the same operations on the same numbers (a logarithm gives the same result each
    time), so the likelihoods are those of before to the bit."""
    z = (x - mean) / sd
    return -0.5 * (_LOG_2PI + z * z) - log_sd


@njit(cache=True)
def rsln2_loglik_nb(x, mu1, sigma1, mu2, sigma2, p12, p21):
    """Two-regime lognormal (Hardy 2001): ``x_t ~ N(mu_s, sigma_s)``, ``s`` a Markov chain
    leaving regime 1 with ``p12`` and regime 2 with ``p21`` a month, starting from its
    stationary law. Returns the log-likelihood of the monthly log returns ``x``."""
    total = p12 + p21
    p2 = p12 / total if total > 0.0 else 0.0
    p1 = 1.0 - p2
    ll = 0.0
    log1, log2 = math.log(sigma1), math.log(sigma2)
    for t in range(x.shape[0]):
        if t > 0:
            q1 = p1 * (1.0 - p12) + p2 * p21
            q2 = p1 * p12 + p2 * (1.0 - p21)
        else:
            q1, q2 = p1, p2
        l1 = _log_normal_given(x[t], mu1, sigma1, log1)
        l2 = _log_normal_given(x[t], mu2, sigma2, log2)
        m = max(l1, l2)
        a = q1 * math.exp(l1 - m)
        b = q2 * math.exp(l2 - m)
        s = a + b
        if s <= 0.0:
            return -1e300
        ll += m + math.log(s)
        p1 = a / s
        p2 = b / s
    return ll


@njit(cache=True)
def switching_ar_filter_nb(y, mu, phi, means, sds, trans, start, first_stationary):
    """The forward filter (Hamilton 1989) of a switching-mean AR(1) with ``K`` regimes:
    ``y_t - mu - means[s_t] = phi (y_{t-1} - mu - means[s_{t-1}]) + sds[s_t] e_t``, ``s`` a
    Markov chain with ``trans[a, b] = P(s_t = b | s_{t-1} = a)``; the lagged regime is in the
    state because ``y_{t-1}`` enters the mean.

    ``start`` (K,) is the law of ``s_0`` before ``y_0`` is seen. With ``first_stationary``
    ``y_0`` counts with its regime's stationary law ``N(mu + means[s], sds[s]^2 / (1 -
    phi^2))``; without, the likelihood is conditional on ``y_0``. Returns (log-likelihood, the
    law of ``s_last`` given ``y``)."""
    k = means.shape[0]
    prob = start.copy()
    logs = np.empty((k, k))
    new = np.empty(k)
    ll = 0.0
    if first_stationary:
        root = math.sqrt(max(1.0 - phi * phi, 1e-12))
        best = -1e300
        for b in range(k):
            logs[0, b] = _log_normal(y[0], mu + means[b], sds[b] / root)
            best = max(best, logs[0, b])
        total = 0.0
        for b in range(k):
            new[b] = prob[b] * math.exp(logs[0, b] - best)
            total += new[b]
        if total <= 0.0:
            return -1e300, start
        ll = best + math.log(total)
        for b in range(k):
            prob[b] = new[b] / total
    log_sds = np.empty(k)
    for b in range(k):
        log_sds[b] = math.log(sds[b])
    for t in range(1, y.shape[0]):
        best = -1e300
        for a in range(k):
            for b in range(k):
                v = _log_normal_given(y[t], mu + means[b] + phi * (y[t - 1] - mu - means[a]),
                                      sds[b], log_sds[b])
                logs[a, b] = v
                if v > best:
                    best = v
        total = 0.0
        for b in range(k):
            acc = 0.0
            for a in range(k):
                acc += prob[a] * trans[a, b] * math.exp(logs[a, b] - best)
            new[b] = acc
            total += acc
        if total <= 0.0:
            return -1e300, prob
        ll += best + math.log(total)
        for b in range(k):
            prob[b] = new[b] / total
    return ll, prob


@njit(cache=True)
def _two_state(p_enter, p_exit):
    trans = np.empty((2, 2))
    trans[0, 0], trans[0, 1] = 1.0 - p_enter, p_enter
    trans[1, 0], trans[1, 1] = p_exit, 1.0 - p_exit
    return trans


@njit(cache=True)
def regimes_nb(shift, sigma, sigma_high, p_enter, p_exit, ep_shift, ep_enter, ep_exit):
    """The joint regimes of the inflation model, state ``h + 2 g``: ``h`` the volatile regime
    (``shift``, ``sigma_high``; entered with ``p_enter``, left with ``p_exit``), ``g`` the
    episode (``ep_shift`` more; ``ep_enter``, ``ep_exit``), independent chains. Returns (means
    (4,), sds (4,), trans (4, 4), the stationary law (4,))."""
    th = _two_state(p_enter, p_exit)
    tg = _two_state(ep_enter, ep_exit)
    means = np.empty(4)
    sds = np.empty(4)
    trans = np.empty((4, 4))
    stat = np.empty(4)
    ph = p_enter / (p_enter + p_exit) if p_enter + p_exit > 0.0 else 0.0
    pg = ep_enter / (ep_enter + ep_exit) if ep_enter + ep_exit > 0.0 else 0.0
    for s in range(4):
        h, g = s % 2, s // 2
        means[s] = shift * h + ep_shift * g
        sds[s] = sigma_high if h == 1 else sigma
        stat[s] = (ph if h == 1 else 1.0 - ph) * (pg if g == 1 else 1.0 - pg)
        for r in range(4):
            trans[s, r] = th[h, r % 2] * tg[g, r // 2]
    return means, sds, trans, stat


@njit(cache=True)
def msar_filter_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit, start_high,
                   first_stationary):
    """The two-regime switching-mean AR(1)'s filter (:func:`switching_ar_filter_nb` with the
    high regime ``shift`` higher, ``sigma_high`` its innovation, entered with ``p_enter`` and
    left with ``p_exit``); ``start_high`` is P(s_0 = high). Returns (log-likelihood, P(s_last =
    high | y))."""
    means = np.array([0.0, shift])
    sds = np.array([sigma, sigma_high])
    start = np.array([1.0 - start_high, start_high])
    ll, prob = switching_ar_filter_nb(y, mu, phi, means, sds, _two_state(p_enter, p_exit),
                                      start, first_stationary)
    return ll, prob[1]


@njit(cache=True)
def msar_loglik_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit):
    """The switching-mean AR(1)'s log-likelihood (:func:`msar_filter_nb`), conditional on
    ``y_0``, whose regime starts from the chain's stationary law (as statsmodels'
    ``MarkovAutoregression``)."""
    total = p_enter + p_exit
    q1 = p_enter / total if total > 0.0 else 0.0
    ll, _ = msar_filter_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit, q1, False)
    return ll


@njit(cache=True)
def msar_episodes_loglik_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit, ep_shift,
                            ep_enter, ep_exit):
    """The inflation model with its episode regime (:func:`regimes_nb`), log-likelihood
    conditional on ``y_0``, the regimes starting from their stationary law."""
    means, sds, trans, stat = regimes_nb(shift, sigma, sigma_high, p_enter, p_exit, ep_shift,
                                         ep_enter, ep_exit)
    ll, _ = switching_ar_filter_nb(y, mu, phi, means, sds, trans, stat, False)
    return ll


@njit(cache=True)
def garch_t_loglik_nb(x, mu, omega, alpha, beta, nu):
    """GARCH(1,1) with unit-variance Student-t(``nu``) errors: ``x_t = mu + sqrt(h_t) e_t``,
    ``h_t = omega + alpha (x_{t-1} - mu)^2 + beta h_{t-1}``, ``h_0`` the long-run variance
    ``omega / (1 - alpha - beta)`` (as the generator starts)."""
    if alpha + beta >= 1.0 or omega <= 0.0 or nu <= 2.0:
        return -1e300
    h = omega / (1.0 - alpha - beta)
    const = (math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu)
             - 0.5 * math.log(math.pi * (nu - 2.0)))
    ll = 0.0
    eps_prev = 0.0
    for t in range(x.shape[0]):
        if t > 0:
            h = omega + alpha * eps_prev * eps_prev + beta * h
        eps = x[t] - mu
        ll += const - 0.5 * math.log(h) - 0.5 * (nu + 1.0) * math.log1p(
            eps * eps / (h * (nu - 2.0)))
        eps_prev = eps
    return ll


@njit(cache=True)
def vasicek_loglik_nb(r, theta, kappa, sigma):
    """The Vasicek short rate's exact monthly transition (as the generator steps it):
    ``r_t ~ N(theta + (r_{t-1} - theta) e^{-kappa/12}, sigma^2 (1 - e^{-kappa/6}) / (2 kappa))``,
    rates in percent, ``kappa`` a year, ``sigma`` in percent per square-root year. The
    log-likelihood of ``r_1..r_n`` given ``r_0``."""
    if kappa <= 0.0 or sigma <= 0.0:
        return -1e300
    decay = math.exp(-kappa / 12.0)
    sd = sigma * math.sqrt((1.0 - decay * decay) / (2.0 * kappa))
    ll = 0.0
    log_sd = math.log(sd)
    for t in range(1, r.shape[0]):
        ll += _log_normal_given(r[t], theta + (r[t - 1] - theta) * decay, sd, log_sd)
    return ll
