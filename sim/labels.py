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
}

#: Short Swedish headings for tables.
HEADINGS_SV = {
    "year": "År",
    "mnkr": "Mnkr",
    "plan_years": "Budget och kalkyl",
}
