"""Errors a user can act on: each names the key path and, where known, the file line.

A file with thousands of problems (a key misspelt on every site) is reported in full in
:attr:`ScenarioError.problems`, but its text shows the first :data:`MAX_SHOWN` and sums up
the rest by kind: ``... and 2,150 more like it: site[*].equipmnt: unknown key``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

Path = tuple[str | int, ...]

MAX_SHOWN = 50
"""Problems shown one by one in an error's text; the rest are summed up by kind."""

REFERENCE = "docs/scenario-keys.md"
"""The per-key reference an unknown key points to (a section of it, where known)."""

MAX_SUMMARIES = 10
"""Lines that sum up the problems not shown, at most."""

# Names pydantic puts in an error location for the branch of a union it tried.
_UNION_TAGS = {
    "constant",
    "exponential",
    "lognormal",
    "gamma",
    "triangular",
    "empirical",
    "int",
    "str",
    "float",
    "list[str]",
    "function-after[_check_location(), tuple[float, float]]",
    "[key]",  # a key of a table that is not valid: the path already ends with the key
}


def format_path(path: Path) -> str:
    """``('site', 3, 'equipment', 'gate')`` -> ``site[3].equipment.gate``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario: where (key path, line) and what."""

    path: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = format_path(self.path)
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found in it.

    Deliberately not a ``ValueError`` so that pydantic passes it through unchanged.
    """

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        lines = [f"{head}{count:,} problem{'s' if count != 1 else ''} in the scenario"]
        lines += [f"  {p}" for p in self.problems[:MAX_SHOWN]]
        lines += [f"  {line}" for line in _summaries(self.problems[MAX_SHOWN:])]
        return "\n".join(lines)

    def located(self, toml_text: str, source: str) -> ScenarioError:
        """The same problems with the TOML line of each key path filled in."""
        lines = key_lines(toml_text)  # once: a file may have thousands of problems
        problems = [replace(p, line=p.line or line_of(lines, p.path)) for p in self.problems]
        return ScenarioError(problems, source)


def _pattern(paths: Sequence[Path]) -> str:
    """One key path for paths of the same length: ``site[*].equipmnt``, ``travel.bogus_*``."""
    parts: list[str | int] = []
    for column in zip(*paths, strict=True):
        first = column[0]
        if all(part == first for part in column):
            parts.append(first)
        elif all(isinstance(part, int) for part in column):
            parts.append("[*]")
        else:
            prefix = _common_prefix([str(part) for part in column])
            parts.append(f"{prefix}*")
    return format_path(tuple(parts)).replace(".[*]", "[*]")


def _common_prefix(texts: Sequence[str]) -> str:
    shortest, longest = min(texts), max(texts)
    size = 0
    while size < len(shortest) and shortest[size] == longest[size]:
        size += 1
    return shortest[:size]


def _summaries(problems: Sequence[Problem]) -> list[str]:
    """Lines that sum up ``problems`` by kind: the same message at a like key path."""
    groups: dict[tuple[str, int, str | int], list[Path]] = {}
    for problem in problems:
        table = problem.path[0] if problem.path else ""
        groups.setdefault((problem.message, len(problem.path), table), []).append(problem.path)
    lines = []
    for (message, _, _), paths in list(groups.items())[:MAX_SUMMARIES]:
        lines.append(f"... and {len(paths):,} more like it: {_pattern(paths)}: {message}")
    rest = sum(len(paths) for paths in list(groups.values())[MAX_SUMMARIES:])
    if rest:
        lines.append(f"... and {rest:,} more problem{'s' if rest != 1 else ''}")
    return lines


def _show(value: Any, limit: int = 60) -> str:
    """A short, safe ``repr`` of a value from the file (huge numbers and texts are cut)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return "<a value too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    given = error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key (check its spelling against {REFERENCE})"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if kind.startswith(
        ("greater", "less", "int_", "float_", "bool_", "string_", "too_", "literal")
    ):
        return f"{message[:1].lower()}{message[1:]}, got {_show(given)}"
    if kind == "union_tag_invalid":
        return (
            "unknown dist (expected constant, exponential, lognormal, gamma, triangular, empirical)"
        )
    if kind == "union_tag_not_found":
        return "a distribution needs 'dist' (or give a bare duration such as '2h')"
    return message[:1].lower() + message[1:]


