"""The scenario generator against its NumPy reference, closed forms and its promises.

Statistical checks use a fixed seed and a tolerance of Z standard errors, the standard error
computed from theory (or, for fourth-moment quantities, from the sample). With Z = 4 a correct
model fails a single check with probability about 6e-5.
"""

from __future__ import annotations

import hashlib
import math
import warnings

import numpy as np
import pytest

from ..reference.budget_numpy import FactorPaths, run_budget
from sim.budget import BudgetPlan
from sim.config import ConfigError, load_config
from sim.esg import esg_params, generate
from sim.esg.schema import DEVIATION_FACTORS
from sim.esg.model import (Shifts, draw_innovations, generate_arrays, simulate_block,
                           zero_innovations)
from sim.esg.schema import ANNUAL_FACTORS, FACTORS, nearest_correlation

from ..conftest import DEFAULT_CONFIG, PLAIN
from ..reference import esg_numpy as ref

Z = 4.0


#: The model's own properties are tested on the hand-set parameters, whose figures the closed
#: forms below name (tests/test_calibrate.py tests the calibrated file).
HANDSET = "esg_model=../models/esg-handset.toml"
#: The pension portfolio reviewed monthly, so the generator runs at the model's own steps (a
#: weekly review would make them weekly: PlanConfig.equity_steps).
MONTHLY_REVIEW = "funds.pension.strategy.rebalance_per_month=1"


def config(*overrides):
    """The default plan without its information set, on the hand-set model, its generator at
    the model file's steps a month."""
    return load_config(DEFAULT_CONFIG, [PLAIN, HANDSET, MONTHLY_REVIEW, *overrides])


@pytest.fixture(scope="module")
def cfg():
    """In this module the config is the plain one (no information date, hand-set model)."""
    return config()


@pytest.fixture(scope="module")
def plan(cfg):
    return BudgetPlan.from_config(cfg)


def draw(cfg, n, seed=1):
    p = esg_params(cfg)
    inn = draw_innovations(p, np.random.SeedSequence(seed), n)
    return p, inn, simulate_block(p, inn)


# --------------------------------------------------------------------------------------------
# The kernels equal a plain NumPy implementation fed the same shocks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model,steps", [("gbm", 1), ("rsln2", 1), ("garch", 1), ("gbm", 21),
                                         ("rsln2", 5)])
def test_equity_equals_numpy_reference(model, steps):
    cfg = config(f"esg.equity.model={model}", f"esg.equity.steps_per_month={steps}",
                 "simulation.horizon_years=6")
    p, inn, out = draw(cfg, 200)
    if model == "gbm":
        want = ref.gbm(inn.equity, *p.equity.gbm)
    elif model == "rsln2":
        want, regime = ref.rsln2(inn.equity, inn.equity_regime_u, steps, *p.equity.rsln2[:6])
        np.testing.assert_array_equal(out.equity_regime, regime)
    else:
        want, h = ref.garch_t(inn.equity, inn.equity_w, *p.equity.garch)
        np.testing.assert_allclose(out.equity_variance, h, rtol=1e-12, atol=0)
    np.testing.assert_allclose(out.equity_step, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.equity_log_return,
                               want.reshape(200, -1, steps).sum(axis=2), rtol=0, atol=1e-12)


