"""Swedish labels of every result variable: the one catalogue charts, tables and files read.

The keys of the seed's resultatbudget carry the seed's own labels (checked by a test against
``tests/data/resultatbudget_2023_2028.csv``).
"""

LABELS_SV: dict[str, str] = {
    "operating_income": "Verksamhetens intäkter",
    "operating_costs": "Verksamhetens kostnader",
    "depreciation": "Avskrivningar",
    "net_operating_cost": "Verksamhetens nettokostnad",
    "tax_revenue": "Skatteintäkter",
    "general_grants_equalisation": "Generella statsbidrag och utjämning",
    "operating_result": "Verksamhetens resultat",
    "financial_income": "Finansiella intäkter",
    "financial_costs": "Finansiella kostnader",
    "net_result": "Årets resultat",
    "pension_portfolio_return": "Avkastning pensionsportfölj",
    "balance_requirement_result": "Balanskravsresultat",
    "required_result_1pct": "Resultat krav 1 %",
    "measures_needed": "Behov av åtgärder för att nå 1 % och positivt balanskravsresultat",
    "rur_drawn": "Disposition av resultatutjämningsreserv",
    "rur_reserved": "Reservering till resultatutjämningsreserv",
    "rur_balance": "Resultatutjämningsreserv, utgående saldo",
    "balance_requirement_result_after_rur": "Balanskravsresultat efter resultatutjämningsreserv",
    "deficit_restored": "Återställt balanskravsunderskott",
    "deficit_outstanding": "Balanskravsunderskott att återställa",
    "deficit_unrestored": "Balanskravsunderskott ej återställt inom tre år",
    "operating_cost_components": "Verksamhetens kostnader per kostnadsslag",
    "planned_cost_measures": "Planerade ramförändringar och åtgärder (ej index)",
    "other_financial_income": "Övriga finansiella intäkter",
    "fund_return": "Avkastning per portfölj",
    "fund_unrealized": "Orealiserad värdeförändring per portfölj",
    # Portfolios (dims path, fund, month / year)
    "fund_nav": "Andelsvärde (index, start = 1)",
    "fund_value": "Marknadsvärde",
    "fund_floor": "Skyddsnivå",
    "fund_equity_weight": "Andel aktiefonder",
    "fund_year_return": "Årets avkastning",
    "fund_realized": "Realiserat resultat",
    "fund_unrealized_change": "Förändring av orealiserat resultat",
    "fund_value_end": "Marknadsvärde vid årets slut",
    "fund_cost_basis": "Anskaffningsvärde vid årets slut",
    "fund_breach_months": "Månader under skyddsnivån",
    "fund_cash_lock_months": "Månader i kassaläge (aktieandel under gränsen)",
    "fund_transaction_costs": "Transaktionskostnader",
    "fund_worst_fall_12m": "Största värdefall under 12 månader",
    "fund_breach_months_total": "Månader under skyddsnivån, hela perioden",
    "fund_first_breach_month": "Första månad under skyddsnivån (-1 = ingen)",
    "fund_worst_depth_below_floor": "Största avstånd till skyddsnivån (negativt = under)",
    "fund_worst_fall_12m_total": "Största värdefall under 12 månader, hela perioden",
    "fund_cash_lock_months_total": "Månader i kassaläge, hela perioden",
    "fund_loss_limit": "Högsta tillåtna värdefall enligt Bilaga 2",
    "equity_return": "Aktiefonder, avkastning per månad",
    "fixed_income_return": "Räntefonder, avkastning per månad",
}

#: Short Swedish headings for tables.
HEADINGS_SV = {
    "year": "År",
    "mnkr": "Mnkr",
    "plan_years": "Budget och kalkyl",
}
