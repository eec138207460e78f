"""The benchmark's NumPy reference is the same model: fed the engine's random numbers it gives
the engine's results, and the benchmark runs (a smoke size, never timed here)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from .reference import model_numpy as ref
from sim.config import load_config
from sim.engine import Engine

from .conftest import DEFAULT_CONFIG, ROOT

KEYS = ("operating_costs", "tax_revenue", "financial_income", "financial_costs", "net_result",
        "balance_requirement_result", "rur_drawn", "rur_balance", "deficit_outstanding",
        "deficit_unrestored", "funds_value_end", "funds_realized", "funds_unrealized_change",
        "funds_equity_weight", "funds_breach_months")


@pytest.mark.parametrize("overrides", [
    [],
    ["esg.equity.model=garch", "simulation.horizon_years=10"],
    ["esg.equity.model=gbm", "esg.equity.steps_per_month=21",
     "funds.pension.strategy.rebalance_per_month=21",
     "funds.medium_term.strategy.rebalance_per_month=21",
     "funds.short_term.strategy.rebalance_per_month=21",
     "esg.inflation.high_regime.enabled=true"],
])
def test_reference_equals_engine(overrides):
    """To 1e-10 relative, or 1e-10 of the plan's turnover (10 000 mnkr) where sums cancel."""
    cfg = load_config(DEFAULT_CONFIG, overrides)
    e = Engine(cfg, seed=11)
    inn = e.innovations(2, 150)
    got = e.run_block(inn, fund_months=True)
    want = ref.full_model(e, inn)
    for key in KEYS:
        arr = (getattr(got.funds, key.removeprefix("funds_")) if key.startswith("funds_")
               else getattr(got.budget, key))
        np.testing.assert_allclose(arr, want[key], rtol=1e-10, atol=1e-6, err_msg=key)


def test_balance_reference_equals_kernel_with_draws_and_reservation(cfg):
    import dataclasses
    from sim.budget import balance_requirement
    e = Engine(cfg, seed=1)
    plan = dataclasses.replace(e.plan, reserve=e.plan.reserve._replace(
        start_balance=150.0, reserve_share_above_goal=0.5, draw_when=1, restore_within_years=2))
    rng = np.random.default_rng(3)
    bkr = rng.normal(0, 200, (500, 6))
    goal = np.full((500, 6), 100.0)
    growth = rng.uniform(2, 6, (500, 6))
    got = balance_requirement(plan, bkr, goal, growth)
    want = ref.balance_requirement(plan, bkr, goal, growth)
    for key in got._fields:
        np.testing.assert_allclose(getattr(got, key), want[key], rtol=1e-12, atol=1e-9,
                                   err_msg=key)


@pytest.mark.slow
def test_benchmark_smoke_runs():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "engine / NumPy" in proc.stdout and "engine / RNG" in proc.stdout
