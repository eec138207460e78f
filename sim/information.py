"""The information set: the date a run's knowledge is from, and the outturns known by then.

A plan is decided on forecasts made at one date (the 2023-2025 plan on SKR's forecasts of 28
April 2022); a risk model answers "given what we knew then, how likely is a deficit?". The
information set says what was known: ``as_of``, the last month whose outturns are known, and
those outturns -- monthly KPIF and the short rate, yearly growth of the budget factors. The
generator simulates from January of ``as_of``'s year: the known months take their outturns,
the months after ``as_of`` and the years before the plan (the *pre-plan years*) are simulated,
and the autoregressive states (KPIF's deviation, the short rate, the high-inflation regime)
start from the observed values at ``as_of``. The plan's lines are never re-derived from the
outturns: the plan stays what the board decided; the outturns move the distribution around it.

A later run of the same plan is the same config with a later ``as_of`` and more outturns
(``configs/information/``).

Without an information set the generator starts in January of the plan's first year and the
year before the plan is taken at its forecast (no deviation can reach the plan's lag-one
drivers from it).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator, model_validator

from .params import Fraction, NonNegMnkr, Quantity, Source, Strict, UnitName, in_range, unit_is
from .esg.schema import ANNUAL_FACTORS

__all__ = ["Information", "MonthlyOutturn", "YearlyOutturn", "FundState", "KnownState",
           "parse_month", "forecast_months",
           "MONTHLY_OUTTURNS", "regime_probability", "regime_probabilities", "InflationRegimes"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: Monthly outturns the generator takes, with their unit.
MONTHLY_OUTTURNS = {"kpif": "percent_per_year", "short_rate": "percent_per_year"}


def parse_month(text: str) -> tuple[int, int]:
    """``"2022-04"`` -> ``(2022, 4)``; ValueError naming what is allowed otherwise (a month
    from 1900 on: no history the model uses, and no plan, is older)."""
    m = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month; write YYYY-MM, e.g. \"2022-04\"")
    if int(m.group(1)) < 1900:
        raise ValueError(f"{text!r}: a month from 1900 on")
    return int(m.group(1)), int(m.group(2))


class MonthlyOutturn(Strict):
    """Consecutive monthly outturns from ``first_month`` (``YYYY-MM``), with unit and source.

    ``kpif`` is the 12-month rate of change in percent (SCB's "inflationstakt"), ``short_rate``
    the policy rate in force (or decided) at the month's end, in percent."""

    label: str | None = None
    unit: UnitName
    source: Source
    first_month: str
    values: list[float] = Field(min_length=1)

    @field_validator("first_month")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v.strip()

    def months(self) -> list[tuple[int, int]]:
        y, m = parse_month(self.first_month)
        out = []
        for k in range(len(self.values)):
            q = (m - 1) + k
            out.append((y + q // 12, q % 12 + 1))
        return out


class YearlyOutturn(Strict):
    """Yearly growth outturns of a budget factor [percent], from ``first_year``."""

    unit: Annotated[str, Field(pattern="^percent_per_year$")]
    source: Source
    first_year: int = Field(ge=1900, le=2200)
    values: list[float] = Field(min_length=1)


class FundState(Strict):
    """A fund's state at the information date (``[information.funds.<key>]``): its value, its
    highest month-end value of the last ``window`` months relative to it (the dynamic rule's
    24-month high; 1 at a new high), and the holdings' cost basis as a fraction of the value.
    Each replaces the plan config's ``start_value``, ``strategy.initial_high`` and
    ``start_cost_basis`` of the fund."""

    value: NonNegMnkr | None = None
    high: Annotated[Quantity, unit_is("dimensionless"), in_range(1.0, 10.0)] | None = None
    cost_basis: Fraction | None = None


class Information(Strict):
    """``[information]``: the information date and the outturns known at it."""

    as_of: str = Field(description="the last month whose outturns are known, YYYY-MM")
    source: Source
    monthly: dict[str, MonthlyOutturn] = Field(default_factory=dict)
    annual: dict[str, YearlyOutturn] = Field(default_factory=dict)
    funds: dict[str, FundState] = Field(default_factory=dict)

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, v: str) -> str:
        parse_month(v)
        return v.strip()

    @model_validator(mode="after")
    def _outturns(self) -> Information:
        as_of = parse_month(self.as_of)
        for key, series in self.monthly.items():
            if key not in MONTHLY_OUTTURNS:
                raise ValueError(f"monthly.{key}: not a monthly outturn the model takes; "
                                 f"allowed: {', '.join(MONTHLY_OUTTURNS)}")
            if series.unit != MONTHLY_OUTTURNS[key]:
                raise ValueError(f"monthly.{key}.unit: {series.unit!r}, must be "
                                 f"{MONTHLY_OUTTURNS[key]!r}")
            last = series.months()[-1]
            if last > as_of:
                raise ValueError(f"monthly.{key}: runs to {last[0]}-{last[1]:02d}, after as_of "
                                 f"{self.as_of}; an outturn after the information date was "
                                 "not known at it")
            for v in series.values:
                if not math.isfinite(v) or not -50.0 <= v <= 100.0:
                    raise ValueError(f"monthly.{key}: value {v:g} is outside [-50, 100] percent")
        for key, series in self.annual.items():
            if key not in ANNUAL_FACTORS:
                raise ValueError(f"annual.{key}: not a yearly factor; allowed: "
                                 f"{', '.join(ANNUAL_FACTORS)}")
            last = series.first_year + len(series.values) - 1
            if last >= as_of[0] + (1 if as_of[1] == 12 else 0):
                raise ValueError(f"annual.{key}: has {last}, a year not over at as_of "
                                 f"{self.as_of}")
            for v in series.values:
                if not -100.0 < v <= 1000.0:
                    raise ValueError(f"annual.{key}: growth {v:g} % must lie in (-100, 1000]")
        return self

    @property
    def month(self) -> tuple[int, int]:
        return parse_month(self.as_of)


@dataclass(frozen=True)
class KnownState:
    """The information set resolved against the generator's calendar.

    The generator starts in January of ``start_year``; its first ``n_known`` months are known
    (``kpif``, ``short_rate``: (M,) observed values, NaN where a known month has no outturn and
    for every month after ``as_of``); ``annual`` (K, Y) holds each yearly factor's known
    deviation from its forecast [points], NaN where unknown. ``n_pre`` is the number of
    pre-plan years the generator simulates before the plan's first year.
    """

    start_year: int
    n_pre: int
    n_known: int
    kpif: np.ndarray
    short_rate: np.ndarray
    annual: np.ndarray

    @classmethod
    def none(cls, first_year: int, n_months: int, n_years: int) -> KnownState:
        nan = np.full(n_months, np.nan)
        return cls(first_year, 0, 0, nan, nan.copy(),
                   np.full((len(ANNUAL_FACTORS), n_years), np.nan))

    @classmethod
    def resolve(cls, info: Information | None, first_year: int, years: np.ndarray,
                annual_forecast) -> KnownState:
        """``years`` are the generator's calendar years; ``annual_forecast(k, year)`` the
        forecast growth of yearly factor ``k`` (its index in ANNUAL_FACTORS)."""
        n_months = 12 * len(years)
        if info is None:
            return cls.none(int(years[0]), n_months, len(years))
        start = int(years[0])
        y, m = info.month
        n_known = (y - start) * 12 + m
        obs = {}
        for key in MONTHLY_OUTTURNS:
            arr = np.full(n_months, np.nan)
            series = info.monthly.get(key)
            if series is not None:
                for (yy, mm), v in zip(series.months(), series.values):
                    idx = (yy - start) * 12 + mm - 1
                    if idx >= 0:
                        arr[idx] = v
            obs[key] = arr
        annual = np.full((len(ANNUAL_FACTORS), len(years)), np.nan)
        for key, series in info.annual.items():
            k = ANNUAL_FACTORS.index(key)
            for j, v in enumerate(series.values):
                yy = series.first_year + j
                if start <= yy <= int(years[-1]):
                    annual[k, yy - start] = v - annual_forecast(k, yy)
        return cls(start, first_year - start, n_known, obs["kpif"], obs["short_rate"], annual)


def forecast_months(yearly: np.ndarray, years: np.ndarray,
                    vintage: Information | None) -> np.ndarray:
    """The KPIF forecast month by month [percent]: each year's forecast ``yearly`` (Y,) in every
    month of ``years``, except where the forecast's ``vintage`` knew outturns. In such a year
    the known months are the outturns, and the other months each take what is left of the
    year's forecast mean, ``(12 f - sum(known)) / (12 - n)``: the forecast's year mean is kept,
    and a path that follows the forecast passes through what its makers had seen."""
    out = np.repeat(np.asarray(yearly, dtype=float), 12)
    series = None if vintage is None else vintage.monthly.get("kpif")
    if series is None:
        return out
    first = int(years[0])
    known: dict[int, dict[int, float]] = {}
    for (y, m), v in zip(series.months(), series.values):
        if first <= y <= int(years[-1]):
            known.setdefault(y, {})[m] = v
    for y, months in known.items():
        j = y - first
        if len(months) == 12:
            rest = None
        else:
            rest = (12.0 * yearly[j] - sum(months.values())) / (12 - len(months))
        for m in range(1, 13):
            out[12 * j + m - 1] = months[m] if m in months else rest
    return out


def start_year(info: Information | None, first_year: int) -> int:
    """The generator's first calendar year: ``as_of``'s year, or the plan's first year."""
    return first_year if info is None else info.month[0]


@dataclass(frozen=True)
class InflationRegimes:
    """The inflation model's two regime chains (:mod:`sim.esg`): the volatile regime
    (``shift``, ``sigma_high``; ``p_enter``, ``p_exit`` a month) and the high-inflation episode
    (``ep_shift``; ``ep_enter``, ``ep_exit``), independent of each other."""

    shift: float
    p_enter: float
    p_exit: float
    sigma_high: float
    ep_shift: float = 0.0
    ep_enter: float = 0.0
    ep_exit: float = 1.0


def regime_probabilities(deviation: np.ndarray, phi: float, sigma: float,
                         r: InflationRegimes) -> np.ndarray:
    """P(regimes in the last month | the observed KPIF deviations), state ``h + 2 g`` (``h``
    the volatile regime, ``g`` the episode).

    The model (:mod:`sim.esg`) writes KPIF's deviation from its forecast as ``e_m = x_m + shift
    h_m + ep_shift g_m`` with ``x_m = phi x_{m-1} + sigma_h z_m``. Given consecutive observed
    deviations ``e``, the filter (Hamilton 1989, the lagged regimes in the state because
    ``x_{m-1}`` depends on them) returns the regimes' law at the last observation, starting
    from the chains' stationary law; the first observation's ``x`` has its regime's stationary
    law ``N(0, sigma_h^2 / (1 - phi^2))``. NaN entries (months without an outturn) are skipped
    by restarting the filter after them.
    """
    from .calibrate._kernels import regimes_nb, switching_ar_filter_nb

    means, sds, trans, stat = regimes_nb(r.shift, sigma, r.sigma_high, r.p_enter, r.p_exit,
                                         r.ep_shift, r.ep_enter, r.ep_exit)
    e = np.asarray(deviation, dtype=float)
    prob = stat.copy()
    for run in np.split(e, np.flatnonzero(np.isnan(e))):
        run = run[~np.isnan(run)]
        if run.size == 0:
            continue
        start = prob @ trans                   # a month of the chains, then the run
        _, prob = switching_ar_filter_nb(run, 0.0, phi, means, sds, trans, start, True)
    return np.asarray(prob, dtype=float)


def regime_probability(deviation: np.ndarray, phi: float, sigma: float, shift: float,
                       p_enter: float, p_exit: float, sigma_high: float | None = None) -> float:
    """P(volatile regime in the last month | the observed KPIF deviations), without
    episodes (:func:`regime_probabilities`)."""
    sigma_high = sigma if sigma_high is None else sigma_high
    prob = regime_probabilities(deviation, phi, sigma,
                                InflationRegimes(shift, p_enter, p_exit, sigma_high))
    return float(prob[1] + prob[3])
