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

from dataclasses import dataclass
from functools import partial
import io
from pathlib import Path
from typing import Any
import weakref

from .. import protected_fund
from .budget import bkr_fan, menu, probabilities, sd_text, stress, tornado
from .calibration import backtest_chart, goodness, region_backtest_chart
from .funds import equity_share, frontier, funding_fan, pension_fan, return_risk, worst_fall
from .style import MIN_PRINTED_PT, PRINT_WIDTH, printed_min_pt, source_line


__all__ = ["charts_for", "write_charts", "source_line", "figure_svg", "CHARTS", "draw_charts",
           "render_charts", "Rendered", "chart_writers", "CHART_FORMATS", "close_figures",
           "printed_min_pt", "PRINT_WIDTH", "MIN_PRINTED_PT",
           "sd_text", "tornado", "pension_fan", "bkr_fan", "stress", "menu", "probabilities",
           "equity_share", "frontier", "funding_fan", "return_risk", "worst_fall",
           "backtest_chart", "region_backtest_chart"]


#: Chart name -> (function, the results mode it reads).
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
    "k1_anpassning_aktier_rsln2": (partial(goodness, model="rsln2"), "calibration"),
    "k2_anpassning_aktier_garch": (partial(goodness, model="garch"), "calibration"),
    "k3_anpassning_aktier_gbm": (partial(goodness, model="gbm"), "calibration"),
    "k4_anpassning_kpif": (partial(goodness, model="inflation"), "calibration"),
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
    from ...results import ResultsError

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


@dataclass(frozen=True)
class Rendered:
    """A chart drawn and rendered, in this process or another (:func:`render_charts`): its SVG
    text and its other files' bytes by format. It stands for the figure wherever a chart is
    written or shown (:func:`figure_svg`, :func:`chart_writers`)."""

    svg: str
    files: dict


#: The metadata a chart file is written with: none that changes from run to run.
_FILE_META = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}}


def _file_bytes(fig, form: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=form, dpi=150, metadata=_FILE_META[form])
    return buf.getvalue()


def render_charts(datasets: list, processes: int = 1, formats=("svg",),
                  meanwhile=None) -> list[dict]:
    """:func:`draw_charts` of each Dataset, each chart rendered (:class:`Rendered`: its SVG and
    its ``formats``' other files): name -> (Rendered, its data rows), a dict per Dataset. With
    ``processes`` > 1 the Datasets are drawn in forked processes side by side
    (:func:`sim.results.in_processes`), the most charts first; a fork draws from the state this
    process holds, so the files are the bytes drawn here (a test holds the report's files
    equal for one process and two). No figure is left open. ``meanwhile()`` runs in this
    process while the forks draw (:func:`sim.results.in_processes`)."""
    from ...results import in_processes

    def render(indices: list[int]) -> list[dict]:
        out = []
        for i in indices:
            drawn = draw_charts(datasets[i])
            try:
                out.append({name: (Rendered(figure_svg(fig), {f: _file_bytes(fig, f)
                                                              for f in formats if f != "svg"}),
                                   rows) for name, (fig, rows) in drawn.items()})
            finally:
                close_figures(drawn)
        return out

    cost = [len(charts_for(ds)) for ds in datasets]
    groups: list[list[int]] = [[] for _ in range(max(1, min(processes, len(datasets))))]
    for i in sorted(range(len(datasets)), key=lambda i: -cost[i]):   # to the least loaded
        min(groups, key=lambda g: sum(cost[j] for j in g)).append(i)
    groups = [g for g in groups if g]
    parts = in_processes([partial(render, g) for g in groups], processes,
                         [f"drawing {sum(cost[j] for j in g)} charts" for g in groups],
                         [sum(cost[j] for j in g) for g in groups], meanwhile)
    out: list = [None] * len(datasets)
    for g, rendered in zip(groups, parts):
        for i, d in zip(g, rendered):
            out[i] = d
    return out


def figure_svg(fig) -> str:
    """``fig`` as SVG text: deterministic (fixed ids, no date), its text kept as text (so it is
    searchable and read aloud, in the report and in the chart file alike). Rendered once per
    figure: the report's page and ``<name>.svg`` are the same bytes."""
    import matplotlib

    if isinstance(fig, Rendered):
        return fig.svg
    svg = _SVG.get(fig)
    if svg is None:
        with matplotlib.rc_context({"svg.hashsalt": "riskanalys", "svg.fonttype": "none"}):
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
        svg = _SVG[fig] = buf.getvalue()
    return svg


#: The file formats a chart is written in (``sim charts``; ``sim report --chart-files``).
CHART_FORMATS = ("png", "pdf", "svg")


def chart_writers(ds, out: str | Path, drawn: dict,
                  formats=CHART_FORMATS) -> list[tuple[Path, Any]]:
    """Every chart ``ds`` can give as ``(path, write(tmp))`` items for
    :func:`sim.results.atomic_write_many`: each format and the chart's CSV, from ``drawn``,
    the figures of :func:`draw_charts` (so a chart the report also shows is drawn once; the
    caller closes them, :func:`close_figures`)."""
    from ...results import csv_writer

    out = Path(out)
    items = []
    for name in charts_for(ds):
        fig, rows = drawn[name]
        for form in formats:
            def write(tmp, fig=fig, f=form):
                if f == "svg":
                    Path(tmp).write_text(figure_svg(fig), encoding="utf-8")
                else:
                    Path(tmp).write_bytes(fig.files[f] if isinstance(fig, Rendered)
                                          else _file_bytes(fig, f))
            items.append((out / f"{name}.{form}", write))
        items.append((out / f"{name}.csv", csv_writer(rows)))
    return items


def close_figures(*drawn: dict) -> None:
    """Close the figures of :func:`draw_charts` results (a forked render closes only its own
    copies)."""
    import matplotlib.pyplot as plt

    for d in drawn:
        for fig, _ in d.values():
            if not isinstance(fig, Rendered):
                plt.close(fig)


def write_charts(ds, out: str | Path, formats=CHART_FORMATS,
                 processes: int = 1) -> list[Path]:
    """Draw every chart ``ds`` can give into ``out``: each format, and the chart's CSV, all
    drawn before any is written and written as one unit (``processes``: see
    :func:`sim.results.atomic_write_many`)."""
    from ...results import atomic_write_many

    drawn = draw_charts(ds)
    try:
        items = chart_writers(ds, out, drawn, formats)
        return atomic_write_many(items, processes=processes) if items else []
    finally:
        close_figures(drawn)
