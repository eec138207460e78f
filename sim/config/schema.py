"""The whole plan configuration and its cross-field rules (cost shares summing to one, series
covering the years they are needed for, grants adding up, signs as printed)."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from ..esg.schema import DEVIATION_FACTORS, EsgConfig
from ..information import Information, start_year
from ..params import RateSeries, Series
from .channels import ChannelSections
from .funds import MAX_EQUITY_STEPS, Fund
from .plan import (BalanceRequirement, Costs, Decision, Grants, Meta, PensionLiability, PlanLines,
                   Taxes)
from .simulation import Simulation


class PlanConfig(ChannelSections):
    """The whole plan configuration (see ``configs/plans/``); the budget channels' sections
    (``operations``, ``measures``, ``income``) come from
    :class:`~sim.config.channels.ChannelSections`."""

    meta: Meta
    plan: PlanLines
    forecasts: dict[str, RateSeries] = Field(min_length=1)
    costs: Costs
    taxes: Taxes
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
