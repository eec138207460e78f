"""Config validation: the default config is valid, and each broken one is refused by key."""

from __future__ import annotations

import re

import pytest

from sim.config import FILE_KEYS, ConfigError, apply_overrides, config_hash, load_config

from .conftest import DEFAULT_CONFIG

# A copy in a temporary folder must still find the files it names (model, information sets).
TEXT = DEFAULT_CONFIG.read_text(encoding="utf-8")
for _key in FILE_KEYS:
    _ref = re.search(rf'^{_key} = "([^"]+)"', TEXT, re.M).group(1)
    TEXT = TEXT.replace(f'{_key} = "{_ref}"',
                        f'{_key} = "{(DEFAULT_CONFIG.parent / _ref).resolve().as_posix()}"')


def broken(tmp_path, old: str, new: str):
    assert old in TEXT, old
    path = tmp_path / "broken.toml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


# (what is wrong, text replaced, replacement, key path the message must name, words it must say)
BROKEN = [
    ("unknown key", "[taxes]\nindex", "[taxes]\nrate = 11.34\nindex", "taxes.rate", "unknown key"),
    ("wrong type", 'first_year = 2023\nlast_year = 2028', 'first_year = "2023a"\nlast_year = 2028',
     "meta.first_year", "valid integer"),
    ("negative amount", "start_balance = { value = 1665,", "start_balance = { value = -5,",
     "balance_requirement.rur.start_balance", "outside the allowed range"),
    ("NaN", "expected_return = { value = 2.5,", "expected_return = { value = nan,",
     "funds.medium_term.expected_return.value", "finite number"),
    ("strategy out of range", "floor_share = { value = 0.85,", "floor_share = { value = 1.85,",
     "funds.pension.strategy.floor_share", "allowed range"),   # no pydantic tag (.dynamic.)
    ("infinity", "goal_share = { value = 0.01,", "goal_share = { value = inf,",
     "balance_requirement.goal_share.value", "finite number"),
    ("shares not summing to one", "share = { value = 0.3252,", "share = { value = 0.3352,",
     "costs.components", "sum to 1"),
    ("wrong unit", 'start_balance = { value = 1665, unit = "mnkr"',
     'start_balance = { value = 1665, unit = "fraction"',
     "balance_requirement.rur.start_balance", "unit must be 'mnkr'"),
    ("a source without a reason", 'source = "assumption: the remainder of the operating costs, so that the shares sum to one"',
     'source = "assumption"', "costs.components.other_consumption.share.source", "needs a reason"),
    ("a plan line one year short", "depreciation = [-263, -275, -281, -289, -269, -269]",
     "depreciation = [-263, -275, -281, -289, -269]", "plan.depreciation", "need 6"),
    ("a cost with an income's sign", "depreciation = [-263,", "depreciation = [263,",
     "plan.depreciation", "wrong sign"),
    ("an index that is not a forecast", 'index = "drug_cost_benefit"', 'index = "drug_costs"',
     "costs.components.drugs.index", "not a series in [forecasts]"),
    ("a forecast that does not reach the plan's last year",
     'values = [5.0, 4.3, 5.0, 3.7, 3.6]\nextend = "carry_last"',
     'values = [5.0, 4.3, 5.0, 3.7, 3.6]\nextend = "none"', "forecasts.tax_base_growth",
     "2023-2028 is needed"),
    ("grants' parts that do not add up", "parts.drug_grant = [922, 952, 982]",
     "parts.drug_grant = [922, 852, 982]", "grants.parts", "sum to"),
    ("an unknown draw rule", 'draw_when = "tax_base_below_average"', 'draw_when = "sometimes"',
     "balance_requirement.rur.draw_when", "tax_base_below_average"),
    ("a delivery spread no share in [0, 1] can have",
     'delivered_sd = { value = 0.0, unit = "fraction"', 'delivered_sd = { value = 0.2, unit = "fraction"',
     "measures.delivered_sd", "a mean of 0 or 1 allows only 0"),
    ("an income spread above one", 'change_sd = { value = 0.0, unit = "fraction"',
     'change_sd = { value = 1.5, unit = "fraction"', "income.change_sd", "allowed range"),
]


