"""Stress scenarios: validation, exact levels, the direction of each shipped scenario, common
random numbers, and the command."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.config import ConfigError
from sim.engine import Engine, run
from sim.esg.model import simulate_block, zero_innovations
from sim.esg.schema import ANNUAL_FACTORS
from sim.results import open_results
from sim.stress import BASE, load_scenario, scenario_shifts
from sim.stress.run import run_stress

from ..conftest import DEFAULT_CONFIG, ROOT

SCENARIOS = sorted((ROOT / "configs" / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def cfg(cfg_plain):
    """The stress mechanics on the plan as decided: no information date, so the generator
    starts in 2023 and ``bas`` is the plan exactly (tests/test_information.py: with one)."""
    return cfg_plain


@pytest.fixture(scope="module")
def shipped(cfg):
    """Every shipped scenario, run deterministically."""
    return run_stress(cfg, [load_scenario(p) for p in SCENARIOS], seed=1)


def test_at_least_the_issue_s_scenarios_ship():
    names = {p.stem for p in SCENARIOS}
    assert {"finanskris-2008", "pandemi-2020", "inflationschock-2022", "stagflation",
            "lakemedel", "bemanning", "kombination"} <= names


def test_every_shipped_scenario_runs_and_bas_is_the_plan(shipped, cfg):
    assert list(shipped["scenario"].values) == ["bas"] + [p.stem for p in SCENARIOS]
    e = Engine(cfg, 1)
    for key in ("net_result", "balance_requirement_result"):
        np.testing.assert_allclose(shipped[key].sel(scenario="bas"), getattr(e.plan_lines.budget, key)[0],
                                   atol=1e-9)
    for name, da in shipped.data_vars.items():
        if name != "fund_floor":       # NaN for the fixed-mix funds, which have no floor
            assert np.isfinite(da.values).all(), name


def _kpif_annual(cfg, sc):
    e = Engine(cfg, 1)
    out = simulate_block(e.esg, zero_innovations(e.esg, 1), scenario_shifts(sc, e.esg))
    return e, out


def test_levels_are_met_exactly_and_the_rest_stays_at_base(cfg):
    _, sc = load_scenario(ROOT / "configs/scenarios/inflationschock-2022.toml")
    e, out = _kpif_annual(cfg, sc)
    _, base = _kpif_annual(cfg, BASE)
    np.testing.assert_allclose(out.kpif_annual[0, :3], [8.7, 6.0, 3.5], atol=1e-12)
    np.testing.assert_allclose(out.kpif_annual[0, 3:], base.kpif_annual[0, 3:],
                               atol=1e-12)
    growth = np.expm1(out.equity_log_return[0, :12].sum())
    assert growth == pytest.approx(-0.20, abs=1e-12)
    np.testing.assert_allclose(out.short_rate[0] - base.short_rate[0],
                               np.minimum(0.25 * np.arange(1, 73), 3.0), atol=1e-12)
    # a yearly factor's level is met even though its inflation beta responds to the KPIF path
    _, sc08 = load_scenario(ROOT / "configs/scenarios/finanskris-2008.toml")
    _, o08 = _kpif_annual(cfg, sc08)
    j = ANNUAL_FACTORS.index("tax_base")
    np.testing.assert_allclose(o08.annual_growth[0, 1:3, j], [1.9, 2.0], atol=1e-12)
    r = np.expm1(o08.equity_log_return[0, :24])
    np.testing.assert_allclose(r, sc08.factors["equity"].values, atol=1e-12)


def test_2008_is_a_40_to_50_percent_fall_over_about_16_months():
    _, sc = load_scenario(ROOT / "configs/scenarios/finanskris-2008.toml")
    level = np.cumprod(1 + np.array(sc.factors["equity"].values))
    trough = int(np.argmin(level))
    assert 0.40 <= 1 - level[trough] <= 0.50
    assert 13 <= trough + 1 <= 18


def test_the_2008_scenario_lowers_the_portfolio_and_financial_income(shipped):
    s, b = shipped.sel(scenario="finanskris-2008"), shipped.sel(scenario="bas")
    assert (s["fund_value"].sel(fund="pension") < b["fund_value"].sel(fund="pension")).all()
    assert s["financial_income"].sel(year=2023) < b["financial_income"].sel(year=2023) - 500
    assert s["balance_requirement_result"].sel(year=2023) < 0
    assert s["short_rate_end"].sel(year=2024) < b["short_rate_end"].sel(year=2024)


def test_the_inflation_shock_raises_pension_and_financial_costs(shipped):
    s, b = shipped.sel(scenario="inflationschock-2022"), shipped.sel(scenario="bas")
    pension = "pension_costs"
    # indexation a year later: 2024 pension costs and financial costs up
    assert (s["cost_component"].sel(component=pension, year=2024)
            > b["cost_component"].sel(component=pension, year=2024) + 50)
    assert s["financial_costs"].sel(year=2024) < b["financial_costs"].sel(year=2024) - 100
    assert s["equity_return"].sel(year=2023) == pytest.approx(-0.20, rel=1e-12)


@pytest.mark.parametrize("key, component, shift, factor", [
    ("lakemedel", "drugs", [5.0, 5.0, 5.0], 1.15),     # "about 15 % above plan from 2025 on"
    ("bemanning", "hired_staff", [51.5], 1.5)])        # "50 % above plan"
def test_cost_shocks_raise_their_cost_by_the_stated_amount(shipped, cfg, key, component, shift,
                                                          factor):
    """A growth shift compounds: +5 points for three years, +50 points once."""
    e = Engine(cfg, 1)
    g = e.plan.component_growth[list(e.plan.component_keys).index(component)]
    s = shipped["cost_component"].sel(scenario=key, component=component).values
    b = shipped["cost_component"].sel(scenario="bas", component=component).values
    ratio = np.cumprod([(100 + g[t] + (shift[t] if t < len(shift) else 0.0)) / (100 + g[t])
                        for t in range(len(g))])
    np.testing.assert_allclose(s / b, ratio, rtol=1e-12)
    assert ratio[-1] == pytest.approx(factor, abs=0.005)


def test_a_combination_adds_the_factors_of_its_parts():
    _, comb = load_scenario(ROOT / "configs/scenarios/kombination.toml")
    assert set(comb.factors) == {"equity", "short_rate", "inflation", "tax_base", "drugs",
                                 "hired_staff"}


def test_monte_carlo_around_a_scenario_uses_common_random_numbers(cfg):
    """Two runs that differ only in one factor's setting differ only through that factor: the
    per-path difference of the drug scenario and the base has far less variance than two
    independent runs' difference."""
    _, sc = load_scenario(ROOT / "configs/scenarios/lakemedel.toml")
    e = Engine(cfg, 11)
    n = 2000
    a = run(cfg, n, 11, store="annual", engine=e)
    b = run(cfg, n, 11, store="annual", engine=e, shifts=scenario_shifts(sc, e.esg))
    c = run(cfg, n, 12, store="annual")
    bkr = "balance_requirement_result"
    crn = (b[bkr] - a[bkr]).sel(year=2025).values
    ind = (c[bkr] - a[bkr]).sel(year=2025).values
    assert crn.mean() < -100                          # the shock costs money
    assert crn.var() < 1e-4 * ind.var()


