"""Command line: ``sim validate``, ``sim run``, ``sim esg``, ``sim replay``, ``sim stress``,
``sim summary``.

Every command that reads a config takes ``--set dotted.key=value`` (repeatable). A bad config,
override or file exits with status 2 and a message naming the file, the key, the value and what
is allowed; nothing is written.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from . import __version__
from .errors import ConfigError, ReplayError, ResultsError, WorkflowError
from .settings import STORE_MODES
from .stress.settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS

CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
SET_OPTION = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a config key, e.g. --set funds.pension.expected_return=4.5 (repeatable).")


def _finite(name: str, value: float) -> float:
    """A number option must be a finite number: click's ranges let NaN through."""
    import math

    if not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number", param_hint=name)
    return value


def _csv_locale(ctx, _param, value):
    ctx.meta["csv_locale"] = value
    return value


CSV_LOCALE_OPTION = click.option(
    "--csv-locale", type=click.Choice(["en", "sv"]), default="en", show_default=True,
    expose_value=False, callback=_csv_locale, is_eager=True,
    help="The summary CSV's format: en (comma, decimal point) or sv (semicolon, decimal "
         "comma: what Swedish Excel splits into columns).")

SEED_OPTION = click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
                           help="Seed [default: simulation.seed of the config].")
THREADS_OPTION = click.option(
    "--threads", type=click.IntRange(min=1), default=None,
    help="Threads over blocks of paths [default: all cores]; results do not depend on it.")


class UserError(click.ClickException):
    """An error the user can fix: printed without a traceback, exit status 2."""

    exit_code = 2


def user_errors(fn):
    """Turn the package's user-facing errors into :class:`UserError`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ConfigError, ResultsError, WorkflowError, ReplayError) as exc:
            raise UserError(str(exc)) from None
    return wrapper


def _check_writable(out: Path) -> None:
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _can_write(probe):
        raise UserError(f"--out {out}: cannot write there ({probe} is not a writable folder)")
    if out.is_dir():
        raise UserError(f"--out {out}: is a folder; give a file name such as {out / 'budget.nc'}")


def _beside_configs(config: Path, name: str) -> Path:
    """``name`` in the configs folder a plan config's folder sits in (``configs/plans/x.toml``
    -> ``configs/name``): where the scenarios and the model variants are by default."""
    return Path(config).resolve().parents[1] / name


def _can_write(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _write(obj, path: Path, writer):
    try:
        return writer(obj, path)
    except OSError as exc:
        raise UserError(f"--out {path}: could not write ({exc.strerror or exc})") from None


def _write_text(text: str, out: Path) -> None:
    """A text file (a model file, a scenario), written atomically."""
    from .results import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    _write(write, out, lambda w, path: atomic_write(path, w))


def _write_with_csv(ds, out: Path, csv_path: Path) -> None:
    """The results file and its summary CSV as one unit: both written, then both renamed into
    place (the pair is never from two runs, nor one new and one old)."""
    from .present.tables import summary_frame_rows
    from .results import atomic_write_many, csv_writer, netcdf_writer

    locale = click.get_current_context().meta.get("csv_locale", "en")
    try:
        atomic_write_many([(out, netcdf_writer(ds)),
                           (csv_path, csv_writer(summary_frame_rows(ds), locale))])
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def cli() -> None:
    """Risk simulator for a Swedish region's budget and pension portfolio."""


@cli.command()
@CONFIG_ARG
@click.option("--sources", is_flag=True, default=False,
              help="Also count where the parameters a run uses come from: estimated (with a "
                   "standard error), official, the plan, or assumptions; and list them.")
