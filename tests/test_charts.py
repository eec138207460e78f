"""The Bilaga 2 charts: drawn from the results Dataset only, their CSVs equal its numbers, the
files are reproducible, and bad input is refused."""

from __future__ import annotations

import csv
import math

import pytest
from click.testing import CliRunner

from sim.present.charts import CHARTS, charts_for, write_charts
from sim.present.fmt import number as fmt_sv
from sim.cli import cli
from sim.results import open_results

from .conftest import DEFAULT_CONFIG, ROOT

#: End to end (a whole run, report or cluster): `make test` runs it, `-m "not slow"` not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("charts")
    run = CliRunner()
    sweep = d / "sweep.toml"
    sweep.write_text('source = "test: a small sweep"\nfund = "pension"\npaths = 300\n'
                     '[grid]\nmax_equity = [0.6, 0.8, 1.0]\n'
                     '[long_horizon]\nlast_year = 2045\npaths = 200\n', encoding="utf-8")
    args = {"mc": ["run", str(DEFAULT_CONFIG), "--paths", "2000", "--threads", "1"],
            "sens": ["sensitivity", str(DEFAULT_CONFIG), "--paths", "500", "--sobol-samples",
                     "32", "--calibration-paths", "2000", "--threads", "1"],
            "stress": ["stress", str(DEFAULT_CONFIG),
                       str(ROOT / "configs/scenarios/finanskris-2008.toml"),
                       str(ROOT / "configs/scenarios/lakemedel.toml")],
            "strategy": ["strategy", str(DEFAULT_CONFIG), str(sweep), "--threads", "1"]}
    out = {}
    for key, a in args.items():
        path = d / f"{key}.nc"
        res = run.invoke(cli, a + ["--out", str(path)])
        assert res.exit_code == 0, res.output
        out[key] = path
    res = run.invoke(cli, ["charts", *map(str, out.values()), "--out", str(d / "charts")])
    assert res.exit_code == 0, res.output
    return out, d / "charts"


