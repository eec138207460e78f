"""``sim calibrate esg | budget | kpif-record`` and ``sim data fetch``."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (CONFIG_ARG, SET_OPTION, YES_OPTION, UserError, check_writable, cli,
                     user_errors, write_or_refuse, write_text)


@cli.group()
def data() -> None:
    """History: refresh data/history/ from the publishers' open interfaces."""


@data.command("fetch")
@click.argument("names", nargs=-1, metavar="[SOURCE]...")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/data-sources.toml"), show_default=True,
              help="The sources: each series' interface, address, table or series id, "
                   "publisher and licence.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/history"), show_default=True,
              help="The folder the history files are written to.")
@click.option("--timeout", type=click.FloatRange(min=1.0, max=600.0), default=60.0,
              show_default=True, help="Seconds to wait for each answer.")
@user_errors
def data_fetch(names: tuple[str, ...], sources_file: Path, data_dir: Path,
               timeout: float) -> None:
    """Download the history series from their publishers and write them to data/history/.

    \b
    Sources (configs/data-sources.toml; give names to fetch only some):
      kpif           SCB, KPIF monthly change (PxWeb API, table PR0101G/KPIF), CC0
      kpi            SCB, KPI 1980=100 (PxWeb API, table PR0101A/KPItotM), CC0
      policy_rate    Riksbank, policy rate (SWEA API, SECBREPOEFF), month ends
      usdsek         Riksbank, SEK per USD (SWEA API, SEKUSDPMI), monthly mean
      govt_bond_10y  Riksbank, 10-year government bond yield (SWEA, SEGVB10YC)
      stibor_3m      Riksbank, STIBOR 3 months (SWEA, SEDP3MSTIBORDELAYC)

    Every file gets a header naming the series, publisher, table or series id, address,
    retrieval date and licence. Nothing is written unless every source asked for was fetched
    and checked; a network or HTTP error, a changed format or an empty series is reported
    and the existing files are left as they were. Then run `sim calibrate esg` to refit.
    """
    import datetime

    from ..data.fetch import FetchError, fetch_all, load_sources
    from ..results import atomic_write_many

    try:
        sources = load_sources(sources_file)
        fetched = fetch_all(sources, list(names), datetime.date.today(), timeout,
                            progress=lambda n: click.echo(f"Fetching {n} "
                                                          f"({sources[n].publisher}) ..."))
    except FetchError as exc:
        raise UserError(f"{exc}\nNothing was written; {data_dir} is as it was.") from None

    def writer(text: str):
        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        return write
    try:
        atomic_write_many([(data_dir / f.file, writer(f.text)) for f in fetched])
    except OSError as exc:
        raise UserError(f"--data {data_dir}: could not write ({exc.strerror or exc}); the "
                        "files there are as they were") from None
    for f in fetched:
        click.echo(f"Wrote {data_dir / f.file} ({f.rows} months, {f.first} to {f.last})")


@cli.group()
def calibrate() -> None:
    """Fit the model to history: the markets (esg) and the budget's own risk (budget)."""


@calibrate.command("esg")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/history"), show_default=True,
              help="Folder of the history files (data/history/README.md).")
@click.option("--until", default="2022-04", show_default=True, metavar="YYYY-MM",
              help="The last month of KPIF used: the information date, so a run as of it uses "
                   "nothing it could not have known.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/models/esg-handset.toml"), show_default=True,
              help="The model file whose estimated keys are replaced.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The model file to write (TOML).")
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write the goodness of fit into this folder: per model a chart (PIT "
                   "histogram, yearly quantiles against the data), its CSV, and "
                   "anpassning.nc.")
