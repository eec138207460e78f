"""Parameter uncertainty: the generator's estimated parameters drawn from their sampling law.

``sim calibrate`` writes each estimate's standard error (``se``) and, per fitted model, the
correlation of its estimates (``[estimates.<group>]`` in the model file). With
``simulation.parameter_uncertainty = true`` every block of paths runs under its own draw of
the parameters, so the tails carry what the data do not pin down as well as what the markets do.

The law is the one the standard errors come from: asymptotically normal estimates. It is drawn
on a scale where the parameter space is the whole real line (a log for a volatility or a
jump size, a logit for a probability or a GARCH weight, ``atanh`` for an autoregression, the
log of ``nu - 2`` for the t's degrees of freedom), with the covariance carried there by the
delta method, and mapped back, so a draw is always a valid parameter. A parameter with a
standard error but in no correlation group is drawn independently of the others. A draw
outside a model's joint constraint (GARCH's ``alpha + beta < 1``) is drawn again from the
same stream, so the draws are the same on every machine.

The draw of block ``b`` comes from ``SeedSequence(seed, spawn_key=(2, b))``: its own stream,
apart from the block's innovations (``(b,)``) and the centring pilot (``(1, 0)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimated", "ParameterLaw", "PARAMS_SPAWN_KEY", "transform_of"]

#: The first element of every block's parameter-draw spawn key.
PARAMS_SPAWN_KEY = 2
#: A draw outside a joint constraint is drawn again, at most this many times.
MAX_REDRAWS = 1000

_LOG = ("sigma", "sigma_1", "sigma_2", "long_run_vol", "jump_mean", "kappa", "reversion")
_LOGIT = ("p12", "p21", "p_enter", "p_exit", "alpha", "beta")


def transform_of(key: str) -> str:
    """The scale a parameter is drawn on, from its key's last part: ``log``, ``logit``,
    ``atanh``, ``log_nu`` (``log(nu - 2)``) or ``identity`` (means and shifts)."""
    name = key.rsplit(".", 1)[-1]
    if name in _LOG:
        return "log"
    if name in _LOGIT:
        return "logit"
    if name == "phi":
        return "atanh"
    if name == "nu":
        return "log_nu"
    return "identity"


def _forward(kind: str, x: float) -> tuple[float, float]:
    """``(g(x), g'(x))``; ValueError when ``x`` is on the scale's boundary."""
    if kind == "identity":
        return x, 1.0
    if kind == "log" and x > 0:
        return math.log(x), 1.0 / x
    if kind == "logit" and 0 < x < 1:
        return math.log(x / (1 - x)), 1.0 / (x * (1 - x))
    if kind == "atanh" and -1 < x < 1:
        return math.atanh(x), 1.0 / (1 - x * x)
    if kind == "log_nu" and x > 2:
        return math.log(x - 2), 1.0 / (x - 2)
    raise ValueError(f"value {x:g} is on the boundary of its {kind} scale")


def _inverse(kind: str, u: np.ndarray) -> np.ndarray:
    if kind == "identity":
        return u
    if kind == "log":
        return np.exp(u)
    if kind == "logit":
        return 1.0 / (1.0 + np.exp(-u))
    if kind == "atanh":
        return np.tanh(u)
    return 2.0 + np.exp(u)       # log_nu


@dataclass(frozen=True)
class Estimated:
    """One estimated parameter: its dotted key in the model config (``inflation.phi``), its
    estimate, standard error and the scale it is drawn on."""

    key: str
    value: float
    se: float
    transform: str


def _quantities(esg) -> list[tuple[str, object]]:
    """``(dotted key, Quantity)`` for every estimate of ``esg`` the run uses with a positive
    standard error (the equity models not selected, a disabled high regime and disabled
    episodes are left out: drawing them would change nothing)."""
    skip = tuple(f"equity.{m}." for m in ("gbm", "rsln2", "garch") if m != esg.equity.model)
    if not esg.inflation.high_regime.enabled:
        skip += ("inflation.high_regime.",)
    if esg.inflation.episodes is None or not esg.inflation.episodes.enabled:
        skip += ("inflation.episodes.",)
    return [(k, q) for k, q in esg.estimated().items() if q.se > 0 and not k.startswith(skip)]


class ParameterLaw:
    """The joint sampling law of a model config's estimates (module docstring)."""

    def __init__(self, esg):
        self.esg = esg
        params = []
        for key, q in _quantities(esg):
            kind = transform_of(key)
            try:
                _forward(kind, q.value)
            except ValueError as err:
                raise ValueError(f"esg.{key}: {err}; an estimate with a standard error must "
                                 "lie inside its parameter space") from None
            params.append(Estimated(key, q.value, q.se, kind))
        self.params = tuple(params)
        index = {p.key: i for i, p in enumerate(params)}
        k = len(params)
        corr = np.eye(k)
        for group, est in esg.estimates.items():
            used = [(j, index[key]) for j, key in enumerate(est.keys) if key in index]
            m = np.asarray(est.matrix, dtype=float)
            for a, ia in used:
                for b, ib in used:
                    if ia != ib:
                        corr[ia, ib] = m[a, b]
        centre, scale = np.empty(k), np.empty(k)
        for i, p in enumerate(params):
            centre[i], slope = _forward(p.transform, p.value)
            scale[i] = abs(slope) * p.se
        self.centre = centre
        self.cov = corr * np.outer(scale, scale)
        # a factor that also takes a rank-deficient matrix (the operations factor's two
        # estimates come from one number: correlation 1)
        w, v = np.linalg.eigh((self.cov + self.cov.T) / 2)
        self.factor = v * np.sqrt(np.maximum(w, 0.0))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.params)

    def draw_values(self, rng: np.random.Generator) -> dict[str, float]:
        """One joint draw, ``{dotted key: value}`` in the config's units."""
        for _ in range(MAX_REDRAWS):
            u = self.centre + self.factor @ rng.standard_normal(len(self.params))
            values = {p.key: float(_inverse(p.transform, u[i]))
                      for i, p in enumerate(self.params)}
            if _admissible(self.esg, values):
                return values
        raise ValueError(f"no admissible parameter draw in {MAX_REDRAWS} tries: the estimates' "
                         "standard errors put almost all of their law outside the model's "
                         "constraints")

    def draw(self, rng: np.random.Generator):
        """A copy of the model config with one draw of its estimated parameters."""
        return with_values(self.esg, self.draw_values(rng))

    def block_draw(self, seed: int, block: int):
        """Block ``block``'s draw (its own stream, module docstring)."""
        ss = np.random.SeedSequence(seed, spawn_key=(PARAMS_SPAWN_KEY, block))
        return self.draw(np.random.default_rng(ss))


def _admissible(esg, values: dict[str, float]) -> bool:
    g = esg.equity.garch
    alpha = values.get("equity.garch.alpha", g.alpha.value)
    beta = values.get("equity.garch.beta", g.beta.value)
    return esg.equity.model != "garch" or alpha + beta < 1.0


def with_values(esg, values: dict[str, float]):
    """``esg`` with the quantities at the dotted keys given new values, validated again.
    (``sim.config.apply_overrides`` does the same for ``--set`` on a plan's raw TOML, one layer
    up; this module sits below the config and does not import it.)"""
    data = esg.model_dump()
    for key, v in values.items():
        node = data
        for part in key.split("."):
            node = node[part]
        node["value"] = v
    return type(esg).model_validate(data)
