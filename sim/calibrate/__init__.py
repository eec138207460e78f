"""Calibration: the scenario generator's and the budget's parameters estimated from the history
in ``data/history/``, each with its method and standard error, and the checks that a model
knows only what was published by its information date (:mod:`.exante`, :mod:`.rolling`)."""
