"""The Monte Carlo run: blocks of paths through the generator, the portfolios and the budget.

Each block of ``simulation.block_size`` paths draws its own random stream (see
:mod:`sim.esg.model`), runs the numba kernels and returns its per-path yearly results
(:meth:`Engine.block`, the one place a block is run); the main thread folds the blocks into a
:class:`sim.summary.Summary` **in block order**, so the result is bit-identical for any number
of threads and any order in which blocks finish. In ``summary`` mode memory does not grow with
the number of paths: counts, sums and fixed-bin histograms only. ``annual`` also keeps every
path's yearly results, ``monthly`` its monthly paths (float32).
"""

from __future__ import annotations

import copy
import hashlib
import pickle
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import blocks
from .budget import BALANCE_KEYS, LINE_KEYS, Budget, BudgetPlan, driver_labels
from .budget.records import BudgetResult
from .catalogue import annotate
from .esg import esg_params
from .esg.model import (ANNUAL_FACTORS, EsgParams, Innovations, Shifts, block_seed,
                        draw_innovations, simulate_block, zero_innovations)
from .esg.uncertainty import ParameterLaw
from .esg.records import EsgPaths
from .portfolio import (MONTHLY_KEYS, PATH_KEYS, YEARLY_KEYS, FundPaths, fund_params,
                        portfolio_variables, run_funds)
from .portfolio.centre import PILOT_SPAWN_KEY, centre_funds, expected_returns
from .settings import STORE_MODES
from .summary import Summary


__all__ = ["Engine", "BlockResult", "SharedBlock", "run", "run_together", "paths_together",
           "operating_results", "STORE_MODES", "kept_part", "paths_dataset"]

#: The first element of the spawn key of each block's stream of measure deliveries
#: (:meth:`Engine.delivered`); 1 is the centring pilot's, 2 the parameter draws'.
MEASURES_SPAWN_KEY = 3
#: ... and of operating income against plan (:meth:`Engine.income_change`)
INCOME_SPAWN_KEY = 4


#: The funds' centring by the hash of what it is computed from (:meth:`Engine._centred_funds`),
#: oldest first; a few kilobytes each.
_CENTRES: dict[str, tuple] = {}
_CENTRES_KEPT = 32


