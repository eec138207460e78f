"""The board's report, written once: an HTML document from which both ``riskanalys.html`` (a
self-contained page) and ``riskanalys.pdf`` (WeasyPrint: tagged, vector charts, real fonts,
page and figure numbers, a table of contents) are made.

Everything in it is generated from the results Datasets: each sentence is built whole for its
case (no labels pasted into sentences), in Swedish typography (en dash in ranges, a
non-breaking space before % and mnkr, ”…” quotes). Figures and tables are numbered in the order
they appear. The plan rows are the plan document's own figures (``plan.printed`` in the
config), never recomputed ones; budget years and kalkyl years are marked.
"""

from __future__ import annotations

import base64
import contextvars
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis import wilson
from ..config import PlanConfig
from ..results import recorded_config
from ..stress.scenario import FactorPath, recorded_scenarios
from . import fmt, protected_fund
from .charts import CHARTS
from .tables import STRESS_TABLES, stress_intro

__all__ = ["Document", "build", "render_html", "write_html", "write_pdf_html", "Table",
           "Figure", "Details", "Section"]

#: Swedish headings for the charts' data columns (the CSV's own names where none is given).
DATA_HEADS = {"year": "År", "fund": "Portfölj", "label": "Regel", "month": "Månad",
              "factor": "Faktor", "scenario": "Scenario", "risk_level": "Risknivå"}

NBSP = "\u00a0"
EN = "\u2013"
TEMPLATES = Path(__file__).with_name("templates")


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


# ---------------------------------------------------------------------------------------------
# Charts as SVG, with their alt text
# ---------------------------------------------------------------------------------------------

#: The figures already drawn for this document (:func:`build`'s ``figures``), by chart name.
_DRAWN: contextvars.ContextVar[dict] = contextvars.ContextVar("drawn", default={})


def chart_svg(ds, name: str) -> str:
    """A chart of :data:`sim.present.charts.CHARTS` as SVG text, deterministic (fixed ids, no
    date), its text kept as text; the figure already drawn for the chart files when there is
    one (it stays open for them), else drawn here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .charts import figure_svg

    given = _DRAWN.get().get(name)
    fig = CHARTS[name][0](ds)[0] if given is None else given[0]
    svg = figure_svg(fig)
    if given is None:
        plt.close(fig)
    return svg


def _alt(mc, name: str, ds) -> str:
    years = [int(y) for y in mc["year"].values] if "year" in mc else []
    if name == "5_balanskravsresultat":
        med = ds["bkr_quantile"].sel(quantile=0.5).values
        lo = ds["bkr_quantile"].sel(quantile=0.05).values
        return (f"Diagram: balanskravsresultatets fördelning {span(years)}. Medianen går från "
                f"{mnkr(med[0])} till {mnkr(med[-1])}; 5{NBSP}%-kvantilen från {mnkr(lo[0])} "
                f"till {mnkr(lo[-1])}.")
    if name == "m_meny":
        by = _budget_years(mc)
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


# ---------------------------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------------------------

def _config(mc) -> PlanConfig:
    """The run's validated config, typed (:func:`sim.results.recorded_config`)."""
    return recorded_config(mc)


def _budget_years(mc) -> list[int]:
    years = [int(y) for y in mc["year"].values]
    return years[:int(mc.attrs.get("budget_years", len(years)))]


#: The drivers as a sentence names them (the table uses their labels).
DRIVER_NAMES = {
    "own_staff_wages": "lönerna", "social_fees": "de sociala avgifterna",
    "pension_costs": "pensionskostnaderna", "hired_staff": "den inhyrda personalen",
    "drugs": "läkemedlen", "purchased_care": "den köpta vården",
    "other_consumption": "övrig förbrukning", "tax_revenue": "skatteintäkterna",
    "fund_pension": "pensionsportföljens realiserade resultat",
    "fund_medium_term": "den medelfristiga likviditetens avkastning",
    "fund_short_term": "den kortfristiga likviditetens avkastning",
    "financial_costs": "pensionsskuldens finansiella kostnader",
    "operations": "verksamhetens kostnader utöver prognos",
    "measures": "de planerade åtgärder som inte genomförs",
    "income": "verksamhetens intäkter",
}


def _drivers_sentence(mc, year: int) -> str:
    c = mc["contribution_mean_deficit"].sel(year=year).values
    keys = [str(x) for x in mc["driver"].values]
    labels = [str(x) for x in mc["driver_label"].values]
    order = [i for i in np.argsort(c) if c[i] < 0][:2]
    if not order:
        return f"{year} inget enskilt bidrag"
    parts = [f"{DRIVER_NAMES.get(keys[i], labels[i].lower())} ({mnkr(c[i])})" for i in order]
    return f"{year} främst {listing(parts)}"


#: The channels a reader thinks in, and what the board controls of each (the report's page 1).
CONTROL = {"inflation_pensions": "nej",
           "wages_staff": "delvis: bemanningen, inte löneavtalen",
           "drugs": "delvis: förskrivningen, inte priserna",
           "tax_base": "nej",
           "funds": "regeln, inte marknaderna",
           "operations": "ja"}


def channel_rows(mc, years: list[int], deficit: bool = True) -> list:
    """Each channel's mean contribution to the balanskravsresultat's deviation from plan (in
    the paths with a deficit that year, or in all), mnkr per year, with what the board controls
    of it."""
    from ..catalogue import CHANNELS, channel_of

    name = "contribution_mean_deficit" if deficit else "contribution_mean"
    keys = [str(d) for d in mc["driver"].values]
    rows = []
    for ch, (label, _) in CHANNELS.items():
        idx = [i for i, k in enumerate(keys) if channel_of(k) == ch]
        if not idx:
            continue
        v = np.nansum(mc[name].sel(year=years).values[idx], axis=0)
        rows.append((label, [fmt.mnkr(x) for x in v] + [CONTROL[ch]]))
    return rows


def once_in(p: float) -> str:
    """A probability as 'ungefär vart N:e år' (N rounded to a readable number)."""
    n = 1.0 / p
    n = round(n) if n < 10 else 5 * round(n / 5) if n < 50 else 10 * round(n / 10)
    return f"ungefär vart {fmt.number(n)}:e år"


