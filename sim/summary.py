"""Streaming statistics of a run: typed accumulators folded block by block.

A block's results are reduced to a :class:`BlockStats`: its floating-point sums
(:class:`FloatSums`) and its exact parts (:class:`Counts`: integer counts, and the values that
go into fixed-bin histograms). Float sums are folded **in block order**, so the result is
bit-identical for any number of threads or workers; counts and histograms are exact, so a
worker may merge its blocks' counts first and send them as one (:meth:`Summary.merge_counts`).
Every histogram (the results', the funds' returns, falls and depths, and the Bilaga 2 fans, a
histogram per fund and month) is counted by each worker thread into its own in a numba kernel
without the GIL (:meth:`sim.analysis.Histogram.count` and ``count_ratios``), merged once at the
end (:meth:`Summary.collect`), with no bin ids buffered and no fold of them on the main thread;
the events behind every probability are counted path by path in numba too
(:func:`sim._summary_kernels.count_events`). The float sums stay in NumPy: their order of
addition is NumPy's, and with it the bits of every mean.
In ``summary`` mode memory does not grow with the number of paths.

One module of about 500 lines on purpose: what :meth:`Summary.reduce` computes per block and
what :meth:`Summary.fold` and :meth:`Summary.dataset` make of it must change together, and a
statistic added to one and not the others is the bug this keeps in view.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields

import numpy as np

from ._summary_kernels import count_below, count_events
from .analysis import Histogram, standard_error, wilson
from .catalogue import annotate
from .portfolio import BREACH_PARTS


__all__ = ["Summary", "BlockStats", "FloatSums", "Counts", "QUANTILES", "MNKR_RANGE",
           "VALUE_RATIO_RANGE", "WEIGHT_RANGE"]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
#: Grids of the monthly fan statistics (``fans=True``): value and floor as multiples of the
#: fund's start value, and the equity weight.
VALUE_RATIO_RANGE = (0.0, 4.0, 4000)
WEIGHT_RANGE = (0.0, 1.0 + 1e-9, 1000)
#: Range of the mnkr histograms: results beyond it are counted, and their quantiles reported NaN.
MNKR_RANGE = (-30000.0, 30000.0, 60000)


def _whole(plan: np.ndarray) -> np.ndarray:
    """The plan's line rounded to whole mnkr: the results' grid is centred on it and keeps
    whole-mnkr bin edges (the grid of a plan of zero, moved by whole bins)."""
    return np.round(np.asarray(plan, dtype=float))
#: The grid of a breach's depth (NAV / level - 1, a hundredth of a point a bin), and the
#: quantiles of its size reported among the paths that breach.
DEPTH_RANGE = (-1.0, 0.0, 10000)
DEPTH_QUANTILES = (0.5, 0.95)
#: The menu's risk levels: for each, how much every year's result must improve for
#: P(balanskravsresultat < 0) to fall to it (the board chooses its tolerance).
MENU_LEVELS = (0.05, 0.10, 0.20, 0.30, 0.50)


@dataclass
class FloatSums:
    """Floating-point sums, per year ``Y``, fund ``P`` or driver ``D``; folded in block order."""

    net_result: np.ndarray            # (Y,) sum over paths
    net_result_sq: np.ndarray         # (Y,) sum of squares
    bkr: np.ndarray                   # (Y,) balanskravsresultat
    bkr_sq: np.ndarray
    contrib_all: np.ndarray           # (D, Y) driver split, every path
    contrib_deficit: np.ndarray       # (D, Y) driver split, paths with a deficit that year
    return_pct: np.ndarray            # (P,) fund return [% a year], summed over paths and years
    return_pct_sq: np.ndarray
    breach_parts: np.ndarray          # (P, K) the split of the spells' depths, summed over
                                      # paths and plan years (BREACH_PARTS)

    def add(self, other: FloatSums) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Samples:
    """A block's values for the histograms (rows are paths), counted where the block is
    reduced (:meth:`Summary.reduce`), each into ``Counts.hist_<name>``'s grid."""

    net_result: np.ndarray            # (N, Y)
    bkr: np.ndarray                   # (N, Y)
    return_pct: np.ndarray            # (N, P*Y)
    fall: np.ndarray                  # (N, P) worst 12-month fall over the plan years
    depth: np.ndarray                 # (N, P) lowest NAV / level - 1 over the plan years (a
                                      # path that never breaches: 1, above the histogram)


