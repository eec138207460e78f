"""The Monte Carlo run and what stands beside it: the deterministic plan, a run sized for a
target standard error, a run on a cluster, the generator's paths, and a replay of history."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from ..budget import Budget, BudgetPlan
from ..config import PlanConfig
from ..errors import WorkflowError
from .guard import (BASE_BYTES, ESG_BYTES_PER_PATH_MONTH, check_budget, check_memory,
                    no_progress, threads_or_cores)


def deterministic_budget(cfg: PlanConfig):
    """The plan's own budget: every risk factor at its forecast (one path), as a Dataset."""
    from ..results import budget_dataset, provenance

    plan = BudgetPlan.from_config(cfg)
    by_sales = [f.bkr_treatment == "sales" for f in cfg.funds.values()]
    return budget_dataset(plan, Budget(plan, by_sales).deterministic(),
                          provenance(cfg, seed=None, mode="deterministic"))


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
    from ..engine import run

    if not 0.0 < target_se < 0.5:
        raise WorkflowError(f"--target-se {target_se!r}: allowed 0 < se < 0.5 (a fraction: "
                            "0.001 is 0,1 percentage point)")
    pilot = run(cfg, PILOT_PATHS, seed, threads=threads_or_cores(threads))
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


#: The entries a Zarr store's folder holds of its own (v3 and v2 metadata).
_ZARR_FILES = frozenset({"zarr.json", ".zgroup", ".zattrs", ".zarray", ".zmetadata"})


def _not_zarr(folder: Path) -> list[str]:
    """The entries of ``folder`` that are not part of a Zarr store: a metadata file at the top,
    or an array or group folder (one with its own metadata), nothing else."""
    out = []
    for p in sorted(folder.iterdir()):
        if p.name in _ZARR_FILES and p.is_file():
            continue
        if p.is_dir() and not p.is_symlink() and any((p / f).is_file() for f in _ZARR_FILES):
            continue
        out.append(p.name)
    return out


def monte_carlo(cfg: PlanConfig, paths: int | None = None, seed: int | None = None,
                threads: int | None = None, store: str = "summary", progress_bar=no_progress,
                scheduler: str | None = None, workers: int | None = None,
                zarr_path: Path | None = None, max_minutes: float | None = None,
                zarr_overwrite: bool = False):
    """The Monte Carlo run (with the Bilaga 2 fans): in this process, on an existing
    dask.distributed cluster (``scheduler``) or on a local one of ``workers`` processes.

    ``paths`` and ``seed`` default to the config's ``simulation`` section. The result is the
    same Dataset, bit for bit, whichever way it runs. ``zarr_path``: an existing non-empty
    folder is refused unless ``zarr_overwrite`` (an earlier run's store is replaced then).
    """
    from ..results import provenance

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
            foreign = _not_zarr(zp)
            if foreign:
                raise WorkflowError(
                    f"--zarr {zp}: holds a Zarr store and also {', '.join(foreign[:3])}"
                    f"{' ...' if len(foreign) > 3 else ''}, which --overwrite would delete with "
                    "it; move them out or give a new folder")
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
        from ..engine import run

        with progress_bar(paths, "Scenarier") as advance:
            ds = run(cfg, paths, seed, threads=threads_or_cores(threads), store=store,
                     progress=advance, fans=True)
    ds.attrs.update(provenance(cfg, seed=seed, mode="monte_carlo"))
    ds.attrs.update({"paths": paths, "store": store})
    return ds


def _on_cluster(cfg, paths: int, seed: int, store: str, scheduler: str | None,
                workers: int | None, zarr_path: Path | None, progress_bar):
    from ..distributed import VersionMismatch, local_cluster, run_distributed

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
        progress_bar=no_progress):
    """The scenario generator's monthly and yearly factor paths, as a Dataset."""
    from ..esg import generate
    from ..results import provenance

    seed = cfg.simulation.seed if seed is None else seed
    months = 12 * cfg.simulation.horizon_years
    check_memory(f"--paths {paths}", BASE_BYTES + ESG_BYTES_PER_PATH_MONTH * months * paths,
                 "sim esg keeps every path's months: run fewer paths.")
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

    from ..catalogue import annotate
    from ..portfolio import fund_params, portfolio_variables, run_funds
    from ..portfolio.replay import read_returns_csv
    from ..results import provenance

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
