"""The short rate and the fixed-income funds, fitted to Swedish rates.

* **The short rate** (Vasicek, ``dr = kappa (theta - r) dt + sigma dW``): maximum likelihood of
  the exact monthly step the generator simulates (:data:`sim.calibrate.fit.VASICEK`) on the
  Riksbank's policy rate at month ends, from :data:`SHORT_RATE_FIRST`: before it the series
  holds the fixed-exchange-rate regime and its crisis rates (40 % at the end of September 1992
  in the same file), which the model does not describe. The likelihood is Gaussian while the
  policy rate moves in steps: a quasi-likelihood, whose standard errors are reported as the
  observed information gives them and compared with statsmodels' OLS in the tests.
* **The fixed-income funds' yield over the short rate** (``fixed_income.spread``): the
  government curve's yield at the funds' duration (``fixed_income.duration``, an assumption of
  the model file: the seeds give no duration) less the policy rate, averaged over the months
  the curve data cover. The yield at duration ``D`` is interpolated linearly in duration
  between the 3-month rate (duration a quarter of a year) and the 10-year yield (the modified
  duration of a 10-year par bond at that yield). The mean's standard error is Newey and West's
  (1987), 12 lags, since the spread is persistent. It is the government curve's term spread:
  the funds' credit spread above it is not in the data, so the estimate is a lower bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fit import VASICEK, Estimate, fit
from ..data.files import read_table
from .history import Series, policy_rate, publisher

__all__ = ["SHORT_RATE_FIRST", "fit_short_rate", "SpreadFit", "fit_spread", "newey_west_se",
           "par_bond_duration", "CURVE_FILES", "read_monthly_csv_allowing_gaps"]

#: The short-rate sample starts after the fixed-exchange-rate regime (module docstring).
SHORT_RATE_FIRST = "1995-01"
#: The government curve: the 3-month rate and the 10-year yield (``data/history/``).
CURVE_FILES = ("interbank_3m_monthly.csv", "govt_bond_10y_monthly.csv")
#: Newey-West lags for the spread's mean (a year of monthly data).
NW_LAGS = 12


def fit_short_rate(data_dir: Path, until: str) -> tuple[Estimate, Series]:
    """Vasicek's ``(theta, kappa, sigma)`` [percent, a year, percent per square-root year] on
    the policy rate from :data:`SHORT_RATE_FIRST` to ``until``, and the series fitted."""
    rates = policy_rate(data_dir).between(SHORT_RATE_FIRST, until).require(
        len(VASICEK.params), "the policy rate", until)
    return fit(VASICEK, rates.values), rates


def newey_west_se(x: np.ndarray, lags: int = NW_LAGS) -> float:
    """The standard error of the mean of ``x`` with Newey and West's (1987) Bartlett-weighted
    long-run variance over ``lags`` lags."""
    e = np.asarray(x, dtype=float) - np.mean(x)
    n = e.size
    lrv = float(e @ e) / n
    for k in range(1, lags + 1):
        lrv += 2.0 * (1.0 - k / (lags + 1.0)) * float(e[k:] @ e[:-k]) / n
    return math.sqrt(max(lrv, 0.0) / n)


def par_bond_duration(y_pct: np.ndarray, years: float = 10.0) -> np.ndarray:
    """Modified duration [years] of a par bond of ``years`` with annual coupons at yield
    ``y_pct`` percent: ``(1 - (1 + y)^-T) / y`` (``T`` at a zero yield)."""
    y = np.asarray(y_pct, dtype=float) / 100.0
    small = np.abs(y) < 1e-9
    safe = np.where(small, 1.0, y)
    return np.where(small, years, (1.0 - (1.0 + safe) ** -years) / safe)


@dataclass(frozen=True)
class SpreadFit:
    """The funds' yield over the policy rate [percent a year], its standard error, the months
    and the sources used."""

    value: float
    se: float
    months: tuple[str, ...]
    duration: float
    source: str


def fit_spread(data_dir: Path, until: str, duration: float) -> SpreadFit | None:
    """The fixed-income funds' yield over the policy rate (module docstring) at the funds'
    ``duration`` [years], from the curve months up to ``until``; None when the curve files are
    not in ``data_dir``."""
    paths = [Path(data_dir) / f for f in CURVE_FILES]
    if not all(p.is_file() for p in paths):
        return None
    (m3, r3), (m10, y10) = (read_monthly_csv_allowing_gaps(p) for p in paths)
    policy = policy_rate(data_dir)
    rate = dict(zip(policy.months, policy.values))
    short, long_ = dict(zip(m3, r3)), dict(zip(m10, y10))
    months = tuple(m for m in m10 if SHORT_RATE_FIRST <= m <= until and m in rate
                   and np.isfinite(short.get(m, np.nan)) and np.isfinite(long_[m]))
    if len(months) < 24:
        return None
    s = np.array([short[m] for m in months])
    y = np.array([long_[m] for m in months])
    d10 = par_bond_duration(y)
    weight = np.clip((duration - 0.25) / (d10 - 0.25), 0.0, 1.0)
    spread = s + weight * (y - s) - np.array([rate[m] for m in months])
    source = (f"estimated: the government curve at the funds' duration ({duration:g} years, "
              f"interpolated in duration between data/history/{CURVE_FILES[0]} and "
              f"{CURVE_FILES[1]}, {publisher(paths[1])}) less the policy rate "
              f"(data/history/policy_rate_monthly.csv), {months[0]}..{months[-1]}, "
              f"{len(months)} months; the mean, se by Newey-West ({NW_LAGS} lags); the funds' "
              "credit spread is not in the data (a lower bound)")
    return SpreadFit(float(spread.mean()), newey_west_se(spread), months, duration, source)


def read_monthly_csv_allowing_gaps(path: Path) -> tuple[list[str], np.ndarray]:
    """A monthly history file whose empty cells (a month the publisher left out) are NaN."""
    table = read_table(path, ("month",))
    name = next(c for c in table.columns if c != "month")
    return table.months(), table.numbers(name, allow_empty=True)

