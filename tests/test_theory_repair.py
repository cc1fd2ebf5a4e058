"""Inventory theory for repairable parts: a depot that repairs the failed units it takes back.

As in ``test_theory_spares``, every visit needs the part and engineers are ample at
the site, so requests reach the depot as a Poisson stream of ``d`` per hour. Each
unit taken is replaced by the failed one it replaces, repaired at the depot in
``R`` hours (any number at once), except a ``c`` share condemned and replaced from
outside after ``T`` hours (or from a supplier after the supply time). The units
out of stock are then an M/G/infinity queue with mean service ``(1 - c) R + c T``,
so by Palm's theorem they are Poisson(d ((1 - c) R + c T)) whatever the
distributions, and the fill rate and mean backorders follow (``theory_helpers``).

With a ``no_fault_found`` share ``p`` of returned units back in stock after the test
time ``F`` instead, the turnaround is ``p F + (1 - p) ((1 - c) R + c T)``: Palm again.
With ``k`` repair slots and exponential repair times, the units in the shop are the
number in an M/M/k queue fed by the failed units (no longer Poisson): the units out of
stock are that number N, so the mean pipeline is L = Lq + d R (Erlang C), the fill rate
P(N <= S - 1) and the mean backorders E[(N - S)+] over N's stationary distribution.
"""

from __future__ import annotations

import pytest
from theory_helpers import (
    CONFIDENCE,
    assert_inside,
    mmc_backorders,
    mmc_fill_rate,
    mmc_mean_number,
    mmc_mean_queue,
    palm_backorders,
    palm_fill_rate,
    t_interval,
    units_for_rate,
)

import simsvc

LOCATION = "[30.59, 114.31]"
FAR = "[31.59, 114.31]"
DEMAND = 0.02
"""Part requests per hour (175.2 a year)."""
REPAIR_HOURS = 5 * 24.0
RESUPPLY_HOURS = 14 * 24.0
SUPPLY_HOURS = 2 * 24.0