def test_rate_fixed_income_and_inflation_equal_numpy_reference():
    cfg = config("esg.inflation.high_regime.enabled=true", "simulation.horizon_years=10")
    p, inn, out = draw(cfg, 300)
    (r0, theta, decay, step_vol), (spread, duration) = p.short_rate, p.fixed_income
    rates = ref.vasicek(inn.short_rate, r0, decay, theta, step_vol)
    np.testing.assert_allclose(out.short_rate, rates, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.fixed_income_return,
                               ref.fixed_income(rates, r0, spread, duration), rtol=0, atol=1e-12)
    infl, regime, episode = ref.inflation(inn.inflation, inn.inflation_regime_u,
                                          p.kpif_forecast_month, *p.inflation,
                                          ep_u=inn.episode_u)
    np.testing.assert_allclose(out.kpif, infl, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out.inflation_regime, regime)
    np.testing.assert_array_equal(out.inflation_episode, episode)
    assert regime.any(), "the high regime should occur in 300 paths x 10 years"
    assert episode.any(), "an episode should occur in 300 paths x 10 years"
    growth = ref.annual(inn.annual, inn.jumps, out.inflation_deviation, p.annual.forecast,
                        p.annual.phi, p.annual.sigma, p.annual.inflation_beta,
                        p.annual.inflation_beta_lag, p.annual.known, p.annual.jump_offset)
    np.testing.assert_allclose(out.annual_growth, growth, rtol=0, atol=1e-12)
    assert inn.jumps.any(), "jumps should occur in 300 paths x 10 years"


# --------------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------------


def test_gbm_log_return_moments_at_several_horizons():
    cfg = config("esg.equity.model=gbm", "simulation.horizon_years=6")
    n = 20000
    _, _, out = draw(cfg, n, seed=11)
    mu, sigma = 0.07, 0.16
    cum = np.cumsum(out.equity_log_return, axis=1)
    for months in (1, 12, 60):
        t = months / 12
        x = cum[:, months - 1]
        mean, var = (mu - sigma ** 2 / 2) * t, sigma ** 2 * t
        assert abs(x.mean() - mean) < Z * math.sqrt(var / n), months
        assert abs(x.var(ddof=1) - var) < Z * var * math.sqrt(2 / (n - 1)), months


def test_vasicek_rate_mean_and_variance():
    n = 20000
    # a start away from theta shows the mean's decay
    cfg = config("simulation.horizon_years=10", "esg.short_rate.r0=6.0")
    _, _, out = draw(cfg, n, seed=12)
    r0, theta, kappa, sigma = 6.0, 2.5, 0.25, 1.2
    for months in (1, 12, 120):
        t = months / 12
        r = out.short_rate[:, months - 1]
        mean = theta + (r0 - theta) * math.exp(-kappa * t)
        var = sigma ** 2 * (1 - math.exp(-2 * kappa * t)) / (2 * kappa)
        assert abs(r.mean() - mean) < Z * math.sqrt(var / n), months
        assert abs(r.var(ddof=1) - var) < Z * var * math.sqrt(2 / (n - 1)), months


def test_inflation_ar1_mean_variance_and_autocorrelation():
    cfg = config("simulation.horizon_years=6", "esg.inflation.high_regime.enabled=false",
                 "esg.inflation.episodes.enabled=false")
    n = 20000
    p, _, out = draw(cfg, n, seed=13)
    phi, sigma = 0.93, 0.35
    dev = out.kpif - np.repeat(p.kpif_forecast, 12)[None]
    for m in (0, 11, 47):
        var_m = sigma ** 2 * (1 - phi ** (2 * (m + 1))) / (1 - phi ** 2)
        var_next = sigma ** 2 * (1 - phi ** (2 * (m + 2))) / (1 - phi ** 2)
        x, x1 = dev[:, m], dev[:, m + 1]
        assert abs(x.mean()) < Z * math.sqrt(var_m / n)
        assert abs(x.var(ddof=1) - var_m) < Z * var_m * math.sqrt(2 / (n - 1))
        rho = phi * math.sqrt(var_m / var_next)
        assert abs(np.corrcoef(x, x1)[0, 1] - rho) < Z * (1 - rho ** 2) / math.sqrt(n)


