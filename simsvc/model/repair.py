"""A depot's repair shop: failed repairable units tested, repaired and back to stock.

A depot with a ``repair_time`` takes back the failed unit of each repairable unit it
gives out. The shop first tests it: a ``no_fault_found`` share of the part's returned
units has no fault and is back in stock after the depot's ``nff_time`` (never repaired,
never condemned, and never in a repair slot: testing is not repairing). Of the others,
a ``condemnation`` share is scrapped (the depot then orders a replacement, as for a
consumable); the rest are repaired. Like the pumps of a petrol station, the shop has
``repair_capacity`` repair slots (no limit by default): a unit waits, first come, first
served across the depot's parts, for a free slot, then takes ``repair_time`` hours in it.

With unlimited capacity the units in repair are an M/G/infinity queue; with ``c``
slots and exponential repair times, an M/M/c queue fed by the depot's failed units
(``tests/test_theory_repair.py``). The time each unit spends waiting and in repair is
known when its repair starts, so the shop's unit-hours are added up then, not by
counting events (:meth:`RepairShop.close` adds those of units still waiting).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import simpy

from simsvc.model.draws import DrawBuffer, draw_buffers, uniform
from simsvc.model.echelons import repair_times
from simsvc.scenario.schema import Scenario


def window_overlap(start: float, end: float, window: tuple[float, float]) -> float:
    """Hours of ``[start, end]`` inside the counting ``window``."""
    return max(0.0, min(end, window[1]) - max(start, window[0]))


class RepairShop:
    """The repair shop of one depot (times in hours, parts by index).

    Counters over the counting window: ``repair_hours`` (unit-hours waiting for or in
    repair, per part), ``queue_hours`` (unit-hours waiting for a slot, all parts),
    ``received`` (failed units returned per part), ``no_fault`` (of them, with no fault
    found) and ``condemned`` (scrapped).
    """

    def __init__(
        self,
        env: simpy.Environment,
        repair: DrawBuffer,
        repair_mean: float,
        capacity: int | None,
        deliver: Callable[[int, float], simpy.Event],
        window: tuple[float, float],
        condemnation: Sequence[float],
        condemn: DrawBuffer | None,
        no_fault_found: Sequence[float],
        no_fault: DrawBuffer | None,
        nff_time: DrawBuffer | None,
        nff_mean: float,
    ) -> None:
        """``deliver(part, arrival)``: a unit of ``part`` is back in stock at ``arrival``
        (hours), the event when it is; ``condemnation`` and ``no_fault_found``: shares per
        part, drawn from ``condemn`` and ``no_fault`` (uniforms); ``nff_time``: the test
        time of a unit with no fault (``None`` where no part has such units)."""
        self.env = env
        self._repair = repair
        self._repair_mean = repair_mean
        self.capacity = capacity
        self._deliver = deliver
        self.window = window
        self._condemnation = condemnation
        self._condemn = condemn
        self._no_fault_found = no_fault_found
        self._no_fault = no_fault
        self._nff_time = nff_time
        self._nff_mean = nff_mean
        self.busy = 0
        """Units in a repair slot now."""
        self._queue: deque[tuple[int, float]] = deque()
        """Units waiting for a slot: (part, when returned)."""
        n = len(condemnation)
        self.repair_hours = [0.0] * n
        self.queue_hours = 0.0
        self.received = [0] * n
        self.no_fault = [0] * n
        self.condemned = [0] * n

    def receive(self, part: int) -> bool:
        """A failed unit of ``part`` is returned now: tested, then back to stock with no
        fault found, or repaired (in a slot, or waiting for one); return False when it is
        condemned (the depot orders its replacement)."""
        counted = self.window[0] <= self.env.now < self.window[1]
        self.received[part] += counted
        if self._found_no_fault(part):
            self.no_fault[part] += counted
            assert self._nff_time is not None, "a shop with no-fault units draws test times"
            self._deliver(part, self.env.now + self._nff_time.next())
            return True
        if self._condemned(part):
            self.condemned[part] += counted
            return False
        if self.capacity is None or self.busy < self.capacity:
            self._start(part, self.env.now)
        else:
            self._queue.append((part, self.env.now))
        return True

    def expected_hours(self, part: int) -> float:
        """Hours a failed unit of ``part`` returned now should take to be back in stock: the
        mean test and repair times by their shares, the repair including, when every slot
        is busy, the wait for one (the units ahead over the slots, times the mean repair)."""
        share = self._no_fault_found[part]
        repair = self._repair_mean
        if self.capacity is not None and self.busy >= self.capacity:
            repair += (len(self._queue) + 1) / self.capacity * self._repair_mean
        return (1 - share) * repair + share * self._nff_mean

    def _found_no_fault(self, part: int) -> bool:
        share = self._no_fault_found[part]
        if share <= 0:
            return False
        assert self._no_fault is not None, "a shop with no-fault units draws them"
        return self._no_fault.next() < share

    def _condemned(self, part: int) -> bool:
        share = self._condemnation[part]
        if share <= 0:
            return False
        assert self._condemn is not None, "a repairing depot draws condemnations"
        return self._condemn.next() < share

    def _start(self, part: int, returned: float) -> None:
        """A unit returned at ``returned`` (hours) goes into a free slot now."""
        now = self.env.now
        done = now + self._repair.next()
        self.repair_hours[part] += window_overlap(returned, done, self.window)
        self.queue_hours += window_overlap(returned, now, self.window)
        back = self._deliver(part, done)
        if self.capacity is not None:
            self.busy += 1
            back.callbacks.append(self._free_slot)

    def _free_slot(self, _: simpy.Event) -> None:
        """A repair ends: the slot takes the oldest unit waiting, if any."""
        self.busy -= 1
        if self._queue:
            self._start(*self._queue.popleft())

    def close(self) -> None:
        """Add the unit-hours, up to the end of the window, of units still waiting."""
        end = max(self.env.now, self.window[1])
        for part, returned in self._queue:
            self.repair_hours[part] += window_overlap(returned, end, self.window)
            self.queue_hours += window_overlap(returned, end, self.window)


def repair_shops(
    env: simpy.Environment,
    scenario: Scenario,
    window: tuple[float, float],
    expect: Callable[[int, int, float], simpy.Event],
    repair: Sequence[np.random.Generator | None],
    condemnation: Sequence[np.random.Generator | None],
    no_fault: Sequence[np.random.Generator | None],
    nff_time: Sequence[np.random.Generator | None],
) -> list[RepairShop | None]:
    """Each depot's repair shop, with its draws (``None`` where the depot does not repair);
    ``expect(depot, part, arrival)`` puts a unit back in the depot's stock."""
    repairs = repair_times(scenario)
    condemnations = [p.condemnation for p in scenario.part]
    nff_shares = [p.no_fault_found if p.repairable else 0.0 for p in scenario.part]
    repair_draws = draw_buffers(
        [t.sample if t is not None else None for t in repairs], repair, "repair"
    )
    repairing = [uniform if t is not None else None for t in repairs]
    nobody = [None] * len(repairs)
    condemn = draw_buffers(
        repairing if any(condemnations) else nobody, condemnation, "condemnation"
    )
    no_faults = draw_buffers(repairing if any(nff_shares) else nobody, no_fault, "no_fault")
    tests = draw_buffers(
        [
            d.nff_time.sample if t is not None and any(nff_shares) else None
            for d, t in zip(scenario.depot, repairs, strict=True)
        ],
        nff_time,
        "nff_time",
    )
    shops: list[RepairShop | None] = []
    for j, (depot, time, draws) in enumerate(
        zip(scenario.depot, repairs, repair_draws, strict=True)
    ):
        if time is None or draws is None:
            shops.append(None)
            continue
        shops.append(
            RepairShop(
                env,
                draws,
                time.mean,
                depot.repair_capacity,
                partial(expect, j),
                window,
                condemnations,
                condemn[j],
                nff_shares,
                no_faults[j],
                tests[j],
                depot.nff_time.mean,
            )
        )
    return shops
