"""The finance report: "Riskanalys inför finansplan" as PDF and Excel, from results Datasets.

The text is generated from the numbers, in Swedish; the charts are those of :mod:`sim.present.charts`;
the tables are the budget's quantiles, the probabilities, the stress scenarios and the
sensitivity. The PDF is byte-identical for the same inputs (no dates in its metadata); the Excel
workbook stores numbers as numbers with number formats, one sheet per table, and a sheet with
the config and provenance.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from . import fmt
from . import protected_fund
from .charts import CHARTS, source_line

__all__ = ["write_pdf", "write_excel", "summary_text"]

A4 = (8.27, 11.69)


def _pct(x: float, decimals: int = 0) -> str:
    return fmt.percent(x, decimals) + " %"


def _years_text(years) -> str:
    ys = [str(int(y)) for y in years]
    return ", ".join(ys[:-1]) + " och " + ys[-1] if len(ys) > 1 else ys[0]


def _floor_rule(mc, fund: str | None = None) -> str:
    """The floor rule in words, from the run's config: '85 % av det högsta värdet de senaste
    24 månaderna'; ``fund`` defaults to the fund with a protection level."""
    fund = protected_fund(mc) if fund is None else fund
    strategy = json.loads(mc.attrs["config_json"])["funds"][fund]["strategy"]
    share = strategy["floor_share"]["value"]
    window = strategy["window"]["value"]
    return f"{_pct(share)} av det högsta värdet de senaste {fmt.number(window)} månaderna"


def summary_text(mc, stress=None, sens=None) -> list[tuple[str, str]]:
    """Sections of generated Swedish text: (heading, paragraph)."""
    years = [int(y) for y in mc["year"].values]
    plan_years = years[:3]
    sel = {"year": plan_years}
    p_def = mc["p_deficit"].sel(**sel).values
    p_goal = mc["p_below_goal"].sel(**sel).values
    n = int(mc.attrs.get("paths", 0))
    out = []
    text = (f"Analysen bygger på {fmt.number(n)} simulerade scenarier för ekonomin och "
            f"finansmarknaderna. Sannolikheten för ett negativt balanskravsresultat är "
            + ", ".join(f"{_pct(p)} år {y}" for p, y in zip(p_def, plan_years))
            + ". Sannolikheten att inte nå det finansiella målet på 1 % är "
            + ", ".join(f"{_pct(p)} år {y}" for p, y in zip(p_goal, plan_years)) + ".")
    q01 = mc["bkr_quantile"].sel(quantile=0.01, year=plan_years[0]).item()
    text += (f" I det sämsta scenariot av hundra blir balanskravsresultatet {plan_years[0]} "
             f"{fmt.number(q01)} mnkr eller lägre, mot planens "
             f"{fmt.number(mc['bkr_plan'].sel(year=plan_years[0]).item())} mnkr.")
    out.append(("Sammanfattning", text))
    drivers = mc["contribution_mean_deficit"].sel(year=plan_years[0])
    order = np.argsort(drivers.values)
    worst = [str(mc["driver_label"].values[i]) for i in order[:2]]
    out.append(("Vad driver underskotten",
                f"I scenarier med underskott {plan_years[0]} kommer den största avvikelsen från "
                f"planen från {worst[0].lower()} och {worst[1].lower()} (genomsnittligt bidrag "
                f"{fmt.number(drivers.values[order[0]])} och {fmt.number(drivers.values[order[1]])} "
                "mnkr)."))
    protected = protected_fund(mc)
    if protected is not None:
        p_br = mc["p_fund_breach_ever"].sel(fund=protected).item()
        p_fall = mc["p_fund_fall_over_limit_ever"].sel(fund=protected).item()
        limit = mc["fund_loss_limit"].sel(fund=protected).item()
        out.append(("Pensionsportföljen",
                    f"Portföljens värde understiger skyddsnivån ({_floor_rule(mc)}) någon gång "
                    f"under perioden i {_pct(p_br, 1)} av "
                    f"scenarierna. Ett värdefall över {_pct(limit)} under tolv månader, "
                    f"Bilaga 2:s gräns, inträffar i {_pct(p_fall, 1)} av scenarierna. "
                    "Strategin minskar aktieandelen när marginalen till skyddsnivån krymper; "
                    "snabba fall mellan två ombalanseringar kan ändå gå igenom skyddet."))
    if stress is not None:
        bkr = stress["balance_requirement_result"].sel(year=plan_years)
        others = [s for s in stress["scenario"].values if s != "bas"]
        if others:
            worst_sc = min(others, key=lambda s: float(bkr.sel(scenario=s).min()))
            ws = bkr.sel(scenario=worst_sc)
            y_w = plan_years[int(np.argmin(ws.values))]
            label = str(stress["scenario_label"].sel(scenario=worst_sc).item())
            neg = [str(stress["scenario_label"].sel(scenario=s).item()) for s in others
                   if float(bkr.sel(scenario=s).min()) < 0]
            out.append(("Stresstester",
                        f"Av {len(others)} scenarier ger {len(neg)} ett negativt "
                        f"balanskravsresultat något av åren {_years_text(plan_years)}. Svårast "
                        f"är \"{label}\" med {fmt.number(float(ws.min()))} mnkr år {y_w}."))
    if sens is not None:
        ch = np.abs(sens["bkr_mean_change"].sel(year=plan_years[0]).values).max(axis=1)
        ch = np.nan_to_num(ch, nan=-1.0)
        top = np.argsort(-ch)[:2]
        labels = [str(sens["factor_label"].values[i]).lower() for i in top]
        out.append(("Känslighet",
                    f"En standardavvikelse i {labels[0]} flyttar balanskravsresultatet "
                    f"{plan_years[0]} med upp till {fmt.number(ch[top[0]])} mnkr, i {labels[1]} "
                    f"med {fmt.number(ch[top[1]])} mnkr. Dessa två faktorer förklarar enligt "
                    "Sobolindex huvuddelen av spridningen."))
    return out


