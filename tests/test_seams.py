"""The seams every command stands on: one variant builder, one runner, results tables.

- :meth:`Scenario.evolve` validates a variant like a file and names the bad key path;
- :class:`simsvc.runner.Runner` gives the same numbers in this process, in a pool and on
  any executor, and streams batches in any order without mixing them up;
- :class:`RunResult` tables are keyed by id and agree with the results JSON;
- cost is computed once: ``run`` and the planner's "current" column agree;
- ``simsvc --help`` and ``simsvc validate`` start without scipy.stats, pandas or matplotlib,
  and help texts without numpy, pydantic or the engine.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import simsvc
from simsvc.planner.search import plan
from simsvc.results import COMMITMENT_COLUMNS
from simsvc.runner import Runner, experiment_jobs

SMALL = Path(__file__).parent / "data" / "small.toml"
SMALL_TEXT = SMALL.read_text("utf-8")


@pytest.fixture(scope="module")
def scenario() -> simsvc.Scenario:
    return simsvc.load_scenario(SMALL)


# -- the variant builder --------------------------------------------------------------------


def problems(error: pytest.ExceptionInfo[simsvc.ScenarioError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_evolve_sets_fields_by_id_and_leaves_the_original(scenario: simsvc.Scenario) -> None:
    variant = scenario.evolve(
        {
            "base.north.engineers": 5,
            "depot.main.stock.psu": 9,
            "depot.main.resupply": {"dist": "constant", "value": "14d"},
            "severity.L2.onsite_time": "1h",
            "commitment[0].goal": 0.8,
            "travel.speed_kmh": 60,
        }
    )
    assert variant.base[0].engineers == 5
    assert variant.depot[0].stock["psu"] == 9
    assert variant.depot[0].resupply.mean == 14 * 24
    assert variant.severity[1].onsite_time.mean == 1.0
    assert variant.commitment[0].goal == 0.8
    assert variant.travel.speed_kmh == 60
    assert scenario.base[0].engineers == 2  # frozen data: the original is untouched
    assert scenario.depot[0].stock["psu"] == 3


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"base.north.engineers": -3}, "base[0].engineers: input should be greater than or equal"),
        ({"base.south.engineers": 2}, "base: unknown base 'south' (known: north)"),
        ({"depot.main.stock.fan": 2}, "depot[0].stock.fan: unknown part 'fan'"),
        ({"base.north.enginers": 2}, "base[0].enginers: unknown key"),
        ({"commitment[7].goal": 0.5}, "commitment: commitment[7] does not exist"),
        ({"desk.agents": "two"}, "desk.agents: input should be a valid integer"),
        ({"site.station-01.equipment.lift": 3}, "site[0].equipment.lift: unknown equipment"),
        ({"costs.penalty.L9": 10}, "costs.penalty.L9: unknown severity 'L9'"),
        ({"engineers": 3}, "unknown table 'engineers'"),
    ],
)
def test_evolve_names_the_key_path_of_a_bad_variant(
    scenario: simsvc.Scenario, changes: dict[str, object], expected: str
) -> None:
    with pytest.raises(simsvc.ScenarioError) as error:
        scenario.evolve(changes)
    assert any(expected in p for p in problems(error)), problems(error)
    assert str(error.value).startswith("variant")


def test_with_resources_is_built_on_evolve(scenario: simsvc.Scenario) -> None:
    more = scenario.with_resources(engineers={"north": 4}, agents=3, stock={("main", "psu"): 1})
    assert (more.base[0].engineers, more.desk and more.desk.agents) == (4, 3)
    assert more.depot[0].stock["psu"] == 1
    with pytest.raises(simsvc.ScenarioError) as error:
        scenario.with_resources(engineers={"north": -1})
    assert problems(error)[0].startswith("base[0].engineers")
    with pytest.raises(simsvc.ScenarioError) as error:
        scenario.with_resources(stock={("main", "nothing"): 2})
    assert problems(error)[0].startswith("depot[0].stock.nothing: unknown part")
    with pytest.raises(simsvc.ScenarioError) as error:
        scenario.with_resources(engineers={"nowhere": 2})
    assert "unknown base 'nowhere'" in problems(error)[0]


def test_a_variant_is_cross_checked(scenario: simsvc.Scenario) -> None:
    with pytest.raises(simsvc.ScenarioError) as error:
        scenario.evolve({"equipment.gate.severity_mix": {"L1": 0.5, "L2": 0.2}})
    assert problems(error) == ["equipment[0].severity_mix: shares must sum to 1, got 0.7"]


# -- commitment ids -------------------------------------------------------------------------


def test_commitments_get_readable_distinct_ids() -> None:
    extra = """
