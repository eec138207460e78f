"""The report: a reproducible PDF, an Excel workbook of numbers with formats, text generated
from the numbers, and clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.present.report import write_pdf
from sim.results import open_results

from .conftest import DEFAULT_CONFIG


@pytest.fixture(scope="module")
def report_dir(report_made):
    return report_made[0]


def test_the_report_writes_pdf_html_excel_and_charts(report_dir):
    out = report_dir / "out"
    assert (out / "riskanalys.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "riskanalys.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out / "riskanalys.xlsx").stat().st_size > 0
    assert (out / "charts" / "8_stresstester.png").exists()
    assert (out / "charts" / "7_tornado.csv").exists()


def test_the_pdf_is_byte_identical_for_the_same_inputs(report_dir, tmp_path):
    mc, st, se, models = (open_results(report_dir / f"{k}.nc")
                          for k in ("run", "stress", "sensitivity", "models"))
    write_pdf(tmp_path / "again.pdf", mc, st, se, models=models,
              backtest=open_results(report_dir / "backtest" / "backtest.nc"))
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
    assert cell.value == mc["bkr_plan"].sel(year=2023).item()
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
