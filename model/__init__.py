"""dayshift: adults with learning disabilities moving between day services, supported employment and
paid work, under a council's commissioning policy.

    from model import load_scenario, simulate
    result = simulate(load_scenario("scenarios/essex_live.yaml"))
    result.monthly, result.yearly, result.people, result.summary()
"""

from model.scenario import ScenarioError, load_scenario, parse_scenario, validate_scenario
from model.simulate import simulate, simulate_draws
from model.results import SimulationResult
from model.spec import build_spec

__all__ = ["ScenarioError", "SimulationResult", "build_spec", "load_scenario", "parse_scenario", "simulate",
           "simulate_draws", "validate_scenario"]
__version__ = "0.1.0"
