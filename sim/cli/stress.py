"""``sim stress``, ``sim sensitivity`` and ``sim reverse-stress``."""

from __future__ import annotations

from pathlib import Path

import click

from ..stress.settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS
from .common import (CONFIG_ARG, CSV_LOCALE_OPTION, SEED_OPTION, SET_OPTION, THREADS_OPTION,
                     YES_OPTION, check_writable, cli, finite, results_out_option, user_errors,
                     write_text, write_with_csv)


@cli.command()
@CONFIG_ARG
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paths", type=click.IntRange(min=0), default=0, show_default=True,
              help="Monte Carlo paths around each scenario (0: deterministic only).")
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@results_out_option("scenario")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def stress(config: Path, scenarios: tuple[Path, ...], paths: int, seed: int | None,
           threads: int | None, max_minutes: float | None, out: Path,
           overrides: tuple[str, ...]) -> None:
    """Run stress SCENARIOS (configs/scenarios/*.toml) on a plan config, side by side.

    Each scenario runs deterministically (every random shock at zero, the scenario's factor
    paths imposed); with --paths it is also the centre of a Monte Carlo on the same random
    numbers for every scenario. The plan's own world (bas) comes first for comparison.
    """
    from .. import workflows
    from ..config import load_config
    from ..present.tables import stress_table
    from ..progress import progress_bar

    cfg = load_config(config, overrides)
    loaded = workflows.load_scenarios(list(scenarios))
    check_writable(out)
    ds = workflows.stress(cfg, loaded, seed, paths, threads, progress_bar, max_minutes)
    csv_path = write_with_csv(ds, out)
    click.echo(stress_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['scenario']} scenarios"
               + (f", {paths} paths each, seed {ds.attrs['seed']})" if paths
                  else ", deterministic)"))


@cli.command()
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=100), default=TORNADO_PATHS, show_default=True,
              help="Monte Carlo paths of the tornado (the same random numbers for every bar).")
@click.option("--sd", "k", type=click.FloatRange(min=0.0, min_open=True, max=10.0), default=1.0,
              callback=lambda _c, _p, v: finite("--sd", v),
              show_default=True, help="Low and high settings: -SD and +SD standard deviations.")
@click.option("--sobol-samples", type=click.IntRange(min=16), default=SOBOL_SAMPLES,
              show_default=True,
              help="Saltelli base samples (a power of two); the model runs samples x 11 times.")
@click.option("--calibration-paths", type=click.IntRange(min=1000), default=CALIBRATION_PATHS,
              show_default=True, help="Generator paths that measure each factor's standard "
                                      "deviation.")
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@results_out_option()
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def sensitivity(config: Path, paths: int, k: float, sobol_samples: int, calibration_paths: int,
                seed: int | None, threads: int | None, max_minutes: float | None, out: Path,
                overrides: tuple[str, ...]) -> None:
    """Tornado and Sobol indices of the balanskravsresultat per risk factor.

    Each factor is moved alone to -SD and +SD standard deviations of its yearly value (in every
    year) on the same random numbers as a base run; the table shows the change of the mean
    balanskravsresultat and of P(deficit). Sobol indices (SALib) split the variance of the
    deterministic model's balanskravsresultat over independent N(0, 1) factor settings.
    """
    from .. import workflows
    from ..config import load_config
    from ..present.tables import sensitivity_table
    from ..progress import progress_bar

    cfg = load_config(config, overrides)
    check_writable(out)
    ds = workflows.sensitivity(cfg, seed, paths, k, sobol_samples, calibration_paths, threads,
                               progress_bar, max_minutes)
    csv_path = write_with_csv(ds, out)
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
@YES_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the point as a scenario file (TOML) that sim stress reruns.")
@SET_OPTION
@user_errors
def reverse_stress(config: Path, year: int, calibration_paths: int, seed: int | None,
                   max_minutes: float | None, out: Path | None, overrides: tuple[str, ...]) -> None:
    """The smallest combined shock that brings the YEAR balanskravsresultat below zero.

    Measured in standard deviations of the factors' yearly values, with the config's factor
    correlation (Mahalanobis distance): the most likely point on the failure boundary.
    """
    from .. import workflows
    from ..config import load_config
    from ..present.tables import reverse_stress_lines
    from ..stress.sensitivity import point_scenario, scenario_toml

    cfg = load_config(config, overrides)
    if out is not None:
        check_writable(out)
    e, units, p = workflows.reverse_stress(cfg, year, seed, calibration_paths,
                                          max_minutes)
    click.echo("\n".join(reverse_stress_lines(cfg, e, units, p, year)))
    if out is not None:
        text = scenario_toml(point_scenario(e, units, p))

        write_text(text, out)
        click.echo(f"Wrote {out}: rerun it with sim stress {config} {out}")
