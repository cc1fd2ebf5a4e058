"""The manager's workbench: the baseline, the named variants and their runs in one session.

This is the page without Streamlit: what the buttons do, as plain methods that tests
call directly. A session opens a scenario (:meth:`Workbench.open`), adds named variants
from form entries (:meth:`Workbench.add_variant`, through ``Scenario.evolve``), runs the
baseline and every variant with the same seed (:meth:`Workbench.start_runs`: common
random numbers; cached, so nothing is simulated twice), and asks the planner for the
cheapest plan or the promise table of any of them (:meth:`Workbench.start_plan`,
:meth:`Workbench.start_promise`). Long work runs as a :class:`~simsvc.app.runs.Task`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simsvc.app.controls import build_variant, changes_from, describe
from simsvc.app.runs import RunCache, Task, digest

if TYPE_CHECKING:
    from simsvc.results import RunResult
    from simsvc.runner import Runner
    from simsvc.scenario.schema import Scenario

BASELINE = "baseline"
"""The name of the scenario as opened (the page shows it in the reader's language)."""


def bundled_scenarios() -> dict[str, Path]:
    """The scenario files shipped in ``scenarios/``, by name (``metro_line2``)."""
    folder = Path(__file__).resolve().parents[2] / "scenarios"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


@dataclass(frozen=True)
class Variant:
    """A named variant: the changes (evolve key path -> value) and the scenario they make."""

    name: str
    changes: Mapping[str, Any]
    scenario: Scenario


@dataclass
class Workbench:
    """One session's baseline, variants, finished runs and the task running now.

    ``workers`` local processes run the replications (``None``: one per core).
    """

    workers: int | None = None
    source: str = ""
    baseline: Scenario | None = None
    variants: dict[str, Variant] = field(default_factory=dict)
    cache: RunCache = field(default_factory=RunCache)
    task: Task | None = None
    plan_text: dict[str, str] = field(default_factory=dict)
    promise_tables: dict[str, Any] = field(default_factory=dict)

    def open(self, scenario: Scenario, source: str) -> None:
        """Make ``scenario`` (read from ``source``) the baseline; its variants start afresh
        when it is another scenario (finished runs stay cached)."""
        if self.baseline is not None and digest(self.baseline) == digest(scenario):
            self.source = source
            return
        self.baseline, self.source = scenario, source
        self.variants.clear()
        self.plan_text.clear()
        self.promise_tables.clear()

    @property
    def token(self) -> str:
        """A fingerprint of the baseline (form controls are keyed by it)."""
        return digest(self.baseline) if self.baseline is not None else ""

    def _baseline(self) -> Scenario:
        if self.baseline is None:
            raise RuntimeError("no scenario is open")
        return self.baseline

    def next_name(self) -> str:
        """A free default name for the next variant (``variant 1``, ``variant 2``, ...)."""
        n = len(self.variants) + 1
        while f"variant {n}" in self.variants:
            n += 1
        return f"variant {n}"

    def add_variant(self, name: str, entries: Mapping[str, Any]) -> Variant:
        """Build the variant of the form ``entries`` (key path -> entry) and keep it as
        ``name`` (replacing a variant of that name).

        Raises :class:`~simsvc.scenario.errors.ScenarioError` naming the key path of an
        entry the scenario cannot hold, and ``ValueError`` for a reserved or empty name.
        """
        name = name.strip()
        if not name or name == BASELINE:
            raise ValueError(f"a variant needs a name other than {BASELINE!r}")
        baseline = self._baseline()
        changes = changes_from(baseline, entries)
        variant = Variant(name, changes, build_variant(baseline, changes))
        self.variants[name] = variant
        return variant

    def remove_variants(self, names: list[str]) -> None:
        """Forget the variants named (their runs stay cached)."""
        for name in names:
            self.variants.pop(name, None)

    def scenario_of(self, name: str) -> Scenario:
        """The scenario of the baseline or of a variant, by name."""
        return self._baseline() if name == BASELINE else self.variants[name].scenario

    def describe(self, name: str) -> str:
        """The changes that make variant ``name`` (empty for the baseline)."""
        return "" if name == BASELINE else describe(self.variants[name].changes)

    @property
    def seed(self) -> int:
        """The seed of every run: the baseline's, so all variants share random numbers."""
        return self._baseline().scenario.seed

    @property
    def busy(self) -> bool:
        """Whether a task is running."""
        return self.task is not None and self.task.running

    def _runner(self) -> Runner:
        from simsvc.runner import Runner

        return Runner(workers=self.workers)

    def _start(
        self, name: str, work: Callable[[Runner, Callable[[int], None]], Any], total: int
    ) -> Task:
        if self.busy:
            raise RuntimeError("a run is still going; wait for it to finish")

        def body(progress: Callable[[int], None]) -> Any:
            with self._runner() as runner:
                return work(runner, progress)

        self.task = Task.start(name, body, total)
        return self.task

    def start_runs(self, replications: int) -> Task:
        """Run the baseline and every variant not yet run at ``replications`` (same seed)."""
        scenarios = [self._baseline(), *(v.scenario for v in self.variants.values())]
        missing = self.cache.missing(scenarios, replications, self.seed)
        seed = self.seed

        def work(runner: Runner, progress: Callable[[int], None]) -> list[RunResult]:
            return self.cache.run_all(scenarios, replications, seed, runner, progress)

        return self._start("runs", work, len(missing) * replications)

    def results(self, replications: int) -> dict[str, RunResult]:
        """The finished runs at ``replications``: the baseline first, then the variants."""
        found: dict[str, RunResult] = {}
        if self.baseline is None:
            return found
        names = [BASELINE, *self.variants]
        for name in names:
            result = self.cache.get(self.scenario_of(name), replications, self.seed)
            if result is not None:
                found[name] = result
        return found if BASELINE in found else {}

    def start_plan(self, name: str, replications: int) -> Task:
        """Find the cheapest plan for the resources of ``name`` (kept in :attr:`plan_text`,
        the CLI's tables)."""
        from simsvc.planner.search import plan
        from simsvc.terminal import plan_summary

        scenario = self.scenario_of(name)

        def work(runner: Runner, progress: Callable[[int], None]) -> str:
            text = plan_summary(
                plan(scenario, replications, self.seed, runner=runner, progress=progress)
            )
            self.plan_text[name] = text
            return text

        return self._start("plan", work, 0)

    def start_promise(self, name: str, replications: int, goal: float = 0.95) -> Task:
        """The promise table of ``name``'s resources (kept in :attr:`promise_tables`),
        from its cached run when there is one."""
        from simsvc.planner.promise import promise_table

        scenario = self.scenario_of(name)
        seed = self.seed

        def work(runner: Runner, progress: Callable[[int], None]) -> Any:
            (result,) = self.cache.run_all([scenario], replications, seed, runner, progress)
            table = promise_table(result, goal)
            self.promise_tables[name] = table
            return table

        missing = self.cache.missing([scenario], replications, seed)
        return self._start("promise", work, len(missing) * replications)
