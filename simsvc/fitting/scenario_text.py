"""The fitted scenario as a file: a copy of the base scenario's text with the fitted values.

The base file's text is kept, comments included; each fitted key is replaced where it is
written (or added to its table, or its table added at the end), with a comment saying
what was fitted from how many tickets. The result is parsed and checked value by value
against :meth:`FitResult.fitted_scenario` before it is returned, so a file that would
not say what was fitted is never written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from typing import Any

from simsvc.fitting.calibration import FitResult
from simsvc.fitting.errors import FittedFileError
from simsvc.scenario.loading import parse_scenario
from simsvc.scenario.variant import LIST_TABLES

_HEADER = re.compile(r"^\s*\[(\[)?\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_value(value: Any) -> str:
    """A value as TOML text (inline tables and arrays on one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r}")
        text = f"{value:.6g}"
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot write {value!r}")


def _key(text: str) -> str:
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=False)


class _Blocks:
    """The file's lines cut at table headers: (table name, is array item, first, end)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def spans(self) -> list[tuple[str, bool, int, int]]:
        found: list[tuple[str, bool, int]] = [("", False, 0)]
        in_string = False
        for k, line in enumerate(self.lines):
            if not in_string:
                match = _HEADER.match(line)
                if match:
                    found.append((match[2], match[1] is not None, k))
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_string = not in_string
        ends = [start for _, _, start in found[1:]] + [len(self.lines)]
        return [(n, a, s, e) for (n, a, s), e in zip(found, ends, strict=True)]

    def table(self, name: str, item_id: str | None) -> tuple[int, int] | None:
        """The first and end line of ``[name]``, or of the ``[[name]]`` whose id is ``item_id``."""
        for table, array, start, end in self.spans():
            if table != name:
                continue
            if item_id is None and not array:
                return start, end
            if item_id is not None and array:
                body = "\n".join(self.lines[start + 1 : end])
                try:
                    data = tomllib.loads(body)
                except tomllib.TOMLDecodeError:
                    continue
                if data.get("id") == item_id:
                    return start, end
        return None

    def key_lines(self, start: int, end: int, key: str) -> tuple[int, int] | None:
        """The lines ``key = ...`` takes in a table (a value may span lines)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for k in range(start + 1, end):
            if not pattern.match(self.lines[k]):
                continue
            for stop in range(k + 1, end + 1):
                try:
                    tomllib.loads("\n".join(self.lines[k:stop]))
                    return k, stop
                except tomllib.TOMLDecodeError:
                    continue
            raise FittedFileError(f"cannot read the value of {key!r} at line {k + 1}")
        return None


def _set(lines: list[str], path: str, value: Any, comment: str) -> None:
    """Write ``value`` at the scenario ``path`` (``equipment.gate.failures_per_year``)."""
    parts = path.split(".")
    if parts[0] in LIST_TABLES:
        table, item, keys = parts[0], parts[1], parts[2:]
    else:
        table, item, keys = parts[0], None, parts[1:]
    if len(keys) != 1:
        raise FittedFileError(f"cannot write the nested key {path}")
    key = keys[0]
    blocks = _Blocks(lines)
    where = blocks.table(table, item)
    text = f"{key} = {toml_value(value)}  # {comment}"
    if where is None:
        if item is not None:
            raise FittedFileError(f"no [[{table}]] with id {item!r} in the file")
        lines += ["", f"[{table}]", text]
        return
    start, end = where
    found = blocks.key_lines(start, end, key)
    if found is not None:
        lines[found[0] : found[1]] = [text]
        return
    last = start
    for k in range(start + 1, end):
        stripped = lines[k].strip()
        if stripped and not stripped.startswith("#"):
            last = k
    lines.insert(last + 1, text)


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, list):
            data = next(item for item in data if item.get("id") == part)
        else:
            data = data[part]
    return data


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def fitted_text(result: FitResult, base_text: str, *, today: dt.date | None = None) -> str:
    """The base scenario's text with every change of ``result`` written in, checked."""
    lines = base_text.splitlines()
    history = result.history
    header = [
        f"# Fitted by simsvc fit on {(today or dt.date.today()).isoformat()} from"
        f" {history.source}: {len(history.table)} tickets",
        f"# reported {history.start} to {history.end} ({history.rows} rows,"
        f" {len(history.problems)} left out); intervals at {result.confidence:.0%}.",
        "# Keys marked 'fitted' come from the tickets; everything else is the base scenario's.",
        "",
    ]
    for path, value in result.changes.items():
        _set(lines, path, value, result.comments.get(path, "fitted"))
    text = "\n".join(header + lines).rstrip() + "\n"
    parsed = parse_scenario(text, "the fitted scenario")
    expected = result.fitted_scenario().model_dump(by_alias=True)
    written = parsed.model_dump(by_alias=True)
    for path in result.changes:
        if not _same(_dig(written, path), _dig(expected, path)):
            raise FittedFileError(
                f"{path}: the base file writes it in a form the fitted value cannot replace"
            )
    return text


__all__ = ["FittedFileError", "fitted_text", "toml_value"]
