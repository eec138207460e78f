"""Command line: ``sim`` and its commands, each in the module of its topic (:mod:`.run`,
:mod:`.stress`, :mod:`.models`, :mod:`.report`, :mod:`.backtest`, :mod:`.calibrate`), sharing
the options and error handling of :mod:`.common`. A command parses its options, calls one
workflow (imported when it runs, so ``sim --help`` loads no numerical library), and prints.

Every command that reads a config takes ``--set dotted.key=value`` (repeatable). A bad config,
override or file exits with status 2 and a message naming the file, the key, the value and what
is allowed; nothing is written.
"""

from __future__ import annotations

from . import backtest, calibrate, models, report, run, stress  # their commands join the group
from .common import UserError, cli


__all__ = ["cli", "main", "UserError", "backtest", "calibrate", "models", "report", "run",
           "stress"]


def main() -> None:
    import signal
    import sys

    # SIGTERM ends the command like Ctrl-C: the writes in progress remove their temporary
    # files on the way out (SIGKILL cannot be caught; a later write removes those)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cli()
