"""``sim calibrate budget``: the operations factor estimated from regions' budget misses.

The data (``data/history/budget_outturns.csv``, format in ``data/history/README.md``) are
regions' budgeted results against their outturns, one year ahead. A row's miss in percent of
the region's operating costs is ``d = 100 (outturn - plan) / scale``. Only rows whose line
leaves the funds' market returns out (``operating_result``, ``result_excl_market``) are fitted;
``net_result`` rows are read and listed, since the model carries the funds' returns itself.

The method, in three steps (docs/guides/backtest.md):

1. **The misses' spread.** The plan is taken as the centre (an unbiased budget, the model's
   assumption), so the maximum-likelihood estimate of the spread is the root mean square,
   ``s^2 = mean(d^2)``, with standard error ``s / sqrt(2n)`` (the normal's Fisher information).
   The sample mean and its standard error are reported beside it as a test of that assumption,
   not used.
2. **What the model already explains.** Part of every miss is prices, wages, pension
   indexation and the tax base, which the model's other factors carry. Their share is measured
   on the model itself: the spread of the plan's first-year operating result with the
   operations factor switched off and no information date (a year ahead, as the data are), as
   a percentage of the year's operating costs, on a fixed seed (so the calibration is
   deterministic; its Monte Carlo error is reported).
3. **The rest is the operations factor's.** Its yearly variance ``v = s^2 - p^2`` is split
   between a normal part and rare large years (a compound Poisson of exponential jumps at the
   configured rate, made mean-zero): ``sigma^2 = (1 - share) v`` and
   ``2 rate jump_mean^2 = share v``. ``rate`` and ``share`` are assumptions with their sources
   in the template; the standard errors follow from ``s``'s by the delta method.

With five usable rows the estimate is thin: its standard error is about a third of the value,
and the rows come from years of large misses (2022-2023). docs/guides/backtest.md says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .modelfile import ModelFile

__all__ = ["PlanOutturn", "read_plan_outturns", "BudgetFit", "fit_operations",
           "priced_spread", "write_operations", "FIT_LINES", "LINES"]

#: The lines a row may have, and those the fit uses (no market returns in them).
LINES = ("operating_result", "result_excl_market", "net_result")
FIT_LINES = ("operating_result", "result_excl_market")
#: A miss is below the year's operating costs [percent of them]: a larger one is a damaged row
#: (a figure in kronor or in billions, a scale from another region), refused with its line.
MAX_MISS = 100.0
HEADER = ["entity", "year", "line", "plan_mnkr", "outturn_mnkr", "scale_mnkr", "published",
          "source", "scale_source"]


@dataclass(frozen=True)
class PlanOutturn:
    entity: str
    year: int
    line: str
    plan: float
    outturn: float
    scale: float
    published: str
    source: str
    scale_source: str

    @property
    def miss(self) -> float:
        """The miss in percent of the operating costs (negative: worse than budget)."""
        return 100.0 * (self.outturn - self.plan) / self.scale


def read_plan_outturns(path: Path) -> list[PlanOutturn]:
    """The rows of a plan-versus-outturn file (read by :func:`sim.data.files.read_table`); a
    bad row names its line, the value and what is allowed. An empty ``scale_mnkr`` is NaN: the
    row is listed, not fitted (:attr:`PlanOutturn.miss` is NaN)."""
    from ..data.files import HistoryError, read_table

    table = read_table(path, tuple(HEADER), exact=True)
    plan, outturn = table.numbers("plan_mnkr"), table.numbers("outturn_mnkr")
    scale = table.numbers("scale_mnkr", allow_empty=True)
    published = table.dates("published")
    years = table.years(ordered=False)
    rows = []
    for i, row in enumerate(table.rows):
        where = f"{path}, line {table.line_numbers[i]}"
        if row[2] not in LINES:
            raise HistoryError(f"{where}: line {row[2]!r}, allowed: {', '.join(LINES)}")
        if not (math.isnan(scale[i]) or scale[i] > 0):
            raise HistoryError(f"{where}: scale_mnkr {scale[i]:g} must be positive (the "
                               "region's operating costs) or empty")
        rows.append(PlanOutturn(row[0], years[i], row[2], float(plan[i]), float(outturn[i]),
                                float(scale[i]), published[i], row[7], row[8]))
        if abs(rows[-1].miss) >= MAX_MISS:
            raise HistoryError(f"{where}: the miss (outturn_mnkr - plan_mnkr) is "
                               f"{rows[-1].miss:.3g} % of scale_mnkr, the year's operating "
                               f"costs; a miss is less than {MAX_MISS:g} % of them. Check the "
                               "three figures (all in mnkr)")
    return rows


@dataclass(frozen=True)
class BudgetFit:
    """The estimates, in percent of the operating costs a year."""

    rows: tuple[PlanOutturn, ...]      # the rows fitted
    listed: tuple[PlanOutturn, ...]    # rows read but not fitted (net_result)
    spread: float                      # s: the misses' root mean square
    spread_se: float
    mean: float                        # the misses' mean (reported, not used)
    mean_se: float
    priced: float                      # p: the model's spread without the operations factor
    priced_se: float                   # its Monte Carlo standard error
    jump_rate: float                   # per year (assumption)
    jump_share: float                  # of the variance (assumption)
    sigma: float
    sigma_se: float
    jump_mean: float
    jump_mean_se: float
    until: str | None

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def excess_variance(self) -> float:
        return self.spread ** 2 - self.priced ** 2


def fit_operations(rows: list[PlanOutturn], priced: float, priced_se: float,
                   jump_rate: float, jump_share: float, until: str | None = None) -> BudgetFit:
    """The operations factor's ``sigma`` and ``jump_mean`` from the rows public by ``until``
    (``YYYY-MM-DD``; all when None) and the model's own spread ``priced`` (module docstring)."""
    if not 0.0 <= jump_share < 1.0:
        raise ValueError(f"jump_share {jump_share!r}: allowed 0 <= share < 1")
    if jump_share > 0.0 and not jump_rate > 0.0:
        raise ValueError(f"jump_rate {jump_rate!r}: must be positive when jumps carry a share "
                         "of the variance")
    keep = [r for r in rows if until is None or r.published <= until]
    fitted = tuple(r for r in keep if r.line in FIT_LINES and math.isfinite(r.scale))
    listed = tuple(r for r in keep if r not in fitted)
    n = len(fitted)
    if n < 2:
        raise ValueError(f"{n} usable row(s) public by {until}: at least 2 are needed "
                         f"(lines {', '.join(FIT_LINES)})")
    d = np.array([r.miss for r in fitted])
    s = float(np.sqrt(np.mean(d * d)))
    s_se = s / math.sqrt(2.0 * n)
    mean = float(d.mean())
    mean_se = float(d.std(ddof=1)) / math.sqrt(n)
    v = s * s - priced * priced
    if v <= 0.0:
        raise ValueError(f"the misses' spread {s:.3g} % is not above the model's own "
                         f"{priced:.3g} %: the history leaves nothing to the operations factor")
    # delta method: dv/ds = 2s (the priced part's Monte Carlo error added in quadrature)
    v_se = math.hypot(2.0 * s * s_se, 2.0 * priced * priced_se)
    sigma = math.sqrt((1.0 - jump_share) * v)
    sigma_se = 0.5 * sigma / v * v_se
    if jump_share > 0.0:
        jump_mean = math.sqrt(jump_share * v / (2.0 * jump_rate))
        jump_mean_se = 0.5 * jump_mean / v * v_se
    else:
        jump_mean, jump_mean_se = 0.0, 0.0
    return BudgetFit(fitted, listed, s, s_se, mean, mean_se, priced, priced_se, jump_rate,
                     jump_share, sigma, sigma_se, jump_mean, jump_mean_se, until)


