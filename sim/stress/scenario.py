"""Stress scenarios: factor paths over the plan years, validated like any config.

A scenario file (``configs/scenarios/*.toml``) names, for some of the nine risk factors, a path
over the plan years: its **level** (the value the factor takes) or a **shift** (an amount added
to where the factor would otherwise be), month by month or year by year, each with its unit and
source. Run deterministically, the factors named take their given levels exactly and the others
stay at their forecast; as the centre of a Monte Carlo, every path is the scenario plus the
model's random deviations (see :class:`sim.esg.model.Shifts`).

Units, by factor and mode:

==================  ==========================================  ==============================
factor              level                                       shift
==================  ==========================================  ==============================
equity              ``fraction``: simple return of the month    ``fraction``: added to the
                    (or of the year, spread evenly over its     period's log return
                    months); -0.06 is -6 %
short_rate          ``percent_per_year``: the rate at month     ``percent``: points
                    end
inflation           ``percent_per_year``: KPIF, annual rate     ``percent``: points
wages ... (yearly)  ``percent_per_year``: the year's growth     ``percent``: points
==================  ==========================================  ==============================

After the last value the factor returns to its base path (``then = "base"``) or keeps its last
level or shift (``then = "hold"``). A yearly factor's growth shift moves its level for good: the
budget compounds growth, so +50 points of hired-staff growth in one year is a cost 50 % higher
from then on. ``measures_delivered`` (unit ``fraction``) sets the share of the plan's cost
measures delivered, on every path, in place of the plan config's ``[measures]`` law;
``income_change`` (unit ``fraction``) operating income's relative change against plan, in
place of ``[income]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from ..config import ConfigError, apply_overrides, format_errors, read_toml, resolve
from ..esg.model import EsgParams, Shifts, simulate_block, zero_innovations
from ..esg.schema import ANNUAL_FACTORS, FACTORS
from ..params import Fraction, Quantity, Source, Strict, in_range, unit_is

__all__ = ["Scenario", "FactorPath", "load_scenario", "scenario_shifts", "BASE"]

#: The scenario file error messages point to.
EXAMPLE = "configs/scenarios/finanskris-2008.toml"

_UNITS = {("equity", "level"): "fraction", ("equity", "shift"): "fraction",
          ("short_rate", "level"): "percent_per_year", ("short_rate", "shift"): "percent",
          ("inflation", "level"): "percent_per_year", ("inflation", "shift"): "percent"}
for _k in ANNUAL_FACTORS:
    _UNITS[(_k, "level")] = "percent_per_year"
    _UNITS[(_k, "shift")] = "percent"


#: The factors whose value is an index's growth [% a year]: a level or shift of -100 or below
#: would take the index to zero or below (the short rate may be negative; it is a rate).
GROWTH_FACTORS = frozenset(ANNUAL_FACTORS) | {"inflation"}

#: A relative change of at most the whole amount (unit fraction)
Change = Annotated[Quantity, unit_is("fraction"), in_range(-1.0, 1.0)]

#: The largest size of a scenario value: equity's return as a fraction (10 is +1 000 % in a
#: period), the rest in percent or points.
_LIMITS = {"equity": 10.0, "other": 1000.0}


class FactorPath(Strict):
    """One factor's path in a scenario."""

    mode: Literal["level", "shift"]
    frequency: Literal["monthly", "yearly"]
    start: str = Field(description='"YYYY-MM" for monthly values, "YYYY" for yearly')
    values: list[float] = Field(min_length=1)
    unit: str
    then: Literal["base", "hold"] = "base"
    source: Source

    def first_month(self) -> tuple[int, int]:
        """(year, month 1-12) of the first value."""
        text = self.start.strip()
        try:
            if self.frequency == "monthly":
                y, m = text.split("-")
                year, month = int(y), int(m)
                if not 1 <= month <= 12 or len(y) != 4:
                    raise ValueError
            else:
                year, month = int(text), 1
                if len(text) != 4:
                    raise ValueError
        except ValueError:
            want = '"YYYY-MM"' if self.frequency == "monthly" else '"YYYY"'
            raise ValueError(f"start: {text!r} is not a {self.frequency} start; write {want}") \
                from None
        return year, month


