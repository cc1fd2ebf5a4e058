"""The replication runner: the only place that knows about processes, Dask and progress.

Every command (run, sweep, plan, promise, report) and every chart's sweep hands its
replications to a :class:`Runner` as :class:`Job` s: one replication of one variant.

Replication ``r`` of an experiment with seed ``S`` always uses the seed sequence
``SeedSequence(S, spawn_key=(r,))`` (the ``r``-th child of ``SeedSequence(S)``),
whichever process runs it, and results come back in job order, so the numbers are
identical for 1, 2 or N workers and for any executor.

Jobs run in this process (``workers=1``), in a ``ProcessPoolExecutor`` the runner
opens on first use and keeps until it is closed (default: one process per core), or
on any ``concurrent.futures.Executor`` given to it (a Dask cluster's
``get_executor()``). The memory an experiment needs is checked once per batch, before
any replication starts (:func:`simsvc.memory.check_size`); the engine never checks.
"""

from __future__ import annotations

import functools
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from simsvc.results import ReplicationSummary
    from simsvc.scenario.schema import Scenario

T = TypeVar("T")

Progress = Callable[[int], None]
"""Called with the number of jobs finished so far."""


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` of an experiment seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


@dataclass(frozen=True)
class Job:
    """One replication of one variant: what a worker simulates and summarises."""

    scenario: Scenario
    seed: int
    replication: int
    keep_incidents: bool = False
    by_region: bool = False
    """Count each commitment per region and period too (the planner's regional model)."""


def run_job(job: Job) -> ReplicationSummary:
    """Simulate and summarise one replication (a picklable unit of work)."""
    from simsvc.model.world import simulate
    from simsvc.results import summarise

    outcome = simulate(job.scenario, replication_seed(job.seed, job.replication))
    return summarise(job.scenario, outcome, job.keep_incidents, job.by_region)


@dataclass(frozen=True)
class PackedJob:
    """A job as it travels to a worker: its scenario pickled once per batch.

    Workers keep the last few scenarios they unpickled (:func:`_unpickled`), so a worker
    given many replications of one variant builds that variant once, and keeps what the
    engine memoises on it (calendars, distances), instead of once per replication.
    """

    scenario: bytes
    seed: int
    replication: int
    keep_incidents: bool
    by_region: bool = False


def packed(jobs: Sequence[Job]) -> list[PackedJob]:
    """``jobs`` for a worker, each distinct scenario object pickled once."""
    pickled: dict[int, bytes] = {}
    out = []
    for job in jobs:
        key = id(job.scenario)
        if key not in pickled:
            pickled[key] = pickle.dumps(job.scenario, protocol=pickle.HIGHEST_PROTOCOL)
        out.append(
            PackedJob(pickled[key], job.seed, job.replication, job.keep_incidents, job.by_region)
        )
    return out


@functools.lru_cache(maxsize=8)
def _unpickled(scenario: bytes) -> Scenario:
    """The scenario of a packed job (kept per worker process for the next jobs of it)."""
    loaded: Scenario = pickle.loads(scenario)
    return loaded


def run_packed(job: PackedJob) -> ReplicationSummary:
    """:func:`run_job` of a packed job, in a worker."""
    scenario = _unpickled(job.scenario)
    return run_job(Job(scenario, job.seed, job.replication, job.keep_incidents, job.by_region))


CHUNKS_PER_SLOT = 4
"""A batch of jobs goes out in about this many tasks per worker: few enough that a task's
overhead (a Dask scheduler's round trip, a scenario's bytes) is spread over several
replications, enough that workers finishing early find more to do."""


def _chunks(jobs: list[PackedJob], slots: int) -> list[list[PackedJob]]:
    """``jobs`` in order, cut into tasks of :data:`CHUNKS_PER_SLOT` per slot at most."""
    size = max(1, -(-len(jobs) // (slots * CHUNKS_PER_SLOT)))
    return [jobs[k : k + size] for k in range(0, len(jobs), size)]


def run_chunk(jobs: list[PackedJob]) -> list[ReplicationSummary]:
    """:func:`run_packed` of each job of a task, in order."""
    return [run_packed(job) for job in jobs]


def experiment_jobs(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    *,
    keep_incidents: bool = False,
) -> list[Job]:
    """The jobs of replications ``replications`` of one scenario."""
    return [Job(scenario, seed, r, keep_incidents) for r in replications]


def default_workers() -> int:
    """Worker processes used when none are asked for: one per core."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _start_worker(parent: int) -> None:
    """Set up a pool worker: Ctrl-C is the parent's, and the worker dies with its parent.

    Ctrl-C reaches every process of the terminal: workers stop when the parent cancels
    them, instead of each printing its own traceback. A parent killed outright (SIGKILL)
    cannot cancel anything, so on Linux the kernel is asked to kill the worker when the
    parent dies (``PR_SET_PDEATHSIG``); elsewhere workers end when their pipe closes.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the pipe still ends the worker
            return
        if os.getppid() != parent:  # the parent died before the request took hold
            os._exit(1)


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers leave Ctrl-C to the parent process."""
    return ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(os.getpid(),)
    )


class RunnerStalled(Exception):
    """No replication finished for ``stall_timeout`` seconds (its workers may be gone)."""


class Runner:
    """Runs replication jobs in this process, in a local process pool or on an executor.

    Use it as a context manager, or call :meth:`close`: a pool it opened is shut down
    then (an executor given to it is left open: it is the caller's). ``stall_timeout``
    (seconds) stops a run on which no replication finishes for that long with
    :class:`RunnerStalled`: a Dask cluster whose last worker died would otherwise wait
    for ever (a local pool whose worker dies reports it at once).
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        executor: Executor | None = None,
        stall_timeout: float | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.stall_timeout = stall_timeout
        self.executor = executor
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._pool_size = 0

    @property
    def slots(self) -> int:
        """How many jobs run at once (on an executor: as many as ``workers`` says it runs)."""
        return self.workers

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Shut down the process pool this runner opened, if any."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _target(self, jobs: int) -> Executor | None:
        """Where ``jobs`` jobs run: ``None`` for this process.

        The runner's own pool never has more processes than jobs to run (a pool opened for
        4 jobs with ``workers=40`` forks 4); a later, larger batch gets a larger pool.
        """
        if self.executor is not None:
            return self.executor
        if self.workers == 1 or jobs <= 1:  # no pool for a single job
            return None
        size = min(self.workers, jobs)
        if self._pool is not None and self._pool_size < size:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._pool is None:
            self._pool = process_pool(size)
            self._pool_size = size
        return self._pool

    def _wait(self, pending: set[Future[T]]) -> tuple[set[Future[T]], set[Future[T]]]:
        """The futures finished and not, once at least one finishes (or the run stalls)."""
        finished, waiting = wait(pending, timeout=self.stall_timeout, return_when=FIRST_COMPLETED)
        if not finished:
            raise RunnerStalled(
                f"no replication finished in {self.stall_timeout:g} s on {self._where()}:"
                " its workers may be gone; replications already written are kept"
            )
        return finished, waiting

    def _where(self) -> str:
        if self.executor is None:
            return f"{self.workers} local processes"
        return type(self.executor).__name__

    def check_memory(self, jobs: Sequence[Job]) -> None:
        """Refuse, before anything runs, jobs whose replications would not fit in memory.

        Each distinct variant is checked with its number of jobs, ``slots`` at once.
        """
        from simsvc.memory import check_size

        counts: dict[int, tuple[Job, int]] = {}
        for job in jobs:
            first, count = counts.get(id(job.scenario), (job, 0))
            counts[id(job.scenario)] = (first, count + 1)
        for job, count in counts.values():
            check_size(job.scenario, count, workers=self.slots, keep_incidents=job.keep_incidents)

    def map(
        self, jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[ReplicationSummary]:
        """The summaries of ``jobs``, in job order."""
        jobs = list(jobs)
        self.check_memory(jobs)
        target = self._target(len(jobs))
        if target is None:
            results = []
            for done, job in enumerate(jobs, start=1):
                results.append(run_job(job))
                if progress:
                    progress(done)
            return results
        chunks = _chunks(packed(jobs), self.slots)
        futures: list[Future[list[ReplicationSummary]]] = [
            target.submit(run_chunk, chunk) for chunk in chunks
        ]
        sizes = {future: len(chunk) for future, chunk in zip(futures, chunks, strict=True)}
        try:
            pending = set(futures)
            done = 0
            while pending:
                finished, pending = self._wait(pending)
                for future in finished:
                    future.result()  # raise a worker's error at once
                    done += sizes[future]
                if progress:
                    progress(done)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [summary for f in futures for summary in f.result()]

    def batches(
        self,
        batches: Iterable[Sequence[Job]],
        progress: Progress | None = None,
        in_flight: int | None = None,
    ) -> Iterator[tuple[int, list[ReplicationSummary]]]:
        """``(batch number, summaries in job order)`` for each batch, as each completes.

        Batches are submitted ``in_flight`` at a time (default: enough to keep every slot
        busy while one batch ends), so a long sweep holds few results in memory and its
        finished points can be written as they come. ``progress`` counts finished batches.
        """
        listed = [list(jobs) for jobs in batches]
        queue = iter(enumerate(listed))
        first = next(queue, None)
        if first is None:
            return
        target = self._target(sum(len(jobs) for jobs in listed))
        if target is None:
            for done, (index, jobs) in enumerate([first, *queue], start=1):
                summaries = self.map(jobs)
                if progress:
                    progress(done)
                yield index, summaries
            return
        size = max(1, len(first[1]))
        window = in_flight or max(2, -(-2 * self.slots // size))
        running: dict[Future[ReplicationSummary], tuple[int, int]] = {}
        partial: dict[int, list[ReplicationSummary | None]] = {}
        upcoming: Iterator[tuple[int, Sequence[Job]]] = iter([first, *queue])

        def submit_more() -> None:
            while len(partial) < window:
                item = next(upcoming, None)
                if item is None:
                    return
                index, jobs = item
                jobs = list(jobs)
                self.check_memory(jobs)
                partial[index] = [None] * len(jobs)
                if not jobs:
                    continue
                for k, job in enumerate(packed(jobs)):
                    running[target.submit(run_packed, job)] = (index, k)

        done = 0
        try:
            submit_more()
            while running or partial:
                for index in [i for i, s in partial.items() if not s]:  # batches of no jobs
                    del partial[index]
                    done += 1
                    if progress:
                        progress(done)
                    yield index, []
                if not running:
                    submit_more()
                    continue
                finished, _ = self._wait(set(running))
                for future in finished:
                    index, k = running.pop(future)
                    slots = partial[index]
                    slots[k] = future.result()
                    if all(s is not None for s in slots):
                        del partial[index]
                        done += 1
                        if progress:
                            progress(done)
                        yield index, [s for s in slots if s is not None]
                submit_more()
        except BaseException:
            for future in running:
                future.cancel()
            raise


def replicate(
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> list[ReplicationSummary]:
    """The summaries of ``jobs`` in job order, on a runner opened and closed for them."""
    with Runner(workers=workers, executor=executor) as runner:
        return runner.map(jobs, progress)
