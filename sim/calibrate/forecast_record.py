"""The model's KPIF forecast errors against the published record of forecasts.

The plan's KPIF path is a forecast; the model's deviation from it is its forecast error. So
the model's error distribution one to three years ahead can be held against what published
forecasts actually missed by: the record of Sveriges riksbank's and Konjunkturinstitutet's KPIF
forecasts (``data/history/kpif_forecasts.csv``, each quoted from its page), whose outturns are
the yearly means of SCB's 12-month rates in ``data/history/kpif_monthly_change.csv``.

The model's error at horizon ``h``: from a forecast made in the middle of year ``t`` (its
deviation zero, as a forecast's is when it is made; the volatile regime from its stationary
law; no episode, since one under way is in the forecast: the error is an episode that starts
after it), the mean of year ``t + h``'s monthly deviations (:func:`model_errors`), simulated
with the model file's own inflation parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.files import read_table
from .history import kpif_12m

__all__ = ["FORECASTS_FILE", "Pair", "record", "kpif_annual", "model_errors", "rmse",
           "EpisodeLength", "Horizon", "RecordCheck", "episode_length", "check",
           "EPISODE_THRESHOLD", "QUANTILES"]

#: A year of CPI inflation at or above this [percent] is in a high-inflation run (the check
#: that needs no model, :func:`episode_length`).
EPISODE_THRESHOLD = 6.0
#: The model's error quantiles :func:`check` reports.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

FORECASTS_FILE = "kpif_forecasts.csv"


@dataclass(frozen=True)
class Pair:
    publisher: str
    published: str
    target_year: int
    horizon: int
    forecast: float
    outturn: float

    @property
    def error(self) -> float:
        """Outturn less forecast [points]: positive when inflation ran hotter."""
        return self.outturn - self.forecast


def kpif_annual(data_dir: Path) -> dict[int, float]:
    """Each whole calendar year's mean of KPIF's 12-month rate [percent] (SCB)."""
    k = kpif_12m(data_dir)
    out: dict[int, list[float]] = {}
    for m, v in zip(k.months, k.values):
        out.setdefault(int(m[:4]), []).append(float(v))
    return {y: float(np.mean(v)) for y, v in out.items() if len(v) == 12}


def record(data_dir: Path, known_by: str | None = None,
           horizons: tuple[int, ...] = (1, 2, 3)) -> list[Pair]:
    """The published forecasts at ``horizons`` whose outturn is in the data, and, with
    ``known_by`` (``YYYY-MM``), only those published and with their year over before it."""
    table = read_table(Path(data_dir) / FORECASTS_FILE,
                       ("publisher", "published", "target_year", "horizon_years",
                        "forecast_pct"))
    outturn = kpif_annual(data_dir)
    years = [int(y) for y in table.column("target_year")]
    h = [int(x) for x in table.column("horizon_years")]
    f = table.numbers("forecast_pct")
    out = []
    for publisher, published, year, hh, fc in zip(table.column("publisher"),
                                                  table.column("published"), years, h, f):
        if hh not in horizons or year not in outturn:
            continue
        if known_by is not None and (published[:7] >= known_by or f"{year}-12" >= known_by):
            continue
        out.append(Pair(publisher, published, year, hh, float(fc), outturn[year]))
    return out


def model_errors(esg, horizon: int, n: int, seed: int) -> np.ndarray:
    """``n`` draws of the model's KPIF forecast error [points] ``horizon`` years ahead
    (module docstring): the inflation model of ``esg`` (an
    :class:`~sim.esg.schema.EsgConfig`) from a forecast made at the end of June."""
    inf = esg.inflation
    hi, ep = inf.high_regime, inf.episodes
    phi, sigma = inf.phi.value, inf.sigma.value
    sigma_high = sigma if hi.sigma is None else hi.sigma.value
    pe, px, shift = ((hi.p_enter.value, hi.p_exit.value, hi.shift.value) if hi.enabled
                     else (0.0, 1.0, 0.0))
    ee, ex, es = ((ep.p_enter.value, ep.p_exit.value, ep.shift.value)
                  if ep is not None and ep.enabled else (0.0, 1.0, 0.0))
    rng = np.random.default_rng(seed)
    h = rng.random(n) < pe / (pe + px)
    g = np.zeros(n, dtype=bool)             # an episode under way is in the forecast itself
    x = np.zeros(n)
    months = 6 + 12 * horizon                 # July of year t to December of year t + h
    total = np.zeros(n)
    for m in range(months):
        u, v = rng.random(n), rng.random(n)
        h = np.where(h, u >= px, u < pe)
        g = np.where(g, v >= ex, v < ee)
        x = phi * x + np.where(h, sigma_high, sigma) * rng.standard_normal(n)
        if m >= months - 12:
            total += x + shift * h + es * g
    return total / 12.0


def rmse(errors) -> float:
    e = np.asarray(errors, dtype=float)
    return math.sqrt(float(np.mean(e * e))) if e.size else math.nan


@dataclass(frozen=True)
class EpisodeLength:
    """The episode regime of a model file as known at its information date: the expected
    length ``1 / (12 p_exit)`` [years] with its standard error (delta method), the shift
    [points] and the starts a year (``12 p_enter``), each with its standard error; and the
    runs of years of CPI inflation at or above :data:`EPISODE_THRESHOLD` in the yearly
    history up to ``last_year`` (a check without a model)."""

    years: float
    years_se: float
    shift: float
    shift_se: float
    starts_a_year: float
    starts_se: float
    runs: tuple[tuple[int, int], ...]
    run_mean: float
    run_se: float
    history: tuple[int, int]


@dataclass(frozen=True)
class Horizon:
    """One horizon: the model's error quantiles (:data:`QUANTILES`) and root mean square,
    the record known at the information date with each error's percentile in the model, the
    record's root mean square and that statistic's percentile among as many model draws at
    the same horizon; and the forecasts published later (a check, not a test the model could
    have been fitted to), each with its percentile."""

    horizon: int
    quantiles: tuple[float, ...]
    model_rmse: float
    known: tuple[tuple[Pair, float], ...]
    known_rmse: float
    rmse_percentile: float
    later: tuple[tuple[Pair, float], ...]


@dataclass(frozen=True)
class RecordCheck:
    as_of: str
    paths: int
    episodes: EpisodeLength | None
    horizons: tuple[Horizon, ...]
    pooled_rmse: float
    pooled_percentile: float
    pooled_n: int


def episode_length(esg, data_dir: Path, as_of: str) -> EpisodeLength | None:
    """:class:`EpisodeLength` of ``esg`` (an :class:`~sim.esg.schema.EsgConfig`); None when
    it has no episode regime. The runs are counted on the JST yearly CPI inflation up to the
    last whole year before ``as_of`` (none when the file is absent)."""
    from .annual import JST_FILE, jst_growth
    from .episodes import EPISODES_FIRST, episode_lengths

    ep = esg.inflation.episodes
    if ep is None or not ep.enabled:
        return None
    px, pe = ep.p_exit, ep.p_enter
    se = lambda q: q.se if q.se is not None else math.nan  # noqa: E731
    years = 1.0 / (12.0 * px.value)
    runs: tuple = ()
    mean = run_se = math.nan
    span = (0, 0)
    if (Path(data_dir) / JST_FILE).is_file():
        growth = jst_growth(data_dir, "cpi")
        last = int(as_of[:4]) - 1
        values = {y: v for y, v in growth.items() if EPISODES_FIRST <= y <= last}
        if values:
            found, mean, run_se = episode_lengths(values, EPISODE_THRESHOLD)
            runs = tuple(found)
            span = (min(values), max(values))
    return EpisodeLength(years=years, years_se=se(px) / (12.0 * px.value ** 2),
                         shift=ep.shift.value, shift_se=se(ep.shift),
                         starts_a_year=12.0 * pe.value, starts_se=12.0 * se(pe),
                         runs=runs, run_mean=mean, run_se=run_se, history=span)


def _percentile(draws: np.ndarray, x: float) -> float:
    return float(np.mean(draws < x) + 0.5 * np.mean(draws == x))


def _rmse_percentile(errors: dict[int, np.ndarray], pairs, seed: int,
                     resamples: int = 20_000) -> float:
    """Where the record's mean squared error falls among ``resamples`` mean squared errors of
    as many model draws at the same horizons."""
    if not pairs:
        return math.nan
    rng = np.random.default_rng(seed)
    draws = np.column_stack([errors[p.horizon][rng.integers(errors[p.horizon].size,
                                                            size=resamples)] for p in pairs])
    mse = (draws ** 2).mean(axis=1)
    return _percentile(mse, float(np.mean([p.error ** 2 for p in pairs])))


def check(esg, data_dir: Path, as_of: str, n: int = 100_000, seed: int = 1,
          horizons: tuple[int, ...] = (1, 2, 3)) -> RecordCheck:
    """The model ``esg``'s KPIF forecast errors 1-3 years ahead (``n`` draws each, seed
    ``seed + h``) against the record of :func:`record` known at ``as_of``, and its episode
    regime (:func:`episode_length`): what ``sim calibrate kpif-record`` prints."""
    errors = {h: model_errors(esg, h, n, seed + h) for h in horizons}
    order = lambda p: (p.target_year, p.horizon, p.published)  # noqa: E731
    known = sorted(record(data_dir, as_of, horizons), key=order)
    everything = sorted(record(data_dir, None, horizons), key=order)
    later = [p for p in everything if p not in known]
    out = []
    for h in horizons:
        e = errors[h]
        k = [p for p in known if p.horizon == h]
        out.append(Horizon(
            horizon=h, quantiles=tuple(float(q) for q in np.quantile(e, QUANTILES)),
            model_rmse=rmse(e),
            known=tuple((p, _percentile(e, p.error)) for p in k),
            known_rmse=rmse([p.error for p in k]),
            rmse_percentile=_rmse_percentile(errors, k, seed),
            later=tuple((p, _percentile(e, p.error)) for p in later if p.horizon == h)))
    return RecordCheck(as_of=as_of, paths=n, episodes=episode_length(esg, data_dir, as_of),
                       horizons=tuple(out), pooled_rmse=rmse([p.error for p in known]),
                       pooled_percentile=_rmse_percentile(errors, known, seed),
                       pooled_n=len(known))
