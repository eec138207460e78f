"""Workflows: what each command does, as library functions that return Datasets with their
provenance attached (or write the report's files). The command line only parses options,
calls one of these and prints; a notebook calls them the same way.

A problem the user can fix (a bad option combination, a cluster that cannot be reached, a
results file of the wrong kind) raises :class:`WorkflowError`, whose message is for the user.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from pathlib import Path

import numpy as np

from .budget import Budget, BudgetPlan
from .config import PlanConfig, canonical_json, config_hash, load_config
from .errors import WorkflowError

__all__ = ["WorkflowError", "deterministic_budget", "monte_carlo", "esg", "replay",
           "scenario_paths", "load_scenarios", "stress", "sensitivity", "reverse_stress",
           "report", "compare_models"]


def _no_progress(total: int, label: str):
    return contextlib.nullcontext(lambda n: None)


def _threads(threads: int | None) -> int:
    return threads or os.cpu_count() or 1


def deterministic_budget(cfg: PlanConfig):
    """The plan's own budget: every risk factor at its forecast (one path), as a Dataset."""
    from .results import budget_dataset, provenance

    plan = BudgetPlan.from_config(cfg)
    by_sales = [f.bkr_treatment == "sales" for f in cfg.funds.values()]
    return budget_dataset(plan, Budget(plan, by_sales).deterministic(),
                          provenance(cfg, seed=None, mode="deterministic"))


#: Measured on the 2-core, 24 GiB machine (docs/guides/run.md, "Memory"): what a run holds whatever its
#: paths (the summary's histograms, with the Bilaga 2 fans), what each path adds when its
#: yearly or monthly results are kept, and how many paths a second one core computes.
BASE_BYTES = 0.45e9
BYTES_PER_PATH = {"summary": 0.0, "annual": 7.0e3}
BYTES_PER_PATH_YEAR_MONTHLY = 0.8e3
PATHS_PER_SECOND_PER_CORE = 10_000.0


def _available_memory() -> float | None:
    """The memory available to a new run, in bytes (psutil; None where it cannot be read)."""
    import psutil

    try:
        return float(psutil.virtual_memory().available)
    except (OSError, RuntimeError):
        return None


def predicted_bytes(paths: int, store: str, years: int) -> float:
    per_path = BYTES_PER_PATH.get(store, BYTES_PER_PATH["annual"])
    if store == "monthly":
        per_path += BYTES_PER_PATH_YEAR_MONTHLY * years
    return BASE_BYTES + per_path * paths


def check_budget(paths: int, store: str, years: int, max_minutes: float | None) -> None:
    """Refuse, before any work, a run that cannot fit in this machine's memory, and one
    predicted to take longer than ``max_minutes`` (None: no limit; the CLI's --yes)."""
    need = predicted_bytes(paths, store, years)
    have = _available_memory()
    if have is not None and need > have:
        raise WorkflowError(
            f"--paths {paths} --store {store}: needs about {need / 1e9:,.1f} GB, and this "
            f"machine has {have / 1e9:,.1f} GB available. Keep the summary only (--store "
            "summary: bounded memory), run fewer paths, or run on a cluster with --zarr")
    if max_minutes is not None:
        cores = max(os.cpu_count() or 1, 1)
        minutes = paths / (PATHS_PER_SECOND_PER_CORE * cores) / 60.0
        if minutes > max_minutes:
            raise WorkflowError(
                f"--paths {paths}: predicted to take about {minutes:,.0f} minutes on "
                f"{cores} cores (more than {max_minutes:g}); give --yes to run it anyway, or "
                "fewer paths, or a cluster (--scheduler, --workers)")


#: The pilot run that sizes a --target-se run.
PILOT_PATHS = 20_000


def paths_for_target_se(cfg: PlanConfig, target_se: float, seed: int,
                        threads: int | None = None) -> tuple[int, float]:
    """The paths that put every plan year's P(balanskravsresultat < 0) and P(below the 1 %
    goal) within ``target_se`` (a standard error, as a fraction), from a pilot run on the same
    seed: ``n = max p (1 - p) / target_se^2``, rounded up to whole blocks. Returns ``(n, the
    largest variance per path seen)``. Plain Monte Carlo's binomial error, so the estimate is
    honest. With ``simulation.parameter_uncertainty`` the paths of a block share its
    parameters, and the variance per path is the pilot's between-block one (``se^2 x paths``),
    larger than ``p (1 - p)``; with ``simulation.antithetic`` it is the pilot's own (the spread
    between its pairs, or between its blocks with parameter uncertainty too), which the pairs
    make smaller."""
    from .engine import run

    if not 0.0 < target_se < 0.5:
        raise WorkflowError(f"--target-se {target_se!r}: allowed 0 < se < 0.5 (a fraction: "
                            "0.001 is 0,1 percentage point)")
    pilot = run(cfg, PILOT_PATHS, seed, threads=_threads(threads))
    p = np.concatenate([pilot["p_deficit"].values, pilot["p_below_goal"].values])
    # a probability the pilot puts at 0 or 1 is given one path's worth, not zero variance
    p = np.clip(p, 1.0 / PILOT_PATHS, 1.0 - 1.0 / PILOT_PATHS)
    var = float((p * (1.0 - p)).max())
    se = np.concatenate([pilot["p_deficit_se"].values, pilot["p_below_goal_se"].values])
    if cfg.simulation.antithetic:
        # pairs: the variance per path is the pilot's own (between pairs; between blocks with
        # parameter uncertainty too, holding both effects), below p (1 - p) where pairs pay
        var = float(np.nanmax(se) ** 2 * PILOT_PATHS)
    elif cfg.simulation.parameter_uncertainty:
        var = max(var, float(np.nanmax(se) ** 2 * PILOT_PATHS))
    block = cfg.simulation.block_size
    n = int(np.ceil(var / target_se ** 2 / block)) * block
    return max(n, block), var


