"""The portfolio rule and its accounting in plain NumPy, vectorized over paths with a loop over
steps, written from the description in docs/models/portfolios.md. Held to the numba kernel within 1e-12.

``fund`` is a :class:`sim.portfolio.Fund`: its ``rule`` record (fixed mix or dynamic), its
``trading`` and its ``flows``, read here by the config's names."""

from __future__ import annotations

import numpy as np

from sim.portfolio.records import Dynamic


def target_weight(rule, nav, high, var, steps_per_year, horizon):
    """clip((c - s_fi) / (s - s_fi)), c the cushion as a share of the NAV (docs/models/portfolios.md)."""
    if not isinstance(rule, Dynamic):
        return np.full_like(nav, rule.equity_weight)
    floor = rule.floor_share * high
    s = np.clip(rule.stress_z * np.sqrt(var * steps_per_year) * np.sqrt(horizon),
                rule.stress_min, rule.stress_max)
    s_fi = rule.stress_z * rule.fixed_income_vol * np.sqrt(horizon)
    if s_fi == 0.0:
        w = (nav - floor) / (nav * s)
    else:
        w = ((nav - floor) / nav - s_fi) / np.maximum(s - s_fi, 1e-12)
    return np.clip(w, rule.min_equity, rule.max_equity)


def sell(amount, value, basis):
    """Average cost: (realized, basis removed); nothing when the holding or amount is zero."""
    ok = (value > 0) & (amount > 0)
    frac = np.where(ok, amount / np.where(value > 0, value, 1.0), 0.0)
    removed = basis * frac
    return np.where(ok, amount - removed, 0.0), removed


