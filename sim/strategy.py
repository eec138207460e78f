"""The pension strategy's frontier: what the dynamic rule's parameters cost in expected return
and buy in protection and in P(deficit), and how far the portfolio reaches to the payouts.

A sweep file (``configs/strategy.toml``) names the fund whose rule is swept, the paths, and the
rules: a full ``grid`` over some of the rule's keys and, beside it, ``one_at_a_time`` values
of others (each alone, the rest at the plan's). Today's rule, the plan config's own, is always
the first. Every rule runs on the same random numbers (common random numbers): the same seed,
the generator on the finest steps any rule needs, and the same asset returns, since the fund is
centred once, for today's rule, by a shift of its equity's expected return (its fixed income
earns the market's: :mod:`sim.portfolio.centre`), and every rule keeps that shift. So a rule
that holds more equity earns more on average, as it would.

``long_horizon`` (optional) runs the fund alone to a later year (2060: the payouts that rise
from about 2040) under every rule: its value against the cumulative payouts (the plan
config's ``payouts``, an assumption a finance department replaces with KPA's forecast), and the
probability that it has paid every payout to each year. The budget is not run past the plan.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from pydantic import Field, ValidationError, field_validator

from .config import ConfigError, format_errors, read_toml
from .params import Source, Strict

__all__ = ["SWEEP_KEYS", "Sweep", "LongHorizon", "load_sweep", "rules", "rule_overrides",
           "rule_label", "base_rule", "dominated", "funding", "EXAMPLE"]

EXAMPLE = "configs/strategy.toml"

#: The rule's keys a sweep may vary (``funds.<fund>.strategy.<key>``), with their Swedish names.
SWEEP_KEYS = {
    "floor_share": "skyddsnivå",
    "window": "fönster",
    "max_equity": "aktietak",
    "min_equity": "aktiegolv",
    "stress_z": "stress",
    "stress_horizon": "stresshorisont",
    "rebalance_per_month": "översyn",
    "no_trade_band": "handelsband",
}
#: Keys whose values are whole numbers (the others are quantities' values).
INT_KEYS = ("rebalance_per_month",)
REVIEWS = {1: "månadsvis", 2: "varannan vecka", 4: "veckovis", 20: "dagligen", 21: "dagligen"}


def _check_keys(values: dict[str, list[float]], field: str) -> dict[str, list[float]]:
    for key, vals in values.items():
        if key not in SWEEP_KEYS:
            raise ValueError(f"{field}.{key}: not a key the sweep can vary; allowed: "
                             f"{', '.join(SWEEP_KEYS)}")
        if not vals:
            raise ValueError(f"{field}.{key}: give at least one value")
        if key in INT_KEYS and any(v != int(v) for v in vals):
            raise ValueError(f"{field}.{key}: {vals} must be whole numbers")
    return values


class LongHorizon(Strict):
    last_year: int = Field(ge=2025, le=2100, description="the long run's last year")
    paths: int = Field(ge=100, le=1_000_000, description="paths of the long run per rule")


class Sweep(Strict):
    """A sweep file (module docstring)."""

    source: Source
    fund: str = Field("pension", min_length=1)
    paths: int = Field(ge=100, le=10_000_000, description="paths per rule, unless --paths")
    grid: dict[str, list[float]] = Field(default_factory=dict)
    one_at_a_time: dict[str, list[float]] = Field(default_factory=dict)
    long_horizon: LongHorizon | None = None

    @field_validator("grid")
    @classmethod
    def _grid(cls, v):
        return _check_keys(v, "grid")

    @field_validator("one_at_a_time")
    @classmethod
    def _one(cls, v):
        return _check_keys(v, "one_at_a_time")


def load_sweep(path: str | Path) -> Sweep:
    path = Path(path)
    raw = read_toml(path)
    try:
        return Sweep.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(str(path), exc, EXAMPLE)) from None


def base_rule(cfg, fund: str) -> dict[str, float]:
    """Today's values of the sweepable keys of ``funds.<fund>.strategy``; a fund without the
    dynamic rule is an error naming it."""
    if fund not in cfg.funds:
        raise ConfigError(f"fund: {fund!r} is not a fund of the plan; allowed: "
                          f"{', '.join(cfg.funds)}")
    st = cfg.funds[fund].strategy
    if st.kind != "dynamic":
        raise ConfigError(f"fund: {fund!r} has no dynamic rule to sweep (kind "
                          f"{st.kind!r})")
    out = {}
    for key in SWEEP_KEYS:
        v = getattr(st, key)
        out[key] = float(v if key in INT_KEYS else v.value)
    return out


def rules(sweep: Sweep, base: dict[str, float]) -> list[dict[str, float]]:
    """Today's rule (``{}``) first, then every combination of ``grid`` and every value of
    ``one_at_a_time`` alone, each as the keys it changes from ``base``; duplicates once."""
    out: list[dict[str, float]] = [{}]
    seen = {frozenset()}

    def add(rule: dict[str, float]) -> None:
        changed = {k: float(v) for k, v in rule.items() if float(v) != base[k]}
        key = frozenset(changed.items())
        if key not in seen:
            seen.add(key)
            out.append(changed)

    keys = list(sweep.grid)
    for combo in itertools.product(*(sweep.grid[k] for k in keys)):
        add(dict(zip(keys, combo)))
    for k, vals in sweep.one_at_a_time.items():
        for v in vals:
            add({k: v})
    return out


def rule_overrides(fund: str, rule: dict[str, float]) -> list[str]:
    """``--set`` overrides that make the plan's rule ``rule``."""
    return [f"funds.{fund}.strategy.{k}={int(v) if k in INT_KEYS else repr(float(v))}"
            for k, v in rule.items()]