class Scenario(Strict):
    """A validated scenario file."""

    label: str = Field(min_length=1, description="Swedish name shown in tables and charts")
    description: str = Field(min_length=10)
    source: Source
    include: list[str] = Field(default_factory=list,
                               description="scenario files (beside this one) whose factors join")
    factors: dict[str, FactorPath] = Field(default_factory=dict)
    measures_delivered: Fraction | None = Field(
        None, description="the share of the plan's cost measures delivered on every path "
                          "(unit fraction); absent: the plan config's [measures]")
    income_change: Change | None = Field(
        None, description="operating income's relative change against plan on every path "
                          "(unit fraction, -0.1 is 10 % less); absent: the plan config's "
                          "[income]")

    @model_validator(mode="after")
    def _factors_and_units(self) -> Scenario:
        for key, fp in self.factors.items():
            if key not in FACTORS:
                raise ValueError(f"factors.{key}: unknown factor; allowed: {', '.join(FACTORS)}")
            want = _UNITS[(key, fp.mode)]
            if fp.unit != want:
                raise ValueError(f"factors.{key}.unit: {fp.unit!r} for a {fp.mode}; must be "
                                 f"{want!r}")
            if key in ANNUAL_FACTORS and fp.frequency != "yearly":
                raise ValueError(f"factors.{key}.frequency: {key} is a yearly factor; use "
                                 "frequency = \"yearly\"")
            if key == "equity" and fp.mode == "level" and min(fp.values) <= -1.0:
                raise ValueError(f"factors.{key}.values: a return of {min(fp.values):g} is a "
                                 "loss of 100 % or more; returns are fractions above -1")
            top = _LIMITS["equity" if key == "equity" else "other"]
            worst = max(fp.values, key=abs)
            if abs(worst) > top:
                raise ValueError(f"factors.{key}.values: {worst:g} is outside the allowed range "
                                 f"[-{top:g}, {top:g}] ({fp.unit})")
            if key in GROWTH_FACTORS and min(fp.values) <= -100.0:
                what = ("a growth of" if fp.mode == "level" else "a shift of")
                raise ValueError(f"factors.{key}.values: {what} {min(fp.values):g} "
                                 f"{'% a year' if fp.mode == 'level' else 'points'} takes the "
                                 "index to zero or below; a yearly change is above -100 %")
            fp.first_month()                 # a bad start is an error here, not at run time
        return self


#: The plan's own world: every factor at its forecast.
BASE = Scenario(label="Bas (planens prognos)",
                description="Every factor at its forecast: the plan's own budget.",
                source="derived: the plan config's forecasts, no scenario")


def recorded_scenarios(ds) -> list[Scenario]:
    """The validated scenarios a stress result was run with (its ``scenario_json``), typed."""
    from pydantic import TypeAdapter

    return TypeAdapter(list[Scenario]).validate_json(str(ds.attrs["scenario_json"]))


