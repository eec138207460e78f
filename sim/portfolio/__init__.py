"""The three portfolios: the pension portfolio's dynamic allocation, the 75/25 mix and the
fixed-income buffer, with average-cost accounting of realized and unrealized gains.

``run_funds(cfg, equity_step, fixed_income)`` runs every fund of a plan config over the
generator's (or a replayed) returns and returns arrays with a ``fund`` axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K

__all__ = ["FundParams", "run_fund", "run_funds", "YEARLY_KEYS", "MONTHLY_KEYS", "PATH_KEYS"]

MONTHLY_KEYS = ("nav", "value", "floor", "equity_weight")
YEARLY_KEYS = ("return", "realized", "unrealized_change", "value_end", "cost_basis",
               "breach_months", "cash_lock_months", "transaction_costs", "worst_fall_12m")
PATH_KEYS = ("breach_months_total", "first_breach_month", "worst_depth_below_floor",
             "worst_fall_12m_total", "cash_lock_months_total")

@dataclass(frozen=True)
class FundParams:
    """One fund's strategy as numbers (per generator step where it matters)."""

    key: str
    kind: int
    w_fixed: float
    floor_share: float
    window: int
    w_min: float
    w_max: float
    stress_z: float
    s_min: float
    s_max: float
    lam: float
    var0: float
    high0: float
    band: float
    cost: float
    rebalance_every: int      # generator steps between rebalancings
    start_value: float        # mnkr at the start of the first year
    flows: np.ndarray         # (Y,) net flow at the start of each year, 0 for the first
    target: np.ndarray        # (Y,) value to rebase to at the start of each year, NaN for none
    cash_lock: float = 0.0    # equity weight below which a month counts as "cash lock"

    @classmethod
    def from_config(cls, key: str, fund, steps_per_month: int, first_year: int,
                    n_years: int) -> FundParams:
        st = fund.strategy
        flows = np.array([0.0] + [fund.flows.at(first_year + y) for y in range(1, n_years)])
        if fund.payouts is not None:
            po = fund.payouts
            years = first_year + np.arange(n_years)
            due = (years >= po.from_year) & (np.arange(n_years) > 0)
            flows -= np.where(due, po.first_amount.value * (1 + po.growth.value / 100.0)
                              ** (years - po.from_year), 0.0)
        target = np.full(n_years, np.nan)
        if fund.rebase_to_capital:
            cap = fund.capital
            # past a series with no extension rule, the capital is held at its last value
            target = np.array([cap.at(min(year, cap.last_year) if cap.extend == "none" else year)
                               for year in range(first_year, first_year + n_years)])
        common = dict(key=key, band=st.no_trade_band.value, cost=st.transaction_cost.value,
                      rebalance_every=steps_per_month // st.rebalance_per_month,
                      start_value=fund.capital.at(first_year), flows=flows, target=target)
        if st.kind == "fixed_mix":
            return cls(kind=K.FIXED_MIX, w_fixed=st.equity_weight.value, floor_share=0.0,
                       window=1, w_min=0.0, w_max=1.0, stress_z=0.0, s_min=1.0, s_max=1.0,
                       lam=0.0, var0=0.0, high0=1.0, **common)
        var0 = (st.initial_vol.value / 100.0) ** 2 / (12 * steps_per_month)
        return cls(kind=K.DYNAMIC, w_fixed=math.nan, floor_share=st.floor_share.value,
                   window=int(st.window.value), w_min=st.min_equity.value,
                   w_max=st.max_equity.value, stress_z=st.stress_z.value,
                   s_min=st.stress_min.value, s_max=st.stress_max.value,
                   lam=st.ewma_lambda.value, var0=var0, high0=st.initial_high.value,
                   cash_lock=st.cash_lock_below.value, **common)


