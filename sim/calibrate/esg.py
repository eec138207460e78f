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


@dataclass(frozen=True)
class EsgFit:
    rsln2: Estimate
    garch: Estimate
    gbm: Estimate
    inflation: Estimate
    equity: Series
    kpif: Series

    def values(self) -> dict[tuple[str, str], Value]:
        """Each estimated key of the model file, ``(section, key) -> Value``."""
        out = {}
        r = self.rsln2
        for key in ("mu_1", "sigma_1", "mu_2", "sigma_2"):
            out[("equity.rsln2", key)] = Value(r[key], r.se_of(key), "fraction_per_month")
        for key in ("p12", "p21"):
            out[("equity.rsln2", key)] = Value(r[key], r.se_of(key), "per_month")
        g = self.gbm
        out[("equity.gbm", "mu")] = Value(g["mu"], g.se_of("mu"), "percent_per_year")
        out[("equity.gbm", "sigma")] = Value(g["sigma"], g.se_of("sigma"), "percent_per_year")
        conv, cov = _garch_config(self.garch)
        for j, key in enumerate(("mu", "long_run_vol", "alpha", "beta", "nu")):
            unit = "percent_per_year" if key in ("mu", "long_run_vol") else "dimensionless"
            out[("equity.garch", key)] = Value(conv[j], math.sqrt(max(cov[j, j], 0.0)), unit)
        f = self.inflation
        out[("inflation", "phi")] = Value(f["phi"], f.se_of("phi"), "dimensionless")
        out[("inflation", "sigma")] = Value(f["sigma"], f.se_of("sigma"), "percent")
        for key, name, unit in (("shift", "shift", "percent"), ("sigma_high", "sigma", "percent"),
                                ("p_enter", "p_enter", "per_month"),
                                ("p_exit", "p_exit", "per_month")):
            out[("inflation.high_regime", name)] = Value(f[key], f.se_of(key), unit)
        return out

    def correlations(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per fitted model, its estimates' dotted keys and their correlation matrix (from the
        same observed information as the standard errors; the inflation model's mean, which
        the run does not use, is left out: a normal law's margin keeps the rest as they are)."""
        def corr(cov):
            d = np.sqrt(np.maximum(np.diag(cov), 1e-300))
            return np.clip(cov / np.outer(d, d), -1.0, 1.0)

        out = {"equity_rsln2": ([f"equity.rsln2.{k}" for k in self.rsln2.names],
                                corr(self.rsln2.cov)),
               "equity_gbm": ([f"equity.gbm.{k}" for k in self.gbm.names], corr(self.gbm.cov))}
        out["equity_garch"] = ([f"equity.garch.{k}" for k in
                                ("mu", "long_run_vol", "alpha", "beta", "nu")],
                               corr(_garch_config(self.garch)[1]))
        f = self.inflation
        keys = {"phi": "inflation.phi", "sigma": "inflation.sigma",
                "shift": "inflation.high_regime.shift",
                "sigma_high": "inflation.high_regime.sigma",
                "p_enter": "inflation.high_regime.p_enter",
                "p_exit": "inflation.high_regime.p_exit"}
        idx = [f.names.index(k) for k in keys]
        out["inflation"] = (list(keys.values()), corr(f.cov[np.ix_(idx, idx)]))
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
