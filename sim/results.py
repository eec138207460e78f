"""The one result type: an xarray Dataset with named dimensions, units, Swedish long names and
provenance; NetCDF I/O (the netCDF4 engine) that is atomic on write and clear on bad files."""

from __future__ import annotations

import datetime as _dt
import functools
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__
from .budget import BudgetPlan
from .budget.records import PlanBudget
from .config import PlanConfig, canonical_json, config_hash
from .catalogue import annotate
from .errors import ResultsError
from .interrupt import check, held

__all__ = ["budget_dataset", "provenance", "build_provenance", "write_netcdf", "write_csv_rows", "open_results",
           "atomic_write", "atomic_write_many", "csv_writer",
           "ResultsError"]

#: Attribute that marks a file as ours.
FORMAT_ATTR = "sim_format"
FORMAT = "regionrisk-sim results 1"

_VERSIONED = ("numpy", "scipy", "numba", "xarray", "netCDF4", "pydantic", "click")


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


def build_provenance(mode: str) -> dict[str, Any]:
    """The attributes every results file carries, with or without a plan config: the format
    mark, the mode, the package versions, the git commit and the time it was made."""
    return {
        FORMAT_ATTR: FORMAT,
        "mode": mode,
        "versions": json.dumps(package_versions(), sort_keys=True),
        "git_commit": _git_commit(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def provenance(cfg: PlanConfig, seed: int | None, mode: str) -> dict[str, Any]:
    """Global attributes that make a result reproducible: config, hash, seed, versions, commit."""
    return {
        **build_provenance(mode),
        "title": f"{cfg.meta.region}: {cfg.meta.name}",
        "seed": "none (deterministic)" if seed is None else int(seed),
        "config_name": cfg.meta.name,
        "config_json": canonical_json(cfg),
        "config_sha256": config_hash(cfg),
        "information_as_of": "none" if cfg.information is None else cfg.information.as_of,
        "vintage_as_of": "none" if cfg.vintage is None else cfg.vintage.as_of,
    }


def budget_dataset(plan: BudgetPlan, det: PlanBudget, attrs: dict[str, Any]) -> xr.Dataset:
    """The plan's own budget (:meth:`sim.budget.Budget.deterministic`) as a Dataset (dims
    ``path``, ``year``, plus ``component`` and ``fund``): its lines, components and balance
    requirement, and the parts the lines are built from."""
    out = {k: v for k, v in det.budget._asdict().items() if k != "contributions"}
    out.update((k, v) for k, v in det._asdict().items() if k != "budget")
    n = det.budget.net_result.shape[0]
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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Remove ``.<name>.<pid>.*.tmp`` files beside ``path`` whose process is gone (a run killed
    while writing)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2:].split(".")
        if parts and parts[0].isdigit() and not _pid_alive(int(parts[0])):
            tmp.unlink(missing_ok=True)


def _check_target(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise IsADirectoryError(0, f"{path} exists and is not a regular file; it is never "
                                   "replaced")


def atomic_write(path: str | Path, write) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    An interrupted or failed write leaves no partial file under ``path``; the temporary file
    carries the process id, so a later write removes it if the process died (SIGKILL). Only a
    regular file is ever replaced.
    """
    return atomic_write_many([(path, write)])[0]


def atomic_write_many(items: list[tuple[str | Path, Any]], processes: int = 1) -> list[Path]:
    """Write several files as a unit: every ``write(tmp)`` into its own temporary file first,
    then, once all succeeded, each renamed into place in the order given. A lock beside the
    first target refuses a second command writing the same files at the same time.

    ``processes > 1`` renders the files in that many forked processes (on Linux): the charts'
    formats, the PDF and the workbook are independent work that holds
    Python's lock. The bytes are those of one process: each child renders from the same state
    the parent holds. A writer with a larger ``cost`` attribute is started first."""
    paths = [Path(p) for p, _ in items]
    made: list[Path] = []                  # folders this write creates, removed if it fails
    try:
        for path in paths:
            missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made += [d for d in missing if d not in made]
            _check_target(path)
            _remove_stale_temporaries(path)
        lock = _acquire(paths[0].parent / f".{paths[0].name}.lock")
    except BaseException:
        _remove_empty(made)
        raise
    tmps: list[str] = []
    done = False
    try:
        for path in paths:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                       dir=path.parent)
            os.close(fd)
            tmps.append(tmp)
        in_processes([functools.partial(write, tmp) for (_, write), tmp in zip(items, tmps)],
                     processes, [f"writing {p}" for p in paths],
                     [getattr(write, "cost", 0) for _, write in items])
        umask = os.umask(0)
        os.umask(umask)
        for tmp in tmps:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual mode
        for path in paths:
            _check_target(path)
        check()
        with held():                       # all renamed, or (before) none
            for path, tmp in zip(paths, tmps):
                os.replace(tmp, path)
        done = True
    except BaseException:
        for tmp in tmps:
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        # removed while still held: a second writer either holds the old file's lock (and
        # gave up at once, timeout 0) or creates a new one once this one is done
        try:
            Path(lock.lock_file).unlink(missing_ok=True)
        except OSError:                       # Windows keeps a held lock file open
            pass
        lock.release()
        if not done:
            _remove_empty(made)
    return paths


def _remove_empty(folders: list[Path]) -> None:
    """Remove the ``folders`` a failed write created, deepest first, if they are empty."""
    for folder in sorted(folders, key=lambda d: -len(d.parts)):
        try:
            folder.rmdir()
        except OSError:                    # not empty, or gone: leave it
            pass


#: The calls in progress, for the forked processes (a closure does not pickle; a fork inherits
#: it).
_PENDING: list = []
_ENDED = object()
#: The signals that end a command (:mod:`sim.interrupt`), held back while a process is forked.
_ENDING = (signal.SIGINT, signal.SIGTERM)


def _child(i: int, conn) -> None:
    """A forked process: make call ``i`` and send back ``(True, its result)`` or ``(False,
    the exception)``. SIGTERM and SIGINT end it at once (the parent, told by its exit, cleans
    up)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _ENDING)   # blocked by the parent's fork
    try:
        conn.send((True, _PENDING[i]()))
    except Exception as exc:               # noqa: BLE001 - sent to the parent, raised there
        try:
            conn.send((False, exc))
        except Exception:                  # noqa: BLE001 - an exception that does not pickle
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def in_processes(calls: list, processes: int, names: list[str],
                 costs: list[float] | None = None, meanwhile=None) -> list:
    """``[call() for call in calls]``: in this process, or on Linux in up to ``processes``
    forked ones (one a call, the costliest by ``costs`` first; ``names`` say what each call
    does, for the messages: "writing riskanalys.pdf"). Each fork starts from this process's
    state, so a call computes what it would here, and its result comes back pickled. A call
    that fails raises its exception here; one that is ended (a signal) raises
    :class:`~sim.errors.Interrupted`; whatever ends this process's wait (its own signal, an
    error) ends every process still running first, so none outlives the command.

    ``meanwhile()``, when given, runs once in this process while the first forks work (after
    they started, so they do not inherit what it does): work of the next step that needs none
    of their results, such as an import; without forks, after the calls."""
    import multiprocessing
    from multiprocessing.connection import wait

    costs = [0] * len(calls) if costs is None else costs
    order = sorted(range(len(calls)), key=lambda i: -costs[i])
    results: list = [None] * len(calls)
    # fork only on Linux: macOS's system libraries are not fork-safe (Python's own default
    # there is spawn), and Windows has no fork; elsewhere the calls run in this process
    if processes <= 1 or len(calls) < 2 or not sys.platform.startswith("linux"):
        for i in order:
            results[i] = calls[i]()
            check()
        if meanwhile is not None:
            meanwhile()
        return results
    global _PENDING
    _PENDING = list(calls)
    ctx = multiprocessing.get_context("fork")
    running: dict = {}                     # pipe -> (process, pipe, call index)
    try:
        while order or running:
            while order and len(running) < processes:
                i = order.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(i, send), daemon=True)
                try:
                    # the signals that end a command wait until the fork is done: one in the
                    # middle would stop the libraries' fork hooks half-way (filelock's, which
                    # then prints a traceback), and arrives here instead, as Interrupted
                    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
                    try:
                        proc.start()
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                except BaseException:            # a signal after the fork: end the child
                    if proc.pid is not None:
                        proc.kill()
                        proc.join()
                    raise
                finally:
                    send.close()
                running[receive] = (proc, receive, i)
                check()                          # a signal dropped in the fork's callbacks
            if meanwhile is not None:
                meanwhile, later = None, meanwhile
                later()
            # wait on the pipes, not the processes: a result larger than a pipe holds is read
            # while its process writes it (a process that ends without a word closes its pipe)
            for ready in wait(list(running)):
                proc, receive, i = running.pop(ready)
                try:
                    sent = receive.recv()
                except EOFError:                 # ended before it could say
                    sent = _ENDED
                proc.join()
                receive.close()
                if sent is _ENDED:
                    raise _ended(proc.exitcode, names[i])
                ok, value = sent
                if not ok:
                    raise value
                results[i] = value
    finally:
        _PENDING = []
        for proc, receive, _ in running.values():
            proc.kill()
            proc.join()
            receive.close()
    return results


