"""Load, override and validate a plan configuration.

A plan config is a TOML file. Every number in it carries a unit and a source: scalars are inline
tables ``{ value = 5.0, unit = "percent_per_year", source = "seed 001 ..." }``; tables of yearly
figures (a budget line, a forecast) carry one ``unit`` and one ``source`` for their values, as the
seed's tables do. A source is a seed file and table, a law or paper, ``derived: <how>`` or
``assumption: <reason>``.

Validation is pydantic v2: unknown keys are errors, NaN and infinity are refused, every unit is
checked against the one the field expects, and cross-field rules (cost shares summing to one,
series covering the plan years) are checked on the whole file. Any failure raises
:class:`ConfigError`, whose message names the file, the key path, the value given and what is
allowed; the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, ValidationError, model_validator

from .esg.schema import ANNUAL_FACTORS, DEVIATION_FACTORS, EsgConfig
from .information import Information, start_year
from .params import (
    MAX_MNKR,
    Fraction,
    Quantity,
    in_range,
    unit_is,
    MnkrSeries,
    NonNegMnkr,
    Rate,
    RateSeries,
    Series,
    Source,
    Strict,
    Years,
)

__all__ = [
    "ConfigError",
    "PlanConfig",
    "PlanLines",
    "load_config",
    "validate_config",
    "apply_overrides",
    "canonical_json",
    "config_hash",
]

def _rate_shape(v: Any) -> str:
    """``"series"`` for a rate per year (it has ``values``), else ``"scalar"``."""
    if isinstance(v, dict):
        return "series" if "values" in v else "scalar"
    return "series" if isinstance(v, Series) else "scalar"


#: One rate for every year, or a rate per year (a series).
RateOrSeries = Annotated[Annotated[Rate, Tag("scalar")] | Annotated[RateSeries, Tag("series")],
                         Discriminator(_rate_shape)]
#: Union fields and the tags pydantic adds to their error locations (not keys of the file).
_UNION_TAGS = {"expected_return": {"scalar", "series"}, "strategy": {"dynamic", "fixed_mix"}}


class ConfigError(Exception):
    """A configuration that cannot be used. The message is meant for the user, as is."""


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


class Meta(Strict):
    name: str = Field(min_length=1)
    region: str = Field(min_length=1)
    first_year: int = Field(ge=1900, le=2200)
    last_year: int = Field(ge=1900, le=2200)
    source: Source
    diary_number: str | None = Field(None, min_length=1, max_length=60,
                                     description="the case's diary number (diarienummer), "
                                                 "printed on the report's cover")
    prepared_by: str | None = Field(None, min_length=1, max_length=120,
                                    description="who prepared the analysis, on the cover")

    @model_validator(mode="after")
    def _order(self) -> Meta:
        if self.last_year < self.first_year:
            raise ValueError(f"last_year ({self.last_year}) is before first_year ({self.first_year})")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class PlanLines(Strict):
    """The plan's income-statement lines that the model takes as given, one value per plan year.

    Costs are negative, as printed in the seed. The derived lines (nettokostnad, resultat,
    balanskravsresultat, ...) are computed, never entered.
    """

    unit: Literal["mnkr"]
    source: Source
    operating_income: list[float]
    operating_costs: list[float]
    depreciation: list[float]
    tax_revenue: list[float]
    general_grants_equalisation: list[float]
    financial_income: list[float]
    financial_costs: list[float]
    printed: PrintedLines | None = Field(None, description="the derived lines as the plan "
                                         "document prints them (the report's plan rows)")

    LINES: ClassVar[tuple[str, ...]] = ("operating_income", "operating_costs", "depreciation", "tax_revenue",
             "general_grants_equalisation", "financial_income", "financial_costs")
    #: Sign each line must have as printed: +1 income, -1 cost.
    SIGNS: ClassVar[dict[str, int]] = {"operating_income": 1, "operating_costs": -1, "depreciation": -1, "tax_revenue": 1,
             "general_grants_equalisation": 1, "financial_income": 1, "financial_costs": -1}

    @model_validator(mode="after")
    def _signs(self) -> PlanLines:
        for name, sign in self.SIGNS.items():
            for v in getattr(self, name):
                if abs(v) > MAX_MNKR:
                    raise ValueError(f"{name}: value {v:g} mnkr is beyond the largest amount "
                                     f"allowed, {MAX_MNKR:g} mnkr")
                if v * sign < 0:
                    kind = "an income (>= 0)" if sign > 0 else "a cost (<= 0, negative as printed)"
                    raise ValueError(f"{name}: value {v:g} has the wrong sign; it is {kind}")
        return self


class PrintedLines(Strict):
    """The plan document's derived lines as printed, for the report to show beside the model's
    (never used in a calculation: the model derives these lines from the given ones, which can
    differ by a rounding mnkr)."""

    source: Source
    net_operating_cost: list[float]
    operating_result: list[float]
    net_result: list[float]
    pension_portfolio_return: list[float]
    balance_requirement_result: list[float]
    required_result_1pct: list[float]
    measures_needed: list[float]


class CostComponent(Strict):
    """One named part of the operating costs: its share of the base-year costs and its index."""

    label: str = Field(min_length=1)
    share: Fraction
    index: str = Field(min_length=1, description="key of a series in [forecasts]")
    lag_years: int = Field(0, ge=0, le=5)
    drivers: list[str] = Field(default_factory=list,
                               description="scenario-generator factors whose deviation from "
                                           "forecast moves this component's growth")
    elasticity: Quantity | None = Field(
        None, description="percent change of the component per point of its drivers' "
                          "deviation (default 1)")
    persistence: Fraction | None = Field(
        None, description="the share of a year's driven deviation (relative to plan) that "
                          "stays in the next year's level: 1 (default) a lasting level, as an "
                          "index; 0 a one-year flow, as the pension liability's indexation "
                          "booked as a cost")


class Costs(Strict):
    base_year: int
    components: dict[str, CostComponent] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Costs:
        total = math.fsum(c.share.value for c in self.components.values())
        if abs(total - 1.0) > 1e-9:
            parts = ", ".join(f"{k}={c.share.value:g}" for k, c in self.components.items())
            raise ValueError(f"components: shares sum to {total:.10g}, must sum to 1 "
                             f"(within 1e-9); got {parts}")
        return self


class Taxes(Strict):
    index: str = Field(min_length=1, description="tax-base growth series in [forecasts]")
    drivers: list[str] = Field(default_factory=list)


class Operations(Strict):
    """The budget's own operating risk: the factors whose deviation [percent of the year's
    planned operating costs] is an overrun beyond prices. Its level carries on: ``overrun_t =
    (prod_{s<=t} (1 + d_s / 100) - 1) x |operating costs_t|``, from the information date's
    year."""

    drivers: list[str] = Field(default_factory=list)


class Measures(Strict):
    """Delivery of the planned cost measures: the part of the plan's operating costs that the
    components' indexation does not explain (``planned_cost_measures``: decided frame changes
    and savings, where positive) is delivered in the share ``S`` of each path, drawn once per
    path from a beta law with the given mean and standard deviation (a measure not delivered
    stays undelivered: the shortfall is a level, like the measures). The undelivered part,
    ``(1 - S) x max(planned_cost_measures, 0)``, adds to the operating costs (driver
    ``measures``). ``delivered_sd = 0`` gives every path the mean; mean 1 and sd 0, the default,
    is the plan's own assumption that every measure is delivered."""

    label: str = Field("Planerade åtgärder, ej genomförda", min_length=1)
    delivered_mean: Fraction = Field(default_factory=lambda: Quantity(
        value=1.0, unit="fraction",
        source="assumption: the plan's own, every planned measure delivered"))
    delivered_sd: Fraction = Field(default_factory=lambda: Quantity(
        value=0.0, unit="fraction",
        source="assumption: the plan's own, every planned measure delivered"))

    @model_validator(mode="after")
    def _feasible(self) -> Measures:
        m, s = self.delivered_mean.value, self.delivered_sd.value
        if s > 0.0 and s * s >= m * (1.0 - m):
            top = math.sqrt(m * (1.0 - m))
            raise ValueError(
                f"delivered_sd: value {s:g} is too large for a share in [0, 1] with mean {m:g}; "
                f"allowed: 0 <= delivered_sd < sqrt(mean x (1 - mean)) = {top:.4g}"
                + (" (a mean of 0 or 1 allows only 0)" if top == 0.0 else ""))
        return self

    def beta(self) -> tuple[float, float] | None:
        """The beta law's ``(a, b)``, or None when every path gets the mean (sd 0)."""
        m, s = self.delivered_mean.value, self.delivered_sd.value
        if s == 0.0:
            return None
        k = m * (1.0 - m) / (s * s) - 1.0
        return m * k, (1.0 - m) * k


