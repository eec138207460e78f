"""The fault campaign as a property: any numeric key of the default plan set to a wrong type,
NaN, infinity, a huge or a hugely negative number is refused by `sim validate` with exit 2, a
message naming the key, and no traceback (hypothesis picks the keys and the values)."""

from __future__ import annotations

import tomllib

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import cli

from .conftest import DEFAULT_CONFIG


def numeric_keys() -> list[str]:
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    keys = []

    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node and "unit" in node:
                if isinstance(node["value"], (int, float)) and not isinstance(node["value"], bool):
                    keys.append(path)
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            keys.append(path)

    walk(raw, "")
    return keys


KEYS = numeric_keys()
BAD = ['"text"', "nan", "inf", "-inf", "1e308", "-1e308", "true", "[1, 2]"]


def test_there_are_keys_to_mutate():
    assert len(KEYS) > 40


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), bad=st.sampled_from(BAD))
def test_a_bad_value_anywhere_is_refused_by_name(key, bad):
    res = CliRunner().invoke(cli, ["validate", str(DEFAULT_CONFIG), "--set", f"{key}={bad}"])
    assert res.exit_code == 2, (key, bad, res.output)
    assert "Traceback" not in res.output, (key, bad, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), (key, bad, res.exception)
    assert key.split(".")[-1] in res.output, (key, bad, res.output)
