"""``sim serve``'s web application: Starlette (a small, well-kept ASGI toolkit) served by
uvicorn, HTML rendered on the server (:mod:`.page`), one small script of the package's own
(``static/serve.js``) that swaps the answer in. Nothing is fetched from the network.

Routes: ``/`` the page (a URL query of changed controls opens that view: the permalink),
``/svar`` the answer as JSON (its HTML fragment and the controls' errors), ``POST /scenario``
saves the setting's world as a stress scenario file, ``POST /report`` starts ``sim report`` on
it in a process of its own and ``GET /report`` says how it goes. Bound to another address than
the loopback, every request must carry the token printed at start (``?token=``, kept in a
cookie after the first page).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import ConfigError
from . import page
from .whatif import DEFAULT_PATHS, FULL_PATHS, MAX_PATHS, PRECISE_PATHS, Superseded, WhatIf

#: A scenario file's name: what ``configs/scenarios`` holds (lower case, digits, hyphens).
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
STATIC = Path(__file__).with_name("static")


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


class _Token(BaseHTTPMiddleware):
    def __init__(self, app, token: str):
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next):
        given = request.query_params.get("token") or request.cookies.get("sim_token")
        if not given or not secrets.compare_digest(given, self.token):
            return PlainTextResponse("Åtkomst nekad: öppna adressen med den nyckel (token) som "
                                     "sim serve skrev ut när den startade.", status_code=403)
        response = await call_next(request)
        response.set_cookie("sim_token", self.token, httponly=True, samesite="strict")
        return response


class _Report:
    """The one ``sim report`` this server runs at a time, in a process of its own."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.out: Path | None = None
        self.log: Path | None = None

    def state(self) -> dict:
        if self.proc is None:
            return {"state": "none", "message": "Ingen rapport startad."}
        code = self.proc.poll()
        if code is None:
            return {"state": "running", "message": f"Rapporten skrivs till {self.out} …"}
        if code == 0:
            return {"state": "done", "message": f"Rapporten är klar: {self.out}/riskanalys.pdf "
                                                "(och .html, .xlsx)."}
        tail = self.log.read_text(encoding="utf-8", errors="replace")[-600:] if self.log else ""
        return {"state": "failed", "message": f"Rapporten misslyckades (kod {code}): {tail}"}


