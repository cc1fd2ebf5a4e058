"""Shifts and business-hours clocks.

The simulation clock is in hours; ``t = 0`` is the start of the warm-up and
``t = warmup`` is midnight at the start of ``[calendar] start``, the first day of
the horizon. A warm-up that is not whole days starts part-way through a day, so
the calendar keeps an ``offset``: the hours from the midnight before ``t = 0`` to
``t = 0``.

A *span* is a daily interval ``(start_hour, end_hour)``; an end before the start
wraps past midnight (a night shift). A business day is a day that is not a holiday and
is either a weekday listed in ``business_days`` or a working day (a make-up workday of
the country's calendar, or a date of ``[calendar] workdays``); see
:func:`~simsvc.model.official_days.days_off_and_on` for how the country's days and the
file's lists combine. Business hours and ``business`` shifts run on business days only;
an ``HH:MM-HH:MM`` shift runs every day, and ``24x7`` always.

A shift is looked up, not followed: :class:`ShiftTimetable` says whether it is on at
an instant and when it next starts, so the dispatcher needs no switch event per base
and day; :class:`ShiftClock` counts on-shift hours between two instants.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from simsvc.model.official_days import days_off_and_on
from simsvc.scenario.schema import WEEKDAYS, Calendar

_ROTA = re.compile(
    r"^(?P<span>\d\d:\d\d-\d\d:\d\d) rota (?P<pattern>[01]+) from (?P<offset>\d+)"
    r"(?P<holidays> off on holidays)?$"
)
"""A crew's rota as a shift text (:func:`simsvc.model.crews.rota_shift`)."""


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
        self.start_day = warmup_days
        """The day number (since the origin) of ``[calendar] start``."""
        self.business_span = parse_span(calendar.business_hours)
        self._business_days = {WEEKDAYS.index(d) for d in calendar.business_days}
        holidays, workdays = days_off_and_on(calendar)
        self._holidays = set(holidays)
        self._workdays = set(workdays)
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
        if date in self._holidays:
            return False
        return date.weekday() in self._business_days or date in self._workdays

    def is_holiday(self, day: int) -> bool:
        """Whether day number ``day`` (since the origin) is a holiday."""
        return self.origin + dt.timedelta(days=day) in self._holidays

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
        day = np.arange(size)
        dates = np.datetime64(self.origin, "D") + day.astype("timedelta64[D]")
        holidays = np.array(sorted(self._holidays), dtype="datetime64[D]")
        weekday = (day + self.origin.weekday()) % 7
        flags = np.isin(weekday, sorted(self._business_days)) & ~np.isin(dates, holidays)
        if self._workdays:  # weekend days that are working days (none: the flags as they were)
            workdays = np.array(sorted(self._workdays), dtype="datetime64[D]")
            flags |= np.isin(dates, workdays) & ~np.isin(dates, holidays)
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
        begins, ends = self._shift_bounds(shift, until)
        yield from zip(begins.tolist(), ends.tolist(), strict=True)

    def _shift_bounds(self, shift: str, until: float) -> tuple[np.ndarray, np.ndarray]:
        """Starts and ends of :meth:`shift_intervals` (not ``24x7``), all days at once."""
        rota = _ROTA.match(shift)
        if rota is not None:
            span = parse_span(rota["span"])
        else:
            span = self.business_span if shift == "business" else parse_span(shift)
        start_h, end_h = span
        length = (end_h - start_h) % 24 or 24.0
        last_day = int((until + self.offset) // 24) + 1
        days = np.arange(-1, last_day + 1)
        if shift == "business":
            self._extend(last_day)
            open_ = np.append(self.is_business_day(-1), self._is_business[: last_day + 1])
            days = days[open_]
        elif rota is not None:
            days = days[self._rota_days(days, rota)]
        # the same float operations, in the same order, as day * 24 + start_h - offset
        begin = days * 24 + start_h - self.offset
        finish = begin + length
        keep = ~((finish <= 0) | (begin >= until))
        begin, finish = begin[keep], finish[keep]
        return np.where(begin < 0.0, 0.0, begin), finish

    def _rota_days(self, days: np.ndarray, rota: re.Match[str]) -> np.ndarray:
        """Mask of the days a rota works (see :mod:`simsvc.model.crews`): its pattern from
        ``[calendar] start``, shifted by its offset, less holidays if it takes them off."""
        pattern = np.array([c == "1" for c in rota["pattern"]])
        since_start = days - self.start_day + int(rota["offset"])
        works = pattern[since_start % len(pattern)]
        if rota["holidays"]:
            dates = np.datetime64(self.origin, "D") + days.astype("timedelta64[D]")
            holidays = np.array(sorted(self._holidays), dtype="datetime64[D]")
            works &= ~np.isin(dates, holidays)
        return np.asarray(works)

    def on_shift_hours(self, shift: str, start: float, end: float) -> float:
        """Hours of ``shift`` that fall within ``[start, end)``."""
        if shift == "24x7":
            return end - start
        a, b = self._shift_bounds(shift, end)
        if len(a) == 0:
            return 0
        # max(0, min(b, end) - max(a, start)) of each interval, added up in order
        part = np.maximum(0.0, np.minimum(b, end) - np.maximum(a, start))
        return float(np.add.accumulate(part)[-1])


class ShiftClock:
    """On-shift hours between two instants, by lookup in the shift's timetable.

    Built once per shift from its on-shift intervals up to ``until`` (hours); every
    question is then a binary search, not a walk over the days.
    """

    def __init__(self, calendar: WorkCalendar, shift: str, until: float) -> None:
        self.always = shift == "24x7"
        starts: list[float] = []
        ends: list[float] = []
        before = [0.0]  # on-shift hours before each interval starts
        if not self.always:
            # shifts that run into each other (a start at or before the end so far) join
            begin, finish = _joined(*calendar._shift_bounds(shift, until), 0.0)
            starts, ends = begin.tolist(), finish.tolist()
            # before[k + 1] = before[k] + ends[k] - starts[k], added in that order
            steps = np.column_stack((finish, -begin)).ravel()
            before += np.add.accumulate(steps)[1::2].tolist()
        self._starts = starts
        self._ends = ends
        self._before = before
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

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

    def on_shift_many(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """:meth:`on_shift` of each ``[start[i], end[i])`` (``end > start``), vectorised:
        the same operations in the same order, so the same hours to the last bit."""
        if self.always:
            return np.asarray(end - start)
        if self._arrays is None:
            self._arrays = (
                np.asarray(self._starts),
                np.asarray(self._ends),
                np.asarray(self._before),
            )
        starts, ends, before = self._arrays
        k = np.searchsorted(starts, end, side="right") - 1  # as bisect_right
        j = np.maximum(k, 0)
        later = before[j] + np.minimum(ends[j], end) - starts[j]
        i = np.searchsorted(starts, start, side="right") - 1
        m = np.maximum(i, 0)
        earlier = before[m] + np.minimum(ends[m], start) - starts[m]
        return np.asarray(np.where(k < 0, 0.0, np.where(i < 0, later, later - earlier)))


class ShiftTimetable:
    """When a shift is on, as instants on the simulation clock.

    Built once from the shift's on-shift intervals up to ``until`` (hours), joined where
    they touch (as :func:`merged_intervals` joins them). Each instant is the one at which a
    process that slept from change to change (``env.timeout(change - now)``) would switch,
    to the last bit, so that looking the shift up gives the same runs as switching did.
    The shift is on from each ``start`` (included) to its ``end`` (excluded), and off
    after the last end.
    """

    def __init__(self, calendar: WorkCalendar, shift: str, until: float) -> None:
        start, end = np.array([0.0]), np.array([math.inf])
        if shift != "24x7":
            start, end = reached_instants(*_joined(*calendar._shift_bounds(shift, until), 1e-9))
        self.start_array, self.end_array = start, end
        self.starts: list[float] = start.tolist()
        """Instants (hours) at which the shift starts."""
        self.ends: list[float] = end.tolist()
        """Instants (hours) at which the shift started at ``starts[k]`` ends."""

    def is_on(self, when: float) -> bool:
        """Whether the shift is on at ``when``."""
        k = bisect.bisect_right(self.starts, when)
        return k > 0 and when < self.ends[k - 1]

    def next_start(self, when: float) -> float:
        """The first start after ``when`` (``inf`` if none)."""
        k = bisect.bisect_right(self.starts, when)
        return self.starts[k] if k < len(self.starts) else math.inf


class ShiftBoard:
    """Which bases are on shift, and whether business hours are open, at any instant.

    One lookup for all of them: the instants at which any shift starts or ends cut the
    clock into stretches; each stretch keeps its state, its end, and the next instants
    at which a base's shift and business hours start. ``None`` stands for always on.
    """

    def __init__(
        self, bases: Sequence[ShiftTimetable | None], business: ShiftTimetable | None
    ) -> None:
        members = [*bases, business]
        tables = list({id(t): t for t in members if t is not None}.values())
        changes = [a for t in tables for a in (t.start_array, t.end_array)]
        instants = np.unique(np.concatenate([np.array([-math.inf]), *changes]))
        instants = instants[instants < math.inf]
        code = np.zeros(len(instants), dtype=np.int64)  # bit j: table j is on
        base_start = np.full(len(instants), math.inf)
        business_start = np.full(len(instants), math.inf)
        for j, table in enumerate(tables):
            starts, ends = table.start_array, table.end_array
            k = np.searchsorted(starts, instants, side="right")  # as bisect_right
            code |= ((k > 0) & (instants < ends[np.maximum(k - 1, 0)])).astype(np.int64) << j
            following = np.append(starts, math.inf)[k]
            if any(table is b for b in bases):
                base_start = np.minimum(base_start, following)
            if table is business:
                business_start = following
        bit = {id(t): 1 << j for j, t in enumerate(tables)}
        self._states: dict[int, tuple[list[bool], bool]] = {}
        for c in np.unique(code).tolist():
            flags = [m is None or bool(c & bit[id(m)]) for m in members]
            self._states[c] = (flags[:-1], flags[-1])
        self._instants: list[float] = [*instants.tolist(), math.inf]
        self._code: list[int] = code.tolist()
        self._base_start: list[float] = base_start.tolist()
        self._business_start: list[float] = business_start.tolist()

    def look_up(self, when: float) -> tuple[list[bool], bool, float, float, float]:
        """At ``when``: each base on shift or not, business hours open or not, until when
        (hours) that holds, and the next instants at which a base's shift and business
        hours start (``inf``: never). The list is shared: copy it, do not change it."""
        k = bisect.bisect_right(self._instants, when) - 1
        bases, business = self._states[self._code[k]]
        return bases, business, self._instants[k + 1], self._base_start[k], self._business_start[k]


def reached_instants(begin: np.ndarray, finish: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The instants at which a process that sleeps from change to change, from ``t = 0``
    (``yield env.timeout(change - now)``), reaches each start and end of the intervals
    ``[begin[k], finish[k])`` (in order, apart): ``now + (change - now)``, not always
    ``change`` itself in floating point."""
    # That sum is the change itself whenever the change before was reached exactly (as it
    # is for every shift seen so far): check that, else walk the chain one by one.
    before = np.concatenate(([0.0], finish[:-1]))
    start = np.where(begin > before, before + (begin - before), before)
    end = start + (finish - start)
    if not np.array_equal(end, finish):
        now = 0.0
        for k, (b, f) in enumerate(zip(begin.tolist(), finish.tolist(), strict=True)):
            if b > now:
                now += b - now
            start[k] = now
            now += f - now
            end[k] = now
    return start, end


def _joined(
    begin: np.ndarray, finish: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Join intervals (in order of start) that start at most ``tolerance`` after the end
    so far: the starts and ends of the joined ones."""
    if len(begin) == 0:
        return begin, finish
    reach = np.maximum.accumulate(finish)  # the end so far
    first = np.flatnonzero(np.concatenate(([True], begin[1:] > reach[:-1] + tolerance)))
    last = np.append(first[1:] - 1, len(begin) - 1)
    return begin[first], reach[last]


def merged_intervals(intervals: Iterable[tuple[float, float]]) -> Iterator[tuple[float, float]]:
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
