"""Analytic bounds that start the planner's search.

- **Erlang C** (M/M/c): the desk agents needed for the response commitments, and a
  lower bound on engineers per base from its offered load.
- **Palm's theorem**: with Poisson demand ``d`` per hour and resupply time ``T``
  hours, the units on order are Poisson(dT); the fill rate of base stock ``S`` is
  P(Poisson(dT) <= S - 1) and the expected backorders are E[(X - S)+].
- **Erlang's loss formula**: a van is a lost-sales base stock (a visit that finds it
  empty takes the part elsewhere and orders nothing for it), so its fill rate is
  ``1 - B(S, dT)`` whatever the restock distribution.
- **METRIC** (Sherbrooke, 1968): in a tree of depots, a depot's mean lead time is its
  own (repair, or supply from its supplier) plus, for the share it orders from its
  supplier, the supplier's mean delay ``EBO_0(S_0) / lambda_0`` (Little's law); each
  depot's pipeline is then taken as Poisson (Palm) with that mean (:func:`metric`).

All rates are per hour, all times in hours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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


def erlang_b(servers: int, offered: float) -> float:
    """Erlang's loss formula B(c, a): the share of arrivals lost by ``servers`` servers
    offered ``offered`` erlangs (stable recursion; 1 with no server, 0 with no load)."""
    if servers <= 0:
        return 1.0
    if offered <= 0:
        return 0.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return blocking


def van_fill_rate(stock: int, demand_rate: float, restock_hours: float) -> float:
    """Share of one engineer's requests for a part served from the van: ``1 - B(S, dT)``,
    with ``demand_rate`` the engineer's requests per hour and ``restock_hours`` the mean
    hours from a unit's use to its replacement in the van (lost sales: a miss orders nothing)."""
    if stock <= 0:
        return 0.0
    return 1.0 - erlang_b(stock, demand_rate * restock_hours)


def metric_delay(stock: int, demand_rate: float, lead_hours: float) -> float:
    """Mean hours a request at a depot waits for its unit: ``EBO(S) / lambda`` (Little's
    law), with Palm's Poisson(lambda x lead) pipeline; 0 without demand. With no stock
    it is the mean lead time itself."""
    if demand_rate <= 0:
        return 0.0
    return palm_backorders(stock, demand_rate, lead_hours) / demand_rate


def metric_lead_time(own_hours: float, order_share: float, supplier_delay: float) -> float:
    """METRIC's mean lead time (hours) of a depot: its own lead time when the supplier is
    never out (``own_hours``), plus the supplier's mean delay for the share of its
    requests it orders from that supplier (the rest it repairs itself)."""
    return own_hours + order_share * supplier_delay


@dataclass(frozen=True)
class PartNetwork:
    """One part's stocking points for :func:`metric`: depots in a supplier tree, and the
    vans of the bases that draw from them. Rates per hour, times in hours."""

    supplier: tuple[int | None, ...]
    """Each depot's supplier (index), ``None`` at the top echelon."""
    own_lead_hours: tuple[float, ...]
    """Each depot's mean lead time when its supplier is never out
    (:func:`simsvc.model.echelons.lead_time_hours`)."""
    order_share: tuple[float, ...]
    """Share of each depot's requests that order a unit from its supplier (1, or the
    condemned share of a part the depot repairs; 0 at the top echelon)."""
    lateral: tuple[bool, ...]
    """Whether each depot is in the lateral supply (a forward depot, supplying no other)."""
    base_depot: tuple[int, ...]
    """The depot each base draws from (bases without a depot are left out)."""
    base_demand: tuple[float, ...]
    """Requests per hour for the part from each base's visits."""
    vans: tuple[int, ...] = ()
    """Vans (engineers) at each base; empty: no van carries the part."""
    van_restock_hours: tuple[float, ...] = ()
    """Each base's ``van_restock`` (hours from the depot handing a unit out to its being
    in the van)."""

    def direct_demand(self) -> list[float]:
        """Requests per hour from each depot's own bases (van misses and van reorders)."""
        demand = [0.0] * len(self.supplier)
        for depot, rate in zip(self.base_depot, self.base_demand, strict=True):
            demand[depot] += rate
        return demand

    def depot_demand(self, direct: Sequence[float] | None = None) -> list[float]:
        """Requests per hour at each depot: ``direct`` (default :meth:`direct_demand`) and
        the orders of the depots it supplies."""
        demand = list(self.direct_demand() if direct is None else direct)
        for depot in sorted(range(len(demand)), key=self._depth, reverse=True):
            above = self.supplier[depot]
            if above is not None:
                demand[above] += self.order_share[depot] * demand[depot]
        return demand

    def _depth(self, depot: int) -> int:
        depth, above = 0, self.supplier[depot]
        while above is not None:
            depth, above = depth + 1, self.supplier[above]
        return depth

    def top_down(self) -> list[int]:
        """Depot indices, every supplier before the depots it supplies."""
        return sorted(range(len(self.supplier)), key=self._depth)


