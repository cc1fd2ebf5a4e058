"""The network by regions: what one simulation says about engineers at every base at once.

An engineer added at one centre of a provincial network changes, nearly only, the
incidents of the sites around that centre: the network decomposes into regions (a
site's region is its nearest base, :attr:`simsvc.results.ReplicationSummary.region_period_met`).
So instead of simulating an engineer more at each of 23 centres (23 candidates), the
planner simulates a few *probes* (every base one engineer more, every base two more,
every base one fewer) on the search set and predicts any mix of them: the incidents of
each region count as in the probe that gives its base the level asked for, with common
random numbers keeping every other region's incidents as they were. A predicted plan is
judged by the same verdict rule as a simulated one (:func:`simsvc.results.estimate_commitment`)
over the predicted per-period counts.

The prediction is only a guide: engineers of neighbouring regions help each other (the
dispatcher sends the nearest free engineer, whichever base), so a probe in which every
base has one more is a little optimistic for one base's addition alone, and one in which
every base has one fewer a little pessimistic for a removal. The planner simulates every
plan the model proposes before taking it, and the final verification judges the plan on
fresh seeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from simsvc.planner.candidates import REGION_MIN_BASES as REGION_MIN_BASES  # re-exported
from simsvc.planner.candidates import Candidate, Evaluation, PlanSpace
from simsvc.results import ById, ReplicationSummary, estimate_commitment, plausible
from simsvc.scenario.schema import Scenario


@dataclass(frozen=True)
class Prediction:
    """A plan judged on predicted per-period counts."""

    shortfall: list[float]
    """Per commitment, as :attr:`Evaluation.shortfall`."""
    feasible: bool
    plausible: bool
    deficit: float
    """Incidents short of the goal in the periods that miss it, over all commitments and
    replications, per incident counted: a smooth measure for ties of the shortfall."""

    @property
    def worst(self) -> int:
        """Index of the commitment furthest from its verdict "met"."""
        return max(range(len(self.shortfall)), key=lambda k: self.shortfall[k])


class RegionModel:
    """Predicts plans that set each base's engineers to one of the probes' levels.

    ``probes`` maps an offset (engineers more at every base, or fewer when negative) to
    the probe's evaluation; all must be judged on the same replications, and offset 0 is
    the plan the offsets are counted from.
    """

    def __init__(self, space: PlanSpace, probes: Mapping[int, Evaluation]) -> None:
        self.space = space
        self.offsets = sorted(probes)
        self.centre = probes[0].candidate
        self.levels = np.asarray([probes[d].candidate.engineers for d in self.offsets])
        """Engineers at each base (columns) in each probe (rows, by offset)."""
        self._summaries = list(probes[0].result.replications)
        self._keys = space.scenario.commitment_ids()
        runs = [probes[d].result.replications for d in self.offsets]
        # per commitment: (probe, replication, region, period) counts
        self._met = [self._stack(runs, key, "met") for key in self._keys]
        self._counted = [self._stack(runs, key, "counted") for key in self._keys]
        self._regions = np.arange(len(space.scenario.base))

    @staticmethod
    def _stack(runs: Sequence[Sequence[ReplicationSummary]], key: str, what: str) -> np.ndarray:
        def cells(summary: ReplicationSummary) -> np.ndarray:
            table = summary.region_period_met if what == "met" else summary.region_period_counted
            assert table is not None, "summaries without region counts"
            return np.asarray(table[key])

        return np.asarray([[cells(s) for s in probe] for probe in runs])

    def row(self, offset: int) -> int:
        """The probe row of an offset."""
        return self.offsets.index(offset)

    def candidate(self, rows: Sequence[int]) -> Candidate:
        """The plan that gives base ``b`` the engineers of probe row ``rows[b]``."""
        engineers = tuple(int(self.levels[r, b]) for b, r in enumerate(rows))
        return replace(self.centre, engineers=engineers)

    def predict(self, rows: Sequence[int]) -> Prediction:
        """The verdicts of :meth:`candidate` ``(rows)`` on the predicted counts."""
        pick = np.asarray(rows)
        scenario = self.space.scenario
        # per commitment, (replication, period): each region's cells from its probe, summed
        met = [m[pick, :, self._regions, :].sum(axis=0) for m in self._met]
        counted = [c[pick, :, self._regions, :].sum(axis=0) for c in self._counted]
        summaries = [
            replace(
                summary,
                counted=ById(self._keys, [int(c[r].sum()) for c in counted]),
                breaches=ById(
                    self._keys,
                    [int(c[r].sum() - m[r].sum()) for c, m in zip(counted, met, strict=True)],
                ),
                period_counted=ById(self._keys, [c[r] for c in counted]),
                period_met=ById(self._keys, [m[r] for m in met]),
            )
            for r, summary in enumerate(self._summaries)
        ]
        estimates = [estimate_commitment(scenario, key, summaries) for key in self._keys]
        return Prediction(
            shortfall=[e.shortfall for e in estimates],
            feasible=all(e.met for e in estimates),
            plausible=plausible(scenario.plan, estimates),
            deficit=deficit(scenario, summaries),
        )

    def ranked(self, bases: Sequence[int]) -> list[int]:
        """``bases`` by the model's gain of one probe level more at the base alone (the
        worst commitment's shortfall, then the total, then the deficit, per unit of cost),
        the best first."""
        centre = [self.row(0)] * len(self.levels[0])
        now = self.predict(centre)
        scores = []
        for b in bases:
            step = self.one_more(centre, b)
            if step is not None:
                scores.append((_gain(now, *step), b))
        return [b for _, b in sorted(scores, key=lambda s: s[0], reverse=True)]

    def one_more(self, rows: Sequence[int], base: int) -> tuple[Prediction, float] | None:
        """The prediction with ``base`` one probe row up from ``rows``, and the yearly cost
        of the engineers that adds; None when no probe has more engineers there."""
        up = rows[base] + 1
        if up >= len(self.offsets) or self.levels[up, base] == self.levels[rows[base], base]:
            return None
        trial = self.predict([up if b == base else r for b, r in enumerate(rows)])
        more = float(self.levels[up, base] - self.levels[rows[base], base])
        return trial, self.space.engineer_cost[base] * more


def deficit(scenario: Scenario, replications: Sequence[ReplicationSummary]) -> float:
    """Incidents short of the goal in the assessment periods that miss it, summed over
    commitments and replications, per incident counted (0 when no period misses)."""
    short = counted = 0.0
    for commitment, key in zip(scenario.commitment, scenario.commitment_ids(), strict=True):
        for summary in replications:
            cells = np.asarray(summary.period_counted[key], float)
            met = np.asarray(summary.period_met[key], float)
            short += float(np.clip(commitment.goal * cells - met, 0.0, None).sum())
            counted += float(cells.sum())
    return short / max(counted, 1.0)


def _gain(now: Prediction, trial: Prediction, cost: float) -> tuple[float, float, float]:
    """What a step from ``now`` to ``trial`` gains per unit of cost: in the worst
    commitment's shortfall, in the total shortfall, in the deficit."""
    worst = now.worst
    return (
        (now.shortfall[worst] - trial.shortfall[worst]) / cost,
        (sum(now.shortfall) - sum(trial.shortfall)) / cost,
        (now.deficit - trial.deficit) / cost,
    )


