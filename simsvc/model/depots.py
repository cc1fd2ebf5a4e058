"""Spare stock in depots, one-for-one resupply, echelons, and lateral supply between depots.

Each depot holds a base stock ``S`` of each part. Every request at a depot
starts one resupply order, an (S-1, S) policy: the units on hand plus those on
order always sum to ``S`` minus the backorders. A request that finds no stock
waits, first come first served, for the next unit to arrive. By Palm's theorem,
with Poisson demand at rate ``d`` per hour and resupply time ``T`` hours, the
units on order are Poisson(dT) and the fill rate is P(Poisson(dT) <= S - 1).

Echelons
--------
A depot with a ``supplier`` (a forward depot, say a base's store) orders its
replacement units from that depot (a central warehouse), not from outside. The
order is a request at the supplier like any other: counted in the supplier's fill
rate, it takes a unit on hand, which then travels ``supply_time`` hours to the
forward depot, and the supplier orders its own replacement in turn. When the
supplier has no unit on hand the order is backordered there, in one first come,
first served queue with every other request waiting at the supplier (its other
children's orders and its own bases' visits): the supplier's next unit to arrive
goes to the oldest waiting request, and a forward depot's unit then travels
``supply_time``. A depot without a supplier (the top echelon) is resupplied after
``resupply`` hours from an unlimited source, as a single depot is. Suppliers form
a tree of any depth; METRIC (Sherbrooke, 1968) approximates it, and with
constant times the forward depot's units on order are known exactly
(``tests/test_theory_echelons.py``).

Lateral supply is between forward depots only, those that supply no other depot:
when a base's depot is out, the nearest such depot with the part on hand sends it
by courier. A supplier neither ships laterally to other depots' bases nor draws
from other depots: it supplies its children, and a base drawing from it
directly waits for its next unit. A base without a ``depot`` draws from the
nearest depot that supplies no other.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
import simpy

from simsvc.model.draws import DrawBuffer, draw_buffers
from simsvc.model.echelons import forward_depots, suppliers, supply_times
from simsvc.model.repair import repair_shops
from simsvc.model.travel import great_circle_km
from simsvc.scenario.schema import Scenario


def nearest_depot_of_bases(scenario: Scenario) -> list[int | None]:
    """Index of the depot each base draws from: its own ``depot``, else the nearest depot
    that supplies no other depot."""
    index = {d.id: j for j, d in enumerate(scenario.depot)}
    candidates = [j for j, forward in enumerate(forward_depots(scenario)) if forward]
    result: list[int | None] = []
    for base in scenario.base:
        if base.depot is not None:
            result.append(index[base.depot])
        elif candidates:
            km = [great_circle_km(*base.location, *scenario.depot[j].location) for j in candidates]
            result.append(candidates[int(np.argmin(km))])
        else:
            result.append(None)
    return result


def nearest_base_of_sites(scenario: Scenario) -> np.ndarray:
    """Index of the base nearest to each site (great-circle)."""
    sites = np.asarray([s.location for s in scenario.site], float)
    bases = np.asarray([b.location for b in scenario.base], float)
    km = great_circle_km(sites[:, None, 0], sites[:, None, 1], bases[None, :, 0], bases[None, :, 1])
    return np.asarray(np.argmin(km, axis=1))


def installed_units_using(scenario: Scenario) -> dict[tuple[int, str], int]:
    """Installed units per (depot index, part) that may need that part.

    A site counts towards the depot its nearest base draws from and towards every
    supplier above that depot; a depot that no base draws from, directly or through
    the depots it supplies, counts every site.
    """
    base_depot = nearest_depot_of_bases(scenario)
    site_base = nearest_base_of_sites(scenario)
    above = suppliers(scenario)
    chains: dict[int | None, set[int]] = {None: set()}
    for home in set(base_depot):
        chain, depot = set[int](), home
        while depot is not None:
            chain.add(depot)
            depot = above[depot]
        chains[home] = chain
    served = set().union(*chains.values())
    kinds = {e.id: e for e in scenario.equipment}
    units: dict[tuple[int, str], int] = {}
    for i, site in enumerate(scenario.site):
        chain = chains[base_depot[int(site_base[i])]]
        for kind, count in site.equipment.items():
            equipment = kinds[kind]
            parts = {p for p, share in equipment.parts.items() if share > 0}
            if equipment.spare_unit:
                parts.add(equipment.spare_unit)
            for depot in range(len(scenario.depot)):
                if depot in chain or depot not in served:
                    for part in parts:
                        units[depot, part] = units.get((depot, part), 0) + count
    return units


def stock_at_share(scenario: Scenario, share: float) -> dict[tuple[str, str], int]:
    """Base stock per (depot id, part id) under the rule "``share`` of the installed units"."""
    units = installed_units_using(scenario) if scenario.depot else {}
    return {
        (depot.id, part.id): math.ceil(share * units.get((j, part.id), 0) - 1e-9)
        for j, depot in enumerate(scenario.depot)
        for part in scenario.part
    }


def base_stock(scenario: Scenario) -> dict[tuple[str, str], int]:
    """Base stock per (depot id, part id), with ``"15%"`` shares resolved (rounded up)."""
    shares = any(isinstance(level, str) for d in scenario.depot for level in d.stock.values())
    units = installed_units_using(scenario) if shares else {}
    levels: dict[tuple[str, str], int] = {}
    for j, depot in enumerate(scenario.depot):
        for part in scenario.part:
            level = depot.stock.get(part.id, 0)
            if isinstance(level, str):
                share = float(level.rstrip("%").strip()) / 100
                level = math.ceil(share * units.get((j, part.id), 0) - 1e-9)
            levels[depot.id, part.id] = int(level)
    return levels


class LevelHours:
    """A level that changes by steps (units on hand, backorders) and its integral over the
    counting window (unit-hours); divided by the window's length, its time average."""

    __slots__ = ("end", "hours", "level", "since", "start")

    def __init__(self, level: int, window: tuple[float, float]) -> None:
        self.level = level
        self.start, self.end = window
        self.since = 0.0
        self.hours = 0.0

    def change(self, now: float, by: int) -> None:
        """Add ``by`` to the level at time ``now`` (hours)."""
        self.accumulate(now)
        self.level += by

    def accumulate(self, now: float) -> None:
        """Add the window's unit-hours from the last change up to ``now``."""
        overlap = max(0.0, min(now, self.end) - max(self.since, self.start))
        self.hours += self.level * overlap
        self.since = now