def load_scenario(path: str | Path, overrides: tuple[str, ...] = (),
                  _seen: tuple[Path, ...] = ()) -> tuple[str, Scenario]:
    """Read and validate a scenario file; returns its key (the file's stem) and the scenario.

    ``include = ["a.toml", ...]`` adds the factors of other scenario files (paths relative to
    this one); a factor set by two of them is an error, as is a cycle of includes."""
    path = Path(path)
    if resolve(path) in _seen:
        raise ConfigError(f"{path}: include: the scenario includes itself (through "
                          f"{' -> '.join(p.name for p in _seen)})")
    raw = read_toml(path)
    if overrides:
        raw = apply_overrides(raw, overrides)
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(str(path), exc, EXAMPLE)) from None
    if sc.include:
        factors = dict(sc.factors)
        set_ = {"measures_delivered": sc.measures_delivered, "income_change": sc.income_change}
        for name in sc.include:
            try:
                _, part = load_scenario(path.parent / name, (), _seen + (resolve(path),))
            except ConfigError as exc:
                raise ConfigError(f"{path}: include {name!r}: {exc}") from None
            for key, fp in part.factors.items():
                if key in factors:
                    raise ConfigError(f"{path}: include: factor {key!r} of {name} is already set "
                                      "by this scenario or an earlier include")
                factors[key] = fp
            for key in ("measures_delivered", "income_change"):
                if getattr(part, key) is not None:
                    if set_[key] is not None:
                        raise ConfigError(f"{path}: include: {key} of {name} is already set "
                                          "by this scenario or an earlier include")
                    set_[key] = getattr(part, key)
        sc = sc.model_copy(update={"factors": factors, **set_})
    return path.stem, sc


def _monthly(fp: FactorPath, first_year: int, n_months: int, where: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """Per-month values of the path and a mask of the months it sets (after ``then``)."""
    year, month = fp.first_month()
    m0 = (year - first_year) * 12 + month - 1
    per = 12 if fp.frequency == "yearly" else 1
    m1 = m0 + per * len(fp.values)
    last_year = first_year + n_months // 12 - 1
    if m0 < 0 or m1 > n_months:
        span = f"{fp.start} + {len(fp.values)} {fp.frequency} values"
        raise ConfigError(f"{where}: {span} reaches outside the simulated years "
                          f"{first_year}-{last_year} (simulation.horizon_years)")
    vals = np.full(n_months, np.nan)
    vals[m0:m1] = np.repeat(np.asarray(fp.values, dtype=float), per)
    if fp.then == "hold":
        vals[m1:] = vals[m1 - 1]
    return vals, ~np.isnan(vals)


def scenario_shifts(sc: Scenario, p: EsgParams, name: str = "scenario") -> Shifts:
    """The scenario as shifts of the generator's paths (one row, for every path).

    A level becomes ``level - base``, the base being the generator's path with every random
    shock at zero and the scenario's monthly factors already applied (so a yearly factor's level
    is met exactly even when its inflation beta responds to a KPIF scenario).
    """
    first, m = int(p.years[0]), p.n_months
    shifts = Shifts.zeros(p)
    base = simulate_block(p, zero_innovations(p, 1))
    for key in ("equity", "short_rate", "inflation"):
        fp = sc.factors.get(key)
        if fp is None:
            continue
        vals, set_ = _monthly(fp, first, m, f"{name}: factors.{key}")
        per = 12.0 if fp.frequency == "yearly" else 1.0
        if key == "equity":
            if fp.mode == "level":
                target = np.log1p(np.where(set_, vals, 0.0)) / per
                delta = target - base.equity_log_return[0]
            else:
                delta = np.where(set_, vals, 0.0) / per
            shifts.equity[0] = np.where(set_, delta, 0.0)
        else:
            out = shifts.short_rate if key == "short_rate" else shifts.kpif
            now = (base.short_rate if key == "short_rate" else base.kpif)[0]
            delta = vals - now if fp.mode == "level" else vals
            out[0] = np.where(set_, delta, 0.0)
    after = simulate_block(p, zero_innovations(p, 1), shifts)
    for j, key in enumerate(ANNUAL_FACTORS):
        fp = sc.factors.get(key)
        if fp is None:
            continue
        vals, set_ = _monthly(fp, first, m, f"{name}: factors.{key}")
        yearly, yset = vals[::12], set_[::12]
        now = after.annual_growth[0, :, j]
        delta = yearly - now if fp.mode == "level" else yearly
        shifts.annual[0, :, j] = np.where(yset, delta, 0.0)
    return shifts