def priced_spread(plan_path: Path, model_path: Path, paths: int, seed: int,
                  threads: int = 1) -> tuple[float, float, int]:
    """The model's spread of the first plan year's operating result with the operations
    factor off and no information date, in percent of that year's planned operating costs:
    ``(spread, its standard error, the year)``."""
    from ..config import load_config, resolve
    from ..engine import operating_results

    cfg = load_config(plan_path, [f"esg_model={resolve(model_path).as_posix()}",
                                  "information_file=",
                                  "esg.annual.operations.sigma=0",
                                  "esg.annual.operations.jump_rate=0"])
    year = int(cfg.meta.first_year)
    x = operating_results(cfg, paths, seed, threads=threads)[:, 0]
    costs = abs(float(cfg.plan.operating_costs[0]))
    sd = float(x.std(ddof=1))
    # the sample standard deviation's error; the kurtosis term keeps it honest for fat tails
    kurt = float(np.mean((x - x.mean()) ** 4) / sd ** 4)
    sd_se = sd * math.sqrt(max(kurt - 1.0, 0.0) / (4.0 * x.size))
    return 100.0 * sd / costs, 100.0 * sd_se / costs, year


def _source(fit: BudgetFit, data: str, what: str) -> str:
    period = f"{min(r.year for r in fit.rows)}-{max(r.year for r in fit.rows)}"
    until = f", public by {fit.until}" if fit.until else ""
    return (f"estimated: {data}, {fit.n} budget misses of Swedish regions {period}{until} "
            f"(root mean square {fit.spread:.3g} % of the operating costs, se "
            f"{fit.spread_se:.2g}), less the model's own first-year spread without this factor "
            f"({fit.priced:.3g} %); {what} (sim calibrate budget); se by the delta method")


def write_operations(template: str, fit: BudgetFit, data: str, command: str) -> str:
    """``template`` (a model file) with ``[annual.operations]``'s ``sigma`` and ``jump_mean``
    replaced by the estimates, and one opening comment line naming ``command``, replacing an
    earlier one."""
    model = ModelFile(template)
    share = f"{fit.jump_share:g}"
    model.set_estimate("annual.operations", "sigma", fit.sigma, fit.sigma_se, "percent",
                       _source(fit, data, f"the normal part carries {1 - fit.jump_share:g} of "
                                          "the rest"))
    model.set_estimate("annual.operations", "jump_mean", fit.jump_mean, fit.jump_mean_se,
                       "percent", _source(fit, data, f"jumps at jump_rate carry {share} of the "
                                                     "rest: 2 x jump_rate x jump_mean^2"))
    if fit.jump_share > 0.0:
        # both estimates are sqrt(share x v) of the one excess variance v: correlation 1
        model.set_estimates("operations", ["annual.operations.sigma",
                                           "annual.operations.jump_mean"],
                            np.ones((2, 2)), "derived: sigma and jump_mean are both "
                            "proportional to the square root of the one estimated excess "
                            "variance (sim calibrate budget), so their estimates move together")
    published = fit.until or max(r.published for r in fit.rows + fit.listed)
    model.set_plain("calibration", "budget_published_until", published)
    marker = "# [annual.operations] sigma and jump_mean: written by `sim calibrate budget"
    model.set_note(f"{marker} {command}`.", marker=marker)
    return model.text()
