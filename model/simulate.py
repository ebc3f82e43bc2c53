"""Running a scenario: the one entry point notebooks, the command line and tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from model.agents import DayshiftModel
from model.ledger import record_columns
from model.results import SimulationResult, people_frame
from model.streams import seed_from
from model.vectorised import VectorisedEngine
from model.scenario import load_scenario
from model.schema import Scenario
from model.spec import Spec, build_spec

ENGINES = ("vectorised", "agents")


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
        run = VectorisedEngine(spec, seed_from(seed, spec.scenario.seed))
        run.run(progress)
        monthly, used = pd.DataFrame(run.rows, columns=record_columns(spec)), run.seed
    else:
        run = DayshiftModel(spec, rng=seed)
        while run.running:
            run.step()
            if progress is not None:
                progress(run.cycle, spec.n_cycles)
        monthly, used = run.datacollector.get_model_vars_dataframe().reset_index(drop=True), run.seed_used
    return SimulationResult(spec=spec, seed=used, engine=engine, monthly=monthly,
                            people=people_frame(spec, run.person_rows()),
                            initial_counts={s: int(n) for s, n in zip(spec.states, run.initial_counts)})
