"""Analytic bounds that start the planner's search.

- **Erlang C** (M/M/c): the desk agents needed for the response commitments, and a
  lower bound on engineers per base from its offered load.
- **Palm's theorem**: with Poisson demand ``d`` per hour and resupply time ``T``
  hours, the units on order are Poisson(dT); the fill rate of base stock ``S`` is
  P(Poisson(dT) <= S - 1) and the expected backorders are E[(X - S)+].

All rates are per hour, all times in hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simsvc.model.depots import nearest_base_of_sites, nearest_depot_of_bases
from simsvc.model.echelons import suppliers
from simsvc.model.faults import installed_rates
from simsvc.model.inspections import inspected_sites
from simsvc.model.travel import great_circle_km
from simsvc.scenario.schema import Scenario


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with ``offered`` = lam/mu erlangs."""
    if servers <= 0 or offered >= servers:
        return 1.0
    if offered <= 0:
        return 0.0
    # Erlang B by the stable recursion, then C from B.
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    rho = offered / servers
    return blocking / (1 - rho + rho * blocking)


def erlang_c_wait_within(servers: int, arrival_rate: float, service_rate: float, t: float) -> float:
    """P(wait <= t) in an M/M/c queue (0 when the queue is unstable)."""
    offered = arrival_rate / service_rate
    if servers <= offered:
        return 0.0
    waits = erlang_c(servers, offered)
    return 1 - waits * math.exp(-(servers * service_rate - arrival_rate) * t)


def erlang_c_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue (hours) of an M/M/c queue (``inf`` when unstable)."""
    offered = arrival_rate / service_rate
    if servers <= offered:
        return math.inf
    return erlang_c(servers, offered) / (servers * service_rate - arrival_rate)


def palm_fill_rate(stock: int, demand_rate: float, resupply_hours: float) -> float:
    """Share of requests served from stock at once: P(Poisson(dT) <= S - 1)."""
    if stock <= 0:
        return 0.0
    return float(stats.poisson.cdf(stock - 1, demand_rate * resupply_hours))


def palm_backorders(stock: int, demand_rate: float, resupply_hours: float) -> float:
    """Expected backorders E[(X - S)+] with X ~ Poisson(dT)."""
    mean = demand_rate * resupply_hours
    # E[(X-S)+] = E[X] - S + E[(S-X)+]
    below = np.arange(0, max(stock, 0))
    shortfall = float(np.sum((stock - below) * stats.poisson.pmf(below, mean)))
    return mean - stock + shortfall


def palm_stock_for(target_fill: float, demand_rate: float, resupply_hours: float) -> int:
    """The least base stock whose Palm fill rate reaches ``target_fill``."""
    if demand_rate <= 0 or target_fill <= 0:
        return 0
    mean = demand_rate * resupply_hours
    return int(stats.poisson.ppf(target_fill, mean)) + 1


@dataclass(frozen=True)
class Loads:
    """Offered loads of a scenario, per hour."""

    reports: float
    """Fault reports per hour, all severities."""
    visits_per_base: list[float]
    """Visits per hour to the sites nearest to each base."""
    visit_hours_per_base: list[float]
    """Mean hours an engineer spends per visit (travel both ways and on-site work)."""
    part_demand: dict[tuple[int, int], float]
    """Part requests per hour at each (depot index, part index); a supplier's include the
    orders of the depots below it (one order per request, one for one)."""
    trip_hours_per_base: list[float]
    """Mean one-way planned trip (hours) from each base to the sites of its visits."""
    inspection_load_per_base: list[float]
    """Engineer-hours per hour of inspections (work and travel) at each base's sites."""


def offered_loads(scenario: Scenario) -> Loads:
    """Rates of reports, visits per base and part requests per depot implied by the file."""
    sites, kinds, rates = installed_rates(scenario)
    site_base = nearest_base_of_sites(scenario)
    base_depot = nearest_depot_of_bases(scenario)
    part_index = {p.id: k for k, p in enumerate(scenario.part)}
    n_bases = len(scenario.base)
    visits = np.zeros(n_bases)
    hours = np.zeros(n_bases)
    trips = np.zeros(n_bases)
    demand: dict[tuple[int, int], float] = {}
    travel = scenario.travel
    for pair in range(len(rates)):
        site, kind = int(sites[pair]), int(kinds[pair])
        base = int(site_base[site])
        equipment = scenario.equipment[kind]
        km = float(great_circle_km(*scenario.site[site].location, *scenario.base[base].location))
        trip = km * travel.road_factor / travel.speed_kmh
        for sev in scenario.severity:
            rate = float(rates[pair]) * equipment.severity_mix.get(sev.id, 0.0)
            visit_rate = rate * (1 - sev.remote_fix)
            visits[base] += visit_rate
            hours[base] += visit_rate * (2 * trip + sev.onsite_time.mean)
            trips[base] += visit_rate * trip
            depot = base_depot[base]
            if depot is None:
                continue
            for part, share in equipment.parts.items():
                key = (depot, part_index[part])
                demand[key] = demand.get(key, 0.0) + visit_rate * sev.part_need * share
    above = suppliers(scenario)
    for (forward, k), rate in list(demand.items()):
        supplier = above[forward]
        while supplier is not None:
            demand[supplier, k] = demand.get((supplier, k), 0.0) + rate
            supplier = above[supplier]
    mean_hours = [h / v if v > 0 else 0.0 for h, v in zip(hours, visits, strict=True)]
    mean_trips = [t / v if v > 0 else 0.0 for t, v in zip(trips, visits, strict=True)]
    inspections = np.zeros(n_bases)
    for rule, inspection in enumerate(scenario.inspection):
        share = len(inspection.months) / 12 if inspection.months else 1.0
        for site in inspected_sites(scenario, rule):
            base = int(site_base[site])
            km = float(
                great_circle_km(*scenario.site[site].location, *scenario.base[base].location)
            )
            trip = km * travel.road_factor / travel.speed_kmh
            inspections[base] += share * (inspection.duration + 2 * trip) / inspection.every
    return Loads(
        float(rates.sum()), visits.tolist(), mean_hours, demand, mean_trips, inspections.tolist()
    )
