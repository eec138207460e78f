"""``sim compare`` (model variants) and ``sim strategy`` (the pension rule's frontier)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (CONFIG_ARG, CSV_LOCALE_OPTION, SEED_OPTION, SET_OPTION, THREADS_OPTION,
                     YES_OPTION, beside_configs, check_writable, cli, results_out_option,
                     user_errors, write_with_csv)


@cli.command()
@CONFIG_ARG
@click.argument("variants", required=False, default=None,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--paths", type=click.IntRange(min=1), default=None,
              help="Paths per variant, the same random numbers in each [default: the "
                   "variants file's paths].")
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@results_out_option("variant")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def compare(config: Path, variants: Path | None, paths: int | None, seed: int | None,
            threads: int | None, max_minutes: float | None, out: Path,
            overrides: tuple[str, ...]) -> None:
    """Model risk: the headline probabilities under alternative specifications (VARIANTS,
    default model-risk.toml beside the config's folder) side by side, on the same paths and
    seed.

    Each variant changes the plan config by another model file or --set overrides (RSLN2,
    GARCH-t or GBM equity, the high-inflation regime off, an earlier calibration, parameter
    uncertainty). Every variant is validated before the first runs.
    """
    from .. import workflows
    from ..present.tables import compare_table
    from ..progress import progress_bar
    from ..variants import load_variants, variant_configs

    vpath, vfile = load_variants(variants or beside_configs(config, "model-risk.toml"))
    loaded = variant_configs(config, overrides, vpath, vfile)
    check_writable(out)
    seed = loaded[0][2].simulation.seed if seed is None else seed
    paths = vfile.paths if paths is None else paths
    ds = workflows.compare_models(loaded, vpath, paths, seed, threads, progress_bar,
                                  max_minutes)
    csv_path = write_with_csv(ds, out)
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
@YES_OPTION
@results_out_option("rule")
@CSV_LOCALE_OPTION
@SET_OPTION
@user_errors
def strategy(config: Path, sweep: Path | None, paths: int | None, seed: int | None,
             threads: int | None, max_minutes: float | None, out: Path,
             overrides: tuple[str, ...]) -> None:
    """The pension strategy's frontier: the dynamic rule's parameters (protection level,
    window, equity cap, stress, review frequency; SWEEP, default strategy.toml beside the
    config's folder) swept on the same random numbers and asset returns.

    For each rule: the expected return and its spread, the probability of going below the
    protection level and how deep, a 12-month fall over Bilaga 2's limit, the realized result
    the budget sees, P(deficit) per year and expected shortfall; with the sweep's
    long_horizon, the portfolio against the payouts to its last year. Every rule is validated
    before the first runs.
    """
    from .. import workflows
    from ..config import load_config
    from ..present.tables import strategy_table
    from ..progress import progress_bar
    from ..strategy import load_sweep

    spath = sweep or beside_configs(config, "strategy.toml")
    sfile = load_sweep(spath)
    check_writable(out)
    seed = load_config(config, overrides).simulation.seed if seed is None else seed
    paths = sfile.paths if paths is None else paths
    ds = workflows.strategy_frontier(config, overrides, spath, sfile, paths, seed, threads,
                                     progress_bar, max_minutes)
    csv_path = write_with_csv(ds, out)
    click.echo(strategy_table(ds))
    click.echo(f"Wrote {out} and {csv_path.name} ({ds.sizes['rule']} rules, {paths} paths "
               f"each, seed {seed})")
