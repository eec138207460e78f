"""Damaged history files, as a user or a hostile one gives them to `sim calibrate` and
`sim backtest`: read by the one reader (`sim.data.files.read_table`) or refused with exit 2, a
message naming the file and line, and nothing written; a fit that gives NaN or inf is refused,
never written into a model file. The reader is checked as a property (hypothesis damages the
shipped KPIF file); the commands on each case the fault campaign listed."""

from __future__ import annotations

import math
import os
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.calibrate.history import read_monthly_csv
from sim.cli import cli
from sim.data.files import RANGES
from sim.errors import HistoryError

from .conftest import ROOT

HISTORY = ROOT / "data" / "history"
KPIF = HISTORY / "kpif_monthly_change.csv"
OUTTURNS = HISTORY / "budget_outturns.csv"
TEXT = KPIF.read_text(encoding="utf-8")
LINES = TEXT.splitlines(keepends=True)
HEAD = next(i for i, line in enumerate(LINES) if not line.startswith("#"))
BAD_CELLS = ["abc", "", '"0,3"', "0,3", "0.3%", "nan", "inf", "-inf", "1e308", "-100",
             "-1000", "1e-320", " 0.3 ", "0x1p-2", "1_000"]


def _set(body: list[str], i: int, value: str) -> list[str]:
    body = list(body)
    body[i] = f"{body[i].split(',')[0]},{value}\n"
    return body


@st.composite
def damaged(draw) -> bytes:
    """The shipped KPIF history with one to three damages: rows dropped, repeated or
    swapped, a bad cell, a changed month format or separator, no header, another encoding,
    NUL bytes, or the file cut at any byte."""
    head, body = LINES[:HEAD + 1], LINES[HEAD + 1:]
    encoding = "utf-8"
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["drop", "repeat", "swap", "cell", "slash", "unpadded",
                                     "semicolon", "no_header", "reverse"]))
        i = draw(st.integers(0, len(body) - 1))
        j = draw(st.integers(0, len(body) - 1))
        if kind == "drop" and len(body) > 1:
            body = body[:i] + body[i + 1:]
        elif kind == "repeat":
            body = body[:i] + [body[i]] + body[i:]
        elif kind == "swap":
            body = list(body)
            body[i], body[j] = body[j], body[i]
        elif kind == "cell":
            body = _set(body, i, draw(st.sampled_from(BAD_CELLS)))
        elif kind == "slash":
            body = [b.replace("-", "/", 1) for b in body]
        elif kind == "unpadded":
            body = [re.sub(r"-0(\d),", r"-\1,", b) for b in body]
        elif kind == "semicolon":
            head = head[:-1] + [head[-1].replace(",", ";")]
            body = [b.replace(",", ";") for b in body]
        elif kind == "no_header":
            head = head[:-1]
        elif kind == "reverse":
            body = body[::-1]
    raw = "".join(head + body)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = raw.replace("#", "# Ö", 1).encode(encoding) if encoding == "latin-1" \
        else raw.encode(encoding)
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    if draw(st.integers(0, 9)) == 0:
        k = draw(st.integers(0, len(data)))
        data = data[:k] + b"\x00" + data[k:]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_a_damaged_history_file_is_read_right_or_refused_by_line(tmp_path_factory, data):
    """Whatever the damage: either months that are consecutive with finite values inside
    what the column can hold, or a HistoryError naming the file; never another exception
    (the campaign's 26 tracebacks) and never a value misread."""
    path = tmp_path_factory.mktemp("h") / "kpif_monthly_change.csv"
    path.write_bytes(data)
    try:
        months, values = read_monthly_csv(path)
    except HistoryError as exc:
        assert str(path) in str(exc)
        return
    low, high, _ = RANGES["kpif_change_pct"]
    assert len(months) == values.size > 0
    assert np.all(np.isfinite(values)) and np.all((values > low) & (values < high))
    index = [int(m[:4]) * 12 + int(m[5:]) for m in months]
    assert index == list(range(index[0], index[0] + len(index)))
    # what was read is what the file says: every month's value as written
    text = data.decode("utf-8-sig")
    written = dict(re.findall(r"^(\d{4}-\d{2}),([^,\n]*)$", text, re.M))
    assert all(float(written[m]) == v for m, v in zip(months, values))


def _data_dir(tmp_path, text: str | None = None, raw: bytes | None = None):
    folder = tmp_path / "history"
    shutil.copytree(HISTORY, folder)
    if raw is not None:
        (folder / KPIF.name).write_bytes(raw)
    elif text is not None:
        (folder / KPIF.name).write_text(text, encoding="utf-8")
    return folder


def _body(fn) -> str:
    return "".join(LINES[:HEAD + 1] + fn(LINES[HEAD + 1:]))


