"""Bad scenario files give errors a user can act on: the key path, the line, no traceback.

Every case starts from ``tests/data/small.toml`` (valid) and breaks one thing. The
expected line is found in the broken text itself (the first line holding a marker
string), so that editing ``small.toml`` does not silently shift the expectations.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.scenario.errors import format_path

DATA = Path(__file__).parent / "data"
VALID = (DATA / "small.toml").read_text(encoding="utf-8")


def replace_once(old: str, new: str) -> Callable[[str], str]:
    """A mutation that replaces ``old``, which must occur exactly once, by ``new``."""

    def mutate(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in small.toml"
        return text.replace(old, new)

    return mutate


def line_of(text: str, marker: str) -> int:
    """1-based number of the first line of ``text`` that contains ``marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the text")


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[str], str]
    path: str  # the key path the message must name
    line_marker: str | None = None  # the line the message must give (None: no line check)
    words: tuple[str, ...] = ()  # further words the message must contain

    def text(self) -> str:
        return self.mutate(VALID)

    def line(self) -> int | None:
        return None if self.line_marker is None else line_of(self.text(), self.line_marker)


SCENARIO_BLOCK = VALID[: VALID.index("[calendar]")]

CASES = [
    Case(
        "unknown-top-level-key",
        lambda t: t + "\n[bogus]\nx = 1\n",
        "bogus",
        "[bogus]",
        ("unknown key",),
    ),
    Case(
        "typo-in-table-header",
        replace_once("[scenario]", "[senario]"),
        "senario",
        "[senario]",
        ("unknown key",),
    ),
    Case(
        "typo-key-in-table",
        replace_once("failures_per_year = 20", "failure_per_year = 20"),
        "equipment[0].failure_per_year",
        "failure_per_year",
        ("unknown key",),
    ),
    Case(
        "typo-key-in-inline-table",
        replace_once(
            'resupply = { dist = "constant", value = "7d" }',
            'resupply = { dist = "constant", valeu = "7d" }',
        ),
        "depot[0].resupply.valeu",
        "valeu",
        ("unknown key",),
    ),
    Case(
        "missing-required-table",
        replace_once(SCENARIO_BLOCK, ""),
        "scenario",
        None,
        ("required key is missing",),
    ),
    Case(
        "missing-required-key",
        replace_once("engineers = 2\n", ""),
        "base[0].engineers",
        "[[base]]",
        ("required key is missing",),
    ),
    Case(
        "missing-name",
        replace_once('name = "Small test operation"\n', ""),
        "scenario.name",
        "[scenario]",
        ("required key is missing",),
    ),
    Case(
        "wrong-type",
        replace_once("engineers = 2", 'engineers = "two"'),
        "base[0].engineers",
        'engineers = "two"',
        ("integer", "'two'"),
    ),
    Case(
        "negative-rate",
        replace_once("failures_per_year = 20", "failures_per_year = -1"),
        "equipment[0].failures_per_year",
        "failures_per_year",
        ("greater than 0", "-1"),
    ),
    Case(
        "zero-duration",
        replace_once('within = "4h"', 'within = "0h"'),
        "commitment[0].within",
        'within = "0h"',
        ("greater than 0",),
    ),
    Case(
        "negative-duration",
        replace_once('duration = "2h"', "duration = -2"),
        "inspection[0].duration",
        "duration = -2",
        ("not negative",),
    ),
    Case(
        "bad-duration-unit",
        replace_once('every = "30d"', 'every = "2 parsecs"'),
        "inspection[0].every",
        "parsecs",
        ("unknown unit", "parsecs"),
    ),
    Case(
        "unknown-dist",
        replace_once(
            'dist = "lognormal", mean = "2h", cv = 0.5', 'dist = "weibull", mean = "2h", cv = 0.5'
        ),
        "severity[0].onsite_time",
        "weibull",
        ("unknown dist",),
    ),
    Case(
        "lognormal-without-cv",
        replace_once(
            'dist = "lognormal", mean = "2h", cv = 0.5', 'dist = "lognormal", mean = "2h"'
        ),
        "severity[0].onsite_time.cv",
        "onsite_time",
        ("required key is missing",),
    ),
    Case(
        "triangular-low-above-high",
        replace_once(
            '{ dist = "constant", value = "7d" }',
            '{ dist = "triangular", low = "9d", mode = "8d", high = "7d" }',
        ),
        "depot[0].resupply.high",
        "triangular",
        ("low <= mode <= high",),
    ),
    Case(
        "commitment-unknown-severity",
        replace_once('severity = "L2"\nmetric', 'severity = "L9"\nmetric'),
        "commitment[1].severity",
        'severity = "L9"',
        ("unknown severity", "'L9'", "L1, L2"),
    ),
    Case(
        "commitment-unknown-zone",
        replace_once('zone = "city"\n\n[[commitment]]', 'zone = "downtown"\n\n[[commitment]]'),
        "commitment[0].zone",
        "downtown",
        ("unknown zone", "'downtown'"),
    ),
    Case(
        "severity-mix-not-one",
        replace_once("L1 = 0.3, L2 = 0.7", "L1 = 0.3, L2 = 0.6"),
        "equipment[0].severity_mix",
        "severity_mix",
        ("sum to 1", "0.9"),
    ),
    Case(
        "severity-mix-unknown-severity",
        replace_once("L1 = 0.3, L2 = 0.7", "L1 = 0.3, L7 = 0.7"),
        "equipment[0].severity_mix.L7",
        "severity_mix",
        ("unknown severity", "'L7'"),
    ),
    Case(
        "parts-mix-unknown-part",
        replace_once("psu = 0.6, board = 0.4", "psu = 0.6, fan = 0.4"),
        "equipment[0].parts.fan",
        "parts = {",
        ("unknown part", "'fan'"),
    ),
    Case(
        "parts-mix-not-one",
        replace_once("psu = 0.6, board = 0.4", "psu = 0.6, board = 0.3"),
        "equipment[0].parts",
        "parts = {",
        ("sum to 1",),
    ),
    Case(
        "spare-unit-unknown-part",
        replace_once('spare_unit = "board"', 'spare_unit = "fan"'),
        "equipment[0].spare_unit",
        "spare_unit",
        ("unknown part", "'fan'"),
    ),
    Case(
        "base-depot-unknown",
        replace_once('depot = "main"', 'depot = "south"'),
        "base[0].depot",
        'depot = "south"',
        ("unknown depot", "'south'"),
    ),
    Case(
        "depot-stock-unknown-part",
        replace_once('psu = 3, board = "15%"', "psu = 3, fan = 2"),
        "depot[0].stock.fan",
        "stock = {",
        ("unknown part", "'fan'"),
    ),
    Case(
        "bad-stock-string",
        replace_once('board = "15%"', 'board = "15 percent"'),
        "depot[0].stock.board",
        "stock = {",
        ("15 percent",),
    ),
    Case(
        "negative-stock",
        replace_once("psu = 3,", "psu = -3,"),
        "depot[0].stock.psu",
        "stock = {",
        ("negative",),
    ),
    Case(
        "site-equipment-unknown",
        replace_once("equipment = { gate = 6 }", "equipment = { gate = 6, foo = 1 }"),
        "site[1].equipment.foo",
        "foo = 1",
        ("unknown equipment", "'foo'"),
    ),
    Case(
        "duplicate-site-id",
        replace_once('id = "station-02"', 'id = "station-01"'),
        "site[1].id",
        line_marker=None,
        words=("duplicate id", "'station-01'"),
    ),
    Case(
        "duplicate-severity-id",
        replace_once('id = "L2"', 'id = "L1"'),
        "severity[1].id",
        line_marker=None,
        words=("duplicate id",),
    ),
    Case(
        "hourly-profile-23-entries",
        replace_once("hourly_profile = [1, ", "hourly_profile = ["),
        "arrivals.hourly_profile",
        "hourly_profile",
        ("24 weights", "got 23"),
    ),
    Case(
        "weekly-profile-8-entries",
        replace_once("weekly_profile = [1, ", "weekly_profile = [1, 1, "),
        "arrivals.weekly_profile",
        "weekly_profile",
        ("7 weights", "got 8"),
    ),
    Case(
        "share-above-one",
        replace_once("remote_fix = 0.2", "remote_fix = 1.5"),
        "severity[0].remote_fix",
        "remote_fix",
        ("less than or equal to 1", "1.5"),
    ),
    Case(
        "goal-above-one",
        replace_once("goal = 0.9", "goal = 1.2"),
        "commitment[0].goal",
        "goal = 1.2",
        ("1.2",),
    ),
    Case(
        "latitude-out-of-range",
        replace_once("location = [34.30, 108.90]", "location = [95.0, 108.90]"),
        "site[1].location",
        "95.0",
        ("latitude", "95"),
    ),
    Case(
        "longitude-out-of-range",
        replace_once("location = [34.30, 108.90]", "location = [34.30, 200.0]"),
        "site[1].location",
        "200.0",
        ("longitude", "200"),
    ),
    Case(
        "bad-shift",
        replace_once('shift = "24x7"\ndepot', 'shift = "9 to 5"\ndepot'),
        "base[0].shift",
        "9 to 5",
        ("'9 to 5'", "HH:MM-HH:MM"),
    ),
    Case(
        "bad-desk-shift",
        replace_once('agents = 1\nshift = "24x7"', 'agents = 1\nshift = "25:00-08:00"'),
        "desk.shift",
        "25:00",
        ("'25:00-08:00'",),
    ),
    Case(
        "bad-business-hours",
        replace_once('business_hours = "09:00-18:00"', 'business_hours = "9-18"'),
        "calendar.business_hours",
        "business_hours",
        ("HH:MM-HH:MM", "'9-18'"),
    ),
    Case(
        "bad-business-day",
        replace_once('"Mon", "Tue"', '"Monday", "Tue"'),
        "calendar.business_days[0]",
        "business_days",
        ("'Monday'",),
    ),
    Case(
        "bad-holiday",
        replace_once("[calendar]\n", '[calendar]\nholidays = ["2027-13-01"]\n'),
        "calendar.holidays[0]",
        "holidays",
        ("date",),
    ),
    Case(
        "unknown-metric",
        replace_once('metric = "arrival"', 'metric = "arrvial"'),
        "commitment[0].metric",
        "arrvial",
        ("'arrvial'", "response", "resolution"),
    ),
    Case(
        "unknown-clock",
        replace_once('clock = "business"', 'clock = "office"'),
        "commitment[1].clock",
        "office",
        ("'office'", "24x7"),
    ),
    Case(
        "inspection-unknown-site",
        replace_once('sites = ["station-01"]', 'sites = ["station-01", "station-99"]'),
        "inspection[0].sites[1]",
        "station-99",
        ("unknown site", "'station-99'"),
    ),
    Case(
        "inspection-unknown-zone",
        replace_once('sites = ["station-01"]', 'sites = "rural"'),
        "inspection[0].sites",
        "rural",
        ("unknown zone", "'rural'"),
    ),
    Case(
        "penalty-unknown-severity",
        replace_once("penalty = { L1 = 1000 }", "penalty = { L5 = 1000 }"),
        "costs.penalty.L5",
        "penalty",
        ("unknown severity", "'L5'"),
    ),
    Case(
        "distribution-without-dist",
        replace_once('{ dist = "exponential", mean = "10min" }', '{ mean = "10min" }'),
        "desk.handle_time",
        "handle_time",
        ("'dist'",),
    ),
    Case(
        "broken-toml-syntax",
        replace_once("engineers = 2", "engineers = = 2"),
        "(file)",
        "engineers = = 2",
        ("not valid TOML",),
    ),
    Case(
        "broken-toml-unclosed-header",
        replace_once("[travel]", "[travel"),
        "(file)",
        "[travel",
        ("not valid TOML",),
    ),
]

