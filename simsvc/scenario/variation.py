"""What-if variations: one field of a scenario set in turn to each of a list of values.

A sweep axis is written ``PATH=VALUES``, the way ``simsvc sweep --vary`` takes it::

    base.north.engineers=2..6            whole numbers 2, 3, 4, 5, 6
    depot.central.stock.psu=0,2,4        a list ("15%" is a share of the installed units)
    depot.central.resupply=7d,14d        a duration: constant resupply time (also
                                         supply_time, repair_time)
    depot.central.repair_capacity=1..4   units the depot's repair shop repairs at once
    travel.speed_kmh=30,40               travel.speed_kmh | road_factor | cv
    commitment[0].within=2h,4h           commitment[<i>].within | goal
    severity.L1.swap_after=4h,8h         severity.<id>.priority | remote_fix | part_need |
                                         swap_after | swap_time
    base.north.shift=24x7,business       base.<id>.shift, desk.agents, desk.shift

A range ``a..b`` is kept as its bounds (:class:`ValueRange`): its values are made one at a
time, so a range of millions of stock levels can be sampled without being built. Every
value of a list is validated against the scenario at once; of a range, its two ends
(every field a range can vary is bounded by an interval, so the values between them are
valid too) and, when it has at most :data:`CHECKED_RANGE` values, every one.

A varied scenario is built by :func:`simsvc.scenario.variant.evolve_at` (the one variant
builder): the file's data with the field replaced, validated again from scratch, so a
value the file could not hold fails with the key path (``base[0].engineers``), exactly
as a bad file does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from simsvc.scenario.errors import ScenarioError, format_path
from simsvc.scenario.paths import PATHS
from simsvc.scenario.schema import Scenario
from simsvc.scenario.units import parse_duration
from simsvc.scenario.variant import evolve_at

Value = int | float | str
"""One value of an axis: a number, or text such as ``"30min"``, ``"15%"`` or ``"24x7"``."""

KeyPath = tuple[str | int, ...]


MAX_RANGE = 100_000_000
"""The most values a range ``a..b`` may have (more than any field accepts)."""

CHECKED_RANGE = 100
"""A range of at most this many values has every value validated, not only its ends."""

_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
_NUMBER = re.compile(r"^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_COMMITMENT = re.compile(r"^commitment\[(\d+)\]\.(\w+)$")


class VaryError(Exception):
    """A ``--vary`` argument that cannot be used (the message names it)."""


@dataclass(frozen=True)
class Kind:
    """What a varied field holds: how to read a value and how the file writes it."""

    expected: str
    read: Callable[[str], Value]
    ranges: bool = True
    to_file: Callable[[Value], Any] = lambda value: value
    numeric: bool = False


def _whole(text: str) -> Value:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def _number(text: str) -> Value:
    if not _NUMBER.match(text):
        raise ValueError(f"expected a number, got {text!r}")
    return float(text)


def _duration(text: str) -> Value:
    parse_duration(text)  # syntax only; the scenario checks the range
    return float(text) if _NUMBER.match(text) else text


def _stock(text: str) -> Value:
    try:
        return int(text)
    except ValueError:
        return text


def _text(text: str) -> Value:
    return text


def _stock_in_file(value: Value) -> Value:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


WHOLE = Kind("whole numbers", _whole, numeric=True)
NUMBER = Kind("numbers", _number, numeric=True)
DURATION = Kind("durations such as 2, '30min' or '2h'", _duration)
STOCK = Kind("stock levels such as 4 or '15%'", _stock, to_file=_stock_in_file)
SHIFT = Kind("shifts such as 24x7, business or 08:00-20:00", _text, ranges=False)
RESUPPLY = Kind(
    "durations such as '7d' (a constant resupply, supply or repair time)",
    _duration,
    to_file=lambda value: {"dist": "constant", "value": value},
)

_SEVERITY_FIELDS = {
    "priority": WHOLE,
    "remote_fix": NUMBER,
    "part_need": NUMBER,
    "swap_after": DURATION,
    "swap_time": DURATION,
}
_TRAVEL_FIELDS = {"speed_kmh": NUMBER, "road_factor": NUMBER, "cv": NUMBER}


def _index(items: Sequence[Any], table: str, item_id: str) -> int:
    for index, item in enumerate(items):
        if item.id == item_id:
            return index
    known = ", ".join(item.id for item in items) or "none defined"
    raise VaryError(f"unknown {table} {item_id!r} (known: {known})")


def _field(path: str, fields: dict[str, Kind]) -> Kind:
    name = path.rpartition(".")[2]
    if name not in fields:
        raise VaryError(f"{path} cannot be varied (fields that can: {', '.join(fields)})")
    return fields[name]


def resolve(path: str, scenario: Scenario) -> tuple[KeyPath, Kind]:
    """The key path in the scenario's data that ``path`` names, and what it holds."""
    if match := _COMMITMENT.match(path):
        index, name = int(match[1]), match[2]
        if index >= len(scenario.commitment):
            raise VaryError(
                f"commitment[{index}] does not exist (the file has {len(scenario.commitment)})"
            )
        kind = _field(path, {"within": DURATION, "goal": NUMBER})
        return ("commitment", index, name), kind
    parts = path.split(".")
    head, rest = parts[0], parts[1:]
    if head == "base" and len(rest) == 2:
        index = _index(scenario.base, "base", rest[0])
        kind = _field(path, {"engineers": WHOLE, "shift": SHIFT})
        return ("base", index, rest[1]), kind
    if head == "desk" and len(rest) == 1:
        if scenario.desk is None:
            raise VaryError("the scenario has no [desk] table to vary")
        return ("desk", rest[0]), _field(path, {"agents": WHOLE, "shift": SHIFT})
    if head == "depot" and len(rest) == 3 and rest[1] == "stock":
        index = _index(scenario.depot, "depot", rest[0])
        _index(scenario.part, "part", rest[2])
        return ("depot", index, "stock", rest[2]), STOCK
    if head == "depot" and len(rest) == 2:
        index = _index(scenario.depot, "depot", rest[0])
        times = {"resupply": RESUPPLY, "supply_time": RESUPPLY, "repair_time": RESUPPLY}
        kind = _field(path, {**times, "repair_capacity": WHOLE, "stock.<part>": STOCK})
        return ("depot", index, rest[1]), kind
    if head == "travel" and len(rest) == 1:
        return ("travel", rest[0]), _field(path, _TRAVEL_FIELDS)
    if head == "severity" and len(rest) == 2:
        index = _index(scenario.severity, "severity", rest[0])
        kind = _field(path, _SEVERITY_FIELDS)
        return ("severity", index, rest[1]), kind
    raise VaryError(f"unknown path {path!r} (known: {', '.join(PATHS)})")


