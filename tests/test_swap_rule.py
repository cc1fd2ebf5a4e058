"""The ``swap_after`` rule fires exactly when it should.

At the first visit (``IncidentFlow._arrive``), a unit is swapped when the severity has
``swap_after``, the equipment has a ``spare_unit``, the repair would end (arrival +
estimated part wait + on-site work) later than report + ``swap_after``, swapping would
be quicker, and a spare unit can be had: here from the engineer's home depot, the only
one (the van and lateral supply of spare units: ``test_parts_network.py``). A swap
resolves the incident at arrival + ``swap_time``.

The scenarios here make the on-site work constant (3 h) and spread the sites around
the base so that the arrival clock varies (0 to ~2 h plus trip noise): then the rule can
be checked incident by incident from the records alone.
"""

from __future__ import annotations

import numpy as np
import pytest

import simsvc

WORK = 3.0
SWAP_AFTER = 4.0
SWAP_TIME = 0.5


def swap_scenario(
    *,
    spare_unit: str | None = "unit",
    spare_stock: int = 100_000,
    swap_after: str | None = f"{SWAP_AFTER:g}h",
    swap_time: str = f"{SWAP_TIME * 60:g}min",
    part_need: float = 0.0,
    board_stock: int = 100_000,
    engineers: int = 4,
    horizon: str = "365d",
) -> simsvc.Scenario:
    sites = "\n".join(
        f'[[site]]\nid = "s{i}"\nlocation = [34.0, {108.0 + 0.06 * i:.3f}]\n'
        f"equipment = {{ box = 5 }}\n"
        for i in range(12)
    )
    text = f"""
[scenario]
name = "Swap rule"
horizon = "{horizon}"
warmup = "0d"

[[severity]]
id = "L1"
onsite_time = {{ dist = "constant", value = "{WORK:g}h" }}
part_need = {part_need}
{f'swap_after = "{swap_after}"' if swap_after else ""}
swap_time = "{swap_time}"

[[severity]]
id = "L2"
onsite_time = "{WORK:g}h"
part_need = {part_need}

[[commitment]]
severity = "L1"
metric = "resolution"
within = "{SWAP_AFTER:g}h"

[[base]]
id = "b"
location = [34.0, 108.0]
engineers = {engineers}

[[depot]]
id = "d"
location = [34.0, 108.0]
stock = {{ unit = {spare_stock}, board = {board_stock} }}
resupply = "10d"

[[part]]
id = "unit"

[[part]]
id = "board"

[[equipment]]
id = "box"
failures_per_year = 3
severity_mix = {{ L1 = 0.7, L2 = 0.3 }}
parts = {{ board = 1.0 }}
{f'spare_unit = "{spare_unit}"' if spare_unit else ""}

[travel]
speed_kmh = 40
road_factor = 1.3
cv = 0.4

{sites}
"""
    return simsvc.parse_scenario(text, "swap.toml")


def records(scenario: simsvc.Scenario, seed: int = 1) -> dict[str, np.ndarray]:
    return simsvc.simulate(scenario, seed).columns


UNIT, BOARD = 0, 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_swap_exactly_when_the_repair_would_end_too_late(seed: int) -> None:
    c = records(swap_scenario(), seed)
    l1 = c["severity"] == 0
    assert l1.sum() > 80
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    # both sides of the rule occur, so the check below means something
    assert (late & l1).sum() > 10
    assert (~late & l1).sum() > 10
    np.testing.assert_array_equal(c["swap"], late & l1)


def test_swapped_incidents_resolve_at_arrival_plus_swap_time() -> None:
    c = records(swap_scenario())
    swap = c["swap"]
    assert swap.any()
    np.testing.assert_allclose(
        c["resolution"][swap], c["arrival"][swap] + SWAP_TIME, rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        c["resolution"][~swap], c["arrival"][~swap] + WORK, rtol=0, atol=1e-9
    )
    # a swap draws the spare unit from the home depot
    assert (c["part"][swap] == UNIT).all()
    assert (c["depot"][swap] == 0).all()
    assert (c["part"][~swap] == -1).all()  # part_need = 0: nothing else is drawn
    assert np.isnan(c["part_wait"][swap]).all()


