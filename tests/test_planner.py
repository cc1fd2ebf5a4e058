"""The planner against brute force, its analytic bounds, and its verification."""

from __future__ import annotations

import itertools
import math

import pytest
from scipy import stats

import simsvc
from simsvc.planner.analytic import (
    erlang_c,
    erlang_c_mean_wait,
    palm_backorders,
    palm_fill_rate,
    palm_stock_for,
)
from simsvc.planner.candidates import Candidate, Evaluation, Evaluator, PlanSpace
from simsvc.planner.search import analytic_start, plan, search_plan

HEAD = """
[scenario]
name = "{name}"
horizon = "120d"
warmup = "7d"
replications = 6
seed = {seed}

[costs]
engineer_per_year = 150000
holding_rate = 0.25

[plan]
confidence = 0.9
max_engineers_per_base = 4
max_stock_per_part = 5

[travel]
speed_kmh = 40
road_factor = 1.3
cv = 0.3
"""

TWO_BASES_TWO_PARTS = (
    HEAD
    + """
[[severity]]
id = "L1"
onsite_time = { dist = "lognormal", mean = "3h", cv = 0.5 }
part_need = 0.6

[[commitment]]
severity = "L1"
metric = "arrival"
within = "2h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "24h"
goal = 0.85

[[base]]
id = "north"
location = [34.40, 108.95]
engineers = 1
depot = "store"

[[base]]
id = "south"
location = [34.10, 108.95]
engineers = 1
depot = "store"

[[depot]]
id = "store"
location = [34.27, 108.95]
stock = { psu = 1, board = 1 }
resupply = "10d"

[[part]]
id = "psu"
unit_cost = 4000

[[part]]
id = "board"
unit_cost = 12000

[[equipment]]
id = "gate"
failures_per_year = 2.0
severity_mix = { L1 = 1.0 }
parts = { psu = 0.7, board = 0.3 }

[[site]]
id = "n1"
location = [34.42, 108.97]
equipment = { gate = 60 }

[[site]]
id = "s1"
location = [34.08, 108.93]
equipment = { gate = 60 }

[[site]]
id = "c1"
location = [34.26, 108.90]
equipment = { gate = 40 }
"""
)

ONE_BASE_ONE_PART = (
    HEAD
    + """
[[severity]]
id = "L1"
priority = 1
onsite_time = { dist = "exponential", mean = "2h" }
part_need = 0.5
[[severity]]
id = "L2"
priority = 2
onsite_time = { dist = "exponential", mean = "2h" }

[[commitment]]
severity = "L1"
metric = "arrival"
within = "1h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "12h"
goal = 0.8

[[base]]
id = "hq"
location = [30.66, 104.06]
engineers = 1
depot = "hq"

[[depot]]
id = "hq"
location = [30.66, 104.06]
stock = { module = 1 }
resupply = { dist = "exponential", mean = "7d" }

[[part]]
id = "module"
unit_cost = 8000

[[equipment]]
id = "cabinet"
failures_per_year = 3.0
severity_mix = { L1 = 0.4, L2 = 0.6 }
parts = { module = 1.0 }

[[site]]
id = "a"
location = [30.67, 104.07]
equipment = { cabinet = 120 }
"""
)

TWO_BASES_TWO_DEPOTS = (
    HEAD
    + """
[[severity]]
id = "L1"
onsite_time = { dist = "gamma", mean = "2h", cv = 0.7 }
part_need = 0.8

[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "8h"
goal = 0.7

[[base]]
id = "west"
location = [34.34, 108.94]
engineers = 1
depot = "west"

[[base]]
id = "east"
location = [34.50, 109.50]
engineers = 1
depot = "east"

[[depot]]
id = "west"
location = [34.34, 108.94]
stock = { unit = 1 }
resupply = "5d"

[[depot]]
id = "east"
location = [34.50, 109.50]
stock = { unit = 1 }
resupply = "5d"

[[part]]
id = "unit"
unit_cost = 20000

[[equipment]]
id = "camera"
failures_per_year = 1.0
severity_mix = { L1 = 1.0 }
parts = { unit = 1.0 }

[[site]]
id = "w1"
location = [34.30, 108.90]
equipment = { camera = 150 }

[[site]]
id = "e1"
location = [34.52, 109.48]
equipment = { camera = 150 }
"""
)

