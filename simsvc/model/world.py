"""One replication: a SimPy environment built from a scenario and a seed.

The world builds the parts and wires them together: fault reports and inspections
are fed in as they fall due, the dispatcher looks the bases' shifts and business
hours up in timetables, the desk's shift switches it on and off, and
:class:`~simsvc.model.incident.IncidentFlow` takes each incident through its life
(desk, dispatch, travel, work on site, parts, swaps), stamped in an
:class:`~simsvc.model.incident.IncidentLog`. The world then runs the
replication and collects the :class:`ReplicationOutcome`.

Randomness comes from one ``SeedSequence`` per replication, split into a named
stream per source (see :data:`STREAMS`), so that changing the resources leaves
the fault stream and each incident's own draws unchanged.

Why callbacks, not a process per incident
-----------------------------------------
The textbook SimPy model gives each incident a process (a generator that yields
``resource.request()`` and ``env.timeout(...)``) and each pool of servers a
``simpy.PriorityResource``. Here an incident is a row of arrays moved on by
callbacks appended to ``env.timeout(hours)`` events, and the desk and dispatch
queues are plain ``heapq`` lists (:mod:`~simsvc.model.desk`,
:mod:`~simsvc.model.dispatch`): no generator, process or request event per
incident, and no resource bookkeeping per request. The reason is speed, and it is
large: on an M/M/c queue (lam 4/h, mu 1/h, c = 5, 200,000 customers, four
priorities, the same pre-drawn times, identical waits), a process per customer with a
``PriorityResource`` took 1.72 s of CPU and the callback style with a ``heapq`` queue
0.40 s: 4.3 times faster (4.7 in a repeat; 3.7 against a process per customer with a
plain ``simpy.Resource``). Best of 5 runs taken in turns, Python 3.11.7, SimPy 4.1.2,
numpy 2.4, on a shared 2-core AMD EPYC virtual machine, December 2026. The
dispatcher must in any case choose among engineers by travel time, which a
``Resource`` cannot. The price is that each state's code is a separate method, not
one readable generator; :mod:`~simsvc.model.incident` lists the states and the
methods that move an incident between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from simsvc.model.calendar import (
    ShiftBoard,
    ShiftClock,
    ShiftTimetable,
    WorkCalendar,
    merged_intervals,
)
from simsvc.model.crews import Crew, crews_of
from simsvc.model.demand import draw_bursts
from simsvc.model.depots import DepotNetwork, nearest_depot_of_bases
from simsvc.model.desk import AgentPool
from simsvc.model.dispatch import Dispatcher, Inspection, Job
from simsvc.model.draws import DrawBuffer, draw_incidents
from simsvc.model.echelons import depot_courier_hours, repair_times
from simsvc.model.engineers import Engineers
from simsvc.model.faults import FaultStream, sample_faults
from simsvc.model.feeds import Feed, Later, call_at
from simsvc.model.incident import IncidentFlow, IncidentLog
from simsvc.model.inspections import InspectionVisits, inspection_plan
from simsvc.model.travel import TravelNetwork
from simsvc.model.vans import Vans
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
    "bursts",
    "supply",
    "repair_shop",
    "condemnation",
    "escalation",
    "diagnosis",
    "no_fault_found",
    "nff_time",
)
"""Named random streams; each source of randomness draws only from its own.

Stream ``k`` is ``SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k))``: its
position is part of its seed. The tuple is therefore append-only: never reorder or
remove a name (that would change every draw of every stream after it); add a new
stream at the end. A stream no longer drawn from keeps its place.
``tests/test_engine.py`` pins the names in order.

