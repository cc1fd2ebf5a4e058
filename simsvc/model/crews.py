"""Crews: the groups of engineers who share a base and a timetable.

A base staffed with posts (``engineers`` on a ``shift``) is one crew. A base on a
roster (``[[roster]]``: a working day's hours, ``days_on`` then ``days_off`` in a cycle
from ``[calendar] start``) has ``engineers`` people split into the roster's ``crews``:
person ``k`` joins crew ``k mod crews``, and crew ``j`` starts the cycle
``floor(j x L / crews)`` days late (``L`` = days on + days off). Two crews on four on,
four off give one crew on duty every day; one crew (the default) works the same days, an
office week from a Monday start is Monday to Friday. The engine dispatches, times and
counts crews; the results add them up by base.

A crew's timetable is a shift text the calendar reads (:func:`rota_shift`):
``"08:00-20:00 rota 11110000 from 3"`` is a 12-hour day shift, four days on and four off,
three days into the cycle at ``[calendar] start``; ``" off on holidays"`` at the end takes
holidays off.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from simsvc.scenario.schema import OnCall, Roster, Scenario


@dataclass(frozen=True)
class Crew:
    """Engineers of one base on one timetable."""

    base: int
    """Index of its base in ``scenario.base``."""
    shift: str
    """Its timetable as a shift text (``"24x7"``, ``"business"``, ``"HH:MM-HH:MM"`` or a rota)."""
    engineers: int
    on_call: OnCall | None = None
    """For the base's engineers on call: severities, call-out delay."""


def rota_shift(roster: Roster, offset: int) -> str:
    """The shift text of the people of ``roster`` who start its cycle ``offset`` days late."""
    pattern = "1" * roster.days_on + "0" * roster.days_off
    text = f"{roster.shift} rota {pattern} from {offset % len(pattern)}"
    return text + (" off on holidays" if roster.holidays == "off" else "")


def crews_of(scenario: Scenario) -> list[Crew]:
    """Every base's crews, base by base (one crew for a base of posts), then every base's
    engineers on call, one crew each."""
    rosters = {r.id: r for r in scenario.roster}
    crews: list[Crew] = []
    for b, base in enumerate(scenario.base):
        if base.roster is None:
            crews.append(Crew(b, base.shift, base.engineers))
            continue
        roster = rosters[base.roster]
        cycle = roster.days_on + roster.days_off
        size = Counter(k % roster.crews for k in range(base.engineers))
        for j in range(roster.crews):
            start = j * cycle // roster.crews
            crews.append(Crew(b, rota_shift(roster, start), size[j]))
    for b, base in enumerate(scenario.base):
        if base.on_call is not None:
            crews.append(Crew(b, on_call_shift(scenario, b), base.on_call.engineers, base.on_call))
    return crews


def on_call_shift(scenario: Scenario, base: int) -> str:
    """The hours a base's engineers are on call: every day, from the end of its daily hours
    (its shift's, or its roster's) to their start."""
    table = scenario.base[base]
    span = table.shift
    if table.roster is not None:
        span = next(r.shift for r in scenario.roster if r.id == table.roster)
    start, end = span.split("-")
    return f"{end}-{start}"
