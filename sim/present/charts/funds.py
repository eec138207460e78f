"""The funds' charts: the pension portfolio's fan with its protection level, the equity share
and cash lock, the worst 12-month fall against its limit, return against risk, and the
pension rule's frontier and long horizon (``sim strategy``)."""

from __future__ import annotations

import numpy as np

from .. import protected_fund
from .style import (GREYS, LINESTYLES, MARKERS, fan_bands, finish, flow_note, fund_label,
                    legend_below, mnkr_axis, new_figure, pct_axis, pct_sv, short_fund)


def pension_fan(ds, fund: str | None = None):
    """1. The pension portfolio's value as a fan (5-95 %, 25-75 %, median) with its floor."""
    fund = protected_fund(ds) if fund is None else fund
    t = ds["time"].values
    v = ds["fund_value_fan"].sel(fund=fund)
    fl = ds["fund_floor_fan"].sel(fund=fund, quantile=0.5)
    fig, ax = new_figure(ds, f"{short_fund(ds, fund)}: marknadsvärde och skyddsnivå")
    ax = ax[0, 0]
    fan_bands(ax, t, v)
    ax.plot(t, fl, color="black", linewidth=1.2, linestyle="--", label="Skyddsnivå (median)")
    mnkr_axis(ax)
    ax.set_xlabel("År" + flow_note(ds, fund))
    legend_below(ax, ncol=4, drop=-0.2)
    finish(fig)
    rows = [{"month": str(np.datetime_as_string(m, unit="M")),
             **{f"value_q{int(100 * q):02d}_mnkr": float(v.sel(quantile=q).values[i])
                for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
             "floor_q50_mnkr": float(fl.values[i])} for i, m in enumerate(t)]
    return fig, rows


def equity_share(ds, fund: str | None = None):
    """2. The equity share the strategy holds (fan) and how often it is in cash lock."""
    fund = protected_fund(ds) if fund is None else fund
    t = ds["time"].values
    w = ds["fund_equity_weight_fan"].sel(fund=fund)
    lock = ds["p_fund_cash_lock"].sel(fund=fund).values
    fig, axes = new_figure(ds, f"{short_fund(ds, fund)}: andel aktiefonder och kassaläge", 2, 1,
                        size=(8.0, 6.0), gridspec_kw={"height_ratios": [2, 1]}, sharex=True)
    ax, ax2 = axes[0, 0], axes[1, 0]
    fan_bands(ax, t, w)
    ax.set_ylim(0, 1)
    pct_axis(ax, "Andel aktiefonder", 0)
    ax2.plot(t, lock, color="black", linewidth=1.4, drawstyle="steps-mid",
             label="Andel scenarier i kassaläge (nedre diagrammet)")
    ax2.set_ylim(0, max(0.05, float(np.nanmax(lock)) * 1.2 if np.isfinite(lock).any() else 0.05))
    pct_axis(ax2, "I kassaläge")
    ax2.set_xlabel("År")
    handles = ax.get_legend_handles_labels()
    lock_handles = ax2.get_legend_handles_labels()
    ax2.legend(handles[0] + lock_handles[0], handles[1] + lock_handles[1], loc="upper center",
               bbox_to_anchor=(0.5, -0.45), ncol=2, fontsize=8, frameon=False)
    finish(fig)
    rows = [{"month": str(np.datetime_as_string(m, unit="M")),
             **{f"equity_share_q{int(100 * q):02d}": float(w.sel(quantile=q).values[i])
                for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
             "share_of_paths_in_cash_lock": float(lock[i])} for i, m in enumerate(t)]
    return fig, rows


def worst_fall(ds):
    """3. Each limited fund's worst 12-month fall as a distribution against its limit."""
    funds = [f for f in ds["fund"].values if np.isfinite(ds["fund_loss_limit"].sel(fund=f))]
    fig, axes = new_figure(ds, "Största värdefall under 12 månader mot gränsen", len(funds), 1,
                        size=(8.0, 2.6 + 2.2 * len(funds)), sharex=True)
    edges = ds["fall_bin"].values
    rows = []
    for ax, f in zip(axes[:, 0], funds):
        share = ds["fund_worst_fall_share"].sel(fund=f).values
        limit = float(ds["fund_loss_limit"].sel(fund=f))
        p = float(ds["p_fund_fall_over_limit_ever"].sel(fund=f))
        ax.bar(edges, share, width=0.01, align="edge", color=GREYS[1], edgecolor="black",
               linewidth=0.3)
        ax.axvline(limit, color="black", linestyle="--", linewidth=1.4)
        # in the frame's upper right corner, on white, clear of the bars and the frame
        ax.text(0.99, 0.95,
                f"Gräns {pct_sv(limit)} (streckad linje)\növerskrids i {pct_sv(p, 1)} av "
                "scenarierna", transform=ax.transAxes, fontsize=8, va="top", ha="right",
                bbox={"facecolor": "white", "edgecolor": "#999999", "pad": 3.0})
        ax.set_title(fund_label(ds, f), fontsize=10, loc="left")
        pct_axis(ax, "Andel scenarier")
        ax.set_xlim(0, min(1.0, max(limit * 2.5, float(edges[share > 0].max()) + 0.02
                                    if (share > 0).any() else limit * 2)))
        rows += [{"fund": str(f), "fall_from": float(a), "fall_to": float(a) + 0.01,
                  "share_of_paths": float(s), "limit": limit, "p_over_limit": p}
                 for a, s in zip(edges, share)]
    pct_axis(axes[-1, 0], "Största fall under 12 månader (hela perioden)", 0, axis="x")
    axes[-1, 0].set_ylabel("Andel scenarier")
    finish(fig)
    return fig, rows


def return_risk(ds):
    """4. Expected yearly return against its spread, per portfolio."""
    fig, ax = new_figure(ds, "Förväntad avkastning och risk per portfölj", size=(7.0, 4.8))
    ax = ax[0, 0]
    rows = []
    for j, f in enumerate(ds["fund"].values):
        m = float(ds["fund_return_pct_mean"].sel(fund=f)) / 100
        s = float(ds["fund_return_pct_std"].sel(fund=f)) / 100
        ax.scatter([s], [m], marker=MARKERS[j], s=70, color="black", zorder=3)
        rows.append({"fund": str(f), "mean_return_pct": 100 * m, "std_return_pct": 100 * s})
    top_s = max(r["std_return_pct"] for r in rows) / 100
    for r in rows:        # a label right of its marker, or left of it in the right half
        s, m = r["std_return_pct"] / 100, r["mean_return_pct"] / 100
        right = s > 0.8 * top_s
        ax.annotate(short_fund(ds, r["fund"]), (s, m), textcoords="offset points",
                    xytext=(-9 if right else 9, 4), ha="right" if right else "left",
                    fontsize=8)
    pct_axis(ax, "Förväntad årlig avkastning", 1)
    pct_axis(ax, "Risk: årsavkastningens standardavvikelse", axis="x")
    ax.grid(True, color="#cccccc", linewidth=0.6)
    top_m = max(r["mean_return_pct"] for r in rows) / 100
    ax.set_xlim(0, top_s * 1.6)                # room for the labels right of the markers
    ax.set_ylim(min(0.0, min(r["mean_return_pct"] for r in rows) / 100 * 1.2), top_m * 1.2)
    finish(fig)
    return fig, rows


def frontier(ds):
    """S1. Every rule's expected return against the probability of a fall beyond Bilaga 2's
    limit from the 24-month high (one yardstick for all rules): the rules no other beats in
    both as black dots joined by the frontier, the dominated ones hollow, today's rule a
    star."""
    fig, ax = new_figure(ds, "Pensionsportföljens regel: förväntad avkastning mot risken att "
                          "falla under Bilaga 2:s nivå", size=(10.0, 5.6))
    ax = ax[0, 0]
    risk = ds["p_fund_fall24_over_limit_ever"].values
    ret = ds["fund_return_pct_mean"].values / 100.0
    dom = ds["rule_dominated"].values.astype(bool)
    today = ds["rule_today"].values.astype(bool)
    labels = [str(x) for x in ds["rule_label"].values]
    from matplotlib.lines import Line2D

    handles = [ax.scatter(risk[dom], ret[dom], s=28, facecolors="none", edgecolors="#808080",
                          linewidths=0.9, label="dominerad regel", zorder=2)]
    front = np.flatnonzero(~dom)
    order = front[np.argsort(risk[front])]
    ax.plot(risk[order], ret[order], color="black", linewidth=1.0, zorder=2)
    handles.append(ax.scatter(risk[order], ret[order], s=30, color="black",
                              label="regel på fronten", zorder=3))
    t = np.flatnonzero(today)
    handles.append(ax.scatter(risk[t], ret[t], marker="*", s=220, color="black",
                              edgecolors="white", linewidths=0.8, label="dagens regel",
                              zorder=4))
    letters = {}
    for j in order:                       # the frontier's rules by letter, keyed beside
        if today[j]:
            continue
        letters[j] = chr(ord("A") + len(letters))
        ax.annotate(letters[j], (risk[j], ret[j]), textcoords="offset points", xytext=(5, -9),
                    fontsize=8, fontweight="bold")
    handles += [Line2D([], [], linestyle="none", label=f"{letters[j]}: {labels[j]}")
                for j in letters]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False, handletextpad=0.4)
    years = ds["year"].values
    limit = float(ds["fund_loss_limit"])
    pct_axis(ax, f"Sannolikhet att någon gång {int(years[0])}–{int(years[-1])} ligga mer än\n"
                  f"{pct_sv(limit)} under det högsta värdet de senaste 24 månaderna", axis="x")
    pct_axis(ax, "Förväntad årsavkastning", 1)
    ax.grid(True, color="#cccccc", linewidth=0.6)
    finish(fig)
    rows = [{"rule": str(r), "label": labels[i], "today": bool(today[i]),
             "dominated": bool(dom[i]), "letter": letters.get(i, ""), "p_below_bilaga2_level": float(risk[i]),
             "p_below_own_level": float(ds["p_fund_breach_ever"].values[i]),
             "expected_return_pct": float(100 * ret[i]),
             "return_std_pct": float(ds["fund_return_pct_std"].values[i]),
             "p_deficit_any": float(ds["p_deficit_any"].values[i])}
            for i, r in enumerate(ds["rule"].values)]
    return fig, rows


def funding_fan(ds):
    """S2. The pension portfolio to the payouts under today's rule: its value at each year's
    end as a fan against the cumulative payouts, and the probability that every payout due
    has been paid, under each rule of the frontier."""
    years = ds["long_year"].values
    fig, axes = new_figure(ds, "Pensionsportföljen mot utbetalningarna", nrows=2, size=(8.0, 7.0),
                        sharex=True, gridspec_kw={"height_ratios": [2.2, 1.0]})
    ax = axes[0, 0]
    today = int(np.flatnonzero(ds["rule_today"].values)[0])
    q = ds["funding_value_quantile"].isel(rule=today).rename(value_quantile="quantile")
    fan_bands(ax, years, q)
    ax.plot(years, ds["funding_cumulative_payouts"].values, color="black", linestyle="--",
            linewidth=1.2, label="ackumulerade utbetalningar (antagande)")
    mnkr_axis(ax)
    ax.grid(True, color="#cccccc", linewidth=0.6)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax2 = axes[1, 0]
    dom = ds["rule_dominated"].values.astype(bool)
    front = [j for j in np.flatnonzero(~dom) if j != today][:5]
    for k, j in enumerate([today] + front):
        lab = "dagens regel" if j == today else str(ds["rule_label"].values[j])
        ax2.plot(years, ds["p_funding_covered"].values[j], color="black",
                 linestyle=LINESTYLES[k], linewidth=1.6 if j == today else 1.0, label=lab)
    pct_axis(ax2, "Alla utbetalningar betalda")
    ax2.set_ylim(0, 1.02)
    ax2.grid(True, color="#cccccc", linewidth=0.6)
    ax2.legend(fontsize=6.5, loc="lower left", frameon=False)
    ticks = [int(y) for y in years if int(y) % 5 == 0]
    ax2.set_xticks(ticks)
    ax2.set_xticklabels([str(y) for y in ticks])
    ax2.set_xlabel("År")
    finish(fig)
    rows = [{"year": int(y), "payout": float(po), "cumulative_payouts": float(cp),
             **{f"value_q{int(round(100 * float(v)))}": float(x) for v, x in
                zip(ds["value_quantile"].values, q.sel(long_year=y).values)},
             "p_covered_today": float(ds["p_funding_covered"].values[today, i])}
            for i, (y, po, cp) in enumerate(zip(years, ds["funding_payouts"].values,
                                                ds["funding_cumulative_payouts"].values))]
    return fig, rows