def run(fund, eq_step, fi_month, steps):
    """The fund from the start of month ``flows.start_month`` (earlier months: zero results)."""
    rule, start_value, start = fund.rule, fund.flows.start_value, fund.flows.start_month
    dynamic = isinstance(rule, Dynamic)
    n, months = fi_month.shape
    years = -(-months // 12)
    spy = 12.0 * steps
    rebalance_every = steps // fund.trading.rebalance_per_month
    horizon = rule.stress_horizon / 12.0 if dynamic else 0.0     # the stress's horizon [years]
    lam = rule.ewma_lambda ** (1.0 / steps) if dynamic else 0.0     # a month's decay, per step
    window = rule.window if dynamic else 1
    high0 = rule.initial_high if dynamic else 1.0
    floor_share = rule.floor_share if dynamic else 0.0
    units = np.full(n, start_value)
    var = np.full(n, (rule.initial_vol / 100.0) ** 2 / spy if dynamic else 0.0)
    ring = np.full((n, window), high0)
    w0 = target_weight(rule, np.ones(n), np.full(n, high0), var, spy, horizon)
    eq = w0 * start_value
    fi = start_value - eq
    basis = fund.flows.start_cost_basis
    b_eq, b_fi = eq * basis, fi * basis
    realized = np.zeros(n)
    navs = [np.ones(n)]               # month-end NAVs with the start first
    lim = [np.full(n, high0)] * 24    # Bilaga 2's 24 month-ends, the rule's history first
    parts = ("cushion", "equity", "fixed_income", "costs", "floor_move")
    out = {k: np.zeros((n, years)) for k in ("year_return", "realized", "unrealized_change",
                                              "value_end", "cost_basis", "breach_months",
                                              "worst_fall_12m", "worst_fall_24m",
                                              "breach_spells",
                                              "breach_depth")
           + tuple(f"breach_{p}" for p in parts)}
    in_breach = np.zeros(n, dtype=bool)
    out["equity_weight"] = np.full((n, months), np.nan)       # NaN before the fund starts
    out["nav"] = np.full((n, months), np.nan)
    prev_value = np.full(n, start_value)
    prev_unreal = np.full(n, start_value * (1.0 - basis))
    flow = np.zeros(n)
    for m in range(start, months):
        y = m // 12
        if m % 12 == 0 or m == start:
            value = eq + fi
            flow = np.full(n, fund.flows.net_flow[y] if m > start else 0.0)
            target = fund.flows.target_value
            if m > start and not np.isnan(target[y]):
                flow = target[y] - value
            live = (units > 0) & (value > 0)
            safe_value = np.where(live, value, 1.0)
            nav = np.where(live, value / np.where(units > 0, units, 1.0), 1.0)
            share = np.where(live, eq / safe_value, 0.0)
            # contributions: pro rata into a live fund; an empty one restarts at NAV 1 in fixed income
            buy = np.maximum(flow, 0.0)
            units = units + buy / nav
            # payouts: pro rata, or everything when the payout is the whole value
            want = np.where(live, np.maximum(-flow, 0.0), 0.0)
            full = live & (want >= value)
            part = np.where(full, 0.0, want)
            r1, rem1 = sell(part * share, eq, b_eq)
            r2, rem2 = sell(part * (1 - share), fi, b_fi)
            realized += r1 + r2 + np.where(full, value - b_eq - b_fi, 0.0)
            units = np.where(full, 0.0, units - part / nav)
            eq = np.where(full, 0.0, eq + buy * share - part * share)
            fi = np.where(full, 0.0, fi + buy * (1 - share) - part * (1 - share))
            b_eq = np.where(full, 0.0, b_eq + buy * share - rem1)
            b_fi = np.where(full, 0.0, b_fi + buy * (1 - share) - rem2)
            flow = np.where(flow < 0, -np.where(full, value, part), flow)
        shift = np.exp(fund.flows.equity_shift[y] / steps)      # the return centre, a step
        g = (1.0 + fi_month[:, m]) ** (1.0 / steps) * np.exp(fund.flows.fixed_income_shift[y]
                                                             / steps)
        # the month's start: NAV, level, and each asset's result over the month
        nav0 = np.where(units > 0, (eq + fi) / np.where(units > 0, units, 1.0), 0.0)
        floor0 = floor_share * ring.max(axis=1)
        res_eq, res_fi, res_cost = np.zeros(n), np.zeros(n), np.zeros(n)
        for j in range(steps):
            k = m * steps + j
            if (k - start * steps) % rebalance_every == 0:
                value = eq + fi
                live = (units > 0) & (value > 0)
                value = np.where(live, value, 1.0)       # an empty fund does not trade
                nav = value / np.where(live, units, 1.0)
                high = np.maximum(ring.max(axis=1), nav)
                w = target_weight(rule, nav, high, var, spy, horizon)
                trade = np.where(live & (np.abs(w - eq / value) > fund.trading.no_trade_band),
                                 w * value - eq, 0.0)
                up, down = np.maximum(trade, 0.0), np.maximum(-trade, 0.0)
                r_up, rem_up = sell(up, fi, b_fi)
                r_dn, rem_dn = sell(down, eq, b_eq)
                eq, fi = eq + up - down, fi - up + down
                b_eq = b_eq + up - rem_dn
                b_fi = b_fi - rem_up + down
                c = fund.trading.transaction_cost * np.abs(trade)
                from_fi = fi >= c
                fi, b_fi = np.where(from_fi, fi - c, fi), np.where(from_fi, b_fi - c, b_fi)
                eq, b_eq = np.where(from_fi, eq, eq - c), np.where(from_fi, b_eq, b_eq - c)
                realized += r_up + r_dn - c
                res_cost += c
            x = eq_step[:, k]
            res_eq += eq * (np.exp(x) * shift - 1.0)
            res_fi += fi * (g - 1.0)
            eq = eq * np.exp(x) * shift
            fi = fi * g
            var = lam * var + (1 - lam) * x * x
        value = eq + fi
        nav = np.where(units > 0, value / np.where(units > 0, units, 1.0), 0.0)
        ring[:, (m - start) % window] = nav
        floor = floor_share * ring.max(axis=1)
        out["nav"][:, m] = nav
        out["equity_weight"][:, m] = np.where(value > 0, eq / np.where(value > 0, value, 1.0), 0.0)
        if dynamic:
            below = (floor > 0) & (nav < floor)
            out["breach_months"][:, y] += below
            new = below & ~in_breach & (units > 0)
            u = np.where(units > 0, units, 1.0) * np.where(floor > 0, floor, 1.0)
            split = {"cushion": (nav0 - floor0) / np.where(floor > 0, floor, 1.0),
                     "equity": res_eq / u, "fixed_income": res_fi / u, "costs": -res_cost / u,
                     "floor_move": -(floor - floor0) / np.where(floor > 0, floor, 1.0)}
            out["breach_spells"][:, y] += new
            depth = nav / np.where(floor > 0, floor, 1.0) - 1.0
            out["breach_depth"][:, y] = np.where(below, np.minimum(out["breach_depth"][:, y],
                                                                   depth), out["breach_depth"][:, y])
            for p in parts:
                out[f"breach_{p}"][:, y] += np.where(new, split[p], 0.0)
            in_breach = below
        past = np.stack(navs[-12:], axis=1).max(axis=1)
        fall = np.where(past > 0, 1 - nav / np.where(past > 0, past, 1.0), 0.0)
        out["worst_fall_12m"][:, y] = np.maximum(out["worst_fall_12m"][:, y], fall)
        navs.append(nav)
        lim.append(nav)
        high24 = np.stack(lim[-24:], axis=1).max(axis=1)
        fall24 = np.where(high24 > 0, 1 - nav / np.where(high24 > 0, high24, 1.0), 0.0)
        out["worst_fall_24m"][:, y] = np.maximum(out["worst_fall_24m"][:, y], fall24)
        if m % 12 == 11 or m == months - 1:
            unreal = value - b_eq - b_fi
            out["year_return"][:, y] = value - prev_value - flow
            out["realized"][:, y] = realized
            out["unrealized_change"][:, y] = unreal - prev_unreal
            out["value_end"][:, y] = value
            out["cost_basis"][:, y] = b_eq + b_fi
            prev_value, prev_unreal = value, unreal
            realized = np.zeros(n)
    return out
