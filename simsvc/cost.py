"""The yearly cost of an operation: engineers, desk agents, stock held, penalties.

Computed here and nowhere else: ``simsvc run``, ``plan``, ``sweep`` and ``report`` all
read :func:`yearly_cost` (through :meth:`simsvc.results.RunResult.cost`).

- engineers: the people the engineers' posts at every base take (:mod:`simsvc.staffing`:
  a 24x7 post takes about four and a half people) x ``[costs] engineer_per_year``, the
  cost of a person a year;
- desk: the people the desk agents' posts take x ``desk_agent_per_year``;
- remote: the people the remote engineers' posts take x ``remote_agent_per_year``;
- on call: the posts on call x ``on_call_per_year`` (their allowance), and the mean
  call-outs a year x ``callout``;
- holding: every unit of base stock in every depot x its part's ``unit_cost`` x
  ``holding_rate``, for every part stocked, whether or not any equipment uses it
  (a unit on the shelf costs money either way); likewise every unit in a van: a base's
  ``van`` level x its vans (one per engineer, on call included) x the same rate;
- penalties: each commitment's mean breached incidents per replication x its
  severity's ``penalty``, scaled from the horizon to a year.

Amounts are in the scenario's currency per year.
"""

from __future__ import annotations

from collections.abc import Mapping

from simsvc.model.depots import base_stock
from simsvc.model.vans import van_units
from simsvc.scenario.schema import Scenario
from simsvc.staffing import people

HOURS_PER_YEAR = 8760.0

COST_KINDS = ("engineers", "desk", "remote", "on_call", "holding", "penalties", "total")
"""The keys of a cost, in the order tables show them."""


def holding_per_unit(scenario: Scenario) -> dict[str, float]:
    """Yearly cost of holding one unit of each part (by part id)."""
    rate = scenario.costs.holding_rate
    return {part.id: part.unit_cost * rate for part in scenario.part}


def resource_cost(scenario: Scenario) -> dict[str, float]:
    """Yearly cost of the scenario's engineers, desk and remote agents, and stock."""
    costs = scenario.costs
    per_unit = holding_per_unit(scenario)
    staff = people(scenario)
    return {
        "engineers": staff["engineers"] * costs.engineer_per_year,
        "desk": staff["desk"] * costs.desk_agent_per_year,
        "remote": staff["remote"] * costs.remote_agent_per_year,
        "on_call": sum(b.on_call.engineers for b in scenario.base if b.on_call)
        * costs.on_call_per_year,
        "holding": sum(level * per_unit[part] for (_, part), level in base_stock(scenario).items())
        + sum(units * per_unit[part] for (_, part), units in van_units(scenario).items()),
    }


def penalty_cost(scenario: Scenario, breaches: Mapping[str, float]) -> float:
    """Expected yearly penalties from the mean breaches per replication of each commitment.

    ``breaches`` maps commitment ids (:meth:`Scenario.commitment_ids`) to the mean number
    of breached incidents over the horizon.
    """
    years = scenario.scenario.horizon / HOURS_PER_YEAR
    total = 0.0
    for key, commitment in zip(scenario.commitment_ids(), scenario.commitment, strict=True):
        rate = scenario.costs.penalty.get(commitment.severity, 0.0)
        if rate:
            total += rate * breaches.get(key, 0.0) / years
    return total


def yearly_cost(
    scenario: Scenario, breaches: Mapping[str, float], callouts_per_year: float = 0.0
) -> dict[str, float]:
    """Engineers, desk, remote tier, on call, holding, penalties and their total, per year;
    ``callouts_per_year``: the mean call-outs of engineers on call, all bases."""
    cost = resource_cost(scenario)
    cost["on_call"] += callouts_per_year * scenario.costs.callout
    cost["penalties"] = penalty_cost(scenario, breaches)
    cost["total"] = sum(cost.values())
    return cost
