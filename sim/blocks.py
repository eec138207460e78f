"""Blocks of paths: their bounds, and running them on threads with results in block order.

The one scheduler the scenario generator and the Monte Carlo run share. A block's result never
depends on which thread ran it or when; results are handed back strictly in block order, with at
most ``2 x threads`` blocks in flight, so memory stays bounded and sums fold in the same order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["n_blocks", "bounds", "in_block_order"]

T = TypeVar("T")


def n_blocks(n_paths: int, block_size: int) -> int:
    return -(-n_paths // block_size)


def bounds(b: int, n_paths: int, block_size: int) -> tuple[int, int]:
    """The paths ``lo:hi`` of block ``b``."""
    return b * block_size, min(n_paths, (b + 1) * block_size)


def in_block_order(work: Callable[[int], T], count: int, threads: int = 1,
                   order: list[int] | None = None) -> Iterator[tuple[int, T]]:
    """Run ``work(b)`` for every block, in ``order`` (a permutation: the order blocks are
    started in), and yield ``(b, result)`` for b = 0, 1, ... whatever order they finish in."""
    if order is None:
        order = range(count)             # lazy: a run of 10^12 paths lists no blocks
    else:
        order = list(order)
        if sorted(order) != list(range(count)):
            raise ValueError(f"block_order must be a permutation of range({count})")
    done: dict[int, T] = {}
    nxt = 0

    def drain(b: int, result: T) -> Iterator[tuple[int, T]]:
        nonlocal nxt
        done[b] = result
        while nxt in done:
            yield nxt, done.pop(nxt)
            nxt += 1

    if threads <= 1:
        for b in order:
            yield from drain(b, work(b))
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        in_flight = deque()
        for b in order:
            in_flight.append((b, pool.submit(work, b)))
            if len(in_flight) >= 2 * threads:
                b0, fut = in_flight.popleft()
                yield from drain(b0, fut.result())
        while in_flight:
            b0, fut = in_flight.popleft()
            yield from drain(b0, fut.result())
