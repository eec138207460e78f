"""The integrated Monte Carlo run: the pieces agree, probabilities converge, results do not
depend on threads or block order, and bad input is refused."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from .reference.budget_numpy import FactorPaths, run_budget
from sim.cli import cli
from sim.config import load_config
from sim.engine import Engine, operating_results, paths_together, run, run_together
from sim.esg.model import Shifts
from sim.summary import MNKR_RANGE
from sim.esg.model import simulate_block
from sim.portfolio import run_funds
from sim.results import open_results

from .conftest import DEFAULT_CONFIG, PLAIN


def test_the_run_equals_the_budget_fed_the_factor_paths_by_hand(cfg_plain, plan_plain):
    """Same injected shocks: the engine's budget equals the budget model fed factor paths
    written out here from the generator's output and the plan config's drivers (without an
    information date: every path starts in 2023; tests/test_information.py covers one)."""
    cfg, plan = cfg_plain, plan_plain
    e = Engine(cfg, seed=5)
    inn = e.innovations(3, 40)
    got = e.run_block(inn)
    esg = simulate_block(e.esg, inn)
    funds = run_funds(e.funds, esg.equity_step, esg.fixed_income_return, e.steps)
    dev = dict(zip(cfg.esg.annual, np.moveaxis(esg.annual_deviation, 2, 0)))
    pbb = esg.pbb_deviation                                # June's KPIF: the price base amount
    by_hand = FactorPaths.at_forecast(plan, 40)
    g = by_hand.component_growth
    g[:, 0] += dev["wages"]                                   # own staff wages
    g[:, 1] += dev["social_fees"]
    g[:, 2, 1:] += 2.9 * pbb[:, :-1]                          # pensions: a year later
    g[:, 3] += dev["wages"] + dev["hired_staff"]
    g[:, 4] += dev["drugs"]
    g[:, 5] += dev["wages"]                                   # purchased care
    g[:, 6] += dev["consumption"]
    by_hand.tax_base_growth[:] += dev["tax_base"]
    by_hand.operations[:] = dev["operations"]                 # the budget's own overrun
    by_hand.liability_inflation[:, 1:] += pbb[:, :-1]
    by_hand.fund_return[:] = funds.year_return
    unreal = funds.unrealized_change.copy()
    unreal[:, 1:] = 0.0                                        # liquidity funds: as the plan
    by_hand.fund_unrealized[:] = unreal
    want = run_budget(plan, by_hand)
    for key in ("operating_costs", "tax_revenue", "financial_income", "financial_costs",
                "net_result", "balance_requirement_result", "rur_balance", "deficit_outstanding"):
        np.testing.assert_allclose(getattr(got.budget, key), want[key], rtol=1e-12, atol=1e-9,
                                   err_msg=key)


def test_contributions_add_up_to_the_deviation_from_plan(cfg):
    e = Engine(cfg, seed=5)
    out = e.run_block(e.innovations(0, 200))
    total = out.budget.contributions.sum(axis=1)
    np.testing.assert_allclose(total, out.budget.balance_requirement_result
                               - e.plan_lines.budget.balance_requirement_result, atol=1e-9)


def test_zero_shocks_keep_the_plans_budget_except_the_funds(cfg_plain):
    """Every factor at forecast: the cost, tax and liability contributions are all zero."""
    e = Engine(cfg_plain, seed=5)
    out = e.run_block(e.innovations(0, 3, deterministic=True))
    budget_drivers = [i for i, d in enumerate(e.drivers) if not d.startswith("fund_")]
    assert np.abs(out.budget.contributions[:, budget_drivers]).max() < 1e-9


@pytest.mark.slow
def test_probabilities_converge_like_one_over_root_n(cfg):
    """20 independent runs at N and at 4N: the spread of P(deficit 2023) halves. The bounds
    are the 95 % interval of the ratio of two sample standard deviations (F with 19, 19 df)."""
    def spread(n):
        est = [run(cfg, n, seed=1000 + s).p_deficit.values[0] for s in range(20)]
        return np.std(est, ddof=1)
    ratio = spread(500) / spread(2000)
    f_lo, f_hi = stats.f.ppf([0.025, 0.975], 19, 19)
    assert 2 * math.sqrt(f_lo) < ratio < 2 * math.sqrt(f_hi), ratio


def digest(ds) -> str:
    h = hashlib.sha256()
    for name in sorted(ds.data_vars):
        h.update(name.encode())
        h.update(np.ascontiguousarray(ds[name].values).tobytes())
    return h.hexdigest()


def test_bit_identical_for_threads_and_block_order(cfg):
    small = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"block_size": 300})})
    one = run(small, 1500, 9, threads=1, store="annual")
    two = run(small, 1500, 9, threads=2, store="annual")
    rev = run(small, 1500, 9, threads=2, store="annual", block_order=[4, 3, 2, 1, 0])
    assert digest(one) == digest(two) == digest(rev)
    assert digest(one) != digest(run(small, 1500, 10, threads=1, store="annual"))


def test_the_operating_result_without_the_funds_is_the_runs(cfg):
    """operating_results skips the funds (no centring, no fund kernel), and gives the run's
    operating result path for path: the funds enter the budget only below it. A partial last
    block and two threads included; the plan has pre-plan years (its information date)."""
    full = run(cfg, 2300, 9, threads=2, store="annual")
    got = operating_results(cfg, 2300, 9, threads=2)
    assert got.shape == full["operating_result"].shape
    np.testing.assert_array_equal(got, full["operating_result"].values)
    # ... while what the funds reach is not the run's: the result below the financial items
    e = Engine(cfg, 9, with_funds=False)
    assert e.centre is None and e.block(0, 500).funds is None
    assert not np.array_equal(e.block(0, 500).budget.net_result,
                              Engine(cfg, 9).block(0, 500).budget.net_result)
    with pytest.raises(ValueError, match="with_funds"):
        run(cfg, 100, 9, engine=e)


def _digest_all(ds):
    return {k: ds[k].values.tobytes() for k in ds.data_vars}


def test_runs_together_are_each_runs_alone(cfg, monkeypatch):
    """run_together gives each job's Dataset as run gives it alone, to the bit, while the
    stages the jobs share are computed once: four jobs (the plan, another pension rule, the
    budget's factors shifted, equity shifted) on two threads with the fans and the per-path
    store; the fund kernel runs the funds on the plan's returns, the other rule's changed
    fund, and the funds again only on the shifted equity's returns."""
    import dataclasses

    import sim.portfolio as portfolio

    small = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"block_size": 400})})
    e1 = Engine(small, 5)
    e2 = Engine(small, 5)
    pension = e2.funds[0]
    e2.funds[0] = dataclasses.replace(pension, rule=pension.rule._replace(
        floor_share=pension.rule.floor_share - 0.05))
    z = Shifts.zeros(e1.esg)
    drugs = dataclasses.replace(z, annual=z.annual + 1.0)    # every budget factor a point up
    crash = dataclasses.replace(z, equity=z.equity - 0.02)    # equity 2 % down a month
    jobs = [(e1, None), (e2, None), (e1, drugs), (e1, crash)]
    alone = [run(small, 1000, 5, threads=1, store="annual", engine=e, shifts=sh, fans=True)
             for e, sh in jobs]
    calls = []
    real = portfolio.run_fund
    monkeypatch.setattr(portfolio, "run_fund", lambda f, *a, **k: calls.append(f.key)
                        or real(f, *a, **k))
    together = run_together(jobs, 1000, threads=2, store="annual", fans=True)
    for a, t in zip(alone, together):
        assert _digest_all(a) == _digest_all(t)
    n_blocks = e1.n_blocks(1000)
    assert len(calls) == n_blocks * (2 * len(e1.funds) + 1)
    assert _digest_all(together[0]) != _digest_all(together[2])     # the shift did move it
    got = paths_together(jobs, 1000, lambda out: out.budget.balance_requirement_result,
                         threads=2)
    for a, g in zip(alone, got):
        np.testing.assert_array_equal(g, a["balance_requirement_result"].values)


