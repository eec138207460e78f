"""The file system's refusals as clean errors: a loop of symbolic links, a name longer than
the system allows, a path through a file, and no writable cache for the compiled kernels.
Each gave a traceback (RuntimeError, OSError) in the fault campaign; now exit 2, a message
naming the path, and nothing written."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from sim.cli import cli

from .conftest import DEFAULT_CONFIG, ROOT

LONG = "a" * 300
OUTTURNS = ROOT / "data" / "history" / "norrbotten_outturns.csv"
SCENARIO = ROOT / "configs" / "scenarios" / "bemanning.toml"


@pytest.fixture
def loop(tmp_path):
    """``loop``: a symbolic link to a link back to it."""
    (tmp_path / "other").symlink_to(tmp_path / "loop")
    (tmp_path / "loop").symlink_to(tmp_path / "other")
    return tmp_path / "loop"


def _refused(args, words, *written):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output
    for path in written:
        assert not os.path.lexists(path) or os.path.islink(path)


@pytest.mark.parametrize("args", [
    lambda loop, tmp: ["validate", loop],
    lambda loop, tmp: ["run", DEFAULT_CONFIG, "--set", f"esg_model={loop}", "--paths", "1000",
                       "--out", tmp / "r.nc"],
    lambda loop, tmp: ["stress", DEFAULT_CONFIG, loop, "--out", tmp / "s.nc"],
    lambda loop, tmp: ["calibrate", "esg", "--template", loop, "--out", tmp / "m.toml"],
    lambda loop, tmp: ["calibrate", "budget", loop, "--out", tmp / "m.toml"],
    lambda loop, tmp: ["backtest", loop, "--out", tmp / "bt"],
    lambda loop, tmp: ["run", DEFAULT_CONFIG, "--paths", "1000", "--out", loop / "r.nc"],
], ids=["config", "model file", "scenario", "template", "history", "backtest history",
        "--out through it"])
def test_a_loop_of_symbolic_links_is_named(tmp_path, loop, args):
    _refused(args(loop, tmp_path), str(loop.name), tmp_path / "r.nc", tmp_path / "s.nc",
             tmp_path / "m.toml", tmp_path / "bt")


@pytest.mark.parametrize("args", [
    lambda tmp: ["run", DEFAULT_CONFIG, "--paths", "1000", "--out", tmp / f"{LONG}.nc"],
    lambda tmp: ["run", DEFAULT_CONFIG, "--paths", "1000", "--out", tmp / LONG / "r.nc"],
    lambda tmp: ["backtest", OUTTURNS, "--paths", "1000", "--out", tmp / LONG],
    lambda tmp: ["report", DEFAULT_CONFIG, "--paths", "1000", "--out", tmp / LONG],
    lambda tmp: ["calibrate", "esg", "--out", tmp / f"{LONG}.toml"],
    lambda tmp: ["stress", DEFAULT_CONFIG, SCENARIO, "--out", tmp / f"{LONG}.nc"],
    lambda tmp: ["validate", tmp / f"{LONG}.toml"],
], ids=["run", "run, folder", "backtest", "report", "calibrate", "stress", "validate"])
def test_a_name_too_long_is_refused_before_any_work(tmp_path, args):
    _refused(args(tmp_path), "cannot ")
    assert list(tmp_path.iterdir()) == []


def test_a_path_through_a_file_is_refused(tmp_path):
    """A model file 'inside' a file: the system's ENOTDIR, named."""
    _refused(["run", DEFAULT_CONFIG, "--set", f"esg_model={DEFAULT_CONFIG}/x.toml", "--paths",
              "1000", "--out", tmp_path / "r.nc"], "x.toml", tmp_path / "r.nc")


def test_with_no_writable_cache_the_kernels_cache_in_the_temporary_folder(monkeypatch):
    """A read-only install run by a user without a home: numba could cache nowhere and
    refused to import the kernels (a traceback before any command ran). The package then
    points NUMBA_CACHE_DIR at a folder of the user's in the temporary folder; a folder the
    user set, or a writable place, is left alone."""
    import tempfile

    import sim

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(sim._os, "access", lambda path, mode: False)
    sim._numba_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"].startswith(tempfile.gettempdir())
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/chosen")
    sim._numba_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == "/chosen"
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setattr(sim._os, "access", lambda path, mode: True)
    sim._numba_cache_dir()
    assert "NUMBA_CACHE_DIR" not in os.environ
