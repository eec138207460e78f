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
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis import wilson
from . import fmt, protected_fund
from .charts import CHARTS, source_line

__all__ = ["Document", "build", "render_html", "write_html", "write_pdf_html"]

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


@dataclass
class Figure:
    svg: str                          # the chart as SVG text
    alt: str
    caption: str
    number: int = 0
    id: str = ""

    @property
    def src(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)    # str (a paragraph) | Table | Figure | list


@dataclass
class Document:
    title: str
    subtitle: str
    source: str
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

def _config(mc) -> dict:
    return json.loads(mc.attrs["config_json"])


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


def summary_section(mc, stress=None) -> Section:
    """Page 1: the bottom line and what the board can decide."""
    cfg = _config(mc)
    by = _budget_years(mc)
    sel = {"year": by}
    p = mc["p_deficit"].sel(**sel).values
    p_after = mc["p_deficit_after_rur"].sel(**sel).values
    p_any = float(mc["p_deficit_any"])
    p_goal_any = float(mc["p_below_goal_any"])
    s = Section("sammanfattning", "Sammanfattning och förslag")
    per_year = listing([f"{pct(v)} år {y}" for v, y in zip(p, by)])
    s.blocks.append(
        f"Sannolikheten för ett negativt balanskravsresultat är {per_year}. Minst ett av "
        f"budgetåren {span(by)} får ett negativt balanskravsresultat i {pct(p_any)} av "
        f"scenarierna, och 1-procentsmålet missas minst ett av åren i {pct(p_goal_any)}. "
        f"Efter resultatutjämningsreserven återstår ett underskott att återställa i "
        f"{listing([f'{pct(v)} år {y}' for v, y in zip(p_after, by)])}.")
    y0 = by[0]
    med = mc["bkr_deficit_median"].sel(year=y0).item()
    q05 = mc["bkr_quantile"].sel(quantile=0.05, year=y0).item()
    q01 = mc["bkr_quantile"].sel(quantile=0.01, year=y0).item()
    rur_start = cfg["balance_requirement"]["rur"]["start_balance"]["value"]
    size = (f"Ett typiskt underskott {y0} (medianen bland scenarierna med underskott) är "
            f"{mnkr(med)}. Ett år som inträffar vart tjugonde år ger {mnkr(q05)} eller sämre, "
            f"vart hundrade år {mnkr(q01)} eller sämre.")
    if rur_start:
        size += f" Resultatutjämningsreserven uppgår till {mnkr(rur_start)} vid planens början."
    s.blocks.append(size)
    s.blocks.append("Det som driver underskotten, som genomsnittligt bidrag i scenarierna med "
                    "underskott, är " + "; ".join(_drivers_sentence(mc, y) for y in by) + ".")
    if "p_deficit_budget_only" in mc:
        b = mc["p_deficit_budget_only"].sel(**sel).values
        m = mc["p_deficit_market_only"].sel(**sel).values
        own = bool((b >= m).all())
        s.blocks.append(
            f"Utan marknadsrisk, med fondernas avkastning enligt plan, är sannolikheten för "
            f"underskott {listing([pct(v) for v in b])} ({span(by)}); av enbart marknadsrisken "
            f"{listing([pct(v) for v in m])}. "
            + ("Den största delen av risken ligger alltså i budgeten själv: kostnader, "
               "skatteunderlag, pensioner och verksamhetens avvikelser, som styrelsen kan "
               "påverka. Marknaderna kan den inte påverka, bara fondernas strategi."
               if own else
               "Marknadsrisken väger alltså tyngre än budgetens egna risker under minst ett av "
               "åren; den kan styrelsen bara påverka genom fondernas strategi."))
    target = float(mc["target_p_deficit"])
    lever = mc["improvement_to_target"].sel(**sel).values
    printed = cfg["plan"].get("printed") or {}
    rows = []
    if printed:
        need = printed["measures_needed"][:len(by)]
        rows.append(("Behov av åtgärder enligt planen", [fmt.mnkr(v) for v in need]))
    rows.append((f"Förbättring för högst {pct(target)} risk", [fmt.mnkr(v) for v in lever]))
    rows.append(("Sannolikhet för underskott utan åtgärd", [pct(v) for v in p]))
    s.blocks.append(Table(
        f"Åtgärdsbehov per år, mnkr: planens eget mot det som krävs för att sannolikheten för "
        f"negativt balanskravsresultat ska bli högst {pct(target)}",
        ["", *map(str, by)], rows,
        note=("Förbättringen gäller årets resultat och antas lika i alla scenarier. Planens "
              "rad är tryckt med planens tecken: negativt är marginal till målet.")))
    s.blocks.append(
        "Förslag till beslutsformulering (modellens förslag, inte ett ställningstagande): "
        "Regionstyrelsen föreslår fullmäktige besluta att")
    lever_text = listing([f"{mnkr(v)} år {y}" for v, y in zip(lever, by)])
    s.blocks.append([
        f"godkänna riskanalysen som underlag för finansplanen {span(by)},",
        f"uppdra åt regiondirektören att ta fram åtgärder som förbättrar resultatet med "
        f"{lever_text}, så att sannolikheten för ett negativt balanskravsresultat blir högst "
        f"{pct(target)} per år,",
        "uppdatera riskanalysen inför nästa finansplan med de utfall som då är kända."])
    return s


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
    head = [""] + [f"{y} {'budget' if y in by else 'kalkyl'}" for y in years]
    printed = cfg["plan"].get("printed") or {}
    rows = []
    if printed:
        rows += [("Årets resultat, plan", [fmt.mnkr(v) for v in printed["net_result"]]),
                 ("Balanskravsresultat, plan",
                  [fmt.mnkr(v) for v in printed["balance_requirement_result"]])]
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
    if "bkr_base" in mc:
        s.blocks += bridge_blocks(mc, head)
    for name, cap in (("5_balanskravsresultat",
                       "Balanskravsresultatets fördelning per år: hälften av scenarierna ligger "
                       "i det mörka bandet, nio av tio i det ljusa. Linjen är 1-procentsmålet."),
                      ("6_sannolikheter",
                       "Sannolikheten för negativt balanskravsresultat och för att inte nå "
                       "1-procentsmålet, med 95-procentigt intervall för simuleringsfelet.")):
        s.blocks.append(Figure(chart_svg(mc, name), _alt(mc, name, mc), cap))
    rows = []
    for d, label in zip(mc["driver"].values, mc["driver_label"].values):
        rows.append((str(label), [fmt.mnkr(v) for v in
                                  mc["contribution_mean_deficit"].sel(driver=d).values]))
    s.blocks.append(Table("Vad driver underskotten: genomsnittligt bidrag till "
                          "balanskravsresultatets avvikelse från plan i scenarier med "
                          "underskott, mnkr", [""] + list(map(str, years)), rows))
    return s


