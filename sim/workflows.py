"""Workflows: what a command does, as library functions that return Datasets with their
provenance attached. The command line only parses options and calls one of these."""

from __future__ import annotations

from .budget import Budget, BudgetPlan
from .config import PlanConfig

__all__ = ["deterministic_budget", "replay"]


def deterministic_budget(cfg: PlanConfig):
    """The plan's own budget: every risk factor at its forecast (one path), as a Dataset."""
    from .results import budget_dataset, provenance

    plan = BudgetPlan.from_config(cfg)
    by_sales = [f.bkr_treatment == "sales" for f in cfg.funds.values()]
    return budget_dataset(plan, Budget(plan, by_sales).deterministic(),
                          provenance(cfg, seed=None, mode="deterministic"))


def replay(cfg: PlanConfig, returns):
    """The funds over a monthly path of returns read from ``returns`` (CSV), as a Dataset.

    Raises :class:`sim.portfolio.replay.ReplayError` for a bad file or a fund that rebalances
    more than monthly (the replayed returns are monthly).
    """
    import numpy as np
    import xarray as xr

    from .catalogue import annotate
    from .portfolio import fund_params, portfolio_variables, run_funds
    from .portfolio.replay import ReplayError, read_returns_csv
    from .results import provenance

    for key, fund in cfg.funds.items():
        if fund.strategy.rebalance_per_month != 1:
            raise ReplayError(f"funds.{key}.strategy.rebalance_per_month: replayed returns are "
                              f"monthly; use --set funds.{key}.strategy.rebalance_per_month=1")
    months, eq, fi = read_returns_csv(returns)
    n_years = -(-len(months) // 12)
    res = run_funds(fund_params(cfg, n_years), np.log1p(eq)[None], fi[None], 1)
    first = int(months[0].astype("datetime64[Y]").astype(int)) + 1970
    data = portfolio_variables(res)
    data["equity_return"] = xr.Variable(("path", "month"), eq[None])
    data["fixed_income_return"] = xr.Variable(("path", "month"), fi[None])
    coords = {"path": [0], "fund": list(cfg.funds),
              "fund_label": ("fund", [f.label for f in cfg.funds.values()]),
              "month": np.arange(len(months)),
              "time": ("month", months.astype("datetime64[ns]")),
              "year": np.arange(first, first + n_years)}
    attrs = provenance(cfg, seed=None, mode="replay")
    attrs["returns_file"] = str(returns)
    return annotate(xr.Dataset(data, coords=coords, attrs=attrs))