@pytest.mark.parametrize("what,old,new,key,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_names_the_key(tmp_path, what, old, new, key, words):
    path = broken(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg
    assert re.search(rf"(^|\s){re.escape(key)}(:|\s)", msg, re.M), msg
    assert words in msg, msg


def test_default_config_is_valid_and_its_hash_is_stable(cfg):
    again = load_config(DEFAULT_CONFIG)
    assert config_hash(again) == config_hash(cfg)
    assert re.fullmatch(r"[0-9a-f]{64}", config_hash(cfg))


def test_set_overrides_a_quantity_value():
    cfg = load_config(DEFAULT_CONFIG, ["funds.pension.expected_return=4.5",
                                       'meta.name="Variant"'])
    assert cfg.funds["pension"].expected_return.value == 4.5
    assert cfg.funds["pension"].expected_return.unit == "percent_per_year"
    assert cfg.meta.name == "Variant"
    assert config_hash(cfg) != config_hash(load_config(DEFAULT_CONFIG))


def test_set_overrides_a_list():
    cfg = load_config(DEFAULT_CONFIG, ["plan.depreciation=[-1, -2, -3, -4, -5, -6]"])
    assert cfg.plan.depreciation == [-1, -2, -3, -4, -5, -6]


@pytest.mark.parametrize("item,words", [
    ("funds.pension.expected_retur=4.5", "no key 'funds.pension.expected_retur'"),
    ("funds.pension.expected_return", "expected KEY=VALUE"),
    ("funds.pension.expected_return=[1,", "is not a TOML value"),
    ("nosuch.key=1", "no key 'nosuch'"),
])
def test_bad_set_is_refused(item, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_config(DEFAULT_CONFIG, [item])


def test_set_value_is_validated_like_the_file():
    with pytest.raises(ConfigError) as info:
        load_config(DEFAULT_CONFIG, ["balance_requirement.goal_share=1.5"])
    assert "balance_requirement.goal_share: value 1.5" in str(info.value)
    assert "--set balance_requirement.goal_share=1.5" in str(info.value)


def test_overrides_do_not_touch_the_original():
    raw = {"a": {"b": {"value": 1, "unit": "mnkr"}}}
    out = apply_overrides(raw, ["a.b=2"])
    assert raw["a"]["b"]["value"] == 1 and out["a"]["b"]["value"] == 2


@pytest.mark.parametrize("content,words", [
    ("this is = = not toml", "not valid TOML"),
])
def test_unreadable_file(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=words):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_an_unknown_key_is_named_but_its_value_not_echoed(tmp_path):
    """A secret pasted under a wrong key is not printed back (it was: 'value ...')."""
    path = broken(tmp_path, "[taxes]\nindex", '[taxes]\napi_key = "hunter2-secret"\nindex')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "taxes.api_key: unknown key" in str(info.value)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("seed", [2**63, 2**64])
def test_a_seed_a_results_file_cannot_hold_is_refused_by_name(seed):
    """The config's seed takes what the --seed option takes (a 64-bit signed integer, what
    NetCDF stores); 2**64 passed validation and failed in HDF5 with a traceback."""
    with pytest.raises(ConfigError, match=r"simulation\.seed"):
        load_config(DEFAULT_CONFIG, [f"simulation.seed={seed}"])
    assert load_config(DEFAULT_CONFIG, [f"simulation.seed={2**63 - 1}"]).simulation.seed == 2**63 - 1


def test_a_missing_file_names_the_config_that_points_at_it(tmp_path):
    """A model or information file that is not there is named with the config and key that
    point at it (before, only the missing path was named)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    cfg = tmp_path / "plan.toml"
    cfg.write_text(re.sub(r'^esg_model = .*$', 'esg_model = "nowhere/model.toml"', text,
                          flags=re.M), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plan\.toml: esg_model = 'nowhere/model\.toml': "
                                          r".*model\.toml: no such file"):
        load_config(cfg)


def test_a_missing_scenario_include_names_the_scenario_that_includes_it(tmp_path):
    from sim.stress.scenario import load_scenario

    sc = tmp_path / "a.toml"
    sc.write_text('label = "A"\ndescription = "a scenario that includes one that is gone"\n'
                  'source = "assumption: a scenario written for this test only"\ninclude = ["gone.toml"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a\.toml: include 'gone\.toml': .*gone\.toml: no "
                                          r"such file"):
        load_scenario(sc)


@pytest.mark.parametrize("factor,mode,unit,value", [("drugs", "shift", "percent", -200.0),
                                                    ("tax_base", "level", "percent_per_year",
                                                     -100.0)])
def test_a_scenario_that_takes_an_index_to_zero_is_refused(tmp_path, factor, mode, unit, value):
    """A drugs shift of -200 points and a tax-base growth of -100 % were accepted and ran."""
    from sim.stress.scenario import load_scenario

    sc = tmp_path / "s.toml"
    sc.write_text(f'label = "S"\ndescription = "an index taken to zero in one year"\n'
                  f'source = "assumption: a scenario written for this test only"\n'
                  f'[factors.{factor}]\nmode = "{mode}"\nfrequency = "yearly"\nstart = "2023"\n'
                  f'values = [{value}]\nunit = "{unit}"\n'
                  f'source = "assumption: a path written for this test only"\n',
                  encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"factors\.{factor}\.values: .*above -100 %"):
        load_scenario(sc)


@pytest.mark.parametrize("row,words", [
    # a return of 1e308 became infinite
    ("2023-01,1e308,0.0", r"line 2: equity_return 1e308 must be a fraction"),
    # 2023-01-15 was read as 2023-01, its day dropped without a word
    ("2023-01-15,0.01,0.0", r"line 2: month '2023-01-15' is not YYYY-MM"),
])
def test_a_replay_row_that_cannot_be_read_as_written_is_refused_by_line(tmp_path, row, words):
    from sim.portfolio.replay import ReplayError, read_returns_csv

    f = tmp_path / "r.csv"
    f.write_text(f"month,equity_return,fixed_income_return\n{row}\n", encoding="utf-8")
    with pytest.raises(ReplayError, match=words):
        read_returns_csv(f)


@pytest.mark.parametrize("value,words", [('"Region\\u0000Norrbotten"', "NUL byte"),
                                         ('"' + "x" * 20_000 + '"', "at most 10,000")])
def test_a_text_a_results_file_cannot_hold_is_refused_by_name(value, words):
    """A NUL byte in the region's name failed in HDF5 with a traceback; a 1 MB label hung the
    report. Both are refused by key when the config is read."""
    with pytest.raises(ConfigError, match=rf"meta\.region: .*{words}"):
        load_config(DEFAULT_CONFIG, [f"meta.region={value}"])


def test_a_toml_nested_too_deeply_is_a_clean_error(tmp_path):
    """Deeply nested TOML gave RecursionError."""
    f = tmp_path / "deep.toml"
    f.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(f)


def test_a_kept_parse_is_the_file_as_it_is_now_and_each_caller_owns_its_copy(tmp_path):
    """parse_toml keeps a parse by the text: an edited file is parsed again, and a caller that
    changes its table (as overrides do) changes no other caller's."""
    from sim.config.loading import read_toml

    path = tmp_path / "a.toml"
    path.write_text('x = 1\n[t]\nlist = [1, 2]\n', encoding="utf-8")
    first = read_toml(path)
    first["t"]["list"].append(3)
    first["x"] = 9
    assert read_toml(path) == {"x": 1, "t": {"list": [1, 2]}}
    path.write_text('x = 2\n[t]\nlist = [1, 2]\n', encoding="utf-8")
    assert read_toml(path)["x"] == 2