Draws that belong to one depot or one base (resupply lead times, supply times from a
supplier depot, repair times, condemnations, no-fault-found draws and test times of
repairable parts, trips back to base) come from a child of their stream per depot or
base (:func:`member_streams`), so that one depot's or base's demand does not shift
another's draws.
"""

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


def member_streams(
    seed: np.random.SeedSequence, name: str, members: int
) -> list[np.random.Generator]:
    """One generator for each member (depot, base) of the stream ``name``.

    Member ``m`` draws from the ``m``-th child of the stream:
    ``SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, STREAMS.index(name), m))``
    (what ``SeedSequence.spawn`` would give), so that its draws depend only on its own
    demand, not on the order in which the other members draw: common random numbers
    between plans that change one depot's stock or one base's engineers.
    """
    k = STREAMS.index(name)
    return [
        np.random.default_rng(
            np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k, m))
        )
        for m in range(members)
    ]


def depot_streams(
    seed: np.random.SeedSequence, name: str, drawing: list[bool]
) -> list[np.random.Generator | None]:
    """The member streams of ``name`` for the depots that draw from it (``None`` for the
    others); empty when none does, so that a scenario without them creates none."""
    if not any(drawing):
        return []
    members = member_streams(seed, name, len(drawing))
    return [rng if draws else None for rng, draws in zip(members, drawing, strict=True)]


@dataclass(frozen=True)
class ReplicationOutcome:
    """What one replication leaves behind: incident columns and resource counters."""

    columns: dict[str, np.ndarray]
    window: tuple[float, float]
    base_busy_hours: list[float]
    base_overtime_hours: list[float]
    base_shift_hours: list[float]
    on_call_busy_hours: list[float]
    callouts: list[int]
    van_requests: int
    van_filled: int
    desk_busy_hours: float
    desk_shift_hours: float
    remote_busy_hours: float
    remote_shift_hours: float
    depot_requests: list[int]
    depot_filled: list[int]
    depot_backorder_hours: list[float]
    depot_part_requests: list[list[int]]
    depot_part_filled: list[list[int]]
    depot_part_backorder_hours: list[list[float]]
    depot_on_hand_hours: list[list[float]]
    inspections_done: int
    still_open: int
    depot_repair_hours: list[list[float]]
    """Unit-hours waiting for or in repair per (depot, part); 0 where a depot does not repair."""
    depot_repair_queue_hours: list[float]
    """Unit-hours waiting for a repair slot per depot."""
    depot_lateral: list[list[int]]
    """Units each depot sent laterally to another depot's base, per part."""


