"""The portfolios: a six-month example by hand, the NumPy reference, properties and gap risk."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.config import load_config
from sim.esg import esg_params
from sim.esg.model import generate_arrays
from sim.portfolio import Dynamic, FixedMix, Flows, Fund, Trading, fund_params, run_fund, run_funds
from sim.portfolio import _kernels as K

from ..conftest import DEFAULT_CONFIG, PLAIN
from ..reference import portfolio_numpy as ref

Z = 4.0


def dynamic(**changes) -> Fund:
    """A dynamic strategy with s fixed at 0.2 (stress_min = stress_max), no band, no costs;
    ``changes`` name fields of the rule, trading or flows records (the config's names)."""
    parts = {
        "rule": Dynamic(floor_share=0.85, window=24, min_equity=0.0, max_equity=1.0,
                        stress_z=3.0, stress_min=0.2, stress_max=0.2, stress_horizon=1.0,
                        ewma_lambda=0.97,
                        initial_vol=100.0 * math.sqrt(0.002 * 12), initial_high=1.0,
                        cash_lock_below=0.05, fixed_income_vol=0.0),
        "trading": Trading(rebalance_per_month=1, no_trade_band=0.0, transaction_cost=0.0),
        "flows": Flows(start_value=100.0, start_month=0, start_cost_basis=1.0, net_flow=np.zeros(10),
                       target_value=np.full(10, np.nan), equity_shift=np.zeros(10),
                       fixed_income_shift=np.zeros(10)),
    }
    for key, value in changes.items():
        name = next(n for n, rec in parts.items() if key in rec._fields)
        parts[name] = parts[name]._replace(**{key: value})
    return Fund(key="test", **parts)


EQUITY_6M = np.log1p([0.10, -0.25, -0.10, 0.05, 0.20, 0.0])[None]
FLAT_FI = np.zeros((1, 6))

# By hand. Start: NAV 1, high 1, floor 0.85, cushion 0.15, w = 0.15 / 0.2 = 0.75: 75 equity, 25
# fixed income. The window is 3 month-ends, so the peak of month 1 leaves it at month 4.
#  month 1: equity +10 % -> 82.5 + 25 = 107.5; high 1.075, floor 91.375; w = 82.5/107.5.
#  month 2: rebalance to 0.75 x 107.5 = 80.625 (sell 1.875; realized 1.875 x (1 - 75/82.5) =
#           0.1704545); equity -25 % -> 60.46875 + 26.875 = 87.34375 < floor 91.375: breach.
#  month 3: cushion < 0 -> w = 0: sell all 60.46875 at cost 73.2954545: realized -12.8267045.
#           87.34375 in fixed income; the high 1.075 is still in the window: breach.
#  month 4: still w = 0. At month end the window is {0.8734375} x 3: high 0.8734375,
#           floor 74.2421875, no breach.
#  month 5: cushion 0.15 again -> w = 0.75: buy 65.5078125; equity +20 % -> 78.609375 +
#           21.8359375 = 100.4453125; high 1.004453125, floor 85.37851563; w = 0.7826087.
#  month 6: rebalance to 0.75 (sell 3.2753906; realized 3.2753906 x (1 - 65.5078125/78.609375)
#           = 0.5458984); equity flat.
HAND = {
    #          value        high(NAV)    floor        weight       trade        realized
    1: (107.5,       1.075,       91.375,      82.5 / 107.5, 0.0,         0.0),
    2: (87.34375,    1.075,       91.375,      60.46875 / 87.34375, -1.875, 0.1704545454545),
    3: (87.34375,    1.075,       91.375,      0.0,         -60.46875,   -12.8267045454545),
    4: (87.34375,    0.8734375,   74.2421875,  0.0,         0.0,         0.0),
    5: (100.4453125, 1.004453125, 85.37851563, 78.609375 / 100.4453125, 65.5078125, 0.0),
    6: (100.4453125, 1.004453125, 85.37851563, 0.75,        -3.2753906,  0.5458984375),
}


def test_six_months_by_hand():
    p = dynamic(window=3)
    out = run_fund(p, EQUITY_6M, FLAT_FI, 1)
    cum_realized = 0.0
    prev_equity = 75.0
    for m, (value, high, floor, weight, trade, realized) in HAND.items():
        j = m - 1
        assert math.isclose(out.value[0, j], value, rel_tol=1e-12), m
        assert math.isclose(out.floor[0, j], floor, rel_tol=1e-9), m
        assert math.isclose(out.floor[0, j] / 0.85 / 100.0, high, rel_tol=1e-9), m
        assert math.isclose(out.equity_weight[0, j], weight, rel_tol=1e-12, abs_tol=1e-15), m
        # the trade at the start of the month: equity after trading, less equity held before
        equity_end = out.equity_weight[0, j] * out.value[0, j]
        got_trade = equity_end / math.exp(EQUITY_6M[0, j]) - prev_equity
        assert math.isclose(got_trade, trade, rel_tol=1e-7, abs_tol=1e-9), m
        prev_equity = equity_end
        # realized to date: the same run cut after month m closes its (partial) year there
        cut = run_fund(p, EQUITY_6M[:, :m], FLAT_FI[:, :m], 1)
        cum_realized += realized
        assert math.isclose(cut.realized[0, 0], cum_realized, rel_tol=1e-9, abs_tol=1e-9), m
    assert list(out.breach_months[0]) == [2]
    assert out.first_breach_month[0] == 1
    assert math.isclose(out.worst_depth_below_floor[0], 87.34375 / 91.375 - 1, rel_tol=1e-12)
    # return = value change = realized + change in unrealized
    assert math.isclose(out.year_return[0, 0], 0.4453125, rel_tol=1e-12)
    assert math.isclose(out.unrealized_change[0, 0], 0.4453125 - (-12.1103515625),
                        rel_tol=1e-9)


def test_with_a_24_month_window_the_portfolio_stays_in_fixed_income():
    """Unlike the 3-month window, the Bilaga 2 window keeps the old peak: no re-risking."""
    out = run_fund(dynamic(), EQUITY_6M, FLAT_FI, 1)
    np.testing.assert_array_equal(out.equity_weight[0, 2:], 0.0)
    assert out.breach_months[0, 0] == 5      # months 2-6


def test_the_floor_falls_when_the_peak_leaves_the_window_and_risk_comes_back():
    """A rise, a crash into fixed income, then flat: 24 months after the peak the floor drops to
    85 % of the lower level and the strategy buys equity again."""
    eq = np.zeros((1, 48))
    eq[0, :6] = np.log(1.03)
    eq[0, 6] = np.log(0.6)
    out = run_fund(dynamic(), eq, np.zeros((1, 48)), 1)
    w = out.equity_weight[0]
    locked = np.flatnonzero(w == 0.0)
    assert locked[0] == 7 and w[29] == 0.0
    # month-ends 5..28 hold the peak (month 5); at month-end 29 it has left the window ...
    assert out.floor[0, 29] < out.floor[0, 28]
    # ... and at the next rebalancing (the start of month 30) the strategy buys equity again
    assert w[30] == pytest.approx(0.75, rel=1e-12)   # cushion 0.15 / s 0.2, months flat


def test_fixed_mix_holds_its_weight():
    p = dataclasses.replace(dynamic(), rule=FixedMix(equity_weight=0.25))
    out = run_fund(p, EQUITY_6M, FLAT_FI, 1)
    after_trade = 0.25 * np.exp(EQUITY_6M[0]) / (0.25 * np.exp(EQUITY_6M[0]) + 0.75)
    np.testing.assert_allclose(out.equity_weight[0], after_trade, rtol=1e-12)
    assert np.isnan(out.floor).all() and out.breach_months.sum() == 0


# --------------------------------------------------------------------------------------------
# The kernel against the NumPy reference
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model,steps,per_month,info", [
    ("rsln2", 1, 1, True), ("rsln2", 1, 1, False), ("garch", 1, 1, True), ("gbm", 20, 4, True),
    ("gbm", 20, 20, False)])
