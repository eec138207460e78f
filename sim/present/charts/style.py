"""The charts' common style: black-and-white (grey bands, black lines, dashes, hatches,
markers), Swedish axes and numbers, the source line, and the printed size (no text under
:data:`MIN_PRINTED_PT` at :data:`PRINT_WIDTH`)."""

from __future__ import annotations

import math

from .. import fmt


GREYS = ("#d9d9d9", "#a6a6a6", "#000000")


HATCHES = ("", "///", "...", "\\\\\\", "xx", "--", "++", "oo", "**")


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<")


LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), "-", "--", "-.")


def pct_sv(x: float, decimals: int = 0) -> str:
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


def new_figure(ds, title: str, nrows: int = 1, ncols: int = 1, size=(8.0, 4.3), **kw):
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


def finish(fig, rect=(0.0, 0.035, 1.0, 0.93)) -> None:
    """Lay the chart out between its title and its source line: nothing overlaps or is cut;
    first every text is raised to what prints at least MIN_PRINTED_PT at the report's width
    (a label drawn at 7 pt on a 10-inch figure would print at 5)."""
    import matplotlib.text

    floor = MIN_PRINTED_PT * fig.get_figwidth() / PRINT_WIDTH
    fig.draw_without_rendering()          # every tick label exists once the figure is laid out
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            if labels and min(t.get_fontsize() for t in labels) < floor:
                axis.set_tick_params(labelsize=floor)
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_fontsize() < floor:
            t.set_fontsize(floor)
    fig.tight_layout(rect=rect)


def mnkr_axis(ax, label: str = "Mnkr") -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.set_ylabel(label)
    ax.grid(axis="y", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)


def pct_axis(ax, label: str, decimals: int | None = None, axis: str = "y") -> None:
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


def legend_below(ax, ncol: int = 2, drop: float = -0.14) -> None:
    """The axes' legend below its frame, clear of the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, drop), ncol=ncol, fontsize=8,
              frameon=False)


def years_axis(ax, years) -> None:
    ax.set_xticks(list(years))
    ax.set_xticklabels([str(int(y)) for y in years])
    ax.set_xlabel("År")


def fund_label(ds, fund: str) -> str:
    return str(ds["fund_label"].sel(fund=fund).item())


def fan_bands(ax, x, q, marker: str | None = None) -> None:
    """Grey bands 5-95 % and 25-75 % and a black median, from ``q`` (a quantile DataArray)."""
    ax.fill_between(x, q.sel(quantile=0.05), q.sel(quantile=0.95), color=GREYS[0],
                    label="5–95 % av scenarierna", linewidth=0)
    ax.fill_between(x, q.sel(quantile=0.25), q.sel(quantile=0.75), color=GREYS[1],
                    label="25–75 %", linewidth=0)
    ax.plot(x, q.sel(quantile=0.5), color="black", linewidth=1.8, marker=marker,
            label="Median")


def short_fund(ds, fund: str) -> str:
    """The fund's label without its parenthesis: 'Pensionsportfölj (långsiktig ...)' ->
    'Pensionsportfölj'."""
    return fund_label(ds, fund).split(" (")[0]


def flow_note(ds, fund: str) -> str:
    """What the year-end steps of a fund's value are, when it has any: the plan's deposits
    or withdrawals at the years' start (from the run's config); nothing when it has none."""
    from ...results import recorded_config

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