def monte_carlo(cfg: PlanConfig, paths: int | None = None, seed: int | None = None,
                threads: int | None = None, store: str = "summary", progress_bar=_no_progress,
                scheduler: str | None = None, workers: int | None = None,
                zarr_path: Path | None = None, max_minutes: float | None = None,
                zarr_overwrite: bool = False):
    """The Monte Carlo run (with the Bilaga 2 fans): in this process, on an existing
    dask.distributed cluster (``scheduler``) or on a local one of ``workers`` processes.

    ``paths`` and ``seed`` default to the config's ``simulation`` section. The result is the
    same Dataset, bit for bit, whichever way it runs. ``zarr_path``: an existing non-empty
    folder is refused unless ``zarr_overwrite`` (an earlier run's store is replaced then).
    """
    from .results import provenance

    paths = cfg.simulation.paths if paths is None else paths
    seed = cfg.simulation.seed if seed is None else seed
    if scheduler and workers:
        raise WorkflowError("--scheduler and --workers: give one (an existing cluster, or a "
                            "local one to start)")
    if zarr_path is not None:
        zp = Path(zarr_path)
        if zp.exists() and not zp.is_dir():
            raise WorkflowError(f"--zarr {zp}: is a file, not a folder; give a new folder")
        if zp.is_dir() and any(zp.iterdir()):
            store_there = (zp / "zarr.json").is_file() or (zp / ".zgroup").is_file()
            if not store_there:
                raise WorkflowError(f"--zarr {zp}: a folder with other files in it; the run "
                                    "would replace them. Give a new or empty folder")
            if not zarr_overwrite:
                raise WorkflowError(f"--zarr {zp}: holds an earlier run's Zarr store; give "
                                    "--overwrite to replace it, or a new folder")
    if zarr_path is not None and not (store == "annual" and (scheduler or workers)):
        raise WorkflowError("--zarr: only with --store annual on a cluster (--scheduler or "
                            "--workers)")
    if not (scheduler or workers):
        check_budget(paths, store, len(cfg.meta.years), max_minutes)
    if scheduler or workers:
        if store == "monthly":
            raise WorkflowError("--store monthly: not on a cluster; use --store annual (with "
                                "--zarr for large runs)")
        ds = _on_cluster(cfg, paths, seed, store, scheduler, workers, zarr_path, progress_bar)
    else:
        from .engine import run

        with progress_bar(paths, "Scenarier") as advance:
            ds = run(cfg, paths, seed, threads=_threads(threads), store=store,
                     progress=advance, fans=True)
    ds.attrs.update(provenance(cfg, seed=seed, mode="monte_carlo"))
    ds.attrs.update({"paths": paths, "store": store})
    return ds


#: What ``sim compare`` keeps of each variant's run.
COMPARE_KEYS = ("p_deficit", "p_deficit_se", "p_below_goal", "p_deficit_budget_only",
                "p_deficit_market_only", "p_deficit_any", "p_below_goal_any", "p_kpif_high",
                "p_kpif_high_ever", "bkr_mean", "bkr_std")


def compare_models(variants: list[tuple], variants_file: Path, paths: int, seed: int,
                   threads: int | None = None, progress_bar=_no_progress):
    """Each variant (from :func:`sim.variants.variant_configs`) run on the same paths and seed;
    the headline statistics side by side along a ``variant`` dimension, with the spread of
    P(deficit) between them and the spread simulation noise alone could give
    (:func:`sim.analysis.noise_range_of`, from each variant's own standard error)."""
    import xarray as xr

    from .analysis import noise_range_of
    from .catalogue import annotate
    from .engine import run
    from .results import provenance

    years = [tuple(int(y) for y in cfg.meta.years) for _, _, cfg in variants]
    if len(set(years)) != 1:
        raise WorkflowError("the variants' plans cover different years; compare variants of "
                            "one plan")
    check_budget(paths, "summary", len(years[0]), None)
    parts = []
    with progress_bar(paths * len(variants), "Specifikationer") as advance:
        for key, v, cfg in variants:
            ds = run(cfg, paths, seed, threads=_threads(threads), progress=advance)
            parts.append(ds[list(COMPARE_KEYS)].expand_dims(variant=[key]))
    out = xr.concat(parts, dim="variant", combine_attrs="override")
    out = out.assign_coords(
        variant_label=("variant", [v.label for _, v, _ in variants]),
        variant_reason=("variant", [v.reason for _, v, _ in variants]),
        variant_config_sha256=("variant", [config_hash(cfg) for _, _, cfg in variants]))
    p = out["p_deficit"]
    out["p_deficit_range"] = p.max("variant") - p.min("variant")
    out["p_deficit_noise_range"] = ("year", noise_range_of(
        out["p_deficit_se"].transpose("variant", "year").values))
    base = variants[0][2]
    out.attrs.update(provenance(base, seed=seed, mode="compare"))
    out.attrs.update({"paths": paths, "variants_file": Path(variants_file).as_posix(),
                      "variants_json": json.dumps(
                          {key: {"label": v.label, "config_json": canonical_json(cfg)}
                           for key, v, cfg in variants}, ensure_ascii=False)})
    return annotate(out)