@user_errors
def calibrate_esg(data_dir: Path, until: str, template: Path, out: Path,
                  plots: Path | None) -> None:
    """Fit equity (RSLN2, GARCH-t, GBM) and KPIF (a two-regime switching AR(1)) by maximum
    likelihood, and write a model file whose estimates carry their standard errors."""
    from .. import workflows
    from ..present.calibration_text import calibration_lines

    from ..results import atomic_write_many

    check_writable(out)
    if plots is not None:
        check_writable(plots, folder=True)
    text, result = workflows.calibrate_esg(data_dir, until, template)

    def model(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    items = [(out, model)]
    drawn, charts = {}, []
    try:
        if plots is not None:
            from ..present.charts import chart_writers, draw_charts
            from ..results import netcdf_writer

            ds = workflows.goodness_of_fit(result, data_dir, until)
            drawn = draw_charts(ds)
            charts = chart_writers(ds, plots, drawn)
            items += [(plots / "anpassning.nc", netcdf_writer(ds)), *charts]
        # the model file and the fit's files as one unit: a full disk leaves none of them
        write_or_refuse(items, out, lambda its, _path: atomic_write_many(its))
    finally:
        if drawn:
            from ..present.charts import close_figures

            close_figures(drawn)
    click.echo("\n".join(calibration_lines(result)))
    click.echo(f"Wrote {out}")
    if plots is not None:
        click.echo(f"Wrote {plots}: anpassning.nc and {len(charts)} chart files")


@calibrate.command("budget")
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path),
                default=Path("data/history/budget_outturns.csv"))
@click.option("--plan", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/plans/strategisk-plan-2023-2025.toml"), show_default=True,
              help="The plan whose first year measures what the model's other factors explain.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/models/esg-default.toml"), show_default=True,
              help="The model file whose [annual.operations] sigma and jump_mean are replaced.")
@click.option("--paths", type=click.IntRange(min=1000), default=40000, show_default=True,
              help="Paths for the model's own spread (its Monte Carlo error is printed).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=20230101,
              show_default=True)
@click.option("--jump-share", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.5,
              show_default=True,
              help="The share of the operations factor's variance in rare large years (an "
                   "assumption; docs/guides/backtest.md shows what it does).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Use only the outturns public by this date (the information date).")
@click.option("--threads", type=click.IntRange(min=1), default=None)
@YES_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The model file to write (TOML).")
@user_errors
def calibrate_budget(history: Path, plan: Path, template: Path, paths: int, seed: int,
                     jump_share: float, until: str | None, threads: int | None,
                     max_minutes: float | None, out: Path) -> None:
    """Estimate the operations factor (the budget's own risk) from regions' budget misses
    (data/history/budget_outturns.csv), less what the model's other factors explain."""
    from .. import workflows
    from ..present.calibration_text import budget_calibration_lines

    check_writable(out)
    text, result = workflows.calibrate_budget(history, plan, template, out, paths, seed,
                                              jump_share, until, threads, max_minutes)

    write_text(text, out)
    click.echo("\n".join(budget_calibration_lines(result)))
    click.echo(f"Wrote {out}")


@calibrate.command("kpif-record")
@CONFIG_ARG
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/history"), show_default=True,
              help="Folder of the history files: kpif_forecasts.csv (the published forecasts), "
                   "kpif_monthly_change.csv (the outturns), jst_sweden_annual.csv (the runs).")
@click.option("--paths", type=click.IntRange(min=1000), default=100_000, show_default=True,
              help="Model draws per horizon.")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=1, show_default=True)
@YES_OPTION
@SET_OPTION
@user_errors
def calibrate_kpif_record(config: Path, data_dir: Path, paths: int, seed: int,
                          max_minutes: float | None, overrides: tuple[str, ...]) -> None:
    """Check a plan's inflation model against history known at its information date: how
    long a high-inflation episode lasts (with its standard error, and the runs of high years
    that check it), and the model's KPIF forecast errors 1-3 years ahead against the
    Riksbank's and Konjunkturinstitutet's published forecasts. Writes nothing."""
    from .. import workflows
    from ..config import load_config
    from ..present.calibration_text import kpif_record_lines

    cfg = load_config(config, overrides)
    result = workflows.kpif_record(cfg, data_dir, paths, seed, max_minutes)
    click.echo("\n".join(kpif_record_lines(result)))
