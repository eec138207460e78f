"""The budget lines against the seed's resultatbudget and against hand-computed shocks.

The production kernel (:class:`sim.budget.Budget`) runs every case here; its NumPy reference
(``tests/reference/budget_numpy.py``) is held to it on random inputs in ``test_block.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.budget import LINE_KEYS, Budget
from sim.esg.schema import DEVIATION_FACTORS
from sim.catalogue import label
from sim.present.fmt import mnkr as format_mnkr

YEARS = [2023, 2024, 2025, 2026, 2027, 2028]


def by_plan(plan):
    """Every fund counted as the plan counts it (its unrealized share)."""
    return np.zeros(len(plan.fund_keys), dtype=bool)


def at_plan(plan):
    return Budget(plan, by_plan(plan)).deterministic()


def shocked(plan, n=1, **devs):
    """The kernel with ``factor=((path, year index), points)`` deviations, funds at plan; the
    year index counts from the plan's first year (the pre-plan years before it at forecast)."""
    dev = np.zeros((n, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    for name, (index, delta) in devs.items():
        dev[(index[0], DEVIATION_FACTORS.index(name), plan.n_pre + index[1])] += delta
    ret = np.repeat(plan.planned_fund_return()[None], n, axis=0)
    return Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None])


def test_every_seed_key_is_a_line(seed_budget):
    assert list(seed_budget) == list(LINE_KEYS)


def test_labels_are_the_seeds(seed_budget):
    for key, row in seed_budget.items():
        assert label(key) == row["label_sv"]


def test_reproduces_all_84_cells_within_one_mnkr(plan, seed_budget):
    """Every factor at forecast: each cell, printed in whole mnkr, within ±1 of the seed's."""
    out = at_plan(plan).budget
    misses = []
    for key in LINE_KEYS:
        for j, year in enumerate(YEARS):
            printed = int(format_mnkr(getattr(out, key)[0, j]).replace(" ", "").replace("\u2212", "-"))
            if abs(printed - seed_budget[key][year]) > 1:
                misses.append((key, year, out[key][0, j], seed_budget[key][year]))
    assert len(LINE_KEYS) * len(YEARS) == 84
    assert misses == []


def test_given_lines_are_the_plan_and_derived_lines_follow_the_seed_arithmetic(plan, seed_budget):
    """Exact, not within rounding: the given lines equal the seed's cells, and every derived
    line is the seed's arithmetic (docs/domain.md) applied to the seed's printed parts."""
    det = at_plan(plan)
    s = {k: np.array([seed_budget[k][y] for y in YEARS]) for k in LINE_KEYS}
    for key in ("operating_income", "operating_costs", "depreciation", "tax_revenue",
                "general_grants_equalisation", "financial_income", "financial_costs"):
        np.testing.assert_allclose(getattr(det.budget, key)[0], s[key], rtol=0, atol=1e-9, err_msg=key)
    # the pension return is capital x rate (221,4 in 2027-2028), printed rounded in the seed
    np.testing.assert_allclose(det.budget.pension_portfolio_return[0], s["pension_portfolio_return"],
                               rtol=0, atol=0.5)
    s["pension_portfolio_return"] = det.budget.pension_portfolio_return[0]
    nc = s["operating_income"] + s["operating_costs"] + s["depreciation"]
    orr = nc + s["tax_revenue"] + s["general_grants_equalisation"]
    nr = orr + s["financial_income"] + s["financial_costs"]
    bkr = nr + s["pension_portfolio_return"]
    req = 0.01 * (s["tax_revenue"] + s["general_grants_equalisation"])
    expected = {"net_operating_cost": nc, "operating_result": orr, "net_result": nr,
                "balance_requirement_result": bkr, "required_result_1pct": req,
                "measures_needed": req - bkr}
    for key, want in expected.items():
        np.testing.assert_allclose(getattr(det.budget, key)[0], want, rtol=0, atol=1e-9, err_msg=key)


def test_components_sum_to_the_base_year_costs(plan):
    det = at_plan(plan)
    comp = det.budget.operating_cost_components[0]
    assert math.isclose(comp[:, 0].sum(), -10454.0, abs_tol=1e-9)
    assert abs(det.planned_cost_measures[0, 0]) < 1e-9


