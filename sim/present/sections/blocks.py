"""The report's building blocks: the document model (tables, figures, folded parts, sections),
Swedish sentence helpers (percent, mnkr, lists, ranges, "ungefär vart N:e år"), and the charts
as SVG with their alt text and data tables."""

from __future__ import annotations

import base64
import contextvars
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import fmt
from ...config import PlanConfig
from ...results import recorded_config
from ..charts import CHARTS


#: Swedish headings for the charts' data columns (the CSV's own names where none is given).
DATA_HEADS = {"year": "År", "fund": "Portfölj", "label": "Regel", "month": "Månad",
              "factor": "Faktor", "scenario": "Scenario", "risk_level": "Risknivå"}


NBSP = "\u00a0"


EN = "\u2013"


TEMPLATES = Path(__file__).parents[1] / "templates"


def pct(x: float, decimals: int = 0) -> str:
    return f"{fmt.percent(x, decimals)}{NBSP}%"


def mnkr(x: float) -> str:
    return f"{fmt.mnkr(x)}{NBSP}mnkr"


def span(years) -> str:
    ys = [int(y) for y in years]
    return f"{ys[0]}{EN}{ys[-1]}" if len(ys) > 1 else str(ys[0])


def listing(items: list[str]) -> str:
    """'a, b och c'."""
    return ", ".join(items[:-1]) + " och " + items[-1] if len(items) > 1 else items[0]


def quoted(text: str) -> str:
    return f"\u201d{text}\u201d"


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[tuple[str, list[str]]]
    note: str = ""
    number: int = 0
    id: str = ""
    #: a cell column's language when it is not Swedish (column index, 0 the row label):
    #: the configuration's own texts, in English, in the page's expandable parts
    lang: dict = field(default_factory=dict)


@dataclass
class Figure:
    svg: str                          # the chart as SVG text
    alt: str
    caption: str
    number: int = 0
    id: str = ""
    data: Table | None = None         # the chart's numbers, in the page's expandable part

    @property
    def src(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass
class Details:
    """Content for the page only, folded: the technical detail the printed report leaves out
    (the assumptions, the scenarios' definitions, more charts, every chart's data)."""

    summary: str
    blocks: list


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)    # str (a paragraph) | Table | Figure | list


@dataclass
class Document:
    title: str
    subtitle: str
    cover: list                      # (label, value): information date, analysis date, ...
    sections: list[Section]


#: The figures already drawn for this document (:func:`build`'s ``figures``), by chart name.
DRAWN: contextvars.ContextVar[dict] = contextvars.ContextVar("drawn", default={})