def _table_rows_bkr(mc) -> tuple[list[str], list[list[str]]]:
    years = [int(y) for y in mc["year"].values]
    head = ["Mnkr"] + [str(y) for y in years]
    rows = []
    for key, name in (("net_result", "Årets resultat"), ("bkr", "Balanskravsresultat")):
        rows += [[f"{name}, plan"] + [fmt.number(v) for v in mc[f"{key}_plan"].values],
                 ["  medelvärde"] + [fmt.number(v) for v in mc[f"{key}_mean"].values]]
        for q, lab in ((0.5, "  median"), (0.05, "  5 %-kvantil"), (0.01, "  1 %-kvantil")):
            rows.append([lab] + [fmt.number(v) for v in mc[f"{key}_quantile"].sel(quantile=q).values])
    rows.append(["P(underskott)"] + [_pct(v, 1) for v in mc["p_deficit"].values])
    if "p_deficit_budget_only" in mc:
        rows.append(["  utan marknadsrisk"]
                    + [_pct(v, 1) for v in mc["p_deficit_budget_only"].values])
        rows.append(["  enbart marknadsrisk"]
                    + [_pct(v, 1) for v in mc["p_deficit_market_only"].values])
    rows.append(["P(under 1 %-målet)"] + [_pct(v, 1) for v in mc["p_below_goal"].values])
    return head, rows


#: The stress page's tables: (variable, for the fund with a protection level, heading).
STRESS_TABLES = (("balance_requirement_result", False, "Balanskravsresultat, mnkr"),
                 ("margin_to_goal", False, "Marginal till 1 %-målet, mnkr"),
                 ("deficit_outstanding", False, "Balanskravsunderskott att återställa, mnkr"),
                 ("fund_value", True, "Pensionsportföljens värde vid årets slut, mnkr"))


def _table_rows_stress(stress, key: str = "balance_requirement_result", fund: str | None = None,
                       heading: str = "Balanskravsresultat, mnkr"
                       ) -> tuple[list[str], list[list[str]]]:
    years = [int(y) for y in stress["year"].values]
    head = [heading] + [str(y) for y in years]
    da = stress[key] if fund is None else stress[key].sel(fund=fund)
    rows = [[str(stress["scenario_label"].sel(scenario=s).item())]
            + [fmt.number(v) for v in da.sel(scenario=s).values]
            for s in stress["scenario"].values]
    return head, rows


