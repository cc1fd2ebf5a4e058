"""Cross-references between the tables of a scenario: every id named must exist.

Run by :class:`~simsvc.scenario.Scenario` once every field is valid; each problem
names the key path of the reference that does not resolve. Also here, because it spans
tables: whatever runs on the business clock (a commitment, a shift, an inspection) needs
business hours in the warm-up and horizon, or every incident would be met at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from simsvc.scenario.errors import Path, Problem, format_path

if TYPE_CHECKING:
    from simsvc.scenario.schema import Scenario


def _duplicates(table: str, ids: Iterable[str | None]) -> Iterable[Problem]:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item is None:
            continue
        if item in seen:
            yield Problem((table, index, "id"), f"duplicate id {item!r}")
        seen.add(item)


def _unknown(path: tuple[str | int, ...], name: str, what: str, known: set[str]) -> Problem:
    listing = ", ".join(sorted(known)) or "none defined"
    return Problem(path, f"unknown {what} {name!r} (known: {listing})")


def cross_check(s: Scenario) -> Iterable[Problem]:
    """Yield every reference between tables that does not resolve, with its key path."""
    yield from _duplicates("severity", (x.id for x in s.severity))
    yield from _duplicates("base", (x.id for x in s.base))
    yield from _duplicates("depot", (x.id for x in s.depot))
    yield from _duplicates("part", (x.id for x in s.part))
    yield from _duplicates("equipment", (x.id for x in s.equipment))
    yield from _duplicates("site", (x.id for x in s.site))
    yield from _duplicates("commitment", (x.id for x in s.commitment))
    severities = {x.id for x in s.severity}
    parts = {x.id for x in s.part}
    depots = {x.id for x in s.depot}
    equipment = {x.id for x in s.equipment}
    sites = {x.id for x in s.site}
    zones = {x.zone for x in s.site if x.zone}

    for zone in s.names.zh:
        if zone not in zones:
            yield _unknown(("names", "zh", zone), zone, "zone", zones)
    for i, level in enumerate(s.severity):
        if level.remote_attempt is not None and level.remote_attempt < level.remote_fix:
            yield Problem(
                ("severity", i, "remote_attempt"),
                f"a remote attempt on {level.remote_attempt:g} of incidents cannot fix"
                f" remote_fix = {level.remote_fix:g} of them: remote_attempt must be at least"
                " remote_fix",
            )
    for i, c in enumerate(s.commitment):
        if c.severity not in severities:
            yield _unknown(("commitment", i, "severity"), c.severity, "severity", severities)
        if c.zone is not None and c.zone not in zones:
            yield _unknown(("commitment", i, "zone"), c.zone, "zone", zones)
        attempted = next((x.attempt_share for x in s.severity if x.id == c.severity), None)
        if c.metric == "remote" and attempted == 0:
            yield Problem(
                ("commitment", i, "metric"),
                f"a remote clock counts incidents with a remote attempt, but severity"
                f" {c.severity!r} has none: set its remote_attempt (or remote_fix)",
            )
    for i, e in enumerate(s.equipment):
        for sev in e.severity_mix:
            if sev not in severities:
                yield _unknown(("equipment", i, "severity_mix", sev), sev, "severity", severities)
        total = sum(e.severity_mix.values())
        if abs(total - 1) > 1e-6:
            yield Problem(("equipment", i, "severity_mix"), f"shares must sum to 1, got {total:g}")
        for part in e.parts:
            if part not in parts:
                yield _unknown(("equipment", i, "parts", part), part, "part", parts)
        if e.parts and abs(sum(e.parts.values()) - 1) > 1e-6:
            total = sum(e.parts.values())
            yield Problem(("equipment", i, "parts"), f"shares must sum to 1, got {total:g}")
        if e.spare_unit is not None and e.spare_unit not in parts:
            yield _unknown(("equipment", i, "spare_unit"), e.spare_unit, "part", parts)
    skills = {skill for b in s.base for skill in b.skills}
    for i, e in enumerate(s.equipment):
        if e.skill is not None and e.skill not in skills:
            yield Problem(
                ("equipment", i, "skill"),
                f"no base has the skill {e.skill!r} (bases' skills: "
                f"{', '.join(sorted(skills)) or 'none'}): add it to a base's skills",
            )
    for i, b in enumerate(s.base):
        if b.depot is not None and b.depot not in depots:
            yield _unknown(("base", i, "depot"), b.depot, "depot", depots)
    for i, d in enumerate(s.depot):
        for part in d.stock:
            if part not in parts:
                yield _unknown(("depot", i, "stock", part), part, "part", parts)
        if d.supplier is not None and d.supplier not in depots:
            yield _unknown(("depot", i, "supplier"), d.supplier, "depot", depots)
        if d.supply_time is not None and d.supplier is None:
            yield Problem(
                ("depot", i, "supply_time"),
                "supply_time is the time from a supplier depot; give the depot a supplier,"
                " or use resupply for a depot resupplied from outside the network",
            )
    yield from _supply_cycles(s)
    for i, p in enumerate(s.part):
        if p.condemnation > 0 and not p.repairable:
            yield Problem(
                ("part", i, "condemnation"),
                "condemnation is the share of failed units of a repairable part that are"
                " scrapped; set repairable = true, or leave condemnation out",
            )
    for i, site in enumerate(s.site):
        for kind in site.equipment:
            if kind not in equipment:
                yield _unknown(("site", i, "equipment", kind), kind, "equipment", equipment)
    for i, insp in enumerate(s.inspection):
        if isinstance(insp.sites, str):
            if insp.sites != "all" and insp.sites not in zones:
                known = zones | {"all"}
                yield _unknown(("inspection", i, "sites"), insp.sites, "zone", known)
        else:
            for j, site_id in enumerate(insp.sites):
                if site_id not in sites:
                    yield _unknown(("inspection", i, "sites", j), site_id, "site", sites)
    yield from _duplicates("burst", (x.id for x in s.burst))
    for i, burst in enumerate(s.burst):
        for j, kind in enumerate(burst.equipment or []):
            if kind not in equipment:
                yield _unknown(("burst", i, "equipment", j), kind, "equipment", equipment)
        for j, zone in enumerate(burst.zones or []):
            if zone not in zones:
                yield _unknown(("burst", i, "zones", j), zone, "zone", zones)
    yield from _installed_changes(s, equipment)
    for sev in s.costs.penalty:
        if sev not in severities:
            yield _unknown(("costs", "penalty", sev), sev, "severity", severities)
    yield from _business_clock(s)


def _installed_changes(s: Scenario, equipment: set[str]) -> Iterable[Problem]:
    """Each site's changes name known equipment, fall on or after the day the simulation
    starts, and never retire more units than are installed at that date."""
    from simsvc.periods import date_hours

    first_day = s.calendar.start - dt.timedelta(days=math.floor(s.scenario.warmup / 24))
    for i, site in enumerate(s.site):
        installed = dict(site.equipment)
        order = sorted(range(len(site.changes)), key=lambda j: site.changes[j].date)
        for j in order:
            change, path = site.changes[j], ("site", i, "changes", j)
            if change.equipment not in equipment:
                yield _unknown((*path, "equipment"), change.equipment, "equipment", equipment)
                continue
            start = date_hours([change.date], start=s.calendar.start, warmup=s.scenario.warmup)
            if start[0] < 0:
                yield Problem(
                    (*path, "date"),
                    f"{change.date} is before the simulation starts ([calendar] start"
                    f" {s.calendar.start} less the warm-up); count those units in"
                    f" site[{i}].equipment, or date the change {first_day} or later",
                )
                continue
            before = installed.get(change.equipment, 0)
            installed[change.equipment] = after = before + change.units
            if after < 0:
                yield Problem(
                    (*path, "units"),
                    f"retiring {-change.units} {change.equipment!r} units on {change.date}"
                    f" leaves {after} installed ({before} before it; changes apply in date"
                    " order, file order on the same date)",
                )
                installed[change.equipment] = 0


def _supply_cycles(s: Scenario) -> Iterable[Problem]:
    """A chain of suppliers that comes back to where it started never ends: refuse it,
    once per cycle, at the first depot of the cycle in file order."""
    index = {d.id: i for i, d in enumerate(s.depot)}
    reported: set[int] = set()
    for start in range(len(s.depot)):
        chain: list[int] = []
        current: int | None = start
        while current is not None and current not in chain:
            chain.append(current)
            supplier = s.depot[current].supplier
            current = index.get(supplier) if supplier is not None else None
        if current is None:
            continue
        cycle = chain[chain.index(current) :]
        if reported.intersection(cycle):
            continue
        reported.update(cycle)
        first = min(cycle)
        at = cycle.index(first)
        cycle = cycle[at:] + cycle[:at]
        names = " -> ".join(repr(s.depot[j].id) for j in [*cycle, first])
        keys = ", ".join(format_path(("depot", j, "supplier")) for j in cycle)
        yield Problem(
            ("depot", first, "supplier"),
            f"the suppliers form a cycle, {names} ({keys}): some depot must have no"
            " supplier and be resupplied from outside (resupply)",
        )


def _business_clock_users(s: Scenario) -> list[Path]:
    """The key paths of everything that runs on the business clock."""
    users: list[Path] = [
        ("commitment", i, "clock") for i, c in enumerate(s.commitment) if c.clock == "business"
    ]
    users += [("desk", "shift")] if s.desk and s.desk.shift == "business" else []
    users += [("remote", "shift")] if s.remote and s.remote.shift == "business" else []
    users += [("base", i, "shift") for i, b in enumerate(s.base) if b.shift == "business"]
    users += [
        ("inspection", i, "clock") for i, x in enumerate(s.inspection) if x.clock == "business"
    ]
    return users


def has_business_hours(s: Scenario) -> bool:
    """Whether the business clock ticks at all in the warm-up and the horizon."""
    from simsvc.model.calendar import WorkCalendar

    if not s.calendar.business_days:
        return False
    calendar = WorkCalendar(s.calendar, s.scenario.warmup)
    start_hour, end_hour = calendar.business_span
    begin = calendar.offset  # hours from the calendar's origin to t = 0
    end = begin + s.scenario.warmup + s.scenario.horizon
    for day in range(math.floor(begin / 24), math.floor(end / 24) + 1):
        opens, closes = day * 24 + start_hour, day * 24 + end_hour
        if min(closes, end) > max(opens, begin) and calendar.is_business_day(day):
            return True
    return False


def _business_clock(s: Scenario) -> Iterable[Problem]:
    """A business clock that never ticks measures every incident as met at once: refuse it."""
    users = _business_clock_users(s)
    if not users or has_business_hours(s):
        return
    used = ", ".join(format_path(path) for path in users[:3])
    used += f" and {len(users) - 3} more" if len(users) > 3 else ""
    verb = "uses" if len(users) == 1 else "use"
    if not s.calendar.business_days:
        yield Problem(
            ("calendar", "business_days"),
            f"calendar.business_days is empty, so the business clock never runs, but {used}"
            f" {verb} it; list the business days or use the 24x7 clock",
        )
        return
    days = ", ".join(s.calendar.business_days)
    if not s.calendar.holidays:  # a horizon of a few hours between two business days
        yield Problem(
            ("scenario", "horizon"),
            f"the warm-up and horizon hold no business hours (calendar.business_days = {days},"
            f" business_hours = {s.calendar.business_hours}), so the business clock never"
            f" runs, but {used} {verb} it; lengthen the horizon or use the 24x7 clock",
        )
        return
    yield Problem(
        ("calendar", "holidays"),
        f"every business day of the warm-up and horizon (calendar.business_days = {days}) is"
        f" in calendar.holidays, so the business clock never runs, but {used} {verb} it;"
        " add business days or remove holidays",
    )
