"""Travel from tickets: hours per straight-line kilometre and the cv of the trip factor.

The model drives ``great-circle km x road_factor / speed_kmh`` hours, times a lognormal
factor of mean 1 and the given ``cv``. A ticket's trip is ``arrived - dispatched`` from its
``base`` to its site; only the ratio ``road_factor / speed_kmh`` (hours per straight-line
km) is identified by times alone, so the speed is fitted with the scenario's road factor
kept. With ``z = log(hours / km)``, ``var(z)`` estimates ``log(1 + cv^2)`` (chi-square
interval) and ``mean(z) + var(z) / 2`` the log ratio (Cox's interval).

A trip counts only when it starts at the base: when the ticket names the engineer, a trip
dispatched within ``idle_hours`` of the end of that engineer's previous job (which may have
been chained from the last site) is left out. Sites within 0.5 km of the base are left out.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simsvc.fitting.durations import Interval
from simsvc.scenario.schema import Scenario
from simsvc.tickets import TicketHistory

IDLE_HOURS = 12.0
"""A trip counts as from the base when the engineer's previous job ended this long before."""
MIN_KM = 0.5
MIN_TRIPS = 10


@dataclass(frozen=True)
class TravelFit:
    """Hours per straight-line km, the speed it implies, and the trip factor's cv."""

    hours_per_km: Interval
    speed_kmh: Interval
    cv: Interval
    trips: int
    left_out: int
    """Trips with the stamps but not from the base (chained) or too short."""


def great_circle_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) between rows of ``[lat, lon]`` degrees."""
    lat1, lon1 = np.radians(a[:, 0]), np.radians(a[:, 1])
    lat2, lon2 = np.radians(b[:, 0]), np.radians(b[:, 1])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, h))))


def fit_travel(
    history: TicketHistory, scenario: Scenario, confidence: float, idle_hours: float = IDLE_HOURS
) -> TravelFit | None:
    """The travel estimates, or ``None`` with fewer than 10 usable trips."""
    table = history.table
    if not {"dispatched", "arrived", "base"} <= history.present:
        return None
    dispatched = history.hours("dispatched")
    arrived = history.hours("arrived")
    has = ~np.isnan(dispatched) & ~np.isnan(arrived) & (table["base"].to_numpy(str) != "")
    from_base = has.copy()
    if "engineer" in history.present:
        ended = np.where(np.isnan(history.hours("resolved")), arrived, history.hours("resolved"))
        engineers = table["engineer"].to_numpy(str)
        for name in set(engineers[has]) - {""}:
            jobs = np.flatnonzero(has & (engineers == name))
            jobs = jobs[np.argsort(dispatched[jobs], kind="stable")]
            for before, job in itertools.pairwise(jobs):
                if dispatched[job] - ended[before] < idle_hours:
                    from_base[job] = False
    sites = {s.id: s.location for s in scenario.site}
    bases = {b.id: b.location for b in scenario.base}
    rows = np.flatnonzero(from_base)
    a = np.asarray([sites[s] for s in table["site"].to_numpy(str)[rows]], float).reshape(-1, 2)
    b = np.asarray([bases[s] for s in table["base"].to_numpy(str)[rows]], float).reshape(-1, 2)
    km = great_circle_km(a, b)
    hours = arrived[rows] - dispatched[rows]
    ok = (km >= MIN_KM) & (hours > 0)
    n = int(ok.sum())
    if n < MIN_TRIPS:
        return None
    z = np.log(hours[ok] / km[ok])
    alpha = 1 - confidence
    variance = float(z.var(ddof=1))
    centre = float(z.mean()) + variance / 2
    spread = float(stats.norm.ppf(1 - alpha / 2)) * math.sqrt(
        variance / n + variance**2 / (2 * (n - 1))
    )
    ratio = Interval(math.exp(centre), math.exp(centre - spread), math.exp(centre + spread))
    v_low = (n - 1) * variance / float(stats.chi2.ppf(1 - alpha / 2, n - 1))
    v_high = (n - 1) * variance / float(stats.chi2.ppf(alpha / 2, n - 1))
    cv = Interval(
        math.sqrt(math.expm1(variance)), math.sqrt(math.expm1(v_low)), math.sqrt(math.expm1(v_high))
    )
    road = scenario.travel.road_factor
    speed = Interval(road / ratio.value, road / ratio.high, road / ratio.low)
    return TravelFit(ratio, speed, cv, n, int(has.sum()) - n)


__all__ = ["IDLE_HOURS", "TravelFit", "fit_travel", "great_circle_km"]