@dataclass
class Engine:
    """Everything a block needs, resolved once from a validated plan config."""

    cfg: object
    seed: int
    #: False: the funds are not run (nor centred) and earn nothing in the budget; only what
    #: comes before the financial items is the model's (:func:`operating_results`)
    with_funds: bool = True

    def __post_init__(self):
        cfg = self.cfg
        self.plan = BudgetPlan.from_config(cfg)
        self.esg = esg_params(cfg)
        #: the estimates' sampling law, when each block draws its own parameters
        self.law = ParameterLaw(cfg.esg) if cfg.simulation.parameter_uncertainty else None
        #: antithetic pairs within each block (simulation.antithetic)
        self.antithetic = bool(cfg.simulation.antithetic)
        #: pre-plan years the generator simulates before the plan (sim.information)
        self.n_pre = self.esg.n_pre
        #: the horizon's calendar years from the plan's first year, and its months
        self.horizon_years = self.esg.years[self.n_pre:]
        self.n_months = 12 * len(self.horizon_years)
        self.steps = cfg.equity_steps
        if self.with_funds:
            self.funds, self.centre = self._centred_funds(cfg)
        else:
            self.funds, self.centre = fund_params(cfg), None
        self.block_size = cfg.simulation.block_size
        self.first_year = cfg.meta.first_year
        self.loss_limits = np.array([np.nan if f.loss_limit is None else f.loss_limit.value
                                     for f in cfg.funds.values()])
        self.by_sales = np.array([f.bkr_treatment == "sales" for f in cfg.funds.values()])
        self.high_inflation = cfg.simulation.high_inflation.value
        self.budget_years = cfg.decision.budget_years
        self.target_p_deficit = cfg.decision.target_p_deficit.value
        self.budget = Budget(self.plan, self.by_sales)
        self.plan_lines = self.budget.deterministic()
        self.drivers = self.budget.drivers
        self.driver_labels = driver_labels(self.plan)

    def _centred_funds(self, cfg):
        """The funds, centred on the plan's expected returns unless ``return_centre`` is
        ``"market"`` (:mod:`sim.portfolio.centre`); the pilot is drawn from the config's seed,
        so the centring is part of the model, the same for every run's seed.

        Kept for the process by exactly what it is computed from: the funds, their targets,
        the centre's kind and the pilot's market returns (hashed; drawing them is a small part
        of the cost). An engine whose config differs elsewhere (the budget, the reserve, the
        run's seed, a budget factor's parameters) does not centre the funds again: ``sim
        serve``, the sensitivity's settings, the backtest's calibration and run of a year."""
        funds = fund_params(cfg)
        n_years = len(self.esg.years)
        plan_rates = self.plan.fund_expected_return
        # pre-plan years at the plan's first rate, years past the plan at its last
        targets = np.concatenate([np.repeat(plan_rates[:, :1], self.n_pre, axis=1), plan_rates,
                                  np.repeat(plan_rates[:, -1:], max(
                                      n_years - self.n_pre - plan_rates.shape[1], 0), axis=1)],
                                 axis=1)[:, :n_years]
        sim_ = cfg.simulation
        pilot = simulate_block(self.esg, draw_innovations(
            self.esg, np.random.SeedSequence(sim_.seed, spawn_key=PILOT_SPAWN_KEY),
            sim_.centre_paths))
        args = (np.ascontiguousarray(pilot.equity_step),
                np.ascontiguousarray(pilot.fixed_income_return), self.steps)
        key = hashlib.sha256(pickle.dumps((funds, targets, sim_.return_centre, self.n_pre),
                                          protocol=5))
        for a in args[:2]:
            key.update(a.data)
        key = key.hexdigest()
        if key not in _CENTRES:
            if sim_.return_centre == "plan":
                funds, centre = centre_funds(funds, targets, *args)
            else:
                centre = expected_returns(funds, targets, *args)
            while len(_CENTRES) >= _CENTRES_KEPT:
                _CENTRES.pop(next(iter(_CENTRES)))
            _CENTRES[key] = (funds, type(centre)(*(a[:, self.n_pre:] for a in centre)))
        return copy.deepcopy(_CENTRES[key])          # the horizon's; a copy, never shared

    def n_blocks(self, n_paths: int) -> int:
        return blocks.n_blocks(n_paths, self.block_size)

    def plan_offset(self) -> tuple[np.ndarray, np.ndarray]:
        """What turns the zero-shock funds' yearly results into the plan's budgeted ones:
        ``(return, unrealized change)``, each (funds, plan years) mnkr."""
        if getattr(self, "_plan_offset", None) is None:
            y = self.plan.n_years
            base = self.run_block(zero_innovations(self.esg, 1))
            planned = self.plan.planned_fund_return()
            self._plan_offset = (planned - base.funds.year_return[0, :, :y],
                                 planned * self.plan.fund_unrealized_share[:, None]
                                 - base.funds.unrealized_change[0, :, :y])
        return self._plan_offset

    def base_case(self) -> BlockResult:
        """The base case: one path with every shock after the information date at zero and the
        funds earning what the plan budgets. At the forecasts' vintage it is the plan; later,
        the plan moved by what became known since (docs/models/information.md, "The centre: the plan,
        moved only by news")."""
        if getattr(self, "_base_case", None) is None:
            self._base_case = self.run_block(zero_innovations(self.esg, 1),
                                             fund_offset=self.plan_offset())
        return self._base_case

    def block(self, b: int, n_paths: int, shifts: Shifts | None = None,
              fund_months: bool = False, shared: SharedBlock | None = None) -> BlockResult:
        """Block ``b`` of a run of ``n_paths`` paths: its innovations (from the block's own
        seed), moved by its rows of ``shifts``, through the model (:meth:`run_block`).
        ``shared``: what other runs on this block computed already (:func:`run_together`)."""
        lo, hi = blocks.bounds(b, n_paths, self.block_size)
        esg = self.block_params(b)
        inn = (self.innovations(b, hi - lo, esg=esg) if shared is None
               else shared.innovations(self, b, hi - lo, esg))
        return self.run_block(inn, None if shifts is None else shifts.rows(lo, hi),
                              fund_months=fund_months, esg=esg,
                              delivered=self.delivered(b, hi - lo),
                              income_change=self.income_change(b, hi - lo), shared=shared)

    def delivered(self, b: int, n: int) -> np.ndarray:
        """Each path's share of the planned cost measures delivered, for the ``n`` paths of
        block ``b``: from the block's own stream ``SeedSequence(seed, spawn_key=(3, b))``, so
        the draws do not disturb the generator's and do not depend on the thread or worker."""
        return self.plan.draw_delivered(self._stream(MEASURES_SPAWN_KEY, b), n)

    def income_change(self, b: int, n: int) -> np.ndarray:
        """Each path's relative change of operating income against plan, for the ``n`` paths
        of block ``b``: from the block's own stream ``SeedSequence(seed, spawn_key=(4, b))``."""
        return self.plan.draw_income_change(self._stream(INCOME_SPAWN_KEY, b), n)

    def _stream(self, key: int, b: int) -> np.random.Generator:
        """Block ``b``'s own generator for the budget channel ``key``."""
        return np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(self.seed, spawn_key=(key, b))))

    def block_params(self, b: int) -> EsgParams:
        """The generator's parameters for block ``b``: the model's, or with
        ``simulation.parameter_uncertainty`` the block's own draw of its estimates."""
        if self.law is None:
            return self.esg
        return esg_params(self.cfg.model_copy(update={"esg": self.law.block_draw(self.seed, b)}))

    def innovations(self, b: int, n: int, deterministic: bool = False,
                    esg: EsgParams | None = None) -> Innovations:
        esg = self.esg if esg is None else esg
        if deterministic:
            return zero_innovations(esg, n)
        return draw_innovations(esg, block_seed(self.seed, b), n, self.antithetic)

    def run_block(self, inn: Innovations, shifts: Shifts | None = None,
                  fund_months: bool = False,
                  fund_offset: tuple[np.ndarray, np.ndarray] | None = None,
                  esg: EsgParams | None = None,
                  delivered: np.ndarray | None = None,
                  income_change: np.ndarray | None = None,
                  shared: SharedBlock | None = None) -> BlockResult:
        """Factors (moved by ``shifts`` when given) -> funds -> budget for one block's
        innovations, every array from the plan's first year on. ``fund_months`` adds the funds'
        monthly paths (for the monthly per-path store and for the fans).

        ``fund_offset`` (return, unrealized change), each (P, Y) mnkr, is added to the funds'
        yearly results as the budget sees them (the funds' own outputs are left as simulated):
        the deterministic stress test uses it to measure a scenario against the plan.
        ``esg``: the block's own parameters (:meth:`block_params`), else the model's.
        ``delivered``: each path's share of the planned cost measures delivered
        (:meth:`delivered`), else all of them: a deterministic run is the plan's own world;
        ``income_change`` likewise (:meth:`income_change`), else none. ``shared``: the stages
        other runs computed on the same inputs (:class:`SharedBlock`), taken, not run again."""
        esg = self.esg if esg is None else esg
        esg = (simulate_block(esg, inn, shifts) if shared is None
               else shared.simulate(esg, inn, shifts))
        y, pre = self.plan.n_years, self.n_pre
        # the budget's factor deviations, from the generator's first year (pre-plan years too)
        dev = np.concatenate([esg.inflation_deviation[:, None], esg.pbb_deviation[:, None],
                              np.moveaxis(esg.annual_deviation, 2, 1)], axis=1)
        funds = None
        if self.with_funds:
            memo = None if shared is None else shared.funds_on(esg)
            funds = run_funds(self.funds, esg.equity_step, esg.fixed_income_return, self.steps,
                              monthly=fund_months, memo=memo,
                              keys=None if memo is None else shared.fund_keys(self))
        if pre:          # everything below is from the plan's first year on
            if funds is not None:
                funds = FundPaths(*(v if v is None or k in PATH_KEYS
                                    else _cut(v, 2, pre, k in MONTHLY_KEYS)
                                    for k, v in funds._asdict().items()))
            esg = EsgPaths(*(v if v is None else _cut(v, 1, pre, k not in _YEARLY_ESG,
                                                      self.steps if k in _STEP_ESG else 1)
                             for k, v in esg._asdict().items()))
        if funds is None:               # the funds earn nothing: the financial items are not
            ret = unreal = np.zeros((inn.n_paths, len(self.funds), y))   # the model's
        else:
            ret, unreal = funds.year_return, funds.unrealized_change
        if fund_offset is not None:
            ret, unreal = ret[:, :, :y] + fund_offset[0], unreal[:, :, :y] + fund_offset[1]
        budget = self.budget(dev, ret, unreal, delivered=delivered, income_change=income_change)
        return BlockResult(budget, funds, esg)


