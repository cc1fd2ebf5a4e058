"""Runs behind the page: a cache of finished runs and a task that runs in the background.

A Streamlit page is a script run again on every click; a simulation must neither block
those reruns nor be repeated by them. :class:`RunCache` keeps every finished
:class:`~simsvc.results.RunResult` by what determines it (the variant's data, the
replications and the seed), so the same variant asked for twice is simulated once.
:class:`Task` runs one piece of work (runs, a plan, a promise table) in a thread and
counts its progress; the page polls it. Both live in the page's session state: nothing
here is global.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simsvc.results import RunResult
    from simsvc.runner import Runner
    from simsvc.scenario.schema import Scenario

Work = Callable[[Callable[[int], None]], Any]
"""A task's work: called with a progress function (units done so far), returns a result."""


def digest(scenario: Scenario) -> str:
    """A short fingerprint of a scenario's data: equal data, equal fingerprint."""
    text = scenario.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


RunKey = tuple[str, int, int]
"""(scenario digest, replications, seed): what a run's numbers depend on."""


@dataclass
class RunCache:
    """Finished runs by :data:`RunKey`; ``simulated`` counts the runs actually simulated."""

    runs: dict[RunKey, RunResult] = field(default_factory=dict)
    simulated: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @staticmethod
    def key(scenario: Scenario, replications: int, seed: int) -> RunKey:
        """The cache key of a run."""
        return (digest(scenario), replications, seed)

    def get(self, scenario: Scenario, replications: int, seed: int) -> RunResult | None:
        """The finished run, if there is one."""
        with self._lock:
            return self.runs.get(self.key(scenario, replications, seed))

    def missing(
        self, scenarios: Sequence[Scenario], replications: int, seed: int
    ) -> list[Scenario]:
        """The scenarios of ``scenarios`` without a finished run (each distinct one once)."""
        seen: set[RunKey] = set()
        wanted = []
        for scenario in scenarios:
            key = self.key(scenario, replications, seed)
            if key not in seen and self.get(scenario, replications, seed) is None:
                seen.add(key)
                wanted.append(scenario)
        return wanted

    def run_all(
        self,
        scenarios: Sequence[Scenario],
        replications: int,
        seed: int,
        runner: Runner,
        progress: Callable[[int], None] | None = None,
    ) -> list[RunResult]:
        """The runs of ``scenarios``, simulating (on ``runner``) only those not cached;
        ``progress`` counts the replications simulated so far."""
        from simsvc.experiment import run_experiment

        done = 0
        for scenario in self.missing(scenarios, replications, seed):

            def tick(n: int, before: int = done) -> None:
                if progress:
                    progress(before + n)

            result = run_experiment(
                scenario, replications, seed, runner=runner, keep_incidents=True, progress=tick
            )
            with self._lock:
                self.runs[self.key(scenario, replications, seed)] = result
                self.simulated += 1
            done += replications
        found = [self.get(s, replications, seed) for s in scenarios]
        return [r for r in found if r is not None]


@dataclass
class Task:
    """One piece of work running in a thread: its progress, then its result or its error.

    ``total`` is the progress at which the work is done (for the bar; 0 when unknown).
    """

    name: str
    total: int
    done: int = 0
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @classmethod
    def start(cls, name: str, work: Work, total: int = 0) -> Task:
        """Start ``work`` in a daemon thread and return its task at once."""
        task = cls(name, total)

        def body() -> None:
            try:
                task.result = work(task.tick)
            except BaseException as error:  # shown on the page, never raised in the thread
                task.error = error
            finally:
                task.finished.set()

        threading.Thread(target=body, name=f"simsvc-app-{name}", daemon=True).start()
        return task

    def tick(self, done: int) -> None:
        """Record progress (units done so far)."""
        self.done = done

    @property
    def running(self) -> bool:
        """Whether the work has not finished yet."""
        return not self.finished.is_set()

    @property
    def share(self) -> float:
        """The share done, in [0, 1] (0 when the total is unknown)."""
        if self.total <= 0:
            return 0.0
        return min(1.0, self.done / self.total)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the work to finish (``timeout`` seconds); whether it has."""
        return self.finished.wait(timeout)
