"""The one Swedish number formatter, case by case (by hand)."""

from __future__ import annotations

import math

import pytest

from sim.present import fmt

M = "\u2212"


@pytest.mark.parametrize("x,decimals,plus,want", [
    (2.5, 0, False, "3"),                 # half away from zero (was "2" in one formatter)
    (-2.5, 0, False, M + "3"),
    (3.5, 0, False, "4"),
    (-0.4, 0, False, "0"),                # no negative zero (was "−0")
    (-0.04, 1, True, "0,0"),
    (2.675, 2, False, "2,68"),            # the number as written, not its binary neighbour
    (-10454.4, 0, False, M + "10 454"),
    (1234567.891, 1, False, "1 234 567,9"),
    (999.95, 1, False, "1 000,0"),
    (0.0, 0, False, "0"),
    (3.2, 1, True, "+3,2"),
    (-3.2, 1, True, M + "3,2"),
    (math.nan, 0, False, "\u2013"),
    (None, 0, False, "\u2013"),
    (math.inf, 0, False, "∞"),
    (-math.inf, 0, False, M + "∞"),
    (1e308, 1, False, "1,0e+308"),        # past the decimal context: raised InvalidOperation
    (-2.5e30, 0, False, M + "2e+30"),
])
def test_number(x, decimals, plus, want):
    assert fmt.number(x, decimals, plus) == want


def test_mnkr_and_percent():
    assert fmt.mnkr(2.5) == fmt.number(2.5) == "3"
    assert fmt.percent(0.0514) == "5,1"
    assert fmt.percent(0.27, 0) == "27"
    assert fmt.percent(-0.0004, 1) == "0,0"


@pytest.mark.parametrize("n,neuter,want", [(0, False, "noll"), (1, False, "en"),
                                           (1, True, "ett"), (12, False, "tolv"),
                                           (13, False, "13"), (1200, False, "1\u00a0200")])
def test_a_count_in_running_text_is_in_letters_up_to_twelve(n, neuter, want):
    with fmt.nonbreaking():
        assert fmt.count(n, neuter) == want


def test_exact_writes_a_value_as_typed_and_reads_back():
    """fmt.exact: not rounded to a column's decimals, no groups of thousands; what the
    what-if page's inputs show and read back."""
    assert fmt.exact(-0.85) == "\u22120,85"
    assert fmt.exact(1665) == "1665"
    assert fmt.exact(0.333) == "0,333"
    assert fmt.exact(2.0) == "2"
    for x in (-0.85, 1665.0, 0.333, 12.5):
        assert float(fmt.exact(x).replace(",", ".").replace("\u2212", "-")) == x
