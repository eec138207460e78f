"""The three portfolios: the pension portfolio's dynamic allocation, the 75/25 mix and the
fixed-income buffer, with average-cost accounting of realized and unrealized gains.

``run_funds(cfg, equity_step, fixed_income)`` runs every fund of a plan config over the
generator's (or a replayed) returns and returns arrays with a ``fund`` axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import _kernels as K
from .records import N_PATH_STATS, Dynamic, FixedMix, Flows, FundOut, Market, Trading

__all__ = ["Fund", "FundPaths", "run_fund", "run_funds", "step_market", "fund_params",
           "YEARLY_KEYS",
           "MONTHLY_KEYS",
           "PATH_KEYS", "STAT_KEYS", "BREACH_PARTS", "FixedMix", "Dynamic", "Trading", "Flows",
           "fixed_income_vol"]

#: The monthly, yearly and per-path results, named as the fields of :class:`FundOut`.
MONTHLY_KEYS = ("nav", "value", "floor", "equity_weight")
YEARLY_KEYS = ("year_return", "realized", "unrealized_change", "value_end", "cost_basis",
               "breach_months", "cash_lock_months", "transaction_costs", "worst_fall_12m",
               "worst_fall_24m",
               "breach_spells", "breach_depth", "breach_cushion", "breach_equity", "breach_fixed_income",
               "breach_costs", "breach_floor_move")
#: The parts a spell's depth below the protection level is split into (``breach_<part>``).
BREACH_PARTS = ("cushion", "equity", "fixed_income", "costs", "floor_move")
PATH_KEYS = ("breach_months_total", "first_breach_month", "worst_depth_below_floor",
             "worst_fall_12m_total", "cash_lock_months_total")

#: The yearly and per-path results that are statistics of the month-ends, not the fund's
#: values and accounting: left out (None) when :func:`run_fund` runs without ``stats``.
STAT_KEYS = ("breach_months", "cash_lock_months", "worst_fall_12m", "worst_fall_24m",
             "breach_spells", "breach_depth", "breach_cushion", "breach_equity",
             "breach_fixed_income", "breach_costs", "breach_floor_move") + PATH_KEYS

#: What :func:`run_fund` and :func:`run_funds` return, named as :class:`FundOut`'s fields:
#: monthly (N, M) arrays (None when not asked for), yearly (N, Y) ones and per-path (N,)
#: statistics (:data:`PATH_KEYS`, the columns of :attr:`FundOut.path`); :func:`run_funds`
#: adds a ``fund`` axis 1.
FundPaths = NamedTuple("FundPaths", [(k, np.ndarray) for k in
                                     MONTHLY_KEYS + YEARLY_KEYS + PATH_KEYS])


@dataclass(frozen=True)
class Fund:
    """One fund resolved from the config: its key, strategy record, trading and flows."""

    key: str
    rule: FixedMix | Dynamic
    trading: Trading
    flows: Flows

    @property
    def has_floor(self) -> bool:
        """True for a fund with a protection level (the dynamic rule)."""
        return isinstance(self.rule, Dynamic)

    @property
    def start_value(self) -> float:
        return self.flows.start_value

    @property
    def holds_equity(self) -> bool:
        """True unless the fund is a fixed mix without equity."""
        return not (isinstance(self.rule, FixedMix) and self.rule.equity_weight == 0.0)

    @classmethod
    def from_config(cls, key: str, fund, first_year: int, n_years: int, start_year: int | None = None,
                    start_month: int = 0, state=None, fixed_income_vol: float = 0.0) -> Fund:
        """A fund of a validated plan config (``funds.<key>``) over ``n_years`` generator years
        from ``start_year`` (default: the plan's ``first_year``), starting in the generator's
        month ``start_month`` (the month after the information date) with its ``start_value``
        (default: the plan's capital of its first year). ``state``
        (:class:`sim.information.FundState`) replaces the start value, the 24-month high and
        the cost basis with the information date's. ``fixed_income_vol`` [fraction per year]
        is the fixed-income part's volatility a dynamic rule counts in its cushion when its
        ``fixed_income_in_cushion`` is true (:func:`fixed_income_vol`).

        A year's net flow is ``flows`` at its start, none before the series' first year; a
        fund rebased to its capital is rebased to the plan's capital of the year (its first
        year's before the plan)."""
        st = fund.strategy
        start_year = first_year if start_year is None else start_year
        years = start_year + np.arange(n_years)
        flows = np.array([fund.flows.at(int(yr)) if yr >= fund.flows.first_year else 0.0
                          for yr in years])
        if fund.payouts is not None:
            po = fund.payouts
            due = (years >= po.from_year) & (np.arange(n_years) > 0)
            flows -= np.where(due, po.first_amount.value * (1 + po.growth.value / 100.0)
                              ** (years - po.from_year), 0.0)
        target = np.full(n_years, np.nan)
        if fund.rebase_to_capital:
            cap = fund.capital
            # past a series with no extension rule, the capital is held at its last value
            target = np.array([cap.at(max(min(int(yr), cap.last_year) if cap.extend == "none"
                                          else int(yr), first_year)) for yr in years])
        trading = Trading(rebalance_per_month=st.rebalance_per_month,
                          no_trade_band=st.no_trade_band.value,
                          transaction_cost=st.transaction_cost.value)
        if st.kind == "fixed_mix":
            rule = FixedMix(equity_weight=st.equity_weight.value)
        else:
            given = {name: getattr(st, name).value for name in Dynamic._fields
                     if name != "fixed_income_vol"}
            rule = Dynamic(**given, fixed_income_vol=fixed_income_vol
                           if st.fixed_income_in_cushion else 0.0)
            rule = rule._replace(window=int(rule.window))
        start = (fund.capital.at(first_year) if fund.start_value is None
                 else fund.start_value.value)
        basis = fund.start_cost_basis.value
        if state is not None:
            start = start if state.value is None else state.value.value
            basis = basis if state.cost_basis is None else state.cost_basis.value
            if state.high is not None:
                rule = rule._replace(initial_high=state.high.value)
        return cls(key=key, rule=rule, trading=trading,
                   flows=Flows(start_value=start, start_month=int(start_month),
                               start_cost_basis=basis, net_flow=flows,
                               target_value=target, equity_shift=np.zeros(n_years),
                               fixed_income_shift=np.zeros(n_years)))


def run_fund(fund: Fund, equity_step: np.ndarray, fixed_income: np.ndarray,
             steps_per_month: int, out: FundPaths | None = None, monthly: bool = True,
             market: Market | None = None, stats: bool = True) -> FundPaths:
    """Run one fund over ``equity_step`` (N, M*steps) log returns and ``fixed_income`` (N, M)
    simple monthly returns. Returns monthly (N, M), yearly (N, Y) and per-path (N,) arrays,
    written into ``out`` when given (arrays of those shapes); without ``monthly``
    the monthly arrays are None. The monthly arrays it allocates are (N, M) views of (M, N)
    arrays, so the kernel's month-ends, a loop over the paths, write contiguous memory.
    ``market`` (:func:`step_market` of these returns), when given, saves computing it again
    for each fund on the same returns. Without ``stats`` the month-end statistics
    (:data:`STAT_KEYS`) are not kept, and are None: for a caller that reads the fund's values
    and accounting only, which are the same (the centring's pilot, the strategy's long
    horizon)."""
    n, m = fixed_income.shape
    if equity_step.shape != (n, m * steps_per_month):
        raise ValueError(f"equity steps: shape {equity_step.shape}, expected "
                         f"{(n, m * steps_per_month)} (paths, months x steps_per_month)")
    if steps_per_month % fund.trading.rebalance_per_month:
        raise ValueError(f"funds.{fund.key}.strategy.rebalance_per_month: "
                         f"{fund.trading.rebalance_per_month} does not divide the "
                         f"{steps_per_month} equity steps a month")
    y = -(-m // 12)
    if min(len(fund.flows.net_flow), len(fund.flows.target_value),
           len(fund.flows.equity_shift), len(fund.flows.fixed_income_shift)) < y:
        raise ValueError(f"flows: {len(fund.flows.net_flow)} years given, {y} needed")
    if out is None:
        out = _allocate(n, m, y, monthly=monthly)
    dummy = np.empty((1, 1))
    path = np.empty((n, N_PATH_STATS))
    equity_step = np.ascontiguousarray(equity_step, dtype=np.float64)
    fixed_income = np.ascontiguousarray(fixed_income, dtype=np.float64)
    if market is None:
        market = step_market(equity_step, fixed_income, steps_per_month)
    flows = Flows(float(fund.flows.start_value), int(fund.flows.start_month),
                  float(fund.flows.start_cost_basis),
                  np.ascontiguousarray(fund.flows.net_flow[:y], dtype=np.float64),
                  np.ascontiguousarray(fund.flows.target_value[:y], dtype=np.float64),
                  np.ascontiguousarray(fund.flows.equity_shift[:y], dtype=np.float64),
                  np.ascontiguousarray(fund.flows.fixed_income_shift[:y], dtype=np.float64))
    res = FundOut(*(getattr(out, k) if monthly else dummy for k in MONTHLY_KEYS),
                  *(getattr(out, k) for k in YEARLY_KEYS), path=path)
    K.portfolio_nb(market, fund.rule, fund.trading, flows, res, monthly, stats)
    if not stats:
        return out._replace(**{k: None for k in STAT_KEYS})
    for j, k in enumerate(PATH_KEYS):
        getattr(out, k)[...] = path[:, j]
    return out


def _allocate(n: int, m: int, y: int, lead: tuple[int, ...] = (),
              monthly: bool = True) -> FundPaths:
    return FundPaths(**{k: np.empty(lead + (m, n)).swapaxes(-1, -2) if monthly else None
                        for k in MONTHLY_KEYS},
                     **{k: np.zeros(lead + (n, y)) for k in YEARLY_KEYS},
                     **{k: np.empty(lead + (n,)) for k in PATH_KEYS})


def portfolio_variables(res: FundPaths) -> dict:
    """The results of :func:`run_funds` as xarray Variables named ``fund_<key>`` (dims path,
    fund, month/year); units and labels come from the catalogue when the Dataset is built.
    Monthly results not kept (None) are left out."""
    import xarray as xr

    out = {}
    for key, arr in res._asdict().items():
        if arr is None:
            continue
        if key in MONTHLY_KEYS:
            dims = ("path", "fund", "month")
        elif key in YEARLY_KEYS:
            dims = ("path", "fund", "year")
        else:
            dims = ("path", "fund")
        out[f"fund_{key}"] = xr.Variable(dims, arr)
    return out


def fixed_income_vol(cfg) -> float:
    """The fixed-income funds' yearly volatility [fraction] as the generator makes it: their
    return is carry less duration times the short rate's change, so duration x the short
    rate's volatility (the manager's estimate in the rule's cushion arithmetic)."""
    esg = cfg.esg
    return esg.fixed_income.duration.value * esg.short_rate.sigma.value / 100.0


def fund_params(cfg, n_years: int | None = None, at_plan_start: bool = False) -> list[Fund]:
    """Every fund of a validated plan config over the generator's years (the pre-plan years
    and the horizon; ``n_years`` overrides), each starting the month after the information
    date (:mod:`sim.information`), or in January of the plan's first year without one or with
    ``at_plan_start`` (a replayed path)."""
    first = cfg.meta.first_year
    fi_vol = fixed_income_vol(cfg)
    if at_plan_start:
        n_years = cfg.simulation.horizon_years if n_years is None else n_years
        return [Fund.from_config(k, f, first, n_years, fixed_income_vol=fi_vol)
                for k, f in cfg.funds.items()]
    start = cfg.start_year
    n_years = cfg.simulation.horizon_years + first - start if n_years is None else n_years
    info = cfg.information
    start_month = 0
    if info is not None:
        y, m = info.month
        start_month = (y - start) * 12 + m
    return [Fund.from_config(k, f, first, n_years, start, start_month,
                             None if info is None else info.funds.get(k), fi_vol)
            for k, f in cfg.funds.items()]


def step_market(equity_step: np.ndarray, fixed_income: np.ndarray,
                steps_per_month: int) -> Market:
    """The returns step by step, as the kernel reads them (:class:`Market`), the same for
    every fund on them (computed once): the log returns, their growth factors
    ``exp(equity_step)`` (NumPy's exponential, written step by step) and the fixed income's
    ``(1 + r)^(1/steps)`` a step, each transposed so a step's paths are contiguous."""
    equity_step = np.ascontiguousarray(equity_step, dtype=np.float64)
    fixed_income = np.ascontiguousarray(fixed_income, dtype=np.float64)
    by_step = np.ascontiguousarray(equity_step.T)
    return Market(by_step, np.exp(by_step),
                  K.fixed_income_growth_nb(fixed_income, steps_per_month,
                                           np.empty(fixed_income.shape[::-1])),
                  steps_per_month)


def run_funds(params: list[Fund], equity_step: np.ndarray, fixed_income: np.ndarray,
              steps_per_month: int, monthly: bool = True, memo: dict | None = None,
              keys: list | None = None) -> FundPaths:
    """All funds on the same returns (common random numbers); arrays gain a ``fund`` axis 1.

    Each fund fills its own contiguous slab of a (fund, path, ...) array, the monthly ones of
    a (fund, month, path) array; the result is a (path, fund, ...) view of them, so nothing is
    copied.

    ``memo`` (with ``keys``, one per fund: a digest of its parameters) holds what was run
    before on these same returns, so a fund another run already ran is copied, not run again
    (:class:`sim.engine.SharedBlock`); a fund run here is added to it. Results are read, never
    written, after they are returned, so the memo's arrays stay as computed."""
    n, m = fixed_income.shape
    slabs = _allocate(n, m, -(-m // 12), lead=(len(params),), monthly=monthly)
    equity_step = np.ascontiguousarray(equity_step, dtype=np.float64)
    if memo is None:
        market = step_market(equity_step, fixed_income, steps_per_month)  # once for all
    else:
        if "market" not in memo:
            memo["market"] = step_market(equity_step, fixed_income, steps_per_month)
        market = memo["market"]
    for j, p in enumerate(params):
        out = FundPaths(*(None if v is None else v[j] for v in slabs))
        key = None if memo is None else (keys[j], steps_per_month, monthly)
        if key is not None and key in memo:
            for dst, src in zip(out, memo[key]):
                if dst is not None:
                    dst[...] = src
            continue
        run_fund(p, equity_step, fixed_income, steps_per_month, out=out, monthly=monthly,
                 market=market)
        if key is not None:
            memo[key] = out
    return FundPaths(*(None if v is None else np.moveaxis(v, 0, 1) for v in slabs))
