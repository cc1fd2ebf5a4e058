"""Every scenario in ``scenarios/`` loads, runs and gives sane results.

The scenarios are discovered from the folder, so a new file is tested without
touching this one. Each runs 3 replications in this process: enough to check
the shape and bounds of the results, not their values.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import simsvc

SCENARIOS = Path(__file__).parent.parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.toml"))


def test_there_are_scenarios() -> None:
    assert FILES, f"no *.toml in {SCENARIOS}"


@pytest.fixture(scope="module", params=FILES, ids=lambda path: path.stem)
def run(request: pytest.FixtureRequest) -> tuple[simsvc.Scenario, simsvc.RunResult]:
    scenario = simsvc.load_scenario(request.param)
    return scenario, simsvc.run_experiment(scenario, replications=3, workers=1)


def _in_unit_interval(estimate: dict[str, Any]) -> bool:
    return all(0.0 <= estimate[key] <= 1.0 for key in ("mean", "ci_low", "ci_high"))


def test_results_follow_the_contract(run: tuple[simsvc.Scenario, simsvc.RunResult]) -> None:
    scenario, result = run
    results = result.to_dict()
    assert results["scenario"] == scenario.scenario.name
    assert results["replications"] == 3
    assert len(results["commitments"]) == len(scenario.commitment)
    assert set(results["severities"]) == {s.id for s in scenario.severity}
    assert set(results["bases"]) == {b.id for b in scenario.base}
    assert set(results["depots"]) == {d.id for d in scenario.depot}
    assert set(results["cost"]) >= {"engineers", "desk", "holding", "penalties", "total"}


def test_attainments_are_shares_with_ordered_intervals(
    run: tuple[simsvc.Scenario, simsvc.RunResult],
) -> None:
    _, result = run
    for row in result.to_dict()["commitments"]:
        estimate = row["attainment"]
        label = f"{row['severity']} {row['metric']} <= {row['within_hours']}h ({row['zone']})"
        assert _in_unit_interval(estimate), label
        assert estimate["ci_low"] <= estimate["mean"] <= estimate["ci_high"], label
        risk = row["breach_risk"]
        assert risk["ci_low"] <= risk["mean"] <= risk["ci_high"], label
        if row["criterion"] == "mean":
            met = estimate["ci_low"] >= row["goal"] - 1e-12
        else:
            met = risk["ci_high"] <= result.scenario.plan.max_breach_risk + 1e-12
        assert row["met"] == met == (row["verdict"] == "met"), label


def test_engineers_are_not_saturated(run: tuple[simsvc.Scenario, simsvc.RunResult]) -> None:
    _, result = run
    for base, entry in result.to_dict()["bases"].items():
        utilization = entry["utilization"]["mean"]
        assert 0.0 <= utilization < 1.0, f"base {base}: utilization {utilization}"


def test_every_counted_incident_closes(run: tuple[simsvc.Scenario, simsvc.RunResult]) -> None:
    _, result = run
    incidents = result.incidents
    assert {"counted", "report", "resolution"} <= set(incidents.columns)
    counted = incidents[incidents["counted"]]
    assert len(counted) > 0
    assert not counted["resolution"].isna().any()
    assert (counted["resolution"] >= counted["report"]).all()
    assert math.isfinite(float(counted["resolution"].max()))