class Income(Strict):
    """Operating income against plan (riktade statsbidrag, patientavgifter, ersättningar): each
    path's operating income is the plan's times ``1 + X``, with ``X`` drawn once per path from
    a normal law of mean 0 and standard deviation ``change_sd`` (a loss or gain that stays over
    the plan years; clipped to [-1, 1]). The difference is the driver ``income``. ``change_sd =
    0``, the default, holds the plan's income."""

    label: str = Field("Verksamhetens intäkter, avvikelse mot plan", min_length=1)
    change_sd: Fraction = Field(default_factory=lambda: Quantity(
        value=0.0, unit="fraction", source="assumption: the plan's own, income as planned"))


class Grants(Strict):
    """Parts of general grants and equalisation, where the source gives them (a cross-check)."""

    unit: Literal["mnkr"]
    source: Source
    first_year: int
    parts: dict[str, list[float]] = Field(min_length=1)


Dimensionless = Annotated[Quantity, unit_is("dimensionless"), in_range(0.0, 100.0)]
Months = Annotated[Quantity, unit_is("months"), in_range(1.0, 600.0)]
Vol = Annotated[Quantity, unit_is("percent_per_year"), in_range(0.0, 200.0)]


#: The generator's equity steps a month at most (daily steps are about 21).
MAX_EQUITY_STEPS = 31