@SET_OPTION
@user_errors
def validate(config: Path, sources: bool, overrides: tuple[str, ...]) -> None:
    """Check a plan config: keys, units, sources, ranges and cross-field rules."""
    from .config import config_hash, load_config

    cfg = load_config(config, overrides)
    click.echo(f"{config}: OK ({cfg.meta.name}, {cfg.meta.first_year}-{cfg.meta.last_year}, "
               f"sha256 {config_hash(cfg)[:12]})")
    if sources:
        from .calibrate.inventory import sources_report

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
@click.option("--yes", is_flag=True, default=False,
              help="Run even if the run is predicted to take more than an hour.")
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
        zarr_path: Path | None, target_se: float | None, yes: bool,
        parameter_uncertainty: bool, antithetic: bool, overwrite: bool,
        overrides: tuple[str, ...]) -> None:
    """Run the model on a plan config: Monte Carlo, or --deterministic for the plan itself."""
    from .config import load_config
    from .progress import progress_bar
    from .results import write_netcdf

    from . import workflows

    if parameter_uncertainty:
        overrides = overrides + ("simulation.parameter_uncertainty=true",)
    if antithetic:
        overrides = overrides + ("simulation.antithetic=true",)
    cfg = load_config(config, overrides)
    _check_writable(out)
    if target_se is not None:
        if paths is not None:
            raise UserError("--paths and --target-se: give one")
        _finite("--target-se", target_se)
        paths, var = workflows.paths_for_target_se(
            cfg, target_se, cfg.simulation.seed if seed is None else seed, threads)
        what = ("variance per path" if cfg.simulation.antithetic
                or cfg.simulation.parameter_uncertainty else "p(1 - p)")
        click.echo(f"--target-se {target_se:g}: {paths} paths (the pilot's largest {what} "
                   f"is {var:.4f})")
    if deterministic:
        ds = workflows.deterministic_budget(cfg)
        _write(ds, out, write_netcdf)
        click.echo(f"Wrote {out} (deterministic, {ds.sizes['year']} years, "
                   f"config sha256 {ds.attrs['config_sha256'][:12]})")
        return
    ds = workflows.monte_carlo(cfg, paths, seed, threads, store, progress_bar, scheduler,
                               workers, zarr_path, max_minutes=None if yes else 60.0,
                               zarr_overwrite=overwrite)
    csv_path = out.with_name(out.stem + "_summary.csv")
    _write_with_csv(ds, out, csv_path)
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.attrs['paths']} paths, seed "
               f"{ds.attrs['seed']}, store {store})")


@cli.command()
@CONFIG_ARG
@click.argument("variants", required=False, default=None,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paths", type=click.IntRange(min=1), default=None,
              help="Paths per variant, the same random numbers in each [default: the "
                   "variants file's paths].")
@SEED_OPTION
@THREADS_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (a variant dimension); the CSV goes beside it.")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def compare(config: Path, variants: Path | None, paths: int | None, seed: int | None,
            threads: int | None, out: Path, overrides: tuple[str, ...]) -> None:
    """Model risk: the headline probabilities under alternative specifications (VARIANTS,
    default model-risk.toml beside the config's folder) side by side, on the same paths and
    seed.

    Each variant changes the plan config by another model file or --set overrides (RSLN2,
    GARCH-t or GBM equity, the high-inflation regime off, an earlier calibration, parameter
    uncertainty). Every variant is validated before the first runs.
    """
    from .progress import progress_bar

    from . import workflows
    from .present.tables import compare_table
    from .variants import load_variants, variant_configs

    vpath, vfile = load_variants(variants or _beside_configs(config, "model-risk.toml"))
    loaded = variant_configs(config, overrides, vpath, vfile)
    _check_writable(out)
    seed = loaded[0][2].simulation.seed if seed is None else seed
    paths = vfile.paths if paths is None else paths
    ds = workflows.compare_models(loaded, vpath, paths, seed, threads, progress_bar)
    csv_path = out.with_name(out.stem + ".csv")
    _write_with_csv(ds, out, csv_path)
    click.echo(compare_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['variant']} variants, {paths} "
               f"paths each, seed {seed})")


@cli.command()
@CONFIG_ARG
@click.argument("sweep", required=False, default=None,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paths", type=click.IntRange(min=100), default=None,
              help="Paths per rule, the same random numbers in each [default: the sweep "
                   "file's paths].")
