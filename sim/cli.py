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
from .config import ConfigError, config_hash, load_config
from .engine import STORE_MODES
from .results import ResultsError
from .stress.settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS

CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
SET_OPTION = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a config key, e.g. --set funds.pension.expected_return=4.5 (repeatable).")


SEED_OPTION = click.option("--seed", type=click.IntRange(min=0), default=None,
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
        except (ConfigError, ResultsError) as exc:
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


def _can_write(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def cli() -> None:
    """Risk simulator for a Swedish region's budget and pension portfolio."""


@cli.command()
@CONFIG_ARG
@SET_OPTION
@user_errors
def validate(config: Path, overrides: tuple[str, ...]) -> None:
    """Check a plan config: keys, units, sources, ranges and cross-field rules."""
    cfg = load_config(config, overrides)
    click.echo(f"{config}: OK ({cfg.meta.name}, {cfg.meta.first_year}-{cfg.meta.last_year}, "
               f"sha256 {config_hash(cfg)[:12]})")


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
@click.option("--zarr", "zarr_path", type=click.Path(path_type=Path), default=None,
              help="With --store annual on a cluster: the workers write every path's yearly "
                   "results to this Zarr store instead of sending them back.")
@SET_OPTION
@user_errors
def run(config: Path, paths: int | None, seed: int | None, out: Path, store: str,
        threads: int | None, deterministic: bool, scheduler: str | None, workers: int | None,
        zarr_path: Path | None, overrides: tuple[str, ...]) -> None:
    """Run the model on a plan config: Monte Carlo, or --deterministic for the plan itself."""
    from .results import provenance, write_csv_rows, write_netcdf

    cfg = load_config(config, overrides)
    _check_writable(out)
    if deterministic:
        from .workflows import deterministic_budget

        ds = deterministic_budget(cfg)
        _write(ds, out, write_netcdf)
        click.echo(f"Wrote {out} (deterministic, {ds.sizes['year']} years, "
                   f"config sha256 {ds.attrs['config_sha256'][:12]})")
        return
    from .engine import run as run_mc
    from .progress import progress_bar
    from .report_table import summary_frame_rows

    paths = cfg.simulation.paths if paths is None else paths
    seed = cfg.simulation.seed if seed is None else seed
    threads = threads or os.cpu_count() or 1
    if scheduler and workers:
        raise UserError("--scheduler and --workers: give one (an existing cluster, or a local "
                        "one to start)")
    if zarr_path is not None and not (store == "annual" and (scheduler or workers)):
        raise UserError("--zarr: only with --store annual on a cluster (--scheduler or "
                        "--workers)")
    if scheduler or workers:
        if store == "monthly":
            raise UserError("--store monthly: not on a cluster; use --store annual (with "
                            "--zarr for large runs)")
        ds = _run_on_cluster(cfg, paths, seed, store, scheduler, workers, zarr_path)
    else:
        with progress_bar(paths, "Scenarier") as advance:
            ds = run_mc(cfg, paths, seed, threads=threads, store=store, progress=advance,
                        fans=True)
    ds.attrs.update(provenance(cfg, seed=seed, mode="monte_carlo"))
    ds.attrs.update({"paths": paths, "store": store})
    csv_path = out.with_name(out.stem + "_summary.csv")
    _write(ds, out, write_netcdf)
    _write(summary_frame_rows(ds), csv_path, write_csv_rows)
    click.echo(f"Wrote {out} and {csv_path.name} ({paths} paths, seed {seed}, store {store})")


def _run_on_cluster(cfg, paths: int, seed: int, store: str, scheduler: str | None,
                    workers: int | None, zarr_path: Path | None):
    """The run on a dask.distributed cluster: an existing one, or a local one started here."""
    import contextlib

    from .distributed import VersionMismatch, local_cluster, run_distributed
    from .progress import progress_bar

    try:
        from distributed import Client
    except ImportError:                                    # pragma: no cover - a dependency
        raise UserError("--scheduler/--workers need dask.distributed: pip install distributed")
    with contextlib.ExitStack() as stack:
        if workers:
            cluster = stack.enter_context(local_cluster(workers))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError) as exc:
                raise UserError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        try:
            with progress_bar(paths, "Scenarier") as advance:
                return run_distributed(cfg, paths, seed, client, store=store, fans=True,
                                       progress=advance, zarr_path=zarr_path)
        except VersionMismatch as exc:
            raise UserError(f"--scheduler: {exc}") from None


def _write(obj, path: Path, writer) -> None:
    try:
        writer(obj, path)
    except OSError as exc:
        raise UserError(f"--out {path}: could not write ({exc.strerror or exc})") from None


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Number of paths.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
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
    from .esg import generate
    from .progress import progress_bar
    from .results import provenance, write_netcdf

    cfg = load_config(config, overrides)
    _check_writable(out)
    seed = cfg.simulation.seed if seed is None else seed
    with progress_bar(paths, "Scenarier") as advance:
        ds = generate(cfg, paths, seed, threads=threads, progress=advance,
                      attrs=provenance(cfg, seed=seed, mode="esg"))
    _write(ds, out, write_netcdf)
    click.echo(f"Wrote {out} ({paths} paths x {ds.sizes['month']} months, "
               f"equity model {cfg.esg.equity.model}, seed {seed})")


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
    with # are comments. Example: configs/replay/stress-2008-like.csv.
    """
    import numpy as np

    from .portfolio.replay import ReplayError
    from .results import write_netcdf
    from .workflows import replay as replay_funds

    cfg = load_config(config, overrides)
    _check_writable(out)
    try:
        ds = replay_funds(cfg, returns)
    except ReplayError as exc:
        raise UserError(str(exc)) from None
    _write(ds, out, write_netcdf)
    click.echo(f"Wrote {out} ({ds.sizes['month']} months, {ds.sizes['fund']} funds)")
    for k in ds["fund"].values:
        f = ds.sel(fund=k, path=0)
        floor = np.isfinite(f["fund_floor"].values).any()
        click.echo(f"  {k:12s} value {float(f['fund_value_end'][-1]):9.0f} mnkr, worst 12-month "
                   f"fall {float(f['fund_worst_fall_12m_total']):6.1%}"
                   + (f", months below the floor {int(f['fund_breach_months_total'])}"
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
@SET_OPTION
@user_errors
def stress(config: Path, scenarios: tuple[Path, ...], paths: int, seed: int | None,
           threads: int | None, out: Path, overrides: tuple[str, ...]) -> None:
    """Run stress SCENARIOS (configs/scenarios/*.toml) on a plan config, side by side.

    Each scenario runs deterministically (every random shock at zero, the scenario's factor
    paths imposed); with --paths it is also the centre of a Monte Carlo on the same random
    numbers for every scenario. The plan's own world (bas) comes first for comparison.
    """
    from .progress import progress_bar
    from .report_table import stress_table, summary_frame_rows
    from .results import provenance, write_csv_rows, write_netcdf
    from .stress import load_scenario
    from .stress.run import run_stress

    cfg = load_config(config, overrides)
    loaded = [load_scenario(p) for p in scenarios]
    keys = [k for k, _ in loaded]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise UserError(f"scenario {dup!r} given twice")
    _check_writable(out)
    seed = cfg.simulation.seed if seed is None else seed
    threads = threads or os.cpu_count() or 1
    total = paths * (len(loaded) + (0 if "bas" in keys else 1))
    with progress_bar(total, "Scenarier") as advance:
        ds = run_stress(cfg, loaded, seed, paths=paths, threads=threads,
                        progress=advance if paths else None)
    ds.attrs.update(provenance(cfg, seed=seed if paths else None, mode="stress"))
    csv_path = out.with_name(out.stem + ".csv")
    _write(ds, out, write_netcdf)
    _write(summary_frame_rows(ds), csv_path, write_csv_rows)
    click.echo(stress_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['scenario']} scenarios"
               + (f", {paths} paths each, seed {seed})" if paths else ", deterministic)"))


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=100), default=TORNADO_PATHS, show_default=True,
              help="Monte Carlo paths of the tornado (the same random numbers for every bar).")
@click.option("--sd", "k", type=click.FloatRange(min=0.0, min_open=True), default=1.0,
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
    from .progress import progress_bar
    from .report_table import sensitivity_table, summary_frame_rows
    from .results import provenance, write_csv_rows, write_netcdf
    from .stress.sensitivity import run_sensitivity

    if sobol_samples & (sobol_samples - 1):
        raise UserError(f"--sobol-samples: {sobol_samples} is not a power of two "
                        "(e.g. 512, 1024, 2048)")
    cfg = load_config(config, overrides)
    _check_writable(out)
    seed = cfg.simulation.seed if seed is None else seed
    threads = threads or os.cpu_count() or 1
    ds = run_sensitivity(cfg, seed, paths, k, sobol_samples, calibration_paths, threads,
                         progress_bar)
    ds.attrs.update(provenance(cfg, seed=seed, mode="sensitivity"))
    csv_path = out.with_name(out.stem + ".csv")
    _write(ds, out, write_netcdf)
    _write(summary_frame_rows(ds), csv_path, write_csv_rows)
    click.echo(sensitivity_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({paths} paths a bar, seed {seed})")


@cli.command("reverse-stress")
@CONFIG_ARG
@click.option("--year", type=int, required=True, help="The plan year whose balanskravsresultat "
                                                      "is brought to zero.")
@click.option("--calibration-paths", type=click.IntRange(min=1000), default=CALIBRATION_PATHS,
              show_default=True, help="Generator paths that measure each factor's standard "
                                      "deviation.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
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
    from scipy.stats import norm

    from .engine import Engine
    from .esg.schema import FACTORS
    from .stress.sensitivity import (calibrate, factor_label, point_scenario,
                                     reverse_stress as find_point, scenario_toml)

    cfg = load_config(config, overrides)
    if out is not None:
        _check_writable(out)
    seed = cfg.simulation.seed if seed is None else seed
    e = Engine(cfg, seed)
    years = [int(y) for y in e.plan.years]
    if year not in years:
        raise UserError(f"--year: {year} is not a plan year; allowed: {years[0]}-{years[-1]}")
    units = calibrate(e, calibration_paths, seed)
    p = find_point(e, units, year)
    t = years.index(year)
    click.echo(f"Omvänt stresstest {year}: balanskravsresultat enligt plan "
               f"{p.bkr_plan:,.0f} mnkr".replace(",", " "))
    if p.bkr_plan <= 0:
        click.echo("Planen har redan ett balanskravsresultat under noll det året: ingen chock "
                   "behövs.")
    else:
        click.echo(f"Minsta kombinerade chock: {p.beta:.2f} standardavvikelser från planen "
                   f"(normalapproximation av sannolikheten: {100 * norm.sf(p.beta):.1f} %)"
                   .replace(".", ","))
        if not p.converged:
            click.echo(f"Varning: iterationen konvergerade inte på {p.iterations} steg.")
        click.echo(f"\n{'Faktor':<28}{'std.avv.':>10}{'ändring ' + str(year):>16}"
                   f"{'effekt, mnkr/std.avv.':>24}")
        for i, f in enumerate(FACTORS):
            unit = "%" if f == "equity" else "%-enheter"
            change = units.sd[i, t] * p.z[i] * (100.0 if f == "equity" else 1.0)
            click.echo(f"{factor_label(cfg, f):<28}{p.z[i]:>+10.2f}{change:>+11.2f} {unit:<9}"
                       f"{p.gradient[i]:>22.1f}".replace(".", ","))
    if out is not None:
        from .results import _atomic_write
        text = scenario_toml(point_scenario(e, units, p))

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
        try:
            _atomic_write(out, write)
        except OSError as exc:
            raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
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
    from .charts import charts_for, write_charts
    from .results import open_results

    loaded = [(p, open_results(p)) for p in results]
    for p, ds in loaded:
        if not charts_for(ds):
            raise UserError(f"{p}: a {ds.attrs.get('mode', 'results')} file gives no chart; "
                            "give the results of sim run, sim sensitivity or sim stress")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; give a folder")
    total = 0
    for p, ds in loaded:
        try:
            written = write_charts(ds, out)
        except OSError as exc:
            raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
        total += len(written)
        click.echo(f"{p}: " + ", ".join(sorted({w.stem for w in written})))
    click.echo(f"Wrote {total} files to {out}")


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
@click.option("--scenarios", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of scenario files [default: configs/scenarios beside the config's "
                   "folder].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for riskanalys.pdf, riskanalys.xlsx, the charts and the results.")
@SET_OPTION
@user_errors
def report(config: Path, paths: int | None, seed: int | None, threads: int | None,
           run_file: Path | None, stress_file: Path | None, sens_file: Path | None,
           scenarios: Path | None, out: Path, overrides: tuple[str, ...]) -> None:
    """Write the report "Riskanalys inför finansplan": riskanalys.pdf and riskanalys.xlsx.

    Runs the Monte Carlo, the stress scenarios and the sensitivity it needs (or reads the
    results given), then writes the PDF (text generated from the numbers, tables and charts),
    the Excel workbook (a sheet per table, the config and provenance), the charts and the
    results files into OUT.
    """
    from .charts import write_charts
    from .engine import run as run_mc
    from .progress import progress_bar
    from .report import write_excel, write_pdf
    from .results import open_results, provenance, write_netcdf
    from .stress import load_scenario
    from .stress.run import run_stress
    from .stress.sensitivity import run_sensitivity
    from .workflows import deterministic_budget

    cfg = load_config(config, overrides)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; give a folder")
    given = {k: open_results(f) for k, f in (("run", run_file), ("stress", stress_file),
                                             ("sens", sens_file)) if f is not None}
    for key, option, mode in (("run", "--run", "monte_carlo"), ("stress", "--stress", "stress"),
                              ("sens", "--sensitivity", "sensitivity")):
        if key in given and given[key].attrs.get("mode") != mode:
            raise UserError(f"{option}: the file holds {given[key].attrs.get('mode')} results, "
                            f"not {mode}")
    if "stress" not in given:
        folder = scenarios or Path(config).resolve().parents[1] / "scenarios"
        files = sorted(Path(folder).glob("*.toml"))
        if not files:
            raise UserError(f"--scenarios {folder}: no scenario files (*.toml) there")
        loaded = [load_scenario(p) for p in files]
    out.mkdir(parents=True, exist_ok=True)
    paths = cfg.simulation.paths if paths is None else paths
    seed = cfg.simulation.seed if seed is None else seed
    threads = threads or os.cpu_count() or 1
    mc = given.get("run")
    if mc is None:
        with progress_bar(paths, "Scenarier") as advance:
            mc = run_mc(cfg, paths, seed, threads=threads, progress=advance, fans=True)
        mc.attrs.update(provenance(cfg, seed=seed, mode="monte_carlo"))
        mc.attrs.update({"paths": paths, "store": "summary"})
        _write(mc, out / "run.nc", write_netcdf)
    st = given.get("stress")
    if st is None:
        st = run_stress(cfg, loaded, seed)
        st.attrs.update(provenance(cfg, seed=None, mode="stress"))
        _write(st, out / "stress.nc", write_netcdf)
    sens = given.get("sens")
    if sens is None:
        sens = run_sensitivity(cfg, seed, min(paths, TORNADO_PATHS), threads=threads,
                               progress_bar=progress_bar)
        sens.attrs.update(provenance(cfg, seed=seed, mode="sensitivity"))
        _write(sens, out / "sensitivity.nc", write_netcdf)
    budget = deterministic_budget(cfg)
    try:
        for ds in (mc, st, sens):
            write_charts(ds, out / "charts")
        write_pdf(out / "riskanalys.pdf", mc, st, sens)
        write_excel(out / "riskanalys.xlsx", mc, st, sens, budget)
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
    click.echo(f"Wrote {out / 'riskanalys.pdf'}, {out / 'riskanalys.xlsx'} and the charts in "
               f"{out / 'charts'}")


@cli.command()
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@user_errors
def summary(results: Path) -> None:
    """Print a results file: the Monte Carlo summary, or the budget in the seed's layout."""
    from .report_table import budget_table, monte_carlo_table
    from .results import open_results

    ds = open_results(results)
    if ds.attrs.get("mode") == "monte_carlo":
        click.echo(monte_carlo_table(ds))
    elif ds.attrs.get("mode") == "stress":
        from .report_table import stress_table
        click.echo(stress_table(ds))
    elif ds.attrs.get("mode") == "sensitivity":
        from .report_table import sensitivity_table
        click.echo(sensitivity_table(ds))
    elif "operating_income" in ds:
        click.echo(budget_table(ds))
    else:
        raise UserError(f"{results}: a {ds.attrs.get('mode', 'results')} file has no summary "
                        "table; open it with xarray")


def main() -> None:
    cli()
