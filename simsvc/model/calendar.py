"""Shifts and business-hours clocks.

The simulation clock is in hours; ``t = 0`` is the start of the warm-up and
``t = warmup`` is midnight at the start of ``[calendar] start``, the first day of
the horizon. A warm-up that is not whole days starts part-way through a day, so
the calendar keeps an ``offset``: the hours from the midnight before ``t = 0`` to
``t = 0``.

A *span* is a daily interval ``(start_hour, end_hour)``; an end before the start
wraps past midnight (a night shift). A business day is a weekday listed in
``business_days`` that is not a holiday.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterator

import numpy as np

from simsvc.scenario.schema import WEEKDAYS, Calendar


def parse_span(text: str) -> tuple[float, float]:
    """``"09:00-18:00"`` -> ``(9.0, 18.0)`` in hours of the day."""
    start, end = text.split("-")
    return _hours(start), _hours(end)


def _hours(clock: str) -> float:
    hours, minutes = clock.split(":")
    return int(hours) + int(minutes) / 60


class WorkCalendar:
    """Dates, business days and shifts on the simulation clock (hours)."""

    def __init__(self, calendar: Calendar, warmup_hours: float) -> None:
        warmup_days = math.ceil(warmup_hours / 24 - 1e-12)
        self.origin = calendar.start - dt.timedelta(days=warmup_days)
        self.offset = warmup_days * 24 - warmup_hours
        self.business_span = parse_span(calendar.business_hours)
        self._business_days = {WEEKDAYS.index(d) for d in calendar.business_days}
        self._holidays = set(calendar.holidays)
        self._cumulative = np.zeros(1)
        self._is_business = np.zeros(0, dtype=bool)

    # -- dates -----------------------------------------------------------------
    def day_index(self, t: float) -> int:
        """Whole days since the midnight before ``t = 0``."""
        return int((t + self.offset) // 24)

    def date(self, t: float) -> dt.date:
        """The calendar date at time ``t``."""
        return self.origin + dt.timedelta(days=self.day_index(t))

    def is_business_day(self, day: int) -> bool:
        """Whether day number ``day`` (since the origin) is a business day."""
        date = self.origin + dt.timedelta(days=day)
        return date.weekday() in self._business_days and date not in self._holidays

    def weekday_and_hour(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weekday (0 = Monday) and hour of day of each time, vectorised."""
        absolute = np.asarray(times, dtype=float) + self.offset
        days = np.floor(absolute / 24).astype(np.int64)
        weekday = (days + self.origin.weekday()) % 7
        return weekday, absolute - days * 24

    def months(self, times: np.ndarray) -> np.ndarray:
        """Calendar month (1-12) of each time."""
        days = np.floor((np.asarray(times, dtype=float) + self.offset) / 24).astype(np.int64)
        origin = np.datetime64(self.origin, "D")
        dates = origin + days.astype("timedelta64[D]")
        return (dates.astype("datetime64[M]").astype(np.int64) % 12) + 1

    # -- business-hours clock ------------------------------------------------------
    def _extend(self, days: int) -> None:
        if days < len(self._is_business):
            return
        size = max(days + 1, 2 * len(self._is_business), 400)
        flags = np.array([self.is_business_day(d) for d in range(size)], dtype=bool)
        start, end = self.business_span
        self._is_business = flags
        self._cumulative = np.concatenate(([0.0], np.cumsum(flags * (end - start))))

    def business_hours(self, times: np.ndarray) -> np.ndarray:
        """Business hours elapsed from the origin to each time (a non-decreasing clock)."""
        absolute = np.asarray(times, dtype=float) + self.offset
        finite = np.isfinite(absolute)
        safe = np.where(finite, absolute, 0.0)
        days = np.floor(safe / 24).astype(np.int64)
        self._extend(int(days.max(initial=0)) + 1)
        start, end = self.business_span
        within = np.clip(safe - days * 24 - start, 0.0, end - start)
        clock = self._cumulative[days] + within * self._is_business[days]
        return np.asarray(np.where(finite, clock, np.inf))

    def business_elapsed(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Business hours between two times, element-wise (``inf`` where ``end`` is)."""
        return np.asarray(self.business_hours(end) - self.business_hours(start))

    # -- shifts -------------------------------------------------------------------
    def shift_intervals(self, shift: str, until: float) -> Iterator[tuple[float, float]]:
        """On-shift intervals ``(start, end)`` in simulation hours, from 0 to ``until``."""
        if shift == "24x7":
            yield 0.0, math.inf
            return
        span = self.business_span if shift == "business" else parse_span(shift)
        start_h, end_h = span
        length = (end_h - start_h) % 24 or 24.0
        last_day = int((until + self.offset) // 24) + 1
        for day in range(-1, last_day + 1):
            if shift == "business" and not self.is_business_day(day):
                continue
            begin = day * 24 + start_h - self.offset
            finish = begin + length
            if finish <= 0 or begin >= until:
                continue
            yield max(begin, 0.0), finish

    def on_shift_hours(self, shift: str, start: float, end: float) -> float:
        """Hours of ``shift`` that fall within ``[start, end)``."""
        if shift == "24x7":
            return end - start
        return sum(
            max(0.0, min(b, end) - max(a, start)) for a, b in self.shift_intervals(shift, end)
        )


class ShiftClock:
    """On-shift hours between two instants, by lookup in the shift's timetable.

    Built once per shift from its on-shift intervals up to ``until`` (hours); every
    question is then a binary search, not a walk over the days.
    """

    def __init__(self, calendar: WorkCalendar, shift: str, until: float) -> None:
        self.always = shift == "24x7"
        starts: list[float] = []
        ends: list[float] = []
        if not self.always:
            for begin, finish in calendar.shift_intervals(shift, until):
                if starts and begin <= ends[-1]:
                    ends[-1] = max(ends[-1], finish)  # shifts that run into each other
                else:
                    starts.append(begin)
                    ends.append(finish)
        self._starts = starts
        self._ends = ends
        self._before: list[float] = [0.0]  # on-shift hours before each interval starts
        for begin, finish in zip(starts, ends, strict=True):
            self._before.append(self._before[-1] + finish - begin)

    def hours_before(self, when: float) -> float:
        """On-shift hours from 0 to ``when``."""
        if self.always:
            return when
        k = bisect.bisect_right(self._starts, when) - 1
        if k < 0:
            return 0.0
        return self._before[k] + min(when, self._ends[k]) - self._starts[k]

    def on_shift(self, start: float, end: float) -> float:
        """On-shift hours within ``[start, end)``."""
        if end <= start:
            return 0.0
        return self.hours_before(end) - self.hours_before(start)
