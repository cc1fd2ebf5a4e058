"""Echelons: depots resupplied from a supplier depot (``[[depot]] supplier``).

The rules checked step by step on a :class:`DepotNetwork` in a bare SimPy
environment (times in hours), the file's checks (unknown supplier, cycles), and the
results tables. ``test_theory_echelons.py`` checks the numbers against Palm and METRIC.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pytest
import simpy

import simsvc
from simsvc.model.depots import DepotNetwork, installed_units_using, nearest_depot_of_bases
from simsvc.model.echelons import depot_courier_hours, lead_time_hours, supply_times
from simsvc.scenario.errors import ScenarioError
from simsvc.scenario.units import Constant

NETWORK = """
[scenario]
name = "Two forward depots and a warehouse"
horizon = "60d"
warmup = "5d"

[[severity]]
id = "S"
onsite_time = "1h"
part_need = 1.0

[[commitment]]
severity = "S"
metric = "resolution"
within = "24h"

[[base]]
id = "north"
location = [34.34, 108.94]
engineers = 2
depot = "north-store"

[[base]]
id = "south"
location = [30.00, 109.00]
engineers = 2

[[depot]]
id = "north-store"
location = [34.34, 108.94]
stock = { psu = 1 }
supplier = "central"
supply_time = "10h"

[[depot]]
id = "south-store"
location = [30.00, 109.00]
stock = { psu = 1 }
supplier = "central"
supply_time = "20h"

[[depot]]
id = "central"
location = [30.10, 109.00]
stock = { psu = 1 }
resupply = "100h"

[[part]]
id = "psu"

[[equipment]]
id = "gate"
failures_per_year = 5
severity_mix = { S = 1.0 }
parts = { psu = 1.0 }

[[site]]
id = "n1"
location = [34.30, 108.90]
equipment = { gate = 10 }

