"""The budget's charts: the balanskravsresultat's fan, the probabilities per year, the menu of
improvement against risk, the tornado and the stress scenarios."""

from __future__ import annotations

import numpy as np

from .. import fmt, plan_figures
from .style import (GREYS, LINESTYLES, MARKERS, PRINT_WIDTH, fan_bands, finish, legend_below,
                    mnkr_axis, new_figure, pct_axis, pct_sv, years_axis)


def bkr_fan(ds):
    """5. The balanskravsresultat per year as a fan against 0 and the 1 % goal."""
    years = ds["year"].values
    q = ds["bkr_quantile"]
    goal = plan_figures(ds, "required_result_1pct")
    fig, ax = new_figure(ds, "Balanskravsresultat per år")
    ax = ax[0, 0]
    fan_bands(ax, years, q, marker="o")
    ax.plot(years, plan_figures(ds, "bkr"), color="black", marker="s", markerfacecolor="white",
            linestyle="none", label="Plan")
    ax.plot(years, goal, color="black", linestyle="--", linewidth=1.2, label="1 %-målet")
    ax.axhline(0, color="black", linewidth=0.8)
    mnkr_axis(ax)
    years_axis(ax, years)
    legend_below(ax, ncol=5)
    finish(fig)
    rows = [{"year": int(y), **{f"bkr_q{int(100 * x):02d}_mnkr": float(q.sel(quantile=x)[i])
                                for x in (0.05, 0.25, 0.5, 0.75, 0.95)},
             "bkr_plan_mnkr": float(plan_figures(ds, "bkr")[i]), "goal_1pct_mnkr": float(goal[i])}
            for i, y in enumerate(years)]
    return fig, rows


def probabilities(ds):
    """6. P(deficit) and P(below the goal) per year, with 95 % Wilson intervals."""
    years = ds["year"].values
    fig, ax = new_figure(ds, "Sannolikhet för underskott och för att inte nå 1 %-målet")
    ax = ax[0, 0]
    width = 0.38
    rows = {int(y): {"year": int(y)} for y in years}
    for j, (name, label) in enumerate((("deficit", "Balanskravsresultat < 0"),
                                       ("below_goal", "Under 1 %-målet"))):
        p = ds[f"p_{name}"].values
        lo, hi = ds[f"p_{name}_lo"].values, ds[f"p_{name}_hi"].values
        x = years + (j - 0.5) * width
        ax.bar(x, p, width=width, color=("white", GREYS[1])[j], edgecolor="black",
               hatch=("///", "")[j], label=label)
        ax.errorbar(x, p, yerr=[np.maximum(p - lo, 0.0), np.maximum(hi - p, 0.0)], fmt="none",
                    ecolor="black", capsize=3,
                    linewidth=1)
        for i, y in enumerate(years):
            ax.text(x[i], hi[i] + 0.01, pct_sv(p[i]), ha="center", va="bottom", fontsize=7)
            rows[int(y)].update({f"p_{name}": float(p[i]), f"p_{name}_lo": float(lo[i]),
                                 f"p_{name}_hi": float(hi[i])})
    ax.set_ylim(0, min(1.0, float(ds["p_below_goal_hi"].max()) + 0.12))
    pct_axis(ax, "Sannolikhet", 0)
    years_axis(ax, years)
    legend_below(ax)
    finish(fig)
    return fig, list(rows.values())


def menu(ds):
    """M. The menu: how much each budget year's result must improve for P(deficit) to fall to
    a given level, one line per year; the board picks the level."""
    nb = int(ds.attrs.get("budget_years", ds.sizes["year"]))
    years = [int(y) for y in ds["year"].values][:nb]
    m = ds["improvement_menu"].sel(year=years)
    levels = [float(v) for v in m["risk_level"].values]
    fig, ax = new_figure(ds, "Vad det kostar att sänka risken för negativt balanskravsresultat",
                      size=(6.5, 4.0))
    ax = ax[0, 0]
    rows = []
    for k, y in enumerate(years):
        v = m.sel(year=y).values
        ax.plot(levels, v, color="black", linestyle=LINESTYLES[k], marker=MARKERS[k],
                linewidth=1.4, label=str(y))
        rows += [{"year": y, "risk_level": lv, "improvement_mnkr": float(a)}
                 for lv, a in zip(levels, v)]
    p = ds["p_deficit"].sel(year=years).values
    for k, (y, pv) in enumerate(zip(years, p)):
        ax.scatter([pv], [0.0], marker=MARKERS[k], s=40, facecolors="white",
                   edgecolors="black", zorder=3)
    ax.annotate("utan åtgärd", (float(p[0]), 0.0), textcoords="offset points", xytext=(0, 8),
                fontsize=8, ha="center")
    pct_axis(ax, "Sannolikhet för negativt balanskravsresultat", axis="x")
    mnkr_axis(ax, "Förbättring av årets resultat, mnkr")
    ax.grid(True, color="#cccccc", linewidth=0.6)
    legend_below(ax, ncol=len(years), drop=-0.2)
    finish(fig)
    return fig, rows