def digest(obj) -> bytes:
    """A digest of ``obj``'s pickle: equal digests, equal inputs (arrays by their bytes)."""
    return hashlib.sha256(pickle.dumps(obj, protocol=5)).digest()


class SharedBlock:
    """What the runs of :func:`run_together` share within one block, each stage computed once
    for equal inputs and taken by every run that has them: the innovations (the same seed,
    block and generator parameters), the generator's paths (the same innovations, parameters
    and shifts) and each fund (the same parameters on the same returns, compared by value:
    shifts of the budget's factors alone leave the funds' returns as they were). Equal
    inputs, the same computation: every run's numbers are those it gives alone."""

    def __init__(self, fund_keys: dict[int, list[bytes]]):
        self._fund_keys = fund_keys          # id(engine) -> a digest of each of its funds
        self._inn: dict = {}
        self._esg: tuple | None = None
        self._funds: list = []               # [(equity_step, fixed_income, memo)]
        self._params: dict[int, tuple] = {}  # id(EsgParams) -> (params, digest)

    def _key(self, p: EsgParams) -> bytes:
        if id(p) not in self._params:        # the params kept with it: the id stays theirs
            self._params[id(p)] = (p, digest(p))
        return self._params[id(p)][1]

    def fund_keys(self, e: Engine) -> list[bytes]:
        return self._fund_keys[id(e)]

    def innovations(self, e: Engine, b: int, n: int, esg: EsgParams) -> Innovations:
        key = (e.seed, e.antithetic, b, n, self._key(esg))
        if key not in self._inn:
            self._inn[key] = e.innovations(b, n, esg=esg)
        return self._inn[key]

    def simulate(self, esg: EsgParams, inn: Innovations, shifts: Shifts | None) -> EsgPaths:
        """The generator's paths, kept for the next job only (the jobs that share them come
        one after the other), so a pass of many settings holds one block's paths at a time."""
        key = (id(inn), self._key(esg), None if shifts is None else digest(shifts))
        if self._esg is None or self._esg[0] != key:
            self._esg = (key, inn, simulate_block(esg, inn, shifts))   # inn kept: its id too
        return self._esg[2]

    def funds_on(self, esg: EsgPaths) -> dict:
        """The funds' memo of these returns (:func:`sim.portfolio.run_funds`)."""
        eq, fi = esg.equity_step, esg.fixed_income_return
        for eq0, fi0, memo in self._funds:
            if (eq0 is eq or np.array_equal(eq0, eq)) and (fi0 is fi or np.array_equal(fi0, fi)):
                return memo
        self._funds.append((eq, fi, {}))
        return self._funds[-1][2]