class DepotNetwork:
    """Stock on hand, resupply orders and backorders of every depot and part.

    Counters (over the counting window): ``requests`` and ``filled`` per depot and per
    (depot, part) (a supplier's requests include its children's orders); ``lateral``
    (units sent to other depots' bases) per (depot, part); unit-hours of
    backorders per depot (``backorder_hours``) and per (depot, part), and of units on hand
    per (depot, part) (``on_hand_hours``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        resupply: Sequence[np.random.Generator],
        courier_hours: np.ndarray,
        window: tuple[float, float],
        supply: Sequence[np.random.Generator | None] = (),
        repair: Sequence[np.random.Generator | None] = (),
        condemnation: Sequence[np.random.Generator | None] = (),
        no_fault: Sequence[np.random.Generator | None] = (),
        nff_time: Sequence[np.random.Generator | None] = (),
    ) -> None:
        """``resupply``: one generator per depot for its lead times, so that one depot's
        lead times do not depend on the order of the other depots' demand; likewise
        ``supply`` for supply times from a supplier, ``repair`` for repair times,
        ``condemnation`` for the draws that scrap failed units, ``no_fault`` for those that
        find no fault in a returned unit and ``nff_time`` for its test time (``None`` for a
        depot that does not draw them; empty when no depot does)."""
        self.env = env
        self.part_index = {p.id: k for k, p in enumerate(scenario.part)}
        levels = base_stock(scenario)
        self.levels = [[levels[d.id, p.id] for p in scenario.part] for d in scenario.depot]
        self.on_hand = [list(row) for row in self.levels]
        self.due: list[list[list[float]]] = [[[] for _ in scenario.part] for _ in scenario.depot]
        self.waiting: list[list[deque[Callable[[], None]]]] = [
            [deque() for _ in scenario.part] for _ in scenario.depot
        ]
        self._resupply = [
            DrawBuffer(d.resupply.sample, rng)
            for d, rng in zip(scenario.depot, resupply, strict=True)
        ]
        self._resupply_mean = [d.resupply.mean for d in scenario.depot]
        self.supplier = suppliers(scenario)
        times = supply_times(scenario, courier_hours)
        self._supply = draw_buffers(
            [t.sample if t is not None else None for t in times], supply, "supply"
        )
        self._supply_mean = [t.mean if t is not None else 0.0 for t in times]
        self._repairable = [p.repairable for p in scenario.part]
        self.shops = repair_shops(
            env, scenario, window, self._expect, repair, condemnation, no_fault, nff_time
        )
        """Each depot's repair shop (``None`` where it does not repair)."""
        # Tickets number the requests that wait at a depot, in queue order: a forward
        # depot's orders waiting at its supplier are known by their tickets there.
        self._issued = [[0 for _ in scenario.part] for _ in scenario.depot]
        self._released = [[0 for _ in scenario.part] for _ in scenario.depot]
        self._upstream: list[list[deque[int]]] = [
            [deque() for _ in scenario.part] for _ in scenario.depot
        ]
        self.courier_hours = courier_hours
        forward = forward_depots(scenario)
        self._lateral_order = [
            [int(j) for j in np.argsort(row, kind="stable") if forward[j] and j != depot]
            if forward[depot]
            else []
            for depot, row in enumerate(courier_hours)
        ]
        self.window = window
        n = len(scenario.depot)
        self.requests = [0] * n
        self.filled = [0] * n
        self._backorders = [LevelHours(0, window) for _ in range(n)]
        self.lateral = [[0 for _ in scenario.part] for _ in scenario.depot]
        """Units sent from each depot to another depot's base (lateral supply), per part."""
        self.part_requests = [[0 for _ in scenario.part] for _ in scenario.depot]
        self.part_filled = [[0 for _ in scenario.part] for _ in scenario.depot]
        self._part_backorders = [[LevelHours(0, window) for _ in row] for row in self.levels]
        self._on_hand = [[LevelHours(level, window) for level in row] for row in self.levels]

    @property
    def backorder_hours(self) -> list[float]:
        """Unit-hours of backorders per depot in the counting window."""
        return [level.hours for level in self._backorders]

    @property
    def part_backorder_hours(self) -> list[list[float]]:
        """Unit-hours of backorders per (depot, part) in the counting window."""
        return [[level.hours for level in row] for row in self._part_backorders]

    @property
    def on_hand_hours(self) -> list[list[float]]:
        """Unit-hours of stock on hand per (depot, part) in the counting window."""
        return [[level.hours for level in row] for row in self._on_hand]

    def has_stock(self, depot: int, part: int) -> bool:
        """Whether a unit is on hand now."""
        return self.on_hand[depot][part] > 0

    def request(self, depot: int, part: int) -> bool:
        """Count a request at ``depot``; return whether it is served from stock at once."""
        served = self.on_hand[depot][part] > 0
        if self.window[0] <= self.env.now < self.window[1]:
            self.requests[depot] += 1
            self.filled[depot] += served
            self.part_requests[depot][part] += 1
            self.part_filled[depot][part] += served
        return served

    def take(self, depot: int, part: int) -> None:
        """Take a unit on hand for a visit or a swap; the failed unit it replaces goes to
        repair here, or its replacement is ordered (:meth:`_replace_failed`)."""
        self._remove(depot, part)
        self._replace_failed(depot, part)

    def send_lateral(self, depot: int, part: int) -> None:
        """Take a unit on hand at ``depot`` for another depot's base (lateral supply)."""
        if self.window[0] <= self.env.now < self.window[1]:
            self.lateral[depot][part] += 1
        self.take(depot, part)

    def latest_arrival(self, depot: int, part: int) -> float:
        """When a request made now would get its unit (see :meth:`backorder`): at the latest
        at a depot without a supplier, where with nothing on order it is now plus the mean
        resupply time; an estimate at a depot with one (:meth:`_expected_arrival`)."""
        return self._expected_arrival(depot, part, len(self.waiting[depot][part]))

    def nearest_with_stock(self, depot: int, part: int) -> int | None:
        """The depot nearest to ``depot`` (not itself) with the part on hand; only between
        depots that supply no other depot (a supplier has no lateral supply)."""
        for other in self._lateral_order[depot]:
            if self.on_hand[other][part] > 0:
                return other
        return None

    def backorder(self, depot: int, part: int, on_arrival: Callable[[], None]) -> float:
        """Order a unit and wait for the next one to arrive; return when it should arrive.

        Units arrive in due order and go to waiting requests first come, first
        served, so at a depot without a supplier the k-th waiting request gets the
        k-th earliest unit on order at the latest (a later order with a shorter
        resupply can only bring it sooner).
        """
        self._replace_failed(depot, part)
        estimate = self._expected_arrival(depot, part, len(self.waiting[depot][part]))
        self._wait(depot, part, on_arrival)
        return estimate

    def _expected_arrival(self, depot: int, part: int, ahead: int) -> float:
        """When the unit for a request with ``ahead`` requests waiting before it should
        reach ``depot`` (hours): the ``ahead``-th earliest unit in transit, else, for an
        order still waiting at the supplier, the supplier's estimate for it plus the mean
        supply time; for a new order, now plus the mean resupply or supply time (after the
        supplier's estimate, when it is out)."""
        due = self.due[depot][part]
        if ahead < len(due):
            return due[ahead]
        supplier = self.supplier[depot]
        upstream = self._upstream[depot][part]
        beyond = ahead - len(due)
        if supplier is not None and beyond < len(upstream):
            place = upstream[beyond] - self._released[supplier][part]
        elif (shop := self.shops[depot]) is not None and self._repairable[part]:
            return self.env.now + shop.expected_hours(part)
        elif supplier is None:
            return self.env.now + self._resupply_mean[depot]
        elif self.on_hand[supplier][part] > 0:
            return self.env.now + self._supply_mean[depot]
        else:
            place = len(self.waiting[supplier][part])
        return self._expected_arrival(supplier, part, place) + self._supply_mean[depot]

    def _wait(self, depot: int, part: int, on_arrival: Callable[[], None]) -> int:
        """Queue a request for the next unit to arrive at ``depot``; return its ticket."""
        self.waiting[depot][part].append(on_arrival)
        ticket = self._issued[depot][part]
        self._issued[depot][part] += 1
        self._count_backorders(depot, part, +1)
        return ticket

    def _remove(self, depot: int, part: int) -> None:
        self.on_hand[depot][part] -= 1
        self._on_hand[depot][part].change(self.env.now, -1)

    def _replace_failed(self, depot: int, part: int) -> None:
        """A failed unit comes back to ``depot``: a repairable part goes to the depot's repair
        shop when it has one; else (and when condemned there) a replacement is ordered."""
        shop = self.shops[depot]
        if shop is None or not self._repairable[part] or not shop.receive(part):
            self._order(depot, part)

    def _order(self, depot: int, part: int) -> None:
        """Order a replacement unit: from outside, or from the depot's supplier."""
        supplier = self.supplier[depot]
        if supplier is None:
            self._expect(depot, part, self.env.now + self._resupply[depot].next())
        elif self.request(supplier, part):
            self._remove(supplier, part)  # a good unit leaves; no failed one comes back
            self._order(supplier, part)
            self._ship(depot, part)
        else:
            self._order(supplier, part)
            ticket = self._wait(supplier, part, lambda: self._release(depot, part))
            self._upstream[depot][part].append(ticket)

    def _release(self, depot: int, part: int) -> None:
        """A unit reached the supplier for the oldest order of ``depot`` waiting there."""
        self._upstream[depot][part].popleft()
        self._ship(depot, part)

    def _ship(self, depot: int, part: int) -> None:
        """A unit leaves the supplier of ``depot`` for it: it arrives after the supply time."""
        supply = self._supply[depot]
        assert supply is not None, "only a depot with a supplier is shipped to"
        self._expect(depot, part, self.env.now + supply.next())

    def _expect(self, depot: int, part: int, arrival: float) -> simpy.Event:
        """A unit is due at ``depot`` at ``arrival`` (hours); the event when it arrives."""
        bisect.insort(self.due[depot][part], arrival)
        event = self.env.timeout(arrival - self.env.now)
        event.callbacks.append(lambda _: self._arrive(depot, part))
        return event

    def _arrive(self, depot: int, part: int) -> None:
        self.due[depot][part].pop(0)
        queue = self.waiting[depot][part]
        if queue:
            self._count_backorders(depot, part, -1)
            self._released[depot][part] += 1
            queue.popleft()()
        else:
            self.on_hand[depot][part] += 1
            self._on_hand[depot][part].change(self.env.now, +1)

    def _count_backorders(self, depot: int, part: int, change: int) -> None:
        now = self.env.now
        self._backorders[depot].change(now, change)
        self._part_backorders[depot][part].change(now, change)

    def close(self) -> None:
        """Account backorders and stock up to the end of the counting window."""
        now = max(self.env.now, self.window[1])
        for depot, backorders in enumerate(self._backorders):
            backorders.accumulate(now)
            for level in (*self._part_backorders[depot], *self._on_hand[depot]):
                level.accumulate(now)
        for shop in self.shops:
            if shop is not None:
                shop.close()
