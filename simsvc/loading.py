"""Reading a scenario file: TOML text -> validated :class:`~simsvc.scenario.Scenario`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simsvc.errors import Problem, ScenarioError, from_validation_errors
from simsvc.scenario import Scenario

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate a scenario from TOML text; raise :class:`ScenarioError` naming each key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_LINE.search(message)
        line = int(match[1]) if match else None
        message = _TOML_LINE.sub("", message).strip()
        raise ScenarioError([Problem((), f"not valid TOML: {message}", line)], source) from None
    return scenario_from_dict(data, source, text)


def scenario_from_dict(
    data: dict[str, Any], source: str = "<scenario>", text: str | None = None
) -> Scenario:
    """Validate a scenario from the dictionary a TOML file parses to."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problem = from_validation_errors([dict(e) for e in error.errors(include_url=False)])
    except ScenarioError as error:
        problem = error
    except RecursionError:
        problem = ScenarioError([Problem((), "the file nests tables too deeply")])
    raise (problem.located(text, source) if text is not None else problem) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate the scenario file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError([Problem((), f"cannot read the file: {reason}")], str(path)) from None
    return parse_scenario(text, str(path))
