"""Where a part or a spare unit comes from: the van, the home depot, or another depot.

A visit's part and a swap's spare unit come through the same chain: the engineer's van
if it has one (:mod:`simsvc.model.vans`), else the home depot, else the nearest depot
that supplies no other with one on hand, by courier to the home depot (lateral supply,
:meth:`~simsvc.model.depots.DepotNetwork.nearest_with_stock`), else the home depot's next
unit (a backorder). Each unit taken is replaced by the van's reorder or by the giving
depot (its resupply, its supplier, or its repair shop for the failed repairable unit).
The incident flow (:mod:`simsvc.model.incident`) decides when to ask; this module says
where from and takes the unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import simpy

from simsvc.model.depots import DepotNetwork

if TYPE_CHECKING:  # the vans import the depots: import them for the hints only
    from simsvc.model.vans import Vans


class SpareSource(NamedTuple):
    """Where the spare unit of a swap comes from: the engineer's van, the home depot, or
    another depot by courier (``hours`` from it to the home depot; 0 for the others)."""

    van: bool
    depot: int | None
    hours: float


class Sourcing:
    """The chain that parts and spare units come through (times in hours)."""

    def __init__(self, env: simpy.Environment, depots: DepotNetwork, vans: Vans | None) -> None:
        # no callback into the incident flow: a reference cycle would keep a finished
        # replication's records alive until the next full garbage collection
        self.env = env
        self.depots = depots
        self.vans = vans

    def part_wait(self, part: int, home: int) -> tuple[int | None, float]:
        """For a part the home depot is out of: the nearest depot with one on hand and its
        courier hours to the home depot, else ``None`` and the hours until the home depot's
        next unit should arrive."""
        depots = self.depots
        lateral = depots.nearest_with_stock(home, part)
        if lateral is not None:
            return lateral, float(depots.courier_hours[lateral][home])
        return None, depots.latest_arrival(home, part) - self.env.now

    def spare(self, engineer: int, unit: int, home: int | None) -> SpareSource | None:
        """Where a spare unit would come from now: the engineer's van, else the home depot,
        else the nearest other depot with one on hand; None when none has one."""
        vans, depots = self.vans, self.depots
        if vans is not None and vans.has(engineer, unit):
            return SpareSource(van=True, depot=None, hours=0.0)
        if home is None:
            return None
        if depots.has_stock(home, unit):
            return SpareSource(van=False, depot=home, hours=0.0)
        lateral = depots.nearest_with_stock(home, unit)
        if lateral is None:
            return None
        return SpareSource(
            van=False, depot=lateral, hours=float(depots.courier_hours[lateral][home])
        )

    def take_spare(self, engineer: int, unit: int, home: int | None, spare: SpareSource) -> None:
        """Take the spare unit from where :meth:`spare` found it, and start its replacement.

        When the van carries the unit, the swap counts in the van's fill rate (filled or
        not); a unit from a depot counts as a request at the home depot (unfilled when it
        comes from another depot).
        """
        vans, depots = self.vans, self.depots
        if vans is not None and vans.carries(engineer, unit):
            took = vans.take(engineer, unit)
            assert took == spare.van, "the van had the unit the swap rule saw"
        if spare.van:
            return
        assert home is not None and spare.depot is not None, "a depot's unit needs a home depot"
        depots.request(home, unit)
        if spare.depot == home:
            depots.take(home, unit)
        else:
            depots.send_lateral(spare.depot, unit)
