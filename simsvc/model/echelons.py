"""The echelons of the spare-parts network: which depot supplies which, and how long from it.

A depot names its ``supplier`` (another depot); the suppliers form a tree whose root, the
top echelon, is resupplied from outside. This module reads that structure from the
scenario (pure functions of the scenario, no simulation): each depot's supplier, the
depots that supply no other (the forward depots, between which lateral supply runs),
supply times from a supplier (the courier time by default), repair times of repairable
parts, and the mean lead times Palm's theorem takes for the planner. How orders move
through the tree during a run is :class:`simsvc.model.depots.DepotNetwork`.
"""

from __future__ import annotations

import numpy as np

from simsvc.model.travel import TravelNetwork
from simsvc.scenario.schema import Scenario
from simsvc.scenario.units import Constant, Distribution


def suppliers(scenario: Scenario) -> list[int | None]:
    """Index of each depot's supplier depot; ``None`` for the top echelon."""
    index = {d.id: j for j, d in enumerate(scenario.depot)}
    return [index[d.supplier] if d.supplier is not None else None for d in scenario.depot]


def forward_depots(scenario: Scenario) -> list[bool]:
    """Whether each depot supplies no other depot (lateral supply is between these)."""
    supplying = {j for j in suppliers(scenario) if j is not None}
    return [j not in supplying for j in range(len(scenario.depot))]


def depot_courier_hours(scenario: Scenario) -> np.ndarray:
    """Planned courier hours between every two depots (the travel time, no random factor)."""
    places = [d.location for d in scenario.depot]
    travel = TravelNetwork(scenario.travel, places, 0, 0)
    hours = [[travel.hours(a, b) for b in range(len(places))] for a in range(len(places))]
    return np.array(hours).reshape(len(places), len(places))


def supply_times(scenario: Scenario, courier_hours: np.ndarray) -> list[Distribution | None]:
    """Each depot's time (hours) from its supplier: its ``supply_time``, else a constant
    courier trip from the supplier; ``None`` for a depot without a supplier."""
    times: list[Distribution | None] = []
    for j, (depot, supplier) in enumerate(zip(scenario.depot, suppliers(scenario), strict=True)):
        if supplier is None:
            times.append(None)
        elif depot.supply_time is not None:
            times.append(depot.supply_time)
        else:
            times.append(Constant(value=float(courier_hours[supplier][j])))
    return times


def repair_times(scenario: Scenario) -> list[Distribution | None]:
    """Each depot's repair time (hours) of repairable parts; ``None`` where it does not
    repair (its failed units are replaced like consumables) or no part is repairable."""
    if not any(p.repairable for p in scenario.part):
        return [None] * len(scenario.depot)
    return [d.repair_time for d in scenario.depot]


def lead_time_hours(scenario: Scenario) -> list[list[float]]:
    """Mean hours per depot and part from a request until the unit taken is replaced, when
    the supplier is never out (what Palm's theorem takes): the mean supply time from the
    supplier, else the mean resupply time; for a repairable part at a depot that repairs,
    the mix of the test time (``nff_time``) for the no-fault-found share and, for the others,
    of the repair time and, for the condemned share, that replacement time (the wait for a
    repair slot is left out: a depot with ``repair_capacity`` may take longer)."""
    supply = supply_times(scenario, depot_courier_hours(scenario))
    repairs = repair_times(scenario)
    hours: list[list[float]] = []
    for depot, time, repair in zip(scenario.depot, supply, repairs, strict=True):
        replace = time.mean if time is not None else depot.resupply.mean
        row = []
        for part in scenario.part:
            if part.repairable and repair is not None:
                scrap, no_fault = part.condemnation, part.no_fault_found
                found = (1 - scrap) * repair.mean + scrap * replace
                row.append(no_fault * depot.nff_time.mean + (1 - no_fault) * found)
            else:
                row.append(replace)
        hours.append(row)
    return hours


def order_shares(scenario: Scenario) -> list[list[float]]:
    """Share of the requests at each depot, per part, that order a unit from its supplier:
    the condemned share of a repairable part's units with a fault found at a depot that
    repairs (it repairs the rest and puts back those with no fault found), else every
    request; 0 at the top echelon (its resupply is from outside)."""
    repairs = repair_times(scenario)
    shares: list[list[float]] = []
    for above, repair in zip(suppliers(scenario), repairs, strict=True):
        row = []
        for part in scenario.part:
            if above is None:
                row.append(0.0)
            elif part.repairable and repair is not None:
                row.append((1 - part.no_fault_found) * part.condemnation)
            else:
                row.append(1.0)
        shares.append(row)
    return shares


def echelon_names(scenario: Scenario) -> list[str]:
    """Each depot's echelon as plan tables name it: ``"central"`` for a depot that supplies
    another, ``"forward"`` for one that supplies none (the vans are the echelon below)."""
    return ["forward" if forward else "central" for forward in forward_depots(scenario)]