def _ended(exitcode: int, name: str) -> BaseException:
    from .errors import Interrupted

    if exitcode is not None and exitcode < 0:
        return Interrupted(-exitcode, f"the process {name} was ended by "
                                      f"{signal.Signals(-exitcode).name}")
    return RuntimeError(f"the process {name} exited with status {exitcode}")


def _acquire(lock: Path):
    """The run lock on ``lock`` (filelock: an OS lock, released by the system when its holder
    dies, so a killed run's lock is never stale), taken at once or refused."""
    from filelock import FileLock, Timeout

    held = FileLock(lock, timeout=0)
    try:
        held.acquire()
    except Timeout:
        raise BlockingIOError(0, f"another run is writing {lock.name[1:-5]} in {lock.parent}; "
                                 "wait for it or give another --out") from None
    return held


def netcdf_writer(ds: xr.Dataset):
    """``write(tmp)`` of ``ds`` as NetCDF-4 (the netCDF4 library, Unidata's netCDF-C), for
    :func:`atomic_write_many`.

    netCDF-C writes a results file 6 times as fast as h5netcdf (run.nc: 0,55 -> 0,09 s) and
    reads it 10 times as fast; the files are the same NetCDF-4 (HDF5) format, and each library
    reads the other's to the same Dataset (a test holds this). A write the library cannot
    finish (a full disk: netCDF-C says only "HDF error") raises ``OSError``: ENOSPC when the
    folder has less room left than the data, else EIO with the library's words; the
    interpreter lives on (h5py's file object, written to directly, crashed it as it was
    collected on a full disk, which is why the file was encoded in memory before)."""
    def write(tmp: str) -> None:
        try:
            _to_netcdf4(ds, tmp)
        except RuntimeError as exc:          # netCDF-C's errors ("NetCDF: HDF error", ...)
            raise _unwritten(tmp, ds.nbytes, exc) from exc
    return write


