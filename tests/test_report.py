"""The report: a reproducible PDF, an Excel workbook of numbers with formats, text generated
from the numbers, and clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.present.report import write_pdf
from sim.results import open_results

from .conftest import DEFAULT_CONFIG

#: End to end (a whole run, report or cluster): `make test` runs it, `-m "not slow"` not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report_dir(report_made):
    return report_made[0]


def test_the_report_writes_pdf_html_excel_and_charts(report_dir):
    out = report_dir / "out"
    assert (out / "riskanalys.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "riskanalys.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out / "riskanalys.xlsx").stat().st_size > 0
    assert (out / "charts" / "8_stresstester.svg").exists()
    assert (out / "charts" / "7_tornado.csv").exists()
    # PNG and PDF files of each chart only when asked (--chart-files): the documents do not
    # need them, and they were a quarter of the report's time
    assert not list((out / "charts").glob("*.png")) and not list((out / "charts").glob("*.pdf"))


@pytest.mark.slow
def test_chart_files_adds_each_charts_png_and_pdf(report_made, tmp_path):
    """--chart-files adds each chart's PNG and PDF; and every file of the report is the same
    whether the charts are drawn in this process (--threads 1) or in two forked ones side by
    side (--threads 2): the documents, the workbook and every chart file, byte for byte."""
    folder = report_made[0]
    for threads in ("1", "2"):
        res = CliRunner().invoke(cli, [
            "report", str(DEFAULT_CONFIG), "--run", str(folder / "run.nc"), "--stress",
            str(folder / "stress.nc"), "--sensitivity", str(folder / "sensitivity.nc"),
            "--models", str(folder / "models.nc"), "--strategy", str(folder / "strategy.nc"),
            "--chart-files", "--threads", threads, "--out", str(tmp_path / threads)])
        assert res.exit_code == 0, res.output
    out = tmp_path / "1"
    for form in ("svg", "png", "pdf", "csv"):
        assert (out / "charts" / f"8_stresstester.{form}").is_file()
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "2") for p in (tmp_path / "2").rglob("*")
                           if p.is_file())
    assert len(files) > 40
    for f in files:
        assert (out / f).read_bytes() == (tmp_path / "2" / f).read_bytes(), f


def test_the_pdf_is_byte_identical_for_the_same_inputs(report_dir, tmp_path):
    mc, st, se, models = (open_results(report_dir / f"{k}.nc")
                          for k in ("run", "stress", "sensitivity", "models"))
    write_pdf(tmp_path / "again.pdf", mc, st, se, models=models,
              backtest=open_results(report_dir / "backtest" / "backtest.nc"),
              strategy=open_results(report_dir / "strategy.nc"))
    first = (report_dir / "out" / "riskanalys.pdf").read_bytes()
    assert (tmp_path / "again.pdf").read_bytes() == first
    assert b"CreationDate" not in first


def test_excel_cells_are_numbers_with_formats(report_dir):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(report_dir / "out" / "riskanalys.xlsx")
    assert {"Balanskravsresultat", "Sannolikheter", "Resultatbudget", "Stresstester",
            "Känslighet", "Konfiguration"} <= set(wb.sheetnames)
    mc = open_results(report_dir / "run.nc")
    ws = wb["Sannolikheter"]
    assert ws.cell(1, 2).value == 2023                  # a year is a number
    cell = ws.cell(2, 2)                      # P(deficit) 2023
    assert cell.data_type == "n" and cell.number_format == "0.0%"
    assert cell.value == pytest.approx(mc["p_deficit"].sel(year=2023).item(), abs=0)
    ws = wb["Balanskravsresultat"]
    cell = ws.cell(2, 2)                      # plan 2023
    assert cell.data_type == "n" and cell.number_format == "#,##0"
    assert cell.value == mc["bkr_plan_printed"].sel(year=2023).item()
    budget = wb["Resultatbudget"]
    assert budget.cell(2, 1).value == "Verksamhetens intäkter"
    assert budget.cell(2, 2).data_type == "n"
    conf = {r[0].value: r[1].value for r in wb["Konfiguration"].iter_rows(min_row=2)}
    assert conf["Konfigurationens SHA-256"] == mc.attrs["config_sha256"]
    assert conf["simulation.seed"] == 20230101          # the config, as numbers
    assert conf["Seed"] == str(mc.attrs["seed"])
    rows = {r[0].value: [c.value for c in r[1:] if c.value is not None]
            for r in wb["Konfiguration"].iter_rows(min_row=2)}
    assert rows["plan.operating_costs"] == [-10454, -10607, -10855, -11172, -11489, -11808]
    # a sheet per chart, its data as the chart's CSV has it, numbers as numbers
    import csv

    for path in sorted((report_dir / "out" / "charts").glob("*.csv")):
        ws = wb[f"Diagram {path.stem}"[:31]]
        with open(path, encoding="utf-8") as fh:
            want = list(csv.reader(fh))
        got = [[c.value for c in r] for r in ws.iter_rows()]
        assert got[0] == want[0]
        assert len(got) == len(want)
        for g, w in zip(got[1:], want[1:]):
            for a, b in zip(g, w):
                # the workbook keeps 16 significant digits (xlsxwriter's %.16g), the CSV 17
                number = isinstance(a, (int, float)) and not isinstance(a, bool)
                want_v = pytest.approx(float(b), rel=1e-15) if number else b
                assert a == want_v, (path.stem, a, b)


def test_report_refuses_wrong_results(report_dir, tmp_path):
    res = CliRunner().invoke(cli, ["report", str(DEFAULT_CONFIG), "--run",
                                   str(report_dir / "stress.nc"), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "not monte_carlo" in res.output
    assert not (tmp_path / "r").exists()


def test_report_refuses_results_of_another_config(report_dir, tmp_path):
    """A run made with another config (here one --set away) is not printed as this plan's:
    refused, naming the option and both configs, nothing written; with the same --set it is
    the plan's own and accepted as far as this check goes."""
    other = tmp_path / "other.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--set",
                                   "plan.operating_income=[1000, 1000, 1000, 1000, 1000, 1000]",
                                   "--out", str(other)])
    assert res.exit_code == 0, res.output
    args = ["report", str(DEFAULT_CONFIG), "--run", str(other), "--stress",
            str(report_dir / "stress.nc"), "--sensitivity", str(report_dir / "sensitivity.nc")]
    res = CliRunner().invoke(cli, args + ["--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "--run: made with another config" in res.output, res.output
    assert not (tmp_path / "r").exists()
    res = CliRunner().invoke(cli, args + ["--set", "plan.operating_income=[1000, 1000, 1000, "
                                          "1000, 1000, 1000]", "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and "--stress: made with another config" in res.output, res.output


def test_one_number_one_value_every_plan_figure_is_the_seed_tables(report_dir):
    """The plan's own figures (årets resultat, balanskravsresultat, the 1 % goal) are the same
    in the workbook, the chart CSVs, the HTML page and the PDF as in the seed's table: the
    model's own calculation of them (351 where the plan prints 350) is never shown as the
    plan."""
    import csv
    import re

    import openpyxl
    import pypdf

    from sim.present import fmt

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    seed = {r["key"]: r for r in csv.DictReader(
        line for line in open(root / "tests/data/resultatbudget_2023_2028.csv", encoding="utf-8")
        if not line.startswith("#"))}
    years = [str(y) for y in range(2023, 2029)]
    want = {k: [float(seed[k][y]) for y in years]
            for k in ("net_result", "balance_requirement_result")}
    wb = openpyxl.load_workbook(report_dir / "out" / "riskanalys.xlsx")
    for sheet, key in (("Balanskravsresultat", "balance_requirement_result"),
                       ("Årets resultat", "net_result")):
        ws = wb[sheet]
        row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Plan")
        assert list(row[1:7]) == want[key], sheet
    with open(report_dir / "out" / "charts" / "5_balanskravsresultat.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["bkr_plan_mnkr"]) for r in rows] == want["balance_requirement_result"]
    html = (report_dir / "out" / "riskanalys.html").read_text(encoding="utf-8")
    for label, key in (("Årets resultat, plan", "net_result"),
                       ("Balanskravsresultat, plan", "balance_requirement_result")):
        row = re.search(rf'<th scope="row" class="label">{label}</th>(.*?)</tr>', html).group(1)
        assert re.findall(r"<td>(.*?)</td>", row) == [fmt.mnkr(v) for v in want[key]]
    first = re.search(r'Planens balanskravsresultat, mnkr</th>(.*?)</tr>', html).group(1)
    assert re.findall(r"<td>(.*?)</td>", first) == [
        fmt.mnkr(v) for v in want["balance_requirement_result"][:3]]
    text = " ".join(p.extract_text() for p in
                    pypdf.PdfReader(report_dir / "out" / "riskanalys.pdf").pages)
    line = " ".join(fmt.mnkr(v) for v in want["balance_requirement_result"]).replace("\u00a0", " ")
    assert line in re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_the_change_from_a_previous_analysis_step_by_step():
    """--previous: the earlier run as published, then its assumptions with this version of the
    model, today's scenario model, today's information date, and this analysis. With the
    earlier analysis this one's own config, every rerun step is the same run on the same
    seed; with one without an information date, the steps move from it to this one, and the
    report's section shows each step's P(deficit) per budget year."""
    import numpy as np

    from sim.config import load_config
    from sim.engine import run
    from sim.present.document import Table, build
    from sim.workflows import changes, monte_carlo

    cfg = load_config(DEFAULT_CONFIG)
    mc = monte_carlo(cfg, 1000, 9, threads=2)
    same = changes(cfg, mc, mc, 1000, 9, threads=2)
    assert list(same["step"].values) == ["before", "same", "model", "information", "now"]
    rerun = run(cfg, 1000, 9, threads=2)["p_deficit"].values
    for step in ("same", "model", "information"):
        np.testing.assert_array_equal(same["p_deficit"].sel(step=step).values, rerun)
    np.testing.assert_array_equal(same["p_deficit"].sel(step="now").values, mc["p_deficit"].values)
    earlier = monte_carlo(load_config(DEFAULT_CONFIG, ["information_file="]), 1000, 9, threads=2)
    ch = changes(cfg, earlier, mc, 1000, 9, threads=2)
    np.testing.assert_array_equal(ch["p_deficit"].sel(step="before").values,
                                  earlier["p_deficit"].values)
    sec = next(s for s in build(mc, previous=ch).sections if s.id == "andrat")
    table = next(b for b in sec.blocks if isinstance(b, Table) and "steg för steg" in b.caption)
    assert [r[0] for r in table.rows][0] == "Förra analysen, som den publicerades"
    assert len(table.rows) == 5


@pytest.mark.slow
def test_a_plan_that_never_misses_runs_through_to_the_report(tmp_path):
    """A plan with P(deficit) = 0 in every year (tax revenue four times the seed's) runs
    `sim run`, `sim sensitivity` and `sim report` (the fault campaign's IndexError from the
    histograms of a far-shifted distribution): exit 0, every probability 0, every file."""
    rich = ["--set", "plan.tax_revenue=[47327, 47552, 47767, 47995, 48230, 48471]"]
    config = str(DEFAULT_CONFIG)
    run_nc, sens_nc = tmp_path / "run.nc", tmp_path / "sens.nc"
    for args in (["run", config, "--paths", "2000", "--out", str(run_nc)],
                 ["sensitivity", config, "--paths", "1000", "--sobol-samples", "64",
                  "--calibration-paths", "1000", "--out", str(sens_nc)],
                 ["report", config, "--run", str(run_nc), "--sensitivity", str(sens_nc),
                  "--paths", "1000", "--out", str(tmp_path / "rapport")]):
        res = CliRunner().invoke(cli, args + rich)
        assert res.exit_code == 0, res.output
    assert float(open_results(run_nc).p_deficit.max()) == 0.0
    assert {"riskanalys.pdf", "riskanalys.html", "riskanalys.xlsx"} <= {
        p.name for p in (tmp_path / "rapport").iterdir()}
