"""Maximum likelihood with standard errors: the models the generator simulates, fitted to data.

Each model is a :class:`Model`: its parameters' names and units, a map from an unconstrained
vector to the parameters (so the optimizer never leaves the parameter space: logs for scales,
logits for probabilities, ``tanh`` for an autoregression), starting points, and its
log-likelihood (``sim/calibrate/_kernels.py``). :func:`fit` maximizes the likelihood from each
start (scipy's L-BFGS-B, given the negative log-likelihood with its forward-difference
gradient, :func:`with_gradient`), keeps the best, and computes the standard errors from the
observed information: the inverse of the numerical Hessian of the negative log-likelihood on
the unconstrained scale, carried to the parameters by the delta method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import optimize

from . import _kernels as K

__all__ = ["Model", "Estimate", "fit", "RSLN2", "MSAR1", "GARCH_T", "VASICEK", "hessian"]


def _logit(p):
    return math.log(p / (1.0 - p))


def _expit(u):
    return 1.0 / (1.0 + math.exp(-u))


@dataclass(frozen=True)
class Model:
    name: str
    params: tuple[str, ...]
    to_params: Callable[[np.ndarray], np.ndarray]     # unconstrained -> parameters
    from_params: Callable[[np.ndarray], np.ndarray]   # parameters -> unconstrained
    loglik: Callable[..., float]                      # (data, *parameters) -> log-likelihood
    starts: Callable[[np.ndarray], list[np.ndarray]]  # data -> starting parameter vectors


@dataclass(frozen=True)
class Estimate:
    """A fit: the parameters by name, their standard errors and covariance, the maximized
    log-likelihood and the number of observations it used."""

    model: str
    names: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    loglik: float
    n: int
    converged: bool
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> float:
        return float(self.values[self.names.index(name)])

    def se_of(self, name: str) -> float:
        return float(self.se[self.names.index(name)])

    @property
    def aic(self) -> float:
        return 2 * len(self.names) - 2 * self.loglik


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` (steps relative to ``1 + |x|``)."""
    x = np.asarray(x, dtype=float)
    k = x.size
    h = step * (1.0 + np.abs(x))
    out = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        for j in range(i, k):
            if i == j:
                e = np.zeros(k)
                e[i] = h[i]
                v = (f(x + e) - 2.0 * f0 + f(x - e)) / (h[i] * h[i])
            else:
                ei, ej = np.zeros(k), np.zeros(k)
                ei[i], ej[j] = h[i], h[j]
                v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                    4.0 * h[i] * h[j])
            out[i, j] = out[j, i] = v
    return out


def _jacobian(g: Callable[[np.ndarray], np.ndarray], u: np.ndarray, step: float = 1e-6):
    u = np.asarray(u, dtype=float)
    g0 = np.asarray(g(u))
    out = np.empty((g0.size, u.size))
    for j in range(u.size):
        h = step * (1.0 + abs(u[j]))
        e = np.zeros(u.size)
        e[j] = h
        out[:, j] = (np.asarray(g(u + e)) - np.asarray(g(u - e))) / (2.0 * h)
    return out


#: The forward differences' absolute step: L-BFGS-B's own (its option ``eps``), with which it
#: differentiates a function given without a gradient.
FD_STEP = 1e-8
_ROOT_EPS = float(np.finfo(np.float64).eps) ** 0.5


