"""The funds of Bilaga 2: their capital, flows, expected return and strategy (a fixed mix or
the dynamic rule with its protection level), and the trading the strategy does."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from ..params import (Fraction, MnkrSeries, NonNegMnkr, Quantity, Rate, RateSeries, Series,
                      Strict, in_range, unit_is)


def _rate_shape(v: Any) -> str:
    """``"series"`` for a rate per year (it has ``values``), else ``"scalar"``."""
    if isinstance(v, dict):
        return "series" if "values" in v else "scalar"
    return "series" if isinstance(v, Series) else "scalar"


#: One rate for every year, or a rate per year (a series).
RateOrSeries = Annotated[Annotated[Rate, Tag("scalar")] | Annotated[RateSeries, Tag("series")],
                         Discriminator(_rate_shape)]


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
