"""Sensitivity and reverse stress: each risk factor moved in units of its own standard deviation.

**The factor setting.** Factor ``f`` at setting ``z`` is its path moved by ``z`` standard
deviations of its yearly value in every plan year (not in the years between the information date
and the plan, which are news, not the plan's risk): equity's yearly log return (spread evenly
over the months), the short rate's and KPIF's yearly averages, and the yearly factors' growth.
A growth factor's setting moves each year's growth, so its level moves by one standard
deviation in the plan's first year, two in the second, and so on.
The standard deviations are measured on the scenario generator itself (``calibration_paths``
paths of the run's seed), so they follow whatever model the config holds; a factor the model does
not vary (standard deviation zero) has no setting and is left out.

* :func:`tornado` -- each factor alone at ``-k`` and ``+k`` on the **same random numbers** as a
  base Monte Carlo run: the change of the mean balanskravsresultat and of P(deficit) per year,
  with the paired standard errors.
* :func:`sobol` -- first- and total-order Sobol indices of the year's balanskravsresultat over
  the settings ``z ~ N(0, 1)``, independent (SALib, Saltelli sampling), on the deterministic
  model (every random shock at zero; the budget's fund results as plan + effect, as in
  :mod:`sim.stress.run`). Sobol indices assume independent inputs; the factors' correlation
  enters the reverse stress test, not these.
* :func:`reverse_stress` -- the most likely combined setting that brings year ``Y``'s
  balanskravsresultat to zero: the point of the failure surface nearest the plan in the
  Mahalanobis distance of the config's factor correlation (the design point of FORM, found by
  the Hasofer-Lind-Rackwitz-Fiessler iteration with central-difference gradients). It is
  returned as a scenario that ``sim stress`` reruns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import blocks
from ..catalogue import annotate
from ..engine import Engine, paths_together
from ..esg.model import Shifts, generate_arrays, zero_innovations
from ..esg.schema import ANNUAL_FACTORS, FACTORS
from .run import plan_offset
from .scenario import FactorPath, Scenario
from .settings import CALIBRATION_PATHS, SOBOL_SAMPLES, TORNADO_PATHS

__all__ = ["FactorUnits", "calibrate", "evaluate", "tornado", "sobol", "reverse_stress",
           "run_sensitivity", "TORNADO_PATHS", "SOBOL_SAMPLES", "CALIBRATION_PATHS",
           "ReversePoint", "point_scenario", "scenario_toml", "sensitivity_dataset",
           "factor_label"]

#: Labels of the monthly factors; a yearly factor's label is the config's (esg.annual.*.label).
MONTHLY_FACTOR_LABELS = {"equity": "Aktier, årets avkastning", "short_rate": "Kort ränta",
                         "inflation": "Inflation (KPIF)"}


def factor_label(cfg, factor: str) -> str:
    """The Swedish label of a risk factor: the config's for a yearly factor."""
    if factor in cfg.esg.annual:
        return cfg.esg.annual[factor].label
    return MONTHLY_FACTOR_LABELS[factor]

#: Units of one standard deviation, per factor (of the yearly value the setting moves).
SD_UNITS = {"equity": "1", "short_rate": "percent", "inflation": "percent",
            **{k: "percent" for k in ANNUAL_FACTORS}}


