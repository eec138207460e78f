"""The one result type: an xarray Dataset with named dimensions, units, Swedish long names and
provenance; NetCDF I/O (h5netcdf engine) that is atomic on write and clear on bad files."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__
from .budget import BudgetPlan
from .config import PlanConfig, canonical_json, config_hash
from .catalogue import annotate

__all__ = ["budget_dataset", "provenance", "write_netcdf", "write_csv_rows", "open_results",
           "atomic_write",
           "ResultsError"]

#: Attribute that marks a file as ours.
FORMAT_ATTR = "sim_format"
FORMAT = "regionrisk-sim results 1"

_VERSIONED = ("numpy", "scipy", "numba", "xarray", "h5netcdf", "pydantic", "click")


class ResultsError(Exception):
    """A results file that is missing, unreadable or not ours. The message is for the user."""


def _git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions(packages: tuple[str, ...] = _VERSIONED) -> dict[str, str]:
    """This process's versions of sim and ``packages``."""
    versions = {"sim": __version__}
    for pkg in packages:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return versions


def provenance(cfg: PlanConfig, seed: int | None, mode: str) -> dict[str, Any]:
    """Global attributes that make a result reproducible: config, hash, seed, versions, commit."""
    versions = package_versions()
    return {
        FORMAT_ATTR: FORMAT,
        "title": f"{cfg.meta.region}: {cfg.meta.name}",
        "mode": mode,
        "seed": "none (deterministic)" if seed is None else int(seed),
        "config_name": cfg.meta.name,
        "config_json": canonical_json(cfg),
        "config_sha256": config_hash(cfg),
        "information_as_of": "none" if cfg.information is None else cfg.information.as_of,
        "versions": json.dumps(versions, sort_keys=True),
        "git_commit": _git_commit(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def budget_dataset(plan: BudgetPlan, out: dict[str, np.ndarray], attrs: dict[str, Any]) -> xr.Dataset:
    """Assemble the budget results (dims ``path``, ``year``, plus ``component`` and ``fund``)."""
    n = next(iter(out.values())).shape[0]
    data = {}
    for key, arr in out.items():
        if arr.ndim == 2:
            dims = ("path", "year")
        elif key == "operating_cost_components":
            dims = ("path", "component", "year")
        else:
            dims = ("path", "fund", "year")
        data[key] = xr.Variable(dims, np.asarray(arr, dtype=np.float64) + 0.0)  # no -0.0
    coords = {
        "path": np.arange(n),
        "year": ("year", plan.years),
        "component": ("component", list(plan.component_keys)),
        "component_label": ("component", list(plan.component_labels)),
        "fund": ("fund", list(plan.fund_keys)),
        "fund_label": ("fund", list(plan.fund_labels)),
    }
    return annotate(xr.Dataset(data, coords=coords, attrs=attrs))


def atomic_write(path: str | Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    An interrupted or failed write leaves no partial file under ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` as NetCDF (h5netcdf), atomically."""
    return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


def write_csv_rows(rows: list[dict], path: str | Path, locale: str = "en") -> Path:
    """Write rows (dicts with the same keys) as CSV, atomically. ``locale="sv"`` writes what
    Swedish Excel reads: ``;`` between fields, a decimal comma, UTF-8 with a byte-order mark."""
    import csv

    if locale not in ("en", "sv"):
        raise ValueError(f"locale: {locale!r}, allowed: en, sv")

    def cell(v):
        if locale == "sv" and isinstance(v, float):
            return repr(v).replace(".", ",")
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + v            # a text cell a spreadsheet must not read as a formula
        return v

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8-sig" if locale == "sv" else "utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]),
                                    delimiter=";" if locale == "sv" else ",")
            writer.writeheader()
            writer.writerows({k: cell(v) for k, v in row.items()} for row in rows)

    return atomic_write(path, write)


def open_results(path: str | Path) -> xr.Dataset:
    """Open a results file written by :func:`write_netcdf`, or raise :class:`ResultsError`."""
    path = Path(path)
    if not path.is_file():
        raise ResultsError(f"{path}: no such results file")
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except Exception as exc:  # h5py/h5netcdf raise many kinds for a truncated or foreign file
        raise ResultsError(f"{path}: not a readable NetCDF results file ({type(exc).__name__}: "
                           f"{exc})") from None
    if ds.attrs.get(FORMAT_ATTR) != FORMAT:
        raise ResultsError(f"{path}: a NetCDF file, but not a results file of this simulator "
                           f"(attribute {FORMAT_ATTR!r} is missing or not {FORMAT!r})")
    return ds
