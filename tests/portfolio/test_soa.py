"""The kernel with the paths side by side (sim.portfolio._soa) against the one-path-at-a-time
kernel it replaces (sim.portfolio._kernels.portfolio_nb, kept as the reference): every output
equal to the bit, on the cases where their control flow differs most (trades on some paths
and not others, an emptied fund restarted, target values, a start after the information
date, a fixed income only mix, costs, a band, several steps a month, the monthly paths)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_config
from sim.esg import esg_params
from sim.esg.model import generate_arrays
from sim.portfolio import FixedMix, fund_params, run_fund, step_market

from ..conftest import DEFAULT_CONFIG, PLAIN
from .test_strategies import dynamic


def assert_same(p, eq, fi, steps, monthly=True):
    want = run_fund(p, eq, fi, steps, monthly=monthly, reference=True)
    got = run_fund(p, eq, fi, steps, monthly=monthly)
    for key, w, g in zip(want._fields, want, got):
        if w is None:
            assert g is None, key
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"{p.key}.{key}")


@pytest.mark.parametrize("info", [True, False])
@pytest.mark.parametrize("steps,per_month", [(1, 1), (4, 4), (4, 2)])
def test_the_plans_funds_are_the_references_to_the_bit(info, steps, per_month):
    over = [f"esg.equity.steps_per_month={steps}",
            f"funds.pension.strategy.rebalance_per_month={per_month}",
            "simulation.horizon_years=6"] + ([] if info else [PLAIN])
    cfg = load_config(DEFAULT_CONFIG, over)
    out = generate_arrays(esg_params(cfg), 257, 4, block_size=1000)   # an odd count
    for p in fund_params(cfg):
        assert_same(p, out.equity_step, out.fixed_income_return, steps)


@pytest.mark.parametrize("band,cost", [(0.0, 0.0), (0.03, 0.002)])
def test_flows_an_emptied_fund_and_target_values_are_the_references(band, cost):
    """Pay-outs that empty the fund on some paths, a refill, a year rebased to a target; the
    rule with the fixed income's stress, a band, costs and a 36-month window (Bilaga 2's
    yardstick keeps 24), with spells below the level on some paths."""
    rng = np.random.default_rng(11)
    eq = rng.normal(0.004, 0.06, (101, 60 * 2))
    fi = rng.normal(0.002, 0.004, (101, 60))
    target = np.full(10, np.nan)
    target[4] = 80.0
    p = dynamic(net_flow=np.array([0.0, -30.0, -90.0, 40.0, 0.0] + [5.0] * 5),
                target_value=target, no_trade_band=band, transaction_cost=cost,
                fixed_income_vol=0.03, stress_min=0.05, stress_max=0.6, rebalance_per_month=2,
                start_month=7, start_cost_basis=0.9, window=36, initial_high=0.9)
    assert_same(p, eq, fi, 2)
    assert_same(p, eq, fi, 2, monthly=False)
    got = run_fund(p, eq, fi, 2)
    assert (got.value_end[:, 2] == 0).any() and (got.value_end[:, 2] > 0).any()
    assert (got.breach_spells > 0).any() and (got.breach_spells == 0).any()   # split, or not


def test_fixed_mixes_are_the_references():
    rng = np.random.default_rng(3)
    eq = rng.normal(0.004, 0.05, (33, 36))
    fi = rng.normal(0.002, 0.003, (33, 36))
    base = dynamic()
    for w in (0.0, 0.75):
        p = base.__class__(key=f"mix{w}", rule=FixedMix(equity_weight=w),
                           trading=base.trading._replace(no_trade_band=0.01,
                                                         transaction_cost=0.001),
                           flows=base.flows._replace(net_flow=np.array([0.0, -10.0, 20.0])))
        assert_same(p, eq, fi, 1)


def test_one_step_market_serves_every_fund():
    """step_market is what run_fund computes for itself: the same numbers given or not."""
    cfg = load_config(DEFAULT_CONFIG)
    out = generate_arrays(esg_params(cfg), 64, 2, block_size=1000)
    market = step_market(out.equity_step, out.fixed_income_return, cfg.equity_steps)
    for p in fund_params(cfg):
        a = run_fund(p, out.equity_step, out.fixed_income_return, cfg.equity_steps)
        b = run_fund(p, out.equity_step, out.fixed_income_return, cfg.equity_steps,
                     market=market)
        for key, x, y in zip(a._fields, a, b):
            np.testing.assert_array_equal(x, y, err_msg=key)
