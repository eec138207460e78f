"""The short rate, the funds' spread, wages and the correlations of ``sim calibrate esg``,
each against an independent implementation (statsmodels, scipy, numpy) or a hand computation,
and against data simulated from known parameters."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

from sim.calibrate import fit as F
from sim.calibrate.annual import fit_arx, kpif_surprises, pair, yearly_sums
from sim.calibrate.esg import _shrinkage, fit_esg
from sim.calibrate.history import Series, policy_rate
from sim.calibrate.rates import SHORT_RATE_FIRST, newey_west_se, par_bond_duration

from .conftest import ROOT

DATA = ROOT / "data" / "history"


def test_vasicek_is_the_exact_ar1_statsmodels_fits():
    """The Vasicek likelihood of the exact monthly step is the Gaussian AR(1)'s: its maximum is
    statsmodels' OLS of r_t on (1, r_{t-1}), mapped by a = e^{-kappa/12}, b = theta (1 - a),
    sigma_e^2 = sigma^2 (1 - a^2) / (2 kappa) with the ML variance RSS / n. Agreement within a
    hundredth of each standard error (the optimiser's tolerance, not the estimator's)."""
    sm = pytest.importorskip("statsmodels.api")
    r = policy_rate(DATA).between(SHORT_RATE_FIRST, "2022-04").values
    e = F.fit(F.VASICEK, r)
    ols = sm.OLS(r[1:], sm.add_constant(r[:-1])).fit()
    b, a = ols.params
    kappa = -12.0 * math.log(a)
    s2 = float(ols.ssr) / (r.size - 1)
    theirs = np.array([b / (1 - a), kappa, math.sqrt(s2 * 2 * kappa / (1 - a * a))])
    assert np.all(np.abs(theirs - e.values) < 0.01 * e.se), (theirs, e.values, e.se)


def test_vasicek_recovers_its_parameters():
    true = np.array([2.0, 0.5, 0.8])
    rng = np.random.default_rng(3)
    decay = math.exp(-true[1] / 12)
    sd = true[2] * math.sqrt((1 - decay ** 2) / (2 * true[1]))
    r = np.empty(3000)
    r[0] = 2.0
    for t in range(1, r.size):
        r[t] = true[0] + (r[t - 1] - true[0]) * decay + sd * rng.standard_normal()
    e = F.fit(F.VASICEK, r)
    assert np.all(np.abs(e.values - true) < 4 * e.se), (e.values, true, e.se)


def test_the_spreads_standard_error_is_statsmodels_newey_west():
    sm = pytest.importorskip("statsmodels.api")
    x = np.random.default_rng(1).standard_normal(300).cumsum() * 0.1
    res = sm.OLS(x, np.ones(x.size)).fit(cov_type="HAC", cov_kwds={"maxlags": 12,
                                                                   "use_correction": False})
    assert newey_west_se(x, 12) == pytest.approx(float(res.bse[0]), rel=1e-12)


def test_a_par_bonds_duration_is_its_prices_slope():
    """-dP/dy / P of a 10-year annual-coupon bond priced at par, by central differences."""
    for y in (0.5, 3.0, 8.0):
        c = y / 100.0

        def price(rate):
            t = np.arange(1, 11)
            return float(np.sum(c / (1 + rate) ** t) + 1 / (1 + rate) ** 10)

        h = 1e-6
        slope = -(price(c + h) - price(c - h)) / (2 * h) / price(c)
        assert float(par_bond_duration(np.array([y]))[0]) == pytest.approx(slope, rel=1e-6)


def test_the_wage_fit_is_statsmodels_ols_without_a_constant():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(8)
    d, s = rng.standard_normal(30), rng.standard_normal(30)
    fit = fit_arx(d, s, list(range(2000, 2030)))
    res = sm.OLS(d[1:], np.column_stack([d[:-1], s[1:], s[:-1]])).fit()
    assert fit.values[:3] == pytest.approx(res.params, rel=1e-10)
    assert fit.se[:3] == pytest.approx(res.bse, rel=1e-10)
    assert fit.values[3] == pytest.approx(math.sqrt(res.scale), rel=1e-10)


def test_the_wage_fit_recovers_its_parameters():
    """A long simulated history of the generator's own yearly recursion."""
    true = {"phi": 0.5, "inflation_beta": 0.2, "inflation_beta_lag": 0.5, "sigma": 0.7}
    rng = np.random.default_rng(4)
    n = 4000
    s = rng.standard_normal(n)
    d = np.zeros(n)
    for y in range(1, n):
        d[y] = (true["phi"] * d[y - 1] + true["inflation_beta"] * s[y]
                + true["inflation_beta_lag"] * s[y - 1] + true["sigma"] * rng.standard_normal())
    fit = fit_arx(d, s, list(range(n)))
    for k, v in true.items():
        assert abs(fit[k] - v) < 4 * fit.se[fit.names.index(k)], (k, fit[k], v)


