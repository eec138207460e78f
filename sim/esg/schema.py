"""Validated parameters of the economic scenario generator (``configs/models/*.toml``)."""

from __future__ import annotations

import warnings
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..errors import SimWarning
from ..params import Quantity, Rate, Source, Strict, in_range, unit_is

__all__ = ["EsgConfig", "EstimateCorrelation", "MONTHLY_FACTORS", "ANNUAL_FACTORS", "FACTORS", "DEVIATION_FACTORS",
           "nearest_correlation"]

#: Factors stepped monthly, in the order of their innovations.
MONTHLY_FACTORS = ("equity", "short_rate", "inflation")
#: Factors stepped yearly (the budget's), in the order of their innovations.
#: ``operations`` is the budget's own risk: the year's net-cost overrun beyond prices (volume
#: and execution), in percent of the operating costs; its level carries into later years.
ANNUAL_FACTORS = ("wages", "social_fees", "consumption", "tax_base", "drugs", "hired_staff",
                  "operations")
FACTORS = MONTHLY_FACTORS + ANNUAL_FACTORS
#: Factors whose yearly deviation from forecast reaches the budget, in the order of the
#: budget kernel's ``dev`` rows: the one registry the engine, the budget and the tests read.
#: ``inflation`` is the year's mean KPIF deviation; ``price_base_amount`` the deviation of
#: June's 12-month KPIF rate, which sets the next year's price base amount (prisbasbeloppet:
#: SCB computes it from the change in prices to June and publishes it with June's KPI, SCB
#: press release 2022-07-14), the index of pensions and of the pension liability.
DEVIATION_FACTORS = ("inflation", "price_base_amount") + ANNUAL_FACTORS

PerMonth = Annotated[Quantity, unit_is("fraction_per_month")]
PosPerMonth = Annotated[Quantity, unit_is("fraction_per_month"), in_range(0.0, 1.0)]
Prob = Annotated[Quantity, unit_is("per_month"), in_range(0.0, 1.0)]
PerYear = Annotated[Quantity, unit_is("per_year"), in_range(0.0, 50.0)]
Vol = Annotated[Quantity, unit_is("percent_per_year"), in_range(0.0, 200.0)]
RateVol = Annotated[Quantity, unit_is("percent_per_sqrt_year"), in_range(0.0, 50.0)]
Points = Annotated[Quantity, unit_is("percent"), in_range(-100.0, 100.0)]
NonNegPoints = Annotated[Quantity, unit_is("percent"), in_range(0.0, 100.0)]
Coef = Annotated[Quantity, unit_is("dimensionless"), in_range(-10.0, 10.0)]
AR = Annotated[Quantity, unit_is("dimensionless"), in_range(-0.999, 0.999)]
DurationYears = Annotated[Quantity, unit_is("years"), in_range(0.0, 30.0)]


class Gbm(Strict):
    """Lognormal equity: ``log S(t+dt)/S(t) = (mu - sigma^2/2) dt + sigma sqrt(dt) Z``."""

    mu: Rate
    sigma: Vol


class Rsln2(Strict):
    """Two-regime regime-switching lognormal (Hardy 2001): monthly ``log return = mu_s + shift +
    sigma_s Z`` with the regime ``s`` a Markov chain switching 1 -> 2 with ``p12`` and 2 -> 1
    with ``p21`` a month. ``mean_shift`` moves the long-run mean and keeps the published
    volatilities and switching (the shape of the tails)."""

    mu_1: PerMonth
    sigma_1: PosPerMonth
    mu_2: PerMonth
    sigma_2: PosPerMonth
    p12: Prob
    p21: Prob
    mean_shift: PerMonth = Field(description="added to both regimes' means")

    @model_validator(mode="after")
    def _chain_moves(self) -> Rsln2:
        if self.p12.value + self.p21.value <= 0:
            raise ValueError("p12: p12 and p21 are both zero; the chain has no stationary law")
        return self


class Garch(Strict):
    """GARCH(1,1) with Student-t innovations, per step: ``x_t = mu + sqrt(h_t) e_t``,
    ``h_t = omega + alpha (x_{t-1} - mu)^2 + beta h_{t-1}``, ``e_t`` a unit-variance t(nu)."""

    mu: Rate
    long_run_vol: Vol
    alpha: Annotated[Quantity, unit_is("dimensionless"), in_range(0.0, 1.0)]
    beta: Annotated[Quantity, unit_is("dimensionless"), in_range(0.0, 1.0)]
    nu: Annotated[Quantity, unit_is("dimensionless"), in_range(2.1, 1000.0)]

    @model_validator(mode="after")
    def _stationary(self) -> Garch:
        if self.alpha.value + self.beta.value >= 1.0:
            raise ValueError(f"alpha: alpha + beta = {self.alpha.value + self.beta.value:g} must be "
                             "below 1 for a finite long-run variance")
        return self


class Equity(Strict):
    model: Literal["gbm", "rsln2", "garch"]
    steps_per_month: int = Field(1, ge=1, le=31)
    gbm: Gbm
    rsln2: Rsln2
    garch: Garch


