"""The size and time guard a command runs before it allocates by paths: the memory a run
will hold and the time it will take, measured on the 2-core, 24 GiB machine, against what
this machine has; and the thread count."""

from __future__ import annotations

import contextlib
import os

from ..errors import WorkflowError


def no_progress(total: int, label: str):
    return contextlib.nullcontext(lambda n: None)


def threads_or_cores(threads: int | None) -> int:
    return threads or os.cpu_count() or 1


#: Measured on the 2-core, 24 GiB machine (docs/guides/run.md, "Memory"): what a run holds whatever its
#: paths (the summary's histograms, with the Bilaga 2 fans), what each path adds when its
#: yearly or monthly results are kept, and how many paths a second one core computes.
BASE_BYTES = 0.45e9
BYTES_PER_PATH = {"summary": 0.0, "annual": 7.0e3}
BYTES_PER_PATH_YEAR_MONTHLY = 0.8e3
PATHS_PER_SECOND_PER_CORE = 10_000.0
#: ``sim calibrate kpif-record``'s draws of the inflation model: measured on the 2-core
#: machine, about 60 bytes held per draw and 400 000 draws a second (numpy, one core).
KPIF_BYTES_PER_DRAW = 60.0
KPIF_DRAWS_PER_SECOND = 400_000.0
#: A run predicted to take longer than this [minutes] asks for --yes first.
MAX_MINUTES_UNASKED = 60.0


def available_memory() -> float | None:
    """The memory available to a new run, in bytes (psutil; None where it cannot be read)."""
    import psutil

    try:
        return float(psutil.virtual_memory().available)
    except (OSError, RuntimeError):
        return None


def predicted_bytes(paths: int, store: str, years: int = 0) -> float:
    """The memory a run of ``paths`` keeping ``store`` holds (``years``: the plan's, for the
    monthly store only)."""
    per_path = BYTES_PER_PATH.get(store, BYTES_PER_PATH["annual"])
    if store == "monthly":
        per_path += BYTES_PER_PATH_YEAR_MONTHLY * years
    return BASE_BYTES + per_path * paths


#: The generator's paths as ``sim esg`` keeps them, per path and month of its horizon:
#: measured peak growth 20 kB a path over 84 months (20 000 paths, the default config).
ESG_BYTES_PER_PATH_MONTH = 250.0


def check_memory(what: str, need: float, advice: str) -> None:
    """Refuse, before any work, what needs more memory (``need`` bytes) than this machine has
    available, naming the option (``what``) and what to do instead (``advice``)."""
    have = available_memory()
    if have is not None and need > have:
        raise WorkflowError(f"{what}: needs about {need / 1e9:,.1f} GB, and this machine has "
                            f"{have / 1e9:,.1f} GB available. {advice}")


def predicted_minutes(paths: float, per_second: float = PATHS_PER_SECOND_PER_CORE
                      ) -> tuple[float, int]:
    """The minutes ``paths`` model paths take on this machine's cores at ``per_second`` paths
    a second a core, and the cores."""
    cores = max(os.cpu_count() or 1, 1)
    return paths / (per_second * cores) / 60.0, cores


def check_work(what: str, paths: float, need: float, max_minutes: float | None,
               advice: str, per_second: float = PATHS_PER_SECOND_PER_CORE) -> None:
    """The one size and time guard, before any work: refuse what needs more memory (``need``
    bytes) than this machine has available, and what is predicted to take longer than
    ``max_minutes`` (None: no limit, the commands' ``--yes``). ``paths`` counts every model
    path the command simulates (each scenario's, variant's, rule's or plan's paths, and the
    generator paths a calibration draws; ``per_second`` a core, where they are not whole
    model paths); ``what`` names the options that set the size, ``advice`` what to do
    instead."""
    check_memory(what, need, advice)
    if max_minutes is not None:
        minutes, cores = predicted_minutes(paths, per_second)
        if minutes > max_minutes:
            raise WorkflowError(
                f"{what}: predicted to take about {minutes:,.0f} minutes on {cores} cores "
                f"(more than {max_minutes:g}); give --yes to run it anyway. {advice}")


def check_budget(paths: int, store: str, years: int, max_minutes: float | None) -> None:
    """:func:`check_work` for one Monte Carlo run of ``paths`` keeping ``store``."""
    check_work(f"--paths {paths} --store {store}", paths, predicted_bytes(paths, store, years),
               max_minutes, ("Run fewer paths, or on a cluster (--scheduler, --workers)."
                             if store == "summary" else
                             "Keep the summary only (--store summary: bounded memory), run "
                             "fewer paths, or run on a cluster with --zarr."))


def count(n: int, noun: str) -> str:
    """``"1 plan config"``, ``"3 plan configs"``: what a guard's message counts."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
