"""The planner's starting stock at every echelon and in the vans, by METRIC marginal analysis.

For each part the depots form their supplier tree and the vans hang below the bases
(:class:`simsvc.planner.analytic.PartNetwork`). From no stock at all, the unit with the
largest drop in the bases' expected backorders (visits waiting for a part, all parts
together, :func:`simsvc.planner.analytic.metric`) per unit of yearly holding cost is added,
one at a time (Sherbrooke's marginal analysis), until the share of the bases' part
requests METRIC serves at once (from a van, the depot or laterally) reaches the fill
target (:func:`fill_target`). A unit of van stock is one more unit in every van of the
base: it costs the part's holding times the base's vans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simsvc.cost import holding_per_unit
from simsvc.model.depots import nearest_depot_of_bases
from simsvc.model.echelons import forward_depots, lead_time_hours, order_shares, suppliers
from simsvc.model.vans import vans_per_base
from simsvc.planner.analytic import MetricState, PartNetwork, metric, offered_loads, palm_pair
from simsvc.planner.candidates import PlanSpace
from simsvc.scenario.schema import Scenario


def fill_target(scenario: Scenario) -> float:
    """The share of part requests to serve at once: the highest resolution goal (a request
    served at once delays no resolution; 0 without a resolution commitment)."""
    return max((c.goal for c in scenario.commitment if c.metric == "resolution"), default=0.0)


@dataclass(frozen=True)
class StockPoint:
    """One place a unit of a part can be added: a depot, or the vans of a base."""

    kind: str
    """``"stock"`` (a depot) or ``"van"``, as the plan's :class:`~.candidates.Unit`."""
    key: int
    """Position in :attr:`PlanSpace.stock_keys` or :attr:`PlanSpace.van_keys`."""
    part: str
    place: int
    """Depot index, or position of the base in the part network's bases."""
    cost: float
    """Yearly holding cost of one more unit (all the base's vans for van stock)."""


@dataclass(frozen=True)
class MetricStart:
    """The METRIC allocation: levels per stock key and per van key, and its estimates."""

    stock: list[int]
    van: list[int]
    fill: float
    """Share of the bases' part requests served at once (METRIC's estimate)."""
    backorders: float
    """Expected visits waiting for a part, all bases and parts (units)."""
    target: float


def part_networks(
    space: PlanSpace, engineers: Sequence[int]
) -> tuple[dict[str, PartNetwork], list[StockPoint]]:
    """Each planned part's network with ``engineers`` per base (their vans), and the
    points where units can be added."""
    scenario = space.scenario
    staffed = scenario.with_resources(
        engineers={b.id: n for b, n in zip(scenario.base, engineers, strict=True)}
    )
    loads = offered_loads(scenario)
    home = nearest_depot_of_bases(scenario)
    drawing = [(b, depot) for b, depot in enumerate(home) if depot is not None]
    bases = [b for b, _ in drawing]
    vans = vans_per_base(staffed)
    leads = lead_time_hours(scenario)
    shares = order_shares(scenario)
    holding = holding_per_unit(scenario)
    part_index = {p.id: k for k, p in enumerate(scenario.part)}
    depot_index = {d.id: j for j, d in enumerate(scenario.depot)}
    base_index = {b.id: i for i, b in enumerate(scenario.base)}
    van_parts = {part for _, part in space.van_keys}
    networks: dict[str, PartNetwork] = {}
    for part in dict.fromkeys([p for _, p in space.stock_keys] + [p for _, p in space.van_keys]):
        k = part_index[part]
        carried = part in van_parts
        networks[part] = PartNetwork(
            supplier=tuple(suppliers(scenario)),
            own_lead_hours=tuple(row[k] for row in leads),
            order_share=tuple(row[k] for row in shares),
            lateral=tuple(forward_depots(scenario)),
            base_depot=tuple(depot for _, depot in drawing),
            base_demand=tuple(loads.part_demand_per_base.get((b, k), 0.0) for b in bases),
            vans=tuple(vans[b] for b in bases) if carried else (),
            van_restock_hours=tuple(scenario.base[b].van_restock for b in bases) if carried else (),
        )
    points = [
        StockPoint("stock", key, part, depot_index[depot], holding[part])
        for key, (depot, part) in enumerate(space.stock_keys)
    ]
    for key, (base, part) in enumerate(space.van_keys):
        b = base_index[base]
        if b in bases and vans[b] > 0:
            points.append(StockPoint("van", key, part, bases.index(b), holding[part] * vans[b]))
    return networks, points


def metric_start(space: PlanSpace, engineers: Sequence[int]) -> MetricStart:
    """Stock per depot and per van by METRIC marginal analysis (module docstring), each
    level within ``[plan] max_stock_per_part``."""
    networks, points = part_networks(space, engineers)
    bound = space.scenario.plan.max_stock_per_part
    target = fill_target(space.scenario)
    memo: dict[tuple[int, float, float], tuple[float, float]] = {}

    def palm(stock: int, demand: float, lead: float) -> tuple[float, float]:
        key = (stock, demand, lead)
        if key not in memo:
            memo[key] = palm_pair(stock, demand, lead)
        return memo[key]

    depot_levels = {part: [0] * len(n.supplier) for part, n in networks.items()}
    van_levels = {part: [0] * len(n.base_depot) for part, n in networks.items()}

    def state(part: str) -> MetricState:
        return metric(networks[part], depot_levels[part], van_levels[part], palm)

    states = {part: state(part) for part in networks}
    requests = sum(s.base_requests for s in states.values())

    def served() -> float:
        return sum(s.base_fill * s.base_requests for s in states.values())

    def levels_of(point: StockPoint) -> list[int]:
        return (depot_levels if point.kind == "stock" else van_levels)[point.part]

    def gain(point: StockPoint) -> tuple[float, float]:
        """Backorders and requests served at once per hour gained per unit of cost."""
        levels = levels_of(point)
        if levels[point.place] >= bound:
            return (-1.0, -1.0)
        levels[point.place] += 1
        after = state(point.part)
        levels[point.place] -= 1
        before = states[point.part]
        fewer = before.base_backorders - after.base_backorders
        more = (after.base_fill - before.base_fill) * before.base_requests
        return fewer / point.cost, more / point.cost

    def short() -> bool:
        return requests > 0 and served() < target * requests - 1e-12

    gains = {point: gain(point) for point in points} if short() else {}
    while short() and gains:
        best = max(gains, key=lambda p: (gains[p], -p.cost))
        if gains[best][0] <= 1e-15 and gains[best][1] <= 1e-15:
            break  # no unit left brings a request closer to being served
        levels_of(best)[best.place] += 1
        states[best.part] = state(best.part)
        for point in points:
            if point.part == best.part:
                gains[point] = gain(point)
    stock = [0] * len(space.stock_keys)
    van = [0] * len(space.van_keys)
    for point in points:
        (stock if point.kind == "stock" else van)[point.key] = levels_of(point)[point.place]
    return MetricStart(
        stock,
        van,
        served() / requests if requests > 0 else 1.0,
        sum(s.base_backorders for s in states.values()),
        target,
    )