def _to_netcdf4(ds: xr.Dataset, path: str) -> None:
    """``ds.to_netcdf(path, engine="netcdf4")``'s file, byte for byte (a test holds them
    equal), through xarray's public store: ``to_netcdf`` asks dask which scheduler runs
    (``get_dask_scheduler``), and dask's answer imports ``distributed`` (0,1-0,2 s a
    process) for a Dataset of NumPy arrays that has no scheduler. The store takes xarray's
    netCDF-C lock, as ``to_netcdf`` does."""
    from xarray.backends import NetCDF4DataStore
    from xarray.backends.locks import NETCDFC_LOCK

    store = NetCDF4DataStore.open(path, mode="w", lock=NETCDFC_LOCK)
    try:
        ds.dump_to_store(store, unlimited_dims=ds.encoding.get("unlimited_dims"))
    finally:
        store.close()


def _unwritten(tmp: str, nbytes: int, exc: Exception) -> OSError:
    """Why the NetCDF library could not write ``tmp`` (it does not say; the system does): the
    folder has less room left than the data (ENOSPC), the file reached this process's limit on
    a file's size (EFBIG), or else the library's own words (EIO)."""
    import errno
    import shutil

    try:
        import resource                       # Unix only
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        limited = limit != resource.RLIM_INFINITY
    except ImportError:
        limit, limited = 0, False
    path = Path(tmp)
    size = path.stat().st_size if path.exists() else 0
    if shutil.disk_usage(path.parent).free < nbytes:
        code = errno.ENOSPC
    elif limited and size + 2 ** 16 >= limit:
        code = errno.EFBIG
    else:
        return OSError(errno.EIO, f"the NetCDF library could not write the file ({exc})", tmp)
    return OSError(code, os.strerror(code), tmp)


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` as NetCDF (:func:`netcdf_writer`), atomically."""
    return atomic_write(path, netcdf_writer(ds))


def csv_writer(rows: list[dict], locale: str = "en"):
    """A ``write(tmp)`` for :func:`atomic_write`: rows (dicts with the same keys) as CSV.
    ``locale="sv"`` writes what Swedish Excel reads: ``;`` between fields, a decimal comma,
    UTF-8 with a byte-order mark. A text cell never starts a formula."""
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

    return write


def write_csv_rows(rows: list[dict], path: str | Path, locale: str = "en") -> Path:
    """Write rows as CSV (:func:`csv_writer`), atomically."""
    return atomic_write(path, csv_writer(rows, locale))


def open_results(path: str | Path) -> xr.Dataset:
    """Open a results file written by :func:`write_netcdf`, or raise :class:`ResultsError`."""
    path = Path(path)
    if not path.is_file():
        raise ResultsError(f"{path}: no such results file")
    try:
        with warnings.catch_warnings():
            # a plain HDF5 file (not NetCDF) warned before the clean refusal
            warnings.simplefilter("ignore")
            ds = xr.load_dataset(path, engine="netcdf4")
    except Exception as exc:  # the library raises many kinds for a truncated or foreign file
        raise ResultsError(f"{path}: not a readable NetCDF results file ({type(exc).__name__}: "
                           f"{exc})") from None
    if ds.attrs.get(FORMAT_ATTR) != FORMAT:
        raise ResultsError(f"{path}: a NetCDF file, but not a results file of this simulator "
                           f"(attribute {FORMAT_ATTR!r} is missing or not {FORMAT!r})")
    validate_results(ds, path)
    return ds


def recorded_config(ds: xr.Dataset) -> PlanConfig:
    """The validated config a result was made with (its ``config_json``), typed: what
    charts and reports read of the plan, never the JSON by string keys."""
    return _config_from_json(str(ds.attrs["config_json"]))


@functools.lru_cache(maxsize=16)
def _config_from_json(text: str) -> PlanConfig:
    return PlanConfig.model_validate_json(text)


def validate_results(ds: xr.Dataset, where: str | Path) -> None:
    """Refuse, before anything is drawn or written from it, a results file whose variables
    are not the catalogue's or whose recorded config is not readable (:class:`ResultsError`)."""
    from .catalogue import CATALOGUE

    unknown = sorted(str(n) for n in ds.variables if str(n) not in CATALOGUE)
    if unknown:
        raise ResultsError(f"{where}: variables not in the variable catalogue: "
                           f"{', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}; "
                           "not a file this version of sim wrote")
    if "config_json" in ds.attrs:
        try:
            cfg = json.loads(ds.attrs["config_json"])
        except (TypeError, ValueError) as exc:
            raise ResultsError(f"{where}: its recorded config (attribute config_json) is not "
                               f"readable JSON ({exc})") from None
        if not isinstance(cfg, dict):
            raise ResultsError(f"{where}: its recorded config (attribute config_json) is not "
                               "a table of keys")
        from pydantic import ValidationError

        try:
            recorded_config(ds)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(x) for x in first["loc"]) or "(top)"
            raise ResultsError(f"{where}: its recorded config is not one this version of sim "
                               f"reads ({key}: {first['msg']}); run it again") from None
