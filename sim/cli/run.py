"""``sim validate``, ``sim run``, ``sim summary``, ``sim esg`` and ``sim replay``."""

from __future__ import annotations

from pathlib import Path

import click

from ..settings import STORE_MODES
from .common import (CONFIG_ARG, CSV_LOCALE_OPTION, SEED_OPTION, SET_OPTION, THREADS_OPTION,
                     YES_OPTION, UserError, check_writable, cli, finite, user_errors,
                     write_or_refuse, write_with_csv)


@cli.command()
@CONFIG_ARG
@click.option("--sources", is_flag=True, default=False,
              help="Also count where the parameters a run uses come from: estimated (with a "
                   "standard error), official, the plan, or assumptions; and list them.")
@SET_OPTION
@user_errors
def validate(config: Path, sources: bool, overrides: tuple[str, ...]) -> None:
    """Check a plan config: keys, units, sources, ranges and cross-field rules."""
    from ..config import config_hash, load_config

    cfg = load_config(config, overrides)
    click.echo(f"{config}: OK ({cfg.meta.name}, {cfg.meta.first_year}-{cfg.meta.last_year}, "
               f"sha256 {config_hash(cfg)[:12]})")
    if sources:
        from ..calibrate.inventory import sources_report

        click.echo(sources_report(cfg, cfg.esg_model))


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=1), default=None,
              help="Number of paths [default: simulation.paths of the config].")
@SEED_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (written atomically); the summary CSV goes beside it.")
@click.option("--store", type=click.Choice(STORE_MODES), default="summary", show_default=True,
              help="summary: statistics only (memory bounded in the number of paths); annual: "
                   "also every path's yearly results; monthly: also monthly paths (float32).")
@THREADS_OPTION
@click.option("--deterministic", is_flag=True,
              help="Every risk factor at its forecast: the plan's own budget (one path).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the blocks on an existing dask.distributed cluster, e.g. "
                   "tcp://10.0.0.5:8786 (results identical to the local run).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Start a local dask cluster of this many worker processes for the run.")
@click.option("--target-se", type=float, default=None, metavar="SE",
              help="Instead of --paths: as many paths as put every year's P(deficit) and "
                   "P(below the goal) within this standard error (a fraction: 0.001 is 0,1 "
                   "percentage point), sized by a 20 000-path pilot on the same seed.")
@YES_OPTION
@click.option("--parameter-uncertainty", is_flag=True, default=False,
              help="Each block of paths draws the model's estimated parameters from their "
                   "sampling law (simulation.parameter_uncertainty); standard errors then "
                   "come from the spread between blocks.")
@click.option("--antithetic", is_flag=True, default=False,
              help="Antithetic pairs of paths (simulation.antithetic): fewer paths for the "
                   "same precision; standard errors then come from the spread between pairs.")
@click.option("--overwrite", is_flag=True, default=False,
              help="With --zarr: replace an earlier run's Zarr store in that folder.")
