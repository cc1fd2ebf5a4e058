"""The scenario: the file a bid team writes, read, validated and varied.

- :mod:`~simsvc.scenario.schema`: the tables of the file as frozen pydantic models;
- :mod:`~simsvc.scenario.units`: durations and distributions (hours);
- :mod:`~simsvc.scenario.ids`: ids in NFC, without invisible characters;
- :mod:`~simsvc.scenario.loading`: TOML text -> :class:`Scenario`;
- :mod:`~simsvc.scenario.errors`: problems named by key path and line;
- :mod:`~simsvc.scenario.references`: every id named must exist;
- :mod:`~simsvc.scenario.variation`: variants of a scenario (:meth:`Scenario.evolve`) and
  the axes of a sweep.
"""

from simsvc.scenario.errors import Problem, ScenarioError
from simsvc.scenario.loading import load_scenario, parse_scenario, scenario_from_dict
from simsvc.scenario.schema import (
    WEEKDAYS,
    Arrivals,
    Base,
    Calendar,
    Commitment,
    Costs,
    Depot,
    Desk,
    Equipment,
    Inspection,
    Part,
    PlanBounds,
    Scenario,
    ScenarioInfo,
    Severity,
    Site,
    Travel,
)

__all__ = [
    "WEEKDAYS",
    "Arrivals",
    "Base",
    "Calendar",
    "Commitment",
    "Costs",
    "Depot",
    "Desk",
    "Equipment",
    "Inspection",
    "Part",
    "PlanBounds",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScenarioInfo",
    "Severity",
    "Site",
    "Travel",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
]
