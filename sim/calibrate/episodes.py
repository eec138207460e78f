"""High-inflation episodes: how often they start, how long they last and how high they run,
estimated from Swedish history known at the information date.

KPIF since 2000 holds one episode at most (2022-2023, and none before an information date in
2022), so its own regime estimates say little about persistence: fitted to 2000-2022 the second
regime is a five-month spell of volatility, fitted with the 2022-2023 episode in the data it
lasts thirteen years. A century and a half of Swedish consumer prices holds eight episodes of
6 % or more. So the episode regime is estimated on that history:

1. **The episodes** (:func:`fit_episodes`): the same two-regime switching AR(1) the generator
   simulates, fitted by maximum likelihood to yearly CPI inflation 1871 to the last whole year
   before the information date (the Jordà-Schularick-Taylor database's CPI, from Statistics
   Sweden's historical series; CC BY-NC-SA 4.0, see ``data/history/jst_sweden_annual.csv``).
   Its high regime's shift above the calm mean and its entry and exit probabilities a year are
   the episode regime; a year's probability ``p`` is ``p / 12`` a month (the same expected
   stay, ``1 / p`` years). Standard errors from the observed information, carried by the delta
   method.
2. **The monthly dynamics given the episodes** (:func:`msar_given`): KPIF's two-regime
   switching AR(1) (a calm and a volatile regime, as before) fitted to the monthly 12-month
   rate with the episode chain beside it, its shift and probabilities held at step 1's values:
   the exact likelihood of the generator's two independent chains, four joint states.

As a check that needs no model, :func:`episode_lengths` counts the runs of years at or above a
threshold and gives their mean length with its standard error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _kernels as K
from .annual import JST_FILE, jst_growth
from .fit import MSAR1, Estimate, Model, fit

__all__ = ["EPISODES_FIRST", "EpisodeFit", "fit_episodes", "msar_given", "fit_msar_given",
           "episode_lengths"]

#: The first year of the yearly CPI inflation the episodes are fitted to.
EPISODES_FIRST = 1871


@dataclass(frozen=True)
class EpisodeFit:
    """The episode regime: the yearly fit, and its shift [points] and monthly probabilities
    with their covariance, in the model file's order ``(shift, p_enter, p_exit)``."""

    yearly: Estimate
    values: np.ndarray
    cov: np.ndarray
    years: tuple[int, int]
    source: str

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))

    @property
    def mean_years(self) -> tuple[float, float]:
        """The expected length of an episode [years] and its standard error."""
        p, se = self.yearly["p_exit"], self.yearly.se_of("p_exit")
        return 1.0 / p, se / (p * p)


def fit_episodes(data_dir: Path, last_year: int) -> EpisodeFit | None:
    """Step 1 of the module docstring on the years :data:`EPISODES_FIRST` to ``last_year``;
    None without the JST file."""
    if not (Path(data_dir) / JST_FILE).is_file():
        return None
    growth = jst_growth(data_dir, "cpi")
    years = [y for y in range(EPISODES_FIRST, last_year + 1) if y in growth]
    if years != list(range(years[0], years[-1] + 1)):
        return None
    y = np.array([growth[t] for t in years])
    e = fit(MSAR1, y)
    idx = [e.names.index(k) for k in ("shift", "p_enter", "p_exit")]
    jac = np.diag([1.0, 1.0 / 12.0, 1.0 / 12.0])
    values = jac @ e.values[idx]
    cov = jac @ e.cov[np.ix_(idx, idx)] @ jac.T
    source = (f"estimated: data/history/{JST_FILE} (Jorda-Schularick-Taylor Macrohistory "
              f"Database R6, CC BY-NC-SA 4.0: CPI), yearly inflation {years[0]}-{years[-1]}, "
              f"{len(y)} years; maximum likelihood of the two-regime switching AR(1) (Hamilton "
              "filter, sim calibrate esg): the high regime's shift, and its entry and exit "
              "probabilities a year over 12 a month (the same expected stay); se from the "
              "observed information, delta method")
    return EpisodeFit(e, values, cov, (years[0], years[-1]), source)


def msar_given(episodes: EpisodeFit) -> Model:
    """KPIF's switching AR(1) (:data:`sim.calibrate.fit.MSAR1`'s seven parameters, its
    unconstrained map and starts) with the episode regime given: the likelihood is the
    four-state one of the generator's two independent chains (:func:`_kernels.regimes_nb`)."""
    ep_shift, ep_enter, ep_exit = (float(v) for v in episodes.values)

    def loglik(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit):
        return K.msar_episodes_loglik_nb(y, mu, shift, phi, sigma, sigma_high, p_enter, p_exit,
                                         ep_shift, ep_enter, ep_exit)

    return Model("msar_episodes", MSAR1.params, MSAR1.to_params, MSAR1.from_params, loglik,
                 MSAR1.starts)


def fit_msar_given(y: np.ndarray, episodes: EpisodeFit) -> Estimate:
    """Step 2 of the module docstring: the calm and volatile regimes' seven parameters by
    maximum likelihood, the episode regime given."""
    return fit(msar_given(episodes), y)


def episode_lengths(values: dict[int, float], threshold: float) -> tuple[list[tuple[int, int]],
                                                                         float, float]:
    """The runs of consecutive years with ``values`` at or above ``threshold``: ``(runs as
    (first year, length), mean length, its standard error)``; a run still going at the end
    counts with the length seen."""
    runs: list[tuple[int, int]] = []
    start, length = None, 0
    for year in sorted(values):
        if values[year] >= threshold:
            start = year if start is None else start
            length += 1
        elif length:
            runs.append((start, length))
            start, length = None, 0
    if length:
        runs.append((start, length))
    lengths = np.array([n for _, n in runs], dtype=float)
    if lengths.size < 2:
        return runs, float(lengths.mean()) if lengths.size else math.nan, math.nan
    return runs, float(lengths.mean()), float(lengths.std(ddof=1) / math.sqrt(lengths.size))