@SEED_OPTION
@THREADS_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (a rule dimension); the CSV goes beside it.")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def strategy(config: Path, sweep: Path | None, paths: int | None, seed: int | None,
             threads: int | None, out: Path, overrides: tuple[str, ...]) -> None:
    """The pension strategy's frontier: the dynamic rule's parameters (protection level,
    window, equity cap, stress, review frequency; SWEEP, default strategy.toml beside the
    config's folder) swept on the same random numbers and asset returns.

    For each rule: the expected return and its spread, the probability of going below the
    protection level and how deep, a 12-month fall over Bilaga 2's limit, the realized result
    the budget sees, P(deficit) per year and expected shortfall; with the sweep's
    long_horizon, the portfolio against the payouts to its last year. Every rule is validated
    before the first runs.
    """
    from .config import load_config
    from .progress import progress_bar

    from . import workflows
    from .present.tables import strategy_table
    from .strategy import load_sweep

    spath = sweep or _beside_configs(config, "strategy.toml")
    sfile = load_sweep(spath)
    _check_writable(out)
    seed = load_config(config, overrides).simulation.seed if seed is None else seed
    paths = sfile.paths if paths is None else paths
    ds = workflows.strategy_frontier(config, overrides, spath, sfile, paths, seed, threads,
                                     progress_bar)
    csv_path = out.with_name(out.stem + ".csv")
    _write_with_csv(ds, out, csv_path)
    click.echo(strategy_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['rule']} rules, {paths} paths "
               f"each, seed {seed})")


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
    from .config import load_config
    from .progress import progress_bar
    from .results import write_netcdf

    from . import workflows

    cfg = load_config(config, overrides)
    _check_writable(out)
    ds = workflows.esg(cfg, paths, seed, threads, progress_bar)
    _write(ds, out, write_netcdf)
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
    from .config import load_config
    from .present import fmt
    from .results import write_netcdf

    import numpy as np

    from . import workflows

    cfg = load_config(config, overrides)
    _check_writable(out)
    ds = workflows.replay(cfg, returns)
    _write(ds, out, write_netcdf)
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
@CONFIG_ARG
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paths", type=click.IntRange(min=0), default=0, show_default=True,
              help="Monte Carlo paths around each scenario (0: deterministic only).")
@SEED_OPTION
@THREADS_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write (a scenario dimension); the CSV goes beside it.")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def stress(config: Path, scenarios: tuple[Path, ...], paths: int, seed: int | None,
           threads: int | None, out: Path, overrides: tuple[str, ...]) -> None:
    """Run stress SCENARIOS (configs/scenarios/*.toml) on a plan config, side by side.

    Each scenario runs deterministically (every random shock at zero, the scenario's factor
    paths imposed); with --paths it is also the centre of a Monte Carlo on the same random
    numbers for every scenario. The plan's own world (bas) comes first for comparison.
    """
    from .config import load_config
    from .progress import progress_bar

    from . import workflows
    from .present.tables import stress_table

    cfg = load_config(config, overrides)
    loaded = workflows.load_scenarios(list(scenarios))
    _check_writable(out)
    ds = workflows.stress(cfg, loaded, seed, paths, threads, progress_bar)
    csv_path = out.with_name(out.stem + ".csv")
    _write_with_csv(ds, out, csv_path)
    click.echo(stress_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['scenario']} scenarios"
               + (f", {paths} paths each, seed {ds.attrs['seed']})" if paths
                  else ", deterministic)"))


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=100), default=TORNADO_PATHS, show_default=True,
              help="Monte Carlo paths of the tornado (the same random numbers for every bar).")
@click.option("--sd", "k", type=click.FloatRange(min=0.0, min_open=True, max=10.0), default=1.0,
              callback=lambda _c, _p, v: _finite("--sd", v),
              show_default=True, help="Low and high settings: -SD and +SD standard deviations.")
