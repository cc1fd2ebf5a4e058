"""Variants of a scenario: the one way to change a scenario, validated like a file.

A variant is the scenario's data with some fields replaced, validated again from
scratch (fields, then cross-references), so a value the file could not hold fails
with its key path exactly as a bad file does::

    more = scenario.evolve({"base.north.engineers": 4, "depot.central.stock.psu": 6})

A path names a field the way the file is written, with tables of ids addressed by id
(or by position, ``commitment[0]``):

    base.<id>.engineers            depot.<id>.stock.<part>        desk.agents
    severity.<id>.swap_after       commitment.<id>.goal           travel.speed_kmh
    site.<id>.equipment.<kind>     costs.penalty.<severity>       plan.confidence
    burst.<id>.factor              equipment.<id>.monthly         site.<id>.changes[0].units

The value is what the file would hold there: a number, a text such as ``"30min"`` or
``"15%"``, or a table (a dict) such as ``{"dist": "constant", "value": "7d"}``.
:meth:`simsvc.scenario.Scenario.with_resources`, the sweeps (:mod:`.variation`), the
planner and the charts all build their variants here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simsvc.scenario.errors import Path as KeyPath
from simsvc.scenario.errors import Problem, ScenarioError, format_path

if TYPE_CHECKING:
    from simsvc.scenario.schema import Scenario

LIST_TABLES = (
    "severity",
    "roster",
    "commitment",
    "base",
    "depot",
    "part",
    "equipment",
    "site",
    "inspection",
    "burst",
)
"""Tables written ``[[name]]``: a path names an item by its id or ``[position]``."""

SINGLE_TABLES = (
    "scenario",
    "calendar",
    "desk",
    "remote",
    "travel",
    "arrivals",
    "costs",
    "staffing",
    "plan",
)
"""Tables written ``[name]``."""

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _tokens(path: str) -> list[str | int]:
    """``commitment[0].within`` -> ``["commitment", 0, "within"]``."""
    text = path.strip()
    tokens: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == "." and tokens:
            position += 1
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read the path {path!r}")
        tokens.append(int(match[1]) if match[1] is not None else match[2].strip())
        position = match.end()
    if not tokens or any(t == "" for t in tokens):
        raise ValueError(f"cannot read the path {path!r}")
    return tokens


def _ids(scenario: Scenario, table: str) -> list[str | None]:
    if table == "commitment":
        return list(scenario.commitment_ids())
    return [getattr(item, "id", None) for item in getattr(scenario, table)]


def key_path(scenario: Scenario, path: str) -> KeyPath:
    """The key path in the scenario's data (``("base", 0, "engineers")``) that ``path`` names.

    Raises :class:`ScenarioError` naming the path when a table or an id does not exist.
    """
    try:
        tokens = _tokens(path)
    except ValueError as error:
        raise ScenarioError([Problem((), str(error))], "variant") from None
    head, rest = tokens[0], tokens[1:]
    if head in LIST_TABLES:
        items = getattr(scenario, str(head))
        if not rest:
            return (head,)
        item = rest[0]
        if isinstance(item, int):
            if item >= len(items):
                message = f"{head}[{item}] does not exist (the file has {len(items)})"
                raise ScenarioError([Problem((head,), message)], "variant")
            return (head, item, *rest[1:])
        ids = _ids(scenario, str(head))
        if item not in ids:
            known = ", ".join(str(i) for i in ids if i is not None) or "none defined"
            message = f"unknown {head} {item!r} (known: {known})"
            raise ScenarioError([Problem((head,), message)], "variant")
        return (head, ids.index(item), *rest[1:])
    if head in SINGLE_TABLES:
        if rest and getattr(scenario, str(head)) is None:
            message = f"the scenario has no [{head}] table; set the whole table with path {head!r}"
            raise ScenarioError([Problem((head,), message)], "variant")
        return (head, *rest)
    known = ", ".join((*LIST_TABLES, *SINGLE_TABLES))
    raise ScenarioError([Problem((), f"unknown table {head!r} (known: {known})")], "variant")


def _replaced(data: Any, location: KeyPath, value: Any) -> Any:
    """A copy of ``data`` with the item at ``location`` replaced (copies only that path)."""
    head, rest = location[0], location[1:]
    if isinstance(data, list):
        copy: Any = list(data)
    elif isinstance(data, dict):
        copy = dict(data)
    else:
        raise ScenarioError([Problem(location, "is not a table: it has no fields to set")])
    try:
        if rest:
            if isinstance(copy, dict) and head not in copy:
                copy[head] = {}  # a new key of a table such as stock or penalty
            copy[head] = _replaced(copy[head], rest, value)
        else:
            copy[head] = value
    except (IndexError, TypeError):
        raise ScenarioError([Problem(location, "no such item to set")]) from None
    return copy


def evolve_at(scenario: Scenario, changes: Mapping[KeyPath, Any], what: str) -> Scenario:
    """The scenario with the value at each key path replaced, validated again.

    ``what`` describes the variant in error messages (``"variant base.north.engineers=-3"``).
    """
    from simsvc.scenario.loading import scenario_from_dict

    data: Any = scenario.model_dump(by_alias=True, exclude_none=False)
    for location, value in changes.items():
        try:
            data = _replaced(data, location, value)
        except ScenarioError as error:
            raise ScenarioError(error.problems, what) from None
    commitments = data.get("commitment")
    if isinstance(commitments, list) and len(commitments) == len(scenario.commitment):
        # A commitment keeps its id in a variant (its default id would follow its bound),
        # so that variants compare commitment by commitment.
        for item, key in zip(commitments, scenario.commitment_ids(), strict=True):
            if isinstance(item, dict) and item.get("id") is None:
                item["id"] = key
    try:
        return scenario_from_dict(data)
    except ScenarioError as error:
        raise ScenarioError(error.problems, what) from None


def evolve(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """The scenario with each path of ``changes`` set to its value, validated again.

    Raises :class:`ScenarioError` naming the key path (``base[0].engineers``) of every
    value the file could not hold, of an unknown id and of a reference that does not
    resolve, exactly as loading a file does.
    """
    locations: dict[KeyPath, Any] = {}
    for path, value in changes.items():
        location = key_path(scenario, path)
        if location in locations:
            message = f"{path!r} is set twice (as {format_path(location)})"
            raise ScenarioError([Problem(location, message)], "variant")
        locations[location] = value
    what = "variant " + ", ".join(f"{p}={_short(v)}" for p, v in changes.items())
    return evolve_at(scenario, locations, what if len(what) <= 200 else what[:197] + "...")


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
