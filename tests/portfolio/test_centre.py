"""The funds' return centre: on a sample independent of the pilot, each fund's mean yearly
return is the plan's expected return within four standard errors; "market" shifts nothing."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_config
from sim.engine import Engine
from sim.esg.model import draw_innovations, simulate_block
from sim.portfolio import run_fund

from ..conftest import DEFAULT_CONFIG


@pytest.fixture(scope="module")
def engine():
    return Engine(load_config(DEFAULT_CONFIG), seed=1)


@pytest.fixture(scope="module")
def fresh(engine):
    """20 000 paths from a seed the pilot never used."""
    out = simulate_block(engine.esg, draw_innovations(engine.esg, np.random.SeedSequence(99), 20000))
    return out["equity_step"], out["fixed_income_return"]


def test_every_fund_earns_the_plans_expected_return(engine, fresh):
    eq, fi = fresh
    for j, fund in enumerate(engine.funds):
        out = run_fund(fund, eq, fi, engine.steps, monthly=False)
        start = out["value_end"] - out["year_return"]
        r = 100.0 * out["year_return"] / start
        mean, se = r.mean(axis=0), r.std(axis=0, ddof=1) / np.sqrt(r.shape[0])
        target = engine.centre.target[j]
        assert np.all(np.abs(mean - target) < 4 * se), (fund.key, mean, target, se)


def test_the_plan_and_the_market_differ_and_market_shifts_nothing(engine):
    market = Engine(load_config(DEFAULT_CONFIG, ["simulation.return_centre=market"]), seed=1)
    for f in market.funds:
        np.testing.assert_array_equal(f.flows.centre_shift, 0.0)
    np.testing.assert_array_equal(market.centre.market, engine.centre.market)
    # the default generator expects more than the plan budgets, for every fund
    assert np.all(engine.centre.market > engine.centre.target)
