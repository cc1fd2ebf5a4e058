"""Field engineers: where their hours go, and the way back to base.

The dispatcher sends a free engineer out on a job (a fault visit or an
inspection); from then until the job is done the engineer is busy. When done,
the engineer is free where the job ended: the dispatcher hands them the next
queued job from there, or they drive back to base. Busy hours that fall in the
counting window add up per base, for each base's utilization.
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

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
    ) -> None:
        """``returns``: the trip factors of the trips home, one buffer per base."""
        self.env = env
        self.dispatcher = dispatcher
        self.travel = travel
        self.window = window
        self.base_of = dispatcher.engineer_base
        self.base_place = dispatcher.base_place
        self._returns = returns
        self._busy_since = [0.0] * len(self.base_of)
        self._trips = [0] * len(self.base_of)
        self.base_busy_hours = [0.0] * len(self.base_place)

    def set_out(self, engineer: int) -> None:
        """The engineer takes a job: busy from now on, on a new trip."""
        self._busy_since[engineer] = self.env.now
        self._trips[engineer] += 1

    def finish(self, engineer: int, place: int) -> None:
        """The engineer is done at ``place``: next job, or back to base."""
        now = self.env.now
        start, end = self.window
        busy = max(0.0, min(now, end) - max(self._busy_since[engineer], start))
        base = self.base_of[engineer]
        self.base_busy_hours[base] += busy
        self.dispatcher.release(engineer, place)
        home = self.base_place[base]
        if place != home and self.dispatcher.is_idle(engineer):
            hours = self.travel.hours(place, home) * self._returns[base].next()
            trip = self._trips[engineer]
            self.env.timeout(hours).callbacks.append(lambda _: self._returned(engineer, trip))

    def _returned(self, engineer: int, trip: int) -> None:
        if self._trips[engineer] == trip:  # not sent on another job meanwhile
            self.dispatcher.back_at_base(engineer)
