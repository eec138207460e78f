"""``sim calibrate esg``: the scenario generator fitted to Swedish history.

What is fitted to what (docs/guides/calibrate.md; each estimate's ``source`` in the model file
names its file, period and method):

* equity in SEK: RSLN2 (Hardy 2001), GARCH(1,1)-t and GBM, each by maximum likelihood on monthly
  log total returns of the US market converted to SEK
  (:func:`sim.calibrate.history.equity_sek_monthly`), so the krona's own risk is in the data;
* the short rate: Vasicek on the Riksbank's policy rate, and the fixed-income funds' yield over
  it from the government curve (:mod:`sim.calibrate.rates`);
* inflation: KPIF's 12-month rate as a two-regime switching AR(1) (Hamilton 1989): the AR
  coefficient and innovation of the normal regime, the second regime's shift and innovation,
  and its entry and exit probabilities (:func:`sim.calibrate.history.kpif_12m`); the forecast's
  reversion to the target after the plan is the fitted AR's own, ``-12 ln(phi)`` a year;
* wages' and consumption prices' persistence and response to KPIF surprises, and the factors'
  correlations where data hold both (:mod:`sim.calibrate.annual`).

Every series is cut at what was published by the information date ``until`` (the month
before it, :func:`data_through`), so a model as of that date uses nothing it could not have
known; the file records the date (``[calibration]``). The estimates are written into a model file: the hand-set file is the
template, and every estimated number gets its value, its standard error (``se``) and
``source = "estimated: <data>, <period>, <method>"``. Everything not estimated stays as the
template has it, with its own source. The same data and template give the same file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .annual import CorrelationFit, Pair, fit_consumption, fit_wages, pair, yearly_sums
from .episodes import EpisodeFit, fit_episodes, fit_msar_given
from .fit import GARCH_T, MSAR1, RSLN2, Estimate, fit
from .history import Series, equity_sek_monthly, kpif_12m
from .modelfile import ModelFile
from .rates import SpreadFit, fit_short_rate, fit_spread

__all__ = ["EsgFit", "fit_esg", "write_model", "data_through", "EQUITY_PERIOD", "Value"]

#: The equity sample: the first month the SEK conversion allows to the end of the shipped
#: US series.
EQUITY_PERIOD = ("1971-02", "2018-11")
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
                  ("inflation.high_regime.p_exit", "per_month"),
                  ("inflation.reversion", "per_year")),
    "short_rate": (("short_rate.theta", "percent_per_year"), ("short_rate.kappa", "per_year"),
                   ("short_rate.sigma", "percent_per_sqrt_year")),
    "inflation_episodes": (("inflation.episodes.shift", "percent"),
                           ("inflation.episodes.p_enter", "per_month"),
                           ("inflation.episodes.p_exit", "per_month")),
    **{factor: ((f"annual.{factor}.phi", "dimensionless"),
                (f"annual.{factor}.inflation_beta", "dimensionless"),
                (f"annual.{factor}.inflation_beta_lag", "dimensionless"),
                (f"annual.{factor}.sigma", "percent")) for factor in ("wages", "consumption")},
}
#: The yearly factors fitted (:mod:`sim.calibrate.annual`), each an ``ArxFit`` or None.
YEARLY = ("wages", "consumption")


@dataclass(frozen=True)
class EsgFit:
    rsln2: Estimate
    garch: Estimate
    gbm: Estimate
    inflation: Estimate
    equity: Series
    kpif: Series
    short_rate: Estimate
    rates: Series
    spread: SpreadFit | None = None
    wages: object | None = None                 # an ArxFit, or None without the data
    consumption: object | None = None           # an ArxFit, or None without the data
    correlation: CorrelationFit | None = None
    until: str = ""                             # the information month (--until)
    episodes: EpisodeFit | None = None          # the episode regime, from long history
    notes: list[str] = field(default_factory=list)

    def groups(self) -> list[str]:
        """The fitted models present, in the order of :data:`CONFIG_KEYS`."""
        return [g for g in CONFIG_KEYS
                if (g not in YEARLY or getattr(self, g) is not None)
                and (g != "inflation_episodes" or self.episodes is not None)]

    def keys(self, group: str) -> tuple[tuple[str, str], ...]:
        """The model file's keys of a fitted model."""
        return CONFIG_KEYS[group]

    def in_config_units(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """A fitted model's estimates in the order of :data:`CONFIG_KEYS` and their covariance,
        in the model file's units (GARCH's by the delta method; the inflation model's mean,
        which the run does not use, left out: a normal law's margin keeps the rest; the
        reversion ``-12 ln(phi)`` added by the delta method)."""
        if group == "equity_garch":
            return _garch_config(self.garch)
        if group == "inflation_episodes":
            return self.episodes.values, self.episodes.cov
        if group == "inflation":
            f = self.inflation
            idx = [f.names.index(k) for k in INFLATION_PARAMS]
            vals, cov = f.values[idx], f.cov[np.ix_(idx, idx)]
            phi = vals[0]
            grad = np.zeros(len(idx))
            grad[0] = -12.0 / phi                   # d(-12 ln phi)/d phi
            vals = np.append(vals, -12.0 * math.log(phi))
            cross = cov @ grad
            cov = np.block([[cov, cross[:, None]], [cross[None, :], grad @ cov @ grad]])
            return vals, cov
        if group in YEARLY:
            w = getattr(self, group)
            cov = np.zeros((4, 4))
            cov[:3, :3] = w.cov
            cov[3, 3] = w.se[3] ** 2
            return w.values, cov
        e = {"equity_rsln2": self.rsln2, "equity_gbm": self.gbm,
             "short_rate": self.short_rate}[group]
        return e.values, e.cov

    def values(self) -> dict[tuple[str, str], Value]:
        """Each estimated key of the model file, ``(section, key) -> Value``."""
        out = {}
        for group in self.groups():
            vals, cov = self.in_config_units(group)
            for j, (key, unit) in enumerate(self.keys(group)):
                section, name = key.rsplit(".", 1)
                out[(section, name)] = Value(float(vals[j]), math.sqrt(max(cov[j, j], 0.0)),
                                             unit)
        if self.spread is not None:
            out[("fixed_income", "spread")] = Value(self.spread.value, self.spread.se,
                                                    "percent_per_year")
        return out

    def correlations(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per fitted model, its estimates' dotted keys and their correlation matrix (from the
        same observed information as the standard errors)."""
        out = {}
        for group in self.groups():
            cov = self.in_config_units(group)[1]
            d = np.sqrt(np.maximum(np.diag(cov), 1e-300))
            out[group] = ([k for k, _ in self.keys(group)],
                          np.clip(cov / np.outer(d, d), -1.0, 1.0))
        return out

    def sources(self) -> dict[str, str]:
        """The source text of each estimated section."""
        eq = (f"estimated: {self.equity.source}, {self.equity.period}, {self.equity.values.size} "
              "monthly log returns")
        infl = (f"estimated: data/history/{self.kpif.source}, {self.kpif.period}, "
                f"{self.kpif.values.size} months; maximum likelihood of a two-regime switching "
                "AR(1) (Hamilton filter, sim calibrate esg)"
                + ("" if self.episodes is None else
                   ", the episode chain beside it given (inflation.episodes, from the yearly "
                   "history)")
                + "; se from the observed information")
        out = {
            "equity.rsln2": f"{eq}; maximum likelihood, Hamilton filter (sim calibrate esg); "
                            "se from the observed information",
            "equity.garch": f"{eq}; maximum likelihood, GARCH(1,1) with Student-t errors "
                            "(sim calibrate esg); se from the observed information, delta "
                            "method to annual units",
            "equity.gbm": f"{eq}; maximum likelihood of the lognormal (sample mean and standard "
                          "deviation, annualized); se by the delta method",
            "inflation": infl,
            "inflation.high_regime": infl,
            "inflation.episodes": None if self.episodes is None else self.episodes.source,
            "inflation.reversion": (f"{infl.split(';')[0]}; the fitted AR(1)'s own reversion "
                                    "past the plan, -12 ln(phi) a year (the model's expected "
                                    "path); se by the delta method"),
            "short_rate": (f"estimated: {self.rates.source}, {self.rates.period}, "
                           f"{self.rates.values.size} months; maximum likelihood of the "
                           "Vasicek model's exact monthly step (sim calibrate esg), Gaussian "
                           "quasi-likelihood of a rate that moves in steps; se from the "
                           "observed information"),
        }
        if self.spread is not None:
            out["fixed_income"] = self.spread.source
        for factor in YEARLY:
            if getattr(self, factor) is not None:
                out[f"annual.{factor}"] = getattr(self, factor).source
        return out


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


def _residuals(fitted: EsgFit) -> dict[str, dict]:
    """Each monthly factor's standardised monthly residual, keyed by month (module
    docstring of :mod:`sim.calibrate.annual`)."""
    eq = fitted.equity
    x = eq.values - eq.values.mean()
    theta, kappa, _ = fitted.short_rate.values
    decay = math.exp(-kappa / 12.0)
    r = fitted.rates
    er = r.values[1:] - theta - (r.values[:-1] - theta) * decay
    k = fitted.kpif
    mu, phi = fitted.inflation["mu"], fitted.inflation["phi"]
    ek = k.values[1:] - mu - phi * (k.values[:-1] - mu)
    std = lambda v: v / v.std()                 # noqa: E731
    return {"equity": dict(zip(eq.months, std(x))),
            "short_rate": dict(zip(r.months[1:], std(er))),
            "inflation": dict(zip(k.months[1:], std(ek)))}


def fit_correlation(fitted: EsgFit, template: np.ndarray, factors: list[str]) -> CorrelationFit:
    """The pairs the data hold (:mod:`sim.calibrate.annual`), the template's elsewhere, shrunk
    towards the identity as little as makes the mix positive semi-definite (every pair keeps
    its sign and its zero: :func:`_shrinkage`)."""
    monthly = _residuals(fitted)
    pairs: list[Pair] = []
    names = list(monthly)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            p = pair(a, b, monthly[a], monthly[b])
            if p is not None:
                pairs.append(p)
    yearly = {f: dict(zip(getattr(fitted, f).years, getattr(fitted, f).residuals))
              for f in YEARLY if getattr(fitted, f) is not None}
    for i, f in enumerate(yearly):
        for a in names:
            p = pair(a, f, yearly_sums(monthly[a]), yearly[f])
            if p is not None:
                pairs.append(p)
        for g in list(yearly)[:i]:
            p = pair(g, f, yearly[g], yearly[f])
            if p is not None:
                pairs.append(p)
    c = np.array(template, dtype=float)
    se = np.zeros_like(c)
    for p in pairs:
        i, j = factors.index(p.a), factors.index(p.b)
        c[i, j] = c[j, i] = p.r
        se[i, j] = se[j, i] = p.se
    shrink = _shrinkage(c)
    if shrink > 0.0:
        c = (1.0 - shrink) * c + shrink * np.eye(len(c))
    listed = "; ".join(f"{p.a}-{p.b} {p.r:+.2f} (se {p.se:.2f}, n {p.n}, {p.period})"
                       for p in pairs)
    repair = (f"; the mix with the template's pairs was not positive semi-definite: every "
              f"correlation is scaled by {1 - shrink:.4f}, the least shrinkage towards the "
              "identity that makes it a correlation matrix" if shrink else "")
    source = ("estimated pairs (estimated_pairs, se): the Pearson correlation of standardised "
              "residuals on common months (monthly factors) or years (a yearly factor against "
              "the year's normalised sum of a monthly factor's residuals); se by Fisher's "
              f"(1 - r^2)/sqrt(n - 3) (sim calibrate esg): {listed}{repair}; every other pair "
              "is the template's assumption")
    return CorrelationFit(tuple(pairs), c, se, shrink, source)


def _shrinkage(c: np.ndarray, floor: float = 1e-6) -> float:
    """The least ``s`` for which ``(1 - s) c + s I`` has every eigenvalue at least ``floor``
    (0 when ``c`` already has): with ``e`` the smallest eigenvalue, ``(1 - s) e + s = floor``."""
    e = float(np.linalg.eigvalsh(c).min())
    return 0.0 if e >= floor else (floor - e) / (1.0 - e)


def data_through(until: str) -> str:
    """The last month of data a model as of ``until`` (``YYYY-MM``, the information month) may
    use: the month before it. A month's figure is published after the month ends (SCB published
    April 2022's KPIF on 12 May 2022, configs/information/norrbotten-2022-04.toml), and a
    month's mean or return is not complete before it ends."""
    y, m = (int(x) for x in until.split("-"))
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return f"{y:04d}-{m:02d}"


