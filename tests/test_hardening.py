"""Regression tests for the second hardening pass (issue 11): nothing crashes, lies or is lost.

Each test reproduces one case of the issue: a file that validated and then crashed or
misled, an error report too slow to wait for, an output that replaced a special file, a
sweep grid built in full to draw four points from it.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import re
import socket
import stat
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import simsvc
from simsvc import result_files
from simsvc.cost import resource_cost, yearly_cost
from simsvc.result_files import OutputError, atomic_path, write_text
from simsvc.scenario import variation
from simsvc.scenario.errors import Problem, ScenarioError, format_path
from simsvc.scenario.loading import scenario_from_dict
from simsvc.scenario.variation import VaryError, parse_axes, parse_axis
from simsvc.sweep import grid

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "data" / "small.toml"
SMALL_TEXT = SMALL.read_text(encoding="utf-8")
SMALL_DATA: dict[str, Any] = tomllib.loads(SMALL_TEXT)
PROVINCIAL = ROOT / "scenarios" / "provincial_hvac.toml"


def with_value(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """``small.toml``'s data with the item at ``path`` set to ``value``."""
    data = copy.deepcopy(SMALL_DATA)
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = value
    return data


def problems_of(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    return caught.value.problems


def messages_at(data: dict[str, Any], path: str) -> list[str]:
    """The messages of the problems of ``data`` whose key path is ``path``."""
    return [p.message for p in problems_of(data) if format_path(p.path) == path]


# -- 1. booleans are not numbers -----------------------------------------------------------

NUMBER_FIELDS: list[tuple[str | int, ...]] = [
    ("scenario", "replications"),
    ("scenario", "seed"),
    ("severity", 0, "priority"),
    ("severity", 0, "remote_fix"),
    ("severity", 0, "part_need"),
    ("severity", 0, "onsite_time", "cv"),
    ("commitment", 0, "goal"),
    ("desk", "agents"),
    ("base", 0, "engineers"),
    ("base", 0, "location", 0),
    ("depot", 0, "location", 1),
    ("part", 0, "unit_cost"),
    ("equipment", 0, "failures_per_year"),
    ("equipment", 0, "severity_mix", "L1"),
    ("equipment", 0, "parts", "psu"),
    ("site", 0, "equipment", "gate"),
    ("site", 0, "location", 0),
    ("inspection", 0, "months"),
    ("travel", "speed_kmh"),
    ("travel", "road_factor"),
    ("travel", "cv"),
    ("arrivals", "hourly_profile", 3),
    ("arrivals", "weekly_profile", 0),
    ("costs", "engineer_per_year"),
    ("costs", "desk_agent_per_year"),
    ("costs", "holding_rate"),
    ("costs", "penalty", "L1"),
    ("plan", "confidence"),
    ("plan", "max_breach_risk"),
    ("plan", "max_engineers_per_base"),
    ("plan", "max_desk_agents"),
    ("plan", "max_stock_per_part"),
]


@pytest.mark.parametrize("path", NUMBER_FIELDS, ids=format_path)
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_refused_where_a_number_is_expected(
    path: tuple[str | int, ...], value: bool
) -> None:
    if path == ("inspection", 0, "months"):
        data = with_value(path, [1, value])
        where = "inspection[0].months[1]"
    else:
        data = with_value(path, value)
        where = format_path(path)
    messages = messages_at(data, where)
    assert messages, [str(p) for p in problems_of(data)]
    assert any("expected a number" in m for m in messages), messages


def test_the_three_booleans_of_the_issue_name_their_key_and_line() -> None:
    text = SMALL_TEXT.replace("goal = 0.9", "goal = true")
    text = text.replace("remote_fix = 0.2", "remote_fix = true")
    text = text.replace("engineers = 2", "engineers = true")
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "small.toml")
    found = {format_path(p.path): p for p in caught.value.problems}
    for path, key in [
        ("commitment[0].goal", "goal = true"),
        ("severity[0].remote_fix", "remote_fix = true"),
        ("base[0].engineers", "engineers = true"),
    ]:
        assert path in found, str(caught.value)
        assert found[path].message == "expected a number, got true"
        assert found[path].line == text.splitlines().index(key) + 1


