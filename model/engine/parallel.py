"""Draws run in worker processes: a long run of many draws is split into groups of draws, one group per
worker, each run exactly as it would be in one process (draws never interact, and every draw reads its own
seed's numbers), so the numbers do not depend on how many workers ran them.

Nothing starts a process unless asked: `simulate_draws(..., workers=N)` with N above 1. The pool is made on
first use, kept for the process's later calls and shut down when the process ends. Workers are started by
forkserver (spawn where that is missing), never by a plain fork of a process that may hold threads. A group's
tables come back in a file in a folder the caller makes for the call (`hand_over`, `take_over`), not through the
pool's pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

WORKERS_ENV = "DAYSHIFT_WORKERS"
THREADS_ENV = "DAYSHIFT_THREADS"
_pools: dict[int, Executor] = {}


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _count(env: str) -> int:
    """A count set in the environment variable `env`, else one per core."""
    value = os.environ.get(env, "").strip()
    return max(1, int(value)) if value.isdigit() else available_cores()


def default_workers() -> int:
    """Worker processes for the command line: DAYSHIFT_WORKERS if set, else one per core."""
    return _count(WORKERS_ENV)


def default_threads() -> int:
    """Threads a run may use (`simulate`'s threads): DAYSHIFT_THREADS if set, else one per core."""
    return _count(THREADS_ENV)


class WorkersStopped(RuntimeError):
    """A worker process stopped before its draws were done."""

    def __init__(self) -> None:
        super().__init__(
            "a worker process stopped before its draws were done, and no results were kept. Either it ran out of "
            "memory (run fewer draws at once: a smaller memory budget, memory_mib or DAYSHIFT_MEMORY_MIB, or fewer "
            "workers), or the Python script that started the workers runs its work when it is imported: each "
            "worker imports that script, so put the script's work under `if __name__ == \"__main__\":`")


def pool(workers: int) -> Executor:
    """A process pool of `workers` processes, made once per size and reused."""
    if workers not in _pools:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        _pools[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _pools[workers]


def discard_pool(workers: int) -> None:
    """Shut a pool down without waiting (after a failure or an interruption); the next call makes a new one."""
    old = _pools.pop(workers, None)
    if old is not None:
        old.shutdown(wait=False, cancel_futures=True)


def draw_groups(n: int, chunk: int, workers: int, per_worker: int) -> list[range]:
    """`n` draws split into groups for `workers` processes: near-equal groups of at most `chunk` draws (each then
    runs as one chunk, with no small leftover chunk paying a whole chunk's work per cycle for a few draws), at
    least `per_worker` groups a worker (progress is told as each group ends), and a whole number of groups a
    worker where there are enough draws."""
    parts = max(-(-n // max(1, chunk)), workers * per_worker)
    return groups(n, -(-parts // workers) * workers)


def groups(n: int, parts: int) -> list[range]:
    """`n` draws split into at most `parts` contiguous groups of near-equal size."""
    parts = max(1, min(parts, n))
    edges = [round(i * n / parts) for i in range(parts + 1)]
    return [range(a, b) for a, b in zip(edges, edges[1:]) if b > a]


@dataclass(frozen=True)
class _InFile:
    """A worker's result left in a file for the process that asked for it (`hand_over`)."""

    path: str


def hand_over(folder: str, name: str, value: Any) -> Any:
    """In a worker: `value` pickled to the file `name` in `folder`, for the process that submitted the work to read
    (`take_over`); `value` itself where the file cannot be written. A group's tables (13 MB for 56 draws' monthly
    tables) sent back through the pool's pipe cost the receiving process 32 ms of processor time, read in 64 KB
    pieces, each waiting for Python's lock while that process made parameter sets; from a file, 2.9 ms."""
    path = os.path.join(folder, name)
    try:
        with open(path + ".part", "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(path + ".part", path)
    except OSError:  # no room, or the folder gone (the caller stopped asking): the result goes the usual way
        with contextlib.suppress(OSError):
            os.remove(path + ".part")
        return value
    return _InFile(path)


def take_over(result: Any) -> Any:
    """A worker's result as `hand_over` gave it back: read from its file (which is then removed), or as it came."""
    if not isinstance(result, _InFile):
        return result
    with open(result.path, "rb") as f:
        data = f.read()
    os.remove(result.path)
    return pickle.loads(data)
