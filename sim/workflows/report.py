"""The board's report: every result it needs, run or read, and the change from a previous
analysis step by step."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..config import PlanConfig
from ..errors import WorkflowError
from .guard import no_progress, threads_or_cores
from .models import compare_models
from .run import deterministic_budget, monte_carlo
from .stress import load_scenarios, scenario_paths, sensitivity, stress


def _given(files: dict[str, Path | None]) -> dict:
    from ..results import open_results

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


#: The results a report prints as the plan's own (the others are comparisons: an earlier
#: analysis, the regions' backtest): each must have been made with the report's config.
OF_THE_PLAN = (("run", "--run"), ("stress", "--stress"), ("sens", "--sensitivity"),
               ("models", "--models"), ("strategy", "--strategy"))


def same_plan(cfg: PlanConfig, given: dict) -> None:
    """Refuse a results file made with another config than ``cfg`` (another plan, other years,
    other assumptions or ``--set``): the report would print two plans' numbers as one."""
    from ..config import config_hash

    want = config_hash(cfg)
    for key, option in OF_THE_PLAN:
        ds = given.get(key)
        if ds is None:
            continue
        got = str(ds.attrs.get("config_sha256", ""))
        if got != want:
            raise WorkflowError(
                f"{option}: made with another config ({ds.attrs.get('config_name', '?')!r}, "
                f"sha256 {got[:12] or 'none'}) than the report's ({cfg.meta.name!r}, sha256 "
                f"{want[:12]}); a report prints one plan's results. Run it again with this "
                "config and the same --set, or leave the option out and the report runs it")


def report(cfg: PlanConfig, out: Path, scenario_folder: Path, paths: int | None = None,
           seed: int | None = None, threads: int | None = None, run_file: Path | None = None,
           stress_file: Path | None = None, sens_file: Path | None = None,
           progress_bar=no_progress, models_file: Path | None = None,
           variants: tuple | None = None, backtest_file: Path | None = None,
           strategy_file: Path | None = None, previous_file: Path | None = None,
           max_minutes: float | None = None, chart_files: bool = False) -> list[Path]:
    """The report "Riskanalys inför finansplan": runs what it is not given, then writes the
    results files, the charts, riskanalys.pdf, riskanalys.html and riskanalys.xlsx into
    ``out``. The model-risk table comes from ``models_file`` (``sim compare``), else from
    running ``variants``, ``(variants file, its VariantsFile, variant_configs(...))``
    (:mod:`sim.variants`), on the file's paths each; with neither, the report leaves it out.
    The backtest's coverage comes from ``backtest_file`` (``sim backtest``'s backtest.nc),
    the pension rule's frontier from ``strategy_file`` (``sim strategy``); without them the
    report leaves them out. ``max_minutes``: the guard's limit on the Monte Carlo (the other
    runs are bounded by their defaults). The charts folder holds each chart as SVG (the bytes
    the HTML shows) with its CSV; ``chart_files`` adds PNG and PDF files of each (about a
    quarter of the report's time, which the documents themselves do not need)."""
    from ..present import fmt
    from ..present.charts import CHART_FORMATS, chart_writers, close_figures, render_charts
    from ..present.document import build, html_writer, load_pdf_renderer, pdf_writer
    from ..present.report import excel_writer
    from ..results import atomic_write_many, netcdf_writer
    from ..stress.settings import TORNADO_PATHS

    if out.exists() and not out.is_dir():
        raise WorkflowError(f"--out {out}: is a file; give a folder")
    given = _given({"run": run_file, "stress": stress_file, "sens": sens_file,
                    "models": models_file, "backtest": backtest_file,
                    "strategy": strategy_file, "previous": previous_file})
    same_plan(cfg, given)
    scenarios = None if "stress" in given else load_scenarios(scenario_paths(scenario_folder))
    paths = cfg.simulation.paths if paths is None else paths
    items = []                     # every file, written as one unit at the end
    mc = given.get("run")
    if mc is None:
        mc = monte_carlo(cfg, paths, seed, threads, progress_bar=progress_bar,
                         max_minutes=max_minutes)
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
    formats = CHART_FORMATS if chart_files else ("svg",)
    drawn: list[dict] = []
    try:
        with fmt.nonbreaking():      # a number never breaks across a line on the page
            # each chart drawn once, the Datasets' charts in forked processes side by side,
            # while this process imports the PDF's renderer
            drawn = render_charts(shown, threads_or_cores(threads), formats,
                                  meanwhile=load_pdf_renderer)
            try:
                doc = build(mc, st, sens, models=models, backtest=given.get("backtest"),
                            figures={k: v for d in drawn for k, v in d.items()},
                            strategy=strat, previous=prev)
            except (KeyError, ValueError) as exc:
                raise WorkflowError(f"the results given cannot make the report: "
                                    f"{type(exc).__name__}: {exc}; write them again with "
                                    "this version of sim") from None
            for ds, d in zip(shown, drawn):
                items += chart_writers(ds, out / "charts", d, formats)
            items += [(out / "riskanalys.pdf", pdf_writer(doc)),
                      (out / "riskanalys.html", html_writer(doc)),
                      (out / "riskanalys.xlsx", excel_writer(
                          mc, st, sens, budget,
                          {k: rows for d in drawn for k, (_, rows) in d.items()},
                          strategy=strat))]
            return atomic_write_many(items, processes=threads_or_cores(threads))
    finally:
        close_figures(*drawn)       # also when a chart, the document or a write fails


#: Paths of each step of the change from a previous analysis (at most the run's).
CHANGE_PATHS = 20000


def changes(cfg: PlanConfig, previous, mc, paths: int, seed: int, threads: int | None = None,
            progress_bar=no_progress):
    """The change from an earlier analysis (``previous``, a ``sim run`` results file) to this
    one (``mc``), step by step on the same seed and paths: the earlier run as published, its
    assumptions run with this version of the model, then today's scenario model, today's
    information date and vintage, and this analysis (the rest of the plan). A step whose
    config is not valid (an earlier plan that does not take today's information date) is left
    out and named in ``skipped``. A Dataset (step, year) of P(deficit) and at least once."""
    import xarray as xr

    from ..config import ConfigError, validate_config
    from ..engine import run
    from ..esg.schema import ANNUAL_FACTORS

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
            steps.append((key, label, headline(run(c, paths, seed, threads=threads_or_cores(threads),
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
