"""The risk charts of Bilaga 2, drawn from results Datasets (never from anything else).

Each chart is written as PNG, PDF and SVG, with its numbers as CSV beside it. Labels are Swedish,
numbers in the Swedish format (space as thousands separator, decimal comma), amounts in mnkr,
and every chart carries a source line (config, seed, paths, date). The charts are made to read
in black and white: grey bands, black lines, dashes, hatches and marker shapes, never colour
alone.

* from a Monte Carlo run (``sim run``): 1 the pension portfolio's fan with its floor, 2 the
  equity share and the cash lock, 3 the worst 12-month fall against its limit, 4 return against
  risk, 5 the balanskravsresultat's fan, 6 P(deficit) and P(below the goal);
* from ``sim sensitivity``: 7 the tornado;
* from ``sim stress``: 8 the scenarios side by side;
* from ``sim strategy``: S1 the pension rule's frontier, S2 the portfolio against the payouts.
"""

from __future__ import annotations

import io
import math
import weakref
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Z95
from . import fmt, plan_figures, protected_fund

__all__ = ["charts_for", "write_charts", "source_line", "figure_svg", "CHARTS"]

GREYS = ("#d9d9d9", "#a6a6a6", "#000000")
HATCHES = ("", "///", "...", "\\\\\\", "xx", "--", "++", "oo", "**")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), "-", "--", "-.")


def _pct_sv(x: float, decimals: int = 0) -> str:
    return fmt.percent(x, decimals) + " %"


def source_line(ds) -> str:
    """A chart's source, as a reader needs it: the plan, the number of scenarios, the date.
    The provenance (the configuration's hash, the seed, the versions) is in the results file
    and the report's technical section, not under every chart."""
    created = str(ds.attrs.get("created", ""))[:10]
    paths = ds.attrs.get("paths", "")
    parts = [f"Källa: {ds.attrs.get('config_name', '')}"]
    if paths:
        parts.append(f"{fmt.number(float(paths))} scenarier")
    if created:
        parts.append(created)
    return ", ".join(parts)


def _figure(ds, title: str, nrows: int = 1, ncols: int = 1, size=(8.0, 4.3), **kw):
    import matplotlib

    matplotlib.use("Agg")
    # text is text: a '$' in a plan's name or a scenario's label is not TeX to parse (a name
    # such as '$\frac{a$' made every chart fail)
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, **kw)
    import textwrap

    fig.suptitle("\n".join(textwrap.wrap(title, 70)), fontsize=12, fontweight="bold", x=0.01,
                 ha="left")
    fig.text(0.01, 0.01, source_line(ds), fontsize=7, color="#333333", ha="left", va="bottom")
    return fig, axes


#: The report's text width on A4 (210 mm less two 15 mm margins) [inches]: a chart is printed
#: at this width, so its text is scaled by PRINT_WIDTH / the figure's width.
PRINT_WIDTH = 180.0 / 25.4
#: No text of a chart prints smaller than this [pt].
MIN_PRINTED_PT = 7.0


def printed_min_pt(fig) -> float:
    """The smallest text of ``fig`` as printed in the report, in points."""
    import matplotlib.text

    scale = PRINT_WIDTH / fig.get_figwidth()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)
             if t.get_text().strip() and t.get_visible()]
    return min(sizes) * scale if sizes else math.inf


def _finish(fig, rect=(0.0, 0.035, 1.0, 0.93)) -> None:
    """Lay the chart out between its title and its source line: nothing overlaps or is cut;
    first every text is raised to what prints at least MIN_PRINTED_PT at the report's width
    (a label drawn at 7 pt on a 10-inch figure would print at 5)."""
    import matplotlib.text

    floor = MIN_PRINTED_PT * fig.get_figwidth() / PRINT_WIDTH
    fig.canvas.draw()                     # every tick label exists once the figure is drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            if labels and min(t.get_fontsize() for t in labels) < floor:
                axis.set_tick_params(labelsize=floor)
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_fontsize() < floor:
            t.set_fontsize(floor)
    fig.tight_layout(rect=rect)


def _mnkr_axis(ax, label: str = "Mnkr") -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.set_ylabel(label)
    ax.grid(axis="y", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)


