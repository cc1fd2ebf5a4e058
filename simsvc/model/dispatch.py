"""Dispatch: one queue of jobs and the engineers who take them.

Fault visits wait in one queue ordered by severity priority, then report time.
Inspections wait behind every fault, in due order, and start only when their
clock allows (business hours for most). Whenever a job waits and engineers are
free, the job at the head goes to the free on-shift engineer who can reach it
first, by planned travel time from where that engineer stands. Dispatch is
non-preemptive: an engineer always finishes the job in hand.

Where an engineer stands: at base, at the site of the job just finished, or, driving
back to base, on the road: the point that share of the straight line from the site to
the base that the elapsed share of the drive home has covered (interpolated linearly in
latitude and longitude; the trips are short enough for that to be exact to a few
metres). An engineer sent on from the road drives from that point.

Classes of jobs: a job may be open only to some crews (its equipment needs a skill that
only some bases have; a crew on call takes only the severities it is on call for). Such
jobs wait in a queue per class: whenever engineers are free, the most urgent head of the
queues that a free qualified engineer can take goes first; an inspection goes only when no
waiting fault can, and never to a crew on call. A crew on call sets out from base after
its call-out delay, which counts in the trip it is chosen by.

With ``[travel] dispatch_radius_km``, no engineer is sent on a planned trip longer than
the radius (km of road; the call-out delay aside): the job waits for one within it. Every
site must have a base within the radius.

Look-ahead (``[travel] lookahead``, hours): a fault visit waits for an engineer still at
work on site who will be free within the look-ahead and would then arrive sooner (the
rest of the work plus the planned trip from that site) than the best free engineer would
now; when that engineer is free the job is dispatched again, to whoever is then nearest.
Only work on site whose end is known when it starts (a repair, a swap, a diagnosis) is
looked ahead to; without a look-ahead a job goes to the nearest free engineer at once.

Shifts and business hours are either switched by hand (:meth:`Dispatcher.set_base_on_shift`,
:meth:`Dispatcher.set_business_open`) or looked up in timetables
(:meth:`Dispatcher.follow_timetables`): then nothing happens when a shift ends, and the
dispatcher asks to be woken when the next shift starts only while jobs wait.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from simsvc.model.calendar import ShiftBoard
from simsvc.model.travel import TravelNetwork


class Inspection(NamedTuple):
    """A preventive visit: ``site`` (place index), ``hours`` on site, its clock, and
    when it falls ``due`` (hours). A named tuple: a plan holds thousands, built at once."""

    site: int
    hours: float
    business: bool
    due: float


Job = int | Inspection
"""A fault visit (an incident index) or an inspection."""

INSPECTION = -2
"""The job class of an inspection in :meth:`Dispatcher.nearest`."""


class Dispatcher:
    """The job queue, the free engineers and the choice of who goes where."""

    def __init__(
        self,
        travel: TravelNetwork,
        engineer_base: list[int],
        base_place: list[int],
        incident_site: list[int],
        start_job: Callable[[int, Job, float], None],
        soon: Callable[[Callable[[], None]], None],
        now: Callable[[], float] | None = None,
        classes: tuple[list[int], list[list[bool]]] | None = None,
        callout: list[float] | None = None,
        inspects: list[bool] | None = None,
    ) -> None:
        """``now()`` is the time (hours); without it engineers on the road home are
        dispatched as if still at the site they left. ``classes``: the class of each
        incident (-1: any crew may take it) and, per class, which crews may; ``callout``:
        each crew's delay before setting out from base (hours); ``inspects``: which crews
        do inspections (default all)."""
        self.travel = travel
        self.engineer_base = engineer_base
        self.base_place = base_place
        self._incident_site = incident_site
        self._start_job = start_job
        self._soon = soon
        self._dispatch_pending = False
        self._faults: list[tuple[int, float, int]] = []
        self._inspections: deque[Inspection] = deque()
        self.idle_at_base: list[list[int]] = [[] for _ in base_place]
        self.roaming: dict[int, int] = {}
        self.homeward: dict[int, tuple[float, float, int, int]] = {}
        """Free engineers driving home: (set off, hours of the drive, from place, home)."""
        self._now = now
        self._skill_of: list[int] | None = None
        self._skill_queues: list[list[tuple[int, float, int]]] = []
        self._qualified: list[list[bool]] = []  # per class, per crew
        if classes is not None:
            self._skill_of, self._qualified = classes
            self._skill_queues = [[] for _ in self._qualified]
        self._callout = callout
        self._inspects = inspects
        self._radius = travel.radius_hours
        self._constrained = (
            classes is not None or math.isfinite(self._radius) or travel.travel.lookahead > 0
        )
        """Job classes, a radius or a look-ahead: dispatch by :meth:`_dispatch_constrained`."""
        self.lookahead = travel.travel.lookahead
        """Hours a fault visit may wait for a nearer engineer about to be free (0: none)."""
        self._free_at: dict[int, tuple[float, int]] = {}  # busy engineer -> (free at, place)
        self.set_out_from_base = False
        """Whether the engineer of the job started last set out from base (not from a site
        or the road)."""
        self.base_on_shift = [True] * len(base_place)
        self._any_on_shift = True  # some base is on shift
        self.business_open = True
        self._dispatching = False
        self._board: ShiftBoard | None = None
        self._clock: Callable[[], float] | None = None
        self._wake_at: Callable[[float, Callable[[], None]], None] | None = None
        self._shifts_read_until = -math.inf  # the flags hold until this instant
        self._next_base_start = self._next_business_start = math.inf
        self._wakes: set[float] = set()  # instants at which a wake-up is due
        for engineer, base in enumerate(engineer_base):
            self.idle_at_base[base].append(engineer)
        for idle in self.idle_at_base:
            idle.reverse()  # highest number first: the last one, the lowest, goes first

    def queued_faults(self) -> int:
        """Fault visits waiting for an engineer."""
        return len(self._faults) + sum(len(q) for q in self._skill_queues)

    def _any_faults(self) -> bool:
        return bool(self._faults) or any(self._skill_queues)

    def _queue_of(self, incident: int) -> list[tuple[int, float, int]]:
        skill = -1 if self._skill_of is None else self._skill_of[incident]
        return self._faults if skill < 0 else self._skill_queues[skill]

    def add_fault(self, incident: int, priority: int, report: float) -> None:
        """Queue a fault visit."""
        heapq.heappush(self._queue_of(incident), (priority, report, incident))
        self.dispatch()

    def withdraw(self, incident: int) -> None:
        """Take a fault visit out of the queue (fixed remotely before anyone set out);
        nothing happens if it is not waiting."""
        queue = self._queue_of(incident)
        for k, entry in enumerate(queue):
            if entry[2] == incident:
                queue[k] = queue[-1]
                queue.pop()
                heapq.heapify(queue)
                return

    def add_inspection(self, inspection: Inspection) -> None:
        """Queue an inspection behind every fault."""
        self._inspections.append(inspection)
        self.dispatch()

    def set_base_on_shift(self, base: int, on: bool) -> None:
        """Start or end a base's shift; engineers finish the job in hand."""
        self.base_on_shift[base] = on
        self._any_on_shift = any(self.base_on_shift)
        if on:
            self._dispatch_after_switches()

    def set_business_open(self, open_: bool) -> None:
        """Business hours begin or end (inspections on the business clock wait for them)."""
        self.business_open = open_
        if open_:
            self._dispatch_after_switches()

    def follow_timetables(
        self,
        board: ShiftBoard,
        clock: Callable[[], float],
        wake_at: Callable[[float, Callable[[], None]], None],
    ) -> None:
        """Look shifts and business hours up on ``board`` instead of being switched:
        ``clock()`` is the time now, and ``wake_at(t, action)`` runs ``action`` at
        instant ``t`` exactly (hours)."""
        self._board = board
        self._clock = clock
        self._wake_at = wake_at
        self._shifts_read_until = -math.inf

    def _read_board(self, now: float) -> None:
        """Set the on-shift flags for ``now``, and until when they hold."""
        assert self._board is not None
        bases, self.business_open, self._shifts_read_until, base, business = self._board.look_up(
            now
        )
        self.base_on_shift[:] = bases
        self._any_on_shift = any(bases)
        self._next_base_start, self._next_business_start = base, business

    def _wake_for_next_shift(self, faults_wait: bool) -> None:
        """Jobs wait (``faults_wait``: some fault visit): be woken when a shift starts that
        may let the head of the queue go, as the switch of that shift would have woken the
        dispatcher then. (A switch that could not let it go woke a dispatch that did
        nothing.)"""
        start = self._next_base_start
        if not faults_wait and self._inspections[0].business and not self.business_open:
            start = self._next_business_start
        if start in self._wakes or math.isinf(start) or self._wake_at is None:
            return
        self._wakes.add(start)
        self._wake_at(start, lambda: self._woken(start))

    def _woken(self, start: float) -> None:
        self._wakes.discard(start)
        self._dispatch_after_switches()

    def _dispatch_after_switches(self) -> None:
        # Several bases often start their shift at the same instant: dispatch once all
        # are on, so that the queue goes to the nearest engineers, not the first base.
        if not self._dispatch_pending:
            self._dispatch_pending = True
            self._soon(self._pending_dispatch)

    def _pending_dispatch(self) -> None:
        self._dispatch_pending = False
        self.dispatch()

    def expect_free(self, engineer: int, when: float, place: int) -> None:
        """A busy engineer will be free at ``when`` (hours) at ``place`` (for look-ahead)."""
        if self.lookahead > 0:
            self._free_at[engineer] = (when, place)

    def _sooner_soon(self, site: int, skill: int, hours: float) -> bool:
        """Whether an engineer who may take the job, free within the look-ahead, would
        reach ``site`` sooner than ``hours`` from now."""
        assert self._now is not None
        now = self._now()
        qualified = self._qualified[skill] if skill >= 0 else None
        for engineer, (when, place) in self._free_at.items():
            wait = when - now
            if wait < 0 or wait > self.lookahead:
                continue
            crew = self.engineer_base[engineer]
            if qualified is not None and not qualified[crew]:
                continue
            if wait + self.travel.hours(place, site) < hours:
                return True
        return False

    def release(self, engineer: int, place: int) -> bool:
        """An engineer is free at ``place``: give them the next job, if any. Returns
        whether they are still free there, away from base (to drive home)."""
        if self._free_at:
            self._free_at.pop(engineer, None)
        if place == self.base_place[self.engineer_base[engineer]]:
            self._idle(engineer)
            self.dispatch()
            return False
        roaming = self.roaming
        roaming[engineer] = place
        self.dispatch()
        return engineer in roaming

    def _idle(self, engineer: int) -> None:
        """Put an engineer among the free ones at base, keeping the lowest number last:
        a base always sends its lowest-numbered free engineer, whoever came back last."""
        idle = self.idle_at_base[self.engineer_base[engineer]]
        idle.append(engineer)
        idle.sort(reverse=True)  # a few engineers: quicker than a keyed insort

    def is_idle(self, engineer: int) -> bool:
        """Whether the engineer is free (at base or where the last job ended)."""
        return (
            engineer in self.roaming or engineer in self.idle_at_base[self.engineer_base[engineer]]
        )

    def driving_home(self, engineer: int, since: float, hours: float) -> None:
        """A free engineer set off home at ``since`` on a drive of ``hours``."""
        place = self.roaming.get(engineer)
        if place is not None:
            home = self.base_place[self.engineer_base[engineer]]
            self.homeward[engineer] = (since, hours, place, home)

    def back_at_base(self, engineer: int) -> None:
        """A free engineer has returned to base."""
        self.homeward.pop(engineer, None)
        if self.roaming.pop(engineer, None) is not None:
            idle = self.idle_at_base[self.engineer_base[engineer]]  # as _idle() does
            idle.append(engineer)
            idle.sort(reverse=True)

    def dispatch(self) -> None:
        """Match waiting jobs with free engineers until one side runs out."""
        if self._dispatching:
            return  # a job that starts at once may call back in
        if not (self._faults or self._inspections or (self._skill_queues and self._any_faults())):
            return  # nothing waits
        self._dispatching = True
        try:
            clock = self._clock
            if clock is not None:
                now = clock()
                if now >= self._shifts_read_until:
                    self._read_board(now)
            if not self._any_on_shift:
                pass  # nearest() finds nobody: nothing can go (at night, often)
            elif self._constrained:
                self._dispatch_constrained()
            else:
                self._dispatch_in_order()
            if clock is not None:
                faults_wait = self._any_faults()
                if faults_wait or self._inspections:
                    self._wake_for_next_shift(faults_wait)
        finally:
            self._dispatching = False

    def _dispatch_in_order(self) -> None:
        """The dispatch loop without job classes, radius or look-ahead: the head of the
        queue (faults by priority, then inspections in due order) goes to the nearest free
        engineer, until nobody is free or the head may not go yet."""
        faults, inspections, incident_site = self._faults, self._inspections, self._incident_site
        while True:
            job: Job
            if faults:
                job = faults[0][2]
                site = incident_site[job]
            elif inspections:
                job = inspections[0]
                if not (self.business_open or not job.business):
                    return
                site = job.site
            else:
                return
            engineer, hours = self.nearest(site)
            if engineer < 0:
                return
            if faults:
                heapq.heappop(faults)
            else:
                inspections.popleft()
            self._take(engineer)
            self._start_job(engineer, job, hours)

    def _dispatch_constrained(self) -> None:
        """The dispatch loop with job classes, a radius or a look-ahead (see the module
        doc): the most urgent waiting job that a free engineer may take, and need not wait
        for a nearer one about to be free, goes first. With classes only the head of each
        class's queue is looked at (a job of the class that cannot go holds none that
        could); with a radius or a look-ahead every waiting job, since a job beyond the
        radius, or waiting for a nearer engineer, must not hold up one that may go."""
        queues = [self._faults, *self._skill_queues]
        scan = math.isfinite(self._radius) or self.lookahead > 0
        while True:
            if scan:
                waiting = sorted((entry, k) for k, queue in enumerate(queues) for entry in queue)
            else:
                waiting = sorted((queue[0], k) for k, queue in enumerate(queues) if queue)
            for entry, k in waiting:
                incident = entry[2]
                site = self._incident_site[incident]
                engineer, hours = self.nearest(site, k - 1)
                if engineer >= 0 and self._free_at and self._sooner_soon(site, k - 1, hours):
                    continue  # it waits for a nearer engineer about to be free
                if engineer >= 0:
                    queue = queues[k]
                    if queue[0] is entry:
                        heapq.heappop(queue)
                    else:
                        queue.remove(entry)
                        heapq.heapify(queue)
                    self._take(engineer)
                    self._start_job(engineer, incident, hours)
                    break
            else:
                if not self._inspections:
                    return
                head = self._inspections[0]
                if not (self.business_open or not head.business):
                    return
                engineer, hours = self.nearest(head.site, INSPECTION)
                if engineer < 0:
                    return
                self._inspections.popleft()
                self._take(engineer)
                self._start_job(engineer, head, hours)

    def nearest(self, site: int, skill: int = -1) -> tuple[int, float]:
        """The free on-shift engineer with the shortest planned trip to ``site``, and its hours
        (a call-out delay included); with ``skill`` (a job class, or :data:`INSPECTION`),
        only engineers of crews that may take it.

        Returns ``(-1, inf)`` when nobody is free.
        """
        best, best_hours = -1, math.inf
        if not self._any_on_shift:  # at night, often: nobody to look for
            return best, best_hours
        idle_at_base, on_shift = self.idle_at_base, self.base_on_shift
        qualified = self._inspects if skill == INSPECTION else None
        if skill >= 0:
            qualified = self._qualified[skill]
        if qualified is not None:  # off shift counts as unqualified: the same skip
            on_shift = [on and ok for on, ok in zip(on_shift, qualified, strict=True)]
        callout = self._callout
        if callout is None:
            # Bases nearest first: the first with a free engineer on shift is the best base
            # (the lowest-numbered of those equally near, as a scan of every base would find).
            for base in self.travel.bases_by_site[site]:
                idle = idle_at_base[base]
                if idle and on_shift[base]:
                    best, best_hours = idle[-1], self.travel.base_to_site[base][site]
                    break
        else:  # a delay breaks the order by distance: look at every crew
            for base in self.travel.bases_by_site[site]:
                idle = idle_at_base[base]
                if idle and on_shift[base]:
                    hours = callout[base] + self.travel.base_to_site[base][site]
                    if hours < best_hours:
                        best, best_hours = idle[-1], hours
        if not self.roaming:
            if self._radius < math.inf and best_hours - self._callout_of(best) > self._radius:
                return -1, math.inf  # nobody within the dispatch radius: the job waits
            return best, float(best_hours)
        travel = self.travel
        latitudes = travel.latitudes
        per_degree = travel.hours_per_degree_of_latitude
        site_latitude = latitudes[site]
        clock = self._now
        homeward = self.homeward if clock is not None else {}
        now = clock() if clock is not None and homeward else 0.0
        engineer_base = self.engineer_base
        for engineer, place in self.roaming.items():
            if on_shift[engineer_base[engineer]]:
                road = homeward.get(engineer)
                if road is not None:  # from where the drive home has got to, as
                    since, drive, origin, home = road  # where_on_the_road() says
                    share = min(1.0, max(0.0, (now - since) / drive)) if drive > 0 else 1.0
                    start = latitudes[origin]
                    latitude = start + share * (latitudes[home] - start)
                    if abs(latitude - site_latitude) * per_degree > best_hours:
                        continue  # cannot beat the best: skip the exact distance
                    hours = travel.hours_from(*travel.between(origin, home, share), site)
                else:
                    if abs(latitudes[place] - site_latitude) * per_degree > best_hours:
                        continue  # cannot beat the best: skip the exact distance
                    hours = travel.hours(place, site)
                if hours < best_hours or (hours == best_hours and engineer < best):
                    best, best_hours = engineer, hours
        if self._radius < math.inf and best_hours - self._callout_of(best) > self._radius:
            return -1, math.inf  # nobody within the dispatch radius: the job waits
        return best, float(best_hours)

    def _callout_of(self, engineer: int) -> float:
        if self._callout is None or engineer < 0:
            return 0.0
        return self._callout[self.engineer_base[engineer]] if engineer not in self.roaming else 0.0

    def where_on_the_road(self, road: tuple[float, float, int, int]) -> tuple[float, float]:
        """``(lat, lon)`` now of an engineer driving home (see the module doc)."""
        assert self._now is not None
        since, hours, origin, home = road
        share = min(1.0, max(0.0, (self._now() - since) / hours)) if hours > 0 else 1.0
        return self.travel.between(origin, home, share)

    def _take(self, engineer: int) -> None:
        self.homeward.pop(engineer, None)
        self.set_out_from_base = engineer not in self.roaming
        if self.roaming.pop(engineer, None) is None:
            idle = self.idle_at_base[self.engineer_base[engineer]]
            if idle[-1] == engineer:
                idle.pop()
            else:
                idle.remove(engineer)
