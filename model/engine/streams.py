"""The layout of random numbers, shared by every engine so that they make identical draws.

Two streams, both from `numpy.random.SeedSequence(seed, spawn_key=...)`:

- creation: one row per person id (ids are given in order: the initial stock first, then each
  cycle's entrants), columns `CREATE_*`; drawn once for every id the run will ever create.
- decisions: for cycle m, one row per person id created so far, columns `DECIDE_*`.

Rows are filled in id order, so person i's numbers do not depend on how many people there are:
two scenarios that create the same people read the same numbers for the same decision
(common random numbers), whatever either does to its people.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

CREATE_BAND, CREATE_AGE, CREATE_WANTS_WORK, CREATE_PERSONAL_BUDGET, CREATE_ENTRY = range(5)
N_CREATE = 5
DECIDE_EXIT, DECIDE_MOVE, DECIDE_HOURS = range(3)
N_DECIDE = 3

_STREAM_CREATE = 0
_STREAM_DECIDE = 1


def _generator(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


def creation_uniforms(seed: int, n_ids: int, out: np.ndarray | None = None) -> np.ndarray:
    """Uniforms for every person's attributes: shape (n_ids, N_CREATE); made in `out` if given."""
    return _generator(seed, _STREAM_CREATE).random((n_ids, N_CREATE), out=out)


def cycle_uniforms(seed: int, cycle: int, n_ids: int, out: np.ndarray | None = None) -> np.ndarray:
    """Uniforms for cycle `cycle`'s decisions: shape (n_ids, N_DECIDE), row = person id; made in `out` if given."""
    return _generator(seed, _STREAM_DECIDE, cycle).random((n_ids, N_DECIDE), out=out)


def seed_from(rng: int | np.random.Generator | None, default: int) -> int:
    """A root seed from what a caller gave: an int is used as is, a Generator gives one draw."""
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, (int, np.integer)) and int(rng) >= 0:
        return int(rng)
    raise TypeError(f"rng must be a non-negative int, a numpy Generator or None, not {rng!r}")


AHEAD_MIN = 100_000  # uniforms a cycle below which handing them over between threads costs more than it saves


class Ahead:
    """Each cycle's uniforms, made a cycle ahead in a background thread while the engine works on the current one.

    numpy fills arrays of random numbers without holding the GIL, so the making overlaps the engine's own work;
    the numbers are those `make(cycle)` gives, whichever thread made them. With `threads` below 2 they are made
    when asked, as they are when the largest cycle needs fewer than AHEAD_MIN (`size`). The thread waits on a
    queue when idle: it never spins.
    """

    def __init__(self, make: Callable[[int], np.ndarray], n_cycles: int, threads: int, size: int):
        self._make = make
        self._n_cycles = n_cycles
        ahead = threads > 1 and size >= AHEAD_MIN
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="dayshift-numbers") if ahead else None
        self._next: tuple[int, Future] | None = None

    def get(self, cycle: int) -> np.ndarray:
        """Cycle `cycle`'s uniforms; the next cycle's are started."""
        if self._pool is None:
            return self._make(cycle)
        ready = self._next is not None and self._next[0] == cycle
        u = self._next[1].result() if ready else self._make(cycle)
        if cycle + 1 < self._n_cycles:
            self._next = (cycle + 1, self._pool.submit(self._make, cycle + 1))
        else:
            self.close()
        return u

    def close(self) -> None:
        """Stop the background thread (a run that ends early, or has ended) and let go of `make`."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._next = None, None
        # `make` is usually the engine's own method: kept, it ties engine and numbers in a cycle that only the
        # cycle collector frees, and a worker's finished chunks (a few hundred MiB) piled up waiting for it.
        self._make = _closed


def _closed(cycle: int) -> np.ndarray:
    raise RuntimeError("the run's random numbers were asked for after the run ended")