def test_whole_numbers_are_still_numbers() -> None:
    data = with_value(("commitment", 0, "goal"), 1)
    data["travel"]["speed_kmh"] = 40
    data["costs"]["holding_rate"] = 0
    data["severity"][0]["remote_fix"] = 0
    scenario = scenario_from_dict(data)
    assert scenario.commitment[0].goal == 1.0 and isinstance(scenario.commitment[0].goal, float)
    assert scenario.travel.speed_kmh == 40.0


# -- 2. ids that print alike are the same id, or refused -----------------------------------

INVISIBLE = {
    "\u200d": "ZERO WIDTH JOINER",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200b": "ZERO WIDTH SPACE",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u034f": "COMBINING GRAPHEME JOINER",
    "\ufe0f": "VARIATION SELECTOR-16",
    "\u3164": "HANGUL FILLER",
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_an_invisible_character_in_an_id_is_refused_by_its_code_point(char: str) -> None:
    data = with_value(("severity", 0, "id"), f"L{char}1")
    messages = messages_at(data, "severity[0].id")
    assert messages, [str(p) for p in problems_of(data)]
    assert f"U+{ord(char):04X}" in messages[0], messages
    assert INVISIBLE[char] in messages[0], messages


def test_two_ids_that_print_alike_are_not_two_severities() -> None:
    data = copy.deepcopy(SMALL_DATA)
    data["severity"].append({"id": "L\u200d1", "priority": 3})
    messages = messages_at(data, "severity[2].id")
    assert any("U+200D" in m for m in messages), messages


def test_ids_and_references_are_normalised_to_nfc() -> None:
    decomposed, composed = "e\u0301te", "\u00e9te"
    data = with_value(("severity", 0, "id"), decomposed)
    data["commitment"][0]["severity"] = composed
    data["equipment"][0]["severity_mix"] = {composed: 0.3, "L2": 0.7}
    data["costs"]["penalty"] = {decomposed: 1000}
    data["site"][0]["id"] = "s\u0301"
    data["inspection"][0]["sites"] = ["s\u0301"]
    scenario = scenario_from_dict(data)
    assert scenario.severity[0].id == composed
    assert scenario.commitment[0].severity == composed
    assert scenario.priority_of(composed) == 1
    assert set(scenario.costs.penalty) == {composed}
    assert scenario.inspection[0].sites == [scenario.site[0].id]


def test_a_reference_with_an_invisible_character_says_so() -> None:
    data = with_value(("commitment", 0, "severity"), "L\u200b1")
    messages = messages_at(data, "commitment[0].severity")
    assert any("U+200B" in m for m in messages), messages


# -- 3. money stays finite ------------------------------------------------------------------

MONEY = [
    ("costs", "engineer_per_year"),
    ("costs", "desk_agent_per_year"),
    ("costs", "penalty", "L1"),
    ("part", 0, "unit_cost"),
]


@pytest.mark.parametrize("path", MONEY, ids=format_path)
@pytest.mark.parametrize("amount", [1e308, 1e13, 1e12 * (1 + 1e-9)])
def test_an_implausible_amount_of_money_is_refused(
    path: tuple[str | int, ...], amount: float
) -> None:
    messages = messages_at(with_value(path, amount), format_path(path))
    assert messages and "1e12" in messages[0], messages


def test_the_largest_amounts_keep_every_total_finite() -> None:
    data = with_value(("costs", "engineer_per_year"), 1e12)
    data["costs"]["desk_agent_per_year"] = 1e12
    data["costs"]["penalty"] = {"L1": 1e12, "L2": 1e12}
    data["costs"]["holding_rate"] = 10
    data["part"][0]["unit_cost"] = 1e12
    data["part"][1]["unit_cost"] = 1e12
    data["base"][0]["engineers"] = 10_000
    data["desk"]["agents"] = 10_000
    data["depot"][0]["stock"] = {"psu": 10_000_000, "board": "1000%"}
    data["site"][0]["equipment"]["gate"] = 10_000_000
    data["scenario"]["horizon"] = 24  # a short horizon makes the penalties per year large
    scenario = scenario_from_dict(data)
    assert all(math.isfinite(v) for v in resource_cost(scenario).values())
    breaches = dict.fromkeys(scenario.commitment_ids(), 1e9)
    assert all(math.isfinite(v) for v in yearly_cost(scenario, breaches).values())


# -- 4. a business clock that can never tick -----------------------------------------------


def _mondays(start: dt.date, days: int) -> list[dt.date]:
    dates = [start + dt.timedelta(d) for d in range(days)]
    return [d for d in dates if d.weekday() == 0]


def test_business_days_that_are_all_holidays_are_refused() -> None:
    data = copy.deepcopy(SMALL_DATA)
    start = dt.date(2027, 1, 4)  # the default start, a Monday
    data["calendar"]["business_days"] = ["Mon"]
    data["calendar"]["start"] = start
    # warm-up 2 days (from Saturday) and 30 days of horizon: Mondays 4, 11, 18, 25 Jan, 1 Feb
    data["calendar"]["holidays"] = _mondays(start - dt.timedelta(2), 40)
    problems = problems_of(data)
    found = [p for p in problems if format_path(p.path) == "calendar.holidays"]
    assert found, [str(p) for p in problems]
    assert "calendar.business_days" in found[0].message
    assert "commitment[1].clock" in found[0].message


def test_one_working_monday_in_the_horizon_is_enough() -> None:
    data = copy.deepcopy(SMALL_DATA)
    start = dt.date(2027, 1, 4)
    data["calendar"]["business_days"] = ["Mon"]
    data["calendar"]["holidays"] = _mondays(start, 40)[1:]
    scenario_from_dict(data)


def test_a_working_monday_only_after_the_horizon_does_not_count() -> None:
    data = copy.deepcopy(SMALL_DATA)
    start = dt.date(2027, 1, 4)
    data["calendar"]["business_days"] = ["Mon"]
    data["calendar"]["holidays"] = [d for d in _mondays(start - dt.timedelta(7), 60)]
    data["calendar"]["holidays"] = [d for d in data["calendar"]["holidays"] if d.month == 1]
    data["scenario"]["horizon"] = "27d"  # ends 31 Jan, before the first working Monday
    assert messages_at(data, "calendar.holidays")


def test_no_business_days_while_an_inspection_uses_the_business_clock() -> None:
    data = with_value(("calendar", "business_days"), [])
    data["commitment"][1]["clock"] = "24x7"
    assert data["inspection"][0].get("clock", "business") == "business"
    messages = messages_at(data, "calendar.business_days")
    assert messages and "inspection[0].clock" in messages[0], messages


def test_no_business_days_is_fine_when_nothing_uses_the_business_clock() -> None:
    data = with_value(("calendar", "business_days"), [])
    data["commitment"][1]["clock"] = "24x7"
    data["inspection"][0]["clock"] = "24x7"
    scenario_from_dict(data)


# -- 5. priority_of is a lookup -------------------------------------------------------------


def _many_severities(count: int) -> simsvc.Scenario:
    data = copy.deepcopy(SMALL_DATA)
    data["severity"] += [{"id": f"S{k}", "priority": 0} for k in range(count)]
    return scenario_from_dict(data)


def _seconds(call: Any, repeat: int = 2000) -> float:
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, time.perf_counter() - start)
    return best


