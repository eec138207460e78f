"""The calibration commands' terminal output in Swedish: each estimate with its standard
error, as ``sim calibrate esg``, ``sim calibrate budget`` and ``sim calibrate kpif-record``
print them."""

from __future__ import annotations

from . import fmt


__all__ = ["calibration_lines", "budget_calibration_lines", "kpif_record_lines"]


def calibration_lines(result) -> list[str]:
    """The estimates of ``sim calibrate esg`` with their standard errors, one model a block."""
    lines = []
    for title, est in (("Aktier, RSLN2 (per månad)", result.rsln2),
                       ("Aktier, GARCH(1,1)-t (per månad)", result.garch),
                       ("Aktier, GBM (% per år)", result.gbm),
                       ("KPIF, två regimer, AR(1) (procentenheter)", result.inflation)):
        data = result.kpif if est is result.inflation else result.equity
        lines.append(f"{title}: {data.period}, {est.n} observationer, "
                     f"log-likelihood {fmt.number(est.loglik, 2)}")
        for name, v, se in zip(est.names, est.values, est.se):
            lines.append(f"  {name:<12}{fmt.number(v, 4):>12}  (medelfel {fmt.number(se, 4)})")
        if est.model == "msar_episodes":
            lines.append("  (med episodkedjan nedan bredvid, dess parametrar givna)")
        lines.extend(f"  obs: {n}" for n in est.notes)
    ep = result.episodes
    if ep is not None:
        mean, mean_se = ep.mean_years
        lines.append(f"Inflationsepisoder, KPI per år {ep.years[0]}-{ep.years[1]} "
                     f"(tvålägesmodell, log-likelihood {fmt.number(ep.yearly.loglik, 2)}):")
        for name, v, se in zip(("shift", "p_enter", "p_exit"), ep.values, ep.se):
            unit = "procentenheter" if name == "shift" else "per månad"
            lines.append(f"  {name:<12}{fmt.number(v, 4):>12}  (medelfel {fmt.number(se, 4)}) "
                         f"{unit}")
        lines.append(f"  en episod varar i genomsnitt {fmt.number(mean, 1)} år (medelfel "
                     f"{fmt.number(mean_se, 1)})")
    e = result.short_rate
    lines.append(f"Kort ränta, Vasicek (procent, per år): {result.rates.period}, {e.n} månader, "
                 f"log-likelihood {fmt.number(e.loglik, 2)}")
    for name, v, se in zip(e.names, e.values, e.se):
        lines.append(f"  {name:<12}{fmt.number(v, 4):>12}  (medelfel {fmt.number(se, 4)})")
    if result.spread is not None:
        sp = result.spread
        lines.append(f"Räntefondernas påslag över styrräntan (procent per år): "
                     f"{sp.months[0]}..{sp.months[-1]}, duration {fmt.number(sp.duration, 1)} år")
        lines.append(f"  {'spread':<12}{fmt.number(sp.value, 4):>12}  (medelfel "
                     f"{fmt.number(sp.se, 4)})")
    for w, title in ((result.wages, "Timlöner"),
                     (result.consumption, "Förbrukning (KPI som ersättare)")):
        if w is None:
            continue
        lines.append(f"{title}, avvikelse per år (procentenheter): {w.years[0]}-{w.years[-1]}, "
                     f"{w.n} år")
        for name, v, se in zip(w.names, w.values, w.se):
            lines.append(f"  {name:<20}{fmt.number(v, 3):>8}  (medelfel {fmt.number(se, 3)})")
    if result.correlation is not None:
        lines.append("Korrelationer skattade ur data (övriga par är antaganden):")
        for p in result.correlation.pairs:
            lines.append(f"  {p.a + ' - ' + p.b:<26}{fmt.number(p.r, 2):>7}  (medelfel "
                         f"{fmt.number(p.se, 2)}, {p.n} obs., {p.period})")
        if result.correlation.shrinkage:
            lines.append(f"  matrisen krymptes mot identiteten med faktorn "
                         f"{fmt.number(1 - result.correlation.shrinkage, 4)} för att bli "
                         "positivt semidefinit")
    return lines