def summary_section(mc, stress=None) -> Section:
    """Page 1, for the board: the probability per year, a bad year in mnkr against the reserve,
    the menu of improvement against risk, the channels and what the board controls of them, and
    the bridge from the plan."""
    cfg = _config(mc)
    by = _budget_years(mc)
    sel = {"year": by}
    p = mc["p_deficit"].sel(**sel).values
    p_after = mc["p_deficit_after_rur"].sel(**sel).values
    p_goal = mc["p_below_goal"].sel(**sel).values
    p_any = float(mc["p_deficit_any"])
    s = Section("sammanfattning", "Sammanfattning för styrelsen")
    s.blocks.append(
        f"Sannolikheten för ett negativt balanskravsresultat är {listing([f'{pct(v)} år {y}' for v, y in zip(p, by)])}; "
        f"minst ett av budgetåren {span(by)} blir negativt i {pct(p_any)} av scenarierna. "
        "Tabellerna visar vad det kostar att sänka risken, vad som driver den och vad "
        "styrelsen råder över.")
    rows = []
    if "bkr_base" in mc:
        from .tables import bridge

        br = bridge(mc)
        j = [list(mc["year"].values).index(y) for y in by]
        news = sum(br["news"].values())[j]
        risk = sum(br["risk"].values())[j]
        rows += [("Planens balanskravsresultat, mnkr", [fmt.mnkr(v) for v in br["plan"][j]])]
        if np.any(np.abs(br["rounding"][j]) >= 0.5):
            rows.append(("+ avrundning i planens tryckta tabell",
                         [fmt.mnkr(v) for v in br["rounding"][j]]))
        rows += [("+ nytt sedan planens prognoser", [fmt.mnkr(v) for v in news]),
                 ("+ risk (genomsnittligt bidrag)", [fmt.mnkr(v) for v in risk]),
                 ("= medelvärde; median", [f"{fmt.mnkr(a)}; {fmt.mnkr(m)}" for a, m in
                                           zip(br["mean"][j], br["median"][j])])]
    rows += [("Sannolikhet för negativt balanskravsresultat", [pct(v) for v in p]),
             ("… negativt även efter resultatutjämningsreserven", [pct(v) for v in p_after]),
             ("… under 1-procentsmålet", [pct(v) for v in p_goal])]
    s.blocks.append(Table("Från planen till fördelningen, och sannolikheterna, per budgetår",
                          ["Mått", *map(str, by)], rows,
                          note="Avsnitt 2 visar bryggan per kanal och vad som ändrats."))
    y0 = by[0]
    q05 = mc["bkr_quantile"].sel(quantile=0.05, year=y0).item()
    q01 = mc["bkr_quantile"].sel(quantile=0.01, year=y0).item()
    rur_start = float(cfg.balance_requirement.rur.start_balance.value)
    bad = (f"Ett dåligt år: {once_in(0.05)} blir balanskravsresultatet {y0} {mnkr(q05)} "
           f"eller sämre, {once_in(0.01)} {mnkr(q01)} eller sämre.")
    if rur_start > 0:
        covers = ("Resultatutjämningsreserven, " + mnkr(rur_start) + ", täcker "
                  + ("båda." if rur_start >= -q01 else
                     "det första men inte det andra." if rur_start >= -q05 else "inget av dem."))
        bad += " " + covers
    s.blocks.append(bad)
    menu = mc["improvement_menu"].sel(year=by)
    target = float(mc["target_p_deficit"])
    rows = [(f"Högst {pct(float(lv))} risk", [fmt.mnkr(v) for v in menu.sel(risk_level=lv).values])
            for lv in menu["risk_level"].values]
    rows.append(("Risk utan åtgärd", [pct(v) for v in p]))
    printed = cfg.plan.printed
    if printed is not None and printed.measures_needed:
        rows.append(("Planens eget åtgärdsbehov (planens tecken)",
                     [fmt.mnkr(v) for v in printed.measures_needed[:len(by)]]))
    s.blocks.append(Table(
        "Vad det kostar att sänka risken: förbättring av årets resultat som krävs för en given "
        "sannolikhet för negativt balanskravsresultat, mnkr",
        ["Risknivå", *map(str, by)], rows,
        note=("Beloppen är nivåer, inte steg: så mycket bättre än planen ska årets resultat vara "
              "det året. En varaktig åtgärd räknas alla år efter. Vilken risk som är godtagbar "
              "är styrelsens val.")))
    head = ["Kanal", *map(str, by), "Styrelsen råder över"]
    s.blocks.append(Table(
        "Vad som driver underskotten: genomsnittligt bidrag till avvikelsen från plan i "
        "scenarierna med underskott, mnkr", head, channel_rows(mc, by),
        note="Verksamheten: kostnader utöver prognos, åtgärder och intäkter. Fonderna: realiserat."))
    if "p_deficit_budget_only" in mc:
        b = mc["p_deficit_budget_only"].sel(**sel).values
        m = mc["p_deficit_market_only"].sel(**sel).values
        s.blocks.append(
            f"Utan marknadsrisk, med fondernas avkastning enligt plan, är sannolikheten "
            f"{listing([pct(v) for v in b])} ({span(by)}); av enbart marknadsrisken "
            f"{listing([pct(v) for v in m])}. Styrelsen råder över verksamhetens kostnader och "
            "intäkter och över fondernas regel, inte över inflationen, pensionernas "
            "indexering, skatteunderlaget eller marknaderna.")
    lever = mc["improvement_menu"].sel(year=by)
    level = min(lever["risk_level"].values, key=lambda v: abs(float(v) - target))
    amounts = lever.sel(risk_level=level).values
    s.blocks.append(
        "Förslag till beslutsformulering (ett förslag från analysen; risknivån är styrelsens "
        "val): Regionstyrelsen föreslår fullmäktige besluta att")
    s.blocks.append([
        f"godkänna riskanalysen som underlag för finansplanen {span(by)},",
        f"fastställa den risk för negativt balanskravsresultat som planen ska hålla, och uppdra "
        f"åt regiondirektören att ta fram åtgärder som förbättrar resultatet med beloppen i "
        f"tabellen ovan för den nivån (vid högst {pct(float(level))}: "
        f"{listing([f'{mnkr(v)} år {y}' for v, y in zip(amounts, by)])}),",
        "uppdatera riskanalysen inför nästa finansplan med de utfall som då är kända."])
    s.blocks.append(Figure(chart_svg(mc, "m_meny"), _alt(mc, "m_meny", mc),
                           "Förbättring av årets resultat som krävs för en given risk för "
                           "negativt balanskravsresultat, per budgetår.",
                           data=chart_table(mc, "m_meny")))
    return s


def changes_section(mc, previous=None) -> Section:
    """What changed and why: the bridge from the plan by channel (news since the forecasts,
    the risk around the base case), and with an earlier analysis (``previous``, from
    :func:`sim.workflows.changes`) each headline figure's change, step by step: this
    version of the model on the earlier assumptions, then the new model, the new information
    date, and the rest of the plan."""
    s = Section("andrat", "Vad som ändrats och varför")
    years = [int(y) for y in mc["year"].values]
    by = _budget_years(mc)
    if "bkr_base" in mc:
        head = ["Mått"] + [f"{y} {'budget' if y in set(by) else 'kalkyl'}" for y in years]
        s.blocks += bridge_blocks(mc, head)
    if previous is not None:
        steps = [str(x) for x in previous["step"].values]
        labels = [str(x) for x in previous["step_label"].values]
        rows = []
        for st, lab in zip(steps, labels):
            d = previous.sel(step=st)
            rows.append((lab, [pct(float(d["p_deficit"].sel(year=y)), 1) for y in by]
                         + [pct(float(d["p_deficit_any"]), 1)]))
        first, last = previous.isel(step=0), previous.isel(step=-1)
        change = [float(last["p_deficit"].sel(year=y)) - float(first["p_deficit"].sel(year=y))
                  for y in by]
        biggest = []
        for k in range(1, len(steps)):
            d = [float(previous.isel(step=k)["p_deficit"].sel(year=by[0]))
                 - float(previous.isel(step=k - 1)["p_deficit"].sel(year=by[0]))]
            biggest.append((abs(d[0]), labels[k], d[0]))
        top = max(biggest)
        as_of = str(previous.attrs["previous_as_of"])
        when = ("utan informationsdatum" if as_of == "none" else
                f"{fmt.month(as_of)} som informationsdatum")
        s.blocks.append(
            f"Jämfört med förra analysen ({when}, skapad "
            f"{str(previous.attrs['previous_created'])[:10]}) har "
            f"sannolikheten för negativt balanskravsresultat {by[0]} ändrats med "
            f"{fmt.number(100 * change[0], 1, plus=True)} procentenheter. Det största steget är "
            f"{_lower_first(top[1])}: {fmt.number(100 * top[2], 1, plus=True)} procentenheter.")
        s.blocks.append(Table(
            "Från förra analysen till denna: sannolikheten för negativt balanskravsresultat, steg "
            "för steg", ["Steg", *map(str, by), f"Minst ett år {span(by)}"], rows,
            note=("Varje steg byter en del av antagandena till dagens, på samma slumptal. Första "
                  "raden är förra analysens egna siffror; den andra samma antaganden räknade "
                  "med denna version av modellen."
                  + ("" if not _skipped(previous) else
                     " Steg som inte kunde räknas, eftersom den förra planen inte tar dagens "
                     "antaganden: " + listing([_lower_first(x) for x in _skipped(previous)])
                     + "."))))
    return s


def _skipped(previous) -> list[str]:
    """The steps from the earlier analysis that could not be run (one per line)."""
    return [x for x in str(previous.attrs.get("skipped_steps", "")).split("\n") if x]


def reading_section(mc) -> Section:
    as_of = str(mc.attrs.get("information_as_of", "none"))
    n = int(mc.attrs.get("paths", 0))
    s = Section("las", "Så läser du rapporten")
    known = ("utan informationsdatum: planen från dess första år" if as_of == "none"
             else f"med det som var känt i {fmt.month(as_of)}")
    s.blocks.append(
        f"Analysen bygger på {fmt.number(n)} simulerade scenarier för ekonomin, budgeten och "
        f"finansmarknaderna, {known}. En sannolikhet på 20{NBSP}% betyder att utfallet "
        "inträffar i vart femte scenario: det är modellens bedömning givet dess antaganden, "
        "inte en prognos. Varje sannolikhet har ett simuleringsfel på några tiondels "
        "procentenheter; osäkerheten i modellens antaganden är större och redovisas under "
        "Begränsningar.")
    return s


