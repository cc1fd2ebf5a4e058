"""The form controls of a variant: each names the ``Scenario.evolve`` key path it sets.

The page draws one control per resource a service manager moves (engineers and shift
per base, desk agents and shift, remote engineers, stock per depot and part, the swap
rule per severity, travel speed) and hands what the manager entered to
:func:`changes_from`, which keeps only what differs from the baseline. The variant is
then built by :func:`build_variant`, that is by :meth:`Scenario.evolve`: the same
validation, with the same key paths in its errors, as a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simsvc.scenario.schema import Scenario
from simsvc.scenario.units import format_hours

Kind = Literal["count", "speed", "text"]
"""How a control is entered: a whole number, a positive number, or a text (a shift,
``"15%"``, ``"8h"``)."""


@dataclass(frozen=True)
class Control:
    """One form control: the evolve key ``path``, the group and label it shows under
    (``label`` is a :class:`~simsvc.app.words.Words` key, filled with ``subject``), how it
    is entered, and the baseline's ``value`` as the control shows it."""

    path: str
    group: str
    label: str
    subject: Mapping[str, str]
    kind: Kind
    value: Any


def _stock_text(level: int | str) -> str:
    return str(level)


def controls(scenario: Scenario) -> list[Control]:
    """The controls of ``scenario``'s resources, in the order the page shows them."""
    found: list[Control] = []
    for base in scenario.base:
        subject = {"base": base.id}
        found.append(
            Control(
                f"base.{base.id}.engineers",
                "engineers",
                "engineers_at",
                subject,
                "count",
                base.engineers,
            )
        )
        if base.roster is None:  # a rostered base works its roster's hours: no shift to set
            found.append(
                Control(
                    f"base.{base.id}.shift", "engineers", "shift_at", subject, "text", base.shift
                )
            )
    if scenario.desk is not None:
        found.append(
            Control("desk.agents", "engineers", "desk_agents", {}, "count", scenario.desk.agents)
        )
        found.append(
            Control("desk.shift", "engineers", "desk_shift", {}, "text", scenario.desk.shift)
        )
    if scenario.remote is not None:
        found.append(
            Control(
                "remote.agents", "engineers", "remote_agents", {}, "count", scenario.remote.agents
            )
        )
    for depot in scenario.depot:
        for part in scenario.part:
            level = depot.stock.get(part.id, 0)
            subject = {"depot": depot.id, "part": part.id}
            found.append(
                Control(
                    f"depot.{depot.id}.stock.{part.id}",
                    "stock",
                    "stock_at",
                    subject,
                    "text",
                    _stock_text(level),
                )
            )
    for severity in scenario.severity:
        text = "" if severity.swap_after is None else format_hours(severity.swap_after)
        found.append(
            Control(
                f"severity.{severity.id}.swap_after",
                "swap",
                "swap_after",
                {"severity": severity.id},
                "text",
                text,
            )
        )
    found.append(
        Control(
            "travel.speed_kmh", "travel", "speed", {}, "speed", float(scenario.travel.speed_kmh)
        )
    )
    return found


def entered(control: Control, value: Any) -> Any:
    """What a control's entry means as an evolve value.

    Stock: a whole number of units stays a number, anything else (``"15%"``) stays text;
    the swap rule: an empty entry is no swap (``None``); counts are whole numbers.
    """
    if control.kind == "count":
        return int(value)
    if control.kind == "speed":
        return float(value)
    text = str(value).strip()
    if control.path.startswith("depot."):
        return int(text) if text.isdigit() else text
    if control.path.endswith(".swap_after"):
        return text or None
    return text


def _same(control: Control, value: Any) -> bool:
    baseline = entered(control, control.value)
    if isinstance(value, float) and isinstance(baseline, float):
        return math.isclose(value, baseline)
    return bool(value == baseline)


def changes_from(scenario: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """The evolve changes (key path -> value) of the entries in ``values`` (by key path)
    that differ from ``scenario``'s own; unknown paths are passed on for evolve to name."""
    known = {c.path: c for c in controls(scenario)}
    changes: dict[str, Any] = {}
    for path, value in values.items():
        control = known.get(path)
        if control is None:
            changes[path] = value
            continue
        meant = entered(control, value)
        if not _same(control, meant):
            changes[path] = meant
    return changes


def stock_rule(scenario: Scenario, share: str = "15%") -> dict[str, str]:
    """Every depot's stock of every part at ``share`` of the installed units (the 15% rule),
    as control entries by key path."""
    return {f"depot.{d.id}.stock.{p.id}": share for d in scenario.depot for p in scenario.part}


def build_variant(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """The variant with ``changes`` (key path -> value), validated by :meth:`Scenario.evolve`;
    raises :class:`~simsvc.scenario.errors.ScenarioError` naming each bad key path."""
    return scenario.evolve(changes) if changes else scenario


def describe(changes: Mapping[str, Any]) -> str:
    """The changes as one line, ``base.north.engineers=3, travel.speed_kmh=45``."""
    return ", ".join(f"{path}={'none' if v is None else v}" for path, v in changes.items())
