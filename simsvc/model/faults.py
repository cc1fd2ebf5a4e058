"""Fault reports from the installed base.

Each installed unit fails as a Poisson process with ``failures_per_year``; the
reports of all units together are one Poisson stream whose rate moves with the
seasons, the installed base and bursts (piecewise constant: :mod:`.demand`) and is
shaped by the optional hourly and weekly profiles (by thinning, keeping the yearly
total). Each report is assigned to a (site, equipment) pair in proportion to the
pairs' rates at its time, and draws its severity from the equipment's severity mix.

The whole stream is drawn up front from its own random stream, so that it is the
same whatever the resources: the common random numbers of every comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simsvc.model.calendar import WorkCalendar
from simsvc.model.demand import BurstSpell, RateSchedule, expected_count, rate_schedule
from simsvc.scenario.schema import Scenario

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class FaultStream:
    """Fault reports in time order: one entry per incident, times in hours."""

    time: np.ndarray
    site: np.ndarray
    equipment: np.ndarray
    severity: np.ndarray

    def __len__(self) -> int:
        return len(self.time)


def installed_rates(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fault rate per hour of every (site, equipment) pair with units installed at the start
    (``site.equipment``), ignoring seasons, changes and bursts (see :mod:`.demand`)."""
    kind_index = {e.id: k for k, e in enumerate(scenario.equipment)}
    sites, kinds, rates = [], [], []
    for i, site in enumerate(scenario.site):
        for kind, units in site.equipment.items():
            if units > 0:
                k = kind_index[kind]
                sites.append(i)
                kinds.append(k)
                rates.append(units * scenario.equipment[k].failures_per_year / HOURS_PER_YEAR)
    return np.asarray(sites, np.int32), np.asarray(kinds, np.int32), np.asarray(rates, float)


def expected_faults(scenario: Scenario) -> float:
    """Expected number of fault reports over warm-up and horizon of one replication
    (seasons, changes of the installed base and bursts at their mean included)."""
    return expected_count(scenario, scenario.scenario.warmup + scenario.scenario.horizon)


def profile_weight(scenario: Scenario, calendar: WorkCalendar, times: np.ndarray) -> np.ndarray:
    """Relative report rate at each time; its average over a week is 1."""
    if scenario.arrivals is None:
        return np.ones(len(times))
    hourly = _relative(scenario.arrivals.hourly_profile)
    weekly = _relative(scenario.arrivals.weekly_profile)
    weekday, hour = calendar.weekday_and_hour(times)
    return np.asarray(hourly[np.minimum(hour.astype(np.int64), 23)] * weekly[weekday])


def _relative(weights: list[float]) -> np.ndarray:
    """Weights scaled to a mean of 1 (divided by the largest first, so no overflow)."""
    scaled = np.asarray(weights, float) / max(weights)
    return np.asarray(scaled / scaled.mean())


def sample_faults(
    scenario: Scenario,
    calendar: WorkCalendar,
    rng: np.random.Generator,
    until: float,
    spells: list[BurstSpell] | None = None,
) -> FaultStream:
    """Draw every fault report in ``[0, until)`` hours; ``spells`` of bursts from
    :func:`~simsvc.model.demand.draw_bursts`.

    A non-homogeneous Poisson process by piecewise-constant rates: the count on each
    segment of the :class:`~simsvc.model.demand.RateSchedule` is Poisson, the times
    uniform on it; the hourly and weekly profiles then thin them; each report goes to a
    pair in proportion to the pairs' rates on its segment. With a single segment (no
    seasons, changes or bursts) these are exactly the draws of a homogeneous stream.
    """
    schedule = rate_schedule(scenario, until, spells)
    totals = schedule.totals()
    peak = 1.0
    if scenario.arrivals is not None:
        hourly = _relative(scenario.arrivals.hourly_profile)
        weekly = _relative(scenario.arrivals.weekly_profile)
        peak = float(hourly.max() * weekly.max())
    bounds = schedule.bounds
    counts = rng.poisson(totals * peak * np.diff(bounds))
    times = np.empty(int(counts.sum()))
    edges = np.concatenate(([0], np.cumsum(counts)))
    for s in np.flatnonzero(counts).tolist():  # one call per segment: no per-report bounds
        drawn = rng.uniform(bounds[s], bounds[s + 1], counts[s])
        if schedule.segments > 1:  # rounding may reach the segment's end: keep it inside
            drawn = np.minimum(drawn, np.nextafter(bounds[s + 1], -np.inf))
        times[edges[s] : edges[s + 1]] = drawn
    times = np.sort(times)
    if peak > 1.0:
        keep = rng.uniform(0.0, peak, len(times)) < profile_weight(scenario, calendar, times)
        times = times[keep]
    pair = _choose_pairs(schedule, totals, times, rng)
    kind = schedule.kind[pair]
    count = len(times)
    severity = np.zeros(count, np.int16)
    severity_index = {s.id: j for j, s in enumerate(scenario.severity)}
    for k, equipment in enumerate(scenario.equipment):
        chosen = np.flatnonzero(kind == k)
        if len(chosen) == 0:
            continue
        ids = list(equipment.severity_mix)
        weights = np.asarray([equipment.severity_mix[i] for i in ids], float)
        codes = np.asarray([severity_index[i] for i in ids], np.int16)
        severity[chosen] = codes[rng.choice(len(ids), size=len(chosen), p=weights / weights.sum())]
    return FaultStream(time=times, site=schedule.site[pair], equipment=kind, severity=severity)


def _choose_pairs(
    schedule: RateSchedule, totals: np.ndarray, times: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The (site, equipment) pair of each report (``times`` in order), in proportion to the
    pairs' rates on the segment it falls in: one uniform per report, in report order,
    looked up in the segment's cumulative shares (what ``rng.choice(pairs, p=rates /
    total)`` does, segment by segment).
    """
    if len(times) == 0:
        return np.zeros(0, np.int64)
    uniform = rng.random(len(times))
    pair = np.zeros(len(times), np.int64)
    # each segment's times lie in [begin, end), so these are its first and past-last reports
    edges = np.searchsorted(times, schedule.bounds)
    edges[0], edges[-1] = 0, len(times)  # one segment: a time rounded onto ``until`` is in it
    for s, rates in enumerate(schedule.each_rates()):
        if edges[s + 1] > edges[s] and totals[s] > 0:
            cdf = (rates / totals[s]).cumsum()
            cdf /= cdf[-1]
            pair[edges[s] : edges[s + 1]] = cdf.searchsorted(
                uniform[edges[s] : edges[s + 1]], side="right"
            )
    return pair
