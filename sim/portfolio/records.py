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
           "PATH_LOCK_MONTHS", "N_PATH_STATS", "LIMIT_WINDOW"]


class FixedMix(NamedTuple):
    """A constant share of equity funds, rebalanced back to it (0: fixed income only)."""

    equity_weight: float          # [fraction]


class Dynamic(NamedTuple):
    """The dynamic allocation rule (``funds.<key>.strategy`` with ``kind = "dynamic"``).

    Protection level ``F = floor_share x H``, ``H`` the highest month-end NAV of the last
    ``window`` months; equity share ``w = clip((c - s_fi) / (s - s_fi), min_equity,
    max_equity)`` with the cushion ``c = (V - F) / V``, the equity stress ``s = clip(stress_z x
    vol x sqrt(h), stress_min, stress_max)`` and the fixed income's ``s_fi = stress_z x
    fixed_income_vol x sqrt(h)``: the exposure a fall of ``s`` in equity and ``s_fi`` in fixed
    income over the stress horizon (``h = stress_horizon / 12`` years) takes to the level, not
    below it, however often the share is reviewed (``rebalance_per_month``).
    """

    floor_share: float            # [fraction of the 24-month high]
    window: int                   # [months]
    min_equity: float             # [fraction]
    max_equity: float             # [fraction]
    stress_z: float               # [standard deviations]
    stress_min: float             # [fraction]
    stress_max: float             # [fraction]
    stress_horizon: float         # [months] the time the stress's fall can take (h = it / 12)
    ewma_lambda: float            # [1] per month (lambda^(1/steps) a generator step)
    initial_vol: float            # [percent per year] volatility before the first return
    initial_high: float           # [NAV, start = 1] the 24-month high at the start
    cash_lock_below: float        # [fraction] an equity share below it counts as cash lock
    fixed_income_vol: float       # [fraction per year] the fixed-income part's volatility in
                                  # the cushion arithmetic (0: counted as if it cannot fall)


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
    equity_shift: np.ndarray      # (Y,) log return added a month to equity, so the fund's
                                  # expected return is the plan's (0: the market's)
    fixed_income_shift: np.ndarray  # (Y,) the same for fixed income (a fund without equity)


class Market(NamedTuple):
    """The returns one block of paths sees (``N`` paths, ``M`` months, ``S = M x steps``), step
    by step: steps along the rows, paths along the columns, so a step's paths are contiguous
    for the kernel (:mod:`sim.portfolio._kernels`); :func:`sim.portfolio.step_market` makes
    it, once for every fund on the same returns."""

    equity_step: np.ndarray       # (S, N) log return per equity step
    equity_growth: np.ndarray     # (S, N) exp(equity_step)
    fixed_income_growth: np.ndarray  # (M, N) growth a step, (1 + fixed_income)^(1/steps)
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
    worst_fall_24m: np.ndarray    # [fraction] worst fall below the highest of the month-end
                                  # and the 23 before it (Bilaga 2's measure; the history
                                  # before the start at the rule's initial_high)
    # each month-end that enters a spell below the protection level (the month before was
    # above it): the spell, and its depth (NAV / level - 1) split exactly into the cushion at
    # the month's start, the month's equity and fixed-income results, its costs and the
    # level's own move, each as a fraction of the level; summed over the year's spells
    breach_spells: np.ndarray     # [1] spells begun in the year
    breach_depth: np.ndarray      # the year's lowest NAV / level - 1 at a month-end (0: none)
    breach_cushion: np.ndarray    # (NAV - level) / level at the start of the month
    breach_equity: np.ndarray     # the month's equity result per unit / level
    breach_fixed_income: np.ndarray  # the month's fixed-income result per unit / level
    breach_costs: np.ndarray      # - the month's transaction costs per unit / level
    breach_floor_move: np.ndarray  # - (level at the end - level at the start) / level
    path: np.ndarray              # (N, N_PATH_STATS) per-path statistics, columns below


#: Bilaga 2's yardstick: a fall is measured from the highest value of the last 24 months
#: (the month-end and the 23 before it), whatever the rule's own window.
LIMIT_WINDOW = 24

#: Columns of :attr:`FundOut.path`.
PATH_BREACH_MONTHS = 0
PATH_FIRST_BREACH = 1
PATH_WORST_DEPTH = 2
PATH_WORST_FALL_12M = 3
PATH_LOCK_MONTHS = 4
N_PATH_STATS = 5
