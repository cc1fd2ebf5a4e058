"""Things in a valid scenario file worth a warning: a bare number where a duration goes.

The contract reads ``within = 30`` as 30 hours, and so it stays; but a tender that says
"30 minutes" is easily typed as ``30``. ``simsvc validate`` therefore names every key that
holds a bare number as a duration, with its line, and says how to write it unambiguously.
Zero is not warned about: 0 hours and 0 minutes are the same.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from typing import Any, get_args

from pydantic import BaseModel

from simsvc.scenario.errors import Path, Problem, key_lines, line_of
from simsvc.scenario.fields import field_kind, table_of
from simsvc.scenario.reference import DISTRIBUTIONS
from simsvc.scenario.schema import Scenario

_DIST_BY_NAME: dict[str, type[BaseModel]] = {
    get_args(model.model_fields["dist"].annotation)[0]: model for model in DISTRIBUTIONS
}


def _bare(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


def bare_duration(value: float) -> str:
    """``30 read as 30 h; write "30min" or "30h"``."""
    return f'{value:g} read as {value:g} h; write "{value:g}min" or "{value:g}h"'


def _walk(data: Mapping[str, Any], model: type[BaseModel], path: Path) -> Iterator[Problem]:
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            continue
        here = (*path, key)
        kind = field_kind(field)
        if kind in ("duration", "distribution") and _bare(value):
            yield Problem(here, bare_duration(float(value)))
        elif kind == "list of duration" and isinstance(value, list):
            bare = [v for v in value if _bare(v)]
            if bare:
                yield Problem(here, bare_duration(float(bare[0])))
        elif kind == "distribution" and isinstance(value, dict):
            dist = _DIST_BY_NAME.get(str(value.get("dist")))
            if dist is not None:
                yield from _walk(value, dist, here)
        else:
            inner = table_of(field.annotation)
            if inner is None:
                continue
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        yield from _walk(item, inner, (*here, index))
            elif isinstance(value, dict):
                yield from _walk(value, inner, here)


def duration_notices(text: str) -> list[Problem]:
    """Every bare number given as a duration in a scenario's TOML text, with its line.

    ``text`` must be valid TOML (a file :func:`~simsvc.scenario.loading.load_scenario`
    accepted); each problem's message reads ``30 read as 30 h; write "30min" or "30h"``.
    """
    data = tomllib.loads(text)
    lines = key_lines(text)
    return [Problem(p.path, p.message, line_of(lines, p.path)) for p in _walk(data, Scenario, ())]
