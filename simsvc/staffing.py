"""People, not posts: how many people a staffed post takes, and what they cost.

A scenario staffs *posts*: ``engineers = 2`` on ``shift = "24x7"`` are two engineers on
duty every hour of the year. A post is filled by people who each work
``[staffing] hours_per_year`` paid hours, of which the ``shrinkage`` share is lost to
leave, training and sickness. A post therefore takes

    people = on-shift hours of its shift in a year / (hours_per_year x (1 - shrinkage))

people: with the default 2,000 hours and no shrinkage, a 24x7 post takes 4.38 people, a
post on 08:00-20:00 every day 2.19, a business-hours post (09:00-18:00 on 250 days)
1.13. The on-shift hours are counted over the horizon on the scenario's calendar
(holidays and make-up working days included) and scaled to a year.

Every yearly cost of people (engineers, desk agents, remote engineers) is people x the
cost of a person a year (``[costs] engineer_per_year`` and the like): a 24x7 post costs
about four and a half people, not one.
"""

from __future__ import annotations

from simsvc.model.calendar import WorkCalendar
from simsvc.scenario.schema import Scenario

HOURS_PER_YEAR = 8760.0


def people_per_post(scenario: Scenario, shift: str) -> float:
    """People one post on ``shift`` takes (see the module doc); computed once per scenario
    and shift."""
    known = scenario.people_per_post_memo
    info, staffing = scenario.scenario, scenario.staffing
    # keyed by the objects it is computed from, which the scenario keeps alive: a copy
    # with another calendar, staffing or horizon computes afresh
    key = (shift, id(scenario.calendar), id(staffing), id(info))
    if key not in known:
        calendar = WorkCalendar(scenario.calendar, info.warmup)
        hours = calendar.on_shift_hours(shift, info.warmup, info.warmup + info.horizon)
        per_year = hours * HOURS_PER_YEAR / info.horizon
        known[key] = per_year / (staffing.hours_per_year * (1.0 - staffing.shrinkage))
    return known[key]


def people(scenario: Scenario) -> dict[str, float]:
    """People the scenario's posts take: ``engineers`` (all bases), ``desk``, ``remote``."""
    desk, remote = scenario.desk, scenario.remote
    return {
        "engineers": sum(b.engineers * people_per_post(scenario, b.shift) for b in scenario.base),
        "desk": desk.agents * people_per_post(scenario, desk.shift) if desk else 0.0,
        "remote": remote.agents * people_per_post(scenario, remote.shift) if remote else 0.0,
    }


def base_people(scenario: Scenario) -> dict[str, float]:
    """People each base's engineers take, by base id."""
    return {b.id: b.engineers * people_per_post(scenario, b.shift) for b in scenario.base}
