"""The engine's contracts: append-only random streams, common random numbers per depot
and base, no file reading, and the one piece of private SimPy state it relies on."""

from __future__ import annotations

import builtins
import io
import math
from pathlib import Path

import numpy as np
import pytest
import simpy

import simsvc
import simsvc.memory
import simsvc.model.world as world
from simsvc.model.world import STREAMS, drop_pending_events, member_streams, random_streams

# Two regions 2,000 km apart, each with its base, its depot and one site. West's failures
# are swapped for a spare unit when west holds one (a repair takes 4 h, swap_after is 3 h);
# east's need a board, and east holds only two, so most of them wait for resupply.
TWO_REGIONS = """
[scenario]
name = "Two regions, two depots"
horizon = "120d"
warmup = "2d"
seed = 3

[[severity]]
id = "A"
priority = 1
onsite_time = { dist = "lognormal", mean = "4h", cv = 0.5 }
swap_after = "3h"
swap_time = "30min"

[[severity]]
id = "B"
priority = 1
onsite_time = { dist = "exponential", mean = "1h" }
part_need = 0.8

[[commitment]]
severity = "B"
metric = "resolution"
within = "1d"

[[base]]
id = "west"
location = [30.00, 100.00]
engineers = 20
depot = "west"

[[base]]
id = "east"
location = [30.00, 120.00]
engineers = 20
depot = "east"

[[depot]]
id = "west"
location = [30.00, 100.00]
stock = { unit = 0 }
resupply = { dist = "exponential", mean = "5d" }

[[depot]]
id = "east"
location = [30.00, 120.00]
stock = { board = 2 }
resupply = { dist = "exponential", mean = "5d" }

[[part]]
id = "unit"
unit_cost = 1000

[[part]]
id = "board"
unit_cost = 100

[[equipment]]
id = "gate"
failures_per_year = 500
severity_mix = { A = 1.0 }
spare_unit = "unit"

[[equipment]]
id = "panel"
failures_per_year = 500
severity_mix = { B = 1.0 }
parts = { board = 1.0 }

[[site]]
id = "west-site"
location = [30.15, 100.10]
equipment = { gate = 20 }

[[site]]
id = "east-site"
location = [30.15, 120.10]
equipment = { panel = 20 }

[travel]
cv = 0.3
"""
WEST, EAST = 0, 1  # site, base and depot indices alike


# -- random streams ------------------------------------------------------------------------


def test_the_stream_names_are_append_only() -> None:
    """Stream k's seed is its position k: reordering or removing a name changes every
    draw after it. New streams go at the end; these names keep their places for good."""
    pinned = (
        "arrivals",
        "desk",
        "remote",
        "repair",
        "parts",
        "travel",
        "returns",
        "resupply",
        "inspections",
        "bursts",
        "supply",
        "repair_shop",
        "condemnation",
        "escalation",
        "diagnosis",
        "no_fault_found",
        "nff_time",
    )
    assert STREAMS[: len(pinned)] == pinned
    assert len(set(STREAMS)) == len(STREAMS)


def test_each_stream_is_the_child_at_its_position() -> None:
    seed = np.random.SeedSequence(99, spawn_key=(4,))
    streams = random_streams(seed)
    for k, name in enumerate(STREAMS):
        child = np.random.SeedSequence(seed.entropy, spawn_key=(4, k))
        assert streams[name].random(3).tolist() == np.random.default_rng(child).random(3).tolist()


def test_member_streams_are_children_of_their_stream() -> None:
    seed = np.random.SeedSequence(99, spawn_key=(4,))
    k = STREAMS.index("resupply")
    stream = np.random.SeedSequence(seed.entropy, spawn_key=(4, k))
    members = member_streams(seed, "resupply", 3)
    for d, (rng, spawned) in enumerate(zip(members, stream.spawn(3), strict=True)):
        explicit = np.random.SeedSequence(seed.entropy, spawn_key=(4, k, d))
        expected = np.random.default_rng(explicit).random(3).tolist()
        assert rng.random(3).tolist() == expected
        assert np.random.default_rng(spawned).random(3).tolist() == expected


def _east_with_west_stock(units: int, seed: int = 0) -> dict[str, np.ndarray]:
    scenario = simsvc.parse_scenario(TWO_REGIONS)
    west = scenario.depot[WEST].model_copy(update={"stock": {"unit": units}})
    scenario = scenario.model_copy(update={"depot": [west, scenario.depot[EAST]]})
    return simsvc.simulate(scenario, seed).columns


def _rows(columns: dict[str, np.ndarray], site: int) -> dict[str, np.ndarray]:
    mine = columns["site"] == site
    return {name: values[mine] for name, values in columns.items()}


