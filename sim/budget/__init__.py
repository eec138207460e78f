"""The region's budget: resultatbudget lines from their parts, and the balance requirement."""

from .model import BALANCE_KEYS, LINE_KEYS, Budget, balance_requirement, driver_keys, driver_labels
from .plan import BudgetPlan


__all__ = ["Budget", "BudgetPlan", "balance_requirement", "driver_keys", "driver_labels",
           "LINE_KEYS", "BALANCE_KEYS"]
