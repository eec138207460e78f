"""The board's pages: the summary for the board (page 1: the bridge, the probabilities, a bad year,
the menu, the channels and the decision wording), what changed and why, the results beside the
plan, and the reserve with the three-year rule."""

from __future__ import annotations

import numpy as np

from .. import fmt
from .blocks import (NBSP, Details, Figure, Section, Table, alt_text, budget_years, chart_svg,
                     chart_table, listing, lower_first, mnkr, once_in, pct, quoted, run_config,
                     span)


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


def drivers_sentence(mc, year: int) -> str:
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
    from ...catalogue import CHANNELS, channel_of

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


def summary_section(mc, stress=None) -> Section:
    """Page 1, for the board: the probability per year, a bad year in mnkr against the reserve,
    the menu of improvement against risk, the channels and what the board controls of them, and
    the bridge from the plan."""
    cfg = run_config(mc)
    by = budget_years(mc)
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
        from ..tables import bridge

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
    s.blocks.append(Figure(chart_svg(mc, "m_meny"), alt_text(mc, "m_meny", mc),
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
    by = budget_years(mc)
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
            f"{lower_first(top[1])}: {fmt.number(100 * top[2], 1, plus=True)} procentenheter.")
        s.blocks.append(Table(
            "Från förra analysen till denna: sannolikheten för negativt balanskravsresultat, steg "
            "för steg", ["Steg", *map(str, by), f"Minst ett år {span(by)}"], rows,
            note=("Varje steg byter en del av antagandena till dagens, på samma slumptal. Första "
                  "raden är förra analysens egna siffror; den andra samma antaganden räknade "
                  "med denna version av modellen."
                  + ("" if not skipped_steps(previous) else
                     " Steg som inte kunde räknas, eftersom den förra planen inte tar dagens "
                     "antaganden: " + listing([lower_first(x) for x in skipped_steps(previous)])
                     + "."))))
    return s


def skipped_steps(previous) -> list[str]:
    """The steps from the earlier analysis that could not be run (one per line)."""
    return [x for x in str(previous.attrs.get("skipped_steps", "")).split("\n") if x]


def results_section(mc) -> Section:
    cfg = run_config(mc)
    years = [int(y) for y in mc["year"].values]
    by = set(budget_years(mc))
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
                           alt_text(mc, "5_balanskravsresultat", mc),
                           "Balanskravsresultatets fördelning per år: hälften av scenarierna "
                           "ligger i det mörka bandet, nio av tio i det ljusa. Linjen är "
                           "1-procentsmålet.", data=chart_table(mc, "5_balanskravsresultat")))
    later = [Figure(chart_svg(mc, "6_sannolikheter"), alt_text(mc, "6_sannolikheter", mc),
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
    from ..tables import bridge

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
