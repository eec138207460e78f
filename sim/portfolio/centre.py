"""The funds' return centre: the plan's expected return, or the market's.

With ``simulation.return_centre = "plan"`` (the default) each fund's expected yearly return is
the return the plan budgets on it (``funds.<key>.expected_return``, per plan year; the last
plan year's past the plan). The generator's markets have their own expectation (the equity
model's mean, the short rate plus spread). A fund is centred by adding a constant log return
``delta_y`` a month to its **equity** (to its fixed income when it holds none): the rates
the generator starts from are known at the information date, the equity premium is not, so
the fixed income keeps the market's return and the plan's number is read as a statement about
equity. (Shifting both asset classes by the same ``delta`` would make a dynamic fund's fixed
income lose money whenever the plan's number is below the market's, and the rule, which moves
into fixed income near its protection level, then falls through the level by construction.)

``delta_y`` is found on a pilot sample of the generator drawn from its own seed
(``SeedSequence(seed, spawn_key=(1, 0))``, never a block's), by the secant method on each
year's mean return (a fund's mean return rises monotonically with its equity's), from zero and
the shift that would hit the target if the whole fund were in the shifted asset; the
remaining gap is reported (``Centre.centred`` against ``Centre.target``).

``"market"`` leaves every ``delta`` at zero.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from . import Fund, run_fund, step_market

__all__ = ["Centre", "centre_funds", "expected_returns", "PILOT_SPAWN_KEY", "ITERATIONS",
           "TOLERANCE"]

#: The pilot sample's seed: a two-part spawn key, distinct from every block's (b,).
PILOT_SPAWN_KEY = (1, 0)
#: Secant steps at most, and the gap in the mean yearly return [fraction] that ends them: 1e-6,
#: a ten-thousandth of a percentage point, under a hundredth of the pilot's own standard error
#: for every fund of the default plan (0,02 points for the short-term fund, 0,18 for the
#: pension portfolio). It was 1e-7, which took the pension portfolio's path-dependent rule
#: ten runs of the pilot against six, for a gap no run can see.
ITERATIONS = 12
TOLERANCE = 1e-6


class Centre(NamedTuple):
    """Each fund's expected yearly return [percent], per horizon year (P, Y): the market's
    (no shift), the target and the centred funds' (on the pilot sample), and its standard
    error on the pilot."""

    market: np.ndarray
    target: np.ndarray
    centred: np.ndarray
    se: np.ndarray


def _mean_return(fund: Fund, eq_step, fi, steps, market) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over paths of each year's return on the year's start value;
    ``market``: the returns step by step (:func:`~sim.portfolio.step_market`), computed once."""
    out = run_fund(fund, eq_step, fi, steps, monthly=False, market=market, stats=False)
    start = out.value_end - out.year_return
    r = np.where(start > 0, out.year_return / np.where(start > 0, start, 1.0), 0.0)
    return r.mean(axis=0), r.std(axis=0, ddof=1) / np.sqrt(r.shape[0])


def expected_returns(funds: list[Fund], targets: np.ndarray, eq_step: np.ndarray,
                     fi: np.ndarray, steps: int) -> Centre:
    """The funds' expected yearly returns on the pilot sample, as they are (market centre)."""
    y = fi.shape[1] // 12
    grown = step_market(eq_step, fi, steps)
    res = [_mean_return(f, eq_step, fi, steps, grown) for f in funds]
    market = 100.0 * np.array([m for m, _ in res])
    return Centre(market, np.asarray(targets, dtype=float)[:, :y], market,
                  100.0 * np.array([s for _, s in res]))


def months_run(fund: Fund, n_years: int) -> np.ndarray:
    """The months the fund runs in each generator year (12, fewer in the year it starts in
    after the information date, 0 before)."""
    start = fund.flows.start_month
    return np.clip(12 * (np.arange(n_years) + 1) - start, 0, 12)


def _shifted(fund: Fund, shift: np.ndarray) -> Fund:
    """``fund`` with the monthly log-return ``shift`` (Y,) on the asset it is centred by."""
    zero = np.zeros_like(shift)
    eq, fi = (shift, zero) if fund.holds_equity else (zero, shift)
    return dataclasses.replace(fund, flows=fund.flows._replace(equity_shift=eq,
                                                               fixed_income_shift=fi))


def centre_funds(funds: list[Fund], targets: np.ndarray, eq_step: np.ndarray, fi: np.ndarray,
                 steps: int) -> tuple[list[Fund], Centre]:
    """Funds whose expected yearly return on the pilot sample is ``targets`` (P, Y) [percent]
    (for the months they run: a fund starting after the information date earns the year's
    target pro rata, ``(1 + target)^(months / 12) - 1``, in the year it starts in), each by a
    shift of its equity (module docstring).

    ``eq_step`` (N, M*steps) and ``fi`` (N, M) are the pilot's returns.
    """
    y = fi.shape[1] // 12
    grown = step_market(eq_step, fi, steps)      # the pilot's returns step by step, once

    def one(fund: Fund, target) -> tuple[Fund, np.ndarray, np.ndarray, np.ndarray]:
        months = months_run(fund, y)
        runs = months > 0
        goal = (1.0 + np.asarray(target[:y], dtype=float) / 100.0) ** (months / 12.0) - 1.0
        m0, se = _mean_return(fund, eq_step, fi, steps, grown)
        # secant per year, from 0 and the whole-fund shift; years not run keep 0
        x0, f0 = np.zeros(y), m0 - goal
        x1 = np.where(runs, np.log((1.0 + goal) / (1.0 + m0)) / np.maximum(months, 1), 0.0)
        moved = _shifted(fund, x1)
        mean, se = _mean_return(moved, eq_step, fi, steps, grown)
        f1 = mean - goal
        for _ in range(ITERATIONS):
            if np.all(np.abs(f1[runs]) < TOLERANCE):
                break
            slope = np.where(np.abs(x1 - x0) > 0, (f1 - f0) / np.where(x1 != x0, x1 - x0, 1.0),
                             0.0)
            step = np.where(runs & (slope > 0), -f1 / np.where(slope > 0, slope, 1.0), 0.0)
            x0, f0 = x1, f1
            x1 = x1 + step
            moved = _shifted(fund, x1)
            mean, se = _mean_return(moved, eq_step, fi, steps, grown)
            f1 = mean - goal
        return moved, 100.0 * m0, 100.0 * mean, 100.0 * se

    # the funds are independent and the kernel releases the GIL: one thread each
    with ThreadPoolExecutor(max(1, min(len(funds), os.cpu_count() or 1))) as pool:
        done = list(pool.map(one, funds, targets))
    return [d[0] for d in done], Centre(np.array([d[1] for d in done]),
                                        np.asarray(targets, dtype=float)[:, :y],
                                        np.array([d[2] for d in done]),
                                        np.array([d[3] for d in done]))
