"""The balance requirement: the RUR, restoration within three years, reservation.

Cases are computed by hand and read as a controller would state them. The kernel is also held to
an independent plain-Python implementation on random inputs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.budget import balance_requirement
from sim.budget.records import DRAW_MODES

GOAL = 100.0
NO_GROWTH_RULE = [5.0] * 6   # tax base above its average every year


def run(plan, bkr, growth=NO_GROWTH_RULE, goal=GOAL, **rules):
    p = dataclasses.replace(plan, reserve=plan.reserve._replace(**rules))
    out = balance_requirement(p, np.array([bkr], float), np.full((1, len(bkr)), goal),
                              np.array([growth], float))
    return {k: v[0].tolist() for k, v in out._asdict().items()}


CASES = [
    # (description, bkr 2023..2028, growth, rules, expected {key: per-year values})
    ("a 50 mnkr deficit in 2024, surpluses of 20 and 40 after: restored in 2026",
     [100, -50, 20, 40, 10, 10], NO_GROWTH_RULE, dict(draw_when=DRAW_MODES["never"]),
     dict(deficit_outstanding=[0, 50, 30, 0, 0, 0], deficit_restored=[0, 0, 20, 30, 0, 0],
          deficit_unrestored=[0] * 6, balance_requirement_result_after_rur=[100, -50, 20, 40, 10, 10])),
    ("a 90 mnkr deficit in 2023, surpluses of 10 a year: 60 still unrestored at the end of 2026",
     [-90, 10, 10, 10, 10, 10], NO_GROWTH_RULE, dict(draw_when=DRAW_MODES["never"]),
     dict(deficit_outstanding=[90, 80, 70, 60, 50, 40], deficit_unrestored=[0, 0, 0, 60, 50, 40])),
    ("deficits of 30 in 2023 and 2024: the RUR covers 2024 only, when tax-base growth (3.7 %) is "
     "below its 4 % average; the 2025 surplus of 50 restores 2023's",
     [-30, -30, 50, 0, 0, 0], [5.0, 3.7, 3.6, 3.6, 3.6, 3.6],
     dict(draw_when=DRAW_MODES["tax_base_below_average"], tax_base_growth_10y_average=4.0),
     dict(rur_drawn=[0, 30, 0, 0, 0, 0], rur_balance=[1665, 1635, 1635, 1635, 1635, 1635],
          deficit_outstanding=[30, 30, 0, 0, 0, 0], deficit_restored=[0, 0, 30, 0, 0, 0],
          balance_requirement_result_after_rur=[-30, 0, 50, 0, 0, 0])),
    ("with the rule 'never', a weak tax-base year draws nothing",
     [-30, 0, 0, 0, 0, 0], [3.0] * 6, dict(draw_when=DRAW_MODES["never"]),
     dict(rur_drawn=[0] * 6, deficit_outstanding=[30] * 6, deficit_unrestored=[0, 0, 0, 30, 30, 30])),
    ("a 250 deficit against a RUR of 100: the reserve is used up, 150 remains; the next deficit "
     "of 50 finds the reserve empty; 150 is overdue from 2026, all 200 from 2027",
     [-250, -50, 0, 0, 0, 0], NO_GROWTH_RULE,
     dict(draw_when=DRAW_MODES["any_deficit"], start_balance=100.0),
     dict(rur_drawn=[100, 0, 0, 0, 0, 0], rur_balance=[0] * 6,
          deficit_outstanding=[150, 200, 200, 200, 200, 200],
          deficit_unrestored=[0, 0, 0, 150, 200, 200])),
    ("a cap of 40 a year on the draw: a 100 deficit draws 40 and leaves 60",
     [-100, 0, 0, 0, 0, 0], NO_GROWTH_RULE,
     dict(draw_when=DRAW_MODES["any_deficit"], max_draw_per_year=40.0),
     dict(rur_drawn=[40, 0, 0, 0, 0, 0], rur_balance=[1625] * 6, deficit_outstanding=[60] * 6)),
    ("reserving everything above the 100 goal: 250 reserves 150",
     [250, 100, 0, 0, 0, 0], NO_GROWTH_RULE,
     dict(draw_when=DRAW_MODES["never"], reserve_share_above_goal=1.0),
     dict(rur_reserved=[150, 0, 0, 0, 0, 0], rur_balance=[1815] * 6,
          balance_requirement_result_after_rur=[100, 100, 0, 0, 0, 0])),
    ("a surplus first restores the deficit, then half of what is above the goal is reserved: "
     "-50 then 250 restores 50 and reserves (200 - 100) / 2 = 50",
     [-50, 250, 0, 0, 0, 0], NO_GROWTH_RULE,
     dict(draw_when=DRAW_MODES["never"], reserve_share_above_goal=0.5),
     dict(deficit_restored=[0, 50, 0, 0, 0, 0], rur_reserved=[0, 50, 0, 0, 0, 0],
          rur_balance=[1665, 1715, 1715, 1715, 1715, 1715],
          balance_requirement_result_after_rur=[-50, 200, 0, 0, 0, 0])),
    ("two deficits are restored oldest first: -20 in 2023, -30 in 2024, +25 in 2025 clears 2023's "
     "and 5 of 2024's",
     [-20, -30, 25, 0, 0, 0], NO_GROWTH_RULE, dict(draw_when=DRAW_MODES["never"]),
     dict(deficit_outstanding=[20, 50, 25, 25, 25, 25], deficit_unrestored=[0, 0, 0, 0, 25, 25])),
]


@pytest.mark.parametrize("desc,bkr,growth,rules,expected", CASES, ids=[c[0][:60] for c in CASES])
def test_hand_computed_cases(plan, desc, bkr, growth, rules, expected):
    out = run(plan, bkr, growth, **rules)
    for key, want in expected.items():
        np.testing.assert_allclose(out[key], want, atol=1e-9, err_msg=f"{desc}: {key}")


def reference(bkr, goal, growth, rur_start, mode, average, max_draw, reserve_share, window):
    """Plain Python: deficits as a list of [year, amount] records, restored first in, first out."""
    balance, open_deficits, rows = rur_start, [], []
    for t, b in enumerate(bkr):
        may_draw = mode == "any_deficit" or (mode == "tax_base_below_average"
                                             and growth[t] < average)
        drawn = min(-b, balance, max_draw) if (b < 0 and may_draw) else 0.0
        balance -= drawn
        result = b + drawn
        restored = reserved = 0.0
        if result < 0:
            open_deficits.append([t, -result])
        else:
            left = result
            for rec in open_deficits:
                take = min(left, rec[1])
                rec[1] -= take
                left -= take
                restored += take
            if left > goal[t]:
                reserved = reserve_share * (left - goal[t])
            balance += reserved
        rows.append(dict(
            rur_drawn=drawn, rur_reserved=reserved, rur_balance=balance,
            balance_requirement_result_after_rur=result - reserved, deficit_restored=restored,
            deficit_outstanding=sum(r[1] for r in open_deficits),
            deficit_unrestored=sum(r[1] for r in open_deficits if t - r[0] >= window)))
    return {k: [r[k] for r in rows] for k in rows[0]}


amounts = st.floats(-400, 400, allow_nan=False).map(lambda x: round(x, 2))


@settings(max_examples=200, deadline=None)
@given(bkr=st.lists(amounts, min_size=6, max_size=6),
       growth=st.lists(st.floats(0, 8), min_size=6, max_size=6),
       mode=st.sampled_from(sorted(DRAW_MODES)),
       rur_start=st.floats(0, 500), max_draw=st.floats(0, 500),
       reserve_share=st.floats(0, 1), window=st.integers(1, 4))
def test_kernel_equals_plain_reference(plan, bkr, growth, mode, rur_start, max_draw,
                                       reserve_share, window):
    rules = dict(draw_when=DRAW_MODES[mode], start_balance=rur_start, max_draw_per_year=max_draw,
                 reserve_share_above_goal=reserve_share, restore_within_years=window,
                 tax_base_growth_10y_average=4.0)
    got = run(plan, bkr, growth, **rules)
    want = reference(bkr, [GOAL] * 6, growth, rur_start, mode, 4.0, max_draw, reserve_share,
                     window)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-9, err_msg=key)


def test_many_paths_equal_one_at_a_time(plan):
    """Paths run in parallel give the same numbers as each path alone."""
    rng = np.random.default_rng(7)
    bkr = rng.normal(0, 150, size=(64, 6))
    growth = rng.uniform(2, 6, size=(64, 6))
    p = dataclasses.replace(plan, reserve=plan.reserve._replace(
        draw_when=DRAW_MODES["tax_base_below_average"], start_balance=200.0))
    together = balance_requirement(p, bkr, np.full_like(bkr, GOAL), growth)
    for i in (0, 17, 63):
        alone = balance_requirement(p, bkr[i:i + 1], np.full((1, 6), GOAL), growth[i:i + 1])
        for key in together._fields:
            np.testing.assert_array_equal(getattr(together, key)[i], getattr(alone, key)[0])
