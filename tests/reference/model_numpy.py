"""The whole model in plain NumPy: what a competent analyst would write, vectorized over paths
with a loop over time. It is the benchmark's yardstick and a second implementation to check the
engine against: fed the same random numbers, it gives the engine's results to 1e-10
(``tests/test_benchmark.py``).

* factors: ``esg_numpy`` (each process from its equation);
* portfolios: ``portfolio_numpy`` (the rule and the average-cost accounting);
* budget: ``budget_numpy`` (the resultatbudget lines from their equations); the balance
  requirement's year recursion is written here, vectorized over paths.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.esg.model import ANNUAL_FACTORS, EsgParams, Innovations
from sim.esg.records import EQUITY_GARCH, EQUITY_GBM

from . import esg_numpy as esg_ref
from .budget_numpy import FactorPaths, budget_lines
from . import portfolio_numpy as port_ref

__all__ = ["factors", "balance_requirement", "full_model"]


def forecast_by_month(p: EsgParams, vintage) -> np.ndarray:
    """The KPIF forecast month by month: the year's forecast in each month, but in a year the
    forecasts' ``vintage`` (an Information) has KPIF outturns for, those months are the
    outturns and the rest of the year share what keeps the year's mean at its forecast."""
    out = np.repeat(p.kpif_forecast, 12).astype(float)
    if vintage is None or "kpif" not in vintage.monthly:
        return out
    series = vintage.monthly["kpif"]
    y0, m0 = (int(x) for x in series.first_month.split("-"))
    first = int(p.years[0])
    seen = np.zeros(out.size, dtype=bool)
    for k, v in enumerate(series.values):
        idx = (y0 - first) * 12 + (m0 - 1) + k
        if 0 <= idx < out.size:
            out[idx], seen[idx] = v, True
    for j in range(len(p.years)):
        block = slice(12 * j, 12 * j + 12)
        n_seen = int(seen[block].sum())
        if 0 < n_seen < 12:
            rest = (12 * p.kpif_forecast[j] - out[block][seen[block]].sum()) / (12 - n_seen)
            out[block] = np.where(seen[block], out[block], rest)
    return out


def factors(p: EsgParams, inn: Innovations, vintage=None) -> dict[str, np.ndarray]:
    """Every factor path from the innovations, as :func:`sim.esg.model.simulate_block`;
    ``vintage`` the plan's forecasts' (:func:`forecast_by_month`)."""
    n, steps = inn.n_paths, p.steps
    if p.model == EQUITY_GBM:
        eq = esg_ref.gbm(inn.equity, *p.equity.gbm)
    elif p.model == EQUITY_GARCH:
        eq, _ = esg_ref.garch_t(inn.equity, inn.equity_w, *p.equity.garch)
    else:
        eq, _ = esg_ref.rsln2(inn.equity, inn.equity_regime_u, steps, *p.equity.rsln2[:6])
    (r0, theta, decay, step_vol), (spread, duration) = p.short_rate, p.fixed_income
    obs = p.observed
    rates = esg_ref.vasicek(inn.short_rate, r0, decay, theta, step_vol, obs.short_rate)
    forecast_month = forecast_by_month(p, vintage)
    kpif, _, _ = esg_ref.inflation(inn.inflation, inn.inflation_regime_u, forecast_month,
                                   *p.inflation, n_known=obs.n_known, observed=obs.kpif,
                                   p_state=obs.p_state, ep_u=inn.episode_u)
    y = len(p.years)
    dev = (kpif - forecast_month).reshape(n, y, 12).mean(axis=2)
    growth = esg_ref.annual(inn.annual, inn.jumps, dev, p.annual.forecast, p.annual.phi,
                            p.annual.sigma, p.annual.inflation_beta,
                            p.annual.inflation_beta_lag, p.annual.known, p.annual.jump_offset)
    return {"equity_step": eq, "short_rate": rates,
            "fixed_income_return": esg_ref.fixed_income(rates, r0, spread, duration),
            "kpif": kpif, "inflation_deviation": dev,
            "pbb_deviation": (kpif - forecast_month)[:, 5::12],
            "kpif_annual": p.kpif_forecast[None] + dev,
            "annual_growth": growth, "annual_deviation": growth - p.annual.forecast.T[None]}