def _differing(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    """Names of the columns that differ."""
    return [
        name
        for name in a
        if not np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f")
    ]


def test_another_depots_stock_leaves_a_depots_lead_times_unchanged() -> None:
    """Common random numbers: west's stock changes west's swaps and resupply orders, and
    east's incidents (their part waits, hence east's lead times) stay the same to the bit.

    East's engineers never serve west (nor west's east): 20 engineers a base for a few at
    work. Trips back to base also draw from a stream per base, so west's changed job
    lengths do not move east's returns either.
    """
    without = _east_with_west_stock(0)
    with_units = _east_with_west_stock(200)
    west_without, west_with = _rows(without, WEST), _rows(with_units, WEST)
    assert not west_without["swap"].any() and west_with["swap"].sum() > 1000
    assert (west_with["base"] == WEST).all() and (west_without["base"] == WEST).all()
    east_without, east_with = _rows(without, EAST), _rows(with_units, EAST)
    assert (east_without["base"] == EAST).all()
    backordered = east_without["part_wait"] > 0
    assert backordered.sum() > 1000, "east's lead times must show in its part waits"
    assert _differing(east_without, east_with) == []


def test_with_one_shared_resupply_generator_east_would_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control: the scenario above does detect a shared generator (the old way)."""
    per_member = member_streams

    def shared_resupply(
        seed: np.random.SeedSequence, name: str, members: int
    ) -> list[np.random.Generator]:
        rngs = per_member(seed, name, members)
        return [rngs[0]] * members if name == "resupply" else rngs

    monkeypatch.setattr(world, "member_streams", shared_resupply)
    east_without = _rows(_east_with_west_stock(0), EAST)
    east_with = _rows(_east_with_west_stock(200), EAST)
    assert "part_wait" in _differing(east_without, east_with)


# -- no files, no memory checks ---------------------------------------------------------------


def test_simulate_reads_no_files_and_checks_no_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The replication runner checks memory once, up front; the engine never does."""
    scenario = simsvc.load_scenario(Path(__file__).parent / "data" / "records_mix.toml")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine must not read files or check memory")

    for name in ("check_size", "memory_limit", "available_memory"):
        monkeypatch.setattr(simsvc.memory, name, refuse)
    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io, "open", refuse)
    outcome = simsvc.simulate(scenario, 1)
    assert len(outcome.columns["report"]) > 0


# -- the private SimPy state the engine touches ----------------------------------------------


def test_simpy_keeps_its_schedule_where_drop_pending_events_expects_it() -> None:
    """``drop_pending_events`` clears SimPy's private ``Environment._queue``: a list of
    ``(time, priority, id, event)`` tuples in SimPy 4. If this fails, SimPy changed it:
    adapt ``drop_pending_events`` in ``simsvc/model/world.py`` (and the ``simpy<5`` pin)."""
    env = simpy.Environment()
    event = env.timeout(2.0)
    queue = getattr(env, "_queue", None)
    assert isinstance(queue, list), (
        f"simpy {simpy.__version__}: Environment._queue is {type(queue).__name__}, not a list; "
        "drop_pending_events (simsvc/model/world.py) must change"
    )
    assert len(queue) == 1 and isinstance(queue[0], tuple) and queue[0][-1] is event, (
        f"simpy {simpy.__version__}: Environment._queue entries are not (..., event) tuples: "
        f"{queue!r}; drop_pending_events (simsvc/model/world.py) must change"
    )
    assert env.peek() == 2.0
    drop_pending_events(env)
    assert env._queue == []
    assert math.isinf(env.peek())
    env.run()  # nothing left to run
    assert env.now == 0.0


# -- busy means busy ----------------------------------------------------------------------

LONE_SITE = """
[scenario]
name = "One site an hour away"
horizon = "365d"
replications = 1
seed = 3

[[severity]]
id = "L1"
onsite_time = "2h"

[[commitment]]
severity = "L1"
metric = "arrival"
within = "2h"

[[base]]
id = "b"
location = [30.0, 110.0]
engineers = 1
shift = "{shift}"

[[equipment]]
id = "e"
failures_per_year = 20
severity_mix = {{ L1 = 1.0 }}

[[site]]
id = "s"
location = [31.0, 110.0]
equipment = {{ e = 1 }}

[travel]
speed_kmh = 111.19492664455873
road_factor = 1.0
cv = 0
"""


def test_the_trip_home_is_busy_time() -> None:
    # 20 faults a year, each 1 h out, 2 h on site, 1 h home: 4 busy hours each (faults
    # rarely overlap at this rate; one that does starts from the site, 0 h away).
    scenario = simsvc.parse_scenario(LONE_SITE.format(shift="24x7"))
    outcome = simsvc.simulate(scenario, np.random.SeedSequence(3))
    faults = int(outcome.columns["counted"].sum())
    busy = outcome.base_busy_hours[0]
    assert 3.5 * faults <= busy <= 4.0 * faults + 1e-6
    assert outcome.base_overtime_hours == [0.0]


def test_work_past_the_shift_is_overtime_and_utilisation_stays_below_one() -> None:
    # A one-hour shift cannot hold 4-hour jobs: most of the work is overtime.
    scenario = simsvc.parse_scenario(LONE_SITE.format(shift="09:00-10:00"))
    result = simsvc.run_experiment(scenario, replications=3, workers=1)
    bases = result.bases()
    assert 0.0 < bases.loc["b", "utilization"] <= 1.0
    assert bases.loc["b", "ci_high"] <= 1.0
    assert bases.loc["b", "overtime_hours_per_year"] > 20
    replication = result.replications[0]
    assert replication.base_utilization["b"] <= 1.0 + 1e-12
