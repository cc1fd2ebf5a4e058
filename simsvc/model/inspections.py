"""Preventive inspections: every site of a rule visited every ``every`` hours.

Each site's first inspection falls at a random point of the first cycle, so that
a quarterly round does not send every engineer out on the same morning. Visits
due in a month the rule leaves out (``months``) are skipped.
"""

from __future__ import annotations

import numpy as np

from simsvc.model.calendar import WorkCalendar
from simsvc.model.dispatch import Inspection
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
