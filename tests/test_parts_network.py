"""The spare-parts network as it runs: diagnosis at a first visit without the part, spare
units for swaps drawn through the van, the home depot and lateral supply, the repair
shop's keys, and the depot results that count them.

These are rules checked incident by incident on scenarios whose times are exact
(constant work, resupply and courier times, sites at the base), so each assertion is an
identity, not a statistic; the theory of the repair shop is in ``test_theory_repair.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import simsvc
from simsvc.model.echelons import depot_courier_hours
from simsvc.scenario.errors import ScenarioError

RESUPPLY = 100.0
DIAGNOSIS = 1.5


def diagnosis_scenario(
    diagnosis: str | None, engineers: int = 1, stock: int = 0, resupply: float = RESUPPLY
) -> simsvc.Scenario:
    """Every visit needs a part; with no stock the depot never has it on hand, and every
    first visit lacks it."""
    key = f"diagnosis_time = {diagnosis}" if diagnosis else ""
    return simsvc.parse_scenario(f"""
[scenario]
name = "Diagnosis"
horizon = "365d"
warmup = "30d"

[[severity]]
id = "S"
onsite_time = {{ dist = "exponential", mean = "1h" }}
part_need = 1.0
{key}

[[commitment]]
severity = "S"
metric = "resolution"
within = "24h"

[[base]]
id = "hq"
location = [30.0, 114.0]
engineers = {engineers}

[[depot]]
id = "store"
location = [30.0, 114.0]
stock = {{ psu = {stock} }}
resupply = "{resupply:g}h"

[[part]]
id = "psu"

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}
parts = {{ psu = 1.0 }}

[[site]]
id = "plant"
location = [30.0, 114.0]
equipment = {{ unit = 438 }}
""")


CONSTANT_DIAGNOSIS = f'{{ dist = "constant", value = "{DIAGNOSIS}h" }}'


def test_a_first_visit_without_the_part_diagnoses_then_orders_it() -> None:
    """The part is ordered when the diagnosis ends: with a constant resupply every part
    wait (from the first arrival) is the diagnosis plus the resupply, to the minute."""
    c = simsvc.simulate(diagnosis_scenario(CONSTANT_DIAGNOSIS), 5).columns
    seen = ~np.isnan(c["arrival"])
    assert seen.sum() > 300
    np.testing.assert_allclose(c["part_wait"][seen], DIAGNOSIS + RESUPPLY, atol=1e-9)
    plain = simsvc.simulate(diagnosis_scenario(None), 5).columns
    seen = ~np.isnan(plain["arrival"])
    np.testing.assert_allclose(plain["part_wait"][seen], RESUPPLY, atol=1e-9)


def test_a_unit_that_arrives_during_the_diagnosis_is_used_on_this_visit() -> None:
    """One unit in stock, back 2 h after it is taken: a visit that finds the depot out
    asks again after its 1.5 h diagnosis; when the unit is back by then, the repair is
    done on this visit (part wait = the diagnosis), else it waits for the unit."""
    c = simsvc.simulate(diagnosis_scenario(CONSTANT_DIAGNOSIS, stock=1, resupply=2.0), 5).columns
    seen = ~np.isnan(c["arrival"])
    wait = c["part_wait"][seen]
    at_hand = np.isclose(wait, 0.0, atol=1e-9)
    after_diagnosis = np.isclose(wait, DIAGNOSIS, atol=1e-9)
    waited = wait > DIAGNOSIS + 1e-9
    assert at_hand.sum() > 100 and after_diagnosis.sum() > 3 and waited.sum() > 3
    assert (at_hand | after_diagnosis | waited).all()
    # a wait never exceeds the diagnosis plus the 2 h resupply of the unit it waits for
    assert wait.max() <= DIAGNOSIS + 2.0 + 1e-9


def test_the_engineer_stays_on_site_for_the_diagnosis() -> None:
    """One engineer, sites at the base (no travel): no first visit starts before the last
    one's diagnosis is over; without the key some do (the check bites)."""

    def gaps(columns: dict[str, np.ndarray]) -> np.ndarray:
        arrivals = np.sort(columns["arrival"][~np.isnan(columns["arrival"])])
        return np.diff(arrivals)

    with_diagnosis = gaps(simsvc.simulate(diagnosis_scenario(CONSTANT_DIAGNOSIS), 6).columns)
    assert with_diagnosis.min() >= DIAGNOSIS - 1e-9
    without = gaps(simsvc.simulate(diagnosis_scenario(None), 6).columns)
    assert (without < DIAGNOSIS).sum() > 5


