"""The finance report: "Riskanalys inför finansplan" as PDF, HTML and Excel, from results
Datasets.

The PDF and the HTML page are one document (:mod:`sim.present.document`); the PDF is
byte-identical for the same inputs. The Excel workbook stores numbers as numbers with number
formats, one sheet per table, and a sheet with the config and provenance.
"""

from __future__ import annotations


import numpy as np

from ..results import recorded_config
from . import fmt, plan_figures

__all__ = ["write_pdf", "write_html", "write_excel"]


#: The stress page's tables: (variable, for the fund with a protection level, heading).
def write_pdf(path, mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan",
              models=None, backtest=None, strategy=None, previous=None):
    """riskanalys.pdf, printed by WeasyPrint from the report's HTML (:mod:`.document`)."""
    from .document import build, write_pdf_html

    return write_pdf_html(path, build(mc, stress, sens, title, models, backtest,
                                      strategy=strategy, previous=previous))


def write_html(path, mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan",
               models=None, backtest=None, strategy=None, previous=None):
    """riskanalys.html: the same document as one self-contained page."""
    from .document import build
    from .document import write_html as write

    return write(path, build(mc, stress, sens, title, models, backtest,
                             strategy=strategy, previous=previous))


def write_excel(path, mc, stress=None, sens=None, budget=None, charts=None, strategy=None):
    """riskanalys.xlsx (:func:`excel_writer`), atomically."""
    from ..results import atomic_write

    return atomic_write(path, excel_writer(mc, stress, sens, budget, charts, strategy))


def excel_writer(mc, stress=None, sens=None, budget=None, charts=None, strategy=None):
    """``write(tmp)`` of riskanalys.xlsx: a sheet per table, numbers as numbers with formats,
    and provenance. ``charts``: each chart's data rows (name -> rows, as its CSV), a sheet
    each ("Diagram <name>"), so a controller redraws a chart from the workbook.
    ``strategy`` (``sim strategy``): a sheet "Strategi" with every rule, a row each."""
    import datetime as dt

    import xlsxwriter

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

        def sheet(name: str, head: list, rows: list[tuple], labels: int = 1):
            """A table: ``labels`` text columns, then numbers; a year in the head is a
            number."""
            ws = wb.add_worksheet(name)
            for c, h in enumerate(head):
                if isinstance(h, (int, np.integer)):
                    ws.write_number(0, c, int(h), bold)
                else:
                    ws.write_string(0, c, str(h), bold)
            for r, row in enumerate(rows, start=1):
                *texts, values, cell_format = row
                for c, t in enumerate(texts):
                    ws.write_string(r, c, str(t))
                for c, v in enumerate(values, start=len(texts)):
                    ws.write_number(r, c, float(v), cell_format)
            for c in range(labels):
                ws.set_column(c, c, max(len(str(r[c])) for r in rows) + 2 if rows else 20)
            ws.set_column(labels, len(head), 11)
            ws.freeze_panes(1, labels)
            return ws

        for key, name in (("bkr", "Balanskravsresultat"), ("net_result", "Årets resultat")):
            rows = [("Plan", plan_figures(mc, key), mnkr),
                    ("Medelvärde", mc[f"{key}_mean"].values, mnkr),
                    ("Medelfel", mc[f"{key}_mean_se"].values, mnkr)]
            rows += [(f"{fmt.number(100 * q, 0)} %-kvantil", mc[f"{key}_quantile"].sel(
                quantile=q).values, mnkr) for q in mc["quantile"].values]
            rows += [("Förväntat underskott 5 %", mc[f"{key}_es05"].values, mnkr)]
            sheet(name, ["Mnkr"] + years, rows)
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
        sheet("Sannolikheter", ["Sannolikhet"] + years, rows)
        if budget is not None:
            from ..budget import LINE_KEYS
            byears = [int(y) for y in budget["year"].values]
            rows = [(str(budget[k].attrs.get("long_name", k)), budget[k].isel(path=0).values,
                     mnkr) for k in LINE_KEYS]
            sheet("Resultatbudget", ["Mnkr"] + byears, rows)
        if stress is not None:
            syears = [int(y) for y in stress["year"].values]
            rows = []
            for key, lab, cell_format in (("balance_requirement_result", "Balanskravsresultat", mnkr),
                                  ("net_result", "Årets resultat", mnkr),
                                  ("margin_to_goal", "Marginal till 1 %-målet", mnkr),
                                  ("rur_drawn", "RUR-disposition", mnkr),
                                  ("deficit_outstanding", "Underskott att återställa", mnkr)):
                rows += [(lab, str(stress["scenario_label"].sel(scenario=s).item()),
                          stress[key].sel(scenario=s).values, cell_format)
                         for s in stress["scenario"].values]
            sheet("Stresstester", ["Mått, mnkr", "Scenario"] + syears, rows, labels=2)
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
            sheet("Känslighet", ["Förändring, mnkr"] + syears, rows)
        if strategy is not None:
            _strategy_sheet(wb, bold, pct, dec, strategy)
        _text_sheets(wb, bold, mc, stress)
        _long_sheet(wb, bold, mc, stress)
        for name, chart_rows in (charts or {}).items():
            _chart_sheet(wb, bold, f"Diagram {name}"[:31], chart_rows)
        ws = wb.add_worksheet("Konfiguration")
        ws.write_row(0, 0, ["Nyckel", "Värde (en cell per värde i en lista)"], bold)
        r = 1
        for key, name in (("title", "Titel"), ("mode", "Körning"), ("seed", "Seed"),
                          ("paths", "Scenarier"), ("config_name", "Konfiguration"),
                          ("config_sha256", "Konfigurationens SHA-256"),
                          ("git_commit", "Git-version"), ("versions", "Programversioner"),
                          ("created", "Skapad")):
            if key in mc.attrs:
                ws.write_string(r, 0, name)
                ws.write_string(r, 1, str(mc.attrs[key]))
                r += 1
        cfg = (recorded_config(mc).model_dump(mode="json") if "config_json" in mc.attrs
               else {})
        for key, value in _flatten(cfg):
            ws.write_string(r, 0, key)
            for c, v in enumerate(value if isinstance(value, list) else [value], start=1):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, float(v))
                else:
                    ws.write_string(r, c, str(v))
            r += 1
        ws.set_column(0, 0, 60)
        ws.set_column(1, 1, 40)
        wb.close()

    return write


