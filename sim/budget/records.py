"""The records that cross the numba boundary of the budget, and the one registry of codes.

Shapes: ``N`` paths, ``Y`` plan years, ``Y'`` generator years (from the plan's first year),
``K`` cost components, ``F`` factors with a yearly deviation, ``P`` funds. Amounts in mnkr,
growth in percent per year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np


if TYPE_CHECKING:
    from ..config import PlanConfig

__all__ = ["Channel", "BUDGET_CHANNELS", "ChannelParams", "channel_params", "factor_weights",
           "PlanArrays", "Baseline", "FundResults", "BudgetOut", "ReserveRules", "BalanceOut",
           "Lines", "LINES", "BudgetResult", "PlanBudget", "CHANNEL_DRIVERS", "DriverRows",
           "driver_rows",
           "DRAW_NEVER", "DRAW_TAX_BASE_BELOW_AVERAGE", "DRAW_ANY_DEFICIT", "DRAW_MODES"]

#: Codes of ``balance_requirement.rur.draw_when`` (the only place they are defined).
DRAW_NEVER = 0
DRAW_TAX_BASE_BELOW_AVERAGE = 1
DRAW_ANY_DEFICIT = 2
DRAW_MODES = {"never": DRAW_NEVER, "tax_base_below_average": DRAW_TAX_BASE_BELOW_AVERAGE,
              "any_deficit": DRAW_ANY_DEFICIT}


class PlanArrays(NamedTuple):
    """The plan as the budget kernel reads it, path-independent."""

    component_planned: np.ndarray     # (K, Y) each cost component's planned amount [positive]
    component_growth: np.ndarray      # (K, Y) its index's forecast growth, at its lag [%]
    component_lags: np.ndarray        # (K,) int: years between a driver's year and its effect
    component_weights: np.ndarray     # (K, F) growth points per point of each factor's deviation
    component_persistence: np.ndarray  # (K,) share of a year's driven deviation kept next year
    tax_revenue: np.ndarray           # (Y,) the plan's line
    tax_base_growth: np.ndarray       # (Y,) forecast [%]
    tax_weights: np.ndarray           # (F,)
    n_pre: int                        # pre-plan years at the start of ``dev``
    pre_component_growth: np.ndarray  # (K, n_pre) forecast growth before the plan, at its lag
    pre_tax_base_growth: np.ndarray   # (n_pre,)
    liability_opening: np.ndarray     # (Y,) pension provisions at the end of the year before
    liability_weights: np.ndarray     # (F,)
    liability_lag: int                # years between inflation and its indexation
    liability_indexed_share: float    # [fraction]
    operating_costs: np.ndarray       # (Y,) the plan's lines, signs as printed
    operating_income: np.ndarray
    depreciation: np.ndarray
    general_grants_equalisation: np.ndarray
    financial_costs: np.ndarray
    planned_cost_measures: np.ndarray  # (Y,) operating costs not explained by the components
                                      # (positive: measures that lower the costs)
    other_financial_income: np.ndarray  # (Y,) financial income other than the funds' return
    fund_unrealized_share: np.ndarray  # (P,) [fraction] of the return the plan holds unrealized
    goal_share: float                 # [fraction] the 1 % goal
    drivers: DriverRows               # each driver's row in the contribution table
    channel: ChannelParams            # the registered channels' parameters (BUDGET_CHANNELS)


class Baseline(NamedTuple):
    """The plan's own world, against which the driver split measures each path."""

    components: np.ndarray            # (K, Y) operating-cost components [negative, as costs]
    tax_revenue: np.ndarray           # (Y,)
    realized_fund_return: np.ndarray  # (P, Y) return less its unrealized part
    financial_costs: np.ndarray       # (Y,)


class FundResults(NamedTuple):
    """The funds' yearly results as the budget counts them."""

    year_return: np.ndarray           # (N, P, Y) return [mnkr]
    unrealized_change: np.ndarray     # (N, P, Y) change in unrealized gains [mnkr]
    by_sales: np.ndarray              # (P,) bool: count realized gains (else the plan's share)


class BudgetOut(NamedTuple):
    """The budget kernel's results."""

    lines: np.ndarray                 # (N, L, Y) rows as :data:`LINES`
    components: np.ndarray            # (N, K, Y) [negative, as costs]
    contributions: np.ndarray         # (N, D, Y) in ``driver_keys`` order (:class:`DriverRows`)
    tax_base_growth: np.ndarray       # (N, Y) realized [%]


class ReserveRules(NamedTuple):
    """``balance_requirement``: the RUR (``balance_requirement.rur.*``) and the three-year
    restoration rule, each field named as its config key, from the file to the formula."""

    start_balance: float              # [mnkr] the RUR's balance at the start
    draw_when: int                    # a DRAW_* code
    tax_base_growth_10y_average: float  # [%] the draw rule's threshold
    max_draw_per_year: float          # [mnkr]
    reserve_share_above_goal: float   # [fraction]
    restore_within_years: int         # ``balance_requirement.restore_within_years``


class Lines(NamedTuple):
    """The seed table's rows, in its order: the one registration of the budget's lines. Each
    field is the row's index in :attr:`BudgetOut.lines` (:data:`LINES`); ``LINE_KEYS`` is
    ``Lines._fields``."""

    operating_income: int
    operating_costs: int
    depreciation: int
    net_operating_cost: int
    tax_revenue: int
    general_grants_equalisation: int
    operating_result: int
    financial_income: int
    financial_costs: int
    net_result: int
    pension_portfolio_return: int
    balance_requirement_result: int
    required_result_1pct: int
    measures_needed: int


