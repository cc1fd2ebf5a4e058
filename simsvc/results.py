"""Results of an experiment: per-replication summaries and their aggregate.

A replication is summarised where it ran (attainment of each commitment, the
clocks of counted incidents, utilisations, fill rates); :class:`RunResult`
combines the summaries into the results JSON of ``scenario-format.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simsvc.model.calendar import WorkCalendar
from simsvc.model.depots import base_stock
from simsvc.model.world import ReplicationOutcome
from simsvc.records import clock_hours, incident_table, selected
from simsvc.scenario.schema import Scenario
from simsvc.stats import Estimate, clock_summary, jsonable, mean_ci, share_within

HOURS_PER_YEAR = 8760.0
METRICS = ("response", "arrival", "resolution")


@dataclass(frozen=True)
class ReplicationSummary:
    """The numbers one replication contributes to a result."""

    attainment: list[float]
    breaches: list[int]
    incidents: list[int]
    clocks: dict[str, dict[str, np.ndarray]]
    base_utilization: list[float]
    desk_utilization: float
    fill_rate: list[float]
    mean_backorders: list[float]
    inspections_done: int
    still_open: int
    columns: dict[str, np.ndarray] | None = None


def summarise(
    scenario: Scenario, outcome: ReplicationOutcome, keep_incidents: bool = False
) -> ReplicationSummary:
    """Reduce one replication's records to what the aggregate needs."""
    columns = outcome.columns
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    attainment, breaches = [], []
    for commitment in scenario.commitment:
        mask = selected(columns, scenario, commitment)
        sub = {k: v[mask] for k, v in columns.items()}
        hours = clock_hours(sub, commitment.metric, commitment.clock, calendar)
        attainment.append(share_within(hours, commitment.within))
        breaches.append(int(np.count_nonzero(~(hours <= commitment.within + 1e-9))))
    counted = columns["counted"]
    clocks: dict[str, dict[str, np.ndarray]] = {}
    incidents = []
    for j, severity in enumerate(scenario.severity):
        mask = counted & (columns["severity"] == j)
        incidents.append(int(mask.sum()))
        sub = {k: v[mask] for k, v in columns.items()}
        clocks[severity.id] = {m: clock_hours(sub, m) for m in METRICS}
    horizon = scenario.scenario.horizon
    return ReplicationSummary(
        attainment=attainment,
        breaches=breaches,
        incidents=incidents,
        clocks=clocks,
        base_utilization=[
            busy / shift if shift > 0 else math.nan
            for busy, shift in zip(outcome.base_busy_hours, outcome.base_shift_hours, strict=True)
        ],
        desk_utilization=(
            outcome.desk_busy_hours / outcome.desk_shift_hours
            if outcome.desk_shift_hours > 0
            else math.nan
        ),
        fill_rate=[
            filled / requests if requests else math.nan
            for filled, requests in zip(outcome.depot_filled, outcome.depot_requests, strict=True)
        ],
        mean_backorders=[hours / horizon for hours in outcome.depot_backorder_hours],
        inspections_done=outcome.inspections_done,
        still_open=outcome.still_open,
        columns=columns if keep_incidents else None,
    )