def repair_scenario(
    stock: int,
    repair: str,
    condemnation: float,
    supplier: bool = False,
    capacity: int | None = None,
    no_fault: float = 0.0,
    test_time: str | None = None,
) -> simsvc.Scenario:
    """One base at the only site; its depot repairs (``capacity`` units at once, a
    ``no_fault`` share back after ``test_time``); optionally an ample warehouse above it."""
    shop = f"repair_capacity = {capacity}\n" if capacity is not None else ""
    shop += f"nff_time = {test_time}\n" if test_time is not None else ""
    central = ""
    if supplier:
        central = f"""
supplier = "central"
supply_time = {{ dist = "constant", value = "{SUPPLY_HOURS}h" }}

[[depot]]
id = "central"
location = {FAR}
stock = {{ psu = 60 }}
"""
    return simsvc.parse_scenario(f"""
[scenario]
name = "Repairable depot"
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
depot = "store"

[[depot]]
id = "store"
location = {LOCATION}
stock = {{ psu = {stock} }}
{"" if supplier else f'resupply = {{ dist = "constant", value = "{RESUPPLY_HOURS}h" }}'}
repair_time = {repair}
{shop}{central}
[[part]]
id = "psu"
repairable = true
condemnation = {condemnation}
no_fault_found = {no_fault}

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


EXPONENTIAL = f'{{ dist = "exponential", mean = "{REPAIR_HOURS}h" }}'
CONSTANT = f'{{ dist = "constant", value = "{REPAIR_HOURS}h" }}'


@pytest.mark.parametrize(
    ("stock", "repair", "condemnation", "supplier", "seed"),
    [
        (4, EXPONENTIAL, 0.0, False, 701),
        (5, CONSTANT, 0.25, False, 702),
        (4, EXPONENTIAL, 0.3, True, 703),
    ],
    ids=["repair-only", "condemned-from-outside", "condemned-from-supplier"],
)
def test_a_repairing_depot_is_palm_with_the_mean_turnaround(
    stock: int, repair: str, condemnation: float, supplier: bool, seed: int
) -> None:
    """Fill rate and mean backorders against Poisson(d ((1 - c) R + c T)) units out."""
    scenario = repair_scenario(stock, repair, condemnation, supplier)
    result = simsvc.run_experiment(scenario, replications=100, seed=seed, workers=1)
    reps = result.replications
    assert min(r.incidents[0] for r in reps) > 700
    replace = SUPPLY_HOURS if supplier else RESUPPLY_HOURS
    turnaround = (1 - condemnation) * REPAIR_HOURS + condemnation * replace
    fill = t_interval([r.fill_rate["store"] for r in reps])
    backorders = t_interval([r.mean_backorders["store"] for r in reps])
    out = t_interval([r.mean_pipeline["store"] for r in reps])
    what = f"S={stock}, c={condemnation}"
    assert_inside(palm_fill_rate(DEMAND, turnaround, stock), fill, f"fill rate, {what}")
    assert_inside(palm_backorders(DEMAND, turnaround, stock), backorders, f"backorders, {what}")
    assert_inside(DEMAND * turnaround, out, f"units out of stock, {what}")
    if supplier:  # the warehouse sends only the condemned share
        orders = [r.parts["central", "psu"] for r in reps]
        assert all(o.fill_rate == 1.0 for o in orders)
        requests = t_interval([o.mean_pipeline for o in orders])
        assert_inside(DEMAND * condemnation * RESUPPLY_HOURS, requests, "warehouse on order")


NFF_HOURS = 2 * 24.0


@pytest.mark.parametrize(
    ("stock", "condemnation", "seed"),
    [(4, 0.0, 711), (5, 0.25, 712)],
    ids=["no-fault-found", "no-fault-found-and-condemned"],
)
def test_no_fault_found_units_shorten_the_turnaround(
    stock: int, condemnation: float, seed: int
) -> None:
    """A 30% share back after a 2-day test: Palm with p F + (1 - p) ((1 - c) R + c T)."""
    share = 0.3
    test_time = f'{{ dist = "constant", value = "{NFF_HOURS}h" }}'
    scenario = repair_scenario(
        stock, EXPONENTIAL, condemnation, no_fault=share, test_time=test_time
    )
    result = simsvc.run_experiment(scenario, replications=100, seed=seed, workers=1)
    reps = result.replications
    found = (1 - condemnation) * REPAIR_HOURS + condemnation * RESUPPLY_HOURS
    turnaround = share * NFF_HOURS + (1 - share) * found
    fill = t_interval([r.fill_rate["store"] for r in reps])
    backorders = t_interval([r.mean_backorders["store"] for r in reps])
    out = t_interval([r.mean_pipeline["store"] for r in reps])
    what = f"S={stock}, p={share}, c={condemnation}"
    assert_inside(palm_fill_rate(DEMAND, turnaround, stock), fill, f"fill rate, {what}")
    assert_inside(palm_backorders(DEMAND, turnaround, stock), backorders, f"backorders, {what}")
    assert_inside(DEMAND * turnaround, out, f"units out of stock, {what}")
    # only the units with a fault found are repaired: (1 - p)(1 - c) d R in repair
    in_repair = t_interval([r.mean_in_repair["store"] for r in reps])
    repairing = DEMAND * (1 - share) * (1 - condemnation) * REPAIR_HOURS
    assert_inside(repairing, in_repair, f"units in repair, {what}")
    # without the no-fault share the turnaround would be longer: the check tells them apart
    assert palm_backorders(DEMAND, found, stock) > backorders.high


@pytest.mark.parametrize(
    ("slots", "repair_hours", "stock", "seed"),
    [(1, 30.0, 2, 721), (3, 90.0, 3, 722)],
    ids=["one-slot", "three-slots"],
)
def test_a_repair_shop_with_slots_is_an_mmc_queue(
    slots: int, repair_hours: float, stock: int, seed: int
) -> None:
    """``slots`` repair slots, exponential repairs, load 0.6 a slot: the units out of stock
    are M/M/c's number in system; fill rate, backorders and pipeline follow from it."""
    repair = f'{{ dist = "exponential", mean = "{repair_hours}h" }}'
    scenario = repair_scenario(stock, repair, 0.0, capacity=slots)
    result = simsvc.run_experiment(scenario, replications=100, seed=seed, workers=1)
    reps = result.replications
    mu = 1 / repair_hours
    fill = t_interval([r.fill_rate["store"] for r in reps])
    backorders = t_interval([r.mean_backorders["store"] for r in reps])
    out = t_interval([r.mean_pipeline["store"] for r in reps])
    in_repair = t_interval([r.mean_in_repair["store"] for r in reps])
    waiting = t_interval([r.mean_repair_queue["store"] for r in reps])
    what = f"c={slots}, S={stock}"
    assert_inside(mmc_fill_rate(slots, DEMAND, mu, stock), fill, f"fill rate, {what}")
    assert_inside(mmc_backorders(slots, DEMAND, mu, stock), backorders, f"backorders, {what}")
    assert_inside(mmc_mean_number(slots, DEMAND, mu), out, f"units out of stock, {what}")
    assert_inside(mmc_mean_number(slots, DEMAND, mu), in_repair, f"units in the shop, {what}")
    assert_inside(mmc_mean_queue(slots, DEMAND, mu), waiting, f"units waiting for a slot, {what}")
    # unlimited repair (Palm) would be told apart: the slots matter
    assert palm_backorders(DEMAND, repair_hours, stock) < backorders.low