@click.option("--zarr", "zarr_path", type=click.Path(path_type=Path), default=None,
              help="With --store annual on a cluster: the workers write every path's yearly "
                   "results to this Zarr store instead of sending them back.")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def run(config: Path, paths: int | None, seed: int | None, out: Path, store: str,
        threads: int | None, deterministic: bool, scheduler: str | None, workers: int | None,
        zarr_path: Path | None, target_se: float | None, max_minutes: float | None,
        parameter_uncertainty: bool, antithetic: bool, overwrite: bool,
        overrides: tuple[str, ...]) -> None:
    """Run the model on a plan config: Monte Carlo, or --deterministic for the plan itself."""
    from .. import workflows
    from ..config import load_config
    from ..progress import progress_bar
    from ..results import write_netcdf

    if parameter_uncertainty:
        overrides = overrides + ("simulation.parameter_uncertainty=true",)
    if antithetic:
        overrides = overrides + ("simulation.antithetic=true",)
    if deterministic:
        given = [name for name, v in (("--paths", paths), ("--target-se", target_se),
                                      ("--seed", seed), ("--scheduler", scheduler),
                                      ("--workers", workers),
                                      ("--parameter-uncertainty", parameter_uncertainty or None),
                                      ("--antithetic", antithetic or None)) if v is not None]
        if given:
            raise UserError(f"{', '.join(given)}: not with --deterministic, which runs one path "
                            "with every factor at its forecast (the plan itself)")
    cfg = load_config(config, overrides)
    check_writable(out)
    if target_se is not None:
        if paths is not None:
            raise UserError("--paths and --target-se: give one")
        finite("--target-se", target_se)
        paths, var = workflows.paths_for_target_se(
            cfg, target_se, cfg.simulation.seed if seed is None else seed, threads)
        what = ("variance per path" if cfg.simulation.antithetic
                or cfg.simulation.parameter_uncertainty else "p(1 - p)")
        click.echo(f"--target-se {target_se:g}: {paths} paths (the pilot's largest {what} "
                   f"is {var:.4f})")
    if deterministic:
        ds = workflows.deterministic_budget(cfg)
        write_or_refuse(ds, out, write_netcdf)
        click.echo(f"Wrote {out} (deterministic, {ds.sizes['year']} years, "
                   f"config sha256 {ds.attrs['config_sha256'][:12]})")
        return
    ds = workflows.monte_carlo(cfg, paths, seed, threads, store, progress_bar, scheduler,
                               workers, zarr_path, max_minutes=max_minutes,
                               zarr_overwrite=overwrite)
    csv_path = write_with_csv(ds, out, "_summary.csv")
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.attrs['paths']} paths, seed "
               f"{ds.attrs['seed']}, store {store})")


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Number of paths.")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Seed [default: simulation.seed of the config].")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="Threads over blocks of paths; the result does not depend on it.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (written atomically).")
@SET_OPTION
@user_errors
def esg(config: Path, paths: int, seed: int | None, threads: int, out: Path,
        overrides: tuple[str, ...]) -> None:
    """Write the scenario generator's monthly and yearly factor paths for inspection."""
    from .. import workflows
    from ..config import load_config
    from ..progress import progress_bar
    from ..results import write_netcdf

    cfg = load_config(config, overrides)
    check_writable(out)
    ds = workflows.esg(cfg, paths, seed, threads, progress_bar)
    write_or_refuse(ds, out, write_netcdf)
    click.echo(f"Wrote {out} ({paths} paths x {ds.sizes['month']} months, "
               f"equity model {cfg.esg.equity.model}, seed {ds.attrs['seed']})")


@cli.command()
@CONFIG_ARG
@click.argument("returns", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (written atomically).")
@SET_OPTION
@user_errors
def replay(config: Path, returns: Path, out: Path, overrides: tuple[str, ...]) -> None:
    """Run the three portfolios over a monthly path of returns from RETURNS (CSV).

    RETURNS has the columns month (YYYY-MM, consecutive, from a January), equity_return and
    fixed_income_return (simple monthly returns as fractions: -0.06 is -6 %); lines starting
    with # are comments; the file Swedish Excel saves (';', decimal commas) is read too.
    Example: configs/replay/stress-2008-like.csv.
    """
    import numpy as np

    from .. import workflows
    from ..config import load_config
    from ..present import fmt
    from ..results import write_netcdf

    cfg = load_config(config, overrides)
    check_writable(out)
    ds = workflows.replay(cfg, returns)
    write_or_refuse(ds, out, write_netcdf)
    click.echo(f"Wrote {out} ({ds.sizes['month']} months, {ds.sizes['fund']} funds)")
    for k in ds["fund"].values:
        f = ds.sel(fund=k, path=0)
        floor = np.isfinite(f["fund_floor"].values).any()
        click.echo(f"  {k:12s} värde {fmt.mnkr(float(f['fund_value_end'][-1])):>7} mnkr, "
                   "största fall på 12 månader "
                   f"{fmt.percent(float(f['fund_worst_fall_12m_total']), 1):>5} %"
                   + (f", månader under skyddsnivån {int(f['fund_breach_months_total'])}"
                      if floor else ""))


@cli.command()
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@user_errors
def summary(results: Path) -> None:
    """Print a results file: the Monte Carlo summary, or the budget in the seed's layout."""
    from ..present.tables import table_for
    from ..results import open_results

    ds = open_results(results)
    try:
        text = table_for(ds)
    except KeyError as exc:
        raise UserError(f"{results}: not a complete results file of this version of sim "
                        f"({str(exc.args[0]).rstrip('.')}); run it again") from None
    if text is None:
        raise UserError(f"{results}: a {ds.attrs.get('mode', 'results')} file has no summary "
                        "table; open it with xarray")
    click.echo(text)