def _text_sheets(wb, bold, mc, stress=None) -> None:
    """'Antaganden' (every assumption of the config, its value, unit and reason) and
    'Scenarier' (each stress scenario's definition in words, with its source): the report's
    technical detail, which the printed report leaves out."""
    from .document import assumptions_blocks, scenarios_blocks

    def table_sheet(name: str, table) -> None:
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, table.head, bold)
        for r, (label, cells) in enumerate(table.rows, start=1):
            ws.write_string(r, 0, str(label))
            for c, v in enumerate(cells, start=1):
                ws.write_string(r, c, str(v))
        ws.set_column(0, 0, 45)
        ws.set_column(1, len(table.head), 30)
        ws.freeze_panes(1, 1)

    table_sheet("Antaganden", assumptions_blocks(mc)[-1])
    if stress is not None:
        table_sheet("Scenarier", scenarios_blocks(stress)[-1])


def _strategy_sheet(wb, bold, pct, dec, strat) -> None:
    """'Strategi': every rule of ``sim strategy`` with its parameters and results, numbers as
    numbers (shares as percentages)."""
    from ..strategy import SWEEP_KEYS

    years = [int(y) for y in strat["year"].values]
    ws = wb.add_worksheet("Strategi")
    cols = [("Regel", None), ("Dagens", None), ("Dominerad", None)]
    cols += [(f"{name.capitalize()}", dec) for name in SWEEP_KEYS.values()]
    cols += [("Förväntad avkastning, %", dec), ("Standardavvikelse, %", dec),
             ("Under Bilaga 2:s nivå någon gång", pct), ("Under egen nivå någon gång", pct),
             ("Djup under nivån, 95 %-kvantil", pct),
             ("Minst ett negativt balanskravsresultat", pct)]
    cols += [(f"Negativt balanskravsresultat {y}", pct) for y in years]
    cols += [(f"Realiserat till balanskravsresultatet {y}, mnkr", dec) for y in years]
    long = "p_funding_covered" in strat
    if long:
        end = int(strat["long_year"].values[-1])
        cols.append((f"Alla utbetalningar betalda {end}", pct))
    ws.write_row(0, 0, [c for c, _ in cols], bold)
    for i in range(strat.sizes["rule"]):
        vals = [str(strat["rule_label"].values[i]),
                "ja" if bool(strat["rule_today"].values[i]) else "",
                "ja" if bool(strat["rule_dominated"].values[i]) else ""]
        vals += [float(strat[f"rule_{k}"].values[i]) for k in SWEEP_KEYS]
        vals += [float(strat["fund_return_pct_mean"].values[i]),
                 float(strat["fund_return_pct_std"].values[i]),
                 float(strat["p_fund_fall24_over_limit_ever"].values[i]),
                 float(strat["p_fund_breach_ever"].values[i]),
                 float(strat["fund_breach_depth_quantile"].values[i, -1]),
                 float(strat["p_deficit_any"].values[i])]
        vals += [float(v) for v in strat["p_deficit"].values[i]]
        vals += [float(v) for v in strat["fund_realized_mean"].values[i]]
        if long:
            vals.append(float(strat["p_funding_covered"].values[i, -1]))
        for c, (v, (_, form)) in enumerate(zip(vals, cols)):
            if isinstance(v, str):
                ws.write_string(i + 1, c, v)
            elif np.isfinite(v):
                ws.write_number(i + 1, c, v, form)
    ws.set_column(0, 0, 50)
    ws.set_column(1, len(cols), 14)
    ws.freeze_panes(1, 1)


