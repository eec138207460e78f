"""Choices and defaults the command line needs before it loads the model; no imports."""

#: How much of each path a run keeps: the summary statistics only, every path's yearly
#: results, or its months too.
STORE_MODES = ("summary", "annual", "monthly")