class ShortRate(Strict):
    """Vasicek: ``dr = kappa (theta - r) dt + sigma dW``, stepped exactly month by month."""

    r0: Rate
    theta: Rate
    kappa: PerYear
    sigma: RateVol


class FixedIncome(Strict):
    """Monthly fund return = (r + spread) / 12 - duration x (change in r)."""

    spread: Rate
    duration: DurationYears


class HighInflation(Strict):
    """The second inflation regime: KPIF ``shift`` points higher (an estimate may be negative:
    a volatile regime rather than a high one) and its monthly innovations ``sigma`` (default:
    the normal regime's) while in it."""

    enabled: bool
    p_enter: Prob
    p_exit: Prob
    shift: Points
    sigma: NonNegPoints | None = Field(None, description="monthly innovation in the high "
                                       "regime; default inflation.sigma")


class Episodes(Strict):
    """High-inflation episodes: a chain of its own, independent of the volatile regime,
    entered with ``p_enter`` and left with ``p_exit`` a month; while in one, KPIF runs
    ``shift`` points above its path (docs/guides/calibrate.md: estimated from 150 years of Swedish
    consumer prices)."""

    enabled: bool
    p_enter: Prob
    p_exit: Prob
    shift: Points


class Inflation(Strict):
    """KPIF, annual rate at monthly steps: ``pi_m = f(m) + x_m + shift x [high regime] +
    episodes.shift x [episode]``, ``x_m = phi x_{m-1} + sigma Z_m``; ``f`` the plan's
    forecast, reverting to ``target`` after."""

    forecast: str = Field(min_length=1)
    target: Rate
    reversion: PerYear
    phi: AR
    sigma: NonNegPoints
    high_regime: HighInflation
    episodes: Episodes | None = Field(None, description="high-inflation episodes; none: off")


class AnnualFactor(Strict):
    """Yearly growth = forecast + d, ``d_Y = phi d_{Y-1} + beta x inflation deviation_Y +
    beta_lag x inflation deviation_{Y-1} + sigma Z_Y + jumps_Y``; jumps: Poisson(``jump_rate``)
    counts of exponential(``jump_mean``)."""

    label: str = Field(min_length=1)
    forecast: str | None = Field(None, description="a [forecasts] series, or none for a pure deviation")
    phi: AR
    sigma: NonNegPoints
    inflation_beta: Coef
    inflation_beta_lag: Coef = Field(description="response to the previous year's KPIF "
                                     "deviation (wage agreements, indexation set in advance)")
    jump_rate: PerYear
    jump_mean: Points
    jumps_mean_zero: bool = Field(False, description="subtract the jumps' mean (jump_rate x "
                                  "jump_mean) every year, so the jumps skew the deviation "
                                  "without moving its mean (the plan stays the centre)")


class Correlation(Strict):
    """The correlation of the factors' innovations. ``estimated_pairs`` names the pairs whose
    correlation was estimated from data (``sim calibrate esg``, ``source`` says how); every
    other pair is an assumption of the file."""

    factors: list[str]
    matrix: list[list[float]]
    repair: bool = False
    estimated_pairs: list[list[str]] = Field(default_factory=list)
    se: list[list[float]] | None = Field(None, description="standard errors of the estimated "
                                         "pairs (0 elsewhere)")
    source: Source | None = None

    @model_validator(mode="after")
    def _valid(self) -> Correlation:
        if tuple(self.factors) != FACTORS:
            raise ValueError(f"factors: must list {list(FACTORS)} in this order, got {self.factors}")
        c = np.array(self.matrix, dtype=float)
        n = len(FACTORS)
        if c.shape != (n, n):
            raise ValueError(f"matrix: shape {c.shape}, must be {n}x{n} (one row per factor)")
        if not np.allclose(c, c.T, atol=0, rtol=0):
            i, j = np.argwhere(c != c.T)[0]
            raise ValueError(f"matrix: not symmetric: [{FACTORS[i]}][{FACTORS[j]}] = {c[i, j]:g} "
                             f"but [{FACTORS[j]}][{FACTORS[i]}] = {c[j, i]:g}")
        if not np.all(np.diag(c) == 1.0):
            raise ValueError("matrix: the diagonal must be all 1")
        if np.abs(c).max() > 1.0:
            raise ValueError("matrix: every entry must lie in [-1, 1]")
        for pair in self.estimated_pairs:
            a, b = (pair + ["", ""])[:2] if len(pair) <= 2 else ("", "")
            if a not in FACTORS or b not in FACTORS or a == b:
                raise ValueError(f"estimated_pairs: {pair!r} is not a pair of two different "
                                 f"factors of {list(FACTORS)}")
        if self.se is not None and np.array(self.se, dtype=float).shape != (n, n):
            raise ValueError(f"se: must be {n}x{n} like the matrix")
        low = np.linalg.eigvalsh(c).min()
        if low < -1e-10:
            if not self.repair:
                raise ValueError(f"matrix: not positive semi-definite (smallest eigenvalue "
                                 f"{low:.4g}); fix it, or set correlation.repair = true to use "
                                 "the nearest correlation matrix")
            fixed = nearest_correlation(c)
            warnings.warn("correlation.matrix is not positive semi-definite (smallest eigenvalue "
                          f"{low:.4g}); using the nearest correlation matrix:\n"
                          + np.array2string(fixed, precision=4, suppress_small=True),
                          SimWarning, stacklevel=2)
            object.__setattr__(self, "matrix", fixed.tolist())
        return self


