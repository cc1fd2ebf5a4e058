"""Field engineers: where their hours go, and the way back to base.

The dispatcher sends a free engineer out on a job (a fault visit or an
inspection); from then until the job is done the engineer is busy. When done,
the engineer is free where the job ended: the dispatcher hands them the next
queued job from there, or they drive back to base. The drive back counts as
busy too (until they reach base, or are sent on from the road). Busy hours that
fall in the counting window add up per base: those within the base's shift give
its utilization (so it never exceeds 100%), those outside it (a job finished past
the end of the shift) are its overtime.
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

from simsvc.model.calendar import ShiftClock
from simsvc.model.dispatch import Dispatcher
from simsvc.model.draws import DrawBuffer
from simsvc.model.travel import TravelNetwork


class Engineers:
    """Busy hours per base and trips home of every engineer (times in hours)."""

    def __init__(
        self,
        env: simpy.Environment,
        dispatcher: Dispatcher,
        travel: TravelNetwork,
        window: tuple[float, float],
        returns: Sequence[DrawBuffer],
        shifts: Sequence[ShiftClock],
    ) -> None:
        """``returns``: the trip factors of the trips home, one buffer per base;
        ``shifts``: each base's shift timetable."""
        self.env = env
        self.dispatcher = dispatcher
        self.travel = travel
        self.window = window
        self.base_of = dispatcher.engineer_base
        self.base_place = dispatcher.base_place
        self._returns = returns
        self._shifts = shifts
        self._busy_since = [0.0] * len(self.base_of)
        self._driving_home = [False] * len(self.base_of)
        self._trips = [0] * len(self.base_of)
        self.base_busy_hours = [0.0] * len(self.base_place)
        self.base_overtime_hours = [0.0] * len(self.base_place)

    def set_out(self, engineer: int) -> None:
        """The engineer takes a job: busy from now on, on a new trip."""
        if self._driving_home[engineer]:  # sent on from the road home
            self._count_busy(engineer)
            self._driving_home[engineer] = False
        self._busy_since[engineer] = self.env.now
        self._trips[engineer] += 1

    def _count_busy(self, engineer: int) -> None:
        """Add the busy hours since ``_busy_since`` (within the window), on shift or not."""
        start, end = self.window
        begin, finish = max(self._busy_since[engineer], start), min(self.env.now, end)
        if finish <= begin:
            return
        base = self.base_of[engineer]
        on = self._shifts[base].on_shift(begin, finish)
        self.base_busy_hours[base] += on
        self.base_overtime_hours[base] += finish - begin - on

    def finish(self, engineer: int, place: int) -> None:
        """The engineer is done at ``place``: next job, or back to base."""
        self._count_busy(engineer)
        self._busy_since[engineer] = self.env.now
        base = self.base_of[engineer]
        self.dispatcher.release(engineer, place)
        home = self.base_place[base]
        if place != home and self.dispatcher.is_idle(engineer):
            hours = self.travel.hours(place, home) * self._returns[base].next()
            trip = self._trips[engineer]
            self._driving_home[engineer] = True
            self.env.timeout(hours).callbacks.append(lambda _: self._returned(engineer, trip))

    def _returned(self, engineer: int, trip: int) -> None:
        if self._trips[engineer] == trip:  # not sent on another job meanwhile
            self._count_busy(engineer)
            self._driving_home[engineer] = False
            self.dispatcher.back_at_base(engineer)
