"""One formula, both forms: each rule helper of :mod:`sim.portfolio._kernels` is written once in
Python (what a reader, the documentation and NumPy code call) and once as numba's
``@overload`` (what the compiled kernel calls). Here both forms run on the same inputs, for both
record types, and must agree: exactly for flags, counts and tuples of inputs, and within two
units in the last place for computed floats (the same IEEE operations; only a libm ``pow`` or
``sqrt`` may round differently)."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from sim.portfolio import _kernels as k
from sim.portfolio.records import Dynamic, FixedMix


@njit
def _has_floor(rule):
    return k.has_floor(rule)


@njit
def _target_weight(rule, nav, high, var_step, stress_scale, fi_stress):
    return k.target_weight(rule, nav, high, var_step, stress_scale, fi_stress)


@njit
def _start_state(rule, steps, rebalance_every):
    return k.start_state(rule, steps, rebalance_every)


@njit
def _ewma(rule, lam, var, x):
    return k.ewma(rule, lam, var, x)


@njit
def _floor_rule(rule):
    return k.floor_rule(rule)


@njit
def _holds_no_equity(rule):
    return k.holds_no_equity(rule)


def _rules(rng, n=20):
    out = [FixedMix(equity_weight=0.0), FixedMix(equity_weight=0.4)]
    for _ in range(n):
        lo = rng.uniform(0.0, 0.3)
        smin = rng.uniform(0.02, 0.1)
        out.append(Dynamic(
            floor_share=rng.uniform(0.7, 0.95), window=int(rng.integers(6, 37)),
            min_equity=lo, max_equity=rng.uniform(lo + 0.1, 1.0), stress_z=rng.uniform(1, 4),
            stress_min=smin, stress_max=rng.uniform(smin + 0.05, 0.6),
            stress_horizon=rng.uniform(0.25, 3.0), ewma_lambda=rng.uniform(0.8, 0.99),
            initial_vol=rng.uniform(5, 40), initial_high=rng.uniform(1.0, 1.2),
            cash_lock_below=rng.uniform(0.0, 0.1),
            fixed_income_vol=rng.choice([0.0, rng.uniform(0.005, 0.05)])))
    return out


def _same(python, compiled):
    python, compiled = np.atleast_1d(np.asarray(python)), np.atleast_1d(np.asarray(compiled))
    assert python.shape == compiled.shape
    if python.dtype.kind == "f" or compiled.dtype.kind == "f":
        np.testing.assert_array_max_ulp(python.astype(float), compiled.astype(float), maxulp=2)
    else:
        assert np.array_equal(python, compiled)


RULES = _rules(np.random.default_rng(20230101))


@pytest.mark.parametrize("i", range(len(RULES)))
def test_both_forms_of_every_rule_helper_agree(i):
    rule = RULES[i]
    rng = np.random.default_rng(i)
    _same(k.has_floor(rule), _has_floor(rule))
    _same(k.floor_rule(rule), _floor_rule(rule))
    _same(k.holds_no_equity(rule), _holds_no_equity(rule))
    for steps in (1, 4, 21):
        _same(k.start_state(rule, steps, 1), _start_state(rule, steps, 1))
    for _ in range(50):
        nav, high = rng.uniform(0.6, 1.4), rng.uniform(0.8, 1.5)
        var_step, scale, fi = rng.uniform(1e-5, 5e-3), rng.uniform(0.5, 20), rng.uniform(0, 0.05)
        _same(k.target_weight(rule, nav, high, var_step, scale, fi),
              _target_weight(rule, nav, high, var_step, scale, fi))
        lam, x = rng.uniform(0.8, 1.0), rng.normal(0, 0.05)
        _same(k.ewma(rule, lam, var_step, x), _ewma(rule, lam, var_step, x))


def test_the_python_forms_are_the_rules_by_hand():
    """The Python bodies are not only the compiled ones again: a fixed mix holds its share and
    keeps no variance; the dynamic rule's share is the cushion over the stress, clipped."""
    fixed = FixedMix(equity_weight=0.3)
    assert k.target_weight(fixed, 1.0, 1.2, 1e-3, 5.0, 0.0) == 0.3
    assert k.ewma(fixed, 0.9, 0.004, 0.1) == 0.004 and not k.has_floor(fixed)
    rule = RULES[2]
    nav, high, var_step, scale = 1.0, 1.0, 0.002, 3.0
    s = min(max(scale * np.sqrt(var_step), rule.stress_min), rule.stress_max)
    cushion = (nav - rule.floor_share * high) / nav
    want = min(max(cushion / s, rule.min_equity), rule.max_equity)
    assert k.target_weight(rule, nav, high, var_step, scale, 0.0) == pytest.approx(want, rel=1e-15)
    assert k.ewma(rule, 0.9, 0.004, 0.1) == pytest.approx(0.9 * 0.004 + 0.1 * 0.01, rel=1e-15)
