"""Same scenario and seed, same numbers: in this process, in worker processes, in threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simsvc
from simsvc.experiment import replication_seed

DATA = Path(__file__).parent / "data"
REPLICATIONS = 4
SEED = 20261122


@pytest.fixture(scope="module")
def scenario() -> simsvc.Scenario:
    return simsvc.load_scenario(DATA / "records_mix.toml")


@pytest.fixture(scope="module")
def serial(scenario: simsvc.Scenario) -> simsvc.RunResult:
    return simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED, workers=1)


def test_two_worker_processes_give_the_same_results(
    scenario: simsvc.Scenario, serial: simsvc.RunResult
) -> None:
    parallel = simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED, workers=2)
    assert parallel.to_dict() == serial.to_dict()
    pd.testing.assert_frame_equal(parallel.incidents, serial.incidents)


def test_a_thread_pool_executor_gives_the_same_results(
    scenario: simsvc.Scenario, serial: simsvc.RunResult
) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = simsvc.run_experiment(
            scenario, replications=REPLICATIONS, seed=SEED, executor=pool
        )
    assert threaded.to_dict() == serial.to_dict()
    pd.testing.assert_frame_equal(threaded.incidents, serial.incidents)


def test_running_twice_gives_the_same_results(
    scenario: simsvc.Scenario, serial: simsvc.RunResult
) -> None:
    again = simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED, workers=1)
    assert again.to_dict() == serial.to_dict()


def test_replications_do_not_depend_on_how_many_are_run(
    scenario: simsvc.Scenario, serial: simsvc.RunResult
) -> None:
    """Replication r uses the seed of replication r whatever the total."""
    fewer = simsvc.run_experiment(scenario, replications=2, seed=SEED, workers=1)
    table = serial.incidents
    pd.testing.assert_frame_equal(
        fewer.incidents, table[table["replication"] < 2].reset_index(drop=True)
    )
    outcome = simsvc.simulate(scenario, replication_seed(SEED, 3))
    np.testing.assert_array_equal(
        outcome.columns["report"], table.loc[table["replication"] == 3, "report"].to_numpy()
    )


def test_the_seed_defaults_to_the_file(scenario: simsvc.Scenario) -> None:
    assert scenario.scenario.seed == 11
    by_default = simsvc.run_experiment(scenario, replications=2, workers=1)
    explicit = simsvc.run_experiment(scenario, replications=2, seed=11, workers=1)
    assert by_default.to_dict() == explicit.to_dict()
    assert by_default.to_dict()["seed"] == 11


def test_different_seeds_differ(scenario: simsvc.Scenario, serial: simsvc.RunResult) -> None:
    other = simsvc.run_experiment(scenario, replications=REPLICATIONS, seed=SEED + 1, workers=1)
    assert other.to_dict() != serial.to_dict()
    assert other.to_dict()["severities"] != serial.to_dict()["severities"]
    a = serial.incidents.loc[lambda t: t["replication"] == 0, "report"].to_numpy()
    b = other.incidents.loc[lambda t: t["replication"] == 0, "report"].to_numpy()
    assert len(a) != len(b) or not np.array_equal(a, b)


def test_replications_of_one_experiment_differ(serial: simsvc.RunResult) -> None:
    table = serial.incidents
    reports = [
        table.loc[table["replication"] == r, "report"].to_numpy() for r in range(REPLICATIONS)
    ]
    for i in range(REPLICATIONS):
        for j in range(i + 1, REPLICATIONS):
            assert len(reports[i]) != len(reports[j]) or not np.array_equal(reports[i], reports[j])


def test_simulate_accepts_an_int_or_a_seed_sequence(scenario: simsvc.Scenario) -> None:
    a = simsvc.simulate(scenario, 42).columns
    b = simsvc.simulate(scenario, np.random.SeedSequence(42)).columns
    for column in a:
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)
