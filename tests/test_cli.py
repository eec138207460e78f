"""The command line: run, summary, validate; exit codes, atomic writes, provenance."""

from __future__ import annotations

import json

import numpy as np
import subprocess
from pathlib import Path
import sys

import pytest
import xarray as xr
from click.testing import CliRunner

from sim.cli import cli
from sim.config import config_hash
from sim.results import ResultsError, open_results, write_netcdf

from .conftest import DEFAULT_CONFIG, ROOT, read_reference_csv
from .test_config import BROKEN, broken


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "budget.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_run_writes_every_seed_line_with_units_and_swedish_names(results_file, cfg):
    ds = open_results(results_file)
    seed = read_reference_csv("resultatbudget_2023_2028.csv")
    assert dict(ds.sizes)["path"] == 1 and list(ds["year"].values) == list(range(2023, 2029))
    for key, row in seed.items():
        assert ds[key].dims == ("path", "year")
        assert ds[key].attrs["units"] == "mnkr"
        assert ds[key].attrs["long_name"] == row["label_sv"]
        for j, year in enumerate(range(2023, 2029)):
            assert abs(float(ds[key][0, j]) - row[year]) <= 1.5  # unrounded; the table test rounds
    for key in ("rur_balance", "rur_drawn", "deficit_outstanding", "deficit_unrestored"):
        assert ds[key].dims == ("path", "year") and ds[key].attrs["units"] == "mnkr"


def test_run_records_its_provenance(results_file, cfg):
    ds = open_results(results_file)
    assert ds.attrs["config_sha256"] == config_hash(cfg)
    assert json.loads(ds.attrs["config_json"])["meta"]["name"] == cfg.meta.name
    versions = json.loads(ds.attrs["versions"])
    assert {"sim", "numpy", "numba", "xarray"} <= set(versions)
    assert ds.attrs["git_commit"]
    assert ds.attrs["seed"] == "none (deterministic)"


def test_summary_prints_the_seed_layout(results_file):
    res = CliRunner().invoke(cli, ["summary", str(results_file)])
    assert res.exit_code == 0, res.output
    assert "Verksamhetens kostnader" in res.output
    assert "\u221210 454" in res.output and "1 665" in res.output
    assert "Behov av åtgärder för att nå 1 % och positivt balanskravsresultat" in res.output


def test_validate_ok():
    res = CliRunner().invoke(cli, ["validate", str(DEFAULT_CONFIG)])
    assert res.exit_code == 0 and "OK" in res.output


@pytest.mark.parametrize("what,old,new,key,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_exits_2_and_writes_nothing(tmp_path, what, old, new, key, words):
    path = broken(tmp_path, old, new)
    out = tmp_path / "out" / "x.nc"
    res = CliRunner().invoke(cli, ["run", str(path), "--deterministic", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert key in res.output and "Traceback" not in res.output
    assert not out.exists() and not out.parent.exists()


def test_bad_set_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "x.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out",
                                   str(out), "--set", "funds.pension.expected_return=abc"])
    assert res.exit_code == 2
    assert "funds.pension.expected_return" in res.output
    assert not out.exists()


def test_real_process_exits_2_without_traceback(tmp_path):
    """The installed entry point, not only click's test runner."""
    out = tmp_path / "x.nc"
    proc = subprocess.run([sys.executable, "-c", "from sim.cli import main; main()", "run",
                           str(DEFAULT_CONFIG), "--deterministic", "--out", str(out),
                           "--set", "balance_requirement.goal_share=nan"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "balance_requirement.goal_share" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_unwritable_out_exits_2(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out",
                                       str(folder / "x.nc")])
        if res.exit_code == 0:   # running as root: permissions do not bind; use a file as parent
            blocker = tmp_path / "file"
            blocker.write_text("")
            res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic",
                                           "--out", str(blocker / "x.nc")])
        assert res.exit_code == 2 and "--out" in res.output
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch, exc):
    out = tmp_path / "x.nc"
    ds = xr.Dataset({"x": ("t", [1.0])})

    def boom(self, store, **kwargs):
        """Fail while encoding (the temporary file already exists beside the target)."""
        raise exc

    monkeypatch.setattr(xr.Dataset, "dump_to_store", boom)
    with pytest.raises(exc):
        write_netcdf(ds, out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content,words", [
    (None, "no such results file"),
    (b"CDF\x01 truncated", "not a readable NetCDF"),
    ("foreign", "not a results file of this simulator"),
])
def test_bad_results_file(tmp_path, content, words):
    path = tmp_path / "r.nc"
    if content == "foreign":
        xr.Dataset({"x": ("t", [1.0])}).to_netcdf(path, engine="netcdf4")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ResultsError, match=words):
        open_results(path)
    res = CliRunner().invoke(cli, ["summary", str(path)])
    assert res.exit_code == 2 and words in res.output


