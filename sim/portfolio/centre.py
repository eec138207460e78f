"""The funds' return centre: the plan's expected return, or the market's.

With ``simulation.return_centre = "plan"`` (the default) each fund's expected yearly return is
the return the plan budgets on it (``funds.<key>.expected_return``, per plan year; the last
plan year's past the plan). The generator's markets have their own expectation (the equity
model's mean, the short rate plus spread); a fund is centred by adding a constant log return
``delta_y`` a month to both of its asset classes, which leaves its risk (the spread of its
returns, the strategy's reactions) as the market gives it. ``delta_y`` is found on a pilot
sample of the generator drawn from its own seed (``SeedSequence(seed, spawn_key=(1, 0))``,
never a block's): for a fund whose weights do not depend on its past (a fixed mix), scaling
both assets by ``exp(12 delta)`` scales the year's growth exactly, so ``delta = ln((1 + target)
/ (1 + E[R])) / 12`` hits the target in one step; the dynamic rule reacts to the shifted path,
so the step is repeated (three times; the remaining gap is reported).

``"market"`` leaves every ``delta`` at zero.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from . import Fund, run_fund

__all__ = ["Centre", "centre_funds", "expected_returns", "PILOT_SPAWN_KEY", "ITERATIONS"]

#: The pilot sample's seed: a two-part spawn key, distinct from every block's (b,).
PILOT_SPAWN_KEY = (1, 0)
ITERATIONS = 3


class Centre(NamedTuple):
    """Each fund's expected yearly return [percent], per horizon year (P, Y): the market's
    (no shift), the target and the centred funds' (on the pilot sample), and its standard
    error on the pilot."""

    market: np.ndarray
    target: np.ndarray
    centred: np.ndarray
    se: np.ndarray


def _mean_return(fund: Fund, eq_step, fi, steps) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over paths of each year's return on the year's start value."""
    out = run_fund(fund, eq_step, fi, steps, monthly=False)
    start = out["value_end"] - out["year_return"]
    r = np.where(start > 0, out["year_return"] / np.where(start > 0, start, 1.0), 0.0)
    return r.mean(axis=0), r.std(axis=0, ddof=1) / np.sqrt(r.shape[0])


def expected_returns(funds: list[Fund], targets: np.ndarray, eq_step: np.ndarray,
                     fi: np.ndarray, steps: int) -> Centre:
    """The funds' expected yearly returns on the pilot sample, as they are (market centre)."""
    y = fi.shape[1] // 12
    res = [_mean_return(f, eq_step, fi, steps) for f in funds]
    market = 100.0 * np.array([m for m, _ in res])
    return Centre(market, np.asarray(targets, dtype=float)[:, :y], market,
                  100.0 * np.array([s for _, s in res]))


def months_run(fund: Fund, n_years: int) -> np.ndarray:
    """The months the fund runs in each generator year (12, fewer in the year it starts in
    after the information date, 0 before)."""
    start = fund.flows.start_month
    return np.clip(12 * (np.arange(n_years) + 1) - start, 0, 12)


def centre_funds(funds: list[Fund], targets: np.ndarray, eq_step: np.ndarray, fi: np.ndarray,
                 steps: int) -> tuple[list[Fund], Centre]:
    """Funds whose expected yearly return on the pilot sample is ``targets`` (P, Y) [percent]
    (for the months they run: a fund starting after the information date earns the year's
    target pro rata, ``(1 + target)^(months / 12) - 1``, in the year it starts in).

    ``eq_step`` (N, M*steps) and ``fi`` (N, M) are the pilot's returns.
    """
    y = fi.shape[1] // 12
    out, market, centred, ses = [], [], [], []
    for fund, target in zip(funds, targets):
        months = months_run(fund, y)
        runs = months > 0
        goal = (1.0 + np.asarray(target[:y], dtype=float) / 100.0) ** (months / 12.0)
        shift = np.zeros(y)
        m0, _ = _mean_return(fund, eq_step, fi, steps)
        mean = m0
        for _ in range(ITERATIONS):
            shift = shift + np.where(runs, np.log(goal / (1.0 + mean)) / np.maximum(months, 1),
                                     0.0)
            moved = dataclasses.replace(fund, flows=fund.flows._replace(centre_shift=shift))
            mean, se = _mean_return(moved, eq_step, fi, steps)
        out.append(moved)
        market.append(100.0 * m0)
        centred.append(100.0 * mean)
        ses.append(100.0 * se)
    return out, Centre(np.array(market), np.asarray(targets, dtype=float)[:, :y],
                       np.array(centred), np.array(ses))
