"""Run past one machine: chunks of blocks on a dask.distributed cluster, bit-identical to the
in-process run.

The unit of randomness stays the block (``simulation.block_size`` paths, its own seed
sequence), so where a block runs cannot change its paths. The unit of work is a **chunk** of
consecutive blocks: a task (:func:`run_chunk`, a module-level function the workers import)
runs them and returns, per block, the floating-point sums of its statistics, and once for the
chunk its integer counts and histograms (exact in any order). The client folds the float sums
block by block **in block order** and merges the counts, which is exactly what the in-process
run does, so the Summary is bit-identical whatever the number of workers, whichever worker
ran a chunk and in whatever order the chunks finished. Tasks are pure: when a worker is lost,
dask reruns its chunks elsewhere and gets the same numbers.

Per-path results (``store="annual"``) are returned per chunk and concatenated in block order,
or, for runs too large to gather, written by the workers straight into a Zarr store
(``zarr_path``), each chunk into its own rows.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from .engine import STORE_MODES, Engine, kept_part, paths_dataset
from .summary import Summary

__all__ = ["run_distributed", "run_chunk", "local_cluster", "check_versions", "VersionMismatch"]

#: Packages whose versions must match on the client and every worker: the numbers depend on them.
PINNED = ("numpy", "scipy", "numba", "pydantic", "xarray")


class VersionMismatch(RuntimeError):
    """A worker runs other package versions than the client: its numbers could differ."""


def package_versions() -> dict[str, str]:
    """This process's versions of sim and the packages the results depend on."""
    from .results import package_versions as versions

    return versions(PINNED)


def check_versions(client) -> None:
    """Raise :class:`VersionMismatch` naming the worker and package that differ."""
    mine = package_versions()
    theirs = client.run(package_versions)
    for worker, versions in sorted(theirs.items()):
        diff = {k: (mine[k], versions.get(k)) for k in mine if versions.get(k) != mine[k]}
        if diff:
            text = ", ".join(f"{k} {a} here, {b} there" for k, (a, b) in diff.items())
            raise VersionMismatch(f"worker {worker}: {text}. Install the same versions on "
                                  "every worker (pip install the same sim release).")


@functools.lru_cache(maxsize=4)
def _engine(cfg_json: str, seed: int) -> Engine:
    """The worker's Engine for a config, built once per worker process."""
    import json

    from .config import validate_config

    return Engine(validate_config(json.loads(cfg_json), "<config from the client>"), seed)


def run_chunk(cfg_json: str, seed: int, n_paths: int, b_lo: int, b_hi: int, fans: bool,
              keep: bool, zarr_path: str | None = None) -> dict:
    """Run blocks ``b_lo:b_hi`` of a run: per-block float sums, chunk counts, kept results.

    A pure function of its arguments; the worker imports it from the installed package."""
    e = _engine(cfg_json, seed)
    s = Summary(e, fans=fans)
    floats, kept = [], []
    for b in range(b_lo, b_hi):
        r = e.block(b, n_paths, fund_months=fans)
        stats = s.reduce(r)
        floats.append(stats.floats)
        s.fold_counts(stats)
        if keep:
            kept.append(kept_part(r, False))
    s.collect()
    out = {"floats": floats, "counts": s.counts,
           "paths": min(n_paths, b_hi * e.block_size) - b_lo * e.block_size}
    if keep and zarr_path is not None:
        _write_zarr_rows(zarr_path, kept, b_lo * e.block_size)
        kept = []
    out["kept"] = kept
    return out


def _chunks(n_blocks: int, chunk_blocks: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + chunk_blocks, n_blocks)) for lo in range(0, n_blocks, chunk_blocks)]


