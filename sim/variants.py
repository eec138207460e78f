"""Model variants: alternative specifications of the same plan, for ``sim compare``.

A variants file (``configs/model-risk.toml``) names the specifications whose headline
probabilities are shown side by side: each variant has a Swedish ``label``, a ``reason``, and
what it changes in the plan config: ``model``, another model file (a path relative to the
variants file), and ``set``, ``--set`` overrides (``esg.equity.model=garch``). The spread
between the variants is the model risk: what the history cannot decide between.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from .config import ConfigError, PlanConfig, format_errors, load_config, read_toml, resolve
from .params import Source, Strict

__all__ = ["Variant", "VariantsFile", "load_variants", "variant_configs", "EXAMPLE"]

EXAMPLE = "configs/model-risk.toml"


class Variant(Strict):
    label: str = Field(min_length=1, max_length=80, description="the row's name in tables")
    reason: Source = Field(description="why this specification is a credible alternative")
    model: str | None = Field(None, min_length=1, description="another model file, relative "
                              "to the variants file")
    set: list[str] = Field(default_factory=list, description="--set overrides KEY=VALUE")


class VariantsFile(Strict):
    source: Source
    paths: int = Field(ge=1, le=10_000_000, description="paths per variant, unless the "
                       "command gives --paths")
    variants: dict[str, Variant] = Field(min_length=1)


def load_variants(path: str | Path) -> tuple[Path, VariantsFile]:
    path = Path(path)
    raw = read_toml(path)
    try:
        return path, VariantsFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(str(path), exc, EXAMPLE)) from None


def variant_configs(config: Path, overrides: tuple[str, ...], variants_path: Path,
                    variants: VariantsFile) -> list[tuple[str, Variant, PlanConfig]]:
    """Every variant's validated plan config: the plan with ``overrides``, then the variant's
    model file and ``set``. A bad variant is an error naming it, before anything runs."""
    out = []
    for key, v in variants.variants.items():
        extra = list(v.set)
        if v.model is not None:
            model = resolve(variants_path.parent / v.model)
            if not model.is_file():
                raise ConfigError(f"{variants_path}: variants.{key}.model: {v.model!r} is not a "
                                  f"file (looked for {model})")
            extra.insert(0, f"esg_model={model.as_posix()}")
        try:
            cfg = load_config(config, tuple(overrides) + tuple(extra))
        except ConfigError as exc:
            raise ConfigError(f"{variants_path}: variants.{key}: {exc}") from None
        out.append((key, v, cfg))
    return out
