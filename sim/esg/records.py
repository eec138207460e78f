"""The records that cross the numba boundary of the scenario generator.

Each model's parameters travel as a named record whose fields keep the config's names
(``esg.equity.rsln2.p12`` is ``Rsln2.p12`` at the arithmetic); where the kernel needs a value
in another unit than the config's, the field says so (``drift`` per step, ``decay`` per month).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Gbm", "Rsln2", "Garch", "Equity", "ShortRate", "FixedIncome", "Inflation",
           "AnnualFactors", "DrawSpec", "MonthlyOut", "EsgPaths", "Observed", "EQUITY_GBM",
           "EQUITY_RSLN2",
           "EQUITY_GARCH", "EQUITY_MODELS"]

EQUITY_GBM = 0
EQUITY_RSLN2 = 1
EQUITY_GARCH = 2
#: ``esg.equity.model`` -> the code the kernels switch on.
EQUITY_MODELS = {"gbm": EQUITY_GBM, "rsln2": EQUITY_RSLN2, "garch": EQUITY_GARCH}


class Gbm(NamedTuple):
    """Lognormal equity (``esg.equity.gbm``), per equity step."""

    drift: float                  # (mu - sigma^2 / 2) dt [log return per step]
    vol: float                    # sigma sqrt(dt) [per step]


class Rsln2(NamedTuple):
    """Two-regime lognormal (``esg.equity.rsln2``), per month; ``mean_shift`` is in the means."""

    mu_1: float                   # [log return per month] regime 1, mean_shift included
    sigma_1: float                # [per month]
    mu_2: float
    sigma_2: float
    p12: float                    # [per month] 1 -> 2
    p21: float                    # [per month] 2 -> 1
    pi_2: float                   # stationary probability of regime 2, p12 / (p12 + p21)


class Garch(NamedTuple):
    """GARCH(1,1)-t (``esg.equity.garch``), per equity step."""

    mu: float                     # [log return per step]
    omega: float                  # long_run_var (1 - alpha - beta)
    alpha: float
    beta: float
    nu: float                     # degrees of freedom of the t innovations
    long_run_var: float           # long_run_vol^2 dt [per step], also h_0


class Equity(NamedTuple):
    """``esg.equity``: the model in use and every model's parameters (the config holds all)."""

    model: int                    # EQUITY_GBM, EQUITY_RSLN2 or EQUITY_GARCH
    steps_per_month: int
    gbm: Gbm
    rsln2: Rsln2
    garch: Garch


class ShortRate(NamedTuple):
    """Vasicek (``esg.short_rate``), stepped exactly month by month [percent]."""

    r0: float                     # [percent] at the start
    theta: float                  # [percent] long-run level
    decay: float                  # exp(-kappa / 12) [per month]
    step_vol: float               # [percentage points per month]


class FixedIncome(NamedTuple):
    """``esg.fixed_income``: month return = (r + spread) / 1200 - duration dr / 100."""

    spread: float                 # [percent per year]
    duration: float               # [years]


class Inflation(NamedTuple):
    """``esg.inflation``: pi_m = forecast_m + x_m + shift [high regime]."""

    phi: float                    # AR(1) coefficient per month
    sigma: float                  # [percentage points]
    high_regime: bool             # esg.inflation.high_regime.enabled
    p_enter: float                # [per month]
    p_exit: float                 # [per month]
    shift: float                  # [percentage points] in the high regime
    sigma_high: float             # [percentage points] monthly innovation in the high regime
    episodes: bool                # esg.inflation.episodes.enabled
    ep_enter: float               # [per month] into a high-inflation episode
    ep_exit: float                # [per month] out of it
    ep_shift: float               # [percentage points] during it


class Observed(NamedTuple):
    """The outturns known at the information date (:mod:`sim.information`), per month of the
    generator (``M``); the first ``n_known`` months are known."""

    n_known: int                  # months from the generator's first January to as_of
    kpif: np.ndarray              # (M,) observed KPIF [percent], NaN where not observed
    short_rate: np.ndarray        # (M,) observed short rate [percent], NaN where not observed
    p_state: np.ndarray           # (4,) P(regimes at as_of | observed KPIF), state h + 2 g:
                                  # h the volatile regime, g the episode