def test_priority_of_does_not_scan_the_severities() -> None:
    scenario = _many_severities(5000)
    assert scenario.priority_of("L1") == 1
    assert scenario.priority_of("S4999") == 5002  # by file order when not given
    with pytest.raises(KeyError):
        scenario.priority_of("nope")
    first = _seconds(lambda: scenario.priority_of("L1"))
    last = _seconds(lambda: scenario.priority_of("S4999"))
    assert last < 10 * first + 0.05, (first, last)


def test_priority_of_follows_a_copy_with_other_severities() -> None:
    scenario = simsvc.load_scenario(SMALL)
    assert scenario.priority_of("L2") == 2
    severities = [s.model_copy(update={"priority": 9}) for s in scenario.severity]
    changed = scenario.model_copy(update={"severity": severities})
    assert changed.priority_of("L2") == 9
    assert scenario.priority_of("L2") == 2


# -- 6. many problems are reported fast, and summarised ------------------------------------


def test_two_thousand_unknown_keys_are_reported_fast_and_summarised() -> None:
    extra = "".join(f"bogus_{k} = 1\n" for k in range(2000))
    text = SMALL_TEXT.replace("[travel]\n", "[travel]\n" + extra)
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "many.toml")
    report = str(caught.value)
    elapsed = time.perf_counter() - start
    assert elapsed < 20, elapsed
    assert len(caught.value.problems) == 2000
    assert all(p.line is not None for p in caught.value.problems)
    assert caught.value.problems[-1].line == text.splitlines().index("bogus_1999 = 1") + 1
    lines = report.splitlines()
    assert lines[0] == "many.toml: 2,000 problems in the scenario"
    assert len(lines) == 1 + 50 + 1
    assert lines[-1].startswith("  ... and 1,950 more like it: travel.bogus_*: unknown key")


