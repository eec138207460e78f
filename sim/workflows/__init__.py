"""Workflows: what each command does, as library functions that return Datasets with their
provenance attached (or write the report's files). The command line only parses options,
calls one of these and prints; a notebook calls them the same way.

A problem the user can fix (a bad option combination, a cluster that cannot be reached, a
results file of the wrong kind) raises :class:`WorkflowError`, whose message is for the user.

By topic: :mod:`.run` (the Monte Carlo, the deterministic plan, a cluster, the generator's
paths, replay), :mod:`.stress` (scenarios, sensitivity, reverse stress), :mod:`.models` (model
variants and the pension rule's frontier), :mod:`.report`, :mod:`.calibrate`,
:mod:`.backtest`, and :mod:`.guard` (the size and time guard every run passes).
"""

from __future__ import annotations

import importlib

from ..errors import WorkflowError

#: Where each name is: a command loads only the workflows it runs (``sim run`` does not import
#: the calibration's optimizers, the report's renderers or the backtests).
_WHERE = {
    **dict.fromkeys(("backtest", "model_draws", "region_backtest"), "backtest"),
    **dict.fromkeys(("calibrate_budget", "calibrate_esg", "goodness_of_fit", "kpif_record"),
                    "calibrate"),
    **dict.fromkeys(("BASE_BYTES", "BYTES_PER_PATH", "BYTES_PER_PATH_YEAR_MONTHLY",
                     "MAX_MINUTES_UNASKED", "PATHS_PER_SECOND_PER_CORE", "available_memory",
                     "check_budget", "check_work", "no_progress", "predicted_bytes",
                     "threads_or_cores"), "guard"),
    **dict.fromkeys(("COMPARE_KEYS", "compare_models", "strategy_frontier"), "models"),
    **dict.fromkeys(("CHANGE_PATHS", "changes", "report"), "report"),
    **dict.fromkeys(("PILOT_PATHS", "deterministic_budget", "esg", "monte_carlo",
                     "paths_for_target_se", "replay"), "run"),
    **dict.fromkeys(("load_scenarios", "reverse_stress", "scenario_paths", "sensitivity",
                     "stress"), "stress"),
}

__all__ = ["WorkflowError", *_WHERE]


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value           # found once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