def test_kpif_surprises_by_hand():
    """A year that follows the AR(1)'s expected path from December exactly is no surprise; one
    point more in every month of the year is a surprise of one point."""
    mu, phi = 2.0, 0.9
    months = ["2020-12"] + [f"2021-{k:02d}" for k in range(1, 13)]
    path = [mu + 1.0] + [mu + 1.0 * phi ** k for k in range(1, 13)]
    flat = kpif_surprises(Series(tuple(months), np.array(path), "x"), mu, phi)
    assert flat == {2021: pytest.approx(0.0, abs=1e-12)}
    up = kpif_surprises(Series(tuple(months), np.array(path) + np.r_[0.0, np.ones(12)], "x"),
                        mu, phi)
    assert up[2021] == pytest.approx(1.0, abs=1e-12)


def test_a_pair_is_scipys_pearson_with_fishers_standard_error():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(50)
    y = 0.5 * x + rng.standard_normal(50)
    p = pair("a", "b", dict(enumerate(x)), dict(enumerate(y)))
    r = scipy.stats.pearsonr(x, y).statistic
    assert p.r == pytest.approx(r, rel=1e-12)
    assert p.se == pytest.approx((1 - r * r) / math.sqrt(47), rel=1e-12)
    assert pair("a", "b", {1: 0.0}, {1: 1.0}) is None        # too few common points


def test_yearly_sums_by_hand():
    """Whole years only, each the sum of the standardised months over sqrt(12)."""
    monthly = {f"2001-{k:02d}": 1.0 for k in range(1, 13)}
    monthly.update({f"2002-{k:02d}": -1.0 for k in range(1, 13)})
    monthly["2003-01"] = 1.0
    got = yearly_sums(monthly)
    scale = np.std(list(monthly.values()))
    assert set(got) == {2001, 2002}
    assert got[2001] == pytest.approx(12 / scale / math.sqrt(12))
    assert got[2002] == pytest.approx(-12 / scale / math.sqrt(12))


def test_the_shrinkage_is_the_least_that_makes_a_correlation_matrix():
    c = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    s = _shrinkage(c)
    fixed = (1 - s) * c + s * np.eye(3)
    assert np.linalg.eigvalsh(fixed).min() == pytest.approx(1e-6, abs=1e-12)
    assert _shrinkage(np.eye(3)) == 0.0
    less = (1 - 0.99 * s) * c + 0.99 * s * np.eye(3)
    assert np.linalg.eigvalsh(less).min() < 0


def test_the_shipped_correlation_holds_its_estimated_pairs():
    """Every pair the model file says is estimated carries a standard error, every other a
    zero one, and the matrix is a correlation matrix."""
    import tomllib

    corr = tomllib.loads((ROOT / "configs/models/esg-default.toml").read_text())["correlation"]
    f = corr["factors"]
    c, se = np.array(corr["matrix"]), np.array(corr["se"])
    est = {tuple(sorted(p)) for p in corr["estimated_pairs"]}
    assert len(est) >= 6
    for i, a in enumerate(f):
        for j, b in enumerate(f):
            if i != j:
                assert (se[i, j] > 0) == (tuple(sorted((a, b))) in est), (a, b)
    assert np.linalg.eigvalsh(c).min() > 0


@pytest.mark.parametrize("until", ["2022-04", "2025-03"])
def test_nothing_after_the_information_date_is_fitted(until):
    """Every series a fit uses ends at or before ``until``: the market series by their last
    month, wages by the year before."""
    import tomllib

    template = tomllib.loads((ROOT / "configs/models/esg-handset.toml").read_text())
    f = fit_esg(Path(DATA), until, template)
    for months in (f.equity.months, f.kpif.months, f.rates.months, f.spread.months):
        assert months[-1] < until          # a month is published after it ends
    assert f.wages.years[-1] < int(until[:4]) and f.consumption.years[-1] < int(until[:4])
    for p in f.correlation.pairs:
        assert str(p.period.split("..")[1]) < until
