"""One run's rows shared among threads: each thread takes a range of whole blocks of ids.

A block is the rows of one draw whose ids share `id >> BLOCK_SHIFT`: which rows make a block depends only on the draw
and the ids, never on how many threads run or which other draws run beside it. A block's sums are added in id order,
and a draw's sums block by block in order, so they are the same with any number of threads. A run of one draw keeps
its rows in id order, so its blocks sit together and can be shared out; with several draws each cycle's entrants
follow every draw's rows, so one thread takes them all.

The compiled loops release the GIL, so Python threads run them at once. Threads that have no work wait on a queue
(`concurrent.futures`): they never spin, and a machine with a core busy elsewhere loses only that core.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from model.engine import compiled

BLOCK_SHIFT = 12  # a block holds 2**12 ids: few enough to share a cycle's rows evenly, enough to cost nothing to cut
# Rows a thread takes at the least (another is not asked to help with fewer). One thread runs many cycles in one
# compiled call (`cycle.cycles`); with two, each cycle is a call from Python and a hand-off (some 200 microseconds
# here), which their share of the cycle's decisions must outweigh. Measured on 2 cores (a run of essex_live scaled,
# 15 years): at 100,000 rows one thread 0.31 s, two 0.35 to 0.42 s; at 200,000 even (0.65 against 0.59 to 0.70);
# at 270,000 rows (20 years) two threads 22% faster. England's run (93,000 to 151,000 rows) took 0.93 to 1.05 s on
# one thread, 0.94 to 1.10 s on two.
_MIN_ROWS = 100_000


@compiled.jit(nogil=True)
def _next_cut(d, ids, r, shift):
    """The first row at or after row r that starts a block."""
    n = len(d)
    if r <= 0:
        return 0
    while r < n and d[r] == d[r - 1] and ids[r] >> shift == ids[r - 1] >> shift:
        r += 1
    return r


def blocks_per_draw(n_ids: int) -> int:
    """How many blocks a draw's ids fill."""
    return max(1, ((n_ids - 1) >> BLOCK_SHIFT) + 1)


class RowThreads:
    """A pool of `threads` threads (this one among them) running a compiled loop on ranges of whole blocks."""

    def __init__(self, threads: int):
        self.threads = max(1, int(threads))
        self._pool = (None if self.threads == 1
                      else ThreadPoolExecutor(self.threads - 1, thread_name_prefix="dayshift-rows"))

    def ranges(self, d: np.ndarray, ids: np.ndarray, D: int) -> list[tuple[int, int]]:
        """The rows split into one range of whole blocks per thread (fewer when there are few rows). With several
        draws a block's rows are not all together (each cycle's entrants follow every draw's rows): one range."""
        n = len(d)
        parts = min(self.threads, max(1, n // _MIN_ROWS)) if D == 1 else 1
        cuts = [0] + [_next_cut(d, ids, round(n * k / parts), BLOCK_SHIFT) for k in range(1, parts)] + [n]
        return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a] or [(0, n)]

    def run(self, fn: Callable[[int, int], Any], ranges: list[tuple[int, int]]) -> list[Any]:
        """fn(lo, hi) for every range, at once; the results in the order of the ranges."""
        if self._pool is None or len(ranges) == 1:
            return [fn(lo, hi) for lo, hi in ranges]
        others = [self._pool.submit(fn, lo, hi) for lo, hi in ranges[1:]]
        first = fn(*ranges[0])
        return [first] + [f.result() for f in others]

    def close(self) -> None:
        """Stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
