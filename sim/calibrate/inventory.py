"""Where every parameter a run uses comes from: estimated, official, the plan, or assumed.

``sim validate CONFIG --sources`` prints the count for a plan config and the model file it
includes (docs/guides/calibrate.md). It reads the kind off each quantity's ``source``, the one
place a parameter says where it is from:

* **estimated**: ``estimated: <data, period, method>`` with a standard error (``se``);
* **plan**: the plan's own documents (``seed ...``, ``derived: seed ...``);
* **assumption**: ``assumption: <reason>`` (and ``derived, an upper bound ...``: a bound chosen,
  not a figure published);
* **official**: anything else, a publication or a law (``Sveriges riksbank: ...``,
  ``kommunallagen ...``).

A parameter is *used* when the run's numbers depend on its value: the selected equity model's
parameters only, the inflation regimes' only when they are enabled, a jump size only when its
jumps occur (``jump_rate > 0``). Correlations are counted apart, one per pair of factors; a
pair is estimated when the model file's ``[correlation]`` names it in ``estimated_pairs``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..params import Quantity

__all__ = ["Entry", "KINDS", "kind_of", "generator_entries", "plan_entries", "correlation_kinds",
           "share_estimated"]

KINDS = ("estimated", "official", "plan", "assumption")


@dataclass(frozen=True)
class Entry:
    key: str          # dotted key in its file
    value: float
    unit: str
    kind: str         # one of KINDS
    source: str
    se: float | None = None


def kind_of(q: Quantity) -> str:
    """The kind of a quantity, read off its source (see the module's docstring)."""
    text = q.source.strip().lower()
    if text.startswith("estimated:"):
        return "estimated" if q.se is not None else "assumption"
    if text.startswith("assumption") or text.startswith("derived, an upper bound"):
        return "assumption"
    if text.startswith("seed") or text.startswith("derived: seed") or "seed 00" in text[:40]:
        return "plan"
    return "official"


def _entry(key: str, q: Quantity) -> Entry:
    return Entry(key, q.value, q.unit, kind_of(q), q.source, q.se)


def generator_entries(esg) -> list[Entry]:
    """The scenario generator's parameters a run of ``esg`` (an
    :class:`~sim.esg.schema.EsgConfig`) uses, each with its kind."""
    out: list[Entry] = []
    eq = esg.equity
    model = getattr(eq, eq.model)
    for name in type(model).model_fields:
        out.append(_entry(f"equity.{eq.model}.{name}", getattr(model, name)))
    for section in ("short_rate", "fixed_income"):
        block = getattr(esg, section)
        for name in type(block).model_fields:
            out.append(_entry(f"{section}.{name}", getattr(block, name)))
    inf = esg.inflation
    for name in ("target", "reversion", "phi", "sigma"):
        out.append(_entry(f"inflation.{name}", getattr(inf, name)))
    hi = inf.high_regime
    if hi.enabled:
        for name in ("p_enter", "p_exit", "shift", "sigma"):
            q = getattr(hi, name)
            if q is not None:
                out.append(_entry(f"inflation.high_regime.{name}", q))
    if inf.episodes is not None and inf.episodes.enabled:
        for name in ("p_enter", "p_exit", "shift"):
            out.append(_entry(f"inflation.episodes.{name}", getattr(inf.episodes, name)))
    for factor, f in esg.annual.items():
        names = ["phi", "sigma", "inflation_beta", "inflation_beta_lag", "jump_rate"]
        if f.jump_rate.value > 0:
            names.append("jump_mean")
        out += [_entry(f"annual.{factor}.{n}", getattr(f, n)) for n in names]
    return out


def plan_entries(cfg) -> list[Entry]:
    """Every scalar quantity of the plan config itself (not its model file), with its kind."""
    out: list[Entry] = []

    def walk(node, prefix: str) -> None:
        if isinstance(node, Quantity):
            out.append(_entry(prefix.rstrip("."), node))
            return
        if isinstance(node, dict):
            items = node.items()
        elif hasattr(type(node), "model_fields"):
            items = ((n, getattr(node, n)) for n in type(node).model_fields)
        else:
            return
        for name, value in items:
            if name == "esg":
                continue
            walk(value, f"{prefix}{name}.")

    walk(cfg, "")
    return out


def correlation_kinds(esg) -> dict[tuple[str, str], str]:
    """Each pair of factors of the correlation matrix: ``estimated`` when the model file says
    it was (``correlation.estimated_pairs``), else ``assumption``."""
    factors = list(esg.correlation.factors)
    estimated = {tuple(sorted(p)) for p in esg.correlation.estimated_pairs}
    out = {}
    for i, a in enumerate(factors):
        for b in factors[i + 1:]:
            out[(a, b)] = "estimated" if tuple(sorted((a, b))) in estimated else "assumption"
    return out


def share_estimated(entries: list[Entry]) -> float:
    """The share of ``entries`` that are estimated with a standard error."""
    counts = Counter(e.kind for e in entries)
    return counts["estimated"] / len(entries) if entries else 0.0


def _counts_line(entries: list[Entry]) -> str:
    counts = Counter(e.kind for e in entries)
    n = len(entries)
    return ", ".join(f"{counts[k]} {k} ({100 * counts[k] / n:.0f} %)" for k in KINDS
                     if counts[k]) if n else "none"


def sources_report(cfg, model_name: str | None) -> str:
    """The text ``sim validate --sources`` prints: the generator's parameters a run uses by
    kind (the share estimated first), its correlations, the plan config's own quantities, then
    every generator parameter with its kind and source."""
    gen = generator_entries(cfg.esg)
    pairs = correlation_kinds(cfg.esg)
    n_pairs_est = sum(k == "estimated" for k in pairs.values())
    plan = plan_entries(cfg)
    lines = [
        "",
        f"The scenario generator ({model_name or 'the [esg] section'}): {len(gen)} parameters "
        f"used by a run, {100 * share_estimated(gen):.0f} % estimated with a standard error",
        f"  {_counts_line(gen)}",
        f"  correlations: {len(pairs)} pairs, {n_pairs_est} estimated, "
        f"{len(pairs) - n_pairs_est} assumed",
        f"The plan config's own quantities: {len(plan)}",
        f"  {_counts_line(plan)}",
        "",
        "Generator parameters:",
    ]
    width = max(len(e.key) for e in gen)
    for kind in KINDS:
        for e in (e for e in gen if e.kind == kind):
            se = f" (se {e.se:.3g})" if e.se is not None else ""
            first = e.source.split(";")[0]
            lines.append(f"  {e.key:<{width}}  {kind:<10}  {e.value:.6g} {e.unit}{se}: {first}")
    return "\n".join(lines)
