"""Workflows: what a command does, as library functions that return Datasets with their
provenance attached. The command line only parses options and calls one of these."""

from __future__ import annotations

from .budget import Budget, BudgetPlan
from .config import PlanConfig

__all__ = ["deterministic_budget"]


def deterministic_budget(cfg: PlanConfig):
    """The plan's own budget: every risk factor at its forecast (one path), as a Dataset."""
    from .results import budget_dataset, provenance

    plan = BudgetPlan.from_config(cfg)
    by_sales = [f.bkr_treatment == "sales" for f in cfg.funds.values()]
    return budget_dataset(plan, Budget(plan, by_sales).deterministic(),
                          provenance(cfg, seed=None, mode="deterministic"))
