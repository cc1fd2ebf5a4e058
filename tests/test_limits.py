"""Resource limits: a run too big for memory is refused up front, with the numbers.

The direct tests call :func:`simsvc.memory.check_size`. The end-to-end tests (``simsvc run``
and :func:`simsvc.run_experiment`) need the check hooked into the core: they replace
``run_replication`` by a function that fails, so that a check made after simulating, or
no check at all, fails the test at once instead of simulating for minutes.
"""

from __future__ import annotations

import gc
import math
import re
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import simsvc
import simsvc.experiment
import simsvc.runner
from simsvc.cli.main import main
from simsvc.memory import (
    BYTES_PER_INCIDENT,
    ENV_VAR,
    MAX_INCIDENTS_PER_REPLICATION,
    available_memory,
    check_size,
    estimate,
    expected_inspections,
    format_bytes,
    memory_limit,
    profile_peak,
)
from simsvc.model.calendar import WorkCalendar
from simsvc.model.faults import expected_faults
from simsvc.model.inspections import inspection_plan
from simsvc.scenario import Arrivals

ROOT = Path(__file__).resolve().parents[1]
SMALL_PATH = ROOT / "tests" / "data" / "small.toml"
SMALL_TEXT = SMALL_PATH.read_text(encoding="utf-8")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
GiB = 1024**3


def small(**info: float) -> simsvc.Scenario:
    """``small.toml`` with other ``[scenario]`` values (hours)."""
    scenario = simsvc.load_scenario(SMALL_PATH)
    return scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update=info)})


def scaled(scenario: simsvc.Scenario, factor: float) -> simsvc.Scenario:
    """The scenario with every failure rate multiplied by ``factor``."""
    equipment = [
        e.model_copy(update={"failures_per_year": e.failures_per_year * factor})
        for e in scenario.equipment
    ]
    return scenario.model_copy(update={"equipment": equipment})


def refusal(scenario: simsvc.Scenario, *args: object, **kwargs: object) -> str:
    """The one problem ``check_size`` raises, as text; fails if it does not raise."""
    with pytest.raises(simsvc.ScenarioError) as caught:
        check_size(scenario, *args, **kwargs)  # type: ignore[arg-type]
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].path, "the problem must name a key path"
    return str(problems[0])


@pytest.fixture(autouse=True)
def no_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# -- the estimate ------------------------------------------------------------------------------


def test_the_estimate_counts_faults_and_inspections() -> None:
    scenario = simsvc.load_scenario(SMALL_PATH)
    size = estimate(scenario, replications=2)
    assert size.faults == pytest.approx(expected_faults(scenario))
    # One site inspected every 30 days over 2 + 30 days: at most 2.07 visits.
    assert size.inspections == pytest.approx(32 / 30 + 1)
    assert size.incidents == size.faults + size.inspections
    assert size.bytes_total >= size.bytes_per_replication > size.faults * BYTES_PER_INCIDENT


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_expected_inspections_bound_the_plan(path: Path) -> None:
    scenario = simsvc.load_scenario(path)
    info = scenario.scenario
    calendar = WorkCalendar(scenario.calendar, info.warmup)
    rng = np.random.default_rng(1)
    planned = len(inspection_plan(scenario, calendar, rng, info.warmup + info.horizon))
    assert planned <= expected_inspections(scenario)
    if planned:
        assert expected_inspections(scenario) <= 2.5 * planned


def test_more_workers_and_kept_records_need_more() -> None:
    scenario = simsvc.load_scenario(SMALL_PATH)
    one = estimate(scenario, 20, workers=1).bytes_total
    assert estimate(scenario, 20, workers=4).bytes_total > one
    assert estimate(scenario, 20, workers=100).bytes_total == estimate(scenario, 20, 20).bytes_total
    assert estimate(scenario, 20, keep_incidents=True).bytes_total > one
    assert estimate(scenario, 40).bytes_total > one