def results_section(mc) -> Section:
    cfg = _config(mc)
    years = [int(y) for y in mc["year"].values]
    by = set(_budget_years(mc))
    s = Section("resultat", "Resultat och sannolikheter")
    head = ["Mått"] + [f"{y} {'budget' if y in by else 'kalkyl'}" for y in years]
    printed = cfg.plan.printed
    rows = []
    if printed is not None:
        rows += [("Årets resultat, plan", [fmt.mnkr(v) for v in printed.net_result]),
                 ("Balanskravsresultat, plan",
                  [fmt.mnkr(v) for v in printed.balance_requirement_result])]
    rows += [("Balanskravsresultat, medelvärde", [fmt.mnkr(v) for v in mc["bkr_mean"].values]),
             ("Balanskravsresultat, median",
              [fmt.mnkr(v) for v in mc["bkr_quantile"].sel(quantile=0.5).values]),
             ("Balanskravsresultat, 5 %-kvantil".replace(" %", NBSP + "%"),
              [fmt.mnkr(v) for v in mc["bkr_quantile"].sel(quantile=0.05).values]),
             ("Balanskravsresultat, 1 %-kvantil".replace(" %", NBSP + "%"),
              [fmt.mnkr(v) for v in mc["bkr_quantile"].sel(quantile=0.01).values]),
             ("Sannolikhet för underskott", [pct(v) for v in mc["p_deficit"].values]),
             ("Sannolikhet att inte nå 1-procentsmålet",
              [pct(v) for v in mc["p_below_goal"].values])]
    s.blocks.append(Table("Planen och modellens fördelning, mnkr", head, rows,
                          note="Planens rader är planens egna, tryckta siffror."))
    s.blocks.append(Figure(chart_svg(mc, "5_balanskravsresultat"),
                           _alt(mc, "5_balanskravsresultat", mc),
                           "Balanskravsresultatets fördelning per år: hälften av scenarierna "
                           "ligger i det mörka bandet, nio av tio i det ljusa. Linjen är "
                           "1-procentsmålet.", data=chart_table(mc, "5_balanskravsresultat")))
    later = [Figure(chart_svg(mc, "6_sannolikheter"), _alt(mc, "6_sannolikheter", mc),
                    "Sannolikheten för negativt balanskravsresultat och för att inte nå "
                    "1-procentsmålet, med 95-procentigt intervall för simuleringsfelet.",
                    data=chart_table(mc, "6_sannolikheter"))]
    rows = channel_rows(mc, years)
    s.blocks.append(Table("Vad driver underskotten per kanal, alla år: genomsnittligt bidrag i "
                          "scenarierna med underskott, mnkr",
                          ["Kanal", *map(str, years), "Styrelsen råder över"], rows))
    rows = []
    for d, label in zip(mc["driver"].values, mc["driver_label"].values):
        rows.append((str(label), [fmt.mnkr(v) for v in
                                  mc["contribution_mean_deficit"].sel(driver=d).values]))
    s.blocks.append(Details("Sannolikheterna per år i diagram, och bidragen per budgetpost",
                            later + [Table(
        "Vad driver underskotten: genomsnittligt bidrag till balanskravsresultatets avvikelse "
        "från plan i scenarier med underskott, mnkr", ["Mått"] + list(map(str, years)), rows)]))
    return s


def bridge_blocks(mc, head: list[str]) -> list:
    """From the plan to the distribution's centre: the news since the forecasts (the base
    case), then the risk around it, by channel (:func:`sim.present.tables.bridge`)."""
    from .tables import bridge

    b = bridge(mc)
    news = sum(b["news"].values())
    risk = sum(b["risk"].values())
    rows = [("Planen", [fmt.mnkr(v) for v in b["plan"]])]
    if np.any(np.abs(b["rounding"]) >= 0.5):
        rows.append(("+ avrundning i planens tryckta tabell",
                     [fmt.mnkr(v) for v in b["rounding"]]))
    rows += [("+ nyheter sedan prognoserna", [fmt.mnkr(v) for v in news])]
    rows += [(f"    {k}", [fmt.mnkr(x) for x in v]) for k, v in b["news"].items()
             if (abs(v) >= 0.5).any()]
    rows += [("= basfall", [fmt.mnkr(v) for v in b["base"]]),
             ("+ risk kring basfallet, medelbidrag", [fmt.mnkr(v) for v in risk])]
    rows += [(f"    {k}", [fmt.mnkr(x) for x in v]) for k, v in b["risk"].items()]
    rows += [("= medelvärde", [fmt.mnkr(v) for v in b["mean"]]),
             ("Median", [fmt.mnkr(v) for v in b["median"]])]
    first = int(mc["year"].values[0])
    no_news = bool(np.all(np.abs(news) < 0.5))
    text = (("Basfallet är planen själv: informationsdatumet är prognosernas eget, så inget "
             "nytt har blivit känt sedan de gjordes. " if no_news else
             f"Det som blivit känt sedan prognoserna gjordes flyttar basfallet "
             f"{mnkr(news[0])} från planen {first}. ")
            + "Skillnaden mellan basfallet och medelvärdet är risken: varje kanals "
            "genomsnittliga bidrag i alla scenarier. "
            + (f"Medianen {first} ligger under medelvärdet: fördelningen har en längre övre "
               "svans." if b["median"][0] < b["mean"][0] else
               f"Medianen {first} ligger över medelvärdet: fördelningen har en längre nedre "
               "svans, de dåliga åren är större än de goda."))
    return [text, Table("Från plan till fördelning: balanskravsresultat, mnkr", head, rows,
                        note="Nyheter: basfallets avvikelse från planen, med alla chocker efter "
                             "informationsdatumet noll och fonderna enligt plan. Risk: "
                             "medelbidraget per kanal i alla scenarier minus basfallets.")]


def reserve_section(mc, stress=None) -> Section:
    years = [int(y) for y in mc["year"].values]
    s = Section("reserven", "Resultatutjämningsreserven och treårsregeln")
    s.blocks.append(
        "Ett negativt balanskravsresultat kan täckas av resultatutjämningsreserven (RUR) "
        "enligt regionens riktlinjer. Det som inte täcks ska återställas inom tre år; ett "
        "underskott som står kvar efter tre år bryter mot kommunallagens balanskrav.")
    rows = [("Reserven tas i anspråk", [pct(v) for v in mc["p_rur_drawn"].values]),
            ("Reserven är förbrukad", [pct(v) for v in mc["p_rur_used_up"].values]),
            ("Underskott kvar efter reserven",
             [pct(v) for v in mc["p_deficit_after_rur"].values]),
            ("Underskott ej återställt inom tre år",
             [pct(v) for v in mc["p_unrestored"].values])]
    s.blocks.append(Table("Sannolikheter för reserven och återställandet",
                          ["Mått"] + list(map(str, years)), rows))
    if stress is not None:
        every = [str(x) for x in stress["scenario"].values]
        labels = dict(zip(every, (str(x) for x in stress["scenario_label"].values)))
        others = [sc for sc in every if sc != "bas"]
        rows = []
        for sc in every:
            out = stress["deficit_outstanding"].sel(scenario=sc).values
            unres = stress["deficit_unrestored"].sel(scenario=sc).values
            bal = stress["rur_balance"].sel(scenario=sc).values
            rows.append((labels[sc], [fmt.mnkr(bal[-1]), fmt.mnkr(out.max()),
                                      fmt.mnkr(unres.max())]))
        s.blocks.append(Table(
            "Reserven och återställandet i stresscenarierna, mnkr",
            ["Scenario", "Reserv vid periodens slut", "Största underskott att återställa",
             "Underskott ej återställt inom tre år"], rows))
        unrestored = [labels[sc] for sc in others
                      if float(stress["deficit_unrestored"].sel(scenario=sc).max()) > 0]
        empty = [labels[sc] for sc in others
                 if float(stress["rur_balance"].sel(scenario=sc).min()) <= 1e-9]
        if not unrestored:
            text = (f"Inget av de {len(others)} stresscenarierna lämnar underskott som inte "
                    "återställs inom tre år. ")
        elif len(unrestored) == len(others):
            text = (f"Alla {len(others)} stresscenarier lämnar underskott som inte återställs "
                    "inom tre år. ")
        else:
            text = (f"{len(unrestored)} av {len(others)} stresscenarier lämnar underskott som "
                    f"inte återställs inom tre år: {listing([quoted(x) for x in unrestored])}. ")
        if not empty:
            text += "Inget scenario tömmer reserven."
        elif len(empty) == 1:
            text += f"Reserven töms i scenariot {quoted(empty[0])}."
        else:
            text += f"Reserven töms i scenarierna {listing([quoted(x) for x in empty])}."
        s.blocks.append(text)
    return s


