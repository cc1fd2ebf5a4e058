"""Reading a scenario file: TOML text -> validated :class:`~simsvc.scenario.Scenario`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simsvc.scenario.errors import Problem, ScenarioError, from_validation_errors
from simsvc.scenario.schema import Scenario

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_HUGE_NUMBER = re.compile(r"\d{1000,}")


def _first_line(text: str, test: Callable[[str], bool]) -> int:
    """The first line (1-based) of ``text`` that passes ``test``; else the last line."""
    lines = text.splitlines() or [""]
    return next((n for n, line in enumerate(lines, start=1) if test(line)), len(lines))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate a scenario from TOML text; raise :class:`ScenarioError` naming each key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_LINE.search(message)
        line = int(match[1]) if match else None
        if "(at end of document)" in message:
            line = max(1, len(text.splitlines()))
            message = message.replace("(at end of document)", "at the end of the file")
        message = _TOML_LINE.sub("", message).strip()
        raise ScenarioError([Problem((), f"not valid TOML: {message}", line)], source) from None
    except ValueError:  # an integer with more digits than Python converts
        line = _first_line(text, lambda s: bool(_HUGE_NUMBER.search(s)))
        message = "a number with thousands of digits is not a usable value"
        raise ScenarioError([Problem((), message, line)], source) from None
    except RecursionError:
        line = _first_line(text, lambda s: s.count("[") + s.count("{") > 100)
        message = "the file nests tables or arrays too deeply"
        raise ScenarioError([Problem((), message, line)], source) from None
    return scenario_from_dict(data, source, text)


def scenario_from_dict(
    data: dict[str, Any], source: str = "<scenario>", text: str | None = None
) -> Scenario:
    """Validate a scenario from the dictionary a TOML file parses to."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        from simsvc.scenario.reference import link
        from simsvc.scenario.schema import keys_at

        problem = from_validation_errors(
            [dict(e) for e in error.errors(include_url=False)], keys_at, link
        )
    except ScenarioError as error:
        problem = error
    except RecursionError:
        problem = ScenarioError([Problem((), "the file nests tables too deeply")])
    raise (problem.located(text, source) if text is not None else problem) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate the scenario file at ``path``."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ScenarioError([Problem((), f"cannot read the file: {reason}")], str(path)) from None
    try:
        text = content.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not text
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {content[error.start]:#04x}); save the file as UTF-8"
        raise ScenarioError([Problem((), message, line)], str(path)) from None
    return parse_scenario(text, str(path))


def locate(error: ScenarioError, path: str | Path) -> ScenarioError:
    """``error`` with the file and the TOML line of each key path filled in, when the file
    at ``path`` can still be read (it was just loaded)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ScenarioError(error.problems, str(path))
    return error.located(text, str(path))
