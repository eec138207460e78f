"""Economic scenario generator: correlated monthly and yearly risk factors, by block of paths.

``generate(cfg, n_paths, seed)`` returns an ``xarray.Dataset`` (dims ``path``, ``month``,
``year``, ``factor``). The equations, their parameters and sources are in
``configs/models/esg-default.toml`` and docs/models/generator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .schema import ANNUAL_FACTORS, FACTORS, MONTHLY_FACTORS

if TYPE_CHECKING:
    from .model import EsgParams
    from .records import EsgPaths

__all__ = ["generate", "esg_params", "EsgParams", "FACTORS", "MONTHLY_FACTORS", "ANNUAL_FACTORS",
           "to_dataset"]


def __getattr__(name: str):
    """The generator's model (and numba with it) is imported when first used, not by a
    command that only reads a config (``sim validate``: :mod:`.schema` is all it needs)."""
    if name == "EsgParams":
        from .model import EsgParams
        return EsgParams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def esg_params(cfg) -> EsgParams:
    """Resolve a validated :class:`~sim.config.PlanConfig`'s generator to arrays."""
    from .model import EsgParams

    return EsgParams.from_config(cfg.esg, cfg.forecasts, cfg.meta.first_year, cfg.meta.last_year,
                                 cfg.simulation.horizon_years, cfg.information, cfg.vintage,
                                 steps=cfg.equity_steps)


def to_dataset(p: EsgParams, out: EsgPaths, equity_model: str,
               attrs: dict | None = None):
    """The generator's arrays as a Dataset with units and Swedish long names."""
    import xarray as xr  # imported here: a run's first paths do not wait for xarray

    from ..catalogue import annotate
    from .model import OUTPUT_DIMS

    labels = {"equity_regime": equity_model == "rsln2", "equity_variance": equity_model == "garch"}
    data = {}
    for key, dims in OUTPUT_DIMS.items():
        if not labels.get(key, True):
            continue
        data[key] = xr.Variable(dims, getattr(out, key))
    if p.steps > 1:
        data["equity_step_log_return"] = xr.Variable(("path", "step"), out.equity_step)
    n = out.kpif.shape[0]
    months = np.arange(f"{p.years[0]}-01", f"{p.years[-1] + 1}-01", dtype="datetime64[M]")
    coords = {"path": np.arange(n), "year": p.years,
              "month": np.arange(len(months)),
              "time": ("month", months.astype("datetime64[ns]")),
              "factor": list(ANNUAL_FACTORS)}
    if p.steps > 1 or equity_model == "garch":
        coords["step"] = np.arange(len(months) * p.steps)
    ds = xr.Dataset(data, coords=coords, attrs=attrs or {})
    ds.attrs["steps_per_month"] = p.steps
    return annotate(ds)


def generate(cfg, n_paths: int, seed: int, threads: int = 1, deterministic: bool = False,
             shocks: dict | None = None, shifts=None,
             block_order: list[int] | None = None, progress=None,
             attrs: dict | None = None):
    """Simulate ``n_paths`` paths of every factor for a validated plan config."""
    from .model import generate_arrays

    p = esg_params(cfg)
    out = generate_arrays(p, n_paths, seed, cfg.simulation.block_size, threads=threads,
                          deterministic=deterministic, shocks=shocks, shifts=shifts,
                          block_order=block_order, progress=progress)
    return to_dataset(p, out, cfg.esg.equity.model, attrs)
