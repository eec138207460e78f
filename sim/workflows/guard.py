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
#: A run predicted to take longer than this [minutes] asks for --yes first.
MAX_MINUTES_UNASKED = 60.0


def available_memory() -> float | None:
    """The memory available to a new run, in bytes (psutil; None where it cannot be read)."""
    import psutil

    try:
        return float(psutil.virtual_memory().available)
    except (OSError, RuntimeError):
        return None


def predicted_bytes(paths: int, store: str, years: int) -> float:
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


def check_budget(paths: int, store: str, years: int, max_minutes: float | None) -> None:
    """Refuse, before any work, a run that cannot fit in this machine's memory, and one
    predicted to take longer than ``max_minutes`` (None: no limit; the CLI's --yes)."""
    check_memory(f"--paths {paths} --store {store}", predicted_bytes(paths, store, years),
                 "Keep the summary only (--store summary: bounded memory), run fewer paths, "
                 "or run on a cluster with --zarr")
    if max_minutes is not None:
        cores = max(os.cpu_count() or 1, 1)
        minutes = paths / (PATHS_PER_SECOND_PER_CORE * cores) / 60.0
        if minutes > max_minutes:
            raise WorkflowError(
                f"--paths {paths}: predicted to take about {minutes:,.0f} minutes on "
                f"{cores} cores (more than {max_minutes:g}); give --yes to run it anyway, or "
                "fewer paths, or a cluster (--scheduler, --workers)")
