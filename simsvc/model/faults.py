"""Fault reports from the installed base.

Each installed unit fails as a Poisson process with ``failures_per_year``; the
reports of all units together are one Poisson stream whose rate is shaped by the
optional hourly and weekly profiles (by thinning, keeping the yearly total). Each
report is assigned to a (site, equipment) pair in proportion to its rate, and
draws its severity from the equipment's severity mix.

The whole stream is drawn up front from its own random stream, so that it is the
same whatever the resources: the common random numbers of every comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simsvc.model.calendar import WorkCalendar
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
    """Fault rate per hour of every (site, equipment) pair with units installed."""
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
    """Expected number of fault reports over warm-up and horizon of one replication."""
    _, _, rates = installed_rates(scenario)
    return float(rates.sum()) * (scenario.scenario.warmup + scenario.scenario.horizon)


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
    scenario: Scenario, calendar: WorkCalendar, rng: np.random.Generator, until: float
) -> FaultStream:
    """Draw every fault report in ``[0, until)`` hours."""
    sites, kinds, rates = installed_rates(scenario)
    total = float(rates.sum())
    peak = 1.0
    if scenario.arrivals is not None:
        hourly = _relative(scenario.arrivals.hourly_profile)
        weekly = _relative(scenario.arrivals.weekly_profile)
        peak = float(hourly.max() * weekly.max())
    count = rng.poisson(total * peak * until) if total > 0 else 0
    times = np.sort(rng.uniform(0.0, until, count))
    if peak > 1.0:
        keep = rng.uniform(0.0, peak, count) < profile_weight(scenario, calendar, times)
        times = times[keep]
    count = len(times)
    pair = rng.choice(len(rates), size=count, p=rates / total) if count else np.zeros(0, np.int64)
    kind = kinds[pair]
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
    return FaultStream(time=times, site=sites[pair], equipment=kind, severity=severity)
