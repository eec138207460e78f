"""``sim serve``: the controls and their validation, the page's answer against the commands it
names (``sim run --set``, ``sim stress`` on the saved scenario), the token, and the page in a
real browser (Debian's Chromium driven by Playwright) with axe-core."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from sim.serve.whatif import WhatIf, parse
from sim.stress.scenario import load_scenario

from .conftest import DEFAULT_CONFIG, ROOT

PATHS = 1000


@pytest.fixture(scope="module")
def whatif():
    return WhatIf(DEFAULT_CONFIG, threads=2)


def test_a_control_at_the_plan_adds_nothing_and_a_bad_value_is_named(whatif):
    setting, errors = whatif.parse({})
    assert errors == {} and setting.changed() == [] and setting.sets() == ()
    assert whatif.parse({"kpif_2023": "2,7"})[0].changed() == []          # the plan's own
    assert whatif.parse({"income": "\u22121\u00a0,5"})[0].value("income") == -1.5   # as shown
    sc = setting.scenario(2023, 6)
    assert sc.factors == {} and sc.measures_delivered is None and sc.income_change is None
    _, errors = whatif.parse({"drugs": "två", "floor_share": "1,5", "rur": "ibland",
                              "measures": "nan", "kpif_2025": "-7"})
    assert set(errors) == {"drugs", "floor_share", "rur", "measures", "kpif_2025"}
    assert "inte ett tal" in errors["drugs"] and "0,5 till 0,99" in errors["floor_share"]
    assert "Aldrig" in errors["rur"]


def test_the_setting_is_a_scenario_and_overrides(whatif):
    setting, errors = whatif.parse({"drugs": "2", "kpif_2024": "6,5", "kpif_2026": "4",
                                    "measures": "0.5", "income": "-10", "equity": "-20",
                                    "max_equity": "0,6", "rur": "never"})
    assert errors == {}
    assert setting.sets() == ("balance_requirement.rur.draw_when=never",
                              "funds.pension.strategy.max_equity.value=0.6")
    sc = setting.scenario(2023, 6)
    assert sc.factors["drugs"].values == [2.0] * 6 and sc.factors["drugs"].mode == "shift"
    infl = sc.factors["inflation"]              # 2024 to 2026, 2025 at the plan's forecast
    assert (infl.start, infl.mode, infl.values) == ("2024", "level", [6.5, 2.5, 4.0])
    assert sc.factors["equity"].values == [-0.2]
    assert sc.measures_delivered.value == 0.5 and sc.income_change.value == -0.1
    again, _ = parse(whatif.controls, dict(p.split("=") for p in setting.query().split("&")))
    assert again == setting                                             # the permalink


def test_the_saved_file_is_the_scenario(whatif, tmp_path):
    from sim.serve.app import scenario_toml

    setting, _ = whatif.parse({"hired_staff": "10", "measures": "0.7", "kpif_2023": "5"})
    sc = setting.scenario(2023, 6, "prov")
    path = tmp_path / "prov.toml"
    path.write_text(scenario_toml(sc), encoding="utf-8")
    key, back = load_scenario(path)
    assert key == "prov" and back == sc and back.label == "Vad händer om: prov"


def test_the_answer_is_sim_run_with_the_same_set_values(whatif, tmp_path):
    """Decisions only: the page's computation is `sim run --set ...` on the same seed."""
    setting, _ = whatif.parse({"floor_share": "0.8", "max_equity": "0.6",
                               "rur": "any_deficit"})
    got = whatif.answer(setting, PATHS)
    out = tmp_path / "run.nc"
    cmd = [sys.executable, "-m", "sim.cli", "run", str(DEFAULT_CONFIG), "--paths", str(PATHS),
           "--seed", str(whatif.seed), "--out", str(out)]
    for s in setting.sets():
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    with xr.open_dataset(out) as want:
        for key in ("p_deficit", "p_deficit_se", "p_below_goal", "bkr_quantile",
                    "improvement_menu", "contribution_mean"):
            np.testing.assert_array_equal(got[key].values, want[key].values, err_msg=key)


def test_a_background_answer_gives_way_to_a_newer_request(whatif):
    """The page's refinement (many paths, in the background) is given up at its next block
    once the user changes a control, so the new answer waits a block at most."""
    import threading

    from sim.serve.whatif import Superseded

    setting, _ = whatif.parse({"drugs": "1"})
    seen = {}

    def refine():
        try:
            whatif.answer(setting, 200_000, background=True)
            seen["outcome"] = "finished"
        except Superseded:
            seen["outcome"] = "superseded"

    before = whatif._latest
    worker = threading.Thread(target=refine)
    worker.start()
    while whatif._latest == before:                   # the refinement has taken its number
        time.sleep(0.01)
    newer = whatif.answer(whatif.parse({"drugs": "2"})[0], 1000)
    worker.join()
    assert seen["outcome"] == "superseded"            # given up, not run to its end first
    assert newer.attrs["paths"] == 1000


