"""The plan's own sections: the resultatbudget's lines as the plan prints them, the costs and
their indices, taxes and grants, the pension liability and the balance requirement with its
reserve. The budget channels' sections (operations, measures, income) are
:mod:`sim.config.channels`."""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..params import (MAX_MNKR, Fraction, MnkrSeries, NonNegMnkr, Quantity, Rate, Source,
                      Strict, Years)


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


class Grants(Strict):
    """Parts of general grants and equalisation, where the source gives them (a cross-check)."""

    unit: Literal["mnkr"]
    source: Source
    first_year: int
    parts: dict[str, list[float]] = Field(min_length=1)


class PensionLiability(Strict):
    provisions: MnkrSeries
    inflation_index: str = Field(min_length=1)
    lag_years: int = Field(1, ge=0, le=5)
    indexed_share: Fraction
    drivers: list[str] = Field(default_factory=list)


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
