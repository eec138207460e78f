"""The scenario generator's Python layer: parameters to arrays, random numbers by block, kernels,
and the Dataset of paths.

Reproducibility: paths are split into blocks of ``simulation.block_size`` (a config value, never
derived from threads or workers). Block ``b``'s seed sequence is
``numpy.random.SeedSequence(seed, spawn_key=(b,))``; it seeds one xoroshiro128++ stream per path
(:mod:`sim.esg._rng`), from which the path's numbers are drawn in a fixed order. So the
same seed and config give bit-identical paths whatever the number of threads and in any order of
blocks, and the first ``N`` paths of a larger run equal a run of ``N`` paths when ``N`` is a
multiple of the block size.

Shocks are an input (:class:`Innovations`): any factor's correlated innovations can be replaced
(``shocks``), and any factor's path moved by a given amount (:class:`Shifts`), e.g. a stress
scenario as the centre of a Monte Carlo, or one factor set low or high on the same random
numbers for a sensitivity.

About 460 lines on purpose: the parameters resolved for the kernels (:class:`EsgParams`), the
innovations drawn for them and the block run that hands them to the kernels change together
(a parameter added to the record is drawn for and passed on in the same change).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import blocks
from . import _kernels as K
from ._rng import path_states
from ..information import (InflationRegimes, KnownState, forecast_months, regime_probabilities,
                           start_year)
from .records import (EQUITY_GARCH, EQUITY_MODELS, EQUITY_RSLN2, AnnualFactors, DrawSpec,
                      Equity, EsgPaths, FixedIncome, Garch, Gbm, Inflation, MonthlyOut, Observed,
                      Rsln2, ShortRate)
from .schema import ANNUAL_FACTORS, FACTORS, MONTHLY_FACTORS, EsgConfig

__all__ = ["EsgParams", "Innovations", "Shifts", "draw_innovations", "draw_spec",
           "zero_innovations", "simulate_block", "generate_arrays", "block_seed", "OUTPUT_DIMS"]


def _psd_factor(c: np.ndarray, what: str) -> np.ndarray:
    """A lower-triangular L with L L' = c (Cholesky, with a tiny jitter for a singular c)."""
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        try:
            return np.linalg.cholesky(c + 1e-12 * np.eye(len(c)))
        except np.linalg.LinAlgError:
            raise ValueError(f"correlation: the {what} block is not positive definite") from None