def test_the_token_guards_every_route(whatif, tmp_path):
    from starlette.testclient import TestClient

    from sim.serve.app import create_app

    client = TestClient(create_app(whatif, tmp_path, tmp_path / "r", token="hemlig"))
    assert client.get("/").status_code == 403
    assert client.get("/svar").status_code == 403
    assert client.get("/static/serve.js").status_code == 403
    assert client.get("/?token=fel").status_code == 403
    assert client.get("/svar?token=hemlig&paths=200").status_code == 200
    assert client.get("/svar?paths=200").status_code == 200             # the cookie
    open_ = TestClient(create_app(whatif, tmp_path, tmp_path / "r"))
    assert open_.get("/svar?paths=200").status_code == 200


def test_saving_refuses_a_bad_name_an_invalid_value_and_an_existing_file(whatif, tmp_path):
    from starlette.testclient import TestClient

    from sim.serve.app import create_app

    client = TestClient(create_app(whatif, tmp_path, tmp_path / "r"))
    r = client.post("/scenario?drugs=2&scenario_name=Min fil")
    assert r.status_code == 400 and "små bokstäver" in r.json()["message"]
    r = client.post("/scenario?drugs=x&scenario_name=ok")
    assert r.status_code == 400 and not (tmp_path / "ok.toml").exists()
    assert client.post("/scenario?drugs=2&scenario_name=ok").status_code == 200
    before = (tmp_path / "ok.toml").read_text(encoding="utf-8")
    r = client.post("/scenario?drugs=3&scenario_name=ok")
    assert r.status_code == 400 and "andra antaganden" in r.json()["message"]
    assert (tmp_path / "ok.toml").read_text(encoding="utf-8") == before
    r = client.post("/scenario?drugs=2&scenario_name=ok")           # the same world: its file
    assert r.status_code == 200 and "just dessa" in r.json()["message"]
    r = client.post("/report?drugs=3&scenario_name=ok")             # never another world's
    assert r.status_code == 400 and "andra antaganden" in r.json()["message"]
    r = client.get("/svar?drugs=x")
    assert r.json()["errors"] == {"drugs": "'x' är inte ett tal"}
    assert "Inget är räknat" in r.json()["html"]
    assert client.get("/svar?paths=10").status_code == 400


