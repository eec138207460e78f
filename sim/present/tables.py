"""Text tables in the seed's layout: Swedish labels, whole mnkr, space as thousands separator.

About 470 lines on purpose: every command's terminal table (run, stress, sensitivity, compare,
strategy) shares one layout of label and year columns, and keeping them together keeps that
layout one convention. The calibration commands' text is :mod:`sim.present.calibration_text`.
"""

from __future__ import annotations


import numpy as np
import xarray as xr

from ..budget import BALANCE_KEYS, LINE_KEYS
from . import fmt, plan_figures, protected_fund
from .fmt import mnkr

__all__ = ["table_for", "reverse_stress_lines", "budget_table", "monte_carlo_table", "stress_table",
           "summary_frame_rows"]

#: Rows of the balance-requirement block under the seed's table.
BALANCE_ROWS = ("rur_drawn", "rur_reserved", "balance_requirement_result_after_rur", "rur_balance",
                "deficit_outstanding", "deficit_unrestored")
assert set(BALANCE_ROWS) <= set(BALANCE_KEYS)


def budget_table(ds: xr.Dataset) -> str:
    """The resultatbudget and the balance requirement, a row per line, a column per year.

    With more than one path, each cell is the mean over paths.
    """
    n_paths = ds.sizes["path"]
    years = [int(y) for y in ds["year"].values]
    keys = LINE_KEYS + BALANCE_ROWS
    label_w = max(len(ds[k].attrs["long_name"]) for k in keys) + 2
    col_w = 9
    title = ds.attrs.get("title", "")
    lines = [title, f"{'Mnkr':<{label_w}}" + "".join(f"{y:>{col_w}}" for y in years)]
    if n_paths > 1:
        lines.insert(1, f"Medelvärde över {n_paths} scenarier")

    def row(key: str) -> str:
        da = ds[key]
        vals = da.mean("path").values if n_paths > 1 else da.isel(path=0).values
        label = da.attrs["long_name"]
        return f"{label:<{label_w}}" + "".join(f"{mnkr(v):>{col_w}}" for v in vals)

    lines += [row(k) for k in LINE_KEYS] + [""] + [row(k) for k in BALANCE_ROWS]
    return "\n".join(lines)


def bridge(ds: xr.Dataset) -> dict:
    """The bridge from the plan to the distribution's centre, per year [mnkr]: ``plan``,
    ``news`` and ``risk`` (each ``{channel label: (Y,)}``, :data:`sim.catalogue.CHANNELS`),
    ``base`` (plan + rounding + news), ``mean`` (base + risk) and ``median``. The plan is the
    plan's printed figures; ``rounding`` is the model's own calculation of them less the
    printed (a mnkr here and there). The sums hold exactly: the contributions split the
    balanskravsresultat's deviation from the model's plan."""
    from ..catalogue import CHANNELS, channel_of

    drivers = [str(d) for d in ds["driver"].values]

    def by_channel(var: str) -> dict:
        out = {}
        for key, (label, _) in CHANNELS.items():
            rows = [i for i, d in enumerate(drivers) if channel_of(d) == key]
            out[label] = ds[var].values[rows].sum(axis=0)
        return out

    plan = plan_figures(ds, "bkr")
    return {"plan": plan, "rounding": ds["bkr_plan"].values - plan,
            "news": by_channel("bridge_news"),
            "base": ds["bkr_base"].values, "risk": by_channel("bridge_risk"),
            "mean": ds["bkr_mean"].values,
            "median": ds["bkr_quantile"].sel(quantile=0.5).values}


def bridge_lines(ds: xr.Dataset, lw: int = 52, cw: int = 9) -> list[str]:
    """:func:`bridge` as table lines (Swedish labels, whole mnkr)."""
    b = bridge(ds)
    years = [int(y) for y in ds["year"].values]

    def row(label: str, values) -> str:
        return f"{label[:lw - 1]:<{lw}}" + "".join(f"{mnkr(v):>{cw}}" for v in values)

    lines = ["Från plan till fördelning: balanskravsresultat, mnkr",
             f"{'':<{lw}}" + "".join(f"{y:>{cw}}" for y in years),
             row("Planen", b["plan"])]
    if np.any(np.abs(b["rounding"]) >= 0.5):
        lines.append(row("+ avrundning i planens tryckta tabell", b["rounding"]))
    lines += [row("+ nyheter sedan prognoserna", sum(b["news"].values()))]
    lines += [row(f"    {k}", v) for k, v in b["news"].items() if np.any(np.abs(v) >= 0.5)]
    lines += [row("= basfall (alla senare chocker noll)", b["base"]),
              row("+ risk kring basfallet (medelbidrag)", sum(b["risk"].values()))]
    lines += [row(f"    {k}", v) for k, v in b["risk"].items()]
    lines += [row("= medelvärde", b["mean"]), row("  median", b["median"])]
    return lines