def chart_svg(ds, name: str) -> str:
    """A chart of :data:`sim.present.charts.CHARTS` as SVG text, deterministic (fixed ids, no
    date), its text kept as text; the figure already drawn for the chart files when there is
    one (it stays open for them), else drawn here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..charts import figure_svg

    given = DRAWN.get().get(name)
    fig = CHARTS[name][0](ds)[0] if given is None else given[0]
    svg = figure_svg(fig)
    if given is None:
        plt.close(fig)
    return svg


def alt_text(mc, name: str, ds) -> str:
    years = [int(y) for y in mc["year"].values] if "year" in mc else []
    if name == "5_balanskravsresultat":
        med = ds["bkr_quantile"].sel(quantile=0.5).values
        lo = ds["bkr_quantile"].sel(quantile=0.05).values
        return (f"Diagram: balanskravsresultatets fördelning {span(years)}. Medianen går från "
                f"{mnkr(med[0])} till {mnkr(med[-1])}; 5{NBSP}%-kvantilen från {mnkr(lo[0])} "
                f"till {mnkr(lo[-1])}.")
    if name == "m_meny":
        by = budget_years(mc)
        m = ds["improvement_menu"].sel(year=by[0])
        lv = [float(v) for v in m["risk_level"].values]
        low = min(lv)
        return (f"Diagram: förbättringen av årets resultat som krävs för en given risk, per "
                f"budgetår. För {by[0]} krävs {mnkr(float(m.sel(risk_level=low)))} för "
                f"{pct(low)} risk och {mnkr(float(m.sel(risk_level=max(lv))))} för "
                f"{pct(max(lv))}; utan åtgärd är risken {pct(float(ds['p_deficit'].sel(year=by[0])))}.")
    if name == "6_sannolikheter":
        p = ds["p_deficit"].values
        return (f"Diagram: sannolikheten för negativt balanskravsresultat per år, från "
                f"{pct(p[0])} år {years[0]} till {pct(p[-1])} år {years[-1]}, och för att inte "
                "nå 1-procentsmålet.")
    if name == "1_pensionsportfolj":
        return ("Diagram: pensionsportföljens marknadsvärde per månad (median och band) och "
                "skyddsnivån.")
    if name == "2_aktieandel_kassalage":
        return "Diagram: den dynamiska strategins aktieandel per månad och andelen i kassaläge."
    if name == "3_storsta_fall":
        return ("Diagram: fördelningen av det största värdefallet under tolv månader per "
                "portfölj mot Bilaga 2:s gränser.")
    if name == "4_avkastning_risk":
        return "Diagram: förväntad årsavkastning mot risk för de tre portföljerna."
    if name == "8_stresstester":
        bkr = ds["balance_requirement_result"]
        worst = float(bkr.min())
        return (f"Diagram: balanskravsresultatet per år i varje stresscenario; det lägsta "
                f"värdet är {mnkr(worst)}.")
    if name == "s1_strategi_front":
        today = int(np.flatnonzero(ds["rule_today"].values)[0])
        return (f"Diagram: {ds.sizes['rule']} regler för pensionsportföljen som punkter, "
                "förväntad årsavkastning mot sannolikheten att falla under Bilaga 2:s nivå; "
                f"dagens regel ger {fmt.number(float(ds['fund_return_pct_mean'].values[today]), 1)} "
                f"procent och {pct(float(ds['p_fund_fall24_over_limit_ever'].values[today]))} risk.")
    if name == "s2_utbetalningar":
        end = int(ds["long_year"].values[-1])
        today = int(np.flatnonzero(ds["rule_today"].values)[0])
        med = float(ds["funding_value_quantile"].isel(rule=today).sel(value_quantile=0.5)
                    .values[-1])
        return (f"Diagram: pensionsportföljens värde till {end} (median {mnkr(med)} mnkr "
                f"{end}) mot de ackumulerade utbetalningarna, och sannolikheten att alla "
                "utbetalningar är betalda, per regel.")
    if name == "7_tornado":
        return ("Diagram: hur balanskravsresultatets medelvärde (övre raden, mnkr) och "
                "sannolikheten för ett negativt balanskravsresultat (nedre raden, "
                "procentenheter) ändras när en riskfaktor i taget flyttas en "
                "standardavvikelse nedåt eller uppåt; standardavvikelsen står vid varje faktor.")
    raise KeyError(name)


def run_config(mc) -> PlanConfig:
    """The run's validated config, typed (:func:`sim.results.recorded_config`)."""
    return recorded_config(mc)


def budget_years(mc) -> list[int]:
    years = [int(y) for y in mc["year"].values]
    return years[:int(mc.attrs.get("budget_years", len(years)))]


def once_in(p: float) -> str:
    """A probability as 'ungefär vart N:e år' (N rounded to a readable number)."""
    n = 1.0 / p
    n = round(n) if n < 10 else 5 * round(n / 5) if n < 50 else 10 * round(n / 10)
    return f"ungefär vart {fmt.number(n)}:e år"


def chart_table(ds, name: str) -> Table:
    """A chart's data as a table (its CSV rows), for the page's expandable part."""
    given = DRAWN.get().get(name)
    rows = (CHARTS[name][0](ds) if given is None else given)[1]
    if given is None:
        import matplotlib.pyplot as plt

        plt.close("all")
    if not rows:
        return Table("Diagrammets data", ["Inga data"], [])
    keys = list(rows[0])

    def cell(v):
        if isinstance(v, (bool, np.bool_)):
            return "ja" if v else "nej"
        if isinstance(v, (int, float, np.integer, np.floating)):
            return fmt.number(float(v), 0 if float(v) == int(float(v)) and abs(v) >= 1 else 3)
        return str(v)
    return Table("Diagrammets data", [DATA_HEADS.get(k, k) for k in keys],
                 [(cell(r[keys[0]]), [cell(r[k]) for k in keys[1:]]) for r in rows])


def value_text(x: float, plus: bool = False) -> str:
    """A scenario value as written: as many decimals as it has, at most two."""
    x = round(float(x), 6)
    decimals = next(d for d in (0, 1, 2) if abs(x - round(x, d)) < 1e-9 or d == 2)
    return fmt.number(x, decimals, plus)


def lower_first(text: str) -> str:
    """'Timlön (LPIK)' -> 'timlön (LPIK)': an abbreviation keeps its capitals."""
    return text[:1].lower() + text[1:]