def test_wage_growth_one_point_higher_in_2024(plan):
    """Own staff wages: base 0.3252 x 10 454 = 3 399.64 mnkr; LPIK timlön 3.1 % in 2024.
    One point more in 2024 scales 2024 and every later year by 1.041 / 1.031. Every component
    the wage factor drives (own staff, hired staff, purchased care) moves by the same ratio, and
    the cost change passes one for one to the balanskravsresultat."""
    k = plan.component_keys.index("own_staff_wages")
    assert plan.component_drivers[k] == ("wages",) and plan.component_elasticity[k] == 1.0
    base = at_plan(plan)
    shocked_ = shocked(plan, wages=((0, 1), 1.0))
    wages = base.budget.operating_cost_components[0, k]
    assert math.isclose(-wages[0], 3399.6408, rel_tol=1e-12)
    extra = wages * (1.041 / 1.031 - 1.0)
    extra[0] = 0.0
    np.testing.assert_allclose(shocked_.operating_cost_components[0, k] - wages, extra,
                               atol=1e-9)
    driven = [j for j, d in enumerate(plan.component_drivers) if "wages" in d]
    assert len(driven) == 3
    comp = base.budget.operating_cost_components[0]
    want = np.zeros(plan.n_years)
    for j in driven:             # growth in 2024 e_j points higher: later years scale with it
        g, e = plan.component_growth[j, 1], plan.component_elasticity[j]
        want[1:] += comp[j, 1:] * ((1 + (g + e) / 100) / (1 + g / 100) - 1.0)
    np.testing.assert_allclose(shocked_.operating_costs[0] - base.budget.operating_costs[0],
                               want, atol=1e-9)
    np.testing.assert_allclose(shocked_.balance_requirement_result[0]
                               - base.budget.balance_requirement_result[0], want, atol=1e-9)


def test_tax_base_growth_one_point_lower_in_2023(plan):
    """Tax base grows 4 % instead of 5 % in 2023: every year's taxes are 1.04/1.05 of plan,
    and the 1 % goal falls by 1 % of the tax change."""
    assert plan.tax_drivers == ("tax_base",)
    base = at_plan(plan)
    shocked_ = shocked(plan, tax_base=((0, 0), -1.0))
    want = plan.tax_revenue * (1.04 / 1.05)
    np.testing.assert_allclose(shocked_.tax_revenue[0], want, rtol=1e-13)
    np.testing.assert_allclose(shocked_.required_result_1pct[0]
                               - base.budget.required_result_1pct[0],
                               0.01 * (want - plan.tax_revenue), atol=1e-9)


def test_price_base_amount_two_points_higher_raises_the_liabilitys_financial_cost(plan):
    """June 2024's 12-month KPIF 2 points above forecast sets the 2025 price base amount 2 points
    higher: the indexation of the opening liability, 4 731 mnkr (provisions at the end of
    2024), costs 2 % more: 94.62 mnkr, in 2025 only."""
    assert plan.liability_drivers == ("price_base_amount",) and plan.liability_lag == 1
    base = at_plan(plan)
    diff = (shocked(plan, price_base_amount=((0, 1), 2.0)).financial_costs[0]
            - base.budget.financial_costs[0])
    np.testing.assert_allclose(diff, [0, 0, -94.62, 0, 0, 0], atol=1e-9)


def test_a_pre_plan_year_moves_every_plan_years_level(plan):
    """The plan (made in April 2022) was built on 2022's forecasts. Wages 1 point above
    forecast in 2022 raise the wage bill of every plan year by 1.037 / 1.027 (LPIK timlön
    forecast 2,7 % for 2022), and the price base amount set from June 2022 raises 2023's
    pension costs and liability indexation."""
    assert plan.n_pre == 1 and plan.pre_component_growth.shape[1] == 1
    k = plan.component_keys.index("own_staff_wages")
    assert plan.pre_component_growth[k, 0] == 2.7
    base = at_plan(plan)
    dev = np.zeros((1, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    dev[0, DEVIATION_FACTORS.index("wages"), 0] = 1.0
    dev[0, DEVIATION_FACTORS.index("price_base_amount"), 0] = 3.3
    ret = plan.planned_fund_return()[None]
    out = Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None])
    wages = base.budget.operating_cost_components[0, k]
    np.testing.assert_allclose(out.operating_cost_components[0, k], wages * 1.037 / 1.027,
                               rtol=1e-13)
    # 2023's financial costs: 3,3 % of the provisions at the end of 2022 (4 138 mnkr), the
    # 138 mnkr of the seed's change table
    fin = out.financial_costs[0] - base.budget.financial_costs[0]
    np.testing.assert_allclose(fin, [-0.033 * 4138, 0, 0, 0, 0, 0], atol=1e-9)