class Trading(Strict):
    """How often and how cheaply a portfolio trades."""

    rebalance_per_month: int = Field(1, ge=1, le=31, description="1 monthly, 4 weekly, 21 daily")
    no_trade_band: Fraction
    transaction_cost: Fraction


class FixedMix(Trading):
    """A constant share of equity funds, rebalanced back to it (0 for pure fixed income)."""

    kind: Literal["fixed_mix"]
    equity_weight: Fraction


class Dynamic(Trading):
    """The dynamic allocation strategy of Bilaga 2 (docs/models/portfolios.md).

    ``F = floor_share x H`` with ``H`` the highest NAV over ``window`` month-ends;
    ``w = clip((c - s_fi) / (s - s_fi), min_equity, max_equity)`` with the cushion ``c = (V -
    F) / V``, ``s = clip(stress_z x vol x sqrt(h), stress_min, stress_max)`` with ``h =
    stress_horizon`` (whatever the rebalancing frequency), ``vol`` an EWMA
    (decay ``ewma_lambda`` a month) of the path's own equity returns, and ``s_fi = stress_z x
    vol_fi x sqrt(h)`` with the fixed-income funds' volatility from the generator (duration x
    the short rate's volatility) when ``fixed_income_in_cushion``, else 0.
    """

    kind: Literal["dynamic"]
    floor_share: Fraction
    window: Months
    min_equity: Fraction
    max_equity: Fraction
    stress_z: Dimensionless
    stress_min: Fraction
    stress_max: Fraction
    stress_horizon: Annotated[Quantity, unit_is("months"), in_range(0.01, 24.0)]
    ewma_lambda: Annotated[Quantity, unit_is("dimensionless"), in_range(0.0, 0.9999)]
    initial_vol: Vol
    initial_high: Annotated[Quantity, unit_is("dimensionless"), in_range(1.0, 10.0)]
    cash_lock_below: Fraction
    fixed_income_in_cushion: bool = Field(
        True, description="count the fixed-income funds' own price risk (duration x the short "
                          "rate's volatility) in the cushion arithmetic; false: as if they "
                          "could not fall")

    @model_validator(mode="after")
    def _bounds(self) -> Dynamic:
        if self.min_equity.value > self.max_equity.value:
            raise ValueError(f"min_equity: {self.min_equity.value:g} is above max_equity "
                             f"{self.max_equity.value:g}")
        if self.stress_min.value > self.stress_max.value or self.stress_min.value <= 0:
            raise ValueError(f"stress_min: must be > 0 and <= stress_max "
                             f"({self.stress_min.value:g}, {self.stress_max.value:g})")
        if self.window.value != int(self.window.value):
            raise ValueError(f"window: {self.window.value:g} must be a whole number of months")
        return self


