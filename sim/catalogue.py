"""The variable catalogue: every variable a result may hold, with its unit, its Swedish label and
a one-line definition. It is the only place where ``units`` and ``long_name`` are set:
:func:`annotate` writes them onto a Dataset, and the charts, tables, PDF and Excel read them
back from there.

Dimensions are named in English (``path``, ``year``, ``month``, ``fund``, ...); labels are
Swedish as a finance department writes them. The keys of the seed's resultatbudget carry the
seed's own labels (checked by a test against ``tests/data/resultatbudget_2023_2028.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass


__all__ = ["Entry", "CATALOGUE", "entry", "label", "annotate"]


@dataclass(frozen=True)
class Entry:
    """One variable: ``units`` (CF style: ``mnkr``, ``percent``, ``1``, ``months``), Swedish
    ``label`` (the ``long_name``) and a one-line Swedish ``definition``."""

    units: str
    label: str
    definition: str


_M = "mnkr"
_BASE: dict[str, Entry] = {
    # --- the resultatbudget (the seed's lines, in its order)
    "operating_income": Entry(_M, "Verksamhetens intäkter", "Avgifter, ersättningar och riktade bidrag, enligt plan."),
    "operating_costs": Entry(_M, "Verksamhetens kostnader", "Verksamhetens kostnader, negativa som i planen."),
    "depreciation": Entry(_M, "Avskrivningar", "Avskrivningar, enligt plan."),
    "net_operating_cost": Entry(_M, "Verksamhetens nettokostnad", "Intäkter + kostnader + avskrivningar."),
    "tax_revenue": Entry(_M, "Skatteintäkter", "Planens skatteintäkter gånger skatteunderlagets utfall mot prognos."),
    "general_grants_equalisation": Entry(_M, "Generella statsbidrag och utjämning", "Enligt plan."),
    "operating_result": Entry(_M, "Verksamhetens resultat", "Nettokostnad + skatteintäkter + generella statsbidrag och utjämning."),
    "financial_income": Entry(_M, "Finansiella intäkter", "Portföljernas avkastning + övriga finansiella intäkter."),
    "financial_costs": Entry(_M, "Finansiella kostnader", "Ränta och uppräkning av pensionsskulden m.m., negativa."),
    "net_result": Entry(_M, "Årets resultat", "Verksamhetens resultat + finansiella intäkter + finansiella kostnader."),
    "pension_portfolio_return": Entry(_M, "Avkastning pensionsportfölj", "Den orealiserade delen av portföljernas avkastning, med omvänt tecken."),
    "balance_requirement_result": Entry(_M, "Balanskravsresultat", "Årets resultat utan orealiserade vinster och förluster, före resultatutjämningsreserven."),
    "required_result_1pct": Entry(_M, "Resultat krav 1 %", "1 % av skatteintäkter, generella statsbidrag och utjämning."),
    "measures_needed": Entry(_M, "Behov av åtgärder för att nå 1 % och positivt balanskravsresultat", "Resultatkrav 1 % minus balanskravsresultat."),
    # --- the balance requirement
    "rur_drawn": Entry(_M, "Disposition av resultatutjämningsreserv", "Belopp ur reserven som täcker årets underskott."),
    "rur_reserved": Entry(_M, "Reservering till resultatutjämningsreserv", "Belopp av överskottet över 1 %-målet som avsätts till reserven."),
    "rur_balance": Entry(_M, "Resultatutjämningsreserv, utgående saldo", "Reservens saldo vid årets slut."),
    "balance_requirement_result_after_rur": Entry(_M, "Balanskravsresultat efter resultatutjämningsreserv", "Balanskravsresultat + disposition − reservering."),
    "deficit_restored": Entry(_M, "Återställt balanskravsunderskott", "Del av årets överskott som återställer tidigare underskott."),
    "deficit_outstanding": Entry(_M, "Balanskravsunderskott att återställa", "Summa underskott som ännu inte återställts."),
    "deficit_unrestored": Entry(_M, "Balanskravsunderskott ej återställt inom tre år", "Underskott som står kvar mer än tre år efter sitt år."),
    # --- the parts the lines are built from
    "operating_cost_components": Entry(_M, "Verksamhetens kostnader per kostnadsslag", "Varje kostnadsslag, negativt som kostnad."),
    "cost_component": Entry(_M, "Verksamhetens kostnader per kostnadsslag", "Varje kostnadsslag i scenariot, negativt som kostnad."),
    "planned_cost_measures": Entry(_M, "Planerade ramförändringar och åtgärder (ej index)", "Den del av planens kostnader som kostnadsslagen inte förklarar."),
    "other_financial_income": Entry(_M, "Övriga finansiella intäkter", "Finansiella intäkter utöver portföljernas avkastning."),
    "fund_return": Entry(_M, "Avkastning per portfölj", "Portföljens avkastning som budgeten räknar den."),
    "fund_unrealized": Entry(_M, "Orealiserad värdeförändring per portfölj", "Den del av avkastningen som inte realiserats."),
    "contributions": Entry(_M, "Bidrag till avvikelsen från plan", "Varje drivkrafts bidrag till balanskravsresultatets avvikelse från plan."),
    "kpif_annual": Entry("percent", "Inflation, KPIF, årsgenomsnitt", "KPIF, årsgenomsnitt av månadernas årstakt."),
    "annual_growth": Entry("percent", "Budgetfaktorer, årlig förändring", "Prognos + avvikelse för varje årlig budgetfaktor."),
    "annual_deviation": Entry("percent", "Budgetfaktorer, avvikelse från prognos", "Avvikelse från prognos, procentenheter."),
    "inflation_deviation": Entry("percent", "KPIF, avvikelse från prognos", "Årsgenomsnitt av KPIF minus prognos, procentenheter."),
    "pbb_deviation": Entry("percent", "KPIF i juni, avvikelse från prognos", "Junis 12-månadersförändring av KPIF minus årets prognos, procentenheter; bestämmer nästa års prisbasbelopp."),
    # --- the generator's monthly paths
    "equity_log_return": Entry("1", "Aktier, logaritmisk avkastning per månad", "Log-avkastning för aktiefonder under månaden."),
    "equity_regime": Entry("1", "Aktiemarknadens regim (0 = lugn, 1 = orolig)", "RSLN2-modellens regim under månaden."),
    "equity_variance": Entry("1", "Aktier, betingad varians per steg (GARCH)", "GARCH-modellens betingade varians per steg."),
    "equity_step_log_return": Entry("1", "Aktier, logaritmisk avkastning per steg", "Log-avkastning för aktiefonder per steg."),
    "short_rate": Entry("percent", "Kort ränta vid månadens slut", "Kort ränta, årstakt."),
    "fixed_income_return": Entry("1", "Räntefonder, avkastning per månad", "Enkel avkastning för räntefonder under månaden."),
    "equity_return": Entry("1", "Aktiefonder, avkastning", "Enkel avkastning för aktiefonder under perioden."),
    "kpif": Entry("percent", "Inflation, KPIF (årstakt)", "KPIF, förändring mot samma månad året före."),
    "inflation_regime": Entry("1", "Inflationsregim (0 = lugn, 1 = orolig)", "Inflationsmodellens regim under månaden: lugn eller orolig (större avvikelser)."),
    "inflation_episode": Entry("1", "Högprisepisod (0 = nej, 1 = ja)", "1 under en episod av hög inflation: KPIF ligger då flera procentenheter över sin bana."),
    "esg_equity_log_return": Entry("1", "Aktier, logaritmisk avkastning per månad", "Scenariots log-avkastning för aktiefonder."),
    "esg_short_rate": Entry("percent", "Kort ränta vid månadens slut", "Scenariots korta ränta."),
    "esg_fixed_income_return": Entry("1", "Räntefonder, avkastning per månad", "Scenariots avkastning för räntefonder."),
    "esg_kpif": Entry("percent", "Inflation, KPIF (årstakt)", "Scenariots KPIF."),
    # --- the funds, per path
    "fund_nav": Entry("1", "Andelsvärde (index, start = 1)", "Portföljens andelsvärde vid månadens slut."),
    "fund_value": Entry(_M, "Marknadsvärde", "Portföljens marknadsvärde."),
    "fund_floor": Entry(_M, "Skyddsnivå", "85 % av det högsta andelsvärdet de senaste 24 månaderna, gånger andelarna."),
    "fund_equity_weight": Entry("1", "Andel aktiefonder", "Aktiefondernas andel av portföljens värde vid månadens slut."),
    "fund_year_return": Entry(_M, "Årets avkastning", "Värdeförändring under året minus nettoflöde."),
    "fund_realized": Entry(_M, "Realiserat resultat", "Realiserade vinster och förluster (genomsnittsmetoden), kostnader inräknade."),
    "fund_unrealized_change": Entry(_M, "Förändring av orealiserat resultat", "Förändring av marknadsvärde minus anskaffningsvärde."),
    "fund_value_end": Entry(_M, "Marknadsvärde vid årets slut", "Portföljens marknadsvärde vid årets slut."),
    "fund_cost_basis": Entry(_M, "Anskaffningsvärde vid årets slut", "Anskaffningsvärde enligt genomsnittsmetoden."),
    "fund_breach_months": Entry("months", "Månader under skyddsnivån", "Månadsslut med andelsvärde under skyddsnivån."),
    "fund_cash_lock_months": Entry("months", "Månader i kassaläge (aktieandel under gränsen)", "Månadsslut med aktieandel under kassalägesgränsen."),
    "fund_transaction_costs": Entry(_M, "Transaktionskostnader", "Kostnader för omviktningar under året."),
    "fund_worst_fall_12m": Entry("1", "Största värdefall under 12 månader", "Största fall i andelsvärde mot något av de tolv föregående månadssluten."),
    "fund_breach_spells": Entry("1", "Perioder under skyddsnivån som börjar under året", "Antal månadsslut under skyddsnivån efter ett månadsslut över den."),
    "bkr_plan_printed": Entry(_M, "Balanskravsresultat enligt planen, som planen trycker det", "Planens egna siffror (plan.printed); modellens egen beräkning av samma rad (bkr_plan) kan avvika med en avrundning."),
    "required_result_1pct_plan_printed": Entry(_M, "Resultat som krävs för 1-procentsmålet enligt planen, som planen trycker det", "Planens egna siffror (plan.printed)."),
    "net_result_plan_printed": Entry(_M, "Årets resultat enligt planen, som planen trycker det", "Planens egna siffror (plan.printed); modellens egen beräkning (net_result_plan) kan avvika med en avrundning."),
    "fund_breach_depth": Entry("1", "Årets största avstånd under skyddsnivån", "Lägsta kvoten andelsvärde/skyddsnivå minus 1 vid ett månadsslut under året (0: inget genombrott)."),
    "fund_breach_cushion": Entry("1", "Genombrott: kudde vid månadens början", "Summa över årets genombrott av (andelsvärde - skyddsnivå) / skyddsnivå vid genombrottsmånadens början."),
    "fund_breach_equity": Entry("1", "Genombrott: aktiernas resultat under månaden", "Summa över årets genombrott av aktiefondernas resultat under genombrottsmånaden per andel, i andel av skyddsnivån."),
    "fund_breach_fixed_income": Entry("1", "Genombrott: räntefondernas resultat under månaden", "Summa över årets genombrott av räntefondernas resultat under genombrottsmånaden per andel, i andel av skyddsnivån."),
    "fund_breach_costs": Entry("1", "Genombrott: transaktionskostnader under månaden", "Summa över årets genombrott av minus månadens transaktionskostnader per andel, i andel av skyddsnivån."),
    "fund_breach_floor_move": Entry("1", "Genombrott: skyddsnivåns ändring under månaden", "Summa över årets genombrott av minus skyddsnivåns ändring under månaden, i andel av skyddsnivån."),
    "fund_worst_fall_24m": Entry("1", "Största fall från det högsta värdet de senaste 24 månaderna", "Årets största fall i andelsvärde under det högsta av månadsslutet och de 23 före (Bilaga 2:s mått, oberoende av regelns eget fönster)."),
    "p_fund_fall24_over_limit": Entry("1", "Sannolikhet för fall över Bilaga 2:s gräns från 24-månadershögsta", "Andel scenarier där andelsvärdet vid något månadsslut under året ligger mer än gränsen under det högsta värdet de senaste 24 månaderna."),
    "p_fund_fall24_over_limit_ever": Entry("1", "Sannolikhet för fall över Bilaga 2:s gräns från 24-månadershögsta, någon gång", "Andel scenarier där det händer något planår."),
    "fund_breach_months_total": Entry("months", "Månader under skyddsnivån, hela perioden", "Månadsslut under skyddsnivån, hela horisonten."),
    "fund_first_breach_month": Entry("month index", "Första månad under skyddsnivån (-1 = ingen)", "Index för första månadsslut under skyddsnivån, räknat från januari det år simuleringen börjar (informationsdatumets år)."),
    "fund_worst_depth_below_floor": Entry("1", "Största avstånd till skyddsnivån (negativt = under)", "Minsta kvoten andelsvärde/skyddsnivå minus 1."),
    "fund_worst_fall_12m_total": Entry("1", "Största värdefall under 12 månader, hela perioden", "Största 12-månadersfall, hela horisonten."),
    "fund_cash_lock_months_total": Entry("months", "Månader i kassaläge, hela perioden", "Månadsslut i kassaläge, hela horisonten."),
    "fund_expected_return_market": Entry("percent", "Förväntad avkastning, marknadens", "Portföljens förväntade årsavkastning med scenariogeneratorns marknader, utan centrering (pilotsampel)."),
    "fund_expected_return_plan": Entry("percent", "Förväntad avkastning enligt planen", "Den avkastning resultatbudgeten räknar med på portföljens kapital."),
    "fund_expected_return_model": Entry("percent", "Förväntad avkastning i körningen", "Portföljens förväntade årsavkastning i körningen (pilotsampel): planens vid centrering på planen, annars marknadens."),
    "fund_loss_limit": Entry("1", "Högsta tillåtna värdefall enligt Bilaga 2", "Bilaga 2:s gräns för fall i en djup finanskris."),
    # --- summary statistics of a run
    "p_deficit": Entry("1", "Sannolikhet för negativt balanskravsresultat", "Andel scenarier med balanskravsresultat < 0, före reserven."),
    "p_deficit_budget_only": Entry("1", "Sannolikhet för negativt balanskravsresultat utan marknadsrisk", "Som p_deficit, med fondernas realiserade avkastning enligt plan: budgetens egna risker (kostnader, skatteunderlag, pensioner, verksamhetens avvikelser). Samma scenarier; driverfördelningen är exakt."),
    "p_deficit_market_only": Entry("1", "Sannolikhet för negativt balanskravsresultat av enbart marknadsrisk", "Som p_deficit, med allt utom fondernas realiserade avkastning enligt plan. Samma scenarier."),
    "p_deficit_range": Entry("1", "Spann i sannolikheten för negativt balanskravsresultat mellan modellvalen", "Största minus minsta sannolikhet för balanskravsresultat < 0 bland modellvalen i sim compare."),
    "p_deficit_noise_range": Entry("1", "Spann som simuleringsfelet ensamt kan ge", "95-procentskvantilen av spannet mellan lika många skattningar av samma sannolikhet, var och en med sitt eget medelfel; ett större spann är modellrisk."),
    "p_deficit_any": Entry("1", "Sannolikhet för negativt balanskravsresultat minst ett budgetår", "Andel scenarier med balanskravsresultat < 0 under minst ett av budgetåren (decision.budget_years; övriga planår är kalkyl)."),
    "p_below_goal_any": Entry("1", "Sannolikhet att 1 %-målet inte nås minst ett budgetår", "Andel scenarier under 1 %-målet under minst ett av budgetåren."),
    "p_deficit_after_rur": Entry("1", "Sannolikhet för negativt balanskravsresultat efter reserven", "Andel scenarier med balanskravsresultat < 0 efter disposition av resultatutjämningsreserven: det som måste återställas."),
    "p_rur_drawn": Entry("1", "Sannolikhet att resultatutjämningsreserven tas i anspråk", "Andel scenarier där reserven disponeras under året."),
    "bkr_deficit_median": Entry(_M, "Typiskt underskott (median i år med underskott)", "Medianen av balanskravsresultatet bland scenarier med underskott: fördelningens kvantil vid halva sannolikheten för underskott."),
    "improvement_to_target": Entry(_M, "Resultatförbättring för att nå målsannolikheten", "Hur mycket årets resultat behöver förbättras, lika i alla scenarier, för att sannolikheten för negativt balanskravsresultat ska bli decision.target_p_deficit: minus balanskravsresultatets kvantil vid målsannolikheten, noll om den redan nås."),
    "target_p_deficit": Entry("1", "Målsannolikhet för negativt balanskravsresultat", "decision.target_p_deficit i konfigurationen."),
    "p_below_goal": Entry("1", "Sannolikhet för balanskravsresultat under 1 %-målet", "Andel scenarier under 1 %-målet."),
    "p_unrestored": Entry("1", "Sannolikhet för underskott ej återställt inom tre år", "Andel scenarier med underskott äldre än tre år."),
    "p_rur_used_up": Entry("1", "Sannolikhet att resultatutjämningsreserven är förbrukad", "Andel scenarier där reserven är tom vid årets slut."),
    "p_kpif_high": Entry("1", "Sannolikhet för hög inflation (KPIF, årsgenomsnitt, över gränsen)", "Andel scenarier där årets KPIF når gränsen simulation.high_inflation."),
    "p_kpif_high_ever": Entry("1", "Sannolikhet för hög inflation något planår", "Andel scenarier där KPIF når gränsen minst ett planår."),
    "p_fund_breach": Entry("1", "Sannolikhet för värde under skyddsnivån under året", "Andel scenarier med minst ett månadsslut under skyddsnivån."),
    "p_fund_fall_over_limit": Entry("1", "Sannolikhet för värdefall över gränsen under 12 månader", "Andel scenarier med 12-månadersfall över Bilaga 2:s gräns."),
    "p_fund_breach_ever": Entry("1", "Sannolikhet för värde under skyddsnivån någon gång", "Andel scenarier med något månadsslut under skyddsnivån under planperioden."),
    "p_fund_fall_over_limit_ever": Entry("1", "Sannolikhet för värdefall över gränsen någon gång", "Andel scenarier med något 12-månadersfall över gränsen under planperioden."),
    "p_fund_cash_lock": Entry("1", "Andel scenarier i kassaläge vid månadens slut", "Andel scenarier med aktieandel under kassalägesgränsen."),
    "bkr": Entry(_M, "Balanskravsresultat", "Balanskravsresultat före resultatutjämningsreserven."),
    "required_result_1pct_plan": Entry(_M, "Resultat krav 1 %", "1 %-målet enligt plan."),
    "fund_return_pct_quantile": Entry("percent", "Årets avkastning, kvantil", "Kvantil av portföljens årsavkastning."),
    "fund_return_pct_mean": Entry("percent", "Årets avkastning, medelvärde över år och scenarier", "Medelvärde av årsavkastningen."),
    "fund_return_pct_std": Entry("percent", "Årets avkastning, standardavvikelse", "Standardavvikelse av årsavkastningen över år och scenarier."),
    "fund_worst_fall_12m_quantile": Entry("1", "Största värdefall under 12 månader, kvantil", "Kvantil av planperiodens största 12-månadersfall."),
    "fund_breach_depth_quantile": Entry("1", "Största avstånd under skyddsnivån, kvantil bland scenarier med genombrott", "Kvantil av planperiodens största avstånd under skyddsnivån (1 - andelsvärde/skyddsnivå) bland scenarierna där portföljen någon gång går under den."),
    "fund_breach_spell_months": Entry("months", "Genombrottets längd, medelvärde", "Månadsslut under skyddsnivån per period under den (planåren)."),
    "fund_breach_spells_per_path": Entry("1", "Genombrott per scenario", "Perioder under skyddsnivån som börjar under planåren, per scenario."),
    "fund_breach_cause": Entry("1", "Genombrottets orsaker, medelvärde per genombrott", "Djupet vid genombrottets första månadsslut (andelsvärde/skyddsnivå - 1) uppdelat på kudden vid månadens början, aktiernas och räntefondernas resultat under månaden, kostnaderna och skyddsnivåns ändring; medelvärde per genombrott, i andel av skyddsnivån."),
    "fund_worst_fall_share": Entry("1", "Andel scenarier per intervall av största 12-månadersfall", "Andel scenarier per procentintervall."),
    "fund_value_fan": Entry(_M, "Marknadsvärde vid månadens slut, kvantil", "Kvantil av marknadsvärdet."),
    "fund_floor_fan": Entry(_M, "Skyddsnivå vid månadens slut, kvantil", "Kvantil av skyddsnivån."),
    "fund_equity_weight_fan": Entry("1", "Andel aktiefonder vid månadens slut, kvantil", "Kvantil av aktieandelen."),
    "miss_pct": Entry("percent", "Utfall minus budget, procent av verksamhetens kostnader", "Regionens resultat mot budget ett år framåt, i procent av årets verksamhetskostnader."),
    "model_miss_q01": Entry("percent", "Modellens 1 %-kvantil för avvikelsen", "1 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q05": Entry("percent", "Modellens 5 %-kvantil för avvikelsen", "5 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q25": Entry("percent", "Modellens 25 %-kvantil för avvikelsen", "25 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q50": Entry("percent", "Modellens 50 %-kvantil för avvikelsen", "50 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q75": Entry("percent", "Modellens 75 %-kvantil för avvikelsen", "75 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q95": Entry("percent", "Modellens 95 %-kvantil för avvikelsen", "95 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "model_miss_q99": Entry("percent", "Modellens 99 %-kvantil för avvikelsen", "99 % av modellens avvikelser ett år framåt ligger under, i procent av verksamhetens kostnader."),
    "inside_50": Entry("1", "Inom modellens 25–75 %-band", "1 om utfallet ligger inom bandet."),
    "bkr_base": Entry(_M, "Balanskravsresultat, basfall", "Planen flyttad bara av det som blivit känt sedan prognoserna gjordes: alla senare chocker noll, fonderna som i planen."),
    "bridge_news": Entry(_M, "Nyheter sedan prognoserna, per drivkraft", "Basfallets avvikelse från planen per drivkraft: vad utfallen sedan planens prognoser ändrar."),
    "bridge_risk": Entry(_M, "Risk kring basfallet, per drivkraft", "Medelbidraget i alla scenarier minus basfallets, per drivkraft: varför fördelningens medelvärde ligger där det ligger."),
    "contribution_mean": Entry(_M, "Bidrag till balanskravsresultatets avvikelse från plan, alla scenarier", "Medelbidrag per drivkraft i alla scenarier."),
    "contribution_mean_deficit": Entry(_M, "Bidrag till avvikelsen från plan, scenarier med underskott", "Medelbidrag per drivkraft i scenarier med negativt balanskravsresultat."),
    # --- stress tests
    "margin_to_goal": Entry(_M, "Marginal till 1 %-målet", "Balanskravsresultat minus 1 %-målet; negativ: målet nås inte."),
    "short_rate_end": Entry("percent", "Kort ränta vid årets slut", "Kort ränta i december."),
    # --- sensitivity
    "factor_sd": Entry("see factor_sd_units", "En standardavvikelse av faktorns årsvärde", "Mätt på generatorn, per år; enhet per faktor i factor_sd_units."),
    "bkr_mean_change": Entry(_M, "Förändring av balanskravsresultatets medelvärde", "Mot basen, på samma slumptal."),
    "p_deficit_change": Entry("1", "Förändring av sannolikheten för underskott", "Mot basen, på samma slumptal."),
    "bkr_mean_base": Entry(_M, "Balanskravsresultat, medelvärde, bas", "Basens medelvärde."),
    "bkr_std_base": Entry(_M, "Balanskravsresultat, standardavvikelse, bas", "Basens standardavvikelse."),
    "p_deficit_base": Entry("1", "Sannolikhet för underskott, bas", "Basens sannolikhet för negativt balanskravsresultat."),
    "sobol_first": Entry("1", "Sobolindex, första ordningen", "Andel av variansen som faktorn ensam förklarar."),
    "sobol_total": Entry("1", "Sobolindex, totalt", "Andel av variansen där faktorn ingår, samspel inräknade."),
    "sobol_first_conf": Entry("1", "Sobolindex, första ordningen, 95 %-intervallets halvbredd", "Bootstrapintervall."),
    "sobol_total_conf": Entry("1", "Sobolindex, totalt, 95 %-intervallets halvbredd", "Bootstrapintervall."),
    "sobol_variance": Entry("mnkr2", "Balanskravsresultatets varians i Sobolanalysen", "Varians av balanskravsresultatet över faktorernas urval."),
    # --- coordinates
    "year": Entry("", "År", "Kalenderår."),
    "horizon_year": Entry("", "År (portföljernas horisont)", "Kalenderår i generatorns horisont."),
    "month": Entry("", "Månadsindex", "Månad räknat från horisontens första januari, 0 först."),
    "time": Entry("", "Månad", "Månadens första dag."),
    "step": Entry("", "Steg", "Aktiesteg räknat från horisontens början."),
    "path": Entry("", "Scenario", "Scenariots nummer i körningen."),
    "quantile": Entry("1", "Kvantil", "Sannolikhetsnivå."),
    "fund": Entry("", "Portfölj", "Portföljens nyckel i konfigurationen."),
    "fund_label": Entry("", "Portfölj", "Portföljens namn."),
    "component": Entry("", "Kostnadsslag", "Kostnadsslagets nyckel i konfigurationen."),
    "component_label": Entry("", "Kostnadsslag", "Kostnadsslagets namn."),
    "driver": Entry("", "Drivkraft", "Drivkraftens nyckel."),
    "driver_label": Entry("", "Drivkraft", "Drivkraftens namn."),
    "factor": Entry("", "Riskfaktor", "Faktorns nyckel."),
    "factor_label": Entry("", "Riskfaktor", "Faktorns namn."),
    "factor_sd_units": Entry("", "Enhet för en standardavvikelse", "Enheten för factor_sd."),
    "variant": Entry("", "Modellval", "Modellvalets nyckel i filen med modellval (sim compare)."),
    "variant_label": Entry("", "Modellval", "Modellvalets namn."),
    "variant_reason": Entry("", "Skäl", "Varför modellvalet är ett rimligt alternativ."),
    "variant_config_sha256": Entry("", "Konfiguration", "SHA-256 av modellvalets validerade konfiguration."),
    "plan_config": Entry("", "Planens konfiguration", "Plankonfigurationen som körts (filens namn utan ändelse)."),
    "line": Entry("", "Rad", "Resultaträkningens rad, som nyckel."),
    "line_label": Entry("", "Rad", "Resultaträkningens rad."),
    "entity": Entry("", "Region", "Regionen vars budget och utfall jämförs."),
    "origin": Entry("", "Modellens informationsdatum", "Månaden modellen är skattad per: november året före budgetåret."),
    "outturn_source": Entry("", "Källa", "Var utfallet är publicerat."),
    "outturn_mnkr": Entry(_M, "Utfall", "Det publicerade utfallet."),
    # one entry for both uses: the backtest's outturns and the calibration's monthly fit
    "pit": Entry("1", "PIT (percentil)", "Modellens fördelningsfunktion vid observationen: andelen av modellens fördelning under det publicerade utfallet (backtest, lika räknas till hälften) eller under månadens värde ett steg framåt (skattningen); över många observationer likformig om modellen är kalibrerad."),
    "band_q01": Entry(_M, "Modellens 1-procentskvantil", "1 % av scenarierna ligger under."),
    "band_q05": Entry(_M, "Modellens 5-procentskvantil", "5 % av scenarierna ligger under."),
    "band_median": Entry(_M, "Modellens median", "Hälften av scenarierna ligger under."),
    "band_q95": Entry(_M, "Modellens 95-procentskvantil", "95 % av scenarierna ligger under."),
    "band_q99": Entry(_M, "Modellens 99-procentskvantil", "99 % av scenarierna ligger under."),
    "inside_90": Entry("1", "Inom 5–95 %", "1 om utfallet ligger inom modellens 5–95 %-band, annars 0."),
    "inside_98": Entry("1", "Inom 1–99 %", "1 om utfallet ligger inom modellens 1–99 %-band, annars 0."),
    "model": Entry("", "Modell", "Den skattade modellens nyckel (sim calibrate esg)."),
    "model_label": Entry("", "Modell", "Den skattade modellens namn."),
    "unit": Entry("", "Enhet", "Enheten för modellens årsvärden."),
    "t": Entry("", "Månad i skattningen", "Månadens ordningsnummer i skattningsperioden."),
    "pit_ks_pvalue": Entry("1", "PIT, p-värde (Kolmogorov-Smirnov)", "Sannolikheten för minst så stor avvikelse från likformighet om modellen stämmer."),
    "pit_n": Entry("1", "Antal PIT-värden", "Antal månader i testet."),
    "yearly_quantile_model": Entry("", "Årsvärdets kvantil, modellen", "Kvantil av årsvärdet i modellens simulering, i modellens enhet (coordinate unit)."),
    "yearly_quantile_data": Entry("", "Årsvärdets kvantil, data", "Kvantil av de observerade årsvärdena, i modellens enhet."),
    "data_years": Entry("1", "Antal år i data", "Antal hela kalenderår i skattningsdata."),
    "scenario": Entry("", "Scenario", "Stresscenariots nyckel."),
    "scenario_label": Entry("", "Scenario", "Stresscenariots namn."),
    "scenario_description": Entry("", "Beskrivning", "Stresscenariots beskrivning."),
    "scenario_source": Entry("", "Källa", "Stresscenariots källa."),
    "setting": Entry("", "Inställning", "Låg eller hög."),
    "setting_sd": Entry("", "Standardavvikelser", "Inställningen i standardavvikelser."),
    "risk_level": Entry("1", "Risknivå", "Sannolikheten för negativt balanskravsresultat som en förbättring ska ge."),
    "improvement_menu": Entry(_M, "Förbättring för en risknivå", "Hur mycket årets resultat ska förbättras, lika i alla scenarier, för att sannolikheten för negativt balanskravsresultat ska bli risknivån (0 där den redan är lägre). Beloppet är en nivå för året, inte en ökning från året före."),
    "depth_quantile": Entry("1", "Kvantil av djupet", "Sannolikhetsnivå för djupet under skyddsnivån bland scenarier med genombrott."),
    "breach_part": Entry("", "Del av genombrottet", "cushion: kudden vid månadens början; equity: aktiefondernas resultat; fixed_income: räntefondernas resultat; costs: transaktionskostnader; floor_move: skyddsnivåns ändring."),
    "fall_bin": Entry("1", "Intervallets nedre gräns", "Nedre gräns för 12-månadersfallets intervall."),
    # sim strategy: the rule's frontier and the long horizon
    "rule": Entry("", "Regel", "Regelns nyckel i svepet (regel_00 är dagens regel)."),
    "rule_label": Entry("", "Regel", "Vad regeln ändrar mot dagens regel."),
    "rule_today": Entry("", "Dagens regel", "Sant för planens egen regel."),
    "rule_dominated": Entry("", "Dominerad", "Sant om en annan regel ger minst lika hög förväntad avkastning med högst lika hög sannolikhet att falla mer än Bilaga 2:s gräns från det högsta värdet de senaste 24 månaderna, och är bättre i något av dem."),
    "rule_floor_share": Entry("1", "Skyddsnivå", "Andel av det högsta värdet under fönstret."),
    "rule_window": Entry("months", "Fönster", "Månader bakåt som det högsta värdet mäts över."),
    "rule_max_equity": Entry("1", "Aktietak", "Högsta andel aktiefonder."),
    "rule_min_equity": Entry("1", "Aktiegolv", "Lägsta andel aktiefonder."),
    "rule_stress_z": Entry("1", "Stress, standardavvikelser", "Hur många standardavvikelser av aktiefall under stresshorisonten kudden ska tåla."),
    "rule_stress_horizon": Entry("months", "Stresshorisont", "Den tid ett stressfall antas ta."),
    "rule_rebalance_per_month": Entry("1", "Översyner per månad", "Hur ofta aktieandelen ses över: 1 månadsvis, 4 veckovis, 20 dagligen."),
    "rule_no_trade_band": Entry("1", "Handelsband", "Avvikelse i aktieandel som inte handlas bort."),
    "fund_realized_mean": Entry(_M, "Realiserat resultat till balanskravsresultatet, medelvärde", "Portföljens genomsnittliga bidrag till balanskravsresultatet (realiserade vinster och förluster) utöver planens."),
    "long_year": Entry("", "År (lång horisont)", "Kalenderår i körningen till utbetalningarna."),
    "value_quantile": Entry("1", "Kvantil", "Sannolikhetsnivå för portföljvärdet."),
    "funding_value_quantile": Entry(_M, "Portföljens värde vid årets slut, kvantil", "Kvantil av pensionsportföljens marknadsvärde vid årets slut (0 om den tömts)."),
    "p_funding_covered": Entry("1", "Sannolikhet att portföljen betalat alla utbetalningar", "Andel scenarier där portföljen har betalat varje utbetalning till och med året och fortfarande har ett värde."),
    "funding_payouts": Entry(_M, "Utbetalningar ur portföljen", "Utbetalningar vid årets början enligt konfigurationen (ett antagande tills KPA:s prognos läggs in)."),
    "funding_cumulative_payouts": Entry(_M, "Ackumulerade utbetalningar", "Summan av utbetalningarna till och med året."),
}

#: Statistics of a distribution: suffix -> (label suffix, definition, unit rule).
_STATS = {
    "_mean": (", medelvärde", "Medelvärde över scenarierna."),
    "_mean_se": (", medelvärde, medelfel", "Monte Carlo-medelfel för medelvärdet."),
    "_std": (", standardavvikelse", "Standardavvikelse över scenarierna."),
    "_quantile": (", kvantil", "Kvantil över scenarierna."),
    "_es05": (", förväntat underskott 5 %", "Medelvärdet av de 5 % sämsta scenarierna."),
    "_plan": (", plan", "Enligt plan (alla faktorer enligt prognos)."),
}
#: Uncertainty of a probability or a change: suffix -> (label suffix, definition).
_ERRORS = {
    "_se": (", medelfel", "Monte Carlo-medelfel."),
    "_lo": (", 95 % undre", "Undre gräns för 95 % Wilson-intervallet."),
    "_hi": (", 95 % övre", "Övre gräns för 95 % Wilson-intervallet."),
}


#: The channels a reader thinks in, each a group of the budget's drivers (the contribution
#: table's ``driver`` keys; a fund's realized return is ``fund_<key>``), in the order shown. The
#: registered budget channels (:data:`sim.budget.records.BUDGET_CHANNELS`) name their group
#: themselves; :func:`channel_members` lists every group's drivers with them.
CHANNELS = {
    "inflation_pensions": ("Inflation och pensionsindexering",
                           ("pension_costs", "other_consumption")),
    "wages_staff": ("Löner och bemanning",
                    ("own_staff_wages", "social_fees", "hired_staff", "purchased_care")),
    "drugs": ("Läkemedel", ("drugs",)),
    "tax_base": ("Skatteunderlaget", ("tax_revenue",)),
    "funds": ("Fonderna (realiserat)", ("fund_",)),
    "operations": ("Verksamheten (volym, åtgärder, intäkter)", ()),
}


def channel_members() -> dict[str, tuple[str, tuple[str, ...]]]:
    """:data:`CHANNELS` with the registered budget channels in their groups."""
    from .budget.records import BUDGET_CHANNELS

    return {key: (lab, drivers + tuple(c.name for c in BUDGET_CHANNELS if c.group == key))
            for key, (lab, drivers) in CHANNELS.items()}


def channel_of(driver: str) -> str:
    """The :data:`CHANNELS` key a driver belongs to (a fund's by its ``fund_`` prefix)."""
    for key, (_, drivers) in channel_members().items():
        if driver in drivers or any(d.endswith("_") and driver.startswith(d) for d in drivers):
            return key
    raise KeyError(f"driver {driver!r} is in no channel of sim.catalogue.CHANNELS")


def _build() -> dict[str, Entry]:
    out = dict(_BASE)
    for base in ("net_result", "bkr"):
        e = _BASE[base]
        for suffix, (lab, definition) in _STATS.items():
            out.setdefault(base + suffix, Entry(e.units, e.label + lab, definition))
    for name, e in list(out.items()):
        if name.startswith("p_") or name.endswith("_change"):
            for suffix, (lab, definition) in _ERRORS.items():
                out.setdefault(name + suffix, Entry(e.units, e.label + lab, definition))
    return out


CATALOGUE: dict[str, Entry] = _build()


def entry(name: str) -> Entry:
    """The catalogue's entry for a variable; a name it lacks is a programming error."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the variable catalogue (sim/catalogue.py)") from None


def label(name: str) -> str:
    """The Swedish label of a variable."""
    return entry(name).label


def annotate(ds):
    """Set ``units`` and ``long_name`` of every variable and coordinate of ``ds`` from the
    catalogue (in place) and return ``ds``."""
    for name, var in ds.variables.items():
        e = entry(str(name))
        if e.units:
            var.attrs["units"] = e.units
        else:
            var.attrs.pop("units", None)
        var.attrs["long_name"] = e.label
    return ds