@dataclass
class Counts:
    """Exact statistics: integer counts and fixed-bin histograms, merged in any order."""

    n: int                            # paths
    ret_n: int                        # fund-years in the return sums, per fund
    deficit: np.ndarray               # (Y,) paths with balanskravsresultat < 0
    deficit_budget_only: np.ndarray   # (Y,) ... with the funds' realized returns at plan
    deficit_market_only: np.ndarray   # (Y,) ... with everything but the funds at plan
    below_goal: np.ndarray            # (Y,) below the 1 % goal
    deficit_any: int                  # a deficit in at least one budget year
    deficit_after_rur: np.ndarray     # (Y,) balanskravsresultat < 0 after the reserve
    below_goal_any: int               # below the goal in at least one budget year
    rur_drawn: np.ndarray             # (Y,) the reserve drawn on
    unrestored: np.ndarray            # (Y,) a deficit older than the restoration window
    rur_used_up: np.ndarray           # (Y,) reserve empty
    kpif_high: np.ndarray             # (Y,) KPIF (yearly average) at or above the threshold
    kpif_high_ever: int               # ... in at least one plan year
    fund_breach: np.ndarray           # (P, Y) a month-end below the protection level
    fund_fall_over_limit: np.ndarray  # (P, Y) a 12-month fall beyond the fund's limit
    fund_breach_ever: np.ndarray      # (P,)
    fund_fall_over_limit_ever: np.ndarray  # (P,)
    fund_fall24_over_limit: np.ndarray  # (P, Y) a fall from the 24-month high beyond the limit
    fund_fall24_over_limit_ever: np.ndarray  # (P,)
    breach_spells: np.ndarray         # (P,) spells below the level begun in the plan years
    breach_months: np.ndarray         # (P,) month-ends below the level in the plan years
    lock: np.ndarray | None           # (P, M) paths in cash lock at each month-end (fans)
    hist_net_result: Histogram
    hist_bkr: Histogram
    hist_return_pct: Histogram
    hist_fall: Histogram
    hist_depth: Histogram
    hist_value_fan: Histogram | None
    hist_floor_fan: Histogram | None
    hist_weight_fan: Histogram | None
    #: per block: the number of blocks, the sum of squared block sizes, and for every count
    #: above the sums of its squared block counts and of block count x block size (exact
    #: integers): the batch-means standard error when the blocks are not alike (parameter
    #: uncertainty draws the parameters per block)
    blocks: int = 0
    n_sq: int = 0
    sq: dict = field(default_factory=dict)
    cross: dict = field(default_factory=dict)
    #: the same per antithetic pair (a block's last path, when its count is odd, a unit of
    #: one): pairs are independent, so their spread gives the standard error, from thousands
    #: of units where the blocks give tens
    units: int = 0
    u_n_sq: int = 0
    u_sq: dict = field(default_factory=dict)
    u_cross: dict = field(default_factory=dict)

    def merge(self, other: Counts) -> None:
        """Add another accumulator's counts (exact: any order gives the same result)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if theirs is None:
                continue
            if isinstance(mine, Histogram):
                mine.merge(theirs)
            elif isinstance(mine, dict):
                for k, v in theirs.items():
                    mine[k] = mine[k] + v if k in mine else v.copy()
            else:
                setattr(self, f.name, mine + theirs)


@dataclass
class BlockStats:
    """One block's statistics: its float sums and its integer counts (its histograms are
    counted by the worker thread into its own, :meth:`Summary.collect`)."""

    floats: FloatSums
    counts: Counts                    # integer fields only; histograms are left empty (None)


class Summary:
    """The run's statistics, folded block by block in block order (see the module's doc)."""

    def __init__(self, engine, fans: bool = False):
        self.e = engine
        self.fans = fans
        y, p, d = engine.plan.n_years, len(engine.funds), len(engine.drivers)
        m = engine.n_months
        self.start = np.array([f.start_value for f in engine.funds])
        self.cash_lock = np.array([f.rule.cash_lock_below if f.has_floor else 0.0
                                   for f in engine.funds])
        self.dynamic = np.array([f.has_floor for f in engine.funds])
        #: the drivers that are market risk: each fund's realized return
        self.market_drivers = np.array([i for i, d in enumerate(engine.drivers)
                                        if d.startswith("fund_")], dtype=np.int64)
        #: each event's first column in :func:`count_events`' counts, and their number
        sizes = {"year": y, "fund": p}
        shapes = [tuple(sizes[d] for d in dims) for dims in PROB_COUNTS.values()]
        ends = np.cumsum([int(np.prod(sh)) for sh in shapes])
        self._event_columns = (np.concatenate([[0], ends[:-1]]).astype(np.int64), int(ends[-1]))
        self._events = [(name, int(start), int(end), shape) for name, start, end, shape in
                        zip(PROB_COUNTS, self._event_columns[0], ends, shapes)]
        self.floats = FloatSums(*(np.zeros(s) for s in ((y,), (y,), (y,), (y,), (d, y), (d, y),
                                                          (p,), (p,), (p, len(BREACH_PARTS)))))

        def fan(rng):
            return Histogram(*rng, columns=p * m) if fans else None

        #: every histogram is counted by each worker thread into its own (numba, no GIL;
        #: exact integers, merged in any order by :meth:`collect`)
        self._local = threading.local()
        self._parts: list[dict[str, Histogram]] = []
        self._parts_lock = threading.Lock()
        self.counts = Counts(
            n=0, ret_n=0, deficit=np.zeros(y, np.int64),
            deficit_budget_only=np.zeros(y, np.int64), deficit_market_only=np.zeros(y, np.int64),
            below_goal=np.zeros(y, np.int64), deficit_any=0, below_goal_any=0,
            deficit_after_rur=np.zeros(y, np.int64),
            rur_drawn=np.zeros(y, np.int64),
            unrestored=np.zeros(y, np.int64), rur_used_up=np.zeros(y, np.int64),
            kpif_high=np.zeros(y, np.int64), kpif_high_ever=0,
            fund_breach=np.zeros((p, y), np.int64),
            fund_fall_over_limit=np.zeros((p, y), np.int64),
            fund_breach_ever=np.zeros(p, np.int64), fund_fall_over_limit_ever=np.zeros(p, np.int64),
            fund_fall24_over_limit=np.zeros((p, y), np.int64),
            fund_fall24_over_limit_ever=np.zeros(p, np.int64),
            breach_spells=np.zeros(p, np.int64), breach_months=np.zeros(p, np.int64),
            lock=np.zeros((p, m), np.int64) if fans else None,
            hist_net_result=Histogram(*MNKR_RANGE, columns=y,
                                      origin=_whole(engine.plan_lines.budget.net_result[0])),
            hist_bkr=Histogram(*MNKR_RANGE, columns=y, origin=_whole(
                engine.plan_lines.budget.balance_requirement_result[0])),
            hist_return_pct=Histogram(-100.0, 100.0, 20000, columns=p * y),
            hist_fall=Histogram(0.0, 1.0, 10000, columns=p),
            hist_depth=Histogram(*DEPTH_RANGE, columns=p),
            hist_value_fan=fan(VALUE_RATIO_RANGE), hist_floor_fan=fan(VALUE_RATIO_RANGE),
            hist_weight_fan=fan(WEIGHT_RANGE))

    def reduce(self, r) -> BlockStats:
        """A block's statistics from its per-path results ``r``, a
        :class:`sim.engine.BlockResult`. It reads the accumulator's settings only, never its
        sums, so worker threads reduce their blocks while :meth:`fold` runs."""
        e = self.e
        y = e.plan.n_years
        bkr = r.budget.balance_requirement_result
        net = r.budget.net_result
        n = bkr.shape[0]
        deficit = bkr < 0
        c = r.budget.contributions
        # the driver split is exact (bkr = plan + sum of the contributions), so a path with
        # one group of drivers at plan is the plan plus the other group's contributions
        market = c[:, self.market_drivers, :].sum(axis=1)
        plan_bkr = bkr - c.sum(axis=1)
        start = r.funds.value_end[:, :, :y] - r.funds.year_return[:, :, :y]
        pct = 100.0 * r.funds.year_return[:, :, :y] / np.where(start > 0, start, np.nan)
        pct = np.nan_to_num(pct, nan=0.0)
        floats = FloatSums(
            net_result=net.sum(axis=0), net_result_sq=(net ** 2).sum(axis=0),
            bkr=bkr.sum(axis=0), bkr_sq=(bkr ** 2).sum(axis=0),
            contrib_all=c.sum(axis=0), contrib_deficit=(c * deficit[:, None, :]).sum(axis=0),
            return_pct=pct.sum(axis=(0, 2)), return_pct_sq=(pct ** 2).sum(axis=(0, 2)),
            breach_parts=np.stack([getattr(r.funds, f"breach_{k}")[:, :, :y].sum(axis=(0, 2))
                                   for k in BREACH_PARTS], axis=1))
        lock = None
        if self.fans:
            scale = np.where(self.start > 0, self.start, 1.0)
            mine = self._histograms()
            mine["value_fan"].count_ratios(r.funds.value, scale)
            mine["floor_fan"].count_ratios(r.funds.floor, scale, nan_to_zero=True)
            w = r.funds.equity_weight
            mine["weight_fan"].count_ratios(w, np.ones_like(scale))
            lock = np.zeros(w.shape[1:], np.int64)
            count_below(w, self.cash_lock, self.dynamic, lock)
        # each reported probability's event (PROB_COUNTS), counted path by path in numba
        at, size = self._event_columns
        k, u_sq, u_cross = (np.zeros(size, np.int64) for _ in range(3))
        count_events(bkr, bkr - market, plan_bkr + market, r.budget.required_result_1pct,
                     r.budget.balance_requirement_result_after_rur, r.budget.rur_drawn,
                     r.budget.deficit_unrestored, r.budget.rur_balance,
                     e.plan.reserve.start_balance > 0, r.esg.kpif_annual, e.high_inflation,
                     r.funds.breach_months, r.funds.worst_fall_12m, r.funds.worst_fall_24m,
                     e.loss_limits, e.budget_years, at, e.antithetic, k, u_sq, u_cross)
        counts = Counts(
            n=n, ret_n=pct.shape[0] * pct.shape[2], **self._by_event(k),
            breach_spells=r.funds.breach_spells[:, :, :y].sum(axis=(0, 2)).astype(np.int64),
            breach_months=r.funds.breach_months[:, :, :y].sum(axis=(0, 2)).astype(np.int64),
            lock=lock, hist_net_result=None, hist_bkr=None, hist_return_pct=None,
            hist_fall=None, hist_depth=None, hist_value_fan=None, hist_floor_fan=None,
            hist_weight_fan=None)
        _block_moments(counts)
        if e.antithetic:
            m = n // 2
            counts.units, counts.u_n_sq = m + n % 2, 4 * m + n % 2
            counts.u_sq, counts.u_cross = (self._by_event(u, one=np.int64)
                                           for u in (u_sq, u_cross))
        samples = Samples(net_result=net, bkr=bkr, return_pct=pct.reshape(n, -1),
                          fall=r.funds.worst_fall_12m[:, :, :y].max(axis=2),
                          depth=np.where((r.funds.breach_months[:, :, :y] > 0).any(axis=2),
                                         r.funds.breach_depth[:, :, :y].min(axis=2), 1.0))
        mine = self._histograms()
        for f in fields(Samples):
            mine[f.name].count(getattr(samples, f.name))
        return BlockStats(floats, counts)

    def _by_event(self, columns: np.ndarray, one=int) -> dict:
        """:func:`count_events`' columns by event: ``one(count)`` for an event without dims,
        an array of the event's dims for the rest."""
        return {name: one(columns[start]) if shape == () else columns[start:end].reshape(shape)
                for name, start, end, shape in self._events}

    def _histograms(self) -> dict[str, Histogram]:
        """This thread's own histograms, by the name of ``Counts.hist_<name>`` (the fans' only
        with ``fans``), on the same grids."""
        mine = getattr(self._local, "hists", None)
        if mine is None:
            mine = {f.name[5:]: Histogram(h.lo, h.hi, h.bins, columns=h.columns, origin=h.origin)
                    for f in fields(Counts) if f.name.startswith("hist_")
                    and (h := getattr(self.counts, f.name)) is not None}
            with self._parts_lock:
                self._parts.append(mine)
            self._local.hists = mine
        return mine

    def collect(self) -> None:
        """Merge the threads' histograms into :attr:`counts` (before the counts are read or
        sent); the threads start new ones after."""
        with self._parts_lock:
            parts, self._parts = self._parts, []
            self._local = threading.local()
        for mine in parts:
            for name, h in mine.items():
                getattr(self.counts, f"hist_{name}").merge(h)

    def fold(self, stats: BlockStats) -> None:
        """Fold a block: its float sums (in block order) and its counts."""
        self.floats.add(stats.floats)
        self.fold_counts(stats)

    def fold_counts(self, stats: BlockStats) -> None:
        """Fold a block's exact parts only (a worker's chunk, in any order)."""
        self.counts.merge(stats.counts)

    def merge_counts(self, counts: Counts) -> None:
        """Merge another accumulator's counts (a worker's chunk)."""
        self.counts.merge(counts)

    def dataset(self):
        """The summary as an xarray Dataset (dims year, fund, quantile, driver)."""
        self.collect()
        import xarray as xr  # imported here: a run's first paths do not wait for xarray

        e, c, fs = self.e, self.counts, self.floats
        n = c.n
        years = e.plan.years
        funds = list(e.plan.fund_keys)
        data: dict[str, tuple] = {}

        # the paths of a block share its parameters: batch means over blocks; antithetic
        # pairs alone: the spread between the (independent) pairs
        by_block = e.law is not None
        by_pair = e.antithetic and not by_block

        def prob(name: str, k: np.ndarray, dims: tuple) -> None:
            p = k / n
            if by_block or by_pair:       # the paths are not independent
                se = _batch_se(c, name, p) if by_block else _pair_se(c, name, p)
                n_eff = np.where(se > 0, p * (1 - p) / np.where(se > 0, se, 1.0) ** 2, n)
                lo, hi = wilson(p * n_eff, n_eff)
            else:
                se = standard_error(p, n)
                lo, hi = wilson(k, n)
            data[f"p_{name}"] = (dims, p)
            data[f"p_{name}_se"] = (dims, se)
            data[f"p_{name}_lo"] = (dims, lo)
            data[f"p_{name}_hi"] = (dims, hi)

        for name, dims in PROB_COUNTS.items():
            prob(name, np.asarray(getattr(c, name)), dims)
        for key, name, total, total_sq, hist in (
                ("net_result", "net_result", fs.net_result, fs.net_result_sq, c.hist_net_result),
                ("balance_requirement_result", "bkr", fs.bkr, fs.bkr_sq, c.hist_bkr)):
            mean = total / n
            var = np.maximum(total_sq / n - mean ** 2, 0.0) * n / max(n - 1, 1)
            data[f"{name}_mean"] = (("year",), mean)
            data[f"{name}_mean_se"] = (("year",), np.sqrt(var / n))
            data[f"{name}_std"] = (("year",), np.sqrt(var))
            data[f"{name}_quantile"] = (("quantile", "year"),
                                        hist.quantiles(QUANTILES))
            data[f"{name}_es05"] = (("year",), hist.shortfall(0.05))
            data[f"{name}_plan"] = (("year",), getattr(e.plan_lines.budget, key)[0])
            printed = e.cfg.plan.printed
            if printed is not None:          # the plan document's own figures, as printed
                data[f"{name}_plan_printed"] = (("year",), np.asarray(
                    getattr(printed, key)[:len(years)], dtype=float))
        # a bad year's size: the median deficit (the bkr's quantile at half P(deficit)), and the
        # levers: how much a year's result must improve, in every path alike, for P(deficit) to
        # fall to the target (P(bkr + L < 0) = P(bkr < -L), so L = -quantile(target))
        p_def = c.deficit / max(n, 1)
        h = c.hist_bkr
        data["bkr_deficit_median"] = (("year",), np.where(
            p_def > 0, h.quantile(np.where(p_def > 0, p_def / 2.0, 0.0)), np.nan))
        target = e.target_p_deficit
        data["improvement_to_target"] = (("year",), np.maximum(-h.quantile(target), 0.0))
        data["improvement_menu"] = (("risk_level", "year"),
                                    np.maximum(-h.quantiles(MENU_LEVELS), 0.0))
        data["target_p_deficit"] = ((), target)
        data["required_result_1pct_plan"] = (("year",),
                                             e.plan_lines.budget.required_result_1pct[0])
        if e.cfg.plan.printed is not None:
            data["required_result_1pct_plan_printed"] = (("year",), np.asarray(
                e.cfg.plan.printed.required_result_1pct[:len(years)], dtype=float))
        q = c.hist_return_pct.quantiles(QUANTILES).reshape(
            len(QUANTILES), len(funds), -1)
        data["fund_return_pct_quantile"] = (("quantile", "fund", "year"), q)
        data["fund_worst_fall_12m_quantile"] = (
            ("quantile", "fund"), c.hist_fall.quantiles(QUANTILES))
        mean = fs.return_pct / max(c.ret_n, 1)
        data["fund_return_pct_mean"] = (("fund",), mean)
        data["fund_return_pct_std"] = (("fund",), np.sqrt(np.maximum(
            fs.return_pct_sq / max(c.ret_n, 1) - mean ** 2, 0.0)))
        counts = c.hist_fall.counts.reshape(len(funds), 100, -1).sum(axis=2)     # 1 % bins
        data["fund_worst_fall_share"] = (("fund", "fall_bin"), counts / max(n, 1))
        # the protection level: how deep and how long a breach goes, and why
        hd = c.hist_depth
        breached = max(n, 1) - hd.above                  # paths with a breach (P,)
        depth = [np.where(breached > 0, -hd.quantile(
            (1.0 - q) * breached / max(n, 1)), np.nan) for q in DEPTH_QUANTILES]
        data["fund_breach_depth_quantile"] = (("depth_quantile", "fund"), np.array(depth))
        spells = c.breach_spells
        data["fund_breach_spell_months"] = (("fund",), np.where(
            spells > 0, c.breach_months / np.maximum(spells, 1), np.nan))
        data["fund_breach_spells_per_path"] = (("fund",), spells / max(n, 1))
        data["fund_breach_cause"] = (("fund", "breach_part"), np.where(
            spells[:, None] > 0, fs.breach_parts / np.maximum(spells, 1)[:, None], np.nan))
        if self.fans:
            m = e.n_months
            p = len(funds)
            start = self.start[None, :, None]

            def fan(h: Histogram) -> np.ndarray:
                return h.quantiles(QUANTILES).reshape(len(QUANTILES), p, m)

            data["fund_value_fan"] = (("quantile", "fund", "month"),
                                      fan(c.hist_value_fan) * start)
            floor = np.where(self.dynamic[None, :, None], fan(c.hist_floor_fan) * start, np.nan)
            data["fund_floor_fan"] = (("quantile", "fund", "month"), floor)
            data["fund_equity_weight_fan"] = (("quantile", "fund", "month"),
                                              fan(c.hist_weight_fan))
            data["p_fund_cash_lock"] = (("fund", "month"), np.where(
                self.dynamic[:, None], c.lock / max(n, 1), np.nan))
        data["fund_loss_limit"] = (("fund",), e.loss_limits)
        y = len(years)
        data["fund_expected_return_market"] = (("fund", "year"), e.centre.market[:, :y])
        data["fund_expected_return_plan"] = (("fund", "year"), e.centre.target[:, :y])
        data["fund_expected_return_model"] = (("fund", "year"), e.centre.centred[:, :y])
        n_def = np.maximum(c.deficit, 1)
        # the bridge: plan -> base case (the news since the forecasts) -> mean (the risk)
        base = e.base_case()
        news = base.budget.contributions[0]
        data["bkr_base"] = (("year",), base.budget.balance_requirement_result[0])
        data["bridge_news"] = (("driver", "year"), news)
        data["bridge_risk"] = (("driver", "year"), fs.contrib_all / n - news)
        data["contribution_mean"] = (("driver", "year"), fs.contrib_all / n)
        data["contribution_mean_deficit"] = (("driver", "year"), np.where(
            c.deficit > 0, fs.contrib_deficit / n_def, np.nan))
        coords = {"year": years, "quantile": list(QUANTILES), "fund": funds,
                  "fund_label": ("fund", list(e.plan.fund_labels)),
                  "driver": list(e.drivers),
                  "driver_label": ("driver", list(e.driver_labels)),
                  "fall_bin": ("fall_bin", np.arange(100) / 100.0),
                  "depth_quantile": list(DEPTH_QUANTILES), "breach_part": list(BREACH_PARTS),
                  "risk_level": list(MENU_LEVELS)}
        if self.fans:
            first = f"{int(e.horizon_years[0])}-01"
            coords["month"] = np.arange(e.n_months)
            coords["time"] = ("month", np.arange(
                np.datetime64(first, "M"), np.datetime64(first, "M") + e.n_months,
                dtype="datetime64[M]").astype("datetime64[ns]"))
        ds = xr.Dataset(data, coords=coords)
        ds.attrs["paths"] = n
        ds.attrs["high_inflation"] = float(e.high_inflation)
        ds.attrs["budget_years"] = int(e.budget_years)
        ds.attrs["return_centre"] = e.cfg.simulation.return_centre
        ds.attrs["parameter_uncertainty"] = int(e.law is not None)
        ds.attrs["antithetic"] = int(e.antithetic)
        ds.attrs["se_method"] = ("batch means over blocks" if by_block else
                                 "spread between antithetic pairs" if by_pair else "binomial")
        return annotate(ds)