def test_garch_unconditional_variance_and_fat_tails():
    cfg = config("esg.equity.model=garch", "simulation.horizon_years=10")
    n = 10000
    p, _, out = draw(cfg, n, seed=14)
    mu, hbar, nu = p.equity.garch.mu, p.equity.garch.long_run_var, p.equity.garch.nu
    eps = out.equity_step - mu
    # E[eps_t^2] = hbar at every t (h_0 = hbar); the SE from the sample's own spread of eps^2,
    # over paths (paths are independent; months within a path are not).
    per_path = (eps ** 2).mean(axis=1)
    se = per_path.std(ddof=1) / math.sqrt(n)
    assert abs(per_path.mean() - hbar) < Z * se
    # Kurtosis: above 3 (normal) and above the t(nu) innovations' own 3 + 6/(nu - 4).
    std = eps / math.sqrt(hbar)
    kurt = (std ** 4).mean()
    assert kurt > 3 + 6 / (nu - 4)


def rsln2_exact_12_month(mu, sigma, p12, p21):
    """Mean and variance of the 12-month log return of a stationary RSLN2 chain, exactly."""
    P = np.array([[1 - p12, p12], [p21, 1 - p21]])
    pi = np.array([p21, p12]) / (p12 + p21)
    mu, var = np.asarray(mu), np.asarray(sigma) ** 2
    mean = 12 * pi @ mu
    # Var(sum mu_s) = sum_ij Cov(mu_si, mu_sj), Cov at lag k = sum_ab pi_a P^k_ab mu_a mu_b - m^2
    m1 = pi @ mu
    var_mu = 0.0
    for i in range(12):
        for j in range(12):
            pk = np.linalg.matrix_power(P, abs(i - j))
            var_mu += (pi[:, None] * pk * np.outer(mu, mu)).sum() - m1 ** 2
    return mean, 12 * pi @ var + var_mu


def test_rsln2_regime_probabilities_and_12_month_moments():
    cfg = config("esg.equity.model=rsln2", "simulation.horizon_years=6")
    n = 40000
    p, _, out = draw(cfg, n, seed=15)
    mu1, s1, mu2, s2, p12, p21, pi2 = p.equity.rsln2
    for m in (0, 5, 23):
        frac = out.equity_regime[:, m].mean()
        assert abs(frac - pi2) < Z * math.sqrt(pi2 * (1 - pi2) / n), m
    mean, var = rsln2_exact_12_month([mu1, mu2], [s1, s2], p12, p21)
    r12 = out.equity_log_return[:, :12].sum(axis=1)
    assert abs(r12.mean() - mean) < Z * math.sqrt(var / n)
    kurt = ((r12 - mean) ** 4).mean() / var ** 2
    assert abs(r12.var(ddof=1) - var) < Z * var * math.sqrt((kurt - 1) / n)


# --------------------------------------------------------------------------------------------
# Correlation
# --------------------------------------------------------------------------------------------


def test_correlations_of_innovations_are_recovered():
    cfg = config("simulation.horizon_years=20")
    n = 3000
    p = esg_params(cfg)
    inn = draw_innovations(p, np.random.SeedSequence(16), n)
    c = np.array(cfg.esg.correlation.matrix)
    # monthly: pooled over paths and months (independent draws)
    monthly = np.stack([inn.equity, inn.short_rate, inn.inflation], axis=-1).reshape(-1, 3)
    got = np.corrcoef(monthly.T)
    k = monthly.shape[0]
    for i in range(3):
        for j in range(i + 1, 3):
            assert abs(got[i, j] - c[i, j]) < Z * (1 - c[i, j] ** 2) / math.sqrt(k), (i, j)
    # yearly: the year's normalised monthly sums and the yearly factors' innovations
    yearly_m = np.stack([inn.equity, inn.short_rate, inn.inflation], axis=-1)
    yearly_m = yearly_m.reshape(n, -1, 12, 3).sum(axis=2) / math.sqrt(12)
    allv = np.concatenate([yearly_m, inn.annual], axis=-1).reshape(-1, len(FACTORS))
    got = np.corrcoef(allv.T)
    k = allv.shape[0]
    for i in range(len(FACTORS)):
        for j in range(i + 1, len(FACTORS)):
            assert abs(got[i, j] - c[i, j]) < Z * (1 - c[i, j] ** 2) / math.sqrt(k), \
                (FACTORS[i], FACTORS[j], got[i, j], c[i, j])
    # every innovation has unit variance
    assert np.allclose(allv.var(axis=0), 1.0, atol=Z * math.sqrt(2 / k))


