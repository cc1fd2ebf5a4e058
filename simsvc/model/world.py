"""One replication: a SimPy environment built from a scenario and a seed.

The world wires the parts together: fault reports reach the desk, answered
reports are fixed remotely or queued for dispatch, engineers travel, work on
site, draw parts from depots or swap in spare units, and go on to the next job
or back to base. Every incident's life is stamped in an :class:`IncidentLog`.

Randomness comes from one ``SeedSequence`` per replication, split into a named
stream per source (see :data:`STREAMS`), so that changing the resources leaves
the fault stream and each incident's own draws unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import numpy as np
import simpy

from simsvc.model.calendar import WorkCalendar
from simsvc.model.depots import DepotNetwork, nearest_depot_of_bases
from simsvc.model.desk import ServiceDesk
from simsvc.model.dispatch import Dispatcher, Inspection, Job
from simsvc.model.draws import DrawBuffer
from simsvc.model.faults import FaultStream, sample_faults
from simsvc.model.incident import NO_PART, IncidentDraws, IncidentLog, draw_incidents
from simsvc.model.inspections import inspection_plan
from simsvc.model.travel import TravelNetwork
from simsvc.scenario.schema import Scenario

STREAMS: tuple[str, ...] = (
    "arrivals",
    "desk",
    "remote",
    "repair",
    "parts",
    "travel",
    "returns",
    "resupply",
    "inspections",
)
"""Named random streams; each source of randomness draws only from its own."""

FOLLOW_UP_HOURS = 365 * 24.0
"""How long past the horizon open incidents are followed before they count as open."""


def random_streams(seed: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per name in :data:`STREAMS`, each a fixed child of ``seed``."""
    return {
        name: np.random.default_rng(
            np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k))
        )
        for k, name in enumerate(STREAMS)
    }


@dataclass(frozen=True)
class ReplicationOutcome:
    """What one replication leaves behind: incident columns and resource counters."""

    columns: dict[str, np.ndarray]
    window: tuple[float, float]
    base_busy_hours: list[float]
    base_shift_hours: list[float]
    desk_busy_hours: float
    desk_shift_hours: float
    depot_requests: list[int]
    depot_filled: list[int]
    depot_backorder_hours: list[float]
    inspections_done: int
    still_open: int