def test_diagnosis_draws_leave_every_other_draw_alone() -> None:
    """The diagnosis comes from its own stream: the faults, their on-site work and the
    travel factors are the same with and without it."""
    with_diagnosis = simsvc.simulate(diagnosis_scenario(CONSTANT_DIAGNOSIS, 3), 7).columns
    without = simsvc.simulate(diagnosis_scenario(None, 3), 7).columns
    np.testing.assert_array_equal(with_diagnosis["report"], without["report"])
    first = ~np.isnan(without["arrival"])
    # three engineers at the site: every first visit starts on arrival of the report
    np.testing.assert_allclose(with_diagnosis["arrival"][first], without["arrival"][first])
    done = ~np.isnan(without["resolution"]) & ~np.isnan(with_diagnosis["resolution"])
    late = with_diagnosis["resolution"][done] - without["resolution"][done]
    assert np.median(late) == pytest.approx(DIAGNOSIS, abs=1e-6)


WORK, SWAP_AFTER, SWAP_TIME = 3.0, 4.0, 0.5


def swap_network(
    home_units: int,
    far_units: int = 100_000,
    van: str = "",
    repairable: bool = False,
) -> simsvc.Scenario:
    """A base whose own depot keeps ``home_units`` spare units and a depot 0.2 degrees east
    with ``far_units``; sites around the base so that some repairs end too late."""
    sites = "\n".join(
        f'[[site]]\nid = "s{i}"\nlocation = [34.0, {108.0 + 0.06 * i:.3f}]\n'
        f"equipment = {{ box = 5 }}\n"
        for i in range(12)
    )
    repair = 'repair_time = "5d"' if repairable else ""
    return simsvc.parse_scenario(f"""
[scenario]
name = "Swap chain"
horizon = "365d"
warmup = "0d"

[[severity]]
id = "L1"
onsite_time = {{ dist = "constant", value = "{WORK:g}h" }}
swap_after = "{SWAP_AFTER:g}h"
swap_time = "{SWAP_TIME * 60:g}min"

[[commitment]]
severity = "L1"
metric = "resolution"
within = "{SWAP_AFTER:g}h"

[[base]]
id = "b"
location = [34.0, 108.0]
engineers = 4
depot = "home"
{van}

[[depot]]
id = "home"
location = [34.0, 108.0]
stock = {{ unit = {home_units} }}
resupply = "10d"

[[depot]]
id = "far"
location = [34.0, 108.2]
stock = {{ unit = {far_units} }}
resupply = "10d"
{repair}

[[part]]
id = "unit"
repairable = {str(repairable).lower()}

[[equipment]]
id = "box"
failures_per_year = 3
severity_mix = {{ L1 = 1.0 }}
spare_unit = "unit"

[travel]
cv = 0.4

{sites}
""")


