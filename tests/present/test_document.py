"""The board's report as a document: what it says is the Dataset's numbers, in Swedish; the
PDF is tagged with real fonts; the HTML page is self-contained and accessible, checked in a
real browser (Chromium, driven by Playwright) with axe-core."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.present import fmt
from sim.present.document import NBSP, build, pct, render_html

from ..conftest import DEFAULT_CONFIG, ROOT

#: End to end (a whole run, report or cluster): `make test` runs it, `-m "not slow"` not.
pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def made(report_made):
    return report_made


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


def squash(text: str) -> str:
    """One space for any run of white space (a PDF line break included)."""
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


def test_page_one_carries_the_datasets_numbers(made):
    """Page 1 is the board's page: the probability per year and at least once, the bridge
    from the plan, a bad year against the reserve, the menu of improvement against risk and
    the channels with what the board controls; the suggested decision names the tolerance as
    the board's choice."""
    pypdf = pytest.importorskip("pypdf")
    d, mc, st, se = made
    page1 = squash(pypdf.PdfReader(d / "out" / "riskanalys.pdf").pages[0].extract_text())
    text = squash(pdf_text(d / "out" / "riskanalys.pdf"))
    nb = int(mc.attrs["budget_years"])
    years = [int(y) for y in mc["year"].values][:nb]
    for y in years:
        p = mc["p_deficit"].sel(year=y).item()
        assert squash(f"{pct(p)} år {y}") in page1
    assert squash(f"{pct(float(mc['p_deficit_any']))} av scenarierna") in page1
    q05 = mc["bkr_quantile"].sel(quantile=0.05, year=years[0]).item()
    assert squash(f"vart 20:e år blir balanskravsresultatet {years[0]} {fmt.mnkr(q05)} mnkr") \
        in page1
    menu = mc["improvement_menu"]
    for lv in menu["risk_level"].values:
        cells = " ".join(fmt.mnkr(v) for v in menu.sel(risk_level=lv, year=years).values)
        assert squash(f"Högst {pct(float(lv))} risk {cells}") in page1, lv
    for label in ("Planens balanskravsresultat", "+ nytt sedan planens prognoser",
                  "Styrelsen råder över", "Inflation och pensionsindexering",
                  "Skatteunderlaget"):
        assert label in page1, label
    assert "risknivån är styrelsens val" in text
    lever = mc["improvement_menu"].sel(risk_level=0.10)
    for y in years:
        assert squash(f"{fmt.mnkr(lever.sel(year=y).item())} mnkr år {y}") in text
    assert f"{years[0]}–{years[-1]}" in text                      # an en dash in ranges
    assert "Regionstyrelsen föreslår fullmäktige besluta att" in text
    assert "P(underskott)" not in text and '"' not in text        # no notation, no straight quotes


def test_the_board_is_never_said_to_control_the_tax_base_or_inflation(made):
    """The sentences that say what the board controls name the budget's own channels and the
    funds' rule, never the tax base, inflation or the markets as something it controls (the
    report once said the budget's risks, the tax base among them, were what the board can
    influence)."""
    d, mc, st, se = made
    doc = build(mc, st, se)
    text = " ".join(b for s in doc.sections for b in s.blocks if isinstance(b, str))
    for sentence in re.split(r"(?<=\.)\s", text):
        if "kan påverka" in sentence or "råder över" in sentence:
            claimed = sentence.split("inte över")[0]
            for word in ("skatteunderlag", "inflation", "marknaderna"):
                assert word not in claimed, sentence


def test_twelve_pages_in_swedish_without_config_keys_paths_or_english(made):
    """At most 12 pages; no configuration key (a dotted snake_case name), no file path or
    file name, no English sentence in the PDF's text."""
    pypdf = pytest.importorskip("pypdf")
    d, _, _, _ = made
    reader = pypdf.PdfReader(d / "out" / "riskanalys.pdf")
    assert len(reader.pages) <= 12, len(reader.pages)
    text = squash(pdf_text(d / "out" / "riskanalys.pdf"))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert not re.search(r"\b[a-z]+(\.[a-z]+)+\b", text.lower().replace("m.m.", "")), \
        re.findall(r"\b[a-z]+(?:\.[a-z]+)+\b", text.lower())
    assert not re.search(r"\.(toml|csv|nc|py|json|xlsx)\b|/[a-z]+/", text)
    english = re.findall(r"\b(the|and|with|from|assumption|which|of the|is a)\b", text)
    assert english == [], english


