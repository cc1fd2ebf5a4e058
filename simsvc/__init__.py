"""simsvc: simulate and plan after-sales field service against tender commitments.

Public API::

    from simsvc import load_scenario, run_experiment, simulate
    scenario = load_scenario("scenarios/metro_line2.toml")
    result = run_experiment(scenario, replications=10)
    result.to_dict()      # the results JSON
    result.incidents      # every incident record (pandas)

The names are imported on first use, so that ``import simsvc`` (and the start of
the command line) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simsvc.experiment import run_experiment
    from simsvc.model.world import simulate
    from simsvc.results import RunResult
    from simsvc.scenario.errors import ScenarioError
    from simsvc.scenario.loading import load_scenario, parse_scenario
    from simsvc.scenario.schema import Scenario

__version__ = "0.1.0"

_PUBLIC = {
    "RunResult": "simsvc.results",
    "Scenario": "simsvc.scenario.schema",
    "ScenarioError": "simsvc.scenario.errors",
    "load_scenario": "simsvc.scenario.loading",
    "parse_scenario": "simsvc.scenario.loading",
    "run_experiment": "simsvc.experiment",
    "simulate": "simsvc.model.world",
}

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


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'simsvc' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
