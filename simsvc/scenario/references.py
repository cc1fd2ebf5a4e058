"""Cross-references between the tables of a scenario: every id named must exist.

Run by :class:`~simsvc.scenario.Scenario` once every field is valid; each problem
names the key path of the reference that does not resolve. Also here, because they span
tables: whatever runs on the business clock (a commitment, a shift, an inspection) needs
business hours in the warm-up and horizon, or every incident would be met at once; and a
``[calendar] country`` must know every year the warm-up and horizon reach, unless the file
lists that year's holidays itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
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
    yield from _duplicates("roster", (x.id for x in s.roster))
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
    rosters = {r.id for r in s.roster}
    for i, b in enumerate(s.base):
        for part in b.van:
            if part not in parts:
                yield _unknown(("base", i, "van", part), part, "part", parts)
        if b.van and not s.depot:
            yield Problem(
                ("base", i, "van"),
                "van stock is restocked from a depot, but the scenario has none (and visits"
                " need no parts without depots)",
            )
        if b.on_call is not None:
            for j, sid in enumerate(b.on_call.severities):
                if sid not in severities:
                    path = ("base", i, "on_call", "severities", j)
                    yield _unknown(path, sid, "severity", severities)
            if b.roster is None and b.shift in ("24x7", "business"):
                yield Problem(
                    ("base", i, "on_call"),
                    f"engineers on call cover the hours outside the base's daily hours, but"
                    f" shift {b.shift!r} has none to cover that a simple span describes: give"
                    " the base an HH:MM-HH:MM shift or a roster",
                )
        if b.roster is not None:
            if b.roster not in rosters:
                yield _unknown(("base", i, "roster"), b.roster, "roster", rosters)
            if b.shift != "24x7":
                yield Problem(
                    ("base", i, "shift"),
                    f"a base on a roster works its roster's hours ({b.roster!r}): remove shift,"
                    " or remove roster to staff posts on this shift",
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
        if d.supplier is not None and d.resupply != type(d).model_fields["resupply"].default:
            # (compared with the default, not the fields set: variants set every field)
            yield Problem(
                ("depot", i, "resupply"),
                f"a depot with a supplier ({d.supplier!r}) is resupplied from it after"
                " supply_time, so its resupply would never be used: remove it, or write the"
                " time from the supplier as supply_time",
            )
        if d.repair_time is None:
            for key in ("repair_capacity", "nff_time"):
                if getattr(d, key) != type(d).model_fields[key].default:
                    yield Problem(
                        ("depot", i, key),
                        f"{key} belongs to the depot's repair shop, and the depot repairs"
                        " nothing: give it a repair_time, or leave the key out",
                    )
    yield from _supply_cycles(s)
    for i, p in enumerate(s.part):
        if p.condemnation > 0 and not p.repairable:
            yield Problem(
                ("part", i, "condemnation"),
                "condemnation is the share of failed units of a repairable part that are"
                " scrapped; set repairable = true, or leave condemnation out",
            )
        if p.no_fault_found > 0 and not p.repairable:
            yield Problem(
                ("part", i, "no_fault_found"),
                "no_fault_found is the share of returned units of a repairable part that"
                " have no fault; set repairable = true, or leave no_fault_found out",
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
    calendar_problems = list(_calendar_lists(s))
    yield from calendar_problems
    if not any(p.path == ("calendar", "country") for p in calendar_problems):
        yield from _dispatch_radius(s)
    yield from _business_clock(s)


def simulated_years(s: Scenario) -> range:
    """The calendar years of the days the warm-up and horizon cover.

    ``t = warmup`` is midnight at the start of ``[calendar] start``: the warm-up runs on
    the days before it, the horizon from it on.
    """
    start = s.calendar.start
    first = start - dt.timedelta(days=math.ceil(s.scenario.warmup / 24 - 1e-12))
    last = start + dt.timedelta(days=max(math.ceil(s.scenario.horizon / 24 - 1e-12) - 1, 0))
    return range(first.year, last.year + 1)


def _years_text(years: Sequence[int]) -> str:
    """``2027``, ``2027 and 2028``, ``2027 to 2030`` (consecutive) or ``2003, 2027 and 2028``."""
    if len(years) > 2 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]} to {years[-1]}"
    if len(years) == 1:
        return str(years[0])
    return ", ".join(str(y) for y in years[:-1]) + f" and {years[-1]}"


def _calendar_lists(s: Scenario) -> Iterable[Problem]:
    """A date in both file lists; a country whose package is missing or does not know a
    simulated year that the file lists no holidays for."""
    holidays = {day: i for i, day in reversed(list(enumerate(s.calendar.holidays)))}
    for j, day in enumerate(s.calendar.workdays):
        if day in holidays:
            yield Problem(
                ("calendar", "workdays", j),
                f"{day} is also in calendar.holidays (item {holidays[day]}); a date is either a"
                " day off or a working day: remove it from one of the two lists",
            )
    country = s.calendar.country
    if country is None:
        return
    from simsvc.model.official_days import COUNTRY_NAMES, CalendarPackageMissing, official_days

    try:
        official = official_days(country)
    except CalendarPackageMissing as error:
        yield Problem(("calendar", "country"), str(error))
        return
    listed = {day.year for day in s.calendar.holidays}
    years = simulated_years(s)
    missing = [y for y in years if not official.covers(y) and y not in listed]
    if not missing:
        return
    later = [y for y in missing if y > official.last_year]
    reach = f"the horizon reaches {_years_text(later)}" if later else ""
    if earlier := [y for y in missing if y < official.first_year]:
        reach = f"the simulated days start in {earlier[0]}" + (f" and {reach}" if reach else "")
    named = _years_text(missing)
    yield Problem(
        ("calendar", "country"),
        f"the calendar package ({official.source}) knows {COUNTRY_NAMES[country]}'s holidays"
        f" from {official.first_year} up to {official.last_year}; {reach}: list {named}'s"
        " holidays and make-up workdays in [calendar] holidays / workdays",
    )


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


def _dispatch_radius(s: Scenario) -> Iterable[Problem]:
    """With a dispatch radius, every site must have a base within it, or its faults would
    wait for ever."""
    radius = s.travel.dispatch_radius_km
    if radius is None:
        return
    from simsvc.model.travel import great_circle_km

    bases = [b.location for b in s.base if b.engineers > 0]
    for i, site in enumerate(s.site):
        road = min(
            (float(great_circle_km(*site.location, *b)) * s.travel.road_factor for b in bases),
            default=math.inf,
        )
        if road > radius:
            yield Problem(
                ("site", i, "location"),
                f"the nearest base with engineers is {road:,.0f} km of road away, beyond"
                f" travel.dispatch_radius_km = {radius:g}: its faults would never be served;"
                " widen the radius or add a base near it",
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
    from simsvc.model.official_days import CalendarPackageMissing

    if not s.calendar.business_days and not s.calendar.workdays:
        return False
    try:
        calendar = WorkCalendar(s.calendar, s.scenario.warmup)
    except CalendarPackageMissing:
        return True  # cannot tell without the package: calendar.country reports it
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
    if not s.calendar.business_days and not s.calendar.workdays:
        yield Problem(
            ("calendar", "business_days"),
            f"calendar.business_days is empty, so the business clock never runs, but {used}"
            f" {verb} it; list the business days or use the 24x7 clock",
        )
        return
    days = ", ".join(s.calendar.business_days)
    if not s.calendar.holidays and s.calendar.country is None:
        # a horizon of a few hours between two business days
        yield Problem(
            ("scenario", "horizon"),
            f"the warm-up and horizon hold no business hours (calendar.business_days = {days},"
            f" business_hours = {s.calendar.business_hours}), so the business clock never"
            f" runs, but {used} {verb} it; lengthen the horizon or use the 24x7 clock",
        )
        return
    key = "holidays" if s.calendar.holidays else "country"
    yield Problem(
        ("calendar", key),
        f"every business day of the warm-up and horizon (calendar.business_days = {days}) is"
        f" a holiday of calendar.{key}, so the business clock never runs, but {used} {verb}"
        " it; add business days or workdays, or remove holidays",
    )