class Payouts(Strict):
    """Pension payouts from ``from_year`` on: ``first_amount x (1 + growth)^(year - from_year)``
    mnkr a year, taken from the fund at the start of each year, on top of ``flows``."""

    from_year: int = Field(ge=1900, le=2200)
    first_amount: NonNegMnkr
    growth: Rate


class Fund(Strict):
    label: str = Field(min_length=1)
    expected_return: RateOrSeries = Field(
        description="the return the plan budgets on the capital: one rate, or a rate per year")
    unrealized_share: Fraction
    capital: MnkrSeries
    flows: MnkrSeries
    rebase_to_capital: bool = Field(False, description="at each year start, draw off (or "
                                    "refill) to the planned capital instead of `flows`")
    payouts: Payouts | None = None
    start_cost_basis: Fraction = Field(description="the holdings' cost basis at the start, as "
                                       "a fraction of the start value (1: no unrealized gain)")
    start_value: NonNegMnkr | None = Field(
        None, description="the fund's value when the simulation starts (at the information "
        "date, or the plan's first year without one); default: the first plan year's capital")
    loss_limit: Fraction | None = None
    stated_expected_return: Rate | None = Field(
        None, description="the expected return Bilaga 2 states (the report shows it beside the "
        "plan's and the model's; not used in a calculation)")
    bkr_treatment: Literal["sales", "plan"] = Field(
        "sales", description="in a Monte Carlo run, what the balanskravsresultat counts of the "
        "fund's return: 'sales' -- the gains and losses realized by its sales (average cost); "
        "'plan' -- the return less unrealized_share of it, as the plan treats the fund")
    strategy: FixedMix | Dynamic = Field(discriminator="kind")

    @model_validator(mode="after")
    def _capital_non_negative(self) -> Fund:
        if any(v < 0 for v in self.capital.values):
            raise ValueError("capital: planned capital must be >= 0 mnkr")
        return self


class PensionLiability(Strict):
    provisions: MnkrSeries
    inflation_index: str = Field(min_length=1)
    lag_years: int = Field(1, ge=0, le=5)
    indexed_share: Fraction
    drivers: list[str] = Field(default_factory=list)


class Simulation(Strict):
    """How a Monte Carlo run is cut and seeded. The block size fixes each block's random
    stream: it must never follow the number of threads or workers."""

    source: Source
    block_size: int = Field(ge=1, le=1_000_000)
    horizon_years: int = Field(ge=1, le=40)
    seed: int = Field(ge=0)
    paths: int = Field(ge=1)
    high_inflation: Rate = Field(description="KPIF, yearly average, at or above which a year "
                                 "counts as high inflation in the summary")
    return_centre: Literal["plan", "market"] = Field(
        description="plan: each fund's expected return is the plan's expected_return; market: "
                    "the generator's own expectation")
    centre_paths: int = Field(ge=100, le=1_000_000, description="pilot paths that centre the "
                              "funds' returns on the plan")
    parameter_uncertainty: bool = Field(
        False, description="draw the model's estimated parameters once per block of paths from "
        "their estimated sampling law (sim.esg.uncertainty), so the result carries what the "
        "history leaves uncertain about them")
    antithetic: bool = Field(
        False, description="antithetic pairs: every second path is the one before with its "
        "Gaussian innovations negated (variance reduction; standard errors then from the "
        "spread between the independent pairs)")
    min_equity_steps: int = Field(
        1, ge=1, le=31, description="equity steps a month at least: the generator runs on the "
        "least common multiple of this, the model's steps and every fund's review frequency "
        "(sim strategy sets it so rules that review at different frequencies share their "
        "random numbers)")


class Decision(Strict):
    """What the board decides on: which plan years are the budget (the rest are the plan's
    kalkyl), and the P(negative balanskravsresultat) the levers aim at."""

    source: Source
    budget_years: int = Field(ge=1, le=40, description="the first plan years that are budget "
                              "(the rest: kalkyl); 'at least once' counts over these")
    target_p_deficit: Fraction = Field(description="the P(balanskravsresultat < 0) the levers "
                                       "aim at: how much the result must improve per year to "
                                       "reach it")


