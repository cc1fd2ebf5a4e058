"""Resource plans the planner compares: engineers per base, desk and remote agents, stock
at every echelon (central and forward depots) and in the vans.

A :class:`Candidate` is a point of the search grid; :class:`Evaluator` simulates it
with a fixed set of replication seeds (the same fault stream for every candidate:
common random numbers) and caches the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from simsvc.cost import holding_per_unit
from simsvc.model.depots import base_stock
from simsvc.model.echelons import echelon_names
from simsvc.model.vans import vans_per_base
from simsvc.results import ReplicationSummary, RunResult, plausible
from simsvc.runner import Job, Runner
from simsvc.scenario.schema import Scenario
from simsvc.staffing import people_per_engineer, people_per_post
from simsvc.stats import Estimate

HOURS_PER_YEAR = 8760.0

REGION_MIN_BASES = 4
"""Fewest bases whose engineers the search may change for the regional model
(:mod:`simsvc.planner.regions`) to be used (with fewer, simulating each option costs
about as much as the model's probes)."""


@dataclass(frozen=True, order=True)
class Candidate:
    """Engineers per base, desk agents (``None`` without a desk), stock per (depot, part),
    remote engineers (``None`` without a ``[remote]`` tier), van stock per (base, part)
    (units every engineer of the base carries; positions of :attr:`PlanSpace.van_keys`)."""

    engineers: tuple[int, ...]
    agents: int | None
    stock: tuple[int, ...]
    remote: int | None = None
    van: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unit:
    """One unit of resource the search can add or remove."""

    kind: str  # "engineer", "agent", "remote", "stock" (a depot's) or "van" (a base's vans')
    index: int  # base index, 0 for the desk or the remote tier, or position in the stock keys
    # or in the van keys
    label: str


class PlanSpace:
    """The resources of a scenario that a plan sets, their costs and bounds.

    Stock is planned at every echelon: every depot (central ones, which supply others,
    and forward ones) for every part the equipment uses, and the vans: for every part
    some base of the file carries in its vans, the units each engineer of every base
    carries (a scenario without van stock plans none).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.stock_keys: list[tuple[str, str]] = [
            (d.id, p.id) for d in scenario.depot for p in scenario.part if self._used(p.id)
        ]
        carried = {part for b in scenario.base for part in b.van}
        self.van_keys: list[tuple[str, str]] = [
            (b.id, p.id) for b in scenario.base for p in scenario.part if p.id in carried
        ]
        self.echelon = dict(
            zip((d.id for d in scenario.depot), echelon_names(scenario), strict=True)
        )
        """Each depot's echelon by id: ``"central"`` or ``"forward"``."""
        costs = scenario.costs
        holding = holding_per_unit(scenario)
        # a unit is a post: it costs the people it takes (simsvc.staffing)
        self.engineer_cost = [
            people_per_engineer(scenario, b) * costs.engineer_per_year for b in scenario.base
        ]
        desk, remote = scenario.desk, scenario.remote
        self.agent_cost = (
            people_per_post(scenario, desk.shift) * costs.desk_agent_per_year if desk else 0.0
        )
        self.remote_cost = (
            people_per_post(scenario, remote.shift) * costs.remote_agent_per_year if remote else 0.0
        )
        self.stock_cost = [holding[part] for _, part in self.stock_keys]
        vans = dict(zip((b.id for b in scenario.base), vans_per_base(scenario), strict=True))
        # a van unit is one unit in each van of the base: priced at the file's vans
        self.van_cost = [holding[part] * max(vans[base], 1) for base, part in self.van_keys]
        self.units: list[Unit] = [
            Unit("engineer", b, f"engineer at {base.id}") for b, base in enumerate(scenario.base)
        ]
        if scenario.desk is not None:
            self.units.append(Unit("agent", 0, "desk agent"))
        if scenario.remote is not None:
            self.units.append(Unit("remote", 0, "remote engineer"))
        self.units += [
            Unit("stock", k, f"{part} at {depot}")
            for k, (depot, part) in enumerate(self.stock_keys)
        ]
        self.units += [
            Unit("van", k, f"{part} in each van at {base}")
            for k, (base, part) in enumerate(self.van_keys)
        ]

    def _used(self, part: str) -> bool:
        return any(part in e.parts or e.spare_unit == part for e in self.scenario.equipment)

    def current(self) -> Candidate:
        """The resources the file states."""
        levels = base_stock(self.scenario)
        vans = {b.id: b.van for b in self.scenario.base}
        return Candidate(
            tuple(b.engineers for b in self.scenario.base),
            self.scenario.desk.agents if self.scenario.desk else None,
            tuple(levels[key] for key in self.stock_keys),
            self.scenario.remote.agents if self.scenario.remote else None,
            tuple(vans[base].get(part, 0) for base, part in self.van_keys),
        )

    def scenario_for(self, candidate: Candidate) -> Scenario:
        """The scenario with a candidate's resources."""
        return self.scenario.with_resources(
            engineers={
                b.id: n for b, n in zip(self.scenario.base, candidate.engineers, strict=True)
            },
            agents=candidate.agents,
            stock=dict(zip(self.stock_keys, candidate.stock, strict=True)),
            remote=candidate.remote,
            van=dict(zip(self.van_keys, candidate.van, strict=True)),
        )

    def unit_cost(self, unit: Unit) -> float:
        """Yearly cost of one more unit (never zero, so that ratios are defined)."""
        if unit.kind == "engineer":
            cost = self.engineer_cost[unit.index]
        elif unit.kind == "agent":
            cost = self.agent_cost
        elif unit.kind == "remote":
            cost = self.remote_cost
        elif unit.kind == "van":
            cost = self.van_cost[unit.index]
        else:
            cost = self.stock_cost[unit.index]
        return max(cost, 1e-6)

    def upper(self, unit: Unit) -> int:
        """The bound of ``[plan]`` for a unit's resource."""
        bounds = self.scenario.plan
        return {
            "engineer": bounds.max_engineers_per_base,
            "agent": bounds.max_desk_agents,
            "remote": bounds.max_remote_agents,
            "stock": bounds.max_stock_per_part,
            "van": bounds.max_stock_per_part,
        }[unit.kind]

    def level(self, candidate: Candidate, unit: Unit) -> int:
        """How many of a unit's resource a candidate has."""
        if unit.kind == "engineer":
            return candidate.engineers[unit.index]
        if unit.kind == "agent":
            return candidate.agents or 0
        if unit.kind == "remote":
            return candidate.remote or 0
        if unit.kind == "van":
            return candidate.van[unit.index]
        return candidate.stock[unit.index]

    def changed(self, candidate: Candidate, unit: Unit, step: int) -> Candidate | None:
        """The candidate with ``step`` more (or fewer) of a unit, or None outside the bounds."""
        level = self.level(candidate, unit) + step
        if level < 0 or level > self.upper(unit):
            return None
        if unit.kind == "engineer":
            engineers = list(candidate.engineers)
            engineers[unit.index] = level
            if sum(engineers) == 0:
                return None
            return replace(candidate, engineers=tuple(engineers))
        if unit.kind in ("agent", "remote"):
            if level == 0:  # a desk or a remote tier keeps at least one agent
                return None
            if unit.kind == "agent":
                return replace(candidate, agents=level)
            return replace(candidate, remote=level)
        if unit.kind == "van":
            van = list(candidate.van)
            van[unit.index] = level
            return replace(candidate, van=tuple(van))
        stock = list(candidate.stock)
        stock[unit.index] = level
        return replace(candidate, stock=tuple(stock))


@dataclass
class Evaluation:
    """A candidate simulated on a fixed set of seeds."""

    candidate: Candidate
    result: RunResult
    attainment: list[Estimate]
    feasible: bool
    shortfall: list[float]
    penalties: float
    cost: dict[str, float]
    """Yearly cost of the candidate (:mod:`simsvc.cost`), penalties included."""
    replications: tuple[int, ...] = ()
    """The replication numbers it was judged on (its seeds)."""

    def total(self, with_penalties: bool) -> float:
        """The yearly cost the search minimises: resources, and penalties if asked."""
        return self.cost["total"] - (0.0 if with_penalties else self.cost["penalties"])

    @property
    def plausible(self) -> bool:
        """Whether every commitment's point estimate is on the right side of its line
        (:func:`simsvc.results.plausible`)."""
        return plausible(self.result.scenario.plan, self.result.estimates.values())

    @property
    def worst(self) -> int:
        """Index of the commitment furthest below its goal (by CI lower bound)."""
        return max(range(len(self.shortfall)), key=lambda k: self.shortfall[k])


@dataclass
class Evaluator:
    """Simulates candidates on common replication seeds, on one runner, with a cache.

    Each (candidate, replication) is simulated once: a candidate judged on a few
    replications (screening), then on the whole search set, then on a fresh verification
    set, never repeats a replication. ``replications`` is the search set (a count from 0,
    or replication numbers); it may grow (a failed verification set joins it).
    """

    space: PlanSpace
    seed: int
    replications: int | Sequence[int]
    """How many replications (numbered from 0), or which replication numbers."""
    runner: Runner = field(default_factory=lambda: Runner(workers=1))
    progress: Callable[[int], None] | None = None
    planned: Callable[[int], None] | None = None
    """Called with the replications handed to the runner so far, before they run: the
    total a progress bar shows (it grows as the search goes on)."""
    runs: dict[Candidate, dict[int, ReplicationSummary]] = field(default_factory=dict)
    judged: dict[tuple[Candidate, tuple[int, ...]], Evaluation] = field(default_factory=dict)
    scenarios: dict[Candidate, Scenario] = field(default_factory=dict)
    simulations: int = 0

    @property
    def by_region(self) -> bool:
        """Whether replications are counted per region too (networks of
        :data:`REGION_MIN_BASES` bases or more)."""
        return len(self.space.scenario.base) >= REGION_MIN_BASES

    @property
    def replication_years(self) -> float:
        """Simulated replication-years so far (warm-up included)."""
        info = self.space.scenario.scenario
        return self.simulations * (info.horizon + info.warmup) / HOURS_PER_YEAR

    @property
    def indices(self) -> list[int]:
        """The replication numbers of the search set."""
        if isinstance(self.replications, int):
            return list(range(self.replications))
        return list(self.replications)

    def evaluate(self, candidate: Candidate, indices: Sequence[int] | None = None) -> Evaluation:
        """Simulate one candidate (cached) on ``indices`` (default: the search set)."""
        return self.evaluate_many([candidate], indices)[0]

    def evaluate_many(
        self, candidates: Sequence[Candidate], indices: Sequence[int] | None = None
    ) -> list[Evaluation]:
        """Judge candidates on ``indices`` (default the search set), simulating in one batch
        only the replications not simulated before."""
        chosen = tuple(self.indices if indices is None else indices)
        jobs: list[Job] = []
        owners: list[tuple[Candidate, int]] = []
        for candidate in dict.fromkeys(candidates):
            if (candidate, chosen) in self.judged:
                continue
            have = self.runs.setdefault(candidate, {})
            scenario = self.scenario_of(candidate)
            for r in chosen:
                if r not in have:
                    jobs.append(Job(scenario, self.seed, r, by_region=self.by_region))
                    owners.append((candidate, r))
        if jobs:
            before = self.simulations
            if self.planned:
                self.planned(before + len(jobs))

            def tick(done: int) -> None:
                self.simulations = before + done
                if self.progress:
                    self.progress(self.simulations)

            for (candidate, r), summary in zip(owners, self.runner.map(jobs, tick), strict=True):
                self.runs[candidate][r] = summary
            self.simulations = before + len(jobs)
        out = []
        for candidate in candidates:
            key = (candidate, chosen)
            if key not in self.judged:
                runs = [self.runs[candidate][r] for r in chosen]
                judged = self._judge(candidate, self.scenario_of(candidate), runs)
                self.judged[key] = replace(judged, replications=chosen)
            out.append(self.judged[key])
        return out

    def scenario_of(self, candidate: Candidate) -> Scenario:
        """The variant of a candidate (built once)."""
        if candidate not in self.scenarios:
            self.scenarios[candidate] = self.space.scenario_for(candidate)
        return self.scenarios[candidate]

    def _judge(
        self, candidate: Candidate, scenario: Scenario, runs: list[ReplicationSummary]
    ) -> Evaluation:
        result = RunResult(scenario=scenario, seed=self.seed, replications=runs)
        estimates = list(result.estimates.values())
        attainment = [e.attainment for e in estimates]
        shortfall = [e.shortfall for e in estimates]  # under the scenario's criterion
        cost = result.cost()
        return Evaluation(
            candidate, result, attainment, result.all_met, shortfall, cost["penalties"], cost
        )
