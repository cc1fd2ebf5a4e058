"""The outcome of planning: the plan, its verification, and what it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simsvc.cost import holding_per_unit
from simsvc.model.vans import vans_per_base
from simsvc.planner.candidates import Candidate, Evaluation, PlanSpace
from simsvc.staffing import people, people_per_engineer

ECHELONS = ("central", "forward", "van")
"""The echelons of stock a plan lists: depots that supply others, the others, the vans."""


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
        by_echelon: dict[str, dict[str, dict[str, int]]] = {e: {} for e in ECHELONS}
        for (depot, part), level in zip(self.space.stock_keys, candidate.stock, strict=True):
            stock.setdefault(depot, {})[part] = level
            by_echelon[self.space.echelon[depot]].setdefault(depot, {})[part] = level
        van: dict[str, dict[str, int]] = {}
        for (base, part), level in zip(self.space.van_keys, candidate.van, strict=True):
            van.setdefault(base, {})[part] = level
        by_echelon["van"] = van
        return {
            "engineers": {b.id: n for b, n in zip(scenario.base, candidate.engineers, strict=True)},
            "people": self._people(candidate),
            "desk_agents": candidate.agents,
            "remote_agents": candidate.remote,
            "stock": stock,
            "van": van,
            "stock_by_echelon": by_echelon,
            "holding_by_echelon": self.holding_by_echelon(candidate),
        }

    def holding_by_echelon(self, candidate: Candidate) -> dict[str, float]:
        """Yearly holding cost of a candidate's stock at each echelon (:data:`ECHELONS`):
        the planned depots' and vans' units (the vans of its engineers) x unit holding."""
        space = self.space
        holding = holding_per_unit(space.scenario)
        cost = dict.fromkeys(ECHELONS, 0.0)
        for (depot, part), level in zip(space.stock_keys, candidate.stock, strict=True):
            cost[space.echelon[depot]] += level * holding[part]
        if space.van_keys:
            vans = dict(
                zip(
                    (b.id for b in space.scenario.base),
                    vans_per_base(space.scenario_for(candidate)),
                    strict=True,
                )
            )
            for (base, part), level in zip(space.van_keys, candidate.van, strict=True):
                cost["van"] += level * vans[base] * holding[part]
        return cost

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
            "stock_rule_comparison": self.stock_rule_comparison(),
            "verification_rounds": self.verification_rounds,
            "criterion": self.space.scenario.plan.criterion,
            "simulations": self.simulations,
            "replication_years": self.replication_years,
            "steps": self.steps,
        }

    def stock_rule_comparison(self) -> dict[str, Any] | None:
        """The 15% rule against the plan at equal staff: the rule's stock (every depot at
        15% of the installed units it serves, the plan's staff and vans) simulated on the
        plan's verification seeds (common random numbers), its cost and attainment beside
        the plan's, and whether it meets every commitment. When it does, both meet the
        goals and the holding difference is the price of the rule at equal attainment;
        when it does not, ``worst_miss`` says by how much (``None`` without depots)."""
        rule, plan = self.stock_rule, self.verification
        if rule is None:
            return None
        scenario = self.space.scenario
        commitments = []
        for k, commitment in enumerate(scenario.commitment):
            commitments.append(
                {
                    "commitment": commitment.label,
                    "goal": commitment.goal,
                    "plan_attainment": plan.attainment[k].mean,
                    "rule_attainment": rule.attainment[k].mean,
                    "attainment_difference": rule.attainment[k].mean - plan.attainment[k].mean,
                    "plan_verdict": plan.result.verdict(k),
                    "rule_verdict": rule.result.verdict(k),
                    "plan_breach_risk": plan.result.breach_risk(k).mean,
                    "rule_breach_risk": rule.result.breach_risk(k).mean,
                    "rule_short_by": rule.shortfall[k],
                }
            )
        worst = None
        if not rule.feasible:
            k = rule.worst
            worst = {
                "commitment": scenario.commitment[k].label,
                "goal": scenario.commitment[k].goal,
                "attainment": rule.attainment[k].mean,
                "ci_low": rule.attainment[k].ci_low,
                "short_by": rule.shortfall[k],
            }
        holding = {
            "plan": self.holding_by_echelon(plan.candidate),
            "rule": self.holding_by_echelon(rule.candidate),
        }
        plan_holding, rule_holding = (sum(h.values()) for h in holding.values())
        return {
            "staff": "plan",
            "replications": len(rule.replications),
            "same_seeds": plan.replications == rule.replications,
            "rule_meets_commitments": rule.feasible,
            "plan_meets_commitments": plan.feasible,
            "stock_holding": {
                "plan": plan_holding,
                "rule": rule_holding,
                "difference": rule_holding - plan_holding,
            },
            "holding_by_echelon": holding,
            "total_cost": {
                "plan": plan.cost["total"],
                "rule": rule.cost["total"],
                "difference": rule.cost["total"] - plan.cost["total"],
            },
            "commitments": commitments,
            "worst_miss": worst,
        }
