"""The finance report: "Riskanalys inför finansplan" as PDF, HTML and Excel, from results
Datasets.

The PDF and the HTML page are one document (:mod:`sim.present.document`); the PDF is
byte-identical for the same inputs. The Excel workbook stores numbers as numbers with number
formats, one sheet per table, and a sheet with the config and provenance.
"""

from __future__ import annotations

import json

from . import fmt

__all__ = ["write_pdf", "write_html", "write_excel", "stress_intro", "STRESS_TABLES"]


#: The stress page's tables: (variable, for the fund with a protection level, heading).
STRESS_TABLES = (("balance_requirement_result", False, "Balanskravsresultat, mnkr"),
                 ("margin_to_goal", False, "Marginal till 1 %-målet, mnkr"),
                 ("deficit_outstanding", False, "Balanskravsunderskott att återställa, mnkr"),
                 ("fund_value", True, "Pensionsportföljens värde vid årets slut, mnkr"))


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


def write_pdf(path, mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan"):
    """riskanalys.pdf, printed by WeasyPrint from the report's HTML (:mod:`.document`)."""
    from .document import build, write_pdf_html

    return write_pdf_html(path, build(mc, stress, sens, title))


def write_html(path, mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan"):
    """riskanalys.html: the same document as one self-contained page."""
    from .document import build
    from .document import write_html as write

    return write(path, build(mc, stress, sens, title))


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