class BlockResult(NamedTuple):
    """One block's results (:meth:`Engine.run_block`), every array from the plan's first year
    on: the budget over the plan's years, the funds and the factors over the generator's
    horizon (monthly fund paths None unless asked for; ``funds`` None for an engine built
    without them, :attr:`Engine.with_funds`)."""

    budget: BudgetResult
    funds: FundPaths
    esg: EsgPaths

    @property
    def n_paths(self) -> int:
        return self.budget.net_result.shape[0]


def _cut(a: np.ndarray, axis: int, pre: int, monthly: bool, steps: int = 1) -> np.ndarray:
    """``a`` from the plan's first year on: its time ``axis`` is years, or months (of
    ``steps`` steps) when ``monthly``."""
    index = [slice(None)] * a.ndim
    index[axis] = slice(pre * (12 * steps if monthly else 1), None)
    return a[tuple(index)]


def paths_dataset(e: Engine, parts: list[dict], monthly: bool):
    """Per-path yearly (and monthly) results of every block, concatenated in block order."""
    import xarray as xr

    cat = {k: np.concatenate([b[k] for b in parts]) for k in parts[0]}
    n, y = cat["net_result"].shape
    data = {key: xr.Variable(("path", "year"), cat[key])
            for key in LINE_KEYS + BALANCE_KEYS + ("kpif_annual",)}
    data["annual_growth"] = xr.Variable(("path", "year", "factor"), cat["annual_growth"])
    data["contributions"] = xr.Variable(("path", "driver", "year"), cat["contributions"])
    fund_vars = portfolio_variables(FundPaths(*(cat.get(f"fund_{k}")
                                                for k in FundPaths._fields)))
    for name, var in fund_vars.items():
        if "year" in var.dims:            # the funds run the generator's horizon; keep it
            var = xr.Variable(tuple("horizon_year" if d == "year" else d for d in var.dims),
                              var.data)
        if "month" in var.dims and not monthly:
            continue
        data[name] = var
    coords = {"path": np.arange(n), "factor": list(ANNUAL_FACTORS),
              "horizon_year": e.horizon_years}
    if monthly:
        for key in KEPT_ESG:
            data[f"esg_{key}"] = xr.Variable(("path", "month"), cat[f"esg_{key}"])
        coords["month"] = np.arange(cat["esg_kpif"].shape[1])
    return annotate(xr.Dataset(data, coords=coords))


