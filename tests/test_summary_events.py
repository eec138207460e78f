"""The summary's event counts (numba, :func:`sim._summary_kernels.count_events`) against their
definition written in NumPy here: every probability's count, the blocks' moments and the
antithetic pairs' moments, equal to the integer, on the plan's blocks (a fund without a loss
limit, a reserve), an odd block, a plan whose results sit near the thresholds, and a block of
hand-set values on each event's edge."""

from __future__ import annotations

import numpy as np
import pytest

from sim._summary_kernels import EVENTS, count_events
from sim.engine import Engine
from sim.summary import PROB_COUNTS, Summary


def reference_events(e, r) -> dict[str, np.ndarray]:
    """Each event of ``PROB_COUNTS``, path by path: the definitions in NumPy."""
    y = e.plan.n_years
    bkr = r.budget.balance_requirement_result
    c = r.budget.contributions
    market = c[:, np.asarray(Summary(e).market_drivers, dtype=np.int64), :].sum(axis=1)
    plan_bkr = bkr - c.sum(axis=1)
    deficit = bkr < 0
    below = bkr < r.budget.required_result_1pct
    nb = e.budget_years
    breach = r.funds.breach_months[:, :, :y] > 0
    over = r.funds.worst_fall_12m[:, :, :y] > e.loss_limits[None, :, None]
    over24 = r.funds.worst_fall_24m[:, :, :y] > e.loss_limits[None, :, None]
    high = r.esg.kpif_annual[:, :y] >= e.high_inflation
    return {
        "deficit": deficit, "deficit_budget_only": bkr - market < 0,
        "deficit_market_only": plan_bkr + market < 0, "below_goal": below,
        "deficit_any": deficit[:, :nb].any(axis=1),
        "deficit_after_rur": r.budget.balance_requirement_result_after_rur < 0,
        "below_goal_any": below[:, :nb].any(axis=1), "rur_drawn": r.budget.rur_drawn > 0,
        "unrestored": r.budget.deficit_unrestored > 0,
        "rur_used_up": (r.budget.rur_balance <= 1e-9) & (e.plan.reserve.start_balance > 0),
        "kpif_high": high, "kpif_high_ever": high.any(axis=1),
        "fund_breach": breach, "fund_fall_over_limit": over,
        "fund_breach_ever": breach.any(axis=2), "fund_fall_over_limit_ever": over.any(axis=2),
        "fund_fall24_over_limit": over24, "fund_fall24_over_limit_ever": over24.any(axis=2)}


def assert_counts_are_the_definitions(e, r, pairs: bool) -> None:
    s = Summary(e)
    counts = s.reduce(r).counts
    events = reference_events(e, r)
    n = r.budget.balance_requirement_result.shape[0]
    seen = 0
    for name, ev in events.items():
        k = ev.sum(axis=0)
        np.testing.assert_array_equal(getattr(counts, name), k, err_msg=name)
        np.testing.assert_array_equal(counts.sq[name], k * k, err_msg=name)
        np.testing.assert_array_equal(counts.cross[name], k * n, err_msg=name)
        seen += int(np.sum(k > 0))
        if pairs:
            m = n // 2
            u = ev[0:2 * m:2].astype(np.int64) + ev[1:2 * m:2]
            sq, cross = (u * u).sum(axis=0), 2 * u.sum(axis=0)
            if n % 2:
                sq, cross = sq + ev[-1], cross + ev[-1]
            np.testing.assert_array_equal(counts.u_sq[name], sq, err_msg=name)
            np.testing.assert_array_equal(counts.u_cross[name], cross, err_msg=name)
    assert counts.units == (n // 2 + n % 2 if pairs else 0)
    assert seen > 10                  # the block has events to count, not only zeros


def test_the_kernels_columns_are_the_summarys_events():
    assert EVENTS == tuple(PROB_COUNTS)


@pytest.mark.parametrize("antithetic, block_size, paths", [
    (False, 1000, 2500), (True, 1000, 2500), (True, 333, 999)])
def test_a_plan_blocks_counts_are_the_definitions(cfg, antithetic, block_size, paths):
    """The plan's own blocks (its third fund has no loss limit: NaN, never beyond), with
    antithetic pairs and an odd block (its last path a unit of its own)."""
    c = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"antithetic": antithetic, "block_size": block_size})})
    e = Engine(c, 7)
    total = Summary(e)
    blocks = []
    for b in (0, 2):                  # a whole block, the last (500 paths, or 333: odd)
        r = e.block(b, paths)
        assert r.budget.balance_requirement_result.shape[0] == min(block_size,
                                                                   paths - b * block_size)
        assert_counts_are_the_definitions(e, r, antithetic)
        blocks.append(Summary(e).reduce(r).counts)
        total.fold(Summary(e).reduce(r))
    for name in PROB_COUNTS:          # the blocks' counts and moments add when folded
        for part in ("", "sq", "cross") + (("u_sq", "u_cross") if antithetic else ()):
            def get(c):
                return getattr(c, name) if not part else getattr(c, part)[name]
            np.testing.assert_array_equal(get(total.counts), get(blocks[0]) + get(blocks[1]))


