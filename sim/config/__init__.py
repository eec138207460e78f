"""The plan configuration: its schema by topic, loading, overrides and validation.

A plan config is a TOML file. Every number in it carries a unit and a source: scalars are inline
tables ``{ value = 5.0, unit = "percent_per_year", source = "seed 001 ..." }``; tables of yearly
figures (a budget line, a forecast) carry one ``unit`` and one ``source`` for their values, as the
seed's tables do. A source is a seed file and table, a law or paper, ``derived: <how>`` or
``assumption: <reason>``.

Validation is pydantic v2: unknown keys are errors, NaN and infinity are refused, every unit is
checked against the one the field expects, and cross-field rules (cost shares summing to one,
series covering the plan years) are checked on the whole file. Any failure raises
:class:`ConfigError`, whose message names the file, the key path, the value given and what is
allowed; the CLI prints it and exits with status 2.

The package, by topic: :mod:`.plan` (the resultatbudget, costs, taxes, grants, the liability
and the balance requirement), :mod:`.channels` (the budget channels' sections: operations,
measures, income), :mod:`.funds` (the funds and
their strategies), :mod:`.simulation` (how a run is simulated), :mod:`.schema` (the whole
config and its cross-field rules), :mod:`.loading` (reading TOML, ``--set``, validation, the
canonical JSON and hash) and :mod:`.errors` (what the user is told). Quantities with units and
sources are :mod:`sim.params`; the scenario generator's schema is :mod:`sim.esg.schema`.
"""

from .channels import ChannelSections, Income, Measures, Operations
from .errors import ConfigError, format_errors
from .funds import MAX_EQUITY_STEPS, Dynamic, FixedMix, Fund, Payouts, Trading
from .loading import (FILE_KEYS, MAX_TOML_BYTES, apply_overrides, canonical_json, config_hash,
                      load_config, read_model_file, read_toml, resolve,
                      validate_config)
from .plan import (BalanceRequirement, CostComponent, Costs, Decision, Grants, Meta,
                   PensionLiability, PlanLines, PrintedLines, Rur, Taxes)
from .schema import PlanConfig
from .simulation import Simulation


__all__ = [
    "ConfigError", "format_errors", "PlanConfig", "PlanLines", "PrintedLines", "Meta", "Costs",
    "CostComponent", "Taxes", "Operations", "Measures", "Income", "Grants", "PensionLiability",
    "Decision", "Rur", "BalanceRequirement", "Fund", "FixedMix", "Dynamic", "Trading",
    "Payouts", "Simulation", "ChannelSections", "MAX_EQUITY_STEPS", "FILE_KEYS", "MAX_TOML_BYTES",
    "load_config",
    "read_toml", "read_model_file", "resolve", "validate_config", "apply_overrides",
    "canonical_json", "config_hash",
]