def test_a_misspelt_key_on_every_site_of_the_provincial_file(tmp_path: Path) -> None:
    text = PROVINCIAL.read_text(encoding="utf-8")
    misspelt = re.sub(r"(?m)^equipment = ", "equipmnt = ", text)
    assert misspelt.count("equipmnt = ") == 2200
    path = tmp_path / "provincial_misspelt.toml"
    path.write_text(misspelt, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        simsvc.load_scenario(path)
    report = str(caught.value)
    elapsed = time.perf_counter() - start
    assert elapsed < 20, elapsed  # about 0.3 s on a laptop; CI machines are slower
    assert len(report.splitlines()) < 60
    assert re.search(r"\.\.\. and 2,1\d\d more like it: site\[\*\]\.equipmnt: unknown key", report)
    assert re.search(r"and 2,1\d\d more like it: site\[\*\]\.equipment: required key", report)
    lines = misspelt.splitlines()
    unknown = [p for p in caught.value.problems if p.path[-1] == "equipmnt"]
    assert len(unknown) == 2200
    assert all(p.line is not None and lines[p.line - 1].startswith("equipmnt") for p in unknown)


def test_a_few_problems_are_all_shown() -> None:
    error = ScenarioError([Problem(("site", k, "x"), "bad") for k in range(50)], "f.toml")
    assert "more like it" not in str(error)
    assert len(str(error).splitlines()) == 51


# -- 7. special files are written to, never replaced ---------------------------------------


def _read_fifo(path: Path, into: list[bytes]) -> None:
    with open(path, "rb") as fifo:
        into.append(fifo.read())


def test_a_fifo_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=_read_fifo, args=(fifo, received), daemon=True)
    reader.start()
    write_text(fifo, "hello\n")
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received == [b"hello\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.fifo"]


def test_a_character_device_is_written_to_and_stays_one(tmp_path: Path) -> None:
    # First a device node of our own (as root), so that a regression replaces that one
    # and the test stops before it could replace the system's /dev/null.
    try:
        own = tmp_path / "null"
        os.mknod(own, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pass
    else:
        write_text(own, "x" * 10_000)
        assert stat.S_ISCHR(os.stat(own).st_mode)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]
    write_text("/dev/null", "results\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [p for p in Path("/dev").iterdir() if p.name.startswith(".null.")]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder"), atomic_path(tmp_path) as path:
        path.write_text("x")


