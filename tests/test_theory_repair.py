"""Inventory theory for repairable parts: a depot that repairs the failed units it takes back.

As in ``test_theory_spares``, every visit needs the part and engineers are ample at
the site, so requests reach the depot as a Poisson stream of ``d`` per hour. Each
unit taken is replaced by the failed one it replaces, repaired at the depot in
``R`` hours (any number at once), except a ``c`` share condemned and replaced from
outside after ``T`` hours (or from a supplier after the supply time). The units
out of stock are then an M/G/infinity queue with mean service ``(1 - c) R + c T``,
so by Palm's theorem they are Poisson(d ((1 - c) R + c T)) whatever the
distributions, and the fill rate and mean backorders follow (``theory_helpers``).
"""

from __future__ import annotations

import pytest
from theory_helpers import (
    CONFIDENCE,
    assert_inside,
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
    stock: int, repair: str, condemnation: float, supplier: bool = False
) -> simsvc.Scenario:
    """One base at the only site; its depot repairs; optionally an ample warehouse above it."""
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
{central}
[[part]]
id = "psu"
repairable = true
condemnation = {condemnation}

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
