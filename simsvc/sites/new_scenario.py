"""A new scenario file: a template's service (severities, commitments, resources) with the
sites of a site list.

The template is a scenario file, by default one of the bundled ``scenarios/*.toml``. Its
text is kept as it is, comments included, except its ``[[site]]`` tables (and the
comments just above them), which give way to one ``[[site]]`` per row of the site list,
each with a comment naming the row's line and how it was placed; a new header says where
the file came from, and ``[scenario] name`` names the site list. The result is checked
with the same validation as ``simsvc validate`` before it is written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from simsvc.scenario.errors import ScenarioError
from simsvc.scenario.loading import load_scenario, parse_scenario
from simsvc.scenario.schema import Scenario
from simsvc.sites.errors import NewScenarioError, SiteListError
from simsvc.sites.gazetteer import Gazetteer, Place, Unplaced
from simsvc.sites.site_list import SiteList, SiteRow, read_site_list

DEFAULT_TEMPLATE = "city_network"
FAR_KM = 300.0
"""A site farther than this (great circle, km) from every base of the template is reported."""
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]\s]+)\s*\]\]?")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class NewScenario:
    """The scenario file's text, and what was left out (``skipped``: line, reason)."""

    text: str
    sites: int
    skipped: list[tuple[int, str]]
    warnings: list[str]


def bundled_templates() -> dict[str, Path]:
    """The scenarios shipped with simsvc (``scenarios/*.toml``), by name."""
    folder = Path(__file__).resolve().parents[2] / "scenarios"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def find_template(name: str | None) -> Path:
    """A template by file name, or by the name of a bundled scenario (``metro_line2``)."""
    name = name or DEFAULT_TEMPLATE
    if Path(name).is_file():
        return Path(name)
    bundled = bundled_templates()
    found = bundled.get(name.removesuffix(".toml"))
    if found is None:
        raise NewScenarioError(
            f"{name}: no such file and no bundled template of that name (bundled: "
            + ", ".join(bundled)
            + ")"
        )
    return found


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _key(text: str) -> str:
    return text if _BARE_KEY.match(text) else _toml_string(text)


def _site_id(row: SiteRow, taken: set[str]) -> str:
    base = row.id or row.name
    text = unicodedata.normalize("NFC", base)
    text = re.sub(r"[^\w-]+", "-", text).strip("-_") or f"site-{row.line}"
    if not re.match(r"^\w", text):
        text = f"site-{text}"
    text = text[:90]
    candidate, n = text, 2
    while candidate in taken:
        candidate, n = f"{text}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def _without_sites(text: str) -> tuple[list[str], int]:
    """The template's lines without its ``[[site]]`` tables (and the comments just above
    each), and the index where the first one was."""
    lines = text.splitlines()
    kept: list[str] = []
    first = -1
    in_site = False
    in_string = False
    for line in lines:
        header = None if in_string else _HEADER.match(line)
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_string = not in_string
        if header is not None:
            table = header[1]
            in_site = table == "site" or table.startswith("site.")
            if in_site:
                while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
                    if first != -1 and len(kept) <= first:
                        break
                    kept.pop()
                if first == -1:
                    first = len(kept)
                continue
        if not in_site:
            kept.append(line)
    return kept, first if first != -1 else len(kept)


def _set_scenario_key(lines: list[str], key: str, value: str) -> None:
    """Set ``key`` of the ``[scenario]`` table to the TOML ``value`` (a one-line string)."""
    start = next((k for k, line in enumerate(lines) if line.strip() == "[scenario]"), None)
    if start is None:
        return
    end = next((k for k in range(start + 1, len(lines)) if _HEADER.match(lines[k])), len(lines))
    for k in range(start + 1, end):
        if re.match(rf"^\s*{key}\s*=", lines[k]):
            stop = k
            if '"""' in lines[k] and lines[k].count('"""') == 1:  # a multi-line string
                stop = next((j for j in range(k + 1, end) if '"""' in lines[j]), k)
            lines[k : stop + 1] = [f"{key} = {value}"]
            return
    lines.insert(start + 1, f"{key} = {value}")


def _site_block(row: SiteRow, site_id: str, where: str, place: tuple[float, float]) -> str:
    equipment = ", ".join(f"{_key(k)} = {n}" for k, n in row.equipment.items())
    lines = [
        f"# line {row.line}: {where}",
        "[[site]]",
        f"id = {_toml_string(site_id)}",
        f"name = {_toml_string(row.name)}",
        f"location = [{place[0]:.6f}, {place[1]:.6f}]",
    ]
    if row.zone is not None:
        lines.append(f"zone = {_toml_string(row.zone)}")
    lines.append(f"equipment = {{ {equipment} }}")
    return "\n".join(lines)


def _equipment_headers(template: Scenario) -> dict[str, str]:
    headers: dict[str, str] = {}
    for e in template.equipment:
        headers[e.id.casefold()] = e.id
        if e.name:
            headers.setdefault(" ".join(e.name.split()).casefold(), e.id)
    return headers


def _check_zones(template: Scenario, rows: list[SiteRow], source: str) -> None:
    zones = {r.zone for r in rows if r.zone}
    needed = {c.zone for c in template.commitment if c.zone}
    needed |= {i.sites for i in template.inspection if isinstance(i.sites, str)} - {"all"}
    missing = sorted(z for z in needed if z not in zones)
    if missing:
        raise NewScenarioError(
            f"{source}: the template has commitments or inspections for zone"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}, which no site of the"
            f" list is in (zones in the list: {', '.join(sorted(zones)) or 'none'}); fill the"
            " zone column, or choose a template whose commitments have no zones"
        )
    for k, inspection in enumerate(template.inspection):
        if isinstance(inspection.sites, list):
            raise NewScenarioError(
                f"the template's inspection {k + 1} lists sites by id"
                f" ({', '.join(inspection.sites)}); those sites are replaced: give it"
                ' sites = "all" or a zone in a copy of the template'
            )


