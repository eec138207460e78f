"""A rolling-origin backtest over many regions' budget misses: each region-year placed in the
one-year-ahead distribution of a model calibrated only on what was published before that
budget was decided.

For each budget year ``Y`` the region-years of ``data/history/budget_outturns.csv`` hold, the
*origin* is November of ``Y - 1``, when a region decides its budget for ``Y``. At the origin:

1. the scenario generator is calibrated on the data published by then (``sim calibrate esg
   --until (Y-1)-11``, the hand-set template);
2. the operations factor on the budget misses published by then (``sim calibrate budget
   --until (Y-1)-11-30``); with fewer than two such misses it keeps the template's assumption;
3. the plan config (a region's cost structure, Region Norrbotten's the one at hand) is run with
   that model and no information date, and the first year's operating result less the plan, in
   percent of the year's planned operating costs, is the model's distribution of a miss.

A region-year's miss, ``100 (outturn - plan) / scale``, is placed in its origin's distribution:
its PIT is ``P(model < miss)`` (ties counted half). Lines that carry the region's financial
market returns (``net_result``) are placed the same way, without them: their misses are wider
than the placement allows, and the coverage is shown for them apart.

Calibration is checked by the PITs (uniform under a calibrated model), the coverage of the
central 50, 90 and 98 % bands with their binomial (Wilson) intervals, and the coverage by
calendar year: one year's surprises (2020's pandemic grants, 2022-23's inflation) hit every
region at once, so the region-years are not independent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..analysis import wilson
from .budget import PlanOutturn

__all__ = ["BANDS", "Placement", "origin_of", "placeable", "place", "coverage", "by_year",
           "pit_histogram", "placements_dataset", "MARKET_FREE"]

#: The central bands whose coverage is reported: probability inside.
BANDS = (0.50, 0.90, 0.98)
#: Lines without the region's market returns.
MARKET_FREE = ("operating_result", "result_excl_market")
#: The lines' Swedish names (the data file's ``line``).
LINE_LABELS = {"operating_result": "Verksamhetens resultat",
               "result_excl_market": "Resultat utan orealiserade värdeförändringar",
               "net_result": "Årets resultat"}


@dataclass(frozen=True)
class Placement:
    row: PlanOutturn
    origin: str            # YYYY-MM, the information month of the model it is placed in
    pit: float
    quantiles: tuple[float, ...]   # the model's 1, 5, 25, 50, 75, 95, 99 % of a miss [%]

    @property
    def miss(self) -> float:
        return self.row.miss

    def inside(self, band: float) -> bool:
        lo = 0.5 - band / 2.0
        return lo <= self.pit <= 1.0 - lo


def origin_of(year: int) -> str:
    """The information month a budget for ``year`` is decided in: November of the year before."""
    return f"{year - 1}-11"


def placeable(rows: list[PlanOutturn]) -> list[PlanOutturn]:
    """One row per region and year, with a scale: the market-free line where the region states
    one, else årets resultat."""
    by: dict[tuple[str, int], PlanOutturn] = {}
    for r in rows:
        if not math.isfinite(r.scale):
            continue
        key = (r.entity, r.year)
        old = by.get(key)
        if old is None or (r.line in MARKET_FREE and old.line not in MARKET_FREE):
            by[key] = r
    return sorted(by.values(), key=lambda r: (r.year, r.entity))


def place(rows: list[PlanOutturn], draws: dict[int, np.ndarray]) -> list[Placement]:
    """Each row's PIT in its year's model draws (``draws[year]``, misses in percent)."""
    out = []
    for r in rows:
        x = np.asarray(draws[r.year], dtype=float)
        pit = float(np.mean(x < r.miss) + 0.5 * np.mean(x == r.miss))
        q = tuple(float(v) for v in np.quantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]))
        out.append(Placement(r, origin_of(r.year), pit, q))
    return out


def coverage(placements: list[Placement]) -> dict[float, tuple[int, int, float, float]]:
    """Per band: ``(inside, n, lower, upper)``, the count inside and the 95 % Wilson interval of
    the share."""
    n = len(placements)
    out = {}
    for band in BANDS:
        k = sum(p.inside(band) for p in placements)
        lo, hi = wilson(np.array(float(k)), np.array(float(n)))
        out[band] = (k, n, float(lo), float(hi))
    return out


def by_year(placements: list[Placement]) -> dict[int, tuple[int, float, int]]:
    """Per calendar year: ``(n, mean PIT, outside the 90 % band)``."""
    years: dict[int, list[Placement]] = {}
    for p in placements:
        years.setdefault(p.row.year, []).append(p)
    return {y: (len(ps), float(np.mean([p.pit for p in ps])),
                sum(not p.inside(0.90) for p in ps)) for y, ps in sorted(years.items())}


def pit_histogram(placements: list[Placement], bins: int = 10) -> np.ndarray:
    """Counts of the PITs in ``bins`` equal bins of [0, 1]."""
    pits = np.array([p.pit for p in placements])
    return np.histogram(pits, bins=bins, range=(0.0, 1.0))[0]


def placements_dataset(placements: list[Placement], origins: dict[int, dict], attrs: dict):
    """The placements as a results Dataset (dim ``outturn``; misses and bands in percent of
    the operating costs), with the coverage per band and per line kind as attributes."""
    import xarray as xr

    from ..catalogue import annotate

    def col(values, dtype=np.float64):
        return ("outturn",), np.array(values, dtype=dtype)

    q = np.array([p.quantiles for p in placements]) if placements else np.zeros((0, 7))
    ds = xr.Dataset(
        {"miss_pct": col([p.miss for p in placements]), "pit": col([p.pit for p in placements]),
         **{f"model_miss_q{k:02d}": col(q[:, j])
            for j, k in enumerate((1, 5, 25, 50, 75, 95, 99))},
         **{f"inside_{int(b * 100)}": col([p.inside(b) for p in placements], np.int8)
            for b in BANDS}},
        coords={"entity": col([p.row.entity for p in placements], object),
                "year": col([p.row.year for p in placements], np.int64),
                "line": col([p.row.line for p in placements], object),
                "line_label": ("outturn", [LINE_LABELS[p.row.line] for p in placements]),
                "origin": col([p.origin for p in placements], object),
                "outturn_source": col([p.row.source for p in placements], object)})
    ds.attrs.update(attrs)
    for name, subset in (("", placements),
                         ("_market_free", [p for p in placements if p.row.line in MARKET_FREE])):
        for band, (k, n, lo, hi) in coverage(subset).items():
            b = int(band * 100)
            ds.attrs[f"coverage{name}_n"] = n
            ds.attrs[f"coverage{name}_inside_{b}"] = k / n if n else float("nan")
            ds.attrs[f"coverage{name}_inside_{b}_lo"] = lo
            ds.attrs[f"coverage{name}_inside_{b}_hi"] = hi
    ds.attrs["pit_histogram"] = pit_histogram(placements).tolist()
    ds.attrs["origins"] = "; ".join(f"{y}: model as of {o['origin']}, operations "
                                    f"{o['operations']}" for y, o in sorted(origins.items()))
    return annotate(ds)