def _pct_axis(ax, label: str, decimals: int | None = None, axis: str = "y") -> None:
    """A share axis in percent; ``decimals`` None picks as many as the ticks need."""
    from matplotlib.ticker import PercentFormatter

    class SwedishPercent(PercentFormatter):
        def __call__(self, x, pos=None):
            return super().__call__(x, pos).replace(".", ",").replace("-", fmt.MINUS)

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(SwedishPercent(xmax=1.0, decimals=decimals, symbol=" %"))
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)
    ax.grid(axis=axis, color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)


def _legend_below(ax, ncol: int = 2, drop: float = -0.14) -> None:
    """The axes' legend below its frame, clear of the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, drop), ncol=ncol, fontsize=8,
              frameon=False)


def _years_axis(ax, years) -> None:
    ax.set_xticks(list(years))
    ax.set_xticklabels([str(int(y)) for y in years])
    ax.set_xlabel("År")


def _fund_label(ds, fund: str) -> str:
    return str(ds["fund_label"].sel(fund=fund).item())


def _fan(ax, x, q, marker: str | None = None) -> None:
    """Grey bands 5-95 % and 25-75 % and a black median, from ``q`` (a quantile DataArray)."""
    ax.fill_between(x, q.sel(quantile=0.05), q.sel(quantile=0.95), color=GREYS[0],
                    label="5–95 % av scenarierna", linewidth=0)
    ax.fill_between(x, q.sel(quantile=0.25), q.sel(quantile=0.75), color=GREYS[1],
                    label="25–75 %", linewidth=0)
    ax.plot(x, q.sel(quantile=0.5), color="black", linewidth=1.8, marker=marker,
            label="Median")


def _short_fund(ds, fund: str) -> str:
    """The fund's label without its parenthesis: 'Pensionsportfölj (långsiktig ...)' ->
    'Pensionsportfölj'."""
    return _fund_label(ds, fund).split(" (")[0]


# --- 1-6: a Monte Carlo run -------------------------------------------------------------------

def _flow_note(ds, fund: str) -> str:
    """What the year-end steps of a fund's value are, when it has any: the plan's deposits
    or withdrawals at the years' start (from the run's config); nothing when it has none."""
    from ..results import recorded_config

    if "config_json" not in ds.attrs:
        return ""
    funds = recorded_config(ds).funds
    if fund not in funds:
        return ""
    values = [float(v) for v in funds[fund].flows.values]
    if any(v < 0 for v in values):
        return "  (stegen vid årsskiftena är planerade uttag ur portföljen)"
    if any(v > 0 for v in values):
        return "  (stegen vid årsskiftena är planerade insättningar)"
    return ""


def pension_fan(ds, fund: str | None = None):
    """1. The pension portfolio's value as a fan (5-95 %, 25-75 %, median) with its floor."""
    fund = protected_fund(ds) if fund is None else fund
    t = ds["time"].values
    v = ds["fund_value_fan"].sel(fund=fund)
    fl = ds["fund_floor_fan"].sel(fund=fund, quantile=0.5)
    fig, ax = _figure(ds, f"{_short_fund(ds, fund)}: marknadsvärde och skyddsnivå")
    ax = ax[0, 0]
    _fan(ax, t, v)
    ax.plot(t, fl, color="black", linewidth=1.2, linestyle="--", label="Skyddsnivå (median)")
    _mnkr_axis(ax)
    ax.set_xlabel("År" + _flow_note(ds, fund))
    _legend_below(ax, ncol=4, drop=-0.2)
    _finish(fig)
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
    fig, axes = _figure(ds, f"{_short_fund(ds, fund)}: andel aktiefonder och kassaläge", 2, 1,
                        size=(8.0, 6.0), gridspec_kw={"height_ratios": [2, 1]}, sharex=True)
    ax, ax2 = axes[0, 0], axes[1, 0]
    _fan(ax, t, w)
    ax.set_ylim(0, 1)
    _pct_axis(ax, "Andel aktiefonder", 0)
    ax2.plot(t, lock, color="black", linewidth=1.4, drawstyle="steps-mid",
             label="Andel scenarier i kassaläge (nedre diagrammet)")
    ax2.set_ylim(0, max(0.05, float(np.nanmax(lock)) * 1.2 if np.isfinite(lock).any() else 0.05))
    _pct_axis(ax2, "I kassaläge")
    ax2.set_xlabel("År")
    handles = ax.get_legend_handles_labels()
    lock_handles = ax2.get_legend_handles_labels()
    ax2.legend(handles[0] + lock_handles[0], handles[1] + lock_handles[1], loc="upper center",
               bbox_to_anchor=(0.5, -0.45), ncol=2, fontsize=8, frameon=False)
    _finish(fig)
    rows = [{"month": str(np.datetime_as_string(m, unit="M")),
             **{f"equity_share_q{int(100 * q):02d}": float(w.sel(quantile=q).values[i])
                for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
             "share_of_paths_in_cash_lock": float(lock[i])} for i, m in enumerate(t)]
    return fig, rows


def worst_fall(ds):
    """3. Each limited fund's worst 12-month fall as a distribution against its limit."""
    funds = [f for f in ds["fund"].values if np.isfinite(ds["fund_loss_limit"].sel(fund=f))]
    fig, axes = _figure(ds, "Största värdefall under 12 månader mot gränsen", len(funds), 1,
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
                f"Gräns {_pct_sv(limit)} (streckad linje)\növerskrids i {_pct_sv(p, 1)} av "
                "scenarierna", transform=ax.transAxes, fontsize=8, va="top", ha="right",
                bbox={"facecolor": "white", "edgecolor": "#999999", "pad": 3.0})
        ax.set_title(_fund_label(ds, f), fontsize=10, loc="left")
        _pct_axis(ax, "Andel scenarier")
        ax.set_xlim(0, min(1.0, max(limit * 2.5, float(edges[share > 0].max()) + 0.02
                                    if (share > 0).any() else limit * 2)))
        rows += [{"fund": str(f), "fall_from": float(a), "fall_to": float(a) + 0.01,
                  "share_of_paths": float(s), "limit": limit, "p_over_limit": p}
                 for a, s in zip(edges, share)]
    _pct_axis(axes[-1, 0], "Största fall under 12 månader (hela perioden)", 0, axis="x")
    axes[-1, 0].set_ylabel("Andel scenarier")
    _finish(fig)
    return fig, rows


def return_risk(ds):
    """4. Expected yearly return against its spread, per portfolio."""
    fig, ax = _figure(ds, "Förväntad avkastning och risk per portfölj", size=(7.0, 4.8))
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
        ax.annotate(_short_fund(ds, r["fund"]), (s, m), textcoords="offset points",
                    xytext=(-9 if right else 9, 4), ha="right" if right else "left",
                    fontsize=8)
    _pct_axis(ax, "Förväntad årlig avkastning", 1)
    _pct_axis(ax, "Risk: årsavkastningens standardavvikelse", axis="x")
    ax.grid(True, color="#cccccc", linewidth=0.6)
    top_m = max(r["mean_return_pct"] for r in rows) / 100
    ax.set_xlim(0, top_s * 1.6)                # room for the labels right of the markers
    ax.set_ylim(min(0.0, min(r["mean_return_pct"] for r in rows) / 100 * 1.2), top_m * 1.2)
    _finish(fig)
    return fig, rows


def bkr_fan(ds):
    """5. The balanskravsresultat per year as a fan against 0 and the 1 % goal."""
    years = ds["year"].values
    q = ds["bkr_quantile"]
    goal = plan_figures(ds, "required_result_1pct")
    fig, ax = _figure(ds, "Balanskravsresultat per år")
    ax = ax[0, 0]
    _fan(ax, years, q, marker="o")
    ax.plot(years, plan_figures(ds, "bkr"), color="black", marker="s", markerfacecolor="white",
            linestyle="none", label="Plan")
    ax.plot(years, goal, color="black", linestyle="--", linewidth=1.2, label="1 %-målet")
    ax.axhline(0, color="black", linewidth=0.8)
    _mnkr_axis(ax)
    _years_axis(ax, years)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=5, fontsize=8,
              frameon=False)
    _finish(fig)
    rows = [{"year": int(y), **{f"bkr_q{int(100 * x):02d}_mnkr": float(q.sel(quantile=x)[i])
                                for x in (0.05, 0.25, 0.5, 0.75, 0.95)},
             "bkr_plan_mnkr": float(plan_figures(ds, "bkr")[i]), "goal_1pct_mnkr": float(goal[i])}
            for i, y in enumerate(years)]
    return fig, rows


