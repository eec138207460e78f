"""The fund kernel against its NumPy reference (tests/reference/portfolio_numpy.py) where the
kernel's control flow branches most: it runs the paths side by side with selects, so trades on
some paths and not others, an emptied fund restarted, target values, a start after the
information date, a fixed-income-only mix, costs, a band, a window other than Bilaga 2's and
several steps a month each get a case. Tolerances as in test_strategies (the two add in
different orders): 1e-12 relative, or 1e-12 of the start value for sums that cancel."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_config
from sim.esg import esg_params
from sim.esg.model import generate_arrays
from sim.portfolio import FixedMix, fund_params, run_fund, step_market

from ..conftest import DEFAULT_CONFIG, PLAIN
from ..reference import portfolio_numpy as ref
from .test_strategies import dynamic


def assert_reference(p, eq, fi, steps):
    got = run_fund(p, eq, fi, steps)
    for key, want in ref.run(p, eq, fi, steps).items():
        np.testing.assert_allclose(getattr(got, key), want, rtol=1e-12,
                                   atol=1e-12 * p.flows.start_value, err_msg=f"{p.key}.{key}")
    return got


@pytest.mark.parametrize("info", [True, False])
@pytest.mark.parametrize("steps,per_month", [(4, 4), (4, 2)])
def test_the_plans_funds_weekly_and_every_second_week(info, steps, per_month):
    over = [f"esg.equity.steps_per_month={steps}",
            f"funds.pension.strategy.rebalance_per_month={per_month}",
            "simulation.horizon_years=6"] + ([] if info else [PLAIN])
    cfg = load_config(DEFAULT_CONFIG, over)
    out = generate_arrays(esg_params(cfg), 257, 4, block_size=1000)   # an odd count
    for p in fund_params(cfg):
        assert_reference(p, out.equity_step, out.fixed_income_return, steps)


@pytest.mark.parametrize("band,cost", [(0.0, 0.0), (0.03, 0.002)])
def test_flows_an_emptied_fund_target_values_and_spells(band, cost):
    """Pay-outs that empty the fund on some paths, a refill, a year rebased to a target; the
    rule with the fixed income's stress, a band, costs and a 36-month window (Bilaga 2's
    yardstick keeps 24), with spells below the level on some paths, starting in month 7."""
    rng = np.random.default_rng(11)
    eq = rng.normal(0.004, 0.06, (101, 60 * 2))
    fi = rng.normal(0.002, 0.004, (101, 60))
    target = np.full(10, np.nan)
    target[4] = 80.0
    p = dynamic(net_flow=np.array([0.0, -30.0, -90.0, 40.0, 0.0] + [5.0] * 5),
                target_value=target, no_trade_band=band, transaction_cost=cost,
                fixed_income_vol=0.03, stress_min=0.05, stress_max=0.6, rebalance_per_month=2,
                start_month=7, start_cost_basis=0.9, window=36, initial_high=0.9)
    got = assert_reference(p, eq, fi, 2)
    assert (got.value_end[:, 2] == 0).any() and (got.value_end[:, 2] > 0).any()
    assert (got.breach_spells > 0).any() and (got.breach_spells == 0).any()   # split, or not


def test_fixed_mixes():
    rng = np.random.default_rng(3)
    eq = rng.normal(0.004, 0.05, (33, 36))
    fi = rng.normal(0.002, 0.003, (33, 36))
    base = dynamic()
    for w in (0.0, 0.75):
        p = base.__class__(key=f"mix{w}", rule=FixedMix(equity_weight=w),
                           trading=base.trading._replace(no_trade_band=0.01,
                                                         transaction_cost=0.001),
                           flows=base.flows._replace(net_flow=np.array([0.0, -10.0, 20.0])))
        assert_reference(p, eq, fi, 1)


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


def test_without_statistics_the_values_and_accounting_are_the_same():
    """run_fund(stats=False), for the centring's pilot and the strategy's long horizon, skips
    the month-end statistics: every value, monthly and yearly, and every accounting figure is
    the same to the bit as with them, and the statistics are None. On the plan's funds
    (weekly, from the information date) and on a fund with spells below its level, pay-outs
    that empty it, a target value, a band and costs."""
    from sim.portfolio import STAT_KEYS

    cfg = load_config(DEFAULT_CONFIG, ["simulation.horizon_years=6"])
    out = generate_arrays(esg_params(cfg), 129, 5, block_size=1000)
    cases = [(p, out.equity_step, out.fixed_income_return, cfg.equity_steps)
             for p in fund_params(cfg)]
    rng = np.random.default_rng(11)
    target = np.full(10, np.nan)
    target[4] = 80.0
    spells = dynamic(net_flow=np.array([0.0, -30.0, -90.0, 40.0, 0.0] + [5.0] * 5),
                     target_value=target, no_trade_band=0.03, transaction_cost=0.002,
                     rebalance_per_month=2, start_month=7, window=36, initial_high=0.9)
    cases.append((spells, rng.normal(0.004, 0.06, (101, 120)),
                  rng.normal(0.002, 0.004, (101, 60)), 2))
    for p, eq, fi, steps in cases:
        full = run_fund(p, eq, fi, steps)
        bare = run_fund(p, eq, fi, steps, stats=False)
        for key in full._fields:
            if key in STAT_KEYS:
                assert getattr(bare, key) is None, key
            else:
                np.testing.assert_array_equal(getattr(bare, key), getattr(full, key),
                                              err_msg=f"{p.key}.{key}")
    assert (full.breach_spells > 0).any()             # the last case has statistics to skip