CASES = {
    "a missing month": (_body(lambda b: b[:10] + b[11:]), "skips a month"),
    "a repeated month": (_body(lambda b: b[:10] + [b[10]] + b[10:]), "repeats"),
    "months reversed": (_body(lambda b: b[::-1]), "goes back"),
    "text": (_body(lambda b: _set(b, 20, "abc")), "is not a number"),
    "an empty cell": (_body(lambda b: _set(b, 20, "")), "is not a number"),
    "a decimal comma": (_body(lambda b: _set(b, 20, '"0,3"')), "write a decimal point"),
    "a decimal comma unquoted": (_body(lambda b: _set(b, 20, "0,3")), "3 cells"),
    "a percent sign": (_body(lambda b: _set(b, 20, "0.3%")), "without a unit or %"),
    "NaN": (_body(lambda b: _set(b, 20, "nan")), "not a finite number"),
    "inf": (_body(lambda b: _set(b, 20, "inf")), "not a finite number"),
    "1e308": (_body(lambda b: _set(b, 20, "1e308")), "not a monthly change of a price index"),
    "-100 %": (_body(lambda b: _set(b, 20, "-100")), "not a monthly change of a price index"),
    "no value column": ("".join(LINES[:HEAD] + ["month\n"] + [b.split(",")[0] + "\n"
                                                           for b in LINES[HEAD + 1:]]),
                        "only a 'month' column"),
    "a header only": ("".join(LINES[:HEAD + 1]), "a header but no rows"),
    "an empty file": ("", "no header line and no rows"),
    "2000/01": (_body(lambda b: [x.replace("-", "/", 1) for x in b]), "is not a month YYYY-MM"),
    "unpadded months": (_body(lambda b: [re.sub(r"-0(\d),", r"-\1,", x, count=1) for x in b]),
                        "is not a month YYYY-MM"),
    "semicolons": ("".join(LINES[:HEAD] + [x.replace(",", ";") for x in LINES[HEAD:]]),
                   "separated by semicolons"),
    "no header": ("".join(LINES[:HEAD] + LINES[HEAD + 1:]), "no column 'month'"),
    "a constant series (the fit gives NaN)": (_body(lambda b: [_set([x], 0, "0.1")[0]
                                                               for x in b]),
                                              "not a finite number"),
}
RAW = {
    "Latin-1": (TEXT.replace("#", "# Ö", 1).encode("latin-1"), "not UTF-8"),
    "UTF-16": (TEXT.encode("utf-16"), "UTF-16"),
    "NUL bytes": (TEXT.encode().replace(b"\n", b"\n\x00", 3), "NUL"),
    "over 10 MB": (TEXT.encode() + b"#" + b"x" * (11 * 2 ** 20) + b"\n", "at most"),
}