def from_validation_errors(
    errors: Iterable[dict[str, Any]],
    keys_at: Callable[[Path], Sequence[str]] | None = None,
    section: Callable[[Path], str] | None = None,
) -> ScenarioError:
    """Turn pydantic's error list into a :class:`ScenarioError` with clean key paths.

    ``keys_at`` gives the keys a table at a key path takes: an unknown key then gets a
    "did you mean" with the closest of them. ``section`` gives the reference's section of
    a key path (``docs/scenario-keys.md#severity``), named by an unknown key's message.
    """
    problems = []
    seen: set[tuple[Path, str]] = set()
    for error in errors:
        path = tuple(p for p in error.get("loc", ()) if p not in _UNION_TAGS)
        message = _describe(error)
        if error.get("type") == "extra_forbidden" and section is not None and path:
            message = message.replace(REFERENCE, section(path[:-1]))
        if error.get("type") == "extra_forbidden" and keys_at is not None and path:
            close = difflib.get_close_matches(str(path[-1]), keys_at(path[:-1]), n=1, cutoff=0.6)
            if close:
                message = f"unknown key (did you mean {close[0]!r}?)"
        if (path, message) not in seen:
            seen.add((path, message))
            problems.append(Problem(path, message))
    return ScenarioError(problems)


_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p.strip("\"'") for p in parts)


def _nested(table: Path, counts: Mapping[Path, int]) -> Path:
    """A table header inside the latest element of an array of tables: ``[site.equipment]``
    and ``[[site.changes]]`` are ``site[n].equipment`` and ``site[n].changes``."""
    for size in range(len(table) - 1, 0, -1):
        if table[:size] in counts:
            return (*table[:size], counts[table[:size]], *table[size:])
    return table


def key_lines(text: str) -> dict[Path, int]:
    """The line (1-based) where each table and key of a TOML text is first written, and
    where each item of an array value starts (``("calendar", "holidays", 3)``), so that a
    bad date in a list written over many lines points to its own line."""
    lines: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    current: Path = ()
    rows = text.splitlines()
    skip_to = 0  # the rows of a multi-line array are items, not keys or tables
    for number, raw in enumerate(rows, start=1):
        if number <= skip_to:
            continue
        stripped = not raw.lstrip().startswith(("'", '"'))
        line = raw.split("#", 1)[0].strip() if stripped else raw
        if line.startswith("[["):
            name = _nested(_dotted(line.strip("[] \t")), counts)
            index = counts.get(name, -1) + 1
            counts[name] = index
            current = (*name, index)
            lines.setdefault(name, number)
            lines.setdefault(current, number)
        elif line.startswith("["):
            current = _nested(_dotted(line.strip("[] \t")), counts)
            lines.setdefault(current, number)
        else:
            match = _KEY.match(line)
            if match:
                key = (*current, *_dotted(match[1]))
                lines.setdefault(key, number)
                value = line[match.end() :]
                column = (len(raw) - len(raw.lstrip()) if stripped else 0) + match.end()
                column += len(value) - len(value.lstrip())
                if raw[column : column + 1] == "[":
                    items, skip_to = _array_items(rows, number - 1, column)
                    for index, item_line in enumerate(items):
                        lines.setdefault((*key, index), item_line)
    return lines


def _array_items(rows: Sequence[str], row: int, column: int) -> tuple[list[int], int]:
    """The lines (1-based) where each item of the array opening at ``rows[row][column]``
    starts, and the line where it closes (the last line if it never does)."""
    items: list[int] = []
    depth, expect = 0, True  # expect: the next value starts an item
    while row < len(rows):
        text = rows[row]
        while column < len(text):
            char = text[column]
            if char == "#":
                break
            if depth == 1 and expect and not char.isspace() and char not in ",]":
                items.append(row + 1)
                expect = False
            if char in "\"'":
                column = _string_end(text, column)
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return items, row + 1
            elif char == "," and depth == 1:
                expect = True
            column += 1
        row, column = row + 1, 0
    return items, len(rows)


def _string_end(text: str, start: int) -> int:
    """The index just past the string that opens at ``text[start]`` (or the end of the
    line: a multi-line string's later lines are then read as values, which only blurs the
    lines of the items after it)."""
    quote = text[start] * 3 if text.startswith(text[start] * 3, start) else text[start]
    index = start + len(quote)
    while index < len(text):
        if quote[0] == '"' and text[index] == "\\":
            index += 2
            continue
        if text.startswith(quote, index):
            return index + len(quote)
        index += 1
    return len(text)


def line_of(lines: Mapping[Path, int], path: Path) -> int | None:
    """Line of a key path in the index :func:`key_lines` made: of the path or its nearest parent."""
    for size in range(len(path), 0, -1):
        line = lines.get(tuple(path[:size]))
        if line is not None:
            return line
    return None


def find_line(text: str, path: Path) -> int | None:
    """Line (1-based) of a key path in a TOML text: of the path itself or its nearest parent.

    It indexes the whole text: to locate many paths, index it once with :func:`key_lines`
    and look each up with :func:`line_of`.
    """
    return line_of(key_lines(text), path)
