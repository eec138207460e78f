"""``sim data fetch``: the publishers' answers (recorded in tests/data/fetch, served by a local
HTTP server, so no test needs the network) become history files the calibration reads; a
network error, an HTTP error, a changed format, an empty series or a gap gives a clear message
and leaves the existing files whole."""

from __future__ import annotations

import datetime
import http.server
import json
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.calibrate.history import kpif_12m, policy_rate
from sim.cli import cli
from sim.data.fetch import FetchError, fetch_all, load_sources
from sim.data.files import read_table

from .conftest import ROOT

RECORDED = Path(__file__).parent / "data" / "fetch"
TODAY = datetime.date(2022, 7, 15)


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes[path] = (status, body bytes)``; records each request."""

    routes: dict[str, tuple[int, bytes]] = {}
    seen: list[tuple[str, str, bytes]] = []

    def _answer(self, body_in: bytes) -> None:
        type(self).seen.append((self.command, self.path, body_in))
        status, body = self.routes.get(self.path.split("?")[0], (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):              # noqa: N802 (http.server's names)
        self._answer(b"")

    def do_POST(self):             # noqa: N802
        n = int(self.headers.get("Content-Length", 0))
        self._answer(self.rfile.read(n))

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    Handler.routes, Handler.seen = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler
    httpd.shutdown()
    httpd.server_close()


def sources_file(tmp_path: Path, base: str) -> Path:
    """The shipped sources, kpif and policy_rate only, pointed at the local server."""
    text = f'''
[kpif]
file = "kpif_monthly_change.csv"
column = "kpif_change_pct"
series = "KPIF, change from the previous month, percent"
publisher = "Statistiska centralbyrån (SCB)"
table = "PR0101G/KPIF, contents 000005HS"
licence = "CC0"
api = "pxweb"
url = "{base}/scb/KPIF"
contents = "000005HS"
first = "1987-01"

[policy_rate]
file = "policy_rate_monthly.csv"
column = "policy_rate_pct"
series = "the Riksbank's policy rate, month ends"
publisher = "Sveriges riksbank"
table = "SWEA series SECBREPOEFF"
licence = "not stated"
api = "swea"
url = "{base}/swea/v1"
id = "SECBREPOEFF"
monthly = "month_end"
first = "2022-01"
'''
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def serve_recorded(base_handler, kpif: bytes | None = None, policy: bytes | None = None,
                   status: int = 200):
    base_handler.routes["/scb/KPIF"] = (status, kpif if kpif is not None else
                                        (RECORDED / "scb_kpif.json").read_bytes())
    base_handler.routes[f"/swea/v1/Observations/SECBREPOEFF/2022-01-01/{TODAY}"] = (
        200, policy if policy is not None else (RECORDED / "riksbank_policy.json").read_bytes())


def test_the_shipped_sources_file_is_valid():
    sources = load_sources(ROOT / "configs" / "data-sources.toml")
    assert {"kpif", "kpi", "policy_rate", "usdsek", "govt_bond_10y", "stibor_3m"} <= set(sources)
    for name, s in sources.items():
        assert (ROOT / "data" / "history" / s.file).is_file(), name
        assert s.licence and s.publisher


def test_recorded_answers_become_the_history_files_the_calibration_reads(server, tmp_path):
    base, handler = server
    serve_recorded(handler)
    fetched = fetch_all(load_sources(sources_file(tmp_path, base)), [], TODAY)
    data = tmp_path / "history"
    data.mkdir()
    for f in fetched:
        (data / f.file).write_text(f.text, encoding="utf-8")
    # the PxWeb query asked for the ContentsCode, as SCB's API documents it
    method, path, body = handler.seen[0]
    assert method == "POST" and json.loads(body)["query"][0]["selection"]["values"] == \
        ["000005HS"]
    kpif = read_table(data / "kpif_monthly_change.csv", ("month", "kpif_change_pct"))
    assert kpif.months() == ["2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04"]
    assert kpif.numbers("kpif_change_pct").tolist() == [0.5, 1.3, -0.5, 0.9, 1.7, 0.6]
    for key in ("Series", "Publisher", "Table or series id", "Obtained from", "Retrieved",
                "Licence"):
        assert kpif.header_value(key), key
    assert kpif.header_value("Retrieved").startswith("2022-07-15")
    # daily observations -> each month's last; June is over, July (today's month) is left out
    rate = policy_rate(data)
    assert rate.months == ("2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06")
    assert rate.values.tolist() == [0.0, 0.0, 0.0, 0.0, 0.25, 0.25]
    # the same numbers as the shipped files for those months
    shipped = policy_rate(ROOT / "data" / "history").between("2022-01", "2022-06")
    assert np.array_equal(rate.values, shipped.values)
    kpif_12m(data)          # too short for a 12-month rate: reads without error
    assert kpif_12m(data).values.size == 0


@pytest.mark.parametrize("case, answer, status, message", [
    ("http error", b"oops", 500, "answered HTTP 500"),
    ("not json", b"<html>moved</html>", 200, "is not JSON"),
    ("changed format", b'{"rows": []}', 200, "is not PxWeb's JSON"),
    ("empty series", b'{"columns": [], "comments": [], "data": []}', 200, "holds no values"),
    ("text value", json.dumps({"data": [{"key": ["2022M01"], "values": ["n/a"]}]}).encode(),
     200, "is not a number"),
    ("a gap", json.dumps({"data": [{"key": ["2022M01"], "values": ["0.1"]},
                                   {"key": ["2022M03"], "values": ["0.2"]}]}).encode(),
     200, "lacks 1 month"),
    ("quarterly", json.dumps({"data": [{"key": ["2022K1"], "values": ["0.1"]}]}).encode(),
     200, "not a month"),
])
def test_a_bad_answer_is_a_clear_error_and_nothing_is_written(server, tmp_path, case, answer,
                                                               status, message):
    base, handler = server
    serve_recorded(handler, kpif=answer, status=status)
    data = tmp_path / "history"
    shutil.copytree(ROOT / "data" / "history", data)
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    res = CliRunner().invoke(cli, ["data", "fetch", "--sources", str(sources_file(tmp_path, base)),
                                   "--data", str(data)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Nothing was written" in res.output
    assert "Traceback" not in res.output
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


def test_a_bad_swea_answer_is_a_clear_error(server, tmp_path):
    base, handler = server
    serve_recorded(handler, policy=b'{"date": "2022-01-03"}')
    with pytest.raises(FetchError, match="not a list of observations"):
        fetch_all(load_sources(sources_file(tmp_path, base)), ["policy_rate"], TODAY)
    serve_recorded(handler, policy=b'[{"day": "2022-01-03", "value": 1}]')
    with pytest.raises(FetchError, match="no date and value"):
        fetch_all(load_sources(sources_file(tmp_path, base)), ["policy_rate"], TODAY)


def test_a_network_error_is_a_clear_error(tmp_path):
    """A port nothing listens on: the connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sources = load_sources(sources_file(tmp_path, f"http://127.0.0.1:{port}"))
    with pytest.raises(FetchError, match="could not reach"):
        fetch_all(sources, ["kpif"], TODAY, timeout=5)


def test_an_unknown_source_and_a_bad_sources_file_are_refused(tmp_path):
    good = sources_file(tmp_path, "http://127.0.0.1:9")
    with pytest.raises(FetchError, match="'cpi' is not a source; allowed: kpif, policy_rate"):
        fetch_all(load_sources(good), ["cpi"], TODAY)
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('api = "swea"', 'api = "ftp"'), encoding="utf-8")
    with pytest.raises(FetchError, match=r"\[policy_rate\] api"):
        load_sources(bad)
    bad.write_text(good.read_text().replace('monthly = "month_end"\n', ""), encoding="utf-8")
    with pytest.raises(FetchError, match="month_end or month_mean"):
        load_sources(bad)