def test_summary_and_annual_agree(cfg):
    """The streamed summary equals statistics computed from the kept paths."""
    ds = run(cfg, 3000, 4, store="annual")
    bkr = ds["balance_requirement_result"].values
    np.testing.assert_array_equal(ds.p_deficit.values, (bkr < 0).mean(axis=0))
    np.testing.assert_allclose(ds.bkr_mean.values, bkr.mean(axis=0), rtol=1e-12)
    _assert_binned_statistics_are_the_paths(ds)


def _assert_binned_statistics_are_the_paths(ds):
    """The summary's quantiles and expected shortfall of the balanskravsresultat against its
    kept paths: a quantile interpolated within its histogram bin is off by less than one bin
    width; the shortfall, from bin centres, by at most half a bin width."""
    bkr = ds["balance_requirement_result"].values
    lo, hi, bins = MNKR_RANGE
    width = (hi - lo) / bins
    for q in (0.01, 0.05, 0.5):
        exact = np.quantile(bkr, q, axis=0, method="inverted_cdf")
        np.testing.assert_allclose(ds.bkr_quantile.sel(quantile=q).values, exact, atol=width)
    tail = np.sort(bkr, axis=0)[: int(0.05 * bkr.shape[0])].mean(axis=0)
    np.testing.assert_allclose(ds.bkr_es05.values, tail, atol=width / 2)