@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A folder with a short path: a socket's path is limited to about 100 bytes."""
    with tempfile.TemporaryDirectory(prefix="hd", dir="/tmp") as folder:
        yield Path(folder)


def test_a_socket_is_refused(short_folder: Path) -> None:
    target = short_folder / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(target))
        with pytest.raises(OutputError, match="socket"):
            write_text(target, "x")
        assert stat.S_ISSOCK(os.stat(target).st_mode)


def test_a_block_device_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "disk"
    try:
        os.mknod(target, stat.S_IFBLK | 0o600, os.makedev(7, 200))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    with pytest.raises(OutputError, match="block device"):
        write_text(target, "x")
    assert stat.S_ISBLK(os.stat(target).st_mode)


def test_a_long_file_name_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / ("r" * 250 + ".json")  # 255 bytes: the temporary name must be shorter
    write_text(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# -- 8. outputs are checked before simulating ----------------------------------------------


def test_check_writable_accepts_a_new_file_and_leaves_nothing(tmp_path: Path) -> None:
    result_files.check_writable(tmp_path / "res.json")
    (tmp_path / "old.json").write_text("{}")
    result_files.check_writable(tmp_path / "old.json")
    result_files.check_writable("/dev/null")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing/res.json", "does not exist"),
        ("x" * 251 + ".json", "256 bytes"),
        ("站" * 90 + ".json", "275 bytes"),
        (".", "folder"),
    ],
    ids=["missing-folder", "256-bytes", "cjk-275-bytes", "the-folder-itself"],
)
def test_check_writable_refuses_what_cannot_be_written(
    tmp_path: Path, name: str, words: str
) -> None:
    target = tmp_path / name
    with pytest.raises(OutputError) as caught:
        result_files.check_writable(target)
    assert str(caught.value).startswith(str(target)), str(caught.value)
    assert words in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_check_writable_refuses_proc() -> None:
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc")
    with pytest.raises(OutputError, match=r"^/proc/res\.json: cannot create a file in /proc"):
        result_files.check_writable("/proc/res.json")


def test_check_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot create a file in"):
            result_files.check_writable(folder / "res.json")
    finally:
        folder.chmod(0o700)


def test_check_writable_refuses_a_socket(short_folder: Path) -> None:
    target = short_folder / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(target))
        with pytest.raises(OutputError, match="socket"):
            result_files.check_writable(target)


# -- 9. big grids are sampled, not built ---------------------------------------------------

BIG = ["depot.main.stock.psu=0..9999999", "desk.agents=0..10000", "base.north.engineers=0..10000"]


def test_a_range_of_four_billion_values_is_refused_at_once() -> None:
    scenario = simsvc.load_scenario(SMALL)
    start = time.perf_counter()
    with pytest.raises(VaryError) as caught:
        parse_axis("base.north.engineers=1..4000000000", scenario)
    assert time.perf_counter() - start < 20
    assert "base[0].engineers" in str(caught.value) and "10000" in str(caught.value)
    with pytest.raises(VaryError, match=r"travel\.cv: input should be less than or equal to 5"):
        parse_axis("travel.cv=1..4000000000", scenario)


def test_a_range_longer_than_any_field_accepts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = simsvc.load_scenario(SMALL)
    monkeypatch.setattr(variation, "MAX_RANGE", 1000)
    with pytest.raises(VaryError, match="has 1,001 values, more than the 1,000 a range may have"):
        parse_axis("depot.main.stock.psu=0..1000", scenario)


def test_a_huge_grid_is_sampled_without_building_it() -> None:
    scenario = simsvc.load_scenario(SMALL)
    start = time.perf_counter()
    axes = parse_axes(BIG, scenario)
    assert [len(axis.values) for axis in axes] == [10_000_000, 10_001, 10_001]
    points = grid.sample_points(axes, 4, seed=1)
    assert time.perf_counter() - start < 20
    assert len(set(points)) == 4
    for point in points:
        stock, agents, engineers = (int(v) for v in point)
        assert 0 <= stock <= 9_999_999 and 0 <= agents <= 10_000 and 0 <= engineers <= 10_000
    assert grid.sample_points(axes, 4, seed=1) == points
    assert grid.grid_size(axes) == 10_000_000 * 10_001 * 10_001


