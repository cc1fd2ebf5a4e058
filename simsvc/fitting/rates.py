"""Counts and shares from tickets: failure rates, severity and part mixes, remote fixes,
part needs, and the hourly, weekly and monthly profiles of the reports.

A failure rate is the tickets of an equipment kind over its exposure, the unit-years the
scenario's installed base (``site.equipment`` and its dated ``changes``) was in service
during the ticket period, with the exact Poisson (Garwood) interval. Shares carry the exact
binomial (Clopper-Pearson) interval. A profile is the report rate in each hour of the day,
day of the week or month, relative to the mean (exposure: the hours of the period in that
bin), with a chi-square test against a flat profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simsvc.fitting.durations import Interval
from simsvc.scenario.schema import Scenario

HOURS_PER_YEAR = 8760.0


def poisson_rate(count: int, exposure: float, confidence: float) -> Interval:
    """Events per unit of ``exposure``: the estimate and its exact (Garwood) interval."""
    alpha = 1 - confidence
    low = float(stats.chi2.ppf(alpha / 2, 2 * count)) / 2 if count > 0 else 0.0
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    return Interval(count / exposure, low / exposure, high / exposure)


def share(successes: int, trials: int, confidence: float) -> Interval:
    """A share and its exact (Clopper-Pearson) interval; NaN without trials."""
    if trials == 0:
        return Interval(float("nan"), 0.0, 1.0)
    alpha = 1 - confidence
    low = float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1)) if successes else 0.0
    high = (
        float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
        if successes < trials
        else 1.0
    )
    return Interval(successes / trials, low, high)


def unit_years(scenario: Scenario, start: dt.date, end: dt.date) -> dict[tuple[str, str], float]:
    """Unit-years in service of each (site, equipment kind) from ``start`` to ``end`` (dates).

    The installed base is ``site.equipment`` plus every change dated on or before a day.
    """
    exposure: dict[tuple[str, str], float] = {}
    for site in scenario.site:
        kinds = set(site.equipment) | {c.equipment for c in site.changes}
        for kind in kinds:
            units = float(site.equipment.get(kind, 0))
            steps = sorted((c.date, c.units) for c in site.changes if c.equipment == kind)
            edges = [start]
            levels = []
            for date, change in steps:
                if date <= start:
                    units += change
                elif date < end:
                    levels.append(units)
                    edges.append(date)
                    units += change
            levels.append(units)
            edges.append(end)
            days = sum(
                level * (b - a).days for level, a, b in zip(levels, edges, edges[1:], strict=False)
            )
            exposure[site.id, kind] = max(days, 0.0) * 24 / HOURS_PER_YEAR
    return exposure


@dataclass(frozen=True)
class Profile:
    """Relative report rate per bin (mean 1 over the exposure), and the test against flat."""

    name: str
    weights: list[float]
    intervals: list[Interval]
    counts: list[int]
    exposure_hours: list[float]
    chi2: float
    pvalue: float
    complete: bool
    """Every bin had exposure (a monthly profile needs a year of tickets)."""

    @property
    def n(self) -> int:
        """Tickets that fed it."""
        return int(sum(self.counts))


def profile(
    name: str, bins: np.ndarray, size: int, exposure_hours: Sequence[float], confidence: float
) -> Profile:
    """The profile of reports in ``bins`` (0 .. size-1) against the hours of each bin."""
    counts = np.bincount(bins, minlength=size)[:size]
    hours = np.asarray(exposure_hours, float)
    total, n = float(hours.sum()), int(counts.sum())
    covered = hours > 0
    expected = n * hours / total
    chi2 = (
        float(np.sum((counts[covered] - expected[covered]) ** 2 / expected[covered])) if n else 0.0
    )
    df = int(covered.sum()) - 1
    pvalue = float(stats.chi2.sf(chi2, df)) if n and df > 0 else 1.0
    mean_rate = n / total if total else 0.0
    weights, intervals = [], []
    for count, exposure in zip(counts, hours, strict=True):
        if exposure <= 0 or mean_rate == 0:
            weights.append(1.0)
            intervals.append(Interval(1.0, 0.0, float("inf")))
            continue
        rate = poisson_rate(int(count), exposure, confidence)
        weights.append(rate.value / mean_rate)
        intervals.append(Interval(*(v / mean_rate for v in (rate.value, rate.low, rate.high))))
    return Profile(
        name, weights, intervals, counts.tolist(), hours.tolist(), chi2, pvalue, bool(covered.all())
    )


def calendar_exposure(start: dt.date, end: dt.date) -> tuple[list[float], list[float], list[float]]:
    """Hours of the period in each hour of the day, weekday (Monday first) and month."""
    days = np.arange(np.datetime64(start.isoformat()), np.datetime64(end.isoformat()))
    count = len(days)
    weekdays = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    hourly = [float(count)] * 24
    weekly = (np.bincount(weekdays, minlength=7) * 24.0).tolist()
    monthly = (np.bincount(months, minlength=12) * 24.0).tolist()
    return hourly, weekly, monthly


__all__ = [
    "Profile",
    "calendar_exposure",
    "poisson_rate",
    "profile",
    "share",
    "unit_years",
]
