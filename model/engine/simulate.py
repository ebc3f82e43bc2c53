"""Running a scenario: the one entry point notebooks, the command line and tests share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from model.compile.spec import Spec, compiled
from model.compile.validate import load_scenario
from model.engine.agents import DayshiftModel
from model.engine.interface import Engine, EngineFactory
from model.engine.ledger import record_columns
from model.engine.results import SimulationResult, people_frame
from model.engine.streams import seed_from
from model.engine.vectorised import VectorisedEngine
from model.scenario.schema import Scenario

ENGINES: dict[str, EngineFactory] = {
    "vectorised": lambda specs, seed: VectorisedEngine(specs, seed),
    "agents": lambda specs, seed: DayshiftModel(_single(specs), rng=seed),
}
MAX_ROWS = 2_000_000  # rows (people x draws) held at once by simulate_draws


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
) -> SimulationResult:
    """Run one scenario with one seed (default: the scenario's own) and return its tables."""
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    spec = scenario if isinstance(scenario, Spec) else compiled(scenario)
    if n_cycles is not None and n_cycles != spec.calendar.n_cycles:
        spec = spec.with_cycles(n_cycles)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return simulate_draws([spec], seed, progress=progress, engine=engine)[0]


def simulate_draws(
    specs: list[Spec],
    seed: int | None = None,
    chunk: int | None = None,
    people: bool = True,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "vectorised",
    seeds: Sequence[int] | None = None,
) -> list[SimulationResult]:
    """Run many parameter sets (draws) of one scenario, on the same people.

    By default every draw reads the same random numbers (`seed`); `seeds` gives each draw its own instead.
    Draws run together on the vectorised engine, `chunk` at a time (default: as many as keep about
    MAX_ROWS rows in memory); each draw's result equals `simulate(spec, its seed)` for that draw.
    """
    if not specs:
        return []
    root = seed_from(seed, specs[0].scenario.seed)
    if seeds is not None and len(seeds) != len(specs):
        raise ValueError(f"{len(specs)} draws need {len(specs)} seeds, not {len(seeds)}")
    per_draw = [int(s) for s in seeds] if seeds is not None else [root] * len(specs)
    chunk = 1 if engine != "vectorised" else chunk or max(1, MAX_ROWS // max(1, specs[0].cohort.n_ids))
    out: list[SimulationResult] = []
    for start in range(0, len(specs), chunk):
        part = specs[start : start + chunk]
        mine = per_draw[start : start + chunk]
        run = ENGINES[engine](part, mine if len(set(mine)) > 1 else mine[0])
        run.run(None if progress is None else lambda done, total: progress(start * total + done * len(part),
                                                                            len(specs) * total))
        out += [_result(run, d, spec, engine, people, mine[d]) for d, spec in enumerate(part)]
    return out


def _result(run: Engine, draw: int, spec: Spec, engine: str, people: bool, seed: int) -> SimulationResult:
    """One draw of a finished run as a result."""
    return SimulationResult(
        spec=spec, seed=seed, engine=engine,
        monthly=pd.DataFrame(run.monthly_rows(draw), columns=record_columns(spec)),
        people=people_frame(spec, run.person_rows(draw) if people else {}),
        initial_counts={s: int(n) for s, n in zip(spec.states, run.initial_counts[draw])})
