"""The planner stocks the whole network: central and forward depots and the vans.

METRIC (Sherbrooke, 1968) against hand-computed values and its limits (ample central
stock: Palm at the forward lead time; no central stock: the central lead time as delay),
Erlang's loss formula for vans, the METRIC start on a two-echelon scenario with vans, the
plan's stock per echelon and the 15% rule at the plan's staff on the same seeds.
"""

from __future__ import annotations

import math

import pytest

import simsvc
from simsvc.model.depots import installed_units_using
from simsvc.planner.analytic import (
    PartNetwork,
    erlang_b,
    metric,
    metric_delay,
    metric_lead_time,
    palm_backorders,
    van_fill_rate,
)
from simsvc.planner.candidates import PlanSpace
from simsvc.planner.search import analytic_start, describe, plan
from simsvc.planner.stocking import fill_target, metric_start

TWO_ECHELONS_AND_VANS = """
[scenario]
name = "two echelons and vans"
horizon = "180d"
warmup = "30d"
replications = 6
seed = 11

[costs]
engineer_per_year = 150000
holding_rate = 0.25

[plan]
confidence = 0.9
max_engineers_per_base = 3
max_stock_per_part = 6

[travel]
speed_kmh = 40
road_factor = 1.3
cv = 0.3
part_delivery = "engineer"

[[severity]]
id = "L1"
onsite_time = { dist = "exponential", mean = "1h" }
part_need = 0.7

[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "6h"
goal = 0.8

[[base]]
id = "west"
location = [34.30, 108.60]
engineers = 1
depot = "west"
van = { board = 1 }
van_restock = "24h"

[[base]]
id = "east"
location = [34.30, 109.40]
engineers = 1
depot = "east"
van = { board = 1 }
van_restock = "24h"

[[depot]]
id = "west"
location = [34.30, 108.60]
stock = { board = 1 }
supplier = "hub"
supply_time = "1d"

[[depot]]
id = "east"
location = [34.30, 109.40]
stock = { board = 1 }
supplier = "hub"
supply_time = "1d"

[[depot]]
id = "hub"
location = [34.30, 109.00]
stock = { board = 2 }
resupply = "30d"

[[part]]
id = "board"
unit_cost = 6000

[[equipment]]
id = "cabinet"
failures_per_year = 1.0
severity_mix = { L1 = 1.0 }
parts = { board = 1.0 }

[[site]]
id = "w1"
location = [34.45, 108.70]
equipment = { cabinet = 60 }

[[site]]
id = "e1"
location = [34.45, 109.30]
equipment = { cabinet = 60 }
"""

HOLDING = 6000 * 0.25  # a board a year


def _two_forwards(lateral: bool = False, share: float = 1.0) -> PartNetwork:
    """Two forward depots (0, 1) under a central one (2): 0.01 requests an hour at each,
    24 h from the centre, 100 h to resupply the centre."""
    return PartNetwork(
        supplier=(2, 2, None),
        own_lead_hours=(24.0, 24.0, 100.0),
        order_share=(share, share, 0.0),
        lateral=(lateral, lateral, False),
        base_depot=(0, 1),
        base_demand=(0.01, 0.01),
    )


def test_erlang_b_and_van_fill_by_hand() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(3, 2.0) == pytest.approx((8 / 6) / (1 + 2 + 2 + 8 / 6))
    # one engineer, 0.02 requests an hour, 72 h restock: a = 1.44
    a = 0.02 * 72
    assert van_fill_rate(2, 0.02, 72) == pytest.approx(1 - (a * a / 2) / (1 + a + a * a / 2))
    assert van_fill_rate(0, 0.02, 72) == 0.0


def test_metric_delay_and_lead_time_by_hand() -> None:
    # the centre: 0.02 an hour, 100 h, one unit: EBO = 2 - 1 + P(X = 0) = 1 + e^-2
    delay = metric_delay(1, 0.02, 100.0)
    assert delay == pytest.approx((1 + math.exp(-2)) / 0.02)
    assert metric_delay(0, 0.02, 100.0) == pytest.approx(100.0)  # no stock: the lead time
    assert metric_lead_time(24.0, 0.1, 50.0) == pytest.approx(29.0)


