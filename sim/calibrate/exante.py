"""Nothing known only later: a plan config's model must be fitted only to data published by the
plan's information date.

A model file records when it was calibrated (``[calibration]``: the information month
``until``, the last month of data ``data_through``, the last publication date of the budget
misses ``budget_published_until``), and every estimate's ``source`` names its data period.
:func:`hindsight` compares both with the plan's information date and lists every way the model
could know more than the plan's makers did. The tests hold every shipped plan config to an
empty list, and ``sim backtest`` refuses a model that is not ex ante.
"""

from __future__ import annotations

import re

__all__ = ["hindsight", "information_month"]

_MONTHS = re.compile(r"(\d{4}-\d{2})\.\.(\d{4}-\d{2})")
_YEARS = re.compile(r"(?<![\d-])(\d{4})-(\d{4})(?![\d-])")


def information_month(cfg) -> str:
    """The plan's information month (``YYYY-MM``): its information file's ``as_of``, or the
    December before its first year without one."""
    if cfg.information is not None:
        return cfg.information.as_of
    return f"{cfg.meta.first_year - 1}-12"


def hindsight(cfg) -> list[str]:
    """Every way ``cfg``'s model (its ``[esg]`` section) uses what was published after the
    plan's information date; empty when it is ex ante."""
    month = information_month(cfg)
    year = int(month[:4])
    esg = cfg.esg
    cal = esg.calibration
    problems: list[str] = []
    if cal is None or cal.until is None:
        return [f"{cfg.esg_model or 'the model'}: no [calibration] until; it cannot show it was "
                "fitted only to what was known by the information date"]
    if cal.until > month:
        problems.append(f"calibration.until {cal.until} is after the information date {month}")
    if cal.data_through is not None and cal.data_through >= month:
        problems.append(f"calibration.data_through {cal.data_through} is not before the "
                        f"information date {month}")
    if cal.budget_published_until is not None and cal.budget_published_until[:7] > month:
        problems.append(f"calibration.budget_published_until {cal.budget_published_until} is "
                        f"after the information date {month}")
    for key, q in esg.estimated().items():
        for first, end in _MONTHS.findall(q.source):
            if end >= month:
                problems.append(f"{key}: its data run to {end}, not before the information "
                                f"date {month} (a month is published after it ends)")
        for first, end in _YEARS.findall(q.source):
            if int(first) < int(end) and int(end) >= year:
                problems.append(f"{key}: its yearly data run to {end}, a year not over before "
                                f"{month}")
    return problems
