"""The records that cross the numba boundary of the portfolios, named as in the config.

A fund's strategy is one of two records, and its type is what the kernel dispatches on (numba
compiles one specialization per record type): :class:`FixedMix` holds a constant equity share,
:class:`Dynamic` is the protection-level rule of Bilaga 2 with the config's own keys
(``funds.<key>.strategy.*``). Neither carries fields of the other kind.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FixedMix", "Dynamic", "Trading", "Flows", "Market", "FundOut",
           "PATH_BREACH_MONTHS", "PATH_FIRST_BREACH", "PATH_WORST_DEPTH", "PATH_WORST_FALL_12M",
           "PATH_LOCK_MONTHS", "N_PATH_STATS"]


class FixedMix(NamedTuple):
    """A constant share of equity funds, rebalanced back to it (0: fixed income only)."""

    equity_weight: float          # [fraction]


class Dynamic(NamedTuple):
    """The dynamic allocation rule (``funds.<key>.strategy`` with ``kind = "dynamic"``).

    Protection level ``F = floor_share x H``, ``H`` the highest month-end NAV of the last
    ``window`` months; equity share ``w = clip((V - F) / (V s), min_equity, max_equity)`` with
    ``s = clip(stress_z x vol x sqrt(h), stress_min, stress_max)``.
    """

    floor_share: float            # [fraction of the 24-month high]
    window: int                   # [months]
    min_equity: float             # [fraction]
    max_equity: float             # [fraction]
    stress_z: float               # [standard deviations]
    stress_min: float             # [fraction]
    stress_max: float             # [fraction]
    ewma_lambda: float            # [1] per generator step
    initial_vol: float            # [percent per year] volatility before the first return
    initial_high: float           # [NAV, start = 1] the 24-month high at the start
    cash_lock_below: float        # [fraction] an equity share below it counts as cash lock


class Trading(NamedTuple):
    """How often and at what cost a fund trades (``funds.<key>.strategy``)."""

    rebalance_per_month: int      # [1/month] 1 monthly, 4 weekly, 21 daily
    no_trade_band: float          # [fraction] trade only when |w - held| exceeds it
    transaction_cost: float       # [fraction of the traded amount]


class Flows(NamedTuple):
    """Money in and out of a fund, per year of the generator's horizon [mnkr]."""

    start_value: float            # value when the fund starts (at the end of month start_month-1)
    start_month: int              # the generator's month the fund starts in (0: its first
                                  # January; the month after the information date)
    start_cost_basis: float       # [fraction of start_value] the holdings' cost basis then
    net_flow: np.ndarray          # (Y,) at the start of each year; the first year's is not used
    target_value: np.ndarray      # (Y,) value to rebase to at a year start, NaN for none
    centre_shift: np.ndarray      # (Y,) log return added a month to both asset classes, so
                                  # the fund's expected return is the plan's (0: the market's)


class Market(NamedTuple):
    """The returns one block of paths sees (``N`` paths, ``M`` months, ``S = M x steps``)."""

    equity_step: np.ndarray       # (N, S) log return per equity step
    equity_growth: np.ndarray     # (N, S) exp(equity_step), computed once for every fund
    fixed_income: np.ndarray      # (N, M) simple return per month
    steps_per_month: int          # equity steps a month


class FundOut(NamedTuple):
    """A fund's results for a block. Monthly (N, M) arrays are written only when asked (else
    they may be (1, 1) placeholders); yearly (N, Y) [mnkr unless stated]; ``path`` (N, 5)."""

    nav: np.ndarray               # month-end NAV [start = 1]
    value: np.ndarray             # month-end value
    floor: np.ndarray             # month-end protection level (NaN without one)
    equity_weight: np.ndarray     # month-end equity share [fraction]
    year_return: np.ndarray       # value change less net flow
    realized: np.ndarray          # realized gains and losses (costs included)
    unrealized_change: np.ndarray
    value_end: np.ndarray
    cost_basis: np.ndarray
    breach_months: np.ndarray     # [months] month-ends below the protection level
    cash_lock_months: np.ndarray  # [months] month-ends with equity below cash_lock_below
    transaction_costs: np.ndarray
    worst_fall_12m: np.ndarray    # [fraction] worst fall against the 12 month-ends before
    path: np.ndarray              # (N, N_PATH_STATS) per-path statistics, columns below


#: Columns of :attr:`FundOut.path`.
PATH_BREACH_MONTHS = 0
PATH_FIRST_BREACH = 1
PATH_WORST_DEPTH = 2
PATH_WORST_FALL_12M = 3
PATH_LOCK_MONTHS = 4
N_PATH_STATS = 5
