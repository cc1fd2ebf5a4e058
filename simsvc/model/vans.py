"""Van stock: a few parts each engineer carries, restocked from the base's depot.

Each engineer of a base with ``van = {part = units}`` starts with those units in the van.
A visit that needs a part takes it from the van first. Each unit taken is reordered at
once from the engineer's home depot, one for one, and reaches the van ``van_restock``
hours after the depot hands it out: at once if the depot has one on hand, else when the
depot's next unit for it arrives (first come, first served with the depot's other
requests). A van is therefore a base stock of its own, per engineer, fed by the depot.

Parts that are not in the van come from the depot as ``[travel] part_delivery`` says:
``instant`` (the default: the part is at hand, as if the depot were on site), ``courier``
(the engineer waits on site while a courier drives it from the depot: the planned trip)
or ``engineer`` (the engineer drives to the depot and back: twice the planned trip).
"""

from __future__ import annotations

import simpy

from simsvc.model.crews import crews_of
from simsvc.model.depots import DepotNetwork
from simsvc.scenario.schema import Scenario


def vans_per_base(scenario: Scenario) -> list[int]:
    """Vans at each base: one per engineer of every crew, those on call included (the
    engine gives each of them the base's ``van``)."""
    counts = [0] * len(scenario.base)
    for crew in crews_of(scenario):
        counts[crew.base] += crew.engineers
    return counts


def van_units(scenario: Scenario) -> dict[tuple[str, str], int]:
    """Units of each part in all the vans of each base, by (base id, part id): the
    per-engineer ``van`` level times the base's vans (:func:`vans_per_base`)."""
    vans = vans_per_base(scenario)
    return {
        (base.id, part): level * vans[b]
        for b, base in enumerate(scenario.base)
        for part, level in base.van.items()
    }


class Vans:
    """The van stock of every engineer (units by part index) and its restocking."""

    def __init__(
        self,
        env: simpy.Environment,
        stock: list[dict[int, int]],
        restock_hours: list[float],
        home_depot: list[int | None],
        depots: DepotNetwork,
        window: tuple[float, float],
    ) -> None:
        """``stock[e]``: units by part index in engineer ``e``'s van; ``restock_hours[e]``
        and ``home_depot[e]``: the restock delay (hours) and the depot it comes from."""
        self.env = env
        self.on_hand = [dict(units) for units in stock]
        self._restock = restock_hours
        self._home = home_depot
        self._depots = depots
        self._window = window
        self.requests = 0
        """Visits in the window that needed a part an engineer's van carries."""
        self.filled = 0
        """Of them, served from the van."""

    def carries(self, engineer: int, part: int) -> bool:
        """Whether the engineer's van is meant to carry the part (empty or not)."""
        return part in self.on_hand[engineer]

    def has(self, engineer: int, part: int) -> bool:
        """Whether the engineer's van has a unit of the part now."""
        return self.on_hand[engineer].get(part, 0) > 0

    def take(self, engineer: int, part: int) -> bool:
        """A visit needs ``part``: take it from the van if there is one (and reorder it);
        return whether there was."""
        units = self.on_hand[engineer]
        have = units.get(part, 0) > 0
        if self._window[0] <= self.env.now < self._window[1]:
            self.requests += 1
            self.filled += have
        if not have:
            return False
        units[part] -= 1
        self._reorder(engineer, part)
        return True

    def _reorder(self, engineer: int, part: int) -> None:
        depot = self._home[engineer]
        if depot is None:  # no depot: the van is refilled after its delay alone
            self._arrive_later(engineer, part)
            return
        depots = self._depots
        if depots.request(depot, part):
            depots.take(depot, part)
            self._arrive_later(engineer, part)
        else:
            depots.backorder(depot, part, lambda: self._arrive_later(engineer, part))

    def _arrive_later(self, engineer: int, part: int) -> None:
        def arrive(_: simpy.Event) -> None:
            self.on_hand[engineer][part] += 1

        self.env.timeout(self._restock[engineer]).callbacks.append(arrive)