@dataclass(frozen=True)
class EsgParams:
    """Everything the kernels need, as the records of :mod:`sim.esg.records` (percent for
    rates).

    ``years`` are the calendar years simulated: the ``n_pre`` years between the information
    date and the plan (:mod:`sim.information`), then the plan's first year and the rest of the
    horizon."""

    years: np.ndarray            # (Y,) calendar years simulated
    equity: Equity
    short_rate: ShortRate
    fixed_income: FixedIncome
    inflation: Inflation
    kpif_forecast: np.ndarray    # (Y,) expected KPIF per year [%]
    kpif_forecast_month: np.ndarray  # (M,) the forecast month by month [%] (see from_config)
    annual: AnnualFactors
    chol_monthly: np.ndarray     # (3, 3)
    cond_mean: np.ndarray        # (6, 3): annual innovations given the year's monthly sum
    cond_factor: np.ndarray      # (6, 6)
    observed: Observed           # the outturns known at the information date
    n_pre: int = 0               # pre-plan years at the start of ``years``

    @classmethod
    def from_config(cls, esg: EsgConfig, forecasts: dict, first_year: int, last_plan_year: int,
                    horizon_years: int, information=None, vintage=None,
                    steps: int | None = None) -> EsgParams:
        """``first_year`` is the plan's; the generator starts at the information date's year
        (``information``, an :class:`sim.information.Information`) when one is given.

        ``vintage`` (an Information) is what the plan's forecasts knew when they were made
        (SKR's of 28 April 2022 held KPIF to March 2022). The KPIF forecast month by month is
        the yearly forecast, except in a year the vintage has outturns of: there the known
        months are the outturns and the other months share what is left of the year's mean
        (:func:`sim.information.forecast_months`). So a deviation is news against what the
        forecast knew, never the forecast's own information counted again.

        ``steps``: equity steps a month (default the model's ``equity.steps_per_month``; a plan
        runs at :attr:`sim.config.PlanConfig.equity_steps`). The models are fitted to monthly
        returns and scaled to the step: RSLN2 and GBM exactly (a month's law is the sum of its
        steps'). GARCH-t's alpha and beta are per the model file's own step; on ``k`` times
        finer steps its unconditional variance a month and its volatility's persistence a
        model step are kept, ``(alpha_s + beta_s)^k = alpha + beta`` with ``alpha_s / beta_s =
        alpha / beta`` (an approximation: a GARCH is not closed under temporal aggregation,
        Drost and Nijman 1993)."""
        years = np.arange(start_year(information, first_year), first_year + horizon_years)
        spm = esg.equity.steps_per_month if steps is None else int(steps)
        dt = 1.0 / (12 * spm)
        gbm = esg.equity.gbm
        mu, sig = gbm.mu.value / 100.0, gbm.sigma.value / 100.0
        rs = esg.equity.rsln2
        p12, p21 = rs.p12.value, rs.p21.value
        g = esg.equity.garch
        long_run_var = (g.long_run_vol.value / 100.0) ** 2 * dt
        # GARCH's alpha and beta are per the model file's step; on finer steps (a fund that
        # reviews weekly) the persistence a model step is kept (docstring)
        g_alpha, g_beta = g.alpha.value, g.beta.value
        finer = spm // esg.equity.steps_per_month
        if finer > 1 and g_alpha + g_beta > 0.0:
            scale = (g_alpha + g_beta) ** (1.0 / finer) / (g_alpha + g_beta)
            g_alpha, g_beta = g_alpha * scale, g_beta * scale
        sr = esg.short_rate
        kappa, dm = sr.kappa.value, 1.0 / 12.0
        decay = math.exp(-kappa * dm)
        step_vol = sr.sigma.value * (math.sqrt((1 - decay ** 2) / (2 * kappa)) if kappa > 0
                                     else math.sqrt(dm))
        inf = esg.inflation

        def expected(series_key: str | None, year: int, revert_to: float | None = None) -> float:
            if series_key is None:
                return 0.0
            s = forecasts[series_key]
            if year <= last_plan_year:
                return s.at(year)
            last = s.at(last_plan_year)
            if revert_to is None:
                return last
            return revert_to + (last - revert_to) * math.exp(-inf.reversion.value
                                                             * (year - last_plan_year))

        infl_path = np.array([expected(inf.forecast, int(y), inf.target.value) for y in years])
        ann = [esg.annual[k] for k in ANNUAL_FACTORS]
        c = np.array(esg.correlation.matrix)
        m = len(MONTHLY_FACTORS)
        c_mm, c_am, c_aa = c[:m, :m], c[m:, :m], c[m:, m:]
        chol = _psd_factor(c_mm, "monthly (equity, short_rate, inflation)")
        # the annual factors given the monthly ones; a singular monthly block (two factors
        # perfectly correlated) conditions through the pseudo-inverse, exact for any valid c
        if np.linalg.matrix_rank(c_mm) < m:
            cond_mean = c_am @ np.linalg.pinv(c_mm, hermitian=True)
        else:
            cond_mean = c_am @ np.linalg.inv(c_mm)
        cond_cov = c_aa - cond_mean @ c_am.T
        w, v = np.linalg.eigh((cond_cov + cond_cov.T) / 2)
        cond_factor = v * np.sqrt(np.maximum(w, 0.0))
        hi = inf.high_regime
        sigma_high = inf.sigma.value if hi.sigma is None else hi.sigma.value
        ep = inf.episodes if inf.episodes is not None and inf.episodes.enabled else None
        regimes = InflationRegimes(
            shift=hi.shift.value if hi.enabled else 0.0,
            p_enter=hi.p_enter.value if hi.enabled else 0.0,
            p_exit=hi.p_exit.value if hi.enabled else 1.0,
            sigma_high=sigma_high if hi.enabled else inf.sigma.value,
            ep_shift=ep.shift.value if ep else 0.0, ep_enter=ep.p_enter.value if ep else 0.0,
            ep_exit=ep.p_exit.value if ep else 1.0)
        known = KnownState.resolve(information, first_year, years,
                                   lambda k, y: expected(ann[k].forecast, y))
        forecast_month = forecast_months(infl_path, years, vintage)
        p_state = np.array([1.0, 0.0, 0.0, 0.0])
        if (hi.enabled or ep) and known.n_known > 0:
            seen = (known.kpif - forecast_month)[:known.n_known]
            p_state = regime_probabilities(seen, inf.phi.value, inf.sigma.value, regimes)
        return cls(
            years=years,
            equity=Equity(
                model=EQUITY_MODELS[esg.equity.model], steps_per_month=spm,
                gbm=Gbm(drift=(mu - 0.5 * sig ** 2) * dt, vol=sig * math.sqrt(dt)),
                rsln2=Rsln2(mu_1=rs.mu_1.value + rs.mean_shift.value, sigma_1=rs.sigma_1.value,
                            mu_2=rs.mu_2.value + rs.mean_shift.value, sigma_2=rs.sigma_2.value,
                            p12=p12, p21=p21, pi_2=p12 / (p12 + p21)),
                garch=Garch(mu=g.mu.value / 100.0 * dt,
                            omega=long_run_var * (1 - g_alpha - g_beta),
                            alpha=g_alpha, beta=g_beta, nu=g.nu.value,
                            long_run_var=long_run_var)),
            short_rate=ShortRate(r0=sr.r0.value, theta=sr.theta.value, decay=decay,
                                 step_vol=step_vol),
            fixed_income=FixedIncome(spread=esg.fixed_income.spread.value,
                                     duration=esg.fixed_income.duration.value),
            inflation=Inflation(phi=inf.phi.value, sigma=inf.sigma.value,
                                high_regime=bool(hi.enabled), p_enter=hi.p_enter.value,
                                p_exit=hi.p_exit.value, shift=hi.shift.value,
                                sigma_high=sigma_high, episodes=ep is not None,
                                ep_enter=regimes.ep_enter, ep_exit=regimes.ep_exit,
                                ep_shift=regimes.ep_shift),
            kpif_forecast=infl_path,
            kpif_forecast_month=forecast_month,
            annual=AnnualFactors(
                forecast=np.array([[expected(f.forecast, int(y)) for y in years] for f in ann]),
                phi=np.array([f.phi.value for f in ann]),
                sigma=np.array([f.sigma.value for f in ann]),
                inflation_beta=np.array([f.inflation_beta.value for f in ann]),
                inflation_beta_lag=np.array([f.inflation_beta_lag.value for f in ann]),
                jump_rate=np.array([f.jump_rate.value for f in ann]),
                jump_mean=np.array([f.jump_mean.value for f in ann]),
                known=known.annual,
                jump_offset=np.array([f.jump_rate.value * f.jump_mean.value
                                      if f.jumps_mean_zero else 0.0 for f in ann])),
            chol_monthly=chol, cond_mean=cond_mean, cond_factor=cond_factor,
            observed=Observed(n_known=known.n_known, kpif=known.kpif,
                              short_rate=known.short_rate, p_state=p_state),
            n_pre=known.n_pre,
        )

    @property
    def steps(self) -> int:
        """Equity steps a month."""
        return self.equity.steps_per_month

    @property
    def model(self) -> int:
        """The equity model's code (:data:`sim.esg.records.EQUITY_MODELS`)."""
        return self.equity.model

    @property
    def n_months(self) -> int:
        return 12 * len(self.years)