def read_csv(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_swedish_number_format():
    assert fmt_sv(-12345.6) == "−12 346"
    assert fmt_sv(1234.56, 1) == "1 234,6"
    assert fmt_sv(float("nan")) == "–"


def test_every_chart_is_written_in_every_format_with_its_data(results):
    _, folder = results
    # the calibration's charts come from sim calibrate esg --plots (tests/test_calibrate.py)
    for name in (n for n, (_, mode) in CHARTS.items() if mode != "calibration"):
        for ext in ("png", "pdf", "svg", "csv"):
            assert (folder / f"{name}.{ext}").stat().st_size > 0, (name, ext)


def test_the_chart_csvs_equal_the_results(results):
    files, folder = results
    mc = open_results(files["mc"])
    rows = read_csv(folder / "5_balanskravsresultat.csv")
    for r in rows:
        y = int(r["year"])
        for q in (0.05, 0.25, 0.5, 0.75, 0.95):
            want = mc["bkr_quantile"].sel(quantile=q, year=y).item()
            assert math.isclose(float(r[f"bkr_q{int(100 * q):02d}_mnkr"]), want, rel_tol=1e-12)
    rows = read_csv(folder / "1_pensionsportfolj.csv")
    assert len(rows) == mc.sizes["month"]
    for i in (0, 11, len(rows) - 1):
        want = mc["fund_value_fan"].sel(fund="pension", quantile=0.5).values[i]
        assert math.isclose(float(rows[i]["value_q50_mnkr"]), want, rel_tol=1e-12)
        floor = mc["fund_floor_fan"].sel(fund="pension", quantile=0.5).values[i]
        assert math.isclose(float(rows[i]["floor_q50_mnkr"]), floor, rel_tol=1e-12)
    rows = read_csv(folder / "6_sannolikheter.csv")
    for r in rows:
        y = int(r["year"])
        assert float(r["p_deficit"]) == mc["p_deficit"].sel(year=y).item()
        assert float(r["p_below_goal_hi"]) == mc["p_below_goal_hi"].sel(year=y).item()
    rows = read_csv(folder / "3_storsta_fall.csv")
    shares = [float(r["share_of_paths"]) for r in rows if r["fund"] == "pension"]
    assert sum(shares) == pytest.approx(1.0)
    sens = open_results(files["sens"])
    for r in read_csv(folder / "7_tornado.csv"):
        want = sens["bkr_mean_change"].sel(factor=r["factor"], year=int(r["year"]))
        assert float(r["low_mnkr"]) == want.sel(setting="low").item()
        assert float(r["high_mnkr"]) == want.sel(setting="high").item()
        dp = sens["p_deficit_change"].sel(factor=r["factor"], year=int(r["year"]))
        assert float(r["p_deficit_low_change"]) == dp.sel(setting="low").item()
        assert float(r["p_deficit_high_change"]) == dp.sel(setting="high").item()
        assert float(r["sd"]) == sens["factor_sd"].sel(factor=r["factor"],
                                                       year=int(r["year"])).item()
    st = open_results(files["stress"])
    rows = read_csv(folder / "8_stresstester.csv")
    assert {r["scenario"] for r in rows} == {"bas", "finanskris-2008", "lakemedel"}
    for r in rows:
        want = st["balance_requirement_result"].sel(scenario=r["scenario"], year=int(r["year"]))
        assert float(r["bkr_mnkr"]) == want.item()


def test_the_tornado_shares_its_scale_and_keeps_its_legend_clear(results):
    """Each row of the tornado (mean change in mnkr; change of P(deficit) in points) has one x
    scale for all its years, so a bar's length compares across years; every bar lies inside
    its panel; the legend sits below the panels; each label states the factor's SD."""
    from sim.present.charts import tornado

    files, _ = results
    sens = open_results(files["sens"])
    fig, rows = tornado(sens)
    grid = [ax for ax in fig.axes]
    n = len(sens["year"].values[:3])
    top, bottom = grid[:n], grid[n:2 * n]
    for row in (top, bottom):
        assert len({ax.get_xlim() for ax in row}) == 1
        for ax in row:
            lo, hi = ax.get_xlim()
            for bar in ax.patches:
                assert lo <= bar.get_x() <= hi and lo <= bar.get_x() + bar.get_width() <= hi
    legend = fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    for ax in top + bottom:
        assert legend.y1 < ax.get_window_extent().y0
    ticks = [t.get_text() for t in top[0].get_yticklabels()]
    assert all("\n1 SD = " in t and t.endswith("per år") for t in ticks)
    assert any("% per år" in t for t in ticks)


def test_labels_sit_inside_their_frames_and_legends_clear_of_the_data(results):
    """In every chart of a run, a sensitivity and a stress file: a text written on a panel
    (a limit's label, a fund's name) lies inside the panel's frame; a legend lies outside
    every panel (below it), so it hides no data; every text lies inside the figure."""
    from sim.present.charts import CHARTS

    files, _ = results
    for key, mode in (("mc", "monte_carlo"), ("sens", "sensitivity"), ("stress", "stress")):
        ds = open_results(files[key])
        for name, (draw, want) in CHARTS.items():
            if want != mode:
                continue
            fig, _ = draw(ds)
            fig.canvas.draw()                   # lay everything out as it is saved
            r = fig.canvas.get_renderer()
            page = fig.bbox
            panels = [ax for ax in fig.axes if ax.get_visible()]
            for ax in panels:
                frame = ax.get_window_extent(r)
                for t in ax.texts:
                    box = t.get_window_extent(r)
                    assert (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
                            and box.y1 <= frame.y1), (name, t.get_text())
            legends = [ax.get_legend() for ax in panels if ax.get_legend()] + fig.legends
            for leg in legends:
                box = leg.get_window_extent(r)
                for ax in panels:
                    assert not box.overlaps(ax.get_window_extent(r)), name
            words = list(fig.texts) + [t for leg in legends for t in leg.get_texts()]
            for ax in panels:
                words += [ax.title, ax.xaxis.label, ax.yaxis.label] + list(ax.texts)
            if fig._suptitle is not None:
                words.append(fig._suptitle)
            for t in words:
                if not t.get_text().strip():
                    continue
                box = t.get_window_extent(r)
                assert (page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and page.y0 - 1 <= box.y0
                        and box.y1 <= page.y1 + 1), (name, t.get_text())


@pytest.mark.parametrize("processes", [1, 2])
def test_the_charts_are_reproducible_to_the_byte(results, tmp_path, processes):
    """In one process or rendered in forked ones, every file has the same bytes; the chart's
    SVG is the report's SVG of it (rendered once, its text kept as text)."""
    from sim.present.document import chart_svg

    files, folder = results
    ds = open_results(files["mc"])
    write_charts(ds, tmp_path, processes=processes)
    for name in charts_for(ds):
        for ext in ("pdf", "svg", "png", "csv"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == \
                (folder / f"{name}.{ext}").read_bytes(), (name, ext)
    name = charts_for(ds)[0]
    svg = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
    assert svg == chart_svg(ds, name)
    assert "<text" in svg                    # text as text, not as glyph paths


def test_charts_refuse_files_that_give_none(tmp_path):
    budget = tmp_path / "budget.nc"
    assert CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out",
                                    str(budget)]).exit_code == 0
    res = CliRunner().invoke(cli, ["charts", str(budget), "--out", str(tmp_path / "c")])
    assert res.exit_code == 2 and "gives no chart" in res.output
    res = CliRunner().invoke(cli, ["charts", str(tmp_path / "none.nc"), "--out",
                                   str(tmp_path / "c")])
    assert res.exit_code == 2 and "no such results file" in res.output
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("damage", ["a variable dropped", "config_json corrupt",
                                    "a foreign variable"])
