"""Defaults of a sensitivity run (``sim sensitivity``, ``sim report``); no imports, so the
command line reads them without loading the model."""

#: Monte Carlo paths a tornado bar (the same random numbers for every bar).
TORNADO_PATHS = 10_000
#: Saltelli base samples of the Sobol indices (a power of two).
SOBOL_SAMPLES = 1024
#: Generator paths that measure each factor's standard deviation: a relative standard error
#: of 1/sqrt(2 x 20 000) = 0,5 % on each.
CALIBRATION_PATHS = 20_000