def test_a_rich_plan_runs_and_its_quantiles_are_its_own():
    """A plan whose results lie far above zero (tax revenue four times the seed's: about
    +40 000 mnkr a year) runs, and its quantiles and expected shortfall are those of its kept
    paths, as a plan near zero's are (the grid is centred on the plan; it was 0 +/- 30 000
    and every quantile fell outside it, the shortfall raised IndexError)."""
    rich = load_config(DEFAULT_CONFIG, ["plan.tax_revenue=[47327, 47552, 47767, 47995, 48230, "
                                        "48471]"])
    ds = run(rich, 2000, 4, store="annual")
    bkr = ds["balance_requirement_result"].values
    assert bkr.min() > 30_000 and float(ds.p_deficit.max()) == 0.0
    _assert_binned_statistics_are_the_paths(ds)
    np.testing.assert_array_equal(ds.improvement_menu.values, 0.0)


def test_the_breach_statistics_equal_the_kept_paths(cfg):
    """The protection level's summary (depth quantiles among the paths that breach, a spell's
    mean length, the mean split of a spell's depth) equals the same statistics computed from
    the kept per-path results; a depth quantile within one bin of its histogram."""
    from sim.portfolio import BREACH_PARTS
    from sim.summary import DEPTH_RANGE

    ds = run(cfg, 4000, 6, store="annual")
    plan = ds["horizon_year"].isin(ds["year"].values)
    f = ds["fund"].values[0]
    sel = dict(fund=f, horizon_year=plan)
    months = ds["fund_breach_months"].sel(**sel).values
    breached = (months > 0).any(axis=1)
    assert 50 < breached.sum() < 4000
    np.testing.assert_allclose(ds["p_fund_breach_ever"].sel(fund=f).item(), breached.mean())
    depth = -ds["fund_breach_depth"].sel(**sel).values.min(axis=1)[breached]
    lo, hi, bins = DEPTH_RANGE
    for q in (0.5, 0.95):
        exact = np.quantile(depth, q, method="inverted_cdf")
        got = ds["fund_breach_depth_quantile"].sel(fund=f, depth_quantile=q).item()
        assert abs(got - exact) <= (hi - lo) / bins, (q, got, exact)
    spells = ds["fund_breach_spells"].sel(**sel).values.sum()
    np.testing.assert_allclose(ds["fund_breach_spell_months"].sel(fund=f).item(),
                               months.sum() / spells, rtol=1e-12)
    for part in BREACH_PARTS:
        total = ds[f"fund_breach_{part}"].sel(**sel).values.sum()
        np.testing.assert_allclose(ds["fund_breach_cause"].sel(fund=f, breach_part=part).item(),
                                   total / spells, rtol=1e-9, atol=1e-15)


