"""Parameter uncertainty: each block draws the model's estimates from the law their standard
errors and correlations state (checked against scipy's distributions, not our own code), the
run stays bit-identical for any threads and block order, and its standard errors come from the
spread between blocks (checked against the block proportions computed by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from sim.config import ConfigError, load_config
from sim.engine import Engine, run
from sim.esg.uncertainty import ParameterLaw, transform_of

from ..conftest import DEFAULT_CONFIG
from ..test_engine import digest

ON = "simulation.parameter_uncertainty=true"
DRAWS = 4000
#: a KS test's p-value below this fails; the draws are seeded, so the test is deterministic,
#: and a correct sampler fails it with probability 1e-4 per parameter
P_MIN = 1e-4

#: each scale's map to the real line, written here from scipy and numpy, not from the module
FORWARD = {"identity": lambda x: x, "log": np.log, "logit": special.logit,
           "atanh": np.arctanh, "log_nu": lambda x: np.log(x - 2.0)}
SLOPE = {"identity": lambda x: 1.0, "log": lambda x: 1.0 / x,
         "logit": lambda x: 1.0 / (x * (1.0 - x)), "atanh": lambda x: 1.0 / (1.0 - x * x),
         "log_nu": lambda x: 1.0 / (x - 2.0)}


@pytest.fixture(scope="module")
def law(cfg):
    return ParameterLaw(cfg.esg)


@pytest.fixture(scope="module")
def draws(law):
    rng = np.random.default_rng(20230101)
    return np.array([list(law.draw_values(rng).values()) for _ in range(DRAWS)])


def test_every_estimate_of_the_run_is_drawn_and_nothing_else(cfg, law):
    """The selected equity model's, the inflation model's, the short rate's, the funds'
    spread, the wages and consumption factors' and the operations factor's estimates: the parameters with a
    standard error that the run uses."""
    assert cfg.esg.equity.model == "rsln2"
    assert set(law.keys) == {
        *(f"equity.rsln2.{k}" for k in ("mu_1", "sigma_1", "mu_2", "sigma_2", "p12", "p21")),
        "inflation.phi", "inflation.sigma", "inflation.reversion",
        *(f"inflation.high_regime.{k}" for k in ("shift", "sigma", "p_enter", "p_exit")),
        *(f"inflation.episodes.{k}" for k in ("shift", "p_enter", "p_exit")),
        *(f"short_rate.{k}" for k in ("theta", "kappa", "sigma")), "fixed_income.spread",
        *(f"annual.{f}.{k}" for f in ("wages", "consumption")
          for k in ("phi", "sigma", "inflation_beta", "inflation_beta_lag")),
        "annual.operations.sigma", "annual.operations.jump_mean"}


def test_each_margin_is_normal_on_its_scale_with_the_delta_method_spread(cfg, law, draws):
    """On its scale each draw is N(g(estimate), g'(estimate) x se): a KS test against scipy's
    normal, per parameter."""
    for j, p in enumerate(law.params):
        kind = transform_of(p.key)
        u = FORWARD[kind](draws[:, j])
        sd = abs(SLOPE[kind](p.value)) * p.se
        res = stats.kstest(u, stats.norm(loc=FORWARD[kind](p.value), scale=sd).cdf)
        assert res.pvalue > P_MIN, (p.key, res)


def test_the_estimates_correlations_hold_between_the_draws(cfg, law, draws):
    """On the drawn scales the draws' correlation is the file's [estimates] matrix (the delta
    method's Jacobian is diagonal), within four standard errors of a sample correlation,
    (1 - rho^2) / sqrt(n)."""
    idx = {k: i for i, k in enumerate(law.keys)}
    u = np.column_stack([FORWARD[transform_of(k)](draws[:, i]) for i, k in enumerate(law.keys)])
    checked = 0
    groups = ("equity_rsln2", "inflation", "inflation_episodes", "short_rate", "wages",
              "consumption")
    for group in groups:
        est = cfg.esg.estimates[group]
        for a, ka in enumerate(est.keys):
            for b, kb in enumerate(est.keys[:a]):
                rho = est.matrix[a][b]
                got = np.corrcoef(u[:, idx[ka]], u[:, idx[kb]])[0, 1]
                # (an exact correlation, +-1, leaves only rounding: a floor of 1e-9)
                assert abs(got - rho) < 4 * (1 - rho * rho) / math.sqrt(DRAWS) + 1e-9, (ka, kb)
                checked += 1
    # 15 pairs of RSLN2's six, 21 of the inflation model's seven, 3 each of the episode
    # regime's three and the short rate's three, 6 each of the two yearly factors' four
    assert checked == 15 + 21 + 3 + 3 + 6 + 6
    # the operations factor's two estimates come from one number: they move together exactly
    s, m = (u[:, idx[f"annual.operations.{k}"]] for k in ("sigma", "jump_mean"))
    assert np.corrcoef(s, m)[0, 1] > 1 - 1e-9


def test_a_draw_outside_garchs_constraint_is_drawn_again(cfg):
    """GARCH with its alpha and beta's standard errors inflated ten times: a good share of the
    normal law lies beyond alpha + beta < 1, and no draw is returned from there."""
    g = cfg.esg.equity.garch
    wide = cfg.esg.model_copy(update={
        "equity": cfg.esg.equity.model_copy(update={"model": "garch", "garch": g.model_copy(
            update={k: getattr(g, k).model_copy(update={"se": 10 * getattr(g, k).se})
                    for k in ("alpha", "beta")})})})
    law = ParameterLaw(wide)
    rng = np.random.default_rng(3)
    got = [law.draw_values(rng) for _ in range(500)]
    s = np.array([d["equity.garch.alpha"] + d["equity.garch.beta"] for d in got])
    assert (s < 1).all()
    # and the constraint bites: unconstrained, a share of the draws would have crossed it
    rng = np.random.default_rng(3)
    raw = law.centre + (law.factor @ rng.standard_normal((len(law.params), 2000))).T
    i, j = law.keys.index("equity.garch.alpha"), law.keys.index("equity.garch.beta")
    assert (special.expit(raw[:, i]) + special.expit(raw[:, j]) >= 1).mean() > 0.05


@pytest.mark.slow
def test_the_run_is_bit_identical_for_threads_and_block_order_and_blocks_differ(cfg):
    small = load_config(DEFAULT_CONFIG, [ON, "simulation.block_size=300"])
    one = run(small, 1500, 9, threads=1, store="annual")
    two = run(small, 1500, 9, threads=2, store="annual", block_order=[4, 3, 2, 1, 0])
    assert digest(one) == digest(two)
    assert digest(one) != digest(run(load_config(DEFAULT_CONFIG, ["simulation.block_size=300"]),
                                     1500, 9, store="annual"))
    e = Engine(small, 9)
    a, b = e.block_params(0), e.block_params(1)
    assert a.inflation.phi != b.inflation.phi and a.equity.rsln2.mu_1 != b.equity.rsln2.mu_1
    assert e.block_params(0).inflation.phi == a.inflation.phi       # a block's own stream


def test_standard_errors_come_from_the_spread_between_blocks():
    """Equal blocks: the reported se is the blocks' proportions' standard deviation over the
    square root of their number, computed here from every path's result; and the parameters'
    uncertainty makes it larger than the binomial error of independent paths."""
    cfg = load_config(DEFAULT_CONFIG, [ON, "simulation.block_size=250"])
    ds = run(cfg, 10000, 11, store="annual")
    deficit = ds["balance_requirement_result"].values < 0
    per_block = deficit.reshape(40, 250, -1).mean(axis=1)
    want = per_block.std(axis=0, ddof=1) / math.sqrt(40)
    np.testing.assert_allclose(ds["p_deficit_se"].values, want, rtol=1e-9)
    p = ds["p_deficit"].values
    binomial = np.sqrt(p * (1 - p) / 10000)
    # the later years carry the inflation and equity estimates' uncertainty longest. Were the
    # blocks alike, the ratio would be 1, and 40 blocks estimate it to a relative error of
    # about e = 1 / sqrt(2 x 39) = 0,11: the ratio must lie four of those errors above 1
    e = 1 / math.sqrt(2 * 39)
    assert (ds["p_deficit_se"].values[2:] > (1 + 4 * e) * binomial[2:]).all()
    assert ds.attrs["parameter_uncertainty"] == 1
    assert (ds["p_deficit_lo"].values <= p).all() and (p <= ds["p_deficit_hi"].values).all()


def test_an_estimates_key_that_is_not_estimated_is_refused(tmp_path):
    text = (DEFAULT_CONFIG.parent.parent / "models" / "esg-default.toml").read_text()
    bad = text.replace('keys = ["equity.gbm.mu", "equity.gbm.sigma"]',
                       'keys = ["equity.gbm.mu", "fixed_income.duration"]')
    assert bad != text
    path = tmp_path / "m.toml"
    path.write_text(bad)
    with pytest.raises(ConfigError, match="fixed_income.duration.*not an estimated parameter"):
        load_config(DEFAULT_CONFIG, [f"esg_model={path.as_posix()}"])