def probabilities(ds):
    """6. P(deficit) and P(below the goal) per year, with 95 % Wilson intervals."""
    years = ds["year"].values
    fig, ax = _figure(ds, "Sannolikhet för underskott och för att inte nå 1 %-målet")
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
            ax.text(x[i], hi[i] + 0.01, _pct_sv(p[i]), ha="center", va="bottom", fontsize=7)
            rows[int(y)].update({f"p_{name}": float(p[i]), f"p_{name}_lo": float(lo[i]),
                                 f"p_{name}_hi": float(hi[i])})
    ax.set_ylim(0, min(1.0, float(ds["p_below_goal_hi"].max()) + 0.12))
    _pct_axis(ax, "Sannolikhet", 0)
    _years_axis(ax, years)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
              frameon=False)
    _finish(fig)
    return fig, list(rows.values())


# --- 7: sensitivity -----------------------------------------------------------------------------

def menu(ds):
    """M. The menu: how much each budget year's result must improve for P(deficit) to fall to
    a given level, one line per year; the board picks the level."""
    nb = int(ds.attrs.get("budget_years", ds.sizes["year"]))
    years = [int(y) for y in ds["year"].values][:nb]
    m = ds["improvement_menu"].sel(year=years)
    levels = [float(v) for v in m["risk_level"].values]
    fig, ax = _figure(ds, "Vad det kostar att sänka risken för negativt balanskravsresultat",
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
    _pct_axis(ax, "Sannolikhet för negativt balanskravsresultat", axis="x")
    _mnkr_axis(ax, "Förbättring av årets resultat, mnkr")
    ax.grid(True, color="#cccccc", linewidth=0.6)
    _legend_below(ax, ncol=len(years), drop=-0.2)
    _finish(fig)
    return fig, rows


def sd_text(ds, factor: int, year) -> str:
    """One standard deviation of a factor's setting in its units, Swedish, per year (the
    setting moves every plan year): equity's yearly return in percent, the others in
    percentage points."""
    v = float(ds["factor_sd"].isel(factor=factor).sel(year=year))
    if str(ds["factor_sd_units"].values[factor]) == "1":
        return _pct_sv(v, 1) + " per år"
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
    fig, axes = _figure(ds, "Känslighet: balanskravsresultatets och sannolikhetens förändring "
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
    _finish(fig, rect=(0.0, 0.085, 1.0, 0.95))
    return fig, rows


# --- 8: stress -------------------------------------------------------------------------------------

def stress(ds):
    """8. The stress scenarios side by side: the balanskravsresultat per year."""
    years = ds["year"].values
    fig, ax = _figure(ds, "Stresstester: balanskravsresultat per scenario", size=(8.5, 5.6))
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
    _mnkr_axis(ax)
    _years_axis(ax, years)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=8,
              frameon=False)
    _finish(fig)
    return fig, rows


# --- S: the pension strategy's frontier and its long horizon (sim strategy) -------------------

def frontier(ds):
    """S1. Every rule's expected return against the probability of a fall beyond Bilaga 2's
    limit from the 24-month high (one yardstick for all rules): the rules no other beats in
    both as black dots joined by the frontier, the dominated ones hollow, today's rule a
    star."""
    fig, ax = _figure(ds, "Pensionsportföljens regel: förväntad avkastning mot risken att "
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
    _pct_axis(ax, f"Sannolikhet att någon gång {int(years[0])}–{int(years[-1])} ligga mer än\n"
                  f"{_pct_sv(limit)} under det högsta värdet de senaste 24 månaderna", axis="x")
    _pct_axis(ax, "Förväntad årsavkastning", 1)
    ax.grid(True, color="#cccccc", linewidth=0.6)
    _finish(fig)
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
    fig, axes = _figure(ds, "Pensionsportföljen mot utbetalningarna", nrows=2, size=(8.0, 7.0),
                        sharex=True, gridspec_kw={"height_ratios": [2.2, 1.0]})
    ax = axes[0, 0]
    today = int(np.flatnonzero(ds["rule_today"].values)[0])
    q = ds["funding_value_quantile"].isel(rule=today).rename(value_quantile="quantile")
    _fan(ax, years, q)
    ax.plot(years, ds["funding_cumulative_payouts"].values, color="black", linestyle="--",
            linewidth=1.2, label="ackumulerade utbetalningar (antagande)")
    _mnkr_axis(ax)
    ax.grid(True, color="#cccccc", linewidth=0.6)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax2 = axes[1, 0]
    dom = ds["rule_dominated"].values.astype(bool)
    front = [j for j in np.flatnonzero(~dom) if j != today][:5]
    for k, j in enumerate([today] + front):
        lab = "dagens regel" if j == today else str(ds["rule_label"].values[j])
        ax2.plot(years, ds["p_funding_covered"].values[j], color="black",
                 linestyle=LINESTYLES[k], linewidth=1.6 if j == today else 1.0, label=lab)
    _pct_axis(ax2, "Alla utbetalningar betalda")
    ax2.set_ylim(0, 1.02)
    ax2.grid(True, color="#cccccc", linewidth=0.6)
    ax2.legend(fontsize=6.5, loc="lower left", frameon=False)
    ticks = [int(y) for y in years if int(y) % 5 == 0]
    ax2.set_xticks(ticks)
    ax2.set_xticklabels([str(y) for y in ticks])
    ax2.set_xlabel("År")
    _finish(fig)
    rows = [{"year": int(y), "payout": float(po), "cumulative_payouts": float(cp),
             **{f"value_q{int(round(100 * float(v)))}": float(x) for v, x in
                zip(ds["value_quantile"].values, q.sel(long_year=y).values)},
             "p_covered_today": float(ds["p_funding_covered"].values[today, i])}
            for i, (y, po, cp) in enumerate(zip(years, ds["funding_payouts"].values,
                                                ds["funding_cumulative_payouts"].values))]
    return fig, rows


#: Chart name -> (function, the results mode it reads).
# --- K: goodness of fit of the calibrated models (sim calibrate esg --plots) --------------------

def _goodness(ds, model: str):
    """The fitted model against its data: the PIT histogram (uniform under a right model, with
    the 95 % band of a bin's count) and the yearly quantiles, model beside data."""
    d = ds.sel(model=model)
    lab = str(d["model_label"].values)
    fig, axes = _figure(ds, f"Modellens anpassning till historiken: {lab}", ncols=2,
                        size=(9.0, 4.6))
    ax = axes[0, 0]
    n = int(d["pit_n"].values)
    pit = d["pit"].values[:n]
    bins = 10
    counts, edges = np.histogram(pit, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    ax.bar(centres, counts / n, width=1.0 / bins, color=GREYS[0], edgecolor="black")
    half = Z95 * math.sqrt((1 / bins) * (1 - 1 / bins) / n)
    for y0, style in ((1 / bins, "-"), (1 / bins - half, "--"), (1 / bins + half, "--")):
        ax.axhline(y0, color="black", linestyle=style, linewidth=1)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, 1)))
    ax.set_xlabel("PIT: observationen i modellens prognosfördelning för månaden")
    _pct_axis(ax, "Andel av månaderna", 0)
    ax.set_title(f"PIT, {fmt.number(n)} månader; KS-test p = "
                 f"{fmt.number(float(d['pit_ks_pvalue']), 3)}", fontsize=9)
    ax = axes[0, 1]
    q = np.array(ds["quantile"].values)
    unit = str(d["unit"].values)
    scale = 1.0 if model == "inflation" else 100.0
    mq, dq = d["yearly_quantile_model"].values * scale, d["yearly_quantile_data"].values * scale
    x = np.arange(q.size)
    ax.plot(x, mq, color="black", marker="o", linestyle="-", label="Modellen")
    ax.plot(x, dq, color="black", marker="s", linestyle="none", markerfacecolor="white",
            label=f"Data ({int(d['data_years'])} kalenderår)")
    ax.set_xticks(x, [_pct_sv(v) for v in q])
    ax.set_xlabel("Kvantil")
    ax.set_ylabel(("Procent" if model == "inflation" else "Procent (log)") + f", {unit}")
    ax.grid(axis="y", color="#cccccc", linewidth=0.6)
    rows = [{"model": model, "quantile": float(v), "model_value": float(a),
             "data_value": float(b), "year": "", "p_at_least_outturn": ""}
            for v, a, b in zip(q, mq, dq)]
    title = "Kalenderårets fördelning"
    if model == "inflation":
        probs = [(int(k[-4:]), ds.attrs[k]) for k in sorted(ds.attrs)
                 if k.startswith("p_kpif_at_least_")]
        if probs:
            title += "\n" + "\n".join(
                f"P(år med KPIF ≥ {fmt.number(ds.attrs[f'kpif_outturn_{y}'], 1)} %, som "
                f"{y}) = {fmt.percent(p, 2)} %" for y, p in probs)
            rows += [{"model": model, "quantile": "", "model_value": "", "data_value": "",
                      "year": y, "p_at_least_outturn": float(p)} for y, p in probs]
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    _finish(fig)
    return fig, rows