def test_a_grid_too_large_to_run_is_refused_with_the_count_and_the_limit() -> None:
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(BIG, scenario)
    with pytest.raises(grid.GridTooLarge) as caught:
        grid.grid_points(axes)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, VaryError)
    assert "1,000,200,010,000,000 points" in str(caught.value)
    assert "1,000,000" in str(caught.value) and "--sample" in str(caught.value)
    with pytest.raises(grid.GridTooLarge):
        grid.sample_points(axes, 2_000_000, seed=1)


def test_a_grid_just_over_the_limit_is_refused() -> None:
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(["base.north.engineers=0..1000", "desk.agents=0..1000"], scenario)
    assert grid.grid_size(axes) == 1001 * 1001
    with pytest.raises(grid.GridTooLarge, match="1,002,001 points"):
        grid.grid_points(axes)
    small = parse_axes(["base.north.engineers=0..999", "desk.agents=1..1000"], scenario)
    assert len(grid.grid_points(small)) == 1_000_000


def test_small_samples_are_the_points_drawn_before() -> None:
    """The sampler is the one of earlier releases: a resumed sweep finds its points."""
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(
        [
            "base.north.engineers=0..5",
            "depot.main.stock.psu=0..5",
            "travel.speed_kmh=20,30,40",
            "desk.agents=1..6",
        ],
        scenario,
    )
    assert grid.sample_points(axes, 12, seed=3) == [
        (0, 2, 30.0, 4), (0, 4, 20.0, 1), (1, 2, 40.0, 3), (1, 5, 30.0, 2),
        (2, 0, 20.0, 4), (2, 1, 30.0, 6), (3, 3, 20.0, 3), (3, 3, 30.0, 5),
        (4, 0, 20.0, 5), (4, 4, 40.0, 6), (5, 1, 40.0, 1), (5, 5, 40.0, 2),
    ]  # fmt: skip
    axes = parse_axes(["base.north.engineers=1..3", "travel.speed_kmh=20,40"], scenario)
    assert grid.sample_points(axes, 4, seed=9) == [(1, 40.0), (2, 20.0), (3, 20.0), (3, 40.0)]


def test_a_range_is_lazy_but_reads_like_a_tuple() -> None:
    scenario = simsvc.load_scenario(SMALL)
    axis = parse_axis("depot.main.stock.psu=5..9999999", scenario)
    values = axis.values
    assert len(values) == 9_999_995
    assert values[0] == 5 and values[-1] == 9_999_999 and values[1000] == 1005
    assert values.index(1005) == 1000 and 7 in values and 4 not in values
    assert list(parse_axis("depot.main.stock.psu=2..4", scenario).values) == [2, 3, 4]
    assert tuple(parse_axis("travel.speed_kmh=20..22", scenario).values) == (20.0, 21.0, 22.0)


def test_a_range_of_one_bad_value_inside_valid_bounds_is_still_refused() -> None:
    scenario = simsvc.load_scenario(SMALL)
    with pytest.raises(VaryError, match=r"base\[0\]\.engineers"):
        parse_axis("base.north.engineers=-1..3", scenario)


@pytest.mark.parametrize("digits", [20, 400, 1000])
def test_a_huge_whole_goal_is_refused_with_the_share_hint(digits: int) -> None:
    """A goal of hundreds of nines is an int too large for a float: refused with the goal's
    own message, never an OverflowError (found by the fuzz run)."""
    text = (Path(__file__).parent / "data" / "small.toml").read_text("utf-8")
    text = re.sub(r"goal = [0-9.]+", "goal = " + "9" * digits, text, count=1)
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "huge.toml")
    assert "write 0.95 for 95%" in str(caught.value)