class Innovations(NamedTuple):
    """The random inputs of one block, correlated and ready for the kernels.

    ``equity`` (B, S) standard normal per equity step; ``equity_w`` (B, S) chi-square(nu) draws
    (GARCH-t); ``equity_regime_u`` and ``inflation_regime_u`` (B, M) uniforms; ``short_rate``
    and ``inflation`` (B, M) standard normal; ``annual`` (B, Y, 6) standard normal and
    ``jumps`` (B, Y, 6) in percentage points; ``episode_u`` (B, M) the high-inflation episode
    chain's uniforms.
    """

    equity: np.ndarray
    equity_w: np.ndarray
    equity_regime_u: np.ndarray
    short_rate: np.ndarray
    inflation: np.ndarray
    inflation_regime_u: np.ndarray
    annual: np.ndarray
    jumps: np.ndarray
    episode_u: np.ndarray

    @property
    def n_paths(self) -> int:
        return self.short_rate.shape[0]


@dataclass
class Shifts:
    """Amounts added to the generator's paths, per path (one row: every path).

    ``equity`` (N|1, M) to the month's equity log return (spread evenly over its steps);
    ``short_rate`` (N|1, M) percentage points to the short rate at the month's end, the
    fixed-income return following (``+ shift_{m-1} / 1200 - duration (shift_m - shift_{m-1})
    / 100``); ``kpif`` (N|1, M) percentage points to KPIF, before the yearly factors see the
    inflation deviation (so their ``inflation_beta`` carries it on); ``annual`` (N|1, Y, 6)
    percentage points to the yearly factors' growth, after their own dynamics.
    """

    equity: np.ndarray
    short_rate: np.ndarray
    kpif: np.ndarray
    annual: np.ndarray

    @classmethod
    def zeros(cls, p: EsgParams, n: int = 1) -> Shifts:
        m, y = p.n_months, len(p.years)
        return cls(np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m)),
                   np.zeros((n, y, len(ANNUAL_FACTORS))))

    @property
    def n_rows(self) -> int:
        return self.equity.shape[0]

    def rows(self, lo: int, hi: int) -> Shifts:
        """Rows ``lo:hi`` (the paths of a block); a one-row Shifts applies to every path."""
        if self.n_rows == 1:
            return self
        return Shifts(self.equity[lo:hi], self.short_rate[lo:hi], self.kpif[lo:hi],
                      self.annual[lo:hi])


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    """The seed sequence of block ``block``: the same for a given seed in every run."""
    return np.random.SeedSequence(seed, spawn_key=(block,))