def local_cluster(workers: int, threads_per_worker: int | None = None):
    """A local cluster of ``workers`` processes, each with its share of the cores and as many
    numba threads (``NUMBA_NUM_THREADS``; dask does not set it)."""
    from distributed import LocalCluster

    per = threads_per_worker or max(1, (os.cpu_count() or 1) // workers)
    return LocalCluster(n_workers=workers, threads_per_worker=per, processes=True,
                        dashboard_address=None, env={"NUMBA_NUM_THREADS": str(per)})


def run_distributed(cfg, n_paths: int, seed: int, client, store: str = "summary",
                    fans: bool = False, progress=None, chunk_blocks: int | None = None,
                    zarr_path: str | Path | None = None):
    """Run on a dask.distributed ``client``; the same Dataset as :func:`sim.engine.run`."""
    from distributed import as_completed

    if store not in ("summary", "annual"):
        allowed = ", ".join(m for m in STORE_MODES if m != "monthly")
        raise ValueError(f"store: {store!r} on a cluster; allowed: {allowed} (monthly paths of "
                         "a large run belong in a Zarr store of yearly results)")
    check_versions(client)
    e = Engine(cfg, seed)
    nb = e.n_blocks(n_paths)
    if chunk_blocks is None:        # a few chunks per worker thread, for balance and progress
        threads = sum(client.nthreads().values()) or 1
        chunk_blocks = max(1, min(64, -(-nb // (4 * threads))))
    keep = store == "annual"
    if keep and zarr_path is not None:
        _create_zarr(zarr_path, e, n_paths)
    cfg_json = cfg.model_dump_json()          # keeps the order of keys (canonical_json sorts)
    chunks = _chunks(nb, chunk_blocks)
    futures = {client.submit(run_chunk, cfg_json, seed, n_paths, lo, hi, fans, keep,
                             None if zarr_path is None else str(zarr_path), pure=True): j
               for j, (lo, hi) in enumerate(chunks)}
    summary = Summary(e, fans=fans)
    kept, done, nxt = [], {}, 0
    for fut in as_completed(futures):
        j = futures[fut]
        done[j] = fut.result()
        fut.release()
        if progress is not None:
            progress(done[j]["paths"])
        while nxt in done:                   # fold strictly in chunk (= block) order
            res = done.pop(nxt)
            for floats in res["floats"]:
                summary.floats.add(floats)
            summary.merge_counts(res["counts"])
            kept.extend(res["kept"])
            nxt += 1
    ds = summary.dataset()
    if keep and zarr_path is None:
        import xarray as xr
        ds = xr.merge([ds, paths_dataset(e, kept, False)], combine_attrs="override")
    ds.attrs.update({"paths": n_paths, "store": store, "block_size": e.block_size})
    if zarr_path is not None and keep:
        ds.attrs["paths_store"] = str(zarr_path)
    return ds


# --- per-path results in a Zarr store -------------------------------------------------------

_ZARR_KEYS = ("net_result", "balance_requirement_result", "required_result_1pct",
              "tax_revenue", "financial_income", "rur_drawn", "deficit_outstanding")


def _create_zarr(path, e: Engine, n_paths: int) -> None:
    """An empty store with one (path, year) array per kept result, chunked by block."""
    import zarr

    root = zarr.open_group(str(path), mode="w")
    y = e.plan.n_years
    for key in _ZARR_KEYS:
        arr = root.create_array(key, shape=(n_paths, y), chunks=(e.block_size, y),
                                dtype="f8", fill_value=np.nan)
        arr.attrs.update({"units": "mnkr", "_ARRAY_DIMENSIONS": ["path", "year"]})
    years = root.create_array("year", shape=(y,), dtype="i8")
    years[:] = e.plan.years
    years.attrs["_ARRAY_DIMENSIONS"] = ["year"]


def _write_zarr_rows(path: str, kept: list[dict], first_path: int) -> None:
    """Write a chunk's rows; chunks cover disjoint rows, so workers never write the same
    Zarr chunk."""
    import zarr

    root = zarr.open_group(path, mode="r+")
    lo = first_path
    for block in kept:
        n = block["net_result"].shape[0]
        for key in _ZARR_KEYS:
            root[key][lo:lo + n] = block[key]
        lo += n
