"""A configuration that cannot be used, and pydantic's errors in the file's own words: the
file, the key path, the value given and what is allowed."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import ConfigError

__all__ = ["ConfigError", "format_errors"]


#: Union fields and the tags pydantic adds to their error locations (not keys of the file).
_UNION_TAGS = {"expected_return": {"scalar", "series"}, "strategy": {"dynamic", "fixed_mix"}}


def _allowed(node: Any) -> str:
    return ", ".join(sorted(node)) if isinstance(node, dict) and node else "(none)"


def format_errors(name: str, exc: ValidationError,
                   example: str = "configs/plans/strategisk-plan-2023-2025.toml") -> str:
    lines = [f"{name}: invalid configuration ({exc.error_count()} "
             f"error{'s' if exc.error_count() != 1 else ''})"]
    for err in exc.errors(include_url=False):
        parts = [str(p) for p in err["loc"]]
        loc = ".".join(p for i, p in enumerate(parts)
                       if not (i and p in _UNION_TAGS.get(parts[i - 1], ())))
        msg = err["msg"].removeprefix("Value error, ")
        # Cross-field checks name their key at the start of the message: join it to the loc.
        head, sep, tail = msg.partition(": ")
        if sep and head.replace(".", "").replace("_", "").isalnum() and " " not in head:
            loc, msg = (f"{loc}.{head}" if loc else head), tail
        loc = loc or "(top level)"
        given = err.get("input")
        if err["type"] == "extra_forbidden":
            # the value is not echoed: a secret pasted into a config would be printed
            lines.append(f"  {loc}: unknown key; check the spelling against {example}")
        elif isinstance(given, dict) or err["type"].startswith("missing"):
            lines.append(f"  {loc}: {msg}")
        else:
            lines.append(f"  {loc}: value {_short(given)}: {msg}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
