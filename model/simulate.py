"""Running a scenario: the one entry point notebooks, the command line and tests share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from model.agents import DayshiftModel
from model.results import SimulationResult, people_frame
from model.scenario import load_scenario
from model.schema import Scenario
from model.spec import Spec, build_spec

ENGINES = ("agents",)


def simulate(
    scenario: Scenario | Spec | str | Path,
    seed: int | None = None,
    engine: str = "agents",
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
    model = DayshiftModel(spec, rng=seed)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.cycle, spec.n_cycles)
    monthly = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return SimulationResult(spec=spec, seed=model.seed_used, engine=engine, monthly=monthly,
                            people=people_frame(model.person_rows()),
                            initial_counts={s: int(n) for s, n in zip(spec.states, model.initial_counts)})
