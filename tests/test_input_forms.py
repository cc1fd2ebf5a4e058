"""What a bid team types is read as it means: units in words and in Chinese, percentages,
a byte-order mark, and a "did you mean" for a misspelt key."""

from __future__ import annotations

from pathlib import Path

import pytest

import simsvc
from simsvc.scenario.units import parse_duration

SMALL = Path(__file__).parent / "data" / "small.toml"
TEXT = SMALL.read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("30分钟", 0.5),
        ("30分钟内", 0.5),
        ("2小时", 2.0),
        ("2小时以内", 2.0),
        ("48小时内", 48.0),
        ("3天", 72.0),
        ("1周", 168.0),
        ("4 hours", 4.0),
        ("10 minutes", 1 / 6),
        ("2 days", 48.0),
        ("45 seconds", 0.0125),
        ("1.5h", 1.5),
    ],
)
def test_durations_in_words_and_in_chinese(text: str, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours)


def test_an_unknown_unit_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown unit 'parsecs'.*小时"):
        parse_duration("4 parsecs")


def test_shares_as_percentages_and_a_hint_for_95() -> None:
    text = TEXT.replace("goal = 0.9", 'goal = "90%"').replace(
        "remote_fix = 0.2", 'remote_fix = "20%"'
    )
    scenario = simsvc.parse_scenario(text)
    assert scenario.commitment[0].goal == pytest.approx(0.9)
    assert scenario.severity[0].remote_fix == pytest.approx(0.2)
    with pytest.raises(simsvc.ScenarioError) as error:
        simsvc.parse_scenario(TEXT.replace("goal = 0.9", "goal = 95"), "bid.toml")
    (problem,) = error.value.problems
    assert problem.path == ("commitment", 0, "goal")
    assert problem.message == "a share is at most 1: write 0.95 for 95% (or '95%')"
    for goal in ("1.5", "150", '"150%"'):
        with pytest.raises(simsvc.ScenarioError) as error:
            simsvc.parse_scenario(TEXT.replace("goal = 0.9", f"goal = {goal}"), "bid.toml")
        (problem,) = error.value.problems
        assert "write 0.95 for 95%" in problem.message, goal


def test_a_chinese_duration_in_a_commitment() -> None:
    scenario = simsvc.parse_scenario(TEXT.replace('within = "4h"', 'within = "4小时内"'))
    assert scenario.commitment[0].within == 4.0


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert simsvc.load_scenario(path).scenario.name == "Small test operation"


@pytest.mark.parametrize(
    ("wrong", "right", "path"),
    [
        ("engineers = 2", "enginers = 2", ("base", 0, "enginers")),
        ('horizon = "30d"', 'horizn = "30d"', ("scenario", "horizn")),
        ("speed_kmh = 40", "speed_kph = 40", ("travel", "speed_kph")),
    ],
)
def test_a_misspelt_key_gets_a_did_you_mean(
    wrong: str, right: str, path: tuple[str | int, ...]
) -> None:
    with pytest.raises(simsvc.ScenarioError) as error:
        simsvc.parse_scenario(TEXT.replace(wrong, right))
    problem = next(p for p in error.value.problems if p.path == path)
    assert problem.message == f"unknown key (did you mean {wrong.split(' =')[0]!r}?)"


def test_validate_warns_about_each_bare_number_read_as_hours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simsvc.cli.main import main

    text = TEXT.replace('within = "4h"', "within = 30", 1)
    text = text.replace('warmup = "2d"', "warmup = 0", 1)  # zero is unambiguous
    lines = text.splitlines()
    within_line = next(n for n, line in enumerate(lines, 1) if line.startswith("within = 30"))
    path = tmp_path / "bid.toml"
    path.write_text(text, "utf-8")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"warning: {path}: commitment[0].within (line {within_line}): 30 read as 30 h;"
        ' write "30min" or "30h"'
    ]
    assert out.rstrip().endswith("valid (1 warning)")
    assert simsvc.parse_scenario(text).commitment[0].within == 30.0  # still hours


def test_bare_numbers_inside_distributions_are_named_and_units_are_not() -> None:
    from simsvc.scenario.notices import duration_notices

    assert duration_notices(TEXT) == []
    text = TEXT.replace(
        "[[severity]]",
        '[[severity]]\nremote_time = { dist = "triangular", low = "10min", mode = 1, high = "2h" }',
        1,
    )
    (notice,) = duration_notices(text)
    assert notice.path == ("severity", 0, "remote_time", "mode")
    assert notice.message == '1 read as 1 h; write "1min" or "1h"'
