"""The budget channels' sections: the drivers of the balanskravsresultat beyond the cost
components, the tax base and the funds, each with a row of its own in the contribution table
(the operating overrun, the planned measures not delivered, operating income).

A new channel declares its section here and its field on :class:`ChannelSections`, which
:class:`sim.config.PlanConfig` extends; its registration and formula are
:data:`sim.budget.records.BUDGET_CHANNELS` and :func:`sim.budget._kernels.budget_block_nb`
(docs/architecture.md, "Adding a budget channel").
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from ..params import Fraction, Quantity, Strict


__all__ = ["Operations", "Measures", "Income", "ChannelSections"]


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


class ChannelSections(Strict):
    """The budget channels' sections of the plan config, each optional with the plan's own
    assumption as its default."""

    operations: Operations = Field(default_factory=Operations)
    measures: Measures = Field(default_factory=Measures)
    income: Income = Field(default_factory=Income)
