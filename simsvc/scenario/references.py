"""Cross-references between the tables of a scenario: every id named must exist.

Run by :class:`~simsvc.scenario.Scenario` once every field is valid; each problem
names the key path of the reference that does not resolve.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simsvc.scenario.errors import Problem

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

    for i, c in enumerate(s.commitment):
        if c.severity not in severities:
            yield _unknown(("commitment", i, "severity"), c.severity, "severity", severities)
        if c.zone is not None and c.zone not in zones:
            yield _unknown(("commitment", i, "zone"), c.zone, "zone", zones)
        if c.clock == "business" and not s.calendar.business_days:
            yield Problem(("commitment", i, "clock"), "business clock but no business_days")
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
    for i, b in enumerate(s.base):
        if b.depot is not None and b.depot not in depots:
            yield _unknown(("base", i, "depot"), b.depot, "depot", depots)
    for i, d in enumerate(s.depot):
        for part in d.stock:
            if part not in parts:
                yield _unknown(("depot", i, "stock", part), part, "part", parts)
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
    for sev in s.costs.penalty:
        if sev not in severities:
            yield _unknown(("costs", "penalty", sev), sev, "severity", severities)
    uses_business: list[tuple[str | int, ...]] = (
        [("desk", "shift")] if s.desk and s.desk.shift == "business" else []
    )
    uses_business += [("base", i, "shift") for i, b in enumerate(s.base) if b.shift == "business"]
    if uses_business and not s.calendar.business_days:
        yield Problem(uses_business[0], "shift 'business' but calendar.business_days is empty")
