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

A base on a ``[[roster]]`` is staffed with people, not posts: its ``engineers`` are the
people on the rota, on duty as the rota says (:mod:`simsvc.model.crews`), and leave,
training and sickness are covered by relief staff: it takes ``engineers / (1 -
shrinkage)`` people. :func:`rostered_hours_per_week` gives the hours each person works.

Every yearly cost of people (engineers, desk agents, remote engineers) is people x the
cost of a person a year (``[costs] engineer_per_year`` and the like): a 24x7 post costs
about four and a half people, not one.
"""

from __future__ import annotations

from simsvc.model.calendar import WorkCalendar
from simsvc.model.crews import crews_of
from simsvc.scenario.schema import Base, Scenario

HOURS_PER_YEAR = 8760.0
HOURS_PER_WEEK = 168.0


def shift_hours_per_year(scenario: Scenario, shift: str) -> float:
    """On-shift hours of ``shift`` over the horizon, on the scenario's calendar, scaled to
    a year; computed once per scenario and shift."""
    known = scenario.shift_hours_memo
    info = scenario.scenario
    # keyed by the objects it is computed from, which the scenario keeps alive: a copy
    # with another calendar or horizon computes afresh
    key = (shift, id(scenario.calendar), id(info))
    if key not in known:
        calendar = WorkCalendar(scenario.calendar, info.warmup)
        hours = calendar.on_shift_hours(shift, info.warmup, info.warmup + info.horizon)
        known[key] = hours * HOURS_PER_YEAR / info.horizon
    return known[key]


def people_per_post(scenario: Scenario, shift: str) -> float:
    """People one post on ``shift`` takes (see the module doc)."""
    staffing = scenario.staffing
    per_person = staffing.hours_per_year * (1.0 - staffing.shrinkage)
    return shift_hours_per_year(scenario, shift) / per_person


def people_per_engineer(scenario: Scenario, base: Base) -> float:
    """People one of a base's ``engineers`` takes: a post's people, or for a rostered base
    one person and the relief for their shrinkage."""
    if base.roster is not None:
        return 1.0 / (1.0 - scenario.staffing.shrinkage)
    return people_per_post(scenario, base.shift)


def rostered_hours_per_week(scenario: Scenario) -> dict[str, float | None]:
    """On-shift hours a week of each person of each rostered base, on average over the
    horizon, by base id (None for a base of posts, or one with nobody on its roster)."""
    hours = [0.0] * len(scenario.base)
    for crew in crews_of(scenario):
        if crew.on_call is None:
            hours[crew.base] += crew.engineers * shift_hours_per_year(scenario, crew.shift)
    weeks_a_year = HOURS_PER_YEAR / HOURS_PER_WEEK
    return {
        b.id: (
            hours[k] / b.engineers / weeks_a_year if b.roster is not None and b.engineers else None
        )
        for k, b in enumerate(scenario.base)
    }


def people(scenario: Scenario) -> dict[str, float]:
    """People the scenario's staff take: ``engineers`` (all bases), ``desk``, ``remote``."""
    desk, remote = scenario.desk, scenario.remote
    return {
        "engineers": sum(b.engineers * people_per_engineer(scenario, b) for b in scenario.base),
        "desk": desk.agents * people_per_post(scenario, desk.shift) if desk else 0.0,
        "remote": remote.agents * people_per_post(scenario, remote.shift) if remote else 0.0,
    }


def base_people(scenario: Scenario) -> dict[str, float]:
    """People each base's engineers take, by base id."""
    return {b.id: b.engineers * people_per_engineer(scenario, b) for b in scenario.base}
