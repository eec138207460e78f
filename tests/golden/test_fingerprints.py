"""The golden guard (see ``fingerprints.py``): every result's numbers against the record, within
a tenth of their standard error on any machine, and bit for bit on the machine that recorded
them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .fingerprints import (RECORD, SE_FRACTION, compare_numbers, dataset_numbers, environment,
                           produce)

RECORDED = json.loads(RECORD.read_text(encoding="utf-8"))
#: On the recording machine and library versions the bits must match too.
SAME_ENVIRONMENT = RECORDED["environment"] == environment()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    return produce(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", sorted(RECORDED["numbers"]))
def test_every_number_is_the_records_within_a_tenth_of_its_standard_error(produced, name):
    problems = compare_numbers(produced["numbers"][name], RECORDED["numbers"][name])
    assert not problems, (
        f"{name}: the numbers changed:\n  " + "\n  ".join(problems[:20]) + "\nIf this change "
        "is meant to change them, record again (python -m tests.golden.fingerprints) and say "
        "why in the commit message.")
    if SAME_ENVIRONMENT:
        assert produced["fingerprints"][name] == RECORDED["fingerprints"][name], (
            f"{name}: within tolerance, but not bit-identical on the machine that recorded it")


def test_the_workbook_has_its_numbers_where_they_were(produced):
    assert produced["workbook_places"] == RECORDED["workbook_places"]
    if SAME_ENVIRONMENT:
        assert produced["fingerprints"]["report_xlsx"] == RECORDED["fingerprints"]["report_xlsx"]


def test_the_record_covers_every_result_and_its_tolerances_are_errors():
    """Every Monte Carlo probability carries its binomial error's tenth, at least one path's,
    and the deterministic plan only rounding's."""
    assert set(RECORDED["numbers"]) == set(RECORDED["fingerprints"]) - {"report_xlsx"}
    run = RECORDED["numbers"]["run_summary"]
    p = np.array(run["p_deficit"]["values"])
    n = 20000
    se = np.sqrt(np.maximum(p * (1 - p), 1 / n) / n)
    assert np.allclose(run["p_deficit_se"]["values"], np.sqrt(p * (1 - p) / n), rtol=1e-6)
    assert np.all(np.array(run["p_deficit"]["tolerance"]) >= SE_FRACTION * se * (1 - 1e-9))
    assert np.all(np.array(run["p_deficit"]["tolerance"]) <= SE_FRACTION * se * 1.01)
    budget = RECORDED["numbers"]["budget"]
    for var in budget.values():
        scale = max((abs(v) for v in var["values"] if v is not None), default=0.0)
        assert all(t <= 1e-9 * max(scale, 1.0) for t in var["tolerance"])


def test_the_guard_sees_a_change_of_a_fifth_of_a_standard_error_and_not_a_twentieth():
    """A change of 0,2 standard errors in one probability is a change of the model; one of
    0,05 is within any machine's rounding."""
    import xarray as xr

    ds = xr.Dataset({"p_deficit": ("year", np.array([0.4, 0.3])),
                     "p_deficit_se": ("year", np.sqrt(np.array([0.24, 0.21]) / 20000))},
                    attrs={"paths": 20000})
    record = dataset_numbers(ds)
    se = ds["p_deficit_se"].values
    for shift, problems in ((0.2, 1), (0.05, 0)):
        moved = dataset_numbers(ds.assign(p_deficit=ds["p_deficit"] + shift * se))
        assert len(compare_numbers(moved, record)) == problems


def test_a_quantiles_tolerance_is_a_tenth_of_its_asymptotic_error():
    """The normal case by hand: quantiles of N(0, 1) from 10 000 paths, whose error at the
    median is sqrt(pi / 2 / n)."""
    import xarray as xr
    from scipy.stats import norm

    q = np.array([0.05, 0.5, 0.95])
    ds = xr.Dataset({"x_quantile": ("quantile", norm.ppf(q))}, coords={"quantile": q},
                    attrs={"paths": 10000})
    tol = dataset_numbers(ds)["x_quantile"]["tolerance"]
    assert tol[1] == pytest.approx(SE_FRACTION * np.sqrt(np.pi / 2 / 10000), rel=0.01)
    assert tol[0] == pytest.approx(SE_FRACTION * np.sqrt(0.05 * 0.95 / 10000)
                                   / norm.pdf(norm.ppf(0.05)), rel=0.01)


def test_the_fingerprint_sees_a_one_ulp_change():
    import xarray as xr

    from .fingerprints import dataset_sha256

    a = xr.Dataset({"x": ("year", np.array([1.0, 2.0]))})
    b = xr.Dataset({"x": ("year", np.array([1.0, np.nextafter(2.0, 3.0)]))})
    assert dataset_sha256(a) != dataset_sha256(b)
