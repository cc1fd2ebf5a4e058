"""Field engineers: where their hours go, and the way back to base.

The dispatcher sends a free engineer out on a job (a fault visit or an
inspection); from then until the job is done the engineer is busy. When done,
the engineer is free where the job ended: the dispatcher hands them the next
queued job from there, or they drive back to base. The drive back counts as
busy too (until they reach base, or are sent on from the road). Busy hours that
fall in the counting window add up per base: those within the base's shift give
its utilization (so it never exceeds 100%), those outside it (a job finished past
the end of the shift) are its overtime. The busy spells are noted as they end and
split into on-shift hours and overtime a few thousand at a time, vectorised, with
the same arithmetic in the same order as one spell at a time.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np
import simpy

from simsvc.model.calendar import ShiftClock
from simsvc.model.dispatch import Dispatcher
from simsvc.model.draws import DrawBuffer
from simsvc.model.feeds import Later
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
        self._clocks = list({id(clock): clock for clock in shifts}.values())
        index = {id(clock): k for k, clock in enumerate(self._clocks)}
        self._clock_of_base = np.array([index[id(clock)] for clock in shifts], dtype=np.int64)
        self._busy_since = [0.0] * len(self.base_of)
        self._driving_home = [False] * len(self.base_of)
        self._trips = [0] * len(self.base_of)
        self._busy_hours = [0.0] * len(self.base_place)
        self._overtime_hours = [0.0] * len(self.base_place)
        self._spell_base = array("q")  # busy spells not yet added up
        self._spell_begin = array("d")
        self._spell_end = array("d")

    @property
    def base_busy_hours(self) -> list[float]:
        """Busy hours within each base's shift, in the counting window."""
        self._add_up_spells()
        return self._busy_hours

    @property
    def base_overtime_hours(self) -> list[float]:
        """Busy hours outside each base's shift, in the counting window."""
        self._add_up_spells()
        return self._overtime_hours

    def set_out(self, engineer: int) -> None:
        """The engineer takes a job: busy from now on, on a new trip."""
        if self._driving_home[engineer]:  # sent on from the road home
            self._count_busy(engineer)
            self._driving_home[engineer] = False
        self._busy_since[engineer] = self.env.now
        self._trips[engineer] += 1

    def _count_busy(self, engineer: int) -> None:
        """Note the busy spell from ``_busy_since`` to now (cut to the window later)."""
        spells = self._spell_base
        spells.append(self.base_of[engineer])
        self._spell_begin.append(self._busy_since[engineer])
        self._spell_end.append(self.env.now)
        if len(spells) >= 4096:
            self._add_up_spells()

    def _add_up_spells(self) -> None:
        """Add the noted spells to each base's on-shift and overtime hours, spell by spell
        in the order they ended (``hours += on``), as if each had been added at once."""
        if not self._spell_base:
            return
        base = np.frombuffer(self._spell_base, dtype=np.int64)
        begin, end = np.frombuffer(self._spell_begin), np.frombuffer(self._spell_end)
        # each spell cut to the window, as max(begin, start) and min(end, stop) one by one;
        # those left empty count nothing
        begin, end = np.maximum(begin, self.window[0]), np.minimum(end, self.window[1])
        counted = end > begin
        base, begin, end = base[counted], begin[counted], end[counted]
        on = np.empty(len(base))
        clock = self._clock_of_base[base]
        for k in np.unique(clock).tolist():  # bases on the same shift share its clock
            mine = clock == k
            on[mine] = self._clocks[k].on_shift_many(begin[mine], end[mine])
        over = (end - begin) - on
        for b in np.unique(base).tolist():
            mine = base == b
            self._busy_hours[b] = _running_sum(self._busy_hours[b], on[mine])
            self._overtime_hours[b] = _running_sum(self._overtime_hours[b], over[mine])
        self._spell_base, self._spell_begin, self._spell_end = array("q"), array("d"), array("d")

    def finish(self, engineer: int, place: int) -> None:
        """The engineer is done at ``place``: next job, or back to base."""
        self._count_busy(engineer)
        now = self.env.now
        self._busy_since[engineer] = now
        base = self.base_of[engineer]
        dispatcher = self.dispatcher
        if dispatcher.release(engineer, place):  # still free, away from base: drive home
            home = self.base_place[base]
            hours = self.travel.hours(place, home) * self._returns[base].next()
            trip = self._trips[engineer]
            self._driving_home[engineer] = True
            dispatcher.driving_home(engineer, now, hours)
            Later(self.env, hours, lambda _: self._returned(engineer, trip))

    def _returned(self, engineer: int, trip: int) -> None:
        if self._trips[engineer] == trip:  # not sent on another job meanwhile
            self._count_busy(engineer)
            self._driving_home[engineer] = False
            self.dispatcher.back_at_base(engineer)


def _running_sum(total: float, values: np.ndarray) -> float:
    """``total + values[0] + values[1] + ...``, added left to right like ``total += v``."""
    return float(np.add.accumulate(np.concatenate(([total], values)))[-1])