def bridge_blocks(mc, head: list[str]) -> list:
    """From the plan to the distribution's centre: the news since the forecasts (the base
    case), then the risk around it, by channel (:func:`sim.present.tables.bridge`)."""
    from .tables import bridge

    b = bridge(mc)
    news = sum(b["news"].values())
    risk = sum(b["risk"].values())
    rows = [("Planen", [fmt.mnkr(v) for v in b["plan"]]),
            ("+ nyheter sedan prognoserna", [fmt.mnkr(v) for v in news])]
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
                          [""] + list(map(str, years)), rows))
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
    from .report import STRESS_TABLES

    years = [int(y) for y in stress["year"].values]
    s = Section("stress", "Stresstester")
    s.blocks.append(intro)
    protected = protected_fund(stress)
    for key, per_fund, heading in STRESS_TABLES:
        if per_fund and protected is None:
            continue
        da = stress[key].sel(fund=protected) if per_fund else stress[key]
        rows = [(str(lab), [fmt.mnkr(v) for v in da.sel(scenario=sc).values])
                for sc, lab in zip(stress["scenario"].values, stress["scenario_label"].values)]
        s.blocks.append(Table(f"{heading.replace(', mnkr', '')} per scenario, mnkr"
                              .replace(" %", NBSP + "%"),
                              ["Scenario"] + list(map(str, years)), rows))
    s.blocks.append(Figure(chart_svg(stress, "8_stresstester"),
                           _alt(stress, "8_stresstester", stress),
                           "Balanskravsresultatet i varje stresscenario, deterministiskt."))
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
                           "riskfaktor i taget flyttas en standardavvikelse nedåt eller uppåt. "
                           "Varje rad har samma skala för alla år."))
    return s


def _floor_rule(mc) -> str:
    """The floor rule in words, from the run's config: '85 % av det högsta värdet de senaste
    24 månaderna'."""
    strategy = _config(mc)["funds"][protected_fund(mc)]["strategy"]
    share = strategy["floor_share"]["value"]
    window = strategy["window"]["value"]
    return f"{pct(share)} av det högsta värdet de senaste {fmt.number(window)} månaderna"