def test_the_market_split_of_p_deficit(cfg):
    """The driver split is exact (balanskravsresultat = plan + the drivers' contributions, to
    rounding), so P(deficit) with the funds' realized returns at plan is the share of paths
    whose balanskravsresultat less the funds' contributions is negative; and with only the
    funds moving, the plan plus their contributions. Both from the kept paths, exactly."""
    ds = run(cfg, 3000, 4, store="annual")
    bkr = ds["balance_requirement_result"].values
    c = ds["contributions"].values
    plan = bkr - c.sum(axis=1)
    assert np.ptp(plan, axis=0).max() < 1e-9          # one plan value a year: the split is exact
    funds = [i for i, d in enumerate(ds["driver"].values) if str(d).startswith("fund_")]
    assert len(funds) == ds.sizes["fund"]
    market = c[:, funds, :].sum(axis=1)
    np.testing.assert_array_equal(ds.p_deficit_budget_only.values,
                                  (bkr - market < 0).mean(axis=0))
    np.testing.assert_array_equal(ds.p_deficit_market_only.values,
                                  (plan + market < 0).mean(axis=0))
    assert (ds.p_deficit_budget_only.values != ds.p_deficit.values).any()


@pytest.mark.slow
def test_the_levers_reach_the_target(cfg):
    """Raising each year's result by the reported improvement (operating income up by that
    much, every path alike) and rerunning on the same random numbers gives
    P(balanskravsresultat < 0) at the target, within one Monte Carlo standard error."""
    from sim.config import load_config

    n, seed = 4000, 11
    ds = run(cfg, n, seed)
    lever = ds["improvement_to_target"].values
    target = float(ds["target_p_deficit"])
    assert target == cfg.decision.target_p_deficit.value
    assert (lever > 0).all()                    # the default plan is above its target everywhere
    income = [float(a + b) for a, b in zip(cfg.plan.operating_income, lever)]
    raised = load_config(DEFAULT_CONFIG, [f"plan.operating_income={income!r}"])
    again = run(raised, n, seed)
    se = math.sqrt(target * (1 - target) / n)
    assert np.all(np.abs(again["p_deficit"].values - target) <= se), again["p_deficit"].values
    # and a bad year's size is the median of the deficits
    ann = run(cfg, n, seed, store="annual")
    bkr = ann["balance_requirement_result"].values
    for j in range(bkr.shape[1]):
        neg = bkr[:, j][bkr[:, j] < 0]
        # the histogram's quantile is off by less than one bin (1 mnkr) and numpy's median of
        # an even count averages two order statistics: together less than two bins
        width = 1.0
        assert abs(ann["bkr_deficit_median"].values[j] - np.median(neg)) <= 2 * width


@pytest.mark.slow
@pytest.mark.parametrize("level", [0.05, 0.20, 0.50])
def test_the_menus_amounts_reach_their_risk(cfg, level):
    """The menu (improvement for each risk level) read back: raising each year's result by
    its amount at a level and rerunning on the same random numbers gives P(deficit) at that
    level, within one Monte Carlo standard error; where the risk is already below the level
    the amount is 0."""
    from sim.config import load_config

    n, seed = 4000, 13
    ds = run(cfg, n, seed)
    amount = ds["improvement_menu"].sel(risk_level=level).values
    p = ds["p_deficit"].values
    np.testing.assert_array_equal(amount == 0, p <= level)
    income = [float(a + b) for a, b in zip(cfg.plan.operating_income, amount)]
    again = run(load_config(DEFAULT_CONFIG, [f"plan.operating_income={income!r}"]), n, seed)
    se = math.sqrt(level * (1 - level) / n)
    got = again["p_deficit"].values
    assert np.all(np.abs(np.where(p > level, got - level, 0.0)) <= se), got


