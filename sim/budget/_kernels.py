"""Numba kernels of the budget: flat float64 arrays in, ``out`` arrays filled, no I/O.

The plain reference of :func:`balance_requirement_nb` is the table of hand-computed cases and
the independent pure-Python implementation in ``tests/budget/test_balance.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Codes of the RUR draw rule (see sim.budget.plan.DRAW_MODES).
DRAW_NEVER = 0
DRAW_TAX_BASE_BELOW_AVERAGE = 1
DRAW_ANY_DEFICIT = 2


@njit(cache=True, nogil=True)
def balance_requirement_nb(bkr, goal, tax_base_growth, rur_start, draw_mode, growth_average,
                           max_draw, reserve_share, window,
                           out_drawn, out_reserved, out_balance, out_after, out_restored,
                           out_outstanding, out_unrestored):
    """The balance requirement's year recursion, one path per row.

    For each year ``t`` of a path, with ``b`` the balanskravsresultat before the reserve:

    1. RUR draw: if ``b < 0`` and the rule allows it this year (``draw_mode``: never; when the
       realized tax-base growth is below ``growth_average``; or for any deficit), draw
       ``min(-b, balance, max_draw)``.
    2. ``after = b + drawn``. If ``after < 0`` it is this year's deficit, to be restored.
       Otherwise the surplus restores outstanding deficits, oldest first; of what is left, the
       part above the goal times ``reserve_share`` is reserved to the RUR.
    3. A deficit still outstanding ``window`` years after its year is unrestored (overdue);
       later surpluses still restore it.

    Arrays are ``(N, Y)``; ``out_after`` is the balanskravsresultat after RUR draw and reservation.
    """
    n, ny = bkr.shape
    for i in range(n):
        outstanding = np.zeros(ny)
        balance = rur_start
        for t in range(ny):
            b = bkr[i, t]
            drawn = 0.0
            if b < 0.0:
                allowed = (draw_mode == DRAW_ANY_DEFICIT
                           or (draw_mode == DRAW_TAX_BASE_BELOW_AVERAGE
                               and tax_base_growth[i, t] < growth_average))
                if allowed:
                    drawn = min(-b, balance, max_draw)
                    balance -= drawn
            after = b + drawn
            restored = 0.0
            reserved = 0.0
            if after < 0.0:
                outstanding[t] = -after
            else:
                avail = after
                for v in range(t):
                    r = min(avail, outstanding[v])
                    outstanding[v] -= r
                    avail -= r
                    restored += r
                if avail > goal[i, t]:
                    reserved = reserve_share * (avail - goal[i, t])
                    balance += reserved
            total = 0.0
            overdue = 0.0
            for v in range(t + 1):
                total += outstanding[v]
                if t - v >= window:
                    overdue += outstanding[v]
            out_drawn[i, t] = drawn
            out_reserved[i, t] = reserved
            out_balance[i, t] = balance
            out_after[i, t] = after - reserved
            out_restored[i, t] = restored
            out_outstanding[i, t] = total
            out_unrestored[i, t] = overdue
