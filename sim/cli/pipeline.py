"""``sim all``: what ``make run`` runs, in one process."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .common import (CONFIG_ARG, SEED_OPTION, SET_OPTION, THREADS_OPTION, YES_OPTION,
                     beside_configs, cli)

#: The backtests' histories and paths, as make run has always run them.
NORRBOTTEN_HISTORY = Path("data/history/norrbotten_outturns.csv")
REGIONS_HISTORY = Path("data/history/budget_outturns.csv")
NORRBOTTEN_PATHS = 20000
REGIONS_PATHS = 10000
STRATEGY_PATHS = 10000


def steps(config: Path, out: Path, paths: int | None, seed: int | None) -> list[list[str]]:
    """Every command of the analysis, in order, as its command line (without the shared
    options): the plan's own budget, the Monte Carlo and its summary, the stress scenarios, the
    sensitivity, the model variants, both backtests, the pension rule's frontier, the report."""
    c = str(config)
    s = [] if seed is None else ["--seed", str(seed)]
    p = [] if paths is None else ["--paths", str(paths)]
    scenarios = sorted(str(f) for f in beside_configs(config, "scenarios").glob("*.toml"))
    o = {name: str(out / name) for name in (
        "budget.nc", "run.nc", "stress.nc", "sensitivity.nc", "model-risk.nc", "backtest",
        "backtest-regioner", "strategy.nc", "report")}
    return [
        ["run", c, "--deterministic", "--out", o["budget.nc"]],
        ["run", c, *p, *s, "--out", o["run.nc"]],
        ["summary", o["run.nc"]],
        ["stress", c, *scenarios, "--out", o["stress.nc"]],
        ["sensitivity", c, *s, "--out", o["sensitivity.nc"]],
        ["compare", c, *s, "--out", o["model-risk.nc"]],
        ["backtest", str(NORRBOTTEN_HISTORY), "--paths", str(NORRBOTTEN_PATHS),
         "--out", o["backtest"]],
        ["backtest", str(REGIONS_HISTORY), "--paths", str(REGIONS_PATHS),
         "--out", o["backtest-regioner"]],
        ["strategy", c, *s, "--paths", str(STRATEGY_PATHS), "--out", o["strategy.nc"]],
        ["report", c, "--run", o["run.nc"], "--stress", o["stress.nc"], "--sensitivity",
         o["sensitivity.nc"], "--models", o["model-risk.nc"], "--backtest",
         str(out / "backtest-regioner" / "backtest.nc"), "--strategy", o["strategy.nc"],
         "--out", o["report"]],
    ]


@cli.command("all")
@CONFIG_ARG
@click.option("--paths", type=click.IntRange(min=100), default=None,
              help="Monte Carlo paths of the main run [default: simulation.paths of the "
                   "config].")
@SEED_OPTION
@THREADS_OPTION
@YES_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for every result (budget.nc, run.nc, stress.nc, sensitivity.nc, "
                   "model-risk.nc, backtest/, backtest-regioner/, strategy.nc, report/).")
@SET_OPTION
def all_(config: Path, paths: int | None, seed: int | None, threads: int | None,
         max_minutes: float | None, out: Path, overrides: tuple[str, ...]) -> None:
    """The whole analysis in one process: what `make run` runs.

    The plan's own budget (sim run --deterministic), the Monte Carlo and its summary, the
    stress scenarios beside the config, the sensitivity, the model variants, the backtests of
    Norrbotten's and the regions' outturns, the pension rule's frontier and the report, each
    written as its own command writes it (every file as one unit), into OUT. One set of
    imports and kernels, and the funds' centring shared by the commands that use the same.
    The commands stay for those who want one part; `sim all` stops at the first that fails.
    """
    from ..present.fmt import number

    todo = steps(config, out, paths, seed)
    for i, args in enumerate(todo, 1):
        name = args[0]
        takes = {o for p in cli.commands[name].params for o in p.opts}   # what it accepts
        if threads is not None and "--threads" in takes:
            args += ["--threads", str(threads)]
        if max_minutes is None and "--yes" in takes:
            args += ["--yes"]
        if "--set" in takes:
            for s in overrides:
                args += ["--set", s]
        click.echo(f"== {i}/{len(todo)}: sim {' '.join(args)}", err=True)
        start = time.perf_counter()
        cli.main(args=args, prog_name="sim", standalone_mode=False)
        click.echo(f"== {i}/{len(todo)}: sim {name} took "
                   f"{number(time.perf_counter() - start, 1)} s", err=True)