def fit_esg(data_dir: Path, until: str, template: dict | None = None,
            equity: Series | None = None) -> EsgFit:
    """Fit every model to the history in ``data_dir`` published by ``until`` (``YYYY-MM``, the
    information month: every monthly series to the month before, :func:`data_through`, every
    yearly one to the last whole year before that): equity over :data:`EQUITY_PERIOD`, KPIF from its first 12-month rate,
    the short rate and the funds' spread at the template's duration
    (:mod:`sim.calibrate.rates`), wages and the correlations (:mod:`sim.calibrate.annual`).
    ``template`` is the model file the estimates go into, parsed (its duration and
    correlation matrix are used; without it, the funds' spread and the correlations are not
    fitted)."""
    data_dir = Path(data_dir)
    last = data_through(until)
    eq = (equity_sek_monthly(data_dir) if equity is None else equity).between(
        EQUITY_PERIOD[0], min(EQUITY_PERIOD[1], last))
    eq.require(len(RSLN2.params), "equity in SEK", last)
    kpif = kpif_12m(data_dir).between(KPIF_FIRST, last).require(
        len(MSAR1.params), "KPIF's 12-month rate", last)
    episodes = fit_episodes(data_dir, int(last[:4]) - 1)
    inflation = (fit(MSAR1, kpif.values) if episodes is None
                 else fit_msar_given(kpif.values, episodes))
    short_rate, rates = fit_short_rate(data_dir, last)
    spread = (fit_spread(data_dir, last, template["fixed_income"]["duration"]["value"])
              if template is not None else None)
    yearly = {f: fn(data_dir, kpif, inflation["mu"], inflation["phi"], int(last[:4]) - 1)
              for f, fn in (("wages", fit_wages), ("consumption", fit_consumption))}
    result = EsgFit(rsln2=fit(RSLN2, eq.values), garch=fit(GARCH_T, eq.values),
                    gbm=_gbm(eq.values), inflation=inflation, equity=eq, kpif=kpif,
                    short_rate=short_rate, rates=rates, spread=spread, until=until,
                    episodes=episodes, **yearly)
    if template is None:
        return result
    corr = template["correlation"]
    return EsgFit(**{**result.__dict__, "correlation": fit_correlation(
        result, np.array(corr["matrix"], dtype=float), list(corr["factors"]))})