def test_truncated_results_file(results_file, tmp_path):
    data = results_file.read_bytes()
    cut = tmp_path / "cut.nc"
    cut.write_bytes(data[: len(data) // 2])
    res = CliRunner().invoke(cli, ["summary", str(cut)])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_esg_writes_factor_paths(tmp_path):
    out = tmp_path / "esg.nc"
    res = CliRunner().invoke(cli, ["esg", str(DEFAULT_CONFIG), "--paths", "1500", "--seed", "3",
                                   "--threads", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ds = open_results(out)
    # the plan's six years and 2022, the year of the information date (April 2022)
    assert ds.sizes["path"] == 1500 and ds.sizes["month"] == 84 and ds.attrs["seed"] == 3
    assert str(ds["time"].values[0])[:7] == "2022-01" and list(ds["year"].values[:2]) == [2022, 2023]
    assert ds["kpif"].attrs["units"] == "percent" and ds["kpif"].attrs["long_name"]
    assert {"equity_log_return", "short_rate", "fixed_income_return", "annual_growth"} <= set(ds)


@pytest.mark.parametrize("args,words", [
    (["--paths", "0"], "--paths"),
    (["--set", "esg.equity.model=lognormal"], "esg.equity.model"),
    (["--set", "esg.equity.rsln2.p12=1.5"], "esg.equity.rsln2.p12"),
    (["--set", "simulation.horizon_years=41"], "simulation.horizon_years"),
])
def test_esg_bad_input_exits_2(tmp_path, args, words):
    out = tmp_path / "esg.nc"
    res = CliRunner().invoke(cli, ["esg", str(DEFAULT_CONFIG), "--out", str(out)] + args)
    assert res.exit_code == 2 and words in res.output, res.output
    assert not out.exists()


REPLAY_CSV = DEFAULT_CONFIG.parents[1] / "replay" / "stress-2008-like.csv"


def test_replay_runs_the_documented_example(tmp_path):
    out = tmp_path / "replay.nc"
    res = CliRunner().invoke(cli, ["replay", str(DEFAULT_CONFIG), str(REPLAY_CSV), "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    ds = open_results(out)
    assert ds.sizes["month"] == 36 and list(ds["fund"].values) == ["pension", "medium_term",
                                                                   "short_term"]
    w = ds["fund_equity_weight"].sel(fund="pension").values[0]
    assert w[:6].min() > 0.5 and w[10] < 0.05          # de-risked at the trough
    # the README shows this run's output (its numbers had gone stale)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("$ sim replay "):]
    shown = block[block.index("\n") + 1:block.index("```")].splitlines()[1:]
    assert shown == res.output.splitlines()[1:]
    assert ds["fund_value"].attrs["units"] == "mnkr"
    np.testing.assert_allclose(ds["fund_year_return"].values,
                               ds["fund_realized"].values + ds["fund_unrealized_change"].values,
                               atol=1e-9)


def test_replay_reads_what_swedish_excel_saves(tmp_path):
    """A byte-order mark, ';' between fields and decimal commas (Swedish Excel's CSV, and
    --csv-locale sv's) give the same replay as the plain file (they were refused as a bad
    header without saying why)."""
    plain = tmp_path / "plain.csv"
    plain.write_text("month,equity_return,fixed_income_return\n" + "".join(
        f"2008-{m:02d},{0.01 * (m - 6)},0.002\n" for m in range(1, 13)), encoding="utf-8")
    swedish = tmp_path / "excel.csv"
    minus = "\u2212"
    swedish.write_bytes(("\ufeffmonth;equity_return;fixed_income_return\r\n" + "".join(
        f"2008-{m:02d};{str(0.01 * (m - 6)).replace('.', ',').replace('-', minus)};0,002\r\n"
        for m in range(1, 13))).encode("utf-8"))
    got = []
    for src in (plain, swedish):
        out = tmp_path / f"{src.stem}.nc"
        res = CliRunner().invoke(cli, ["replay", str(DEFAULT_CONFIG), str(src), "--out",
                                       str(out)])
        assert res.exit_code == 0, res.output
        got.append(open_results(out)["fund_value"].values)
    np.testing.assert_array_equal(got[0], got[1])


@pytest.mark.parametrize("content,words", [
    ("month,equity,fixed_income_return\n2008-01,0.1,0.0\n", "header"),
    ("month,equity_return,fixed_income_return\n2008-02,0.1,0.0\n", "starts in January"),
    ("month,equity_return,fixed_income_return\n2008-01,0.1,0.0\n2008-03,0.1,0.0\n",
     "consecutive"),
    ("month,equity_return,fixed_income_return\n2008-01,abc,0.0\n", "line 2: equity_return 'abc'"),
    ("month,equity_return,fixed_income_return\n2008-01,-1.5,0.0\n", "above -1"),
    ("month,equity_return,fixed_income_return\n2008-13,0.1,0.0\n", "not YYYY-MM"),
    ("month,equity_return,fixed_income_return\n2008-01,0.1\n", "2 values, expected 3"),
    # 2262 on overflowed the nanosecond time axis (9999-01 read back as 1815)
    ("month,equity_return,fixed_income_return\n9999-01,0.1,0.0\n", "outside 1677-10 to 2262-03"),
    ("month,equity_return,fixed_income_return\n2262-12,0.1,0.0\n", "outside 1677-10 to 2262-03"),
    ("# only a comment\n", "no data"),
])
def test_replay_bad_file_exits_2(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    out = tmp_path / "r.nc"
    res = CliRunner().invoke(cli, ["replay", str(DEFAULT_CONFIG), str(path), "--out", str(out)])
    assert res.exit_code == 2 and words in res.output, res.output
    assert not out.exists()


# --- bad input found by the fault campaign (issue: nothing lost, nothing half-written) ------

@pytest.mark.parametrize("override, match", [
    ('meta.first_year="2023"', "valid integer"),          # no silent coercion of types
    ("simulation.paths=1e12", "valid integer"),
    ("simulation.paths=100000.0", "valid integer"),
    # 1e308 mnkr ran and wrote inf; a growth of exactly -100 % divided by zero
    ("plan.operating_income=[1e308, 883, 883, 883, 883, 883]", "largest amount"),
    ("forecasts.kpif.values=[-100, 2, 2, 2]", "(-100.0"),
    ("funds.pension.capital.values=[1e308, 4760, 4820, 4920, 4920, 4920]", "outside"),
])
def test_a_wrong_type_an_absurd_amount_or_a_fall_of_all_is_refused(override, match):
    res = CliRunner().invoke(cli, ["validate", str(DEFAULT_CONFIG), "--set", override])
    assert res.exit_code == 2 and match in res.output, res.output


def test_a_config_that_is_not_utf8_gets_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "windows.toml"
    bad.write_bytes('name = "Region Västerbotten"\n'.encode("latin-1"))
    res = CliRunner().invoke(cli, ["validate", str(bad)])
    assert res.exit_code == 2 and "not UTF-8" in res.output and "Traceback" not in res.output


def test_options_out_of_range_stop_before_the_run(tmp_path):
    out = tmp_path / "x.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--seed", str(2 ** 64),
                                   "--out", str(out)])
    assert res.exit_code == 2 and "--seed" in res.output and not out.exists()
    res = CliRunner().invoke(cli, ["sensitivity", str(DEFAULT_CONFIG), "--sd", "nan",
                                   "--out", str(out)])
    assert res.exit_code == 2 and "not a finite number" in res.output and not out.exists()


def test_a_scenario_named_bas_does_not_replace_the_baseline(tmp_path):
    bas = tmp_path / "bas.toml"
    bas.write_text((DEFAULT_CONFIG.parents[1] / "scenarios" / "bemanning.toml").read_text(
        encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "s.nc"
    res = CliRunner().invoke(cli, ["stress", str(DEFAULT_CONFIG), str(bas), "--out", str(out)])
    assert res.exit_code == 2 and "'bas' is the plan itself" in res.output
    assert not out.exists()


def test_zarr_refuses_a_folder_of_other_files(tmp_path):
    data = tmp_path / "mydata"
    data.mkdir()
    (data / "notes.txt").write_text("x")
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "2000", "--workers",
                                   "1", "--store", "annual", "--zarr", str(data), "--out",
                                   str(tmp_path / "x.nc")])
    assert res.exit_code == 2 and "other files" in res.output
    assert (data / "notes.txt").read_text() == "x" and not (tmp_path / "x.nc").exists()


@pytest.mark.slow
def test_zarr_replaces_an_earlier_store_only_with_overwrite(tmp_path):
    """An earlier run's Zarr store in --zarr is refused without --overwrite (it was replaced
    without a word) and replaced with it; never when the folder also holds a file of the
    user's, which --overwrite deleted with the store."""
    pytest.importorskip("zarr")
    data = tmp_path / "paths.zarr"
    data.mkdir()
    (data / "zarr.json").write_text("{}")
    args = ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--workers", "1", "--store",
            "annual", "--zarr", str(data), "--out", str(tmp_path / "x.nc")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and "--overwrite" in res.output
    assert (data / "zarr.json").read_text() == "{}" and not (tmp_path / "x.nc").exists()
    (data / "notes.txt").write_text("mine")                # a user's file beside the store
    res = CliRunner().invoke(cli, args + ["--overwrite"])
    assert res.exit_code == 2 and "notes.txt" in res.output, res.output
    assert (data / "notes.txt").read_text() == "mine" and not (tmp_path / "x.nc").exists()
    (data / "notes.txt").unlink()
    res = CliRunner().invoke(cli, args + ["--overwrite"])
    assert res.exit_code == 0, res.output
    assert (data / "zarr.json").read_text() != "{}" and (tmp_path / "x.nc").exists()


def test_csv_text_cells_are_never_formulas(tmp_path):
    import csv as csvmod

    from sim.results import write_csv_rows

    path = write_csv_rows([{"statistic": "=HYPERLINK(\"x\")", "value": -1.5},
                           {"statistic": "p_deficit", "value": 0.5}], tmp_path / "a.csv")
    rows = list(csvmod.DictReader(open(path, encoding="utf-8")))
    assert rows[0]["statistic"] == "'=HYPERLINK(\"x\")" and rows[0]["value"] == "-1.5"
    assert rows[1]["statistic"] == "p_deficit"


# --- the write protocol -----------------------------------------------------------------------

def test_the_results_file_and_its_csv_are_one_unit(tmp_path):
    """A CSV that cannot be written leaves no new results file beside it."""
    out = tmp_path / "run.nc"
    (tmp_path / "run_summary.csv").mkdir()              # the CSV's place is taken
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads",
                                   "1", "--out", str(out)])
    assert res.exit_code == 2 and "not a regular file" in res.output
    assert not out.exists()
    assert not list(tmp_path.glob(".*"))                # no temporary file or lock left


def test_stale_temporaries_are_removed_and_live_ones_kept(tmp_path):
    import os

    from sim.results import atomic_write

    dead = tmp_path / ".x.csv.999999999.abc.tmp"          # a pid no process has
    live = tmp_path / f".x.csv.{os.getpid()}.def.tmp"
    dead.write_text("partial")
    live.write_text("in progress")
    atomic_write(tmp_path / "x.csv", lambda tmp: Path(tmp).write_text("done"))
    assert not dead.exists() and live.exists()
    assert (tmp_path / "x.csv").read_text() == "done"


def _write_pid(text):
    def write(tmp):
        import os
        Path(tmp).write_text(f"{text} {os.getpid()}")
    return write


def test_files_rendered_in_processes_are_written_as_one_unit(tmp_path):
    """With processes the writers run in forked children, the costliest first; the parent
    renames the files. A writer failing in a child raises in the parent and leaves no file,
    no temporary, no lock and no folder it made."""
    import os

    from sim.results import atomic_write_many

    heavy = _write_pid("heavy")
    heavy.cost = 10
    items = [(tmp_path / f"f{i}.txt", _write_pid(f"light{i}")) for i in range(5)]
    items.insert(3, (tmp_path / "heavy.txt", heavy))
    atomic_write_many(items, processes=2)
    pids = {p.read_text().split()[1] for p, _ in items}
    assert str(os.getpid()) not in pids                  # each file written by a child
    assert [p.read_text().split()[0] for p, _ in items] == \
        ["light0", "light1", "light2", "heavy", "light3", "light4"]

    started = []                                          # in one process: the order

    def log(name, cost=0):
        def write(tmp):
            started.append(name)
        write.cost = cost
        return write
    atomic_write_many([(tmp_path / "o" / n, log(n, c)) for n, c in
                       (("a", 0), ("b", 2), ("c", 0), ("d", 10))], processes=1)
    assert started == ["d", "b", "a", "c"]

    def broken(tmp):
        raise OSError(28, "No space left on device")

    out = tmp_path / "second"
    with pytest.raises(OSError, match="No space left"):
        atomic_write_many([(out / "a.txt", _write_pid("a")), (out / "b.txt", broken),
                           (out / "c.txt", _write_pid("c"))], processes=2)
    assert not out.exists()                  # the folder it made, removed with the rest


def _big_result(i):
    import os
    return i, os.getpid(), bytes([i]) * (1 << 20)


def test_results_larger_than_a_pipe_come_back_from_the_processes():
    """in_processes returns each call's result, in the calls' order, from forked processes;
    a result of a megabyte (a pipe holds 64 kB) is read while its process writes it. Before,
    the parent waited for the process to end while the process waited for the parent to read:
    a hang (the alarm fails the test instead)."""
    import os
    import signal

    from sim.results import in_processes

    def hung(signum, frame):
        raise TimeoutError("in_processes hung")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        got = in_processes([lambda i=i: _big_result(i) for i in range(3)], 2,
                           [f"call {i}" for i in range(3)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert [g[0] for g in got] == [0, 1, 2]
    assert all(g[1] != os.getpid() for g in got)
    assert all(g[2] == bytes([i]) * (1 << 20) for i, g in enumerate(got))


def test_meanwhile_runs_once_here_while_the_first_forks_work():
    """in_processes(meanwhile=...): called once, in this process, after the first forks
    started (they do not see what it did; a fork started after it does), before the results
    are read; without forks, once after the calls."""
    import os

    from sim.results import in_processes

    seen = []

    def call(i):
        return i, os.getpid(), len(seen)

    calls = [lambda i=i: call(i) for i in range(3)]
    got = in_processes(calls, 2, ["a", "b", "c"], meanwhile=lambda: seen.append(os.getpid()))
    assert seen == [os.getpid()]
    assert [g[0] for g in got] == [0, 1, 2] and all(g[1] != os.getpid() for g in got)
    assert [g[2] for g in got] == [0, 0, 1]
    seen.clear()
    got = in_processes(calls, 1, ["a", "b", "c"], meanwhile=lambda: seen.append(os.getpid()))
    assert seen == [os.getpid()] and [g[2] for g in got] == [0, 0, 0]


@pytest.mark.slow
def test_a_second_run_to_the_same_out_is_refused(tmp_path):
    """Another process holds the lock: refused, nothing written. Once that process is killed
    the system has released its lock, and the run goes ahead."""
    import subprocess
    import sys

    out = tmp_path / "run.nc"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, filelock; lock = filelock.FileLock(sys.argv[1]);"
         " lock.acquire(); print('held', flush=True); time.sleep(120)",
         str(tmp_path / ".run.nc.lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000",
                                       "--threads", "1", "--out", str(out)])
        assert res.exit_code == 2 and "another run" in res.output and not out.exists()
    finally:
        holder.kill()
        holder.wait()
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads",
                                   "1", "--out", str(out)])
    assert res.exit_code == 0 and out.exists() and not (tmp_path / ".run.nc.lock").exists()


def test_only_a_regular_file_is_replaced(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("mine")
    link = tmp_path / "run.nc"
    link.symlink_to(target)
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic",
                                   "--out", str(link)])
    assert res.exit_code == 2 and "not a regular file" in res.output
    assert link.is_symlink() and target.read_text() == "mine"


@pytest.mark.slow
def test_sigterm_leaves_nothing_behind(tmp_path):
    import signal
    import time

    out = tmp_path / "run.nc"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(DEFAULT_CONFIG),
                             "--paths", "400000", "--threads", "1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(6)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode in (143, -signal.SIGTERM)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigkill_mid_write_keeps_the_old_file_and_the_next_run_sweeps_the_rest(tmp_path):
    """A run killed with SIGKILL while it writes its results (the temporary file is there)
    leaves the previous results whole; the temporary it could not remove is swept by the next
    run to the same --out, which writes its own results."""
    import signal
    import time

    out = tmp_path / "run.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out",
                                   str(out)])
    assert res.exit_code == 0, res.output
    before = out.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(DEFAULT_CONFIG),
                             "--paths", "60000", "--store", "annual", "--threads", "1",
                             "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the temporary file exists from its creation through the encoding of ~200 MB in memory
    # and their write (about a second), so a look every 5 ms finds it
    deadline = time.monotonic() + 240
    stray = []
    while not stray and proc.poll() is None and time.monotonic() < deadline:
        stray = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        time.sleep(0.005)
    assert stray, "no temporary file seen: the run never reached its write"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == before                  # the old results, whole
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())   # SIGKILL cannot clean
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000", "--threads",
                                   "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nc", "run_summary.csv"]
    assert open_results(out).attrs["paths"] == 1000


