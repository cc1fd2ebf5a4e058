"""simsvc: simulate and plan after-sales field service against tender commitments.

Public API::

    from simsvc import load_scenario, run_experiment, simulate
    scenario = load_scenario("scenarios/metro_line2.toml")
    result = run_experiment(scenario, replications=10)
    result.to_dict()      # the results JSON
    result.incidents      # every incident record (pandas)
"""

from simsvc.errors import ScenarioError
from simsvc.experiment import run_experiment
from simsvc.loading import load_scenario, parse_scenario
from simsvc.model.world import simulate
from simsvc.results import RunResult
from simsvc.scenario import Scenario

__version__ = "0.1.0"

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "parse_scenario",
    "run_experiment",
    "simulate",
]