def stress_section(stress, intro: str) -> Section:

    years = [int(y) for y in stress["year"].values]
    s = Section("stress", "Stresstester")
    s.blocks.append(intro)
    protected = protected_fund(stress)
    more = []
    for k, (key, per_fund, heading) in enumerate(STRESS_TABLES):
        if per_fund and protected is None:
            continue
        da = stress[key].sel(fund=protected) if per_fund else stress[key]
        rows = [(str(lab), [fmt.mnkr(v) for v in da.sel(scenario=sc).values])
                for sc, lab in zip(stress["scenario"].values, stress["scenario_label"].values)]
        table = Table(f"{heading.replace(', mnkr', '')} per scenario, mnkr"
                      .replace(" %", NBSP + "%"), ["Scenario"] + list(map(str, years)), rows)
        (s.blocks if k == 0 else more).append(table)
    s.blocks.append(Figure(chart_svg(stress, "8_stresstester"),
                           _alt(stress, "8_stresstester", stress),
                           "Balanskravsresultatet i varje stresscenario, deterministiskt.",
                           data=chart_table(stress, "8_stresstester")))
    if more:
        s.blocks.append(Details("Fler tabeller för stresscenarierna", more))
    return s


def sensitivity_section(sens) -> Section:
    s = Section("kanslighet", "Känslighet")
    y0 = int(sens["year"].values[0])
    ch = np.nan_to_num(np.abs(sens["bkr_mean_change"].sel(year=y0).values).max(axis=1),
                       nan=-1.0)
    top = np.argsort(-ch)[:2]
    labels = [str(sens["factor_label"].values[i]).lower() for i in top]
    dp = np.nan_to_num(np.abs(sens["p_deficit_change"].sel(year=y0).values).max(axis=1))
    s.blocks.append(
        f"En standardavvikelse i {labels[0]} flyttar balanskravsresultatets medelvärde {y0} "
        f"med upp till {mnkr(ch[top[0]])} och sannolikheten för ett negativt resultat med upp "
        f"till {fmt.number(100 * dp[top[0]], 0)} procentenheter; i {labels[1]} med upp till "
        f"{mnkr(ch[top[1]])} och {fmt.number(100 * dp[top[1]], 0)} procentenheter.")
    s.blocks.append(Figure(chart_svg(sens, "7_tornado"), _alt(sens, "7_tornado", sens),
                           "Förändringen av balanskravsresultatets medelvärde och av "
                           "sannolikheten för ett negativt balanskravsresultat när en "
                           "riskfaktor i taget flyttas en standardavvikelse per planår nedåt "
                           "eller uppåt. Varje rad har samma skala för alla år.",
                           data=chart_table(sens, "7_tornado")))
    return s


def _floor_rule(mc) -> str:
    """The floor rule in words, from the run's config: '85 % av det högsta värdet de senaste
    24 månaderna'."""
    strategy = _config(mc).funds[protected_fund(mc)].strategy
    share = strategy.floor_share.value
    window = strategy.window.value
    return f"{pct(share)} av det högsta värdet de senaste {fmt.number(window)} månaderna"


def fund_sentences(mc) -> list[str]:
    """Per fund, sentences the next plan's Bilaga 2 can take as they are: the expected return
    as Bilaga 2 states it beside the plan's and the model's, the fall Bilaga 2 says it can
    take beside how often the model's goes beyond it, and for the pension portfolio how often,
    and by how much, its protection level is crossed."""
    cfg = _config(mc)
    years = [int(y) for y in mc["year"].values]
    protected = protected_fund(mc)
    out = []
    for f, label in zip((str(x) for x in mc["fund"].values),
                        (str(x) for x in mc["fund_label"].values)):
        stated = _stated_return(cfg, f)
        mean = float(mc["fund_return_pct_mean"].sel(fund=f))
        sd = float(mc["fund_return_pct_std"].sel(fund=f))
        plan = float(mc["fund_expected_return_plan"].sel(fund=f).values.mean())
        text = f"{label}: "
        if stated is not None:
            text += (f"förväntad avkastning ca {fmt.number(stated, 1)} procent per år enligt "
                     f"Bilaga 2, {fmt.number(plan, 1)} procent i planen; ")
        text += (f"i modellen {fmt.number(mean, 1)} procent i genomsnitt, med en "
                 f"standardavvikelse på {fmt.number(sd, 1)} procent per år.")
        limit = float(mc["fund_loss_limit"].sel(fund=f))
        if np.isfinite(limit):
            if f == protected:
                over = float(mc["p_fund_fall24_over_limit_ever"].sel(fund=f))
                text += (f" Bilaga 2: portföljen kan som mest tappa {pct(limit)} mot sitt högsta "
                         f"värde de senaste 24 månaderna. Skyddsnivån kan underskridas under "
                         f"en sexårsperiod i {pct(over)} av scenarierna")
                if over > 0 and "fund_breach_depth_quantile" in mc:
                    d = mc["fund_breach_depth_quantile"].sel(fund=f)
                    text += (f", oftast med högst {fmt.number(100 * float(d.sel(depth_quantile=0.5)), 1)} "
                             f"procentenheter och i 95 av 100 fall med högst "
                             f"{fmt.number(100 * float(d.sel(depth_quantile=0.95)), 1)}")
                text += "."
            else:
                over = float(mc["p_fund_fall_over_limit_ever"].sel(fund=f))
                q95 = float(mc["fund_worst_fall_12m_quantile"].sel(fund=f, quantile=0.95))
                text += (f" Bilaga 2: värdet kan kortsiktigt falla som mest {pct(limit)}. I "
                         f"modellen faller det mer än så under tolv månader någon gång "
                         f"{span(years)} i {pct(over)} av scenarierna; vart tjugonde scenario "
                         f"faller det som mest {pct(q95)}.")
        elif cfg.funds[f].strategy.kind == "fixed_mix" and \
                cfg.funds[f].strategy.equity_weight.value == 0.0:
            text += (" Bilaga 2 beskriver risken som mycket låg. Modellen ger bufferten samma "
                     "räntefonder som den medelfristiga förvaltningen, med två års duration; "
                     "med kortare löptider, som en buffert för tolv månader brukar ha, blir "
                     "svängningarna mindre.")
        out.append(text)
    return out


def funds_section(mc, strategy=None) -> Section:
    """Bilaga 2 in its own words: a sentence per fund the next plan can take as it is, the
    funds' table, the protection level's breaches explained, the pension portfolio's fan and,
    with ``strategy``, the rule's frontier; the other fund charts and the rules' table in the
    page's expandable parts."""
    s = Section("bilaga2", "Bilaga 2: fonderna i Bilaga 2:s egna termer")
    s.blocks.append("Meningarna nedan är skrivna så att nästa plans Bilaga 2 kan ta dem som de "
                    "står; siffrorna är modellens för planperioden.")
    s.blocks.append(fund_sentences(mc))
    cfg = _config(mc)
    funds = [str(f) for f in mc["fund"].values]
    labels = dict(zip(funds, (str(x) for x in mc["fund_label"].values)))
    rows = []
    for f in funds:
        limit = mc["fund_loss_limit"].sel(fund=f).item()
        q95 = mc["fund_worst_fall_12m_quantile"].sel(fund=f, quantile=0.95).item()
        stated = _stated_return(cfg, f)
        rows.append((labels[f], [
            fmt.number(stated, 1) if stated is not None else EN,
            fmt.number(mc["fund_expected_return_plan"].sel(fund=f).values.mean(), 1),
            fmt.number(mc["fund_return_pct_mean"].sel(fund=f).item(), 1),
            fmt.number(mc["fund_return_pct_std"].sel(fund=f).item(), 1),
            pct(q95, 1), pct(limit) if np.isfinite(limit) else EN]))
    s.blocks.append(Table(
        "Portföljerna: förväntad avkastning enligt Bilaga 2, planen och modellen, och största "
        "fall mot Bilaga 2:s gräns",
        ["Portfölj", "Bilaga 2, %", "Planen, %", "Modellen, medel, %",
         "Standardavvikelse, %", "Största fall på 12 mån, 95 %-kvantil".replace(" %", NBSP + "%"),
         "Bilaga 2:s gräns"], rows,
        note=("Bilaga 2 anger avkastningen utifrån dagens marknad; planen över en "
              "konjunkturcykel; modellen centrerar fonderna på planen.")))
    breach = breach_paragraph(mc)
    if breach:
        s.blocks.append(breach)
    protected = protected_fund(mc)
    if protected is not None and "fund_value_fan" in mc:
        s.blocks.append(Figure(chart_svg(mc, "1_pensionsportfolj"),
                               _alt(mc, "1_pensionsportfolj", mc),
                               f"Pensionsportföljens marknadsvärde och skyddsnivå "
                               f"({_floor_rule(mc)}).",
                               data=chart_table(mc, "1_pensionsportfolj")))
    if strategy is not None:
        s.blocks += strategy_blocks(strategy)
    more = []
    caps = {"2_aktieandel_kassalage": "Den dynamiska strategins aktieandel och hur ofta "
                                      "portföljen står i kassaläge.",
            "3_storsta_fall": "Det största värdefallet under tolv månader mot gränserna.",
            "4_avkastning_risk": "Förväntad årsavkastning och risk för de tre portföljerna."}
    for name, cap in caps.items():
        if name == "2_aktieandel_kassalage" and (protected is None or
                                                 "fund_value_fan" not in mc):
            continue
        more.append(Figure(chart_svg(mc, name), _alt(mc, name, mc), cap,
                           data=chart_table(mc, name)))
    if strategy is not None and "p_funding_covered" in strategy:
        more += strategy_long_blocks(strategy)
    if more:
        s.blocks.append(Details("Fler diagram om fonderna", more))
    return s