def test_a_malformed_scheduler_address_is_a_clean_error(tmp_path):
    """'tcp://::bad' raised ValueError from dask with a traceback."""
    out = tmp_path / "r.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "1000",
                                   "--scheduler", "tcp://::bad", "--out", str(out)])
    assert res.exit_code == 2 and "not a scheduler address" in res.output, res.output
    assert not out.exists()


@pytest.mark.slow
def test_a_refused_write_is_a_clean_error_that_keeps_the_old_file(tmp_path):
    """The file system refuses the write half-way, as a full disk does: here through the
    kernel's file-size limit (4 MB, SIGXFSZ ignored so the write fails with EFBIG instead of
    killing the process), which every Linux machine enforces without root. Exit 2 with the
    reason, the old file kept, no temporary left. Before: the clean message, then a
    segmentation fault (-11, exit 139 in a shell) from the HDF5 file object the failed write
    left behind."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4 * 2 ** 20, 4 * 2 ** 20))

    out = tmp_path / "run.nc"
    out.write_text("the old results")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(DEFAULT_CONFIG),
                           "--paths", "20000", "--store", "annual", "--threads", "1",
                           "--out", str(out)], capture_output=True, text=True,
                          preexec_fn=limit)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "could not write (File too large)" in done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_text() == "the old results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nc"]


def test_a_run_that_cannot_fit_or_would_take_hours_stops_before_it_starts(tmp_path):
    """The bytes per path of docs/guides/run.md predict the run; what cannot fit in this machine's memory
    is refused with the number and the alternatives, and more than an hour needs --yes."""
    from sim.workflows import BASE_BYTES, BYTES_PER_PATH, predicted_bytes

    assert predicted_bytes(10 ** 6, "annual", 6) == BASE_BYTES + 10 ** 6 * BYTES_PER_PATH["annual"]
    out = tmp_path / "big.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", str(10 ** 9),
                                   "--store", "annual", "--out", str(out)])
    assert res.exit_code == 2 and "GB" in res.output and "--store summary" in res.output
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", str(10 ** 12),
                                   "--out", str(out)])
    assert res.exit_code == 2 and "--yes" in res.output and "minutes" in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_target_se_sizes_the_run(tmp_path):
    """A 20 000-path pilot sizes the run so every plan year's P(deficit) and P(below the goal)
    has a standard error within the target; the final run's own errors are checked (a 2 %
    margin: p(1 - p) is flat near the probabilities here, so the pilot's estimate of it is
    within a fraction of a percent of the run's)."""
    out = tmp_path / "run.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--target-se", "0.005",
                                   "--threads", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ds = open_results(out)
    assert "paths (the pilot" in res.output and ds.attrs["paths"] % 1000 == 0
    assert max(ds.p_deficit_se.values.max(), ds.p_below_goal_se.values.max()) <= 0.005 * 1.02
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--target-se", "0.005",
                                   "--paths", "1000", "--out", str(tmp_path / "y.nc")])
    assert res.exit_code == 2 and "give one" in res.output
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--target-se", "0",
                                   "--out", str(tmp_path / "y.nc")])
    assert res.exit_code == 2 and "0 < se < 0.5" in res.output
    assert not (tmp_path / "y.nc").exists()