def monte_carlo_table(ds: xr.Dataset) -> str:
    """The finance plan's probabilities and distributions, per plan year (Swedish labels).

    Probabilities carry their Monte Carlo standard error and the 95 % Wilson interval.
    """
    years = [int(y) for y in ds["year"].values]
    lw, cw = 52, 25
    head = f"{'':<{lw}}" + "".join(f"{y:>{cw}}" for y in years)
    n = int(ds.attrs.get("paths", 0))
    lines = [ds.attrs.get("title", ""),
             f"Monte Carlo: {fmt.number(n)} scenarier, seed {ds.attrs.get('seed')}",
             "", "Sannolikheter, % (± medelfel; [95 % Wilson-intervall])", head]

    def prob_row(label: str, name: str, fund: str | None = None) -> str:
        sel = {"fund": fund} if fund else {}
        p = ds[f"p_{name}"].sel(**sel).values
        se = ds[f"p_{name}_se"].sel(**sel).values
        lo = ds[f"p_{name}_lo"].sel(**sel).values
        hi = ds[f"p_{name}_hi"].sel(**sel).values
        cells = [f"{fmt.percent(a)} ±{fmt.percent(b)} [{fmt.percent(c)}–{fmt.percent(d)}]"
                 for a, b, c, d in zip(p, se, lo, hi)]
        return f"{label:<{lw}}" + "".join(f"{c:>{cw}}" for c in cells)

    lines.append(prob_row("Balanskravsresultat < 0", "deficit"))
    if "p_deficit_budget_only" in ds:
        lines += [prob_row("  utan marknadsrisk (fonderna enligt plan)", "deficit_budget_only"),
                  prob_row("  av enbart marknadsrisk (budgeten enligt plan)",
                           "deficit_market_only")]
    lines += [prob_row("Balanskravsresultat < 1 %-målet", "below_goal"),
              prob_row("Underskott ej återställt inom tre år", "unrestored"),
              prob_row("Resultatutjämningsreserven förbrukad", "rur_used_up")]
    if "p_kpif_high" in ds:
        limit = fmt.number(float(ds.attrs.get("high_inflation", 6.0)), 0)
        lines.append(prob_row(f"KPIF, årsgenomsnitt >= {limit} %", "kpif_high"))
    funds = list(ds["fund"].values)
    protected = protected_fund(ds)
    if protected is not None:
        lines.append(prob_row("Pensionsportföljen under skyddsnivån", "fund_breach", protected))
    for f in funds:
        if np.isfinite(ds["fund_loss_limit"].sel(fund=f).item()):
            limit = ds["fund_loss_limit"].sel(fund=f).item()
            lines.append(prob_row(f"{f}: 12-månadersfall > {fmt.percent(limit, 0)} %",
                                  "fund_fall_over_limit", f))
    lines += ["", "Fördelning, mnkr", head]
    for key, label in (("net_result", "Årets resultat"), ("bkr", "Balanskravsresultat")):
        lines.append(f"{label + ', plan':<{lw}}" + "".join(
            f"{mnkr(v):>{cw}}" for v in plan_figures(ds, key)))
        lines.append(f"{'  medelvärde (medelfel)':<{lw}}" + "".join(
            f"{mnkr(m) + ' (' + mnkr(s) + ')':>{cw}}"
            for m, s in zip(ds[f"{key}_mean"].values, ds[f"{key}_mean_se"].values)))
        for q, qlabel in ((0.5, "  median"), (0.05, "  5 %-kvantil"), (0.01, "  1 %-kvantil")):
            vals = ds[f"{key}_quantile"].sel(quantile=q).values
            lines.append(f"{qlabel:<{lw}}" + "".join(f"{mnkr(v):>{cw}}" for v in vals))
        lines.append(f"{'  förväntat underskott 5 % (ES)':<{lw}}" + "".join(
            f"{mnkr(v):>{cw}}" for v in ds[f"{key}_es05"].values))
    if "improvement_to_target" in ds:
        nb = int(ds.attrs.get("budget_years", len(years)))
        target = fmt.percent(float(ds["target_p_deficit"]), 0)
        span = f"{years[0]}–{years[nb - 1]}" if nb > 1 else str(years[0])
        lines += ["", "Beslutsunderlag", head,
                  f"{'Typiskt underskott (median i år med underskott)':<{lw}}" + "".join(
                      f"{mnkr(v):>{cw}}" for v in ds["bkr_deficit_median"].values),
                  f"{'Resultatförbättring för högst ' + target + ' % risk':<{lw}}" + "".join(
                      f"{mnkr(v):>{cw}}" for v in ds["improvement_to_target"].values),
                  prob_row("Resultatutjämningsreserven tas i anspråk", "rur_drawn"),
                  f"Minst ett negativt balanskravsresultat {span}: "
                  f"{fmt.percent(ds['p_deficit_any'].item())} % "
                  f"(±{fmt.percent(ds['p_deficit_any_se'].item())}); under 1 %-målet minst ett "
                  f"år: {fmt.percent(ds['p_below_goal_any'].item())} %"]
    if protected is not None:
        lines += ["", "Pensionsportföljen: årets avkastning, %", head]
        for q, qlabel in ((0.05, "  5 %-kvantil"), (0.5, "  median"), (0.95, "  95 %-kvantil")):
            vals = ds["fund_return_pct_quantile"].sel(quantile=q, fund=protected).values
            lines.append(f"{qlabel:<{lw}}" + "".join(f"{fmt.number(v, 1):>{cw}}"
                                                     for v in vals))
    if protected is not None and "fund_breach_cause" in ds:
        lines += [""] + breach_lines(ds, protected)
    if "bkr_base" in ds:
        lines += [""] + bridge_lines(ds, lw, cw)
    lines += ["", "Vad driver underskotten: bidrag till balanskravsresultatets avvikelse från",
              "plan, mnkr -- medelvärde i scenarier med underskott (i alla scenarier)", head]
    for d, label in zip(ds["driver"].values, ds["driver_label"].values):
        bad = ds["contribution_mean_deficit"].sel(driver=d).values
        allv = ds["contribution_mean"].sel(driver=d).values
        lines.append(f"{str(label)[:lw - 1]:<{lw}}" + "".join(
            f"{mnkr(a) + ' (' + mnkr(b) + ')':>{cw}}" for a, b in zip(bad, allv)))
    return "\n".join(lines)