def balance_requirement(plan, bkr, goal, growth) -> dict[str, np.ndarray]:
    """RUR draw, first-in-first-out restoration and reservation, all paths at once."""
    n, ny = bkr.shape
    balance = np.full(n, plan.reserve.start_balance)
    outstanding = np.zeros((n, ny))
    out = {k: np.zeros((n, ny)) for k in ("rur_drawn", "rur_reserved", "rur_balance",
                                           "balance_requirement_result_after_rur",
                                           "deficit_restored", "deficit_outstanding",
                                           "deficit_unrestored")}
    for t in range(ny):
        b = bkr[:, t]
        if plan.reserve.draw_when == 2:
            allowed = np.ones(n, bool)
        elif plan.reserve.draw_when == 1:
            allowed = growth[:, t] < plan.reserve.tax_base_growth_10y_average
        else:
            allowed = np.zeros(n, bool)
        drawn = np.where((b < 0) & allowed,
                         np.minimum(np.minimum(-b, balance), plan.reserve.max_draw_per_year), 0.0)
        balance = balance - drawn
        after = b + drawn
        outstanding[:, t] = np.where(after < 0, -after, 0.0)
        avail = np.where(after >= 0, after, 0.0)
        restored = np.zeros(n)
        for v in range(t):
            take = np.minimum(avail, outstanding[:, v])
            outstanding[:, v] -= take
            avail -= take
            restored += take
        reserved = np.where((after >= 0) & (avail > goal[:, t]),
                            plan.reserve.reserve_share_above_goal * (avail - goal[:, t]), 0.0)
        balance = balance + reserved
        out["rur_drawn"][:, t] = drawn
        out["rur_reserved"][:, t] = reserved
        out["rur_balance"][:, t] = balance
        out["balance_requirement_result_after_rur"][:, t] = after - reserved
        out["deficit_restored"][:, t] = restored
        out["deficit_outstanding"][:, t] = outstanding[:, :t + 1].sum(axis=1)
        overdue = np.arange(t + 1) <= t - plan.reserve.restore_within_years
        out["deficit_unrestored"][:, t] = outstanding[:, :t + 1][:, overdue].sum(axis=1)
    return out


def full_model(engine, inn: Innovations) -> dict[str, np.ndarray]:
    """Factors -> the three portfolios -> budget -> balance requirement, for one block."""
    f = factors(engine.esg, inn, engine.cfg.vintage)
    runs = [port_ref.run(p, f["equity_step"], f["fixed_income_return"], engine.steps)
            for p in engine.funds]
    funds = {k: np.stack([r[k] for r in runs], axis=1) for k in runs[0]}
    plan = engine.plan
    y, pre = plan.n_years, plan.n_pre
    devs = {"inflation": f["inflation_deviation"], "price_base_amount": f["pbb_deviation"]}
    devs.update({k: f["annual_deviation"][:, :, j] for j, k in enumerate(ANNUAL_FACTORS)})
    # from the plan's first year on (the funds start at the information date)
    funds = {k: v[:, :, 12 * pre:] if k in ("nav", "equity_weight") else v[:, :, pre:]
             for k, v in funds.items()}
    ret = funds["year_return"][:, :, :y]
    unrealized = np.where(engine.by_sales[None, :, None], funds["unrealized_change"][:, :, :y],
                          plan.fund_unrealized_share[None, :, None] * ret)
    fp = replace(FactorPaths.from_deviations(plan, devs, int(engine.esg.years[0])),
                 fund_return=ret, fund_unrealized=unrealized)
    out = budget_lines(plan, fp)
    out.update(balance_requirement(plan, out["balance_requirement_result"],
                                   out["required_result_1pct"], fp.tax_base_growth))
    out.update({f"funds_{k}": v for k, v in funds.items()})
    return out
