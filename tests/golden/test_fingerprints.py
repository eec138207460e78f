"""Every result is bit-identical to the recorded fingerprints (see ``fingerprints.py``)."""

from __future__ import annotations

import json

import pytest

from .fingerprints import RECORD, environment, produce

RECORDED = json.loads(RECORD.read_text(encoding="utf-8"))
SAME_ENVIRONMENT = RECORDED["environment"] == environment()


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    return produce(tmp_path_factory.mktemp("golden"))


@pytest.mark.skipif(not SAME_ENVIRONMENT,
                    reason="fingerprints were recorded with other library versions or processor "
                           f"features ({RECORDED['environment']}); record them again on main "
                           "before a refactor: python -m tests.golden.fingerprints")
@pytest.mark.parametrize("name", sorted(RECORDED["fingerprints"]))
def test_output_is_bit_identical_to_the_record(produced, name):
    assert produced[name] == RECORDED["fingerprints"][name], (
        f"{name}: the numbers changed. If this change is meant to change them, record again "
        "(python -m tests.golden.fingerprints) and say why in the commit message.")


def test_the_fingerprint_sees_a_one_ulp_change():
    import numpy as np
    import xarray as xr

    from .fingerprints import dataset_sha256

    a = xr.Dataset({"x": ("year", np.array([1.0, 2.0]))})
    b = xr.Dataset({"x": ("year", np.array([1.0, np.nextafter(2.0, 3.0)]))})
    assert dataset_sha256(a) != dataset_sha256(b)