def create_app(whatif: WhatIf, scenario_dir: Path, report_dir: Path,
               token: str | None = None, report_paths: int | None = None) -> Starlette:
    """The application for one served plan config. ``token``: required of every request."""
    cfg = whatif.cfg
    report = _Report()
    report_lock = asyncio.Lock()          # held across an await: an asyncio lock, not a thread's

    def command(setting, paths: int, scenario: Path | None = None) -> str:
        """The command line that gives the page's numbers: ``sim run`` for decisions only,
        ``sim stress`` on the scenario file once the world is changed."""
        world = scenario is not None or any(c.kind != "set" for c in setting.changed())
        words = (["sim", "stress", str(whatif.config),
                  str(scenario or scenario_dir / "<namn>.toml")] if world
                 else ["sim", "run", str(whatif.config)])
        words += ["--paths", str(paths), "--seed", str(whatif.seed)]
        for s in whatif.overrides + setting.sets():
            words += ["--set", s]
        return " ".join(words + ["--out", "stress.nc" if world else "run.nc"])

    def paths_of(request: Request) -> int:
        text = request.query_params.get("paths", "")
        if not text:
            return DEFAULT_PATHS
        if not text.isdigit() or not 100 <= int(text) <= MAX_PATHS:
            raise ConfigError(f"paths: {text!r}; allowed 100 to {MAX_PATHS}")
        return int(text)

    def compute(request: Request):
        setting, errors = whatif.parse(request.query_params)
        if errors:
            return setting, errors, None
        paths = paths_of(request)
        ds = whatif.answer(setting, paths, request.query_params.get("background") == "1")
        return setting, errors, page.answer(ds, setting, command(setting, paths))

    async def home(request: Request):
        from starlette.concurrency import run_in_threadpool

        try:
            setting, errors, html = await run_in_threadpool(compute, request)
        except ConfigError as exc:
            return PlainTextResponse(f"Fel: {exc}", status_code=400)
        if html is None:
            html = ('<p class="error">Inget är räknat: ett antagande är ogiltigt (se '
                    'meddelandet vid det).</p>')
        return HTMLResponse(page.page(cfg.meta.name, cfg.meta.region, whatif.controls, setting,
                                      errors, html, token, precise=PRECISE_PATHS,
                                      full=FULL_PATHS))

    async def answer(request: Request):
        from starlette.concurrency import run_in_threadpool

        try:
            setting, errors, html = await run_in_threadpool(compute, request)
        except ConfigError as exc:
            return JSONResponse({"errors": {}, "html": f'<p class="error">Fel: {exc}</p>',
                                 "query": ""}, status_code=400)
        except Superseded:
            return JSONResponse({"superseded": True}, status_code=409)
        if html is None:              # the user's own text stays in the address, to mend
            html = ('<p class="error">Inget är räknat: ett antagande är ogiltigt (se '
                    'meddelandet vid det).</p>')
            from urllib.parse import urlencode

            query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                               if k not in ("paths", "background")])
            return JSONResponse({"errors": errors, "html": html, "query": query})
        return JSONResponse({"errors": errors, "html": html, "query": _query(setting, token)})

    def save(request: Request) -> tuple[Path | None, str, object]:
        """Write the setting's world as ``<name>.toml``: (the file, the message, the setting).
        The file is None when nothing is written and the world is not in a file: an invalid
        value, a bad name, or a file of that name holding other assumptions (never
        overwritten). A file already holding exactly this world is the world's file."""
        setting, errors = whatif.parse(request.query_params)
        if errors:
            return None, "Rätta de ogiltiga antagandena först; inget sparades.", setting
        name = request.query_params.get("scenario_name", "")
        if not NAME.fullmatch(name):
            return None, (f"Namnet {name!r} går inte: använd små bokstäver a-z, siffror och "
                          "bindestreck (som configs/scenarios/lakemedel.toml)."), setting
        path = scenario_dir / f"{name}.toml"
        sc = setting.scenario(cfg.meta.first_year, cfg.meta.last_year - cfg.meta.first_year + 1,
                              name)
        text = scenario_toml(sc)
        if path.exists():
            try:
                same = path.read_text(encoding="utf-8") == text
            except (OSError, UnicodeDecodeError):
                same = False
            if not same:
                return None, (f"{path} finns redan med andra antaganden och skrivs inte över; "
                              "välj ett annat namn."), setting
            return path, f"{path} finns redan med just dessa antaganden.", setting
        from ..cli.common import write_text

        write_text(text, path)
        return path, f"Sparat: {path}. Kör det med {command(setting, DEFAULT_PATHS, path)}", \
            setting

    async def scenario(request: Request):
        from starlette.concurrency import run_in_threadpool

        path, message, _ = await run_in_threadpool(save, request)
        return JSONResponse({"message": message, "path": str(path) if path else None},
                            status_code=200 if path else 400)

    async def report_route(request: Request):
        from starlette.concurrency import run_in_threadpool

        if request.method == "GET":
            return JSONResponse(report.state())
        async with report_lock:
            if report.state()["state"] == "running":
                return JSONResponse({"state": "running", "message": "En rapport skrivs redan."},
                                    status_code=409)
            path, message, setting = await run_in_threadpool(save, request)
            if path is None:
                return JSONResponse({"state": "none", "message": message}, status_code=400)
            out = report_dir / path.stem
            report_dir.mkdir(parents=True, exist_ok=True)
            args = [sys.executable, "-m", "sim.cli", "report", str(whatif.config),
                    "--scenarios", str(scenario_dir), "--seed", str(whatif.seed),
                    "--out", str(out)]
            if report_paths:
                args += ["--paths", str(report_paths)]
            for s in whatif.overrides + setting.sets():
                args += ["--set", s]
            report.out, report.log = out, report_dir / f"{path.stem}.log"
            with open(report.log, "w", encoding="utf-8") as log:
                report.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL)
        return JSONResponse(report.state())

    middleware = [Middleware(_Token, token=token)] if token else []
    return Starlette(routes=[Route("/", home), Route("/svar", answer),
                             Route("/scenario", scenario, methods=["POST"]),
                             Route("/report", report_route, methods=["GET", "POST"]),
                             Mount("/static", StaticFiles(directory=STATIC), name="static")],
                     middleware=middleware)


def _query(setting, token: str | None) -> str:
    q = setting.query()
    if not token:
        return q
    return q + ("&" if q else "") + f"token={token}"


def scenario_toml(sc) -> str:
    """A scenario as the TOML file ``sim stress`` reads."""
    import tomlkit

    data = sc.model_dump(exclude_none=True, exclude={"include"})
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Saved by sim serve: the world of a what-if setting. The region's "
                            "decisions (the reserve, the pension rule) are --set options of "
                            "the command, not part of the scenario."))
    for key, value in data.items():
        doc[key] = value
    return tomlkit.dumps(doc)
