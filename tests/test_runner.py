"""The replication runner's process pool: workers never outlive their parent."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PARENT = """
import os, time
from simsvc.runner import Runner

with Runner(workers=2) as runner:
    pool = runner._target(2)
    pool.submit(time.sleep, 600)
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_pool_workers_die_with_a_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), "a pool worker outlived its killed parent"


def test_a_pool_never_has_more_processes_than_jobs() -> None:
    import multiprocessing

    import simsvc
    from simsvc.runner import Runner, experiment_jobs

    scenario = simsvc.load_scenario(Path(__file__).parent / "data" / "small.toml")
    with Runner(workers=40) as runner:
        runner.map(experiment_jobs(scenario, 1, range(4)))
        assert len(multiprocessing.active_children()) == 4
        batches = [experiment_jobs(scenario, 1, range(3)) for _ in range(2)]
        assert sorted(k for k, _ in runner.batches(batches)) == [0, 1]
        assert len(multiprocessing.active_children()) == 6  # a larger batch, a larger pool


class _Lost(concurrent.futures.Executor):
    """An executor whose workers are gone: it takes tasks and never runs them."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        return concurrent.futures.Future()


def test_a_run_whose_workers_are_gone_stops_with_a_clear_error() -> None:
    import simsvc
    from simsvc.runner import Runner, RunnerStalled, experiment_jobs

    scenario = simsvc.load_scenario(Path(__file__).parent / "data" / "small.toml")
    start = time.monotonic()
    with (
        Runner(executor=_Lost(), workers=2, stall_timeout=0.5) as runner,
        pytest.raises(RunnerStalled, match=r"no replication finished in 0.5 s on _Lost"),
    ):
        runner.map(experiment_jobs(scenario, 1, range(3)))
    assert time.monotonic() - start < 10
    batches = [experiment_jobs(scenario, 1, range(2))]
    with (
        Runner(executor=_Lost(), workers=2, stall_timeout=0.5) as runner,
        pytest.raises(RunnerStalled),
    ):
        list(runner.batches(batches))