@dataclass(frozen=True)
class ValueRange(Sequence[Value]):
    """The values of a range ``low..high``, made one at a time: a range may be huge."""

    low: int
    high: int
    read: Callable[[str], Value]

    def __len__(self) -> int:
        return self.high - self.low + 1

    @overload
    def __getitem__(self, index: int) -> Value: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Value, ...]: ...

    def __getitem__(self, index: int | slice) -> Value | tuple[Value, ...]:
        numbers = range(self.low, self.high + 1)
        if isinstance(index, slice):
            return tuple(self.read(str(n)) for n in numbers[index])
        return self.read(str(numbers[index]))

    def __iter__(self) -> Iterator[Value]:
        return (self.read(str(n)) for n in range(self.low, self.high + 1))

    def __contains__(self, value: object) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of ``value`` (``3`` and ``3.0`` alike), as a tuple's ``index``."""
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
            and self.low <= value <= self.high
        ):
            position = int(value) - self.low
            if start <= position and (stop is None or position < stop):
                return position
        raise ValueError(f"{value!r} is not in the range {self.low}..{self.high}")


@dataclass(frozen=True)
class Axis:
    """One varied field and the values it takes, from one ``--vary PATH=VALUES``.

    ``values`` is a tuple for a list, a :class:`ValueRange` for a range ``a..b``.
    """

    argument: str
    path: str
    location: KeyPath
    kind: Kind
    values: Sequence[Value]

    def key(self, value: Any) -> str:
        """A canonical text of a value, equal for ``2``, ``2.0`` and ``"2h"`` of a duration.

        Values read back from a CSV or Parquet file give the same key as the values asked for.
        """
        # 12 significant digits: a number read back from a CSV file may differ in its last bit.
        if self.kind.numeric:
            return f"{float(value):.12g}"
        if self.kind in (DURATION, RESUPPLY):
            return f"{parse_duration(_plain(value)):.12g}"
        return str(_plain(value)).strip()

    def describe(self, value: Any) -> str:
        """``base.north.engineers=3``."""
        return f"{self.path}={_plain(value)}"