def new_scenario(
    sites: str | Path,
    template: str | Path | None = None,
    *,
    name: str | None = None,
    skip_unplaced: bool = False,
    gazetteer: Gazetteer | None = None,
    today: dt.date | None = None,
) -> NewScenario:
    """The scenario file made from the site list ``sites`` and ``template`` (a path or the
    name of a bundled scenario; default :data:`DEFAULT_TEMPLATE`).

    Raises :class:`NewScenarioError` (or :class:`~simsvc.sites.site_list.SiteListError`)
    listing every row that cannot be used, with its line; rows whose address cannot be
    placed are left out and listed in :attr:`NewScenario.skipped` with ``skip_unplaced``.
    """
    template_path = find_template(str(template) if template is not None else None)
    try:
        base = load_scenario(template_path)
    except ScenarioError as error:
        raise NewScenarioError(f"the template is not a valid scenario:\n{error}") from None
    listing: SiteList = read_site_list(sites, _equipment_headers(base))
    if listing.problems:
        raise NewScenarioError(
            f"{listing.source}: {len(listing.problems)} row"
            f"{'s' if len(listing.problems) > 1 else ''} cannot be read\n"
            + "\n".join(f"  line {line}: {message}" for line, message in listing.problems)
        )
    if not listing.rows:
        raise NewScenarioError(f"{listing.source}: no sites below the header")
    placed: list[tuple[SiteRow, tuple[float, float], str]] = []
    unplaced: list[tuple[int, str]] = []
    for row in listing.rows:
        if row.lat is not None and row.lon is not None:
            placed.append((row, (row.lat, row.lon), "latitude and longitude as given"))
            continue
        assert row.address is not None
        gazetteer = gazetteer or Gazetteer()
        try:
            where: Place = gazetteer.place(row.address)
        except Unplaced as reason:
            unplaced.append((row.line, f"{row.address}: {reason}"))
            continue
        note = f"{row.address} -> {where.label} (district {where.adcode}, at its seat)"
        placed.append((row, (where.lat, where.lon), note))
    if unplaced and not skip_unplaced:
        raise NewScenarioError(
            f"{listing.source}: {len(unplaced)} address{'es' if len(unplaced) > 1 else ''}"
            " could not be placed (give latitude and longitude, correct the address, or"
            " leave those rows out with --skip-unplaced)\n"
            + "\n".join(f"  line {line}: {message}" for line, message in unplaced)
        )
    if not placed:
        raise NewScenarioError(f"{listing.source}: no site could be placed")
    rows = [row for row, _, _ in placed]
    _check_zones(base, rows, listing.source)
    warnings = []
    bases = [(b.id, (b.location[0], b.location[1])) for b in base.base]
    for row, point, _ in placed:
        nearest = min(_km(point, at) for _, at in bases)
        if nearest > FAR_KM:
            warnings.append(
                f"line {row.line}: {row.name} is {nearest:,.0f} km from the nearest base of"
                " the template; move or add a [[base]] near it"
            )

    taken: set[str] = set()
    blocks = [_site_block(row, _site_id(row, taken), note, p) for row, p, note in placed]
    text = template_path.read_text("utf-8-sig")
    lines, at = _without_sites(text)
    header_end = next((k for k, line in enumerate(lines) if not line.startswith("#")), len(lines))
    template_notes = lines[:header_end]
    body = lines[header_end:]
    at -= header_end
    day = (today or dt.date.today()).isoformat()
    source = Path(sites).name
    header = [
        f"# Sites from {source}, service from the template {template_path.stem}",
        "#",
        f"# Written by simsvc new on {day}: {len(placed)} sites from {source}"
        + (f" ({len(unplaced)} rows left out, listed at the end)" if unplaced else "")
        + ";",
        "# severities, commitments, desk, bases, depots, parts, equipment, costs and plan",
        f"# bounds as in {template_path.name}. Check the bases: they are the template's.",
        "# The template's own notes follow; what they say about its sites no longer applies.",
        "#",
        *[("#  " + line[1:]).rstrip() for line in template_notes],
        "",
    ]
    sites_text = [
        f"# -- installed base: {len(placed)} sites from {source} " + "-" * max(3, 60 - len(source)),
        "",
        "\n\n".join(blocks),
        "",
    ]
    # the sites go in first: setting the name and a multi-line description changes the
    # number of lines before them
    body[at:at] = sites_text
    _set_scenario_key(body, "name", _toml_string(name or f"{base.scenario.name}: {source}"))
    _set_scenario_key(
        body,
        "description",
        _toml_string(f"{len(placed)} sites from {source}; service from {template_path.name}"),
    )
    tail = []
    if unplaced:
        tail = ["", f"# Rows of {source} left out (--skip-unplaced):"]
        tail += [f"#   line {line}: {message}" for line, message in unplaced]
    out = "\n".join(header + body + tail).rstrip() + "\n"
    out = re.sub(r"\n{3,}", "\n\n", out)
    try:
        tomllib.loads(out)
        parse_scenario(out, "the new scenario")
    except (tomllib.TOMLDecodeError, ScenarioError) as error:
        raise NewScenarioError(f"the scenario made from {source} is not valid:\n{error}") from None
    return NewScenario(out, len(placed), unplaced, warnings)


__all__ = [
    "NewScenario",
    "NewScenarioError",
    "SiteListError",
    "bundled_templates",
    "find_template",
    "new_scenario",
]
