"""Experiments: replications of one scenario, aggregated into a :class:`RunResult`.

Replication ``r`` of an experiment seeded ``S`` draws from ``SeedSequence(S,
spawn_key=(r,))`` wherever it runs (see :mod:`simsvc.runner`), so the numbers are
identical for any number of workers and any executor.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING

from simsvc.runner import Progress, Runner, experiment_jobs, replication_seed

if TYPE_CHECKING:
    from simsvc.results import RunResult
    from simsvc.scenario.schema import Scenario


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    keep_incidents: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Run replications of ``scenario`` and aggregate them.

    ``replications`` and ``seed`` default to the file's ``[scenario]`` values. Jobs go
    to ``runner`` if given (it stays open), else to a runner opened for this experiment
    on ``executor`` or ``workers`` local processes (``1`` runs in this process; default
    one per core). ``keep_incidents`` keeps every incident record (``result.incidents``).
    """
    from simsvc.results import RunResult

    count = replications if replications is not None else scenario.scenario.replications
    if count < 1:
        raise ValueError(f"replications must be at least 1, got {count}")
    base_seed = seed if seed is not None else scenario.scenario.seed
    jobs = experiment_jobs(scenario, base_seed, range(count), keep_incidents=keep_incidents)
    if runner is not None:
        summaries = runner.map(jobs, progress)
    else:
        with Runner(workers=workers, executor=executor) as own:
            summaries = own.map(jobs, progress)
    return RunResult(scenario=scenario, seed=base_seed, replications=summaries)


__all__ = ["replication_seed", "run_experiment"]
