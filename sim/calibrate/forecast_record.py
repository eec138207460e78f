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

__all__ = ["FORECASTS_FILE", "Pair", "record", "kpif_annual", "model_errors", "rmse"]

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
