"""Stress, sensitivity and the model's limits: the stress tables, the tornado, what the model
leaves out, the planned measures' and income's laws, the model-risk table and the backtests."""

from __future__ import annotations

import re

import numpy as np

from .. import fmt, protected_fund
from ...analysis import wilson
from ..tables import STRESS_TABLES
from .blocks import (EN, NBSP, Details, Figure, Section, Table, alt_text, budget_years, chart_svg,
                     chart_table, mnkr, pct, run_config, span)


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
                           alt_text(stress, "8_stresstester", stress),
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
    s.blocks.append(Figure(chart_svg(sens, "7_tornado"), alt_text(sens, "7_tornado", sens),
                           "Förändringen av balanskravsresultatets medelvärde och av "
                           "sannolikheten för ett negativt balanskravsresultat när en "
                           "riskfaktor i taget flyttas en standardavvikelse per planår nedåt "
                           "eller uppåt. Varje rad har samma skala för alla år.",
                           data=chart_table(sens, "7_tornado")))
    return s


def limits_sentences(mc) -> list[str]:
    """What the model leaves out, with the facts (how many budget misses, which equity years)
    read off the sources of the run's estimates; a sentence whose fact the config does not give
    (a hand-set model) is left out."""
    out = []
    esg = run_config(mc).esg
    ops = esg.annual.get("operations") if esg is not None else None
    misses = re.search(r"(\d+) budget misses", ops.sigma.source) if ops is not None else None
    if misses:
        n = int(misses.group(1))
        out.append(f"Verksamhetens egen risk skattas från {fmt.count(n)} "
                   "budgetavvikelser i svenska regioner ett år framåt, publicerade före planens "
                   "informationsdatum; avvikelserna samma år hänger ihop, så underlaget är "
                   f"tunnare än {fmt.count(n, neuter=True)} oberoende år.")
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
    m = run_config(mc).measures
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
    sd = float(run_config(mc).income.change_sd.value)
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


def model_risk_blocks(mc, models) -> list:
    """The headline probability under alternative specifications (``sim compare``): a
    sentence on the spread in the last budget year and a table, per budget year and at least
    once."""
    years = [y for y in budget_years(mc) if y in set(int(v) for v in models["year"].values)]
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
