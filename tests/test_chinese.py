"""Chinese throughout: names in Chinese, and terminal tables that line up CJK text."""

from __future__ import annotations

from pathlib import Path

import pytest

import simsvc
from simsvc.planner.promise import promise
from simsvc.terminal import display_width, render

TEXT = (Path(__file__).parent / "data" / "small.toml").read_text("utf-8")
NAMED = (
    TEXT.replace("[[severity]]", '[[severity]]\nname_zh = "一级故障"', 1)
    + '\n[names.zh]\ncity = "市区"\nsuburb = "郊区"\n'
)


def test_display_width_counts_cjk_characters_as_two_columns() -> None:
    assert display_width("L1") == 2
    assert display_width("故障级别") == 8
    assert display_width("30分钟内") == 8
    assert display_width("（工作时间）") == 12
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_a_chinese_table_lines_up_by_display_width() -> None:
    text = render(
        [["一级故障", "30分钟内", "1"], ["L2 minor", "2小时内", "22"]],
        ["故障级别", "响应时间", "n"],
        right={2},
    )
    lines = text.splitlines()
    assert lines == [
        "故障级别  响应时间   n",
        "--------  --------  --",
        "一级故障  30分钟内   1",
        "L2 minor  2小时内   22",
    ]
    # every column starts at the same display column on every line
    starts = {display_width(line[: line.index("  ") + 2]) for line in lines}
    assert starts == {10}


def test_promise_in_chinese_uses_the_chinese_names_of_severities_and_zones() -> None:
    scenario = simsvc.parse_scenario(NAMED)
    table = promise(scenario, replications=2, workers=1)
    header, rows = table.grid("zh")
    assert header[:2] == ["故障级别", "区域"]
    first = scenario.severity[0].id
    assert any(row[0] == f"{first} 一级故障" for row in rows)
    assert {row[1] for row in rows} == {"市区", "郊区"}
    _, english = table.grid("en")
    assert {row[1] for row in english} == {"city", "suburb"}
    assert not any("一级故障" in row[0] for row in english)


def test_a_chinese_name_for_a_zone_no_site_has_is_an_error() -> None:
    with pytest.raises(simsvc.ScenarioError) as error:
        simsvc.parse_scenario(NAMED.replace('city = "市区"', 'cty = "市区"'))
    (problem,) = error.value.problems
    assert problem.path == ("names", "zh", "cty")
    assert problem.message.startswith("unknown zone 'cty'")