@pytest.mark.parametrize("args", [
    ["esg", str(DEFAULT_CONFIG), "--paths", str(10**12)],
    ["sensitivity", str(DEFAULT_CONFIG), "--sobol-samples", str(2**40)],
])
def test_a_size_that_cannot_fit_is_refused_before_it_starts(tmp_path, args):
    """`sim esg --paths 1e12` ran until killed and `--sobol-samples 2**40` died allocating
    160 TiB with a traceback: both are refused at once, with the memory they need."""
    out = tmp_path / "x.nc"
    res = CliRunner().invoke(cli, args + ["--out", str(out)])
    assert res.exit_code == 2 and "needs about" in res.output and "GB available" in res.output
    assert "Traceback" not in res.output and not out.exists()


BIG = str(10 ** 9)
SCENARIO = str(ROOT / "configs" / "scenarios" / "bemanning.toml")


@pytest.mark.parametrize("args, words", [
    (["stress", str(DEFAULT_CONFIG), SCENARIO, "--paths", BIG], "2 scenarios"),
    (["sensitivity", str(DEFAULT_CONFIG), "--paths", BIG], "--calibration-paths 20000"),
    (["sensitivity", str(DEFAULT_CONFIG), "--calibration-paths", BIG], "needs about"),
    (["reverse-stress", str(DEFAULT_CONFIG), "--year", "2023", "--calibration-paths", BIG],
     "needs about"),
    (["compare", str(DEFAULT_CONFIG), "--paths", BIG], "variants"),
    (["strategy", str(DEFAULT_CONFIG), "--paths", BIG], "rules"),
    (["report", str(DEFAULT_CONFIG), "--paths", BIG], "minutes"),
    (["backtest", str(ROOT / "data" / "history" / "norrbotten_outturns.csv"), "--paths", BIG],
     "1 plan config"),
    (["backtest", str(ROOT / "data" / "history" / "budget_outturns.csv"), "--paths", BIG],
     "budget years"),
    (["calibrate", "budget", "--paths", BIG], "needs about"),
    (["calibrate", "kpif-record", str(DEFAULT_CONFIG), "--paths", BIG], "needs about"),
])
def test_every_command_that_runs_paths_guards_its_size_and_time(tmp_path, args, words):
    """Only `sim run` guarded its size: `--paths 1e9` in the other commands ran until killed
    or died allocating. One guard (sim.workflows.guard.check_work) refuses at once what
    cannot fit in memory, and what would take more than an hour without --yes; nothing is
    written."""
    out = tmp_path / "out"
    needs_out = args[0] not in ("calibrate",) or args[1] == "budget"
    res = CliRunner().invoke(cli, args + (["--out", str(out)] if needs_out else []))
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output
    assert ("--yes" in res.output) or ("needs about" in res.output and "GB available"
                                       in res.output)
    assert not out.exists()
    help_text = CliRunner().invoke(cli, args[:2 if args[0] == "calibrate" else 1]
                                   + ["--help"]).output
    assert "--yes" in help_text


