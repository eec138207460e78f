"""Yearly budget factors and the factors' correlations, estimated where history allows.

**Wages and consumption prices** (``annual.wages``, ``annual.consumption``): the generator's
yearly factor is
``d_Y = phi d_{Y-1} + beta s_Y + beta_lag s_{Y-1} + sigma z_Y``, ``d`` the wage growth's
deviation from its forecast and ``s`` the year's KPIF surprise. With no record of past wage
forecasts, the forecast is taken as the sample's mean growth (so ``sigma`` is an upper bound of
a forecaster's one-year-ahead error), and the KPIF surprise is the year's mean 12-month rate
less what the fitted KPIF model (``inflation.phi``, its mean) expected for it from the
December before (:func:`kpif_surprises`). The fit is ordinary least squares without an
intercept (the deviations are centred), the Gaussian conditional maximum likelihood; standard
errors the classical OLS ones, ``sigma``'s ``sigma / sqrt(2 (n - k))``. Wage growth is the
nominal wage index of the Jorda-Schularick-Taylor database (CC BY-NC-SA 4.0, see
``data/history/jst_sweden_annual.csv``), the only long yearly Swedish wage series at hand;
consumption prices are KPI's (SCB), standing in for the regions' own consumption price index
(LPIK förbrukning), whose outturns are not in the repository.

**Correlations** (``[correlation]``): the generator correlates the monthly factors' innovations
month by month and draws each yearly factor given the year's normalised sum of the monthly
innovations (docs/models/generator.md, "Correlation"). The estimates follow the same definitions: the monthly
pairs are the Pearson correlation of the standardised monthly residuals (equity's demeaned log
return in SEK, the Vasicek residual, the KPIF AR(1) residual) on their common months; a yearly
factor's correlation with a monthly one is the correlation of its yearly residual with the
year's normalised sum of that factor's monthly residuals. A pair's standard error is Fisher's,
``(1 - r^2) / sqrt(n - 3)``. Pairs without common data keep the template's value, as
assumptions; the file lists the estimated ones (``estimated_pairs``). If the mix is not
positive semi-definite, every correlation is scaled by the same factor, as little as makes it a
correlation matrix (signs and zeros kept), and the factor is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.files import read_table
from .history import Series

__all__ = ["JST_FILE", "WAGES_FIRST", "ArxFit", "fit_arx", "kpif_surprises", "jst_growth",
           "fit_wages", "fit_consumption", "fit_yearly", "kpi_growth", "Pair", "pair", "yearly_sums", "CorrelationFit"]

JST_FILE = "jst_sweden_annual.csv"
KPI_FILE = "kpi_monthly_index.csv"
#: The first year of the wage fit: the KPIF surprise needs the December before (KPIF's
#: 12-month rate starts 2000-12), and its lag a year more.
WAGES_FIRST = 2002


@dataclass(frozen=True)
class ArxFit:
    """``d_Y = phi d_{Y-1} + beta s_Y + beta_lag s_{Y-1} + sigma z_Y`` by OLS."""

    names: tuple[str, ...]
    values: np.ndarray      # phi, beta, beta_lag, sigma
    se: np.ndarray
    cov: np.ndarray         # of (phi, beta, beta_lag); sigma's is independent of them
    n: int
    years: tuple[int, ...]
    residuals: np.ndarray
    source: str = ""

    def __getitem__(self, name: str) -> float:
        return float(self.values[self.names.index(name)])


def fit_arx(d: np.ndarray, s: np.ndarray, years: list[int]) -> ArxFit:
    """OLS of ``d[1:]`` on ``(d[:-1], s[1:], s[:-1])``, no intercept (module docstring)."""
    d, s = np.asarray(d, float), np.asarray(s, float)
    y = d[1:]
    x = np.column_stack([d[:-1], s[1:], s[:-1]])
    n, k = x.shape
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    s2 = float(resid @ resid) / (n - k)
    cov = s2 * np.linalg.inv(x.T @ x)
    sigma = math.sqrt(s2)
    values = np.array([*beta, sigma])
    se = np.array([*np.sqrt(np.diag(cov)), sigma / math.sqrt(2.0 * (n - k))])
    return ArxFit(("phi", "inflation_beta", "inflation_beta_lag", "sigma"), values, se, cov, n,
                  tuple(years[1:]), resid)


def kpif_surprises(kpif: Series, mu: float, phi: float) -> dict[int, float]:
    """Each whole calendar year's KPIF surprise [points]: the year's mean 12-month rate less
    what an AR(1) around ``mu`` with monthly ``phi`` expected for it from the December before,
    ``mu + (y_Dec - mu) phi (1 - phi^12) / (12 (1 - phi))``."""
    by_month = dict(zip(kpif.months, kpif.values))
    factor = phi * (1.0 - phi ** 12) / (12.0 * (1.0 - phi))
    out = {}
    for year in sorted({int(m[:4]) for m in kpif.months}):
        months = [f"{year}-{k:02d}" for k in range(1, 13)]
        dec = f"{year - 1}-12"
        if dec in by_month and all(m in by_month for m in months):
            mean = float(np.mean([by_month[m] for m in months]))
            out[year] = mean - (mu + (by_month[dec] - mu) * factor)
    return out


def jst_growth(data_dir: Path, column: str) -> dict[int, float]:
    """The yearly growth [percent] of a JST index column (``wage``, ``cpi``)."""
    table = read_table(Path(data_dir) / JST_FILE, ("year", column))
    years = table.years()
    v = table.numbers(column, allow_empty=True)
    return {y: 100.0 * (v[i] / v[i - 1] - 1.0) for i, y in enumerate(years)
            if i and np.isfinite(v[i]) and np.isfinite(v[i - 1])}


def fit_yearly(growth: dict[int, float], kpif: Series, mu: float, phi: float,
               last_year: int, describe: str) -> ArxFit | None:
    """A yearly factor (module docstring) on the consecutive years from :data:`WAGES_FIRST` - 1
    to ``last_year`` that both ``growth`` [percent] and the KPIF surprises cover; ``describe``
    names the growth series in the source text. None with fewer than ten years."""
    surprise = kpif_surprises(kpif, mu, phi)
    years = [y for y in range(WAGES_FIRST - 1, last_year + 1) if y in growth and y in surprise]
    if len(years) < 10 or years != list(range(years[0], years[-1] + 1)):
        return None
    g = np.array([growth[y] for y in years])
    fit = fit_arx(g - g.mean(), np.array([surprise[y] for y in years]), years)
    source = (f"estimated: {describe} and the KPIF surprise from "
              f"data/history/{kpif.source.split(' ')[0]} and the fitted KPIF model, "
              f"{fit.years[0]}-{fit.years[-1]}, {fit.n} years; OLS of the deviation from the "
              "period's mean growth on its lag and the KPIF surprise in the year and the year "
              "before (the conditional maximum likelihood); se the classical OLS ones")
    return ArxFit(fit.names, fit.values, fit.se, fit.cov, fit.n, fit.years, fit.residuals,
                  source)


def fit_wages(data_dir: Path, kpif: Series, mu: float, phi: float,
              last_year: int) -> ArxFit | None:
    """The wages factor: the JST nominal wage index's growth (None without the file)."""
    if not (Path(data_dir) / JST_FILE).is_file():
        return None
    return fit_yearly(jst_growth(data_dir, "wage"), kpif, mu, phi, last_year,
                      f"data/history/{JST_FILE} (Jorda-Schularick-Taylor Macrohistory Database "
                      "R6, CC BY-NC-SA 4.0: nominal wage index)")


