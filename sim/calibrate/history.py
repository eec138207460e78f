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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Series", "kpif_12m", "equity_monthly", "read_monthly_csv", "KPIF_FILE"]

KPIF_FILE = "kpif_monthly_change.csv"


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
        return f"{self.months[0]}..{self.months[-1]}"


def read_monthly_csv(path: Path) -> tuple[list[str], np.ndarray]:
    """``month,value`` rows (``#`` comments and a header skipped); months must be consecutive."""
    months, values = [], []
    with open(path, encoding="utf-8") as fh:
        rows = csv.reader(line for line in fh if line.strip() and not line.startswith("#"))
        next(rows)
        for row in rows:
            months.append(row[0].strip())
            values.append(float(row[1]))
    for a, b in zip(months, months[1:]):
        ya, ma = map(int, a.split("-"))
        yb, mb = map(int, b.split("-"))
        if (yb * 12 + mb) - (ya * 12 + ma) != 1:
            raise ValueError(f"{path}: months {a} and {b} are not consecutive")
    return months, np.array(values)


def kpif_12m(data_dir: Path) -> Series:
    """KPIF's 12-month rate [percent] from SCB's monthly changes (the first 12 months are used
    up by the first rate). The changes are published to one decimal, so the chained rate is
    within about 0,1-0,2 points of SCB's published 12-month rate."""
    path = Path(data_dir) / KPIF_FILE
    months, change = read_monthly_csv(path)
    index = np.concatenate([[1.0], np.cumprod(1.0 + change / 100.0)])
    rate = (index[12:] / index[:-12] - 1.0) * 100.0
    return Series(tuple(months[11:]), rate, f"{path.name} (SCB, CC0), chained to 12-month rates")


def equity_monthly() -> Series:
    """Monthly log total returns of the US market (Fama-French Mkt-RF + RF, in USD)."""
    from arch.data import frenchdata

    ff = frenchdata.load()
    codes = [int(str(d.value)[-6:]) if hasattr(d, "value") else int(d) for d in ff.index]
    months = tuple(f"{c // 100}-{c % 100:02d}" for c in codes)
    r = (ff["Mkt-RF"].to_numpy() + ff["RF"].to_numpy()) / 100.0
    return Series(months, np.log1p(r), "Fama-French market + risk-free (Ken French's data "
                  "library, as shipped in arch.data.frenchdata), monthly, USD")