class AnnualFactors(NamedTuple):
    """``esg.annual.*``, one entry per yearly factor (``K``) in ``ANNUAL_FACTORS`` order."""

    forecast: np.ndarray          # (K, Y) expected growth [percent]
    phi: np.ndarray               # (K,)
    sigma: np.ndarray             # (K,) [percentage points]
    inflation_beta: np.ndarray    # (K,) [points per point of KPIF deviation, the same year]
    inflation_beta_lag: np.ndarray  # (K,) [points per point of the previous year's deviation]
    jump_rate: np.ndarray         # (K,) [per year]
    jump_mean: np.ndarray         # (K,) [percentage points]
    known: np.ndarray             # (K, Y) deviation known at the information date, NaN if not
    jump_offset: np.ndarray       # (K,) [points] subtracted a year: the jumps' mean, or 0


class DrawSpec(NamedTuple):
    """What a block's draw needs: the correlation factors and which draws the models use."""

    steps_per_month: int
    chol_monthly: np.ndarray      # (3, 3) lower Cholesky factor of the monthly block
    cond_mean: np.ndarray         # (K, 3) yearly innovations given the year's monthly sums
    cond_factor: np.ndarray       # (K, K) factor of their conditional covariance
    equity_regime: bool           # draw the equity regime's uniforms (RSLN2)
    inflation_regime: bool        # draw the inflation regime's uniforms
    episodes: bool                # draw the episode chain's uniforms
    garch: bool                   # draw chi-square(nu) scales (GARCH-t)
    nu: float
    jump_rate: np.ndarray         # (K,)
    jump_mean: np.ndarray         # (K,)


class MonthlyOut(NamedTuple):
    """The monthly paths of a block (``N`` paths, ``M`` months, ``S`` equity steps)."""

    equity_step: np.ndarray       # (N, S) log return per step
    equity_month: np.ndarray      # (N, M) log return per month
    equity_regime: np.ndarray     # (N, M) int8
    equity_variance: np.ndarray   # (N, S) GARCH's conditional variance, else (1, 1)
    short_rate: np.ndarray        # (N, M) [percent] at the month's end
    fixed_income: np.ndarray      # (N, M) simple return
    kpif: np.ndarray              # (N, M) [percent]
    inflation_regime: np.ndarray  # (N, M) int8
    inflation_episode: np.ndarray  # (N, M) int8: 1 in a high-inflation episode


class EsgPaths(NamedTuple):
    """A block's factor paths, as :func:`sim.esg.model.simulate_block` returns them (``N``
    paths, ``M`` months, ``S`` equity steps, ``Y`` years, ``K`` yearly factors)."""

    equity_step: np.ndarray       # (N, S) log return per step
    equity_log_return: np.ndarray  # (N, M) log return per month
    equity_regime: np.ndarray     # (N, M) int8
    equity_variance: np.ndarray | None  # (N, S) GARCH's conditional variance; None otherwise
    short_rate: np.ndarray        # (N, M) [percent] at the month's end
    fixed_income_return: np.ndarray  # (N, M) simple return
    kpif: np.ndarray              # (N, M) [percent]
    inflation_regime: np.ndarray  # (N, M) int8
    inflation_episode: np.ndarray  # (N, M) int8: 1 in a high-inflation episode
    inflation_deviation: np.ndarray  # (N, Y) [points] the year's mean deviation from forecast
    kpif_annual: np.ndarray       # (N, Y) [percent] forecast plus deviation
    pbb_deviation: np.ndarray     # (N, Y) [points] June's deviation (next year's prisbasbelopp)
    annual_growth: np.ndarray     # (N, Y, K) [percent]
    annual_deviation: np.ndarray  # (N, Y, K) [points] from forecast