def _text_page(pdf, title: str, sections: list[tuple[str, str]], tables=(), source: str = ""):
    import textwrap

    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=A4)
    pt = 1.0 / (72.0 * A4[1])                     # one point as a share of the page height
    y = 0.95
    fig.text(0.08, y, title, fontsize=15, fontweight="bold", va="top", linespacing=1.3)
    y -= (title.count("\n") + 1) * 15 * 1.3 * pt + 0.015
    for head, para in sections:
        fig.text(0.08, y, head, fontsize=11, fontweight="bold", va="top")
        y -= 11 * 1.6 * pt
        wrapped = textwrap.wrap(para, 100)
        fig.text(0.08, y, "\n".join(wrapped), fontsize=9, va="top", linespacing=1.35)
        y -= len(wrapped) * 9 * 1.35 * 1.2 * pt + 0.012
    for head, cols, rows in tables:
        fig.text(0.08, y, head, fontsize=11, fontweight="bold", va="top")
        y -= 11 * 1.6 * pt
        h = (len(rows) + 1) * 12.5 * pt
        ax = fig.add_axes((0.08, y - h, 0.84, h))
        ax.axis("off")
        tab = ax.table(cellText=rows, colLabels=cols, cellLoc="right", colLoc="right",
                       bbox=(0.0, 0.0, 1.0, 1.0))
        tab.auto_set_font_size(False)
        tab.set_fontsize(7.5)
        tab.auto_set_column_width(list(range(len(cols))))
        for (r, c), cell in tab.get_celld().items():
            cell.set_linewidth(0.3)
            if c == 0:
                cell.set_text_props(ha="left")
            if r == 0:
                cell.set_text_props(fontweight="bold")
        y -= h + 0.03
    if y < 0.05:
        raise ValueError(f"the report page {title!r} overflows: shorten its text or tables")
    if source:
        fig.text(0.08, 0.03, source, fontsize=7, color="#333333")
    pdf.savefig(fig)
    plt.close(fig)


def _chart_pages(pdf, items: list[tuple[object, str, str]]) -> None:
    """Charts (drawn as in sim charts, embedded at 200 dpi) with their captions, as many to an
    A4 page as fit."""
    import textwrap

    import matplotlib.pyplot as plt

    pt = 1.0 / (72.0 * A4[1])
    fig, y = None, 0.0
    for ds, name, caption in items:
        chart, _ = CHARTS[name][0](ds)
        buf = io.BytesIO()
        chart.savefig(buf, format="png", dpi=200, metadata={"Software": None})
        plt.close(chart)
        buf.seek(0)
        img = plt.imread(buf)
        h_img = 0.84 * img.shape[0] / img.shape[1] * A4[0] / A4[1]
        lines = textwrap.wrap(caption, 100)
        need = h_img + len(lines) * 9 * 1.35 * 1.2 * pt + 0.03
        if fig is None or y - need < 0.04:
            if fig is not None:
                pdf.savefig(fig)
                plt.close(fig)
            fig, y = plt.figure(figsize=A4), 0.96
        ax = fig.add_axes((0.08, y - h_img, 0.84, h_img))
        ax.imshow(img, interpolation="lanczos")
        ax.axis("off")
        fig.text(0.08, y - h_img - 0.005, "\n".join(lines), fontsize=9, va="top",
                 linespacing=1.35)
        y -= need
    if fig is not None:
        pdf.savefig(fig)
        plt.close(fig)


def stress_intro(stress) -> str:
    """The stress page's opening: what a deterministic scenario and ``bas`` are."""
    as_of = str(stress.attrs.get("information_as_of", "none"))
    if as_of == "none":
        bas = "Bas är planen själv."
    else:
        bas = (f"Bas är planen med det som var känt i {fmt.month(as_of)}: utfallen fram till "
               "dess och inga nya avvikelser därefter.")
    return ("Varje scenario räknas deterministiskt: alla slumpmässiga chocker är noll och "
            "scenariots faktorbanor läggs in; övriga faktorer följer planens prognoser. "
            f"{bas} Scenarierna och källorna till deras siffror finns i configs/scenarios/.")


