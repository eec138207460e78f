"""Backtests: published outturns placed in the plan's distribution, and the rolling-origin
backtest over many region-years with a model fitted at each origin."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import load_config
from ..errors import WorkflowError
from .calibrate import calibrate_budget, calibrate_esg
from .guard import check_work, count, no_progress, predicted_bytes, threads_or_cores
from .run import deterministic_budget


#: Paths of each origin's calibration of the operations factor (``sim calibrate budget``).
CALIBRATE_PATHS = 20000


def model_draws(plan: Path, template: Path, history: Path, data_dir: Path, year: int,
                paths: int, seed: int, jump_share: float = 0.5,
                threads: int = 1) -> tuple[np.ndarray, dict]:
    """The model's one-year-ahead misses [% of operating costs] at ``year``'s origin (steps
    1-3 of :mod:`sim.calibrate.rolling`'s docstring), and what the model was fitted to."""
    import tempfile

    from ..calibrate.rolling import origin_of
    from ..config import load_config
    from ..engine import operating_results

    origin = origin_of(year)
    text, fit = calibrate_esg(Path(data_dir), origin, Path(template))
    info = {"origin": origin, "data_through": fit.kpif.months[-1], "operations": "assumption"}
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.toml"
        model.write_text(text, encoding="utf-8")
        try:
            text, bfit = calibrate_budget(history, plan, model, model, CALIBRATE_PATHS, seed,
                                          jump_share, f"{origin}-30", threads)
            model.write_text(text, encoding="utf-8")
            info["operations"] = f"estimated on {bfit.n} misses"
        except WorkflowError:
            pass                      # too few misses published by then: the template's value
        cfg = load_config(plan, [f"esg_model={model.as_posix()}", "information_file=",
                                 "vintage_file="])
        x = operating_results(cfg, paths, seed, threads=threads)[:, 0]     # the first year
    costs = abs(float(cfg.plan.operating_costs[0]))
    planned = float(deterministic_budget(cfg)["operating_result"].isel(year=0).values[0])
    return 100.0 * (x - planned) / costs, info


def region_backtest(history: Path, plan: Path, template: Path, data_dir: Path, paths: int,
                    seed: int, threads: int | None = None, progress_bar=no_progress,
                    max_minutes: float | None = None):
    """The rolling-origin backtest over the regions' budget misses in ``history``
    (:mod:`sim.calibrate.rolling`): each region-year in the one-year-ahead distribution of the
    model calibrated at its origin. Returns the placements, the models' origins and the
    placements as a results Dataset (mode ``backtest_regions``)."""
    import hashlib

    from ..calibrate.budget import read_plan_outturns
    from ..calibrate.rolling import place, placeable, placements_dataset
    from ..results import build_provenance

    rows = placeable(read_plan_outturns(Path(history)))
    if len(rows) < 2:
        raise WorkflowError(f"{history}: fewer than two region-years with a scale to place")
    years = sorted({r.year for r in rows})
    # per budget year: the operations factor's calibration (CALIBRATE_PATHS) and the run,
    # whose yearly paths are held while its draws are taken; the draws are kept
    check_work(f"--paths {paths} ({count(len(years), 'budget year')})",
               len(years) * (paths + CALIBRATE_PATHS),
               predicted_bytes(max(paths, CALIBRATE_PATHS), "annual")
               + 8.0 * paths * len(years), max_minutes, "Run fewer paths.")
    draws, origins = {}, {}
    with progress_bar(len(years), "Backtest, modell per budgetår") as advance:
        for year in years:
            draws[year], origins[year] = model_draws(plan, template, history, data_dir, year,
                                                     paths, seed, threads=threads_or_cores(threads))
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


def backtest(history: Path, plans: Path, paths: int, seed: int | None = None,
             threads: int | None = None, progress_bar=no_progress,
             max_minutes: float | None = None):
    """Each outturn of ``history`` against the run of its plan config in ``plans``
    (:mod:`sim.backtest`): the rows with their PIT and bands, the coverage, one run's
    Dataset (for the chart's source line) and the rows as a results Dataset (mode
    ``backtest``, with the first run's provenance and the history file's hash)."""
    import hashlib

    from ..backtest import backtest as place
    from ..backtest import backtest_dataset, coverage, read_history
    from ..calibrate.exante import hindsight, information_month
    from ..engine import run as run_mc
    from ..results import provenance

    rows = read_history(Path(history))
    cfgs = {}
    for name in dict.fromkeys(r.plan_config for r in rows):
        path = Path(plans) / f"{name}.toml"
        if not path.is_file():
            raise WorkflowError(f"{history}: plan_config {name!r}: no {path}")
        cfgs[name] = load_config(path)
    # every plan's yearly paths are held until the rows are placed
    check_work(f"--paths {paths} ({count(len(cfgs), 'plan config')})", paths * len(cfgs),
               predicted_bytes(paths * len(cfgs), "annual"), max_minutes, "Run fewer paths.")
    runs = {}
    for name, cfg in cfgs.items():
        path = Path(plans) / f"{name}.toml"
        late = hindsight(cfg)
        if late:
            raise WorkflowError(f"{path}: its model is not ex ante (a backtest with hindsight "
                                f"proves nothing): {late[0]}" + (f" (and {len(late) - 1} more)"
                                                                 if len(late) > 1 else ""))
        s = cfg.simulation.seed if seed is None else seed
        with progress_bar(paths, f"Backtest {name}") as advance:
            ds = run_mc(cfg, paths, s, threads=threads_or_cores(threads), store="annual",
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