def test_deterministic_refuses_the_options_it_would_ignore(tmp_path):
    """`--paths` (and every other Monte Carlo option) with --deterministic was ignored
    without a word: refused by name, nothing written."""
    out = tmp_path / "b.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--paths",
                                   "5000", "--seed", "3", "--out", str(out)])
    assert res.exit_code == 2 and "--paths, --seed: not with --deterministic" in res.output
    assert not out.exists()


def test_summary_of_a_file_missing_a_variable_names_it(tmp_path):
    """`sim summary` on a results file with a variable dropped gave a KeyError traceback."""
    from sim.results import open_results, write_netcdf

    out = tmp_path / "b.nc"
    assert CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--deterministic", "--out",
                                    str(out)]).exit_code == 0
    ds = open_results(out).load().drop_vars("net_result")
    write_netcdf(ds, tmp_path / "damaged.nc")
    res = CliRunner().invoke(cli, ["summary", str(tmp_path / "damaged.nc")])
    assert res.exit_code == 2 and "not a complete results file" in res.output, res.output
    assert "net_result" in res.output
    assert "Traceback" not in res.output


def test_results_written_by_h5netcdf_open_as_the_netcdf4_library_writes_them(tmp_path):
    """Results files were written with h5netcdf before netCDF-C: such a file opens to the
    Dataset the netCDF4 library's file of the same results opens to, every variable, attribute
    and dtype; and h5netcdf reads the new file to it too (the format is the same)."""
    old, new = tmp_path / "old.nc", tmp_path / "new.nc"
    res = CliRunner().invoke(cli, ["run", str(DEFAULT_CONFIG), "--paths", "500", "--out",
                                   str(new)])
    assert res.exit_code == 0, res.output
    b = open_results(new)
    b.to_netcdf(old, engine="h5netcdf")
    a = open_results(old)
    xr.testing.assert_identical(a, b)
    xr.testing.assert_identical(xr.load_dataset(new, engine="h5netcdf"), b)
    assert {k: type(v) for k, v in a.attrs.items()} == {k: type(v) for k, v in b.attrs.items()}
    assert all(a[v].dtype == b[v].dtype for v in b.variables)
    assert len(b.data_vars) > 100