def test_the_plan_rows_are_the_plan_documents_own(made):
    """The plan rows print the seed table's figures exactly, never recomputed ones."""
    d, mc, _, _ = made
    seed = {r["key"]: r for r in csv.DictReader(
        line for line in open(ROOT / "tests/data/resultatbudget_2023_2028.csv", encoding="utf-8")
        if not line.startswith("#"))}
    html = (d / "out" / "riskanalys.html").read_text(encoding="utf-8")
    years = [str(int(y)) for y in mc["year"].values]
    for key, label in (("net_result", "Årets resultat, plan"),
                       ("balance_requirement_result", "Balanskravsresultat, plan")):
        row = re.search(rf'<th scope="row" class="label">{label}</th>(.*?)</tr>', html).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row)
        assert cells == [fmt.mnkr(float(seed[key][y])) for y in years]
    measures = re.search(r"Planens eget åtgärdsbehov \(planens tecken\)</th>(.*?)</tr>", html)
    assert measures, html[html.find("Behov") - 200:html.find("Behov") + 300]
    measures = measures.group(1)
    nb = int(mc.attrs["budget_years"])
    assert re.findall(r"<td>(.*?)</td>", measures) == [
        fmt.mnkr(float(seed["measures_needed"][y])) for y in years[:nb]]
    head = re.search(r"<caption[^>]*>Tabell \d+\. Planen och modellens fördelning.*?</thead>", html,
                     re.S).group(0)
    assert head.count("budget</th>") == nb and head.count("kalkyl</th>") == len(years) - nb


