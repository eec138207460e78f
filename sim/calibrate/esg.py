"""``sim calibrate esg``: the scenario generator's market models fitted to history.

What is fitted to what (README, "Calibration"):

* equity: RSLN2 (Hardy 2001), GARCH(1,1)-t and GBM, each by maximum likelihood on monthly log
  total returns (:func:`sim.calibrate.history.equity_monthly`, 1956-2018);
* inflation: KPIF's 12-month rate as a two-regime switching AR(1) (Hamilton 1989): the AR
  coefficient and innovation of the normal regime, the second regime's shift and innovation,
  and its entry and exit probabilities (:func:`sim.calibrate.history.kpif_12m`), on the months
  up to the information date (``until``), so a run as of that date uses nothing it could not
  have known.

The estimates are written into a model file: the hand-set file is the template, and every
estimated number gets its value, its standard error (``se``, from the observed information)
and ``source = "estimated: <data>, <period>, <method>"``. Everything not estimated stays as
the template has it, with its own source. The result is deterministic: the same data and
template give the same file byte for byte (a test).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fit import GARCH_T, MSAR1, RSLN2, Estimate, fit
from .history import Series, equity_monthly, kpif_12m

__all__ = ["EsgFit", "fit_esg", "write_model", "set_estimates", "EQUITY_PERIOD"]

#: The equity sample: post-war, to the end of the shipped series.
EQUITY_PERIOD = ("1956-01", "2018-11")
#: The KPIF sample starts with the first 12-month rate the data give.
KPIF_FIRST = "2000-12"


@dataclass(frozen=True)
class Value:
    """One estimated config number: value and standard error in the config's unit."""

    value: float
    se: float
    unit: str


#: The inflation fit's parameters the model file holds, in its order (its mean is not used).
INFLATION_PARAMS = ("phi", "sigma", "shift", "sigma_high", "p_enter", "p_exit")
#: Per fitted model, its estimates as the model file names them, ``(dotted key, unit)``, in
#: the order of :meth:`EsgFit.in_config_units`.
CONFIG_KEYS = {
    "equity_rsln2": tuple((f"equity.rsln2.{k}", "fraction_per_month")
                          for k in ("mu_1", "sigma_1", "mu_2", "sigma_2"))
    + (("equity.rsln2.p12", "per_month"), ("equity.rsln2.p21", "per_month")),
    "equity_gbm": (("equity.gbm.mu", "percent_per_year"),
                   ("equity.gbm.sigma", "percent_per_year")),
    "equity_garch": (("equity.garch.mu", "percent_per_year"),
                     ("equity.garch.long_run_vol", "percent_per_year"),
                     ("equity.garch.alpha", "dimensionless"),
                     ("equity.garch.beta", "dimensionless"), ("equity.garch.nu", "dimensionless")),
    "inflation": (("inflation.phi", "dimensionless"), ("inflation.sigma", "percent"),
                  ("inflation.high_regime.shift", "percent"),
                  ("inflation.high_regime.sigma", "percent"),
                  ("inflation.high_regime.p_enter", "per_month"),
                  ("inflation.high_regime.p_exit", "per_month")),
}