def technical_section(mc, stress=None, sens=None, models=None, strategy=None) -> Section:
    """The provenance in one place (configuration, its hash, seed, paths, model, versions,
    commit), and in the page's expandable parts the assumptions and the scenario
    definitions."""
    cfg = _config(mc)
    s = Section("teknik", "Teknisk information")
    info = str(mc.attrs.get("information_as_of", "none"))
    rows = [("Plan", [str(mc.attrs.get("config_name", ""))]),
            ("Konfigurationens kontrollsumma (SHA-256)", [str(mc.attrs.get("config_sha256", ""))[:16]]),
            ("Scenarier och startvärde för slumptalen",
             [f"{fmt.number(int(mc.attrs.get('paths', 0)))}, {mc.attrs.get('seed', '')}"]),
            ("Informationsdatum", [fmt.month(info) if info != "none" else "inget"]),
            ("Scenariogeneratorns modell", [_model_name(cfg)]),
            ("Programversion", [str(mc.attrs.get("git_commit", ""))[:12]]),
            ("Skapad", [str(mc.attrs.get("created", ""))[:10]])]
    s.blocks.append(Table("Underlaget för rapportens siffror", ["Uppgift", "Värde"], rows,
                          note=("Konfigurationen, versionerna och alla resultat finns i "
                                "resultatfilerna och i Excelbokens flik Konfiguration.")))
    s.blocks.append(Details("Antagandena i konfigurationen", assumptions_blocks(mc)))
    if stress is not None:
        s.blocks.append(Details("Stresscenariernas definitioner", scenarios_blocks(stress)))
    return s


def _stated_return(cfg: PlanConfig, fund: str) -> float | None:
    """The expected return Bilaga 2 states for ``fund``, percent per year (None if none)."""
    stated = cfg.funds[fund].stated_expected_return
    return None if stated is None else float(stated.value)


def _model_name(cfg: PlanConfig) -> str:
    cal = cfg.esg.calibration if cfg.esg is not None else None
    until = cal.data_through if cal is not None else None
    return (f"skattad på data till och med {fmt.month(until)}" if until else
            "handsatt (inte skattad)")


def breach_paragraph(mc) -> str:
    """The protection level in words: how often, how deep and how long the pension portfolio
    goes below it over the plan, and what a breach is made of (from the run's breach split);
    empty without a protected fund or the split."""
    f = protected_fund(mc)
    if f is None or "fund_breach_cause" not in mc:
        return ""
    years = [int(y) for y in mc["year"].values]
    ever = float(mc["p_fund_breach_ever"].sel(fund=f))
    review = _config(mc).funds[f].strategy.rebalance_per_month
    how = {1: "månadsvis", 2: "varannan vecka", 4: "veckovis"}.get(int(review),
                                                                  f"{review} gånger i månaden")
    text = (f"Strategin ses över {how}. Pensionsportföljen ligger under skyddsnivån vid något "
            f"månadsslut {span(years)} i {pct(ever)} av scenarierna.")
    if ever <= 0.0:
        return text
    depth = mc["fund_breach_depth_quantile"].sel(fund=f)
    spell = float(mc["fund_breach_spell_months"].sel(fund=f))
    cause = mc["fund_breach_cause"].sel(fund=f)
    parts = {str(k): float(cause.sel(breach_part=k)) for k in mc["breach_part"].values}
    fi_share = parts["fixed_income"] / min(float(cause.sum()) - parts["cushion"], -1e-12)
    text += (f" Genombrotten är grunda: i hälften av dem är portföljen som mest "
             f"{pct(float(depth.sel(depth_quantile=0.5)), 1)} under nivån, i 95 % som mest "
             f"{pct(float(depth.sel(depth_quantile=0.95)), 1)}, och en period under nivån varar "
             f"i genomsnitt {fmt.number(spell, 1)} månader. De uppstår när kudden redan är "
             f"liten (i genomsnitt {pct(parts['cushion'], 2)} av nivån vid månadens början) och "
             f"portföljen mest ligger i räntefonder: "
             f"{fmt.percent(max(min(fi_share, 1.0), 0.0), 0)} procent av månadens fall kommer från "
             "räntefondernas kursfall, resten från aktierna mellan två översyner. "
             "Transaktionskostnaderna betyder nästan inget.")
    return text


def limits_sentences(mc) -> list[str]:
    """What the model leaves out, with the facts (how many budget misses, which equity years)
    read off the sources of the run's estimates; a sentence whose fact the config does not give
    (a hand-set model) is left out."""
    import re

    out = []
    esg = _config(mc).esg
    ops = esg.annual.get("operations") if esg is not None else None
    misses = re.search(r"(\d+) budget misses", ops.sigma.source) if ops is not None else None
    if misses:
        n = int(misses.group(1))
        words = {12: "tolv", 10: "tio", 11: "elva"}
        out.append(f"Verksamhetens egen risk skattas från {words.get(n, str(n))} "
                   "budgetavvikelser i svenska regioner ett år framåt, publicerade före planens "
                   "informationsdatum; avvikelserna samma år hänger ihop, så underlaget är "
                   f"tunnare än {words.get(n, str(n))} oberoende år.")
    out.append("Diskonteringsräntan i RIPS och livslängdsantaganden är inte riskfaktorer.")
    eq = getattr(esg.equity, esg.equity.model, None) if esg is not None else None
    sources = "" if eq is None else " ".join(str(getattr(getattr(eq, k), "source", ""))
                                             for k in type(eq).model_fields)
    period = re.search(r"(\d{4})-\d{2}\.\.(\d{4})-\d{2}", sources)
    if "US market" in sources and period:
        out.append("Aktiemodellen är skattad på den amerikanska aktiemarknaden i kronor "
                   f"{period.group(1)}–{period.group(2)}; den står för global aktierisk i "
                   "kronor, valutarisken inräknad.")
    return out


def measures_sentence(mc) -> str:
    """What the run assumes of the planned cost measures' delivery (``[measures]``)."""
    m = _config(mc).measures
    mean = float(m.delivered_mean.value)
    sd = float(m.delivered_sd.value)
    if mean == 1.0 and sd == 0.0:
        return ("De planerade åtgärderna (den del av planens kostnader som pris- och "
                "löneuppräkningen inte förklarar) antas genomföras helt, som planen gör; risken "
                "att de inte genomförs ingår i verksamhetens avvikelser.")
    text = (f"Av de planerade åtgärderna antas i genomsnitt {fmt.percent(mean, 0)} procent "
            "genomföras")
    if sd > 0.0:
        text += (f", med en standardavvikelse på {fmt.number(100 * sd, 0)} procentenheter "
                 "mellan scenarierna")
    return text + "; det som inte genomförs höjer kostnaderna."


