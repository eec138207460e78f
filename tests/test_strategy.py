"""sim strategy: the rules on common random numbers, today's point equal to a plain run, the
frontier's dominance, the sweep file's errors, and the long horizon's funding arithmetic by
hand."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.config import ConfigError, load_config
from sim.engine import run
from sim.portfolio import run_fund
from sim.strategy import Sweep, base_rule, dominated, funding, load_sweep, rule_label, rules
from sim.workflows import WorkflowError, strategy_frontier

from .conftest import DEFAULT_CONFIG, ROOT
from .portfolio.test_strategies import dynamic

SWEEP = ROOT / "configs" / "strategy.toml"


def small_sweep(**changes) -> Sweep:
    raw = {"source": "test: a small sweep", "fund": "pension", "paths": 2000,
           "grid": {"max_equity": [0.6, 0.8]}, "one_at_a_time": {"rebalance_per_month": [1]},
           "long_horizon": {"last_year": 2034, "paths": 400}}
    raw.update(changes)
    return Sweep.model_validate(raw)


@pytest.fixture(scope="module")
def frontier():
    return strategy_frontier(DEFAULT_CONFIG, (), SWEEP, small_sweep(), 2000, 7, threads=2)


@pytest.mark.slow
def test_todays_point_is_a_plain_run_of_the_same_seed(frontier):
    """Rule 0 is the plan's own rule: its numbers equal `sim run`'s on the same seed and
    paths, exactly (the same engine, the same random numbers)."""
    plain = run(load_config(DEFAULT_CONFIG), 2000, 7, threads=2)
    today = frontier.sel(rule="regel_00")
    assert bool(today["rule_today"]) and str(today["rule_label"].values) == "i dag"
    for name, sel in (("p_deficit", {}), ("bkr_es05", {}), ("bkr_mean", {}),
                      ("fund_return_pct_mean", {"fund": "pension"}),
                      ("p_fund_breach_ever", {"fund": "pension"}),
                      ("p_fund_fall24_over_limit_ever", {"fund": "pension"})):
        np.testing.assert_array_equal(today[name].values, plain[name].sel(**sel).values,
                                      err_msg=name)
    np.testing.assert_array_equal(today["fund_realized_mean"].values,
                                  plain["contribution_mean"].sel(driver="fund_pension").values)


def test_every_rule_sees_the_same_asset_returns(frontier):
    """A rule that holds less equity earns less and falls less: the cap at 60 % against
    today's 80 %, on the same paths; the monthly review keeps its equity but reviews it less
    often, so it goes below Bilaga 2's level more often."""
    labels = list(frontier["rule_label"].values)
    capped = frontier.isel(rule=labels.index("aktietak 60 %"))
    today = frontier.isel(rule=0)
    assert float(capped["fund_return_pct_mean"]) < float(today["fund_return_pct_mean"])
    assert float(capped["fund_return_pct_std"]) < float(today["fund_return_pct_std"])
    monthly = frontier.isel(rule=labels.index("översyn månadsvis"))
    assert (float(monthly["p_fund_fall24_over_limit_ever"])
            > float(today["p_fund_fall24_over_limit_ever"]))
    assert frontier.attrs["equity_steps"] == 4


def test_dominance_by_hand():
    ret = np.array([5.0, 4.0, 6.0, 5.0])
    risk = np.array([0.10, 0.20, 0.10, 0.05])
    # rule 0 is beaten by rule 2 (more return, same risk) and rule 3 (same return, less risk);
    # rule 1 by all; rules 2 and 3 are on the frontier
    np.testing.assert_array_equal(dominated(ret, risk), [True, True, False, False])


def test_the_rules_of_a_sweep():
    base = base_rule(load_config(DEFAULT_CONFIG), "pension")
    rs = rules(small_sweep(grid={"max_equity": [0.6, 0.8], "floor_share": [0.85]}), base)
    # today's first; the grid's point equal to today's is today's; then the one-at-a-time
    assert rs == [{}, {"max_equity": 0.6}, {"rebalance_per_month": 1.0}]
    assert rule_label(rs[1]) == "aktietak 60 %"
    assert rule_label(rs[2]) == "översyn månadsvis"


@pytest.mark.parametrize("change, words", [
    ({"grid": {"floor_level": [0.8]}}, "grid.floor_level: not a key"),
    ({"one_at_a_time": {"rebalance_per_month": [1.5]}}, "must be whole numbers"),
    ({"grid": {"max_equity": []}}, "at least one value")])