@pytest.mark.parametrize("realized_share", [0.0, 0.25, 1.0])
def test_a_fund_loss_counts_in_the_balance_requirement_only_when_realized(plan, realized_share):
    """The pension portfolio returns -500 mnkr in 2024 instead of +238: financial income and
    årets resultat fall by 738; the balanskravsresultat only by the realized part."""
    p = plan.fund_keys.index("pension")
    base = at_plan(plan)
    ret = plan.planned_fund_return()[None].copy()
    unreal = ret * plan.fund_unrealized_share[None, :, None]
    ret[0, p, 1] = -500.0
    unreal[0, p, 1] = -500.0 * (1.0 - realized_share)
    dev = np.zeros((1, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    by_sales = by_plan(plan)
    by_sales[p] = True                        # the fund's own unrealized change counts
    out = Budget(plan, by_sales)(dev, ret, unreal)
    assert math.isclose(out.net_result[0, 1] - base.budget.net_result[0, 1], -738.0,
                        abs_tol=1e-9)
    bkr_change = out.balance_requirement_result[0, 1] - base.budget.balance_requirement_result[0, 1]
    # before: all 238 unrealized and removed; after: the unrealized part of -500 is added back
    assert math.isclose(bkr_change, -500.0 * realized_share, abs_tol=1e-9)


def test_paths_are_independent(plan):
    """A shock on one path moves that path only."""
    out = shocked(plan, n=3, tax_base=((1, 0), -2.0))
    np.testing.assert_array_equal(out.net_result[0], out.net_result[2])
    assert (out.net_result[1] < out.net_result[0]).all()


def test_an_operating_overrun_written_by_hand(plan):
    """The divisions overrun by 2 % of the operating costs in 2023 and correct 1 % in 2025: the
    overrun stays in the base (2024 too) and compounds: 2023-2024 cost 2 % of each year's
    planned operating costs more, 2025 on 1.02 x 0.99 - 1 = 0.98 %. Each mnkr passes to the
    balanskravsresultat and shows as the driver ``operations``."""
    assert tuple(plan.config.operations.drivers) == ("operations",)
    base = at_plan(plan)
    out = shocked(plan, operations=((0, 0), 2.0))
    dev = np.zeros((1, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    f = DEVIATION_FACTORS.index("operations")
    dev[0, f, plan.n_pre] = 2.0
    dev[0, f, plan.n_pre + 2] = -1.0
    ret = plan.planned_fund_return()[None]
    out = Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None])
    share = np.array([0.02, 0.02] + [1.02 * 0.99 - 1.0] * 4)
    extra = share * -plan.operating_costs
    np.testing.assert_allclose(out.operating_costs[0] - base.budget.operating_costs[0], -extra,
                               rtol=1e-12)
    np.testing.assert_allclose(out.balance_requirement_result[0]
                               - base.budget.balance_requirement_result[0], -extra, rtol=1e-12)
    k = list(Budget(plan, by_plan(plan)).drivers).index("operations")
    np.testing.assert_allclose(out.contributions[0, k], -extra, rtol=1e-12)
    # with an information date, a pre-plan year's overrun (the jump-off level) moves them all
    dev[:] = 0.0
    dev[0, f, 0] = 1.0
    out = Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None])
    np.testing.assert_allclose(out.operating_costs[0] - base.budget.operating_costs[0],
                               0.01 * plan.operating_costs, rtol=1e-12)