def with_gradient(f: Callable[[np.ndarray], float], step: float = FD_STEP):
    """``f`` with its forward-difference gradient: ``u -> (f(u), g)``, ``g_i = (f(u + h_i e_i) -
    f(u)) / ((u_i + h_i) - u_i)`` with ``h_i = step``, or ``sqrt(eps) * sign(u_i) * max(1,
    |u_i|)`` where ``u_i + step == u_i``. This is the gradient L-BFGS-B makes for itself from
    ``f`` alone (scipy's ``approx_derivative``, 2-point, absolute step ``eps``), number for
    number (a test holds it to ``scipy.optimize.approx_fprime``), so the fits are those of
    ``minimize(f)``; written out, without scipy's wrapping of each evaluation, the generator's
    fits at the regions' backtest's eight origins take a quarter less time."""
    def f_and_g(u: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = f(u)
        h = np.full(u.size, step)
        lost = ((u + h) - u) == 0
        if lost.any():
            h = np.where(lost, _ROOT_EPS * np.where(u >= 0, 1.0, -1.0)
                         * np.maximum(1.0, np.abs(u)), h)
        g = np.empty(u.size)
        x = u.copy()
        for i in range(u.size):
            x[i] = u[i] + h[i]
            g[i] = (f(x) - f0) / ((u[i] + h[i]) - u[i])
            x[i] = u[i]
        return f0, g
    return f_and_g


def fit(model: Model, data: np.ndarray) -> Estimate:
    """The maximum-likelihood estimate of ``model`` on ``data``, with standard errors."""
    data = np.ascontiguousarray(data, dtype=np.float64)

    def nll(u: np.ndarray) -> float:
        p = model.to_params(u)
        v = model.loglik(data, *[float(q) for q in p])
        return -v if np.isfinite(v) and v > -1e299 else 1e300

    best = None
    for start in model.starts(data):
        res = optimize.minimize(with_gradient(nll),
                                model.from_params(np.asarray(start, dtype=float)), jac=True,
                                method="L-BFGS-B", options={"maxiter": 2000, "ftol": 1e-13,
                                                            "gtol": 1e-9})
        if best is None or res.fun < best.fun:
            best = res
    u = best.x
    notes = []
    h = hessian(nll, u)
    try:
        cov_u = np.linalg.inv(h)
        if np.any(np.diag(cov_u) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov_u = np.full_like(h, np.nan)
        notes.append("the observed information is not positive definite at the optimum; "
                     "no standard errors")
    jac = _jacobian(model.to_params, u)
    cov = jac @ cov_u @ jac.T
    values = np.asarray(model.to_params(u), dtype=float)
    return Estimate(model=model.name, names=model.params, values=values,
                    se=np.sqrt(np.maximum(np.diag(cov), 0.0)), cov=cov, loglik=-float(best.fun),
                    n=int(data.size), converged=bool(best.success), notes=notes)


# --------------------------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------------------------


def _rsln2_to(u):
    return np.array([u[0], math.exp(u[1]), u[2], math.exp(u[3]), _expit(u[4]), _expit(u[5])])


def _rsln2_from(p):
    return np.array([p[0], math.log(p[1]), p[2], math.log(p[3]), _logit(p[4]), _logit(p[5])])


def _rsln2_starts(x):
    m, s = float(np.mean(x)), float(np.std(x))
    return [np.array([m + 0.2 * s, 0.8 * s, m - s, 2.0 * s, 0.04, 0.3]),
            np.array([m + 0.1 * s, 0.7 * s, m - 0.5 * s, 1.6 * s, 0.1, 0.2]),
            np.array([m, 0.9 * s, m - 2 * s, 2.5 * s, 0.02, 0.5])]


#: Hardy's regime-switching lognormal, monthly log returns (regime 1 the calm one).
RSLN2 = Model("rsln2", ("mu_1", "sigma_1", "mu_2", "sigma_2", "p12", "p21"), _rsln2_to,
              _rsln2_from, K.rsln2_loglik_nb, _rsln2_starts)


def _msar_to(u):
    return np.array([u[0], u[1], math.tanh(u[2]), math.exp(u[3]), math.exp(u[4]),
                     _expit(u[5]), _expit(u[6])])


def _msar_from(p):
    return np.array([p[0], p[1], math.atanh(p[2]), math.log(p[3]), math.log(p[4]), _logit(p[5]),
                     _logit(p[6])])


def _msar_starts(y):
    m, s = float(np.percentile(y, 40)), float(np.std(y))
    d = float(np.std(np.diff(y)))
    return [np.array([m, 1.0 * s, 0.95, 0.7 * d, 2.0 * d, 0.01, 0.1]),
            np.array([m, 0.5 * s, 0.9, 0.5 * d, 1.5 * d, 0.05, 0.2]),
            np.array([m, 0.0, 0.97, 0.8 * d, 3.0 * d, 0.005, 0.03]),
            np.array([m, 2.0 * s, 0.95, 0.9 * d, 1.0 * d, 0.005, 0.05])]


#: KPIF's 12-month rate [percent]: a mean ``mu``, a high regime ``shift`` above it, an AR(1)
#: deviation with monthly innovation ``sigma`` (``sigma_high`` in the high regime); the regime
#: enters with ``p_enter`` and leaves with ``p_exit`` a month.
MSAR1 = Model("msar1", ("mu", "shift", "phi", "sigma", "sigma_high", "p_enter", "p_exit"),
              _msar_to, _msar_from, K.msar_loglik_nb, _msar_starts)


def _garch_to(u):
    persistence = _expit(u[2])
    a_share = _expit(u[3])
    return np.array([u[0], math.exp(u[1]), persistence * a_share,
                     persistence * (1.0 - a_share), 2.0 + math.exp(u[4])])


def _garch_from(p):
    persistence = p[2] + p[3]
    return np.array([p[0], math.log(p[1]), _logit(persistence), _logit(p[2] / persistence),
                     math.log(p[4] - 2.0)])


def _garch_starts(x):
    m, v = float(np.mean(x)), float(np.var(x))
    return [np.array([m, 0.05 * v, 0.1, 0.85, 8.0]), np.array([m, 0.1 * v, 0.15, 0.75, 6.0]),
            np.array([m, 0.02 * v, 0.05, 0.93, 12.0])]


#: GARCH(1,1) with unit-variance Student-t errors, per month.
GARCH_T = Model("garch_t", ("mu", "omega", "alpha", "beta", "nu"), _garch_to, _garch_from,
                K.garch_t_loglik_nb, _garch_starts)


def _vasicek_to(u):
    return np.array([u[0], math.exp(u[1]), math.exp(u[2])])


def _vasicek_from(p):
    return np.array([p[0], math.log(p[1]), math.log(p[2])])


def _vasicek_starts(r):
    a, b = np.polyfit(r[:-1], r[1:], 1)
    a = min(max(a, 0.5), 0.999)
    sd = float(np.std(r[1:] - a * r[:-1] - b))
    kappa = -12.0 * math.log(a)
    return [np.array([b / (1.0 - a), kappa, sd * math.sqrt(2 * kappa / (1 - a * a))]),
            np.array([float(np.mean(r)), 0.5, 1.0]), np.array([2.0, 0.1, 0.7])]


#: The Vasicek short rate at monthly steps [percent, a year, percent per square-root year].
VASICEK = Model("vasicek", ("theta", "kappa", "sigma"), _vasicek_to, _vasicek_from,
                K.vasicek_loglik_nb, _vasicek_starts)
