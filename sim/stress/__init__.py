"""Stress tests, sensitivity and reverse stress tests for the finance plan.

The submodules load on first use, so that ``sim.cli`` can read the defaults of
:mod:`sim.stress.settings` without importing the model.
"""

from __future__ import annotations

import importlib

__all__ = ["BASE", "Scenario", "load_scenario", "scenario_shifts"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module(".scenario", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