class Rur(Strict):
    start_balance: NonNegMnkr
    draw_when: Literal["tax_base_below_average", "any_deficit", "never"]
    tax_base_growth_10y_average: Rate
    max_draw_per_year: NonNegMnkr
    reserve_share_above_goal: Fraction


class BalanceRequirement(Strict):
    goal_share: Fraction
    restore_within_years: Years
    rur: Rur

    @model_validator(mode="after")
    def _whole_years(self) -> BalanceRequirement:
        v = self.restore_within_years.value
        if v != int(v) or v < 1:
            raise ValueError(f"restore_within_years: value {v:g} must be a whole number >= 1")
        return self


class PlanConfig(Strict):
    """The whole plan configuration (see ``configs/plans/``)."""

    meta: Meta
    plan: PlanLines
    forecasts: dict[str, RateSeries] = Field(min_length=1)
    costs: Costs
    taxes: Taxes
    operations: Operations = Field(default_factory=Operations)
    measures: Measures = Field(default_factory=Measures)
    income: Income = Field(default_factory=Income)
    grants: Grants
    funds: dict[str, Fund] = Field(min_length=1)
    pension_liability: PensionLiability
    balance_requirement: BalanceRequirement
    simulation: Simulation
    decision: Decision
    esg_model: str | None = Field(None, description="the model file the [esg] section came from")
    esg: EsgConfig
    information_file: str | None = Field(
        None, description="the file the [information] section came from")
    information: Information | None = Field(
        None, description="the information date and the outturns known at it; none: the "
        "generator starts in the plan's first year, the year before it at its forecast")
    vintage_file: str | None = Field(
        None, description="the file the [vintage] section came from")
    vintage: Information | None = Field(
        None, description="what the plan's forecasts knew when they were made (their "
        "vintage): the KPIF outturns they held. Deviations are news against it (docs/models/information.md, 'The "
        "centre: the plan, moved only by news')")

    @model_validator(mode="after")
    def _cross_checks(self) -> PlanConfig:
        years = self.meta.years
        n = len(years)
        if self.decision.budget_years > n:
            raise ValueError(f"decision.budget_years: {self.decision.budget_years} is more than "
                             f"the plan's {n} years ({years[0]}-{years[-1]})")
        for name in PlanLines.LINES:
            got = len(getattr(self.plan, name))
            if got != n:
                raise ValueError(f"plan.{name}: {got} values given, need {n} "
                                 f"(one per plan year {years[0]}-{years[-1]})")
        if self.plan.printed is not None:
            for name, values in self.plan.printed:
                if name != "source" and len(values) != n:
                    raise ValueError(f"plan.printed.{name}: {len(values)} values given, need "
                                     f"{n} (one per plan year {years[0]}-{years[-1]})")
        if self.costs.base_year != years[0]:
            raise ValueError(f"costs.base_year: {self.costs.base_year} must be the first plan "
                             f"year {years[0]}")
        for key, comp in self.costs.components.items():
            self._need_series(f"costs.components.{key}.index", comp.index,
                              years[0] - comp.lag_years, years[-1] - comp.lag_years)
        self._need_series("taxes.index", self.taxes.index, years[0], years[-1])
        pl = self.pension_liability
        self._need_series("pension_liability.inflation_index", pl.inflation_index,
                          years[0] - pl.lag_years, years[-1] - pl.lag_years)
        self._need_covered("pension_liability.provisions", pl.provisions, years[0] - 1, years[-1])
        for key, fund in self.funds.items():
            self._need_covered(f"funds.{key}.capital", fund.capital, years[0], years[-1])
            horizon_end = years[0] + self.simulation.horizon_years - 1
            self._need_covered(f"funds.{key}.flows", fund.flows, years[0] + 1,
                               max(horizon_end, years[0] + 1))
        if self.equity_steps > MAX_EQUITY_STEPS:
            reviews = ", ".join(f"funds.{k}.strategy.rebalance_per_month = "
                                f"{f.strategy.rebalance_per_month}"
                                for k, f in self.funds.items())
            raise ValueError(f"the generator would need {self.equity_steps} equity steps a month "
                             f"(the least common multiple of esg.equity.steps_per_month = "
                             f"{self.esg.equity.steps_per_month} and {reviews}); at most "
                             f"{MAX_EQUITY_STEPS} are allowed: choose frequencies that divide "
                             "one another (1, 2, 4, 20)")
        self._check_grants(years)
        self._check_esg(years)
        self._check_information(years)
        return self

    @property
    def equity_steps(self) -> int:
        """The generator's equity steps a month: the least common multiple of the model's
        ``esg.equity.steps_per_month`` and every fund's ``rebalance_per_month``, so each fund
        can review its mix as often as it says (a weekly review runs on weekly steps)."""
        return math.lcm(self.esg.equity.steps_per_month, self.simulation.min_equity_steps,
                        *(f.strategy.rebalance_per_month for f in self.funds.values()))

    @property
    def start_year(self) -> int:
        """The generator's first calendar year (the information date's, or the plan's)."""
        return start_year(self.information, self.meta.first_year)

    def _check_information(self, years: list[int]) -> None:
        info = self.information
        vintage = self.vintage
        if vintage is not None and info is not None and vintage.month > info.month:
            raise ValueError(f"vintage.as_of: {vintage.as_of} is after information.as_of "
                             f"{info.as_of}; the forecasts' vintage cannot know more than the "
                             "information date")
        if info is None:
            return
        y, m = info.month
        if (y, m) >= (years[0], 1):
            raise ValueError(f"information.as_of: {info.as_of} is not before the plan's first "
                             f"year {years[0]}; allowed: {years[0] - 5}-01 to {years[0] - 1}-12 "
                             "(a run inside the plan years needs the year's own outturns)")
        if y < years[0] - 5:
            raise ValueError(f"information.as_of: {info.as_of} is more than five years before "
                             f"the plan's first year {years[0]}")
        if self.simulation.horizon_years + years[0] - y > 45:
            raise ValueError(f"information.as_of: {info.as_of} with simulation.horizon_years "
                             f"{self.simulation.horizon_years} simulates more than 45 years")
        # the pre-plan years need every forecast the generator and the budget read
        first = y
        for key, comp in self.costs.components.items():
            self._need_series(f"costs.components.{key}.index (information.as_of {info.as_of})",
                              comp.index, first - comp.lag_years, years[0])
        self._need_series(f"taxes.index (information.as_of {info.as_of})", self.taxes.index,
                          first, years[0])
        self._need_series(f"esg.inflation.forecast (information.as_of {info.as_of})",
                          self.esg.inflation.forecast, first, years[0])
        for key, f in self.esg.annual.items():
            if f.forecast is not None:
                self._need_series(f"esg.annual.{key}.forecast (information.as_of {info.as_of})",
                                  f.forecast, first, years[0])
        for key, series in info.monthly.items():
            m0 = series.months()[0]
            if m0 < (y, 1):
                raise ValueError(f"information.monthly.{key}.first_month: {series.first_month} "
                                 f"is before January of as_of's year ({y}-01), where the "
                                 "simulation starts")
        for key, state in info.funds.items():
            if key not in self.funds:
                raise ValueError(f"information.funds.{key}: no such fund; allowed: "
                                 f"{', '.join(self.funds)}")
            if state.high is not None and self.funds[key].strategy.kind != "dynamic":
                raise ValueError(f"information.funds.{key}.high: only a fund with the dynamic "
                                 "rule keeps a 24-month high")
        for key, series in info.annual.items():
            if series.first_year < y:
                raise ValueError(f"information.annual.{key}.first_year: {series.first_year} is "
                                 f"before as_of's year {y}, where the simulation starts")

    def _check_esg(self, years: list[int]) -> None:
        if self.simulation.horizon_years < len(years):
            raise ValueError(f"simulation.horizon_years: {self.simulation.horizon_years} is "
                             f"shorter than the plan's {len(years)} years")
        self._need_series("esg.inflation.forecast", self.esg.inflation.forecast, years[0],
                          years[-1])
        for key, f in self.esg.annual.items():
            if f.forecast is not None:
                self._need_series(f"esg.annual.{key}.forecast", f.forecast, years[0], years[-1])
        allowed = DEVIATION_FACTORS
        where = [(f"costs.components.{k}.drivers", c.drivers) for k, c in self.costs.components.items()]
        where += [("taxes.drivers", self.taxes.drivers),
                  ("operations.drivers", self.operations.drivers),
                  ("pension_liability.drivers", self.pension_liability.drivers)]
        for loc, drivers in where:
            for d in drivers:
                if d not in allowed:
                    raise ValueError(f"{loc}: {d!r} is not a budget driver; allowed: "
                                     f"{', '.join(allowed)}")

    def _need_series(self, where: str, key: str, first: int, last: int) -> None:
        if key not in self.forecasts:
            raise ValueError(f"{where}: {key!r} is not a series in [forecasts]; "
                             f"allowed: {', '.join(sorted(self.forecasts))}")
        self._need_covered(f"forecasts.{key}", self.forecasts[key], first, last)

    @staticmethod
    def _need_covered(where: str, series: Series, first: int, last: int) -> None:
        for y in (first, last):
            try:
                series.at(y)
            except KeyError:
                raise ValueError(
                    f"{where}: covers {series.first_year}-{series.last_year} "
                    f"(extend={series.extend!r}) but {first}-{last} is needed") from None

    def _check_grants(self, years: list[int]) -> None:
        g = self.grants
        lengths = {len(v) for v in g.parts.values()}
        if len(lengths) != 1:
            raise ValueError("grants.parts: every part needs the same number of years")
        (m,) = lengths
        for i in range(m):
            year = g.first_year + i
            if year not in years:
                continue
            total = math.fsum(v[i] for v in g.parts.values())
            planned = self.plan.general_grants_equalisation[years.index(year)]
            tol = 0.5 * (len(g.parts) + 1)  # each printed figure is rounded to whole mnkr
            if abs(total - planned) > tol:
                raise ValueError(
                    f"grants.parts: the parts for {year} sum to {total:g} mnkr but "
                    f"plan.general_grants_equalisation is {planned:g} (allowed rounding ±{tol:g})")


