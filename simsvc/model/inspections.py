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
    """Every inspection due in ``[0, until)`` hours, in due order."""
    plan: list[Inspection] = []
    for rule, inspection in enumerate(scenario.inspection):
        sites = inspected_sites(scenario, rule)
        first = rng.uniform(0.0, inspection.every, len(sites))
        for site, start in zip(sites, first.tolist(), strict=True):
            due = np.arange(start, until, inspection.every)
            if inspection.months is not None and len(due):
                due = due[np.isin(calendar.months(due), inspection.months)]
            business = inspection.clock == "business"
            plan += [Inspection(site, inspection.duration, business, t) for t in due.tolist()]
    plan.sort(key=lambda job: (job.due, job.site))
    return plan


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
        self.env.timeout(hours).callbacks.append(lambda _: self._on_site(engineer, job))

    def _on_site(self, engineer: int, job: Inspection) -> None:
        if self.window[0] <= self.env.now < self.window[1]:
            self.done += 1
        finished = self.env.timeout(job.hours)
        finished.callbacks.append(lambda _: self.engineers.finish(engineer, job.site))
