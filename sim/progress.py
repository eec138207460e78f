"""A progress bar on a terminal (paths done, rate, time left); silent in CI, pipes and notebooks."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

import click

from .present import fmt


@contextlib.contextmanager
def progress_bar(total: int, label: str):
    """Yield a callback ``advance(n)``; draws a bar on stderr only when it is a terminal."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda n: None
        return
    lock = threading.Lock()
    start = time.perf_counter()
    with click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True,
                           show_pos=True,
                           item_show_func=lambda _: None) as bar:
        def advance(n: int) -> None:
            with lock:
                bar.update(n)
                rate = bar.pos / max(time.perf_counter() - start, 1e-9)
                bar.label = f"{label} ({fmt.number(rate)} scenarier/s)"
        yield advance