def kpi_growth(data_dir: Path) -> dict[int, float]:
    """Each whole calendar year's growth of KPI's yearly mean [percent]
    (``kpi_monthly_index.csv``, SCB)."""
    table = read_table(Path(data_dir) / KPI_FILE, ("month",))
    months = table.months()
    index = table.numbers(table.columns[1])
    by_year: dict[int, list[float]] = {}
    for m, v in zip(months, index):
        by_year.setdefault(int(m[:4]), []).append(v)
    mean = {y: float(np.mean(v)) for y, v in by_year.items() if len(v) == 12}
    return {y: 100.0 * (mean[y] / mean[y - 1] - 1.0) for y in mean if y - 1 in mean}


def fit_consumption(data_dir: Path, kpif: Series, mu: float, phi: float,
                    last_year: int) -> ArxFit | None:
    """The consumption factor, with KPI standing in for the regions' consumption prices (LPIK
    förbrukning, whose outturns are not at hand); None without the KPI file."""
    if not (Path(data_dir) / KPI_FILE).is_file():
        return None
    return fit_yearly(kpi_growth(data_dir), kpif, mu, phi, last_year,
                      f"data/history/{KPI_FILE} (SCB, CC0: KPI's yearly mean, a stand-in for "
                      "the regions' consumption prices, LPIK förbrukning, whose outturns are "
                      "not at hand)")


# --------------------------------------------------------------------------------------------
# Correlations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One estimated correlation, its Fisher standard error and the sample behind it."""

    a: str
    b: str
    r: float
    se: float
    n: int
    period: str


def pair(a: str, b: str, xa: dict, xb: dict) -> Pair | None:
    """The Pearson correlation of two residual series keyed by month or year, on their common
    keys (at least 10)."""
    keys = sorted(set(xa) & set(xb))
    if len(keys) < 10:
        return None
    u = np.array([xa[k] for k in keys])
    v = np.array([xb[k] for k in keys])
    r = float(np.corrcoef(u, v)[0, 1])
    return Pair(a, b, r, (1.0 - r * r) / math.sqrt(len(keys) - 3), len(keys),
                f"{keys[0]}..{keys[-1]}")


def yearly_sums(monthly: dict[str, float]) -> dict[int, float]:
    """Each whole calendar year's normalised sum of standardised monthly residuals,
    ``sum / sqrt(12)`` (the generator's conditioning variable)."""
    v = np.array(list(monthly.values()))
    scale = float(v.std()) or 1.0
    out: dict[int, list[float]] = {}
    for m, x in monthly.items():
        out.setdefault(int(m[:4]), []).append(x / scale)
    return {y: float(np.sum(xs)) / math.sqrt(12.0) for y, xs in out.items() if len(xs) == 12}


@dataclass(frozen=True)
class CorrelationFit:
    """The estimated pairs, the matrix they give with the template's other pairs, and the
    shrinkage towards the identity that made it positive semi-definite (0 if none was
    needed)."""

    pairs: tuple[Pair, ...]
    matrix: np.ndarray
    se: np.ndarray
    shrinkage: float
    source: str