@dataclass(frozen=True)
class EsgFit:
    rsln2: Estimate
    garch: Estimate
    gbm: Estimate
    inflation: Estimate
    equity: Series
    kpif: Series

    def in_config_units(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """A fitted model's estimates in the order of :data:`CONFIG_KEYS` and their covariance,
        in the model file's units (GARCH's by the delta method; the inflation model's mean,
        which the run does not use, left out: a normal law's margin keeps the rest)."""
        if group == "equity_garch":
            return _garch_config(self.garch)
        if group == "inflation":
            f = self.inflation
            idx = [f.names.index(k) for k in INFLATION_PARAMS]
            return f.values[idx], f.cov[np.ix_(idx, idx)]
        e = {"equity_rsln2": self.rsln2, "equity_gbm": self.gbm}[group]
        return e.values, e.cov

    def values(self) -> dict[tuple[str, str], Value]:
        """Each estimated key of the model file, ``(section, key) -> Value``."""
        out = {}
        for group, keys in CONFIG_KEYS.items():
            vals, cov = self.in_config_units(group)
            for j, (key, unit) in enumerate(keys):
                section, name = key.rsplit(".", 1)
                out[(section, name)] = Value(float(vals[j]), math.sqrt(max(cov[j, j], 0.0)),
                                             unit)
        return out

    def correlations(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per fitted model, its estimates' dotted keys and their correlation matrix (from the
        same observed information as the standard errors)."""
        out = {}
        for group, keys in CONFIG_KEYS.items():
            cov = self.in_config_units(group)[1]
            d = np.sqrt(np.maximum(np.diag(cov), 1e-300))
            out[group] = ([k for k, _ in keys], np.clip(cov / np.outer(d, d), -1.0, 1.0))
        return out

    def sources(self) -> dict[str, str]:
        """The source text of each estimated section."""
        eq = (f"estimated: {self.equity.source}, {self.equity.period}, {self.equity.values.size} "
              "monthly log returns")
        return {
            "equity.rsln2": f"{eq}; maximum likelihood, Hamilton filter (sim calibrate esg); "
                            "se from the observed information",
            "equity.garch": f"{eq}; maximum likelihood, GARCH(1,1) with Student-t errors "
                            "(sim calibrate esg); se from the observed information, delta "
                            "method to annual units",
            "equity.gbm": f"{eq}; maximum likelihood of the lognormal (sample mean and standard "
                          "deviation, annualized); se by the delta method",
            "inflation": (f"estimated: data/history/{self.kpif.source}, "
                          f"{self.kpif.period}, {self.kpif.values.size} months; maximum "
                          "likelihood of a two-regime switching AR(1) (Hamilton filter, sim "
                          "calibrate esg); se from the observed information"),
        }


def _gbm(x: np.ndarray) -> Estimate:
    """The lognormal's ML estimate in the config's units: arithmetic mean and volatility [% a
    year] from monthly log returns, with delta-method standard errors."""
    n = x.size
    m, s = float(x.mean()), float(x.std())
    sigma = s * math.sqrt(12.0)
    mu = 12.0 * m + 0.5 * sigma * sigma
    cov_ms = np.diag([s * s / n, s * s / (2.0 * n)])
    jac = np.array([[12.0, 12.0 * s], [0.0, math.sqrt(12.0)]]) * 100.0
    cov = jac @ cov_ms @ jac.T
    ll = float(-0.5 * n * (math.log(2 * math.pi * s * s) + 1.0))
    return Estimate("gbm", ("mu", "sigma"), np.array([100.0 * mu, 100.0 * sigma]),
                    np.sqrt(np.diag(cov)), cov, ll, n, True)


def _garch_config(e: Estimate) -> tuple[np.ndarray, np.ndarray]:
    """(mu, omega, alpha, beta, nu) per month -> the config's (mu [% a year, mean log return],
    long_run_vol [% a year], alpha, beta, nu) and their covariance (delta method)."""
    def conv(p):
        mu, omega, alpha, beta, nu = p
        return np.array([1200.0 * mu, 100.0 * math.sqrt(12.0 * omega / (1.0 - alpha - beta)),
                         alpha, beta, nu])

    p = e.values
    jac = np.empty((5, 5))
    for j in range(5):
        h = 1e-6 * (1.0 + abs(p[j]))
        d = np.zeros(5)
        d[j] = h
        jac[:, j] = (conv(p + d) - conv(p - d)) / (2.0 * h)
    return conv(p), jac @ e.cov @ jac.T


def fit_esg(data_dir: Path, until: str, equity: Series | None = None) -> EsgFit:
    """Fit every market model: equity over :data:`EQUITY_PERIOD`, KPIF from its first
    12-month rate to ``until`` (``YYYY-MM``, the information date)."""
    eq = (equity_monthly() if equity is None else equity).between(*EQUITY_PERIOD)
    kpif = kpif_12m(data_dir).between(KPIF_FIRST, until)
    return EsgFit(rsln2=fit(RSLN2, eq.values), garch=fit(GARCH_T, eq.values),
                  gbm=_gbm(eq.values), inflation=fit(MSAR1, kpif.values), equity=eq, kpif=kpif)


def _number(v: float) -> str:
    """Six significant digits, as TOML reads them back."""
    text = f"{v:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_model(template: str, result: EsgFit, note: str) -> str:
    """The template's text with every estimated key replaced by its estimate, its standard
    error and its source, the equity means' ``mean_shift`` set to zero, and ``note`` as the
    file's opening comment."""
    lines = template.splitlines()
    sources = result.sources()
    values = result.values()
    values[("equity.rsln2", "mean_shift")] = None
    for (section, key), val in values.items():
        if val is None:
            line = (f'{key} = {{ value = 0.0, unit = "fraction_per_month", source = '
                    f'{_toml_string("assumption: the estimated means are kept; each fund is centred on the plan by simulation.return_centre, so no shift is needed")} }}')
        else:
            source = sources[section.removesuffix(".high_regime")]
            line = (f"{key} = {{ value = {_number(val.value)}, unit = {_toml_string(val.unit)}, "
                    f"se = {_number(val.se)}, source = {_toml_string(source)} }}")
        _set_line(lines, section, key, line)
    for group, (keys, matrix) in result.correlations().items():
        set_estimates(lines, group, keys, matrix,
                      "estimated: the correlation of the estimates, from the observed "
                      "information of the same fit as their se (sim calibrate esg)")
    body = "\n".join(lines)
    body = re.sub(r"\A(#[^\n]*\n)+", "", body)
    return note + body + "\n"


ESTIMATES_BANNER = (
    "# ---------------------------------------------------------------------------------------------\n"
    "# The estimates' correlations: with their se, the law simulation.parameter_uncertainty draws\n"
    "# from (one draw per block of paths; README, 'Parameter uncertainty')\n"
    "# ---------------------------------------------------------------------------------------------")


def set_estimates(lines: list[str], group: str, keys: list[str], matrix: np.ndarray,
                  source: str) -> None:
    """Replace (or add, at the file's end) the section ``[estimates.<group>]``."""
    header = f"[estimates.{group}]"
    rows = ",\n".join("  [" + ", ".join(_number(float(v)) for v in row) + "]"
                       for row in np.asarray(matrix))
    block = [header, "keys = [" + ", ".join(_toml_string(k) for k in keys) + "]",
             f"matrix = [\n{rows},\n]", f"source = {_toml_string(source)}"]
    if header in lines:
        start = lines.index(header)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")
                    or lines[i].startswith("# ---")), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines[start:end] = block
        return
    if ESTIMATES_BANNER.splitlines()[1] not in lines:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += [""] + ESTIMATES_BANNER.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    lines += [""] + block


def _set_line(lines: list[str], section: str, key: str, line: str) -> None:
    """Replace ``key = ...`` inside ``[section]`` (or add it after the section's last key)."""
    try:
        start = lines.index(f"[{section}]")
    except ValueError:
        raise ValueError(f"the template has no [{section}] section") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    pattern = re.compile(rf"^{re.escape(key)}\s*=")
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            lines[i] = line
            return
    last = max(i for i in range(start, end) if lines[i].strip() and not lines[i].startswith("#"))
    lines.insert(last + 1, line)
