"""Analytic ranking of the planner's options: which additions are worth simulating.

A large network offers many additions at each step of the search (an engineer at any of
23 centres, a unit of any part at any depot or in any van), and simulating each even on a
screen costs more than the rest of the search. The same models as the analytic start rank
them, kind by kind, by their gain per unit of yearly cost:

- an engineer at a base: the base's visits per hour times the rise in Erlang C's chance
  that a visit waits no longer than the arrival commitments allow (``within`` less the
  base's mean trip), for the worst of them, as in the start (:func:`arrival_chances`);
- a unit of stock at a depot or in a base's vans: the drop in the bases' expected
  backorders of that part under METRIC (:func:`simsvc.planner.analytic.metric`).

Only the best few of each kind go on to the simulated screen; kinds with few options
(desk agents, remote engineers) always do. The models only order the options: the
choice among those kept is the simulation's, and the final verification guards it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from simsvc.model.crews import rota_shift
from simsvc.planner.analytic import (
    Loads,
    MetricState,
    PartNetwork,
    erlang_c_wait_within,
    metric,
    offered_loads,
    palm_pair,
)
from simsvc.planner.candidates import Candidate, PlanSpace, Unit
from simsvc.planner.stocking import StockPoint, part_networks
from simsvc.scenario.schema import Scenario
from simsvc.staffing import HOURS_PER_YEAR, shift_hours_per_year

RANKED_KEEP = 6
"""Options of one kind that go on to the screen when there are more."""


def duty(scenario: Scenario, base: int) -> tuple[float, float]:
    """When a base is staffed, and how many of its engineers are on duty then.

    Returns the share of the year some engineer of the base is on shift, and the engineers
    on duty at such a time per engineer of the base: 1 for posts; for a roster, a person's
    on-shift hours over the hours the crews cover (two crews on four on, four off: 0.5).
    """
    table = scenario.base[base]
    if table.roster is None:
        return shift_hours_per_year(scenario, table.shift) / HOURS_PER_YEAR, 1.0
    roster = next(r for r in scenario.roster if r.id == table.roster)
    person = shift_hours_per_year(scenario, rota_shift(roster, 0))
    cycle = roster.days_on + roster.days_off
    days = shift_hours_per_year(scenario, roster.shift)
    covered = days * min(1.0, roster.crews * roster.days_on / cycle)
    if covered <= 0:
        return 0.0, 0.0
    return covered / HOURS_PER_YEAR, person / covered


def arrival_chances(
    scenario: Scenario, loads: Loads, base: int, engineers: int
) -> list[tuple[float, float]]:
    """Erlang C's chance that a base's visit is reached within each arrival commitment,
    with its goal: ``(chance, goal)`` per arrival commitment.

    Work is squeezed into the hours the base is staffed, so the rates are scaled up by the
    share of the year it is; inspections take their share of the engineers on duty; on a
    roster only the crew on duty serves (:func:`duty`); a visit may wait ``within`` less
    the base's mean trip. The chance is 0 when the engineers on duty cannot keep up, 1 at a
    base without visits.
    """
    arrivals = [c for c in scenario.commitment if c.metric == "arrival"]
    visits = loads.visits_per_base[base]
    if visits <= 0:
        return [(1.0, c.goal) for c in arrivals]
    on_share, on_duty = duty(scenario, base)
    on_share = max(on_share, 1e-9)
    rate = visits / on_share
    service = loads.visit_hours_per_base[base]
    load = rate * service + loads.inspection_load_per_base[base] / on_share
    servers = engineers * on_duty
    if servers <= load:
        return [(0.0, c.goal) for c in arrivals]
    spare = max(1, math.floor(servers - load + rate * service))  # left for faults
    trip = loads.trip_hours_per_base[base]
    return [
        (erlang_c_wait_within(spare, rate, 1 / service, max(c.within - trip, 0.0)), c.goal)
        for c in arrivals
    ]


def base_engineers(scenario: Scenario, loads: Loads, base: int) -> int:
    """Engineers for a base by Erlang C: the fewest whose :func:`arrival_chances` meet
    every goal; when no count up to ``[plan] max_engineers_per_base`` does, the fewest
    that keep up with the load."""
    if loads.visits_per_base[base] <= 0:
        return 0
    most = scenario.plan.max_engineers_per_base
    stable = None
    for engineers in range(1, most + 1):
        chances = arrival_chances(scenario, loads, base, engineers)
        if stable is None and all(p > 0 for p, _ in chances):
            stable = engineers
        if stable is not None and all(p >= goal for p, goal in chances):
            return engineers
    return stable if stable is not None else most


@dataclass
class Ranking:
    """Ranks a plan space's additions by analytic gain per unit of yearly cost."""

    space: PlanSpace
    loads: Loads = field(init=False)
    _stock_points: dict[tuple[str, int], StockPoint] = field(init=False, default_factory=dict)
    _networks: dict[str, PartNetwork] = field(init=False, default_factory=dict)
    _palm: dict[tuple[int, float, float], tuple[float, float]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.loads = offered_loads(self.space.scenario)
        if self.space.stock_keys or self.space.van_keys:
            engineers = [b.engineers for b in self.space.scenario.base]
            networks, points = part_networks(self.space, engineers)
            self._networks = dict(networks)
            self._stock_points = {(p.kind, p.key): p for p in points}

    def gain(self, candidate: Candidate, unit: Unit) -> float | None:
        """The analytic gain of adding ``unit`` to ``candidate`` per unit of yearly cost, or
        None for a kind the models do not rank."""
        cost = self.space.unit_cost(unit)
        if unit.kind == "engineer":
            scenario, b = self.space.scenario, unit.index
            now = candidate.engineers[b]
            before = arrival_chances(scenario, self.loads, b, now)
            after = arrival_chances(scenario, self.loads, b, now + 1)
            rise = min((p for p, _ in after), default=1.0) - min(
                (p for p, _ in before), default=1.0
            )
            return self.loads.visits_per_base[b] * rise / cost
        if unit.kind in ("stock", "van"):
            point = self._stock_points.get((unit.kind, unit.index))
            if point is None:
                return 0.0
            fewer = (
                self._state(candidate, point.part, None).base_backorders
                - self._state(candidate, point.part, point).base_backorders
            )
            return fewer / cost
        return None

    def keep(self, candidate: Candidate, units: Sequence[Unit]) -> set[Unit]:
        """The units worth a simulated screen: of each ranked kind with more than
        :data:`RANKED_KEEP` options, the best :data:`RANKED_KEEP`; every unit the models do
        not rank or give no gain (they leave out some demand, such as a swap's spare
        unit: no gain in the models is not no gain)."""
        gains = {u: self.gain(candidate, u) for u in units}
        # no gain in the models: what they leave out (a swap's spare unit) may still help
        kept = {u for u, g in gains.items() if g is None or g <= 0}
        for kind in dict.fromkeys(u.kind for u in units):
            ranked = [u for u in units if u.kind == kind and u not in kept]
            ranked.sort(key=lambda u: (-(gains[u] or 0.0), u.index))
            kept |= set(ranked[:RANKED_KEEP])
        return kept

    def _state(self, candidate: Candidate, part: str, plus: StockPoint | None) -> MetricState:
        """METRIC for one part at the candidate's levels, with one more unit at ``plus``."""
        network = self._networks[part]
        depots = [0] * len(network.supplier)
        vans = [0] * len(network.base_depot)
        for (kind, key), point in self._stock_points.items():
            if point.part != part:
                continue
            if kind == "stock":
                depots[point.place] = candidate.stock[key]
            elif candidate.van:
                vans[point.place] = candidate.van[key]
        if plus is not None:
            (depots if plus.kind == "stock" else vans)[plus.place] += 1

        def palm(stock: int, demand: float, lead: float) -> tuple[float, float]:
            known = (stock, demand, lead)
            if known not in self._palm:
                self._palm[known] = palm_pair(stock, demand, lead)
            return self._palm[known]

        return metric(network, depots, vans if network.vans else (), palm)