def test_at_least_once_over_the_budget_years(cfg):
    ann = run(cfg, 3000, 4, store="annual")
    nb = cfg.decision.budget_years
    bkr = ann["balance_requirement_result"].values[:, :nb]
    goal = ann["required_result_1pct"].values[:, :nb]
    assert ann.p_deficit_any.item() == (bkr < 0).any(axis=1).mean()
    assert ann.p_below_goal_any.item() == (bkr < goal).any(axis=1).mean()
    assert ann.p_deficit_any.item() >= ann.p_deficit.values[:nb].max()
    after = ann["balance_requirement_result_after_rur"].values
    np.testing.assert_array_equal(ann.p_deficit_after_rur.values, (after < 0).mean(axis=0))
    drawn = ann["rur_drawn"].values
    np.testing.assert_array_equal(ann.p_rur_drawn.values, (drawn > 0).mean(axis=0))


@pytest.mark.slow
def test_make_run_equivalent_writes_netcdf_and_csv(tmp_path):
    out = tmp_path / "res" / "run.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "2000", "--seed", "1",
                                   "--threads", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ds = open_results(out)
    assert ds.attrs["mode"] == "monte_carlo" and ds.attrs["paths"] == 2000
    csv = (tmp_path / "res" / "run_summary.csv").read_text().splitlines()
    assert csv[0] == "statistic,units,fund,driver,quantile,year,value"
    row = next(r for r in csv if r.startswith("p_deficit,1,,,,2023,"))
    assert float(row.split(",")[-1]) == pytest.approx(float(ds.p_deficit.values[0]), abs=0)
    res = CliRunner().invoke(cli, ["summary", str(out)])
    assert res.exit_code == 0 and "Balanskravsresultat < 0" in res.output


@pytest.mark.parametrize("args,words", [
    (["--paths", "0"], "--paths"),
    (["--store", "everything"], "--store"),
    (["--set", "simulation.block_size=0"], "simulation.block_size"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, words):
    out = tmp_path / "run.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--out", str(out)] + args)
    assert res.exit_code == 2 and words in res.output, res.output
    assert list(tmp_path.iterdir()) == []


def test_block_order_must_be_a_permutation(cfg):
    with pytest.raises(ValueError, match="permutation"):
        run(cfg, 2000, 1, block_order=[0, 0])


@pytest.mark.parametrize("threads", [1, 2])
def test_the_block_list_is_never_materialised(threads):
    """10^15 blocks: the first results come at once, in order, without a list of the blocks
    (a list of 10^15 indices cannot be allocated; before, this raised MemoryError)."""
    import itertools

    from sim.blocks import in_block_order

    first = list(itertools.islice(in_block_order(lambda b: b * b, 10 ** 15, threads), 4))
    assert first == [(0, 0), (1, 1), (2, 4), (3, 9)]


@pytest.mark.slow
def test_high_inflation_is_possible_and_reported(cfg_plain):
    """2022-2023 happened: with the inflation regimes (the default: the volatile regime and
    high-inflation episodes), KPIF of 6 % or more in a plan year has a probability above zero
    (four standard errors); without them it is lower by more than four standard errors of the
    difference."""
    cfg = cfg_plain
    on = run(cfg, 20000, 3, threads=2)
    p = float(on["p_kpif_high_ever"])
    assert p > 4 * float(on["p_kpif_high_ever_se"])
    off = run(load_config(DEFAULT_CONFIG, [PLAIN, "esg.inflation.high_regime.enabled=false",
                                           "esg.inflation.episodes.enabled=false"]),
              20000, 3, threads=2)
    q = float(off["p_kpif_high_ever"])
    se = np.hypot(float(on["p_kpif_high_ever_se"]), float(off["p_kpif_high_ever_se"]))
    assert p - q > 4 * se