@pytest.mark.parametrize("case", list(CASES) + list(RAW))
def test_calibrate_esg_refuses_a_damaged_history_by_name(tmp_path, case):
    text, words = CASES.get(case, (None, None))
    raw = None
    if text is None:
        raw, words = RAW[case]
    out = tmp_path / "model.toml"
    res = CliRunner().invoke(cli, ["calibrate", "esg", "--data",
                                   str(_data_dir(tmp_path, text, raw)), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.slow
def test_calibrate_esg_reads_a_byte_order_mark_as_the_same_file(tmp_path):
    """A byte-order mark (Excel's "CSV UTF-8") is not damage: the model is the same."""
    models = []
    for name, raw in (("plain", TEXT.encode()), ("bom", b"\xef\xbb\xbf" + TEXT.encode())):
        (tmp_path / name).mkdir()
        out = tmp_path / name / "model.toml"
        res = CliRunner().invoke(cli, ["calibrate", "esg", "--data",
                                       str(_data_dir(tmp_path / name, raw=raw)), "--out",
                                       str(out)])
        assert res.exit_code == 0, res.output
        models.append([line for line in out.read_text(encoding="utf-8").splitlines()
                       if not line.startswith("#")])
    assert models[0] == models[1]


@pytest.mark.parametrize("until, words", [
    ("1900-01", "0 months through 1899-12"), ("1982-12", "at least"),
    ("2004-12", "at least 70 months"), ("0000-01", "from 1900 on"), ("2022-13", "not a month")])
def test_an_information_date_before_enough_data_is_refused(tmp_path, until, words):
    """`--until` before the data, or leaving fewer than ten months a parameter, gave
    IndexError tracebacks."""
    out = tmp_path / "model.toml"
    res = CliRunner().invoke(cli, ["calibrate", "esg", "--until", until, "--out", str(out)])
    assert res.exit_code == 2 and words in res.output, res.output
    assert "Traceback" not in res.output and not out.exists()


def _outturns(tmp_path, column: int, value: str) -> str:
    """The shipped budget misses with every fitted row's ``column`` set to ``value``."""
    import csv
    import io

    lines = OUTTURNS.read_text(encoding="utf-8").splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(lines[head + 1:]):
        if row[2] != "net_result" and row[5]:
            row[column] = value
        writer.writerow(row)
    path = tmp_path / "outturns.csv"
    path.write_text("".join(lines[:head + 1]) + out.getvalue(), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("column, value, words", [
    (3, "nan", "not a finite number"), (4, "inf", "not a finite number"),
    (5, "1e-300", "a miss is less than 100 %"), (4, "1e300", "a miss is less than 100 %"),
    (3, "1e15", "a miss is less than 100 %"), (5, "0", "must be positive"),
    (6, "2020-13-45", "is not a date"), (6, "2020-1-5", "is not a date")])
def test_calibrate_budget_refuses_a_damaged_row_before_it_runs(tmp_path, column, value, words):
    """A NaN plan, an infinite outturn or a tiny scale wrote NaN into the model file; an
    impossible date was accepted."""
    out = tmp_path / "model.toml"
    res = CliRunner().invoke(cli, ["calibrate", "budget", _outturns(tmp_path, column, value),
                                   "--paths", "1000", "--out", str(out)])
    assert res.exit_code == 2 and words in res.output, res.output
    assert "line " in res.output and "Traceback" not in res.output and not out.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("command", [["calibrate", "budget"], ["backtest"]])
def test_a_pipe_as_the_history_is_refused_not_waited_on(tmp_path, command):
    """`calibrate budget` and `backtest` hung on a FIFO."""
    fifo = tmp_path / "history.csv"
    os.mkfifo(fifo)
    out = tmp_path / ("model.toml" if command[0] == "calibrate" else "bt")
    res = CliRunner().invoke(cli, command + [str(fifo), "--paths", "1000", "--out", str(out)])
    assert res.exit_code == 2 and "not a regular file" in res.output, res.output
    assert not out.exists()


@pytest.mark.parametrize("content, words", [
    (b"a = 1\n", "not a model file"), ("a = 'Ö'\n".encode("latin-1"), "not UTF-8"),
    (b"[equity\n", "not valid TOML")])
@pytest.mark.parametrize("command", [["calibrate", "esg"], ["calibrate", "budget", "--paths",
                                                           "1000"]])
def test_a_template_that_is_not_a_model_file_is_refused(tmp_path, content, words, command):
    """A template that is not a model file gave KeyError; one not in UTF-8 a
    UnicodeDecodeError."""
    template = tmp_path / "template.toml"
    template.write_bytes(content)
    out = tmp_path / "model.toml"
    res = CliRunner().invoke(cli, command + ["--template", str(template), "--out", str(out)])
    assert res.exit_code == 2 and words in res.output and "--template" in res.output, \
        res.output
    assert "Traceback" not in res.output and not out.exists()


def test_a_model_file_never_holds_a_number_that_is_not_finite():
    """The last guard: an estimate of NaN or inf is refused with its key and its data,
    whatever fit gave it."""
    from sim.calibrate.modelfile import ModelFile

    model = ModelFile((ROOT / "configs" / "models" / "esg-handset.toml").read_text(
        encoding="utf-8"))
    for value, se in ((math.nan, 0.1), (1.0, math.inf)):
        with pytest.raises(HistoryError, match=r"equity\.gbm\.mu: .*kpif_x\.csv"):
            model.set_estimate("equity.gbm", "mu", value, se, "percent_per_year",
                               "estimated: kpif_x.csv, 2000-01..2001-01")
    with pytest.raises(HistoryError, match="correlation.matrix"):
        model.set_plain("correlation", "matrix", [[1.0, math.nan], [math.nan, 1.0]])


@pytest.mark.slow
def test_calibrate_with_plots_on_a_full_disk_leaves_nothing(tmp_path):
    """`calibrate esg --plots` on a full disk wrote the model file and left part of its
    plots: the model and the fit's files are one unit now. The disk fills through the
    kernel's file-size limit (64 kB: the model file fits, a chart's PNG does not)."""
    import resource
    import signal
    import subprocess
    import sys

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2 ** 10, 64 * 2 ** 10))

    out, plots = tmp_path / "model.toml", tmp_path / "fit"
    # the same command once without the limit: numba's cache of the fit's kernels is then
    # saved, so the limited run reaches its own writes (on a cold cache it stops earlier, at
    # numba's save, with the same clean error)
    warm = tmp_path / "warm"
    subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", "esg", "--out",
                    str(warm / "m.toml"), "--plots", str(warm / "fit")], capture_output=True,
                   cwd=ROOT, check=True)
    shutil.rmtree(warm)
    done = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", "esg", "--out",
                           str(out), "--plots", str(plots)], capture_output=True, text=True,
                          preexec_fn=limit, cwd=ROOT)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "File too large" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    # and with numba's cache cold (a folder of its own): the first kernel's save fails, a
    # clean error too, not numba's traceback
    cold = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", "esg", "--out",
                           str(out), "--plots", str(plots)], capture_output=True, text=True,
                          preexec_fn=limit, cwd=ROOT,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cold")})
    assert cold.returncode == 2, cold.stderr[-2000:]
    assert "File too large" in cold.stderr and "Traceback" not in cold.stderr
    assert not out.exists() and not plots.exists()
