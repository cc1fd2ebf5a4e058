"""The format reference in the repository: generated from the models, and in sync with them."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from simsvc.cli.main import main
from simsvc.scenario.reference import DISTRIBUTIONS, editor_schema, link, reference_text
from simsvc.scenario.schema import Scenario, _table_type

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / "docs" / "scenario-keys.md"
FORMAT = ROOT / "docs" / "scenario-format.md"


def key_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        paths.append(prefix + key)
        inner = _table_type(field.annotation)
        if inner is not None and inner not in DISTRIBUTIONS:
            paths += key_paths(inner, f"{prefix}{key}.")
    return paths


def test_the_generated_reference_is_in_sync_with_the_models() -> None:
    assert KEYS.read_text("utf-8") == reference_text(), (
        "docs/scenario-keys.md is out of date: python -m simsvc.scenario.reference --write"
    )


def test_every_key_has_a_meaning_and_a_row_in_the_reference() -> None:
    text = KEYS.read_text("utf-8")
    models = [Scenario, *DISTRIBUTIONS]
    seen: set[type[BaseModel]] = set()
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description="
            inner = _table_type(field.annotation)
            if inner is not None:
                models.append(inner)
            key = field.alias or name
            if model is Scenario:
                assert f'<a id="{key}"></a>' in text, f"[{key}] has no section in {KEYS.name}"
                continue
            assert key == "dist" or f"| `{key}` |" in text, f"{model.__name__}.{name} missing"
    assert len(key_paths()) > 80


def test_durations_and_money_state_their_units() -> None:
    text = KEYS.read_text("utf-8")
    assert "| `within` | duration | hours | *required* |" in text
    assert "| `engineer_per_year` | money | CNY/yr | 0 |" in text
    assert "| `goal` | share | 0-1 or % | 0.95 |" in text


def test_the_hand_written_contract_links_to_the_generated_reference() -> None:
    assert "scenario-keys.md" in FORMAT.read_text("utf-8")


def test_an_unknown_key_points_to_its_section() -> None:
    import simsvc

    text = (ROOT / "scenarios" / "metro_line2.toml").read_text("utf-8")
    text = text.replace("[travel]", "[travel]\ncolour = 'red'", 1)
    with pytest.raises(simsvc.ScenarioError) as error:
        simsvc.parse_scenario(text)
    (problem,) = error.value.problems
    assert problem.message == (
        "unknown key (check its spelling against docs/scenario-keys.md#travel)"
    )
    assert link(("site", 3, "changes", 0)) == "docs/scenario-keys.md#site-changes"
    assert link(("severity", 0, "onsite_time")) == "docs/scenario-keys.md#distributions"
    for anchor in ("travel", "site-changes", "distributions"):
        assert f'<a id="{anchor}"></a>' in KEYS.read_text("utf-8")


def _json_ready(value: Any) -> Any:
    """TOML as an editor hands it to a JSON Schema: dates as text."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_the_json_schema_accepts_every_bundled_scenario_and_refuses_a_typo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(editor_schema()))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        data = _json_ready(tomllib.loads(path.read_text("utf-8")))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{path.name}: {errors[:3]}"
    data = _json_ready(tomllib.loads((ROOT / "scenarios" / "metro_line2.toml").read_text("utf-8")))
    data["travel"]["speeed"] = 3
    data["commitment"][0]["within"] = "30min"
    assert [e.validator for e in validator.iter_errors(data)] == ["additionalProperties"]
    assert re.search(r'"within"', json.dumps(schema))