def test_a_kpif_shock_worsens_that_years_result(cfg_plain):
    """KPIF 2 points above forecast through 2024 only: the same year's balanskravsresultat falls
    by exactly the same-year price effect, computed here by hand from the plan's components
    (consumption at beta 0,8, drugs at 0,1; wages and the tax base follow a year later), and
    2025's falls too (pensions and the liability's indexation follow the price base amount)."""
    from sim.esg.model import Shifts, zero_innovations
    from sim.stress.run import plan_offset

    cfg = cfg_plain
    e = Engine(cfg, seed=1)
    sh = Shifts.zeros(e.esg)
    sh.kpif[0, 12:24] = 2.0
    offset = plan_offset(e)
    base = e.run_block(zero_innovations(e.esg, 1), fund_offset=offset)
    hit = e.run_block(zero_innovations(e.esg, 1), shifts=sh, fund_offset=offset)
    change = hit.budget.balance_requirement_result[0] - base.budget.balance_requirement_result[0]
    assert change[0] == 0.0
    plan = e.plan
    beta = dict(zip(cfg.esg.annual, e.esg.annual.inflation_beta))
    by_hand = 0.0
    for k, drivers in enumerate(plan.component_drivers):
        if plan.component_lags[k] != 0:
            continue
        points = plan.component_elasticity[k] * sum(2.0 * beta.get(d, 0.0) for d in drivers)
        g = plan.component_growth[k, 1]
        by_hand -= plan.planned_components()[k, 1] * ((1 + (g + points) / 100) / (1 + g / 100) - 1)
    assert by_hand < 0.0
    np.testing.assert_allclose(change[1], by_hand, rtol=1e-9)
    assert change[2] < 0.0


@pytest.mark.parametrize("beta, beta_lag", [(0.0, 0.5), (0.3, 0.5), (0.0, 1.0)])
def test_the_tax_base_follows_a_kpif_surprise_as_its_assumptions_say(beta, beta_lag):
    """The tax base's response to inflation is an assumption (no outturns at hand): beta of a
    KPIF surprise in its year, beta_lag of the year before's. KPIF 2 points above forecast
    in 2024 only, every shock zero: the tax base's growth deviates by 2 beta in 2024, then
    phi times its own last deviation plus 2 beta_lag in 2025 and decays with phi after, by
    hand; the tax revenue rises with it and nothing moves before 2024."""
    from sim.esg.model import Shifts, zero_innovations
    from sim.stress.run import plan_offset

    cfg = load_config(DEFAULT_CONFIG, [PLAIN, f"esg.annual.tax_base.inflation_beta.value={beta}",
                                       f"esg.annual.tax_base.inflation_beta_lag.value={beta_lag}"])
    e = Engine(cfg, seed=1)
    k = list(cfg.esg.annual).index("tax_base")
    phi = cfg.esg.annual["tax_base"].phi.value
    sh = Shifts.zeros(e.esg)
    sh.kpif[0, 12:24] = 2.0
    offset = plan_offset(e)
    base = e.run_block(zero_innovations(e.esg, 1), fund_offset=offset)
    hit = e.run_block(zero_innovations(e.esg, 1), shifts=sh, fund_offset=offset)
    np.testing.assert_allclose((hit.esg.kpif_annual - base.esg.kpif_annual)[0],
                               [0, 2, 0, 0, 0, 0], atol=1e-9)
    by_hand = np.zeros(6)
    by_hand[1] = 2.0 * beta
    by_hand[2] = phi * by_hand[1] + 2.0 * beta_lag
    for y in range(3, 6):
        by_hand[y] = phi * by_hand[y - 1]
    change = (hit.esg.annual_growth - base.esg.annual_growth)[0, :, k]
    np.testing.assert_allclose(change, by_hand, atol=1e-9)
    tax = (hit.budget.tax_revenue - base.budget.tax_revenue)[0]
    assert tax[0] == 0.0
    assert (tax[1:] > 0.0).all() if beta > 0 else (tax[1] == 0.0 and (tax[2:] > 0.0).all())


