"""Files in and out of the page: an uploaded scenario, and the downloads of a variant.

An upload is validated exactly as ``simsvc validate`` validates a file, so a bad one
gives the same :class:`~simsvc.scenario.errors.ScenarioError` text (key path and line).
A variant downloads as a scenario file that loads back to the same scenario
(:func:`scenario_toml`), its results JSON, an Excel workbook and the HTML report.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simsvc.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from simsvc.results import RunResult
    from simsvc.scenario.schema import Scenario

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""The largest scenario file the page reads (the page's upload limit is set to match)."""


def read_upload(name: str, content: bytes) -> Scenario:
    """The scenario in an uploaded file's bytes, validated like a file on disk.

    Raises :class:`ScenarioError` naming ``name``, each key path and its line.
    """
    from simsvc.scenario.loading import parse_scenario

    if len(content) > MAX_UPLOAD_BYTES:
        message = f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB"
        raise ScenarioError([Problem((), message)], name)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {content[error.start]:#04x}); save the file as UTF-8"
        raise ScenarioError([Problem((), message, line)], name) from None
    return parse_scenario(text, name)


def _key(text: str) -> str:
    return text if _BARE_KEY.match(text) else json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    """A TOML value (inline tables and arrays for nested data)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = ", ".join(
            f"{_key(str(k))} = {_value(v)}" for k, v in value.items() if v is not None
        )
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(lines: list[str], header: str, data: Mapping[str, Any]) -> None:
    lines.append(header)
    for key, value in data.items():
        if value is not None:
            lines.append(f"{_key(key)} = {_value(value)}")
    lines.append("")


def scenario_toml(scenario: Scenario, comment: str = "") -> str:
    """A scenario file of ``scenario`` (durations in hours, defaults written out) that loads
    back to an equal scenario; ``comment`` lines head it."""
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if lines:
        lines.append("")
    for name, value in data.items():
        if isinstance(value, Mapping):
            _table(lines, f"[{name}]", value)
        elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            for item in value:
                _table(lines, f"[[{name}]]", item)
        else:
            lines.append(f"{_key(name)} = {_value(value)}")
    return "\n".join(lines).rstrip() + "\n"


def results_json(result: RunResult) -> str:
    """The results JSON of ``scenario-format.md`` (what ``simsvc run --json`` writes)."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def results_workbook(result: RunResult, lang: str) -> bytes:
    """The results as an Excel workbook (``simsvc run --xlsx``); needs the ``office`` extra
    (:class:`~simsvc.extras.MissingExtra` otherwise)."""
    from simsvc.workbook import result_workbook, workbook_bytes

    return workbook_bytes(result_workbook(result, lang))


def report_html(result: RunResult, lang: str) -> str:
    """The self-contained HTML report of a finished run (``simsvc report``'s page)."""
    from simsvc.report import _png, build_report, render_html

    report = build_report(result.scenario, result, lang)
    images = {name: _png(figure) for _, _, figures in report.sections for name, figure in figures}
    return render_html(report, images)