def funds_section(mc) -> Section:
    cfg = _config(mc)
    s = Section("bilaga2", "Bilaga 2: fondernas strategi och risk")
    funds = [str(f) for f in mc["fund"].values]
    labels = dict(zip(funds, (str(x) for x in mc["fund_label"].values)))
    rows = []
    for f in funds:
        limit = mc["fund_loss_limit"].sel(fund=f).item()
        q95 = mc["fund_worst_fall_12m_quantile"].sel(fund=f, quantile=0.95).item()
        stated = (cfg["funds"][f].get("stated_expected_return") or {}).get("value")
        rows.append((labels[f], [
            fmt.number(stated, 1) if stated is not None else EN,
            fmt.number(mc["fund_expected_return_plan"].sel(fund=f).values.mean(), 1),
            fmt.number(mc["fund_return_pct_mean"].sel(fund=f).item(), 1),
            fmt.number(mc["fund_return_pct_std"].sel(fund=f).item(), 1),
            pct(mc["p_fund_breach_ever"].sel(fund=f).item(), 1)
            if cfg["funds"][f].get("strategy", {}).get("kind") == "dynamic" else EN,
            pct(q95, 1),
            pct(limit) if np.isfinite(limit) else EN,
            pct(mc["p_fund_fall_over_limit_ever"].sel(fund=f).item(), 1)
            if np.isfinite(limit) else EN]))
    s.blocks.append(Table(
        "Portföljerna: planens förväntade avkastning, modellens avkastning och risk, skydd och "
        "största fall",
        ["Portfölj", "Bilaga 2:s avkastning, %", "Planens avkastning, %",
         "Modellens medel, %", "Modellens risk, %",
         "Under skyddsnivån någon gång", "Största 12-månadersfall, 95 %-kvantil".replace(
             " %", NBSP + "%"), "Bilaga 2:s gräns", "Fall över gränsen någon gång"], rows,
        note=("Bilaga 2 anger förväntad avkastning utifrån dagens marknad; planen budgeterar "
              "över en konjunkturcykel, och modellen centrerar fonderna på planens avkastning "
              "(medelvärde över planåren). Risk är årsavkastningens standardavvikelse. "
              "Största fall mäts över tolv månader; Bilaga 2 mäter pensionsportföljens fall "
              "från det högsta värdet de senaste 24 månaderna, vilket kolumnen om "
              "skyddsnivån visar.")))
    names = ["1_pensionsportfolj", "2_aktieandel_kassalage", "3_storsta_fall",
             "4_avkastning_risk"]
    if "fund_value_fan" not in mc:
        names = names[2:]
    if protected_fund(mc) is None:
        names = [n for n in names if n not in ("1_pensionsportfolj", "2_aktieandel_kassalage")]
    rule = f" ({_floor_rule(mc)})" if "1_pensionsportfolj" in names else ""
    caps = {"1_pensionsportfolj": f"Pensionsportföljens marknadsvärde och skyddsnivå{rule}.",
            "2_aktieandel_kassalage": "Den dynamiska strategins aktieandel och hur ofta "
                                      "portföljen står i kassaläge.",
            "3_storsta_fall": "Det största värdefallet under tolv månader mot gränserna.",
            "4_avkastning_risk": "Förväntad årsavkastning och risk för de tre portföljerna."}
    breach = breach_paragraph(mc)
    if breach:
        s.blocks.append(breach)
    for name in names:
        s.blocks.append(Figure(chart_svg(mc, name), _alt(mc, name, mc), caps[name]))
    return s


def breach_paragraph(mc) -> str:
    """The protection level in words: how often, how deep and how long the pension portfolio
    goes below it over the plan, and what a breach is made of (from the run's breach split);
    empty without a protected fund or the split."""
    f = protected_fund(mc)
    if f is None or "fund_breach_cause" not in mc:
        return ""
    years = [int(y) for y in mc["year"].values]
    ever = float(mc["p_fund_breach_ever"].sel(fund=f))
    review = _config(mc)["funds"][f]["strategy"].get("rebalance_per_month", 1)
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


