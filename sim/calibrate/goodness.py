"""Goodness of fit of the fitted market models: what ``sim calibrate esg --plots`` shows.

For each model, as one Dataset (dims ``model``, ``t``, ``quantile``):

* **PIT** (probability integral transform): each month's observation through the model's
  one-step-ahead predictive distribution given everything before it (the Hamilton filter's
  regime probabilities for the switching models, the conditional variance for GARCH). Under a
  right model the PIT values are uniform on [0, 1] and independent (Diebold, Gunther and Tay
  1998, International Economic Review 39(4) 863-883); a U shape means tails too thin, a hump
  tails too fat. The Kolmogorov-Smirnov p-value against the uniform is reported.
* **Yearly distribution**: the fitted model's quantiles (1, 5, 50, 95 and 99 %) of a calendar
  year (equity: the year's log return; KPIF: the year's mean 12-month rate), from 20 000
  simulated years of its stationary law, beside the data's empirical quantiles.
* **2022 and 2023** (KPIF): the probability the fitted model's stationary law gives a
  calendar year with a mean KPIF at or above each year's outturn.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .diagnostics import simulate_garch_t, simulate_msar, simulate_rsln2
from .fit import Estimate

__all__ = ["QUANTILES", "SIM_YEARS", "goodness_of_fit", "pit_rsln2", "pit_msar",
           "pit_garch", "pit_gbm"]

QUANTILES = (0.01, 0.05, 0.5, 0.95, 0.99)
#: simulated years behind the model's yearly quantiles (the 1 % quantile's standard error is
#: then about 0,1 standard deviations of the yearly law)
SIM_YEARS = 20_000
#: the seed of the simulated years (the charts are the same on every run)
SEED = 20230101


def pit_rsln2(e: Estimate, x: np.ndarray) -> np.ndarray:
    mu1, s1, mu2, s2, p12, p21 = e.values
    p2 = p12 / (p12 + p21)
    out = np.empty(x.size)
    for t in range(x.size):
        q2 = p2 if t == 0 else (1 - p2) * p12 + p2 * (1 - p21)
        f1, f2 = stats.norm.pdf(x[t], mu1, s1), stats.norm.pdf(x[t], mu2, s2)
        out[t] = (1 - q2) * stats.norm.cdf(x[t], mu1, s1) + q2 * stats.norm.cdf(x[t], mu2, s2)
        p2 = q2 * f2 / ((1 - q2) * f1 + q2 * f2)
    return out


def pit_msar(e: Estimate, y: np.ndarray, episodes=None) -> np.ndarray:
    """From the second month on (the likelihood is conditional on the first); with
    ``episodes`` (an :class:`~sim.calibrate.episodes.EpisodeFit`) the episode chain beside the
    two regimes (four joint states)."""
    from ._kernels import regimes_nb

    mu, shift, phi, s0, s1, pe, px = e.values
    ep = (0.0, 0.0, 1.0) if episodes is None else tuple(float(v) for v in episodes.values)
    means, sd, trans, prob = regimes_nb(shift, s0, s1, pe, px, *ep)
    k = means.size
    out = np.empty(y.size - 1)
    for t in range(1, y.size):
        joint = prob[:, None] * trans                      # P(s_{t-1} = a, s_t = b | past)
        mean = mu + means[None, :] + phi * (y[t - 1] - mu - means[:, None])
        out[t - 1] = float((joint * stats.norm.cdf(y[t], mean, sd[None, :])).sum())
        post = joint * stats.norm.pdf(y[t], mean, sd[None, :])
        prob = post.sum(axis=0) / post.sum()
    assert prob.size == k
    return out


def pit_garch(e: Estimate, x: np.ndarray) -> np.ndarray:
    mu, omega, alpha, beta, nu = e.values
    h = omega / (1 - alpha - beta)
    out = np.empty(x.size)
    eps = 0.0
    for t in range(x.size):
        if t:
            h = omega + alpha * eps * eps + beta * h
        eps = x[t] - mu
        out[t] = stats.t.cdf(eps / math.sqrt(h) * math.sqrt(nu / (nu - 2)), nu)
    return out


def pit_gbm(x: np.ndarray) -> np.ndarray:
    return stats.norm.cdf(x, x.mean(), x.std())


def _calendar_years(months: list[str], values: np.ndarray, how: str) -> np.ndarray:
    """Whole calendar years of ``values`` (monthly), summed (log returns) or averaged."""
    years = sorted({m[:4] for m in months})
    out = []
    for y in years:
        v = values[[m.startswith(y) for m in months]]
        if v.size == 12:
            out.append(v.sum() if how == "sum" else v.mean())
    return np.array(out)


def goodness_of_fit(result) -> "xr.Dataset":  # noqa: F821
    """The fit's goodness of fit (module docstring), from an :class:`sim.calibrate.esg.EsgFit`."""
    import xarray as xr

    rng = np.random.default_rng(SEED)
    eq, kpif = result.equity, result.kpif
    x, y = eq.values, kpif.values
    pits = {"rsln2": pit_rsln2(result.rsln2, x), "garch": pit_garch(result.garch, x),
            "gbm": pit_gbm(x), "inflation": pit_msar(result.inflation, y, result.episodes)}
    sims = {"rsln2": simulate_rsln2(result.rsln2, 12, SIM_YEARS, rng).sum(axis=1),
            "garch": simulate_garch_t(result.garch, 12, SIM_YEARS, rng).sum(axis=1),
            "gbm": rng.normal(12 * x.mean(), math.sqrt(12) * x.std(), SIM_YEARS),
            "inflation": simulate_msar(result.inflation, 12, SIM_YEARS, rng,
                                       episodes=result.episodes).mean(axis=1)}
    data_years = {"equity": _calendar_years(list(eq.months), x, "sum"),
                  "inflation": _calendar_years(list(kpif.months), y, "mean")}
    models = ["rsln2", "garch", "gbm", "inflation"]
    n_t = max(v.size for v in pits.values())
    pit = np.full((len(models), n_t), np.nan)
    for i, m in enumerate(models):
        pit[i, :pits[m].size] = pits[m]
    q = np.array(QUANTILES)
    model_q = np.array([np.quantile(sims[m], q) for m in models])
    data_q = np.array([np.quantile(data_years["inflation" if m == "inflation" else "equity"], q)
                       for m in models])
    ks = np.array([stats.kstest(pits[m], "uniform").pvalue for m in models])
    # 2022 and 2023: each year's mean of the 12-month rate, as the data give it
    outturn = {yr: float(y[[m.startswith(str(yr)) for m in kpif.months]].mean())
               for yr in (2022, 2023) if sum(m.startswith(str(yr)) for m in kpif.months) == 12}
    ds = xr.Dataset(
        {"pit": (("model", "t"), pit),
         "pit_ks_pvalue": (("model",), ks),
         "pit_n": (("model",), np.array([pits[m].size for m in models])),
         "yearly_quantile_model": (("model", "quantile"), model_q),
         "yearly_quantile_data": (("model", "quantile"), data_q),
         "data_years": (("model",), np.array([data_years["inflation" if m == "inflation"
                                                          else "equity"].size for m in models]))},
        coords={"model": models, "quantile": list(QUANTILES), "t": np.arange(n_t),
                "model_label": ("model", ["Aktier, RSLN2", "Aktier, GARCH(1,1)-t",
                                          "Aktier, lognormal (GBM)", "KPIF, tvålägesmodell"]),
                "unit": ("model", ["årets logaritmiska avkastning"] * 3
                         + ["årsgenomsnitt, procent"])})
    for yr, v in outturn.items():
        ds.attrs[f"kpif_outturn_{yr}"] = v
        ds.attrs[f"p_kpif_at_least_{yr}"] = float((sims["inflation"] >= v).mean())
    ds.attrs.update({"equity_period": eq.period, "kpif_period": kpif.period,
                     "simulated_years": SIM_YEARS, "seed": SEED})
    from ..catalogue import annotate

    return annotate(ds)
