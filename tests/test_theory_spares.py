"""Inventory theory: one depot with base stock S and one-for-one resupply (Palm's theorem).

Every visit needs the part, engineers are ample and stand at the site (travel 0),
so part requests reach the depot as a Poisson stream of rate d per hour. With an
(S-1, S) policy and resupply time of mean T, the units on order are Poisson(dT)
whatever the resupply distribution (Palm's theorem), so

- fill rate (requests served from stock at once) = P(Poisson(dT) <= S - 1);
- mean backorders = E[(X - S)+], X ~ Poisson(dT).

Each check is a Student-t interval over independent replications of the
per-replication value (see ``theory_helpers``).
"""

from __future__ import annotations

import pytest
from theory_helpers import (
    CONFIDENCE,
    Interval,
    assert_inside,
    palm_backorders,
    palm_fill_rate,
    t_interval,
    units_for_rate,
)

import simsvc
from simsvc.stats import proportion_ci

LOCATION = "[30.59, 114.31]"
DEMAND = 0.02
"""Part requests per hour (175.2 a year)."""
RESUPPLY_HOURS = 14 * 24.0


def depot_scenario(stock: int, resupply: str) -> simsvc.Scenario:
    """One base with ample engineers at the only site, one depot, one part needed every visit."""
    return simsvc.parse_scenario(f"""
[scenario]
name = "Palm depot"
horizon = "1825d"
warmup = "98d"

[[severity]]
id = "S"
onsite_time = {{ dist = "exponential", mean = "1h" }}
part_need = 1.0

[[commitment]]
severity = "S"
metric = "resolution"
within = "24h"

[[base]]
id = "hq"
location = {LOCATION}
engineers = 12
depot = "central"

[[depot]]
id = "central"
location = {LOCATION}
stock = {{ psu = {stock} }}
resupply = {resupply}

[[part]]
id = "psu"
unit_cost = 100

[[equipment]]
id = "unit"
failures_per_year = 0.1
severity_mix = {{ S = 1.0 }}
parts = {{ psu = 1.0 }}

[[site]]
id = "plant"
location = {LOCATION}
equipment = {{ unit = {units_for_rate(DEMAND, 0.1)} }}

[plan]
confidence = {CONFIDENCE}
""")


CONSTANT = f'{{ dist = "constant", value = "{RESUPPLY_HOURS / 24:g}d" }}'
EXPONENTIAL = f'{{ dist = "exponential", mean = "{RESUPPLY_HOURS / 24:g}d" }}'


@pytest.mark.parametrize(
    ("stock", "resupply", "seed"),
    [(4, CONSTANT, 501), (9, CONSTANT, 502), (7, EXPONENTIAL, 503)],
    ids=["S4-constant", "S9-constant", "S7-exponential"],
)
def test_depot_follows_palms_theorem(stock: int, resupply: str, seed: int) -> None:
    """Fill rate and mean backorders of the depot against Poisson(dT) units on order."""
    scenario = depot_scenario(stock, resupply)
    result = simsvc.run_experiment(scenario, replications=100, seed=seed, workers=1)
    reps = result.replications
    assert min(r.incidents[0] for r in reps) > 700

    fill = t_interval([r.fill_rate[0] for r in reps])
    backorders = t_interval([r.mean_backorders[0] for r in reps])
    assert_inside(palm_fill_rate(DEMAND, RESUPPLY_HOURS, stock), fill, f"fill rate, S={stock}")
    assert_inside(
        palm_backorders(DEMAND, RESUPPLY_HOURS, stock), backorders, f"mean backorders, S={stock}"
    )

    # The results JSON reports the same estimates (its confidence is [plan] confidence).
    depot = result.to_dict()["depots"]["central"]
    assert depot["stock"] == {"psu": stock}
    assert depot["mean_backorders"]["mean"] == pytest.approx(backorders.mean, abs=1e-12)
    assert depot["mean_backorders"]["ci_low"] == pytest.approx(backorders.low, abs=1e-12)
    assert depot["mean_backorders"]["ci_high"] == pytest.approx(backorders.high, abs=1e-12)
    # the fill rate is pooled over every replication's requests, with its exact interval
    filled = [r.depot_filled[0] for r in reps if r.depot_filled is not None]
    requests = [r.depot_requests[0] for r in reps if r.depot_requests is not None]
    pooled = proportion_ci(filled, requests, scenario.plan.confidence)
    assert depot["fill_rate"]["mean"] == pytest.approx(sum(filled) / sum(requests), abs=1e-12)
    assert depot["fill_rate"]["ci_low"] == pytest.approx(pooled.ci_low, abs=1e-12)
    assert depot["fill_rate"]["ci_high"] == pytest.approx(pooled.ci_high, abs=1e-12)
    assert_inside(
        palm_fill_rate(DEMAND, RESUPPLY_HOURS, stock),
        Interval(pooled.mean, pooled.ci_low, pooled.ci_high, len(reps), CONFIDENCE),
        f"pooled fill rate, S={stock}",
    )