#: The parts of a breach's depth, in the summary's words.
BREACH_PART_LABELS = {"cushion": "kudde vid månadens början",
                      "equity": "aktiefondernas resultat under månaden",
                      "fixed_income": "räntefondernas resultat under månaden",
                      "costs": "transaktionskostnader",
                      "floor_move": "skyddsnivåns ändring"}


def breach_lines(ds: xr.Dataset, fund: str) -> list[str]:
    """The protection level of ``fund`` over the plan years: how often, how deep and how long
    it is breached, and what a breach is made of (the mean split of a spell's first month-end,
    in percent of the level), from a summary Dataset."""
    years = [int(y) for y in ds["year"].values]
    span = f"{years[0]}–{years[-1]}"
    ever = ds["p_fund_breach_ever"].sel(fund=fund).item()
    lines = [f"Pensionsportföljens skyddsnivå, {span}",
             f"  under skyddsnivån vid något månadsslut: {fmt.percent(ever)} % av scenarierna"]
    if ever <= 0.0:
        return lines
    depth = ds["fund_breach_depth_quantile"].sel(fund=fund)
    spell = ds["fund_breach_spell_months"].sel(fund=fund).item()
    per = ds["fund_breach_spells_per_path"].sel(fund=fund).item()
    lines += [
        f"  största avstånd under nivån, bland dem: median {fmt.percent(depth.sel(depth_quantile=0.5).item(), 1)} %, "
        f"95 %-kvantil {fmt.percent(depth.sel(depth_quantile=0.95).item(), 1)} %",
        f"  en period under nivån varar i genomsnitt {fmt.number(spell, 1)} månader "
        f"({fmt.number(per, 2)} perioder per scenario)",
        "  djupet vid genombrottets första månadsslut, medelvärde, % av skyddsnivån:"]
    cause = ds["fund_breach_cause"].sel(fund=fund)
    for part in ds["breach_part"].values:
        v = cause.sel(breach_part=part).item()
        lines.append(f"    {BREACH_PART_LABELS.get(str(part), str(part)):<42}"
                     f"{fmt.percent(v, 2, plus=True):>8}")
    lines.append(f"    {'= djup':<42}{fmt.percent(float(cause.sum()), 2, plus=True):>8}")
    return lines