@click.option("--sobol-samples", type=click.IntRange(min=16), default=SOBOL_SAMPLES,
              show_default=True,
              help="Saltelli base samples (a power of two); the model runs samples x 11 times.")
@click.option("--calibration-paths", type=click.IntRange(min=1000), default=CALIBRATION_PATHS,
              show_default=True, help="Generator paths that measure each factor's standard "
                                      "deviation.")
@SEED_OPTION
@THREADS_OPTION
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="NetCDF file to write; the CSV goes beside it.")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def sensitivity(config: Path, paths: int, k: float, sobol_samples: int, calibration_paths: int,
                seed: int | None, threads: int | None, out: Path,
                overrides: tuple[str, ...]) -> None:
    """Tornado and Sobol indices of the balanskravsresultat per risk factor.

    Each factor is moved alone to -SD and +SD standard deviations of its yearly value (in every
    year) on the same random numbers as a base run; the table shows the change of the mean
    balanskravsresultat and of P(deficit). Sobol indices (SALib) split the variance of the
    deterministic model's balanskravsresultat over independent N(0, 1) factor settings.
    """
    from .config import load_config
    from .progress import progress_bar

    from . import workflows
    from .present.tables import sensitivity_table

    cfg = load_config(config, overrides)
    _check_writable(out)
    ds = workflows.sensitivity(cfg, seed, paths, k, sobol_samples, calibration_paths, threads,
                               progress_bar)
    csv_path = out.with_name(out.stem + ".csv")
    _write_with_csv(ds, out, csv_path)
    click.echo(sensitivity_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({paths} paths a bar, seed {ds.attrs['seed']})")


@cli.command("reverse-stress")
@CONFIG_ARG
@click.option("--year", type=int, required=True, help="The plan year whose balanskravsresultat "
                                                      "is brought to zero.")
@click.option("--calibration-paths", type=click.IntRange(min=1000), default=CALIBRATION_PATHS,
              show_default=True, help="Generator paths that measure each factor's standard "
                                      "deviation.")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
              help="Seed of the calibration [default: simulation.seed of the config].")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the point as a scenario file (TOML) that sim stress reruns.")