def run_fund(p: FundParams, equity_step: np.ndarray, fixed_income: np.ndarray,
             steps_per_month: int, out: dict[str, np.ndarray] | None = None,
             equity_growth: np.ndarray | None = None, monthly: bool = True
             ) -> dict[str, np.ndarray]:
    """Run one fund over ``equity_step`` (N, M*steps) log returns and ``fixed_income`` (N, M)
    simple monthly returns. Returns monthly (N, M), yearly (N, Y) and per-path (N,) arrays,
    written into ``out`` when given (contiguous arrays of those shapes); without ``monthly``
    the monthly arrays are left out."""
    n, m = fixed_income.shape
    if equity_step.shape != (n, m * steps_per_month):
        raise ValueError(f"equity steps: shape {equity_step.shape}, expected "
                         f"{(n, m * steps_per_month)} (paths, months x steps_per_month)")
    y = -(-m // 12)
    if len(p.flows) < y or len(p.target) < y:
        raise ValueError(f"flows: {len(p.flows)} years given, {y} needed")
    if out is None:
        out = _allocate(n, m, y, monthly=monthly)
    dummy = np.empty((1, 1))
    path = np.empty((n, K.N_PATH_STATS))
    equity_step = np.ascontiguousarray(equity_step, dtype=np.float64)
    if equity_growth is None:
        equity_growth = np.exp(equity_step)
    K.portfolio_nb(equity_step, equity_growth,
                   np.ascontiguousarray(fixed_income, dtype=np.float64), steps_per_month,
                   p.rebalance_every, p.kind, p.w_fixed, p.floor_share, p.window, p.w_min,
                   p.w_max, p.stress_z, p.s_min, p.s_max, p.lam, p.var0, p.high0, p.band, p.cost,
                   p.cash_lock, p.start_value, np.ascontiguousarray(p.flows[:y], dtype=np.float64),
                   np.ascontiguousarray(p.target[:y], dtype=np.float64), monthly,
                   *(out[k] if monthly else dummy for k in MONTHLY_KEYS),
                   *(out[k] for k in YEARLY_KEYS), path)
    for j, k in enumerate(PATH_KEYS):
        out[k][...] = path[:, j]
    return out


def _allocate(n: int, m: int, y: int, lead: tuple[int, ...] = (),
              monthly: bool = True) -> dict[str, np.ndarray]:
    out = {k: np.empty(lead + (n, m)) for k in MONTHLY_KEYS} if monthly else {}
    out.update({k: np.zeros(lead + (n, y)) for k in YEARLY_KEYS})
    out.update({k: np.empty(lead + (n,)) for k in PATH_KEYS})
    return out


#: Units of the portfolio variables (name in the Dataset: ``fund_`` + key).
UNITS = {"nav": "1", "value": "mnkr", "floor": "mnkr", "equity_weight": "1", "return": "mnkr",
         "realized": "mnkr", "unrealized_change": "mnkr", "value_end": "mnkr",
         "cost_basis": "mnkr", "breach_months": "months", "cash_lock_months": "months",
         "transaction_costs": "mnkr", "worst_fall_12m": "1", "breach_months_total": "months",
         "first_breach_month": "month index", "worst_depth_below_floor": "1",
         "worst_fall_12m_total": "1", "cash_lock_months_total": "months"}


def portfolio_variables(res: dict[str, np.ndarray]) -> dict:
    """The results of :func:`run_funds` as xarray Variables (dims path, fund, month/year)."""
    import xarray as xr

    from ..labels import LABELS_SV

    out = {}
    for key, arr in res.items():
        name = "fund_year_return" if key == "return" else f"fund_{key}"
        if key in MONTHLY_KEYS:
            dims = ("path", "fund", "month")
        elif key in YEARLY_KEYS:
            dims = ("path", "fund", "year")
        else:
            dims = ("path", "fund")
        out[name] = xr.Variable(dims, arr, attrs={"units": UNITS[key],
                                                  "long_name": LABELS_SV[name]})
    return out


def fund_params(cfg, n_years: int | None = None) -> list[FundParams]:
    """Every fund of a validated plan config, resolved for its generator's step."""
    n_years = cfg.simulation.horizon_years if n_years is None else n_years
    spm = cfg.esg.equity.steps_per_month
    return [FundParams.from_config(k, f, spm, cfg.meta.first_year, n_years)
            for k, f in cfg.funds.items()]


def run_funds(params: list[FundParams], equity_step: np.ndarray, fixed_income: np.ndarray,
              steps_per_month: int, monthly: bool = True) -> dict[str, np.ndarray]:
    """All funds on the same returns (common random numbers); arrays gain a ``fund`` axis 1.

    Each fund fills its own contiguous slab of a (fund, path, ...) array; the result is a
    (path, fund, ...) view of it, so nothing is copied."""
    n, m = fixed_income.shape
    slabs = _allocate(n, m, -(-m // 12), lead=(len(params),), monthly=monthly)
    equity_step = np.ascontiguousarray(equity_step, dtype=np.float64)
    growth = np.exp(equity_step)                  # once for every fund
    for j, p in enumerate(params):
        run_fund(p, equity_step, fixed_income, steps_per_month,
                 out={k: v[j] for k, v in slabs.items()}, equity_growth=growth, monthly=monthly)
    return {k: np.moveaxis(v, 0, 1) for k, v in slabs.items()}