@pytest.mark.slow
def test_what_the_tax_base_assumption_does_to_p_deficit():
    """The tax base's lagged response (docs/models/generator.md): on common random numbers, a
    tax base that never follows inflation (beta_lag 0) gives a higher P(deficit) in 2028 than
    the default (0,5), and one that follows it fully (1) a lower one, each by more than four
    standard errors of the paired difference (from the paths' discordant outcomes)."""
    n = 20000
    p = {}
    for lag in (0.0, 0.5, 1.0):
        cfg = load_config(DEFAULT_CONFIG, [f"esg.annual.tax_base.inflation_beta_lag.value={lag}"])
        d = run(cfg, n, 20230101, threads=2, store="annual")
        p[lag] = d.balance_requirement_result.sel(year=2028).values < 0.0
    for lo, hi in ((0.0, 0.5), (0.5, 1.0)):
        diff = p[lo].astype(float) - p[hi].astype(float)
        se = diff.std(ddof=1) / math.sqrt(n)
        assert diff.mean() > 4.0 * se, (lo, hi, diff.mean(), se)


@pytest.mark.slow
def test_a_measures_delivery_law_and_what_it_does(cfg):
    """With a beta law for the share of the planned measures delivered (mean 0.5, sd 0.25, a
    what-if, not the shipped assumption): the draws have the law's mean and sd within their
    standard errors; the draws come from their own stream, so every other number of a path is
    unchanged and 2023, which has no measures, is bit-identical; every later year's
    balanskravsresultat falls by exactly (1 - share) x that year's measures; and the run is
    the same for one thread or two."""
    what_if = load_config(DEFAULT_CONFIG, ["measures.delivered_mean=0.5",
                                           "measures.delivered_sd=0.25"])
    e = Engine(what_if, 9)
    share = np.concatenate([e.delivered(b, 1000) for b in range(20)])
    n = share.size
    a, b = what_if.measures.beta()
    mean, var = stats.beta.mean(a, b), stats.beta.var(a, b)
    assert math.isclose(mean, 0.5) and math.isclose(var, 0.25 ** 2)
    assert abs(share.mean() - 0.5) < 4 * math.sqrt(var / n)
    # var of the sample variance: (mu4 - var^2) / n, with the beta law's fourth moment
    mu4 = stats.beta.moment(4, a, b, loc=-mean)
    assert abs(share.var() - var) < 4 * math.sqrt((mu4 - var ** 2) / n)
    assert share.min() >= 0.0 and share.max() <= 1.0

    small = {"simulation": cfg.simulation.model_copy(update={"block_size": 500})}
    full = run(cfg.model_copy(update=small), 1500, 9, threads=1, store="annual")
    part = run(what_if.model_copy(update=small), 1500, 9, threads=1, store="annual")
    np.testing.assert_array_equal(
        part.balance_requirement_result.sel(year=2023).values,
        full.balance_requirement_result.sel(year=2023).values)
    measures = Engine(cfg, 9).plan_lines.planned_cost_measures[0]
    share = np.concatenate([Engine(what_if, 9).delivered(b, 500) for b in range(3)])
    lost = (1.0 - share[:, None]) * np.clip(measures, 0.0, None)[None]
    np.testing.assert_allclose(part.balance_requirement_result.values,
                               full.balance_requirement_result.values - lost, atol=1e-6)
    k = list(part["driver"].values).index("measures")
    np.testing.assert_allclose(part.contributions.values[:, k], -lost, atol=1e-9)
    assert (part.p_deficit.values[1:] > full.p_deficit.values[1:]).all()
    two = run(what_if.model_copy(update=small), 1500, 9, threads=2, store="annual")
    assert digest(two) == digest(part)


