"""Assessment periods: the month, quarter or year a commitment is assessed over.

A tender assesses "95% of level-1 faults on site within 2 hours" over a period (each
month, quarter or year, or the whole contract) and pays a penalty for every period that
misses. An incident belongs to the period of its report, on the calendar that starts at
``[calendar] start`` when the horizon starts (simulated hour ``warmup``).

Periods are calendar months, quarters or years, numbered from 0. A horizon rarely starts
and ends on period boundaries: a partial period at either end that covers at least half
of its calendar length is assessed on its own; a shorter stub (the three days of January
left by a 365-day horizon that starts on 4 January) is joined to its neighbour, so that
no period is assessed on a handful of incidents.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np

Period = Literal["month", "quarter", "year", "horizon"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "year", "horizon")

HOURS_PER_YEAR = 8760.0


def _absolute(period: Period, stamps: np.ndarray) -> np.ndarray:
    """Months, quarters or years since 1970 of ``datetime64[s]`` stamps."""
    if period == "year":
        return stamps.astype("datetime64[Y]").astype(np.int64)
    months = stamps.astype("datetime64[M]").astype(np.int64)
    return months if period == "month" else months // 3  # 1970-01 starts a quarter


def _begin(period: Period, absolute: int) -> np.datetime64:
    """The first instant of an absolute period number."""
    if period == "year":
        return np.datetime64(f"{1970 + absolute:04d}-01-01T00:00:00", "s")
    month = absolute if period == "month" else absolute * 3  # months since 1970-01
    return np.datetime64(f"{1970 + month // 12:04d}-{month % 12 + 1:02d}-01T00:00:00", "s")


def _stamps(hours: np.ndarray, start: dt.date, warmup: float) -> np.ndarray:
    """The calendar instant (``datetime64[s]``) of each simulated hour: the one rule.

    Simulated hour ``warmup`` is midnight at the start of ``start``; an hour later on the
    clock is an hour later on the calendar. :func:`date_hours` is its inverse.
    """
    origin = np.datetime64(start.isoformat(), "s")
    seconds = np.floor((np.asarray(hours, float) - warmup) * 3600.0).astype(np.int64)
    return origin + seconds.astype("timedelta64[s]")


def date_hours(dates: np.ndarray | list[dt.date], *, start: dt.date, warmup: float) -> np.ndarray:
    """The simulated hour at midnight starting each date, by the rule of :func:`_stamps`."""
    days = np.asarray(dates, "datetime64[D]") - np.datetime64(start.isoformat(), "D")
    return np.asarray(warmup + days.astype(np.int64) * 24.0, float)


def calendar_months(hours: np.ndarray, *, start: dt.date, warmup: float) -> np.ndarray:
    """The calendar month (1-12) of each simulated hour, by the rule of :func:`_stamps`."""
    months = _absolute("month", _stamps(np.asarray(hours, float), start, warmup))
    return np.asarray(months % 12 + 1)


def month_starts(*, start: dt.date, warmup: float, until: float) -> tuple[np.ndarray, np.ndarray]:
    """The calendar months met in simulated hours ``[0, until)``: the hour each begins
    (the first is 0, though that month began before the simulation) and its number (1-12).

    By the rule of :func:`_stamps`, so that a month here is the month a report is assessed in.
    """
    first, last = _absolute("month", _stamps(np.asarray([0.0, until]), start, warmup))
    absolute = np.arange(first, last + 1)
    begins = absolute.astype("datetime64[M]").astype("datetime64[D]")
    hours = date_hours(begins, start=start, warmup=warmup)
    hours[0] = 0.0
    keep = hours < until
    return hours[keep], np.asarray(absolute[keep] % 12 + 1)


def _layout(
    period: Period, start: dt.date, warmup: float, horizon: float
) -> tuple[int, int, bool, bool]:
    """First and last absolute period, and whether the first and last are short stubs."""
    first_stamp, last_stamp = _stamps(np.asarray([warmup, warmup + horizon]), start, warmup)
    first = int(_absolute(period, np.asarray([first_stamp]))[0])
    last = int(_absolute(period, np.asarray([last_stamp - np.timedelta64(1, "s")]))[0])
    if last == first:
        return first, last, False, False

    def covered(absolute: int, begin: np.datetime64, end: np.datetime64) -> float:
        length = _begin(period, absolute + 1) - _begin(period, absolute)
        return float((end - begin) / length)

    merge_head = covered(first, first_stamp, _begin(period, first + 1)) < 0.5
    # a short last period joins the one before it, unless that one was joined to the first
    merge_tail = covered(last, _begin(period, last), last_stamp) < 0.5
    merge_tail = merge_tail and last - 1 >= first + merge_head
    return first, last, merge_head, merge_tail


def period_index(
    report_hours: np.ndarray,
    *,
    period: Period,
    start: dt.date,
    warmup: float,
    horizon: float,
) -> np.ndarray:
    """The assessed period (numbered from 0) of each report time (hours)."""
    hours = np.asarray(report_hours, float)
    if period == "horizon":
        return np.zeros(len(hours), np.int64)
    first, last, merge_head, merge_tail = _layout(period, start, warmup, horizon)
    raw = _absolute(period, _stamps(hours, start, warmup))
    clipped: np.ndarray = np.clip(raw, first + merge_head, last - merge_tail)
    return clipped - (first + merge_head)


def period_count(*, period: Period, start: dt.date, warmup: float, horizon: float) -> int:
    """How many periods the horizon of ``horizon`` hours is assessed over."""
    if period == "horizon":
        return 1
    first, last, merge_head, merge_tail = _layout(period, start, warmup, horizon)
    return last - first + 1 - int(merge_head) - int(merge_tail)


def horizon_years(horizon: float) -> float:
    """The horizon in years of 8,760 hours."""
    return horizon / HOURS_PER_YEAR if math.isfinite(horizon) else math.nan
