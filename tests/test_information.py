"""The information date: outturns are met exactly, the plan's lines are untouched, what was
known moves the distribution the way the outturns went, and the regime filter is exact."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim.budget import BudgetPlan
from sim.config import ConfigError, load_config
from sim.engine import Engine, run
from sim.esg import esg_params
from sim.esg.model import Shifts, generate_arrays, simulate_block, zero_innovations
from sim.information import regime_probability
from sim.portfolio import run_fund

from .conftest import DEFAULT_CONFIG, PLAIN

SPRING = "information_file=../information/norrbotten-2022-04.toml"
JANUARY = "information_file=../information/norrbotten-2022-12.toml"


@pytest.fixture(scope="module")
def spring():
    return load_config(DEFAULT_CONFIG, [SPRING])


@pytest.fixture(scope="module")
def january():
    return load_config(DEFAULT_CONFIG, [JANUARY])


def test_the_default_config_is_as_of_spring_2022(cfg, spring):
    assert cfg.information == spring.information and cfg.information.as_of == "2022-04"


@pytest.mark.parametrize("which", ["spring", "january"])
def test_every_outturn_is_met_exactly_on_every_path(which, spring, january):
    cfg = {"spring": spring, "january": january}[which]
    info = cfg.information
    p = esg_params(cfg)
    out = generate_arrays(p, 3000, 11, block_size=1000, threads=2)
    start = int(p.years[0])
    assert start == 2022 and p.n_pre == 1
    for key, series in info.monthly.items():
        for (y, m), v in zip(series.months(), series.values):
            idx = (y - start) * 12 + m - 1
            np.testing.assert_array_equal(getattr(out, key)[:, idx], v,
                                          err_msg=f"{key} {y}-{m:02d}")
    # and the months after the information date are random
    k = p.observed.n_known
    assert out.kpif[:, k].std() > 0.1 and out.short_rate[:, k].std() > 0.1


@pytest.mark.parametrize("which", ["spring", "january"])
def test_outturns_never_touch_the_plans_lines(which, spring, january, cfg_plain):
    cfg = {"spring": spring, "january": january}[which]
    a, b = BudgetPlan.from_config(cfg), BudgetPlan.from_config(cfg_plain)
    for name in ("operating_income", "operating_costs", "depreciation", "tax_revenue",
                 "general_grants_equalisation", "financial_income", "financial_costs",
                 "component_base", "component_growth", "fund_capital"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    det_a, det_b = Engine(cfg, 1).plan_lines, Engine(cfg_plain, 1).plan_lines
    for key in det_b._fields:
        if key != "budget":
            np.testing.assert_array_equal(getattr(det_a, key), getattr(det_b, key), err_msg=key)
    for key in det_b.budget._fields:
        np.testing.assert_array_equal(getattr(det_a.budget, key), getattr(det_b.budget, key),
                                      err_msg=key)


@pytest.fixture(scope="module")
def runs(spring, january, cfg_plain):
    """The same plan and seed, as of nothing, spring 2022 and January 2023 (4 000 paths)."""
    return {name: run(c, 4000, 17, threads=2, store="annual")
            for name, c in (("plain", cfg_plain), ("spring", spring), ("january", january))}


def _pension_costs(ds):
    """The pension costs' contribution to the balanskravsresultat's deviation from plan
    (minus the costs' deviation) [mnkr], per path and year."""
    return ds["contributions"].sel(driver="pension_costs")


@pytest.mark.slow
def test_spring_2022_gives_2023s_pension_and_financial_costs_a_spread(runs, spring):
    """Without an information date 2022 is taken at its forecast and 2023's indexation is
    certain; as of April 2022, May and June are still to come, so June's KPIF and with it the
    2023 price base amount, the pension costs and the liability's indexation are uncertain:
    path by path, the liability's financial cost moves by 4 138 x June 2022's deviation / 100
    and the pension costs by 2,9 x that deviation on the forecast index (KPIF 2022, 5,2 %), in
    2023 only (a one-year flow)."""
    plain = runs["plain"]["financial_costs"].sel(year=2023).values
    assert plain.std() == 0.0 and np.all(plain == -262.0)
    e = Engine(spring, 17)
    inn = e.innovations(0, 1000)
    june = simulate_block(e.esg, inn).pbb_deviation[:, 0]
    assert june.std() > 0.0
    out = e.run_block(inn)
    np.testing.assert_allclose(out.budget.financial_costs[:, 0], -262.0 - 4138.0 * june / 100.0,
                               rtol=1e-12)
    k = e.plan.component_keys.index("pension_costs")
    planned = e.plan.planned_components()[k, 0]
    np.testing.assert_allclose(-out.budget.operating_cost_components[:, k, 0],
                               planned * (1.0 + (5.2 + 2.9 * june) / 100.0) / 1.052, rtol=1e-12)
    # as of January 2023 June 2022 is known: 2023's indexation is certain again, at the outturn
    # against what the forecast held for June (its vintage knew January-March: the other nine
    # months share what keeps 2022's mean at 5,2 %)
    june_forecast = (12 * 5.2 - (3.9 + 4.5 + 6.1)) / 9
    assert e.esg.kpif_forecast_month[5] == pytest.approx(june_forecast, rel=1e-12)
    jan = runs["january"]["financial_costs"].sel(year=2023).values
    np.testing.assert_allclose(jan, -262.0 - 4138.0 * (8.5 - june_forecast) / 100.0,
                               rtol=1e-12)


def test_january_2023_moves_the_distribution_the_way_2022_went(runs):
    """2022 ended with KPIF at 10,2 % against a forecast of 5,2: compared with spring 2022,
    2023's KPIF, pension costs and financial costs are higher and the balanskravsresultat
    lower, each by more than four standard errors of the paired difference."""
    s, j = runs["spring"], runs["january"]

    def paired(a, b):
        d = np.asarray(b) - np.asarray(a)
        return d.mean(), d.std(ddof=1) / math.sqrt(d.size)

    for name, a, b, sign in (
            ("kpif", s["kpif_annual"].sel(year=2023), j["kpif_annual"].sel(year=2023), 1),
            ("pension costs", -_pension_costs(s).sel(year=2023),
             -_pension_costs(j).sel(year=2023), 1),
            ("financial costs", -s["financial_costs"].sel(year=2023),
             -j["financial_costs"].sel(year=2023), 1),
            ("balanskravsresultat", s["balance_requirement_result"].sel(year=2023),
             j["balance_requirement_result"].sel(year=2023), -1)):
        mean, se = paired(a, b)
        assert sign * mean > 4 * se, (name, mean, se)
    assert float(j["p_deficit"].sel(year=2023)) > float(s["p_deficit"].sel(year=2023))


def test_a_known_month_without_an_outturn_steps_with_its_regimes_innovation():
    """January 2022 known (before as_of) but without an outturn: KPIF steps with the regime at
    as_of's innovation (the high regime's when in it), as the NumPy reference does."""
    from .reference import model_numpy as ref

    cfg = load_config(DEFAULT_CONFIG, ['information.monthly.kpif.first_month="2022-02"',
                                       "information.monthly.kpif.values=[4.5, 6.1, 6.4]"])
    e = Engine(cfg, 2)
    assert np.isnan(e.esg.observed.kpif[0]) and e.esg.observed.n_known == 4
    assert e.esg.inflation.sigma_high != e.esg.inflation.sigma
    inn = e.innovations(0, 300)
    got = simulate_block(e.esg, inn)
    want = ref.factors(e.esg, inn, e.cfg.vintage)
    assert got.inflation_regime[:, 0].any()            # the high regime's innovation is used
    np.testing.assert_allclose(got.kpif, want["kpif"], rtol=0, atol=1e-12)


def test_known_months_are_not_moved_by_shifts(spring):
    """A stress scenario or a sensitivity setting shifts the months still to come, never an
    outturn."""
    p = esg_params(spring)
    sh = Shifts.zeros(p)
    sh.kpif[:] = 3.0
    sh.short_rate[:] = 1.0
    base = simulate_block(p, zero_innovations(p, 1))
    moved = simulate_block(p, zero_innovations(p, 1), sh)
    k = p.observed.n_known
    np.testing.assert_array_equal(moved.kpif[0, :k], base.kpif[0, :k])
    np.testing.assert_array_equal(moved.short_rate[0, :k], base.short_rate[0, :k])
    np.testing.assert_allclose(moved.kpif[0, k:] - base.kpif[0, k:], 3.0, atol=1e-12)


def test_the_funds_start_the_month_after_the_information_date(spring):
    """As of April 2022 each fund starts in May 2022 at its start value: no value before, and
    2022's return covers eight months."""
    e = Engine(spring, 3)
    out = simulate_block(e.esg, e.innovations(0, 50))
    pension = e.funds[0]
    assert pension.flows.start_month == 4 and pension.flows.start_value == 4580.0
    res = run_fund(pension, out.equity_step, out.fixed_income_return, e.steps)
    assert np.isnan(res.value[:, :4]).all() and np.isfinite(res.value[:, 4:]).all()
    np.testing.assert_allclose(res.value_end[:, 0] - res.year_return[:, 0], 4580.0)


def test_the_information_sets_fund_state_is_used(spring):
    """``[information.funds.pension]`` replaces the plan config's start state."""
    over = ["information.funds.pension.high.value=1.25",
            "information.funds.pension.value.value=4000",
            "information.funds.pension.cost_basis.value=0.9"]
    f = Engine(load_config(DEFAULT_CONFIG, over), 1).funds[0]
    assert (f.rule.initial_high, f.flows.start_value, f.flows.start_cost_basis) == (1.25, 4000.0,
                                                                                      0.9)


# --------------------------------------------------------------------------------------------
# The regime filter against an exact enumeration
# --------------------------------------------------------------------------------------------


def _brute_force(e, phi, sigma, shift, p_enter, p_exit, sigma_high=None):
    """P(s_last = 1 | e) by summing over every regime sequence: x_m = e_m - shift s_m, x_0 from
    its regime's stationary law, x_m | x_{m-1} ~ N(phi x_{m-1}, sigma_s), s a chain from its
    stationary law."""
    sds = (sigma, sigma if sigma_high is None else sigma_high)
    def npdf(x, m, sd):
        return math.exp(-0.5 * ((x - m) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    pi1 = p_enter / (p_enter + p_exit)
    trans = [[1 - p_enter, p_enter], [p_exit, 1 - p_exit]]
    root = math.sqrt(1 - phi * phi)
    total = [0.0, 0.0]
    for seq in itertools.product((0, 1), repeat=len(e)):
        w = pi1 if seq[0] else 1 - pi1
        w *= npdf(e[0] - shift * seq[0], 0.0, sds[seq[0]] / root)
        for m in range(1, len(e)):
            w *= trans[seq[m - 1]][seq[m]]
            w *= npdf(e[m] - shift * seq[m], phi * (e[m - 1] - shift * seq[m - 1]),
                      sds[seq[m]])
        total[seq[-1]] += w
    return total[1] / (total[0] + total[1])


@pytest.mark.parametrize("e", [[0.1, -0.2, 0.4, 0.3, 0.5], [0.5, 1.5, 4.8, 5.2, 5.5, 6.0],
                               [5.0, 5.3, 4.9, 0.3, 0.1]])
@pytest.mark.parametrize("sigma_high", [None, 1.1])
def test_regime_filter_equals_enumeration(e, sigma_high):
    args = (0.9, 0.4, 5.0, 0.02, 0.1, sigma_high)
    assert regime_probability(np.array(e), *args) == pytest.approx(_brute_force(e, *args),
                                                                   rel=1e-10)


def test_a_jump_of_the_regimes_size_is_read_as_the_high_regime():
    args = (0.9, 0.4, 5.0, 0.02, 0.1)
    assert regime_probability(np.array([0.0, 0.1, 5.2, 5.1]), *args) > 0.99
    assert regime_probability(np.array([0.0, 0.1, 0.2, 0.1]), *args) < 0.01


# --------------------------------------------------------------------------------------------
# Bad information sets are refused by key
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("over, words", [
    (['information.as_of="2023-02"'], "information.as_of"),
    (['information.as_of="2022-13"'], "is not a month"),
    (['information.as_of="2022-02"'], "information.monthly.kpif: runs to 2022-03, after as_of"),
    (['information.monthly.kpif.first_month="2021-12"'], "before January of as_of's year"),
    (['information.funds.pension.high.value=0.9'], "information.funds.pension.high"),
])
def test_a_bad_information_set_names_the_key(over, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        load_config(DEFAULT_CONFIG, over)


def test_no_information_set_is_the_plan_from_2023():
    p = esg_params(load_config(DEFAULT_CONFIG, [PLAIN]))
    assert int(p.years[0]) == 2023 and p.n_pre == 0 and p.observed.n_known == 0


@pytest.mark.slow
def test_with_an_information_date_bas_is_the_plan_moved_by_what_was_known(spring, january,
                                                                         cfg_plain):
    """Stress tests: with no information date ``bas`` is the plan; as of April 2022, the
    forecasts' own vintage, it is the plan too (what the forecasts knew is not news); as of
    January 2023 it is the plan with 2022's news, worse in 2023; the report says which."""
    from sim.present.tables import stress_intro
    from sim.stress import BASE
    from sim.stress.run import run_stress

    plan = Engine(cfg_plain, 1).plan_lines.budget.net_result[0]
    from sim.results import provenance

    runs = {}
    for name, c in (("plain", cfg_plain), ("spring", spring), ("january", january)):
        runs[name] = run_stress(c, [("bas", BASE)], seed=1)
        runs[name].attrs.update(provenance(c, seed=None, mode="stress"))
    for name in ("plain", "spring"):
        np.testing.assert_allclose(runs[name]["net_result"].sel(scenario="bas"), plan,
                                   atol=1e-9, err_msg=name)
    assert float(runs["january"]["net_result"].sel(scenario="bas", year=2023)) < plan[0]
    assert "Bas är planen: dess prognoser gjordes med det som var känt i april 2022" in \
        stress_intro(runs["spring"])
    assert "Bas är planen med det som blivit känt fram till december 2022" in \
        stress_intro(runs["january"])
    assert "Bas är planen själv." in stress_intro(runs["plain"])