def test_the_pdf_is_tagged_with_embedded_fonts_and_numbered(made):
    pypdf = pytest.importorskip("pypdf")
    d, _, _, _ = made
    reader = pypdf.PdfReader(d / "out" / "riskanalys.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    kinds = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            kinds.add(str(font["/Subtype"]))
            if font["/Subtype"] == "/Type0":
                desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert kinds and "/Type3" not in kinds, kinds
    text = pdf_text(d / "out" / "riskanalys.pdf")
    assert "Sida 1 av" in text and "Figur 1." in text and "Tabell 1." in text
    # figures and tables numbered in the order they appear
    figures = [int(n) for n in re.findall(r"Figur (\d+)\.", text)]
    assert figures == list(range(1, len(figures) + 1))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.tables, self.external, self.stack = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
            if not a.get("src", "").startswith("data:"):
                self.external.append(a.get("src"))
        if tag in ("script", "link", "iframe") or (tag == "a" and a.get("href", "#")[0] != "#"):
            self.external.append((tag, a))
        if tag == "table":
            self.tables.append({"th": 0, "caption": False})
        if tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True


def test_the_html_is_self_contained_with_alt_text_and_headers(made):
    d, mc, st, se = made
    html = (d / "out" / "riskanalys.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    assert page.imgs and all(a.get("alt", "").strip() for a in page.imgs)
    assert page.tables and all(t["th"] > 0 and t["caption"] for t in page.tables)
    assert page.external == []
    assert '<html lang="sv">' in html
    # the HTML and the PDF are one document
    from sim.results import open_results

    assert render_html(build(mc, st, se, models=open_results(d / "models.nc"),
                             backtest=open_results(d / "backtest" / "backtest.nc"),
                             strategy=open_results(d / "strategy.nc"))) == html
    # every chart has its data beside it, in a table of its own
    figures = re.findall(r'<figure id="(figur-\d+)">(.*?)</figure>', html, re.S)
    assert figures and all(f'<table id="{fid}-data">' in body for fid, body in figures)


def test_stress_sentences_follow_the_numbers(made):
    _, mc, st, se = made
    doc = build(mc, st, se)
    reserve = next(s for s in doc.sections if s.id == "reserven")
    text = " ".join(b for b in reserve.blocks if isinstance(b, str))
    others = [s for s in st["scenario"].values if s != "bas"]
    unrestored = [s for s in others if float(st["deficit_unrestored"].sel(scenario=s).max()) > 0]
    if len(unrestored) == len(others):
        assert f"Alla {len(others)} stresscenarier" in text
    elif unrestored:
        assert f"{len(unrestored)} av {len(others)} stresscenarier" in text
    else:
        assert "Inget av de" in text


@pytest.mark.parametrize("width", [1280, 390])
def test_in_a_real_browser_nothing_overflows_and_axe_finds_nothing(made, browser, width):
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright")
    d, _, _, _ = made
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((d / "out" / "riskanalys.html").as_uri())
    # no element reaches past the page's width (a wide table scrolls inside its own box)
    over = page.evaluate("""() => {
        const w = document.documentElement.clientWidth;
        const bad = [];
        for (const el of document.querySelectorAll('body *')) {
            if (el.closest('.table-wrap, .figure-wrap') && !el.matches('.table-wrap, .figure-wrap')) continue;
            const r = el.getBoundingClientRect();
            if (r.width > 0 && (r.right > w + 1 || r.left < -1)) bad.push(el.tagName + ' ' + (el.id || el.className));
        }
        return {bad, scroll: document.documentElement.scrollWidth, w};
    }""")
    assert over["bad"] == [] and over["scroll"] <= over["w"], over
    # every chart loaded and has its alt text
    imgs = page.evaluate("() => [...document.images].map(i => [i.naturalWidth, i.alt])")
    assert imgs and all(w > 0 and alt for w, alt in imgs)
    # with every folded part open (the assumptions, more charts, every chart's data)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    results = axe_mod.Axe().run(page)
    found = results.response["violations"]
    assert found == [], [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in found]
    page.close()


def test_the_model_risk_table_and_sentence_are_the_compare_results(made):
    """The limits section's model-risk table: every cell the sim compare Dataset's
    probability, the sentence's range its min and max in the last budget year."""
    from sim.results import open_results

    d, mc, _, _ = made
    models = open_results(d / "models.nc")
    text = squash((d / "out" / "riskanalys.html").read_text(encoding="utf-8"))
    years = [int(y) for y in mc["year"].values][:int(mc.attrs["budget_years"])]
    last = models["p_deficit"].sel(year=years[-1]).values
    assert (f"negativt balanskravsresultat {years[-1]} mellan {fmt.percent(last.min(), 0)} "
            f"och {fmt.percent(last.max(), 0)} %") in text
    for i, v in enumerate(models["variant"].values):
        label = str(models["variant_label"].values[i])
        cells = " ".join(f"<td>{fmt.percent(float(models['p_deficit'].sel(variant=v, year=y)), 1)} %</td>"
                         for y in years)
        assert f'<th scope="row" class="label">{label}</th>{cells}'.replace("</td> <td>", "</td><td>") \
            in text.replace("</td> <td>", "</td><td>"), label
    assert "skattade parametrarna ingår inte" in text


def test_the_excel_workbook_has_the_market_split(made):
    openpyxl = pytest.importorskip("openpyxl")
    d, _, _, _ = made
    wb = openpyxl.load_workbook(d / "out" / "riskanalys.xlsx")
    ws = wb["Sannolikheter"]
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "Balanskravsresultat < 0 utan marknadsrisk" in labels
    assert np.isfinite(ws.cell(2, 2).value)


def test_csv_locale_sv_is_what_swedish_excel_splits(tmp_path):
    run = CliRunner()
    for loc in ("en", "sv"):
        res = run.invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads", "1",
                               "--csv-locale", loc, "--out", str(tmp_path / loc / "run.nc")])
        assert res.exit_code == 0, res.output
    en = list(csv.DictReader(open(tmp_path / "en" / "run_summary.csv", encoding="utf-8")))
    raw = (tmp_path / "sv" / "run_summary.csv").read_text(encoding="utf-8-sig")
    sv = list(csv.DictReader(raw.splitlines(), delimiter=";"))
    assert len(sv) == len(en) and raw.splitlines()[0].count(";") == len(en[0]) - 1
    for a, b in zip(en, sv):
        assert b["statistic"] == a["statistic"]
        assert "." not in b["value"]
        x, y = float(b["value"].replace(",", ".")), float(a["value"])
        assert x == y or (np.isnan(x) and np.isnan(y))
    res = run.invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--csv-locale", "de",
                           "--out", str(tmp_path / "de" / "run.nc")])
    assert res.exit_code == 2 and "'de' is not one of" in res.output
    assert not (tmp_path / "de").exists()