def region_backtest_blocks(bt) -> list:
    """The rolling-origin backtest over regions' budget misses (``sim backtest`` on
    budget_outturns.csv): the bands' coverage with their intervals, and by calendar year."""
    n = int(bt.attrs["coverage_n"])
    rows = []
    for band in (50, 90, 98):
        share = float(bt.attrs[f"coverage_inside_{band}"])
        lo, hi = float(bt.attrs[f"coverage_inside_{band}_lo"]), float(
            bt.attrs[f"coverage_inside_{band}_hi"])
        rows.append((f"Centrala {band}{NBSP}%-bandet",
                     [f"{int(round(share * n))} av {n}", pct(share), f"{pct(lo)}{EN}{pct(hi)}",
                      f"{band}{NBSP}%"]))
    held = all(float(bt.attrs[f"coverage_inside_{b}_lo"]) <= b / 100 <=
               float(bt.attrs[f"coverage_inside_{b}_hi"]) for b in (50, 90, 98))
    years = sorted({int(y) for y in bt["year"].values})
    by = []
    for y in years:
        sel = bt.where(bt["year"] == y, drop=True)
        outside = int((sel["inside_90"] == 0).sum())
        by.append((str(y), [str(int(sel.sizes["outturn"])), fmt.number(float(sel["pit"].mean()),
                                                                        2), str(outside)]))
    text = (f"Modellen är prövad utanför sitt urval mot {n} regionår: för varje budgetår "
            "skattas modellen enbart på det som var publicerat i november året före, och "
            "regionens utfall mot budget, i procent av verksamhetens kostnader, placeras i "
            "modellens fördelning ett år framåt. "
            + ("Banden håller: varje bands andel ligger inom sitt intervall." if held else
               "Banden håller inte: utfallen hamnar oftare utanför än modellen säger, mest "
               "åt det bättre hållet och samlat till enskilda år. Modellens spridning kring "
               "planen är för snäv för regionernas budgetavvikelser."))
    return [text,
            Table("Regionernas utfall mot modellens band (backtest utanför urvalet)",
                  ["Band", "Inom", "Andel", "95 % intervall".replace(" %", NBSP + "%"),
                   "Nominellt"], rows,
                  note="Intervallen är binomiala (Wilson). Regionår i samma år delar årets "
                       "chocker och är inte oberoende."),
            Table("Per budgetår", ["År", "Regionår", "Medelpercentil", "Utanför 90 %-bandet"
                                   .replace(" %", NBSP + "%")], by)]


def backtest_blocks(bt) -> list:
    """How the model's bands held against published outturns (``sim backtest``): a sentence
    on the coverage against the nominal 90 and 98 %, and a table per outturn."""
    if bt.attrs.get("mode") == "backtest_regions":
        return region_backtest_blocks(bt)
    n = int(bt.attrs["coverage_n"])
    k90, k98 = int(bt["inside_90"].sum()), int(bt["inside_98"].sum())
    text = (f"Modellen är prövad mot {n} publicerade utfall: för varje utfall körs den plan "
            "som gällde, med det som var känt när den gjordes, och utfallets percentil i "
            f"modellens fördelning läses av. {k90} av {n} ligger inom modellens 5{EN}95{NBSP}%-band "
            f"(nominellt 90{NBSP}%) och {k98} av {n} inom 1{EN}99{NBSP}%-bandet (nominellt "
            f"98{NBSP}%). ")
    if k98 < n:
        text += (f"Ett utfall utanför 1{EN}99{NBSP}%-bandet ska vara sällsynt; här visar det att "
                 "modellen underskattar risken för den raden. ")
    lo, hi = (float(v) for v in wilson(k90, n))
    text += (f"Med {n} utfall ligger andelen inom 5{EN}95{NBSP}%-bandet med 95{NBSP}% säkerhet "
             f"mellan {pct(lo)} och {pct(hi)}. ")
    if lo <= 0.90 <= hi:
        text += ("Intervallet rymmer de nominella 90 procenten: utfallen visar inte att "
                 "banden brister, och de är för få för att visa att de håller. Varje ny "
                 "årsredovisning lägger till utfall.")
    else:
        text += ("De nominella 90 procenten ligger utanför intervallet: banden håller inte, "
                 "och modellens spridning bör prövas.")
    rows = []
    for i in range(bt.sizes["outturn"]):
        r = bt.isel(outturn=i)
        rows.append((f"{r['line_label'].item()} {int(r['year'])}",
                     [mnkr(float(r["outturn_mnkr"])),
                      f"{fmt.mnkr(float(r['band_q05']))} till {mnkr(float(r['band_q95']))}",
                      pct(float(r["pit"]))]))
    head = ["Utfall", "Publicerat", f"Modellens 5{EN}95{NBSP}%", "Percentil"]
    return [text, Table("Publicerade utfall mot modellens fördelning (backtest)", head, rows,
                        note=f"Regionens publicerade utfall; "
                             f"{fmt.number(float(bt.attrs['paths']))} scenarier per plan.")]


def income_sentence(mc) -> str:
    """What the run assumes of operating income against plan (``[income]``)."""
    sd = float(_config(mc).income.change_sd.value)
    if sd == 0.0:
        return ("Verksamhetens intäkter (riktade statsbidrag, avgifter och ersättningar) antas "
                "bli de planerade; att de faller bort ingår i verksamhetens avvikelser.")
    return (f"Verksamhetens intäkter avviker från planen med en standardavvikelse på "
            f"{fmt.number(100 * sd, 0)} procent mellan scenarierna, samma avvikelse alla år.")


def limits_section(mc, models=None, backtest=None) -> Section:
    s = Section("begransningar", "Begränsningar")
    s.blocks.append("Modellen lämnar ute eller förenklar följande:")
    if int(mc.attrs.get("parameter_uncertainty", 0)):
        uncertainty = ("Osäkerheten i de skattade parametrarna ingår: varje grupp av scenarier "
                       "drar parametrarna ur deras skattade osäkerhet, och simuleringsfelen "
                       "räknas mellan grupperna.")
    else:
        uncertainty = ("Osäkerheten i de skattade parametrarna ingår inte i sannolikheterna; "
                       "modellen räknar som om skattningarna vore kända. Vad den gör visar "
                       "tabellen över modellval nedan.")
    s.blocks.append([measures_sentence(mc), income_sentence(mc)] + limits_sentences(mc)
                    + [uncertainty])
    if backtest is not None:
        s.blocks += backtest_blocks(backtest)
    if models is not None:
        s.blocks += model_risk_blocks(mc, models)
    return s


def strategy_blocks(strat) -> list:
    """The pension rule's frontier (``sim strategy``) for the Bilaga 2 section: what today's
    rule costs and buys against its neighbours, the frontier chart, and every rule's table in
    the page's expandable part."""
    years = [int(y) for y in strat["year"].values]
    n = int(strat.attrs["paths"])
    today = int(np.flatnonzero(strat["rule_today"].values)[0])
    dom = strat["rule_dominated"].values.astype(bool)
    ret = strat["fund_return_pct_mean"].values
    below = strat["p_fund_fall24_over_limit_ever"].values
    limit = pct(float(strat["fund_loss_limit"]))
    front = sorted((j for j in np.flatnonzero(~dom) if j != today), key=lambda k: below[k])
    text = (f"Finanspolicyn sätter regeln: skyddsnivån, fönstret, aktietaket, hur stort fall "
            f"kudden ska tåla och hur ofta andelen ses över. {len(ret)} regler har körts på "
            f"samma {fmt.number(n)} scenarier och samma avkastning i aktie- och räntefonder. "
            f"Dagens regel ger {fmt.number(ret[today], 1)} procent per år, och portföljen "
            f"ligger någon gång {span(years)} mer än {limit} under sitt högsta värde de senaste "
            f"24 månaderna i {pct(below[today])} av scenarierna. ")
    text += ("En annan regel ger minst lika hög avkastning med mindre risk: dagens regel "
             "ligger inte på fronten. " if dom[today] else
             "Ingen annan regel ger både högre avkastning och mindre risk. ")
    safer = [j for j in front if below[j] < below[today]]
    richer = [j for j in front if ret[j] > ret[today]]
    if safer:
        j = max(safer, key=lambda k: ret[k])
        text += (f"Den säkrare regeln närmast ({strat['rule_label'].values[j]}) ger "
                 f"{fmt.number(ret[j], 1)} procent och {pct(below[j])} risk. ")
    if richer:
        j = min(richer, key=lambda k: below[k])
        text += (f"Den närmaste med högre avkastning ({strat['rule_label'].values[j]}) ger "
                 f"{fmt.number(ret[j], 1)} procent och {pct(below[j])} risk.")
    nb = int(strat.attrs.get("budget_years", 3))
    last = years[min(nb, len(years)) - 1]
    rows = []
    for j in range(strat.sizes["rule"]):
        rows.append(((("Dagens regel" if j == today else str(strat["rule_label"].values[j]))
                      + (" (dominerad)" if dom[j] else "")),
                     [fmt.number(ret[j], 1),
                      fmt.number(float(strat["fund_return_pct_std"].values[j]), 1),
                      pct(below[j], 1), pct(float(strat["p_fund_breach_ever"].values[j]), 1),
                      fmt.mnkr(float(strat["fund_realized_mean"].values[j].mean())),
                      pct(float(strat["p_deficit"].sel(year=last).values[j]), 1)]))
    table = Table("Alla regler", ["Regel", "Avkastning, %", "Standardavvikelse, %",
                                  "Under Bilaga 2:s nivå", "Under egen nivå",
                                  "Realiserat per år, mnkr", f"Negativt resultat {last}"], rows)
    return [text, Figure(chart_svg(strat, "s1_strategi_front"),
                         _alt(strat, "s1_strategi_front", strat),
                         "Regler för pensionsportföljen: förväntad avkastning mot risken att "
                         "falla under Bilaga 2:s nivå; dagens regel markerad.",
                         data=chart_table(strat, "s1_strategi_front")),
            Details("Alla regler i tabellform", [table])]


