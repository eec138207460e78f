"""Stress tests, sensitivity and reverse stress tests for the finance plan."""

from .scenario import BASE, Scenario, load_scenario, scenario_shifts

__all__ = ["BASE", "Scenario", "load_scenario", "scenario_shifts"]