def test_a_singular_correlation_is_conditioned_exactly():
    """Equity and the short rate perfectly correlated (the rate's row a copy of equity's): a
    valid but singular matrix. The monthly block conditions the yearly factors through the
    pseudo-inverse: the implied joint covariance is the matrix itself, the two monthly
    innovations are equal on every path, and a run gives finite results (before, inverting
    the block raised LinAlgError)."""
    c = np.array(config().esg.correlation.matrix)
    c[1, :] = c[0, :]
    c[:, 1] = c[:, 0]
    c[1, 1] = 1.0
    assert np.linalg.eigvalsh(c).min() > -1e-12 and np.linalg.matrix_rank(c) < len(c)
    cfg = config("esg.correlation.matrix=" + str(c.tolist()))
    p = esg_params(cfg)
    m = 3
    c_mm = c[:m, :m]
    cond = p.cond_mean @ c_mm
    joint = np.block([[c_mm, cond.T], [cond, cond @ p.cond_mean.T
                                        + p.cond_factor @ p.cond_factor.T]])
    np.testing.assert_allclose(joint, c, atol=1e-9)
    inn = draw_innovations(p, np.random.SeedSequence(3), 200)
    # the factor's jitter of 1e-12 leaves the rate a loading of sqrt(1e-12) = 1e-6 on its own
    # normal, which stays within 10 (about 10 sigma) over these 200 x 84 draws
    np.testing.assert_allclose(inn.equity, inn.short_rate, atol=10 * math.sqrt(1e-12))
    from sim.engine import run

    ds = run(cfg, 1000, 3)
    assert np.isfinite(ds.p_deficit.values).all() and np.isfinite(ds.bkr_mean.values).all()


def test_matrix_not_psd_is_an_error_naming_the_key():
    bad = "esg.correlation.matrix=" + str(_not_psd().tolist())
    with pytest.raises(ConfigError, match=r"esg\.correlation\.matrix: .*not positive semi-definite"):
        config(bad)


def test_matrix_not_psd_is_repaired_with_a_warning_when_asked():
    bad = "esg.correlation.matrix=" + str(_not_psd().tolist())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg = config(bad, "esg.correlation.repair=true")
    assert any("nearest correlation matrix" in str(w.message) for w in caught)
    fixed = np.array(cfg.esg.correlation.matrix)
    assert np.linalg.eigvalsh(fixed).min() > -1e-10
    np.testing.assert_allclose(np.diag(fixed), 1.0, atol=1e-12)


def _not_psd():
    c = np.eye(len(FACTORS))
    c[0, 1] = c[1, 0] = 0.9
    c[1, 2] = c[2, 1] = 0.9
    c[0, 2] = c[2, 0] = -0.9
    return c


def test_nearest_correlation_matches_highams_example():
    """Higham (2002), section 4: the nearest correlation matrix to [[1,1,0],[1,1,1],[0,1,1]]."""
    x = nearest_correlation(np.array([[1.0, 1, 0], [1, 1, 1], [0, 1, 1]]))
    want = np.array([[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]])
    np.testing.assert_allclose(x, want, atol=1e-4)


# --------------------------------------------------------------------------------------------
# Forecast, zero shocks, and the budget
# --------------------------------------------------------------------------------------------


def test_zero_volatility_reproduces_the_forecast_exactly(cfg):
    sets = ["esg.inflation.sigma=0", "esg.inflation.high_regime.enabled=false",
            "esg.inflation.episodes.enabled=false"] \
        + [f"esg.annual.{k}.sigma=0" for k in cfg.esg.annual] \
        + [f"esg.annual.{k}.jump_rate=0" for k in cfg.esg.annual]
    zc = config(*sets)
    p, _, out = draw(zc, 50, seed=17)
    np.testing.assert_array_equal(out.kpif, np.broadcast_to(np.repeat(p.kpif_forecast, 12),
                                                               out.kpif.shape))
    np.testing.assert_array_equal(out.annual_growth,
                                  np.broadcast_to(p.annual.forecast.T, out.annual_growth.shape))