def strategy_long_blocks(strat) -> list:
    """The long horizon to the payouts (``sim strategy``'s ``long_horizon``)."""
    today = int(np.flatnonzero(strat["rule_today"].values)[0])
    end = int(strat["long_year"].values[-1])
    p_end = float(strat["p_funding_covered"].values[today, -1])
    text = (f"Portföljen finns för utbetalningarna som växer från omkring 2040. Till {end} har "
            f"portföljen med dagens regel betalat varje utbetalning i {pct(p_end)} av "
            "scenarierna. Utbetalningarna är ett antagande tills regionen lägger in KPA:s "
            "prognos; inga nya avsättningar efter planperioden.")
    return [text, Figure(chart_svg(strat, "s2_utbetalningar"),
                         _alt(strat, "s2_utbetalningar", strat),
                         "Pensionsportföljens värde mot de ackumulerade utbetalningarna.",
                         data=chart_table(strat, "s2_utbetalningar"))]


def chart_table(ds, name: str) -> Table:
    """A chart's data as a table (its CSV rows), for the page's expandable part."""
    given = _DRAWN.get().get(name)
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


def model_risk_blocks(mc, models) -> list:
    """The headline probability under alternative specifications (``sim compare``): a
    sentence on the spread in the last budget year and a table, per budget year and at least
    once."""
    years = [y for y in _budget_years(mc) if y in set(int(v) for v in models["year"].values)]
    p = models["p_deficit"].sel(year=years)
    last = years[-1]
    lo, hi = float(p.sel(year=last).min()), float(p.sel(year=last).max())
    n = int(models.attrs["paths"])
    noise = float(models["p_deficit_noise_range"].sel(year=last))
    text = (f"Sannolikheten beror också på hur modellen är byggd. Med de rimliga modellval "
            f"som tabellen visar, standardmodellen inräknad, ligger sannolikheten för ett "
            f"negativt balanskravsresultat {last} mellan {fmt.percent(lo, 0)} och {pct(hi)} (tabellen nedan, "
            f"{fmt.number(n)} scenarier per modellval på samma slumptal). ")
    error = f"{fmt.number(100 * noise, 1)} procentenheter"
    if hi - lo > noise:
        text += (f"Skillnaden är större än de {error} som slumpen i simuleringen ensam kan ge, "
                 "och visar det som historiken ännu inte kan avgöra: framför allt hur ofta en "
                 "period med hög inflation återkommer. ")
    else:
        text += (f"Slumpen i simuleringen kan ensam ge en skillnad på upp till {error}, så "
                 "skillnaden kan vara slump; fler scenarier per modellval skiljer modellrisken "
                 "från slumpen. ")
    text += "Rapportens övriga siffror bygger på standardmodellen."
    rows = []
    for i, v in enumerate(models["variant"].values):
        cells = [pct(float(p.sel(variant=v, year=y)), 1) for y in years]
        cells.append(pct(float(models["p_deficit_any"].sel(variant=v)), 1))
        rows.append((str(models["variant_label"].values[i]), cells))
    head = ["Modellval"] + [str(y) for y in years] + [f"Minst ett år {span(years)}"]
    return [text, Table("Sannolikhet för negativt balanskravsresultat under olika modellval",
                        head, rows, note="Varje rad byter ett modellval; samma scenarier och "
                                         "slumptal i varje.")]


def assumptions_blocks(mc) -> list:
    """Every assumption of the config (a value no source gives), with its reason as the
    config states it (in English: marked so for screen readers)."""
    cfg = _config(mc)
    rows = []

    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node and "source" in node and isinstance(node["source"], str):
                if node["source"].startswith("assumption"):
                    v = node["value"]
                    text = (fmt.number(v, 4).rstrip("0").rstrip(",") if isinstance(
                        v, (int, float)) else str(v))
                    rows.append((path, [text, str(node.get("unit", "")), node["source"]]))
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)

    walk(cfg.model_dump(mode="json"), "")
    return ["Värden som ingen källa ger; skälet står som konfigurationen anger det (på "
            "engelska). Samma tabell finns i Excelbokens flik Antaganden.",
            Table("Antaganden i konfigurationen", ["Nyckel", "Värde", "Enhet", "Skäl"], rows,
                  lang={0: "en", 2: "en", 3: "en"})]


#: The generator's monthly factors as the scenario appendix names them; a yearly factor's
#: name is the config's label.
FACTOR_NAMES = {"equity": "Aktiernas avkastning", "short_rate": "Den korta räntan",
                "inflation": "Inflationen (KPIF)"}


def _value(x: float, plus: bool = False) -> str:
    """A scenario value as written: as many decimals as it has, at most two."""
    x = round(float(x), 6)
    decimals = next(d for d in (0, 1, 2) if abs(x - round(x, d)) < 1e-9 or d == 2)
    return fmt.number(x, decimals, plus)


def path_sentence(name: str, fp: FactorPath) -> str:
    """One factor path of a scenario as a Swedish sentence, every value given."""
    monthly = fp.frequency == "monthly"
    per = "månad" if monthly else "år"
    start = fmt.month(fp.start) if monthly else fp.start
    vals = [float(v) for v in fp.values]
    shift = fp.mode == "shift"
    if fp.unit == "fraction":
        nums, unit = [_value(100 * v, shift) for v in vals], f"{NBSP}%"
    elif shift:
        nums, unit = [_value(v, True) for v in vals], " procentenheter"
    else:
        nums, unit = [_value(v) for v in vals], f"{NBSP}% per år"
    if fp.unit == "fraction" and not shift:
        text = f"{name} per {per} är {'; '.join(nums)}{unit}"
    else:
        text = f"{name} {'flyttas' if shift else 'sätts till'} {'; '.join(nums)}{unit}"
    if len(vals) > 1:
        text += f", {len(vals)} {'månader' if monthly else 'år'} från {start}"
    else:
        text += f" {'i' if monthly else 'år'} {start}"
    then = ("därefter tillbaka till basbanan" if fp.then == "base"
            else "därefter kvar på det sista värdet")
    return f"{text}, {then}."


def _lower_first(text: str) -> str:
    """'Timlön (LPIK)' -> 'timlön (LPIK)': an abbreviation keeps its capitals."""
    return text[:1].lower() + text[1:]


def scenarios_blocks(stress) -> list:
    """Each stress scenario's definition, every path in words, with its source (as the
    scenario file states it)."""
    esg = _config(stress).esg
    annual = esg.annual if esg is not None else {}
    rows = []
    for sc in recorded_scenarios(stress):
        parts = [path_sentence(FACTOR_NAMES.get(k) or "Tillväxten i "
                               + _lower_first(annual[k].label if k in annual else k), fp)
                 for k, fp in sc.factors.items()]
        if sc.measures_delivered is not None:
            v = float(sc.measures_delivered.value)
            parts.append(f"Av planens planerade åtgärder genomförs {pct(v)}.")
        if sc.income_change is not None:
            v = float(sc.income_change.value)
            parts.append(f"Verksamhetens intäkter blir {pct(abs(v))} "
                         f"{'lägre' if v < 0 else 'högre'} än i planen varje år.")
        if not parts:
            parts = ["Alla faktorer enligt planens prognoser."]
        rows.append((sc.label, [" ".join(parts), sc.source]))
    return ["Varje scenario sätter några riskfaktorers banor; övriga faktorer följer planens "
            "prognoser. Källan står som scenariofilen anger den.",
            Table("Stresscenariernas definitioner", ["Scenario", "Vad scenariot sätter",
                                                     "Källa"], rows, lang={2: "en"})]