def test_a_bad_sweep_file_names_the_key(change, words, tmp_path):
    import tomlkit

    raw = tomlkit.parse(SWEEP.read_text(encoding="utf-8"))
    for k, v in change.items():
        raw[k] = v
    path = tmp_path / "sweep.toml"
    path.write_text(tomlkit.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_sweep(path)


def test_a_rule_the_plan_cannot_take_is_refused_before_anything_runs():
    with pytest.raises(WorkflowError, match="aktietak 150 %.*max_equity"):
        strategy_frontier(DEFAULT_CONFIG, (), SWEEP,
                          small_sweep(grid={"max_equity": [1.5]}, one_at_a_time={}), 200, 1)


def test_the_funding_arithmetic_by_hand():
    """A fund of 100 earning 10 % a year in fixed income, paying 30, 40 and 50 at the start of
    years 2-4: 110; 80 x 1,1 = 88; 48 x 1,1 = 52,8; 2,8 x 1,1 = 3,08 (a payout of 50 from 52,8
    leaves 2,8). A fourth payout of 60 from 3,08 empties it: not covered from that year on."""
    months = 5 * 12
    fi = np.full((1, months), 1.1 ** (1 / 12) - 1)
    eq = np.zeros((1, months))
    flow = np.array([0.0, -30.0, -40.0, -50.0, -60.0])
    p = dynamic(max_equity=0.0, net_flow=flow)
    out = run_fund(p, eq, fi, 1)
    np.testing.assert_allclose(out.value_end[0], [110.0, 88.0, 52.8, 3.08, 0.0], rtol=1e-12)
    covered, cumulative = funding(out.value_end, flow)
    np.testing.assert_array_equal(covered[0], [True, True, True, True, False])
    np.testing.assert_allclose(cumulative, [0.0, 30.0, 70.0, 120.0, 180.0])


def test_the_long_horizon_runs_to_its_year(frontier):
    years = frontier["long_year"].values
    assert years[0] == 2023 and years[-1] == 2034
    p = frontier["p_funding_covered"].values
    assert ((0.0 <= p) & (p <= 1.0)).all() and (np.diff(p, axis=1) <= 1e-12).all()
    q = frontier["funding_value_quantile"].values
    assert (np.diff(q, axis=1) >= 0).all() and np.isfinite(q).all()   # quantiles in order
    # no payouts before 2040: nothing is due, the fund is never emptied, all is covered
    np.testing.assert_array_equal(frontier["funding_cumulative_payouts"].values, 0.0)
    np.testing.assert_array_equal(p, 1.0)


@pytest.mark.slow
def test_the_command_writes_the_frontier(tmp_path):
    out = tmp_path / "strategi.nc"
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP.read_text(encoding="utf-8").replace("paths = 20000", "paths = 300")
                     .replace("paths = 5000", "paths = 200"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["strategy", str(DEFAULT_CONFIG), str(sweep), "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    assert "i dag" in res.output and out.is_file() and (tmp_path / "strategi.csv").is_file()


@pytest.mark.slow
def test_the_report_shows_the_frontier_and_the_long_horizon(frontier):
    """With --strategy the report gains its section: the frontier chart and the long
    horizon's, and a table of today's rule and the rules on the frontier; the workbook a sheet
    Strategi with every rule."""
    import io

    import openpyxl

    from sim.present.document import Details, Figure, Table, build
    from sim.present.report import excel_writer

    from sim.workflows import monte_carlo

    mc = monte_carlo(load_config(DEFAULT_CONFIG), 2000, 7, threads=2)
    doc = build(mc, strategy=frontier)
    bilaga2 = next(s for s in doc.sections if s.id == "bilaga2")
    blocks = list(bilaga2.blocks)
    for b in bilaga2.blocks:
        if isinstance(b, Details):
            blocks += b.blocks
    figures = [b for b in blocks if isinstance(b, Figure)]
    names = [f.data.caption for f in figures if f.data is not None]
    front = next(f for f in figures if "Bilaga 2:s nivå" in f.caption)
    assert "Bilaga 2" in front.alt
    assert any("utbetalningarna" in f.caption for f in figures), names
    table = next(b for b in blocks if isinstance(b, Table) and b.caption == "Alla regler")
    assert table.rows[0][0].startswith("Dagens regel")
    assert len(table.rows) == frontier.sizes["rule"]
    dominated = frontier["rule_dominated"].values.astype(bool)
    assert [r[0].endswith("(dominerad)") for r in table.rows] == list(dominated)
    assert any(isinstance(b, str) and "under skyddsnivån" in b for b in bilaga2.blocks)
    path = io.BytesIO()
    excel_writer(mc, strategy=frontier)(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Strategi"]
    assert ws.max_row == frontier.sizes["rule"] + 1
    assert ws.cell(2, 1).value == "i dag" and ws.cell(2, 2).value == "ja"