def stress_table(ds: xr.Dataset) -> str:
    """Scenarios side by side: per result, a row per scenario and a column per year."""
    years = [int(y) for y in ds["year"].values]
    labels = [str(x) for x in ds["scenario_label"].values]
    lw, cw = max(len(x) for x in labels) + 4, 9
    head = f"{'':<{lw}}" + "".join(f"{y:>{cw}}" for y in years)
    n = int(ds.attrs.get("paths", 0))
    lines = [ds.attrs.get("title", ""), "Stresstester: varje scenario deterministiskt (alla "
             "slumpchocker noll)" + (f"; Monte Carlo med {fmt.number(n)} scenarier runt varje"
                                              if n else ""), ""]
    funds = list(ds["fund"].values)
    fund_labels = dict(zip(funds, (str(x) for x in ds["fund_label"].values)))

    def block(title: str, values, cell=mnkr) -> None:
        lines.append(title)
        lines.append(head)
        for lab, row in zip(labels, values):
            lines.append(f"  {lab:<{lw - 2}}" + "".join(f"{cell(v):>{cw}}" for v in row))
        lines.append("")

    pct = fmt.percent

    block("Årets resultat, mnkr", ds["net_result"].values)
    block("Balanskravsresultat, mnkr", ds["balance_requirement_result"].values)
    block("Marginal till 1 %-målet, mnkr (negativ: målet nås inte)", ds["margin_to_goal"].values)
    block("Disposition av resultatutjämningsreserv, mnkr", ds["rur_drawn"].values)
    block("Balanskravsunderskott att återställa, mnkr", ds["deficit_outstanding"].values)
    block("Återställt balanskravsunderskott, mnkr", ds["deficit_restored"].values)
    block("Finansiella intäkter, mnkr", ds["financial_income"].values)
    block("Finansiella kostnader, mnkr", ds["financial_costs"].values)
    for f in funds:
        block(f"{fund_labels[f]}: värde vid årets slut, mnkr", ds["fund_value"].sel(fund=f).values)
    protected = protected_fund(ds)
    if protected is not None:
        block("Pensionsportföljen: skyddsnivå vid årets slut, mnkr",
              ds["fund_floor"].sel(fund=protected).values)
        block("Pensionsportföljen: månader under skyddsnivån",
              ds["fund_breach_months"].sel(fund=protected).values, mnkr)
    block("Aktier: årets avkastning, %", ds["equity_return"].values, pct)
    block("Inflation, KPIF, årsgenomsnitt, %", ds["kpif_annual"].values / 100.0, pct)
    if n:
        block("Monte Carlo: P(balanskravsresultat < 0), %", ds["p_deficit"].values, pct)
        block("Monte Carlo: P(under 1 %-målet), %", ds["p_below_goal"].values, pct)
        block("Monte Carlo: balanskravsresultat, medelvärde, mnkr", ds["bkr_mean"].values)
        block("Monte Carlo: balanskravsresultat, 5 %-kvantil, mnkr",
              ds["bkr_quantile"].sel(quantile=0.05).values)
    return "\n".join(lines).rstrip() + "\n"