def strategy_frontier(config: Path, overrides: tuple[str, ...], sweep_path: Path, sweep,
                      paths: int, seed: int, threads: int | None = None,
                      progress_bar=_no_progress):
    """``sim strategy``: every rule of ``sweep`` (:mod:`sim.strategy`) run on the plan with the
    same random numbers and the same asset returns; the frontier (expected return against the
    probability of a fall beyond Bilaga 2's limit from the 24-month high, the same yardstick
    for every rule; today's rule marked, dominated rules flagged), P(deficit) and the
    budget's realized result per rule, and the long horizon when the sweep asks for it. A
    Dataset along a ``rule`` dimension (mode ``strategy``)."""
    import dataclasses

    import xarray as xr

    from .catalogue import annotate
    from .config import ConfigError
    from .engine import Engine, run
    from .results import provenance
    from .strategy import SWEEP_KEYS, base_rule, dominated, rule_label, rule_overrides, rules

    overrides = tuple(overrides)
    try:
        base_cfg = load_config(config, overrides)
        base = base_rule(base_cfg, sweep.fund)
    except ConfigError as exc:
        raise WorkflowError(f"{sweep_path}: {exc}") from None
    todo = rules(sweep, base)
    cfgs = []
    for r in todo:                       # every rule valid before anything runs
        try:
            cfgs.append(load_config(config, overrides + tuple(rule_overrides(sweep.fund, r))))
        except ConfigError as exc:
            raise WorkflowError(f"{sweep_path}: the rule '{rule_label(r)}': {exc}") from None
    steps = math.lcm(*(c.equity_steps for c in cfgs))
    fine = (f"simulation.min_equity_steps={steps}",) if steps != base_cfg.equity_steps else ()
    market = ("simulation.return_centre=market", "simulation.centre_paths=100")
    check_budget(paths, "summary", len(base_cfg.meta.years), None)
    fund_index = list(base_cfg.funds).index(sweep.fund)
    long = sweep.long_horizon
    n_long = 0 if long is None else long.paths
    parts = []
    with progress_bar(paths * len(todo) + n_long * len(todo), "Regler") as advance:
        ref_cfg = load_config(config, overrides + fine)
        ref = Engine(ref_cfg, seed)            # today's rule, centred on the plan
        engines = []
        for r in todo:
            if not r:
                e = ref
            else:
                cfg_r = load_config(config, overrides + fine + market
                                    + tuple(rule_overrides(sweep.fund, r)))
                e = Engine(cfg_r, seed)
                e.funds = [dataclasses.replace(f0, rule=f1.rule, trading=f1.trading)
                           for f0, f1 in zip(ref.funds, e.funds)]
                e.centre = ref.centre
            engines.append(e)
            ds = run(e.cfg, paths, seed, threads=_threads(threads), engine=e, progress=advance)
            parts.append(ds)
        long_ds = (None if long is None else
                   _funding(config, overrides + fine, engines, sweep.fund, long, seed, threads,
                            advance))
    years = [int(y) for y in parts[0]["year"].values]
    f = sweep.fund
    driver = f"fund_{f}"

    def stack(name, sel=None):
        return np.stack([(d[name].sel(**sel) if sel else d[name]).values for d in parts])

    ret = stack("fund_return_pct_mean", {"fund": f})
    # protection on one yardstick for every rule: Bilaga 2's (a fall beyond the limit from the
    # highest value of the last 24 months), whatever the rule's own level and window
    below = stack("p_fund_fall24_over_limit_ever", {"fund": f})
    data = {
        "p_fund_fall24_over_limit_ever": (("rule",), below),
        "p_fund_fall24_over_limit_ever_se": (("rule",),
                                             stack("p_fund_fall24_over_limit_ever_se",
                                                   {"fund": f})),
        "fund_return_pct_mean": (("rule",), ret),
        "fund_return_pct_std": (("rule",), stack("fund_return_pct_std", {"fund": f})),
        "p_fund_breach_ever": (("rule",), stack("p_fund_breach_ever", {"fund": f})),
        "p_fund_breach_ever_se": (("rule",), stack("p_fund_breach_ever_se", {"fund": f})),
        "p_fund_breach": (("rule", "year"), stack("p_fund_breach", {"fund": f})),
        "fund_breach_depth_quantile": (("rule", "depth_quantile"),
                                       stack("fund_breach_depth_quantile", {"fund": f})),
        "fund_breach_spell_months": (("rule",), stack("fund_breach_spell_months", {"fund": f})),
        "p_fund_fall_over_limit_ever": (("rule",),
                                        stack("p_fund_fall_over_limit_ever", {"fund": f})),
        "fund_realized_mean": (("rule", "year"), stack("contribution_mean", {"driver": driver})),
        "p_deficit": (("rule", "year"), stack("p_deficit")),
        "p_deficit_se": (("rule", "year"), stack("p_deficit_se")),
        "p_deficit_any": (("rule",), stack("p_deficit_any")),
        "bkr_mean": (("rule", "year"), stack("bkr_mean")),
        "bkr_es05": (("rule", "year"), stack("bkr_es05")),
        "fund_loss_limit": ((), float(parts[0]["fund_loss_limit"].sel(fund=f))),
    }
    full = [{**base, **r} for r in todo]
    coords = {"rule": [f"regel_{i:02d}" for i in range(len(todo))],
              "rule_label": ("rule", [rule_label(r) for r in todo]),
              "rule_today": ("rule", [not r for r in todo]),
              "rule_dominated": ("rule", dominated(ret, below)),
              "year": years, "depth_quantile": parts[0]["depth_quantile"].values}
    for k in SWEEP_KEYS:
        coords[f"rule_{k}"] = ("rule", [float(x[k]) for x in full])
    out = xr.Dataset(data, coords=coords)
    if long_ds is not None:
        out = xr.merge([out, long_ds], combine_attrs="override")
    out.attrs.update(provenance(base_cfg, seed=seed, mode="strategy"))
    out.attrs.update({"paths": paths, "sweep_file": Path(sweep_path).as_posix(), "fund": f,
                      "fund_label": str(base_cfg.funds[f].label),
                      "sweep_source": sweep.source, "equity_steps": steps,
                      "long_paths": n_long, "fund_index": fund_index,
                      "budget_years": int(base_cfg.decision.budget_years)})
    return annotate(out)