def test_plan_years_follow_the_plans_forecast_and_revert_after(cfg):
    p = esg_params(config("simulation.horizon_years=12"))
    np.testing.assert_array_equal(p.kpif_forecast[:6], [2.7, 2.6, 2.5, 2.5, 2.5, 2.5])
    after = p.kpif_forecast[6:]
    assert np.all(np.diff(after) < 0) and np.all(after > 2.0) and after[-1] < 2.05


def test_zero_shocks_give_the_seeds_budget(cfg_plain, plan_plain):
    """Every shock at zero: the budget driven by the generator equals the plan's own budget."""
    cfg, plan = cfg_plain, plan_plain
    p = esg_params(cfg)
    out = simulate_block(p, zero_innovations(p, 2))
    devs = {"inflation": out.inflation_deviation, "price_base_amount": out.pbb_deviation}
    devs.update({k: out.annual_deviation[:, :, j] for j, k in enumerate(cfg.esg.annual)})
    from_esg = run_budget(plan, FactorPaths.from_deviations(plan, devs, int(p.years[0])))
    at_plan = run_budget(plan, FactorPaths.at_forecast(plan, 2))
    for key in at_plan:
        np.testing.assert_array_equal(from_esg[key], at_plan[key], err_msg=key)


def test_deviations_reach_the_budget_through_their_drivers_and_lags(plan_plain):
    """June 2024's KPIF 1 point above forecast only (the 2025 price base amount): pension costs
    (lag 1) grow 2.9 points more in 2025 (their elasticity, derived from seed 001's change
    table), the liability's financial cost (lag 1) moves in 2025, nothing in 2024; the year's
    mean inflation deviation alone reaches neither."""
    plan = plan_plain
    devs = {k: np.zeros((1, 6)) for k in DEVIATION_FACTORS}
    devs["price_base_amount"][0, 1] = 1.0
    devs["inflation"][0, 1] = 5.0          # drives only consumption-price betas in the generator
    f = FactorPaths.from_deviations(plan, devs, 2023)
    base = FactorPaths.at_forecast(plan)
    k = plan.component_keys.index("pension_costs")
    diff = f.component_growth - base.component_growth
    np.testing.assert_allclose(diff[0, k], [0, 0, 2.9, 0, 0, 0], rtol=1e-15)
    assert np.count_nonzero(diff) == 1
    np.testing.assert_array_equal(f.liability_inflation - base.liability_inflation,
                                  [[0, 0, 1, 0, 0, 0]])


# --------------------------------------------------------------------------------------------
# Reproducible by block; shocks as input
# --------------------------------------------------------------------------------------------


def digest(out) -> str:
    h = hashlib.sha256()
    for key, v in out._asdict().items():
        if v is not None:
            h.update(key.encode())
            h.update(np.ascontiguousarray(v).tobytes())
    return h.hexdigest()


def test_bit_identical_for_threads_and_block_order(cfg):
    p = esg_params(cfg)
    one = digest(generate_arrays(p, 2500, 7, block_size=1000, threads=1))
    two = digest(generate_arrays(p, 2500, 7, block_size=1000, threads=2))
    rev = digest(generate_arrays(p, 2500, 7, block_size=1000, threads=2, block_order=[2, 1, 0]))
    assert one == two == rev
    assert one != digest(generate_arrays(p, 2500, 8, block_size=1000))


