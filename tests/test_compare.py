"""``sim compare``: model variants side by side on the same paths and seed; each row is the
run of its own config, a bad variant is named before anything runs."""

from __future__ import annotations

import os

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from sim.cli import cli
from sim.config import load_config
from sim.engine import run

from .conftest import DEFAULT_CONFIG, ROOT

VARIANTS = """source = "assumption: two variants for a test of the command"
paths = 100000

[variants.standard]
label = "Standard"
reason = "assumption: the plan as it is, the reference row"

[variants.gbm]
label = "GBM"
reason = "assumption: lognormal equity instead of RSLN2"
set = ["esg.equity.model=gbm"]

[variants.handsatt]
label = "Handsatt"
reason = "assumption: the hand-set model file, given by a path relative to this file"
model = "{models}/esg-handset.toml"
"""


def _variants(tmp_path, text=VARIANTS):
    path = tmp_path / "variants.toml"
    models = ROOT / "configs" / "models"
    # a path relative to the variants file, as the shipped file gives its model files
    path.write_text(text.replace("{models}", os.path.relpath(models, tmp_path)),
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_each_row_is_its_own_configs_run(tmp_path):
    out = tmp_path / "compare.nc"
    res = CliRunner().invoke(cli, ["compare", str(DEFAULT_CONFIG), str(_variants(tmp_path)),
                                   "--paths", "2000", "--seed", "7", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Modellrisk" in res.output and "Spann mellan specifikationerna" in res.output
    ds = xr.open_dataset(out)
    assert list(ds["variant"].values) == ["standard", "gbm", "handsatt"]
    assert ds.attrs["mode"] == "compare"
    for key, sets in (("standard", []), ("gbm", ["esg.equity.model=gbm"]),
                      ("handsatt", [f"esg_model={(ROOT / 'configs/models/esg-handset.toml').as_posix()}"])):
        want = run(load_config(DEFAULT_CONFIG, sets), 2000, 7)
        np.testing.assert_array_equal(ds["p_deficit"].sel(variant=key).values,
                                      want["p_deficit"].values)
        assert float(ds["p_kpif_high_ever"].sel(variant=key)) == float(want["p_kpif_high_ever"])
    p = ds["p_deficit"]
    np.testing.assert_array_equal(ds["p_deficit_range"], p.max("variant") - p.min("variant"))
    assert ds.attrs["variants_file"].endswith("variants.toml")
    assert (tmp_path / "compare.csv").read_text(encoding="utf-8").startswith(
        "statistic,units,variant,year,value")


def test_a_bad_variant_is_named_and_nothing_is_written(tmp_path):
    bad = VARIANTS.replace('set = ["esg.equity.model=gbm"]', 'set = ["esg.equity.model=lognormal"]')
    out = tmp_path / "compare.nc"
    res = CliRunner().invoke(cli, ["compare", str(DEFAULT_CONFIG),
                                   str(_variants(tmp_path, bad)), "--paths", "100",
                                   "--out", str(out)])
    assert res.exit_code == 2
    assert "variants.gbm" in res.output and "lognormal" in res.output
    assert not out.exists()
    missing = VARIANTS.replace("{models}/esg-handset.toml", "no-such-model.toml")
    res = CliRunner().invoke(cli, ["compare", str(DEFAULT_CONFIG),
                                   str(_variants(tmp_path, missing)), "--paths", "100",
                                   "--out", str(out)])
    assert res.exit_code == 2 and "variants.handsatt.model" in res.output
    assert not out.exists()


def test_the_shipped_variants_file_is_valid():
    from sim.variants import load_variants, variant_configs

    path, vf = load_variants(ROOT / "configs" / "model-risk.toml")
    loaded = variant_configs(DEFAULT_CONFIG, (), path, vf)
    assert loaded[0][0] == "kalibrerad" and len(loaded) == 9
    by = {key: cfg for key, _, cfg in loaded}
    assert by["parameterosakerhet"].simulation.parameter_uncertainty
    # the pension portfolio's unrealized gains at the start: shown over a range, not one value
    assert {by[k].information.funds["pension"].cost_basis.value
            for k in ("kalibrerad", "anskaffning_90", "anskaffning_80")} == {1.0, 0.9, 0.8}
