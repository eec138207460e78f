"""Shared fixtures: the default plan config and the seed's reference tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sim.budget import BudgetPlan
from sim.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG = ROOT / "configs" / "plans" / "strategisk-plan-2023-2025.toml"


def read_reference_csv(name: str) -> dict[str, dict]:
    """A reference table as {key: {"label_sv": ..., year: value or None}}; '#' lines skipped."""
    with open(DATA / name, encoding="utf-8") as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    header, body = rows[0], rows[1:]
    years = [int(h) for h in header[2:]]
    table = {}
    for row in body:
        entry = {"label_sv": row[1]}
        for y, cell in zip(years, row[2:]):
            entry[y] = float(cell) if cell.strip() else None
        table[row[0]] = entry
    return table


#: The override that drops the information set: the generator starts in the plan's first year
#: with every state at zero (the model's own properties are tested on it; tests/test_information.py
#: tests what the information date adds).
PLAIN = "information_file="


@pytest.fixture(scope="session")
def cfg():
    return load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def cfg_plain():
    return load_config(DEFAULT_CONFIG, [PLAIN])


@pytest.fixture(scope="session")
def plan(cfg):
    return BudgetPlan.from_config(cfg)


@pytest.fixture(scope="session")
def plan_plain(cfg_plain):
    return BudgetPlan.from_config(cfg_plain)


@pytest.fixture(scope="session")
def seed_budget():
    return read_reference_csv("resultatbudget_2023_2028.csv")


@pytest.fixture(scope="session")
def report_made(tmp_path_factory):
    """Results files and the report made from them by the command line, once for the report
    tests: ``(folder, run, stress, sensitivity)``; the report is in ``folder / "out"``."""
    from click.testing import CliRunner

    from sim.cli import cli
    from sim.results import open_results

    d = tmp_path_factory.mktemp("report")
    run = CliRunner()
    for key, args in {
            "run": ["run", str(DEFAULT_CONFIG), "--paths", "3000", "--threads", "1"],
            "sensitivity": ["sensitivity", str(DEFAULT_CONFIG), "--paths", "400",
                            "--sobol-samples", "16", "--calibration-paths", "2000",
                            "--threads", "1"],
            "stress": ["stress", str(DEFAULT_CONFIG),
                       *map(str, sorted((ROOT / "configs/scenarios").glob("*.toml")))],
            "models": ["compare", str(DEFAULT_CONFIG), "--paths", "2000"]}.items():
        res = run.invoke(cli, args + ["--out", str(d / f"{key}.nc")])
        assert res.exit_code == 0, res.output
    res = run.invoke(cli, ["backtest", str(ROOT / "data/history/norrbotten_outturns.csv"),
                           "--plans", str(ROOT / "configs/plans"), "--paths", "2000",
                           "--out", str(d / "backtest")])
    assert res.exit_code == 0, res.output
    sweep = d / "sweep.toml"
    sweep.write_text((ROOT / "configs/strategy.toml").read_text(encoding="utf-8")
                     .replace("paths = 20000", "paths = 300").replace("paths = 5000", "paths = 200"),
                     encoding="utf-8")
    res = run.invoke(cli, ["strategy", str(DEFAULT_CONFIG), str(sweep), "--threads", "1",
                           "--out", str(d / "strategy.nc")])
    assert res.exit_code == 0, res.output
    res = run.invoke(cli, ["report", str(DEFAULT_CONFIG), "--run", str(d / "run.nc"),
                           "--stress", str(d / "stress.nc"), "--sensitivity",
                           str(d / "sensitivity.nc"), "--models", str(d / "models.nc"),
                           "--backtest", str(d / "backtest" / "backtest.nc"),
                           "--strategy", str(d / "strategy.nc"), "--out", str(d / "out")])
    assert res.exit_code == 0, res.output
    mc, st, se = (open_results(d / f"{k}.nc") for k in ("run", "stress", "sensitivity"))
    return d, mc, st, se


#: Debian's Chromium (the Makefile installs it): the real browser of the report's and the what-if
#: page's tests, driven by Playwright through its executable path.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), ("Chromium is missing: `make` installs Debian's chromium "
                               "package (Makefile, SYSTEM_PACKAGES)")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()