def test_kernel_equals_numpy_reference(model, steps, per_month, info):
    """Same returns in, same values, weights and gains out: to 1e-12 relative, or 1e-12 of the
    portfolio's start value for sums that cancel (the scalar kernel and the vectorized reference
    add in different orders; a few thousand roundings of 1e-16 on values of that size). With
    the information set the funds start in May 2022, the month after it."""
    over = [f"esg.equity.model={model}", f"esg.equity.steps_per_month={steps}",
            f"funds.pension.strategy.rebalance_per_month={per_month}",
            "simulation.horizon_years=6"] + ([] if info else [PLAIN])
    cfg = load_config(DEFAULT_CONFIG, over)
    out = generate_arrays(esg_params(cfg), 300, 4, block_size=1000)
    for p in fund_params(cfg):
        got = run_fund(p, out.equity_step, out.fixed_income_return, steps)
        want = ref.run(p, out.equity_step, out.fixed_income_return, steps)
        for key, arr in want.items():
            np.testing.assert_allclose(getattr(got, key), arr, rtol=1e-12, atol=1e-12 * p.start_value,
                                       err_msg=f"{p.key}.{key}")


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

returns = st.lists(st.floats(-0.1, 0.1), min_size=24, max_size=24)


@settings(max_examples=150, deadline=None)
@given(eq=returns, fi=st.lists(st.floats(-0.02, 0.02), min_size=24, max_size=24),
       flows=st.lists(st.floats(-20, 60), min_size=1, max_size=1),
       w_max=st.floats(0.1, 1.0), band=st.floats(0, 0.1), cost=st.floats(0, 0.01),
       z=st.floats(0.5, 5.0))