#: The counts whose probabilities the summary reports (``p_<name>``), with their dims.
PROB_COUNTS = {
    "deficit": ("year",), "deficit_budget_only": ("year",), "deficit_market_only": ("year",),
    "below_goal": ("year",), "deficit_any": (), "deficit_after_rur": ("year",),
    "below_goal_any": (), "rur_drawn": ("year",), "unrestored": ("year",),
    "rur_used_up": ("year",), "kpif_high": ("year",), "kpif_high_ever": (),
    "fund_breach": ("fund", "year"), "fund_fall_over_limit": ("fund", "year"),
    "fund_breach_ever": ("fund",), "fund_fall_over_limit_ever": ("fund",),
    "fund_fall24_over_limit": ("fund", "year"), "fund_fall24_over_limit_ever": ("fund",)}


def _block_moments(c: Counts) -> None:
    """A single block's moments (:class:`Counts`' ``blocks`` ... ``cross``)."""
    c.blocks, c.n_sq = 1, c.n * c.n
    for name in PROB_COUNTS:
        k = np.asarray(getattr(c, name), dtype=np.int64)
        c.sq[name] = k * k
        c.cross[name] = k * c.n


def _pair_se(c: Counts, name: str, p: np.ndarray) -> np.ndarray:
    """Standard error of the proportion ``p`` from the spread between antithetic pairs (the
    ratio estimator over independent units, as :func:`_batch_se` over blocks)."""
    u = c.units
    if u < 2:
        return np.full(np.shape(p), np.nan)
    ss = c.u_sq[name] - 2.0 * p * c.u_cross[name] + p * p * c.u_n_sq
    return np.sqrt(np.maximum(ss, 0.0) * u / (u - 1)) / c.n


def _batch_se(c: Counts, name: str, p: np.ndarray) -> np.ndarray:
    """Standard error of the proportion ``p`` from the spread between blocks (the ratio
    estimator's: ``B / (B - 1) x sum_b (k_b - p n_b)^2 / n^2``)."""
    b = c.blocks
    if b < 2:
        return np.full(np.shape(p), np.nan)
    ss = c.sq[name] - 2.0 * p * c.cross[name] + p * p * c.n_sq
    return np.sqrt(np.maximum(ss, 0.0) * b / (b - 1)) / c.n