def sensitivity_table(ds: xr.Dataset) -> str:
    """The tornado (sorted by its widest bar over the years) and the Sobol indices."""
    years = [int(y) for y in ds["year"].values]
    k = float(ds["setting_sd"].values[1])
    lw, cw = 30, 15
    head = f"{'':<{lw}}" + "".join(f"{y:>{cw}}" for y in years)
    n = int(ds.attrs.get("paths", 0))
    spread = np.nan_to_num(np.abs(ds["bkr_mean_change"].values).max(axis=(1, 2)), nan=-1.0)
    order = [i for i in np.argsort(-spread) if spread[i] >= 0]
    labels = [str(x) for x in ds["factor_label"].values]
    sd_str = fmt.number(k, 0 if k == int(k) else 2)
    lines = [ds.attrs.get("title", ""),
             f"Känslighet: varje faktor ensam -{sd_str} / +{sd_str} standardavvikelser, samma "
             f"slumptal ({mnkr(n)} scenarier)", "",
             "Balanskravsresultat, förändring av medelvärdet, mnkr (låg / hög)", head,
             f"{'  bas: medelvärde':<{lw}}" + "".join(
                 f"{mnkr(v):>{cw}}" for v in ds["bkr_mean_base"].values)]
    for i in order:
        lo, hi = ds["bkr_mean_change"].values[i]
        lines.append(f"  {labels[i]:<{lw - 2}}" + "".join(
            f"{mnkr(a) + ' / ' + mnkr(b):>{cw}}" for a, b in zip(lo, hi)))

    def pts(v: float) -> str:
        return fmt.percent(v, 1, plus=True)

    lines += ["", "P(balanskravsresultat < 0), förändring, procentenheter (låg / hög)", head,
              f"{'  bas, %':<{lw}}" + "".join(f"{fmt.percent(v):>{cw}}"
                                              for v in ds["p_deficit_base"].values)]
    for i in order:
        lo, hi = ds["p_deficit_change"].values[i]
        lines.append(f"  {labels[i]:<{lw - 2}}" + "".join(
            f"{pts(a) + ' / ' + pts(b):>{cw}}" for a, b in zip(lo, hi)))
    lines += ["", "Sobolindex för balanskravsresultatet, första ordningen / totalt "
              f"({int(ds.attrs.get('sobol_samples', 0))} basurval)", head]
    for i in order:
        s1, st = ds["sobol_first"].values[i], ds["sobol_total"].values[i]
        lines.append(f"  {labels[i]:<{lw - 2}}" + "".join(
            f"{fmt.number(a, 2) + ' / ' + fmt.number(b, 2):>{cw}}" for a, b in zip(s1, st)))
    return "\n".join(lines) + "\n"


#: Columns of the tidy CSV, in order; a column is left empty where a statistic has no such dim.
_CSV_DIMS = ("variant", "scenario", "factor", "setting", "fund", "driver", "quantile", "year")


def compare_table(ds: xr.Dataset) -> str:
    """Model variants side by side (``sim compare``): P(deficit) per year, at least once in
    the budget years, and high inflation, with the spread between the variants."""
    years = [int(y) for y in ds["year"].values]
    labels = [str(x) for x in ds["variant_label"].values]
    lw, cw = max(len(x) for x in labels) + 4, 9
    n = int(ds.attrs.get("paths", 0))
    nb = int(ds.attrs["budget_years"])
    pct = fmt.percent
    lines = [ds.attrs.get("title", ""),
             f"Modellrisk: samma plan, {fmt.number(n)} scenarier och samma slumptal i varje "
             "specifikation", "",
             "Sannolikhet för negativt balanskravsresultat",
             f"{'':<{lw}}" + "".join(f"{y:>{cw}}" for y in years)
             + f"{'minst ett':>{cw + 2}}" + f"{'KPIF hög':>{cw + 1}}"]
    p = ds["p_deficit"].values
    for i, lab in enumerate(labels):
        lines.append(f"  {lab:<{lw - 2}}" + "".join(f"{pct(v):>{cw}}" for v in p[i])
                     + f"{pct(ds['p_deficit_any'].values[i]):>{cw + 2}}"
                     + f"{pct(ds['p_kpif_high_ever'].values[i]):>{cw + 1}}")
    lo, hi = p.min(axis=0), p.max(axis=0)
    lines.append(f"  {'Spann mellan specifikationerna':<{lw - 2}}" + "".join(
        f"{fmt.number(100 * a, 0) + '–' + fmt.number(100 * b, 0):>{cw}}" for a, b in zip(lo, hi)))
    noise = ds["p_deficit_noise_range"].values
    lines.append(f"  {'Spann som slumpen ensam kan ge':<{lw - 2}}" + "".join(
        f"{fmt.number(100 * v, 1):>{cw}}" for v in noise))
    lines += ["", f"Minst ett: under något av de {nb} budgetåren. KPIF hög: årsgenomsnitt minst "
              f"{fmt.number(ds.attrs['high_inflation'], 0)} % något planår. Ett spann större "
              "än det slumpen ensam kan ge (95 %, ur specifikationernas medelfel) är "
              "modellrisk, inte slump."]
    return "\n".join(lines)


