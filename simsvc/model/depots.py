"""Spare stock in depots, one-for-one resupply, and lateral supply between depots.

Each depot holds a base stock ``S`` of each part. Every request at a depot
starts one resupply order, an (S-1, S) policy: the units on hand plus those on
order always sum to ``S`` minus the backorders. A request that finds no stock
waits, first come first served, for the next unit to arrive. By Palm's theorem,
with Poisson demand at rate ``d`` per hour and resupply time ``T`` hours, the
units on order are Poisson(dT) and the fill rate is P(Poisson(dT) <= S - 1).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
import simpy

from simsvc.model.draws import DrawBuffer
from simsvc.model.travel import great_circle_km
from simsvc.scenario.schema import Scenario


def nearest_depot_of_bases(scenario: Scenario) -> list[int | None]:
    """Index of the depot each base draws from: its own ``depot``, else the nearest one."""
    index = {d.id: j for j, d in enumerate(scenario.depot)}
    result: list[int | None] = []
    for base in scenario.base:
        if base.depot is not None:
            result.append(index[base.depot])
        elif scenario.depot:
            km = [great_circle_km(*base.location, *d.location) for d in scenario.depot]
            result.append(int(np.argmin(km)))
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

    A site counts towards the depot its nearest base draws from; a depot no base
    draws from counts every site.
    """
    base_depot = nearest_depot_of_bases(scenario)
    site_base = nearest_base_of_sites(scenario)
    served = {base_depot[b] for b in range(len(scenario.base))}
    kinds = {e.id: e for e in scenario.equipment}
    units: dict[tuple[int, str], int] = {}
    for i, site in enumerate(scenario.site):
        home = base_depot[int(site_base[i])]
        for kind, count in site.equipment.items():
            equipment = kinds[kind]
            parts = {p for p, share in equipment.parts.items() if share > 0}
            if equipment.spare_unit:
                parts.add(equipment.spare_unit)
            for depot in range(len(scenario.depot)):
                if depot == home or depot not in served:
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


class DepotNetwork:
    """Stock on hand, resupply orders and backorders of every depot and part."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        resupply: Sequence[np.random.Generator],
        courier_hours: np.ndarray,
        window: tuple[float, float],
    ) -> None:
        """``resupply``: one generator per depot for its lead times, so that one depot's
        lead times do not depend on the order of the other depots' demand."""
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
        self.courier_hours = courier_hours
        self._lateral_order = [list(np.argsort(row, kind="stable")) for row in courier_hours]
        self.window = window
        n = len(scenario.depot)
        self.requests = [0] * n
        self.filled = [0] * n
        self._backorders = [0] * n
        self._since = [0.0] * n
        self.backorder_hours = [0.0] * n

    def has_stock(self, depot: int, part: int) -> bool:
        """Whether a unit is on hand now."""
        return self.on_hand[depot][part] > 0

    def request(self, depot: int, part: int) -> bool:
        """Count a request at ``depot``; return whether it is served from stock at once."""
        served = self.on_hand[depot][part] > 0
        if self.window[0] <= self.env.now < self.window[1]:
            self.requests[depot] += 1
            self.filled[depot] += served
        return served

    def take(self, depot: int, part: int) -> None:
        """Take a unit on hand and order its replacement."""
        self.on_hand[depot][part] -= 1
        self._order(depot, part)

    def latest_arrival(self, depot: int, part: int) -> float:
        """When a request made now would get its unit at the latest (see :meth:`backorder`);
        with nothing on order, now plus the mean resupply time."""
        due = self.due[depot][part]
        ahead = len(self.waiting[depot][part])
        if ahead < len(due):
            return due[ahead]
        return self.env.now + self._resupply_mean[depot]

    def nearest_with_stock(self, depot: int, part: int) -> int | None:
        """The depot nearest to ``depot`` (not itself) with the part on hand."""
        for other in self._lateral_order[depot]:
            if other != depot and self.on_hand[other][part] > 0:
                return int(other)
        return None

    def backorder(self, depot: int, part: int, on_arrival: Callable[[], None]) -> float:
        """Order a unit and wait for the next one to arrive; return the latest arrival time.

        Units arrive in due order and go to waiting requests first come, first
        served, so the k-th waiting request gets the k-th earliest unit on order at
        the latest (a later order with a shorter resupply can only bring it sooner).
        """
        self._order(depot, part)
        queue = self.waiting[depot][part]
        estimate = self.due[depot][part][len(queue)]
        queue.append(on_arrival)
        self._count_backorders(depot, +1)
        return estimate

    def _order(self, depot: int, part: int) -> None:
        arrival = self.env.now + self._resupply[depot].next()
        bisect.insort(self.due[depot][part], arrival)
        event = self.env.timeout(arrival - self.env.now)
        event.callbacks.append(lambda _: self._arrive(depot, part))

    def _arrive(self, depot: int, part: int) -> None:
        self.due[depot][part].pop(0)
        queue = self.waiting[depot][part]
        if queue:
            self._count_backorders(depot, -1)
            queue.popleft()()
        else:
            self.on_hand[depot][part] += 1

    def _count_backorders(self, depot: int, change: int) -> None:
        self._accumulate(depot, self.env.now)
        self._backorders[depot] += change

    def _accumulate(self, depot: int, now: float) -> None:
        start, end = self.window
        overlap = max(0.0, min(now, end) - max(self._since[depot], start))
        self.backorder_hours[depot] += self._backorders[depot] * overlap
        self._since[depot] = now

    def close(self) -> None:
        """Account backorders up to the end of the counting window."""
        for depot in range(len(self._backorders)):
            self._accumulate(depot, max(self.env.now, self.window[1]))
