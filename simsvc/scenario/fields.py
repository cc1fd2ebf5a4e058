"""What each key of the scenario file holds, read from the pydantic models themselves.

The format reference (:mod:`simsvc.scenario.reference`) and the warnings of ``simsvc
validate`` (:mod:`simsvc.scenario.notices`) both need to know, for a key, whether it is
a duration, a share, a table of its own: this module reads it from the annotations and
validators of :mod:`simsvc.scenario.schema`, so that neither keeps a list of its own.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simsvc.scenario import schema, units
from simsvc.scenario.ids import clean_id, clean_sites

_KINDS: tuple[tuple[Any, str], ...] = (
    (units.parse_duration, "duration"),
    (units._bare_duration_is_constant, "distribution"),
    (schema._share, "share"),
    (schema._goal, "share"),
    (schema._check_money, "money"),
    (schema._check_location, "[lat, lon]"),
    (schema._check_stock_level, 'units or "15%"'),
    (schema._check_shift, "shift"),
    (schema._check_business_hours, '"HH:MM-HH:MM"'),
    (schema._check_monthly, "12 weights"),
    (clean_sites, '"all", a zone or a list of site ids'),
    (clean_id, "id"),
)
"""The kind of value a validator function stands for, most specific first."""

UNITS = {"duration": "hours", "distribution": "hours", "share": "0-1 or %", "[lat, lon]": "degrees"}
"""The unit a kind of value is in, unless the field states its own."""


def _functions(metadata: Iterable[Any]) -> set[Any]:
    found = set()
    for item in metadata:
        if isinstance(item, FieldInfo):
            found |= _functions(item.metadata)
        func = getattr(item, "func", None)
        if func is not None:
            found.add(func)
    return found


def kind_of(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    """A short text of what a key holds: ``duration``, ``share``, ``list of id``."""
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return kind_of(base, [*metadata, *extra])
    functions = _functions(metadata)
    for function, name in _KINDS:
        if function in functions:
            return name
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if all(isinstance(a, type) and issubclass(a, units._Dist) for a in options):
            return "distribution"
        return " or ".join(kind_of(a) for a in options)
    if origin is list:
        item = get_args(annotation)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "array of tables"
        return f"list of {kind_of(item)}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"table of {kind_of(key)} = {kind_of(value)}"
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in get_args(annotation))
    simple = {bool: "true or false", int: "whole number", float: "number", str: "text"}
    if annotation in simple:
        return simple[annotation]
    if annotation is dt.date:
        return "date (YYYY-MM-DD)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return str(annotation)


def field_kind(field: FieldInfo) -> str:
    """:func:`kind_of` a model's field (its validators are in ``field.metadata``)."""
    return kind_of(field.annotation, field.metadata)


def field_unit(field: FieldInfo) -> str:
    """The unit of a field's value: the one it states, else that of its kind, else ``""``."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("unit"), str):
        return str(extra["unit"])
    kind = field_kind(field)
    if kind.startswith("list of ") or kind.startswith("table of id = "):
        kind = kind.removeprefix("list of ").removeprefix("table of id = ")
    return UNITS.get(kind, "")


def table_of(annotation: Any) -> type[BaseModel] | None:
    """The table (model) a key holds, or ``None``; a distribution is not a table here."""
    inner = schema._table_type(annotation)
    if inner is None or issubclass(inner, units._Dist):
        return None
    return inner


def is_array(annotation: Any) -> bool:
    """Whether a key holds a list (an array of tables when its items are tables)."""
    if get_origin(annotation) is list:
        return True
    return any(is_array(a) for a in get_args(annotation) if a is not type(None))


@dataclass(frozen=True)
class Section:
    """A table of the file: its key path (``("site", "changes")``), model and heading."""

    path: tuple[str, ...]
    model: type[BaseModel]
    array: bool
    required: bool
    description: str

    @property
    def anchor(self) -> str:
        """The anchor of its section in the reference: ``severity``, ``site-changes``."""
        return "-".join(self.path)

    @property
    def heading(self) -> str:
        """``[scenario]``, ``[[severity]]``, ``[[site]] changes``."""
        head, *rest = self.path
        top = f"[[{head}]]" if len(self.path) == 1 and self.array else f"[{head}]"
        if len(self.path) == 1:
            return top
        return f"[[{head}]] " + ".".join(rest)


def sections(
    model: type[BaseModel] = schema.Scenario, path: tuple[str, ...] = ()
) -> Iterator[Section]:
    """Every table of the file, in the order of the models, each followed by its own tables."""
    for name, field in model.model_fields.items():
        inner = table_of(field.annotation)
        if inner is None:
            continue
        key = (*path, field.alias or name)
        yield Section(
            key, inner, is_array(field.annotation), field.is_required(), field.description or ""
        )
        yield from sections(inner, key)


def anchor_at(path: tuple[str | int, ...]) -> str:
    """The reference's section for a key path of the file (``severity[0].colour`` ->
    ``severity``; a key of a distribution -> ``distributions``)."""
    model: type[BaseModel] = schema.Scenario
    anchor: list[str] = []
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        inner = schema._table_type(field.annotation)
        if inner is None:
            break
        if issubclass(inner, units._Dist):
            return "distributions"
        anchor.append(field.alias or part)
        model = inner
    return "-".join(anchor) or "tables"