def test_values_on_each_events_edge_are_counted_as_defined(cfg):
    """Every input of the kernel set by hand on its threshold, a hair either side and NaN,
    path by path: zero results, a result equal to the goal, a reserve balance of exactly
    1e-9, KPIF equal to the threshold, a fall equal to the limit."""
    c = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"antithetic": True})})
    e = Engine(c, 7)
    r = e.block(0, 1000)
    rng = np.random.default_rng(5)
    n = r.budget.balance_requirement_result.shape[0]
    edge = np.array([0.0, -0.0, 1e-300, -1e-300, np.nan, 1.0, -1.0])

    def on_edge(a: np.ndarray, centre) -> None:
        view = a.reshape(n, -1)
        pick = rng.random(view.shape) < 0.5
        values = np.broadcast_to(centre, a.shape).reshape(n, -1) + rng.choice(edge, view.shape)
        view[pick] = values[pick]

    b = r.budget
    on_edge(b.balance_requirement_result, 0.0)
    b.required_result_1pct[rng.random(b.required_result_1pct.shape) < 0.3] = np.nan
    on_edge(b.balance_requirement_result_after_rur, 0.0)
    on_edge(b.rur_drawn, 0.0)
    on_edge(b.deficit_unrestored, 0.0)
    on_edge(b.rur_balance, 1e-9)
    y = e.plan.n_years
    kpif = np.array(r.esg.kpif_annual)
    on_edge(kpif, e.high_inflation)
    r.esg.kpif_annual[...] = kpif
    for name in ("breach_months", "worst_fall_12m", "worst_fall_24m"):
        a = np.array(getattr(r.funds, name))
        limit = np.where(np.isnan(e.loss_limits), 0.1, e.loss_limits)[None, :, None]
        on_edge(a, 0.0 if name == "breach_months" else np.broadcast_to(limit, a.shape))
        getattr(r.funds, name)[...] = a
    assert y <= b.balance_requirement_result.shape[1]
    assert_counts_are_the_definitions(e, r, True)


def test_the_pairs_moments_of_a_block_by_hand():
    """Four paths (two pairs) and five (a last path alone), one yearly event: the counts and
    the pairs' moments worked out by hand."""
    y, f = 2, 1
    bkr = np.array([[-1.0, 1.0], [-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
    zeros = np.zeros_like(bkr)
    funds = np.zeros((5, f, y))
    at = np.cumsum([0] + [{(): 1, ("year",): y, ("fund",): f, ("fund", "year"): f * y}[d]
                          for d in PROB_COUNTS.values()])
    size = int(at[-1])
    for n, want_k, want_sq, want_cross in ((4, [3, 1], [4 + 1, 1], [6, 2]),
                                           (5, [4, 2], [4 + 1 + 1, 1 + 1], [6 + 1, 2 + 1])):
        k, u_sq, u_cross = (np.zeros(size, np.int64) for _ in range(3))
        count_events(bkr[:n], zeros[:n] + 1.0, zeros[:n] + 1.0, zeros[:n] - 5.0, zeros[:n],
                     zeros[:n], zeros[:n], zeros[:n] + 1.0, False, zeros[:n], 99.0,
                     funds[:n], funds[:n], funds[:n], np.array([0.1]), 2,
                     at[:-1].astype(np.int64), True, k, u_sq, u_cross)
        assert list(k[:y]) == want_k
        assert list(u_sq[:y]) == want_sq
        assert list(u_cross[:y]) == want_cross
        assert k[at[4]] == n - 1      # a deficit in one of the first two years: not path 2


def test_the_cash_lock_count_is_numpys(cfg):
    """The paths in the cash lock at each month-end (the weight below the fund's lock level,
    dynamic funds only, NaN never below) equal NumPy's count, on the plan's block and on
    weights set on the level, a hair either side and NaN."""
    from sim._summary_kernels import count_below

    e = Engine(cfg, 7)
    s = Summary(e, fans=True)
    w = np.array(e.block(0, 1000, fund_months=True).funds.equity_weight)
    rng = np.random.default_rng(3)
    edge = np.broadcast_to(s.cash_lock[None, :, None], w.shape) + rng.choice(
        np.array([0.0, 1e-12, -1e-12, np.nan]), w.shape)
    for values in (w, np.where(rng.random(w.shape) < 0.5, edge, w)):
        got = np.zeros(values.shape[1:], np.int64)
        count_below(values, s.cash_lock, s.dynamic, got)
        want = ((values < s.cash_lock[None, :, None]) & s.dynamic[None, :, None]).sum(0)
        np.testing.assert_array_equal(got, want)
        assert got.sum() > 0 and (~s.dynamic).any()