def test_metric_two_echelons_by_hand() -> None:
    state = metric(_two_forwards(), [1, 1, 1])
    central_delay = (1 + math.exp(-2)) / 0.02  # 56.77 h
    lead = 24 + central_delay
    mean = 0.01 * lead
    assert state.demand == pytest.approx([0.01, 0.01, 0.02])
    assert state.lead_hours[0] == pytest.approx(lead)
    assert state.backorders[0] == pytest.approx(mean - 1 + math.exp(-mean))
    # no vans, no lateral supply: the bases wait for exactly the forward depots' backorders
    assert state.base_backorders == pytest.approx(state.backorders[0] + state.backorders[1])
    assert state.base_fill == pytest.approx(math.exp(-mean))  # P(X <= 0) with one unit


def test_metric_limits_ample_and_empty_centre() -> None:
    network = _two_forwards()
    ample = metric(network, [2, 1, 60])
    assert ample.backorders[0] == pytest.approx(palm_backorders(2, 0.01, 24.0), abs=1e-9)
    assert ample.backorders[1] == pytest.approx(palm_backorders(1, 0.01, 24.0), abs=1e-9)
    empty = metric(network, [2, 1, 0])
    assert empty.delay_hours[2] == pytest.approx(100.0)  # the centre's mean lead time
    assert empty.lead_hours[0] == pytest.approx(124.0)
    # a depot that repairs orders only its condemned share from the centre
    repaired = metric(_two_forwards(share=0.1), [2, 1, 0])
    assert repaired.lead_hours[0] == pytest.approx(24.0 + 0.1 * 100.0)
    assert repaired.demand[2] == pytest.approx(0.1 * 0.02)


def test_metric_lateral_supply_keeps_the_flow_and_helps() -> None:
    alone = metric(_two_forwards(lateral=False), [3, 0, 60])
    shared = metric(_two_forwards(lateral=True), [3, 0, 60])
    # the requests the empty depot passes on join the other's demand; none is lost
    assert shared.demand[0] + shared.demand[1] == pytest.approx(0.02)
    assert shared.demand[0] > 0.01 > shared.demand[1]
    assert shared.base_fill > alone.base_fill
    assert shared.base_backorders < alone.base_backorders


def test_metric_van_with_an_ample_depot_is_erlang_loss() -> None:
    network = PartNetwork(
        supplier=(None,),
        own_lead_hours=(100.0,),
        order_share=(0.0,),
        lateral=(True,),
        base_depot=(0,),
        base_demand=(0.04,),
        vans=(2,),
        van_restock_hours=(72.0,),
    )
    state = metric(network, [50], [2])
    assert state.delay_hours[0] == pytest.approx(0.0, abs=1e-12)
    assert state.van_fill[0] == pytest.approx(1 - erlang_b(2, 0.02 * 72))
    assert state.base_fill == pytest.approx(1.0)


def test_plan_space_offers_every_echelon_and_the_vans() -> None:
    scenario = simsvc.parse_scenario(TWO_ECHELONS_AND_VANS)
    space = PlanSpace(scenario)
    assert space.stock_keys == [("west", "board"), ("east", "board"), ("hub", "board")]
    assert space.echelon == {"west": "forward", "east": "forward", "hub": "central"}
    assert space.van_keys == [("west", "board"), ("east", "board")]
    vans = [u for u in space.units if u.kind == "van"]
    assert [u.label for u in vans] == ["board in each van at west", "board in each van at east"]
    assert space.unit_cost(vans[0]) == pytest.approx(HOLDING)  # one engineer: one van
    current = space.current()
    assert current.van == (1, 1)
    # a van unit costs its holding in every van of the base (simsvc.cost)
    more = space.changed(current, vans[0], +2)
    assert more is not None and more.van == (3, 1)
    cost = simsvc.run_experiment(space.scenario_for(more), replications=1, workers=1).cost()
    base = simsvc.run_experiment(space.scenario_for(current), replications=1, workers=1).cost()
    assert cost["holding"] - base["holding"] == pytest.approx(2 * HOLDING)