def test_accounting_reconciles_and_values_stay_positive(eq, fi, flows, w_max, band, cost, z):
    """Monthly log returns within +-10 % and payouts of at most 20 keep the value positive; the
    value change less the flow is the return, which is realized plus the unrealized change."""
    p = dynamic(max_equity=w_max, no_trade_band=band, transaction_cost=cost, stress_z=z,
                stress_min=0.05, stress_max=0.5, net_flow=np.array([0.0] + flows))
    assert len(eq) == 24  # two years: the flow applies at the start of the second
    out = run_fund(p, np.array([eq]), np.array([fi]), 1)
    assert (out.value > 0).all()
    assert ((out.equity_weight >= 0) & (out.equity_weight <= 1 + 1e-12)).all()
    np.testing.assert_allclose(out.year_return, out.realized + out.unrealized_change,
                               atol=1e-9)
    change = np.diff(np.concatenate([[100.0], out.value_end[0]]))
    np.testing.assert_allclose(change - p.flows.net_flow[:2], out.year_return[0], atol=1e-9)
    assert (out.cost_basis >= -1e-9).all()


@settings(max_examples=200, deadline=None)
@given(nav=st.floats(0.01, 10), high=st.floats(0.01, 20), var=st.floats(0, 0.05),
       w_min=st.floats(0, 0.5), span=st.floats(0, 0.5), z=st.floats(0, 6))
def test_target_weight_stays_within_bounds(nav, high, var, w_min, span, z):
    rule = dynamic(min_equity=w_min, max_equity=w_min + span, stress_min=0.05,
                   stress_max=0.5).rule
    w = K.target_weight_nb(rule, nav, high, var, z)
    assert w_min <= w <= w_min + span


@settings(max_examples=200, deadline=None)
@given(value=st.floats(1, 1e4), gain=st.floats(0.001, 2.0), frac=st.floats(0.001, 1.0))
def test_a_sale_above_average_cost_realizes_a_gain(value, gain, frac):
    basis = value / (1 + gain)
    realized, removed = K._sell(frac * value, value, basis)
    assert realized > 0 and math.isclose(realized + removed, frac * value, rel_tol=1e-12)


@settings(max_examples=100, deadline=None)
@given(eq=st.lists(st.floats(math.log(1 - 0.049), 0.05), min_size=60, max_size=60),
       fi=st.lists(st.floats(0, 0.01), min_size=3, max_size=3))
def test_small_steps_never_breach_the_floor(eq, fi):
    """Rebalanced every step with s >= 5 %: a step's loss below 5 % cannot take the NAV under
    the floor (the exposure is at most cushion / s), so there is no breach at all."""
    p = dynamic(stress_min=0.05, stress_max=0.5, stress_z=3.0, rebalance_per_month=20)
    out = run_fund(p, np.array([eq]), np.array([fi]), 20)
    assert out.breach_months_total[0] == 0


# --------------------------------------------------------------------------------------------
# Gap risk, on the same random numbers
# --------------------------------------------------------------------------------------------


