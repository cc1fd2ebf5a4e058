"""Invariants of the incident records, and the results JSON built from them.

``tests/data/records_mix.toml`` exercises every path of an incident's life: a desk
on a 07:00-22:00 shift, remote fixes, a base on a day shift, parts from the home
depot, lateral supply (one depot holds no boards), backorders (nobody holds fans),
spare-unit swaps, inspections, and a warm-up that is not whole days.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import simsvc

DATA = Path(__file__).parent / "data"
REPLICATIONS = 4
SEED = 11


@pytest.fixture(scope="module")
def scenario() -> simsvc.Scenario:
    return simsvc.load_scenario(DATA / "records_mix.toml")


@pytest.fixture(scope="module")
def result(scenario: simsvc.Scenario) -> simsvc.RunResult:
    return simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED, workers=1)


@pytest.fixture(scope="module")
def table(result: simsvc.RunResult) -> pd.DataFrame:
    return result.incidents


def test_the_scenario_exercises_every_path(table: pd.DataFrame) -> None:
    assert table["remote"].sum() > 10
    assert table["swap"].sum() > 5
    visits = table[~table["remote"]]
    assert (visits["part_wait"] == 0).sum() > 10  # part at hand
    lateral = visits[(visits["base"] == "north") & (visits["part"] == "board") & ~visits["swap"]]
    assert (lateral["depot"] == "south").all() and len(lateral) > 5  # lateral supply
    assert ((visits["part"] == "fan") & (visits["part_wait"] > 24)).sum() > 3  # backorders
    assert set(visits["base"]) == {"north", "south"}
    assert not table["counted"].all()  # some reports fall in the warm-up


def test_stamps_are_ordered(table: pd.DataFrame) -> None:
    eps = 1e-9
    assert (table["response"] >= table["report"] - eps).all()
    visits = table[~table["remote"]]
    assert (visits["dispatch"] >= visits["response"] - eps).all()
    assert (visits["arrival"] >= visits["dispatch"] - eps).all()
    assert (visits["resolution"] >= visits["arrival"] - eps).all()
    # the wait for a part comes before the repair
    waited = visits[visits["part_wait"] > 0]
    assert (waited["resolution"] >= waited["arrival"] + waited["part_wait"] - eps).all()


def test_remote_fixes_have_no_visit(table: pd.DataFrame) -> None:
    remote = table[table["remote"]]
    assert remote["dispatch"].isna().all()
    assert remote["arrival"].isna().all()
    assert remote["part_wait"].isna().all()
    assert (remote["engineer"] == -1).all()
    assert remote["base"].isna().all()
    assert remote["part"].isna().all()
    assert not remote["swap"].any()
    assert (remote["resolution"] >= remote["response"]).all()
    assert remote["arrival_hours"].isna().all()


def test_visits_are_stamped_completely(table: pd.DataFrame) -> None:
    visits = table[~table["remote"] & table["counted"]]
    for column in ("response", "dispatch", "arrival", "resolution"):
        assert visits[column].notna().all(), column
    assert (visits["engineer"] >= 0).all()
    assert visits["base"].notna().all()


def test_every_counted_incident_is_closed(table: pd.DataFrame, result: simsvc.RunResult) -> None:
    counted = table[table["counted"]]
    assert np.isfinite(counted["resolution"]).all()
    assert np.isfinite(counted["resolution_hours"]).all()
    assert result.to_dict()["open_at_end"] == 0


def test_no_incident_is_counted_twice(table: pd.DataFrame) -> None:
    assert not table.duplicated(["replication", "incident"]).any()
    assert set(table["replication"]) == set(range(REPLICATIONS))
    for _, rows in table.groupby("replication"):
        assert rows["incident"].tolist() == list(range(len(rows)))
        assert rows["report"].is_monotonic_increasing


def test_counted_iff_reported_in_the_window(
    table: pd.DataFrame, scenario: simsvc.Scenario, result: simsvc.RunResult
) -> None:
    start = scenario.scenario.warmup
    end = start + scenario.scenario.horizon
    in_window = (table["report"] >= start) & (table["report"] < end)
    assert (table["counted"] == in_window).all()
    assert (table["report"] < end).all()  # reports are drawn up to the end of the horizon
    # the per-replication incident counts of the results are the counted rows
    for r, summary in enumerate(result.replications):
        rows = table[table["replication"] == r]
        assert sum(summary.incidents.values()) == int(rows["counted"].sum())
        assert sum(summary.incidents.values()) == int(in_window[rows.index].sum())


def test_counted_rows_match_the_reports_of_a_single_simulation(scenario: simsvc.Scenario) -> None:
    from simsvc.experiment import replication_seed

    outcome = simsvc.simulate(scenario, replication_seed(SEED, 0))
    report = outcome.columns["report"]
    start, end = outcome.window
    assert outcome.columns["counted"].sum() == np.count_nonzero((report >= start) & (report < end))
    assert len(np.unique(report)) == len(report)


def test_parts_and_swaps_are_recorded(table: pd.DataFrame) -> None:
    stamped = table["part_wait"].dropna()
    assert (stamped >= 0).all()
    swaps = table[table["swap"]]
    assert swaps["depot"].notna().all()
    assert (swaps["part"] == "unit").all()
    assert (swaps["equipment"] == "gate").all()  # the only equipment with a spare unit
    assert (swaps["severity"] == "L1").all()  # the only severity with swap_after
    # a visit that drew a part from a depot (not a swap) says how long it waited
    drew = table[table["part"].notna() & ~table["swap"]]
    assert drew["part_wait"].notna().all()
    assert drew["depot"].notna().all()
    # part_wait is set only where a part was drawn
    assert table.loc[table["part"].isna(), "part_wait"].isna().all()


def test_clock_columns_are_elapsed_hours(table: pd.DataFrame) -> None:
    for metric in ("response", "arrival", "resolution"):
        np.testing.assert_allclose(
            table[f"{metric}_hours"], table[metric] - table["report"], equal_nan=True
        )


def test_zone_column(table: pd.DataFrame) -> None:
    city = table["site"].isin(["c1", "c2"])
    assert (table.loc[city, "zone"] == "city").all()
    assert (table.loc[~city, "zone"] == "suburb").all()


def test_attainment_recomputed_from_the_records(
    table: pd.DataFrame, scenario: simsvc.Scenario, result: simsvc.RunResult
) -> None:
    for k, commitment in enumerate(scenario.commitment):
        if commitment.clock == "business":
            continue
        met, counted = [], []
        for r in range(REPLICATIONS):
            rows = table[
                (table["replication"] == r)
                & table["counted"]
                & (table["severity"] == commitment.severity)
            ]
            if commitment.zone:
                rows = rows[rows["zone"] == commitment.zone]
            clock = rows[f"{commitment.metric}_hours"].dropna()
            met.append(int(np.sum(clock <= commitment.within + 1e-9)))
            counted.append(len(clock))
        # attainment pools every replication's counted incidents
        assert result.attainment(k).mean == pytest.approx(sum(met) / sum(counted)), commitment.label


# -- common random numbers ------------------------------------------------------------------


@pytest.mark.parametrize("engineers", [{"north": 1}, {"south": 0}, {"north": 6, "south": 0}])
def test_more_or_fewer_engineers_leave_the_fault_stream_alone(
    scenario: simsvc.Scenario, engineers: dict[str, int]
) -> None:
    other = scenario.with_resources(engineers=engineers)
    assert [b.engineers for b in other.base] != [b.engineers for b in scenario.base]
    for seed in (1, 2):
        a = simsvc.simulate(scenario, seed).columns
        b = simsvc.simulate(other, seed).columns
        for column in ("report", "site", "equipment", "severity", "remote", "counted"):
            np.testing.assert_array_equal(a[column], b[column], err_msg=column)
        # and the waiting changes, or the comparison would prove nothing
        assert not np.array_equal(a["resolution"], b["resolution"], equal_nan=True)


def test_more_desk_agents_and_stock_leave_the_fault_stream_alone(
    scenario: simsvc.Scenario,
) -> None:
    other = scenario.with_resources(agents=3, stock={("north", "board"): 5})
    a = simsvc.simulate(scenario, 5).columns
    b = simsvc.simulate(other, 5).columns
    for column in ("report", "site", "equipment", "severity", "remote"):
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)


# -- the results JSON -----------------------------------------------------------------------

ESTIMATE = {"mean", "ci_low", "ci_high"}
CLOCK = {"mean", "p50", "p90", "p95", "p99"}


def _is_number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and math.isfinite(value))


def test_results_follow_the_contract(result: simsvc.RunResult, scenario: simsvc.Scenario) -> None:
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert {
        "scenario",
        "replications",
        "seed",
        "commitments",
        "severities",
        "bases",
        "desk",
        "remote",
        "depots",
        "cost",
    } <= set(data)
    assert data["scenario"] == "Records mix"
    assert data["replications"] == REPLICATIONS
    assert data["seed"] == SEED

    assert len(data["commitments"]) == len(scenario.commitment)
    for row, commitment in zip(data["commitments"], scenario.commitment, strict=True):
        assert set(row) == {
            "id",
            "incidents",
            "verdict",
            "criterion",
            "period",
            "periods",
            "breach_risk",
            "breached_periods_per_year",
            "empty_periods",
            "penalty_per_year",
            "severity",
            "metric",
            "within_hours",
            "goal",
            "clock",
            "zone",
            "attainment",
            "met",
        }
        assert set(row["attainment"]) == ESTIMATE
        assert row["severity"] == commitment.severity
        assert row["metric"] == commitment.metric
        assert row["within_hours"] == commitment.within
        assert row["goal"] == commitment.goal
        assert row["clock"] == commitment.clock
        assert row["zone"] == commitment.zone
        assert isinstance(row["met"], bool)
    assert data["commitments"][1]["zone"] == "city"
    assert data["commitments"][0]["zone"] is None
    assert data["commitments"][0]["within_hours"] == 0.25

    assert set(data["severities"]) == {"L1", "L2", "L3"}
    for entry in data["severities"].values():
        assert set(entry) == {
            "incidents",
            "response_hours",
            "arrival_hours",
            "resolution_hours",
            "remote_hours",
            "assigned_hours",
            "visit_hours",
        }
        assert set(entry["incidents"]) == ESTIMATE
        for metric in ("response_hours", "arrival_hours", "resolution_hours"):
            assert set(entry[metric]) == CLOCK
            assert all(_is_number_or_none(v) for v in entry[metric].values())
            p = [entry[metric][k] for k in ("p50", "p90", "p95", "p99")]
            assert p == sorted(p)

    assert set(data["bases"]) == {"north", "south"}
    for base_id, entry in data["bases"].items():
        assert {"engineers", "utilization"} <= set(entry)
        assert set(entry["utilization"]) == ESTIMATE
        assert entry["engineers"] == {"north": 2, "south": 2}[base_id]
    assert {"agents", "utilization"} <= set(data["desk"])
    assert data["desk"]["agents"] == 1
    assert set(data["depots"]) == {"north", "south"}
    for entry in data["depots"].values():
        assert {"fill_rate", "mean_backorders"} <= set(entry)
        assert set(entry["fill_rate"]) == ESTIMATE
        assert set(entry["mean_backorders"]) == ESTIMATE
        assert 0 <= entry["fill_rate"]["mean"] <= 1
        assert entry["mean_backorders"]["mean"] >= 0
    assert set(data["cost"]) == {
        "engineers",
        "desk",
        "remote",
        "on_call",
        "holding",
        "penalties",
        "total",
    }
    assert data["remote"] is None  # no [remote] tier: the desk makes the remote attempts


def test_met_means_ci_low_reaches_the_goal(result: simsvc.RunResult) -> None:
    rows = result.to_dict()["commitments"]
    assert any(r["met"] for r in rows) and not all(r["met"] for r in rows)
    for k, row in enumerate(rows):
        low = row["attainment"]["ci_low"]
        assert row["met"] == (low is not None and low >= row["goal"])
        assert result.met(k) == row["met"]
        estimate = row["attainment"]
        assert estimate["ci_low"] <= estimate["mean"] <= estimate["ci_high"]


def test_incident_counts_agree_with_the_records(
    result: simsvc.RunResult, table: pd.DataFrame
) -> None:
    severities = result.to_dict()["severities"]
    counted = table[table["counted"]]
    for severity, entry in severities.items():
        per_replication = [
            int(((counted["replication"] == r) & (counted["severity"] == severity)).sum())
            for r in range(REPLICATIONS)
        ]
        assert entry["incidents"]["mean"] == pytest.approx(np.mean(per_replication))
        clock = counted.loc[counted["severity"] == severity, "resolution_hours"]
        assert entry["resolution_hours"]["p50"] == pytest.approx(np.median(clock), rel=1e-5)


def test_cost_adds_up(result: simsvc.RunResult, scenario: simsvc.Scenario) -> None:
    cost = result.to_dict()["cost"]
    # posts cost the people they take, 2,000 paid hours a year each (simsvc.staffing):
    # 2 posts 24x7 (8,760 h) and 2 on 08:00-20:00 every day (4,380 h) = 13.14 people
    assert cost["engineers"] == pytest.approx((2 * 8760 + 2 * 4380) / 2000 * 150_000)
    # one desk agent on 07:00-22:00 every day: 5,475 h = 2.7375 people
    assert cost["desk"] == pytest.approx(15 * 365 / 2000 * 80_000)
    # north: psu 4, unit 3; south: psu 4, board 6, unit 3 -- at 25% of unit cost a year
    assert cost["holding"] == pytest.approx(0.25 * (8 * 500 + 6 * 900 + 6 * 4000))
    assert cost["penalties"] >= 0
    assert cost["remote"] == 0
    parts = cost["engineers"] + cost["desk"] + cost["holding"] + cost["penalties"]
    assert cost["total"] == pytest.approx(parts)


def test_a_depot_that_filled_every_request_keeps_an_honest_interval() -> None:
    """Fill rates are pooled request counts with an exact interval: all filled is 100% with a
    lower bound below it (a t-interval over replications would collapse to [100%, 100%])."""
    from simsvc.stats import proportion_ci

    scenario = simsvc.load_scenario(Path(__file__).parent / "data" / "small.toml")
    ample = scenario.evolve({"depot[0].stock.psu": 50})
    result = simsvc.run_experiment(ample, replications=3, seed=2, workers=1)
    row = result.depots().iloc[0]
    requests = [r.depot_requests[0] for r in result.replications if r.depot_requests]
    assert sum(requests) > 0
    assert row["fill_rate"] == 1.0
    assert row["ci_low"] < 1.0 <= row["ci_high"]
    assert row["ci_low"] == pytest.approx(proportion_ci(requests, requests, 0.95).ci_low)