class World:
    """The simulated operation of one replication."""

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        self.scenario = scenario
        info = scenario.scenario
        self.window = (info.warmup, info.warmup + info.horizon)
        self.env = env = simpy.Environment()
        self.calendar = WorkCalendar(scenario.calendar, info.warmup)
        streams = random_streams(seed)
        spells = draw_bursts(scenario, streams["bursts"], self.window[1])
        self.faults: FaultStream = sample_faults(
            scenario, self.calendar, streams["arrivals"], self.window[1], spells
        )
        # the engine's bases are crews: a base of posts is one, a rostered base one per
        # start in its rota's cycle (simsvc.model.crews); results add them up by base
        self.crews = crews = crews_of(scenario)
        crew_base = [crew.base for crew in crews]
        n_sites, n_bases, n_crews = len(scenario.site), len(scenario.base), len(crews)
        places = [s.location for s in scenario.site]
        places += [scenario.base[crew.base].location for crew in crews]
        places += [d.location for d in scenario.depot]
        self.travel = TravelNetwork(scenario.travel, places, n_sites, n_crews)
        factors = self.travel.trip_factors(streams["travel"], 2 * len(self.faults))
        draws = draw_incidents(scenario, self.faults, streams, factors)
        self.log = log = IncidentLog(self.faults, self.window)
        # The inspection plan is drawn from this stream when the run starts, the
        # inspection trips after it, one by one.
        self._inspection_stream = streams["inspections"]
        self._feeds: list[Generator[simpy.Event, None, None]] = []

        engineer_crew = [c for c, crew in enumerate(crews) for _ in range(crew.engineers)]
        self.dispatcher = Dispatcher(
            self.travel,
            engineer_crew,
            [n_sites + c for c in range(n_crews)],
            self.faults.site.tolist(),
            self._start_job,
            self._soon,
            lambda: self.env.now,
            _job_classes(scenario, self.faults, crews),
            [c.on_call.callout if c.on_call else 0.0 for c in crews]
            if any(c.on_call for c in crews)
            else None,
            [c.on_call is None for c in crews] if any(c.on_call for c in crews) else None,
        )
        self._any_on_call = any(c.on_call is not None for c in crews)
        self.callouts = [0] * n_bases
        """Call-outs of each base's engineers on call within the window."""
        returns_of_base = [
            DrawBuffer(self.travel.trip_factors, rng)
            for rng in member_streams(seed, "returns", n_bases)
        ]
        returns = [returns_of_base[b] for b in crew_base]  # a base's crews share its stream
        until = self.window[1] + FOLLOW_UP_HOURS
        clocks = {s: ShiftClock(self.calendar, s, until) for s in {c.shift for c in crews}}
        shifts = [clocks[crew.shift] for crew in crews]
        self.engineers = Engineers(env, self.dispatcher, self.travel, self.window, returns, shifts)
        inspection_trips = DrawBuffer(self.travel.trip_factors, streams["inspections"])
        self.inspections = InspectionVisits(env, self.engineers, inspection_trips, self.window)
        # The pools call the incident flow, built below with them.
        self.desk: AgentPool | None = None
        if scenario.desk is not None:
            self.desk = AgentPool(
                env,
                scenario.desk.agents,
                draws.handle,
                self.faults.time,
                lambda incident: self.incidents.answer(incident),
                lambda incident: self.incidents.answered(incident),
                self.window,
            )
        self.remote: AgentPool | None = None
        if scenario.remote is not None:
            self.remote = AgentPool(
                env,
                scenario.remote.agents,
                draws.remote_time,
                self.faults.time,
                lambda incident: self.incidents.remote_login(incident),
                lambda incident: self.incidents.remote_done(incident),
                self.window,
            )
        resupply = member_streams(seed, "resupply", len(scenario.depot))
        repairs = [t is not None for t in repair_times(scenario)]
        no_fault = any(p.repairable and p.no_fault_found > 0 for p in scenario.part)
        testing = [repairs_here and no_fault for repairs_here in repairs]
        self.depots = DepotNetwork(
            env,
            scenario,
            resupply,
            depot_courier_hours(scenario),
            self.window,
            supply=depot_streams(seed, "supply", [d.supplier is not None for d in scenario.depot]),
            repair=depot_streams(seed, "repair_shop", repairs),
            condemnation=depot_streams(seed, "condemnation", repairs),
            no_fault=depot_streams(seed, "no_fault_found", testing),
            nff_time=depot_streams(seed, "nff_time", testing),
        )
        self.vans = _vans(env, scenario, crews, self.depots, self.window)
        depot_place = n_sites + n_crews
        self.incidents = IncidentFlow(
            env,
            scenario,
            self.faults,
            draws,
            log,
            self.desk,
            self.remote,
            crew_base,
            self.dispatcher,
            self.engineers,
            self.depots,
            self.vans,
            lambda site, depot: self.travel.hours(site, depot_place + depot),
        )

    # -- running ---------------------------------------------------------------------
    def run(self) -> ReplicationOutcome:
        """Simulate warm-up and horizon, then follow open incidents until they close."""
        env, scenario = self.env, self.scenario
        end, last = self.window[1], self.window[1] + FOLLOW_UP_HOURS
        self._feed(self.faults.time.tolist(), self.incidents.report)
        plan = inspection_plan(scenario, self.calendar, self._inspection_stream, end)
        if plan:
            add = self.dispatcher.add_inspection
            self._feed([i.due for i in plan], lambda k: add(plan[k]))
        self._look_up_shifts(last)
        for pool, table in ((self.desk, scenario.desk), (self.remote, scenario.remote)):
            if pool is not None and table is not None and table.shift != "24x7":
                self._follow_shift(table.shift, pool.set_on_shift, last)
        env.run(until=end)
        if self.incidents.still_open > 0:
            all_closed = self.incidents.when_all_closed()
            env.run(until=env.any_of([all_closed, env.timeout(last - env.now)]))
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
        drop_pending_events(self.env)
        for feed in self._feeds:  # a feed still waiting holds the desk or the dispatcher
            feed.close()
        self.depots.shops.clear()  # a repair shop calls back into its depot network
        self.__dict__.clear()

    def _start(self, feed: Generator[simpy.Event, None, None]) -> None:
        self._feeds.append(feed)
        self.env.process(feed)

    def _outcome(self) -> ReplicationOutcome:
        scenario, (start, end) = self.scenario, self.window
        columns = {
            "report": self.faults.time,
            "site": self.faults.site,
            "equipment": self.faults.equipment,
            "severity": self.faults.severity,
            **self.log.columns(),
        }
        hours = {
            s: self.calendar.on_shift_hours(s, start, end) for s in {c.shift for c in self.crews}
        }
        shift_hours = [0.0] * len(scenario.base)
        busy, overtime = [0.0] * len(scenario.base), [0.0] * len(scenario.base)
        crew_busy, crew_overtime = (
            self.engineers.base_busy_hours,
            self.engineers.base_overtime_hours,
        )
        on_call_busy = [0.0] * len(scenario.base)
        for c, crew in enumerate(self.crews):  # in crew order: a base of posts adds one term
            if crew.on_call is not None:  # on call: counted apart, outside the base's hours
                on_call_busy[crew.base] += crew_busy[c] + crew_overtime[c]
                continue
            shift_hours[crew.base] += crew.engineers * hours[crew.shift]
            busy[crew.base] += crew_busy[c]
            overtime[crew.base] += crew_overtime[c]
        desk, remote = scenario.desk, scenario.remote
        desk_shift = (
            desk.agents * self.calendar.on_shift_hours(desk.shift, start, end) if desk else 0
        )
        remote_shift = (
            remote.agents * self.calendar.on_shift_hours(remote.shift, start, end) if remote else 0
        )
        return ReplicationOutcome(
            columns=columns,
            window=self.window,
            base_busy_hours=busy,
            base_overtime_hours=overtime,
            on_call_busy_hours=on_call_busy,
            callouts=list(self.callouts),
            van_requests=self.vans.requests if self.vans else 0,
            van_filled=self.vans.filled if self.vans else 0,
            base_shift_hours=shift_hours,
            desk_busy_hours=self.desk.busy_hours if self.desk else 0.0,
            desk_shift_hours=desk_shift,
            remote_busy_hours=self.remote.busy_hours if self.remote else 0.0,
            remote_shift_hours=remote_shift,
            depot_requests=self.depots.requests,
            depot_filled=self.depots.filled,
            depot_backorder_hours=self.depots.backorder_hours,
            depot_part_requests=self.depots.part_requests,
            depot_part_filled=self.depots.part_filled,
            depot_part_backorder_hours=self.depots.part_backorder_hours,
            depot_on_hand_hours=self.depots.on_hand_hours,
            inspections_done=self.inspections.done,
            still_open=self.incidents.still_open,
            depot_repair_hours=[
                list(shop.repair_hours) if shop else [0.0] * len(scenario.part)
                for shop in self.depots.shops
            ],
            depot_repair_queue_hours=[
                shop.queue_hours if shop else 0.0 for shop in self.depots.shops
            ],
            depot_lateral=self.depots.lateral,
        )

    def _feed(self, times: list[float], deliver: Callable[[int], None]) -> None:
        """Call ``deliver(k)`` at ``times[k]`` (hours, in order): see :class:`Feed`."""
        Feed(self.env, times, deliver)

    def _look_up_shifts(self, until: float) -> None:
        """Give the dispatcher the timetables of the bases' shifts and of business hours
        (when inspections keep them), one per distinct shift."""
        scenario, tables = self.scenario, dict[str, ShiftTimetable]()

        def table(shift: str) -> ShiftTimetable:
            if shift not in tables:
                tables[shift] = ShiftTimetable(self.calendar, shift, until)
            return tables[shift]

        bases = [
            table(crew.shift) if crew.shift != "24x7" and crew.engineers > 0 else None
            for crew in self.crews
        ]
        business = None
        if any(i.clock == "business" for i in scenario.inspection):
            business = table("business")
        if tables:  # else every base is always on shift, and business hours always open
            board = ShiftBoard(bases, business)
            self.dispatcher.follow_timetables(
                board, lambda: self.env.now, lambda when, action: call_at(self.env, when, action)
            )

    def _follow_shift(self, shift: str, switch: Callable[[bool], None], until: float) -> None:
        def follow() -> Generator[simpy.Event, None, None]:
            env, on = self.env, True
            for begin, finish in merged_intervals(self.calendar.shift_intervals(shift, until)):
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

        self._start(follow())

    def _start_job(self, engineer: int, job: Job, planned_hours: float) -> None:
        """The dispatcher's choice: ``engineer`` sets out on a fault visit or an inspection
        (one on call from base after the call-out delay, which ``planned_hours`` includes)."""
        self.engineers.set_out(engineer)
        if isinstance(job, Inspection):
            self.inspections.set_out(engineer, job, planned_hours)
            return
        if not self._any_on_call:
            self.incidents.set_out(engineer, job, planned_hours)
            return
        crew = self.crews[self.dispatcher.engineer_base[engineer]]
        delay = 0.0
        if crew.on_call is not None and self.dispatcher.set_out_from_base:
            delay = crew.on_call.callout
            if self.window[0] <= self.env.now < self.window[1]:
                self.callouts[crew.base] += 1
        self.incidents.set_out(engineer, job, planned_hours - delay, delay)

    def _soon(self, action: Callable[[], None]) -> None:
        """Run ``action`` after everything else due at this instant."""
        Later(self.env, 0.0, lambda _: action())


