"""``sim charts`` and ``sim report``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .common import (CONFIG_ARG, SEED_OPTION, SET_OPTION, THREADS_OPTION, YES_OPTION,
                     UserError, beside_configs, check_writable, cli, user_errors)


@cli.command()
@click.argument("results", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the charts (PNG, PDF, SVG) and their data (CSV).")
@user_errors
def charts(results: tuple[Path, ...], out: Path) -> None:
    """Draw the Bilaga 2 risk charts from RESULTS files (sim run, sim sensitivity, sim stress).

    A Monte Carlo run gives charts 1-6 (pension portfolio fan with its floor, equity share and
    cash lock, worst 12-month fall against the limit, return against risk, the
    balanskravsresultat's fan, the probabilities); a sensitivity run the tornado (7); a stress
    run the scenarios side by side (8).
    """
    from ..present.charts import chart_writers, charts_for, close_figures, draw_charts
    from ..results import ResultsError, atomic_write_many, open_results

    loaded = [(p, open_results(p)) for p in results]
    for p, ds in loaded:
        if not charts_for(ds):
            raise UserError(f"{p}: a {ds.attrs.get('mode', 'results')} file gives no chart; "
                            "give the results of sim run, sim sensitivity or sim stress")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; give a folder")
    drawn: dict[str, Path] = {}
    for p, ds in loaded:
        for name in charts_for(ds):
            if name in drawn:
                raise UserError(f"{p} and {drawn[name]}: both draw chart {name}, and one would "
                                "overwrite the other in --out; draw them into two folders")
            drawn[name] = p
    items, figures = [], []             # every chart drawn before any file is written
    try:
        for p, ds in loaded:
            try:
                figures.append(draw_charts(ds))
            except ResultsError as exc:
                raise UserError(f"{p}: {exc}") from None
            items += chart_writers(ds, out, figures[-1])
        written = atomic_write_many(items, processes=os.cpu_count() or 1)
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
    finally:
        close_figures(*figures)
    for p, ds in loaded:
        click.echo(f"{p}: " + ", ".join(charts_for(ds)))
    click.echo(f"Wrote {len(written)} files to {out}")


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=100), default=None,
              help="Monte Carlo paths [default: simulation.paths of the config].")
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@click.option("--run", "run_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Use these Monte Carlo results (sim run) instead of running.")
@click.option("--stress", "stress_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Use these stress results (sim stress) instead of running.")
@click.option("--sensitivity", "sens_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Use these sensitivity results instead of running.")
@click.option("--models", "models_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Use these model-variant results (sim compare) for the "
                                 "model-risk table instead of running the variants.")
@click.option("--previous", "previous_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The sim run results file of an earlier analysis: the report "
                                 "shows the change of its headline figures step by step "
                                 "(model, information date, the rest of the plan).")
@click.option("--strategy", "strategy_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A sim strategy results file: the pension rule's frontier "
                                 "and the long horizon in the report (left out without it).")
@click.option("--backtest", "backtest_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Backtest results (sim backtest's backtest.nc) for the "
                                 "limits section; without it the report leaves them out.")
@click.option("--scenarios", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of scenario files [default: configs/scenarios beside the config's "
                   "folder].")
@click.option("--chart-files", is_flag=True, default=False,
              help="Also write each chart as PNG and PDF into OUT/charts (always: SVG, the "
                   "charts the documents show, and each chart's numbers as CSV).")
@click.option("--variants", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model variants for the model-risk table [default: model-risk.toml beside "
                   "the config's folder; none there: no table].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for riskanalys.pdf, .html and .xlsx, the charts and the results.")
@SET_OPTION
@user_errors
def report(config: Path, paths: int | None, seed: int | None, threads: int | None,
           max_minutes: float | None, run_file: Path | None, stress_file: Path | None,
           sens_file: Path | None,
           models_file: Path | None, previous_file: Path | None,
           strategy_file: Path | None, backtest_file: Path | None,
           scenarios: Path | None, chart_files: bool, variants: Path | None, out: Path,
           overrides: tuple[str, ...]) -> None:
    """Write the report "Riskanalys inför finansplan": riskanalys.pdf, riskanalys.html (one
    document) and riskanalys.xlsx.

    Runs the Monte Carlo, the stress scenarios and the sensitivity it needs (or reads the
    results given), then writes the PDF (text generated from the numbers, tables and charts),
    the Excel workbook (a sheet per table, the config and provenance), the charts and the
    results files into OUT.
    """
    from .. import workflows
    from ..config import load_config
    from ..progress import progress_bar
    from ..variants import load_variants, variant_configs

    cfg = load_config(config, overrides)
    check_writable(out, folder=True)              # before the runs, not after them
    folder = scenarios or beside_configs(config, "scenarios")
    loaded = None
    if models_file is None:
        vpath = variants or beside_configs(config, "model-risk.toml")
        if variants is not None or vpath.is_file():
            vpath, vfile = load_variants(vpath)
            loaded = (vpath, vfile, variant_configs(config, overrides, vpath, vfile))
    try:
        workflows.report(cfg, out, folder, paths, seed, threads, run_file, stress_file,
                         sens_file, progress_bar, models_file, loaded, backtest_file,
                         strategy_file, previous_file, max_minutes, chart_files)
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
    click.echo(f"Wrote {out / 'riskanalys.pdf'}, {out / 'riskanalys.html'}, "
               f"{out / 'riskanalys.xlsx'} and the charts in "
               f"{out / 'charts'}")