def test_metric_start_stocks_central_and_forward_and_meets_its_target() -> None:
    scenario = simsvc.parse_scenario(TWO_ECHELONS_AND_VANS)
    space = PlanSpace(scenario)
    start = metric_start(space, (1, 1))
    assert start.target == fill_target(scenario) == 0.8
    assert start.fill >= 0.8
    west, east, hub = start.stock
    assert hub > 0 and west > 0 and east > 0
    candidate = analytic_start(space)
    assert candidate.stock == tuple(start.stock) and candidate.van == tuple(start.van)
    assert "central stock" in describe(space, candidate)


def test_plan_stocks_every_echelon_and_compares_the_rule_fairly() -> None:
    scenario = simsvc.parse_scenario(TWO_ECHELONS_AND_VANS)
    result = plan(scenario, workers=1)
    assert result.feasible
    data = result.to_dict()
    resources = data["plan"]["resources"]
    holding = resources["holding_by_echelon"]
    # the plan holds stock at the centre, the forward depots and in the vans
    assert holding["central"] > 0 and holding["forward"] > 0 and holding["van"] > 0
    assert resources["stock_by_echelon"]["central"] == {"hub": resources["stock"]["hub"]}
    assert set(resources["stock_by_echelon"]["forward"]) == {"west", "east"}
    assert resources["van"] == resources["stock_by_echelon"]["van"]
    assert sum(holding.values()) == pytest.approx(data["plan"]["cost"]["holding"])

    # the METRIC start is close to the plan the simulation settles on
    space = result.space
    start = analytic_start(space)
    start_holding = sum(result.holding_by_echelon(start).values())
    assert abs(start_holding - sum(holding.values())) <= 0.25 * sum(holding.values())

    comparison = data["stock_rule_comparison"]
    assert comparison["staff"] == "plan" and comparison["same_seeds"]
    assert comparison["replications"] == len(result.verification.replications)
    assert result.stock_rule is not None
    assert result.stock_rule.replications == result.verification.replications
    rule = data["stock_rule_15_percent"]
    assert rule["resources"]["engineers"] == resources["engineers"]  # the plan's staff
    assert rule["resources"]["van"] == resources["van"]  # and its vans
    # the rule's stock, from the installed units each depot serves (120 boards below the
    # hub, 60 below each forward depot), not from the plan's tables
    installed = installed_units_using(scenario)
    assert installed[2, "board"] == 120 and installed[0, "board"] == 60
    rule_units = sum(math.ceil(0.15 * n) for n in installed.values())
    van_units = sum(resources["van"][b]["board"] for b in ("west", "east"))  # one van each
    assert comparison["stock_holding"]["rule"] == pytest.approx((rule_units + van_units) * HOLDING)
    assert comparison["stock_holding"]["plan"] == pytest.approx(sum(holding.values()))
    assert comparison["stock_holding"]["difference"] == pytest.approx(
        comparison["stock_holding"]["rule"] - comparison["stock_holding"]["plan"]
    )
    assert comparison["total_cost"]["rule"] == pytest.approx(rule["cost"]["total"])
    assert comparison["rule_meets_commitments"] == rule["feasible"]
    assert (comparison["worst_miss"] is None) == rule["feasible"]
    for mine, row, theirs in zip(
        data["plan"]["commitments"], comparison["commitments"], rule["commitments"], strict=True
    ):
        assert row["plan_attainment"] == mine["attainment"]["mean"]
        assert row["rule_attainment"] == theirs["attainment"]["mean"]
        assert row["rule_verdict"] == theirs["verdict"]

    from simsvc.terminal import plan_summary

    text = plan_summary(result)
    assert "board at hub (central)" in text and "board in each van at west" in text
    assert "With the plan's staff, stock at 15% of the installed units" in text