def test_a_damaged_results_file_writes_no_chart_and_no_report(results, tmp_path, damage):
    """A file with the format mark that lacks a variable a chart reads, whose recorded config
    is not JSON, or that holds a variable outside the catalogue: sim charts and sim report
    exit 2 naming the file, and write nothing (before, 20 of 24 chart files were left
    behind and the report failed half-way)."""
    from sim.results import write_netcdf

    files, _ = results
    ds = open_results(files["mc"])
    if damage == "a variable dropped":
        ds = ds.drop_vars("p_deficit_hi")
    elif damage == "config_json corrupt":
        ds.attrs["config_json"] = "{not json"
    else:
        ds["secret"] = ds["p_deficit"]
    bad = tmp_path / "bad.nc"
    write_netcdf(ds, bad)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["charts", str(files["sens"]), str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "bad.nc" in res.output, res.output
    assert "Traceback" not in res.output
    assert not out.exists() or list(out.iterdir()) == []
    res = CliRunner().invoke(cli, ["report", str(DEFAULT_CONFIG), "--run", str(bad),
                                   "--stress", str(files["stress"]), "--sensitivity",
                                   str(files["sens"]), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert not out.exists() or [p for p in out.rglob("*") if p.is_file()] == []


def test_a_name_matplotlib_would_read_as_tex_is_drawn_as_text(tmp_path):
    """meta.name = '$\\frac{a$' made every chart raise a mathtext error."""
    from click.testing import CliRunner

    from sim.cli import cli

    from .conftest import DEFAULT_CONFIG

    run = CliRunner()
    out = tmp_path / "run.nc"
    res = run.invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads", "1",
                           "--set", 'meta.name="$\\\\frac{a$ plan"', "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = run.invoke(cli, ["charts", str(out), "--out", str(tmp_path / "charts")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "charts").glob("*.png"))) >= 4


def test_two_runs_never_overwrite_each_others_charts(tmp_path):
    from click.testing import CliRunner

    from sim.cli import cli

    from .conftest import DEFAULT_CONFIG

    run = CliRunner()
    for name, seed in (("a", "1"), ("b", "2")):
        res = run.invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads", "1",
                               "--seed", seed, "--out", str(tmp_path / f"{name}.nc")])
        assert res.exit_code == 0, res.output
    res = run.invoke(cli, ["charts", str(tmp_path / "a.nc"), str(tmp_path / "b.nc"),
                           "--out", str(tmp_path / "charts")])
    assert res.exit_code == 2 and "both draw chart" in res.output
    assert not (tmp_path / "charts").exists()


def test_the_pension_fan_says_withdrawals_only_where_the_plan_has_them(results):
    """The fan's axis once said its year-end steps were planned withdrawals; the plan has
    none (the return is reinvested), so it says nothing of them, and says so only when the
    config's flows hold one."""
    import json

    from sim.present.charts import pension_fan
    from sim.present.charts.style import flow_note

    files, _ = results
    mc = open_results(files["mc"])
    fig, _ = pension_fan(mc)
    assert "uttag" not in fig.axes[0].get_xlabel()
    cfg = json.loads(mc.attrs["config_json"])
    cfg["funds"]["pension"]["flows"]["values"] = [-50.0]
    mc.attrs["config_json"] = json.dumps(cfg)
    assert "uttag" in flow_note(mc, "pension")


def test_no_chart_text_prints_smaller_than_7_pt(results):
    """Every chart's smallest text, printed at the report's width (180 mm on A4), is at
    least 7 pt (the tornado's factor labels once printed at about 4 pt)."""
    import matplotlib.pyplot as plt

    from sim.present.charts import MIN_PRINTED_PT, draw_charts, printed_min_pt

    files, _ = results
    for key in ("mc", "stress", "sens", "strategy"):
        for name, (fig, _) in draw_charts(open_results(files[key])).items():
            assert printed_min_pt(fig) >= MIN_PRINTED_PT - 1e-9, (name, printed_min_pt(fig))
            plt.close(fig)