def budget_calibration_lines(fit) -> list[str]:
    """``sim calibrate budget``: the rows, the misses' spread, the model's own part and the
    operations factor's estimates, each with its standard error, in percent of the operating
    costs."""
    pct = lambda v: fmt.number(v, 2)  # noqa: E731
    lines = [f"Budgetavvikelser ({fit.n} rader, i procent av verksamhetens kostnader):"]
    width = max((len(r.entity) for r in fit.rows), default=0) + 2
    for r in fit.rows:
        lines.append(f"  {r.entity:<{width}}{r.year}  {r.line:<20}budget {fmt.number(r.plan, 0):>7}"
                     f"  utfall {fmt.number(r.outturn, 0):>7}  avvikelse {pct(r.miss):>6} %")
    if fit.listed:
        lines.append(f"  ({len(fit.listed)} rader med årets resultat inklusive "
                     "marknadsavkastning läses men skattas inte)")
    lines += [
        f"Spridning (kvadratiskt medelvärde): {pct(fit.spread)} % (medelfel {pct(fit.spread_se)})",
        f"Medelavvikelse (används inte, budgeten antas väntevärdesriktig): {pct(fit.mean)} % "
        f"(medelfel {pct(fit.mean_se)})",
        f"Modellens egen spridning utan faktorn: {pct(fit.priced)} % "
        f"(Monte Carlo-fel {fmt.number(fit.priced_se, 3)})",
        f"Verksamhetsfaktorn: sigma {pct(fit.sigma)} % (medelfel {pct(fit.sigma_se)}), "
        f"jump_mean {pct(fit.jump_mean)} % (medelfel {pct(fit.jump_mean_se)}) vid "
        f"jump_rate {fmt.number(fit.jump_rate, 2)} per år och andel i hopp "
        f"{fmt.number(fit.jump_share, 2)}",
    ]
    return lines


def kpif_record_lines(c) -> list[str]:
    """``sim calibrate kpif-record``: the episode regime's length as known at the information
    date, the runs of high-inflation years that check it, and the model's KPIF forecast errors
    1-3 years ahead against the published record (:class:`sim.calibrate.forecast_record.
    RecordCheck`), in points."""
    n = fmt.number
    lines = []
    e = c.episodes
    if e is None:
        lines.append("Högprisepisoder: avstängda i modellen")
    else:
        lines += [
            f"Högprisepisoder, som de var kända {fmt.month(c.as_of)}:",
            f"  förväntad längd {n(e.years, 1)} år (medelfel {n(e.years_se, 1)}); nivå "
            f"+{n(e.shift, 1)} procentenheter (medelfel {n(e.shift_se, 1)}); "
            f"{n(e.starts_a_year, 3)} starter per år (medelfel {n(e.starts_se, 3)})"]
        if e.runs:
            runs = ", ".join(f"{y} ({k} år)" for y, k in e.runs)
            lines += [
                f"  kontroll utan modell: år med KPI-inflation minst 6 % i följd, "
                f"{e.history[0]}–{e.history[1]}: {len(e.runs)} perioder, medellängd "
                f"{n(e.run_mean, 2)} år (medelfel {n(e.run_se, 2)})",
                f"    {runs}"]
    lines += [
        "",
        "KPIF-prognosfel (utfall minus prognos, årsgenomsnitt, procentenheter): modellen mot "
        "publicerade prognoser",
        f"med utfall kända {fmt.month(c.as_of)} (Riksbanken, Konjunkturinstitutet; "
        f"{n(c.paths)} modelldragningar per horisont)",
        f"  {'horisont':<9}{'modell 5 %':>11}{'25 %':>7}{'50 %':>7}{'75 %':>7}{'95 %':>7}"
        f"{'RMSE':>7}   {'prognoser':>9}{'RMSE':>7}  percentil av RMSE i modellen"]
    for h in c.horizons:
        q = "".join(f"{n(v, 2):>7}" for v in h.quantiles[1:])
        lines.append(f"  {str(h.horizon) + ' år':<9}{n(h.quantiles[0], 2):>11}{q}"
                     f"{n(h.model_rmse, 2):>7}   {len(h.known):>9}{n(h.known_rmse, 2):>7}  "
                     f"{fmt.percent(h.rmse_percentile)} %")
    lines.append(f"  alla horisonter: {c.pooled_n} prognoser, RMSE {n(c.pooled_rmse, 2)}, "
                 f"percentil {fmt.percent(c.pooled_percentile)} % bland lika många "
                 "modelldragningar (under 5 %: modellen är bredare än prognosernas fel)")
    rows = [(h.horizon, p, q, "känt") for h in c.horizons for p, q in h.known]
    rows += [(h.horizon, p, q, "senare") for h in c.horizons for p, q in h.later]
    if rows:
        lines += ["", "Varje prognos: år, horisont, utgivare (publicerad), prognos, utfall, fel, "
                      "percentil i modellen"]
        for h, p, q, when in rows:
            tag = "" if when == "känt" else "  (utfallet kom efter informationsdatum: kontroll)"
            lines.append(f"  {p.target_year}  {h} år  {p.publisher} ({p.published})  "
                         f"{n(p.forecast, 1)} → {n(p.outturn, 1)}  fel {n(p.error, 2, plus=True)}"
                         f"  percentil {fmt.percent(q)} %{tag}")
    return lines
