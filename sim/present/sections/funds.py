"""Bilaga 2 in its own words: a sentence per fund, the breaches of the protection level explained,
and the pension rule's frontier and long horizon (``sim strategy``)."""

from __future__ import annotations

import numpy as np

from .. import fmt, protected_fund
from ...config import PlanConfig
from .blocks import (EN, NBSP, Details, Figure, Section, Table, alt_text, chart_svg, chart_table,
                     pct, run_config, span)


def floor_rule_words(mc) -> str:
    """The floor rule in words, from the run's config: '85 % av det högsta värdet de senaste
    24 månaderna'."""
    strategy = run_config(mc).funds[protected_fund(mc)].strategy
    share = strategy.floor_share.value
    window = strategy.window.value
    return f"{pct(share)} av det högsta värdet de senaste {fmt.number(window)} månaderna"


def fund_sentences(mc) -> list[str]:
    """Per fund, sentences the next plan's Bilaga 2 can take as they are: the expected return
    as Bilaga 2 states it beside the plan's and the model's, the fall Bilaga 2 says it can
    take beside how often the model's goes beyond it, and for the pension portfolio how often,
    and by how much, its protection level is crossed."""
    cfg = run_config(mc)
    years = [int(y) for y in mc["year"].values]
    protected = protected_fund(mc)
    out = []
    for f, label in zip((str(x) for x in mc["fund"].values),
                        (str(x) for x in mc["fund_label"].values)):
        stated = stated_return(cfg, f)
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
    cfg = run_config(mc)
    funds = [str(f) for f in mc["fund"].values]
    labels = dict(zip(funds, (str(x) for x in mc["fund_label"].values)))
    rows = []
    for f in funds:
        limit = mc["fund_loss_limit"].sel(fund=f).item()
        q95 = mc["fund_worst_fall_12m_quantile"].sel(fund=f, quantile=0.95).item()
        stated = stated_return(cfg, f)
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
                               alt_text(mc, "1_pensionsportfolj", mc),
                               f"Pensionsportföljens marknadsvärde och skyddsnivå "
                               f"({floor_rule_words(mc)}).",
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
        more.append(Figure(chart_svg(mc, name), alt_text(mc, name, mc), cap,
                           data=chart_table(mc, name)))
    if strategy is not None and "p_funding_covered" in strategy:
        more += strategy_long_blocks(strategy)
    if more:
        s.blocks.append(Details("Fler diagram om fonderna", more))
    return s


def stated_return(cfg: PlanConfig, fund: str) -> float | None:
    """The expected return Bilaga 2 states for ``fund``, percent per year (None if none)."""
    stated = cfg.funds[fund].stated_expected_return
    return None if stated is None else float(stated.value)


def breach_paragraph(mc) -> str:
    """The protection level in words: how often, how deep and how long the pension portfolio
    goes below it over the plan, and what a breach is made of (from the run's breach split);
    empty without a protected fund or the split."""
    f = protected_fund(mc)
    if f is None or "fund_breach_cause" not in mc:
        return ""
    years = [int(y) for y in mc["year"].values]
    ever = float(mc["p_fund_breach_ever"].sel(fund=f))
    review = run_config(mc).funds[f].strategy.rebalance_per_month
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
                         alt_text(strat, "s1_strategi_front", strat),
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
                         alt_text(strat, "s2_utbetalningar", strat),
                         "Pensionsportföljens värde mot de ackumulerade utbetalningarna.",
                         data=chart_table(strat, "s2_utbetalningar"))]