@dataclass(frozen=True)
class MetricState:
    """One part's network under METRIC at given stock levels."""

    demand: list[float]
    """Requests per hour at each depot."""
    lead_hours: list[float]
    """Each depot's METRIC mean lead time (hours)."""
    backorders: list[float]
    """Each depot's expected backorders (units)."""
    delay_hours: list[float]
    """Each depot's mean delay per request (hours): backorders / demand."""
    fill: list[float]
    """Each depot's fill rate (Palm)."""
    van_fill: list[float]
    """Each base's van fill rate (Erlang loss; 0 without van stock)."""
    base_backorders: float
    """Expected visits waiting for the part at every base together (units): the requests
    that miss the van and find neither their depot nor, laterally, another forward depot
    with stock, times their mean wait at the depot."""
    base_fill: float
    """Share of the bases' requests served at once: from the van, the depot or laterally
    (1 without demand)."""
    base_requests: float
    """Requests per hour from the bases."""


def palm_pair(stock: int, demand_rate: float, resupply_hours: float) -> tuple[float, float]:
    """Palm's fill rate and expected backorders of one depot together."""
    return (
        palm_fill_rate(stock, demand_rate, resupply_hours),
        palm_backorders(stock, demand_rate, resupply_hours),
    )


Palm = Callable[[int, float, float], tuple[float, float]]
"""``(stock, demand per hour, lead hours) -> (fill rate, expected backorders)``:
:func:`palm_pair` or a memo of it."""


LATERAL_PASSES = 30
"""Most fixed-point passes of :func:`metric` over the lateral flows."""