def test_the_results_file_is_to_netcdfs_without_importing_distributed(tmp_path):
    """The writer goes through xarray's netCDF4 store, not ``to_netcdf``, whose scheduler
    probe imports dask.distributed: the file is ``to_netcdf``'s byte for byte (a run's
    results with strings, times and the fans), and a ``sim run`` never imports
    ``distributed``."""
    from sim.results import _to_netcdf4

    out = tmp_path / "run.nc"
    code = ("import sys\nfrom sim.cli import main\n"
            f"sys.argv = ['sim', 'run', {str(DEFAULT_CONFIG)!r}, '--paths', '500', '--out', "
            f"{str(out)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('distributed' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "False"
    ds = open_results(out)
    ds.encoding = {}
    for v in ds.variables.values():
        v.encoding = {}
    assert "fund_value_fan" in ds and "time" in ds.coords
    _to_netcdf4(ds, str(tmp_path / "a.nc"))
    ds.to_netcdf(tmp_path / "b.nc", engine="netcdf4")
    assert (tmp_path / "a.nc").read_bytes() == (tmp_path / "b.nc").read_bytes()


def test_a_write_the_netcdf_library_cannot_finish_says_why(tmp_path, monkeypatch):
    """netCDF-C fails any write it cannot finish with "NetCDF: HDF error": the writer says
    why from the system (a full disk: ENOSPC; the file-size limit:
    test_a_refused_write_is_a_clean_error_that_keeps_the_old_file) or, with neither, passes
    the library's words on as EIO; the temporary file is gone either way."""
    import errno
    import shutil
    from collections import namedtuple

    ds = xr.Dataset({"x": ("t", np.arange(1000.0))})

    def hdf_error(self, store, **kwargs):
        raise RuntimeError("NetCDF: HDF error")

    monkeypatch.setattr(xr.Dataset, "dump_to_store", hdf_error)
    with pytest.raises(OSError) as raised:
        write_netcdf(ds, tmp_path / "a.nc")
    assert raised.value.errno == errno.EIO and "NetCDF: HDF error" in str(raised.value)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10 ** 6, 10 ** 6 - 100, 100))
    with pytest.raises(OSError) as raised:
        write_netcdf(ds, tmp_path / "b.nc")
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_a_plain_hdf5_file_is_refused_without_a_warning(tmp_path):
    """An HDF5 file that is not NetCDF printed h5netcdf's phony_dims warning before the
    refusal; now only the refusal."""
    import warnings

    import h5py

    from sim.results import ResultsError, open_results

    f = tmp_path / "plain.h5"
    with h5py.File(f, "w") as h:
        h["x"] = np.arange(3.0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ResultsError, match="not a results file of this simulator|not a "
                                               "readable NetCDF"):
            open_results(f)
    assert not [str(w.message) for w in seen]