def _value_text(key: str, v: float) -> str:
    from .present import fmt

    if key in ("floor_share", "max_equity", "min_equity", "no_trade_band"):
        return f"{fmt.percent(v, 0)} %"
    if key in ("window", "stress_horizon"):
        return f"{fmt.number(v, 0 if v == int(v) else 2)} mån"
    if key == "stress_z":
        return f"{fmt.number(v, 1)} σ"
    return REVIEWS.get(int(v), f"{int(v)} ggr/mån")


def rule_label(rule: dict[str, float]) -> str:
    """The rule in Swedish: ``"i dag"`` for today's, else what it changes."""
    if not rule:
        return "i dag"
    return ", ".join(f"{SWEEP_KEYS[k]} {_value_text(k, v)}" for k, v in rule.items())


def dominated(ret: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """True where another rule earns at least as much with at most as much risk, and is
    better in one of them (higher ``ret`` is better, lower ``risk``). The frontier's risk is
    Bilaga 2's yardstick, the same for every rule (a rule's own protection level is looser or
    tighter with its parameters, so P(below its own level) does not compare rules)."""
    ret, risk = np.asarray(ret, dtype=float), np.asarray(risk, dtype=float)
    n = ret.size
    out = np.zeros(n, dtype=bool)
    for j in range(n):
        better = (ret >= ret[j]) & (risk <= risk[j]) & ((ret > ret[j]) | (risk < risk[j]))
        out[j] = bool(better.any())
    return out


def funding(value_end: np.ndarray, net_flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The funding arithmetic of a fund's yearly results: ``(covered, cumulative payouts)``.

    ``value_end`` (N, Y) is the fund's value at each year's end [mnkr], ``net_flow`` (Y,) the
    flows due at each year's start (payouts negative). ``covered[i, y]``: path ``i`` has paid
    every payout due up to year ``y`` in full and still holds something (a payout larger than
    the fund empties it, and it pays nothing more). ``cumulative`` (Y,): the payouts due to
    each year's start."""
    value_end = np.asarray(value_end, dtype=float)
    payouts = np.maximum(-np.asarray(net_flow, dtype=float), 0.0)
    covered = np.logical_and.accumulate(value_end > 0.0, axis=1)
    return covered, np.cumsum(payouts)


def log_value_grid() -> tuple[float, float, int]:
    """The long run's value histogram: log10 of mnkr from 1 to a million, 0,5 % a bin."""
    return (0.0, 6.0, 1200)


def quantile_from_log(h, q: float) -> np.ndarray:
    """A value quantile [mnkr] from a log10 histogram (0 where it falls among the emptied)."""
    v = h.quantile(q)
    below = h.below / max(h.n, 1)
    return np.where(below >= q, 0.0, 10.0 ** v)
