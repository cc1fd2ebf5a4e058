"""Experiments: replications of one scenario, aggregated into a :class:`RunResult`.

Replication ``r`` of an experiment seeded ``S`` draws from ``SeedSequence(S,
spawn_key=(r,))`` wherever it runs (see :mod:`simsvc.runner`), so the numbers are
identical for any number of workers and any executor.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from simsvc.runner import Progress, Runner, experiment_jobs, replication_seed
from simsvc.verdicts import half_width

if TYPE_CHECKING:
    from simsvc.results import ReplicationSummary, RunResult
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


def decided(result: RunResult, precision: float | None = None) -> bool:
    """Whether every commitment has a verdict (or, with ``precision``, a half-width at most
    that share) under the scenario's criterion."""
    for estimate in result.estimates.values():
        if estimate.verdict != "undecided":
            continue
        interval = estimate.breach_risk if estimate.criterion == "risk" else estimate.attainment
        if precision is None or half_width(interval) > precision:
            return False
    return True


def run_until_decided(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    max_replications: int | None = None,
    precision: float | None = None,
    runner: Runner | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    keep_incidents: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Replications in batches until every commitment is decided (see :func:`decided`).

    The first batch has ``replications`` (default the file's); each later batch doubles
    the count, up to ``max_replications`` (default ten times the first). Replication ``r``
    has the same seed as in a plain run, so a run that stops at 40 equals the first 40 of
    a run of 80. ``progress`` gets the replications finished so far.
    """
    from simsvc.results import RunResult

    first = replications if replications is not None else scenario.scenario.replications
    if first < 1:
        raise ValueError(f"replications must be at least 1, got {first}")
    most = max_replications if max_replications is not None else 10 * first
    if most < first:
        raise ValueError(f"max_replications ({most}) is below the first batch ({first})")
    base_seed = seed if seed is not None else scenario.scenario.seed
    with contextlib.ExitStack() as stack:
        if runner is None:
            runner = stack.enter_context(Runner(workers=workers, executor=executor))
        summaries: list[ReplicationSummary] = []
        target = first
        while True:
            done = len(summaries)
            jobs = experiment_jobs(
                scenario, base_seed, range(done, target), keep_incidents=keep_incidents
            )
            tick = (lambda n, done=done: progress(done + n)) if progress else None
            summaries += runner.map(jobs, tick)
            result = RunResult(scenario=scenario, seed=base_seed, replications=list(summaries))
            if target >= most or decided(result, precision):
                return result
            target = min(2 * target, most)


__all__ = ["decided", "replication_seed", "run_experiment", "run_until_decided"]