def test_keep_gathers_only_the_fields_asked_for(cfg):
    """generate_arrays(keep=...): the kept fields as the whole run has them, the rest None;
    a field that does not exist is an error naming it and the allowed ones."""
    p = esg_params(cfg)
    full = generate_arrays(p, 1500, 7, block_size=1000)
    keep = ("short_rate", "annual_growth")
    part = generate_arrays(p, 1500, 7, block_size=1000, threads=2, keep=keep)
    for key, v in part._asdict().items():
        if key in keep:
            np.testing.assert_array_equal(v, getattr(full, key), err_msg=key)
        else:
            assert v is None, key
    with pytest.raises(ValueError, match="'rate'.*allowed: equity_step"):
        generate_arrays(p, 10, 7, block_size=1000, keep=("rate",))


@pytest.mark.parametrize("n_small", [2000, 2500])   # whole blocks, and a partial last block
def test_a_larger_run_starts_with_the_smaller_one(cfg, n_small):
    p = esg_params(cfg)
    small = generate_arrays(p, n_small, 7, block_size=1000)
    large = generate_arrays(p, 5000, 7, block_size=1000)
    for key, v in small._asdict().items():
        if v is not None:
            np.testing.assert_array_equal(v, getattr(large, key)[:n_small])


def test_injected_equity_shocks_give_the_hand_computed_path():
    """GBM with injected innovations: month m's log return is (mu - sigma^2/2)/12 + sigma
    sqrt(1/12) z_m."""
    cfg = config("esg.equity.model=gbm")
    z = np.linspace(-3, 3, 72)[None]
    out = generate_arrays(esg_params(cfg), 3, 5, block_size=1000, shocks={"equity": z})
    want = (0.07 - 0.16 ** 2 / 2) / 12 + 0.16 * math.sqrt(1 / 12) * z[0]
    for i in range(3):
        np.testing.assert_allclose(out.equity_log_return[i], want, rtol=0, atol=1e-15)


def test_common_random_numbers_two_strategies_share_paths(cfg):
    """Two configs that differ in one parameter, same seed: the other factors are identical."""
    a = generate(cfg, 500, 3)
    b = generate(config("esg.fixed_income.duration=5.0"), 500, 3)
    np.testing.assert_array_equal(a.equity_log_return, b.equity_log_return)
    np.testing.assert_array_equal(a.short_rate, b.short_rate)
    assert not np.array_equal(a.fixed_income_return, b.fixed_income_return)


def test_shifts_move_each_factor_and_what_follows_from_it(cfg):
    """Shifts on the same random numbers: each path moves by exactly the shift; the
    fixed-income return follows the rate's shift by carry and duration, and the yearly factors
    follow the inflation shift through their inflation beta."""
    p = esg_params(cfg)
    m, y = p.n_months, len(p.years)
    sh = Shifts.zeros(p)
    sh.equity[0, 5] = -0.2
    sh.short_rate[0, 10:] = 3.0
    sh.kpif[0, :12] = 6.0
    sh.annual[0, 1, ANNUAL_FACTORS.index("drugs")] = 5.0
    a = generate_arrays(p, 7, 3, block_size=1000)
    b = generate_arrays(p, 7, 3, block_size=1000, shifts=sh)
    d = {k: getattr(b, k) - v for k, v in a._asdict().items() if v is not None}
    np.testing.assert_allclose(d["equity_log_return"], np.broadcast_to(sh.equity, (7, m)),
                               atol=1e-15)
    np.testing.assert_allclose(d["equity_step"], d["equity_log_return"], atol=1e-15)
    np.testing.assert_allclose(d["short_rate"], np.broadcast_to(sh.short_rate, (7, m)),
                               atol=1e-12)
    dur = cfg.esg.fixed_income.duration.value
    want_fi = np.zeros(m)
    want_fi[10] = -dur * 3.0 / 100          # the rate jumps at the end of month 10
    want_fi[11:] = 3.0 / 1200               # and carries 3 points more from then on
    np.testing.assert_allclose(d["fixed_income_return"], np.broadcast_to(want_fi, (7, m)),
                               atol=1e-15)
    want_infl = np.zeros(y)
    want_infl[0] = 6.0
    np.testing.assert_allclose(d["inflation_deviation"], np.broadcast_to(want_infl, (7, y)),
                               atol=1e-12)
    want_growth = 6.0 * np.outer(want_infl / 6.0, p.annual.inflation_beta)   # beta x the year's deviation
    want_growth[1] += 6.0 * p.annual.inflation_beta_lag      # and the lag's, a year later
    want_growth[1, ANNUAL_FACTORS.index("drugs")] += 5.0
    phi = p.annual.phi                    # the first year's response persists through phi
    got = d["annual_growth"]
    np.testing.assert_allclose(got[:, 0], np.broadcast_to(6.0 * p.annual.inflation_beta,
                                                          (7, len(ANNUAL_FACTORS))), atol=1e-12)
    np.testing.assert_allclose(got[:, 1] - phi * got[:, 0],
                               np.broadcast_to(want_growth[1], (7, len(ANNUAL_FACTORS))),
                               atol=1e-12)


