"""The format reference in the repository names every key the code accepts."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from simsvc.scenario.schema import Scenario, _table_type

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"


def key_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        paths.append(prefix + key)
        inner = _table_type(field.annotation)
        if inner is not None:
            paths += key_paths(inner, f"{prefix}{key}.")
    return paths


def test_every_key_is_in_the_reference() -> None:
    text = REFERENCE.read_text("utf-8")
    # keys of the TOML examples, also inside inline tables: { dist = "constant", value = "6h" }
    written = set(re.findall(r"(?:^|[{,])\s*([a-z_]+)\s*=", text, re.MULTILINE))
    written |= set(re.findall(r"\[\[?([a-z_]+)\]\]?", text))  # table headers
    written |= set(re.findall(r"`([a-z_]+)`", text))  # keys named in the prose
    missing = [path for path in key_paths() if path.rsplit(".", 1)[-1] not in written]
    assert not missing, f"keys the code accepts but docs/scenario-format.md never names: {missing}"
    assert len(key_paths()) > 80


def test_error_messages_point_to_a_file_that_exists() -> None:
    from simsvc.scenario.errors import _describe

    message = _describe({"type": "extra_forbidden"})
    assert "docs/scenario-format.md" in message and REFERENCE.is_file()