# --------------------------------------------------------------------------------------------
# Loading, overrides, hashing
# --------------------------------------------------------------------------------------------


#: The largest config, model, information or scenario file read [bytes]: the shipped ones are
#: a few kB; an `include` of /dev/zero or a huge file would read until memory runs out.
MAX_TOML_BYTES = 10 * 2 ** 20


def _read_toml(path: Path) -> dict[str, Any]:
    import stat

    try:
        mode = os.stat(path).st_mode          # before opening: a FIFO's open would block
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path}: not a regular file (a device, pipe or socket); give a "
                              "TOML file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_TOML_BYTES + 1)
        if len(data) > MAX_TOML_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_TOML_BYTES // 2 ** 20} MB; a TOML "
                              "file here is a few kB")
        return tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}: "
                          f"{exc.object[exc.start:exc.start + 1]!r}); save the file as UTF-8 "
                          "(TOML requires it)") from None


def _parse_value(text: str) -> Any:
    """A TOML value (number, boolean, string, array, inline table); a bare word is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if text and all(ch.isalnum() or ch in "_-." for ch in text) and not text[0].isdigit():
            return text
        raise


def apply_overrides(raw: dict[str, Any], overrides: list[str] | tuple[str, ...],
                    origin: str = "--set") -> dict[str, Any]:
    """Return a copy of ``raw`` with each ``dotted.key=value`` applied.

    The value is read as TOML (``4.5``, ``[1, 2]``, ``"text"``; a bare word is a string). A key
    that names a ``{value, unit, source}`` quantity sets its value, so ``--set
    funds.pension.expected_return=4.5`` works; a number for a series (``values`` per year)
    replaces it with that value in every year. The key must exist in the file: a misspelt key
    is an error, not a silent addition.
    """
    out = copy.deepcopy(raw)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{origin} {item!r}: expected KEY=VALUE, e.g. "
                              "funds.pension.expected_return=4.5")
        key, _, text = item.partition("=")
        key = key.strip()
        parts = key.split(".")
        if not key or any(not p for p in parts):
            raise ConfigError(f"{origin} {item!r}: the key {key!r} is not a dotted key path")
        try:
            value = _parse_value(text.strip())
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"{origin} {key}: value {text!r} is not a TOML value "
                              "(number, true/false, \"string\", [array])") from None
        node = out
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"{origin} {key}: no key {'.'.join(parts[:i + 1])!r} in the "
                                  f"config; allowed here: {_allowed(node)}")
            node = node[part]
        last = parts[-1]
        if not isinstance(node, dict) or last not in node:
            raise ConfigError(f"{origin} {key}: no key {key!r} in the config; allowed here: "
                              f"{_allowed(node)}")
        target = node[last]
        if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
            target["value"] = value
        elif (isinstance(target, dict) and "values" in target and "unit" in target
              and isinstance(value, (int, float)) and not isinstance(value, bool)):
            # a number for a series: the same value in every year, sourced to the override
            node[last] = {"value": value, "unit": target["unit"],
                          "source": f"assumption: set on the command line ({origin} {item})"}
        else:
            node[last] = value
    return out


def _allowed(node: Any) -> str:
    return ", ".join(sorted(node)) if isinstance(node, dict) and node else "(none)"


def _format_errors(name: str, exc: ValidationError,
                   example: str = "configs/plans/strategisk-plan-2023-2025.toml") -> str:
    lines = [f"{name}: invalid configuration ({exc.error_count()} "
             f"error{'s' if exc.error_count() != 1 else ''})"]
    for err in exc.errors(include_url=False):
        parts = [str(p) for p in err["loc"]]
        loc = ".".join(p for i, p in enumerate(parts)
                       if not (i and p in _UNION_TAGS.get(parts[i - 1], ())))
        msg = err["msg"].removeprefix("Value error, ")
        # Cross-field checks name their key at the start of the message: join it to the loc.
        head, sep, tail = msg.partition(": ")
        if sep and head.replace(".", "").replace("_", "").isalnum() and " " not in head:
            loc, msg = (f"{loc}.{head}" if loc else head), tail
        loc = loc or "(top level)"
        given = err.get("input")
        if err["type"] == "extra_forbidden":
            # the value is not echoed: a secret pasted into a config would be printed
            lines.append(f"  {loc}: unknown key; check the spelling against {example}")
        elif isinstance(given, dict) or err["type"].startswith("missing"):
            lines.append(f"  {loc}: {msg}")
        else:
            lines.append(f"  {loc}: value {_short(given)}: {msg}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validate_config(raw: dict[str, Any], name: str = "<config>") -> PlanConfig:
    """Validate an already-parsed mapping; raises :class:`ConfigError` naming every bad key."""
    try:
        return PlanConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(name, exc)) from None


#: Top-level keys naming a file whose TOML is loaded into a section (path relative to the
#: config): ``esg_model`` -> ``[esg]``, ``information_file`` -> ``[information]``.
FILE_KEYS = {"esg_model": "esg", "information_file": "information", "vintage_file": "vintage"}


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> PlanConfig:
    """Read a TOML plan config, apply ``--set`` overrides and validate.

    An override of a file key (``--set information_file=../information/x.toml``) is applied
    before the files are read, so it swaps the whole section; an empty string drops it
    (``--set information_file=""``: no information set)."""
    path = Path(path)
    raw = _read_toml(path)
    file_sets = [o for o in overrides if o.partition("=")[0].strip() in FILE_KEYS]
    rest = [o for o in overrides if o not in file_sets]
    for item in file_sets:
        key, _, text = item.partition("=")
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]                         # a quoted path, as TOML writes it
        raw[key.strip()] = text
    for key, section in FILE_KEYS.items():
        if key not in raw:
            continue
        ref = raw.pop(key) if raw[key] == "" else raw[key]
        if ref == "":
            raw.pop(section, None)
            continue
        if section in raw:
            raise ConfigError(f"{path}: give either {key} or an [{section}] section, not both")
        if not isinstance(ref, str):
            raise ConfigError(f"{path}: {key}: value {ref!r} must be a path string")
        raw[section] = _read_toml((path.parent / ref).resolve())
    if overrides:
        raw = apply_overrides(raw, rest)
        name = f"{path} (with --set {' '.join(overrides)})"
    else:
        name = str(path)
    return validate_config(raw, name)


def canonical_json(cfg: PlanConfig) -> str:
    """The validated config as canonical JSON: sorted keys, no whitespace, floats as Python prints."""
    return json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def config_hash(cfg: PlanConfig) -> str:
    """SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(cfg).encode("utf-8")).hexdigest()