def test_swap_resolves_within_swap_after_when_the_engineer_arrives_in_time() -> None:
    c = records(swap_scenario())
    swap = c["swap"]
    arrival_clock = c["arrival"][swap] - c["report"][swap]
    in_time = arrival_clock + SWAP_TIME <= SWAP_AFTER
    assert in_time.any()
    assert (c["resolution"][swap][in_time] - c["report"][swap][in_time] <= SWAP_AFTER).all()


def test_no_swap_without_a_spare_unit() -> None:
    c = records(swap_scenario(spare_unit=None))
    assert not c["swap"].any()
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    assert (late & (c["severity"] == 0)).any()  # it would have swapped


def test_no_swap_when_the_spare_unit_is_out_of_stock() -> None:
    c = records(swap_scenario(spare_stock=0))
    assert not c["swap"].any()
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    assert (late & (c["severity"] == 0)).any()


def test_no_swap_without_swap_after() -> None:
    c = records(swap_scenario(swap_after=None))
    assert not c["swap"].any()


def test_no_swap_when_swapping_is_not_quicker() -> None:
    # a 4 h swap is slower than the 3 h repair: never swap, however late
    c = records(swap_scenario(swap_time="4h"))
    assert not c["swap"].any()
    # a swap just quicker than the repair does fire
    c = records(swap_scenario(swap_time="2.9h"))
    assert c["swap"].any()


def test_limited_spares_swap_only_while_in_stock() -> None:
    """Two spare units with a 10 d resupply: swaps stop when both are out."""
    scenario = swap_scenario(spare_stock=2)
    c = records(scenario)
    l1 = c["severity"] == 0
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    swap = c["swap"]
    assert not (swap & ~(late & l1)).any()  # never swaps when the rule says no
    # replay the stock: a late L1 incident swaps iff a unit is on hand at its arrival
    order = np.argsort(c["arrival"], kind="stable")
    returns: list[float] = []
    on_hand = 2
    resupply = 240.0
    for i in order:
        if np.isnan(c["arrival"][i]):
            continue
        t = c["arrival"][i]
        on_hand += sum(1 for r in returns if r <= t)
        returns = [r for r in returns if r > t]
        if late[i] and l1[i]:
            assert bool(swap[i]) == (on_hand > 0), f"incident {i} at t = {t:.2f}"
            if swap[i]:
                on_hand -= 1
                returns.append(t + resupply)
    assert swap.sum() >= 2
    assert (late & l1 & ~swap).any()


def test_a_long_part_wait_counts_towards_the_repair_end() -> None:
    """Every visit needs a board and none is stocked: the wait for resupply (10 d) makes
    every L1 repair late, so every L1 incident swaps while spare units are plentiful."""
    c = records(swap_scenario(part_need=1.0, board_stock=0))
    l1 = c["severity"] == 0
    assert l1.sum() > 80
    np.testing.assert_array_equal(c["swap"], l1)
    np.testing.assert_allclose(c["resolution"][l1], c["arrival"][l1] + SWAP_TIME, atol=1e-9)
    assert (c["part"][l1] == UNIT).all()
    # the L2 incidents wait for their board and are repaired on a second visit
    l2 = ~l1
    assert (c["part"][l2] == BOARD).all()
    assert (c["part_wait"][l2] > 0).all()


def test_a_part_at_hand_does_not_trigger_a_swap() -> None:
    """Every visit needs a board and boards are plentiful: the rule is the same as with
    no parts at all (the part wait is 0)."""
    c = records(swap_scenario(part_need=1.0))
    l1 = c["severity"] == 0
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    np.testing.assert_array_equal(c["swap"], late & l1)
    assert (c["part"][l1 & ~c["swap"]] == BOARD).all()
    assert (c["part_wait"][~c["swap"]] == 0).all()


def test_swap_rows_in_the_incident_table() -> None:
    result = simsvc.run_experiment(swap_scenario(horizon="120d"), replications=2, seed=4, workers=1)
    table = result.incidents
    swapped = table[table["swap"]]
    assert len(swapped) > 0
    assert (swapped["part"] == "unit").all()
    assert (swapped["depot"] == "d").all()
    assert (swapped["severity"] == "L1").all()
    took = (swapped["resolution"] - swapped["arrival"]).to_numpy()
    np.testing.assert_allclose(took, SWAP_TIME, atol=1e-9)
