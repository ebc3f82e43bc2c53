"""dayshift: adults with learning disabilities moving between day services, supported employment and
paid work, under a council's commissioning policy.

    from model import load_scenario, simulate
    result = simulate(load_scenario("scenarios/essex_live.yaml"))
    result.monthly, result.yearly, result.people, result.summary()

The package is in layers, each importing only the ones before it:
`scenario` (reading and checking input) -> `compile` (a scenario as the numbers engines read) ->
`engine` (the Mesa and array engines, `simulate`) -> `analysis` (comparison, sweeps, calibration) ->
`output` (results folders, plots, report) -> `cli`. The names below are loaded on first use, so
`import model` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "ScenarioError": "model.scenario.problems",
    "load_scenario": "model.compile.validate",
    "parse_scenario": "model.compile.validate",
    "validate_scenario": "model.compile.validate",
    "build_spec": "model.compile.spec",
    "simulate": "model.engine.simulate",
    "simulate_draws": "model.engine.simulate",
    "SimulationResult": "model.engine.results",
    "compare": "model.analysis.compare",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from model.analysis.compare import compare
    from model.compile.spec import build_spec
    from model.compile.validate import load_scenario, parse_scenario, validate_scenario
    from model.engine.results import SimulationResult
    from model.engine.simulate import simulate, simulate_draws
    from model.scenario.problems import ScenarioError


def __getattr__(name: str):
    """Load an exported name from its layer on first use."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