def probe(space: PlanSpace, candidate: Candidate, offset: int, bases: Sequence[int]) -> Candidate:
    """``candidate`` with ``offset`` engineers more (fewer when negative) at each of ``bases``,
    kept within ``[0, max_engineers_per_base]``."""
    most = space.scenario.plan.max_engineers_per_base
    engineers = list(candidate.engineers)
    for b in bases:
        engineers[b] = min(max(engineers[b] + offset, 0), most)
    return replace(candidate, engineers=tuple(engineers))


def greedy_additions(
    model: RegionModel, bases: Sequence[int], plausible_enough: bool = False
) -> list[int]:
    """Probe rows per base, from the centre, of the cheapest mix the model predicts to meet
    every goal: marginal analysis on the predictions (the gain in the worst commitment's
    shortfall per unit of cost, then in the total shortfall, then in the deficit). Stops
    when the prediction is feasible (with ``plausible_enough``, when its point estimates
    are on the right side of their lines) or no step helps; returns the rows it got to."""
    rows = [model.row(0)] * len(model.space.scenario.base)
    now = model.predict(rows)
    while not (now.feasible or (plausible_enough and now.plausible)):
        best: tuple[tuple[float, float, float], int, Prediction] | None = None
        for b in bases:
            step = model.one_more(rows, b)
            if step is None:
                continue
            score = _gain(now, *step)
            if best is None or score > best[0]:
                best = (score, b, step[0])
        if best is None or best[0] <= (0.0, 0.0, 0.0):
            break
        _, b, now = best
        rows[b] += 1
    return rows


def removal_order(model: RegionModel, bases: Sequence[int]) -> tuple[list[int], list[int]]:
    """Of ``bases``, those whose engineer fewer alone the model predicts plausible (every
    point estimate on the right side of its line), most slack first; and the largest group
    of them, taken greedily in that order, whose removal together it predicts feasible.

    ``model`` must have a probe at offset -1."""
    centre, down = model.row(0), model.row(-1)
    alone: list[tuple[float, int]] = []
    for b in bases:
        if model.levels[down, b] == model.levels[centre, b]:
            continue
        trial = model.predict([down if i == b else centre for i in range(len(model.levels[0]))])
        if trial.plausible:
            alone.append((trial.deficit + sum(trial.shortfall), b))
    order = [b for _, b in sorted(alone)]
    rows = [centre] * len(model.levels[0])
    together: list[int] = []
    for b in order:
        rows[b] = down
        if model.predict(rows).feasible:
            together.append(b)
        else:
            rows[b] = centre
    return order, together