LIMITS = [
    "Verksamhetens egen risk skattas från tolv budgetavvikelser i svenska regioner ett år "
    "framåt, publicerade före planens informationsdatum; avvikelserna samma år hänger ihop, "
    "så underlaget är tunnare än tolv oberoende år.",
    "Diskonteringsräntan i RIPS och livslängdsantaganden är inte riskfaktorer.",
    "Aktiemodellen är skattad på den amerikanska aktiemarknaden i kronor 1971–2018; den "
    "står för global aktierisk i kronor, valutarisken inräknad.",
]


def measures_sentence(mc) -> str:
    """What the run assumes of the planned cost measures' delivery (``[measures]``)."""
    m = _config(mc).get("measures", {})
    mean = float(m.get("delivered_mean", {}).get("value", 1.0))
    sd = float(m.get("delivered_sd", {}).get("value", 0.0))
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
                        note=f"Källa: sim backtest med {bt.attrs['history_file']}, "
                             f"{fmt.number(float(bt.attrs['paths']))} scenarier per plan.")]


def income_sentence(mc) -> str:
    """What the run assumes of operating income against plan (``[income]``)."""
    sd = float(_config(mc).get("income", {}).get("change_sd", {}).get("value", 0.0))
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
    s.blocks.append([measures_sentence(mc), income_sentence(mc)] + list(LIMITS)
                    + [uncertainty])
    if backtest is not None:
        s.blocks += backtest_blocks(backtest)
    if models is not None:
        s.blocks += model_risk_blocks(mc, models)
    return s


def strategy_section(strat) -> Section:
    """The pension rule's frontier (``sim strategy``): what today's rule costs and buys against
    the alternatives, the frontier chart, a table of today's rule and the rules no other
    beats, and the long horizon to the payouts."""
    s = Section("strategi", "Pensionsportföljens regel: vad den kostar och vad den skyddar")
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
            f"Dagens regel ger en förväntad årsavkastning på {fmt.number(ret[today], 1)} "
            f"procent, och portföljen ligger någon gång {span(years)} mer än {limit} under sitt "
            f"högsta värde de senaste 24 månaderna (Bilaga 2:s mått) i {pct(below[today])} av "
            "scenarierna. ")
    if dom[today]:
        text += ("En annan regel ger minst lika hög avkastning med mindre risk att gå under "
                 "Bilaga 2:s nivå: dagens regel ligger inte på fronten. ")
    else:
        text += "Ingen annan regel ger både högre avkastning och mindre risk: dagens regel ligger på fronten. "
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
    s.blocks.append(text)
    s.blocks.append(Figure(chart_svg(strat, "s1_strategi_front"),
                           _alt(strat, "s1_strategi_front", strat),
                           "Regler för pensionsportföljen: förväntad avkastning mot risken att "
                           "falla under Bilaga 2:s nivå; dagens regel markerad."))
    nb = int(strat.attrs.get("budget_years", 3))
    last = years[min(nb, len(years)) - 1]
    long = "p_funding_covered" in strat
    end = int(strat["long_year"].values[-1]) if long else None
    rows = []
    for j in [today] + front:
        cells = [fmt.number(ret[j], 1), fmt.number(float(strat["fund_return_pct_std"].values[j]), 1),
                 pct(below[j], 1), pct(float(strat["p_fund_breach_ever"].values[j]), 1),
                 fmt.mnkr(float(strat["fund_realized_mean"].values[j].mean())),
                 pct(float(strat["p_deficit"].sel(year=last).values[j]), 1)]
        if long:
            cells.append(pct(float(strat["p_funding_covered"].values[j, -1]), 1))
        rows.append((("Dagens regel" if j == today else str(strat["rule_label"].values[j])),
                     cells))
    head = ["Regel", "Avkastning, %", "Standardavvikelse, %", "Under Bilaga 2:s nivå",
            "Under egen nivå", "Realiserat per år, mnkr", f"Negativt resultat {last}"]
    if long:
        head.append(f"Alla utbetalningar betalda {end}")
    s.blocks.append(Table(
        "Dagens regel och reglerna på fronten", head, rows,
        note=("Avkastning: förväntad årsavkastning och dess standardavvikelse; under nivån: "
              f"någon gång {span(years)}; realiserat: pensionsportföljens genomsnittliga bidrag "
              "till balanskravsresultatet per planår. Alla regler "
              f"({Path(str(strat.attrs.get('sweep_file', 'strategy.toml'))).name}) står i "
              "Excelbladet Strategi.")))
    if long:
        p_end = float(strat["p_funding_covered"].values[today, -1])
        payouts = strat["funding_payouts"].values
        first = int(strat["long_year"].values[np.flatnonzero(payouts > 0)[0]]) if (
            payouts > 0).any() else None
        text = (f"Portföljen finns för utbetalningarna som växer från omkring 2040. Till {end} "
                f"har portföljen med dagens regel betalat varje utbetalning i "
                f"{pct(p_end)} av scenarierna ({fmt.number(int(strat.attrs['long_paths']))} "
                "scenarier). Utbetalningarna är ett antagande"
                + (f" (från {first})" if first else "")
                + " tills regionen lägger in KPA:s prognos; inga nya avsättningar efter "
                "planperioden, och avkastningen efter planen är planens sista års.")
        s.blocks.append(text)
        s.blocks.append(Figure(chart_svg(strat, "s2_utbetalningar"),
                               _alt(strat, "s2_utbetalningar", strat),
                               "Pensionsportföljens värde mot de ackumulerade utbetalningarna, "
                               "och sannolikheten att alla utbetalningar är betalda."))
    return s


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
    source = Path(models.attrs["variants_file"]).name
    return [text, Table("Sannolikhet för negativt balanskravsresultat under olika modellval",
                        head, rows, note=f"Källa: sim compare med {source}; varje rad "
                                         "byter ett modellval.")]