def draw_innovations(p: EsgParams, seed: np.random.SeedSequence, n: int,
                     antithetic: bool = False) -> Innovations:
    """Draw a block's random numbers and correlate them (:func:`sim.esg._kernels.draw_nb`).

    Each of the ``n`` paths has its own xoroshiro128++ stream seeded from ``seed`` (the block's
    seed sequence), so a path's numbers do not depend on threads or the order of blocks.
    Monthly: the equity steps' normals are summed to the month's equity innovation; with the
    short rate's and inflation's own normals it is multiplied by the Cholesky factor of the
    monthly correlation block, whose first row is (1, 0, 0), so the equity steps are kept as
    drawn. Annual: the six budget factors' innovations are drawn given the year's normalised sum
    of the monthly innovations (exact Gaussian conditioning), so the whole correlation matrix holds
    between the yearly innovations.

    ``antithetic``: paths come in pairs, the second the first with every Gaussian innovation
    negated (the correlated ones are linear in the normals, so negating them negates the
    normals); the pair shares its regime uniforms, chi-square draws and jumps. Each path keeps
    its law; a pair's results are negatively correlated where they are near-linear in the
    shocks, which lowers the variance of a mean over the block. The ``ceil(n / 2)`` first
    paths are drawn from ``seed`` as without pairs.
    """
    if antithetic and n > 1:
        base = draw_innovations(p, seed, (n + 1) // 2)
        idx = np.repeat(np.arange(base.equity.shape[0]), 2)[:n]
        sign = np.where(np.arange(n) % 2 == 1, -1.0, 1.0)
        return Innovations(
            equity=base.equity[idx] * sign[:, None], equity_w=base.equity_w[idx],
            equity_regime_u=base.equity_regime_u[idx],
            short_rate=base.short_rate[idx] * sign[:, None],
            inflation=base.inflation[idx] * sign[:, None],
            inflation_regime_u=base.inflation_regime_u[idx],
            annual=base.annual[idx] * sign[:, None, None], jumps=base.jumps[idx],
            episode_u=base.episode_u[idx])
    m, y, s = p.n_months, len(p.years), p.steps
    k = len(ANNUAL_FACTORS)
    inn = Innovations(np.empty((n, m * s)), np.empty((n, m * s)), np.empty((n, m)),
                      np.empty((n, m)), np.empty((n, m)), np.empty((n, m)),
                      np.empty((n, y, k)), np.empty((n, y, k)), np.empty((n, m)))
    K.draw_nb(path_states(seed, n), draw_spec(p), inn)
    return inn


def draw_spec(p: EsgParams) -> DrawSpec:
    """What :func:`draw_innovations` draws for the models of ``p`` (:class:`DrawSpec`)."""
    infl = p.inflation
    return DrawSpec(steps_per_month=p.steps, chol_monthly=p.chol_monthly,
                    cond_mean=p.cond_mean, cond_factor=p.cond_factor,
                    equity_regime=p.model == EQUITY_RSLN2,
                    # the regime uniforms also draw the regimes at the information date
                    inflation_regime=infl.high_regime or infl.episodes,
                    episodes=infl.episodes, garch=p.model == EQUITY_GARCH,
                    nu=float(p.equity.garch.nu), jump_rate=p.annual.jump_rate,
                    jump_mean=p.annual.jump_mean)


def zero_innovations(p: EsgParams, n: int) -> Innovations:
    """Every shock at zero: no innovations, no jumps (a mean-zero factor's jumps at their mean,
    so their centred value is zero), regime 1 and normal inflation throughout (no regime is
    entered, and the regimes at the information date are the normal ones unless the data make
    another certain)."""
    m, y, s = p.n_months, len(p.years), p.steps
    jumps = np.broadcast_to(p.annual.jump_offset, (n, y, len(ANNUAL_FACTORS))).copy()
    return Innovations(np.zeros((n, m * s)), np.full((n, m * s), max(p.equity.garch.nu, 3.0)),
                       np.ones((n, m)), np.zeros((n, m)), np.zeros((n, m)), np.ones((n, m)),
                       np.zeros((n, y, len(ANNUAL_FACTORS))), jumps, np.ones((n, m)))


#: Output variables and their dims (units and labels: sim/catalogue.py).
OUTPUT_DIMS = {
    "equity_log_return": ("path", "month"),
    "equity_regime": ("path", "month"),
    "equity_variance": ("path", "step"),
    "short_rate": ("path", "month"),
    "fixed_income_return": ("path", "month"),
    "kpif": ("path", "month"),
    "inflation_regime": ("path", "month"),
    "inflation_episode": ("path", "month"),
    "kpif_annual": ("path", "year"),
    "inflation_deviation": ("path", "year"),
    "pbb_deviation": ("path", "year"),
    "annual_growth": ("path", "year", "factor"),
    "annual_deviation": ("path", "year", "factor"),
}


def simulate_block(p: EsgParams, inn: Innovations, shifts: Shifts | None = None) -> EsgPaths:
    """Run the kernels on one block's innovations, moved by ``shifts`` when given
    (see :class:`Shifts`; monthly shifts are applied before the yearly factors see them)."""
    n, m, s = inn.n_paths, p.n_months, p.steps
    forecast_month = p.kpif_forecast_month
    garch = p.model == EQUITY_GARCH
    mo = MonthlyOut(
        equity_step=np.empty((n, m * s)), equity_month=np.empty((n, m)),
        equity_regime=np.zeros((n, m), dtype=np.int8),
        # the conditional variance only exists for GARCH (the kernel writes it nowhere else)
        equity_variance=np.zeros((n, m * s) if garch else (1, 1)),
        short_rate=np.empty((n, m)), fixed_income=np.empty((n, m)), kpif=np.empty((n, m)),
        inflation_regime=np.zeros((n, m), dtype=np.int8),
        inflation_episode=np.zeros((n, m), dtype=np.int8))
    K.monthly_nb(inn, p.equity, p.short_rate, p.fixed_income, p.inflation, forecast_month,
                 p.observed, mo)
    if shifts is not None:
        shifts = _unknown_only(shifts, p)
        eq = shifts.equity
        mo.equity_month[...] += eq
        mo.equity_step[...] += np.repeat(eq / s, s, axis=1) if s > 1 else eq
        sr = shifts.short_rate
        before = np.concatenate([np.zeros((sr.shape[0], 1)), sr[:, :-1]], axis=1)
        mo.short_rate[...] += sr
        mo.fixed_income[...] += (before / 1200.0
                                 - p.fixed_income.duration * (sr - before) / 100.0)
        mo.kpif[...] += shifts.kpif
    y = len(p.years)
    # The deviation is the mean of the monthly deviations: exactly zero when every shock is.
    inflation_deviation = (mo.kpif - forecast_month).reshape(n, y, 12).mean(axis=2)
    annual_growth = np.empty((n, y, len(ANNUAL_FACTORS)))
    annual_deviation = np.empty((n, y, len(ANNUAL_FACTORS)))
    K.annual_nb(np.ascontiguousarray(inn.annual), np.ascontiguousarray(inn.jumps),
                np.ascontiguousarray(inflation_deviation), p.annual, annual_growth,
                annual_deviation)
    if shifts is not None:
        annual_growth += shifts.annual
        annual_deviation += shifts.annual
    return EsgPaths(
        equity_step=mo.equity_step, equity_log_return=mo.equity_month,
        equity_regime=mo.equity_regime, equity_variance=mo.equity_variance if garch else None,
        short_rate=mo.short_rate, fixed_income_return=mo.fixed_income, kpif=mo.kpif,
        inflation_regime=mo.inflation_regime, inflation_episode=mo.inflation_episode,
        inflation_deviation=inflation_deviation,
        kpif_annual=p.kpif_forecast[None] + inflation_deviation,
        # June's 12-month rate sets the next year's price base amount
        pbb_deviation=(mo.kpif - forecast_month)[:, 5::12],
        annual_growth=annual_growth, annual_deviation=annual_deviation)


def _unknown_only(shifts: Shifts, p: EsgParams) -> Shifts:
    """``shifts`` with nothing added to what is known at the information date: the known
    months of KPIF and the short rate, and the yearly factors' known years."""
    k = p.observed.n_known
    known_years = ~np.isnan(p.annual.known.T)            # (Y, K)
    if k == 0 and not known_years.any():
        return shifts
    kpif, rate = shifts.kpif.copy(), shifts.short_rate.copy()
    kpif[:, :k] = 0.0
    rate[:, :k] = 0.0
    annual = np.where(known_years[None], 0.0, shifts.annual)
    return Shifts(shifts.equity, rate, kpif, annual)


def _apply_shocks(inn: Innovations, shocks: dict[str, np.ndarray], lo: int,
                  hi: int) -> Innovations:
    """Replace named innovations with rows ``lo:hi`` of the given arrays (one row: every path)."""
    changes = {}
    for key, arr in shocks.items():
        arr = np.asarray(arr, dtype=float)
        rows = arr[lo:hi] if arr.shape[0] > 1 else arr
        if key in ("equity", "short_rate", "inflation", "jumps"):
            changes[key] = np.array(np.broadcast_to(rows, getattr(inn, key).shape))
        elif key in ANNUAL_FACTORS:
            ann = changes.setdefault("annual", inn.annual.copy())
            ann[:, :, ANNUAL_FACTORS.index(key)] = np.broadcast_to(rows, ann.shape[:2])
        else:
            raise ValueError(f"shocks: unknown factor {key!r}; allowed: "
                             f"{', '.join(FACTORS + ('jumps',))}")
    return inn._replace(**changes)


def generate_arrays(p: EsgParams, n_paths: int, seed: int, block_size: int, threads: int = 1,
                    deterministic: bool = False, shocks: dict | None = None,
                    shifts: Shifts | None = None, block_order: list[int] | None = None,
                    progress=None, keep: tuple[str, ...] | None = None) -> EsgPaths:
    """All paths, block by block (threads over blocks), gathered in block order; with
    ``keep``, only those fields of :class:`EsgPaths` (the others None, never gathered)."""
    if keep is not None and not set(keep) <= set(EsgPaths._fields):
        raise ValueError(f"keep: {sorted(set(keep) - set(EsgPaths._fields))} are not fields "
                         f"of EsgPaths; allowed: {', '.join(EsgPaths._fields)}")

    def run(b: int) -> EsgPaths:
        lo, hi = blocks.bounds(b, n_paths, block_size)
        inn = (zero_innovations(p, hi - lo) if deterministic
               else draw_innovations(p, block_seed(seed, b), hi - lo))
        if shocks:
            inn = _apply_shocks(inn, shocks, lo, hi)
        res = simulate_block(p, inn, None if shifts is None else shifts.rows(lo, hi))
        if keep is not None:
            res = EsgPaths(*(v if k in keep else None for k, v in zip(res._fields, res)))
        if progress is not None:
            progress(hi - lo)
        return res

    results = [res for _, res in blocks.in_block_order(
        run, blocks.n_blocks(n_paths, block_size), threads, block_order)]
    return EsgPaths(*(None if parts[0] is None else np.concatenate(parts)
                      for parts in zip(*results)))
