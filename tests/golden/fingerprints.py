"""The golden guard: the model's outputs for a fixed config and seed, recorded, so a refactor is
checked, not trusted.

Each workflow is run through the command line with a fixed config and seed. Two records are
kept of its results, in ``fingerprints.json`` beside this file:

* **numbers**: every numeric variable, with a tolerance from its own standard error, compared
  on every machine. A variable with a ``path`` dimension is kept as its mean over the paths;
  one with a ``<name>_se`` beside it, a probability ``p_*`` and its Wilson bounds carry their
  Monte Carlo standard error, and a quantile the asymptotic error of a sample quantile.
  A machine with other processor features or library builds rounds
  ``exp`` and friends differently in the last bit; such a change reaches a result through a
  rule's threshold on a few paths and moves an estimate by far less than its standard error.
  The tolerance is a tenth of it (``SE_FRACTION``): a change smaller than that alters no
  conclusion the model draws, one larger is a change of the model. A number with no standard
  error (the deterministic plan, a stress scenario, a fund's mean) may move by rounding only:
  ``FP_RTOL`` of the variable's largest magnitude, a thousand times the accumulated rounding of
  the ~10^6 operations on a path's way to a result (10^-16 x 10^3 with square-root growth).
* **fingerprints**: the SHA-256 of each result's numbers and keys. On the machine and library
  versions that recorded them (``environment``), they must match bit for bit: a refactor that
  should not move a number leaves them as they are.

Attributes are left out (they carry the commit and the time), and so are text labels beside a
dimension (``fund_label``, ``scenario_description``, ...): wording is not a result. The
report's Excel workbook is reduced to its numeric cells with their sheet, row and column, less
the provenance rows.

``python -m tests.golden.fingerprints`` records both. Record again only in a commit whose
purpose is to change the model's numbers, and say so in its message.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = ROOT / "configs" / "plans" / "strategisk-plan-2023-2025.toml"
SCENARIOS = sorted((ROOT / "configs" / "scenarios").glob("*.toml"))
RECORD = HERE / "fingerprints.json"
SEED = "20230101"
PATHS = "20000"

#: A machine's rounding may move an estimate by at most this fraction of its standard error.
SE_FRACTION = 0.1
#: ... and a number without one by this fraction of its variable's largest magnitude.
FP_RTOL = 1e-13 * 1e3

#: Provenance rows of the workbook's configuration sheet: the commit, the time and the hash of the
#: config's text (its sources included) identify a run; they are not its numbers.
_PROVENANCE = {"git_commit", "versions", "created", "config_sha256"}


def environment() -> dict[str, str]:
    """What the bits depend on besides the code: library versions and the processor's features
    (NumPy picks its SIMD kernels for ``exp`` and friends at run time)."""
    import numba
    import xarray

    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:                                   # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    enabled = ",".join(sorted(k for k, v in feats.items() if v))
    return {"python": platform.python_version(), "machine": platform.machine(),
            "numpy": np.__version__, "numba": numba.__version__, "xarray": xarray.__version__,
            "cpu_features_sha256": hashlib.sha256(enabled.encode()).hexdigest()[:16]}


def dataset_sha256(ds) -> str:
    """SHA-256 of a Dataset's numbers and dimension keys, variable by variable, sorted."""
    h = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        var = ds.variables[name]
        values = np.asarray(var.values)
        if values.dtype.kind in "OUS" and name not in ds.dims:
            continue                                   # a text label, not a number or a key
        h.update(f"{name}|{','.join(var.dims)}|{values.shape}|".encode())
        if values.dtype.kind in "OUS":
            h.update("\x1f".join(map(str, values.ravel())).encode())
        else:
            h.update(values.dtype.str.encode())
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def _standard_error(ds, name: str, values: np.ndarray, paths: int) -> np.ndarray | None:
    """The Monte Carlo standard error of each of ``values`` (variable ``name`` of ``ds``
    without a path dimension), where the results say it; None where they do not."""
    base = name[:-3] if name.endswith(("_lo", "_hi")) else name
    if f"{base}_se" in ds and ds[f"{base}_se"].shape == ds[name].shape:
        return np.asarray(ds[f"{base}_se"].values, dtype=float).ravel()
    if paths > 0 and base.startswith("p_") and not name.endswith("_se") and base in ds:
        p = np.asarray(ds[base].values, dtype=float).ravel()
        if p.shape == values.shape and np.all((p >= 0) & (p <= 1)):
            # a probability's binomial error, at least that of one path in ``paths``
            return np.sqrt(np.maximum(p * (1 - p), 1.0 / paths) / paths)
    qdim = next((d for d in ds[name].dims if d.endswith("quantile")), None)
    if paths > 0 and qdim is not None and qdim in ds.coords:
        # a sample quantile's asymptotic error, sqrt(q (1 - q) / n) / f(x_q), with the density
        # of a normal whose spread is the quantiles' own (the widest pair of levels)
        from scipy.stats import norm

        import xarray as xr

        var = ds[name].astype(float)
        q = np.asarray(var[qdim].values, dtype=float)
        z = norm.ppf(q)
        if q.size < 2 or not np.all((q > 0) & (q < 1)):
            return None
        sd = (var.max(qdim) - var.min(qdim)) / float(z.max() - z.min())
        se = sd * xr.DataArray(np.sqrt(q * (1 - q) / paths) / norm.pdf(z), dims=qdim)
        return np.asarray(se.transpose(*var.dims).values, dtype=float).ravel()
    return None


