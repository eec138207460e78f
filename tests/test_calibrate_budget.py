"""``sim calibrate budget``: the operations factor from regions' budget misses.

References: a table of misses computed by hand; scipy's normal fit (an independent
implementation of the maximum-likelihood spread); the standard error against the spread of
the estimator over simulated samples; the variance identity the split must satisfy exactly.
The shipped model files being the command's output is tested in tests/test_calibrate.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from click.testing import CliRunner

from sim.calibrate.budget import (FIT_LINES, PlanOutturn, fit_operations, read_plan_outturns,
                                  write_operations)
from sim.cli import cli

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "data" / "history" / "budget_outturns.csv"
HEADER = ("entity,year,line,plan_mnkr,outturn_mnkr,scale_mnkr,published,source,"
          "scale_source\n")


def row(plan, outturn, scale=1000.0, line="operating_result", published="2024-01-31"):
    return PlanOutturn("Region X", 2023, line, plan, outturn, scale, published, "s", "s")


def test_the_shipped_history_reads_with_every_row_cited():
    """At least 30 region-years of every region the search found; every row cites its page, and
    every row with a scale cites where the scale is from."""
    rows = read_plan_outturns(HISTORY)
    assert len({(r.entity, r.year) for r in rows}) >= 30
    assert len({r.entity for r in rows}) >= 15
    for r in rows:
        assert r.source
        assert (r.scale > 0 and r.scale_source) or (math.isnan(r.scale) and not r.scale_source)
    fitted = [r for r in rows if r.line in FIT_LINES and math.isfinite(r.scale)]
    assert len(fitted) >= 20


def test_every_derived_scale_is_the_regions_2020_costs_carried_by_the_sector_index():
    """Recomputed here from the two cost files: SCB's 2020 figure for the region times the
    sector's costs in the year over 2020, log-linear between the years the sector file gives."""
    from sim.data.files import read_table

    data = ROOT / "data" / "history"
    costs = read_table(data / "regions_costs.csv", ("entity", "year", "costs_mnkr"))
    c2020 = {e: v for e, y, v in zip(costs.column("entity"), costs.column("year"),
                                     costs.numbers("costs_mnkr")) if y == "2020"}
    sector = read_table(data / "regions_sector_costs.csv", ("year", "costs_bn_sek"))
    index = dict(zip(sector.years(consecutive=False), sector.numbers("costs_bn_sek")))

    def level(year):
        if year in index:
            return index[year]
        lo = max(y for y in index if y < year)
        hi = min(y for y in index if y > year)
        w = (year - lo) / (hi - lo)
        return math.exp((1 - w) * math.log(index[lo]) + w * math.log(index[hi]))

    checked = 0
    for r in read_plan_outturns(HISTORY):
        if r.scale_source.startswith("derived: Region") and "2020" in r.scale_source \
                and r.entity in c2020:
            assert r.scale == round(c2020[r.entity] * level(r.year) / index[2020]), r
            checked += 1
    assert checked >= 20


def test_misses_by_hand():
    """Two rows: -20 on 1 000 is -2 %, +10 on 500 is +2 %; the root mean square is 2 %, its
    standard error 2 / sqrt(4) = 1; the mean 0."""
    fit = fit_operations([row(100, 80), row(50, 60, scale=500.0)], priced=0.0, priced_se=0.0,
                         jump_rate=0.2, jump_share=0.0)
    assert [r.miss for r in fit.rows] == pytest.approx([-2.0, 2.0])
    assert fit.spread == pytest.approx(2.0)
    assert fit.spread_se == pytest.approx(1.0)
    assert fit.mean == pytest.approx(0.0)
    assert fit.sigma == pytest.approx(2.0) and fit.jump_mean == 0.0


def test_the_spread_is_scipys_zero_mean_normal_fit():
    rows = read_plan_outturns(HISTORY)
    fit = fit_operations(rows, 0.5, 0.0, 0.2, 0.5)
    d = np.array([r.miss for r in fit.rows])
    _, scale = scipy.stats.norm.fit(d, floc=0.0)
    assert fit.spread == pytest.approx(scale, rel=1e-12)


def test_the_split_keeps_the_variance_exactly():
    """sigma^2 + 2 rate jump_mean^2 (the variance of a compound Poisson of exponentials) is
    the misses' variance less the model's own."""
    rows = read_plan_outturns(HISTORY)
    for share in (0.0, 0.3, 0.5, 0.9):
        fit = fit_operations(rows, 0.69, 0.003, 0.2, share)
        total = fit.sigma ** 2 + 2.0 * fit.jump_rate * fit.jump_mean ** 2
        assert total == pytest.approx(fit.spread ** 2 - 0.69 ** 2, rel=1e-12)
        assert 2.0 * fit.jump_rate * fit.jump_mean ** 2 == pytest.approx(
            share * fit.excess_variance, rel=1e-12, abs=1e-15)