#: The generator's yearly outputs (the others are monthly, these two per equity step); each is
#: cut to the plan's years when there are pre-plan years.
_YEARLY_ESG = frozenset({"kpif_annual", "inflation_deviation", "pbb_deviation", "annual_growth",
                         "annual_deviation"})
_STEP_ESG = frozenset({"equity_step", "equity_variance"})
#: The generator's monthly paths the per-path store keeps (``esg_<key>``, float32).
KEPT_ESG = ("equity_log_return", "short_rate", "fixed_income_return", "kpif")


def kept_part(block: BlockResult, keep_monthly: bool) -> dict[str, np.ndarray]:
    """What the per-path Dataset writes of a block's results, by the names
    :func:`paths_dataset` reads (monthly paths as float32)."""
    b, y = block.budget, block.budget.net_result.shape[1]
    part = {k: getattr(b, k) for k in LINE_KEYS + ("contributions",) + BALANCE_KEYS}
    part["kpif_annual"] = block.esg.kpif_annual[:, :y]
    part["annual_growth"] = block.esg.annual_growth[:, :y]
    part.update((f"fund_{k}", getattr(block.funds, k)) for k in YEARLY_KEYS + PATH_KEYS)
    if keep_monthly:
        part.update((f"esg_{k}", getattr(block.esg, k).astype(np.float32)) for k in KEPT_ESG)
        part.update((f"fund_{k}", getattr(block.funds, k).astype(np.float32))
                    for k in MONTHLY_KEYS)
    return part


def run(cfg, n_paths: int, seed: int, threads: int = 1, store: str = "summary",
        block_order: list[int] | None = None, progress=None, shifts: Shifts | None = None,
        engine: Engine | None = None, fans: bool = False):
    """Run ``n_paths`` paths; return the summary (and per-path results when asked).

    ``shifts`` moves the factor paths (:class:`sim.esg.model.Shifts`, one row for every path or
    one row per path): a stress scenario as the centre of the run, or one factor set low or
    high on the same random numbers. ``engine`` reuses an :class:`Engine` built for ``cfg``
    and ``seed``. ``fans`` adds monthly quantiles of each fund's value, floor and equity weight
    and the share of paths in cash lock (the Bilaga 2 fan charts, counted by each worker
    thread in numba: 100 000 paths of the default plan on 2 threads took 1,41 s with them
    and 1,00 s without, once the funds ran with their paths side by side)."""
    if engine is not None and engine.seed != seed:
        raise ValueError(f"seed: {seed} differs from the seed {engine.seed} the engine was "
                         "built with; build the Engine with this seed")
    e = Engine(cfg, seed) if engine is None else engine
    return run_together([(e, shifts)], n_paths, threads, store, block_order, progress, fans)[0]