def dataset_numbers(ds) -> dict[str, dict]:
    """Every numeric variable of ``ds`` as ``{"dims", "values", "tolerance"}`` (see the module's
    docstring): over paths, the mean and a tenth of its standard error."""
    paths = int(ds.attrs.get("paths", 0) or 0)
    out = {}
    for name in sorted(map(str, ds.data_vars)):
        var = ds[name]
        if var.dtype.kind not in "fiub":
            continue
        x = var.astype(float)
        if "path" in var.dims:
            n = var.sizes["path"]
            values = x.mean("path").values.ravel()
            se = (x.std("path", ddof=1).values.ravel() / np.sqrt(n) if n > 1
                  else np.zeros_like(values))
            dims = [d for d in var.dims if d != "path"]
        else:
            values = x.values.ravel()
            se = _standard_error(ds, name, values, paths)
            dims = list(var.dims)
        finite = values[np.isfinite(values)]
        scale = float(np.max(np.abs(finite))) if finite.size else 0.0
        tol = np.full(values.shape, FP_RTOL * max(scale, 1e-12))
        if se is not None:
            tol = np.maximum(tol, SE_FRACTION * np.nan_to_num(se))
        out[name] = {"dims": dims, "values": [None if not np.isfinite(v) else float(v)
                                              for v in values],
                     # three significant digits, rounded up: the record stays readable
                     "tolerance": [_round_up(t) for t in tol]}
    return out


def _round_up(t: float) -> float:
    """``t`` to three significant digits, never below ``t``."""
    if t <= 0 or not np.isfinite(t):
        return float(t)
    e = np.floor(np.log10(t)) - 2
    return float(np.ceil(t / 10.0 ** e) * 10.0 ** e)


def compare_numbers(produced: dict, recorded: dict) -> list[str]:
    """What differs between two :func:`dataset_numbers`, beyond the tolerance, in words."""
    problems = []
    for name in sorted(set(produced) | set(recorded)):
        if name not in produced or name not in recorded:
            problems.append(f"{name}: {'new' if name in produced else 'gone'}")
            continue
        a, b = produced[name], recorded[name]
        if a["dims"] != b["dims"] or len(a["values"]) != len(b["values"]):
            problems.append(f"{name}: shape {a['dims']}x{len(a['values'])} against "
                            f"{b['dims']}x{len(b['values'])}")
            continue
        x = np.array([np.nan if v is None else v for v in a["values"]], dtype=float)
        y = np.array([np.nan if v is None else v for v in b["values"]], dtype=float)
        tol = np.array(b["tolerance"], dtype=float)
        bad = ~((np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= tol))
        if bad.any():
            i = int(np.argmax(np.where(bad, np.abs(x - y) / np.maximum(tol, 1e-300), -1)))
            problems.append(f"{name}: {int(bad.sum())} of {x.size} differ; the most at index "
                            f"{i}: {x[i]!r} against {y[i]!r} (tolerance {tol[i]:.3g})")
    return problems


def workbook_cells(path: Path) -> list[tuple[str, float]]:
    """Every numeric cell of a workbook with its place, less the provenance rows."""
    import openpyxl

    cells = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            if row and row[0] in _PROVENANCE:
                continue
            for c, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    cells.append((f"{ws.title}!{r},{c}", float(value)))
    return cells


def workbook_sha256(path: Path) -> str:
    """SHA-256 of every numeric cell of a workbook with its place, less the provenance rows."""
    h = hashlib.sha256()
    for place, value in workbook_cells(path):
        h.update(f"{place}={value!r};".encode())
    return h.hexdigest()


def produce(folder: Path) -> dict:
    """Run every workflow into ``folder``; return ``{"fingerprints", "numbers",
    "workbook_places"}``."""
    from click.testing import CliRunner

    from sim.cli import cli
    from sim.results import open_results

    runner = CliRunner()

    def sim(*args: str) -> None:
        res = runner.invoke(cli, [str(a) for a in args])
        if res.exit_code != 0:
            raise RuntimeError(f"sim {' '.join(map(str, args))}: {res.output}") from res.exception

    prints, numbers = {}, {}
    sim("run", CONFIG, "--deterministic", "--out", folder / "budget.nc")
    for store in ("summary", "annual", "monthly"):
        sim("run", CONFIG, "--paths", PATHS, "--seed", SEED, "--store", store, "--threads", "2",
            "--out", folder / f"run_{store}.nc")
    sim("stress", CONFIG, *SCENARIOS, "--out", folder / "stress.nc")
    sim("stress", CONFIG, *SCENARIOS, "--paths", "2000", "--seed", SEED, "--threads", "2",
        "--out", folder / "stress_mc.nc")
    sim("sensitivity", CONFIG, "--paths", "2000", "--sobol-samples", "64",
        "--calibration-paths", "4000", "--seed", SEED, "--threads", "2",
        "--out", folder / "sensitivity.nc")
    for nc in sorted(folder.glob("*.nc")):
        with open_results(nc) as ds:
            prints[nc.stem] = dataset_sha256(ds)
            numbers[nc.stem] = dataset_numbers(ds)
    sim("report", CONFIG, "--run", folder / "run_summary.nc", "--stress", folder / "stress.nc",
        "--sensitivity", folder / "sensitivity.nc", "--out", folder / "report")
    book = folder / "report" / "riskanalys.xlsx"
    prints["report_xlsx"] = workbook_sha256(book)
    return {"fingerprints": prints, "numbers": numbers,
            "workbook_places": [place for place, _ in workbook_cells(book)]}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        record = {"environment": environment(), **produce(Path(tmp))}
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"Wrote {RECORD.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
