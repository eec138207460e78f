"""Numba log-likelihoods of the generator's time-series models: the data in, one number out.

Each is the exact likelihood of the model the generator simulates (``sim/esg/_kernels.py``),
written as a forward filter (Hamilton 1989, Econometrica 57(2) 357-384) where a regime is
hidden. Their peers in the tests are statsmodels' ``MarkovRegression`` and
``MarkovAutoregression`` and arch's GARCH with Student-t errors, fitted to the same data.
"""

from __future__ import annotations

import math

from numba import njit

_LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True)
def _log_normal(x, mean, sd):
    z = (x - mean) / sd
    return -0.5 * (_LOG_2PI + z * z) - math.log(sd)


@njit(cache=True)
def rsln2_loglik_nb(x, mu1, sigma1, mu2, sigma2, p12, p21):
    """Two-regime lognormal (Hardy 2001): ``x_t ~ N(mu_s, sigma_s)``, ``s`` a Markov chain
    leaving regime 1 with ``p12`` and regime 2 with ``p21`` a month, starting from its
    stationary law. Returns the log-likelihood of the monthly log returns ``x``."""
    total = p12 + p21
    p2 = p12 / total if total > 0.0 else 0.0
    p1 = 1.0 - p2
    ll = 0.0
    for t in range(x.shape[0]):
        if t > 0:
            q1 = p1 * (1.0 - p12) + p2 * p21
            q2 = p1 * p12 + p2 * (1.0 - p21)
        else:
            q1, q2 = p1, p2
        l1 = _log_normal(x[t], mu1, sigma1)
        l2 = _log_normal(x[t], mu2, sigma2)
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
def msar_filter_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit, start_high,
                   first_stationary):
    """The switching-mean AR(1)'s forward filter (Hamilton 1989): ``y_t - mu - shift s_t = phi
    (y_{t-1} - mu - shift s_{t-1}) + sigma_s e_t`` (``sigma_s`` is ``sigma_high`` in the high
    regime), ``s`` a chain entering the high regime with ``p_enter`` and leaving it with
    ``p_exit``; the lagged regime is in the state because ``y_{t-1}`` enters the mean.

    ``start_high`` is P(s_0 = high) before ``y_0`` is seen. With ``first_stationary`` ``y_0``
    counts with its regime's stationary law ``N(mu + shift s, sigma_s^2 / (1 - phi^2))``;
    without, the likelihood is conditional on ``y_0``. Returns (log-likelihood, P(s_last =
    high | y))."""
    prob0 = 1.0 - start_high
    prob1 = start_high
    ll = 0.0
    if first_stationary:
        root = math.sqrt(max(1.0 - phi * phi, 1e-12))
        l0 = _log_normal(y[0], mu, sigma / root)
        l1 = _log_normal(y[0], mu + shift, sigma_high / root)
        m = max(l0, l1)
        a = prob0 * math.exp(l0 - m)
        b = prob1 * math.exp(l1 - m)
        if a + b <= 0.0:
            return -1e300, start_high
        ll = m + math.log(a + b)
        prob0 = a / (a + b)
        prob1 = b / (a + b)
    for t in range(1, y.shape[0]):
        best = -1e300
        logs = [0.0, 0.0, 0.0, 0.0]
        for a in range(2):
            for b in range(2):
                mean = mu + shift * b + phi * (y[t - 1] - mu - shift * a)
                v = _log_normal(y[t], mean, sigma_high if b == 1 else sigma)
                logs[2 * a + b] = v
                if v > best:
                    best = v
        new0 = 0.0
        new1 = 0.0
        for a in range(2):
            pa = prob0 if a == 0 else prob1
            stay_or_go0 = (1.0 - p_enter) if a == 0 else p_exit
            stay_or_go1 = p_enter if a == 0 else (1.0 - p_exit)
            new0 += pa * stay_or_go0 * math.exp(logs[2 * a] - best)
            new1 += pa * stay_or_go1 * math.exp(logs[2 * a + 1] - best)
        s = new0 + new1
        if s <= 0.0:
            return -1e300, prob1
        ll += best + math.log(s)
        prob0 = new0 / s
        prob1 = new1 / s
    return ll, prob1


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
    for t in range(1, r.shape[0]):
        ll += _log_normal(r[t], theta + (r[t - 1] - theta) * decay, sd)
    return ll