IDS = [case.id for case in CASES]


def test_the_base_scenario_is_valid() -> None:
    scenario = simsvc.parse_scenario(VALID, "small.toml")
    assert scenario.scenario.name == "Small test operation"


def test_cases_are_distinct() -> None:
    assert len(set(IDS)) == len(IDS)
    texts = [case.text() for case in CASES]
    assert len(set(texts)) == len(texts), "two cases break the file the same way"
    assert VALID not in texts
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_error_names_key_path_and_line(case: Case, tmp_path: Path) -> None:
    bad = tmp_path / f"{case.id}.toml"
    bad.write_text(case.text(), encoding="utf-8")
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.load_scenario(bad)
    error = caught.value
    message = str(error)
    assert message.startswith(f"{bad}: "), message
    assert case.path in message, message
    for word in case.words:
        assert word in message, f"{word!r} not in {message!r}"
    problems = [p for p in error.problems if format_path(p.path) == case.path]
    assert problems, [str(p) for p in error.problems]
    line = case.line()
    if line is not None:
        assert f"(line {line})" in message, message
        assert problems[0].line == line
        assert str(problems[0]) in message


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ('id = "station-02"', 'id = "station-01"', "site[1].id"),
        ('id = "L2"', 'id = "L1"', "severity[1].id"),
    ],
    ids=["site", "severity"],
)
def test_duplicate_id_points_at_the_second_one(old: str, new: str, path: str) -> None:
    text = VALID.replace(old, new)
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(text, "dup.toml")
    # the second table with that id; the first one is fine
    second = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == new][1]
    assert f"{path} (line {second})" in str(caught.value)