[[site]]
id = "s1"
location = [30.05, 109.05]
equipment = { gate = 30 }
"""
NORTH, SOUTH, CENTRAL, PSU = 0, 1, 2, 0


def network(text: str = NETWORK) -> tuple[simpy.Environment, DepotNetwork]:
    scenario = simsvc.parse_scenario(text)
    env = simpy.Environment()
    rngs = [np.random.default_rng(k) for k in range(len(scenario.depot))]
    depots = DepotNetwork(
        env,
        scenario,
        rngs,
        depot_courier_hours(scenario),
        (0.0, 1e9),
        supply=rngs,
        repair=[np.random.default_rng(10 + k) for k in range(len(rngs))],
        condemnation=[np.random.default_rng(20 + k) for k in range(len(rngs))],
    )
    return env, depots


def test_a_forward_depot_draws_its_replacement_from_the_supplier() -> None:
    env, depots = network()
    depots.request(NORTH, PSU)
    depots.take(NORTH, PSU)
    assert depots.on_hand[CENTRAL][PSU] == 0  # the warehouse's unit is on its way north
    assert depots.due[NORTH][PSU] == [10.0]
    assert depots.due[CENTRAL][PSU] == [100.0]  # and the warehouse reorders from outside
    assert (depots.requests[CENTRAL], depots.filled[CENTRAL]) == (1, 1)
    env.run(until=11)
    assert depots.on_hand[NORTH][PSU] == 1


def test_orders_backordered_at_the_supplier_are_filled_first_come_first_served() -> None:
    env, depots = network()
    depots.take(NORTH, PSU)  # t = 0: takes the warehouse's only unit
    env.run(until=1)
    depots.take(SOUTH, PSU)  # t = 1: the warehouse is out; south waits there
    env.run(until=2)
    depots.request(NORTH, PSU)
    arrived: list[float] = []
    estimate = depots.backorder(NORTH, PSU, lambda: arrived.append(env.now))  # t = 2
    assert depots.requests[CENTRAL] == 3 and depots.filled[CENTRAL] == 1
    # north-store's unit (due at 10) is claimed by nobody; the backorder gets it
    assert estimate == 10.0
    env.run(until=10.5)
    assert arrived == [10.0]
    # the warehouse's units arrive at 100 (for north's first order), 101, 102: south's
    # order (waiting since t = 1) gets the first, north's at t = 2 the second
    env.run(until=100.5)
    assert depots.due[SOUTH][PSU] == [120.0]
    env.run(until=101.5)
    assert depots.due[NORTH][PSU] == [111.0]
    env.run(until=130)
    assert depots.on_hand[NORTH][PSU] == 1 and depots.on_hand[SOUTH][PSU] == 1
    assert depots.on_hand[CENTRAL][PSU] == 1  # its third unit, at 102, found nobody waiting
    assert depots.waiting[CENTRAL][PSU] == deque()


def test_an_order_waiting_upstream_is_expected_after_the_supplier_and_the_trip() -> None:
    _, depots = network()
    depots.take(SOUTH, PSU)  # the warehouse's unit goes south (due 20)
    depots.take(NORTH, PSU)  # north's order waits at the warehouse for its unit at 100
    assert depots.due[NORTH][PSU] == []
    # a request now at north waits for that order: 100 at the warehouse + 10 h supply
    assert depots.latest_arrival(NORTH, PSU) == 110.0
    # two units are due at the warehouse at 100; north's order claims one
    assert depots.latest_arrival(CENTRAL, PSU) == 100.0
    # a request at the south store, out now, gets the unit due at 20; its order waits at
    # the warehouse behind north's, for the second unit at 100, so the next request's unit
    # should come at 100 + 20
    assert depots.backorder(SOUTH, PSU, lambda: None) == 20.0
    assert depots.latest_arrival(SOUTH, PSU) == 100.0 + 20.0


def test_lateral_supply_is_between_forward_depots_only() -> None:
    env, depots = network(
        NETWORK.replace("stock = { psu = 1 }\nresupply", "stock = { psu = 3 }\nresupply")
    )
    depots.take(NORTH, PSU)
    assert depots.nearest_with_stock(NORTH, PSU) == SOUTH
    depots.take(SOUTH, PSU)
    assert depots.on_hand[CENTRAL][PSU] == 1
    assert depots.nearest_with_stock(NORTH, PSU) is None  # never from the warehouse
    env.run(until=50)
    assert depots.on_hand[NORTH][PSU] == 1 and depots.on_hand[SOUTH][PSU] == 1
    depots.take(CENTRAL, PSU)
    assert depots.nearest_with_stock(CENTRAL, PSU) is None  # nor to it


def test_a_base_without_depot_draws_from_the_nearest_forward_depot() -> None:
    scenario = simsvc.parse_scenario(NETWORK)
    assert nearest_depot_of_bases(scenario) == [NORTH, SOUTH]
    store = 'location = [30.00, 109.00]\nstock = { psu = 1 }\nsupplier = "central"'
    assert NETWORK.count(store) == 1
    moved = NETWORK.replace(store, store.replace("30.00", "31.00"))  # 111 km away
    assert nearest_depot_of_bases(simsvc.parse_scenario(moved)) == [NORTH, SOUTH]


def test_a_shares_rule_at_a_supplier_counts_the_sites_below_it() -> None:
    units = installed_units_using(simsvc.parse_scenario(NETWORK))
    assert units[NORTH, "psu"] == 10 and units[SOUTH, "psu"] == 30
    assert units[CENTRAL, "psu"] == 40


def test_supply_time_defaults_to_the_courier_trip_from_the_supplier() -> None:
    text = NETWORK.replace('supply_time = "10h"\n', "")
    scenario = simsvc.parse_scenario(text)
    courier = depot_courier_hours(scenario)
    times = supply_times(scenario, courier)
    assert times[CENTRAL] is None and times[SOUTH] == Constant(value=20.0)
    north = times[NORTH]
    assert isinstance(north, Constant)
    km = 4.24 * 111.2  # about 4.24 degrees of latitude south
    hours = km * scenario.travel.road_factor / scenario.travel.speed_kmh
    assert north.value == pytest.approx(hours, rel=0.01)
    assert north.value == courier[CENTRAL][NORTH]


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        (
            'supplier = "central"\nsupply_time = "10h"',
            'supplier = "centre"',
            "depot[0].supplier",
            ("unknown depot 'centre'", "central"),
        ),
        (
            'resupply = "100h"',
            'supplier = "north-store"',
            "depot[0].supplier",
            ("cycle", "'north-store' -> 'central' -> 'north-store'", "depot[2].supplier"),
        ),
        (
            'supplier = "central"\nsupply_time = "10h"',
            'supplier = "north-store"',
            "depot[0].supplier",
            ("cycle", "'north-store' -> 'north-store'"),
        ),
        ('resupply = "100h"', 'supply_time = "3h"', "depot[2].supply_time", ("supplier",)),
    ],
    ids=["unknown", "cycle", "own-supplier", "supply-time-without-supplier"],
)
def test_bad_suppliers_are_errors_naming_the_key_path(
    old: str, new: str, path: str, words: tuple[str, ...]
) -> None:
    assert NETWORK.count(old) == 1
    with pytest.raises(ScenarioError) as raised:
        simsvc.parse_scenario(NETWORK.replace(old, new))
    message = str(raised.value)
    assert path in message
    for word in words:
        assert word in message


def test_three_echelons_run_and_report_every_depot() -> None:
    text = (
        NETWORK.replace('resupply = "100h"', 'supplier = "national"\nsupply_time = "2d"')
        + """
