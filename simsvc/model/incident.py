"""The life of an incident, from fault report to resolution, as a small state machine.

Each incident goes through these states (the arrows are the transitions)::

    reported -> at the desk -> answered -> remote attempt -> fixed remotely -> resolved
                                                          -> queued for dispatch (failed)
                                        -> queued for dispatch -> assigned, travelling
    on site -> repairing -> resolved
            -> swapping in a spare unit (after a courier, for a unit from another
               depot) -> resolved
            -> diagnosing (when the part is not at hand) -> repairing -> resolved
               -> waiting for a part -> queued again -> travelling with the part
               -> repairing -> resolved

Without a desk a report is answered at once. A remote attempt waits for a remote
engineer (``[remote]``); without a remote tier the desk agent who answered makes it
(and stays busy), and without a desk it starts at once. With
``dispatch_during_remote`` an engineer is queued at the hand-over too: a remote fix
withdraws the visit if nobody has set out yet, and an engineer who arrives after the
fix leaves at once (one who is already working finishes the visit).

Each transition is one short method of :class:`IncidentFlow`; the time spent in a
state (desk handling, travel, work, a part's delivery) is a SimPy timeout whose
callback makes the next transition (:mod:`simsvc.model.world` says why callbacks,
not a process per incident):

==========================  =======================================================
``report``                  reported -> at the desk (or answered, without a desk)
``answered``                answered -> remote attempt | queued for dispatch
``remote_login``            remote attempt begins (a remote engineer logs in)
``remote_done``             remote attempt -> fixed remotely | queued for dispatch
``set_out``                 queued -> travelling | travelling with the part
``_arrive``                 travelling -> on site -> repairing | swapping | diagnosing
                            | escalated to the manufacturer (``_escalate``)
``_swap``                   on site -> swapping in a spare unit
``_diagnosed``              diagnosing -> asking for the part | left (fixed remotely)
``_draw_part``              asking for the part -> repairing | waiting for a part
``_wait_for_part``          on site -> waiting for a part (the engineer leaves)
``_part_arrived``           waiting for a part -> queued again
``_repair``                 travelling with the part -> repairing
``_resolve``, ``_close``    repairing | swapping | fixed remotely -> resolved
==========================  =======================================================

The incident's own random quantities are drawn up front (:mod:`simsvc.model.draws`);
its life is stamped in :class:`IncidentLog`, one array per stamp (hours, NaN until
the event happens), the single source of every result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simsvc.model.depots import DepotNetwork, nearest_depot_of_bases
from simsvc.model.dispatch import Dispatcher
from simsvc.model.draws import NO_PART, IncidentDraws
from simsvc.model.engineers import Engineers
from simsvc.model.faults import FaultStream
from simsvc.model.feeds import Later
from simsvc.model.sourcing import Sourcing, SpareSource
from simsvc.scenario.schema import Scenario

if TYPE_CHECKING:  # the pools call back into the flow: import them for the hints only
    from simsvc.model.desk import AgentPool
    from simsvc.model.vans import Vans


class IncidentLog:
    """The stamps of every incident, one array per column (hours since t = 0)."""

    FLOAT_COLUMNS = (
        "response",
        "dispatch",
        "arrival",
        "part_wait",
        "resolution",
        "handover",
        "remote_start",
        "assigned",
    )
    INT_COLUMNS = ("engineer", "base", "depot", "part")

    def __init__(self, faults: FaultStream, window: tuple[float, float]) -> None:
        n = len(faults)
        self.report = faults.time
        self.counted = (faults.time >= window[0]) & (faults.time < window[1])
        self.response = np.full(n, np.nan)
        self.dispatch = np.full(n, np.nan)
        self.arrival = np.full(n, np.nan)
        self.part_wait = np.full(n, np.nan)
        self.resolution = np.full(n, np.nan)
        self.handover = np.full(n, np.nan)
        self.remote_start = np.full(n, np.nan)
        self.assigned = np.full(n, np.nan)
        self.engineer = np.full(n, -1, np.int32)
        self.base = np.full(n, -1, np.int32)
        self.depot = np.full(n, -1, np.int32)
        self.part = np.full(n, -1, np.int32)
        self.swap = np.zeros(n, bool)
        self.escalated = np.zeros(n, bool)
        self.from_van = np.zeros(n, bool)
        self.remote = np.zeros(n, bool)
        self.part_ready = np.zeros(n, bool)

    def columns(self) -> dict[str, np.ndarray]:
        """Every stamp column by name."""
        names = (
            *self.FLOAT_COLUMNS,
            *self.INT_COLUMNS,
            "swap",
            "remote",
            "escalated",
            "from_van",
            "counted",
        )
        return {name: getattr(self, name) for name in names}


class IncidentFlow:
    """Moves every incident from its report to its resolution (times in hours)."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        faults: FaultStream,
        draws: IncidentDraws,
        log: IncidentLog,
        desk: AgentPool | None,
        remote: AgentPool | None,
        crew_base: list[int],
        dispatcher: Dispatcher,
        engineers: Engineers,
        depots: DepotNetwork,
        vans: Vans | None = None,
        depot_trip: Callable[[int, int], float] | None = None,
    ) -> None:
        """``vans``: the engineers' van stock (None without any); ``depot_trip(site,
        depot)``: planned hours between a site and a depot (for ``part_delivery``)."""
        self.env = env
        self.vans = vans
        self._delivery = scenario.travel.part_delivery
        self._depot_trip = depot_trip or (lambda site, depot: 0.0)
        self.faults = faults
        self.draws = draws
        self.log = log
        self.desk = desk
        self.remote = remote
        self.dispatcher = dispatcher
        self.engineers = engineers
        self.depots = depots
        self.sourcing = Sourcing(env, depots, vans)
        priority = [scenario.priority_of(s.id) for s in scenario.severity]
        self._priority = [priority[j] for j in faults.severity.tolist()]
        self._site = faults.site.tolist()
        home_of_base = nearest_depot_of_bases(scenario)
        self._crew_base = crew_base
        self._home_depot = [home_of_base[b] for b in crew_base]  # by crew
        part_index = {p.id: k for k, p in enumerate(scenario.part)}
        self._spare_unit = [
            part_index[e.spare_unit] if e.spare_unit else NO_PART for e in scenario.equipment
        ]
        self._swap_after = [s.swap_after or math.inf for s in scenario.severity]
        self._swap_time = [s.swap_time for s in scenario.severity]
        self._during_remote = [s.dispatch_during_remote for s in scenario.severity]
        self._vendor_visit = [s.vendor_visit for s in scenario.severity]
        # per-incident flags as lists: read once per transition, quicker than numpy items
        self._attempt = draws.attempt.tolist()
        self._escalated = draws.escalated.tolist() if draws.escalated.any() else None
        self._parallel = any(self._during_remote)
        """Some severity sends the engineer during the remote attempt: a visit may find
        the fault fixed remotely."""
        self.still_open = int(log.counted.sum())
        """Counted incidents not resolved yet."""
        self._all_closed: simpy.Event | None = None

    def when_all_closed(self) -> simpy.Event:
        """An event that succeeds when the last counted incident is resolved."""
        self._all_closed = self.env.event()
        return self._all_closed

    # -- transitions, in the order of an incident's life ---------------------------------
    def report(self, incident: int) -> None:
        """Reported: the report reaches the desk, or is answered at once without one."""
        if self.desk is not None:
            self.desk.report(incident, self._priority[incident])
        else:
            self.answer(incident)
            self.answered(incident)

    def answer(self, incident: int) -> None:
        """A desk agent takes the report (the response)."""
        self.log.response[incident] = self.env.now

    def answered(self, incident: int) -> float:
        """Answered: handed over for a remote attempt, or queued for dispatch.

        Returns the hours the desk agent stays busy on it: the remote attempt, when
        there is a desk and no remote tier to make it.
        """
        if not self._attempt[incident]:
            self._dispatch(incident)
            return 0.0
        self.log.handover[incident] = self.env.now
        if self._during_remote[self.faults.severity[incident]]:
            self._dispatch(incident)
        if self.remote is not None:
            self.remote.report(incident, self._priority[incident])
            return 0.0
        self.remote_login(incident)
        hours = float(self.draws.remote_time[incident])
        if self.draws.remote[incident]:  # the fix is known to come: stamp it now
            self._fixed_remotely(incident, self.env.now + hours)
        else:
            self._after(hours, lambda _: self._remote_failed(incident))
        return hours if self.desk is not None else 0.0

    def remote_login(self, incident: int) -> None:
        """A remote attempt begins."""
        self.log.remote_start[incident] = self.env.now

    def remote_done(self, incident: int) -> float:
        """The remote attempt ends: fixed, or (unless already) queued for dispatch.
        Returns 0: the remote engineer is free at once."""
        if self.draws.remote[incident]:
            self._fixed_remotely(incident, self.env.now)
        elif not self._during_remote[self.faults.severity[incident]]:
            self._dispatch(incident)
        return 0.0

    def _remote_failed(self, incident: int) -> None:
        self.remote_done(incident)

    def _fixed_remotely(self, incident: int, when: float) -> None:
        """Fixed by the remote attempt at ``when`` (now or later, hours); a visit still
        waiting for an engineer is withdrawn then."""
        log = self.log
        log.remote[incident] = True
        self._close(incident, when)
        if not math.isnan(log.dispatch[incident]):  # dispatched during the attempt
            withdraw = self.dispatcher.withdraw
            if when <= self.env.now:
                withdraw(incident)
            else:
                self._after(when - self.env.now, lambda _: withdraw(incident))

    def _dispatch(self, incident: int) -> None:
        self.log.dispatch[incident] = self.env.now
        self._queue(incident)

    def set_out(
        self, engineer: int, incident: int, planned_hours: float, delay: float = 0.0
    ) -> None:
        """Travelling: an engineer leaves for the site (``delay`` hours after the call, for
        one on call), with the part if it came back."""
        with_part = bool(self.log.part_ready[incident])
        if not with_part:  # the first visit: the dispatch decision that sends an engineer
            self.log.assigned[incident] = self.env.now
        factors = self.draws.travel_second if with_part else self.draws.travel_first
        hours = delay + planned_hours * float(factors[incident])
        if with_part:
            self._after(hours, lambda _: self._repair(engineer, incident))
        else:
            self._after(hours, lambda _: self._arrive(engineer, incident))

    def _arrive(self, engineer: int, incident: int) -> None:
        """On site, first visit: repair, swap in a spare unit, or wait for a part."""
        log, now = self.log, self.env.now
        if self._parallel and log.remote[incident] and log.resolution[incident] <= now:
            self.engineers.finish(engineer, self._site[incident])  # fixed remotely meanwhile
            return
        base = self.engineers.base_of[engineer]  # the engineer's crew
        log.arrival[incident] = now
        log.engineer[incident] = engineer
        log.base[incident] = self._crew_base[base]
        work = float(self.draws.onsite[incident])
        part = int(self.draws.part[incident])
        home = self._home_depot[base]
        depots = self.depots
        if self._escalated is not None and self._escalated[incident]:
            vendor = float(self.draws.vendor[incident])
            spare = self._should_swap(engineer, incident, home, now + work + vendor)
            if spare is not None:
                self._swap(engineer, incident, spare)
            else:
                self._escalate(engineer, incident, work, vendor)
            return
        vans = self.vans
        carried = part != NO_PART and vans is not None and vans.carries(engineer, part)
        if carried and vans is not None and vans.take(engineer, part):  # in the van: at hand
            log.part[incident] = part
            log.part_wait[incident] = 0.0
            log.from_van[incident] = True
            self._work(engineer, incident, work)
            return
        missing = part != NO_PART and home is not None and not depots.has_stock(home, part)
        diagnosis = float(self.draws.diagnosis[incident]) if missing else 0.0
        wait = self.sourcing.part_wait(part, home)[1] if missing and home is not None else 0.0
        spare = self._should_swap(engineer, incident, home, now + diagnosis + wait + work)
        if spare is not None:
            self._swap(engineer, incident, spare)
        elif part == NO_PART or home is None:
            self._work(engineer, incident, work)
        elif diagnosis > 0:  # its end is known: the dispatcher's look-ahead may count on it
            if self.dispatcher.lookahead > 0:
                self.dispatcher.expect_free(engineer, now + diagnosis, self._site[incident])
            self._after(diagnosis, lambda _: self._diagnosed(engineer, incident, part, home))
        else:
            self._draw_part(engineer, incident, part, home)

    def _diagnosed(self, engineer: int, incident: int, part: int, home: int) -> None:
        """The diagnosis is over: the engineer leaves if the fault was fixed remotely
        meanwhile, else asks for the part."""
        log = self.log
        if self._parallel and log.remote[incident] and log.resolution[incident] <= self.env.now:
            self.engineers.finish(engineer, self._site[incident])
            return
        self._draw_part(engineer, incident, part, home)

    def _draw_part(self, engineer: int, incident: int, part: int, home: int) -> None:
        """The part is asked for at the home depot (after the diagnosis, when it had none on
        hand at the arrival): taken and the repair done on this visit, or waited for."""
        depots, log = self.depots, self.log
        if depots.request(home, part):
            depots.take(home, part)
            log.part[incident] = part
            log.depot[incident] = home
            fetch = self._delivery_hours(incident, home)
            log.part_wait[incident] = self.env.now - log.arrival[incident] + fetch
            self._work(engineer, incident, fetch + float(self.draws.onsite[incident]))
        else:
            lateral, wait = self.sourcing.part_wait(part, home)
            self._wait_for_part(engineer, incident, part, home, lateral, wait)

    def _delivery_hours(self, incident: int, depot: int) -> float:
        """Hours for a part on hand at ``depot`` to reach the site: 0 (``instant``), the
        planned trip (``courier``) or the engineer's round trip (``engineer``)."""
        if self._delivery == "instant":
            return 0.0
        trip = self._depot_trip(self._site[incident], depot)
        return trip if self._delivery == "courier" else 2 * trip

    def _escalate(self, engineer: int, incident: int, diagnosis: float, vendor: float) -> None:
        """Escalated to the manufacturer after the diagnosis (``diagnosis`` hours on site):
        fixed ``vendor`` hours later, by the manufacturer's engineer (the own engineer leaves
        after the diagnosis) or with the own engineer on site until then."""
        self.log.escalated[incident] = True
        if self._vendor_visit[self.faults.severity[incident]]:
            self._close(incident, self.env.now + diagnosis + vendor)
            site = self._site[incident]
            self._after(diagnosis, lambda _: self.engineers.finish(engineer, site))
        else:
            self._after(diagnosis + vendor, lambda _: self._resolve(engineer, incident))

    def _should_swap(
        self, engineer: int, incident: int, home: int | None, repair_end: float
    ) -> SpareSource | None:
        """The swap rule: the repair would end past ``swap_after``, a spare unit can be had
        (:meth:`Sourcing.spare`) and swapping it in, after its courier if it comes from
        another depot, would end sooner. Returns where the unit would come from."""
        severity = self.faults.severity[incident]
        limit = self._swap_after[severity]
        unit = self._spare_unit[self.faults.equipment[incident]]
        if unit == NO_PART or math.isinf(limit):
            return None
        if not repair_end - self.log.report[incident] > limit:
            return None
        spare = self.sourcing.spare(engineer, unit, home)
        if spare is None or not self.env.now + spare.hours + self._swap_time[severity] < repair_end:
            return None
        return spare

    def _swap(self, engineer: int, incident: int, spare: SpareSource) -> None:
        """Swapping: a spare unit goes in (the engineer waits on site for a courier from
        another depot) and is replaced as a part is: reordered for the van, or the faulty
        unit goes back to the depot that gave the good one (to repair, if repairable)."""
        unit = self._spare_unit[self.faults.equipment[incident]]
        home = self._home_depot[self.engineers.base_of[engineer]]
        self.sourcing.take_spare(engineer, unit, home, spare)
        log = self.log
        if spare.depot is None:
            log.from_van[incident] = True
        else:
            log.depot[incident] = spare.depot
            if spare.depot != home:  # by courier from another depot
                log.part_wait[incident] = spare.hours
        log.swap[incident] = True
        log.part[incident] = unit
        hours = spare.hours + self._swap_time[self.faults.severity[incident]]
        self._work(engineer, incident, hours)

    def _wait_for_part(
        self, engineer: int, incident: int, part: int, home: int, lateral: int | None, wait: float
    ) -> None:
        """Waiting for a part: by courier from ``lateral`` (``wait`` hours), else backordered
        at the home depot. The engineer leaves and another visit brings the part."""
        self.log.part[incident] = part
        if lateral is not None:
            self.depots.send_lateral(lateral, part)
            self.log.depot[incident] = lateral
            self._after(wait, lambda _: self._part_arrived(incident))
        else:
            self.log.depot[incident] = home
            self.depots.backorder(home, part, lambda: self._part_arrived(incident))
        self.engineers.finish(engineer, self._site[incident])

    def _part_arrived(self, incident: int) -> None:
        """The part is in: queued again for a second visit (unless fixed remotely meanwhile)."""
        log = self.log
        if self._parallel and log.remote[incident] and log.resolution[incident] <= self.env.now:
            return
        log.part_wait[incident] = self.env.now - log.arrival[incident]
        log.part_ready[incident] = True
        self._queue(incident)

    def _repair(self, engineer: int, incident: int) -> None:
        """On site again, with the part: repairing."""
        self._work(engineer, incident, float(self.draws.onsite[incident]))

    def _work(self, engineer: int, incident: int, hours: float) -> None:
        """Working on site for ``hours``, then resolved (the dispatcher is told when the
        engineer will be free, for its look-ahead)."""
        if self.dispatcher.lookahead > 0:
            self.dispatcher.expect_free(engineer, self.env.now + hours, self._site[incident])
        self._after(hours, lambda _: self._resolve(engineer, incident))

    def _resolve(self, engineer: int, incident: int) -> None:
        """Resolved on site: the engineer is free."""
        log, now = self.log, self.env.now
        if self._parallel and log.remote[incident] and now < log.resolution[incident]:
            log.remote[incident] = False  # the visit beat the remote attempt
        self._close(incident, now)
        self.engineers.finish(engineer, self._site[incident])

    def _close(self, incident: int, when: float) -> None:
        """Resolved at ``when`` (hours); the earlier time wins if already resolved."""
        earlier = self.log.resolution[incident]
        if not math.isnan(earlier):
            self.log.resolution[incident] = min(earlier, when)
            return
        self.log.resolution[incident] = when
        if self.log.counted[incident]:
            self.still_open -= 1
            if self.still_open == 0 and self._all_closed is not None:
                self._all_closed.succeed()

    def _queue(self, incident: int) -> None:
        self.dispatcher.add_fault(
            incident, self._priority[incident], float(self.log.report[incident])
        )

    def _after(self, hours: float, transition: Callable[[simpy.Event], None]) -> None:
        Later(self.env, hours, transition)
