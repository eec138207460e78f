"""Fingerprints of the model's outputs: a refactor is checked, not trusted.

Each workflow is run through the command line with a fixed config and seed, and its results
are reduced to a SHA-256 of their numbers (every numeric variable and coordinate, and the keys
of every dimension: name, dims, dtype and values). Attributes are left out (they carry the
commit and the time), and so are text labels beside a dimension (``fund_label``,
``scenario_description``, ...): wording is not a result. The
report's Excel workbook is reduced to the SHA-256 of its numeric cells with their sheet, row and
column, less the provenance rows (text cells are wording, not results).

``python -m tests.golden.fingerprints`` records them in ``fingerprints.json`` beside this
file. Record again only in a commit whose purpose is to change the model's numbers, and say
so in its message; a change that should not move a number must leave this file as it is.
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


def workbook_sha256(path: Path) -> str:
    """SHA-256 of every numeric cell of a workbook with its place, less the provenance rows."""
    import openpyxl

    h = hashlib.sha256()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            if row and row[0] in _PROVENANCE:
                continue
            for c, value in enumerate(row):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    h.update(f"{ws.title}!{r},{c}={float(value)!r};".encode())
    return h.hexdigest()


def produce(folder: Path) -> dict[str, str]:
    """Run every workflow into ``folder`` and return its fingerprints."""
    from click.testing import CliRunner

    from sim.cli import cli
    from sim.results import open_results

    runner = CliRunner()

    def sim(*args: str) -> None:
        res = runner.invoke(cli, [str(a) for a in args])
        if res.exit_code != 0:
            raise RuntimeError(f"sim {' '.join(map(str, args))}: {res.output}") from res.exception

    out = {}
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
            out[nc.stem] = dataset_sha256(ds)
    sim("report", CONFIG, "--run", folder / "run_summary.nc", "--stress", folder / "stress.nc",
        "--sensitivity", folder / "sensitivity.nc", "--out", folder / "report")
    out["report_xlsx"] = workbook_sha256(folder / "report" / "riskanalys.xlsx")
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        record = {"environment": environment(), "fingerprints": produce(Path(tmp))}
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"Wrote {RECORD.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
