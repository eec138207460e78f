"""The Monte Carlo run: blocks of paths through the generator, the portfolios and the budget.

Each block of ``simulation.block_size`` paths draws its own random stream (see
:mod:`sim.esg.model`), runs the numba kernels and returns its per-path yearly results; the main
thread folds the blocks into a :class:`Summary` **in block order**, so the result is
bit-identical for any number of threads and any order in which blocks finish. In ``summary``
mode memory does not grow with the number of paths: counts, sums and fixed-bin histograms only.
``annual`` also keeps every path's yearly results, ``monthly`` its monthly paths (float32).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import blocks
from .analysis import Histogram, standard_error, wilson
from .budget import BALANCE_KEYS, LINE_KEYS, Budget, BudgetPlan
from .esg import esg_params
from .esg.model import (ANNUAL_FACTORS, Innovations, Shifts, block_seed, draw_innovations,
                        simulate_block, zero_innovations)
from .catalogue import annotate, label
from .portfolio import MONTHLY_KEYS, fund_params, portfolio_variables, run_funds

__all__ = ["Engine", "Summary", "run", "STORE_MODES"]

STORE_MODES = ("summary", "annual", "monthly")
#: Per-path yearly results kept by ``--store annual``.
KEPT_KEYS = frozenset(LINE_KEYS + BALANCE_KEYS + ("kpif_annual", "annual_growth", "contributions"))
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
#: Grids of the monthly fan statistics (``fans=True``): value and floor as multiples of the
#: fund's start value, and the equity weight.
VALUE_RATIO_RANGE = (0.0, 4.0, 4000)
WEIGHT_RANGE = (0.0, 1.0 + 1e-9, 1000)
#: Range of the mnkr histograms: results beyond it are counted, and their quantiles reported NaN.
MNKR_RANGE = (-30000.0, 30000.0, 60000)


@dataclass
class Engine:
    """Everything a block needs, resolved once from a validated plan config."""

    cfg: object
    seed: int

    def __post_init__(self):
        cfg = self.cfg
        self.plan = BudgetPlan.from_config(cfg)
        self.esg = esg_params(cfg)
        self.funds = fund_params(cfg)
        self.steps = cfg.esg.equity.steps_per_month
        self.block_size = cfg.simulation.block_size
        self.first_year = cfg.meta.first_year
        self.loss_limits = np.array([np.nan if f.loss_limit is None else f.loss_limit.value
                                     for f in cfg.funds.values()])
        self.by_sales = np.array([f.bkr_treatment == "sales" for f in cfg.funds.values()])
        self.budget = Budget(self.plan, self.by_sales)
        self.plan_lines = self.budget.deterministic()
        self.drivers = self.budget.drivers
        self.driver_labels = self.plan.component_labels + (label("tax_revenue"),) + tuple(
            f"{lab}, realiserat" for lab in self.plan.fund_labels) + (
            "Finansiella kostnader (pensionsskulden)",)

    def n_blocks(self, n_paths: int) -> int:
        return blocks.n_blocks(n_paths, self.block_size)

    def innovations(self, b: int, n: int, deterministic: bool = False) -> Innovations:
        if deterministic:
            return zero_innovations(self.esg, n)
        return draw_innovations(self.esg, block_seed(self.seed, b), n)

    def run_block(self, inn: Innovations, keep_monthly: bool = False,
                  shifts: Shifts | None = None, fund_months: bool = False,
                  fund_offset: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> dict[str, np.ndarray]:
        """Factors (moved by ``shifts`` when given) -> funds -> budget for one block's
        innovations; yearly arrays per path. ``keep_monthly`` adds the monthly paths of the
        generator and the funds, ``fund_months`` those of the funds only (for the fans).

        ``fund_offset`` (return, unrealized change), each (P, Y) mnkr, is added to the funds'
        yearly results as the budget sees them (the funds' own outputs are left as simulated):
        the deterministic stress test uses it to measure a scenario against the plan."""
        esg = simulate_block(self.esg, inn, shifts)
        funds = run_funds(self.funds, esg["equity_step"], esg["fixed_income_return"], self.steps,
                          monthly=keep_monthly or fund_months)
        y = self.plan.n_years
        dev = np.concatenate([esg["inflation_deviation"][:, None],
                              np.moveaxis(esg["annual_deviation"], 2, 1)], axis=1)
        ret, unreal = funds["year_return"], funds["unrealized_change"]
        if fund_offset is not None:
            ret, unreal = ret[:, :, :y] + fund_offset[0], unreal[:, :, :y] + fund_offset[1]
        out = self.budget(dev, ret, unreal)
        out["kpif_annual"] = esg["kpif_annual"][:, :y]
        out["annual_growth"] = esg["annual_growth"][:, :y]
        for key, arr in funds.items():
            out[f"funds_{key}"] = arr
        if keep_monthly:
            for key in ("equity_log_return", "short_rate", "fixed_income_return", "kpif"):
                out[f"esg_{key}"] = esg[key].astype(np.float32)
        return out


class Summary:
    """Streaming statistics of a run, folded block by block in block order."""

    def __init__(self, engine: Engine, fans: bool = False):
        self.e = engine
        self.fans = fans
        y, p, d = engine.plan.n_years, len(engine.funds), len(engine.drivers)
        self.n = 0
        self.count = {k: np.zeros(y, np.int64) for k in
                      ("deficit", "below_goal", "unrestored", "rur_used_up")}
        self.fund_count = {k: np.zeros((p, y), np.int64) for k in ("breach", "fall_over_limit")}
        self.fund_ever = {k: np.zeros(p, np.int64) for k in ("breach", "fall_over_limit")}
        self.sum = {k: np.zeros(y) for k in ("net_result", "balance_requirement_result")}
        self.sumsq = {k: np.zeros(y) for k in self.sum}
        self.contrib_all = np.zeros((d, y))
        self.contrib_deficit = np.zeros((d, y))
        self.hist = {k: Histogram(*MNKR_RANGE, columns=y) for k in self.sum}
        self.return_pct = Histogram(-100.0, 100.0, 20000, columns=p * y)
        self.fall = Histogram(0.0, 1.0, 10000, columns=p)
        self.ret_sum = np.zeros(p)
        self.ret_sumsq = np.zeros(p)
        self.ret_n = 0
        if fans:
            m = engine.esg.n_months
            self.start = np.array([f.start_value for f in engine.funds])
            self.value_fan = Histogram(*VALUE_RATIO_RANGE, columns=p * m)
            self.floor_fan = Histogram(*VALUE_RATIO_RANGE, columns=p * m)
            self.weight_fan = Histogram(*WEIGHT_RANGE, columns=p * m)
            self.lock = np.zeros((p, m), np.int64)
            self.cash_lock = np.array([f.rule.cash_lock_below if f.has_floor else 0.0
                                       for f in engine.funds])
            self.dynamic = np.array([f.has_floor for f in engine.funds])

    # A block's statistics are reduced to parts (``reduce``) and folded in (``fold``). The
    # floating-point sums ("f") must be folded in block order to be bit-identical; the integer
    # counts and histograms ("i", "h") are exact in any order, so a worker may pre-aggregate
    # them over its blocks (``fold_counts``, ``merge_counts``; see sim.distributed).

    def add(self, r: dict[str, np.ndarray]) -> None:
        """Fold one block's results (the next block in block order)."""
        self.fold(self.reduce(r))

    def reduce(self, r: dict[str, np.ndarray]) -> dict[str, dict]:
        """A block's statistics: float sums "f", integer counts "i", histogram inputs "h"."""
        e = self.e
        y = e.plan.n_years
        bkr = r["balance_requirement_result"]
        deficit = bkr < 0
        f, i, h = {}, {}, {}
        i["n"] = bkr.shape[0]
        i["count.deficit"] = deficit.sum(axis=0)
        i["count.below_goal"] = (bkr < r["required_result_1pct"]).sum(axis=0)
        i["count.unrestored"] = (r["deficit_unrestored"] > 0).sum(axis=0)
        i["count.rur_used_up"] = ((r["rur_balance"] <= 1e-9) & (e.plan.rur_start > 0)).sum(0)
        breach = r["funds_breach_months"][:, :, :y] > 0
        over = r["funds_worst_fall_12m"][:, :, :y] > e.loss_limits[None, :, None]  # NaN: never
        i["fund_count.breach"] = breach.sum(axis=0)
        i["fund_count.fall_over_limit"] = over.sum(axis=0)
        i["fund_ever.breach"] = breach.any(axis=2).sum(axis=0)
        i["fund_ever.fall_over_limit"] = over.any(axis=2).sum(axis=0)
        for k in self.sum:
            f[f"sum.{k}"] = r[k].sum(axis=0)
            f[f"sumsq.{k}"] = (r[k] ** 2).sum(axis=0)
            h[f"hist.{k}"] = r[k]
        c = r["contributions"]
        f["contrib_all"] = c.sum(axis=0)
        f["contrib_deficit"] = (c * deficit[:, None, :]).sum(axis=0)
        start = r["funds_value_end"][:, :, :y] - r["funds_year_return"][:, :, :y]
        pct = 100.0 * r["funds_year_return"][:, :, :y] / np.where(start > 0, start, np.nan)
        pct = np.nan_to_num(pct, nan=0.0)
        h["return_pct"] = pct.reshape(pct.shape[0], -1)
        f["ret_sum"] = pct.sum(axis=(0, 2))
        f["ret_sumsq"] = (pct ** 2).sum(axis=(0, 2))
        i["ret_n"] = pct.shape[0] * pct.shape[2]
        h["fall"] = r["funds_worst_fall_12m"][:, :, :y].max(axis=2)
        if self.fans:
            n = bkr.shape[0]
            scale = np.where(self.start > 0, self.start, 1.0)[None, :, None]
            h["value_fan"] = (r["funds_value"] / scale).reshape(n, -1)
            h["floor_fan"] = np.nan_to_num(r["funds_floor"] / scale, nan=0.0).reshape(n, -1)
            w = r["funds_equity_weight"]
            h["weight_fan"] = w.reshape(n, -1)
            i["lock"] = ((w < self.cash_lock[None, :, None]) & self.dynamic[None, :, None]).sum(0)
        return {"f": f, "i": i, "h": h}

    def _slot(self, key: str):
        """The attribute (or dict entry) a part's key names: 'sum.net_result' -> self.sum[...]."""
        head, _, tail = key.partition(".")
        return (getattr(self, head), tail) if tail else (self.__dict__, head)

    def fold(self, part: dict[str, dict]) -> None:
        self.fold_floats(part["f"])
        self.fold_counts(part)

    def fold_floats(self, floats: dict[str, np.ndarray]) -> None:
        for key, v in floats.items():
            box, k = self._slot(key)
            box[k] = box[k] + v

    def fold_counts(self, part: dict[str, dict]) -> None:
        for key, v in part["i"].items():
            box, k = self._slot(key)
            box[k] = box[k] + v
        for key, v in part["h"].items():
            box, k = self._slot(key)
            box[k].add(v)

    def counts(self) -> dict[str, dict]:
        """The integer state (counts and histograms), to merge into another Summary."""
        i = {k: self._get(k) for k in self._INT_KEYS + (("lock",) if self.fans else ())}
        h = {k: self._get(k) for k in self._hist_keys()}
        for hist in h.values():
            hist.flush()
        return {"i": i, "h": h}

    def _get(self, key: str):
        box, k = self._slot(key)
        return box[k]

    def merge_counts(self, state: dict[str, dict]) -> None:
        for key, v in state["i"].items():
            box, k = self._slot(key)
            box[k] = box[k] + v
        for key, v in state["h"].items():
            box, k = self._slot(key)
            box[k].merge(v)

    _INT_KEYS = ("n", "ret_n", "count.deficit", "count.below_goal", "count.unrestored",
                 "count.rur_used_up", "fund_count.breach", "fund_count.fall_over_limit",
                 "fund_ever.breach", "fund_ever.fall_over_limit")

    def _hist_keys(self) -> tuple[str, ...]:
        keys = tuple(f"hist.{k}" for k in self.sum) + ("return_pct", "fall")
        return keys + (("value_fan", "floor_fan", "weight_fan") if self.fans else ())

    def dataset(self):
        """The summary as an xarray Dataset (dims year, fund, quantile, driver)."""
        import xarray as xr  # imported here: a run's first paths do not wait for xarray

        e, n = self.e, self.n
        years = e.plan.years
        funds = list(e.plan.fund_keys)
        data: dict[str, tuple] = {}

        def prob(name: str, k: np.ndarray, dims: tuple) -> None:
            p = k / n
            lo, hi = wilson(k, n)
            data[f"p_{name}"] = (dims, p)
            data[f"p_{name}_se"] = (dims, standard_error(p, n))
            data[f"p_{name}_lo"] = (dims, lo)
            data[f"p_{name}_hi"] = (dims, hi)

        prob("deficit", self.count["deficit"], ("year",))
        prob("below_goal", self.count["below_goal"], ("year",))
        prob("unrestored", self.count["unrestored"], ("year",))
        prob("rur_used_up", self.count["rur_used_up"], ("year",))
        prob("fund_breach", self.fund_count["breach"], ("fund", "year"))
        prob("fund_fall_over_limit", self.fund_count["fall_over_limit"], ("fund", "year"))
        prob("fund_breach_ever", self.fund_ever["breach"], ("fund",))
        prob("fund_fall_over_limit_ever", self.fund_ever["fall_over_limit"], ("fund",))
        for key, name in (("net_result", "net_result"), ("balance_requirement_result", "bkr")):
            mean = self.sum[key] / n
            var = np.maximum(self.sumsq[key] / n - mean ** 2, 0.0) * n / max(n - 1, 1)
            data[f"{name}_mean"] = (("year",), mean)
            data[f"{name}_mean_se"] = (("year",), np.sqrt(var / n))
            data[f"{name}_std"] = (("year",), np.sqrt(var))
            q = np.array([self.hist[key].quantile(x) for x in QUANTILES])
            data[f"{name}_quantile"] = (("quantile", "year"), q)
            data[f"{name}_es05"] = (("year",), self.hist[key].shortfall(0.05))
            data[f"{name}_plan"] = (("year",), e.plan_lines[key][0])
        data["required_result_1pct_plan"] = (("year",), e.plan_lines["required_result_1pct"][0])
        q = np.array([self.return_pct.quantile(x) for x in QUANTILES]).reshape(len(QUANTILES), len(funds), -1)
        data["fund_return_pct_quantile"] = (("quantile", "fund", "year"), q)
        data["fund_worst_fall_12m_quantile"] = (
            ("quantile", "fund"), np.array([self.fall.quantile(x) for x in QUANTILES]))
        mean = self.ret_sum / max(self.ret_n, 1)
        data["fund_return_pct_mean"] = (("fund",), mean)
        data["fund_return_pct_std"] = (("fund",), np.sqrt(np.maximum(
            self.ret_sumsq / max(self.ret_n, 1) - mean ** 2, 0.0)))
        counts = self.fall.counts.reshape(len(funds), 100, -1).sum(axis=2)     # 1 % bins
        data["fund_worst_fall_share"] = (("fund", "fall_bin"), counts / max(n, 1))
        if self.fans:
            m = e.esg.n_months
            p = len(funds)
            start = self.start[None, :, None]

            def fan(h: Histogram) -> np.ndarray:
                return np.array([h.quantile(x) for x in QUANTILES]).reshape(len(QUANTILES), p, m)

            data["fund_value_fan"] = (("quantile", "fund", "month"), fan(self.value_fan) * start)
            floor = np.where(self.dynamic[None, :, None], fan(self.floor_fan) * start, np.nan)
            data["fund_floor_fan"] = (("quantile", "fund", "month"), floor)
            data["fund_equity_weight_fan"] = (("quantile", "fund", "month"), fan(self.weight_fan))
            data["p_fund_cash_lock"] = (("fund", "month"), np.where(
                self.dynamic[:, None], self.lock / max(n, 1), np.nan))
        data["fund_loss_limit"] = (("fund",), e.loss_limits)
        n_def = np.maximum(self.count["deficit"], 1)
        data["contribution_mean"] = (("driver", "year"), self.contrib_all / n)
        data["contribution_mean_deficit"] = (("driver", "year"), np.where(
            self.count["deficit"] > 0, self.contrib_deficit / n_def, np.nan))
        coords = {"year": years, "quantile": list(QUANTILES), "fund": funds,
                  "fund_label": ("fund", list(e.plan.fund_labels)),
                  "driver": list(e.drivers),
                  "driver_label": ("driver", list(e.driver_labels)),
                  "fall_bin": ("fall_bin", np.arange(100) / 100.0)}
        if self.fans:
            first = f"{int(e.esg.years[0])}-01"
            coords["month"] = np.arange(e.esg.n_months)
            coords["time"] = ("month", np.arange(
                np.datetime64(first, "M"), np.datetime64(first, "M") + e.esg.n_months,
                dtype="datetime64[M]").astype("datetime64[ns]"))
        ds = xr.Dataset(data, coords=coords)
        ds.attrs["paths"] = n
        return annotate(ds)


def _paths_dataset(e: Engine, blocks: list[dict], monthly: bool):
    """Per-path yearly (and monthly) results of every block, concatenated in block order."""
    import xarray as xr

    cat = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    n, y = cat["net_result"].shape
    data = {key: xr.Variable(("path", "year"), cat[key])
            for key in LINE_KEYS + BALANCE_KEYS + ("kpif_annual",)}
    data["annual_growth"] = xr.Variable(("path", "year", "factor"), cat["annual_growth"])
    data["contributions"] = xr.Variable(("path", "driver", "year"), cat["contributions"])
    funds = {k.removeprefix("funds_"): v for k, v in cat.items() if k.startswith("funds_")}
    fund_vars = portfolio_variables(funds)
    for name, var in fund_vars.items():
        if "year" in var.dims:            # the funds run the generator's horizon; keep it
            var = xr.Variable(tuple("horizon_year" if d == "year" else d for d in var.dims),
                              var.data)
        if "month" in var.dims and not monthly:
            continue
        data[name] = var
    coords = {"path": np.arange(n), "factor": list(ANNUAL_FACTORS),
              "horizon_year": e.esg.years}
    if monthly:
        for key in ("equity_log_return", "short_rate", "fixed_income_return", "kpif"):
            data[f"esg_{key}"] = xr.Variable(("path", "month"), cat[f"esg_{key}"])
        coords["month"] = np.arange(cat["esg_kpif"].shape[1])
    return annotate(xr.Dataset(data, coords=coords))


_MONTHLY_FUND_KEYS = frozenset(f"funds_{k}" for k in MONTHLY_KEYS)


def kept_part(block: dict[str, np.ndarray], keep_monthly: bool) -> dict[str, np.ndarray]:
    """What the per-path Dataset writes of a block's results (monthly paths as float32)."""
    part = {k: v for k, v in block.items() if k in KEPT_KEYS
            or (keep_monthly and k.startswith("esg_"))
            or k.startswith("funds_") and k not in _MONTHLY_FUND_KEYS}
    if keep_monthly:
        part.update({k: block[k].astype(np.float32) for k in _MONTHLY_FUND_KEYS})
    return part


def run(cfg, n_paths: int, seed: int, threads: int = 1, store: str = "summary",
        block_order: list[int] | None = None, progress=None, shifts: Shifts | None = None,
        engine: Engine | None = None, fans: bool = False):
    """Run ``n_paths`` paths; return the summary (and per-path results when asked).

    ``shifts`` moves the factor paths (:class:`sim.esg.model.Shifts`, one row for every path or
    one row per path): a stress scenario as the centre of the run, or one factor set low or
    high on the same random numbers. ``engine`` reuses an :class:`Engine` built for ``cfg``
    and ``seed``. ``fans`` adds monthly quantiles of each fund's value, floor and equity weight
    and the share of paths in cash lock (the Bilaga 2 fan charts; it costs about a fifth more
    time)."""
    if store not in STORE_MODES:
        raise ValueError(f"store: {store!r}, allowed: {', '.join(STORE_MODES)}")
    e = Engine(cfg, seed) if engine is None else engine
    keep_monthly = store == "monthly"

    def work(b: int) -> dict:
        lo, hi = blocks.bounds(b, n_paths, e.block_size)
        out = e.run_block(e.innovations(b, hi - lo), keep_monthly,
                          None if shifts is None else shifts.rows(lo, hi), fund_months=fans)
        if progress is not None:
            progress(hi - lo)
        return out

    summary = Summary(e, fans=fans)
    kept = []
    for _, block in blocks.in_block_order(work, e.n_blocks(n_paths), threads, block_order):
        summary.add(block)                   # folded strictly in block order
        if store != "summary":
            kept.append(kept_part(block, keep_monthly))
    ds = summary.dataset()
    if store != "summary":
        import xarray as xr
        ds = xr.merge([ds, _paths_dataset(e, kept, keep_monthly)],
                      combine_attrs="override")
    ds.attrs.update({"paths": n_paths, "store": store, "block_size": e.block_size})
    return ds
