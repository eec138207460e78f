"""The rolling-origin backtest over regions' budget misses: placement and coverage by hand,
and a model at an origin that knows only what was published by then."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from sim.analysis import wilson
from sim.calibrate.budget import PlanOutturn, read_plan_outturns
from sim.calibrate.rolling import (by_year, coverage, origin_of, place, placeable,
                                   pit_histogram)
from sim.cli import cli
from sim.workflows import model_draws

from .conftest import DEFAULT_CONFIG, ROOT

HISTORY = ROOT / "data" / "history" / "budget_outturns.csv"
TEMPLATE = ROOT / "configs" / "models" / "esg-handset.toml"


def row(entity, year, line, plan, outturn, scale=1000.0, published="2024-01-01"):
    return PlanOutturn(entity, year, line, plan, outturn, scale, published, "s", "s")


def test_one_row_per_region_year_the_market_free_line_first_and_a_scale_needed():
    rows = [row("A", 2020, "net_result", 0, 10), row("A", 2020, "operating_result", 0, 5),
            row("B", 2020, "net_result", 0, 3), row("C", 2020, "operating_result", 0, 1,
                                                       scale=math.nan)]
    got = placeable(rows)
    assert [(r.entity, r.line) for r in got] == [("A", "operating_result"), ("B", "net_result")]


def test_placement_and_coverage_by_hand():
    """Draws 0..999 (in percent): a miss of 5 % has PIT 0,0055 (5 below, one tie half),
    inside none of the central bands; 500 % is at the centre of all."""
    draws = {2020: np.arange(1000.0)}
    rows = [row("A", 2020, "operating_result", 0, 50), row("B", 2020, "operating_result", 0,
                                                           5000)]
    got = place(rows, draws)
    assert got[0].pit == pytest.approx(0.0055) and got[1].pit == pytest.approx(0.5005)
    assert [p.inside(0.98) for p in got] == [False, True]
    assert [p.inside(0.90) for p in got] == [False, True]
    cov = coverage(got)
    lo, hi = wilson(np.array(1.0), np.array(2.0))
    assert cov[0.90] == (1, 2, pytest.approx(float(lo)), pytest.approx(float(hi)))
    assert by_year(got) == {2020: (2, pytest.approx((0.0055 + 0.5005) / 2), 1)}
    assert pit_histogram(got).tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]


def test_the_shipped_misses_give_at_least_30_placeable_region_years():
    rows = placeable(read_plan_outturns(HISTORY))
    assert len(rows) >= 30 and len({r.entity for r in rows}) >= 15
    assert origin_of(2023) == "2022-11"


@pytest.mark.slow
def test_a_model_at_an_origin_knows_only_what_was_published_by_then():
    """The 2022 origin (November 2021): the generator's data end in October 2021 and the
    operations factor is fitted on exactly the misses published by 30 November 2021."""
    x, info = model_draws(DEFAULT_CONFIG, TEMPLATE, HISTORY, ROOT / "data" / "history", 2022,
                          2000, 7)
    assert info["origin"] == "2021-11" and info["data_through"] == "2021-10"
    public = [r for r in read_plan_outturns(HISTORY)
              if r.published <= "2021-11-30" and r.line in ("operating_result",
                                                            "result_excl_market")
              and math.isfinite(r.scale)]
    assert info["operations"] == f"estimated on {len(public)} misses"
    assert x.size == 2000 and abs(float(np.median(x))) < 1.0 and x.std() > 0.5


@pytest.mark.slow
def test_the_command_prints_coverage_with_intervals(tmp_path):
    """A small history (two regions, one year) through the command: ex ante, the bands'
    coverage with their intervals, the PIT histogram and the files."""
    text = HISTORY.read_text(encoding="utf-8")
    head = [line for line in text.splitlines() if line.startswith("#") or
            line.startswith("entity,")]
    body = [line for line in text.splitlines() if line.startswith("Region Västmanland,2021")
            or line.startswith("Region Uppsala,2021")]
    small = tmp_path / "h.csv"
    small.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["backtest", str(small), "--paths", "1000", "--out",
                                   str(tmp_path / "bt")])
    assert res.exit_code == 0, res.output
    assert "Modellerna är ex ante" in res.output and "november 2020" in res.output
    assert "inom centrala 90 %-bandet" in res.output and "95 % intervall" in res.output
    assert "PIT i tiondelar" in res.output
    for name in ("backtest.nc", "backtest.csv", "backtest.png", "backtest.svg"):
        assert (tmp_path / "bt" / name).stat().st_size > 0