class World:
    """The simulated operation of one replication."""

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        self.scenario = scenario
        info = scenario.scenario
        self.window = (info.warmup, info.warmup + info.horizon)
        self.env = simpy.Environment()
        self.calendar = WorkCalendar(scenario.calendar, info.warmup)
        streams = random_streams(seed)
        self.faults: FaultStream = sample_faults(
            scenario, self.calendar, streams["arrivals"], self.window[1]
        )
        n_sites, n_bases = len(scenario.site), len(scenario.base)
        places = [s.location for s in scenario.site] + [b.location for b in scenario.base]
        places += [d.location for d in scenario.depot]
        self.travel = TravelNetwork(scenario.travel, places, n_sites, n_bases)
        factors = self.travel.trip_factors(streams["travel"], 2 * len(self.faults))
        self.draws: IncidentDraws = draw_incidents(scenario, self.faults, streams, factors)
        self.log = IncidentLog(self.faults, self.window)
        self._returns = DrawBuffer(self.travel.trip_factors, streams["returns"])
        self._inspection_trips = DrawBuffer(self.travel.trip_factors, streams["inspections"])
        self._inspection_stream = streams["inspections"]

        self.priority = [scenario.priority_of(s.id) for s in scenario.severity]
        self._incident_priority = [self.priority[j] for j in self.faults.severity.tolist()]
        self._site_of = self.faults.site.tolist()
        self.engineer_base = [
            b for b, base in enumerate(scenario.base) for _ in range(base.engineers)
        ]
        self.base_place = [n_sites + b for b in range(n_bases)]
        self.dispatcher = Dispatcher(
            self.travel,
            self.engineer_base,
            self.base_place,
            self._site_of,
            self._start_job,
            self._soon,
        )
        self.desk: ServiceDesk | None = None
        if scenario.desk is not None:
            self.desk = ServiceDesk(
                self.env,
                scenario.desk.agents,
                self.draws.handle,
                self.log,
                self._answered,
                self.window,
            )
        depot_places = [n_sites + n_bases + d for d in range(len(scenario.depot))]
        courier = np.array(
            [[self.travel.hours(a, b) for b in depot_places] for a in depot_places]
        ).reshape(len(depot_places), len(depot_places))
        self.depots = DepotNetwork(
            self.env,
            scenario,
            streams["resupply"],
            courier,
            self.window,
        )
        self.home_depot = nearest_depot_of_bases(scenario)
        part_index = {p.id: k for k, p in enumerate(scenario.part)}
        self.spare_unit = [
            part_index[e.spare_unit] if e.spare_unit else NO_PART for e in scenario.equipment
        ]
        self.swap_after = [s.swap_after or math.inf for s in scenario.severity]
        self.swap_time = [s.swap_time for s in scenario.severity]
        self._busy_since = [0.0] * len(self.engineer_base)
        self._trips = [0] * len(self.engineer_base)
        self.base_busy_hours = [0.0] * n_bases
        self.inspections_done = 0
        self.still_open = int(self.log.counted.sum())
        self._all_closed: simpy.Event | None = None

    # -- running ---------------------------------------------------------------------
    def run(self) -> ReplicationOutcome:
        """Simulate warm-up and horizon, then follow open incidents until they close."""
        env, scenario = self.env, self.scenario
        end, last = self.window[1], self.window[1] + FOLLOW_UP_HOURS
        env.process(self._feed_faults())
        plan = inspection_plan(scenario, self.calendar, self._inspection_stream, end)
        if plan:
            env.process(self._feed_inspections(plan))
        if any(i.clock == "business" for i in scenario.inspection):
            self._follow_shift("business", self.dispatcher.set_business_open, last)
        for b, base in enumerate(scenario.base):
            if base.shift != "24x7" and base.engineers > 0:
                self._follow_shift(base.shift, self._base_switch(b), last)
        if self.desk is not None and scenario.desk is not None and scenario.desk.shift != "24x7":
            self._follow_shift(scenario.desk.shift, self.desk.set_on_shift, last)
        env.run(until=end)
        if self.still_open > 0:
            self._all_closed = env.event()
            env.run(until=env.any_of([self._all_closed, env.timeout(last - env.now)]))
        self.depots.close()
        outcome = self._outcome()
        self._dismantle()
        return outcome

    def _dismantle(self) -> None:
        """Drop every reference the world holds, so its memory is freed at once.

        Pending events and processes refer back to the world through their callbacks
        (reference cycles); without this, a finished replication would wait for Python's
        next full garbage collection, and replications run one after another would pile up.
        """
        self.env._queue.clear()
        self.__dict__.clear()

    def _outcome(self) -> ReplicationOutcome:
        scenario, (start, end) = self.scenario, self.window
        columns = {
            "report": self.faults.time,
            "site": self.faults.site,
            "equipment": self.faults.equipment,
            "severity": self.faults.severity,
            **self.log.columns(),
        }
        shift_hours = [
            base.engineers * self.calendar.on_shift_hours(base.shift, start, end)
            for base in scenario.base
        ]
        desk = scenario.desk
        desk_shift = (
            desk.agents * self.calendar.on_shift_hours(desk.shift, start, end) if desk else 0
        )
        return ReplicationOutcome(
            columns=columns,
            window=self.window,
            base_busy_hours=self.base_busy_hours,
            base_shift_hours=shift_hours,
            desk_busy_hours=self.desk.busy_hours if self.desk else 0.0,
            desk_shift_hours=desk_shift,
            depot_requests=self.depots.requests,
            depot_filled=self.depots.filled,
            depot_backorder_hours=self.depots.backorder_hours,
            inspections_done=self.inspections_done,
            still_open=self.still_open,
        )

    def _feed_faults(self) -> Generator[simpy.Event, None, None]:
        env = self.env
        for incident, when in enumerate(self.faults.time.tolist()):
            if when > env.now:
                yield env.timeout(when - env.now)
            self._report(incident)

    def _feed_inspections(self, plan: list[Inspection]) -> Generator[simpy.Event, None, None]:
        env = self.env
        for inspection in plan:
            if inspection.due > env.now:
                yield env.timeout(inspection.due - env.now)
            self.dispatcher.add_inspection(inspection)

    def _follow_shift(self, shift: str, switch: Callable[[bool], None], until: float) -> None:
        def follow() -> Generator[simpy.Event, None, None]:
            env, on = self.env, True
            for begin, finish in _merged(self.calendar.shift_intervals(shift, until)):
                if begin > env.now:
                    if on:
                        switch(False)
                        on = False
                    yield env.timeout(begin - env.now)
                if not on:
                    switch(True)
                    on = True
                if math.isinf(finish):
                    return
                yield env.timeout(finish - env.now)
                switch(False)
                on = False
            if on:
                switch(False)

        self.env.process(follow())

    def _base_switch(self, base: int) -> Callable[[bool], None]:
        return lambda on: self.dispatcher.set_base_on_shift(base, on)

    # -- an incident's life ----------------------------------------------------------------
    def _report(self, incident: int) -> None:
        if self.desk is not None:
            self.desk.report(incident, self._incident_priority[incident])
        else:
            self.log.response[incident] = self.env.now
            self._answered(incident)

    def _answered(self, incident: int) -> None:
        """The desk has handled the report: fix it remotely or send an engineer."""
        if self.draws.remote[incident]:
            self.log.remote[incident] = True
            self._close(incident, self.env.now + float(self.draws.remote_time[incident]))
            return
        self.log.dispatch[incident] = self.env.now
        self.dispatcher.add_fault(
            incident, self._incident_priority[incident], float(self.log.report[incident])
        )

    def _start_job(self, engineer: int, job: Job, planned_hours: float) -> None:
        self._busy_since[engineer] = self.env.now
        self._trips[engineer] += 1
        if isinstance(job, Inspection):
            hours = planned_hours * self._inspection_trips.next()
            self._after(hours, lambda: self._inspect(engineer, job))
            return
        second = bool(self.log.part_ready[job])
        factors = self.draws.travel_second if second else self.draws.travel_first
        hours = planned_hours * float(factors[job])
        if second:
            self._after(hours, lambda: self._repair(engineer, job))
        else:
            self._after(hours, lambda: self._arrive(engineer, job))

    def _inspect(self, engineer: int, job: Inspection) -> None:
        if self.window[0] <= self.env.now < self.window[1]:
            self.inspections_done += 1
        self._after(job.hours, lambda: self._finish(engineer, job.site))

    def _arrive(self, engineer: int, incident: int) -> None:
        """First visit: diagnose, then repair, swap in a spare unit, or wait for a part."""
        log, now = self.log, self.env.now
        base = self.engineer_base[engineer]
        log.arrival[incident] = now
        log.engineer[incident] = engineer
        log.base[incident] = base
        work = float(self.draws.onsite[incident])
        part = int(self.draws.part[incident])
        home = self.home_depot[base]
        wait, lateral = 0.0, None
        if part != NO_PART and home is not None and not self.depots.has_stock(home, part):
            lateral = self.depots.nearest_with_stock(home, part)
            if lateral is not None:
                wait = float(self.depots.courier_hours[lateral][home])
            else:
                wait = self.depots.latest_arrival(home, part) - now
        if self._should_swap(incident, home, now + wait + work):
            assert home is not None
            unit = self.spare_unit[self.faults.equipment[incident]]
            self.depots.request(home, unit)
            self.depots.take(home, unit)
            log.swap[incident] = True
            log.depot[incident] = home
            log.part[incident] = unit
            severity = self.faults.severity[incident]
            self._after(self.swap_time[severity], lambda: self._resolve(engineer, incident))
            return
        if part == NO_PART or home is None:
            self._after(work, lambda: self._resolve(engineer, incident))
            return
        log.part[incident] = part
        if self.depots.request(home, part):
            self.depots.take(home, part)
            log.depot[incident] = home
            log.part_wait[incident] = 0.0
            self._after(work, lambda: self._resolve(engineer, incident))
            return
        # The part is not at hand: the engineer leaves and comes back when it arrives.
        if lateral is not None:
            self.depots.take(lateral, part)
            log.depot[incident] = lateral
            self._after(wait, lambda: self._part_arrived(incident))
        else:
            log.depot[incident] = home
            self.depots.backorder(home, part, lambda: self._part_arrived(incident))
        self._finish(engineer, self._site_of[incident])

    def _should_swap(self, incident: int, home: int | None, repair_end: float) -> bool:
        """The swap rule: the repair would end past ``swap_after`` and a spare unit is at hand."""
        severity = self.faults.severity[incident]
        limit = self.swap_after[severity]
        unit = self.spare_unit[self.faults.equipment[incident]]
        if home is None or unit == NO_PART or math.isinf(limit):
            return False
        late = repair_end - self.log.report[incident] > limit
        quicker = self.env.now + self.swap_time[severity] < repair_end
        return bool(late and quicker and self.depots.has_stock(home, unit))

    def _part_arrived(self, incident: int) -> None:
        log = self.log
        log.part_wait[incident] = self.env.now - log.arrival[incident]
        log.part_ready[incident] = True
        self.dispatcher.add_fault(
            incident, self._incident_priority[incident], float(log.report[incident])
        )

    def _repair(self, engineer: int, incident: int) -> None:
        """Second visit, with the part: do the repair."""
        work = float(self.draws.onsite[incident])
        self._after(work, lambda: self._resolve(engineer, incident))

    def _resolve(self, engineer: int, incident: int) -> None:
        self._close(incident, self.env.now)
        self._finish(engineer, self._site_of[incident])

    def _close(self, incident: int, when: float) -> None:
        self.log.resolution[incident] = when
        if self.log.counted[incident]:
            self.still_open -= 1
            if self.still_open == 0 and self._all_closed is not None:
                self._all_closed.succeed()

    def _finish(self, engineer: int, place: int) -> None:
        """The engineer is done at ``place``: next job, or back to base."""
        now = self.env.now
        start, end = self.window
        busy = max(0.0, min(now, end) - max(self._busy_since[engineer], start))
        base = self.engineer_base[engineer]
        self.base_busy_hours[base] += busy
        self.dispatcher.release(engineer, place)
        home = self.base_place[base]
        if place != home and self.dispatcher.is_idle(engineer):
            hours = self.travel.hours(place, home) * self._returns.next()
            trip = self._trips[engineer]
            self._after(hours, lambda: self._returned(engineer, trip))

    def _returned(self, engineer: int, trip: int) -> None:
        if self._trips[engineer] == trip:  # not sent on another job meanwhile
            self.dispatcher.back_at_base(engineer)

    def _soon(self, action: Callable[[], None]) -> None:
        """Run ``action`` after everything else due at this instant."""
        self._after(0.0, action)

    def _after(self, hours: float, action: Callable[[], None]) -> None:
        self.env.timeout(hours).callbacks.append(lambda _: action())


def _merged(intervals: Iterator[tuple[float, float]]) -> Iterator[tuple[float, float]]:
    """Join intervals that touch, so a shift that runs on has no instant off."""
    current: tuple[float, float] | None = None
    for begin, finish in intervals:
        if current is not None and begin <= current[1] + 1e-9:
            current = (current[0], max(current[1], finish))
            continue
        if current is not None:
            yield current
        current = (begin, finish)
    if current is not None:
        yield current


def simulate(scenario: Scenario, seed: np.random.SeedSequence | int) -> ReplicationOutcome:
    """Run one replication of ``scenario`` with ``seed``."""
    from simsvc.memory import check_size

    check_size(scenario, 1)
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    return World(scenario, seed).run()