class EstimateCorrelation(Strict):
    """The correlation of one fitted model's estimates (written by ``sim calibrate``): with
    their standard errors, the covariance ``simulation.parameter_uncertainty`` draws from
    (:mod:`sim.esg.uncertainty`). ``keys`` are dotted keys of the model file, each with a
    ``se``; ``matrix`` is their correlation, row by row."""

    keys: list[str] = Field(min_length=1)
    matrix: list[list[float]]
    source: Source

    @model_validator(mode="after")
    def _valid(self) -> EstimateCorrelation:
        k = len(self.keys)
        c = np.array(self.matrix, dtype=float)
        if len(set(self.keys)) != k:
            raise ValueError(f"keys: {self.keys} lists a key twice")
        if c.shape != (k, k):
            raise ValueError(f"matrix: shape {c.shape}, must be {k}x{k} (one row per key)")
        if not np.array_equal(c, c.T) or not np.all(np.diag(c) == 1.0) or np.abs(c).max() > 1:
            raise ValueError("matrix: must be symmetric with a unit diagonal and entries in "
                             "[-1, 1]")
        low = np.linalg.eigvalsh(c).min()
        if low < -1e-4:      # six written digits leave a rounding error of about 1e-6
            raise ValueError(f"matrix: not positive semi-definite (smallest eigenvalue "
                             f"{low:.4g})")
        return self


class Calibration(Strict):
    """When the model file's estimates were made: ``until`` the information month
    (``sim calibrate esg --until``), ``data_through`` the last month of data that allowed,
    ``budget_published_until`` the last publication date of the budget misses fitted
    (``sim calibrate budget --until``)."""

    until: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    data_through: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    budget_published_until: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class EsgConfig(Strict):
    source: str = Field(min_length=1)
    calibration: Calibration | None = Field(None, description="when the estimates were made "
                                            "(written by sim calibrate)")
    equity: Equity
    short_rate: ShortRate
    fixed_income: FixedIncome
    inflation: Inflation
    annual: dict[str, AnnualFactor]
    correlation: Correlation
    estimates: dict[str, EstimateCorrelation] = Field(
        default_factory=dict, description="per fitted model, its estimates' correlation")

    @model_validator(mode="before")
    @classmethod
    def _annual_in_registry_order(cls, data):
        """The factors are named, so their order in the file carries nothing: put them in the
        registry's order (the kernels' index), which also reads back a saved run's config,
        whose JSON keys are sorted."""
        annual = data.get("annual") if isinstance(data, dict) else None
        if isinstance(annual, dict) and set(annual) == set(ANNUAL_FACTORS):
            data = {**data, "annual": {k: annual[k] for k in ANNUAL_FACTORS}}
        return data

    @model_validator(mode="after")
    def _annual_factors(self) -> EsgConfig:
        if tuple(self.annual) != ANNUAL_FACTORS:
            raise ValueError(f"annual: must define {list(ANNUAL_FACTORS)}, "
                             f"got {list(self.annual)}")
        return self

    def estimated(self) -> dict[str, Quantity]:
        """Every quantity with a standard error, by its dotted key (``inflation.phi``)."""
        out: dict[str, Quantity] = {}

        def walk(node, prefix: str) -> None:
            items = node.items() if isinstance(node, dict) else (
                (name, getattr(node, name)) for name in type(node).model_fields)
            for name, value in items:
                if isinstance(value, Quantity):
                    if value.se is not None:
                        out[f"{prefix}{name}"] = value
                elif isinstance(value, (dict, Strict)):
                    walk(value, f"{prefix}{name}.")

        walk(self, "")
        return out

    @model_validator(mode="after")
    def _estimates_named(self) -> EsgConfig:
        estimated = self.estimated()
        for group, est in self.estimates.items():
            for key in est.keys:
                if key not in estimated:
                    raise ValueError(f"estimates.{group}.keys: {key!r} is not an estimated "
                                     "parameter of this file (a key with a se)")
        return self


def nearest_correlation(a: np.ndarray, tol: float = 1e-12, max_iter: int = 1000) -> np.ndarray:
    """The nearest correlation matrix in the Frobenius norm (Higham 2002, alternating projections
    with Dykstra's correction): N. J. Higham, IMA J. Numer. Anal. 22 (2002) 329-343."""
    y = np.array(a, dtype=float)
    ds = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - ds
        w, v = np.linalg.eigh((r + r.T) / 2)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y) <= tol * np.linalg.norm(y):
            y = y_new
            break
        y = y_new
    # Guard against rounding: clip eigenvalues at zero and rescale to a unit diagonal.
    w, v = np.linalg.eigh((y + y.T) / 2)
    y = (v * np.maximum(w, 0.0)) @ v.T
    d = np.sqrt(np.diag(y))
    return y / np.outer(d, d)