@dataclass
class RunResult:
    """The aggregate of an experiment's replications (see ``to_dict`` for the JSON)."""

    scenario: Scenario
    seed: int
    replications: list[ReplicationSummary]
    _incidents: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def confidence(self) -> float:
        """The confidence level of every interval (``[plan] confidence``)."""
        return self.scenario.plan.confidence

    def attainment(self, index: int) -> Estimate:
        """Attainment of commitment ``index`` over replications."""
        return mean_ci(
            [r.attainment[index] for r in self.replications], self.confidence, share=True
        )

    def met(self, index: int) -> bool:
        """Whether commitment ``index`` is met at the stated confidence (ci_low >= goal)."""
        estimate = self.attainment(index)
        goal = self.scenario.commitment[index].goal
        return math.isfinite(estimate.ci_low) and estimate.ci_low >= goal - 1e-12

    @property
    def incidents(self) -> pd.DataFrame:
        """Every incident record of every replication (kept with ``keep_incidents``)."""
        if self._incidents is None:
            tables = [
                incident_table(self.scenario, r.columns, k)
                for k, r in enumerate(self.replications)
                if r.columns is not None
            ]
            if not tables:
                raise ValueError("incident records were not kept; run with keep_incidents=True")
            self._incidents = pd.concat(tables, ignore_index=True)
        return self._incidents

    def cost(self) -> dict[str, float]:
        """Yearly cost: engineers, desk agents, holding of stock, expected penalties."""
        s = self.scenario
        costs = s.costs
        engineers = sum(b.engineers for b in s.base) * costs.engineer_per_year
        desk = (s.desk.agents if s.desk else 0) * costs.desk_agent_per_year
        unit_cost = {p.id: p.unit_cost for p in s.part}
        holding = sum(
            level * unit_cost[part] * costs.holding_rate
            for (_, part), level in base_stock(s).items()
        )
        years = s.scenario.horizon / HOURS_PER_YEAR
        penalties = 0.0
        for k, commitment in enumerate(s.commitment):
            rate = costs.penalty.get(commitment.severity, 0.0)
            if rate:
                breaches = float(np.mean([r.breaches[k] for r in self.replications]))
                penalties += rate * breaches / years
        total = engineers + desk + holding + penalties
        return {
            "engineers": engineers,
            "desk": desk,
            "holding": holding,
            "penalties": penalties,
            "total": total,
        }

    def to_dict(self) -> dict[str, Any]:
        """The results JSON of ``scenario-format.md`` (plus a few extra keys)."""
        s, conf, reps = self.scenario, self.confidence, self.replications
        commitments = []
        for k, c in enumerate(s.commitment):
            commitments.append(
                {
                    "severity": c.severity,
                    "metric": c.metric,
                    "within_hours": c.within,
                    "goal": c.goal,
                    "clock": c.clock,
                    "zone": c.zone,
                    "attainment": self.attainment(k).to_dict(),
                    "met": self.met(k),
                }
            )
        severities = {}
        for j, severity in enumerate(s.severity):
            entry: dict[str, Any] = {
                "incidents": mean_ci([r.incidents[j] for r in reps], conf).to_dict()
            }
            for metric in METRICS:
                pooled = np.concatenate([r.clocks[severity.id][metric] for r in reps])
                entry[f"{metric}_hours"] = clock_summary(pooled)
            severities[severity.id] = entry
        bases = {
            b.id: {
                "engineers": b.engineers,
                "utilization": mean_ci(
                    [r.base_utilization[i] for r in reps], conf, share=True
                ).to_dict(),
            }
            for i, b in enumerate(s.base)
        }
        desk = None
        if s.desk is not None:
            desk = {
                "agents": s.desk.agents,
                "utilization": mean_ci(
                    [r.desk_utilization for r in reps], conf, share=True
                ).to_dict(),
            }
        levels = base_stock(s)
        depots = {
            d.id: {
                "stock": {p.id: levels[d.id, p.id] for p in s.part},
                "fill_rate": mean_ci([r.fill_rate[i] for r in reps], conf, share=True).to_dict(),
                "mean_backorders": mean_ci([r.mean_backorders[i] for r in reps], conf).to_dict(),
            }
            for i, d in enumerate(s.depot)
        }
        data: dict[str, Any] = jsonable(
            {
                "scenario": s.scenario.name,
                "replications": len(reps),
                "seed": self.seed,
                "confidence": conf,
                "horizon_hours": s.scenario.horizon,
                "warmup_hours": s.scenario.warmup,
                "commitments": commitments,
                "severities": severities,
                "bases": bases,
                "desk": desk,
                "depots": depots,
                "inspections": {
                    "done": mean_ci([r.inspections_done for r in reps], conf).to_dict()
                },
                "open_at_end": int(sum(r.still_open for r in reps)),
                "cost": self.cost(),
            }
        )
        return data