def test_running_out_of_memory_under_a_cap_is_a_clean_error(tmp_path, monkeypatch):
    """Under a memory cap the guard cannot see (a cgroup or ulimit), `sim esg` and `sim run
    --store annual` died with a MemoryError traceback: now exit 2 with what to do, no file."""
    import sim.workflows

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 8.00 GiB")

    monkeypatch.setattr(sim.workflows, "esg", no_memory)
    out = tmp_path / "e.nc"
    res = CliRunner().invoke(cli, ["esg", str(DEFAULT_CONFIG), "--paths", "1000", "--out",
                                   str(out)])
    assert res.exit_code == 2 and "ran out of memory" in res.output, res.output
    assert "Traceback" not in res.output and not out.exists()


def test_the_packages_warning_is_printed_without_a_library_source_line():
    """N10: a repaired correlation matrix warned as `.../pydantic/main.py:792: UserWarning:
    ...`, the line of the library that ran the check. The command prints `Warning: ...`."""
    matrix = np.eye(10)
    matrix[0, 1] = matrix[1, 0] = matrix[0, 2] = matrix[2, 0] = 0.99
    matrix[1, 2] = matrix[2, 1] = -0.99
    text = json.dumps(matrix.tolist()).replace(" ", "")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(DEFAULT_CONFIG),
                           "--set", f"esg.correlation.matrix={text}", "--set",
                           "esg.correlation.repair=true"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Warning: correlation.matrix is not positive semi-definite")
    assert "pydantic" not in done.stderr and ".py:" not in done.stderr


