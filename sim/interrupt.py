"""SIGTERM and Ctrl-C as an exception, and the few steps they must not cut in two.

The command line installs :func:`handler` for both signals: it raises
:class:`sim.errors.Interrupted`, so the code on the way out runs (temporary files removed, locks
released, writer processes ended). Inside :func:`held` (the renames that put a unit of files in
place) a signal is held until the unit is whole, then raised: the files are either all as they
were or all new, never a mix.

Python drops an exception raised where it cannot go on (a callback run at a fork, a
finalizer) and prints "Exception ignored in ..." with a traceback. A signal that lands there
would be lost and the command would finish as if never told to stop; so the handler also
records it, :func:`check`, called where work is started, raises it again, and
:func:`install` keeps Python from printing the dropped one.
"""

from __future__ import annotations

import contextlib

from .errors import Interrupted

__all__ = ["install", "handler", "held", "check"]

_held: list[bool] = []
_pending: list[int] = []
_received: list[int] = []


def install() -> None:
    """SIGTERM and SIGINT raise :class:`Interrupted` (:func:`handler`), and an Interrupted
    that Python drops on its way (``sys.unraisablehook``) is not printed: :func:`check` raises
    it again."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    library_hook = sys.unraisablehook

    def unraisable(info) -> None:
        if not isinstance(info.exc_value, Interrupted):
            library_hook(info)

    sys.unraisablehook = unraisable


def handler(signum: int, _frame) -> None:
    """The signal handler: raise :class:`Interrupted`, or hold it inside :func:`held`."""
    if _held:
        _pending.append(signum)
        return
    _received.append(signum)
    raise Interrupted(signum)


def check() -> None:
    """Raise (once) a signal whose exception was dropped on its way (module docstring)."""
    if _received:
        signum = _received[0]
        _received.clear()
        raise Interrupted(signum)


@contextlib.contextmanager
def held():
    """Hold SIGTERM and SIGINT (as :func:`handler` sees them) until the block is done; then
    raise the first one held."""
    _held.append(True)
    try:
        yield
    finally:
        _held.pop()
        if not _held and _pending:
            signum = _pending[0]
            _pending.clear()
            raise Interrupted(signum)