@dataclass(frozen=True)
class FactorUnits:
    """One standard deviation of each factor's yearly value, per year, and their correlation."""

    sd: np.ndarray          # (F, Y)
    corr: np.ndarray        # (F, F): the config's correlation of the factors' innovations

    @property
    def active(self) -> np.ndarray:
        """Indices of the factors the model varies."""
        return np.flatnonzero(self.sd.max(axis=1) > 0)

    def shifts(self, z: np.ndarray) -> Shifts:
        """Shifts for settings ``z`` (N, F), in standard deviations."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        sd = self.sd
        per_month = lambda row: np.repeat(row, 12)[None]        # noqa: E731
        return Shifts(equity=z[:, 0:1] * per_month(sd[0] / 12.0),
                      short_rate=z[:, 1:2] * per_month(sd[1]),
                      kpif=z[:, 2:3] * per_month(sd[2]),
                      annual=z[:, None, 3:] * sd[3:].T[None])


def calibrate(e: Engine, n_paths: int, seed: int, threads: int = 1) -> FactorUnits:
    """Measure each factor's yearly standard deviation on ``n_paths`` generator paths; the
    years before the plan (``e.n_pre``) get none, so a setting moves the plan years only."""
    out = generate_arrays(e.esg, n_paths, seed, e.block_size, threads=threads,
                          keep=("equity_log_return", "short_rate", "kpif_annual",
                                "annual_growth"))
    y = len(e.esg.years)
    yearly = [out.equity_log_return.reshape(n_paths, y, 12).sum(axis=2),
              out.short_rate.reshape(n_paths, y, 12).mean(axis=2),
              out.kpif_annual]
    yearly += [out.annual_growth[:, :, j] for j in range(len(ANNUAL_FACTORS))]
    sd = np.array([v.std(axis=0, ddof=1) for v in yearly])
    sd[sd < 1e-12 * (1.0 + np.abs(np.array([v.mean(axis=0) for v in yearly])))] = 0.0
    sd[:, :e.n_pre] = 0.0
    corr = np.array(e.cfg.esg.correlation.matrix, dtype=float)
    return FactorUnits(sd=sd, corr=corr)


def evaluate(e: Engine, units: FactorUnits, z: np.ndarray, offset=None,
             threads: int = 1) -> np.ndarray:
    """The deterministic model's balanskravsresultat (N, Y) at settings ``z`` (N, F), one
    path per row; the rows in blocks of the engine's size on ``threads`` threads, put
    together in order (each row's result depends on its own settings only)."""
    offset = plan_offset(e) if offset is None else offset

    def work(b: int) -> np.ndarray:
        lo, hi = blocks.bounds(b, len(z), e.block_size)
        zz = z[lo:hi]
        return e.run_block(zero_innovations(e.esg, len(zz)), shifts=units.shifts(zz),
                           fund_offset=offset).budget.balance_requirement_result

    return np.concatenate([r for _, r in blocks.in_block_order(
        work, blocks.n_blocks(len(z), e.block_size), threads)])


def tornado(e: Engine, units: FactorUnits, n_paths: int, k: float = 1.0,
            threads: int = 1, progress=None) -> dict[str, np.ndarray]:
    """Each factor alone at ``-k`` and ``+k`` standard deviations, on the same random numbers
    (the engine's seed).

    Returns arrays (F, 2, Y) of the change in the mean balanskravsresultat [mnkr] and in
    P(balanskravsresultat < 0), with their paired standard errors, and the base (Y,)."""
    f = len(FACTORS)
    settings = []
    for i in units.active:
        for s in (-k, k):
            z = np.zeros((1, f))
            z[0, i] = s
            settings.append(units.shifts(z))
    # one pass: the base and every setting on each block, sharing its random numbers, and
    # the funds wherever a setting leaves their returns as they were (the budget's factors)
    base, *got = paths_together([(e, None)] + [(e, sh) for sh in settings], n_paths,
                                lambda out: out.budget.balance_requirement_result, threads,
                                progress)
    y = base.shape[1]
    res = {name: np.full((f, 2, y), np.nan) for name in
           ("mean_change", "mean_change_se", "p_deficit_change", "p_deficit_change_se")}
    for n, i in enumerate(units.active):
        for j in range(2):
            d = got[2 * n + j] - base
            dp = (got[2 * n + j] < 0).astype(float) - (base < 0)
            res["mean_change"][i, j] = d.mean(axis=0)
            res["mean_change_se"][i, j] = d.std(axis=0, ddof=1) / math.sqrt(n_paths)
            res["p_deficit_change"][i, j] = dp.mean(axis=0)
            res["p_deficit_change_se"][i, j] = dp.std(axis=0, ddof=1) / math.sqrt(n_paths)
    res["base_mean"] = base.mean(axis=0)
    res["base_std"] = base.std(axis=0, ddof=1)
    res["base_p_deficit"] = (base < 0).mean(axis=0)
    return res


def sobol(e: Engine, units: FactorUnits, n_base: int, seed: int,
          threads: int = 1) -> dict[str, np.ndarray]:
    """First- and total-order Sobol indices of each year's balanskravsresultat (SALib).

    ``n_base`` (a power of two) Saltelli base samples: ``n_base * (F + 2)`` model runs, on
    ``threads`` threads (the indices do not depend on them).
    Returns arrays (F, Y): ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95 % bootstrap half-widths);
    NaN for factors the model does not vary."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    act = units.active
    f = len(FACTORS)
    problem = {"num_vars": len(act), "names": [FACTORS[i] for i in act],
               "bounds": [[0.0, 1.0]] * len(act), "dists": ["norm"] * len(act)}
    x = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    z = np.zeros((len(x), f))
    z[:, act] = x
    out = evaluate(e, units, z, threads=threads)
    y = out.shape[1]
    res = {k: np.full((f, y), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    for t in range(y):
        if out[:, t].var() <= 0.0:
            continue
        si = sobol_analyze.analyze(problem, out[:, t], calc_second_order=False, seed=seed,
                                   print_to_console=False)
        for k in res:
            res[k][act, t] = si[k]
    res["variance"] = out.var(axis=0)
    return res


@dataclass(frozen=True)
class ReversePoint:
    """The most likely setting on the failure boundary of one year's balanskravsresultat."""

    year: int
    z: np.ndarray                 # (F,) settings in standard deviations
    beta: float                   # Mahalanobis distance from the plan
    bkr_plan: float               # the plan's balanskravsresultat of the year
    bkr_at_point: float           # the model's at z (0 up to the tolerance)
    gradient: np.ndarray          # d bkr / d z at the point [mnkr per standard deviation]
    iterations: int
    converged: bool


def reverse_stress(e: Engine, units: FactorUnits, year: int, tol: float = 1e-6,
                   g_tol: float = 1e-3,
                   max_iter: int = 50, h: float = 1e-3) -> ReversePoint:
    """The design point: minimise ``z' C^-1 z`` subject to ``bkr_year(z) = 0`` (the improved
    HL-RF iteration of Zhang and Der Kiureghian 1997: the HL-RF direction, with a step halved
    until the merit ``|u|^2 / 2 + c |g(u)|`` falls, so a non-linear model does not cycle).

    Converged when a step moves the point by less than ``tol`` (relative) and the result at
    the point is within ``g_tol`` mnkr of zero (1e-3: a thousand kronor)."""
    years = list(int(v) for v in e.plan.years)
    if year not in years:
        raise ValueError(f"--year: {year} is not a plan year; allowed: {years[0]}-{years[-1]}")
    t = years.index(year)
    act = units.active
    c = units.corr[np.ix_(act, act)]
    chol = np.linalg.cholesky(c + 1e-12 * np.eye(len(act)))
    offset = plan_offset(e)
    f = len(FACTORS)

    def g_only(u: np.ndarray) -> float:
        z = np.zeros((1, f))
        z[0, act] = chol @ u
        return float(evaluate(e, units, z, offset)[0, t])

    def g_and_grad(u: np.ndarray) -> tuple[float, np.ndarray]:
        pts = np.vstack([u, u + h * np.eye(len(u)), u - h * np.eye(len(u))])
        z = np.zeros((len(pts), f))
        z[:, act] = pts @ chol.T
        b = evaluate(e, units, z, offset)[:, t]
        n = len(u)
        return b[0], (b[1:n + 1] - b[n + 1:]) / (2 * h)

    u = np.zeros(len(act))
    g0, grad = g_and_grad(u)
    g, it, converged = g0, 0, g0 <= 0.0
    if g0 > 0.0:
        for it in range(1, max_iter + 1):
            norm2 = grad @ grad
            if norm2 == 0.0:
                raise ValueError(f"the {year} balanskravsresultat does not move with any factor "
                                 "here: no combined shock brings it below zero")
            d = ((grad @ u - g) / norm2) * grad - u
            c = 2.0 * max(np.linalg.norm(u) / np.sqrt(norm2), 1.0 / np.sqrt(norm2))

            def merit(v: np.ndarray, gv: float) -> float:
                return 0.5 * (v @ v) + c * abs(gv)
            m0, lam = merit(u, g), 1.0
            for _ in range(30):
                trial = u + lam * d
                if merit(trial, g_only(trial)) < m0 or lam < 1e-6:
                    break
                lam *= 0.5
            u_new = u + lam * d
            step = np.linalg.norm(u_new - u)
            u = u_new
            g, grad = g_and_grad(u)
            if step < tol * (1.0 + np.linalg.norm(u)) and abs(g) < g_tol:
                converged = True
                break
    z = np.zeros(f)
    z[act] = chol @ u
    # gradient with respect to z: d g / d z = C^-T-ish; report it per standard deviation of z
    grad_z = np.zeros(f)
    grad_z[act] = np.linalg.solve(chol.T, grad)
    return ReversePoint(year=year, z=z, beta=float(np.linalg.norm(u)), bkr_plan=float(g0),
                        bkr_at_point=float(g), gradient=grad_z, iterations=it,
                        converged=bool(converged))


def point_scenario(e: Engine, units: FactorUnits, p: ReversePoint) -> Scenario:
    """The reverse-stress point as a scenario file's content (every factor as a yearly shift)."""
    first = str(int(e.esg.years[0]))
    factors = {}
    for i, key in enumerate(FACTORS):
        if p.z[i] == 0.0:
            continue
        vals = [float(v) for v in p.z[i] * units.sd[i]]
        unit = "fraction" if key == "equity" else "percent"
        factors[key] = FactorPath(
            mode="shift", frequency="yearly", start=first, values=vals, unit=unit,
            source=f"derived: sim reverse-stress, {p.z[i]:+.4f} standard deviations of the "
                   "factor's yearly value in every year")
    return Scenario(
        label=f"Omvänt stresstest {p.year}",
        description=(f"The most likely combination of factor shocks that brings the "
                     f"{p.year} balanskravsresultat to zero: {p.beta:.2f} standard deviations "
                     "from the plan (Mahalanobis distance with the config's correlation)."),
        source="derived: sim reverse-stress (design point of FORM, HL-RF iteration)",
        factors=factors)


def scenario_toml(sc: Scenario) -> str:
    """A scenario as TOML text that :func:`sim.stress.load_scenario` reads back."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"label = {q(sc.label)}", f"description = {q(sc.description)}",
             f"source = {q(sc.source)}"]
    for key, fp in sc.factors.items():
        lines += ["", f"[factors.{key}]", f"mode = {q(fp.mode)}",
                  f"frequency = {q(fp.frequency)}", f"start = {q(fp.start)}",
                  "values = [" + ", ".join(repr(float(v)) for v in fp.values) + "]",
                  f"unit = {q(fp.unit)}", f"then = {q(fp.then)}", f"source = {q(fp.source)}"]
    return "\n".join(lines) + "\n"


def sensitivity_dataset(e: Engine, units: FactorUnits, tor: dict, sob: dict, k: float):
    """Tornado and Sobol indices as one Dataset (dims factor, setting, year)."""
    import xarray as xr

    years = e.plan.years
    y = len(years)
    f3 = ("factor", "setting", "year")
    data = {
        "factor_sd": (("factor", "year"), units.sd[:, e.n_pre:e.n_pre + y]),
        "bkr_mean_change": (f3, tor["mean_change"]),
        "bkr_mean_change_se": (f3, tor["mean_change_se"]),
        "p_deficit_change": (f3, tor["p_deficit_change"]),
        "p_deficit_change_se": (f3, tor["p_deficit_change_se"]),
        "bkr_mean_base": (("year",), tor["base_mean"]),
        "bkr_std_base": (("year",), tor["base_std"]),
        "p_deficit_base": (("year",), tor["base_p_deficit"]),
        "sobol_first": (("factor", "year"), sob["S1"]),
        "sobol_first_conf": (("factor", "year"), sob["S1_conf"]),
        "sobol_total": (("factor", "year"), sob["ST"]),
        "sobol_total_conf": (("factor", "year"), sob["ST_conf"]),
        "sobol_variance": (("year",), sob["variance"]),
    }
    coords = {"factor": list(FACTORS), "setting": ["low", "high"], "year": years,
              "factor_label": ("factor", [factor_label(e.cfg, f) for f in FACTORS]),
              "factor_sd_units": ("factor", [SD_UNITS[f] for f in FACTORS]),
              "setting_sd": ("setting", [-k, k])}
    return annotate(xr.Dataset(data, coords=coords))


def run_sensitivity(cfg, seed: int, paths: int = TORNADO_PATHS, k: float = 1.0,
                    sobol_samples: int = SOBOL_SAMPLES,
                    calibration_paths: int = CALIBRATION_PATHS, threads: int = 1,
                    progress_bar=None):
    """Calibrate, tornado and Sobol indices: the Dataset of ``sim sensitivity`` (without its
    provenance). ``progress_bar(total, label)`` is a context manager yielding ``advance(n)``."""
    import contextlib

    e = Engine(cfg, seed)
    units = calibrate(e, calibration_paths, seed, threads)
    total = paths * (1 + 2 * len(units.active))
    bar = progress_bar(total, "Känslighet") if progress_bar else contextlib.nullcontext(None)
    with bar as advance:
        tor = tornado(e, units, paths, k, threads, advance)
    ds = sensitivity_dataset(e, units, tor, sobol(e, units, sobol_samples, seed, threads), k)
    ds.attrs.update({"paths": paths, "sobol_samples": sobol_samples,
                     "calibration_paths": calibration_paths, "setting_sd": k})
    return ds
