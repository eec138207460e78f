"""The calibration's and backtests' charts: each model's fit to its history, and published
outturns in the model's bands."""

from __future__ import annotations

import math

import numpy as np

from .. import fmt
from ...analysis import Z95
from .style import GREYS, finish, new_figure, pct_axis, pct_sv


def goodness(ds, model: str):
    """The fitted model against its data: the PIT histogram (uniform under a right model, with
    the 95 % band of a bin's count) and the yearly quantiles, model beside data."""
    d = ds.sel(model=model)
    lab = str(d["model_label"].values)
    fig, axes = new_figure(ds, f"Modellens anpassning till historiken: {lab}", ncols=2,
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
    pct_axis(ax, "Andel av månaderna", 0)
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
    ax.set_xticks(x, [pct_sv(v) for v in q])
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
    finish(fig)
    return fig, rows


def backtest_chart(results: list[dict], ds):
    """Each outturn against the model's 1-99 % and 5-95 % bands and median for its line and
    year (``sim backtest``): bars for the bands, a line for the median, a diamond for the
    outturn, its PIT written beside it."""
    from ...catalogue import label

    fig, axes = new_figure(ds, "Utfall mot modellens fördelning (backtest)",
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
    finish(fig)
    rows = [{k: v for k, v in r.items() if k != "source"} for r in results]
    return fig, rows


def region_backtest_chart(placements: list, ds):
    """The rolling-origin backtest (``sim backtest`` on regions' budget misses): the PITs'
    histogram in tenths against the uniform a calibrated model gives, and each central band's
    coverage with its 95 % Wilson interval against the nominal share."""
    from ...calibrate.rolling import BANDS, coverage, pit_histogram

    fig, axes = new_figure(ds, "Regionernas budgetavvikelser mot modellens fördelning ett år "
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
    finish(fig)
    return fig