@SET_OPTION
@user_errors
def reverse_stress(config: Path, year: int, calibration_paths: int, seed: int | None,
                   out: Path | None, overrides: tuple[str, ...]) -> None:
    """The smallest combined shock that brings the YEAR balanskravsresultat below zero.

    Measured in standard deviations of the factors' yearly values, with the config's factor
    correlation (Mahalanobis distance): the most likely point on the failure boundary.
    """
    from .config import load_config

    from . import workflows
    from .present.tables import reverse_stress_lines
    from .stress.sensitivity import point_scenario, scenario_toml

    cfg = load_config(config, overrides)
    if out is not None:
        _check_writable(out)
    e, units, p = workflows.reverse_stress(cfg, year, seed, calibration_paths)
    click.echo("\n".join(reverse_stress_lines(cfg, e, units, p, year)))
    if out is not None:
        text = scenario_toml(point_scenario(e, units, p))

        _write_text(text, out)
        click.echo(f"Wrote {out}: rerun it with sim stress {config} {out}")


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
    from .present.charts import chart_writers, charts_for, close_figures, draw_charts
    from .results import ResultsError, atomic_write_many, open_results

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
@click.option("--variants", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model variants for the model-risk table [default: model-risk.toml beside "
                   "the config's folder; none there: no table].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for riskanalys.pdf, .html and .xlsx, the charts and the results.")
@SET_OPTION
@user_errors
def report(config: Path, paths: int | None, seed: int | None, threads: int | None,
           run_file: Path | None, stress_file: Path | None, sens_file: Path | None,
           models_file: Path | None, previous_file: Path | None,
           strategy_file: Path | None, backtest_file: Path | None,
           scenarios: Path | None, variants: Path | None, out: Path,
           overrides: tuple[str, ...]) -> None:
    """Write the report "Riskanalys inför finansplan": riskanalys.pdf, riskanalys.html (one
    document) and riskanalys.xlsx.

    Runs the Monte Carlo, the stress scenarios and the sensitivity it needs (or reads the
    results given), then writes the PDF (text generated from the numbers, tables and charts),
    the Excel workbook (a sheet per table, the config and provenance), the charts and the
    results files into OUT.
    """
    from .config import load_config
    from .progress import progress_bar

    from . import workflows

    from .variants import load_variants, variant_configs

    cfg = load_config(config, overrides)
    folder = scenarios or _beside_configs(config, "scenarios")
    loaded = None
    if models_file is None:
        vpath = variants or _beside_configs(config, "model-risk.toml")
        if variants is not None or vpath.is_file():
            vpath, vfile = load_variants(vpath)
            loaded = (vpath, vfile, variant_configs(config, overrides, vpath, vfile))
    try:
        workflows.report(cfg, out, folder, paths, seed, threads, run_file, stress_file,
                         sens_file, progress_bar, models_file, loaded, backtest_file,
                         strategy_file, previous_file)
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
    click.echo(f"Wrote {out / 'riskanalys.pdf'}, {out / 'riskanalys.html'}, "
               f"{out / 'riskanalys.xlsx'} and the charts in "
               f"{out / 'charts'}")


@cli.command()
@click.argument("history", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--plans", type=click.Path(file_okay=False, path_type=Path),
              default=Path("configs/plans"), show_default=True,
              help="Folder of the plan configs the history names.")
@click.option("--paths", type=click.IntRange(min=1000), default=20000, show_default=True)
@SEED_OPTION
@THREADS_OPTION
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
             out: Path, plan_config: Path, template: Path, data_dir: Path) -> None:
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
    from .present import fmt
    from .progress import progress_bar

    from . import workflows
    from .present.charts import backtest_chart
    from .results import atomic_write, write_csv_rows, write_netcdf

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; give a folder")
    if _is_budget_misses(history):
        _region_backtest(history, plan_config, template, data_dir, paths,
                         20230101 if seed is None else seed, threads, out)
        return
    results, cov, ds, bt = workflows.backtest(history, plans, paths, seed, threads,
                                              progress_bar)
    out.mkdir(parents=True, exist_ok=True)
    write_netcdf(bt, out / "backtest.nc")
    fig, rows = backtest_chart(results, ds)
    for form in ("png", "svg"):
        meta = {"png": {"Software": None}, "svg": {"Date": None}}[form]
        atomic_write(out / f"backtest.{form}", lambda tmp, f=form, m=meta: fig.savefig(
            tmp, format=f, dpi=150, metadata=m))
    write_csv_rows(rows, out / "backtest.csv")
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


