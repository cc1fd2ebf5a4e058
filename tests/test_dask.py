"""Scale-out on Dask: the same numbers as a local run, from the API and the command line.

CI installs the ``dask`` extra, so these tests run there; ``importorskip`` only guards a
checkout without it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import simsvc
from simsvc.cli.main import main

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A real cluster of two worker processes on this machine."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as connected,
    ):
        yield connected


def test_run_experiment_on_dask_equals_one_process(client: Any) -> None:
    scenario = simsvc.load_scenario(SMALL)
    alone = simsvc.run_experiment(scenario, replications=5, seed=5, workers=1)
    executor = client.get_executor()
    on_dask = simsvc.run_experiment(scenario, replications=5, seed=5, executor=executor)
    assert on_dask.to_dict() == alone.to_dict()
    pd.testing.assert_frame_equal(on_dask.incidents, alone.incidents)


def test_plan_on_dask_equals_one_process(client: Any) -> None:
    from simsvc.planner.search import plan

    scenario = simsvc.load_scenario(SMALL)
    alone = plan(scenario, replications=3, seed=2, workers=1)
    on_dask = plan(scenario, replications=3, seed=2, executor=client.get_executor())
    assert on_dask.to_dict() == alone.to_dict()


def test_run_on_an_existing_cluster_from_the_command_line(client: Any, tmp_path: Path) -> None:
    args = ["run", str(SMALL), "-n", "4", "--seed", "3", "-q"]
    assert main([*args, "-w", "1", "--json", str(tmp_path / "local.json")]) == 0
    address = client.scheduler.address
    assert main([*args, "--scheduler", address, "--json", str(tmp_path / "dask.json")]) == 0
    local = json.loads((tmp_path / "local.json").read_text())
    assert json.loads((tmp_path / "dask.json").read_text()) == local


def test_sweep_on_an_existing_cluster(client: Any, tmp_path: Path) -> None:
    args = [
        "sweep",
        str(SMALL),
        "--vary",
        "base.north.engineers=1..2",
        "--vary",
        "travel.cv=0,0.5",
        "-n",
        "3",
        "-q",
    ]
    assert main([*args, "-w", "1", "--out", str(tmp_path / "local.csv")]) == 0
    address = client.scheduler.address
    assert (
        main(
            [
                *args,
                "--executor",
                "dask",
                "--scheduler",
                address,
                "--out",
                str(tmp_path / "dask.csv"),
            ]
        )
        == 0
    )
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_dask_local_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    args = ["sweep", str(SMALL), "--vary", "depot.main.stock.psu=0..2", "-n", "3", "-w", "2"]
    assert main([*args, "-q", "--executor", "local", "--out", str(tmp_path / "local.csv")]) == 0
    assert main([*args, "--executor", "dask-local", "--out", str(tmp_path / "dask.csv")]) == 0
    assert "running on local Dask cluster of 2 processes" in capsys.readouterr().err
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_without_dask_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    assert main(["run", str(SMALL), "-n", "2", "-q", "--executor", "dask-local"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'simsvc[dask]'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--executor", "local", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is for"),
        (["--scheduler", "tcp://127.0.0.1:8786", "-w", "2"], "--workers is for local"),
    ],
)
def test_executor_usage_errors(
    capsys: pytest.CaptureFixture[str], options: list[str], words: str
) -> None:
    assert main(["run", str(SMALL), "-n", "2", "-q", *options]) == 2
    assert words in capsys.readouterr().err


def test_dask_needs_a_scheduler_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dask = pytest.importorskip("dask")
    monkeypatch.setitem(dask.config.config, "scheduler-address", None)
    assert main(["plan", str(SMALL), "-n", "2", "-q", "--executor", "dask"]) == 2
    assert "--scheduler tcp://HOST:PORT" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["promise", str(SMALL), "-n", "2", "-q", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err
