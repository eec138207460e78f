"""The errors a user can fix, in one place: each message says what is wrong and what is
allowed, and the command line prints it without a traceback (exit status 2). No imports, so
the command line knows them without loading the model."""

from __future__ import annotations

__all__ = ["ConfigError", "ResultsError", "WorkflowError", "ReplayError", "HistoryError",
           "Interrupted", "SimWarning"]


class ConfigError(Exception):
    """A configuration that cannot be used. The message is meant for the user, as is."""


class ResultsError(Exception):
    """A results file that is missing, unreadable or not ours. The message is for the user."""


class WorkflowError(Exception):
    """A request the user can fix; the message says what and how."""


class ReplayError(ValueError):
    """A returns file that cannot be replayed; the message names the line and the problem."""


class HistoryError(ValueError):
    """A history file that cannot be read for certain, or data a fit cannot use; the message
    names the file, the line (or the period) and what is allowed."""


class Interrupted(BaseException):
    """The command was ended by a signal (SIGTERM, Ctrl-C), here or in one of its writer
    processes. A BaseException, as KeyboardInterrupt: no ``except Exception`` stops it on its
    way out, and every cleanup on the way runs (temporary files, locks, writer processes).
    The command line prints what happened and exits with 128 + the signal's number."""

    def __init__(self, signum: int, message: str = ""):
        import signal

        self.signum = signum
        name = signal.Signals(signum).name
        super().__init__(message or f"interrupted by {name}")


class SimWarning(UserWarning):
    """Something the user should know that does not stop the command (a correlation matrix
    repaired to the nearest valid one). The command line prints it as ``Warning: ...``,
    without the source line of the library that happened to raise it."""
