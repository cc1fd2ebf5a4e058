"""Results of an experiment: per-replication summaries, and the tables they make.

A replication is summarised where it ran (:func:`summarise`: attainment of each
commitment, the clocks of counted incidents, utilisations, fill rates), keyed by the
ids of the scenario. :class:`RunResult` combines the summaries into tidy tables keyed
by id, the only place that computes attainment intervals, verdicts and cost:

- :meth:`RunResult.commitments`: one row per commitment (:data:`COMMITMENT_COLUMNS`);
- :meth:`RunResult.bases`, :meth:`RunResult.desk`, :meth:`RunResult.depots`,
  :meth:`RunResult.stock`: utilisation, fill rates, backorders, stock held;
- :meth:`RunResult.cost`: the yearly cost (:mod:`simsvc.cost`);
- :meth:`RunResult.to_dict`: the results JSON of ``scenario-format.md``.

The terminal tables, sweep rows, the report and the notebooks read these.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from simsvc.cost import yearly_cost
from simsvc.model.calendar import WorkCalendar
from simsvc.model.depots import base_stock, nearest_base_of_sites
from simsvc.model.world import ReplicationOutcome
from simsvc.periods import horizon_years, period_count, period_index
from simsvc.records import CLOCKS, clock_hours, incident_table, selected
from simsvc.scenario.schema import Commitment, Desk, PlanBounds, Remote, Scenario
from simsvc.staffing import base_people, people_per_post, rostered_hours_per_week
from simsvc.stats import Estimate, clock_summary, jsonable, mean_ci, proportion_ci, share_within
from simsvc.verdicts import Evidence, Verdict, shortfall, verdict

if TYPE_CHECKING:
    import pandas as pd

METRICS = ("response", "arrival", "resolution")

T = TypeVar("T")


class ById(Mapping[str, T], Generic[T]):
    """Values keyed by the scenario's ids, in file order; ``[k]`` by position also works."""

    __slots__ = ("_ids", "_values")

    def __init__(self, ids: Sequence[str], values: Sequence[T]) -> None:
        if len(ids) != len(values):
            raise ValueError(f"{len(ids)} ids for {len(values)} values")
        self._ids = tuple(ids)
        self._values = tuple(values)

    def __getitem__(self, key: str | int) -> T:
        if isinstance(key, int):
            return self._values[key]
        try:
            return self._values[self._ids.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"ById({dict(zip(self._ids, self._values, strict=True))!r})"


@dataclass(frozen=True)
class PartStock:
    """One part at one depot in one replication, over the counting window: the share of
    requests served from stock at once (NaN without requests), the time-average units
    backordered, on hand, on order (``pipeline``) and waiting for or in repair at the
    depot's shop (``in_repair``, part of the pipeline), and the units it sent laterally to
    other depots' bases a year."""

    fill_rate: float
    mean_backorders: float
    mean_on_hand: float
    mean_pipeline: float
    mean_in_repair: float = 0.0
    lateral_shipments_per_year: float = 0.0


def part_stock(
    level: int,
    requests: int,
    filled: int,
    backorder_hours: float,
    on_hand_hours: float,
    horizon: float,
    repair_hours: float = 0.0,
    lateral: int = 0,
) -> PartStock:
    """A part's stock figures from the depot's counters (hours over a ``horizon`` of hours;
    ``lateral``: units sent to other depots' bases over the horizon).

    Units on order come from the base-stock identity: on hand + on order - backorders
    = base stock ``level`` at every instant, so their time averages obey it too.
    """
    backorders, on_hand = backorder_hours / horizon, on_hand_hours / horizon
    return PartStock(
        fill_rate=filled / requests if requests else math.nan,
        mean_backorders=backorders,
        mean_on_hand=on_hand,
        mean_pipeline=level - on_hand + backorders,
        mean_in_repair=repair_hours / horizon,
        lateral_shipments_per_year=lateral / horizon_years(horizon),
    )


@dataclass(frozen=True)
class ReplicationSummary:
    """The numbers one replication contributes to a result, keyed by the scenario's ids.

    ``attainment``, ``breaches`` and ``counted`` by commitment id (share met, incidents
    breached, incidents counted); ``period_counted`` and ``period_met`` by commitment id,
    one entry per assessment period (:mod:`simsvc.periods`); ``incidents`` (counted) and
    ``clocks`` (hours of the three clocks of counted incidents) by severity id;
    ``base_utilization`` (busy share of on-shift hours) and ``base_overtime`` (busy hours
    outside the shift, per year) by base id; ``fill_rate`` and ``mean_backorders`` by depot id,
    and ``mean_on_hand`` and ``mean_pipeline`` (time-average units on hand and on order, all
    parts); ``parts`` the same per (depot id, part id) (:class:`PartStock`); ``columns`` the
    incident records, when kept.
    """

    attainment: ById[float]
    breaches: ById[int]
    counted: ById[int]
    period_counted: ById[np.ndarray]
    period_met: ById[np.ndarray]
    incidents: ById[int]
    clocks: dict[str, dict[str, np.ndarray]]
    base_utilization: ById[float]
    base_overtime: ById[float]
    desk_utilization: float
    remote_utilization: float
    fill_rate: ById[float]
    mean_backorders: ById[float]
    mean_on_hand: ById[float]
    mean_pipeline: ById[float]
    parts: dict[tuple[str, str], PartStock]
    inspections_done: int
    still_open: int
    columns: dict[str, np.ndarray] | None = None
    depot_requests: ById[int] | None = None
    """Part requests at each depot (its bases' visits and swaps, its children's orders)."""
    depot_filled: ById[int] | None = None
    """Of them, served from stock at once."""
    callouts: ById[float] | None = None
    """Call-outs a year of each base's engineers on call."""
    on_call_busy: ById[float] | None = None
    """Busy hours a year of each base's engineers on call."""
    van_requests: int = 0
    """Visits that needed a part the engineer's van carries."""
    van_filled: int = 0
    """Of them, served from the van."""
    mean_in_repair: ById[float] | None = None
    """Time-average units waiting for or in repair at each depot's shop (all parts)."""
    mean_repair_queue: ById[float] | None = None
    """Time-average units waiting for a repair slot at each depot."""
    lateral_shipments: ById[float] | None = None
    """Units a year each depot sent laterally to other depots' bases (all parts)."""
    region_period_counted: ById[np.ndarray] | None = None
    """By commitment id, incidents counted per (region, assessment period): an int array of
    shape (bases, periods), where a site's region is its nearest base (great-circle,
    :func:`simsvc.model.depots.nearest_base_of_sites`) whoever serves it. Summed over
    regions it is ``period_counted``. Only when the job asks (``Job.by_region``: the
    planner's evaluations of a network of many bases, for :mod:`simsvc.planner.regions`);
    None otherwise."""
    region_period_met: ById[np.ndarray] | None = None
    """Of them, met, in the same shape."""


def summarise(
    scenario: Scenario,
    outcome: ReplicationOutcome,
    keep_incidents: bool = False,
    by_region: bool = False,
) -> ReplicationSummary:
    """Reduce one replication's records to what the aggregate needs (with ``by_region``,
    the per-region counts too: :attr:`ReplicationSummary.region_period_counted`)."""
    columns = outcome.columns
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    info = scenario.scenario
    attainment, breaches, counted = [], [], []
    period_counted, period_met = [], []
    region_counted, region_met = [], []
    region_of_site = nearest_base_of_sites(scenario) if by_region else np.zeros(0, int)
    regions = len(scenario.base)
    for commitment in scenario.commitment:
        mask = selected(columns, scenario, commitment)
        sub = {k: v[mask] for k, v in columns.items()}
        hours = clock_hours(sub, commitment.metric, commitment.clock, calendar)
        within = hours <= commitment.within + 1e-9
        attainment.append(share_within(hours, commitment.within))
        breaches.append(int(np.count_nonzero(~within)))
        counted.append(len(hours))
        period = scenario.period_of(commitment)
        size = period_count(
            period=period, start=scenario.calendar.start, warmup=info.warmup, horizon=info.horizon
        )
        index = period_index(
            sub["report"],
            period=period,
            start=scenario.calendar.start,
            warmup=info.warmup,
            horizon=info.horizon,
        )
        period_counted.append(np.bincount(index, minlength=size).astype(np.int32))
        period_met.append(np.bincount(index[within], minlength=size).astype(np.int32))
        if by_region:
            cell = region_of_site[sub["site"]] * size + index
            region_counted.append(_cells(cell, regions, size))
            region_met.append(_cells(cell[within], regions, size))
    in_horizon = columns["counted"]
    clocks: dict[str, dict[str, np.ndarray]] = {}
    incidents = []
    for j, severity in enumerate(scenario.severity):
        mask = in_horizon & (columns["severity"] == j)
        incidents.append(int(mask.sum()))
        sub = {k: v[mask] for k, v in columns.items()}
        clocks[severity.id] = {m: clock_hours(sub, m) for m in CLOCKS}
    horizon = scenario.scenario.horizon
    commitments = scenario.commitment_ids()
    bases = [b.id for b in scenario.base]
    depots = [d.id for d in scenario.depot]
    levels = base_stock(scenario)
    parts = {
        (d.id, p.id): part_stock(
            levels[d.id, p.id],
            outcome.depot_part_requests[j][k],
            outcome.depot_part_filled[j][k],
            outcome.depot_part_backorder_hours[j][k],
            outcome.depot_on_hand_hours[j][k],
            horizon,
            outcome.depot_repair_hours[j][k],
            outcome.depot_lateral[j][k],
        )
        for j, d in enumerate(scenario.depot)
        for k, p in enumerate(scenario.part)
    }
    return ReplicationSummary(
        attainment=ById(commitments, attainment),
        breaches=ById(commitments, breaches),
        counted=ById(commitments, counted),
        period_counted=ById(commitments, period_counted),
        period_met=ById(commitments, period_met),
        region_period_counted=ById(commitments, region_counted) if by_region else None,
        region_period_met=ById(commitments, region_met) if by_region else None,
        incidents=ById([s.id for s in scenario.severity], incidents),
        clocks=clocks,
        base_utilization=ById(
            bases,
            [
                busy / shift if shift > 0 else math.nan
                for busy, shift in zip(
                    outcome.base_busy_hours, outcome.base_shift_hours, strict=True
                )
            ],
        ),
        base_overtime=ById(
            bases, [hours / horizon_years(horizon) for hours in outcome.base_overtime_hours]
        ),
        desk_utilization=_ratio(outcome.desk_busy_hours, outcome.desk_shift_hours),
        remote_utilization=_ratio(outcome.remote_busy_hours, outcome.remote_shift_hours),
        fill_rate=ById(
            depots,
            [
                filled / requests if requests else math.nan
                for filled, requests in zip(
                    outcome.depot_filled, outcome.depot_requests, strict=True
                )
            ],
        ),
        mean_backorders=ById(depots, [hours / horizon for hours in outcome.depot_backorder_hours]),
        mean_on_hand=ById(
            depots, [sum(parts[d, p.id].mean_on_hand for p in scenario.part) for d in depots]
        ),
        mean_pipeline=ById(
            depots, [sum(parts[d, p.id].mean_pipeline for p in scenario.part) for d in depots]
        ),
        parts=parts,
        mean_in_repair=ById(
            depots, [sum(parts[d, p.id].mean_in_repair for p in scenario.part) for d in depots]
        ),
        mean_repair_queue=ById(
            depots, [hours / horizon for hours in outcome.depot_repair_queue_hours]
        ),
        lateral_shipments=ById(
            depots,
            [sum(parts[d, p.id].lateral_shipments_per_year for p in scenario.part) for d in depots],
        ),
        depot_requests=ById(depots, list(outcome.depot_requests)),
        depot_filled=ById(depots, list(outcome.depot_filled)),
        inspections_done=outcome.inspections_done,
        still_open=outcome.still_open,
        callouts=ById(bases, [n / horizon_years(horizon) for n in outcome.callouts]),
        van_requests=outcome.van_requests,
        van_filled=outcome.van_filled,
        on_call_busy=ById(bases, [h / horizon_years(horizon) for h in outcome.on_call_busy_hours]),
        columns=columns if keep_incidents else None,
    )


def _cells(cell: np.ndarray, regions: int, periods: int) -> np.ndarray:
    """Counts of flat (region, period) cell numbers as a (regions, periods) int array."""
    counts = np.bincount(cell, minlength=regions * periods).astype(np.int32)
    return counts.reshape(regions, periods)


def _ratio(busy: float, shift: float) -> float:
    """Busy hours over on-shift hours (NaN without shift hours)."""
    return busy / shift if shift > 0 else math.nan


@dataclass(frozen=True)
class CommitmentEstimate:
    """One commitment's attainment, breach risk and verdict over the replications."""

    id: str
    commitment: Commitment
    period: str
    periods: int
    criterion: str
    attainment: Estimate
    breach_risk: Estimate
    breached_periods_per_year: float
    empty_periods: float
    verdict: Verdict
    shortfall: float
    incidents: float
    breaches: float
    yearly_penalties: np.ndarray

    @property
    def met(self) -> bool:
        """Whether the verdict is ``"met"``."""
        return self.verdict == "met"


def estimate_commitment(
    scenario: Scenario, key: str, replications: Sequence[ReplicationSummary]
) -> CommitmentEstimate:
    """Attainment, breach risk and verdict of commitment ``key`` over ``replications``."""
    index = scenario.commitment_ids().index(key)
    commitment = scenario.commitment[index]
    plan = scenario.plan
    counted = [r.counted[key] for r in replications]
    met = [r.counted[key] - r.breaches[key] for r in replications]
    attainment = proportion_ci(met, counted, plan.confidence)
    breached, assessed, empty = [], [], []
    for r in replications:
        counts, good = r.period_counted[key], r.period_met[key]
        nonempty = counts > 0
        below = good[nonempty] < commitment.goal * counts[nonempty] - 1e-9
        breached.append(int(np.count_nonzero(below)))
        assessed.append(int(np.count_nonzero(nonempty)))
        empty.append(int(np.count_nonzero(~nonempty)))
    risk = proportion_ci(breached, assessed, plan.confidence)
    years = horizon_years(scenario.scenario.horizon)
    rate = scenario.costs.penalty.get(commitment.severity, 0.0)
    evidence = Evidence(plan.criterion, attainment, commitment.goal, risk, plan.max_breach_risk)
    return CommitmentEstimate(
        id=key,
        commitment=commitment,
        period=scenario.period_of(commitment),
        periods=len(replications[0].period_counted[key]) if replications else 0,
        criterion=plan.criterion,
        attainment=attainment,
        breach_risk=risk,
        breached_periods_per_year=float(np.mean(breached)) / years if replications else math.nan,
        empty_periods=float(np.mean(empty)) if replications else math.nan,
        verdict=verdict(evidence),
        shortfall=shortfall(evidence),
        incidents=float(np.mean(counted)) if replications else math.nan,
        breaches=float(np.mean([r.breaches[key] for r in replications])) if replications else 0,
        yearly_penalties=np.asarray([rate * r.breaches[key] / years for r in replications]),
    )


def plausible(plan: PlanBounds, estimates: Iterable[CommitmentEstimate]) -> bool:
    """Whether every commitment's point estimate is on the right side of its line: breach
    risk at most ``max_breach_risk`` under the risk criterion, attainment at least the goal
    under the mean (a screening test, cheaper to pass than the verdict, which needs the
    interval)."""
    for estimate in estimates:
        if plan.criterion == "risk":
            if not estimate.breach_risk.mean <= plan.max_breach_risk:
                return False
        elif not estimate.attainment.mean >= estimate.commitment.goal:
            return False
    return True


COMMITMENT_COLUMNS: dict[str, str] = {
    "label": "a short readable name: ``L1 arrival <= 2h (city)``",
    "severity": "severity id",
    "metric": "response, arrival, resolution, remote, assigned or visit",
    "within_hours": "the bound (hours)",
    "goal": "share of counted incidents that must meet the bound",
    "clock": "24x7 (elapsed) or business (business hours only)",
    "zone": "zone of the sites counted (empty: all)",
    "attainment": "share of the counted incidents of every replication within the bound",
    "ci_low": "lower bound of its confidence interval at [plan] confidence (exact, pooled)",
    "ci_high": "upper bound of that interval",
    "met": "whether the verdict is met",
    "verdict": "met, not met or undecided under the criterion (simsvc.verdicts)",
    "criterion": "mean (attainment's interval against the goal) or risk (breach risk's)",
    "period": "the assessment period: month, quarter, year or horizon",
    "periods": "assessment periods the horizon touches (the first and last may be partial)",
    "breach_risk": "share of assessed periods whose attainment is below the goal",
    "risk_ci_low": "lower bound of the breach risk's confidence interval",
    "risk_ci_high": "upper bound of that interval",
    "breached_periods_per_year": "mean breached periods per year of horizon",
    "empty_periods": "mean periods per replication with no counted incident (not breaches)",
    "incidents": "mean counted incidents per replication",
    "breaches": "mean breached incidents per replication",
    "replications": "replications with at least one counted incident",
    "penalty_mean": "mean yearly penalty of the commitment's breached incidents",
    "penalty_p50": "median of the yearly penalty over replications",
    "penalty_p90": "90th percentile of the yearly penalty over replications",
}
"""Columns of :meth:`RunResult.commitments`, indexed by commitment id."""


def _terms(commitment: Commitment) -> dict[str, Any]:
    """A commitment's terms as the tables and the results JSON name them."""
    return {
        "severity": commitment.severity,
        "metric": commitment.metric,
        "within_hours": commitment.within,
        "goal": commitment.goal,
        "clock": commitment.clock,
        "zone": commitment.zone,
    }


def _penalty_summary(yearly: np.ndarray) -> dict[str, float]:
    if len(yearly) == 0:
        return {"penalty_mean": math.nan, "penalty_p50": math.nan, "penalty_p90": math.nan}
    return {
        "penalty_mean": float(yearly.mean()),
        "penalty_p50": float(np.percentile(yearly, 50)),
        "penalty_p90": float(np.percentile(yearly, 90)),
    }


DEPOT_COLUMNS = [
    "fill_rate",
    "ci_low",
    "ci_high",
    "mean_backorders",
    "backorders_ci_low",
    "backorders_ci_high",
    "units",
    "supplier",
    "mean_on_hand",
    "on_hand_ci_low",
    "on_hand_ci_high",
    "mean_pipeline",
    "pipeline_ci_low",
    "pipeline_ci_high",
    "mean_in_repair",
    "mean_repair_queue",
    "lateral_shipments_per_year",
]
"""Columns of :meth:`RunResult.depots` (present also for a scenario without depots)."""

STOCK_COLUMNS = [
    "level",
    "holding",
    "fill_rate",
    "mean_backorders",
    "mean_on_hand",
    "mean_pipeline",
    "mean_in_repair",
    "lateral_shipments_per_year",
]
"""Columns of :meth:`RunResult.stock`; all but the first two are means over the
replications (``lateral_shipments_per_year``: units a year sent to other depots' bases)."""


@dataclass
class RunResult:
    """The aggregate of an experiment's replications (tables keyed by id; JSON by ``to_dict``)."""

    scenario: Scenario
    seed: int
    replications: list[ReplicationSummary]
    _incidents: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def confidence(self) -> float:
        """The confidence level of every interval (``[plan] confidence``)."""
        return self.scenario.plan.confidence

    @cached_property
    def estimates(self) -> dict[str, CommitmentEstimate]:
        """Each commitment's estimate and verdict, by commitment id (in file order)."""
        return {
            key: estimate_commitment(self.scenario, key, self.replications)
            for key in self.scenario.commitment_ids()
        }

    def _estimate(self, commitment: int | str) -> CommitmentEstimate:
        if isinstance(commitment, int):
            return list(self.estimates.values())[commitment]
        return self.estimates[commitment]

    def attainment(self, commitment: int | str) -> Estimate:
        """Attainment of a commitment (by id, or position in the file) over replications."""
        return self._estimate(commitment).attainment

    def met(self, commitment: int | str) -> bool:
        """Whether a commitment (id or position) is met at the stated confidence."""
        return self._estimate(commitment).met

    def verdict(self, commitment: int | str) -> Verdict:
        """``"met"``, ``"not met"`` or ``"undecided"`` (see :mod:`simsvc.verdicts`)."""
        return self._estimate(commitment).verdict

    def breach_risk(self, commitment: int | str) -> Estimate:
        """The share of assessment periods whose attainment is below the goal."""
        return self._estimate(commitment).breach_risk

    @property
    def all_met(self) -> bool:
        """Whether every commitment's verdict is ``"met"``."""
        return all(e.met for e in self.estimates.values())

    def commitments(self) -> pd.DataFrame:
        """One row per commitment, indexed by id; columns :data:`COMMITMENT_COLUMNS`."""
        import pandas as pd

        rows = []
        for e in self.estimates.values():
            rows.append(
                {
                    "label": e.commitment.label,
                    **_terms(e.commitment),
                    "attainment": e.attainment.mean,
                    "ci_low": e.attainment.ci_low,
                    "ci_high": e.attainment.ci_high,
                    "met": e.met,
                    "verdict": e.verdict,
                    "criterion": e.criterion,
                    "period": e.period,
                    "periods": e.periods,
                    "breach_risk": e.breach_risk.mean,
                    "risk_ci_low": e.breach_risk.ci_low,
                    "risk_ci_high": e.breach_risk.ci_high,
                    "breached_periods_per_year": e.breached_periods_per_year,
                    "empty_periods": e.empty_periods,
                    "incidents": e.incidents,
                    "breaches": e.breaches,
                    "replications": e.attainment.n,
                    **_penalty_summary(e.yearly_penalties),
                }
            )
        table = pd.DataFrame(rows, index=pd.Index(list(self.estimates), name="id"))
        return table[list(COMMITMENT_COLUMNS)]

    def _share(self, values: Sequence[float]) -> Estimate:
        return mean_ci(list(values), self.confidence, share=True)

    def bases(self) -> pd.DataFrame:
        """One row per base (index ``base``): engineers (posts), shift, the people the posts
        take (:mod:`simsvc.staffing`), utilisation (busy share of the on-shift hours, the trip
        home included) and its interval, overtime hours a year."""
        import pandas as pd

        rows = []
        staff = base_people(self.scenario)
        rostered = rostered_hours_per_week(self.scenario)
        for b in self.scenario.base:
            u = self._share([r.base_utilization[b.id] for r in self.replications])
            overtime = mean_ci(
                [r.base_overtime[b.id] for r in self.replications],
                self.confidence,
                nonnegative=True,
            )
            rows.append(
                {
                    "engineers": b.engineers,
                    "shift": b.shift,
                    "people": staff[b.id],
                    "roster": b.roster,
                    "rostered_hours_per_week": rostered[b.id],
                    "utilization": u.mean,
                    "ci_low": u.ci_low,
                    "ci_high": u.ci_high,
                    "overtime_hours_per_year": overtime.mean,
                }
            )
        return pd.DataFrame(rows, index=pd.Index([b.id for b in self.scenario.base], name="base"))

    def desk(self) -> pd.DataFrame:
        """The desk (one row, index ``desk``; no rows without a desk): agents, utilisation.

        Without a remote tier, the desk's busy time includes the remote attempts its
        agents make."""
        return self._agents(
            "desk", self.scenario.desk, [r.desk_utilization for r in self.replications]
        )

    def remote(self) -> pd.DataFrame:
        """The remote tier (one row, index ``remote``; no rows without ``[remote]``)."""
        utilization = [r.remote_utilization for r in self.replications]
        return self._agents("remote", self.scenario.remote, utilization)

    def _agents(
        self, name: str, pool: Desk | Remote | None, utilization: list[float]
    ) -> pd.DataFrame:
        import pandas as pd

        columns = ["agents", "shift", "people", "utilization", "ci_low", "ci_high"]
        if pool is None:
            return pd.DataFrame(columns=columns, index=pd.Index([], name=name))
        u = self._share(utilization)
        staff = pool.agents * people_per_post(self.scenario, pool.shift)
        row = [pool.agents, pool.shift, staff, u.mean, u.ci_low, u.ci_high]
        return pd.DataFrame([row], columns=columns, index=pd.Index([name], name=name))

    def _depot_estimates(self, depot: str) -> dict[str, Estimate]:
        """A depot's fill rate and mean backorders, units on hand and on order (intervals)."""
        reps, conf = self.replications, self.confidence
        counts = [(r.depot_filled, r.depot_requests) for r in reps]
        if all(filled is not None and requests is not None for filled, requests in counts):
            # pooled requests: an exact interval that keeps a width when all are filled
            fill = proportion_ci(
                [r.depot_filled[depot] for r in reps if r.depot_filled is not None],
                [r.depot_requests[depot] for r in reps if r.depot_requests is not None],
                conf,
            )
        else:
            fill = self._share([r.fill_rate[depot] for r in reps])
        return {
            "fill_rate": fill,
            "mean_backorders": mean_ci(
                [r.mean_backorders[depot] for r in reps], conf, nonnegative=True
            ),
            "mean_on_hand": mean_ci([r.mean_on_hand[depot] for r in reps], conf, nonnegative=True),
            "mean_pipeline": mean_ci(
                [r.mean_pipeline[depot] for r in reps], conf, nonnegative=True
            ),
            **{
                key: mean_ci([values[depot] for values in series], conf, nonnegative=True)
                for key, series in (
                    ("mean_in_repair", [r.mean_in_repair for r in reps if r.mean_in_repair]),
                    (
                        "mean_repair_queue",
                        [r.mean_repair_queue for r in reps if r.mean_repair_queue],
                    ),
                    (
                        "lateral_shipments_per_year",
                        [r.lateral_shipments for r in reps if r.lateral_shipments],
                    ),
                )
                if series
            },
        }

    def depots(self) -> pd.DataFrame:
        """One row per depot (index ``depot``): fill rate, mean backorders, units stocked,
        supplier, and mean units on hand and on order (a supplier's fill rate is over its
        children's orders and its own bases' requests)."""
        import pandas as pd

        levels = base_stock(self.scenario)
        rows = []
        for d in self.scenario.depot:
            e = self._depot_estimates(d.id)
            fill, backorders = e["fill_rate"], e["mean_backorders"]
            on_hand, pipeline = e["mean_on_hand"], e["mean_pipeline"]
            rows.append(
                {
                    "fill_rate": fill.mean,
                    "ci_low": fill.ci_low,
                    "ci_high": fill.ci_high,
                    "mean_backorders": backorders.mean,
                    "backorders_ci_low": backorders.ci_low,
                    "backorders_ci_high": backorders.ci_high,
                    "units": sum(levels[d.id, p.id] for p in self.scenario.part),
                    "supplier": d.supplier,
                    "mean_on_hand": on_hand.mean,
                    "on_hand_ci_low": on_hand.ci_low,
                    "on_hand_ci_high": on_hand.ci_high,
                    "mean_pipeline": pipeline.mean,
                    "pipeline_ci_low": pipeline.ci_low,
                    "pipeline_ci_high": pipeline.ci_high,
                    **{
                        key: e[key].mean if key in e else math.nan
                        for key in (
                            "mean_in_repair",
                            "mean_repair_queue",
                            "lateral_shipments_per_year",
                        )
                    },
                }
            )
        index = pd.Index([d.id for d in self.scenario.depot], name="depot")
        return pd.DataFrame(rows, index=index, columns=DEPOT_COLUMNS)

    def stock(self) -> pd.DataFrame:
        """Base stock per depot and part (index ``depot, part``), its yearly holding cost, and
        the part's fill rate, mean backorders, units on hand and on order (means over the
        replications; NaN fill rate for a part never requested)."""
        import pandas as pd

        from simsvc.cost import holding_per_unit

        per_unit = holding_per_unit(self.scenario)
        levels = base_stock(self.scenario)
        rows = []
        for (d, p), n in levels.items():
            figures = [r.parts[d, p] for r in self.replications]
            fills = [f.fill_rate for f in figures if not math.isnan(f.fill_rate)]
            rows.append(
                {
                    "depot": d,
                    "part": p,
                    "level": n,
                    "holding": n * per_unit[p],
                    "fill_rate": float(np.mean(fills)) if fills else math.nan,
                    "mean_backorders": float(np.mean([f.mean_backorders for f in figures])),
                    "mean_on_hand": float(np.mean([f.mean_on_hand for f in figures])),
                    "mean_pipeline": float(np.mean([f.mean_pipeline for f in figures])),
                    "mean_in_repair": float(np.mean([f.mean_in_repair for f in figures])),
                    "lateral_shipments_per_year": float(
                        np.mean([f.lateral_shipments_per_year for f in figures])
                    ),
                }
            )
        table = pd.DataFrame(rows, columns=["depot", "part", *STOCK_COLUMNS])
        return table.set_index(["depot", "part"])

    def vans(self) -> pd.DataFrame:
        """Van stock per base and part (index ``base, part``): units per van (``level``),
        the base's vans (one per engineer, on call included), units in all of them and
        their yearly holding cost. With :meth:`stock`, the holding adds up to the cost's.
        """
        import pandas as pd

        from simsvc.cost import holding_per_unit
        from simsvc.model.vans import van_units, vans_per_base

        per_unit = holding_per_unit(self.scenario)
        vans = vans_per_base(self.scenario)
        units = van_units(self.scenario)
        rows = [
            {
                "base": base.id,
                "part": part,
                "level": level,
                "vans": vans[b],
                "units": units[base.id, part],
                "holding": units[base.id, part] * per_unit[part],
            }
            for b, base in enumerate(self.scenario.base)
            for part, level in base.van.items()
        ]
        columns = ["base", "part", "level", "vans", "units", "holding"]
        return pd.DataFrame(rows, columns=columns).set_index(["base", "part"])

    def _part_figures(self, depot: str) -> dict[str, dict[str, float]]:
        """Per part at ``depot``: fill rate (NaN when never requested), mean backorders, on
        hand, on order and in repair, and lateral shipments a year (means over the
        replications)."""
        figures: dict[str, dict[str, float]] = {}
        for part in self.scenario.part:
            stock = [r.parts[depot, part.id] for r in self.replications]
            fills = [f.fill_rate for f in stock if not math.isnan(f.fill_rate)]
            figures[part.id] = {
                "fill_rate": float(np.mean(fills)) if fills else math.nan,
                **{
                    key: float(np.mean([getattr(f, key) for f in stock]))
                    for key in (
                        "mean_backorders",
                        "mean_on_hand",
                        "mean_pipeline",
                        "mean_in_repair",
                        "lateral_shipments_per_year",
                    )
                },
            }
        return figures

    def _on_call(self, base: str) -> dict[str, Any]:
        """A base's engineers on call: posts, call-outs and busy hours a year (intervals)."""
        table = next(b for b in self.scenario.base if b.id == base).on_call
        assert table is not None
        reps, conf = self.replications, self.confidence
        return {
            "engineers": table.engineers,
            "callouts_per_year": mean_ci(
                [r.callouts[base] for r in reps if r.callouts], conf, nonnegative=True
            ).to_dict(),
            "busy_hours_per_year": mean_ci(
                [r.on_call_busy[base] for r in reps if r.on_call_busy], conf, nonnegative=True
            ).to_dict(),
        }

    def cost(self) -> dict[str, float]:
        """Yearly cost: engineers, desk agents, remote tier, on call, holding of stock,
        expected penalties, total."""
        breaches = {key: e.breaches for key, e in self.estimates.items()}
        callouts = [sum(r.callouts.values()) for r in self.replications if r.callouts]
        per_year = float(np.mean(callouts)) if callouts else 0.0
        return yearly_cost(self.scenario, breaches, per_year)

    @property
    def incidents(self) -> pd.DataFrame:
        """Every incident record of every replication (kept with ``keep_incidents``)."""
        import pandas as pd

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

    def __repr__(self) -> str:
        met = sum(e.met for e in self.estimates.values())
        total = self.cost()["total"]
        return (
            f"<RunResult {self.scenario.scenario.name!r}: {len(self.replications)} replications,"
            f" seed {self.seed}; {met} of {len(self.estimates)} commitments met;"
            f" {total:,.0f} {self.scenario.scenario.currency}/yr>"
        )

    def _repr_html_(self) -> str:
        table = self.commitments()[["label", "goal", "attainment", "ci_low", "ci_high", "met"]]
        head = html.escape(repr(self))
        return f"<p>{head}</p>" + table.to_html(float_format=lambda v: f"{v:.4g}", escape=True)

    def to_dict(self) -> dict[str, Any]:
        """The results JSON of ``scenario-format.md`` (plus a few extra keys)."""
        s, conf, reps = self.scenario, self.confidence, self.replications
        commitments = []
        for e in self.estimates.values():
            c = e.commitment
            commitments.append(
                {
                    "id": e.id,
                    **_terms(c),
                    "attainment": e.attainment.to_dict(),
                    "met": e.met,
                    "verdict": e.verdict,
                    "criterion": e.criterion,
                    "period": e.period,
                    "periods": e.periods,
                    "breach_risk": e.breach_risk.to_dict(),
                    "breached_periods_per_year": e.breached_periods_per_year,
                    "empty_periods": e.empty_periods,
                    "incidents": e.incidents,
                    "penalty_per_year": (
                        {
                            k.removeprefix("penalty_"): v
                            for k, v in _penalty_summary(e.yearly_penalties).items()
                        }
                        if s.costs.penalty.get(c.severity)
                        else None
                    ),
                }
            )
        severities = {}
        for severity in s.severity:
            entry: dict[str, Any] = {
                "incidents": mean_ci(
                    [r.incidents[severity.id] for r in reps], conf, nonnegative=True
                ).to_dict()
            }
            for metric in CLOCKS:
                pooled = np.concatenate([r.clocks[severity.id][metric] for r in reps])
                entry[f"{metric}_hours"] = clock_summary(pooled)
            severities[severity.id] = entry
        staff = base_people(s)
        rostered = rostered_hours_per_week(s)
        bases = {
            b.id: {
                "engineers": b.engineers,
                "people": staff[b.id],
                "roster": b.roster,
                "rostered_hours_per_week": rostered[b.id],
                "on_call": self._on_call(b.id) if b.on_call else None,
                "utilization": self._share([r.base_utilization[b.id] for r in reps]).to_dict(),
                "overtime_hours_per_year": mean_ci(
                    [r.base_overtime[b.id] for r in reps], conf, nonnegative=True
                ).to_dict(),
            }
            for b in s.base
        }
        desk = None
        if s.desk is not None:
            desk = {
                "agents": s.desk.agents,
                "people": s.desk.agents * people_per_post(s, s.desk.shift),
                "utilization": self._share([r.desk_utilization for r in reps]).to_dict(),
            }
        remote = None
        if s.remote is not None:
            remote = {
                "agents": s.remote.agents,
                "people": s.remote.agents * people_per_post(s, s.remote.shift),
                "utilization": self._share([r.remote_utilization for r in reps]).to_dict(),
            }
        levels = base_stock(s)
        depots = {
            d.id: {
                "stock": {p.id: levels[d.id, p.id] for p in s.part},
                "supplier": d.supplier,
                **{key: e.to_dict() for key, e in self._depot_estimates(d.id).items()},
                "parts": self._part_figures(d.id),
            }
            for d in s.depot
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
                "remote": remote,
                "vans": (
                    {
                        "fill_rate": proportion_ci(
                            [r.van_filled for r in reps], [r.van_requests for r in reps], conf
                        ).to_dict()
                    }
                    if any(b.van for b in s.base)
                    else None
                ),
                "depots": depots,
                "inspections": {
                    "done": mean_ci(
                        [r.inspections_done for r in reps], conf, nonnegative=True
                    ).to_dict()
                },
                "open_at_end": int(sum(r.still_open for r in reps)),
                "cost": self.cost(),
            }
        )
        return data