@pytest.mark.slow
def test_antithetic_pairs_are_unbiased_with_honest_errors_and_reproducible(cfg):
    """simulation.antithetic: P(deficit) agrees with the plain run within their standard
    errors (|z| < 4 in each of six years: a false alarm about once in 2 600 runs); the reported
    standard error (from the spread between pairs) matches the spread of independent
    replications, within the chi-square bounds of R - 1 degrees of freedom (years fully
    correlated, the conservative case); and the run is bit-identical for one thread or two."""
    from scipy import stats

    small = {"simulation": cfg.simulation.model_copy(update={"block_size": 500})}
    plain_cfg = cfg.model_copy(update=small)
    anti_cfg = cfg.model_copy(update={"simulation": small["simulation"].model_copy(
        update={"antithetic": True})})
    a, p = run(anti_cfg, 20000, 3), run(plain_cfg, 20000, 3)
    assert a.attrs["antithetic"] == 1 and a.attrs["se_method"] == "spread between antithetic pairs"
    z = np.abs(a.p_deficit.values - p.p_deficit.values) / np.hypot(a.p_deficit_se.values,
                                                                   p.p_deficit_se.values)
    assert z.max() < 4, z
    reps = 16
    runs = [run(anti_cfg, 4000, 100 + r) for r in range(reps)]
    spread = np.std([r.p_deficit.values for r in runs], axis=0, ddof=1)
    reported = np.mean([r.p_deficit_se.values for r in runs], axis=0)
    ratio = float(np.sqrt(np.mean(spread ** 2) / np.mean(reported ** 2)))
    lo, hi = (math.sqrt(stats.chi2.ppf(q, reps - 1) / (reps - 1)) for q in (0.001, 0.999))
    assert lo < ratio < hi, (ratio, lo, hi)
    two = run(anti_cfg, 3000, 5, threads=2, store="annual")
    assert digest(two) == digest(run(anti_cfg, 3000, 5, threads=1, store="annual"))


@pytest.mark.slow
def test_target_se_with_antithetic_pairs_sizes_from_the_pairs_variance(cfg):
    """With pairs the variance per path is the pilot's between-block one: below the binomial
    p (1 - p) the plain sizing uses, so fewer paths reach the same standard error (at 0,2
    points: the about 10 % fewer paths pairs need are more than the rounding to whole
    blocks)."""
    from sim.workflows import paths_for_target_se

    anti = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(
        update={"antithetic": True})})
    n_plain, var_plain = paths_for_target_se(cfg, 0.002, 4, threads=1)
    n_anti, var_anti = paths_for_target_se(anti, 0.002, 4, threads=1)
    assert var_anti < var_plain and n_anti < n_plain


@pytest.mark.slow
def test_an_income_law_moves_only_income_and_is_reproducible(cfg):
    """[income] change_sd = 0.05 (a what-if): the draws are normal with that sd within their
    standard error, from their own stream (every other line of a path unchanged), and each
    year's balanskravsresultat moves by exactly the draw times the plan's operating income."""
    what_if = load_config(DEFAULT_CONFIG, ["income.change_sd=0.05"])
    e = Engine(what_if, 9)
    x = np.concatenate([e.income_change(b, 1000) for b in range(20)])
    assert abs(x.mean()) < 4 * 0.05 / math.sqrt(x.size)
    assert abs(x.std() / 0.05 - 1.0) < 4 / math.sqrt(2 * x.size)
    small = {"simulation": cfg.simulation.model_copy(update={"block_size": 500})}
    full = run(cfg.model_copy(update=small), 1000, 9, store="annual")
    moved = run(what_if.model_copy(update=small), 1000, 9, store="annual")
    x = np.concatenate([e.income_change(b, 500) for b in range(2)])
    np.testing.assert_allclose(moved.balance_requirement_result.values,
                               full.balance_requirement_result.values
                               + x[:, None] * e.plan.operating_income[None], atol=1e-6)
    np.testing.assert_array_equal(moved.tax_revenue.values, full.tax_revenue.values)
