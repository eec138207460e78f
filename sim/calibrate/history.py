"""The history the generator is fitted to, read from ``data/history/`` and from the one series
that ships inside a dependency.

* KPIF: SCB's monthly changes (``kpif_monthly_change.csv``, CC0), chained to an index and
  turned into the 12-month rate the generator simulates.
* Equity: the monthly total return of the US stock market (CRSP value-weighted, all NYSE,
  AMEX and NASDAQ stocks: Fama and French's market factor plus the one-month bill), from Ken
  French's data library as the ``arch`` package ships it (``arch.data.frenchdata``, July 1926
  to November 2018). No global or Swedish total-return index in SEK with an open licence was
  available; this is the documented proxy (Hardy 2001 fitted the S&P 500 in USD too).
"""

from __future__ import annotations

import csv
import functools
import gzip
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.files import read_table
from ..errors import HistoryError

__all__ = ["Series", "kpif_12m", "equity_monthly", "equity_sek_monthly", "policy_rate",
           "read_monthly_csv", "publisher", "KPIF_FILE", "USDSEK_FILE", "POLICY_RATE_FILE"]

KPIF_FILE = "kpif_monthly_change.csv"
#: The least data a model is fitted on: ten monthly observations per parameter (a rule of
#: thumb, an assumption: with fewer, maximum likelihood's standard errors are not to be
#: trusted, and a regime model's regimes are not identified).
MONTHS_PER_PARAMETER = 10


@dataclass(frozen=True)
class Series:
    """A monthly series: ``months`` as ``YYYY-MM`` strings, ``values``, and where it is from."""

    months: tuple[str, ...]
    values: np.ndarray
    source: str

    def between(self, first: str, last: str) -> Series:
        keep = [i for i, m in enumerate(self.months) if first <= m <= last]
        return Series(tuple(self.months[i] for i in keep), self.values[keep], self.source)

    @property
    def period(self) -> str:
        return f"{self.months[0]}..{self.months[-1]}" if self.months else "no months"

    def require(self, params: int, what: str, through: str) -> Series:
        """This series, if it holds at least :data:`MONTHS_PER_PARAMETER` months per parameter
        of the model fitted to it; else a :class:`~sim.errors.HistoryError` naming the series,
        what it holds through ``through`` and what is needed."""
        need = MONTHS_PER_PARAMETER * params
        if self.values.size < need:
            raise HistoryError(
                f"{what}: {self.values.size} months through {through} ({self.period}; from "
                f"{self.source}); its model has {params} parameters and is fitted on at least "
                f"{need} months ({MONTHS_PER_PARAMETER} a parameter). Give a later --until or "
                "longer data")
        return self


def read_monthly_csv(path: Path, column: str | None = None) -> tuple[list[str], np.ndarray]:
    """A monthly history file's ``month`` column and one value column (the second column by
    default), read and checked by :func:`sim.data.files.read_table`."""
    table = read_table(path, ("month",))
    name = column or next((c for c in table.columns if c != "month"), None)
    if name is None:
        raise HistoryError(f"{path}: only a 'month' column; the file needs the month and a "
                           "column of values (data/history/README.md)")
    return table.months(), table.numbers(name)


def publisher(path: Path) -> str:
    """The short name of a history file's publisher (its ``# Publisher:`` line up to the first
    comma or bracket)."""
    text = read_table(path).header_value("Publisher") or "publisher not stated"
    return re.split(r"[,(]", text)[0].strip()


def kpif_12m(data_dir: Path) -> Series:
    """KPIF's 12-month rate [percent] from SCB's monthly changes (the first 12 months are used
    up by the first rate). The changes are published to one decimal, so the chained rate is
    within about 0,1-0,2 points of SCB's published 12-month rate."""
    path = Path(data_dir) / KPIF_FILE
    months, change = read_monthly_csv(path)
    index = np.concatenate([[1.0], np.cumprod(1.0 + change / 100.0)])
    rate = (index[12:] / index[:-12] - 1.0) * 100.0
    return Series(tuple(months[11:]), rate, f"{path.name} (SCB, CC0), chained to 12-month rates")


@functools.lru_cache(maxsize=1)
def equity_monthly() -> Series:
    """Monthly log total returns of the US market (Fama-French Mkt-RF + RF, in USD).

    The file is read where ``arch`` installs it (``arch/data/frenchdata/frenchdata.csv.gz``,
    the file ``arch.data.frenchdata.load`` reads), without importing ``arch``, whose import
    takes 1,5 s; the numbers are the same (a test holds them to ``load``). Read once a
    process: the series is the same for every origin of a backtest."""
    spec = importlib.util.find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        raise HistoryError("the equity history ships with the 'arch' package, which is not "
                           "installed: pip install -e . installs it")
    path = Path(spec.submodule_search_locations[0]) / "data" / "frenchdata" / "frenchdata.csv.gz"
    with gzip.open(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    date, market, rf = head.index("Date"), head.index("Mkt-RF"), head.index("RF")
    months = tuple(f"{r[date][:4]}-{r[date][4:6]}" for r in rows[1:])
    r = (np.array([float(x[market]) for x in rows[1:]])
         + np.array([float(x[rf]) for x in rows[1:]])) / 100.0
    values = np.log1p(r)
    values.flags.writeable = False
    return Series(months, values, "Fama-French market + risk-free (Ken French's data "
                  "library, as shipped in arch.data.frenchdata), monthly, USD")


USDSEK_FILE = "usdsek_monthly.csv"
POLICY_RATE_FILE = "policy_rate_monthly.csv"


def equity_sek_monthly(data_dir: Path) -> Series:
    """Monthly log total returns of the US market in SEK: the USD return
    (:func:`equity_monthly`) plus the change in the log of SEK per USD
    (``usdsek_monthly.csv``), on the months both cover. The krona's own risk, and its
    tendency to weaken when markets fall, are then in the series. The rate is a monthly
    average, which smooths the currency's month-to-month move (docs/guides/calibrate.md)."""
    path = Path(data_dir) / USDSEK_FILE
    fx_months, fx = read_monthly_csv(path)
    fx_change = dict(zip(fx_months[1:], np.diff(np.log(fx))))
    usd = equity_monthly()
    keep = [i for i, m in enumerate(usd.months) if m in fx_change]
    months = tuple(usd.months[i] for i in keep)
    values = usd.values[keep] + np.array([fx_change[m] for m in months])
    return Series(months, values, "Fama-French US market + risk-free (Ken French's data "
                  "library, as shipped in arch.data.frenchdata) in USD, converted to SEK with "
                  f"data/history/{USDSEK_FILE} ({publisher(path)}, monthly average SEK per USD)")


def policy_rate(data_dir: Path) -> Series:
    """The Riksbank's policy rate at month ends [percent] (``policy_rate_monthly.csv``)."""
    path = Path(data_dir) / POLICY_RATE_FILE
    months, rate = read_monthly_csv(path)
    return Series(tuple(months), rate, f"data/history/{POLICY_RATE_FILE} ({publisher(path)}, "
                  "the Riksbank's policy rate at month ends)")