[[depot]]
id = "national"
location = [39.90, 116.40]
stock = { psu = 2 }
resupply = "10d"
"""
    )
    result = simsvc.run_experiment(simsvc.parse_scenario(text), replications=2, seed=3, workers=1)
    data = result.to_dict()["depots"]
    assert data["central"]["supplier"] == "national" and data["national"]["supplier"] is None
    for entry in data.values():
        assert {"stock", "fill_rate", "mean_backorders", "mean_on_hand", "mean_pipeline"} <= set(
            entry
        )
    table = result.depots()
    assert table.loc["north-store", "supplier"] == "central"
    stock = result.stock()
    for depot in ("north-store", "south-store", "central", "national"):
        row = stock.loc[(depot, "psu")]
        # on hand + on order - backorders = base stock, on average too
        assert row["mean_on_hand"] + row["mean_pipeline"] - row["mean_backorders"] == (
            pytest.approx(row["level"], abs=1e-9)
        )
        assert table.loc[depot, "mean_on_hand"] == pytest.approx(row["mean_on_hand"])
    assert data["national"]["fill_rate"]["mean"] < 1  # it is short: its child waits
    assert not math.isnan(table.loc["national", "fill_rate"])


def test_the_planner_sees_a_suppliers_demand_and_a_forward_depots_lead_time() -> None:
    from simsvc.planner.analytic import offered_loads

    scenario = simsvc.parse_scenario(NETWORK)
    demand = offered_loads(scenario).part_demand
    assert demand[NORTH, PSU] == pytest.approx(10 * 5 / 8760)
    assert demand[SOUTH, PSU] == pytest.approx(30 * 5 / 8760)
    assert demand[CENTRAL, PSU] == pytest.approx(demand[NORTH, PSU] + demand[SOUTH, PSU])
    assert lead_time_hours(scenario) == [[10.0], [20.0], [100.0]]


# -- repairable parts ---------------------------------------------------------------------------


def test_a_failed_unit_is_repaired_where_it_was_taken_and_condemned_units_are_ordered() -> None:
    text = NETWORK.replace('[[part]]\nid = "psu"', '[[part]]\nid = "psu"\nrepairable = true')
    text = text.replace('supply_time = "10h"', 'supply_time = "10h"\nrepair_time = "3h"')
    _, depots = network(text)
    depots.take(NORTH, PSU)
    assert depots.due[NORTH][PSU] == [3.0]  # back from repair, nothing asked of the warehouse
    assert depots.on_hand[CENTRAL][PSU] == 1 and depots.requests[CENTRAL] == 0
    depots.take(SOUTH, PSU)  # the south store does not repair: it orders from the warehouse
    assert depots.on_hand[CENTRAL][PSU] == 0 and depots.due[SOUTH][PSU] == [20.0]
    scrapped = text.replace("repairable = true", "repairable = true\ncondemnation = 1.0")
    _, depots = network(scrapped)
    depots.take(NORTH, PSU)
    assert depots.due[NORTH][PSU] == [10.0] and depots.on_hand[CENTRAL][PSU] == 0


def test_a_repairable_part_without_a_repairing_depot_is_a_consumable_bit_for_bit() -> None:
    plain = simsvc.parse_scenario(NETWORK)
    marked = simsvc.parse_scenario(
        NETWORK.replace('[[part]]\nid = "psu"', '[[part]]\nid = "psu"\nrepairable = true')
    )
    first = simsvc.run_experiment(plain, replications=2, seed=5, workers=1).to_dict()
    second = simsvc.run_experiment(marked, replications=2, seed=5, workers=1).to_dict()
    assert first["depots"] == second["depots"] and first["commitments"] == second["commitments"]


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            '[[part]]\nid = "psu"',
            '[[part]]\nid = "psu"\ncondemnation = 0.1',
            "part[0].condemnation",
        ),
        ('[[part]]\nid = "psu"', '[[part]]\nid = "psu"\nrepairable = 1', "part[0].repairable"),
    ],
    ids=["condemnation-without-repairable", "repairable-not-a-boolean"],
)
def test_bad_repairables_are_errors_naming_the_key_path(old: str, new: str, path: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        simsvc.parse_scenario(NETWORK.replace(old, new))
    assert path in str(raised.value)


def test_a_sweep_varies_supply_and_repair_times() -> None:
    from simsvc.scenario.variation import resolve

    scenario = simsvc.parse_scenario(NETWORK)
    assert resolve("depot.north-store.supply_time", scenario)[0] == (
        "depot",
        0,
        "supply_time",
    )
    assert resolve("depot.central.repair_time", scenario)[0] == ("depot", 2, "repair_time")
    varied = scenario.evolve({"depot.north-store.supply_time": "1d"})
    assert varied.depot[0].supply_time == Constant(value=24.0)
    with pytest.raises(ScenarioError, match=r"depot\[2\]\.supply_time"):
        scenario.evolve({"depot.central.supply_time": "1d"})