def _funding(config: Path, overrides: tuple[str, ...], engines: list, fund: str, long,
             seed: int, threads: int | None, advance):
    """The long run of :func:`strategy_frontier`: the fund alone under every rule to
    ``long.last_year``, on one set of paths (each block's generator output shared by the
    rules); the expected return past the plan is the last plan year's (its equity's shift
    held). Value quantiles and P(every payout paid) per year, and the payouts."""
    import dataclasses

    import xarray as xr

    from . import blocks as B
    from .analysis import Histogram
    from .config import ConfigError
    from .engine import Engine
    from .esg.model import simulate_block
    from .portfolio import run_fund
    from .strategy import funding, log_value_grid, quantile_from_log

    ref = engines[0]
    first = ref.cfg.meta.first_year
    years = long.last_year - first + 1
    try:
        cfg = load_config(config, overrides + (f"simulation.horizon_years={years}",
                                               "simulation.return_centre=market",
                                               "simulation.centre_paths=100"))
    except ConfigError as exc:
        raise WorkflowError(f"long_horizon.last_year {long.last_year}: {exc}") from None
    e = Engine(cfg, seed)
    j = list(cfg.funds).index(fund)
    base = e.funds[j]
    n_all = len(base.flows.net_flow)

    def held(shift):                     # the plan years' shifts, the last one held after
        shift = np.asarray(shift, dtype=float)
        return np.concatenate([shift, np.full(max(n_all - shift.size, 0), shift[-1])])[:n_all]

    funds = [dataclasses.replace(base, rule=en.funds[j].rule, trading=en.funds[j].trading,
                                 flows=base.flows._replace(
                                     equity_shift=held(ref.funds[j].flows.equity_shift),
                                     fixed_income_shift=held(
                                         ref.funds[j].flows.fixed_income_shift)))
             for en in engines]
    pre = e.n_pre
    n_years = n_all - pre
    lo, hi, bins = log_value_grid()
    hists = [Histogram(lo, hi, bins, columns=n_years) for _ in funds]
    covered = np.zeros((len(funds), n_years), dtype=np.int64)

    def work(b: int):
        a, z = B.bounds(b, long.paths, e.block_size)
        out = simulate_block(e.esg, e.innovations(b, z - a))
        res = []
        for fd in funds:
            r = run_fund(fd, out["equity_step"], out["fixed_income_return"], e.steps,
                         monthly=False)
            value = r["value_end"][:, pre:]
            cov, _ = funding(value, fd.flows.net_flow[pre:])
            # an emptied fund (value 0) falls below the histogram's range
            logv = np.log10(np.maximum(value, 1e-300))
            res.append((cov.sum(axis=0), hists[0].bin(logv)))
        advance((z - a) * len(funds))
        return res

    for _, res in B.in_block_order(work, e.n_blocks(long.paths), _threads(threads)):
        for k, (cov, binned) in enumerate(res):
            covered[k] += cov
            hists[k].add_binned(binned)
    _, cum = funding(np.zeros((1, n_years)), base.flows.net_flow[pre:])
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    value_q = np.array([[quantile_from_log(h, q) for q in qs] for h in hists])
    long_years = np.arange(first, first + n_years)
    return xr.Dataset(
        {"funding_value_quantile": (("rule", "value_quantile", "long_year"), value_q),
         "p_funding_covered": (("rule", "long_year"), covered / long.paths),
         "funding_payouts": (("long_year",), np.maximum(-base.flows.net_flow[pre:], 0.0)),
         "funding_cumulative_payouts": (("long_year",), cum)},
        coords={"long_year": long_years, "value_quantile": list(qs)})


def _on_cluster(cfg, paths: int, seed: int, store: str, scheduler: str | None,
                workers: int | None, zarr_path: Path | None, progress_bar):
    from .distributed import VersionMismatch, local_cluster, run_distributed

    try:
        from distributed import Client
    except ImportError:                                    # pragma: no cover - a dependency
        raise WorkflowError("--scheduler/--workers need dask.distributed: pip install "
                            "distributed") from None
    with contextlib.ExitStack() as stack:
        if workers:
            cluster = stack.enter_context(local_cluster(workers))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError) as exc:
                raise WorkflowError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
            except (ValueError, TypeError) as exc:      # a malformed address
                raise WorkflowError(f"--scheduler {scheduler}: not a scheduler address ({exc}); "
                                    "write it as tcp://HOST:PORT") from None
        try:
            with progress_bar(paths, "Scenarier") as advance:
                return run_distributed(cfg, paths, seed, client, store=store, fans=True,
                                       progress=advance, zarr_path=zarr_path)
        except VersionMismatch as exc:
            raise WorkflowError(f"--scheduler: {exc}") from None


def esg(cfg: PlanConfig, paths: int, seed: int | None = None, threads: int = 1,
        progress_bar=_no_progress):
    """The scenario generator's monthly and yearly factor paths, as a Dataset."""
    from .esg import generate
    from .results import provenance

    seed = cfg.simulation.seed if seed is None else seed
    with progress_bar(paths, "Scenarier") as advance:
        return generate(cfg, paths, seed, threads=threads, progress=advance,
                        attrs=provenance(cfg, seed=seed, mode="esg"))


