"""Experiments: replications of a scenario, their seeds, and where they run.

Replication ``r`` of an experiment with seed ``S`` always uses the seed sequence
``SeedSequence(S, spawn_key=(r,))`` (the ``r``-th child of ``SeedSequence(S)``),
whichever process runs it. Results are gathered in replication order, so the
numbers are identical for 1, 2 or N workers and for any executor.

Replications run in a ``ProcessPoolExecutor`` by default; any
``concurrent.futures.Executor`` will do (a Dask cluster's ``get_executor()``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed

import numpy as np

from simsvc.memory import check_size
from simsvc.model.world import simulate
from simsvc.results import ReplicationSummary, RunResult, summarise
from simsvc.scenario.schema import Scenario

Progress = Callable[[int], None]
"""Called with the number of replications finished so far."""


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication of an experiment."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def run_replication(
    scenario: Scenario, seed: int, replication: int, keep_incidents: bool = False
) -> ReplicationSummary:
    """Simulate and summarise one replication (a picklable unit of work)."""
    outcome = simulate(scenario, replication_seed(seed, replication))
    return summarise(scenario, outcome, keep_incidents)


def _ignore_interrupts() -> None:
    # Ctrl-C is the parent's to handle: workers stop when the parent cancels them,
    # instead of each printing its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers leave Ctrl-C to the parent process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)


def default_workers() -> int:
    """Worker processes used when none are asked for: one per core."""
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    keep_incidents: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run replications of ``scenario`` and aggregate them.

    ``replications`` and ``seed`` default to the file's ``[scenario]`` values.
    With an ``executor``, replications are submitted to it; otherwise ``workers``
    processes are used (``1`` runs in this process; default one per core).
    """
    count = replications if replications is not None else scenario.scenario.replications
    if count < 1:
        raise ValueError(f"replications must be at least 1, got {count}")
    base_seed = seed if seed is not None else scenario.scenario.seed
    at_once = 1 if executor is None and workers == 1 else (workers or default_workers())
    check_size(scenario, count, workers=at_once, keep_incidents=keep_incidents)
    summaries = map_replications(
        scenario, base_seed, range(count), workers, executor, keep_incidents, progress
    )
    return RunResult(scenario=scenario, seed=base_seed, replications=summaries)


def map_replications(
    scenario: Scenario,
    seed: int,
    indices: range | list[int],
    workers: int | None = None,
    executor: Executor | None = None,
    keep_incidents: bool = False,
    progress: Progress | None = None,
) -> list[ReplicationSummary]:
    """Summaries of the given replications, in the order of ``indices``."""
    indices = list(indices)
    if executor is None and (workers == 1 or len(indices) == 1):
        results = []
        for done, r in enumerate(indices, start=1):
            results.append(run_replication(scenario, seed, r, keep_incidents))
            if progress:
                progress(done)
        return results
    if executor is not None:
        return _gather(executor, scenario, seed, indices, keep_incidents, progress)
    count = min(workers or default_workers(), len(indices))
    with process_pool(count) as pool:
        return _gather(pool, scenario, seed, indices, keep_incidents, progress)


def _gather(
    executor: Executor,
    scenario: Scenario,
    seed: int,
    indices: list[int],
    keep_incidents: bool,
    progress: Progress | None,
) -> list[ReplicationSummary]:
    futures: list[Future[ReplicationSummary]] = [
        executor.submit(run_replication, scenario, seed, r, keep_incidents) for r in indices
    ]
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()
            if progress:
                progress(done)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [f.result() for f in futures]
