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


def test_minimal_model_is_the_floor_rule_it_states():
    """The benchmark's lower bound does the work it claims: its kernel against a plain Python
    transcription (the protection level from a full scan of the last 24 months' values, no
    amortised maximum) on the same normals, path by path, to rounding."""
    from numba import njit

    from benchmarks import minimal as M
    from sim.esg._rng import normal, path_states

    @njit
    def normals(states, months, k):
        out = np.empty((states.shape[0], months, k))
        for i in range(states.shape[0]):
            s0, s1 = states[i, 0], states[i, 1]
            for m in range(months):
                for j in range(k):
                    s0, s1, out[i, m, j] = normal(s0, s1)
        return out

    n, months = 40, 60
    states = path_states(np.random.SeedSequence(5, spawn_key=(0,)), n)
    final, breached, infl = np.empty(n), np.empty(n, np.int64), np.empty(n)
    # a volatile equity factor, so that the floor binds, breaches happen and the high ages out
    vol = M.VOL * np.array([3.0, 1, 1, 1, 1])
    M.block_nb(states.copy(), months, M.CHOLESKY, M.MEAN, vol, M.PHI, final, breached, infl)
    eps = normals(states.copy(), months, 5)
    want_final, want_breached = np.empty(n), np.empty(n, np.int64)
    for i in range(n):
        x, value, starts, count, inf = M.MEAN.copy(), 1.0, [], 0, 0.0
        for m in range(months):
            x = M.MEAN + M.PHI * (x - M.MEAN) + vol * (M.CHOLESKY @ eps[i, m])
            starts.append(value)
            floor = M.FLOOR_SHARE * max(starts[-M.LOOKBACK:])
            share = min(M.MAX_EQUITY, max(0.0, M.MULTIPLIER * (value - floor) / value))
            value *= 1 + share * np.expm1(x[0]) + (1 - share) * x[1]
            count += value < floor
            inf += x[2]
        want_final[i], want_breached[i] = value, count
        np.testing.assert_allclose(infl[i], inf / months, rtol=1e-12)
    np.testing.assert_allclose(final, want_final, rtol=1e-12)
    np.testing.assert_array_equal(breached, want_breached)
    assert want_breached.sum() > 0 and (want_breached == 0).any()
