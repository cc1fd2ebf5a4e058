"""Golden numbers: the results of two small scenarios, pinned to the last digit that matters.

The statistical tests (``test_theory_*``) show the model is right within confidence
intervals; they do not notice a change that moves every number a little. These tests
do: they run fixed scenarios with fixed seeds and compare with the numbers stored in
``tests/data/golden/``:

- ``<case>.json``: selected keys of the results JSON (``RunResult.to_dict()``) of
  ``run_experiment(scenario, replications=3, seed=7, workers=1)``, for ``small.toml``
  and ``records_mix.toml`` (two depots, four parts, a desk on a shift, remote fixes,
  lateral supply, backorders, swaps, inspections);
- ``small_incidents.json``: a sha256 per incident column of one replication of
  ``small.toml`` (``simulate(scenario, SeedSequence(7))``, floats rounded to 6
  decimals), independent of how results are summarised.

Only the keys present in a golden file are compared (keys added to the results JSON
later do not break these tests), numbers with a relative tolerance of 1e-9 (floating
point differs a little across platforms and libraries). A failure lists every key
path that differs, with the golden and the new value.

Golden numbers change only deliberately: a change to the model (how an incident is
served, a queue discipline, a default) or to the random streams (``STREAMS``, a new
draw, a stream split per depot). A refactoring must leave them unchanged. After a
deliberate change, update them and say so:

1. ``python tests/test_golden.py --update`` rewrites the files and prints what changed;
2. review ``git diff tests/data/golden/``: only the numbers you meant to move moved;
3. note the change, and why, in ``CHANGELOG.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simsvc

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden"
SEED = 7
REPLICATIONS = 3
REL_TOL = 1e-9
CASES = {"small": DATA / "small.toml", "records_mix": DATA / "records_mix.toml"}
INCIDENTS_CASE = "small"
DECIMALS = 6

# The keys pinned, per section of the results JSON (others may come and go).
COMMITMENT_KEYS = ("attainment", "met")
SEVERITY_KEYS = ("incidents", "response_hours", "arrival_hours", "resolution_hours")
BASE_KEYS = ("utilization",)
DESK_KEYS = ("utilization",)
DEPOT_KEYS = ("fill_rate", "mean_backorders")


def pinned(results: dict[str, Any]) -> dict[str, Any]:
    """The part of a results JSON that the golden files pin."""

    def pick(entry: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        return {key: entry[key] for key in keys}

    desk = results["desk"]
    return {
        "commitments": [pick(c, COMMITMENT_KEYS) for c in results["commitments"]],
        "severities": {k: pick(v, SEVERITY_KEYS) for k, v in results["severities"].items()},
        "bases": {k: pick(v, BASE_KEYS) for k, v in results["bases"].items()},
        "desk": None if desk is None else pick(desk, DESK_KEYS),
        "depots": {k: pick(v, DEPOT_KEYS) for k, v in results["depots"].items()},
        "cost": results["cost"],
    }


def results_of(case: str) -> dict[str, Any]:
    scenario = simsvc.load_scenario(CASES[case])
    result = simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED, workers=1)
    data: dict[str, Any] = result.to_dict()
    return data


def incident_digests() -> dict[str, Any]:
    """A sha256 of each incident column of one replication (floats rounded)."""
    scenario = simsvc.load_scenario(CASES[INCIDENTS_CASE])
    columns = simsvc.simulate(scenario, np.random.SeedSequence(SEED)).columns
    digests = {}
    for name in sorted(columns):
        values = np.asarray(columns[name])
        if values.dtype.kind == "f":
            data = np.round(values.astype("<f8"), DECIMALS).tobytes()
        elif values.dtype.kind == "b":
            data = values.astype("u1").tobytes()
        else:
            data = values.astype("<i8").tobytes()
        digests[name] = hashlib.sha256(data).hexdigest()
    return {"incidents": len(columns["report"]), "columns": digests}


def differences(golden: Any, new: Any, path: str = "") -> list[str]:
    """Where ``new`` differs from ``golden``: key paths present in ``golden`` only."""
    where = path or "(top)"
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return [f"{where}: golden {golden!r}, new {new!r}"]
        found = []
        for key, value in golden.items():
            inner = f"{path}.{key}" if path else str(key)
            if key not in new:
                found.append(f"{inner}: golden {value!r}, new: missing")
            else:
                found += differences(value, new[key], inner)
        return found
    if isinstance(golden, list):
        if not isinstance(new, list):
            return [f"{where}: golden {golden!r}, new {new!r}"]
        found = []
        for i, value in enumerate(golden):
            if i >= len(new):
                found.append(f"{path}[{i}]: golden {value!r}, new: missing")
            else:
                found += differences(value, new[i], f"{path}[{i}]")
        return found
    if _same(golden, new):
        return []
    return [f"{where}: golden {golden!r}, new {new!r}"]


def _same(golden: Any, new: Any) -> bool:
    number = (int, float)
    if isinstance(golden, bool) or isinstance(new, bool):
        return type(golden) is type(new) and golden == new
    if isinstance(golden, number) and isinstance(new, number):
        if math.isnan(golden) or math.isnan(new):
            return math.isnan(golden) and math.isnan(new)
        return math.isclose(golden, new, rel_tol=REL_TOL, abs_tol=0.0)
    return type(golden) is type(new) and golden == new


def golden_file(name: str) -> dict[str, Any]:
    path = GOLDEN / f"{name}.json"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python tests/test_golden.py --update`")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def assert_unchanged(name: str, golden: dict[str, Any], new: dict[str, Any]) -> None:
    found = differences(golden, new)
    if found:
        lines = "\n  ".join(found)
        pytest.fail(
            f"{len(found)} golden number(s) of {name} changed:\n  {lines}\n"
            "If the change is deliberate (the model or the random streams), run "
            "`python tests/test_golden.py --update`, review the diff and note it in CHANGELOG.md.",
            pytrace=False,
        )


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_the_golden_numbers(case: str) -> None:
    assert_unchanged(case, golden_file(case), results_of(case))


def test_incident_columns_match_the_golden_digest() -> None:
    name = f"{INCIDENTS_CASE}_incidents"
    assert_unchanged(name, golden_file(name), incident_digests())


def test_the_comparison_names_the_key_path() -> None:
    golden = {"a": {"b": [1.0, {"c": True}]}, "d": 2.0, "gone": 1}
    new = {"a": {"b": [1.0 + 1e-12, {"c": False}]}, "d": 2.1, "extra": 3}
    assert differences(golden, new) == [
        "a.b[1].c: golden True, new False",
        "d: golden 2.0, new 2.1",
        "gone: golden 1, new: missing",
    ]
    assert differences({"x": math.nan, "y": None}, {"x": math.nan, "y": None}) == []


def update() -> None:
    """Rewrite every golden file and print what changed."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    files = {case: pinned(results_of(case)) for case in sorted(CASES)}
    files[f"{INCIDENTS_CASE}_incidents"] = incident_digests()
    for name, data in files.items():
        path = GOLDEN / f"{name}.json"
        if path.exists():
            found = differences(json.loads(path.read_text(encoding="utf-8")), data)
            print(f"{path}: {len(found)} change(s)")
            for line in found:
                print(f"  {line}")
        else:
            print(f"{path}: new")
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    update()