CHARTS = {
    "m_meny": (menu, "monte_carlo"),
    "1_pensionsportfolj": (pension_fan, "monte_carlo"),
    "2_aktieandel_kassalage": (equity_share, "monte_carlo"),
    "3_storsta_fall": (worst_fall, "monte_carlo"),
    "4_avkastning_risk": (return_risk, "monte_carlo"),
    "5_balanskravsresultat": (bkr_fan, "monte_carlo"),
    "6_sannolikheter": (probabilities, "monte_carlo"),
    "7_tornado": (tornado, "sensitivity"),
    "8_stresstester": (stress, "stress"),
    "s1_strategi_front": (frontier, "strategy"),
    "s2_utbetalningar": (funding_fan, "strategy"),
    "k1_anpassning_aktier_rsln2": (partial(_goodness, model="rsln2"), "calibration"),
    "k2_anpassning_aktier_garch": (partial(_goodness, model="garch"), "calibration"),
    "k3_anpassning_aktier_gbm": (partial(_goodness, model="gbm"), "calibration"),
    "k4_anpassning_kpif": (partial(_goodness, model="inflation"), "calibration"),
}


def charts_for(ds) -> list[str]:
    """The charts a results Dataset can give."""
    mode = ds.attrs.get("mode")
    names = [n for n, (_, m) in CHARTS.items() if m == mode]
    if mode == "monte_carlo" and ("fund_value_fan" not in ds or protected_fund(ds) is None):
        names = [n for n in names if n not in ("1_pensionsportfolj", "2_aktieandel_kassalage")]
    if mode == "strategy" and "p_funding_covered" not in ds:
        names = [n for n in names if n != "s2_utbetalningar"]
    return names


