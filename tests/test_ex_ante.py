"""Nothing known only later: every shipped plan config's default model is fitted only to data
published by the plan's information date; the check itself can fail."""

from __future__ import annotations

import pytest

from sim.calibrate.exante import hindsight
from sim.config import load_config

from .conftest import ROOT

PLANS = sorted((ROOT / "configs" / "plans").glob("*.toml"))


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_every_shipped_plans_model_is_ex_ante(plan):
    cfg = load_config(plan)
    assert cfg.information is not None, f"{plan.name}: no information date"
    assert hindsight(cfg) == []
    if cfg.vintage is not None:
        assert cfg.vintage.month <= cfg.information.month


def test_the_latest_model_would_be_refused_for_the_2022_plan():
    """The model fitted to all the history (for new plans) uses what was published after April
    2022: the check names it, key by key."""
    cfg = load_config(PLANS[0], ["esg_model=../models/esg-default.toml"])
    found = hindsight(cfg)
    assert any("calibration.until 2025-03" in p for p in found)
    assert any(p.startswith("inflation.phi: its data run to 2025-02") for p in found)
    assert any(p.startswith("annual.consumption.sigma: its yearly data run to 2024")
               for p in found)
    assert any("budget_published_until 2024-12-31" in p for p in found)
