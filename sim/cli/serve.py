"""``sim serve``: the what-if page in the browser."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (CONFIG_ARG, SEED_OPTION, SET_OPTION, THREADS_OPTION, UserError,
                     beside_configs, cli, user_errors)


@cli.command()
@CONFIG_ARG
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Any other than the loopback requires the token printed "
                   "at start in every address.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--scenarios", "scenario_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder the page saves scenarios into [default: "
                                 "configs/scenarios beside the config's folder].")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("results/sim-serve"), show_default=True,
              help="Folder the page's reports are written into, one folder each.")
@click.option("--report-paths", type=click.IntRange(min=100), default=None,
              help="Paths of the page's reports [default: simulation.paths of the config].")
@SEED_OPTION
@THREADS_OPTION
@SET_OPTION
@user_errors
def serve(config: Path, port: int, host: str, no_browser: bool, scenario_dir: Path | None,
          report_dir: Path, report_paths: int | None, seed: int | None, threads: int | None,
          overrides: tuple[str, ...]) -> None:
    """What-if in the browser: move an assumption, see P(deficit), the fan and the menu change.

    Serves a page for CONFIG on http://HOST:PORT/ and opens it. Every answer is the Monte
    Carlo of `sim stress CONFIG <scenario> --paths N --seed SEED --set ...` for the page's
    setting, on the same random numbers for every setting. Stop with Ctrl-C.
    """
    import socket
    import sys

    import uvicorn

    from ..serve.app import create_app, is_loopback, new_token
    from ..serve.whatif import WhatIf
    from ..workflows.guard import threads_or_cores

    # the config read and validated once, before anything is bound: a bad one exits 2
    whatif = WhatIf(config, overrides, seed, threads_or_cores(threads))
    folder = scenario_dir or beside_configs(config, "scenarios")
    if not folder.is_dir():
        raise UserError(f"--scenarios: {folder} is not a folder; create it or name another")
    token = None if is_loopback(host) else new_token()
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)              # a browser opened at once waits in the queue
    except OSError as exc:
        raise UserError(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
                        "choose another port, or --port 0 for any free one") from None
    click.echo("Förbereder modellen (laddar kärnorna, bygger motorn) …", err=True)
    whatif.warm()
    app = create_app(whatif, folder, report_dir, token, report_paths)
    bound = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{bound}/"
    url += f"?token={token}" if token else ""
    click.echo(f"sim serve: {url}  (Ctrl-C stoppar)")
    if token:
        click.echo("Bunden till en adress utanför datorn: sidan kräver nyckeln i adressen.")
    sys.stdout.flush()
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
