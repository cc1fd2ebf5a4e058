"""The outcome of planning: the plan, its verification, and what it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simsvc.planner.candidates import Candidate, Evaluation, PlanSpace
from simsvc.staffing import people, people_per_engineer


@dataclass
class PlanResult:
    """The plan, its verification and what it is compared with."""

    space: PlanSpace
    plan: Candidate
    search: Evaluation
    verification: Evaluation
    current: Evaluation
    stock_rule: Evaluation | None
    simulations: int
    replication_years: float
    steps: list[str]
    verification_rounds: int = 1
    """Fresh seed sets the plan was verified on (0 when the search found no plan)."""

    @property
    def feasible(self) -> bool:
        """Whether the verified plan meets every commitment at the stated confidence."""
        return self.verification.feasible

    def cost(self, evaluation: Evaluation | None = None) -> dict[str, float]:
        """Yearly cost of a plan: resources and expected penalties."""
        evaluation = evaluation or self.verification
        return dict(evaluation.cost)

    def resources(self, candidate: Candidate | None = None) -> dict[str, Any]:
        """A candidate's resources by name."""
        candidate = candidate or self.plan
        scenario = self.space.scenario
        stock: dict[str, dict[str, int]] = {}
        for (depot, part), level in zip(self.space.stock_keys, candidate.stock, strict=True):
            stock.setdefault(depot, {})[part] = level
        return {
            "engineers": {b.id: n for b, n in zip(scenario.base, candidate.engineers, strict=True)},
            "people": self._people(candidate),
            "desk_agents": candidate.agents,
            "remote_agents": candidate.remote,
            "stock": stock,
        }

    def _people(self, candidate: Candidate) -> dict[str, float]:
        """The headcount a candidate's staff take (:mod:`simsvc.staffing`): per base, and
        ``total`` with the desk and the remote tier."""
        staff = people(self.space.scenario_for(candidate))
        scenario = self.space.scenario
        per_base = {
            b.id: n * people_per_engineer(scenario, b)
            for b, n in zip(scenario.base, candidate.engineers, strict=True)
        }
        return {**per_base, "total": staff["engineers"] + staff["desk"] + staff["remote"]}

    def _row(self, evaluation: Evaluation) -> dict[str, Any]:
        commitments = []
        for k, commitment in enumerate(self.space.scenario.commitment):
            commitments.append(
                {
                    "commitment": commitment.label,
                    "goal": commitment.goal,
                    "attainment": evaluation.attainment[k].to_dict(),
                    "met": evaluation.result.met(k),
                    "verdict": evaluation.result.verdict(k),
                    "breach_risk": evaluation.result.breach_risk(k).to_dict(),
                }
            )
        return {
            "resources": self.resources(evaluation.candidate),
            "cost": self.cost(evaluation),
            "feasible": evaluation.feasible,
            "commitments": commitments,
        }

    def to_dict(self) -> dict[str, Any]:
        """The plan as data (``simsvc plan --json``)."""
        return {
            "scenario": self.space.scenario.scenario.name,
            "confidence": self.space.scenario.plan.confidence,
            "feasible": self.feasible,
            "plan": self._row(self.verification),
            "search_estimate": self._row(self.search),
            "current": self._row(self.current),
            "stock_rule_15_percent": self._row(self.stock_rule) if self.stock_rule else None,
            "verification_rounds": self.verification_rounds,
            "criterion": self.space.scenario.plan.criterion,
            "simulations": self.simulations,
            "replication_years": self.replication_years,
            "steps": self.steps,
        }