def test_the_long_sheet_has_unit_and_definition_for_every_row(made):
    openpyxl = pytest.importorskip("openpyxl")
    d, mc, _, _ = made
    ws = openpyxl.load_workbook(d / "out" / "riskanalys.xlsx")["Data"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["Mått", "Benämning", "Enhet", "Definition"] and head[-2:] == ["År", "Värde"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert all(r[2] and r[3] and isinstance(r[8], int) for r in rows)
    got = {r[8]: r[9] for r in rows if r[0] == "p_deficit"}
    # the workbook writes each number as a double; a rounding in the last bit is not a change
    assert got == pytest.approx({int(y): float(mc["p_deficit"].sel(year=y))
                                 for y in mc["year"].values}, rel=1e-12)


def test_the_backtest_rows_and_coverage_are_the_backtest_results(made):
    """The limits section's backtest: each published outturn with the model's 5-95 % band and
    its percentile from sim backtest's Dataset; the coverage counted from its flags."""
    from sim.results import open_results

    d, _, _, _ = made
    bt = open_results(d / "backtest" / "backtest.nc")
    text = squash((d / "out" / "riskanalys.html").read_text(encoding="utf-8"))
    n = bt.sizes["outturn"]
    assert n == int(bt.attrs["coverage_n"]) >= 2
    k90 = int(bt["inside_90"].sum())
    assert f"Modellen är prövad mot {n} publicerade utfall" in text
    assert f"{k90} av {n} ligger inom modellens 5–95 %-band (nominellt 90 %)" in text
    for i in range(n):
        r = bt.isel(outturn=i)
        row = (f'<th scope="row" class="label">{r["line_label"].item()} {int(r["year"])}</th>'
               f'<td>{fmt.mnkr(float(r["outturn_mnkr"]))} mnkr</td>'
               f'<td>{fmt.mnkr(float(r["band_q05"]))} till {fmt.mnkr(float(r["band_q95"]))} '
               f'mnkr</td><td>{fmt.percent(float(r["pit"]), 0)} %</td>')
        assert row in text.replace("</td> <td>", "</td><td>").replace("</th> <td>", "</th><td>")
    from sim.analysis import wilson

    lo, hi = wilson(k90, n)          # the coverage's 95 % interval, as the text gives it
    assert (f"ligger andelen inom 5–95 %-bandet med 95 % säkerhet mellan "
            f"{fmt.percent(float(lo), 0)} % och {fmt.percent(float(hi), 0)} %") in text
    assert ("för få för att visa att de håller" in text) == bool(lo <= 0.90 <= hi)


def test_a_scenario_path_in_words_by_hand():
    """A yearly shift, a monthly level of equity, one year's level and a held path, written
    out by hand."""
    from sim.present.document import path_sentence
    from sim.stress.scenario import FactorPath

    def path(**kw):
        return FactorPath.model_validate(
            {**kw, "source": "assumption: a path written out by hand for this test"})

    drugs = {"mode": "shift", "frequency": "yearly", "start": "2023", "values": [5.0, 5.0, 5.0],
             "unit": "percent", "then": "base"}
    assert path_sentence("Tillväxten i läkemedelskostnader", path(**drugs)) == (
        "Tillväxten i läkemedelskostnader flyttas +5; +5; +5 procentenheter, 3 år från 2023, "
        "därefter tillbaka till basbanan.")
    equity = {"mode": "level", "frequency": "monthly", "start": "2023-02",
              "values": [-0.08, -0.135], "unit": "fraction", "then": "base"}
    assert path_sentence("Aktiernas avkastning", path(**equity)) == (
        f"Aktiernas avkastning per månad är −8; −13,5{NBSP}%, 2 månader från februari 2023, "
        "därefter tillbaka till basbanan.")
    kpif = {"mode": "level", "frequency": "yearly", "start": "2024", "values": [6.0],
            "unit": "percent_per_year", "then": "hold"}
    assert path_sentence("Inflationen (KPIF)", path(**kpif)) == (
        f"Inflationen (KPIF) sätts till 6{NBSP}% per år år 2024, därefter kvar på det sista "
        "värdet.")


def test_the_scenario_appendix_defines_every_scenario_run(made):
    """Bilaga B has a row per scenario of the stress file, every value of every path in it,
    and the delivery of the measures where a scenario sets it."""
    import json

    d, _, st, _ = made
    text = squash((d / "out" / "riskanalys.html").read_text(encoding="utf-8"))
    appendix = text[text.index("Stresscenariernas definitioner</caption>"):]
    for sc in json.loads(st.attrs["scenario_json"]):
        row = appendix[appendix.index(f'<th scope="row" class="label">{sc["label"]}</th>'):]
        row = row[:row.index("</tr>")]
        for fp in sc["factors"].values():
            scale = 100.0 if fp["unit"] == "fraction" else 1.0
            for v in fp["values"]:
                assert fmt.number(round(scale * v, 6), 2).rstrip("0").rstrip(",") in row, \
                    (sc["label"], v)
        if sc.get("measures_delivered") is not None:
            assert "genomförs 0 %" in row
        if sc.get("income_change") is not None:
            v = abs(sc["income_change"]["value"])
            assert f"intäkter blir {fmt.percent(v, 0)} % lägre än i planen" in row
    assert "configs/scenarios" not in text                      # no file path in the text


def _struct(reader):
    """Every structure element of a PDF: (type, element dict, its indirect reference)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    out = []
    stack = [(reader.trailer["/Root"]["/StructTreeRoot"].get_object()["/K"], None)]
    while stack:
        node, ref = stack.pop()
        if isinstance(node, IndirectObject):
            node, ref = node.get_object(), node
        if isinstance(node, ArrayObject):
            stack += [(x, None) for x in node]
        elif isinstance(node, DictionaryObject):
            if "/S" in node:
                out.append((str(node["/S"]), node, ref))
            if node.get("/K") is not None:
                stack.append((node["/K"], None))
    return out


def test_the_pdf_meets_the_machine_checkable_matterhorn_conditions(made):
    """PDF/UA-1 as far as a program can check it without veraPDF (the Matterhorn protocol's
    machine-checkable failure conditions that apply to this document):
    01-005/06-001..03 marked, PDF/UA identifier and title in the metadata; 07-001 the title
    displayed; 11-001 a document language; 13-004 every figure has alternative text; 14-002
    headings nest without a skipped level; 15-003/15-005 every data cell's /Headers names
    header cells that exist in the /IDTree (ISO 32000-1, 14.7.2); one tagged table per
    logical table (no table split across a page into several); 31-009/31-027 every font
    embedded, none Type 3 (the test above). Not covered (a person's judgement): reading
    order, alt text's meaning, colour; table-of-contents leaders do not arise (the printed
    report has no contents page: its bookmarks are the headings)."""
    pypdf = pytest.importorskip("pypdf")
    d, mc, st, se = made
    reader = pypdf.PdfReader(d / "out" / "riskanalys.pdf")
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "sv"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    meta = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in meta and "<dc:title>" in meta
    elems = _struct(reader)
    figures = [e for kind, e, _ in elems if kind == "/Figure"]
    assert figures and all(str(e.get("/Alt", "")).strip() for e in figures)
    levels = [int(kind[2]) for kind, _, _ in elems if re.fullmatch(r"/H[1-6]", kind)]
    assert levels.count(1) == 1 and set(levels) <= {1, 2}
    tree = root["/StructTreeRoot"].get_object()
    names = tree["/IDTree"]["/Names"]
    ids = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    th = [e for kind, e, _ in elems if kind == "/TH"]
    assert th and all(str(e["/ID"]) in ids for e in th)
    for kind, e, _ in elems:
        if kind == "/TD":
            heads = e["/A"]["/Headers"]
            assert heads and all(str(h) in ids for h in heads)
    from sim.results import open_results
    from sim.present.document import Table

    doc = build(mc, st, se, models=open_results(d / "models.nc"),
                backtest=open_results(d / "backtest" / "backtest.nc"),
                strategy=open_results(d / "strategy.nc"))
    printed = sum(isinstance(b, Table) for s in doc.sections for b in s.blocks)
    assert sum(kind == "/Table" for kind, _, _ in elems) == printed