def _plain(value: Any) -> Any:
    """A number read back from a file as the value it stands for (``3.0`` -> ``3``)."""
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_axis(argument: str, scenario: Scenario) -> Axis:
    """Read one ``PATH=VALUES`` argument against ``scenario``; raise :class:`VaryError`."""
    try:
        return _parse_axis(argument, scenario)
    except (VaryError, ValueError) as error:
        raise VaryError(f"--vary {argument}: {error}") from None


def _parse_axis(argument: str, scenario: Scenario) -> Axis:
    path, equals, spec = argument.partition("=")
    path = path.strip()
    if not equals or not path or not spec.strip():
        raise VaryError(
            "expected PATH=VALUES such as base.north.engineers=2..6 or travel.cv=0,0.25"
        )
    location, kind = resolve(path, scenario)
    if match := _RANGE.match(spec):
        return _range_axis(argument, path, location, kind, int(match[1]), int(match[2]), scenario)
    texts = [t.strip() for t in spec.split(",")]
    if any(not t for t in texts):
        raise VaryError(f"an empty value in {spec!r}; expected a list such as 2,4,6")
    values = [kind.read(t) for t in texts]
    if not kind.numeric and any(isinstance(v, str) for v in values):
        values = [v if isinstance(v, str) else f"{v:g}" for v in values]  # one type per column
    axis = Axis(argument, path, location, kind, tuple(values))
    seen: set[str] = set()
    for value in values:
        key = axis.key(value)
        if key in seen:
            raise VaryError(f"the value {value} is given twice")
        seen.add(key)
    _check_values(scenario, axis, values)
    return axis


def _range_axis(
    argument: str, path: str, location: KeyPath, kind: Kind, low: int, high: int, scenario: Scenario
) -> Axis:
    if not kind.ranges:
        raise VaryError(f"a range a..b needs numbers; give a list of {kind.expected}")
    if low > high:
        raise VaryError(f"the range {low}..{high} is empty (write the smaller bound first)")
    values = ValueRange(low, high, kind.read)
    axis = Axis(argument, path, location, kind, values)
    count = high - low + 1
    _check_values(scenario, axis, values if count <= CHECKED_RANGE else [values[0], values[-1]])
    if count > MAX_RANGE:
        raise VaryError(
            f"the range {low}..{high} has {count:,} values, more than the {MAX_RANGE:,} a range"
            " may have"
        )
    return axis


def _check_values(scenario: Scenario, axis: Axis, values: Sequence[Value]) -> None:
    """Fail now, before any simulation, on a value the file could not hold."""
    for value in values:
        try:
            vary(scenario, [axis], (value,))
        except ScenarioError as error:
            raise VaryError("; ".join(str(p) for p in error.problems)) from None


def parse_axes(arguments: Sequence[str], scenario: Scenario) -> list[Axis]:
    """Read every ``--vary`` argument; two arguments may not vary the same field."""
    axes: list[Axis] = []
    for argument in arguments:
        axis = parse_axis(argument, scenario)
        for other in axes:
            if other.location == axis.location:
                raise VaryError(
                    f"--vary {argument}: {format_path(axis.location)} is already varied by"
                    f" --vary {other.argument}"
                )
        axes.append(axis)
    return axes


def vary(scenario: Scenario, axes: Sequence[Axis], point: Sequence[Value]) -> Scenario:
    """The scenario with each axis's field set to the point's value (a validated variant).

    Raises :class:`~simsvc.scenario.errors.ScenarioError` (key paths) for a value the file
    could not hold.
    """
    changes = {
        axis.location: axis.kind.to_file(value) for axis, value in zip(axes, point, strict=True)
    }
    what = "variant " + ", ".join(a.describe(v) for a, v in zip(axes, point, strict=True))
    return evolve_at(scenario, changes, what)
