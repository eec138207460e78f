"""The registration of the budget channels (``sim.budget.records.BUDGET_CHANNELS``): what follows
from it (the driver's row, key, label, group and parameters) follows from it alone."""

import numpy as np
import pytest

from sim.budget import BudgetPlan, driver_keys, driver_labels, records
from sim.budget.model import plan_arrays
from sim.catalogue import CHANNELS, channel_of
from sim.esg.schema import DEVIATION_FACTORS
from sim.present.sections.board import CONTROL


def test_each_channel_has_its_row_key_label_and_group(plan):
    keys, labels = driver_keys(plan), driver_labels(plan)
    n = len(records.BUDGET_CHANNELS)
    assert keys[-n:] == tuple(c.name for c in records.BUDGET_CHANNELS)
    rows = plan_arrays(plan).drivers
    for c in records.BUDGET_CHANNELS:
        assert keys.index(c.name) == getattr(rows, c.name)
        assert labels[keys.index(c.name)] == c.label(plan.config)
        assert channel_of(c.name) == c.group
        assert c.group in CHANNELS and c.group in CONTROL
    assert len(labels) == len(keys) == len(set(keys))


def test_every_driver_of_the_plan_is_in_a_channel(plan):
    groups = {channel_of(d) for d in driver_keys(plan)}
    assert groups <= set(CHANNELS)
    with pytest.raises(KeyError, match="no channel"):
        channel_of("not_a_driver")


def test_a_label_comes_from_the_config(cfg):
    changed = cfg.model_copy(update={"income": cfg.income.model_copy(
        update={"label": "Riktade statsbidrag"})})
    plan = BudgetPlan.from_config(changed)
    assert driver_labels(plan)[driver_keys(plan).index("income")] == "Riktade statsbidrag"


def test_the_parameters_reach_the_kernel_by_name(plan):
    params = plan_arrays(plan).channel
    assert params._fields == tuple(f"{c.name}_{p}" for c in records.BUDGET_CHANNELS
                                   for p in c.params)
    expected = np.zeros(len(DEVIATION_FACTORS))
    for d in plan.config.operations.drivers:
        expected[DEVIATION_FACTORS.index(d)] += 1.0
    np.testing.assert_array_equal(params.operations_weights, expected)


def test_a_registration_whose_values_do_not_match_its_names_is_refused(plan, monkeypatch):
    bad = records.Channel("operations", "operations", lambda cfg: "x", params=("weights",),
                          arrays=lambda cfg, factors: ())
    monkeypatch.setattr(records, "BUDGET_CHANNELS", (bad,))
    with pytest.raises(ValueError, match="channel 'operations': arrays gave 0 values"):
        records.channel_params(plan.config, DEVIATION_FACTORS)