def test_a_swap_unit_comes_by_courier_from_the_nearest_depot_with_one() -> None:
    """The home depot has none: the unit comes from the other depot, the engineer waits
    for the courier on site, and the other depot counts the lateral shipment."""
    scenario = swap_network(home_units=0)
    courier = float(depot_courier_hours(scenario)[1][0])
    assert 0.5 < courier < WORK - SWAP_TIME
    result = simsvc.run_experiment(scenario, replications=2, seed=3, workers=1, keep_incidents=True)
    c = simsvc.simulate(scenario, 3).columns
    late = (c["arrival"] - c["report"]) + WORK > SWAP_AFTER
    swap = c["swap"]
    assert swap.sum() > 20
    np.testing.assert_array_equal(swap, late)
    np.testing.assert_allclose(
        c["resolution"][swap], c["arrival"][swap] + courier + SWAP_TIME, atol=1e-9
    )
    assert (c["depot"][swap] == 1).all()
    np.testing.assert_allclose(c["part_wait"][swap], courier, atol=1e-9)
    # the shipments, a year, in the results: per depot and per part
    swaps_per_year = np.mean([r.lateral_shipments["far"] for r in result.replications])
    table = result.incidents
    assert swaps_per_year == pytest.approx(table["swap"].sum() / 2, rel=1e-9)
    depots = result.to_dict()["depots"]
    assert depots["far"]["lateral_shipments_per_year"]["mean"] == pytest.approx(swaps_per_year)
    assert depots["home"]["lateral_shipments_per_year"]["mean"] == 0
    far_unit = depots["far"]["parts"]["unit"]
    assert far_unit["lateral_shipments_per_year"] == pytest.approx(swaps_per_year)
    assert set(far_unit) >= {"fill_rate", "mean_backorders", "mean_on_hand", "mean_pipeline"}
    # every swap was asked for at home first, and home had none
    assert depots["home"]["fill_rate"]["mean"] == 0
    assert result.depots().loc["far", "lateral_shipments_per_year"] == pytest.approx(swaps_per_year)


def test_a_swap_prefers_the_home_depot_and_no_unit_means_no_swap() -> None:
    c = simsvc.simulate(swap_network(home_units=100_000), 3).columns
    assert c["swap"].any()
    assert (c["depot"][c["swap"]] == 0).all()
    assert np.isnan(c["part_wait"][c["swap"]]).all()
    c = simsvc.simulate(swap_network(home_units=0, far_units=0), 3).columns
    assert not c["swap"].any()


def test_a_lateral_swap_sends_the_failed_unit_to_the_depot_that_gave_the_good_one() -> None:
    """A repairable unit from the far depot: its failed unit is repaired there."""
    result = simsvc.run_experiment(
        swap_network(home_units=0, repairable=True), replications=2, seed=3, workers=1
    )
    for r in result.replications:
        assert r.mean_in_repair is not None
        assert r.mean_in_repair["far"] > 0
        assert r.mean_in_repair["home"] == 0
        assert r.parts["far", "unit"].mean_in_repair == r.mean_in_repair["far"]


def test_a_swap_takes_the_unit_from_the_van_first() -> None:
    """One spare unit in each van, restocked after 3 days: swaps take it from the van
    while there, else from the home depot; the van's fill rate counts both."""
    scenario = swap_network(home_units=100_000, van='van = { unit = 1 }\nvan_restock = "72h"')
    c = simsvc.simulate(scenario, 3).columns
    swap = c["swap"]
    from_van = swap & c["from_van"]
    from_depot = swap & ~c["from_van"]
    assert from_van.sum() > 5 and from_depot.sum() > 5
    assert (c["depot"][from_van] == -1).all()
    assert (c["depot"][from_depot] == 0).all()
    np.testing.assert_allclose(c["resolution"][swap], c["arrival"][swap] + SWAP_TIME, atol=1e-9)
    outcome = simsvc.simulate(scenario, 3)
    in_window = c["arrival"] < outcome.window[1]  # the van counts visits in the window
    assert outcome.van_requests == (swap & in_window).sum()
    assert outcome.van_filled == (from_van & in_window).sum()