def write_model(template: str, result: EsgFit, note: str) -> str:
    """The template's text with every estimated key replaced by its estimate, its standard
    error and its source, the equity means' ``mean_shift`` set to zero, the correlation's
    estimated pairs, and ``note`` as the file's opening comment."""
    model = ModelFile(template)
    sources = result.sources()
    for (section, key), val in result.values().items():
        source = sources.get(f"{section}.{key}") or sources[section]
        model.set_estimate(section, key, val.value, val.se, val.unit, source)
    model.set_value("equity.rsln2", "mean_shift", 0.0, "fraction_per_month",
                    "assumption: the estimated means are kept; each fund is centred on the plan "
                    "by simulation.return_centre, so no shift is needed")
    for group, (keys, matrix) in result.correlations().items():
        model.set_estimates(group, keys, matrix,
                            "estimated: the correlation of the estimates, from the observed "
                            "information of the same fit as their se (sim calibrate esg)")
    c = result.correlation
    if c is not None:
        model.set_plain("correlation", "matrix", c.matrix.tolist())
        model.set_plain("correlation", "estimated_pairs", [[p.a, p.b] for p in c.pairs])
        model.set_plain("correlation", "se", c.se.tolist())
        model.set_plain("correlation", "source", c.source)
    r = result.rates
    model.set_value("short_rate", "r0", float(r.values[-1]), "percent_per_year",
                    f"{r.source.split(' (')[0]}: the policy rate at the end of {r.months[-1]}, "
                    "the last month before the information date (an information file's "
                    "outturns replace it)")
    model.set_plain("calibration", "until", result.until)
    model.set_plain("calibration", "data_through", data_through(result.until))
    model.set_note(note)
    return model.text()