def _is_budget_misses(history: Path) -> bool:
    """Whether HISTORY is a file of regions' budget misses (its header's first columns)."""
    try:
        with open(history, encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip() and not line.startswith("#"):
                    return line.startswith("entity,year,line,plan_mnkr")
    except (OSError, UnicodeDecodeError):
        return False
    return False


def _region_backtest(history: Path, plan: Path, template: Path, data_dir: Path, paths: int,
                     seed: int, threads: int | None, out: Path) -> None:
    from .present import fmt
    from .progress import progress_bar

    from . import workflows
    from .calibrate.rolling import MARKET_FREE, by_year, coverage, pit_histogram
    from .present.charts import region_backtest_chart
    from .results import atomic_write_many, csv_writer, netcdf_writer

    placements, origins, ds = workflows.region_backtest(history, plan, template, data_dir,
                                                        paths, seed, threads, progress_bar)
    fig = region_backtest_chart(placements, ds)
    rows = [{"entity": p.row.entity, "year": p.row.year, "line": p.row.line,
             "miss_pct": p.miss, "pit": p.pit, "model_q05": p.quantiles[1],
             "model_median": p.quantiles[3], "model_q95": p.quantiles[5], "origin": p.origin}
            for p in placements]
    writers = [(out / "backtest.nc", netcdf_writer(ds)), (out / "backtest.csv", csv_writer(rows))]
    for form in ("png", "svg"):
        meta = {"png": {"Software": None}, "svg": {"Date": None}}[form]
        writers.append((out / f"backtest.{form}", lambda tmp, f=form, m=meta: fig.savefig(
            tmp, format=f, dpi=150, metadata=m)))
    out.mkdir(parents=True, exist_ok=True)
    _write(None, out / "backtest.nc", lambda _o, _p: atomic_write_many(writers))
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

    from .data.fetch import FetchError, fetch_all, load_sources
    from .results import atomic_write_many

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
    from . import workflows
    from .present.tables import calibration_lines

    _check_writable(out)
    if plots is not None:
        _check_writable(plots / "anpassning.nc")
    text, result = workflows.calibrate_esg(data_dir, until, template)

    _write_text(text, out)
    click.echo("\n".join(calibration_lines(result)))
    click.echo(f"Wrote {out}")
    if plots is not None:
        from .present.charts import write_charts
        from .results import write_netcdf

        ds = workflows.goodness_of_fit(result, data_dir, until)
        plots.mkdir(parents=True, exist_ok=True)
        _write(ds, plots / "anpassning.nc", write_netcdf)
        written = _write(ds, plots, write_charts)
        click.echo(f"Wrote {plots}: anpassning.nc and {len(written)} chart files")


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
@click.option("--seed", type=int, default=20230101, show_default=True)
@click.option("--jump-share", type=click.FloatRange(0.0, 1.0, max_open=True), default=0.5,
              show_default=True,
              help="The share of the operations factor's variance in rare large years (an "
                   "assumption; docs/guides/backtest.md shows what it does).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Use only the outturns public by this date (the information date).")
@click.option("--threads", type=click.IntRange(min=1), default=None)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The model file to write (TOML).")
@user_errors
def calibrate_budget(history: Path, plan: Path, template: Path, paths: int, seed: int,
                     jump_share: float, until: str | None, threads: int | None,
                     out: Path) -> None:
    """Estimate the operations factor (the budget's own risk) from regions' budget misses
    (data/history/budget_outturns.csv), less what the model's other factors explain."""
    from . import workflows
    from .present.tables import budget_calibration_lines

    _check_writable(out)
    text, result = workflows.calibrate_budget(history, plan, template, out, paths, seed,
                                              jump_share, until, threads)

    _write_text(text, out)
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
@click.option("--seed", type=int, default=1, show_default=True)
@SET_OPTION
@user_errors
def calibrate_kpif_record(config: Path, data_dir: Path, paths: int, seed: int,
                          overrides: tuple[str, ...]) -> None:
    """Check a plan's inflation model against history known at its information date: how
    long a high-inflation episode lasts (with its standard error, and the runs of high years
    that check it), and the model's KPIF forecast errors 1-3 years ahead against the
    Riksbank's and Konjunkturinstitutet's published forecasts. Writes nothing."""
    from .config import load_config

    from . import workflows
    from .present.tables import kpif_record_lines

    cfg = load_config(config, overrides)
    result = workflows.kpif_record(cfg, data_dir, paths, seed)
    click.echo("\n".join(kpif_record_lines(result)))


@cli.command()
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@user_errors
def summary(results: Path) -> None:
    """Print a results file: the Monte Carlo summary, or the budget in the seed's layout."""
    from .present.tables import table_for
    from .results import open_results

    ds = open_results(results)
    text = table_for(ds)
    if text is None:
        raise UserError(f"{results}: a {ds.attrs.get('mode', 'results')} file has no summary "
                        "table; open it with xarray")
    click.echo(text)


def main() -> None:
    import signal
    import sys

    # SIGTERM ends the command like Ctrl-C: the writes in progress remove their temporary
    # files on the way out (SIGKILL cannot be caught; a later write removes those)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cli()


if __name__ == "__main__":
    main()
