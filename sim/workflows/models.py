"""Comparisons across models and rules on the same random numbers: the model variants of
``sim compare`` and the pension rule's frontier of ``sim strategy``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..config import canonical_json, config_hash, load_config
from ..errors import WorkflowError
from .guard import BASE_BYTES, check_work, count, no_progress, threads_or_cores


#: What ``sim compare`` keeps of each variant's run.
COMPARE_KEYS = ("p_deficit", "p_deficit_se", "p_below_goal", "p_deficit_budget_only",
                "p_deficit_market_only", "p_deficit_any", "p_below_goal_any", "p_kpif_high",
                "p_kpif_high_ever", "bkr_mean", "bkr_std")


def compare_models(variants: list[tuple], variants_file: Path, paths: int, seed: int,
                   threads: int | None = None, progress_bar=no_progress,
                   max_minutes: float | None = None):
    """Each variant (from :func:`sim.variants.variant_configs`) run on the same paths and seed;
    the headline statistics side by side along a ``variant`` dimension, with the spread of
    P(deficit) between them and the spread simulation noise alone could give
    (:func:`sim.analysis.noise_range_of`, from each variant's own standard error).
    ``max_minutes``: the guard's limit (:func:`~sim.workflows.guard.check_work`)."""
    import xarray as xr

    from ..analysis import noise_range_of
    from ..catalogue import annotate
    from ..engine import run
    from ..results import provenance

    years = [tuple(int(y) for y in cfg.meta.years) for _, _, cfg in variants]
    if len(set(years)) != 1:
        raise WorkflowError("the variants' plans cover different years; compare variants of "
                            "one plan")
    check_work(f"--paths {paths} ({count(len(variants), 'variant')})", paths * len(variants),
               BASE_BYTES, max_minutes, "Run fewer paths per variant.")
    parts = []
    with progress_bar(paths * len(variants), "Specifikationer") as advance:
        for key, v, cfg in variants:
            ds = run(cfg, paths, seed, threads=threads_or_cores(threads), progress=advance)
            parts.append(ds[list(COMPARE_KEYS)].expand_dims(variant=[key]))
    out = xr.concat(parts, dim="variant", combine_attrs="override")
    out = out.assign_coords(
        variant_label=("variant", [v.label for _, v, _ in variants]),
        variant_reason=("variant", [v.reason for _, v, _ in variants]),
        variant_config_sha256=("variant", [config_hash(cfg) for _, _, cfg in variants]))
    p = out["p_deficit"]
    out["p_deficit_range"] = p.max("variant") - p.min("variant")
    out["p_deficit_noise_range"] = ("year", noise_range_of(
        out["p_deficit_se"].transpose("variant", "year").values))
    base = variants[0][2]
    out.attrs.update(provenance(base, seed=seed, mode="compare"))
    out.attrs.update({"paths": paths, "variants_file": Path(variants_file).as_posix(),
                      "variants_json": json.dumps(
                          {key: {"label": v.label, "config_json": canonical_json(cfg)}
                           for key, v, cfg in variants}, ensure_ascii=False)})
    return annotate(out)


def strategy_frontier(config: Path, overrides: tuple[str, ...], sweep_path: Path, sweep,
                      paths: int, seed: int, threads: int | None = None,
                      progress_bar=no_progress, max_minutes: float | None = None):
    """``sim strategy``: every rule of ``sweep`` (:mod:`sim.strategy`) run on the plan with the
    same random numbers and the same asset returns; the frontier (expected return against the
    probability of a fall beyond Bilaga 2's limit from the 24-month high, the same yardstick
    for every rule; today's rule marked, dominated rules flagged), P(deficit) and the
    budget's realized result per rule, and the long horizon when the sweep asks for it. A
    Dataset along a ``rule`` dimension (mode ``strategy``). ``max_minutes``: the guard's
    limit (:func:`~sim.workflows.guard.check_work`)."""
    import dataclasses

    import xarray as xr

    from ..catalogue import annotate
    from ..config import ConfigError
    from ..engine import Engine, run_together
    from ..results import provenance
    from ..strategy import SWEEP_KEYS, base_rule, dominated, rule_label, rule_overrides, rules

    overrides = tuple(overrides)
    try:
        base_cfg = load_config(config, overrides)
        base = base_rule(base_cfg, sweep.fund)
    except ConfigError as exc:
        raise WorkflowError(f"{sweep_path}: {exc}") from None
    todo = rules(sweep, base)
    cfgs = []
    for r in todo:                       # every rule valid before anything runs
        try:
            cfgs.append(load_config(config, overrides + tuple(rule_overrides(sweep.fund, r))))
        except ConfigError as exc:
            raise WorkflowError(f"{sweep_path}: the rule '{rule_label(r)}': {exc}") from None
    steps = math.lcm(*(c.equity_steps for c in cfgs))
    fine = (f"simulation.min_equity_steps={steps}",) if steps != base_cfg.equity_steps else ()
    market = ("simulation.return_centre=market", "simulation.centre_paths=100")
    n_long = 0 if sweep.long_horizon is None else sweep.long_horizon.paths
    check_work(f"--paths {paths} ({count(len(todo), 'rule')}" + (
        f", long horizon {n_long} paths" if n_long else "") + ")",
               (paths + n_long) * len(todo), BASE_BYTES, max_minutes,
               "Run fewer paths per rule, or fewer rules.")
    fund_index = list(base_cfg.funds).index(sweep.fund)
    long = sweep.long_horizon
    with progress_bar(paths * len(todo) + n_long * len(todo), "Regler") as advance:
        ref_cfg = load_config(config, overrides + fine)
        ref = Engine(ref_cfg, seed)            # today's rule, centred on the plan
        engines = []
        for r in todo:
            if not r:
                e = ref
            else:
                cfg_r = load_config(config, overrides + fine + market
                                    + tuple(rule_overrides(sweep.fund, r)))
                e = Engine(cfg_r, seed)
                e.funds = [dataclasses.replace(f0, rule=f1.rule, trading=f1.trading)
                           for f0, f1 in zip(ref.funds, e.funds)]
                e.centre = ref.centre
            engines.append(e)
        # one pass over the blocks: the rules share the generator and the other funds
        parts = run_together([(e, None) for e in engines], paths, threads_or_cores(threads),
                             progress=advance)
        long_ds = (None if long is None else
                   _funding(config, overrides + fine, engines, sweep.fund, long, seed, threads,
                            advance))
    years = [int(y) for y in parts[0]["year"].values]
    f = sweep.fund
    driver = f"fund_{f}"

    def stack(name, sel=None):
        return np.stack([(d[name].sel(**sel) if sel else d[name]).values for d in parts])

    ret = stack("fund_return_pct_mean", {"fund": f})
    # protection on one yardstick for every rule: Bilaga 2's (a fall beyond the limit from the
    # highest value of the last 24 months), whatever the rule's own level and window
    below = stack("p_fund_fall24_over_limit_ever", {"fund": f})
    data = {
        "p_fund_fall24_over_limit_ever": (("rule",), below),
        "p_fund_fall24_over_limit_ever_se": (("rule",),
                                             stack("p_fund_fall24_over_limit_ever_se",
                                                   {"fund": f})),
        "fund_return_pct_mean": (("rule",), ret),
        "fund_return_pct_std": (("rule",), stack("fund_return_pct_std", {"fund": f})),
        "p_fund_breach_ever": (("rule",), stack("p_fund_breach_ever", {"fund": f})),
        "p_fund_breach_ever_se": (("rule",), stack("p_fund_breach_ever_se", {"fund": f})),
        "p_fund_breach": (("rule", "year"), stack("p_fund_breach", {"fund": f})),
        "fund_breach_depth_quantile": (("rule", "depth_quantile"),
                                       stack("fund_breach_depth_quantile", {"fund": f})),
        "fund_breach_spell_months": (("rule",), stack("fund_breach_spell_months", {"fund": f})),
        "p_fund_fall_over_limit_ever": (("rule",),
                                        stack("p_fund_fall_over_limit_ever", {"fund": f})),
        "fund_realized_mean": (("rule", "year"), stack("contribution_mean", {"driver": driver})),
        "p_deficit": (("rule", "year"), stack("p_deficit")),
        "p_deficit_se": (("rule", "year"), stack("p_deficit_se")),
        "p_deficit_any": (("rule",), stack("p_deficit_any")),
        "bkr_mean": (("rule", "year"), stack("bkr_mean")),
        "bkr_es05": (("rule", "year"), stack("bkr_es05")),
        "fund_loss_limit": ((), float(parts[0]["fund_loss_limit"].sel(fund=f))),
    }
    full = [{**base, **r} for r in todo]
    coords = {"rule": [f"regel_{i:02d}" for i in range(len(todo))],
              "rule_label": ("rule", [rule_label(r) for r in todo]),
              "rule_today": ("rule", [not r for r in todo]),
              "rule_dominated": ("rule", dominated(ret, below)),
              "year": years, "depth_quantile": parts[0]["depth_quantile"].values}
    for k in SWEEP_KEYS:
        coords[f"rule_{k}"] = ("rule", [float(x[k]) for x in full])
    out = xr.Dataset(data, coords=coords)
    if long_ds is not None:
        out = xr.merge([out, long_ds], combine_attrs="override")
    out.attrs.update(provenance(base_cfg, seed=seed, mode="strategy"))
    out.attrs.update({"paths": paths, "sweep_file": Path(sweep_path).as_posix(), "fund": f,
                      "fund_label": str(base_cfg.funds[f].label),
                      "sweep_source": sweep.source, "equity_steps": steps,
                      "long_paths": n_long, "fund_index": fund_index,
                      "budget_years": int(base_cfg.decision.budget_years)})
    return annotate(out)


def _funding(config: Path, overrides: tuple[str, ...], engines: list, fund: str, long,
             seed: int, threads: int | None, advance):
    """The long run of :func:`strategy_frontier`: the fund alone under every rule to
    ``long.last_year``, on one set of paths (each block's generator output shared by the
    rules); the expected return past the plan is the last plan year's (its equity's shift
    held). Value quantiles and P(every payout paid) per year, and the payouts."""
    import dataclasses

    import xarray as xr

    from .. import blocks as B
    from ..analysis import Histogram
    from ..config import ConfigError
    from ..engine import Engine
    from ..esg.model import simulate_block
    from ..portfolio import run_fund, step_market
    from ..strategy import funding, log_value_grid, quantile_from_log

    ref = engines[0]
    first = ref.cfg.meta.first_year
    years = long.last_year - first + 1
    try:
        cfg = load_config(config, overrides + (f"simulation.horizon_years={years}",
                                               "simulation.return_centre=market",
                                               "simulation.centre_paths=100"))
    except ConfigError as exc:
        raise WorkflowError(f"long_horizon.last_year {long.last_year}: {exc}") from None
    e = Engine(cfg, seed)
    j = list(cfg.funds).index(fund)
    base = e.funds[j]
    n_all = len(base.flows.net_flow)

    def held(shift):                     # the plan years' shifts, the last one held after
        shift = np.asarray(shift, dtype=float)
        return np.concatenate([shift, np.full(max(n_all - shift.size, 0), shift[-1])])[:n_all]

    funds = [dataclasses.replace(base, rule=en.funds[j].rule, trading=en.funds[j].trading,
                                 flows=base.flows._replace(
                                     equity_shift=held(ref.funds[j].flows.equity_shift),
                                     fixed_income_shift=held(
                                         ref.funds[j].flows.fixed_income_shift)))
             for en in engines]
    pre = e.n_pre
    n_years = n_all - pre
    lo, hi, bins = log_value_grid()
    hists = [Histogram(lo, hi, bins, columns=n_years) for _ in funds]
    covered = np.zeros((len(funds), n_years), dtype=np.int64)

    def work(b: int):
        a, z = B.bounds(b, long.paths, e.block_size)
        out = simulate_block(e.esg, e.innovations(b, z - a))
        res = []
        market = step_market(out.equity_step, out.fixed_income_return, e.steps)
        for fd in funds:
            r = run_fund(fd, out.equity_step, out.fixed_income_return, e.steps,
                         monthly=False, market=market, stats=False)
            value = r.value_end[:, pre:]
            cov, _ = funding(value, fd.flows.net_flow[pre:])
            # an emptied fund (value 0) falls below the histogram's range
            logv = np.log10(np.maximum(value, 1e-300))
            res.append((cov.sum(axis=0), logv))
        advance((z - a) * len(funds))
        return res

    for _, res in B.in_block_order(work, e.n_blocks(long.paths), threads_or_cores(threads)):
        for k, (cov, logv) in enumerate(res):
            covered[k] += cov
            hists[k].count(logv)
    _, cum = funding(np.zeros((1, n_years)), base.flows.net_flow[pre:])
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    value_q = np.array([[quantile_from_log(h, q) for q in qs] for h in hists])
    long_years = np.arange(first, first + n_years)
    return xr.Dataset(
        {"funding_value_quantile": (("rule", "value_quantile", "long_year"), value_q),
         "p_funding_covered": (("rule", "long_year"), covered / long.paths),
         "funding_payouts": (("long_year",), np.maximum(-base.flows.net_flow[pre:], 0.0)),
         "funding_cumulative_payouts": (("long_year",), cum)},
        coords={"long_year": long_years, "value_quantile": list(qs)})
