"""Assessment periods: the month, quarter or year a commitment is assessed over.

A tender assesses "95% of level-1 faults on site within 2 hours" over a period (each
month, quarter or year, or the whole contract) and pays a penalty for every period that
misses. An incident belongs to the period of its report, on the calendar that starts at
``[calendar] start`` when the horizon starts (simulated hour ``warmup``). Periods are
numbered from 0, the period holding the first hour of the horizon; the first and last
may be partial (a horizon starting on 4 January has a short first month).
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


def _stamps(hours: np.ndarray, start: dt.date, warmup: float) -> np.ndarray:
    origin = np.datetime64(start.isoformat(), "s")
    seconds = np.floor((np.asarray(hours, float) - warmup) * 3600.0).astype(np.int64)
    return origin + seconds.astype("timedelta64[s]")


def period_index(
    report_hours: np.ndarray, *, period: Period, start: dt.date, warmup: float
) -> np.ndarray:
    """The period (0 = the one the horizon starts in) of each report time (hours)."""
    hours = np.asarray(report_hours, float)
    if period == "horizon":
        return np.zeros(len(hours), np.int64)
    first = _absolute(period, _stamps(np.asarray([warmup]), start, warmup))[0]
    return _absolute(period, _stamps(hours, start, warmup)) - first


def period_count(*, period: Period, start: dt.date, warmup: float, horizon: float) -> int:
    """How many periods (some partial) the horizon of ``horizon`` hours touches."""
    if period == "horizon":
        return 1
    last = warmup + horizon - 1e-6  # the last instant of the horizon
    return int(period_index(np.asarray([last]), period=period, start=start, warmup=warmup)[0]) + 1


def horizon_years(horizon: float) -> float:
    """The horizon in years of 8,760 hours."""
    return horizon / HOURS_PER_YEAR if math.isfinite(horizon) else math.nan