def _vans(
    env: simpy.Environment,
    scenario: Scenario,
    crews: list[Crew],
    depots: DepotNetwork,
    window: tuple[float, float],
) -> Vans | None:
    """Every engineer's van stock (by part index), or None when no base has any."""
    if not any(b.van for b in scenario.base):
        return None
    part = {p.id: k for k, p in enumerate(scenario.part)}
    home = nearest_depot_of_bases(scenario)
    stock, restock, depot_of = [], [], []
    for crew in crews:
        base = scenario.base[crew.base]
        for _ in range(crew.engineers):
            stock.append({part[p]: units for p, units in base.van.items()})
            restock.append(base.van_restock)
            depot_of.append(home[crew.base])
    return Vans(env, stock, restock, depot_of, depots, window)


def _job_classes(
    scenario: Scenario, faults: FaultStream, crews: list[Crew]
) -> tuple[list[int], list[list[bool]]] | None:
    """The class of each incident (-1: any crew may take it) and, per class, which crews
    may: those of bases with the skill its equipment needs (if any), and crews on call only
    for the severities they are on call for. None when every crew may take every job."""
    on_call = any(c.on_call is not None for c in crews)
    if not on_call and all(e.skill is None for e in scenario.equipment):
        return None
    severity_ids = [s.id for s in scenario.severity]

    def may(crew: Crew, skill: str | None, severity: int) -> bool:
        skilled = skill is None or skill in scenario.base[crew.base].skills
        called = crew.on_call is None or severity_ids[severity] in crew.on_call.severities
        return skilled and called

    def class_key(equipment: int, severity: int) -> tuple[str | None, int]:
        return scenario.equipment[equipment].skill, severity if on_call else 0

    pairs = list(zip(faults.equipment.tolist(), faults.severity.tolist(), strict=True))
    keys = {class_key(e, sev) for e, sev in pairs}
    number: dict[tuple[str | None, int], int] = {}
    qualified: list[list[bool]] = []
    for key in sorted(keys, key=lambda k: (k[0] or "", k[1])):
        crews_may = [may(crew, *key) for crew in crews]
        if not all(crews_may):
            number[key] = len(qualified)
            qualified.append(crews_may)
    incident_class = [number.get(class_key(e, sev), -1) for e, sev in pairs]
    return incident_class, qualified


def drop_pending_events(env: simpy.Environment) -> None:
    """Forget every event still scheduled in ``env``, so that a finished replication's
    memory is freed at once.

    SimPy has no public way to do this: its ``Environment`` keeps the schedule in a
    private heap, ``env._queue``, a list of ``(time, priority, id, event)`` tuples. This is
    the one place that touches it; ``tests/test_engine.py`` fails loudly if a SimPy
    release changes that shape (``pyproject.toml`` pins ``simpy<5``).
    """
    env._queue.clear()


def simulate(scenario: Scenario, seed: np.random.SeedSequence | int) -> ReplicationOutcome:
    """Run one replication of ``scenario`` with ``seed``.

    The engine does not check that the run fits in memory: the replication runner
    does that once, before replications start (:func:`simsvc.memory.check_size`).
    """
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    return World(scenario, seed).run()