def assumptions_section(mc) -> Section:
    cfg = _config(mc)
    s = Section("antaganden", "Bilaga A: antaganden")
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

    walk(cfg, "")
    s.blocks.append(Table("Antaganden i konfigurationen (värden som inte kommer ur en källa)",
                          ["Nyckel", "Värde", "Enhet", "Skäl"], rows))
    return s


#: The generator's monthly factors as the scenario appendix names them; a yearly factor's
#: name is the config's label.
FACTOR_NAMES = {"equity": "Aktiernas avkastning", "short_rate": "Den korta räntan",
                "inflation": "Inflationen (KPIF)"}


def _value(x: float, plus: bool = False) -> str:
    """A scenario value as written: as many decimals as it has, at most two."""
    x = round(float(x), 6)
    decimals = next(d for d in (0, 1, 2) if abs(x - round(x, d)) < 1e-9 or d == 2)
    return fmt.number(x, decimals, plus)


def path_sentence(name: str, fp: dict) -> str:
    """One factor path of a scenario as a Swedish sentence, every value given."""
    monthly = fp["frequency"] == "monthly"
    per = "månad" if monthly else "år"
    start = fmt.month(fp["start"]) if monthly else fp["start"]
    vals = [float(v) for v in fp["values"]]
    shift = fp["mode"] == "shift"
    if fp["unit"] == "fraction":
        nums, unit = [_value(100 * v, shift) for v in vals], f"{NBSP}%"
    elif shift:
        nums, unit = [_value(v, True) for v in vals], " procentenheter"
    else:
        nums, unit = [_value(v) for v in vals], f"{NBSP}% per år"
    if fp["unit"] == "fraction" and not shift:
        text = f"{name} per {per} är {'; '.join(nums)}{unit}"
    else:
        text = f"{name} {'flyttas' if shift else 'sätts till'} {'; '.join(nums)}{unit}"
    if len(vals) > 1:
        text += f", {len(vals)} {'månader' if monthly else 'år'} från {start}"
    else:
        text += f" {'i' if monthly else 'år'} {start}"
    then = ("därefter tillbaka till basbanan" if fp["then"] == "base"
            else "därefter kvar på det sista värdet")
    return f"{text}, {then}."


def _lower_first(text: str) -> str:
    """'Timlön (LPIK)' -> 'timlön (LPIK)': an abbreviation keeps its capitals."""
    return text[:1].lower() + text[1:]


