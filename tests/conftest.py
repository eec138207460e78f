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