CAPTIONS = {
    "5_balanskravsresultat": "Balanskravsresultatets fördelning per år: hälften av scenarierna "
                             "ligger i det mörka bandet, nio av tio i det ljusa. Den streckade "
                             "linjen är det finansiella målet på 1 % av skatter och bidrag.",
    "6_sannolikheter": "Sannolikheten för ett negativt balanskravsresultat och för att inte nå "
                       "1 %-målet, med 95 % konfidensintervall för simuleringens osäkerhet.",
    "1_pensionsportfolj": "Pensionsportföljens marknadsvärde och skyddsnivå ({floor_rule}).",
    "2_aktieandel_kassalage": "Den dynamiska strategins aktieandel och hur ofta portföljen står i "
                              "kassaläge (aktieandel under gränsen).",
    "3_storsta_fall": "Det största värdefallet under tolv månader mot gränserna i Bilaga 2.",
    "4_avkastning_risk": "Förväntad årlig avkastning och risk för de tre portföljerna.",
    "8_stresstester": "Balanskravsresultatet i varje stresscenario, beräknat deterministiskt "
                      "(planens prognoser utom de faktorer scenariot anger).",
    "7_tornado": "Förändringen av balanskravsresultatets medelvärde när en riskfaktor i taget "
                 "flyttas en standardavvikelse nedåt (streckad) eller uppåt (grå).",
}