BAD = [
    ("unknown factor", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: '
     'a reason given here"\n[factors.equty]\nmode = "shift"\nfrequency = "yearly"\nstart = '
     '"2023"\nvalues = [1.0]\nunit = "percent"\nsource = "assumption: a reason given"\n',
     ["factors.equty", "allowed"]),
    ("wrong unit", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: '
     'a reason given here"\n[factors.drugs]\nmode = "shift"\nfrequency = "yearly"\nstart = '
     '"2023"\nvalues = [1.0]\nunit = "percent_per_year"\nsource = "assumption: a reason given"\n',
     ["factors.drugs.unit", "'percent'"]),
    ("monthly yearly factor", 'label = "x"\ndescription = "ten chars long"\nsource = '
     '"assumption: a reason given here"\n[factors.drugs]\nmode = "shift"\nfrequency = '
     '"monthly"\nstart = "2023-01"\nvalues = [1.0]\nunit = "percent"\nsource = "assumption: a '
     'reason given"\n', ["factors.drugs.frequency", "yearly"]),
    ("bad start", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: a reason '
     'given here"\n[factors.equity]\nmode = "level"\nfrequency = "monthly"\nstart = "2023"\n'
     'values = [0.1]\nunit = "fraction"\nsource = "assumption: a reason given"\n',
     ["start", "YYYY-MM"]),
    ("no source", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption"\n',
     ["source", "reason"]),
    ("return below -100 %", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: '
     'a reason given here"\n[factors.equity]\nmode = "level"\nfrequency = "yearly"\nstart = '
     '"2023"\nvalues = [-1.2]\nunit = "fraction"\nsource = "assumption: a reason given"\n',
     ["factors.equity.values", "-1.2"]),
    # 1e308 ran, wrote inf and then failed to print its table
    ("a huge equity level", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: '
     'a reason given here"\n[factors.equity]\nmode = "level"\nfrequency = "yearly"\nstart = '
     '"2023"\nvalues = [1e308]\nunit = "fraction"\nsource = "assumption: a reason given"\n',
     ["factors.equity.values", "allowed range [-10, 10]"]),
    ("a huge shift", 'label = "x"\ndescription = "ten chars long"\nsource = "assumption: '
     'a reason given here"\n[factors.drugs]\nmode = "shift"\nfrequency = "yearly"\nstart = '
     '"2023"\nvalues = [-5e4]\nunit = "percent"\nsource = "assumption: a reason given"\n',
     ["factors.drugs.values", "allowed range [-1000, 1000]"]),
]