def replay(cfg: PlanConfig, returns):
    """The funds over a monthly path of returns read from ``returns`` (CSV), as a Dataset.

    The replayed returns are monthly, so every fund reviews its mix once a month, whatever its
    ``rebalance_per_month`` (the Dataset's ``review`` attribute says so). Raises
    :class:`sim.portfolio.replay.ReplayError` for a bad file.
    """
    import dataclasses

    import numpy as np
    import xarray as xr

    from .catalogue import annotate
    from .portfolio import fund_params, portfolio_variables, run_funds
    from .portfolio.replay import read_returns_csv
    from .results import provenance

    months, eq, fi = read_returns_csv(returns)
    n_years = -(-len(months) // 12)
    funds = [dataclasses.replace(f, trading=f.trading._replace(rebalance_per_month=1))
             for f in fund_params(cfg, n_years, at_plan_start=True)]
    finer = [k for k, f in cfg.funds.items() if f.strategy.rebalance_per_month != 1]
    res = run_funds(funds, np.log1p(eq)[None], fi[None], 1)
    first = int(months[0].astype("datetime64[Y]").astype(int)) + 1970
    data = portfolio_variables(res)
    data["equity_return"] = xr.Variable(("path", "month"), eq[None])
    data["fixed_income_return"] = xr.Variable(("path", "month"), fi[None])
    coords = {"path": [0], "fund": list(cfg.funds),
              "fund_label": ("fund", [f.label for f in cfg.funds.values()]),
              "month": np.arange(len(months)),
              "time": ("month", months.astype("datetime64[ns]")),
              "year": np.arange(first, first + n_years)}
    attrs = provenance(cfg, seed=None, mode="replay")
    attrs["returns_file"] = str(returns)
    attrs["review"] = ("monthly: the replayed returns are monthly" + (
        f" ({', '.join(finer)} review more often in a run)" if finer else ""))
    return annotate(xr.Dataset(data, coords=coords, attrs=attrs))


def scenario_paths(folder: Path) -> list[Path]:
    """The scenario files (``*.toml``) of a folder, sorted; an empty folder is an error."""
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise WorkflowError(f"--scenarios {folder}: no scenario files (*.toml) there")
    return files


def load_scenarios(files: list[Path]) -> list[tuple]:
    """Load and validate scenario files: ``[(key, Scenario), ...]``; a key twice is an error."""
    from .stress import load_scenario

    loaded = [load_scenario(p) for p in files]
    keys = [k for k, _ in loaded]
    for path, key in zip(files, keys):
        if key == "bas":
            raise WorkflowError(f"{path}: the scenario name 'bas' is the plan itself (the "
                                "baseline every run includes); rename the file")
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise WorkflowError(f"scenario {dup!r} given twice")
    return loaded


def stress(cfg: PlanConfig, scenarios: list[tuple], seed: int | None = None, paths: int = 0,
           threads: int | None = None, progress_bar=_no_progress):
    """The stress scenarios (from :func:`load_scenarios`) side by side, ``bas`` first:
    deterministic and, with ``paths``, each the centre of a Monte Carlo on the same random
    numbers."""
    from .results import provenance
    from .stress.run import run_stress

    seed = cfg.simulation.seed if seed is None else seed
    total = paths * (len(scenarios) + (0 if any(k == "bas" for k, _ in scenarios) else 1))
    with progress_bar(total, "Scenarier") as advance:
        ds = run_stress(cfg, scenarios, seed, paths=paths, threads=_threads(threads),
                        progress=advance if paths else None)
    ds.attrs.update(provenance(cfg, seed=seed if paths else None, mode="stress"))
    return ds


def sensitivity(cfg: PlanConfig, seed: int | None = None, paths: int | None = None,
                k: float = 1.0, sobol_samples: int | None = None,
                calibration_paths: int | None = None, threads: int | None = None,
                progress_bar=_no_progress):
    """Tornado (each factor at -k and +k SD on the same random numbers) and Sobol indices."""
    from .results import provenance
    from .stress.sensitivity import run_sensitivity
    from .stress.settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS

    sobol_samples = SOBOL_SAMPLES if sobol_samples is None else sobol_samples
    if sobol_samples & (sobol_samples - 1):
        raise WorkflowError(f"--sobol-samples: {sobol_samples} is not a power of two "
                            "(e.g. 512, 1024, 2048)")
    seed = cfg.simulation.seed if seed is None else seed
    ds = run_sensitivity(cfg, seed, TORNADO_PATHS if paths is None else paths, k, sobol_samples,
                         CALIBRATION_PATHS if calibration_paths is None else calibration_paths,
                         _threads(threads), progress_bar)
    ds.attrs.update(provenance(cfg, seed=seed, mode="sensitivity"))
    return ds


def reverse_stress(cfg: PlanConfig, year: int, seed: int | None = None,
                   calibration_paths: int | None = None):
    """The most likely combined shock that brings ``year``'s balanskravsresultat to zero.

    Returns ``(engine, units, point)``: the model, each factor's standard deviation and the
    design point (:class:`sim.stress.sensitivity.ReversePoint`).
    """
    from .engine import Engine
    from .stress.sensitivity import calibrate, reverse_stress as find_point
    from .stress.settings import CALIBRATION_PATHS

    seed = cfg.simulation.seed if seed is None else seed
    e = Engine(cfg, seed)
    years = [int(y) for y in e.plan.years]
    if year not in years:
        raise WorkflowError(f"--year: {year} is not a plan year; allowed: "
                            f"{years[0]}-{years[-1]}")
    units = calibrate(e, CALIBRATION_PATHS if calibration_paths is None else calibration_paths,
                      seed)
    return e, units, find_point(e, units, year)


def _given(files: dict[str, Path | None]) -> dict:
    from .results import open_results

    given = {k: open_results(f) for k, f in files.items() if f is not None}
    for key, option, mode in (("run", "--run", "monte_carlo"), ("stress", "--stress", "stress"),
                              ("sens", "--sensitivity", "sensitivity"),
                              ("models", "--models", "compare"),
                              ("strategy", "--strategy", "strategy"),
                              ("previous", "--previous", "monte_carlo"),
                              ("backtest", "--backtest", "backtest")):
        if key == "backtest" and key in given and \
                given[key].attrs.get("mode") == "backtest_regions":
            continue
        if key in given and given[key].attrs.get("mode") != mode:
            raise WorkflowError(f"{option}: the file holds {given[key].attrs.get('mode')} "
                                f"results, not {mode}")
    return given


def report(cfg: PlanConfig, out: Path, scenario_folder: Path, paths: int | None = None,
           seed: int | None = None, threads: int | None = None, run_file: Path | None = None,
           stress_file: Path | None = None, sens_file: Path | None = None,
           progress_bar=_no_progress, models_file: Path | None = None,
           variants: tuple | None = None, backtest_file: Path | None = None,
           strategy_file: Path | None = None, previous_file: Path | None = None) -> list[Path]:
    """The report "Riskanalys inför finansplan": runs what it is not given, then writes the
    results files, the charts, riskanalys.pdf, riskanalys.html and riskanalys.xlsx into
    ``out``. The model-risk table comes from ``models_file`` (``sim compare``), else from
    running ``variants``, ``(variants file, its VariantsFile, variant_configs(...))``
    (:mod:`sim.variants`), on the file's paths each; with neither, the report leaves it out.
    The backtest's coverage comes from ``backtest_file`` (``sim backtest``'s backtest.nc),
    the pension rule's frontier from ``strategy_file`` (``sim strategy``); without them the
    report leaves them out."""
    from .present import fmt
    from .present.charts import chart_writers, close_figures, draw_charts
    from .present.document import build, html_writer, pdf_writer
    from .present.report import excel_writer
    from .results import atomic_write_many, netcdf_writer
    from .stress.settings import TORNADO_PATHS

    if out.exists() and not out.is_dir():
        raise WorkflowError(f"--out {out}: is a file; give a folder")
    given = _given({"run": run_file, "stress": stress_file, "sens": sens_file,
                    "models": models_file, "backtest": backtest_file,
                    "strategy": strategy_file, "previous": previous_file})
    scenarios = None if "stress" in given else load_scenarios(scenario_paths(scenario_folder))
    out.mkdir(parents=True, exist_ok=True)
    paths = cfg.simulation.paths if paths is None else paths
    items = []                     # every file, written as one unit at the end
    mc = given.get("run")
    if mc is None:
        mc = monte_carlo(cfg, paths, seed, threads, progress_bar=progress_bar)
        items.append((out / "run.nc", netcdf_writer(mc)))
    st = given.get("stress")
    if st is None:
        st = stress(cfg, scenarios, seed)
        items.append((out / "stress.nc", netcdf_writer(st)))
    sens = given.get("sens")
    if sens is None:
        sens = sensitivity(cfg, seed, min(paths, TORNADO_PATHS), threads=threads,
                           progress_bar=progress_bar)
        items.append((out / "sensitivity.nc", netcdf_writer(sens)))
    models = given.get("models")
    if models is None and variants:
        vpath, vfile, loaded = variants
        models = compare_models(loaded, vpath, min(paths, vfile.paths),
                                cfg.simulation.seed if seed is None else seed, threads,
                                progress_bar)
        items.append((out / "model-risk.nc", netcdf_writer(models)))
    budget = deterministic_budget(cfg)
    strat = given.get("strategy")
    prev = given.get("previous")
    if prev is not None:
        prev = changes(cfg, prev, mc, min(int(mc.attrs.get("paths", paths)), CHANGE_PATHS),
                       int(mc.attrs.get("seed", cfg.simulation.seed)), threads, progress_bar)
    shown = [ds for ds in (mc, st, sens, strat) if ds is not None]
    with fmt.nonbreaking():          # a number never breaks across a line on the page
        drawn = [draw_charts(ds) for ds in shown]      # each chart drawn once
        try:
            doc = build(mc, st, sens, models=models, backtest=given.get("backtest"),
                        figures={k: v for d in drawn for k, v in d.items()}, strategy=strat,
                        previous=prev)
        except (KeyError, ValueError) as exc:
            raise WorkflowError(f"the results given cannot make the report: "
                                f"{type(exc).__name__}: {exc}; write them again with this "
                                "version of sim") from None
        for ds, d in zip(shown, drawn):
            items += chart_writers(ds, out / "charts", d)
        items += [(out / "riskanalys.pdf", pdf_writer(doc)),
                  (out / "riskanalys.html", html_writer(doc)),
                  (out / "riskanalys.xlsx", excel_writer(
                      mc, st, sens, budget,
                      {k: rows for d in drawn for k, (_, rows) in d.items()},
                      strategy=strat))]
        try:
            return atomic_write_many(items, processes=_threads(threads))
        finally:
            close_figures(*drawn)


#: Paths of each step of the change from a previous analysis (at most the run's).
CHANGE_PATHS = 20000


def changes(cfg: PlanConfig, previous, mc, paths: int, seed: int, threads: int | None = None,
            progress_bar=_no_progress):
    """The change from an earlier analysis (``previous``, a ``sim run`` results file) to this
    one (``mc``), step by step on the same seed and paths: the earlier run as published, its
    assumptions run with this version of the model, then today's scenario model, today's
    information date and vintage, and this analysis (the rest of the plan). A step whose
    config is not valid (an earlier plan that does not take today's information date) is left
    out and named in ``skipped``. A Dataset (step, year) of P(deficit) and at least once."""
    import xarray as xr

    from .config import ConfigError, validate_config
    from .engine import run

    from .esg.schema import ANNUAL_FACTORS

    try:
        before = json.loads(previous.attrs["config_json"])
    except (KeyError, ValueError):
        raise WorkflowError("--previous: the file records no configuration; write it again "
                            "with this version of sim") from None
    annual = (before.get("esg") or {}).get("annual")
    if isinstance(annual, dict):      # the recorded JSON sorts keys; the factors have an order
        before["esg"]["annual"] = {k: annual[k] for k in ANNUAL_FACTORS if k in annual}
    now = cfg.model_dump(mode="json")
    years = [int(y) for y in mc["year"].values]

    def headline(ds) -> tuple[np.ndarray, float]:
        p = np.array([float(ds["p_deficit"].sel(year=y)) if y in ds["year"].values
                      else np.nan for y in years])
        return p, float(ds["p_deficit_any"])

    steps = [("before", "Förra analysen, som den publicerades", headline(previous))]
    plans = [("same", "Samma antaganden, räknade med denna version av modellen", before),
             ("model", "+ dagens scenariomodell", {**before, "esg": now["esg"]}),
             ("information", "+ dagens informationsdatum och prognosernas tidpunkt",
              {**before, "esg": now["esg"], **{k: now[k] for k in ("information", "vintage")
                                                 if k in now}})]
    skipped = []
    with progress_bar(paths * len(plans), "Förändring") as advance:
        for key, label, raw in plans:
            try:
                c = validate_config({k: v for k, v in raw.items() if v is not None},
                                    f"--previous, step {key}")
            except ConfigError:
                skipped.append(label)
                continue
            steps.append((key, label, headline(run(c, paths, seed, threads=_threads(threads),
                                                   progress=advance))))
    steps.append(("now", "Denna analys (med övriga ändringar i planen)", headline(mc)))
    ds = xr.Dataset(
        {"p_deficit": (("step", "year"), np.array([s[2][0] for s in steps])),
         "p_deficit_any": (("step",), np.array([s[2][1] for s in steps]))},
        coords={"step": [s[0] for s in steps], "step_label": ("step", [s[1] for s in steps]),
                "year": years})
    ds.attrs.update({"previous_as_of": str(previous.attrs.get("information_as_of", "none")),
                     "previous_created": str(previous.attrs.get("created", "")),
                     "paths": paths, "skipped_steps": "\n".join(skipped)})
    return ds


def calibrate_esg(data_dir: Path, until: str, template: Path):
    """Fit the generator's market models to ``data_dir`` (KPIF up to ``until``) and return the
    model file's text and the fit (:mod:`sim.calibrate.esg`)."""
    import tomllib

    from .calibrate.esg import fit_esg, write_model
    from .data.files import HistoryError
    from .information import parse_month

    try:
        parse_month(until)
    except ValueError as exc:
        raise WorkflowError(f"--until: {exc}") from None
    if not (Path(data_dir) / "kpif_monthly_change.csv").is_file():
        raise WorkflowError(f"--data {data_dir}: no kpif_monthly_change.csv there (see "
                            "data/history/README.md for the files and their format)")
    try:
        text = Path(template).read_text(encoding="utf-8")
        parsed = tomllib.loads(text)
    except OSError as exc:
        raise WorkflowError(f"--template {template}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkflowError(f"--template {template}: not a model file ({exc})") from None
    try:
        result = fit_esg(Path(data_dir), until, parsed)
    except HistoryError as exc:
        raise WorkflowError(str(exc)) from None
    note = ("# The economic scenario generator's parameters: the calibrated default model.\n"
            "#\n"
            f"# Written by `sim calibrate esg --data {Path(data_dir).as_posix()} --until {until} "
            f"--template {Path(template).as_posix()}`; do not edit by hand: change the data or "
            "the template\n"
            "# and run it again (a test checks the file equals the command's output). Estimated "
            "numbers carry\n"
            "# their standard error (se) and an 'estimated:' source; the rest are the template's, "
            "each with its\n"
            "# own source. docs/guides/calibrate.md shows the fits.\n")
    return write_model(text, result, note), result


def goodness_of_fit(result, data_dir: Path, until: str):
    """The fit's goodness of fit (:mod:`sim.calibrate.goodness`) as a results Dataset: what
    ``sim calibrate esg --plots`` draws, with the provenance every results file carries."""
    from .calibrate.goodness import goodness_of_fit as gof
    from .results import build_provenance

    ds = gof(result)
    ds.attrs.update({
        **build_provenance("calibration"),
        "title": "Skattade marknadsmodeller mot historiken",
        "config_name": f"sim calibrate esg --data {Path(data_dir).as_posix()} --until {until}"})
    return ds


def calibrate_budget(history: Path, plan: Path, template: Path, out: Path, paths: int,
                     seed: int, jump_share: float, until: str | None = None,
                     threads: int | None = None):
    """Estimate the operations factor from ``history`` (:mod:`sim.calibrate.budget`) against
    ``plan`` run with the model file ``template``; return the model file's text and the fit.
    The file's note names the command that rewrites ``out`` in place (the factor's estimates
    do not depend on its own values in the template, so the command is a fixed point)."""
    from .calibrate.budget import fit_operations, priced_spread, read_plan_outturns, write_operations
    from .config import ConfigError

    if until is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", until):
        raise WorkflowError(f"--until {until!r}: expected a date YYYY-MM-DD")
    rows = _read_history(read_plan_outturns, history)
    try:
        text = Path(template).read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"--template {template}: {exc.strerror or exc}") from None
    try:
        priced, priced_se, _ = priced_spread(Path(plan), Path(template), paths, seed,
                                             _threads(threads))
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None
    rate = _operations_jump_rate(text, template)
    try:
        fit = fit_operations(rows, priced, priced_se, rate, jump_share, until)
    except ValueError as exc:
        raise WorkflowError(f"{history}: {exc}") from None
    command = (f"{Path(history).as_posix()} --plan {Path(plan).as_posix()} --template "
               f"{Path(out).as_posix()} --out {Path(out).as_posix()} --paths {paths} --seed "
               f"{seed} --jump-share "
               f"{jump_share:g}" + (f" --until {until}" if until else ""))
    return write_operations(text, fit, Path(history).as_posix(), command), fit


def kpif_record(cfg: PlanConfig, data_dir: Path, paths: int, seed: int):
    """The plan's model against the published KPIF forecast record known at its information
    date, and its high-inflation episodes' length (:func:`sim.calibrate.forecast_record.
    check`)."""
    from .calibrate.forecast_record import FORECASTS_FILE, check
    from .data.files import HistoryError

    if not (Path(data_dir) / FORECASTS_FILE).is_file():
        raise WorkflowError(f"--data {data_dir}: no {FORECASTS_FILE} there (see "
                            "data/history/README.md)")
    try:
        return check(cfg.esg, Path(data_dir), cfg.information.as_of, paths, seed)
    except (HistoryError, ValueError) as exc:
        raise WorkflowError(str(exc)) from None


def model_draws(plan: Path, template: Path, history: Path, data_dir: Path, year: int,
                paths: int, seed: int, jump_share: float = 0.5,
                threads: int = 1) -> tuple[np.ndarray, dict]:
    """The model's one-year-ahead misses [% of operating costs] at ``year``'s origin (steps
    1-3 of :mod:`sim.calibrate.rolling`'s docstring), and what the model was fitted to."""
    import tempfile

    from .calibrate.rolling import origin_of
    from .config import load_config
    from .engine import run

    origin = origin_of(year)
    text, fit = calibrate_esg(Path(data_dir), origin, Path(template))
    info = {"origin": origin, "data_through": fit.kpif.months[-1], "operations": "assumption"}
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.toml"
        model.write_text(text, encoding="utf-8")
        try:
            text, bfit = calibrate_budget(history, plan, model, model, 20000, seed, jump_share,
                                          f"{origin}-30", threads)
            model.write_text(text, encoding="utf-8")
            info["operations"] = f"estimated on {bfit.n} misses"
        except WorkflowError:
            pass                      # too few misses published by then: the template's value
        cfg = load_config(plan, [f"esg_model={model.as_posix()}", "information_file=",
                                 "vintage_file="])
        ds = run(cfg, paths, seed, threads=threads, store="annual")
    first = int(ds["year"].values[0])
    costs = abs(float(cfg.plan.operating_costs[0]))
    planned = float(deterministic_budget(cfg)["operating_result"].sel(year=first).values[0])
    x = ds["operating_result"].sel(year=first).values.astype(float)
    return 100.0 * (x - planned) / costs, info


def region_backtest(history: Path, plan: Path, template: Path, data_dir: Path, paths: int,
                    seed: int, threads: int | None = None, progress_bar=_no_progress):
    """The rolling-origin backtest over the regions' budget misses in ``history``
    (:mod:`sim.calibrate.rolling`): each region-year in the one-year-ahead distribution of the
    model calibrated at its origin. Returns the placements, the models' origins and the
    placements as a results Dataset (mode ``backtest_regions``)."""
    import hashlib

    from .calibrate.budget import read_plan_outturns
    from .calibrate.rolling import place, placeable, placements_dataset
    from .results import build_provenance

    rows = placeable(_read_history(read_plan_outturns, history))
    if len(rows) < 2:
        raise WorkflowError(f"{history}: fewer than two region-years with a scale to place")
    years = sorted({r.year for r in rows})
    draws, origins = {}, {}
    with progress_bar(len(years), "Backtest, modell per budgetår") as advance:
        for year in years:
            draws[year], origins[year] = model_draws(plan, template, history, data_dir, year,
                                                     paths, seed, threads=_threads(threads))
            advance(1)
    placements = place(rows, draws)
    attrs = {**build_provenance("backtest_regions"),
             "title": "Regionernas budgetavvikelser mot modellens fördelning ett år framåt",
             "history_file": Path(history).name,
             "history_sha256": hashlib.sha256(Path(history).read_bytes()).hexdigest(),
             "plan_config": Path(plan).name, "template": Path(template).name,
             "config_name": f"sim backtest {Path(history).as_posix()}",
             "paths": paths, "seed": seed}
    return placements, origins, placements_dataset(placements, origins, attrs)


def _read_history(reader, history: Path):
    """A history file's rows by ``reader``; an unreadable or bad file is the user's error."""
    try:
        return reader(Path(history))
    except OSError as exc:
        raise WorkflowError(f"{history}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise WorkflowError(str(exc)) from None


def _operations_jump_rate(text: str, template: Path) -> float:
    import tomllib

    try:
        raw = tomllib.loads(text)
        return float(raw["annual"]["operations"]["jump_rate"]["value"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
        raise WorkflowError(f"--template {template}: no [annual.operations] jump_rate value "
                            "(a model file with the operations factor)") from None


def backtest(history: Path, plans: Path, paths: int, seed: int | None = None,
             threads: int | None = None, progress_bar=_no_progress):
    """Each outturn of ``history`` against the run of its plan config in ``plans``
    (:mod:`sim.backtest`): the rows with their PIT and bands, the coverage, one run's
    Dataset (for the chart's source line) and the rows as a results Dataset (mode
    ``backtest``, with the first run's provenance and the history file's hash)."""
    import hashlib

    from .backtest import backtest as place, backtest_dataset, coverage, read_history
    from .calibrate.exante import hindsight, information_month
    from .engine import run as run_mc
    from .results import provenance

    rows = _read_history(read_history, history)
    runs = {}
    for name in dict.fromkeys(r.plan_config for r in rows):
        path = Path(plans) / f"{name}.toml"
        if not path.is_file():
            raise WorkflowError(f"{history}: plan_config {name!r}: no {path}")
        cfg = load_config(path)
        late = hindsight(cfg)
        if late:
            raise WorkflowError(f"{path}: its model is not ex ante (a backtest with hindsight "
                                f"proves nothing): {late[0]}" + (f" (and {len(late) - 1} more)"
                                                                 if len(late) > 1 else ""))
        s = cfg.simulation.seed if seed is None else seed
        with progress_bar(paths, f"Backtest {name}") as advance:
            ds = run_mc(cfg, paths, s, threads=_threads(threads), store="annual",
                        progress=advance)
        ds.attrs.update(provenance(cfg, seed=s, mode="backtest"))
        ds.attrs["paths"] = paths
        ds.attrs["ex_ante_information_month"] = information_month(cfg)
        runs[name] = ds
    try:
        results = place(rows, runs)
    except ValueError as exc:
        raise WorkflowError(f"{history}: {exc}") from None
    first = next(iter(runs.values()))
    attrs = dict(first.attrs)
    attrs.update({"history_file": Path(history).name,
                  "history_sha256": hashlib.sha256(Path(history).read_bytes()).hexdigest(),
                  "plan_configs": ", ".join(runs)})
    return results, coverage(results), first, backtest_dataset(results, attrs)