def test_the_standard_error_is_the_estimators_spread():
    """Over 4 000 simulated histories of 200 misses from N(0, 1.5), the root mean square's
    standard deviation matches the reported se (tolerance: the sample standard deviation's own
    error over 4 000 draws, three of them)."""
    rng = np.random.default_rng(5)
    n, reps, s = 200, 4000, 1.5
    d = rng.normal(0.0, s, size=(reps, n))
    est = np.sqrt(np.mean(d * d, axis=1))
    fit = fit_operations([row(0.0, 10.0 * x) for x in d[0]], 0.0, 0.0, 0.2, 0.0)
    assert fit.spread_se == pytest.approx(fit.spread / math.sqrt(2 * n))
    expected = s / math.sqrt(2 * n)
    tol = 3.0 * expected / math.sqrt(2 * (reps - 1))
    assert abs(est.std(ddof=1) - expected) < tol


def test_until_keeps_what_was_public():
    rows = read_plan_outturns(HISTORY)
    fit = fit_operations(rows, 0.69, 0.0, 0.2, 0.5, until="2022-04-30")
    assert fit.n >= 2 and all(r.published <= "2022-04-30" for r in fit.rows)
    assert fit.n < fit_operations(rows, 0.69, 0.0, 0.2, 0.5).n
    with pytest.raises(ValueError, match="at least 2"):
        fit_operations(rows, 0.69, 0.0, 0.2, 0.5, until="2017-01-01")


def test_nothing_left_for_the_factor_is_an_error():
    with pytest.raises(ValueError, match="nothing to the operations factor"):
        fit_operations([row(100, 99), row(100, 101)], priced=5.0, priced_se=0.0,
                       jump_rate=0.2, jump_share=0.5)


@pytest.mark.parametrize("line, match", [
    ("Region X,2023,profit,1,2,100,2024-01-01,s,s", "line 'profit', allowed"),
    ("Region X,2023,net_result,1,2,0,2024-01-01,s,s", "scale_mnkr 0 must be positive"),
    ("Region X,2023,net_result,1,x,100,2024-01-01,s,s", "'x' is not a number"),
    ("Region X,2023,net_result,1,2,100,2024,s,s", "is not a date"),
    ("Region X,2023,net_result,1,2,100,2024-01-01,s", "8 cells, the header has 9"),
])
def test_a_bad_row_names_its_line_and_what_is_allowed(tmp_path, line, match):
    path = tmp_path / "h.csv"
    path.write_text("# comment\n" + HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=match) as info:
        read_plan_outturns(path)
    assert "line 3" in str(info.value)


def test_write_replaces_the_two_keys_and_one_note_line():
    template = (ROOT / "configs" / "models" / "esg-handset.toml").read_text(encoding="utf-8")
    fit = fit_operations(read_plan_outturns(HISTORY), 0.69, 0.003, 0.2, 0.5)
    once = write_operations(template, fit, "h.csv", "h.csv --out m.toml")
    twice = write_operations(once, fit, "h.csv", "h.csv --out m.toml")
    assert once == twice
    changed = [a for a, b in zip(once.splitlines(), template.splitlines()) if a != b]
    # the template's lines and the note, then the estimates' correlation section at the end
    body, _, estimates = once.partition("\n# " + "-" * 93 + "\n# The estimates' correlations")
    assert len(body.splitlines()) == len(template.splitlines()) + 1
    assert sum("calibrate budget" in line for line in body.splitlines()) == 3
    assert '[estimates.operations]\nkeys = ["annual.operations.sigma", ' \
           '"annual.operations.jump_mean"]' in estimates
    assert changed


def test_the_command_writes_nothing_on_bad_input(tmp_path):
    bad = tmp_path / "h.csv"
    bad.write_text(HEADER + "Region X,2023,profit,1,2,100,2024-01-01,s,s\n", encoding="utf-8")
    out = tmp_path / "m.toml"
    r = CliRunner().invoke(cli, ["calibrate", "budget", str(bad), "--out", str(out)])
    assert r.exit_code != 0 and "profit" in r.output
    assert not out.exists()
    r = CliRunner().invoke(cli, ["calibrate", "budget", str(HISTORY), "--until", "2022",
                                 "--out", str(out)])
    assert r.exit_code != 0 and "--until" in r.output and not out.exists()