def draw_charts(ds) -> dict[str, tuple[Any, list[dict]]]:
    """Every chart ``ds`` can give, drawn: name -> (figure, its data rows). A results file that
    lacks what a chart reads fails here, before anything is written
    (:class:`sim.results.ResultsError`, naming the variable)."""
    import matplotlib

    matplotlib.use("Agg")
    from ..results import ResultsError

    drawn = {}
    try:
        for name in charts_for(ds):
            try:
                drawn[name] = CHARTS[name][0](ds)
            except KeyError as exc:
                raise ResultsError(f"chart {name}: the results file lacks {exc.args[0]!r}; "
                                   "write it again with this version of sim") from None
    except BaseException:
        close_figures(drawn)              # the charts drawn before the one that failed
        raise
    return drawn


#: Each figure's SVG, rendered once for both the report and the chart file.
_SVG: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def figure_svg(fig) -> str:
    """``fig`` as SVG text: deterministic (fixed ids, no date), its text kept as text (so it is
    searchable and read aloud, in the report and in the chart file alike). Rendered once per
    figure: the report's page and ``<name>.svg`` are the same bytes."""
    import matplotlib

    svg = _SVG.get(fig)
    if svg is None:
        with matplotlib.rc_context({"svg.hashsalt": "riskanalys", "svg.fonttype": "none"}):
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
        svg = _SVG[fig] = buf.getvalue()
    return svg