def write_pdf(path, mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan"):
    """riskanalys.pdf: text, tables and charts; byte-identical for the same inputs."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    from ..results import atomic_write

    def write(tmp: str) -> None:
        meta = {"Title": title, "Author": str(mc.attrs.get("title", "")),
                "Creator": "sim", "Producer": None, "CreationDate": None, "ModDate": None}
        with PdfPages(tmp, metadata=meta) as pdf:
            sub = str(mc.attrs.get("title", ""))
            tables = [("Resultat, balanskravsresultat och sannolikheter", *_table_rows_bkr(mc))]
            _text_page(pdf, f"{title}\n{sub}", summary_text(mc, stress, sens), tables,
                       source_line(mc))
            if stress is not None:
                protected = protected_fund(stress)
                tables = [("", *_table_rows_stress(stress, k, protected if f else None, h))
                          for k, f, h in STRESS_TABLES if not f or protected is not None]
                _text_page(pdf, "Stresstester", [("Scenarierna", stress_intro(stress))], tables,
                           source_line(stress))
            names = ["5_balanskravsresultat", "6_sannolikheter", "1_pensionsportfolj",
                     "2_aktieandel_kassalage", "3_storsta_fall", "4_avkastning_risk"]
            if "fund_value_fan" not in mc:
                names = [n for n in names if n not in ("1_pensionsportfolj",
                                                       "2_aktieandel_kassalage")]
            items = [(mc, n, CAPTIONS[n].format(floor_rule=_floor_rule(mc))) for n in names]
            if stress is not None:
                items.append((stress, "8_stresstester", CAPTIONS["8_stresstester"]))
            if sens is not None:
                items.append((sens, "7_tornado", CAPTIONS["7_tornado"]))
            _chart_pages(pdf, items)

    return atomic_write(path, write)


def write_excel(path, mc, stress=None, sens=None, budget=None):
    """riskanalys.xlsx: a sheet per table, numbers as numbers with formats, and provenance."""
    import datetime as dt

    import xlsxwriter

    from ..results import atomic_write

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(tmp, {"nan_inf_to_errors": True})
        # a fixed creation date: the same inputs give the same workbook content
        wb.set_properties({"title": "Riskanalys inför finansplan",
                           "author": str(mc.attrs.get("title", "")),
                           "created": dt.datetime(2000, 1, 1)})
        bold = wb.add_format({"bold": True})
        mnkr = wb.add_format({"num_format": "#,##0"})
        pct = wb.add_format({"num_format": "0.0%"})
        dec = wb.add_format({"num_format": "0.00"})
        years = [int(y) for y in mc["year"].values]

        def sheet(name: str, head: list[str], rows: list[tuple[str, list, object]]):
            ws = wb.add_worksheet(name)
            ws.write_row(0, 0, head, bold)
            for r, (label, values, cell_format) in enumerate(rows, start=1):
                ws.write_string(r, 0, label)
                for c, v in enumerate(values, start=1):
                    ws.write_number(r, c, float(v), cell_format)
            ws.set_column(0, 0, max(len(r[0]) for r in rows) + 2 if rows else 20)
            ws.set_column(1, len(head), 11)
            ws.freeze_panes(1, 1)
            return ws

        for key, name in (("bkr", "Balanskravsresultat"), ("net_result", "Årets resultat")):
            rows = [("Plan", mc[f"{key}_plan"].values, mnkr),
                    ("Medelvärde", mc[f"{key}_mean"].values, mnkr),
                    ("Medelfel", mc[f"{key}_mean_se"].values, mnkr)]
            rows += [(f"{fmt.number(100 * q, 0)} %-kvantil", mc[f"{key}_quantile"].sel(
                quantile=q).values, mnkr) for q in mc["quantile"].values]
            rows += [("Förväntat underskott 5 %", mc[f"{key}_es05"].values, mnkr)]
            sheet(name, ["Mnkr"] + [str(y) for y in years], rows)
        rows = []
        split = (("deficit_budget_only", "Balanskravsresultat < 0 utan marknadsrisk"),
                 ("deficit_market_only", "Balanskravsresultat < 0 av enbart marknadsrisk"))
        for name, label in (("deficit", "Balanskravsresultat < 0"),
                            *(x for x in split if f"p_{x[0]}" in mc),
                            ("below_goal", "Under 1 %-målet"),
                            ("unrestored", "Underskott ej återställt inom tre år"),
                            ("rur_used_up", "RUR förbrukad")):
            rows += [(label, mc[f"p_{name}"].values, pct),
                     (f"{label}, medelfel", mc[f"p_{name}_se"].values, pct),
                     (f"{label}, 95 % undre", mc[f"p_{name}_lo"].values, pct),
                     (f"{label}, 95 % övre", mc[f"p_{name}_hi"].values, pct)]
        sheet("Sannolikheter", ["Sannolikhet"] + [str(y) for y in years], rows)
        if budget is not None:
            from ..budget import LINE_KEYS
            byears = [int(y) for y in budget["year"].values]
            rows = [(str(budget[k].attrs.get("long_name", k)), budget[k].isel(path=0).values,
                     mnkr) for k in LINE_KEYS]
            sheet("Resultatbudget", ["Mnkr"] + [str(y) for y in byears], rows)
        if stress is not None:
            syears = [int(y) for y in stress["year"].values]
            rows = []
            for key, lab, cell_format in (("balance_requirement_result", "Balanskravsresultat", mnkr),
                                  ("net_result", "Årets resultat", mnkr),
                                  ("margin_to_goal", "Marginal till 1 %-målet", mnkr),
                                  ("rur_drawn", "RUR-disposition", mnkr),
                                  ("deficit_outstanding", "Underskott att återställa", mnkr)):
                rows += [(f"{lab}: {stress['scenario_label'].sel(scenario=s).item()}",
                          stress[key].sel(scenario=s).values, cell_format)
                         for s in stress["scenario"].values]
            sheet("Stresstester", ["Mnkr"] + [str(y) for y in syears], rows)
        if sens is not None:
            syears = [int(y) for y in sens["year"].values]
            rows = []
            for i, f in enumerate(sens["factor"].values):
                lab = str(sens["factor_label"].values[i])
                for st, slab in (("low", "låg"), ("high", "hög")):
                    rows.append((f"{lab}, {slab}",
                                 sens["bkr_mean_change"].sel(factor=f, setting=st).values, mnkr))
            for i, f in enumerate(sens["factor"].values):
                rows.append((f"Sobol S1: {sens['factor_label'].values[i]}",
                             sens["sobol_first"].sel(factor=f).values, dec))
            sheet("Känslighet", ["Förändring, mnkr"] + [str(y) for y in syears], rows)
        ws = wb.add_worksheet("Konfiguration")
        ws.write_row(0, 0, ["Nyckel", "Värde"], bold)
        r = 1
        for key in ("title", "mode", "seed", "paths", "config_name", "config_sha256",
                    "git_commit", "versions", "created"):
            if key in mc.attrs:
                ws.write_string(r, 0, key)
                ws.write_string(r, 1, str(mc.attrs[key]))
                r += 1
        cfg = json.loads(mc.attrs.get("config_json", "{}"))
        for key, value in _flatten(cfg):
            ws.write_string(r, 0, key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, 1, float(value))
            else:
                ws.write_string(r, 1, str(value))
            r += 1
        ws.set_column(0, 0, 60)
        ws.set_column(1, 1, 80)
        wb.close()

    return atomic_write(path, write)


def _flatten(node, prefix: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list) and node and all(isinstance(x, (int, float)) for x in node):
        yield prefix, ", ".join(repr(x) for x in node)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, node