# Two forward depots under a central one (stock at both echelons), with tighter bounds
# so that brute force stays small: 8 staffings x 64 stock levels.
CENTRAL_AND_FORWARD = (
    HEAD.replace("max_engineers_per_base = 4", "max_engineers_per_base = 2").replace(
        "max_stock_per_part = 5", "max_stock_per_part = 3"
    )
    + """
[[severity]]
id = "L1"
onsite_time = { dist = "gamma", mean = "2h", cv = 0.7 }
part_need = 0.8

[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "30h"
goal = 0.8

[[base]]
id = "west"
location = [34.34, 108.94]
engineers = 1
depot = "west"

[[base]]
id = "east"
location = [34.50, 109.50]
engineers = 1
depot = "east"

[[depot]]
id = "west"
location = [34.34, 108.94]
stock = { unit = 1 }
supplier = "hub"
supply_time = "1d"

[[depot]]
id = "east"
location = [34.50, 109.50]
stock = { unit = 1 }
supplier = "hub"
supply_time = "1d"

[[depot]]
id = "hub"
location = [34.42, 109.22]
stock = { unit = 1 }
resupply = "6d"

[[part]]
id = "unit"
unit_cost = 20000

[[equipment]]
id = "camera"
failures_per_year = 1.0
severity_mix = { L1 = 1.0 }
parts = { unit = 1.0 }

[[site]]
id = "w1"
location = [34.30, 108.90]
equipment = { camera = 100 }

[[site]]
id = "e1"
location = [34.52, 109.48]
equipment = { camera = 100 }
"""
)

# Six resources (engineers at three bases, stock at their three depots), with bounds that
# keep brute force small: 26 staffings x 27 stock levels.
THREE_BASES_THREE_DEPOTS = (
    HEAD.replace("max_engineers_per_base = 4", "max_engineers_per_base = 2").replace(
        "max_stock_per_part = 5", "max_stock_per_part = 2"
    )
    + """
[[severity]]
id = "L1"
onsite_time = { dist = "gamma", mean = "2h", cv = 0.7 }
part_need = 0.7

[[commitment]]
severity = "L1"
metric = "arrival"
within = "3h"
goal = 0.85

[[commitment]]
severity = "L1"
metric = "resolution"
within = "12h"
goal = 0.75
"""
    + "".join(
        f"""
[[base]]
id = "{name}"
location = [{lat}, {lon}]
engineers = 1
depot = "{name}"

[[depot]]
id = "{name}"
location = [{lat}, {lon}]
stock = {{ unit = 1 }}
resupply = "{resupply}"

[[site]]
id = "{name}-site"
location = [{lat + 0.03}, {lon + 0.03}]
equipment = {{ camera = {cameras} }}
"""
        for name, lat, lon, resupply, cameras in [
            ("west", 34.34, 108.94, "4d", 150),
            ("east", 34.50, 109.50, "6d", 100),
            ("south", 33.90, 109.20, "5d", 60),
        ]
    )
    + """
[[part]]
id = "unit"
unit_cost = 20000

[[equipment]]
id = "camera"
failures_per_year = 1.0
severity_mix = { L1 = 1.0 }
parts = { unit = 1.0 }
"""
)

INSTANCES = {
    "two bases, two parts": TWO_BASES_TWO_PARTS,
    "one base, one part, two severities": ONE_BASE_ONE_PART,
    "two bases, two depots": TWO_BASES_TWO_DEPOTS,
    "two forward depots under a central one": CENTRAL_AND_FORWARD,
    "six resources: three bases, three depots": THREE_BASES_THREE_DEPOTS,
}


def _scenario(text: str, name: str, seed: int) -> simsvc.Scenario:
    return simsvc.parse_scenario(text.replace("{name}", name).replace("{seed}", str(seed)))


def _grid(space: PlanSpace) -> list[Candidate]:
    bounds = space.scenario.plan
    engineers = range(0, bounds.max_engineers_per_base + 1)
    stock = range(0, bounds.max_stock_per_part + 1)
    grid = []
    for staff in itertools.product(engineers, repeat=len(space.scenario.base)):
        if sum(staff) == 0:
            continue
        for levels in itertools.product(stock, repeat=len(space.stock_keys)):
            grid.append(Candidate(tuple(staff), None, tuple(levels)))
    return grid