def test_empty_file_names_every_required_table(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.load_scenario(empty)
    paths = {format_path(p.path) for p in caught.value.problems}
    assert paths == {"scenario", "severity", "commitment", "base", "equipment", "site"}
    assert all(p.message == "required key is missing" for p in caught.value.problems)
    assert "6 problems" in str(caught.value)


def test_every_problem_is_reported_not_only_the_first() -> None:
    fields = replace_once("remote_fix = 0.2", "remote_fix = 1.5")(VALID)
    fields = replace_once("engineers = 2", 'engineers = "two"')(fields)
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(fields, "many.toml")
    paths = {format_path(p.path) for p in caught.value.problems}
    assert paths == {"severity[0].remote_fix", "base[0].engineers"}
    assert "2 problems" in str(caught.value)

    references = replace_once('depot = "main"', 'depot = "south"')(VALID)
    references = replace_once("equipment = { gate = 6 }", "equipment = { gate = 6, foo = 1 }")(
        references
    )
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(references, "many.toml")
    paths = {format_path(p.path) for p in caught.value.problems}
    assert paths == {"base[0].depot", "site[1].equipment.foo"}
    assert "2 problems" in str(caught.value)


def test_a_line_comment_after_a_header_does_not_lose_the_line() -> None:
    text = replace_once("[[base]]\n", "[[base]]  # the only base\n")(VALID)
    text = replace_once("engineers = 2\n", "")(text)
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(text, "c.toml")
    assert f"base[0].engineers (line {line_of(text, '[[base]]')})" in str(caught.value)


def test_unknown_array_table_header_has_its_line() -> None:
    text = VALID.replace('[[commitment]]\nseverity = "L2"', '[[comitment]]\nseverity = "L2"')
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(text, "typo.toml")
    assert f"comitment (line {line_of(text, '[[comitment]]')})" in str(caught.value)


def test_key_in_a_sub_table_header_has_its_own_line() -> None:
    text = replace_once("equipment = { gate = 6 }\n", "\n[site.equipment]\ngate = 6\nfoo = 1\n")(
        VALID
    )
    with pytest.raises(simsvc.ScenarioError) as caught:
        simsvc.parse_scenario(text, "sub.toml")
    assert f"site[1].equipment.foo (line {line_of(text, 'foo = 1')})" in str(caught.value)


# -- the same errors through the command line ------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_validate_exits_2_with_key_path(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / f"{case.id}.toml"
    bad.write_text(case.text(), encoding="utf-8")
    code = main(["validate", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert case.path in err
    assert err.startswith("error: ")
    assert "Traceback" not in err + out
    assert "valid" not in out


def test_cli_validate_accepts_the_base_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "small.toml")]) == 0
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("small.toml: valid")
    assert "Traceback" not in err


def test_cli_validate_in_a_subprocess(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(VALID.replace("remote_fix = 0.2", "remote_fix = 1.5"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "simsvc", "validate", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "severity[0].remote_fix" in done.stderr
    assert f"(line {line_of(bad.read_text(), 'remote_fix')})" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("command", ["run", "validate"])
def test_cli_missing_file_exits_2_cleanly(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-scenario.toml"
    assert main([command, str(missing)]) == 2
    out, err = capsys.readouterr()
    assert str(missing) in err
    assert "cannot read" in err
    assert "Traceback" not in err + out


def test_cli_run_missing_file_in_a_subprocess(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-scenario.toml"
    done = subprocess.run(
        [sys.executable, "-m", "simsvc", "run", str(missing), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert str(missing) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "write",
    [
        lambda p: p.mkdir(),
        lambda p: p.write_bytes(b'[scenario]\nname = "\xff\xfe"\n'),
    ],
    ids=["a-folder", "not-utf8"],
)
def test_cli_unreadable_file_exits_2_cleanly(
    write: Callable[[Path], object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "scenario.toml"
    write(target)
    assert main(["validate", str(target)]) == 2
    out, err = capsys.readouterr()
    assert str(target) in err
    assert "Traceback" not in err + out
