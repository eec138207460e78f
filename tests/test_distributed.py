"""Blocks on a dask.distributed cluster: bit-identical to the in-process run for any number of
workers, through a lost worker, with per-path results gathered or written to Zarr."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from sim.config import load_config
from sim.distributed import (VersionMismatch, check_versions, local_cluster, package_versions,
                             run_distributed)
from sim.engine import run

from .conftest import DEFAULT_CONFIG
from .test_engine import digest

#: End to end (a whole run, report or cluster): `make test` runs it, `-m "not slow"` not.
pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")

# small blocks: many chunks in a short run, so that chunks finish out of order
CFG = load_config(DEFAULT_CONFIG, ["simulation.block_size=250"])
N = 6000


@pytest.fixture(scope="module")
def local():
    return run(CFG, N, 9, threads=2, fans=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_local_cluster_gives_the_in_process_numbers(local, workers):
    with local_cluster(workers, threads_per_worker=1) as cl, distributed.Client(cl) as client:
        got = run_distributed(CFG, N, 9, client, fans=True, chunk_blocks=2)
    assert digest(got) == digest(local)
    assert got.attrs["paths"] == N


def test_per_path_results_gathered_and_in_zarr(tmp_path):
    zarr = pytest.importorskip("zarr")
    want = run(CFG, 2000, 4, store="annual")
    with local_cluster(2, threads_per_worker=1) as cl, distributed.Client(cl) as client:
        got = run_distributed(CFG, 2000, 4, client, store="annual", chunk_blocks=3)
        assert digest(got) == digest(want)
        path = tmp_path / "paths.zarr"
        summary = run_distributed(CFG, 2000, 4, client, store="annual", chunk_blocks=3,
                                  zarr_path=path)
    assert "path" not in summary.dims and summary.attrs["paths_store"] == str(path)
    root = zarr.open_group(str(path), mode="r")
    for key in ("net_result", "balance_requirement_result", "rur_drawn"):
        np.testing.assert_array_equal(root[key][:], want[key].values)


def test_a_worker_killed_during_the_run_changes_nothing(local):
    """The first completed chunk kills a worker; dask reruns its chunks elsewhere."""
    with local_cluster(2, threads_per_worker=1) as cl, distributed.Client(cl) as client:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[-1]
        killed = []

        def progress(n):
            if not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        got = run_distributed(CFG, N, 9, client, fans=True, chunk_blocks=1, progress=progress)
    assert killed
    assert digest(got) == digest(local)


class FakeClient:
    def __init__(self, versions):
        self.versions = versions

    def run(self, fn):
        return self.versions


def test_workers_with_other_package_versions_are_refused():
    mine = package_versions()
    check_versions(FakeClient({"tcp://a:1": dict(mine)}))          # same: fine
    other = dict(mine, numba="0.1.0")
    with pytest.raises(VersionMismatch, match=r"tcp://b:2: numba .* here, 0.1.0 there"):
        check_versions(FakeClient({"tcp://a:1": dict(mine), "tcp://b:2": other}))


def test_parameter_uncertainty_on_a_cluster_gives_the_in_process_numbers():
    """Each block draws its own parameters from its own stream: the workers draw the same."""
    cfg = load_config(DEFAULT_CONFIG, ["simulation.block_size=250",
                                       "simulation.parameter_uncertainty=true"])
    want = run(cfg, 3000, 9)
    with local_cluster(2, threads_per_worker=1) as cl, distributed.Client(cl) as client:
        got = run_distributed(cfg, 3000, 9, client, chunk_blocks=3)
    assert digest(got) == digest(want)
    np.testing.assert_array_equal(got["p_deficit_se"].values, want["p_deficit_se"].values)