def sd_text(ds, factor: int, year) -> str:
    """One standard deviation of a factor's setting in its units, Swedish, per year (the
    setting moves every plan year): equity's yearly return in percent, the others in
    percentage points."""
    v = float(ds["factor_sd"].isel(factor=factor).sel(year=year))
    if str(ds["factor_sd_units"].values[factor]) == "1":
        return pct_sv(v, 1) + " per år"
    return f"{fmt.number(v, 1)} procentenheter per år"


def tornado(ds, max_years: int = 3):
    """7. The tornado: each factor at its low and high setting, the change of the mean
    balanskravsresultat (top row, mnkr) and of P(deficit) (bottom row, percentage points), per
    year; one x scale per row, so the years compare; each factor's label states its standard
    deviation in its own units in the first year shown."""
    from matplotlib.ticker import FuncFormatter

    years = ds["year"].values[:max_years]
    ch = ds["bkr_mean_change"]
    dp = ds["p_deficit_change"]
    spread = np.nan_to_num(np.abs(ch.sel(year=years).values).max(axis=(1, 2)), nan=-1.0)
    order = [i for i in np.argsort(spread) if spread[i] >= 0]      # widest on top
    labels = [str(ds["factor_label"].values[i]) for i in order]
    ticks = [f"{lab}\n1 SD = {sd_text(ds, i, years[0])}" for lab, i in zip(labels, order)]
    k = float(ds["setting_sd"].values[1])
    k_text = fmt.number(k, 1 if k != int(k) else 0)
    fig, axes = new_figure(ds, "Känslighet: balanskravsresultatets och sannolikhetens förändring "
                        f"när en faktor flyttas ±{k_text} standardavvikelse (SD)",
                        2, len(years), size=(PRINT_WIDTH, 0.55 * len(order) + 3.0),
                        sharey=True, sharex="row")
    rows = []
    pos = np.arange(len(order))
    for j, y in enumerate(years):
        lo = ch.sel(year=y, setting="low").values[order]
        hi = ch.sel(year=y, setting="high").values[order]
        p_lo = dp.sel(year=y, setting="low").values[order]
        p_hi = dp.sel(year=y, setting="high").values[order]
        for ax, a, b in ((axes[0, j], lo, hi), (axes[1, j], 100.0 * p_lo, 100.0 * p_hi)):
            ax.barh(pos, a, color="white", edgecolor="black", hatch="///",
                    label=f"Faktorn {k_text} SD lägre")
            ax.barh(pos, b, color=GREYS[1], edgecolor="black", label=f"Faktorn {k_text} SD högre")
            ax.axvline(0, color="black", linewidth=0.8)
            ax.grid(axis="x", color="#cccccc", linewidth=0.6)
            ax.set_axisbelow(True)
        axes[0, j].set_title(str(int(y)), fontsize=9)
        axes[0, j].xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
        axes[0, j].set_xlabel("medelvärdet, mnkr", fontsize=7)
        axes[1, j].xaxis.set_major_formatter(
            FuncFormatter(lambda v, _: fmt.number(v, 0 if float(v).is_integer() else 1)))
        axes[1, j].set_xlabel("P(negativt), pe", fontsize=7)
        for ax in axes[:, j]:
            ax.xaxis.set_major_locator(__import__("matplotlib.ticker").ticker.MaxNLocator(3))
            ax.tick_params(axis="x", labelsize=7)
        for i, f in enumerate(order):
            rows.append({"year": int(y), "factor": str(ds["factor"].values[f]),
                         "label": labels[i],
                         "sd": float(ds["factor_sd"].isel(factor=f).sel(year=y)),
                         "sd_unit": str(ds["factor_sd_units"].values[f]),
                         "low_mnkr": float(lo[i]), "high_mnkr": float(hi[i]),
                         "p_deficit_low_change": float(p_lo[i]),
                         "p_deficit_high_change": float(p_hi[i])})
    for r in range(2):
        axes[r, 0].set_yticks(pos)
        axes[r, 0].set_yticklabels(ticks, fontsize=7)
    handles, names = axes[0, 0].get_legend_handles_labels()
    # below the panels, clear of every bar
    fig.legend(handles, names, loc="lower center", bbox_to_anchor=(0.5, 0.035), ncol=2,
               fontsize=7, frameon=False)
    finish(fig, rect=(0.0, 0.085, 1.0, 0.95))
    return fig, rows


def stress(ds):
    """8. The stress scenarios side by side: the balanskravsresultat per year."""
    years = ds["year"].values
    fig, ax = new_figure(ds, "Stresstester: balanskravsresultat per scenario", size=(8.5, 5.6))
    ax = ax[0, 0]
    rows = []
    for j, sc in enumerate(ds["scenario"].values):
        v = ds["balance_requirement_result"].sel(scenario=sc).values
        label = str(ds["scenario_label"].sel(scenario=sc).item())
        ax.plot(years, v, color="black", marker=MARKERS[j % len(MARKERS)],
                linestyle=LINESTYLES[j % len(LINESTYLES)], linewidth=2.0 if sc == "bas" else 1.1,
                markerfacecolor="white" if j % 2 else "black", label=label)
        rows += [{"scenario": str(sc), "label": label, "year": int(y), "bkr_mnkr": float(x)}
                 for y, x in zip(years, v)]
    ax.axhline(0, color="black", linewidth=0.8)
    mnkr_axis(ax)
    years_axis(ax, years)
    legend_below(ax, drop=-0.17)
    finish(fig)
    return fig, rows