def strategy_table(ds: xr.Dataset) -> str:
    """``sim strategy``: every rule's expected return and spread, the protection it buys
    (P(breach) over the plan, the depth's 95 % quantile, P(a 12-month fall over the limit)),
    P(deficit) in the last budget year and at least once, and, with the long horizon, P(every
    payout paid) to its last year; today's rule first, dominated rules marked."""
    years = [int(y) for y in ds["year"].values]
    labels = [str(x) for x in ds["rule_label"].values]
    lw = min(max(len(x) for x in labels) + 4, 64)
    n = int(ds.attrs.get("paths", 0))
    pct = fmt.percent
    nb = int(ds.attrs.get("budget_years", 3))
    last_budget = years[min(nb, len(years)) - 1]
    long = "p_funding_covered" in ds
    end = int(ds["long_year"].values[-1]) if long else None
    head = (f"  {'Regel':<{lw - 2}}{'avk. %':>8}{'± %':>7}{'B2-nivån':>11}{'egen nivå':>12}"
            f"{'djup 95 %':>11}{'P(<0) ' + str(last_budget):>13}{'minst ett':>11}"
            + (f"{'betalt ' + str(end):>14}" if long else ""))
    lines = [ds.attrs.get("title", ""),
             f"Pensionsportföljens regel: {len(labels)} regler, {fmt.number(n)} scenarier och "
             "samma slumptal och tillgångsavkastning i varje", "", head]
    for i, lab in enumerate(labels):
        mark = " *" if bool(ds["rule_dominated"].values[i]) else ""
        cells = (f"{fmt.number(ds['fund_return_pct_mean'].values[i], 2):>8}"
                 f"{fmt.number(ds['fund_return_pct_std'].values[i], 1):>7}"
                 f"{pct(ds['p_fund_fall24_over_limit_ever'].values[i]):>9} %"
                 f"{pct(ds['p_fund_breach_ever'].values[i]):>10} %"
                 f"{pct(ds['fund_breach_depth_quantile'].values[i, -1], 1):>9} %"
                 f"{pct(ds['p_deficit'].sel(year=last_budget).values[i]):>11} %"
                 f"{pct(ds['p_deficit_any'].values[i]):>9} %")
        if long:
            cells += f"{pct(ds['p_funding_covered'].values[i, -1]):>12} %"
        lines.append(f"  {(lab + mark)[:lw - 3]:<{lw - 2}}{cells}")
    limit = fmt.percent(float(ds["fund_loss_limit"]), 0)
    lines += ["", f"avk.: förväntad årsavkastning, ±: dess standardavvikelse; B2-nivån: "
              f"någon gång {years[0]}–{years[-1]} mer än {limit} % under det högsta värdet de "
              "senaste 24 månaderna (Bilaga 2:s mått, samma för alla regler); egen nivå: under "
              "regelns egen skyddsnivå; djup: största avstånd under den egna nivån bland dem som "
              f"går under (95 %-kvantil); minst ett: negativt balanskravsresultat något av de {nb} "
              "budgetåren" + (f"; betalt: alla utbetalningar betalda till och med {end}" if long
                              else "")
              + ". * dominerad: en annan regel ger minst lika hög avkastning med högst lika "
              "hög sannolikhet att falla under Bilaga 2:s nivå."]
    return "\n".join(lines)