GLOSSARY = [
    ("Balanskravsresultat", "Årets resultat efter avdrag för realisationsvinster och "
                            "orealiserade värdeförändringar; ska enligt kommunallagen inte vara "
                            "negativt."),
    ("Resultatutjämningsreserv (RUR)", "En reserv av tidigare överskott som får användas för "
                                       "att täcka ett negativt balanskravsresultat."),
    ("Finansnetto", "Finansiella intäkter minus finansiella kostnader."),
    ("Kvantil", "Värdet som ett visst andel av scenarierna ligger under; 5-procentskvantilen "
                "inträffar ungefär vart tjugonde år."),
    ("Scenario", "En simulerad framtid för ekonomin, budgeten och marknaderna."),
    ("Kalkyl", "Planens år efter budgetåren, en beräkning och inte en budget."),
]


def glossary_section(mc) -> Section:
    """The glossary; the protection level as the run's config defines it."""
    s = Section("ordlista", "Ordlista")
    terms = list(GLOSSARY)
    if protected_fund(mc) is not None:
        at = 1 + next(i for i, (k, _) in enumerate(terms) if k == "Kvantil")
        terms.insert(at, ("Skyddsnivå", "Den nivå pensionsportföljens värde inte får "
                                        f"understiga: {_floor_rule(mc)}."))
    s.blocks.append(Table("Begrepp", ["Begrepp", "Betydelse"], [(k, [v]) for k, v in terms]))
    return s


def build(mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan",
          models=None, backtest=None, figures: dict | None = None,
          strategy=None, previous=None) -> Document:
    """The whole document from the results Datasets (``stress``, ``sens``, ``models``, the
    model variants of ``sim compare``, ``backtest``, of ``sim backtest``, ``strategy``, of ``sim
    strategy``, and ``previous``, the change from an earlier analysis, optional).
    ``figures``: charts already drawn from these Datasets (name -> (figure, rows),
    :func:`sim.present.charts.draw_charts`), used instead of drawing them again."""
    token = _DRAWN.set(figures or {})
    try:
        with fmt.nonbreaking():      # a number never breaks across a line on the page
            return _build(mc, stress, sens, title, models, backtest, strategy, previous)
    finally:
        _DRAWN.reset(token)


def _build(mc, stress, sens, title, models, backtest, strategy=None, previous=None) -> Document:

    sections = [summary_section(mc, stress), changes_section(mc, previous),
                results_section(mc), reserve_section(mc, stress)]
    if stress is not None:
        sections.append(stress_section(stress, stress_intro(stress)))
    if sens is not None:
        sections.append(sensitivity_section(sens))
    protected = protected_fund(mc)
    if protected is not None or "fund" in mc.dims:
        sections.append(funds_section(mc, strategy))
    glossary = glossary_section(mc)
    glossary.title = "Så läser du rapporten, och ordlista"
    glossary.blocks = reading_section(mc).blocks + glossary.blocks
    sections += [limits_section(mc, models, backtest), glossary,
                 technical_section(mc, stress, sens, models, strategy)]
    n_tab = n_fig = 0

    def number(blocks, shown: bool):
        nonlocal n_tab, n_fig
        for b in blocks:
            if isinstance(b, Table):
                n_tab += 1
                b.number, b.id = n_tab, f"tabell-{n_tab}"
            elif isinstance(b, Figure):
                n_fig += 1
                b.number, b.id = n_fig, f"figur-{n_fig}"
                if b.data is not None:
                    b.data.id = f"figur-{n_fig}-data"
                    b.data.caption = f"Data för figur {n_fig}"
            elif isinstance(b, Details):
                pass
    for sec in sections:                 # the printed tables and figures first, in order
        number(sec.blocks, True)
    for sec in sections:                 # then the page's folded ones
        for b in sec.blocks:
            if isinstance(b, Details):
                number(b.blocks, False)
    return Document(title, str(mc.attrs.get("title", "")), cover_lines(mc), sections)


def cover_lines(mc) -> list[tuple[str, str]]:
    """The cover's facts: the information date, the analysis date, the diary number and who
    prepared it (the config's meta), as (label, value)."""
    meta = _config(mc).meta
    info = str(mc.attrs.get("information_as_of", "none"))
    out = [("Informationsdatum", fmt.month(info) if info != "none" else "inget (planens prognoser)"),
           ("Analysdatum", str(mc.attrs.get("created", ""))[:10])]
    if meta.diary_number:
        out.append(("Diarienummer", meta.diary_number))
    if meta.prepared_by:
        out.append(("Upprättad av", meta.prepared_by))
    return out


def render_html(doc: Document, for_print: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(is_table=lambda b: isinstance(b, Table),
                       is_figure=lambda b: isinstance(b, Figure),
                       is_details=lambda b: isinstance(b, Details),
                       is_list=lambda b: isinstance(b, list))
    css = (TEMPLATES / "riskanalys.css").read_text(encoding="utf-8")
    return env.get_template("riskanalys.html.j2").render(doc=doc, css=css, for_print=for_print)


def html_writer(doc: Document):
    """``write(tmp)`` of riskanalys.html, the page rendered now."""
    text = render_html(doc)

    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")
    return write


def write_html(path, doc: Document):
    from ..results import atomic_write

    return atomic_write(path, html_writer(doc))


def _font_css() -> str:
    """The PDF's fonts: DejaVu Sans as matplotlib ships it, so every machine embeds the same
    font files (the page itself falls back to the reader's sans-serif)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = []
    for weight, style, name in ((400, "normal", "DejaVuSans.ttf"),
                                (700, "normal", "DejaVuSans-Bold.ttf"),
                                (400, "italic", "DejaVuSans-Oblique.ttf")):
        faces.append(f"@font-face {{ font-family: 'Report Sans'; font-weight: {weight}; "
                     f"font-style: {style}; src: url('{(folder / name).as_uri()}'); }}")
    return "\n".join(faces) + "\nbody, svg text { font-family: 'Report Sans'; }\n"


def pdf_writer(doc: Document):
    """``write(tmp)`` of the PDF from the same HTML: tagged (PDF/UA-1), fonts embedded,
    byte-identical for the same inputs (a fixed identifier, no dates)."""
    import hashlib

    from weasyprint import CSS, HTML

    html = render_html(doc, for_print=True)
    ident = hashlib.sha256(html.encode()).hexdigest()[:32].encode()

    def write(tmp: str) -> None:
        import io

        buf = io.BytesIO()
        HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
            buf, stylesheets=[CSS(string=_font_css())], pdf_variant="pdf/ua-1",
            pdf_identifier=ident, uncompressed_pdf=False)
        Path(tmp).write_bytes(with_id_tree(buf.getvalue()))
    write.cost = 10                # the longest render: started first when rendering in parallel
    return write


def with_id_tree(pdf: bytes) -> bytes:
    """The PDF with its structure tree's ``/IDTree``: WeasyPrint gives each table header
    cell an ``/ID`` and each data cell ``/Headers`` naming them, but leaves out the name tree
    that resolves the IDs (ISO 32000-1, 14.7.2: required when any element has an ID), so the
    header association of every table would not hold for a checker or a screen reader."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject,
                               TextStringObject)

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    tree = writer._root_object["/StructTreeRoot"].get_object()
    ids: dict[str, IndirectObject] = {}
    stack = [(tree.get("/K"), None)]
    while stack:
        node, ref = stack.pop()
        if isinstance(node, IndirectObject):
            node, ref = node.get_object(), node
        if isinstance(node, ArrayObject):
            stack += [(x, None) for x in node]
        elif isinstance(node, DictionaryObject):
            if "/ID" in node and ref is not None:
                ids[str(node["/ID"])] = ref
            if node.get("/K") is not None:
                stack.append((node["/K"], None))
    if not ids:
        return pdf
    names = ArrayObject()
    for key in sorted(ids):
        names += [TextStringObject(key), ids[key]]
    tree[NameObject("/IDTree")] = DictionaryObject({NameObject("/Names"): names})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_pdf_html(path, doc: Document):
    """riskanalys.pdf (:func:`pdf_writer`), atomically."""
    from ..results import atomic_write

    return atomic_write(path, pdf_writer(doc))