def chart_writers(ds, out: str | Path, drawn: dict,
                  formats=("png", "pdf", "svg")) -> list[tuple[Path, Any]]:
    """Every chart ``ds`` can give as ``(path, write(tmp))`` items for
    :func:`sim.results.atomic_write_many`: each format and the chart's CSV, from ``drawn``,
    the figures of :func:`draw_charts` (so a chart the report also shows is drawn once; the
    caller closes them, :func:`close_figures`)."""
    from ..results import csv_writer

    meta = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}}
    out = Path(out)
    items = []
    for name in charts_for(ds):
        fig, rows = drawn[name]
        for form in formats:
            def write(tmp, fig=fig, f=form):
                if f == "svg":
                    Path(tmp).write_text(figure_svg(fig), encoding="utf-8")
                else:
                    fig.savefig(tmp, format=f, dpi=150, metadata=meta[f])
            items.append((out / f"{name}.{form}", write))
        items.append((out / f"{name}.csv", csv_writer(rows)))
    return items


def close_figures(*drawn: dict) -> None:
    """Close the figures of :func:`draw_charts` results (a forked render closes only its own
    copies)."""
    import matplotlib.pyplot as plt

    for d in drawn:
        for fig, _ in d.values():
            plt.close(fig)


def write_charts(ds, out: str | Path, formats=("png", "pdf", "svg"),
                 processes: int = 1) -> list[Path]:
    """Draw every chart ``ds`` can give into ``out``: each format, and the chart's CSV, all
    drawn before any is written and written as one unit (``processes``: see
    :func:`sim.results.atomic_write_many`)."""
    from ..results import atomic_write_many

    drawn = draw_charts(ds)
    try:
        items = chart_writers(ds, out, drawn, formats)
        return atomic_write_many(items, processes=processes) if items else []
    finally:
        close_figures(drawn)


