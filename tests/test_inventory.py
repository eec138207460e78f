"""``sim validate --sources``: the count of where the generator's parameters come from."""

from __future__ import annotations

from click.testing import CliRunner

from sim.calibrate.inventory import generator_entries, kind_of
from sim.cli import cli
from sim.config import load_config
from sim.params import Quantity

from .conftest import DEFAULT_CONFIG


def q(source, se=None):
    return Quantity(value=1.0, unit="percent", source=source, se=se)


def test_the_kind_is_read_off_the_source():
    assert kind_of(q("estimated: data/history/x.csv, 2000-01..2020-12, OLS", se=0.1)) == "estimated"
    # an 'estimated' source without a standard error is not counted as estimated
    assert kind_of(q("estimated: data/history/x.csv, 2000-01..2020-12, OLS")) == "assumption"
    assert kind_of(q("assumption: a reason long enough")) == "assumption"
    assert kind_of(q("seed 001, table 'Resultatbudget'")) == "plan"
    assert kind_of(q("derived: seed 001 resultatbudget, the budgeted return")) == "plan"
    assert kind_of(q("Sveriges riksbank: inflation target, KPIF 2 %")) == "official"


def test_only_the_parameters_a_run_uses_are_counted():
    """The selected equity model's parameters only; the high regime's only when enabled; a
    jump size only with jumps."""
    cfg = load_config(DEFAULT_CONFIG)
    keys = {e.key for e in generator_entries(cfg.esg)}
    assert "equity.rsln2.mu_1" in keys and not any(k.startswith("equity.garch") for k in keys)
    for name, f in cfg.esg.annual.items():
        assert (f"annual.{name}.jump_mean" in keys) == (f.jump_rate.value > 0)
    off = load_config(DEFAULT_CONFIG, ["esg.inflation.high_regime.enabled=false",
                                       "esg.equity.model=\"gbm\""])
    keys_off = {e.key for e in generator_entries(off.esg)}
    assert not any(k.startswith("inflation.high_regime") for k in keys_off)
    assert {k for k in keys_off if k.startswith("equity.")} == {"equity.gbm.mu", "equity.gbm.sigma"}


def test_validate_sources_prints_the_count():
    res = CliRunner().invoke(cli, ["validate", str(DEFAULT_CONFIG), "--sources"])
    assert res.exit_code == 0, res.output
    cfg = load_config(DEFAULT_CONFIG)
    entries = generator_entries(cfg.esg)
    n_est = sum(e.kind == "estimated" for e in entries)
    assert f"{len(entries)} parameters used by a run" in res.output
    assert f"{n_est} estimated ({100 * n_est / len(entries):.0f} %)" in res.output
    for e in entries:
        assert e.key in res.output