def test_serve_refuses_a_bad_config_and_a_taken_port(tmp_path):
    import socket

    bad = subprocess.run([sys.executable, "-m", "sim.cli", "serve", str(DEFAULT_CONFIG),
                          "--no-browser", "--set", "simulation.paths=-1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "simulation.paths" in bad.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        taken = subprocess.run([sys.executable, "-m", "sim.cli", "serve", str(DEFAULT_CONFIG),
                                "--no-browser", "--port", str(port)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2 and f"--port {port}" in taken.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``sim serve`` on a free local port, its scenarios into a folder of the test's."""
    folder = tmp_path_factory.mktemp("scenarios")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", str(DEFAULT_CONFIG),
                             "--port", "0", "--no-browser", "--scenarios", str(folder)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = None
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"(http://\S+)", line or "")
        url = found.group(1) if found else None
        if proc.poll() is not None:
            break
    if url is None:
        proc.kill()
        pytest.fail("sim serve did not start: " + proc.stderr.read())
    yield url, folder
    proc.terminate()
    proc.wait(timeout=20)


def _page_p(page) -> np.ndarray:
    cells = page.locator('td[data-key="p_deficit"]')
    return np.array([float(cells.nth(i).get_attribute("data-value"))
                     for i in range(cells.count())])


def _shown(page, *needles: str, paths: int = 20000) -> None:
    """Wait until the page shows the answer, refined in the background to ``paths``, for a
    setting whose query has every needle."""
    test = " && ".join(f"q.includes({n!r})" for n in needles) or "true"
    page.wait_for_function(
        "(() => { const a = document.getElementById('answer'); const q = a.dataset.query || '';"
        " const h = a.querySelector('h2');"
        f" return a.getAttribute('aria-busy') === 'false' && {test} && "
        f"(h === null || h.dataset.paths === '{paths}'); }})()", timeout=60_000)


@pytest.mark.slow
def test_in_the_browser_three_controls_give_sim_run_and_the_saved_file_sim_stress(
        server, browser, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    url, folder = server
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(url)
    # three decisions: the answer is `sim run --set ...` on the same seed and paths
    page.fill("#c-floor_share", "0,8")
    page.fill("#c-max_equity", "0,6")
    page.select_option("#c-rur", "any_deficit")
    _shown(page, "floor_share=0.8", "max_equity=0.6", "rur=any_deficit")
    assert "floor_share=0.8" in page.url and "rur=any_deficit" in page.url
    got = _page_p(page)
    sets = ["balance_requirement.rur.draw_when=any_deficit",
            "funds.pension.strategy.floor_share.value=0.8",
            "funds.pension.strategy.max_equity.value=0.6"]
    seed = re.search(r"frö (\d+)", page.locator("#answer h2").inner_text()).group(1)
    paths = "20000"                        # the answer as refined in the background
    cmd = [sys.executable, "-m", "sim.cli", "run", str(DEFAULT_CONFIG), "--paths", paths,
           "--seed", seed, "--out", str(tmp_path / "run.nc")]
    subprocess.run(cmd + [a for s in sets for a in ("--set", s)], check=True, cwd=ROOT,
                   capture_output=True)
    with xr.open_dataset(tmp_path / "run.nc") as want:
        np.testing.assert_array_equal(got, want["p_deficit"].values)
    # the world: drug costs and the measures; saved, `sim stress` on the file gives the page
    page.fill("#c-drugs", "2")
    page.fill("#c-measures", "0,5")
    _shown(page, "drugs=2", "measures=0.5", "rur=any_deficit")
    got = _page_p(page)
    page.fill("#scenario-name", "prov-serve")
    page.click("#save")
    page.wait_for_function("document.getElementById('file-status').textContent"
                           ".startsWith('Sparat')", timeout=30_000)
    saved = folder / "prov-serve.toml"
    assert saved.exists()
    cmd = [sys.executable, "-m", "sim.cli", "stress", str(DEFAULT_CONFIG), str(saved),
           "--paths", paths, "--seed", seed, "--out", str(tmp_path / "stress.nc")]
    subprocess.run(cmd + [a for s in sets for a in ("--set", s)], check=True, cwd=ROOT,
                   capture_output=True)
    with xr.open_dataset(tmp_path / "stress.nc") as want:
        np.testing.assert_array_equal(got, want["p_deficit"].sel(scenario="prov-serve").values)
    # a bad value: named beside its control, nothing computed
    page.fill("#c-drugs", "mycket")
    _shown(page, "drugs=mycket")
    assert "inte ett tal" in page.locator("#e-drugs").inner_text()
    assert page.locator('td[data-key="p_deficit"]').count() == 0
    # the permalink opens the same view
    page.fill("#c-drugs", "2")
    _shown(page, "drugs=2", "measures=0.5")
    other = browser.new_page(viewport={"width": 1300, "height": 900})
    other.goto(page.url)
    _shown(other, "drugs=2", "measures=0.5")      # opened, then refined in the background
    np.testing.assert_array_equal(_page_p(other), got)
    other.close()
    found = Axe().run(page).response["violations"]
    assert found == [], [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in found]
    page.set_viewport_size({"width": 420, "height": 900})
    found = Axe().run(page).response["violations"]
    assert found == [], [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in found]
    page.close()


@pytest.mark.slow
def test_the_report_button_writes_the_report_of_the_setting(whatif, tmp_path):
    """"Skriv rapporten": the setting's world saved beside the plan's scenarios and `sim report`
    run on it with the setting's decisions, in a process of its own; a second click while it
    runs is refused; the report has the new scenario and the decision."""
    import shutil

    from starlette.testclient import TestClient

    from sim.serve.app import create_app

    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "configs" / "scenarios", folder)
    client = TestClient(create_app(whatif, folder, tmp_path / "rapporter", report_paths=500))
    r = client.post("/report?drugs=2&max_equity=0.6&scenario_name=prov-rapport")
    assert r.status_code == 200 and r.json()["state"] == "running", r.json()
    assert (folder / "prov-rapport.toml").exists()
    assert client.post("/report?drugs=2&scenario_name=en-till").status_code == 409
    deadline = time.monotonic() + 600
    while (state := client.get("/report").json())["state"] == "running":
        assert time.monotonic() < deadline, "the report took more than ten minutes"
        time.sleep(2)
    assert state["state"] == "done", state["message"]
    out = tmp_path / "rapporter" / "prov-rapport"
    html = (out / "riskanalys.html").read_text(encoding="utf-8")
    assert (out / "riskanalys.pdf").stat().st_size > 0
    assert "Vad händer om: prov-rapport" in html
    assert "funds.pension.strategy.max_equity</th><td>0,6</td>" in html    # the decision