def backtest_chart(results: list[dict], ds):
    """Each outturn against the model's 1-99 % and 5-95 % bands and median for its line and
    year (``sim backtest``): bars for the bands, a line for the median, a diamond for the
    outturn, its PIT written beside it."""
    from ..catalogue import label

    fig, axes = _figure(ds, "Utfall mot modellens fördelning (backtest)",
                        size=(8.0, 1.6 + 0.9 * len(results)))
    ax = axes[0, 0]
    for i, r in enumerate(results):
        y = len(results) - 1 - i
        ax.barh(y, r["q99"] - r["q01"], left=r["q01"], height=0.5, color=GREYS[0],
                label="1–99 %" if i == 0 else None)
        ax.barh(y, r["q95"] - r["q05"], left=r["q05"], height=0.5, color=GREYS[1],
                label="5–95 %" if i == 0 else None)
        ax.plot([r["median"]] * 2, [y - 0.25, y + 0.25], color=GREYS[2], linewidth=1.5,
                label="Median" if i == 0 else None)
        ax.plot(r["outturn"], y, marker="D", color=GREYS[2], markersize=8, linestyle="none",
                label="Utfall" if i == 0 else None)
        ax.annotate(f"percentil {fmt.percent(r['pit'], 0)}", (r["outturn"], y + 0.3),
                    fontsize=8, ha="center", va="bottom")
    ax.set_yticks(range(len(results)))
    ax.set_yticklabels([f"{label(r['line'])} {r['year']}" for r in reversed(results)])
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.set_xlabel("Mnkr")
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylim(-0.7, len(results) - 0.2)
    ax.legend(loc="lower right", fontsize=8, frameon=False, ncol=4,
              bbox_to_anchor=(1.0, 1.0))
    _finish(fig)
    rows = [{k: v for k, v in r.items() if k != "source"} for r in results]
    return fig, rows


def region_backtest_chart(placements: list, ds):
    """The rolling-origin backtest (``sim backtest`` on regions' budget misses): the PITs'
    histogram in tenths against the uniform a calibrated model gives, and each central band's
    coverage with its 95 % Wilson interval against the nominal share."""
    from ..calibrate.rolling import BANDS, coverage, pit_histogram

    fig, axes = _figure(ds, "Regionernas budgetavvikelser mot modellens fördelning ett år "
                            "framåt", ncols=2, size=(9.0, 4.4))
    ax = axes[0, 0]
    hist = pit_histogram(placements)
    n = len(placements)
    ax.bar(np.arange(10) / 10 + 0.05, hist, width=0.09, color=GREYS[1], label="Regionår")
    ax.axhline(n / 10, color=GREYS[2], linewidth=1.2, linestyle="--",
               label="Likformig (kalibrerad modell)")
    ax.set_xlabel("Percentil i modellens fördelning (PIT)")
    ax.set_ylabel("Antal regionår")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper center", fontsize=8, frameon=False)
    ax = axes[0, 1]
    cov = coverage(placements)
    for i, band in enumerate(BANDS):
        k, m, lo, hi = cov[band]
        share = k / m if m else float("nan")
        ax.bar(i, share, color=GREYS[1], width=0.6)
        ax.plot([i, i], [lo, hi], color=GREYS[2], linewidth=1.5)
        ax.plot([i - 0.35, i + 0.35], [band, band], color=GREYS[2], linestyle="--",
                linewidth=1.2, label="Nominellt" if i == 0 else None)
        ax.annotate(f"{fmt.percent(share, 0)} %", (i, share), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(range(len(BANDS)))
    ax.set_xticklabels([f"{fmt.percent(b, 0)} %-bandet" for b in BANDS])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Andel utfall inom bandet")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _finish(fig)
    return fig
