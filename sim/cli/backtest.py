"""``sim backtest``: published outturns in the plan's distribution, or the rolling-origin
backtest over many region-years."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (SEED_OPTION, THREADS_OPTION, YES_OPTION, check_writable, cli,
                     user_errors, write_or_refuse)


@cli.command()
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--plans", type=click.Path(file_okay=False, path_type=Path),
              default=Path("configs/plans"), show_default=True,
              help="Folder of the plan configs the history names.")
@click.option("--paths", type=click.IntRange(min=1000), default=20000, show_default=True)
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for backtest.csv and the chart.")
@click.option("--plan", "plan_config", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/plans/strategisk-plan-2023-2025.toml"), show_default=True,
              help="Regions' misses: the plan config whose cost structure stands for a region.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("configs/models/esg-handset.toml"), show_default=True,
              help="Regions' misses: the model file each origin's calibration starts from.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/history"), show_default=True,
              help="Regions' misses: the history the models are calibrated on.")
@user_errors
def backtest(history: Path, plans: Path, paths: int, seed: int | None, threads: int | None,
             max_minutes: float | None, out: Path, plan_config: Path, template: Path,
             data_dir: Path) -> None:
    """Where each published outturn in HISTORY fell in the model's distribution: its
    percentile (PIT) and the share inside the central bands.

    \b
    HISTORY is either
      - a plan's outturns (data/history/norrbotten_outturns.csv): each plan config run as it
        stands, with its own information date and ex-ante model; or
      - regions' budget misses (data/history/budget_outturns.csv): a rolling-origin backtest,
        each region-year in the one-year-ahead distribution of a model calibrated only on
        what was published before that budget (November of the year before), with the
        coverage of the 50, 90 and 98 % bands and their binomial intervals.
    """
    from .. import workflows
    from ..present import fmt
    from ..present.charts import backtest_chart
    from ..progress import progress_bar

    check_writable(out, folder=True)              # before the runs, not after them
    if history_kind(history) == "misses":
        region_backtest_command(history, plan_config, template, data_dir, paths,
                                20230101 if seed is None else seed, threads, out, max_minutes)
        return
    results, cov, ds, bt = workflows.backtest(history, plans, paths, seed, threads,
                                              progress_bar, max_minutes)
    fig, rows = backtest_chart(results, ds)
    write_backtest(out, bt, fig, rows)
    click.echo("Modellerna är ex ante: varje plan körs med en modell skattad enbart på data "
               "publicerade före planens informationsdatum ("
               + fmt.month(ds.attrs["ex_ante_information_month"]) + ").")
    for r in results:
        click.echo(f"{r['plan_config']} {r['year']} {r['line']:<18} utfall {fmt.mnkr(r['outturn']):>7}"
                   f"  percentil {fmt.percent(r['pit'], 1):>5} %  (5–95 %: "
                   f"{fmt.mnkr(r['q05'])} till {fmt.mnkr(r['q95'])})")
    click.echo(f"Inom 5–95 %: {fmt.percent(cov['inside_90'], 0)} % av {cov['n']} utfall "
               f"(nominellt 90 %); inom 1–99 %: {fmt.percent(cov['inside_98'], 0)} % "
               "(nominellt 98 %)")
    click.echo(f"Wrote {out / 'backtest.nc'}, backtest.csv and the chart backtest.png/.svg")


def write_backtest(out: Path, ds, fig, rows: list[dict]) -> None:
    """The backtest's files as one unit (none is replaced unless all are written): the
    Dataset, its rows as CSV, and the chart as PNG and SVG (the SVG with fixed element ids,
    so the same results give the same bytes); a folder that cannot be written is a clean
    error (exit status 2)."""
    from ..present.charts import figure_svg
    from ..results import atomic_write_many, csv_writer, netcdf_writer

    def svg(tmp: str) -> None:
        Path(tmp).write_text(figure_svg(fig), encoding="utf-8")

    writers = [(out / "backtest.nc", netcdf_writer(ds)), (out / "backtest.csv", csv_writer(rows)),
               (out / "backtest.png", lambda tmp: fig.savefig(tmp, format="png", dpi=150,
                                                               metadata={"Software": None})),
               (out / "backtest.svg", svg)]
    write_or_refuse(None, out / "backtest.nc", lambda _o, _p: atomic_write_many(writers))


def history_kind(history: Path) -> str:
    """``"misses"`` when HISTORY is a file of regions' budget misses (its header names a
    plan, an outturn and a scale), else ``"outturns"`` (a plan's outturns); read by the one
    reader of history files, so a file it cannot read is refused here, by name."""
    from ..data.files import read_table

    columns = read_table(history).columns
    return "misses" if {"plan_mnkr", "scale_mnkr"} <= set(columns) else "outturns"


def region_backtest_command(history: Path, plan: Path, template: Path, data_dir: Path,
                            paths: int, seed: int, threads: int | None, out: Path,
                            max_minutes: float | None = None) -> None:
    from .. import workflows
    from ..calibrate.rolling import MARKET_FREE, by_year, coverage, pit_histogram
    from ..present import fmt
    from ..present.charts import region_backtest_chart
    from ..progress import progress_bar

    placements, origins, ds = workflows.region_backtest(history, plan, template, data_dir,
                                                        paths, seed, threads, progress_bar,
                                                        max_minutes)
    fig = region_backtest_chart(placements, ds)
    rows = [{"entity": p.row.entity, "year": p.row.year, "line": p.row.line,
             "miss_pct": p.miss, "pit": p.pit, "model_q05": p.quantiles[1],
             "model_median": p.quantiles[3], "model_q95": p.quantiles[5], "origin": p.origin}
            for p in placements]
    write_backtest(out, ds, fig, rows)
    click.echo("Modellerna är ex ante: varje budgetår placeras i fördelningen hos en modell "
               "skattad enbart på det som var publicerat i november året före.")
    for year, o in sorted(origins.items()):
        click.echo(f"  {year}: modell per {fmt.month(o['origin'])} (data t.o.m. "
                   f"{fmt.month(o['data_through'])}), verksamhetsfaktorn: "
                   + ("antagande (för få avvikelser publicerade)" if o["operations"] ==
                      "assumption" else o["operations"].replace("estimated on", "skattad på")
                      .replace("misses", "avvikelser")))
    for title, subset in (("Alla regionår", placements),
                          ("Utan marknadsavkastning (verksamhetens resultat, "
                           "balanskravsresultat)",
                           [p for p in placements if p.row.line in MARKET_FREE])):
        click.echo(f"{title}: {len(subset)} regionår")
        for band, (k, n, lo, hi) in coverage(subset).items():
            click.echo(f"  inom centrala {fmt.percent(band, 0)} %-bandet: {k} av {n} = "
                       f"{fmt.percent(k / n if n else float('nan'), 0)} % (95 % intervall "
                       f"{fmt.percent(lo, 0)}–{fmt.percent(hi, 0)} %; nominellt "
                       f"{fmt.percent(band, 0)} %)")
    hist = pit_histogram(placements)
    click.echo("PIT i tiondelar (likformig om modellen är kalibrerad): "
               + " ".join(str(int(c)) for c in hist))
    click.echo("Per år (antal, medel-PIT, utanför 90 %-bandet):")
    for year, (n, mean, outside) in by_year(placements).items():
        click.echo(f"  {year}: {n} regionår, medel-PIT {fmt.number(mean, 2)}, utanför {outside}")
    click.echo(f"Wrote {out / 'backtest.nc'}, backtest.csv and the chart backtest.png/.svg")
