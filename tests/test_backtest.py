"""sim backtest: the history is read by row, each outturn's percentile is exact on a known
sample, coverage counts the bands, and the command runs on the shipped history."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from sim.backtest import Outturn, backtest, coverage, pit, read_history
from sim.cli import cli

from .conftest import ROOT

HISTORY = ROOT / "data" / "history" / "norrbotten_outturns.csv"


def test_the_shipped_history_reads():
    rows = read_history(HISTORY)
    assert {(r.year, r.line) for r in rows} == {(2023, "net_result"), (2023, "operating_result")}
    assert all(r.source and r.published for r in rows)


def test_pit_and_bands_on_a_known_sample():
    """Samples 1..1000: an outturn of 50 has 49 below and one tie, PIT 0,0495; 5 lies outside
    the 1-99 % band, 500 inside both."""
    x = np.arange(1.0, 1001.0)
    assert pit(x, 50.0) == pytest.approx(0.0495)
    ds = xr.Dataset({"net_result": (("path", "year"), x[:, None])}, coords={"year": [2023]})
    rows = [Outturn("p", 2023, "net_result", v, "", "s") for v in (5.0, 50.0, 500.0)]
    res = backtest(rows, {"p": ds})
    assert [r["inside_98"] for r in res] == [False, True, True]
    assert [r["inside_90"] for r in res] == [False, False, True]
    assert coverage(res) == {"n": 3, "inside_90": 1 / 3, "inside_98": 2 / 3}


@pytest.mark.parametrize("text, words", [
    ("year,line\n2023,net_result\n", "the header must name"),
    ("plan_config,year,line,outturn_mnkr,published,source\np,twenty,net_result,1,x,y\n",
     "line 2"),
    # not a budget line, and NaN: both printed percentiles of nonsense with exit 0
    ("plan_config,year,line,outturn_mnkr,published,source\np,2023,p_deficit,0.3,2024-04-24,y\n",
     "'p_deficit' is not a budget line"),
    ("plan_config,year,line,outturn_mnkr,published,source\np,2023,net_result,nan,2024-04-24,y\n",
     "is not a finite number"),
])
def test_a_bad_history_names_the_problem(tmp_path, text, words):
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["backtest", str(path), "--paths", "1000", "--out",
                                   str(tmp_path / "o")])
    assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output


def test_the_command_runs_on_the_shipped_history(tmp_path):
    res = CliRunner().invoke(cli, ["backtest", str(HISTORY), "--paths", "2000", "--threads",
                                   "2", "--plans", str(ROOT / "configs" / "plans"), "--out",
                                   str(tmp_path / "bt")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bt" / "backtest.csv").is_file() and (tmp_path / "bt" /
                                                             "backtest.png").is_file()
    assert "percentil" in res.output and "nominellt 98 %" in res.output
    again = CliRunner().invoke(cli, ["backtest", str(HISTORY), "--paths", "2000", "--threads",
                                     "1", "--plans", str(ROOT / "configs" / "plans"), "--out",
                                     str(tmp_path / "bt2")])
    assert again.exit_code == 0, again.output
    for name in ("backtest.svg", "backtest.png", "backtest.csv"):    # element ids fixed too
        assert (tmp_path / "bt" / name).read_bytes() == (tmp_path / "bt2" / name).read_bytes()


def test_a_backtest_runs_ex_ante_models_only(tmp_path):
    """The shipped plan is run with its ex-ante model, and the output says so; the same plan
    with the model fitted to all the history is refused, naming what it knew too early."""
    text = (ROOT / "configs" / "plans" / "strategisk-plan-2023-2025.toml").read_text("utf-8")
    plans = tmp_path / "plans"
    plans.mkdir()
    root = (ROOT / "configs").as_posix()
    text = (text.replace('"../models/esg-calibrated-2022-04.toml"',
                         f'"{root}/models/esg-default.toml"')
            .replace('"../information/', f'"{root}/information/'))
    (plans / "strategisk-plan-2023-2025.toml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["backtest", str(HISTORY), "--plans", str(plans), "--paths",
                                   "1000", "--out", str(tmp_path / "bt")])
    assert res.exit_code == 2, res.output
    assert "is not ex ante" in res.output and "calibration.until 2025-03" in res.output
    assert not (tmp_path / "bt" / "backtest.nc").exists()
    res = CliRunner().invoke(cli, ["backtest", str(HISTORY), "--paths", "1000",
                                   "--out", str(tmp_path / "ok")])
    assert res.exit_code == 0, res.output
    assert "Modellerna är ex ante" in res.output and "april 2022" in res.output