def run_together(jobs: list[tuple[Engine, Shifts | None]], n_paths: int, threads: int = 1,
                 store: str = "summary", block_order: list[int] | None = None, progress=None,
                 fans: bool = False) -> list:
    """Several runs of ``n_paths`` paths on the same random numbers, in one pass over the
    blocks: each job an engine (its config, funds and seed) and its shifts or None. What the
    jobs have in common within a block is computed once (:class:`SharedBlock`): the rules of
    ``sim strategy`` share the generator and the funds they do not change. Each Dataset is
    :func:`run`'s for that engine and those shifts, to the bit (a test holds them equal)."""
    if store not in STORE_MODES:
        raise ValueError(f"store: {store!r}, allowed: {', '.join(STORE_MODES)}")
    for e, _ in jobs:
        if not e.with_funds:
            raise ValueError("engine: built without the funds (with_funds=False), whose "
                             "summary has no financial items; use operating_results, or an "
                             "Engine with them")
    count, fund_keys = _pass_of(jobs, n_paths)
    keep_monthly = store == "monthly"
    summaries = [Summary(e, fans=fans) for e, _ in jobs]

    def work(b: int) -> list:
        shared = SharedBlock(fund_keys) if len(jobs) > 1 else None
        res = []
        for (e, shifts), summary in zip(jobs, summaries):
            out = e.block(b, n_paths, shifts, fund_months=keep_monthly or fans, shared=shared)
            stats = summary.reduce(out)      # in the worker: only the fold is serial
            if progress is not None:
                progress(out.n_paths)
            res.append((stats, kept_part(out, keep_monthly) if store != "summary" else None))
        return res

    kept = [[] for _ in jobs]
    for _, res in blocks.in_block_order(work, count, threads, block_order):
        for summary, part, (stats, p) in zip(summaries, kept, res):
            summary.fold(stats)              # folded strictly in block order
            if p is not None:
                part.append(p)
    out = []
    for (e, _), summary, parts in zip(jobs, summaries, kept):
        ds = summary.dataset()
        if store != "summary":
            import xarray as xr
            ds = xr.merge([ds, paths_dataset(e, parts, keep_monthly)],
                          combine_attrs="override")
        ds.attrs.update({"paths": n_paths, "store": store, "block_size": e.block_size})
        out.append(ds)
    return out


def _pass_of(jobs: list[tuple[Engine, Shifts | None]], n_paths: int) -> tuple[int, dict]:
    """The jobs' common number of blocks, and a digest of each job's funds (SharedBlock; none
    for a single job, which shares nothing)."""
    counts = {e.n_blocks(n_paths) for e, _ in jobs}
    if len(counts) != 1:
        raise ValueError(f"jobs: block sizes differ ({sorted({e.block_size for e, _ in jobs})})"
                         "; the jobs of one pass share its blocks")
    return counts.pop(), ({id(e): [digest(f) for f in e.funds] for e, _ in jobs}
                          if len(jobs) > 1 else {})


def paths_together(jobs: list[tuple[Engine, Shifts | None]], n_paths: int, read,
                   threads: int = 1, progress=None) -> list[np.ndarray]:
    """What ``read`` takes of each block's results (:class:`BlockResult` to an array whose
    first axis is the block's paths), for every job of one pass over the blocks, concatenated
    in block order: the per-path arrays ``run(..., store="annual")`` would hold, without the
    summary or the Dataset, and with the block's shared stages computed once
    (:func:`run_together`). For the tornado: each factor's setting against the same paths."""
    count, fund_keys = _pass_of(jobs, n_paths)

    def work(b: int) -> list:
        shared = SharedBlock(fund_keys) if len(jobs) > 1 else None
        res = []
        for e, shifts in jobs:
            out = e.block(b, n_paths, shifts, shared=shared)
            res.append(read(out))
            if progress is not None:
                progress(out.n_paths)
        return res

    parts = [r for _, r in blocks.in_block_order(work, count, threads)]
    return [np.concatenate([p[j] for p in parts]) for j in range(len(jobs))]


def operating_results(cfg, n_paths: int, seed: int, threads: int = 1) -> np.ndarray:
    """Each path's operating result (verksamhetens resultat) per plan year, (N, Y) mnkr: the
    paths :func:`run` gives for the same config and seed, path for path, without running,
    centring or summarising the funds, which enter the budget only below the operating result
    (its financial items). For the questions that need nothing else: the rolling backtest of
    the regions' misses and the operations factor's calibration (the model's own spread)."""
    e = Engine(cfg, seed, with_funds=False)
    return paths_together([(e, None)], n_paths, lambda out: out.budget.operating_result,
                          threads)[0]