def test_unknown_shock_is_a_clear_error(cfg):
    with pytest.raises(ValueError, match="unknown factor 'equty'"):
        generate(cfg, 2, 1, shocks={"equty": np.zeros((1, 72))})


@pytest.mark.slow
def test_daily_steps_over_ten_years_keep_gbm_moments():
    """21 steps a month for 10 years: the monthly and 10-year log returns keep the closed form."""
    cfg = config("esg.equity.model=gbm", "esg.equity.steps_per_month=21",
                 "simulation.horizon_years=10")
    n = 4000
    _, _, out = draw(cfg, n, seed=18)
    assert out.equity_step.shape == (n, 120 * 21)
    mu, sigma = 0.07, 0.16
    for months in (1, 120):
        x = out.equity_log_return[:, :months].sum(axis=1)
        t = months / 12
        var = sigma ** 2 * t
        assert abs(x.mean() - (mu - sigma ** 2 / 2) * t) < Z * math.sqrt(var / n)
        assert abs(x.var(ddof=1) - var) < Z * var * math.sqrt(2 / (n - 1))


@pytest.mark.slow
def test_forty_year_horizon_rsln2_long_run_mean():
    """The longest horizon: the 40-year mean log return is 480 x the stationary monthly mean."""
    cfg = config("simulation.horizon_years=40")
    n = 20000
    p, _, out = draw(cfg, n, seed=19)
    mu1, s1, mu2, s2, p12, p21, pi2 = p.equity.rsln2
    total = out.equity_log_return.sum(axis=1)
    mean = 480 * ((1 - pi2) * mu1 + pi2 * mu2)
    assert abs(total.mean() - mean) < Z * total.std(ddof=1) / math.sqrt(n)


def test_antithetic_pairs_negate_the_gaussian_shocks_and_share_the_rest():
    """Path 2i + 1 is path 2i with every Gaussian innovation negated (equity steps, short rate,
    inflation, the yearly factors), the same regime uniforms, chi-square draws and jumps; the
    first ceil(n / 2) paths are the plain draw's; an odd block ends on an unpaired path."""
    cfg = config("esg.equity.model=\"garch\"")
    p = esg_params(cfg)
    plain = draw_innovations(p, np.random.SeedSequence(8), 4)
    anti = draw_innovations(p, np.random.SeedSequence(8), 7, antithetic=True)
    for name in ("equity", "short_rate", "inflation", "annual"):
        a, b = getattr(anti, name), getattr(plain, name)
        np.testing.assert_array_equal(a[0::2], b[:4])
        np.testing.assert_array_equal(a[1::2], -b[:3])
    for name in ("equity_w", "equity_regime_u", "inflation_regime_u", "jumps"):
        a, b = getattr(anti, name), getattr(plain, name)
        np.testing.assert_array_equal(a[0::2], b[:4])
        np.testing.assert_array_equal(a[1::2], b[:3])
