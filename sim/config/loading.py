"""Reading a config: TOML files with their includes, `--set` overrides, validation into
:class:`~sim.config.schema.PlanConfig`, and the canonical JSON and hash a result records."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ConfigError, _allowed, format_errors
from .schema import PlanConfig


#: The largest config, model, information or scenario file read [bytes]: the shipped ones are
#: a few kB; an `include` of /dev/zero or a huge file would read until memory runs out.
MAX_TOML_BYTES = 10 * 2 ** 20


def resolve(path: Path) -> Path:
    """``path`` made absolute with its links followed; a loop of symbolic links or a name
    the system refuses is a :class:`ConfigError` naming it (Python raises RuntimeError or
    OSError there)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError) as exc:
        reason = ("a loop of symbolic links" if isinstance(exc, RuntimeError)
                  else exc.strerror or str(exc))
        raise ConfigError(f"{path}: cannot read it ({reason})") from None


def read_toml_text(path: Path) -> str:
    """A TOML file's text: a regular file of at most :data:`MAX_TOML_BYTES`, UTF-8; anything
    else is a :class:`ConfigError` naming the file."""
    import stat

    try:
        mode = os.stat(path).st_mode          # before opening: a FIFO's open would block
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path}: not a regular file (a device, pipe or socket); give a "
                              "TOML file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_TOML_BYTES + 1)
        if len(data) > MAX_TOML_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_TOML_BYTES // 2 ** 20} MB; a TOML "
                              "file here is a few kB")
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a TOML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}: "
                          f"{exc.object[exc.start:exc.start + 1]!r}); save the file as UTF-8 "
                          "(TOML requires it)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """TOML text read from ``path``; a :class:`ConfigError` naming it if it is not TOML.

    The parse is kept by the text itself (the file is read every time, so an edit is always
    seen) and each caller gets its own copy: a sweep loads the same plan, model and
    information files once per rule or variant, and parsing was a third of its set-up."""
    try:
        return _copy(_parsed(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: tables or arrays nested too deeply to read; a config is a "
                          "few levels deep") from None


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _copy(value):
    """A copy of parsed TOML: its tables and arrays new, its scalars (immutable) shared."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file, read (:func:`read_toml_text`) and parsed (:func:`parse_toml`)."""
    return parse_toml(read_toml_text(path), path)


def read_model_file(path: Path, option: str = "--template") -> tuple[str, dict[str, Any]]:
    """A model file's text and its parsed table, checked to be a model file (the ``[esg]``
    section a plan config's ``esg_model`` points at): what the calibration commands edit. A
    file that is not one is a :class:`ConfigError` naming ``option``, the file and its errors."""
    from ..esg.schema import EsgConfig

    try:
        text = read_toml_text(Path(path))
        raw = parse_toml(text, Path(path))
    except ConfigError as exc:
        raise ConfigError(f"{option} {exc}") from None
    try:
        EsgConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{option} " + format_errors(
            f"{path} (not a model file such as configs/models/esg-handset.toml)", exc,
            "configs/models/esg-handset.toml")) from None
    return text, raw


def _parse_value(text: str) -> Any:
    """A TOML value (number, boolean, string, array, inline table); a bare word is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if text and all(ch.isalnum() or ch in "_-." for ch in text) and not text[0].isdigit():
            return text
        raise


def apply_overrides(raw: dict[str, Any], overrides: list[str] | tuple[str, ...],
                    origin: str = "--set") -> dict[str, Any]:
    """Return a copy of ``raw`` with each ``dotted.key=value`` applied.

    The value is read as TOML (``4.5``, ``[1, 2]``, ``"text"``; a bare word is a string). A key
    that names a ``{value, unit, source}`` quantity sets its value, so ``--set
    funds.pension.expected_return=4.5`` works; a number for a series (``values`` per year)
    replaces it with that value in every year. The key must exist in the file: a misspelt key
    is an error, not a silent addition.
    """
    out = _copy(raw)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{origin} {item!r}: expected KEY=VALUE, e.g. "
                              "funds.pension.expected_return=4.5")
        key, _, text = item.partition("=")
        key = key.strip()
        parts = key.split(".")
        if not key or any(not p for p in parts):
            raise ConfigError(f"{origin} {item!r}: the key {key!r} is not a dotted key path")
        try:
            value = _parse_value(text.strip())
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"{origin} {key}: value {text!r} is not a TOML value "
                              "(number, true/false, \"string\", [array])") from None
        node = out
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"{origin} {key}: no key {'.'.join(parts[:i + 1])!r} in the "
                                  f"config; allowed here: {_allowed(node)}")
            node = node[part]
        last = parts[-1]
        if not isinstance(node, dict) or last not in node:
            raise ConfigError(f"{origin} {key}: no key {key!r} in the config; allowed here: "
                              f"{_allowed(node)}")
        target = node[last]
        if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
            target["value"] = value
        elif (isinstance(target, dict) and "values" in target and "unit" in target
              and isinstance(value, (int, float)) and not isinstance(value, bool)):
            # a number for a series: the same value in every year, sourced to the override
            node[last] = {"value": value, "unit": target["unit"],
                          "source": f"assumption: set on the command line ({origin} {item})"}
        else:
            node[last] = value
    return out


def validate_config(raw: dict[str, Any], name: str = "<config>") -> PlanConfig:
    """Validate an already-parsed mapping; raises :class:`ConfigError` naming every bad key."""
    try:
        return PlanConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(name, exc)) from None


#: Top-level keys naming a file whose TOML is loaded into a section (path relative to the
#: config): ``esg_model`` -> ``[esg]``, ``information_file`` -> ``[information]``.
FILE_KEYS = {"esg_model": "esg", "information_file": "information", "vintage_file": "vintage"}


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> PlanConfig:
    """Read a TOML plan config, apply ``--set`` overrides and validate.

    An override of a file key (``--set information_file=../information/x.toml``) is applied
    before the files are read, so it swaps the whole section; an empty string drops it
    (``--set information_file=""``: no information set)."""
    path = Path(path)
    raw = read_toml(path)
    file_sets = [o for o in overrides if o.partition("=")[0].strip() in FILE_KEYS]
    rest = [o for o in overrides if o not in file_sets]
    for item in file_sets:
        key, _, text = item.partition("=")
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]                         # a quoted path, as TOML writes it
        raw[key.strip()] = text
    for key, section in FILE_KEYS.items():
        if key not in raw:
            continue
        ref = raw.pop(key) if raw[key] == "" else raw[key]
        if ref == "":
            raw.pop(section, None)
            continue
        if section in raw:
            raise ConfigError(f"{path}: give either {key} or an [{section}] section, not both")
        if not isinstance(ref, str):
            raise ConfigError(f"{path}: {key}: value {ref!r} must be a path string")
        try:
            raw[section] = read_toml(resolve(path.parent / ref))
        except ConfigError as exc:
            raise ConfigError(f"{path}: {key} = {ref!r}: {exc}") from None
    if overrides:
        raw = apply_overrides(raw, rest)
        name = f"{path} (with --set {' '.join(overrides)})"
    else:
        name = str(path)
    return validate_config(raw, name)


def canonical_json(cfg: PlanConfig) -> str:
    """The validated config as canonical JSON: sorted keys, no whitespace, floats as Python prints."""
    return json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def config_hash(cfg: PlanConfig) -> str:
    """SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(cfg).encode("utf-8")).hexdigest()