def metric(
    network: PartNetwork,
    depot_stock: Sequence[int],
    van_stock: Sequence[int] = (),
    palm: Palm = palm_pair,
) -> MetricState:
    """One part's expected backorders and fill rates under METRIC with lateral supply.

    Assumptions (those of the literature): demand is Poisson and one for one; each
    depot's pipeline is Poisson with its METRIC mean lead time (Sherbrooke, 1968); a van's
    restock waits the depot's mean delay on top of ``van_restock``, its fill is Erlang's
    loss formula (lost sales). Lateral supply as in Axsäter (1990), with the depots'
    states independent: a visit that misses its van and finds its forward depot out is
    served by another forward depot with probability ``1 - prod(1 - f_i)`` over the
    others; that request leaves its own depot's demand and joins the others', split in
    proportion to their fill rates (the engine takes the nearest); the courier's hours
    are not counted as a wait. The demands are found by damped fixed-point passes.
    """
    n = len(network.supplier)
    own = network.direct_demand()
    misses = [0.0] * n  # requests per hour that miss the van, per depot
    lateral = [j for j in range(n) if network.lateral[j]]
    direct = list(own)
    fill = [0.0] * n
    for _ in range(LATERAL_PASSES):
        demand, lead, ebo, delay, fill = _metric_pass(network, depot_stock, direct, palm)
        van_fill = _van_fills(network, van_stock, delay)
        misses = [0.0] * n
        for depot, rate, from_van in zip(
            network.base_depot, network.base_demand, van_fill, strict=True
        ):
            misses[depot] += rate * (1 - from_van)
        found = _lateral_found(fill, lateral)
        moved = [misses[j] * (1 - fill[j]) * found[j] for j in range(n)]
        new = list(own)
        for j in lateral:
            new[j] -= moved[j]
            others = sum(fill[i] for i in lateral if i != j)
            for i in lateral:
                if i != j and others > 0:
                    new[i] += moved[j] * fill[i] / others
        change = max((abs(a - b) for a, b in zip(new, direct, strict=True)), default=0.0)
        # half steps: a full step overshoots (a depot that loses demand gains fill and
        # then takes the others' requests back)
        direct = [(a + b) / 2 for a, b in zip(new, direct, strict=True)]
        if change < 1e-9 * max(max(own, default=0.0), 1e-12):
            break
    demand, lead, ebo, delay, fill = _metric_pass(network, depot_stock, direct, palm)
    van_fill = _van_fills(network, van_stock, delay)
    found = _lateral_found(fill, lateral)
    waiting = served = total = 0.0
    for depot, rate, from_van in zip(
        network.base_depot, network.base_demand, van_fill, strict=True
    ):
        no_lateral = 1 - found[depot]
        waiting += rate * (1 - from_van) * delay[depot] * no_lateral
        at_once = fill[depot] + (1 - fill[depot]) * found[depot]
        served += rate * (from_van + (1 - from_van) * at_once)
        total += rate
    return MetricState(
        demand, lead, ebo, delay, fill, van_fill, waiting, served / total if total else 1.0, total
    )


def _metric_pass(
    network: PartNetwork, depot_stock: Sequence[int], direct: Sequence[float], palm: Palm
) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """Demand, METRIC lead time, backorders, delay and fill of every depot, top down."""
    demand = network.depot_demand(direct)
    n = len(demand)
    lead, ebo, delay, fill = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    for depot in network.top_down():
        above = network.supplier[depot]
        upstream = delay[above] if above is not None else 0.0
        lead[depot] = metric_lead_time(
            network.own_lead_hours[depot], network.order_share[depot], upstream
        )
        fill[depot], ebo[depot] = palm(depot_stock[depot], demand[depot], lead[depot])
        delay[depot] = ebo[depot] / demand[depot] if demand[depot] > 0 else 0.0
    return demand, lead, ebo, delay, fill


def _van_fills(network: PartNetwork, van_stock: Sequence[int], delay: list[float]) -> list[float]:
    """Each base's van fill rate, its restock waiting its depot's mean delay."""
    fills = []
    for b, (depot, rate) in enumerate(zip(network.base_depot, network.base_demand, strict=True)):
        vans = network.vans[b] if network.vans else 0
        if vans > 0 and van_stock and van_stock[b] > 0:
            restock = network.van_restock_hours[b] + delay[depot]
            fills.append(van_fill_rate(van_stock[b], rate / vans, restock))
        else:
            fills.append(0.0)
    return fills


def _lateral_found(fill: list[float], lateral: list[int]) -> list[float]:
    """For each depot, the chance that some other forward depot has the part on hand
    (independent depots); 0 for a depot outside the lateral supply."""
    found = [0.0] * len(fill)
    for j in lateral:
        found[j] = 1 - math.prod(1 - fill[i] for i in lateral if i != j)
    return found


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
    part_demand_per_base: dict[tuple[int, int], float] = field(default_factory=dict)
    """Part requests per hour from each (base index, part index)'s visits (bases with a
    depot to draw from)."""


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
    per_base: dict[tuple[int, int], float] = {}
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
                rate_of_part = visit_rate * sev.part_need * share
                demand[key] = demand.get(key, 0.0) + rate_of_part
                at = (base, part_index[part])
                per_base[at] = per_base.get(at, 0.0) + rate_of_part
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
        float(rates.sum()),
        visits.tolist(),
        mean_hours,
        demand,
        mean_trips,
        inspections.tolist(),
        per_base,
    )