def breach_frequency(p, eq_step, steps):
    fi = np.zeros((eq_step.shape[0], eq_step.shape[1] // steps))
    out = run_fund(p, eq_step, fi, steps)
    return (out.breach_months_total > 0).mean()


@pytest.fixture(scope="module")
def uniforms():
    return np.random.default_rng(2024).random((4000, 60 * 20))


def daily_normal(u, vol=0.20):
    return stats.norm.ppf(u) * vol / math.sqrt(240)


def test_breaches_grow_with_the_multiplier(uniforms):
    eq = daily_normal(uniforms)
    freq = [breach_frequency(dynamic(stress_z=z, stress_min=0.01, stress_max=0.9,
                                     rebalance_per_month=1, max_equity=1.0, initial_vol=20.0,
                                     ewma_lambda=0.97), eq, 20)
            for z in (4.0, 2.0, 1.0)]
    assert freq[0] < freq[1] < freq[2], freq


@pytest.mark.slow
def test_breaches_grow_with_fatter_tails(uniforms):
    nu = 3.0
    t_scaled = stats.t.ppf(uniforms, nu) * math.sqrt((nu - 2) / nu) * 0.20 / math.sqrt(240)
    p = dynamic(stress_z=2.0, stress_min=0.01, stress_max=0.9, rebalance_per_month=1,
                initial_vol=20.0, ewma_lambda=0.97)
    normal, fat = breach_frequency(p, daily_normal(uniforms), 20), breach_frequency(p, t_scaled, 20)
    assert normal < fat, (normal, fat)


def test_breaches_grow_with_less_frequent_rebalancing(uniforms):
    """At a fixed multiplier (s fixed at 0.1): trading daily, weekly, monthly. (With s = z vol
    sqrt(h) the multiplier itself rises as h shrinks, which can outweigh the protection.)"""
    eq = daily_normal(uniforms)
    freq = [breach_frequency(dynamic(stress_min=0.1, stress_max=0.1, rebalance_per_month=k),
                             eq, 20) for k in (20, 4, 1)]
    assert freq[0] < freq[1] < freq[2], freq


def test_all_funds_run_on_common_returns(cfg_plain):
    cfg = cfg_plain
    out = generate_arrays(esg_params(cfg), 50, 1, block_size=1000)
    funds = fund_params(cfg)
    res = run_funds(funds, out.equity_step, out.fixed_income_return, cfg.equity_steps)
    assert res.value_end.shape == (50, 3, 6)
    # the short-term buffer holds no equity
    assert (res.equity_weight[:, 2] == 0).all()
    # the medium-term mix starts each month within its band of 25 % (a trade's cost, paid from
    # fixed income, can add up to cost x band to the equity share); the month's returns then
    # carry the weight w to w g / (w g + (1 - w) f), increasing in w
    medium = funds[1]
    w, band = medium.rule.equity_weight, medium.trading.no_trade_band
    lo = w - band
    hi = w + band + medium.trading.transaction_cost * band + 1e-12
    g = np.exp(out.equity_log_return)          # the month's growth, over its steps
    f = 1.0 + out.fixed_income_return

    def carried(w):
        return w * g / (w * g + (1 - w) * f)

    w_end = res.equity_weight[:, 1]
    assert (w_end >= carried(lo) - 1e-12).all() and (w_end <= carried(hi) + 1e-12).all()


def test_payouts_start_in_their_year_and_grow(cfg):
    """40-year horizon: no payout before 2040, then 100 mnkr growing 10 % a year."""
    long = load_config(DEFAULT_CONFIG, ["simulation.horizon_years=40", PLAIN])
    pension = fund_params(long)[0]
    years = 2023 + np.arange(40)
    assert (pension.flows.net_flow[(years > 2028) & (years < 2040)] == 0).all()
    np.testing.assert_allclose(pension.flows.net_flow[years == 2040], [-100.0])
    np.testing.assert_allclose(pension.flows.net_flow[years == 2042], [-121.0])
    # the return is reinvested in full (seed 001): no withdrawals in the plan years
    np.testing.assert_array_equal(pension.flows.net_flow[1:6], 0.0)


def test_rebasing_draws_the_return_off_each_year(cfg):
    """The liquidity funds start each year at their planned capital: the year's return is what
    the budget takes as financial income."""
    out = generate_arrays(esg_params(cfg), 200, 9, block_size=1000)
    res = run_funds(fund_params(cfg), out.equity_step, out.fixed_income_return,
                   cfg.equity_steps)
    medium = res.value_end[:, 1] - res.year_return[:, 1]      # value at each year's start
    np.testing.assert_allclose(medium, 1920.0, rtol=1e-12)


def test_a_fund_paid_out_in_full_is_empty_and_stays_consistent():
    """A payout larger than the fund sells everything (realizing the gains), leaves it empty,
    and a later contribution restarts it; kernel and NumPy reference agree throughout."""
    rng = np.random.default_rng(5)
    eq = rng.normal(0.005, 0.04, (50, 48))
    fi = np.full((50, 48), 0.002)
    p = dynamic(net_flow=np.array([0.0, -60.0, -200.0, 30.0]))
    got = run_fund(p, eq, fi, 1)
    want = ref.run(p, eq, fi, 1)
    for key, arr in want.items():
        np.testing.assert_allclose(getattr(got, key), arr, rtol=1e-12, atol=1e-9, err_msg=key)
    assert (got.value_end[:, 2] == 0).all()           # emptied in year 3
    np.testing.assert_allclose(got.year_return, got.realized + got.unrealized_change,
                               atol=1e-9)
    assert (got.value_end[:, 3] > 0).all()            # refilled in year 4


def test_yearly_results_do_not_depend_on_writing_monthly_paths(cfg):
    out = generate_arrays(esg_params(cfg), 300, 2, block_size=1000)
    args = (fund_params(cfg), out.equity_step, out.fixed_income_return, cfg.equity_steps)
    with_monthly, without = run_funds(*args, monthly=True), run_funds(*args, monthly=False)
    assert without.nav is None and with_monthly.nav is not None
    for key, arr in without._asdict().items():
        if arr is not None:
            np.testing.assert_array_equal(arr, getattr(with_monthly, key), err_msg=key)


# --------------------------------------------------------------------------------------------
# A breach's depth, split into its causes, by hand
# --------------------------------------------------------------------------------------------

PARTS = ("cushion", "equity", "fixed_income", "costs", "floor_move")


def split(out, y=0):
    return {p: getattr(out, f"breach_{p}")[0, y] for p in PARTS}


def assert_split(out, want, depth):
    got = split(out)
    for p in PARTS:
        assert math.isclose(got[p], want.get(p, 0.0), rel_tol=1e-12, abs_tol=1e-15), p
    assert math.isclose(sum(got.values()), depth, rel_tol=1e-12)
    assert out.breach_spells[0, 0] == 1


def test_a_gap_month_is_the_equitys_fall():
    """Start: 75 equity, 25 fixed income, level 85. Equity falls 25 % in the month, more than
    the 20 % the rule guards against: 81,25 < 85. The depth (81,25 - 85) / 85 is the cushion
    at the month's start, 15 / 85, plus the equity's result, -18,75 / 85."""
    out = run_fund(dynamic(), np.log([[0.75]]), np.zeros((1, 1)), 1)
    assert_split(out, {"cushion": 15 / 85, "equity": -18.75 / 85}, (81.25 - 85) / 85)


def test_a_bond_loss_is_the_fixed_incomes():
    """All in fixed income (max_equity 0), which loses 16 % in the month: 84 < 85."""
    out = run_fund(dynamic(max_equity=0.0), np.zeros((1, 1)), np.array([[-0.16]]), 1)
    assert_split(out, {"cushion": 15 / 85, "fixed_income": -16 / 85}, (84 - 85) / 85)


def test_a_trades_cost_is_the_costs():
    """The 24-month high at 1,17: level 0,9945, cushion 0,0055, w = 0,0275 (2,75 equity).
    Month 1: equity doubles: 5,5 + 97,25 = 102,75, no breach. Month 2: the rule buys up to
    w = (1,0275 - 0,9945) / (1,0275 x 0,2): 16,5 equity, a trade of 11 at a cost of 50 %, 5,5
    from fixed income: 97,25 < 99,45, nothing moves in the month. The depth is the cushion at
    the month's start, 3,3 / 99,45, and the cost, -5,5 / 99,45."""
    p = dynamic(initial_high=1.17, transaction_cost=0.5)
    out = run_fund(p, np.log([[2.0, 1.0]]), np.zeros((1, 2)), 1)
    assert list(out.breach_months[0]) == [1]
    assert_split(out, {"cushion": 3.3 / 99.45, "costs": -5.5 / 99.45}, (97.25 - 99.45) / 99.45)


def test_a_spell_is_counted_once_and_the_split_always_sums_to_the_depth():
    """A crash into fixed income (the level held by the 24-month window) stays below for five
    month-ends: one spell. On random paths with flows, costs and weekly trading, every year's
    split sums to the sum of its spells' depths, and the kernel equals the NumPy reference."""
    out = run_fund(dynamic(), EQUITY_6M, FLAT_FI, 1)
    assert out.breach_months[0, 0] == 5 and out.breach_spells[0, 0] == 1
    rng = np.random.default_rng(11)
    eq = rng.normal(0.002, 0.03, (400, 36 * 4))
    fi = rng.normal(0.001, 0.004, (400, 36))
    p = dynamic(stress_min=0.03, stress_max=0.3, rebalance_per_month=4, transaction_cost=0.002,
                no_trade_band=0.01, fixed_income_vol=0.013, net_flow=np.array([0, 20, -30.0]))
    got = run_fund(p, eq, fi, 4)
    want = ref.run(p, eq, fi, 4)
    for key in [f"breach_{q}" for q in PARTS] + ["breach_spells", "breach_depth"]:
        np.testing.assert_allclose(getattr(got, key), want[key], rtol=1e-12, atol=1e-12,
                                   err_msg=key)
    total = sum(getattr(got, f"breach_{q}") for q in PARTS)
    assert (got.breach_spells > 0).any()
    # the spells' depths, from the monthly NAV and level: a month-end below after one above
    nav = got.nav
    units = got.value / nav
    level = got.floor / units
    below = nav < level
    first = below & ~np.concatenate([np.zeros((400, 1), bool), below[:, :-1]], axis=1)
    depth = np.where(first, nav / level - 1.0, 0.0).reshape(400, 3, 12).sum(axis=2)
    np.testing.assert_allclose(total, depth, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(nav=st.floats(0.5, 2.0), high=st.floats(0.6, 2.0), s_fi=st.floats(0.0, 0.04))
def test_the_fixed_incomes_stress_uses_the_cushion_up_exactly(nav, high, s_fi):
    """With s fixed at 0,2: where the share is inside its bounds, a fall of s in the equity
    held and of s_fi in the fixed income takes the NAV exactly to the level; counting the
    fixed income's risk never raises the share."""
    rule = dynamic(max_equity=1.0).rule
    w = K.target_weight_nb(rule, nav, high, 0.0, 1.0, s_fi)
    w0 = K.target_weight_nb(rule, nav, high, 0.0, 1.0, 0.0)
    assert w <= w0 + 1e-15
    if 0.0 < w < 1.0:
        loss = nav * (w * 0.2 + (1.0 - w) * s_fi)
        assert math.isclose(nav - loss, 0.85 * high, rel_tol=1e-9, abs_tol=1e-12)


def test_bilaga_2s_yardstick_is_todays_level():
    """The 24-month yardstick (a fall from the highest of the month-end and the 23 before it,
    history at the rule's 24-month high) is today's protection level itself: with floor 85 %
    and a 24-month window, a year's fall beyond 15 % is a year with a month-end below the
    level, path by path; with a 12-month window the level is looser and the yardstick not."""
    rng = np.random.default_rng(8)
    eq = rng.normal(0.004, 0.06, (2000, 48))
    fi = np.full((2000, 48), 0.001)
    p = dynamic(stress_min=0.05, stress_max=0.4, initial_high=1.05)
    out = run_fund(p, eq, fi, 1)
    np.testing.assert_array_equal(out.worst_fall_24m > 0.15, out.breach_months > 0)
    assert (out.breach_months > 0).any()
    short = run_fund(dynamic(stress_min=0.05, stress_max=0.4, initial_high=1.05, window=12),
                     eq, fi, 1)
    assert ((short.worst_fall_24m > 0.15) & (short.breach_months == 0)).any()