#: Each line's row in :attr:`BudgetOut.lines` (a constant the kernel compiles in).
LINES = Lines(*range(len(Lines._fields)))


def factor_weights(factors: tuple[str, ...], drivers, scale: float = 1.0) -> np.ndarray:
    """(F,) ``scale`` points of growth per point of deviation of each of ``drivers``, in the
    order of ``factors`` (the rows of the deviations)."""
    w = np.zeros(len(factors))
    for d in drivers:
        w[factors.index(d)] += scale
    return w


class Channel(NamedTuple):
    """A budget channel: a driver of the balanskravsresultat after the cost components, the
    tax revenue and the funds, with its own row in :attr:`BudgetOut.contributions`.

    ``name`` is its driver key (its field of :class:`DriverRows`); ``group`` its channel in the
    report's table (a key of :data:`sim.catalogue.CHANNELS`); ``label(cfg)`` its row label;
    ``params`` the names of the parameters its formula reads, which reach the kernel as
    ``plan.channel.<name>_<param>`` (:class:`ChannelParams`), and ``arrays(cfg, factors)``
    their values, in the order of ``params``, from the validated config (``factors``: the rows
    of the deviations, for :func:`factor_weights`).
    """

    name: str
    group: str
    label: Callable[[PlanConfig], str]
    params: tuple[str, ...] = ()
    arrays: Callable[[PlanConfig, tuple[str, ...]], tuple] | None = None


#: The budget channels, in their order: the one registration of a channel's row in
#: :attr:`BudgetOut.contributions`, its label, its group and its parameters. A channel drawn
#: per path (``measures``, ``income``) takes its draws as arguments of the kernel instead.
BUDGET_CHANNELS = (
    Channel("financial_costs", "inflation_pensions",
            lambda cfg: "Finansiella kostnader (pensionsskulden)"),
    Channel("operations", "operations",
            lambda cfg: "Verksamhetens kostnader utöver prognos (volym, genomförande)",
            params=("weights",),
            arrays=lambda cfg, factors: (factor_weights(factors, cfg.operations.drivers),)),
    Channel("measures", "operations", lambda cfg: cfg.measures.label),
    Channel("income", "operations", lambda cfg: cfg.income.label),
)

#: The channels' driver keys, in :attr:`BudgetOut.contributions` order.
CHANNEL_DRIVERS = tuple(c.name for c in BUDGET_CHANNELS)

#: The registered channels' parameters, each field ``<channel>_<param>``: built from
#: :data:`BUDGET_CHANNELS` by :func:`channel_params`.
ChannelParams = NamedTuple("ChannelParams", [(f"{c.name}_{p}", object) for c in BUDGET_CHANNELS
                                             for p in c.params])


def channel_params(cfg: PlanConfig, factors: tuple[str, ...]) -> ChannelParams:
    """Every registered channel's parameters from the validated config."""
    values = []
    for c in BUDGET_CHANNELS:
        got = tuple(c.arrays(cfg, factors)) if c.params else ()
        if len(got) != len(c.params):
            raise ValueError(f"channel {c.name!r}: arrays gave {len(got)} values for its "
                             f"{len(c.params)} params {c.params}")
        values.extend(got)
    return ChannelParams(*values)


#: Where each driver's contribution goes in :attr:`BudgetOut.contributions` (``K`` components
#: first, then the tax revenue, the ``P`` funds from ``first_fund``, then
#: :data:`CHANNEL_DRIVERS`): built by :func:`driver_rows`, its fields made from the registration.
DriverRows = NamedTuple("DriverRows", [(name, int) for name in
                                       ("tax_revenue", "first_fund") + CHANNEL_DRIVERS])


def driver_rows(n_components: int, n_funds: int) -> DriverRows:
    """The contribution table's row of each driver, for ``K`` components and ``P`` funds."""
    after = n_components + 1 + n_funds
    return DriverRows(tax_revenue=n_components, first_fund=n_components + 1,
                      **{name: after + j for j, name in enumerate(CHANNEL_DRIVERS)})


class BalanceOut(NamedTuple):
    """The balance requirement's results, each (N, Y) [mnkr], in ``BALANCE_KEYS`` order."""

    rur_drawn: np.ndarray
    rur_reserved: np.ndarray
    rur_balance: np.ndarray
    balance_requirement_result_after_rur: np.ndarray
    deficit_restored: np.ndarray
    deficit_outstanding: np.ndarray
    deficit_unrestored: np.ndarray


#: The budget's results per path, each field an array [mnkr]: the seed's lines in
#: :class:`Lines` order (N, Y), ``operating_cost_components`` (N, K, Y) [negative, as costs],
#: ``contributions`` (N, D, Y) in ``driver_keys`` order, then the balance requirement's
#: :class:`BalanceOut` fields (N, Y). What :class:`sim.budget.Budget` returns.
BudgetResult = NamedTuple("BudgetResult", [(name, np.ndarray) for name in (
    Lines._fields + ("operating_cost_components", "contributions") + BalanceOut._fields)])


class PlanBudget(NamedTuple):
    """The plan's own budget (one path) and the parts its lines are built from, each with a
    leading path axis of one [mnkr]."""

    budget: BudgetResult
    planned_cost_measures: np.ndarray  # (1, Y) operating costs the components do not explain
    other_financial_income: np.ndarray  # (1, Y) financial income other than the funds'
    fund_return: np.ndarray           # (1, P, Y) each fund's planned return
    fund_unrealized: np.ndarray       # (1, P, Y) its unrealized part
