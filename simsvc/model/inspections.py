"""Preventive inspections: every site of a rule visited every ``every`` hours.

Each site's first inspection falls at a random point of the first cycle, so that
a quarterly round does not send every engineer out on the same morning. Visits
due in a month the rule leaves out (``months``) are skipped.

An inspection is a job like a fault visit, queued behind every fault: the
engineer travels to the site, inspects it for the rule's ``duration`` and is
then free there (:class:`InspectionVisits`).
"""

from __future__ import annotations

import numpy as np
import simpy

from simsvc.model.calendar import WorkCalendar
from simsvc.model.dispatch import Inspection
from simsvc.model.draws import DrawBuffer
from simsvc.model.engineers import Engineers
from simsvc.model.feeds import Later
from simsvc.scenario.schema import Scenario


def inspected_sites(scenario: Scenario, rule: int) -> list[int]:
    """Indices of the sites an inspection rule covers."""
    sites = scenario.inspection[rule].sites
    if sites == "all":
        return list(range(len(scenario.site)))
    if isinstance(sites, str):
        return [i for i, site in enumerate(scenario.site) if site.zone == sites]
    wanted = set(sites)
    return [i for i, site in enumerate(scenario.site) if site.id in wanted]


def inspection_plan(
    scenario: Scenario, calendar: WorkCalendar, rng: np.random.Generator, until: float
) -> list[Inspection]:
    """Every inspection due in ``[0, until)`` hours, in due order (then site order)."""
    dues: list[np.ndarray] = []
    sites: list[np.ndarray] = []
    hours: list[np.ndarray] = []
    business: list[np.ndarray] = []
    for rule, inspection in enumerate(scenario.inspection):
        covered = np.asarray(inspected_sites(scenario, rule), dtype=np.int64)
        first = rng.uniform(0.0, inspection.every, len(covered))
        due, row = due_times(first, inspection.every, until)
        site = covered[row]
        if inspection.months is not None and len(due):
            keep = np.isin(calendar.months(due), inspection.months)
            due, site = due[keep], site[keep]
        dues.append(due)
        sites.append(site)
        hours.append(np.full(len(due), inspection.duration))
        business.append(np.full(len(due), inspection.clock == "business"))
    if not dues:
        return []
    due, site = np.concatenate(dues), np.concatenate(sites)
    order = np.lexsort((site, due))  # stable, as sorting by (due, site) is
    columns = (site, np.concatenate(hours), np.concatenate(business), due)
    return list(map(Inspection._make, zip(*(c[order].tolist() for c in columns), strict=True)))


def due_times(first: np.ndarray, every: float, until: float) -> tuple[np.ndarray, np.ndarray]:
    """``np.arange(first[k], until, every)`` for every ``k`` at once, to the last bit: the
    due times, site by site, and for each the ``k`` it belongs to.

    ``np.arange`` has ``ceil((until - start) / every)`` values: ``start``, then
    ``start + every``, then ``start + i * delta`` with ``delta = (start + every) - start``.
    """
    count = np.maximum(np.ceil((until - first) / every), 0).astype(np.int64)
    width = int(count.max(initial=0))
    step = np.arange(width, dtype=float)
    due = first[:, None] + step[None, :] * ((first + every) - first)[:, None]
    if width > 1:
        due[:, 1] = first + every
    inside = step[None, :] < count[:, None]
    return due[inside], np.nonzero(inside)[0]


class InspectionVisits:
    """Engineers on preventive visits: travel, inspect, done (times in hours)."""

    def __init__(
        self,
        env: simpy.Environment,
        engineers: Engineers,
        trip_factors: DrawBuffer,
        window: tuple[float, float],
    ) -> None:
        self.env = env
        self.engineers = engineers
        self._trip_factors = trip_factors
        self.window = window
        self.done = 0
        """Inspections started on site within the counting window."""

    def set_out(self, engineer: int, job: Inspection, planned_hours: float) -> None:
        """The engineer leaves for the site; the trip takes ``planned_hours`` times a factor."""
        hours = planned_hours * self._trip_factors.next()
        Later(self.env, hours, lambda _: self._on_site(engineer, job))

    def _on_site(self, engineer: int, job: Inspection) -> None:
        if self.window[0] <= self.env.now < self.window[1]:
            self.done += 1
        Later(self.env, job.hours, lambda _: self.engineers.finish(engineer, job.site))
