"""Command line: ``sim`` and its commands, each in the module of its topic (:mod:`.run`,
:mod:`.stress`, :mod:`.models`, :mod:`.report`, :mod:`.backtest`, :mod:`.calibrate`, :mod:`.serve`,
:mod:`.pipeline`), sharing
the options and error handling of :mod:`.common`. A command parses its options, calls one
workflow (imported when it runs, so ``sim --help`` loads no numerical library), and prints.

Every command that reads a config takes ``--set dotted.key=value`` (repeatable). A bad config,
override or file exits with status 2 and a message naming the file, the key, the value and what
is allowed; nothing is written.
"""

from __future__ import annotations

from . import (backtest, calibrate, models, pipeline, report, run, serve,  # commands join
               stress)
from .common import UserError, cli


__all__ = ["cli", "main", "UserError", "backtest", "calibrate", "models", "pipeline", "report",
           "run", "serve", "stress"]


def main() -> None:
    """``sim``: the commands, with SIGTERM and Ctrl-C ending any of them cleanly.

    Both signals raise :class:`sim.errors.Interrupted` in the command (:mod:`sim.interrupt`),
    so every write in progress removes its temporary files, releases its lock and ends its
    writer processes on the way out (SIGKILL cannot be caught; a later write sweeps what it
    leaves). The command then says it was interrupted and exits with 128 + the signal's
    number (143, 130)."""
    import sys

    from ..errors import Interrupted
    from ..interrupt import install

    install()
    _plain_warnings()
    try:
        cli()
    except Interrupted as exc:
        _done()
        print(f"Interrupted: {exc}. No partial or temporary file was left: the files being "
              "written are as they were, or all new.", file=sys.stderr)
        sys.exit(128 + exc.signum)
    finally:
        _done()


def _plain_warnings() -> None:
    """The package's own warnings (:class:`sim.errors.SimWarning`) as ``Warning: ...`` on
    stderr: the file and line Python prints are those of whichever library called the check
    (pydantic's validator), which say nothing to the user."""
    import warnings

    from ..errors import SimWarning

    library_format = warnings.formatwarning

    def formatwarning(message, category, filename, lineno, line=None):
        if issubclass(category, SimWarning):
            return f"Warning: {message}\n"
        return library_format(message, category, filename, lineno, line)

    warnings.formatwarning = formatwarning


def _done() -> None:
    """The command has finished or is on its way out: a signal now has nothing left to stop
    or clean up, and must not print a traceback from the interpreter's shutdown."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