def summary_frame_rows(ds: xr.Dataset) -> list[dict]:
    """Every statistic as tidy rows (statistic, units, its dims' labels, value) for CSV."""
    rows = []
    dims = [d for d in _CSV_DIMS if d in ds.dims]
    for name, da in ds.data_vars.items():
        if "path" in da.dims or da.ndim == 0:      # per-path results are not the summary
            continue
        coords = [ds[dim].values for dim in da.dims]      # read once, not per cell
        values, units = da.values, da.attrs.get("units", "")
        for idx in np.ndindex(da.shape):
            labels = {dim: c[i] for dim, c, i in zip(da.dims, coords, idx)}
            row = {"statistic": name, "units": units}
            row.update({d: labels.get(d, "") for d in dims})
            row["value"] = float(values[idx])
            rows.append(row)
    return rows


def table_for(ds) -> str | None:
    """The text table of a results file: by its mode (None for a mode without one)."""
    mode = ds.attrs.get("mode")
    if mode == "monte_carlo":
        return monte_carlo_table(ds)
    if mode == "stress":
        return stress_table(ds)
    if mode == "sensitivity":
        return sensitivity_table(ds)
    if mode == "compare":
        return compare_table(ds)
    if "operating_income" in ds:
        return budget_table(ds)
    return None


def reverse_stress_lines(cfg, e, units, p, year: int) -> list[str]:
    """The reverse stress test's design point, line by line (Swedish)."""
    from scipy.stats import norm

    from ..esg.schema import FACTORS
    from ..stress.sensitivity import factor_label

    t = [int(y) for y in e.plan.years].index(year)
    lines = [f"Omvänt stresstest {year}: balanskravsresultat enligt plan "
             f"{mnkr(p.bkr_plan)} mnkr"]
    if p.bkr_plan <= 0:
        lines.append("Planen har redan ett balanskravsresultat under noll det året: ingen chock "
                     "behövs.")
        return lines
    lines.append(f"Minsta kombinerade chock: {fmt.number(p.beta, 2)} standardavvikelser från "
                 f"planen (normalapproximation av sannolikheten: "
                 f"{fmt.percent(norm.sf(p.beta))} %)")
    if not p.converged:
        lines.append(f"Varning: iterationen konvergerade inte på {p.iterations} steg.")
    lines.append(f"\n{'Faktor':<28}{'std.avv.':>10}{'ändring ' + str(year):>16}"
                 f"{'effekt, mnkr/std.avv.':>24}")
    for i, f in enumerate(FACTORS):
        unit = "%" if f == "equity" else "%-enheter"
        change = units.sd[i, t] * p.z[i] * (100.0 if f == "equity" else 1.0)
        lines.append(f"{factor_label(cfg, f):<28}{fmt.number(p.z[i], 2, plus=True):>10}"
                     f"{fmt.number(change, 2, plus=True):>11} {unit:<9}"
                     f"{fmt.number(p.gradient[i], 1):>22}")
    return lines


#: The stress results the report tabulates: (variable, per fund, heading).
STRESS_TABLES = (("balance_requirement_result", False, "Balanskravsresultat, mnkr"),
                 ("margin_to_goal", False, "Marginal till 1 %-målet, mnkr"),
                 ("deficit_outstanding", False, "Balanskravsunderskott att återställa, mnkr"),
                 ("fund_value", True, "Pensionsportföljens värde vid årets slut, mnkr"))


def stress_intro(stress) -> str:
    """The stress page's opening: what a deterministic scenario and ``bas`` are."""
    as_of = str(stress.attrs.get("information_as_of", "none"))
    vintage = str(stress.attrs.get("vintage_as_of", "none"))
    if as_of == "none":
        bas = "Bas är planen själv."
    elif as_of == vintage:
        bas = (f"Bas är planen: dess prognoser gjordes med det som var känt i "
               f"{fmt.month(as_of)}, och inga nya avvikelser läggs till.")
    else:
        bas = (f"Bas är planen med det som blivit känt fram till {fmt.month(as_of)}: utfallen "
               "sedan prognoserna gjordes och inga nya avvikelser därefter.")
    return ("Varje scenario räknas deterministiskt: alla slumpmässiga chocker är noll och "
            "scenariots faktorbanor läggs in; övriga faktorer följer planens prognoser. "
            f"{bas} Scenariernas definitioner och källor står i Excelbokens flik Scenarier.")