[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"
goal = 0.95
zone = "city"

[[commitment]]
id = "fix-fast"
severity = "L2"
metric = "resolution"
within = "8h"
"""
    text = SMALL_TEXT.replace("[desk]", extra.strip() + "\n\n[desk]")
    scenario = simsvc.parse_scenario(text)
    assert scenario.commitment_ids() == (
        "L1-arrival-4h-city",
        "L2-resolution-2d-business",
        "L1-arrival-4h-city-2",
        "fix-fast",
    )
    variant = scenario.evolve({"commitment.fix-fast.within": "12h"})
    assert variant.commitment[3].within == 12


def test_a_duplicate_commitment_id_is_an_error_with_its_line() -> None:
    text = SMALL_TEXT.replace('metric = "arrival"', 'id = "same"\nmetric = "arrival"')
    text = text.replace('metric = "resolution"', 'id = "same"\nmetric = "resolution"')
    with pytest.raises(simsvc.ScenarioError) as error:
        simsvc.parse_scenario(text, "dup.toml")
    (problem,) = error.value.problems
    assert problem.path == ("commitment", 1, "id")
    assert problem.line == text.splitlines().index('id = "same"', 30) + 1
    assert "duplicate id 'same'" in problem.message


# -- the runner -----------------------------------------------------------------------------


def test_the_runner_gives_the_same_numbers_anywhere(scenario: simsvc.Scenario) -> None:
    jobs = experiment_jobs(scenario, 11, range(4))
    with Runner(workers=1) as runner:
        here = runner.map(jobs)
    with Runner(workers=2) as runner:
        pooled = runner.map(jobs)
    with ThreadPoolExecutor(3) as threads, Runner(executor=threads, workers=3) as runner:
        elsewhere = runner.map(jobs)
    for a, b, c in zip(here, pooled, elsewhere, strict=True):
        assert dict(a.attainment) == dict(b.attainment) == dict(c.attainment)
        assert a.desk_utilization == b.desk_utilization == c.desk_utilization


def test_batches_come_back_whole_and_labelled(scenario: simsvc.Scenario) -> None:
    variants = [scenario.with_resources(engineers={"north": n}) for n in (1, 2, 3)]
    batches = [experiment_jobs(v, 5, range(3)) for v in variants]
    finished: list[int] = []
    with Runner(workers=2) as runner:
        streamed = dict(runner.batches(batches, finished.append, in_flight=2))
        expected = [runner.map(b) for b in batches]
    assert sorted(streamed) == [0, 1, 2]
    assert finished == [1, 2, 3]
    for k in range(3):
        got = [dict(s.attainment) for s in streamed[k]]
        assert got == [dict(s.attainment) for s in expected[k]]


def test_progress_counts_every_job(scenario: simsvc.Scenario) -> None:
    seen: list[int] = []
    simsvc.run_experiment(scenario, replications=3, workers=1, progress=seen.append)
    assert seen == [1, 2, 3]


# -- the results tables ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def result(scenario: simsvc.Scenario) -> simsvc.RunResult:
    return simsvc.run_experiment(scenario, replications=3, seed=3, workers=1)


def test_the_commitments_table_is_keyed_by_id_and_matches_the_json(
    result: simsvc.RunResult,
) -> None:
    table = result.commitments()
    assert list(table.index) == list(result.scenario.commitment_ids())
    assert list(table.columns) == list(COMMITMENT_COLUMNS)
    for entry in result.to_dict()["commitments"]:
        row = table.loc[entry["id"]]
        assert row["attainment"] == pytest.approx(entry["attainment"]["mean"])
        assert row["ci_low"] == pytest.approx(entry["attainment"]["ci_low"])
        assert bool(row["met"]) == entry["met"]
        assert row["met"] == (row["ci_low"] >= row["goal"])


def test_resource_tables_match_the_json(result: simsvc.RunResult) -> None:
    data = result.to_dict()
    bases = result.bases()
    assert bases.loc["north", "utilization"] == pytest.approx(
        data["bases"]["north"]["utilization"]["mean"]
    )
    assert result.desk().loc["desk", "agents"] == data["desk"]["agents"]
    depots = result.depots()
    assert depots.loc["main", "fill_rate"] == pytest.approx(
        data["depots"]["main"]["fill_rate"]["mean"]
    )
    stock = result.stock()
    assert stock.loc[("main", "psu"), "level"] == 3
    assert stock["holding"].sum() == pytest.approx(data["cost"]["holding"])


def test_a_result_prints_short(result: simsvc.RunResult) -> None:
    text = repr(result)
    assert len(text) < 300
    assert "of 2 commitments met" in text
    assert "Small test operation" in text and "3 replications" in text
    page = result._repr_html_()
    assert page.count("<tr") == len(result.scenario.commitment) + 1 + 1  # header rows + rows


# -- cost in one place ----------------------------------------------------------------------


def test_run_and_plan_cost_the_same_resources_the_same() -> None:
    # A part stocked at the depot that no equipment uses still costs its holding.
    text = SMALL_TEXT.replace(
        'stock = { psu = 3, board = "15%" }', 'stock = { psu = 3, board = "15%", fan = 10 }'
    )
    text = text.replace("[[equipment]]", '[[part]]\nid = "fan"\nunit_cost = 8000\n\n[[equipment]]')
    scenario = simsvc.parse_scenario(text)
    run = simsvc.run_experiment(scenario, replications=2, workers=1).cost()
    assert run["holding"] == pytest.approx((3 * 1200 + 3 * 800 + 10 * 8000) * 0.25)
    planned = plan(scenario, replications=2, workers=1)
    current = planned.to_dict()["current"]["cost"]
    for kind in ("engineers", "desk", "holding"):
        assert current[kind] == pytest.approx(run[kind]), kind


# -- start-up -------------------------------------------------------------------------------

PROBE = """
import sys
from simsvc.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:", " ".join(sorted(sys.modules)))
"""
HEAVY = ("scipy.stats", "pandas", "matplotlib")
"""Libraries no light command imports."""
SCENARIO_LIBRARIES = ("numpy", "pydantic", "simpy", "simsvc.scenario.schema", "simsvc.runner")
"""What a help text does not need: the scenario's models and the engine."""


@pytest.mark.parametrize(
    ("arguments", "absent"),
    [
        (["--help"], HEAVY + SCENARIO_LIBRARIES),
        (["run", "--help"], HEAVY + SCENARIO_LIBRARIES),
        (["sweep", "--help"], HEAVY + SCENARIO_LIBRARIES),
        (["validate", str(SMALL)], HEAVY),
    ],
)
def test_light_commands_import_no_heavy_library(arguments: list[str], absent: tuple[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments], capture_output=True, text=True, check=True
    )
    loaded = done.stdout.strip().splitlines()[-1].removeprefix("loaded: ").split()
    assert "simsvc.cli.arguments" in loaded  # the probe ran the command line
    heavy = [m for m in loaded if m in absent or m.startswith(tuple(p + "." for p in absent))]
    assert heavy == []


def test_a_variant_keeps_its_commitment_ids(scenario: simsvc.Scenario) -> None:
    tighter = scenario.evolve({"commitment[0].within": "2h"})
    assert (
        tighter.commitment_ids()
        == scenario.commitment_ids()
        == (
            "L1-arrival-4h-city",
            "L2-resolution-2d-business",
        )
    )
    assert tighter.commitment[0].label == "L1 arrival <= 2h (city)"


def test_a_scenario_without_depots_has_an_empty_depot_table() -> None:
    text = SMALL_TEXT.split("[[depot]]")[0] + "[[part]]" + SMALL_TEXT.split("[[part]]", 1)[1]
    scenario = simsvc.parse_scenario(
        text.replace('    depot = "main"\n', "").replace('depot = "main"\n', "")
    )
    table = simsvc.run_experiment(scenario, replications=2, workers=1).depots()
    assert table.empty and "fill_rate" in table.columns
