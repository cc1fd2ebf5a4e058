"""Van stock and the part's journey from the depot.

Theory: a van of ``S`` units restocked one for one after a constant ``T`` hours from an
ample depot is a one-level base stock of its own, with lost sales: a visit that finds the
van empty takes the part from the depot and orders nothing for the van. By Palm's theorem
for loss systems (Erlang's loss formula, insensitive to the restock distribution) its fill
rate is ``1 - B(S, d T)``, with ``d`` the engineer's demand for the part. Traces: the
part's journey by courier or by the engineer, on exact travel.
"""

from __future__ import annotations

import numpy as np
import pytest
from theory_helpers import (
    CONFIDENCE,
    Interval,
    assert_inside,
    destination,
    erlang_b,
    palm_fill_rate,
    t_interval,
    units_for_rate,
)

import simsvc
from simsvc.experiment import replication_seed
from simsvc.scenario.errors import ScenarioError
from simsvc.stats import proportion_ci

BASE = (30.0, 114.0)
SITE = destination(BASE, 90.0, 20.0)  # 20 km east: 0.5 h at 40 km/h, road factor 1
DEMAND = 0.02  # visits needing the part, per hour


def van_text(van: str = "psu = 2", delivery: str = "instant", stock: int = 100) -> str:
    return f"""
[scenario]
name = "Van stock"
horizon = "365d"
warmup = "30d"
replications = 2

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
location = [{BASE[0]}, {BASE[1]}]
engineers = 1
depot = "store"
van = {{ {van} }}
van_restock = "72h"

[[depot]]
id = "store"
location = [{BASE[0]}, {BASE[1]}]
stock = {{ psu = {stock} }}
resupply = "100h"

[[part]]
id = "psu"

[[equipment]]
id = "unit"
failures_per_year = 0.8
severity_mix = {{ S = 1.0 }}
parts = {{ psu = 1.0 }}

[[site]]
id = "plant"
location = [{SITE[0]!r}, {SITE[1]!r}]
equipment = {{ unit = {units_for_rate(DEMAND, 0.8)} }}

[travel]
speed_kmh = 40
road_factor = 1.0
cv = 0.0
part_delivery = "{delivery}"
"""


@pytest.mark.parametrize("units", [1, 2, 3])
def test_a_van_is_a_base_stock_per_engineer(units: int) -> None:
    """One engineer (2% busy: visits arrive nearly as Poisson), restock 72 h from an ample
    depot: the van's fill rate is 1 - Erlang B(S, d x 72 h). Palm's backorder formula would
    be wrong here (0.24 against 0.41 for S = 1): an empty van loses the order."""
    scenario = simsvc.parse_scenario(van_text(f"psu = {units}"))
    outcomes = [simsvc.simulate(scenario, replication_seed(40 + units, r)) for r in range(60)]
    fills = [o.van_filled / o.van_requests for o in outcomes]
    assert min(o.van_requests for o in outcomes) > 120
    theory = 1 - erlang_b(units, DEMAND * 72.0)
    assert abs(theory - palm_fill_rate(DEMAND, 72.0, units)) > 0.04  # they differ
    assert_inside(theory, t_interval(fills), f"van fill rate, S={units}")
    pooled = proportion_ci(
        [o.van_filled for o in outcomes], [o.van_requests for o in outcomes], CONFIDENCE
    )
    assert_inside(
        theory,
        Interval(pooled.mean, pooled.ci_low, pooled.ci_high, 60, CONFIDENCE),
        f"pooled van fill rate, S={units}",
    )


def test_without_the_part_in_the_van_the_journey_is_real() -> None:
    """An empty van (0 units): by courier the engineer waits the 0.5 h trip from the depot
    at the base; driving, the round trip of 1 h; at hand, nothing."""
    waits = {}
    for delivery in ("instant", "courier", "engineer"):
        scenario = simsvc.parse_scenario(van_text("psu = 0", delivery))
        columns = simsvc.simulate(scenario, replication_seed(7, 0)).columns
        counted = columns["counted"] & ~np.isnan(columns["part_wait"])
        assert counted.sum() > 100
        assert not columns["from_van"][counted].any()
        waits[delivery] = columns["part_wait"][counted]
    assert np.allclose(waits["instant"], 0.0)
    assert np.allclose(waits["courier"], 0.5)
    assert np.allclose(waits["engineer"], 1.0)


def test_parts_from_the_van_wait_for_nothing_and_are_marked() -> None:
    scenario = simsvc.parse_scenario(van_text("psu = 3", "engineer"))
    columns = simsvc.simulate(scenario, replication_seed(8, 0)).columns
    van = columns["counted"] & columns["from_van"]
    assert van.sum() > 50
    assert np.allclose(columns["part_wait"][van], 0.0)
    result = simsvc.run_experiment(scenario, replications=2, seed=8, workers=1)
    fill = result.to_dict()["vans"]["fill_rate"]
    assert fill["ci_low"] <= fill["mean"] <= fill["ci_high"]


def test_a_van_of_an_unknown_part_is_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(van_text("board = 1"))
    assert "base[0].van.board" in str(caught.value)


def test_the_van_table_and_the_stock_table_add_up_to_the_holding_cost() -> None:
    text = van_text("psu = 3", stock=7).replace("engineers = 1", "engineers = 4")
    scenario = simsvc.parse_scenario(text.replace('horizon = "365d"', 'horizon = "30d"'))
    result = simsvc.run_experiment(scenario, replications=1, seed=8, workers=1)
    vans = result.vans()
    assert vans.loc[("hq", "psu"), "level"] == 3
    assert vans.loc[("hq", "psu"), "vans"] == 4  # one van per engineer
    assert vans.loc[("hq", "psu"), "units"] == 12
    holding = result.stock()["holding"].sum() + vans["holding"].sum()
    assert holding == pytest.approx(result.cost()["holding"])
    per_unit = scenario.part[0].unit_cost * scenario.costs.holding_rate
    assert holding == pytest.approx((7 + 12) * per_unit)
