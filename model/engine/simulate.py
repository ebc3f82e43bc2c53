"""Running a scenario: the one entry point notebooks, the command line and tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from model.compile.spec import Spec, build_spec
from model.compile.validate import load_scenario
from model.engine.agents import DayshiftModel
from model.engine.ledger import record_columns
from model.engine.results import SimulationResult, people_frame
from model.engine.streams import seed_from
from model.engine.vectorised import VectorisedEngine
from model.scenario.schema import Scenario

ENGINES = ("vectorised", "agents")
MAX_ROWS = 2_000_000  # rows (people x draws) held at once by simulate_draws: about 0.8 GB


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
    spec = scenario if isinstance(scenario, Spec) else build_spec(scenario)
    if n_cycles is not None and n_cycles != spec.n_cycles:
        spec = spec.with_cycles(n_cycles)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "vectorised":
        return simulate_draws([spec], seed, progress=progress)[0]
    run = DayshiftModel(spec, rng=seed)
    while run.running:
        run.step()
        if progress is not None:
            progress(run.cycle, spec.n_cycles)
    return SimulationResult(spec=spec, seed=run.seed_used, engine=engine,
                            monthly=run.datacollector.get_model_vars_dataframe().reset_index(drop=True),
                            people=people_frame(spec, run.person_rows()),
                            initial_counts={s: int(n) for s, n in zip(spec.states, np.ravel(run.initial_counts))})


def simulate_draws(
    specs: list[Spec],
    seed: int | None = None,
    chunk: int | None = None,
    people: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[SimulationResult]:
    """Run many parameter sets (draws) of one scenario over the same people and random numbers.

    Draws run together on the vectorised engine, `chunk` at a time (default: as many as keep about
    MAX_ROWS rows in memory); each draw's result equals `simulate(spec, seed)` for that draw.
    """
    if not specs:
        return []
    root = seed_from(seed, specs[0].scenario.seed)
    chunk = chunk or max(1, MAX_ROWS // max(1, specs[0].n_ids))
    out: list[SimulationResult] = []
    for start in range(0, len(specs), chunk):
        part = specs[start : start + chunk]
        run = VectorisedEngine(part, root)
        run.run(None if progress is None else lambda done, total: progress(start * total + done * len(part),
                                                                            len(specs) * total))
        for d, spec in enumerate(part):
            rows = run.person_rows(d) if people else []
            out.append(SimulationResult(
                spec=spec, seed=root, engine="vectorised",
                monthly=pd.DataFrame(run.rows[d], columns=record_columns(spec)),
                people=people_frame(spec, rows),
                initial_counts={s: int(n) for s, n in zip(spec.states, run.initial_counts[d])}))
    return out
