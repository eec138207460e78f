"""The budget kernel equals its NumPy reference (``tests/reference/budget_numpy.py``: the lines
from their equations, ``from_deviations`` and the balance requirement) on random inputs, and
its driver split adds up."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.budget import Budget
from sim.esg.schema import DEVIATION_FACTORS as FACTORS

from ..reference.budget_numpy import FactorPaths, run_budget


@pytest.mark.parametrize("by_sales", [(True, False, False), (False, True, True)])
def test_budget_kernel_equals_the_numpy_reference(plan, by_sales):
    rng = np.random.default_rng(4)
    n, horizon = 300, 9                                # a generator horizon past the plan
    dev = rng.normal(0, 1.5, (n, len(FACTORS), horizon))
    fund_ret = rng.normal(150, 200, (n, 3, horizon))
    fund_unreal = rng.normal(50, 150, (n, 3, horizon))
    delivered = rng.uniform(0.0, 1.0, n)
    income = rng.normal(0.0, 0.1, n)
    # every driver set is exercised: the plan config's, plus a component with two drivers
    pl = dataclasses.replace(plan, component_elasticity=plan.component_elasticity * 1.3,
                             reserve=plan.reserve._replace(restore_within_years=2,
                                                           start_balance=300.0))
    base = run_budget(pl, FactorPaths.at_forecast(pl))
    by_sales = np.array(by_sales)
    got = Budget(pl, by_sales)(dev, fund_ret, fund_unreal, delivered=delivered,
                               income_change=income)

    y = pl.n_years
    unreal = np.where(by_sales[None, :, None], fund_unreal[:, :, :y],
                      pl.fund_unrealized_share[None, :, None] * fund_ret[:, :, :y])
    fp = dataclasses.replace(
        FactorPaths.from_deviations(pl, dict(zip(FACTORS, np.moveaxis(dev, 1, 0))),
                                    int(pl.years[0]) - pl.n_pre),
        fund_return=np.ascontiguousarray(fund_ret[:, :, :y]), fund_unrealized=unreal,
        measures_delivered=delivered, income_change=income)
    want = run_budget(pl, fp)
    for key in want:
        if key in ("fund_return", "fund_unrealized", "planned_cost_measures",
                   "other_financial_income"):
            continue
        np.testing.assert_allclose(getattr(got, key), want[key], rtol=1e-12, atol=1e-9,
                                   err_msg=key)
    # the driver split adds up to the deviation from plan
    np.testing.assert_allclose(got.contributions.sum(axis=1),
                               got.balance_requirement_result
                               - base["balance_requirement_result"], atol=1e-9)