def test_no_measure_delivered_is_the_plan_without_its_measures(plan, seed_budget):
    """A share delivered of 0 leaves the operating costs at the base year's costs grown by each
    component's forecast index alone (the plan without the measures: 10 454 mnkr split by the
    config's shares, each share grown by its index); a share of 0.25 costs three quarters of
    the measures. Each mnkr passes to the balanskravsresultat and shows as driver
    ``measures``; 2023 has no measures, so nothing moves there."""
    base = at_plan(plan)
    ret = np.repeat(plan.planned_fund_return()[None], 2, axis=0)
    dev = np.zeros((2, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    out = Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None],
                                      delivered=np.array([0.0, 0.25]))
    # the components by hand: the seed's 2023 costs, the shares, the forecast growth
    grown = np.array([[c * math.prod(1.0 + plan.component_growth[k, s] / 100.0
                                     for s in range(1, t + 1)) for t in range(len(YEARS))]
                      for k, c in enumerate(plan.component_base)])
    assert math.isclose(plan.component_base.sum(), -seed_budget["operating_costs"][2023])
    without = -grown.sum(axis=0)
    np.testing.assert_allclose(out.operating_costs[0], without, rtol=1e-12)
    measures = base.budget.operating_costs[0] - without          # 0 in 2023, 139 ... 354 mnkr
    assert abs(measures[0]) < 1e-6 and np.all(measures[1:] > 100.0)
    k = list(Budget(plan, by_plan(plan)).drivers).index("measures")
    for i, share in enumerate((0.0, 0.25)):
        lost = (1.0 - share) * np.clip(measures, 0.0, None)
        np.testing.assert_allclose(out.balance_requirement_result[i]
                                   - base.budget.balance_requirement_result[0], -lost, atol=1e-9)
        np.testing.assert_allclose(out.contributions[i, k], -lost, atol=1e-9)
    # full delivery (the default) is the plan
    np.testing.assert_array_equal(
        Budget(plan, by_plan(plan))(dev[:1], ret[:1], ret[:1] * plan.fund_unrealized_share[
            None, :, None]).balance_requirement_result, base.budget.balance_requirement_result)


def test_operating_income_ten_percent_below_plan(plan, seed_budget):
    """Income 10 % below plan: the seed's operating income (1 054 mnkr in 2023, 883 after)
    falls by a tenth, and the balanskravsresultat with it, mnkr for mnkr, as driver
    ``income``; +5 % raises it by a twentieth."""
    base = at_plan(plan)
    ret = np.repeat(plan.planned_fund_return()[None], 2, axis=0)
    dev = np.zeros((2, len(DEVIATION_FACTORS), plan.n_pre + plan.n_years))
    out = Budget(plan, by_plan(plan))(dev, ret, ret * plan.fund_unrealized_share[None, :, None],
                                      income_change=np.array([-0.10, 0.05]))
    k = list(Budget(plan, by_plan(plan)).drivers).index("income")
    for i, x in enumerate((-0.10, 0.05)):
        moved = np.array([x * seed_budget["operating_income"][y] for y in YEARS])
        np.testing.assert_allclose(out.operating_income[i],
                                   base.budget.operating_income[0] + moved, rtol=1e-12)
        np.testing.assert_allclose(out.balance_requirement_result[i]
                                   - base.budget.balance_requirement_result[0], moved, atol=1e-9)
        np.testing.assert_allclose(out.contributions[i, k], moved, atol=1e-9)


def test_wrong_factor_shape_is_a_clear_error(plan):
    ret = plan.planned_fund_return()[None]
    with pytest.raises(ValueError, match="dev: 5 factor rows, expected 9"):
        Budget(plan, by_plan(plan))(np.zeros((1, 5, plan.n_years)), ret, ret)


def test_the_pension_return_line_is_the_return_assumption_on_the_capital(plan, seed_budget):
    """The budgeted pension-portfolio return is capital x the plan's rate: 5 % of 4 580, 4 760,
    4 820 and 4 920 for 2023-2026, and 4,5 % of 4 920 = 221,4 for 2027-2028 (the kalkyl's
    221): a change of the return assumption, not a sale."""
    p = plan.fund_keys.index("pension")
    planned = plan.planned_fund_return()[p]
    np.testing.assert_allclose(planned, [229.0, 238.0, 241.0, 246.0, 221.4, 221.4], atol=1e-9)
    printed = [-seed_budget["pension_portfolio_return"][y] for y in YEARS]
    assert np.all(np.abs(planned - printed) <= 0.5)