def _chart_sheet(wb, bold, name: str, rows: list[dict]) -> None:
    """A chart's data as its CSV has it: one column per key, numbers as numbers."""
    ws = wb.add_worksheet(name)
    keys = list(rows[0]) if rows else []
    ws.write_row(0, 0, keys, bold)
    for r, row in enumerate(rows, start=1):
        for c, k in enumerate(keys):
            v = row[k]
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                ws.write_number(r, c, float(v))
            else:
                ws.write_string(r, c, str(v))
    ws.set_column(0, max(len(keys) - 1, 0), 16)
    ws.freeze_panes(1, 0)


def _flatten(node, prefix: str = ""):
    if isinstance(node, dict):
        for k in sorted(node):                   # as the recorded JSON: keys sorted
            yield from _flatten(node[k], f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list) and node and all(isinstance(x, (int, float)) for x in node):
        yield prefix, list(node)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, node


def _long_sheet(wb, bold, mc, stress=None) -> None:
    """'Data': every statistic of the run (and the stress results) in long format, one row per
    measure, scenario or driver and year, with its unit and definition (the catalogue's)."""
    from ..catalogue import entry

    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["Mått", "Benämning", "Enhet", "Definition", "Källa", "Scenario",
                        "Drivkraft", "Fond", "År", "Värde"], bold)
    r = 1

    def rows(ds, origin: str):
        for name, da in ds.data_vars.items():
            if "path" in da.dims or "year" not in da.dims or not set(da.dims) <= {
                    "year", "scenario", "driver", "fund"}:
                continue
            e = entry(name)
            for idx in np.ndindex(da.shape):
                lab = {d: str(ds[d].values[i]) for d, i in zip(da.dims, idx)}
                yield (name, e.label, e.units, e.definition, origin, lab.get("scenario", ""),
                       lab.get("driver", ""), lab.get("fund", ""), int(lab["year"]),
                       float(da.values[idx]))

    sources = [(mc, "Monte Carlo")] + ([(stress, "Stresstest")] if stress is not None else [])
    for ds, origin in sources:
        for row in rows(ds, origin):
            for c, v in enumerate(row[:8]):
                ws.write_string(r, c, v)
            ws.write_number(r, 8, row[8])
            ws.write_number(r, 9, row[9])
            r += 1
    ws.set_column(0, 1, 30)
    ws.set_column(3, 3, 60)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, r - 1, 9)