def scenarios_section(stress) -> Section:
    """Bilaga B: each stress scenario's definition, every path in words, with its source."""
    cfg = _config(stress)
    annual = cfg.get("esg", {}).get("annual", {})
    s = Section("scenarier", "Bilaga B: stresscenarierna")
    s.blocks.append("Varje scenario sätter några riskfaktorers banor; övriga faktorer följer "
                    "planens prognoser. Värdena nedan är scenariofilernas egna.")
    rows = []
    for sc in json.loads(stress.attrs["scenario_json"]):
        parts = [path_sentence(FACTOR_NAMES.get(k) or "Tillväxten i "
                               + _lower_first(annual.get(k, {}).get("label", k)), fp)
                 for k, fp in sc["factors"].items()]
        if sc.get("measures_delivered") is not None:
            v = float(sc["measures_delivered"]["value"])
            parts.append(f"Av planens planerade åtgärder genomförs {pct(v)}.")
        if sc.get("income_change") is not None:
            v = float(sc["income_change"]["value"])
            parts.append(f"Verksamhetens intäkter blir {pct(abs(v))} "
                         f"{'lägre' if v < 0 else 'högre'} än i planen varje år.")
        if not parts:
            parts = ["Alla faktorer enligt planens prognoser."]
        rows.append((sc["label"], [" ".join(parts), sc["source"]]))
    s.blocks.append(Table("Stresscenariernas definitioner", ["Scenario", "Vad scenariot sätter",
                                                              "Källa"], rows))
    return s


GLOSSARY = [
    ("Balanskravsresultat", "Årets resultat efter avdrag för realisationsvinster och "
                            "orealiserade värdeförändringar; ska enligt kommunallagen inte vara "
                            "negativt."),
    ("Resultatutjämningsreserv (RUR)", "En reserv av tidigare överskott som får användas för "
                                       "att täcka ett negativt balanskravsresultat."),
    ("Finansnetto", "Finansiella intäkter minus finansiella kostnader."),
    ("Kvantil", "Värdet som ett visst andel av scenarierna ligger under; 5-procentskvantilen "
                "inträffar ungefär vart tjugonde år."),
    ("Skyddsnivå", "Den nivå pensionsportföljens värde inte får understiga: 85 procent av det "
                   "högsta värdet de senaste 24 månaderna."),
    ("Scenario", "En simulerad framtid för ekonomin, budgeten och marknaderna."),
    ("Kalkyl", "Planens år efter budgetåren, en beräkning och inte en budget."),
]


def glossary_section() -> Section:
    s = Section("ordlista", "Ordlista")
    s.blocks.append(Table("Begrepp", ["Begrepp", "Betydelse"],
                          [(k, [v]) for k, v in GLOSSARY]))
    return s


def build(mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan",
          models=None, backtest=None, figures: dict | None = None,
          strategy=None) -> Document:
    """The whole document from the results Datasets (``stress``, ``sens``, ``models``, the
    model variants of ``sim compare``, and ``backtest``, of ``sim backtest``, optional).
    ``figures``: charts already drawn from these Datasets (name -> (figure, rows),
    :func:`sim.present.charts.draw_charts`), used instead of drawing them again."""
    token = _DRAWN.set(figures or {})
    try:
        return _build(mc, stress, sens, title, models, backtest, strategy)
    finally:
        _DRAWN.reset(token)


def _build(mc, stress, sens, title, models, backtest, strategy=None) -> Document:
    from .report import stress_intro

    sections = [summary_section(mc, stress), reading_section(mc), results_section(mc),
                reserve_section(mc, stress)]
    if stress is not None:
        sections.append(stress_section(stress, stress_intro(stress)))
    if sens is not None:
        sections.append(sensitivity_section(sens))
    protected = protected_fund(mc)
    if protected is not None or "fund" in mc.dims:
        sections.append(funds_section(mc))
    if strategy is not None:
        sections.append(strategy_section(strategy))
    sections += [limits_section(mc, models, backtest), assumptions_section(mc)]
    if stress is not None:
        sections.append(scenarios_section(stress))
    sections.append(glossary_section())
    n_tab = n_fig = 0
    for sec in sections:
        for b in sec.blocks:
            if isinstance(b, Table):
                n_tab += 1
                b.number, b.id = n_tab, f"tabell-{n_tab}"
            elif isinstance(b, Figure):
                n_fig += 1
                b.number, b.id = n_fig, f"figur-{n_fig}"
    return Document(title, str(mc.attrs.get("title", "")), source_line(mc), sections)


def render_html(doc: Document, for_print: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(is_table=lambda b: isinstance(b, Table),
                       is_figure=lambda b: isinstance(b, Figure),
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
        HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
            tmp, stylesheets=[CSS(string=_font_css())], pdf_variant="pdf/ua-1",
            pdf_identifier=ident, uncompressed_pdf=False)
    write.cost = 10                # the longest render: started first when rendering in parallel
    return write


def write_pdf_html(path, doc: Document):
    """riskanalys.pdf (:func:`pdf_writer`), atomically."""
    from ..results import atomic_write

    return atomic_write(path, pdf_writer(doc))
