"""The variable catalogue: complete entries, the only source of units and labels."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import xarray as xr

from sim.catalogue import CATALOGUE, annotate, entry

from .conftest import ROOT


def test_every_entry_has_a_label_and_a_definition():
    for name, e in CATALOGUE.items():
        assert e.label.strip() and e.definition.strip(), name


def test_derived_statistics_carry_their_base_label_and_unit():
    assert entry("bkr_quantile").label == "Balanskravsresultat, kvantil"
    assert entry("bkr_quantile").units == "mnkr"
    assert entry("p_deficit_se").label == entry("p_deficit").label + ", medelfel"
    assert entry("p_deficit_change_se").units == "1"


def test_annotate_sets_units_and_labels_and_refuses_an_unknown_variable():
    ds = xr.Dataset({"net_result": (("year",), np.zeros(2))}, coords={"year": [2023, 2024]})
    annotate(ds)
    assert ds["net_result"].attrs == {"units": "mnkr", "long_name": "Årets resultat"}
    assert ds["year"].attrs["long_name"] == "År" and "units" not in ds["year"].attrs
    with pytest.raises(KeyError, match="not in the variable catalogue"):
        annotate(xr.Dataset({"no_such_thing": (("year",), np.zeros(1))}))


def test_units_and_long_names_are_set_nowhere_else():
    """Only the catalogue writes long_name (grep over the package's code)."""
    out = subprocess.run(["git", "grep", "-n", "-e", '"long_name":', "--", "sim/*.py"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    assert [line for line in out.splitlines() if not line.startswith("sim/catalogue.py")] == []