@pytest.mark.parametrize("name", list(INSTANCES))
def test_plan_cost_within_two_percent_of_brute_force(name: str) -> None:
    scenario = _scenario(INSTANCES[name], name, seed=7)
    space = PlanSpace(scenario)
    evaluator = Evaluator(space, seed=7, replications=scenario.scenario.replications)
    found = search_plan(evaluator, analytic_start(space))
    assert found.feasible, f"{name}: the search found no feasible plan"

    grid = _grid(space)
    evaluations = evaluator.evaluate_many(grid)  # same seeds, same rule, cached where shared
    feasible = [e for e in evaluations if e.feasible]
    assert feasible, f"{name}: brute force found no feasible plan"

    def cost(evaluation: Evaluation) -> float:
        return evaluation.total(with_penalties=False)  # resources only (simsvc.cost)

    optimum = min(cost(e) for e in feasible)
    assert cost(found) <= 1.02 * optimum, (
        name,
        found.candidate,
        min(feasible, key=cost).candidate,
    )


def test_plan_is_verified_on_fresh_seeds_and_compared() -> None:
    scenario = _scenario(TWO_BASES_TWO_PARTS, "verified", seed=3)
    result = plan(scenario, workers=1)
    data = result.to_dict()
    assert data["plan"]["resources"] == result.resources(result.verification.candidate)
    # The verification used other replications than the search.
    search_seeds = {r.attainment[0] for r in result.search.result.replications}
    verify_seeds = {r.attainment[0] for r in result.verification.result.replications}
    assert search_seeds != verify_seeds
    assert data["feasible"] == result.verification.feasible
    assert data["current"]["resources"]["engineers"] == {"north": 1, "south": 1}
    rule = data["stock_rule_15_percent"]["resources"]["stock"]["store"]
    # 15% of the 160 installed gates: 24 units of each part (the rule, not capped by [plan]).
    assert rule == {"psu": math.ceil(0.15 * 160), "board": math.ceil(0.15 * 160)}
    assert data["simulations"] > 0 and data["replication_years"] > 0
    assert data["plan"]["cost"]["total"] == pytest.approx(
        sum(v for k, v in data["plan"]["cost"].items() if k != "total")
    )


def test_unreachable_goal_is_reported_not_hidden() -> None:
    text = TWO_BASES_TWO_PARTS.replace('within = "2h"\ngoal = 0.9', 'within = "5min"\ngoal = 0.9')
    result = plan(_scenario(text, "impossible", 5), replications=3, workers=1)
    assert not result.feasible
    assert any("arrival <= 5min" in step for step in result.steps)


def test_erlang_c_textbook_value() -> None:
    # M/M/5 at 4 erlangs: P(wait) = 0.5541 (a textbook value), mean wait 0.5541 h for mu = 1.
    assert erlang_c(5, 4.0) == pytest.approx(0.55411, abs=1e-5)
    assert erlang_c_mean_wait(5, 4.0, 1.0) == pytest.approx(0.55411, abs=1e-5)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang_c(3, 3.0) == 1.0


def test_palm_formulas() -> None:
    demand, lead = 0.01, 300.0  # 3 units on order on average
    for stock in range(0, 8):
        assert palm_fill_rate(stock, demand, lead) == pytest.approx(
            stats.poisson.cdf(stock - 1, 3.0) if stock > 0 else 0.0
        )
        expected = sum((x - stock) * stats.poisson.pmf(x, 3.0) for x in range(stock, 200))
        assert palm_backorders(stock, demand, lead) == pytest.approx(expected, abs=1e-9)
    level = palm_stock_for(0.9, demand, lead)
    assert palm_fill_rate(level, demand, lead) >= 0.9 > palm_fill_rate(level - 1, demand, lead)


def test_every_clock_names_the_resources_that_move_it() -> None:
    from typing import get_args

    from simsvc.planner.search import RELEVANT
    from simsvc.scenario.schema import Metric

    assert set(RELEVANT) == set(get_args(Metric))
    kinds = {"engineer", "agent", "remote", "stock", "van"}
    assert all(moves and moves <= kinds for moves in RELEVANT.values())
