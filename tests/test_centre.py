"""The centre: the base case is the plan, moved only by news.

With the information date at the forecasts' vintage and every later shock zero, the base case
reproduces every cell of the seed's resultatbudget: there is no news between the two dates,
so the tolerance is the seed's own printing (each cell in whole mnkr, within 1 of the seed's,
as the deterministic budget's test holds it). With a later information file, the change from
the plan is exactly the bridge's news step, channel by channel, and the bridge adds up.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.budget import LINE_KEYS
from sim.config import load_config
from sim.engine import Engine, run
from sim.present.fmt import mnkr as format_mnkr
from sim.present.tables import bridge

from .conftest import DEFAULT_CONFIG

YEARS = [2023, 2024, 2025, 2026, 2027, 2028]
JANUARY = "information_file=../information/norrbotten-2022-12.toml"


def test_at_the_vintage_the_base_case_reproduces_every_cell_of_the_seed(seed_budget):
    cfg = load_config(DEFAULT_CONFIG)
    assert cfg.information.as_of == cfg.vintage.as_of          # no news between them
    base = Engine(cfg, 1).base_case().budget
    misses = []
    for key in LINE_KEYS:
        for j, year in enumerate(YEARS):
            got = getattr(base, key)[0, j]
            printed = int(format_mnkr(got).replace(" ", "").replace("\u2212", "-"))
            if abs(printed - seed_budget[key][year]) > 1:
                misses.append((key, year, got, seed_budget[key][year]))
    assert misses == []
    # and exactly the deterministic plan, line by line
    plan = Engine(cfg, 1).plan_lines.budget
    for key in LINE_KEYS:
        np.testing.assert_allclose(getattr(base, key)[0], getattr(plan, key)[0], rtol=0,
                                   atol=1e-9, err_msg=key)


def test_a_later_information_date_moves_the_plan_by_exactly_the_news_step():
    """As of January 2023 (2022's outturns known): the base case's change from the plan equals
    the bridge's news step, its channels sum to it, and plan + news + risk is the mean."""
    cfg = load_config(DEFAULT_CONFIG, [JANUARY])
    e = Engine(cfg, 1)
    ds = run(cfg, 2000, 5, threads=2)
    b = bridge(ds)
    base = e.base_case().budget.balance_requirement_result[0]
    news = sum(b["news"].values())
    plan = b["plan"] + b["rounding"]                # the model's calculation of the plan
    np.testing.assert_allclose(base - plan, news, rtol=0, atol=1e-9)
    np.testing.assert_allclose(b["base"], base, rtol=0, atol=1e-9)
    np.testing.assert_allclose(plan + news + sum(b["risk"].values()), b["mean"],
                               rtol=0, atol=1e-6)
    # the plan row is the plan's printed figures, the rounding at most a mnkr
    np.testing.assert_array_equal(b["plan"], cfg.plan.printed.balance_requirement_result)
    assert np.abs(b["rounding"]).max() <= 1.0
    # 2022 ran hotter than the forecasts knew: the news lowers 2023's result, and most of it is
    # inflation and the pension indexation
    assert news[0] < -100.0
    assert b["news"]["Inflation och pensionsindexering"][0] < 0.5 * news[0]


def test_at_the_vintage_the_news_step_is_zero():
    cfg = load_config(DEFAULT_CONFIG)
    ds = run(cfg, 1000, 5, threads=1)
    b = bridge(ds)
    np.testing.assert_allclose(sum(b["news"].values()), 0.0, atol=1e-9)
    np.testing.assert_allclose(b["base"], b["plan"] + b["rounding"], atol=1e-9)


@pytest.mark.parametrize("info", ["", "../information/norrbotten-2022-12.toml"])
def test_the_bridge_adds_up_with_any_information(info):
    ds = run(load_config(DEFAULT_CONFIG, [f"information_file={info}"]), 1000, 3, threads=1)
    b = bridge(ds)
    np.testing.assert_allclose(b["base"] + sum(b["risk"].values()), b["mean"], atol=1e-6)


def test_the_centring_is_kept_by_what_it_depends_on(cfg):
    """An engine for a config that differs outside the funds' centring reuses it (no pilot);
    one whose funds differ draws its own; either way the result is the one computed afresh,
    and no engine shares the kept arrays."""
    import sim.engine as E

    E._CENTRES.clear()
    first = E.Engine(cfg, seed=1)
    assert len(E._CENTRES) == 1
    other = E.Engine(load_config(DEFAULT_CONFIG, ["balance_requirement.rur.draw_when=never"]), 2)
    assert len(E._CENTRES) == 1                              # reused: the reserve is no input
    rule = load_config(DEFAULT_CONFIG, ["funds.pension.strategy.max_equity.value=0.6"])
    moved = E.Engine(rule, seed=1)
    assert len(E._CENTRES) == 2                              # its own: the rule is an input
    assert not np.array_equal(moved.centre[0], first.centre[0])
    for e, c in ((other, cfg), (moved, rule)):
        kept = e.centre, e.funds
        E._CENTRES.clear()
        fresh = E.Engine(c, seed=1)
        for a, b in zip(kept[0], fresh.centre):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(kept[1], fresh.funds):
            assert (a.key, a.rule, a.trading) == (b.key, b.rule, b.trading)
            for x, y in zip(a.flows, b.flows):
                np.testing.assert_array_equal(x, y)
    first.centre[0][...] = np.nan                            # a caller's change stays its own
    assert not np.isnan(E.Engine(cfg, seed=1).centre[0]).any()
