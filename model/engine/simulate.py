"""Running a scenario: the one entry point notebooks, the command line and tests share."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

from model.compile.spec import Spec, compiled, tables_only
from model.compile.validate import load_scenario
from model.engine.interface import Engine, EngineFactory
from model.engine.memory import draws_at_once
from model.engine.parallel import (WorkersStopped, default_threads, discard_pool, draw_groups, groups, hand_over, pool,
                                   take_over)
from model.engine.results import SimulationResult, people_frame
from model.engine.streams import seed_from
from model.engine.vectorised import VectorisedEngine
from model.scenario.schema import Scenario


def _mesa(specs: list[Spec], seed: int, threads: int = 1, people: bool = True) -> Engine:
    """The Mesa reference engine (Mesa is imported only when it is asked for: a run of the fast engine does not
    wait for it)."""
    from model.engine.agents import DayshiftModel

    return DayshiftModel(_single(specs), rng=seed)


ENGINES: dict[str, EngineFactory] = {
    "vectorised": lambda specs, seed, threads=1, people=True: VectorisedEngine(specs, seed, threads, people),
    "agents": _mesa,
}


def _single(specs: list[Spec]) -> Spec:
    if len(specs) != 1:
        raise ValueError("the Mesa engine runs one parameter set at a time")
    return specs[0]


def simulate(
    scenario: Scenario | Spec | str | Path,
    seed: int | None = None,
    engine: str = "vectorised",
    n_cycles: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
) -> SimulationResult:
    """Run one scenario with one seed (default: the scenario's own) and return its tables.

    `threads` (default: DAYSHIFT_THREADS, else the cores this process may use) above 1 lets the fast engine
    share each cycle's decisions, and the making of their random numbers, among the threads; the numbers are
    the same."""
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    spec = scenario if isinstance(scenario, Spec) else compiled(scenario)
    if n_cycles is not None and n_cycles != spec.calendar.n_cycles:
        spec = spec.with_cycles(n_cycles)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return simulate_draws([spec], seed, progress=progress, engine=engine, threads=threads)[0]


def simulate_draws(
    specs: Sequence[Spec],
    seed: int | None = None,
    chunk: int | None = None,
    people: bool = True,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "vectorised",
    seeds: Sequence[int] | None = None,
    workers: int = 1,
    threads: int | None = None,
    memory_mib: float | None = None,
) -> list[SimulationResult]:
    """Run many parameter sets (draws) of one scenario, on the same people.

    By default every draw reads the same random numbers (`seed`); `seeds` gives each draw its own instead.
    Draws run together on the vectorised engine, `chunk` at a time (default: as many as fit in `memory_mib`,
    else DAYSHIFT_MEMORY_MIB, else 512 MiB, shared among the workers: `memory.draws_at_once`); each draw's
    result equals `simulate(spec, its seed)` for that draw exactly. With `workers` above 1, a run long enough
    to gain (PARALLEL_MIN person-cycles) is split into groups of draws run in that many processes, with the
    same numbers. `threads` is as in `simulate`, shared among the workers. `specs` may make each spec when it is
    first asked for (`model.analysis.psa_draws.DrawnSpecs`): they are asked for a chunk (a group) at a time, in order.
    """
    return list(each_draw(specs, seed, chunk, people, progress, engine, seeds, workers, threads, memory_mib))


def each_draw(
    specs: Sequence[Spec],
    seed: int | None = None,
    chunk: int | None = None,
    people: bool = True,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "vectorised",
    seeds: Sequence[int] | None = None,
    workers: int = 1,
    threads: int | None = None,
    memory_mib: float | None = None,
) -> Iterator[SimulationResult]:
    """`simulate_draws`' results one by one, in order, as their chunk finishes: a caller that reduces each
    draw as it comes holds no more than a chunk's (a group's, with workers) at once."""
    if not specs:
        return
    root = seed_from(seed, specs[0].scenario.seed)
    if seeds is not None and len(seeds) != len(specs):
        raise ValueError(f"{len(specs)} draws need {len(specs)} seeds, not {len(seeds)}")
    per_draw = [int(s) for s in seeds] if seeds is not None else [root] * len(specs)
    threads = default_threads() if threads is None else max(1, int(threads))
    if _in_processes(specs[0], len(specs), workers, engine):
        chunk = chunk or draws_at_once(specs[0], memory_mib, workers)
        tables = _in_workers(specs, per_draw, chunk, people, progress, workers, max(1, threads // workers))
    else:
        chunk = chunk or draws_at_once(specs[0], memory_mib)
        tables = _each_table(specs, per_draw, chunk, people, progress, engine, threads)
    for t, spec, s in zip(tables, specs, per_draw):  # tables first: its generator is run to its end, not closed
        yield SimulationResult(spec=spec, seed=s, engine=engine, **t)


def start_workers(spec: Spec, draws: int, workers: int) -> None:
    """Start the worker processes `draws` draws like `spec` will run in (none if they will run here) now, without
    waiting for them, so that they are ready, the engine imported, when the draws come (a PSA draws its parameter
    sets meanwhile); starting them took about 1.6 s."""
    if _in_processes(spec, draws, workers, "vectorised"):
        for _ in range(workers):  # one task each: a pool starts a process for a task while none is idle
            pool(workers).submit(_ready)


def _in_processes(spec: Spec, draws: int, workers: int, engine: str) -> bool:
    """Whether `draws` draws like `spec` run in worker processes: a run long enough to gain from them."""
    work = draws * spec.cohort.n_ids * spec.calendar.n_cycles
    return workers > 1 and engine == "vectorised" and draws > 1 and work >= PARALLEL_MIN


def _ready() -> None:
    """Nothing: a worker imports this module, and the engine with it, to run it."""


PARALLEL_MIN = 20_000_000  # person-cycles below which starting work in other processes gains nothing
GROUPS_PER_WORKER = 4  # smaller groups than one per worker, so progress is told every second or two
GROUPS_AHEAD = 2  # groups a worker sent beyond those taken back: a group queued behind each running one


def _tables(specs: list[Spec], per_draw: list[int], chunk: int, people: bool,
            progress: Callable[[int, int], None] | None, engine: str = "vectorised", threads: int = 1) -> list[dict]:
    """Each draw's tables (monthly, people, initial counts), run here, `chunk` draws at a time (the Mesa engine
    runs one at a time)."""
    return list(_each_table(specs, per_draw, chunk, people, progress, engine, threads))


def _each_table(specs: Sequence[Spec], per_draw: list[int], chunk: int, people: bool,
                progress: Callable[[int, int], None] | None, engine: str, threads: int) -> Iterator[dict]:
    """`_tables` one by one, a chunk's as each chunk finishes."""
    chunk = chunk if engine == "vectorised" else 1
    for r in groups(len(specs), -(-len(specs) // chunk)):  # near-equal chunks: no small chunk left over
        start, part, mine = r.start, specs[r.start : r.stop], per_draw[r.start : r.stop]
        run = ENGINES[engine](part, mine if len(set(mine)) > 1 else mine[0], threads, people)
        run.run(None if progress is None else lambda done, total: progress(start * total + done * len(part),
                                                                            len(specs) * total))
        no_people = None if people else people_frame(part[0], {})  # the draws share their columns
        out = [_draw_tables(run, d, spec, no_people) for d, spec in enumerate(part)]
        del run  # not held while the caller works on these, nor while the next chunk runs
        yield from out
        del out


def _in_workers(specs: Sequence[Spec], per_draw: list[int], chunk: int, people: bool,
                progress: Callable[[int, int], None] | None, workers: int, threads: int) -> Iterator[dict]:
    """`_tables` with the draws split into groups, a few per worker process; each draw's tables in order, a group's
    as it finishes."""
    parts = draw_groups(len(specs), chunk, workers, GROUPS_PER_WORKER)
    futures = []
    done = 0
    folder = tempfile.TemporaryDirectory(prefix="dayshift-draws-", ignore_cleanup_errors=True)

    def send(k: int) -> None:
        r = parts[k]
        futures.append(pool(workers).submit(_tables_handed_over, folder.name, f"group-{k}.pickle",
                                            [tables_only(s) for s in specs[r.start : r.stop]],
                                            per_draw[r.start : r.stop], chunk, people, threads))

    try:
        # A group is sent as soon as its specs are to hand: where they are made as asked for (a PSA's parameter
        # sets, `DrawnSpecs`), the workers run the first groups while this process makes the later ones. Only
        # GROUPS_AHEAD groups a worker are sent beyond those taken, so the specs made, and the finished groups
        # waiting in the folder, stay a few groups' worth however many draws there are.
        ahead = GROUPS_AHEAD * workers
        for k in range(min(ahead, len(parts))):
            send(k)
        for k, r in enumerate(parts):
            # the future let go of: a group's tables are held no longer than needed
            tables = take_over(futures.pop(0).result())
            if k + ahead < len(parts):
                send(k + ahead)
            done += len(r)
            if progress is not None:
                progress(done, len(specs))
            yield from tables
            del tables
    except GeneratorExit:  # the caller stopped asking: the workers are kept, the groups not started are dropped
        for future in futures:
            future.cancel()
        raise
    except BrokenProcessPool:  # a worker killed (out of memory, say) breaks its pool: the next call makes a new one
        discard_pool(workers)
        raise WorkersStopped() from None
    except BaseException:
        discard_pool(workers)
        raise
    finally:
        _cleanup_when_done(folder, futures)


def _cleanup_when_done(folder: tempfile.TemporaryDirectory, futures: list[Future]) -> None:
    """The folder of a call's groups removed with any file left in it: now, or, where groups the caller no longer
    wants are still running, once the last of them has finished (it would write its file after)."""
    running = [f for f in futures if not f.done()]
    if not running:
        folder.cleanup()
        return
    left, lock = [len(running)], threading.Lock()

    def finished(_: Future) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            folder.cleanup()

    for future in running:
        future.add_done_callback(finished)


def _tables_handed_over(folder: str, name: str, specs: list[Spec], per_draw: list[int], chunk: int, people: bool,
                        threads: int) -> object:
    """In a worker: a group's `_tables`, left in the file `name` in `folder` for `_in_workers` (`hand_over`)."""
    return hand_over(folder, name, _tables(specs, per_draw, chunk, people, None, "vectorised", threads))


def _draw_tables(run: Engine, draw: int, spec: Spec, no_people: pd.DataFrame | None) -> dict:
    """One draw of a finished run as the tables of a result: its person rows, or, when the run kept none, a copy of
    `no_people` (the empty table, made once for a chunk's draws)."""
    rows = people_frame(spec, run.person_rows(draw)) if no_people is None else no_people.copy()
    return dict(monthly=run.monthly_frame(draw),
                people=rows,
                initial_counts={s: int(n) for s, n in zip(spec.states, run.initial_counts[draw])})