def test_sim_all_runs_every_command_of_the_analysis_with_options_they_take(tmp_path):
    """`sim all` (make run) is the commands in order, each with options it has: every step,
    with the shared options added, parses as its own command line would."""
    from sim.cli.common import cli
    from sim.cli.pipeline import steps

    todo = steps(DEFAULT_CONFIG, tmp_path, 5000, 7)
    names = [a[0] for a in todo]
    assert names == ["run", "run", "summary", "stress", "sensitivity", "compare", "backtest",
                     "backtest", "strategy", "report"]
    assert sum("--deterministic" in a for a in todo) == 1
    for args in todo:
        cmd = cli.commands[args[0]]
        extra = [] if args[0] == "summary" else ["--threads", "2", "--yes"]
        extra += ["--set", "simulation.block_size=500"] if args[0] not in (
            "summary", "backtest") else []
        ctx = cmd.make_context(f"sim {args[0]}", [*args[1:], *extra])
        assert ctx.params.get("max_minutes", None) is None
    stress = next(a for a in todo if a[0] == "stress")
    assert sum(a.endswith(".toml") for a in stress) >= 9          # the config's scenarios


def test_sim_all_stops_at_the_first_failure_and_names_it(tmp_path):
    """A bad override stops `sim all` at its first command, exit 2, nothing written."""
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["all", str(DEFAULT_CONFIG), "--out", str(out), "--set",
                                   "simulation.paths=-5"])
    assert res.exit_code == 2 and "simulation.paths" in res.output
    assert not out.exists() or not any(out.iterdir())
