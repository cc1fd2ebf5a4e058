"""The scenario: the file a bid team writes, read, validated and varied.

- :mod:`~simsvc.scenario.schema`: the tables of the file as frozen pydantic models;
- :mod:`~simsvc.scenario.units`: durations and distributions (hours);
- :mod:`~simsvc.scenario.ids`: ids in NFC, without invisible characters;
- :mod:`~simsvc.scenario.loading`: TOML text -> :class:`Scenario`;
- :mod:`~simsvc.scenario.errors`: problems named by key path and line;
- :mod:`~simsvc.scenario.references`: every id named must exist;
- :mod:`~simsvc.scenario.variation`: variants of a scenario (:meth:`Scenario.evolve`) and
  the axes of a sweep;
- :mod:`~simsvc.scenario.paths`: the key paths a sweep can vary.

The names below are imported on first use (PEP 562), so that a module that needs only
:mod:`~simsvc.scenario.paths` or :mod:`~simsvc.scenario.errors` does not build the
pydantic models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Problem": "errors",
    "ScenarioError": "errors",
    "load_scenario": "loading",
    "parse_scenario": "loading",
    "scenario_from_dict": "loading",
    "WEEKDAYS": "schema",
    "Arrivals": "schema",
    "Base": "schema",
    "Calendar": "schema",
    "Commitment": "schema",
    "Costs": "schema",
    "Depot": "schema",
    "Desk": "schema",
    "Equipment": "schema",
    "Inspection": "schema",
    "Part": "schema",
    "PlanBounds": "schema",
    "Scenario": "schema",
    "ScenarioInfo": "schema",
    "Severity": "schema",
    "Site": "schema",
    "Travel": "schema",
}
"""Where each public name of the package is defined."""

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


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, imported or not."""
    return sorted(set(globals()) | set(__all__))