@pytest.mark.parametrize(
    ("depot_key", "part_key", "path"),
    [
        ("repair_capacity = 2", "repairable = true", ("depot", 0, "repair_capacity")),
        ('nff_time = "2d"', "repairable = true", ("depot", 0, "nff_time")),
        ('repair_time = "5d"', "no_fault_found = 0.2", ("part", 0, "no_fault_found")),
    ],
)
def test_repair_shop_keys_without_a_shop_are_errors_naming_the_key(
    depot_key: str, part_key: str, path: tuple[str | int, ...]
) -> None:
    text = f"""
[scenario]
name = "Keys"

[[severity]]
id = "S"

[[commitment]]
severity = "S"
metric = "resolution"
within = "24h"

[[base]]
id = "hq"
location = [30.0, 114.0]
engineers = 1

[[depot]]
id = "store"
location = [30.0, 114.0]
stock = {{ psu = 1 }}
{depot_key}

[[part]]
id = "psu"
{part_key}

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}

[[site]]
id = "plant"
location = [30.0, 114.0]
equipment = {{ unit = 1 }}
"""
    with pytest.raises(ScenarioError) as error:
        simsvc.parse_scenario(text)
    assert path in [problem.path for problem in error.value.problems]


def test_repair_capacity_must_be_a_positive_whole_number() -> None:
    scenario = swap_network(home_units=0, repairable=True)
    with pytest.raises(ScenarioError, match="repair_capacity"):
        scenario.evolve({"depot.far.repair_capacity": 0})
    assert scenario.evolve({"depot.far.repair_capacity": 2}).depot[1].repair_capacity == 2


def test_a_sweep_varies_the_repair_capacity() -> None:
    """``depot.<id>.repair_capacity`` is a sweep axis of whole numbers, checked like a file."""
    from simsvc.scenario.variation import VaryError, parse_axis, vary

    scenario = swap_network(home_units=0, repairable=True)
    axis = parse_axis("depot.far.repair_capacity=1..3", scenario)
    assert [vary(scenario, [axis], [v]).depot[1].repair_capacity for v in axis.values] == [1, 2, 3]
    with pytest.raises(VaryError, match=r"depot\[0\]\.repair_capacity"):
        parse_axis("depot.home.repair_capacity=2", scenario)  # home repairs nothing


def test_lateral_shipments_count_every_part_sent_to_another_depots_base() -> None:
    """Two depots, four parts (``records_mix.toml``): each depot's lateral shipments are
    the visits in the window whose part came from it for a base drawing from the other."""
    from pathlib import Path

    from simsvc.model.depots import nearest_depot_of_bases

    scenario = simsvc.load_scenario(Path(__file__).parent / "data" / "records_mix.toml")
    home = np.asarray(nearest_depot_of_bases(scenario))
    outcome = simsvc.simulate(scenario, 11)
    c = outcome.columns
    start, end = outcome.window
    took = (c["depot"] >= 0) & (c["arrival"] >= start) & (c["arrival"] < end)
    lateral = took & (c["depot"] != home[c["base"]])
    assert lateral.sum() > 0
    for j in range(len(scenario.depot)):
        for k in range(len(scenario.part)):
            sent = (lateral & (c["depot"] == j) & (c["part"] == k)).sum()
            assert outcome.depot_lateral[j][k] == sent, (j, k)


def test_the_planners_lead_times_and_order_shares_see_no_fault_found_units() -> None:
    """Palm's lead time at a repairing depot mixes the test time in, and only the condemned
    units with a fault found are ordered from the supplier (METRIC's order share)."""
    from simsvc.model.echelons import lead_time_hours, order_shares

    scenario = swap_network(home_units=0, repairable=True).evolve(
        {
            "part.unit.condemnation": 0.2,
            "part.unit.no_fault_found": 0.25,
            "depot.far.nff_time": "2d",
            "depot.far.supplier": "home",
            "depot.far.resupply": "14d",  # back to the default: a supplied depot has none
            "depot.far.supply_time": "3d",
        }
    )
    far = 1
    found = 0.8 * 5 * 24.0 + 0.2 * 3 * 24.0
    assert lead_time_hours(scenario)[far][0] == pytest.approx(0.25 * 48.0 + 0.75 * found)
    assert order_shares(scenario)[far][0] == pytest.approx(0.75 * 0.2)
    assert order_shares(scenario)[0][0] == 0.0  # home is the top echelon now