@pytest.mark.parametrize("what, text, words", BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_are_refused_naming_the_key(tmp_path, what, text, words):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scenario(p)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_a_path_outside_the_simulated_years_is_refused(cfg, tmp_path):
    p = tmp_path / "late.toml"
    p.write_text('label = "x"\ndescription = "ten chars long"\nsource = "assumption: a reason '
                 'given here"\n[factors.drugs]\nmode = "shift"\nfrequency = "yearly"\nstart = '
                 '"2027"\nvalues = [1.0, 1.0, 1.0]\nunit = "percent"\nsource = "assumption: a '
                 'reason given"\n', encoding="utf-8")
    _, sc = load_scenario(p)
    with pytest.raises(ConfigError, match=r"factors.drugs: 2027 \+ 3 yearly values reaches "
                                          r"outside the simulated years 2023-2028"):
        scenario_shifts(sc, Engine(cfg, 1).esg, "late")


def test_no_measures_delivered_costs_the_measures_exactly(shipped, cfg):
    """The scenario sets the share delivered to 0: deterministically the balanskravsresultat
    is the plan's less the planned measures (0 in 2023, 139 ... 354 mnkr after); around it,
    on the same random numbers, every path is that much lower and 2023 is unchanged."""
    e = Engine(cfg, 1)
    measures = np.clip(e.plan_lines.planned_cost_measures[0], 0.0, None)
    bkr = shipped["balance_requirement_result"]
    np.testing.assert_allclose(bkr.sel(scenario="atgarder-uteblir").values,
                               bkr.sel(scenario="bas").values - measures, atol=1e-9)
    sc = load_scenario(ROOT / "configs/scenarios/atgarder-uteblir.toml")
    mc = run_stress(cfg, [sc], seed=5, paths=600)
    mc_bkr = run(cfg, 600, 5, store="annual").balance_requirement_result
    assert mc.p_deficit.sel(scenario="bas", year=2023) == (mc_bkr.sel(year=2023) < 0).mean()
    np.testing.assert_array_equal(
        mc.p_deficit.sel(scenario="atgarder-uteblir").values,
        ((mc_bkr - measures) < 0).mean("path").values)


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "huge"])
def test_an_include_of_a_device_a_pipe_or_a_huge_file_is_refused(tmp_path, target):
    """Only a regular file of at most 10 MB is read: an include of /dev/zero read until memory
    ran out, and a FIFO would block on open."""
    import os

    if target == "fifo":
        target = tmp_path / "pipe.toml"
        os.mkfifo(target)
    elif target == "huge":
        target = tmp_path / "huge.toml"
        with open(target, "wb") as fh:
            fh.truncate(11 * 2 ** 20)            # sparse: no disk used
    (tmp_path / "s.toml").write_text(
        'label = "x"\ndescription = "ten chars long"\nsource = "assumption: a reason given '
        f'here"\ninclude = ["{target}"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a regular file|larger than 10 MB"):
        load_scenario(tmp_path / "s.toml")


def test_lost_grants_cost_a_tenth_of_operating_income(shipped, cfg):
    """riktade-bidrag.toml: operating income 10 % below plan; deterministically the
    balanskravsresultat falls by a tenth of the plan's operating income each year."""
    e = Engine(cfg, 1)
    bkr = shipped["balance_requirement_result"]
    np.testing.assert_allclose(bkr.sel(scenario="riktade-bidrag").values,
                               bkr.sel(scenario="bas").values
                               - 0.10 * e.plan.operating_income, atol=1e-9)


def test_includes_refuse_conflicts_and_cycles(tmp_path):
    part = ('label = "x"\ndescription = "ten chars long"\nsource = "assumption: a reason given '
            'here"\n{inc}[factors.drugs]\nmode = "shift"\nfrequency = "yearly"\nstart = "2023"\n'
            'values = [1.0]\nunit = "percent"\nsource = "assumption: a reason given"\n')
    (tmp_path / "a.toml").write_text(part.format(inc=""), encoding="utf-8")
    (tmp_path / "b.toml").write_text(part.format(inc='include = ["a.toml"]\n'),
                                     encoding="utf-8")
    with pytest.raises(ConfigError, match="factor 'drugs' of a.toml is already set"):
        load_scenario(tmp_path / "b.toml")
    share = 'measures_delivered = { value = 0.5, unit = "fraction", source = "assumption: half of them, a what-if"}\n'
    (tmp_path / "d.toml").write_text(share + part.format(inc="").split("[factors")[0],
                                     encoding="utf-8")
    (tmp_path / "e.toml").write_text(share + 'label = "x"\ndescription = "ten chars long"\n'
                                     'source = "assumption: a reason given here"\n'
                                     'include = ["d.toml"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="measures_delivered of d.toml is already set"):
        load_scenario(tmp_path / "e.toml")
    (tmp_path / "c.toml").write_text('label = "x"\ndescription = "ten chars long"\nsource = '
                                     '"assumption: a reason given here"\ninclude = ["c.toml"]\n',
                                     encoding="utf-8")
    with pytest.raises(ConfigError, match="includes itself"):
        load_scenario(tmp_path / "c.toml")


@pytest.mark.slow
def test_stress_command_writes_netcdf_and_csv_and_prints_side_by_side(tmp_path):
    out = tmp_path / "stress.nc"
    res = CliRunner().invoke(cli, ["stress", str(DEFAULT_CONFIG),
                                   str(ROOT / "configs/scenarios/finanskris-2008.toml"),
                                   str(ROOT / "configs/scenarios/lakemedel.toml"),
                                   "--paths", "1000", "--threads", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ds = open_results(out)
    assert list(ds["scenario"].values) == ["bas", "finanskris-2008", "lakemedel"]
    assert ds.attrs["mode"] == "stress" and ds.attrs["paths"] == 1000
    assert ds["p_deficit"].dims == ("scenario", "year")
    assert "Finanskris som 2008" in res.output and "Balanskravsresultat, mnkr" in res.output
    csv = (tmp_path / "stress.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("statistic,units,scenario,")
    row = next(r for r in csv if r.startswith("balance_requirement_result,mnkr,finanskris-2008,")
               and ",2023," in r)
    want = ds["balance_requirement_result"].sel(scenario="finanskris-2008", year=2023).item()
    assert math.isclose(float(row.rsplit(",", 1)[1]), want, rel_tol=1e-12)
    summary = CliRunner().invoke(cli, ["summary", str(out)])
    assert summary.exit_code == 0 and "Läkemedelskostnader skenar" in summary.output


def test_stress_command_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('label = "x"\n', encoding="utf-8")
    out = tmp_path / "stress.nc"
    res = CliRunner().invoke(cli, ["stress", str(DEFAULT_CONFIG), str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "description" in res.output and not out.exists()
