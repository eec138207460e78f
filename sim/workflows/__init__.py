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

from ..errors import WorkflowError
from .backtest import backtest, model_draws, region_backtest
from .calibrate import calibrate_budget, calibrate_esg, goodness_of_fit, kpif_record
from .guard import (BASE_BYTES, BYTES_PER_PATH, BYTES_PER_PATH_YEAR_MONTHLY,
                    MAX_MINUTES_UNASKED, PATHS_PER_SECOND_PER_CORE, available_memory,
                    check_budget, check_work, no_progress, predicted_bytes, threads_or_cores)
from .models import COMPARE_KEYS, compare_models, strategy_frontier
from .report import CHANGE_PATHS, changes, report
from .run import PILOT_PATHS, deterministic_budget, esg, monte_carlo, paths_for_target_se, replay
from .stress import load_scenarios, reverse_stress, scenario_paths, sensitivity, stress

__all__ = ["WorkflowError", "model_draws", "region_backtest", "backtest", "calibrate_esg",
           "goodness_of_fit", "calibrate_budget", "kpif_record", "no_progress", "threads_or_cores",
           "BASE_BYTES", "BYTES_PER_PATH", "BYTES_PER_PATH_YEAR_MONTHLY",
           "PATHS_PER_SECOND_PER_CORE", "MAX_MINUTES_UNASKED", "available_memory", "predicted_bytes",
           "check_budget", "check_work",
           "COMPARE_KEYS", "compare_models", "strategy_frontier", "report", "CHANGE_PATHS",
           "changes", "deterministic_budget", "PILOT_PATHS", "paths_for_target_se", "monte_carlo",
           "esg", "replay", "scenario_paths", "load_scenarios", "stress", "sensitivity",
           "reverse_stress"]
