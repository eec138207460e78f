"""Stress scenarios, the sensitivity (tornado and Sobol indices) and the reverse stress test."""

from __future__ import annotations

from pathlib import Path

from ..config import PlanConfig
from ..errors import WorkflowError
from .guard import (BASE_BYTES, ESG_BYTES_PER_PATH_MONTH, check_work, count, no_progress,
                    threads_or_cores)


def scenario_paths(folder: Path) -> list[Path]:
    """The scenario files (``*.toml``) of a folder, sorted; an empty folder is an error."""
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise WorkflowError(f"--scenarios {folder}: no scenario files (*.toml) there")
    return files


def load_scenarios(files: list[Path]) -> list[tuple]:
    """Load and validate scenario files: ``[(key, Scenario), ...]``; a key twice is an error."""
    from ..stress import load_scenario

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
           threads: int | None = None, progress_bar=no_progress,
           max_minutes: float | None = None):
    """The stress scenarios (from :func:`load_scenarios`) side by side, ``bas`` first:
    deterministic and, with ``paths``, each the centre of a Monte Carlo on the same random
    numbers. ``max_minutes``: the guard's limit (:func:`~sim.workflows.guard.check_work`)."""
    from ..results import provenance
    from ..stress.run import run_stress

    seed = cfg.simulation.seed if seed is None else seed
    runs = len(scenarios) + (0 if any(k == "bas" for k, _ in scenarios) else 1)
    total = paths * runs
    check_work(f"--paths {paths} ({count(runs, 'scenario')})", total, BASE_BYTES, max_minutes,
               "Run fewer paths per scenario.")
    with progress_bar(total, "Scenarier") as advance:
        ds = run_stress(cfg, scenarios, seed, paths=paths, threads=threads_or_cores(threads),
                        progress=advance if paths else None)
    ds.attrs.update(provenance(cfg, seed=seed if paths else None, mode="stress"))
    return ds


def sensitivity(cfg: PlanConfig, seed: int | None = None, paths: int | None = None,
                k: float = 1.0, sobol_samples: int | None = None,
                calibration_paths: int | None = None, threads: int | None = None,
                progress_bar=no_progress, max_minutes: float | None = None):
    """Tornado (each factor at -k and +k SD on the same random numbers) and Sobol indices.
    ``max_minutes``: the guard's limit (:func:`~sim.workflows.guard.check_work`)."""
    from ..results import provenance
    from ..stress.sensitivity import FACTORS, run_sensitivity
    from ..stress.settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS

    sobol_samples = SOBOL_SAMPLES if sobol_samples is None else sobol_samples
    if sobol_samples & (sobol_samples - 1):
        raise WorkflowError(f"--sobol-samples: {sobol_samples} is not a power of two "
                            "(e.g. 512, 1024, 2048)")
    seed = cfg.simulation.seed if seed is None else seed
    paths = TORNADO_PATHS if paths is None else paths
    calibration_paths = CALIBRATION_PATHS if calibration_paths is None else calibration_paths
    # Saltelli's design: sobol_samples x 2F normals, and (F + 2) model runs a sample, each a
    # path's plan years (F factors); held at once. The calibration holds its generator
    # paths; the tornado runs 2F + 1 settings of the paths.
    f, y = len(FACTORS), len(cfg.meta.years)
    check_work(f"--paths {paths}, --calibration-paths {calibration_paths}, --sobol-samples "
               f"{sobol_samples}", calibration_paths + paths * (2 * f + 1)
               + sobol_samples * (f + 2),
               BASE_BYTES + max(sobol_samples * 8.0 * (2 * f + 2 * (f + 2) * y),
                                ESG_BYTES_PER_PATH_MONTH * 12 * y * calibration_paths),
               max_minutes, f"Choose fewer (the defaults: --paths {TORNADO_PATHS}, "
               f"--calibration-paths {CALIBRATION_PATHS}, --sobol-samples {SOBOL_SAMPLES}).")
    ds = run_sensitivity(cfg, seed, paths, k, sobol_samples, calibration_paths,
                         threads_or_cores(threads), progress_bar)
    ds.attrs.update(provenance(cfg, seed=seed, mode="sensitivity"))
    return ds


def reverse_stress(cfg: PlanConfig, year: int, seed: int | None = None,
                   calibration_paths: int | None = None, max_minutes: float | None = None):
    """The most likely combined shock that brings ``year``'s balanskravsresultat to zero.

    Returns ``(engine, units, point)``: the model, each factor's standard deviation and the
    design point (:class:`sim.stress.sensitivity.ReversePoint`).
    """
    from ..engine import Engine
    from ..stress.sensitivity import calibrate
    from ..stress.sensitivity import reverse_stress as find_point
    from ..stress.settings import CALIBRATION_PATHS

    seed = cfg.simulation.seed if seed is None else seed
    e = Engine(cfg, seed)
    years = [int(y) for y in e.plan.years]
    if year not in years:
        raise WorkflowError(f"--year: {year} is not a plan year; allowed: "
                            f"{years[0]}-{years[-1]}")
    n = CALIBRATION_PATHS if calibration_paths is None else calibration_paths
    check_work(f"--calibration-paths {n}", n,
               BASE_BYTES + ESG_BYTES_PER_PATH_MONTH * 12 * len(years) * n, max_minutes,
               f"Choose fewer (the default is {CALIBRATION_PATHS}).")
    units = calibrate(e, n, seed)
    return e, units, find_point(e, units, year)
