"""Level tables: one resource stepped through levels, every level on the same seed.

The two-base operation of ``test_charts`` is simulated at several engineer counts and
stock levels; the tables must hold the numbers of ``RunResult.commitments()`` for each
variant, run as one batch of jobs with common random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import pytest
from test_charts import SMALL

import simsvc
from simsvc.planner.analytic import offered_loads, palm_fill_rate
from simsvc.results import ReplicationSummary
from simsvc.runner import Job, Progress, Runner
from simsvc.sweep.levels import (
    COLUMNS,
    commitment_rows,
    feasible_levels,
    part_fill_rate,
    spares_table,
    split_engineers,
    staffing_table,
    stock_rule_level,
)


class RecordingRunner(Runner):
    """A runner in this process that keeps the jobs of every ``map`` call."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.calls: list[list[Job]] = []

    def map(
        self, jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[ReplicationSummary]:
        self.calls.append(list(jobs))
        return super().map(jobs, progress)


@pytest.fixture(scope="module")
def scenario() -> simsvc.Scenario:
    return simsvc.parse_scenario(SMALL)


@pytest.fixture(scope="module")
def result(scenario: simsvc.Scenario) -> simsvc.RunResult:
    return simsvc.run_experiment(scenario, workers=1, keep_incidents=False)


@pytest.fixture(scope="module")
def staffing(scenario: simsvc.Scenario) -> pd.DataFrame:
    return staffing_table(scenario, levels=[1, 2, 3, 4], workers=1)


def test_engineers_are_shared_out_in_proportion(scenario: simsvc.Scenario) -> None:
    assert split_engineers(scenario, 3) == {"north": 2, "east": 1}
    assert split_engineers(scenario, 6) == {"north": 4, "east": 2}
    assert split_engineers(scenario, 4) == {"north": 3, "east": 1}
    assert sum(split_engineers(scenario, 7).values()) == 7


def test_staffing_table_holds_each_levels_commitments_table(
    scenario: simsvc.Scenario, result: simsvc.RunResult, staffing: pd.DataFrame
) -> None:
    assert list(staffing.columns) == COLUMNS
    assert len(staffing) == 4 * len(scenario.commitment)
    assert list(staffing["commitment"].iloc[: len(scenario.commitment)]) == list(
        scenario.commitment_ids()
    )
    # Common random numbers: the file's own level is the file's own run, to the digit.
    at_file = staffing[staffing["level"] == 3].set_index("commitment")
    expected = result.commitments()
    for column in ("mean", "ci_low", "ci_high", "met", "goal"):
        source = "attainment" if column == "mean" else column
        assert at_file[column].tolist() == pytest.approx(expected[source].tolist(), abs=1e-12)
    assert at_file["series"].tolist() == expected["label"].tolist()
    # One engineer for two bases cannot do as well as three on arrival.
    arrival = staffing[staffing["commitment"] == scenario.commitment_ids()[1]]
    assert arrival["mean"].iloc[0] < arrival["mean"].iloc[2]
    assert staffing.attrs == {
        "scenario": "Two-base test operation",
        "base": None,
        "current": 3,
        "confidence": scenario.plan.confidence,
        "replications": 4,
        "seed": 11,
    }


def test_staffing_table_runs_every_level_as_one_batch_on_one_seed(
    scenario: simsvc.Scenario,
) -> None:
    runner = RecordingRunner()
    done: list[int] = []
    table = staffing_table(
        scenario, "east", [0, 1, 2], replications=2, seed=5, runner=runner, progress=done.append
    )
    (jobs,) = runner.calls
    assert [(job.seed, job.replication) for job in jobs] == [(5, 0), (5, 1)] * 3
    assert [job.scenario.base[1].engineers for job in jobs] == [0, 0, 1, 1, 2, 2]
    assert all(job.scenario.base[0].engineers == 2 for job in jobs)
    assert done[-1] == 6
    assert table.attrs["base"] == "east" and table.attrs["current"] == 1
    assert sorted(table["level"].unique()) == [0, 1, 2]


def test_staffing_table_is_the_same_on_one_or_two_workers(scenario: simsvc.Scenario) -> None:
    one = staffing_table(scenario, levels=[1, 3], replications=2, workers=1)
    two = staffing_table(scenario, levels=[1, 3], replications=2, workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert one["mean"].notna().all()


def test_staffing_table_refuses_unknown_bases_and_bad_levels(scenario: simsvc.Scenario) -> None:
    with pytest.raises(ValueError, match="unknown base 'west'"):
        staffing_table(scenario, base="west", levels=[1], workers=1)
    with pytest.raises(ValueError, match="at least 0"):
        staffing_table(scenario, levels=[-1, 2], workers=1)
    with pytest.raises(ValueError, match="replications must be at least 1"):
        staffing_table(scenario, levels=[1], replications=0, workers=1)


def test_part_fill_rate_is_the_depots_own_count() -> None:
    # With one part in the network, a depot's fill rate is that part's fill rate.
    only_psu = simsvc.parse_scenario(
        SMALL.replace(
            'parts = { psu = 0.6, board = 0.4 }\nspare_unit = "board"', "parts = { psu = 1.0 }"
        )
    )
    run = simsvc.run_experiment(only_psu, workers=1, keep_incidents=True)
    checked = 0
    for r in run.replications:
        assert r.columns is not None
        for depot in ("north-store", "east-store"):
            ours = part_fill_rate(only_psu, r.columns, depot, "psu")
            if math.isnan(r.fill_rate[depot]):
                assert math.isnan(ours)
            else:
                assert ours == pytest.approx(r.fill_rate[depot], abs=1e-12)
                checked += 1
    assert checked > 0


def test_spares_table(scenario: simsvc.Scenario) -> None:
    runner = RecordingRunner()
    table = spares_table(scenario, "north-store", "psu", range(0, 5), runner=runner)
    assert len(runner.calls) == 1 and len(runner.calls[0]) == 5 * 4
    assert not any(job.keep_incidents for job in runner.calls[0])  # the depot counts the part
    assert [job.scenario.depot[0].stock["psu"] for job in runner.calls[0][::4]] == [0, 1, 2, 3, 4]
    fill = table[table["kind"] == "fill_rate"]
    assert fill["level"].tolist() == [0, 1, 2, 3, 4]
    assert fill["mean"].iloc[0] == 0.0  # nothing in stock: nothing served at once
    assert fill["mean"].iloc[-1] > fill["mean"].iloc[0]
    palm = table[table["kind"] == "palm"]
    demand = offered_loads(scenario).part_demand[(0, 0)]
    assert palm["mean"].tolist() == pytest.approx(
        [palm_fill_rate(s, demand, 240.0) for s in range(5)]
    )
    commitments = table[table["kind"] == "attainment"]
    assert set(commitments["metric"]) == {"resolution"}
    assert len(commitments) == 5 * sum(c.metric == "resolution" for c in scenario.commitment)
    assert table.attrs["stock_rule"] == 3  # 15% of the 16 units the north base serves, up
    assert table.attrs["current"] == 2
    assert table.attrs["resupply_hours"] == 240.0
    assert stock_rule_level(scenario, "north-store", "psu") == 3
    with pytest.raises(ValueError, match="unknown part 'fan'"):
        spares_table(scenario, "north-store", "fan", [1], workers=1)


def test_commitment_rows_are_read_from_the_commitments_table(
    result: simsvc.RunResult,
) -> None:
    rows = pd.DataFrame(commitment_rows(7, result, ("arrival",)))
    expected = result.commitments()
    expected = expected[expected["metric"] == "arrival"]
    assert rows["commitment"].tolist() == expected.index.tolist()
    assert rows["mean"].tolist() == expected["attainment"].tolist()
    assert rows["met"].tolist() == expected["met"].tolist()
    assert set(rows["level"]) == {7}


def test_feasible_levels_are_those_where_every_commitment_is_met() -> None:
    rows = [
        {"level": level, "kind": "attainment", "commitment": c, "met": met}
        for level, c, met in [
            (1, "a", False),
            (1, "b", True),
            (2, "a", True),
            (2, "b", True),
            (3, "a", True),
            (3, "b", True),
        ]
    ]
    rows.append({"level": 0, "kind": "fill_rate", "commitment": None, "met": None})
    assert feasible_levels(pd.DataFrame(rows)) == [2, 3]


def test_level_variants_are_validated_like_a_file(scenario: simsvc.Scenario) -> None:
    # Every level is a variant built by Scenario.with_resources: a level the file could
    # not hold fails with its key path, before anything is simulated.
    runner = RecordingRunner()
    with pytest.raises(simsvc.ScenarioError, match=r"base\[1\]\.engineers"):
        staffing_table(scenario, "east", [1, 20_000], runner=runner)
    assert runner.calls == []