def test_profile_peak_is_finite_for_extreme_weights() -> None:
    scenario = simsvc.load_scenario(SMALL_PATH)
    flat = Arrivals(hourly_profile=[1.0] * 24, weekly_profile=[1.0] * 7)
    one_hour = Arrivals(hourly_profile=[1.0] + [0.0] * 23, weekly_profile=[1.0] + [0.0] * 6)
    huge = Arrivals(hourly_profile=[1e308] * 24, weekly_profile=[0.0] * 5 + [1e308] * 2)
    tiny = Arrivals(hourly_profile=[1.0] * 24, weekly_profile=[5e-324] + [0.0] * 6)
    for arrivals, peak in [(flat, 1.0), (one_hour, 168.0), (huge, 3.5), (tiny, 7.0)]:
        assert profile_peak(scenario.model_copy(update={"arrivals": arrivals})) == peak
    assert profile_peak(scenario.model_copy(update={"arrivals": None})) == 1.0


@pytest.mark.parametrize(
    ("factor", "arrivals"),
    [
        (600, None),
        (600, Arrivals(hourly_profile=[1.0] * 12 + [0.0] * 12, weekly_profile=[1.0] * 7)),
        (600, Arrivals(hourly_profile=[1.0] + [0.0] * 23, weekly_profile=[1.0] * 7)),
    ],
    ids=["flat", "day-only", "one-hour-a-day"],
)
def test_the_estimate_covers_the_measured_peak(factor: float, arrivals: Arrivals | None) -> None:
    """One replication's measured peak (tracemalloc sees numpy) is within the estimate."""
    scenario = scaled(simsvc.load_scenario(SMALL_PATH), factor)
    scenario = scenario.model_copy(update={"arrivals": arrivals})
    # Enough engineers and agents that incidents do not pile up in queues without end.
    scenario = scenario.with_resources(engineers={"north": 100}, agents=20)
    size = estimate(scenario, replications=1)
    gc.collect()
    tracemalloc.start()
    try:
        outcome = simsvc.simulate(scenario, 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    incidents = len(outcome.columns["report"])
    assert incidents > 10_000
    assert peak <= size.bytes_per_replication, (peak / incidents, size.bytes_per_replication)
    assert size.bytes_per_replication <= 6 * peak, "the estimate is far too cautious"


def test_the_estimate_covers_several_replications_in_one_process() -> None:
    """A finished replication leaves only its summary behind, not its whole world.

    Fails while each replication's ``World`` (a reference cycle: the SimPy environment
    holds callbacks that hold the world) waits for Python's next full garbage collection:
    six replications in one process then peak at 2.5 times the memory of one.
    """
    scenario = scaled(simsvc.load_scenario(SMALL_PATH), 300)
    scenario = scenario.with_resources(engineers={"north": 60}, agents=10)
    # the engine's modules are imported (and their memory counted) before the measure
    simsvc.run_experiment(simsvc.load_scenario(SMALL_PATH), replications=1, workers=1)
    gc.collect()
    tracemalloc.start()
    try:
        simsvc.run_experiment(scenario, replications=6, workers=1, keep_incidents=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= estimate(scenario, 6, workers=1).bytes_total


def test_every_shipped_scenario_fits_in_4_gib() -> None:
    for path in SCENARIOS:
        scenario = simsvc.load_scenario(path)
        check_size(scenario, scenario.scenario.replications, 4 * GiB, workers=8)
        check_size(scenario, 100, 4 * GiB, workers=2, keep_incidents=True)


# -- refusals --------------------------------------------------------------------------------


def test_too_big_for_the_memory_given() -> None:
    scenario = small(horizon=100 * 8760.0)  # a century: about 32,000 incidents
    text = refusal(scenario, 2, 1_000_000)
    assert text.startswith("scenario.horizon: expected ")
    match = re.search(r"expected ([\d,]+) incidents \(([\d,]+) fault reports", text)
    assert match, text
    assert int(match[2].replace(",", "")) == round(expected_faults(scenario))
    assert "per replication need about 15 MiB" in text
    assert "the limit is 977 KiB (given)" in text
    assert "SIMSVC_MEMORY_LIMIT" in text  # how to change it


def test_the_message_names_concurrent_replications_and_kept_records() -> None:
    text = refusal(small(horizon=100 * 8760.0), 8, 1_000_000, workers=4, keep_incidents=True)
    assert "with 4 replications at once and the incident records kept" in text


def test_the_environment_variable_sets_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = simsvc.load_scenario(SMALL_PATH)
    check_size(scenario, 2)
    monkeypatch.setenv(ENV_VAR, "1000")
    assert memory_limit() == (1000, ENV_VAR)
    assert "the limit is 1000 B (SIMSVC_MEMORY_LIMIT)" in refusal(scenario, 2)
    check_size(scenario, 2, memory_bytes=GiB)  # an explicit argument wins


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1.5e9", "4GB"])
def test_a_bad_environment_variable_is_a_clean_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    text = refusal(simsvc.load_scenario(SMALL_PATH), 2)
    assert text.startswith("environment.SIMSVC_MEMORY_LIMIT: expected a positive number of bytes")


def test_the_default_limit_is_half_of_the_memory_available() -> None:
    available = available_memory()
    assert available is not None and available > 0
    limit, source = memory_limit()
    assert source == "half of the memory available"
    assert limit is not None and abs(limit - available / 2) < 0.05 * available  # it moves


def test_more_than_the_incident_cap_whatever_the_memory() -> None:
    scenario = scaled(small(horizon=10 * 8760.0), 1e6 / 20)  # 16 units failing 1e6 times a year
    assert expected_faults(scenario) > MAX_INCIDENTS_PER_REPLICATION
    text = refusal(scenario, 1, 2**60)
    assert "per replication; at most 50,000,000 are allowed" in text
    assert text.startswith("scenario.horizon: expected 160,")


def test_inspections_that_dominate_blame_the_rule() -> None:
    scenario = simsvc.load_scenario(SMALL_PATH)
    rule = scenario.inspection[0].model_copy(update={"every": 1 / 3600})  # every second
    scenario = scenario.model_copy(update={"inspection": [rule]})
    text = refusal(scenario, 1, 100 * 1024**2)
    assert text.startswith("inspection[0].every: expected 2,764,8")
    assert "2,764,801 inspections" in text


def test_an_infinite_span_is_refused() -> None:
    text = refusal(small(warmup=1e308, horizon=1e308), 1, GiB)
    assert "is not finite" in text


def test_format_bytes() -> None:
    assert format_bytes(0) == "0 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(10 * 1024**2) == "10 MiB"
    assert format_bytes(17.4 * GiB) == "17 GiB"
    assert format_bytes(2 * GiB) == "2 GiB"
    assert format_bytes(2**70) == "1,024 EiB"
    assert format_bytes(math.inf).endswith("EiB")


# -- end to end: these need check_size hooked into the core ---------------------------------


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any replication started fails the test: the size must be checked before."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication started: the size was not checked up front")

    monkeypatch.setattr(simsvc.runner, "run_job", refuse)


def century(tmp_path: Path) -> Path:
    """``small.toml`` over a century (about 32,000 incidents a replication)."""
    path = tmp_path / "century.toml"
    path.write_text(SMALL_TEXT.replace('horizon = "30d"', 'horizon = "36500d"'), "utf-8")
    return path


@pytest.mark.usefixtures("no_simulation")
def test_cli_run_refuses_a_run_too_big_for_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_VAR, "1000000")
    json_out = tmp_path / "out.json"
    start = time.perf_counter()
    code = main(["run", str(century(tmp_path)), "-w", "1", "-q", "--json", str(json_out)])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert re.search(r"scenario.horizon \(line \d+\): expected ", err)  # file and line named
    assert "incidents" in err and "per replication need about" in err
    assert "the limit is 977 KiB (SIMSVC_MEMORY_LIMIT)" in err
    assert elapsed < 10
    assert not json_out.exists()


@pytest.mark.usefixtures("no_simulation")
def test_cli_run_refuses_more_incidents_than_the_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.toml"
    text = SMALL_TEXT.replace("failures_per_year = 20", "failures_per_year = 1e6")
    path.write_text(text.replace('horizon = "30d"', 'horizon = "3650d"'), "utf-8")
    start = time.perf_counter()
    code = main(["run", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "at most 50,000,000 are allowed" in err
    assert time.perf_counter() - start < 10


@pytest.mark.usefixtures("no_simulation")
def test_run_experiment_refuses_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "1000000")
    with pytest.raises(simsvc.ScenarioError, match="per replication need about"):
        simsvc.run_experiment(small(horizon=100 * 8760.0), replications=2, workers=1)


def test_cli_run_within_the_limit_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_VAR, str(GiB))
    assert main(["run", str(SMALL_PATH), "-n", "1", "-w", "1", "-q"]) == 0
    assert "Traceback" not in capsys.readouterr().err
