"""What-if: the controls a finance department thinks in, and the answer to a setting of them.

A setting of the controls is two things, kept apart because ``sim`` keeps them apart:

* **the world** (inflation, wages and prices, drug costs, hired staff, the tax base, an equity
  shock, the measures delivered, operating income): a stress scenario
  (:class:`sim.stress.scenario.Scenario`), the centre of a Monte Carlo on the same random
  numbers as the plan's own, exactly as ``sim stress CONFIG FILE --paths N`` runs it;
* **the region's decisions** (the reserve's use, the pension rule's floor share and equity cap):
  config overrides, ``--set KEY=VALUE`` as every command takes them.

A control left at the plan's value adds nothing to either, so the page with nothing changed is
``sim run CONFIG`` itself, and the page with only decisions changed is ``sim run CONFIG --set
...``. :meth:`WhatIf.answer` computes through :func:`sim.stress.run.scenario_result`, the one
computation ``sim stress`` makes; the engine is built once per set of decisions and kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..config import ConfigError, load_config
from ..present.fmt import exact
from ..stress.scenario import Scenario

#: Paths at the default: P(deficit) near 0,4 then has a standard error of about 1,1 points.
DEFAULT_PATHS = 2000
#: The page refines every answer in the background to ten times the paths (a third of the
#: standard error), given up as soon as a newer request comes.
PRECISE_PATHS = 20000
#: "Full precision": the config's usual run, about 0,15 points.
FULL_PATHS = 100_000
#: The most paths a request may ask for (a what-if page is not a production run).
MAX_PATHS = 200_000


@dataclass(frozen=True)
class Control:
    """One control: its form name, Swedish label and unit, allowed range, the plan's value and
    where that value comes from, and what it sets (``kind``: ``shift`` a yearly factor's growth
    by points in every plan year, ``kpif`` inflation's level in one year, ``equity`` the first
    plan year's equity return, ``measures``/``income`` the scenario's fields, ``set`` a config
    key)."""

    name: str
    group: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    plan: float | str
    source: str
    kind: str
    target: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def parse(self, text: str | None) -> float | str:
        """The control's value from its form text (a decimal comma is accepted); the plan's
        value when absent. Raises ``ValueError`` with a Swedish message for the page."""
        if text is None or str(text).strip() == "":
            return self.plan
        if self.choices:
            if text not in dict(self.choices):
                raise ValueError("välj ett av alternativen: " + ", ".join(
                    label for _, label in self.choices))
            return text
        try:
            value = float(str(text).strip().replace("\u00a0", "").replace(" ", "")
                          .replace(",", ".").replace("\u2212", "-"))
        except ValueError:
            raise ValueError(f"{text!r} är inte ett tal") from None
        if not self.low <= value <= self.high:       # NaN fails too
            raise ValueError(f"{exact(value)} ligger utanför det tillåtna intervallet "
                             f"{exact(self.low)} till {exact(self.high)} {self.unit}")
        return value


_RUR_CHOICES = (("tax_base_below_average", "När skatteunderlaget växer under snittet (planens)"),
                ("any_deficit", "Vid varje underskott"),
                ("never", "Aldrig"))


def controls(cfg) -> list[Control]:
    """The page's controls for a validated plan config, each with the plan's value and source."""
    years = cfg.meta.first_year, cfg.meta.last_year
    kpif = cfg.forecasts["kpif"]
    out = [Control(f"kpif_{y}", "Omvärlden", f"Inflation (KPIF) {y}", "procent", -5.0, 30.0,
                   0.1, round(kpif.at(y), 2), kpif.source, "kpif", str(y))
           for y in range(years[0], years[1] + 1)]

    def shift(name, factor, label, forecast):
        f = cfg.forecasts.get(forecast)
        src = (f"planens prognos: {f.label} ({f.source})" if f is not None else
               "planens prognos")
        return Control(name, "Omvärlden", label, "procentenheter per år", -20.0, 60.0, 0.5, 0.0,
                       src, "shift", factor)

    out += [shift("wages", "wages", "Löneökning utöver prognos", "lpik_hourly_wage"),
            shift("prices", "consumption", "Prisökning (förbrukning) utöver prognos",
                  "lpik_consumption"),
            shift("drugs", "drugs", "Läkemedelskostnader, ökning utöver prognos",
                  "drug_cost_benefit"),
            shift("hired_staff", "hired_staff", "Inhyrd personal, ökning utöver prognos",
                  "lpik_hourly_wage"),
            shift("tax_base", "tax_base", "Skatteunderlagets tillväxt utöver prognos",
                  "tax_base_growth"),
            Control("equity", "Omvärlden", f"Aktiechock {years[0]}", "procentenheter",
                    -60.0, 30.0, 1.0, 0.0, "modellens avkastning; en chock läggs till årets "
                    "logaritmiska avkastning", "equity", "equity")]
    m = cfg.measures.delivered_mean
    out += [Control("measures", "Planen", "Andel av planerade åtgärder som genomförs", "andel",
                    0.0, 1.0, 0.05, m.value, m.source, "measures"),
            Control("income", "Planen", "Verksamhetens intäkter mot plan", "procent", -50.0,
                    50.0, 1.0, 0.0, "planens intäkter (resultatbudgeten)", "income")]
    rur = cfg.balance_requirement.rur
    strat = cfg.funds["pension"].strategy
    out += [Control("rur", "Beslut", "Uttag ur resultatutjämningsreserven", "", 0, 0, 0,
                    rur.draw_when, "planens regel för RUR (balanskravsutredningen)", "set",
                    "balance_requirement.rur.draw_when", _RUR_CHOICES),
            Control("floor_share", "Beslut", "Pensionsportföljens skyddsnivå", "andel", 0.5,
                    0.99, 0.01, strat.floor_share.value, strat.floor_share.source, "set",
                    "funds.pension.strategy.floor_share.value"),
            Control("max_equity", "Beslut", "Pensionsportföljens högsta aktieandel", "andel",
                    0.0, 1.0, 0.05, strat.max_equity.value, strat.max_equity.source, "set",
                    "funds.pension.strategy.max_equity.value")]
    return out


@dataclass(frozen=True)
class Setting:
    """A validated setting of the controls: every control's value (the plan's where absent)."""

    values: tuple[tuple[str, float | str], ...]
    controls: tuple[Control, ...]

    def value(self, name: str):
        return dict(self.values)[name]

    def changed(self) -> list[Control]:
        return [c for c in self.controls if self.value(c.name) != c.plan]

    def sets(self) -> tuple[str, ...]:
        """The decisions as ``--set KEY=VALUE`` overrides (those that differ from the plan)."""
        return tuple(f"{c.target}={_set_text(self.value(c.name))}" for c in self.changed()
                     if c.kind == "set")

    def scenario(self, first_year: int, n_years: int, name: str = "") -> Scenario:
        """The world as a stress scenario (the controls at the plan's value add nothing);
        ``name`` joins its label."""
        factors: dict[str, dict] = {}
        fields: dict[str, dict] = {}
        lines = []
        for c in self.changed():
            v = self.value(c.name)
            if c.kind == "shift":
                factors[c.target] = {
                    "mode": "shift", "frequency": "yearly", "start": str(first_year),
                    "values": [v] * n_years, "unit": "percent",
                    "source": f"sim serve: {c.label.lower()}, {exact(v)} {c.unit}"}
            elif c.kind == "equity":
                factors["equity"] = {
                    "mode": "shift", "frequency": "yearly", "start": str(first_year),
                    "values": [v / 100.0], "unit": "fraction",
                    "source": f"sim serve: {c.label.lower()}, {exact(v)} {c.unit}"}
            elif c.kind == "measures":
                fields["measures_delivered"] = {"value": v, "unit": "fraction",
                                                "source": f"sim serve: {c.label.lower()}"}
            elif c.kind == "income":
                fields["income_change"] = {"value": v / 100.0, "unit": "fraction",
                                           "source": f"sim serve: {c.label.lower()}"}
            if c.kind not in ("set", "kpif"):
                lines.append(f"{c.label}: {exact(v)} {c.unit}".rstrip())
        kpif = [c for c in self.controls if c.kind == "kpif"]
        moved = [i for i, c in enumerate(kpif) if self.value(c.name) != c.plan]
        if moved:
            part = kpif[moved[0]:moved[-1] + 1]
            factors["inflation"] = {
                "mode": "level", "frequency": "yearly", "start": part[0].target,
                "values": [self.value(c.name) for c in part], "unit": "percent_per_year",
                "source": "sim serve: KPIF per år (planens prognos de år som inte ändrats)"}
            lines.append("KPIF: " + ", ".join(f"{c.target} {exact(self.value(c.name))} %"
                                              for c in part))
        return Scenario.model_validate({
            "label": "Vad händer om" + (f": {name}" if name else ""),
            "description": ("Antaganden från sim serve: " + "; ".join(lines) + "."
                            if lines else "Planens egna antaganden (inget ändrat i sim serve)."),
            "source": "assumption: set by the finance department in sim serve",
            "factors": factors, **fields})

    def query(self) -> str:
        """The changed controls as a URL query (the permalink)."""
        from urllib.parse import urlencode

        return urlencode([(c.name, _set_text(self.value(c.name))) for c in self.changed()])


def _set_text(v) -> str:
    return v if isinstance(v, str) else f"{v:g}"


def parse(controls_: list[Control], form: Mapping[str, str]) -> tuple[Setting, dict[str, str]]:
    """The setting from a form or a URL query, and the errors by control name (Swedish). A
    control with an error keeps the plan's value, and the caller computes nothing."""
    errors, values = {}, []
    for c in controls_:
        try:
            values.append((c.name, c.parse(form.get(c.name))))
        except ValueError as exc:
            errors[c.name] = str(exc)
            values.append((c.name, c.plan))
    return Setting(tuple(values), tuple(controls_)), errors


class Superseded(Exception):
    """A background answer given up because a newer request came."""


class WhatIf:
    """One plan config served: its controls, and answers computed on one engine per set of
    decisions (built once, kept), one at a time."""

    def __init__(self, config: Path, overrides: tuple[str, ...] = (), seed: int | None = None,
                 threads: int = 1):
        self.config = Path(config)
        self.overrides = tuple(overrides)
        self.cfg = load_config(self.config, self.overrides)
        self.seed = self.cfg.simulation.seed if seed is None else int(seed)
        self.threads = threads
        self.controls = controls(self.cfg)
        self._engines: dict[tuple[str, ...], tuple] = {}
        self._lock = threading.Lock()
        self._latest = 0                    # the newest request's number
        self._numbering = threading.Lock()

    def parse(self, form: Mapping[str, str]) -> tuple[Setting, dict[str, str]]:
        return parse(self.controls, form)

    def _engine(self, sets: tuple[str, ...]):
        from ..engine import Engine

        if sets not in self._engines:
            cfg = load_config(self.config, self.overrides + sets)
            while len(self._engines) >= 8:
                self._engines.pop(next(iter(self._engines)))
            self._engines[sets] = (cfg, Engine(cfg, self.seed))
        return self._engines[sets]

    def warm(self) -> None:
        """Build the plan's engine and load every kernel, so the first answer is quick."""
        setting, _ = self.parse({})
        self.answer(setting, 200)

    def answer(self, setting: Setting, paths: int = DEFAULT_PATHS, background: bool = False):
        """The Monte Carlo around the setting's world with its decisions: the Dataset of
        ``sim stress`` for one scenario (deterministic lines and the run's summary).

        ``background``: a refinement the page asked for on its own; it raises
        :class:`Superseded` at the next block once a newer request has come, so that request
        waits a block at most."""
        from ..stress.run import scenario_result

        if not 1 <= paths <= MAX_PATHS:
            raise ConfigError(f"paths: {paths}; allowed 1 to {MAX_PATHS}")
        with self._numbering:
            self._latest += 1
            mine = self._latest

        def give_up(_done=0):
            if background and self._latest != mine:
                raise Superseded(f"request {mine} superseded by {self._latest}")

        sets = setting.sets()
        with self._lock:
            give_up()
            cfg, e = self._engine(sets)
            sc = setting.scenario(cfg.meta.first_year, e.plan.n_years)
            ds = scenario_result(e, cfg, "whatif", sc, self.seed, paths, self.threads,
                                 give_up if background else None)
        ds.attrs.update({"paths": paths, "seed": self.seed, "sets": " ".join(sets)})
        return ds
