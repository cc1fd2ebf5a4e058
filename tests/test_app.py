"""The what-if page's logic without a browser: controls, variants, runs, tables, files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import simsvc
from simsvc.app.compare import commitments_table, cost_table, paired_difference, utilisation_table
from simsvc.app.controls import changes_from, controls, stock_rule
from simsvc.app.files import read_upload, results_json, scenario_toml
from simsvc.app.launch import page_options, streamlit_command
from simsvc.app.words import Words
from simsvc.app.workbench import BASELINE, Workbench, bundled_scenarios
from simsvc.cli.main import main
from simsvc.scenario.errors import ScenarioError
from simsvc.scenario.loading import load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"
SCENARIOS = Path(__file__).parents[1] / "scenarios"


@pytest.fixture(scope="module")
def small() -> simsvc.Scenario:
    return load_scenario(DATA / "small.toml")


def test_controls_name_the_evolve_paths_of_every_resource(small: simsvc.Scenario) -> None:
    paths = [c.path for c in controls(small)]
    assert paths == [
        "base.north.engineers",
        "base.north.shift",
        "desk.agents",
        "desk.shift",
        "depot.main.stock.psu",
        "depot.main.stock.board",
        "severity.L1.swap_after",
        "severity.L2.swap_after",
        "travel.speed_kmh",
    ]
    shown = {c.path: c.value for c in controls(small)}
    assert shown["depot.main.stock.board"] == "15%"
    assert shown["severity.L1.swap_after"] == "8h"
    assert shown["severity.L2.swap_after"] == ""


def test_only_entries_that_differ_from_the_baseline_become_changes(
    small: simsvc.Scenario,
) -> None:
    untouched = {c.path: c.value for c in controls(small)}
    assert changes_from(small, untouched) == {}
    entries = {
        **untouched,
        "base.north.engineers": 3,
        "depot.main.stock.psu": "15%",
        "depot.main.stock.board": "4",
        "severity.L1.swap_after": "",
        "severity.L2.swap_after": "12h",
        "travel.speed_kmh": 55.0,
    }
    assert changes_from(small, entries) == {
        "base.north.engineers": 3,
        "depot.main.stock.psu": "15%",
        "depot.main.stock.board": 4,
        "severity.L1.swap_after": None,
        "severity.L2.swap_after": "12h",
        "travel.speed_kmh": 55.0,
    }
    variant = small.evolve(changes_from(small, entries))
    assert variant.base[0].engineers == 3 and variant.severity[0].swap_after is None
    assert variant.severity[1].swap_after == 12.0 and variant.depot[0].stock["board"] == 4


def test_the_15_percent_rule_sets_every_stock_level(small: simsvc.Scenario) -> None:
    rule = stock_rule(small)
    assert rule == {"depot.main.stock.psu": "15%", "depot.main.stock.board": "15%"}
    assert changes_from(small, rule) == {"depot.main.stock.psu": "15%"}


def test_a_bad_entry_names_its_key_path_as_a_file_would(small: simsvc.Scenario) -> None:
    bench = Workbench(workers=1)
    bench.open(small, "small.toml")
    with pytest.raises(ScenarioError) as caught:
        bench.add_variant("late", {"base.north.shift": "20:00-08:00x"})
    assert "base[0].shift" in str(caught.value)
    assert "expected '24x7', 'business' or 'HH:MM-HH:MM'" in str(caught.value)
    with pytest.raises(ValueError, match="name"):
        bench.add_variant(BASELINE, {})
    assert bench.variants == {}


def test_runs_share_seeds_and_are_never_simulated_twice(small: simsvc.Scenario) -> None:
    bench = Workbench(workers=1)
    bench.open(small, "small.toml")
    bench.add_variant("one engineer", {"base.north.engineers": 1})
    task = bench.start_runs(2)
    assert task.total == 4  # the baseline's and the variant's replications
    assert task.wait(120) and task.error is None
    assert task.done == 4 and task.share == 1.0
    results = bench.results(2)
    assert list(results) == [BASELINE, "one engineer"]
    assert bench.cache.simulated == 2
    direct = simsvc.run_experiment(small.evolve({"base.north.engineers": 1}), 2, workers=1)
    assert results["one engineer"].to_dict() == direct.to_dict()
    bench.add_variant("same again", {"base.north.engineers": 1})
    again = bench.start_runs(2)
    assert again.total == 0 and again.wait(60) and again.error is None
    assert bench.cache.simulated == 2
    assert list(bench.results(2)) == [BASELINE, "one engineer", "same again"]
    assert bench.results(3) == {}


def test_a_runs_error_is_kept_on_its_task_not_raised(small: simsvc.Scenario) -> None:
    bench = Workbench(workers=1)
    bench.open(small, "small.toml")
    task = bench.start_runs(0)
    assert task.wait(60)
    assert isinstance(task.error, ValueError) and "replications" in str(task.error)


@pytest.fixture(scope="module")
def campus() -> dict[str, simsvc.RunResult]:
    scenario = load_scenario(SCENARIOS / "campus_av.toml")
    fewer = scenario.evolve({"base.xinmi-resident.engineers": 0})
    return {
        "baseline": simsvc.run_experiment(scenario, 4, workers=1),
        "no Xinmi": simsvc.run_experiment(fewer, 4, workers=1),
    }


def test_paired_difference_is_zero_against_itself_and_negative_for_fewer_engineers(
    campus: dict[str, simsvc.RunResult],
) -> None:
    base, fewer = campus["baseline"], campus["no Xinmi"]
    same = paired_difference(base, base, "L1-arrival-2h")
    assert (same.mean, same.ci_low, same.ci_high) == (0.0, 0.0, 0.0)
    worse = paired_difference(fewer, base, "L2-arrival-2h")
    assert worse.mean == pytest.approx(
        fewer.attainment("L2-arrival-2h").mean - base.attainment("L2-arrival-2h").mean
    )
    assert worse.mean < 0 and worse.ci_low < worse.mean < worse.ci_high
    assert worse.clear  # common random numbers make the difference plain
    unpaired = base.attainment("L2-arrival-2h")
    assert worse.ci_high - worse.ci_low < unpaired.ci_high - unpaired.ci_low


def test_commitments_table_shows_every_variant_and_the_difference(
    campus: dict[str, simsvc.RunResult],
) -> None:
    table = commitments_table(campus, "baseline", Words("en"))
    assert len(table) == len(campus["baseline"].estimates)
    assert "baseline: attainment" in table.columns and "no Xinmi: attainment" in table.columns
    assert "no Xinmi: Δ vs baseline" in table.columns
    assert "baseline: Δ vs baseline" not in table.columns
    row = table.loc["L2 arrival <= 2h"]
    a = campus["baseline"].attainment("L2-arrival-2h")
    assert row["baseline: attainment"].startswith(f"{a.mean * 100:.1f}%")
    assert row["no Xinmi: Δ vs baseline"].startswith("-")
    assert set(table["no Xinmi: verdict"]) <= {"met", "not met", "undecided"}
    zh = commitments_table(campus, "baseline", Words("zh"))
    assert "baseline: 达成率" in zh.columns
    assert set(zh["no Xinmi: 结论"]) <= {"达成", "未达成", "待定"}


def test_cost_and_utilisation_tables(campus: dict[str, simsvc.RunResult]) -> None:
    cost = cost_table(campus, Words("en"))
    base_total = campus["baseline"].cost()["total"]
    assert cost.loc["total", "baseline"] == f"{base_total:,.0f} CNY"
    assert cost.loc["engineers", "no Xinmi"] != cost.loc["engineers", "baseline"]
    assert cost_table(campus, Words("zh")).loc["合计", "baseline"] == (
        f"{base_total / 10_000:,.1f}万元"
    )
    use = utilisation_table(campus, Words("en"))
    assert use.loc["utilisation at xinmi-resident", "no Xinmi"].endswith("· 0")
    assert "fill rate at zhengzhou-store" in use.index


def test_words_format_numbers_for_the_reader() -> None:
    en, zh = Words("en"), Words("zh")
    assert en.money(531_520, "CNY") == "531,520 CNY"
    assert zh.money(531_520, "CNY") == "53.2万元"
    assert zh.money(9_000, "CNY") == "9,000元"
    assert en.percent(0.9634) == "96.3%" and en.percent(float("nan")) == "-"
    assert en.points(-0.012) == "-1.2 pt" and zh.points(0.012) == "+1.2 百分点"
    assert zh("commitments") == "服务承诺达成情况" and zh.verdict("not met") == "未达成"
    with pytest.raises(ValueError):
        Words("fr")


@pytest.mark.parametrize("path", [*sorted(SCENARIOS.glob("*.toml")), DATA / "small.toml"])
def test_a_downloaded_scenario_loads_back_to_the_same_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    assert parse_scenario(scenario_toml(scenario, "a comment\nover two lines")) == scenario


def test_a_downloaded_variant_loads_back_to_the_variant(small: simsvc.Scenario) -> None:
    variant = small.evolve({"base.north.engineers": 5, "severity.L1.swap_after": None})
    text = scenario_toml(variant, "variant 1 of small.toml: base.north.engineers=5")
    assert text.startswith("# variant 1 of small.toml")
    assert parse_scenario(text) == variant


def test_a_bad_upload_gives_the_same_message_as_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (DATA / "small.toml").read_text(encoding="utf-8")
    broken = text.replace('severity = "L1"', 'severity = "L9"', 1)
    (tmp_path / "broken.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_upload("broken.toml", broken.encode("utf-8"))
    message = str(caught.value)
    assert "commitment[0].severity (line 27): unknown severity 'L9'" in message
    code = main(["validate", str(tmp_path / "broken.toml")])
    assert code == 2
    assert message.split(": ", 1)[1] in capsys.readouterr().err
    with pytest.raises(ScenarioError, match=r"line 2.*not UTF-8"):
        read_upload("latin.toml", b"[scenario]\nname = '\xe9'\n")


def test_results_json_is_the_run_commands_json(small: simsvc.Scenario) -> None:
    result = simsvc.run_experiment(small, 2, workers=1)
    assert json.loads(results_json(result)) == json.loads(json.dumps(result.to_dict()))


def test_bundled_scenarios_are_the_scenarios_folder() -> None:
    assert set(bundled_scenarios()) == {p.stem for p in SCENARIOS.glob("*.toml")}


def test_the_server_command_serves_the_page_on_loopback() -> None:
    command = streamlit_command([DATA / "small.toml"], port=8600, workers=2)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    after = command[command.index("--") + 1 :]
    options = page_options(after)
    assert options.scenarios == ((DATA / "small.toml").resolve(),) and options.workers == 2


def test_app_without_streamlit_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "streamlit", None)  # import streamlit fails
    assert main(["app", str(DATA / "small.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'simsvc[app]'" in err and "streamlit" in err


def test_app_with_a_bad_scenario_stops_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 'x'\nhorizon = 'soon'\n", encoding="utf-8")
    assert main(["app", str(bad), "--port", "8601"]) == 2
    captured = capsys.readouterr()
    assert "scenario.horizon" in captured.err and "serving" not in captured.out
    with pytest.raises(SystemExit):
        main(["app", "--port", "70000"])


def test_variants_get_free_names_and_can_be_removed(small: simsvc.Scenario) -> None:
    bench = Workbench(workers=1)
    bench.open(small, "small.toml")
    assert bench.next_name() == "variant 1"
    bench.add_variant("variant 1", {"base.north.engineers": 1})
    bench.add_variant("variant 2", {"base.north.engineers": 3})
    assert bench.next_name() == "variant 3"
    assert bench.describe("variant 2") == "base.north.engineers=3"
    bench.remove_variants(["variant 1"])
    assert list(bench.variants) == ["variant 2"] and bench.next_name() == "variant 3"
    bench.open(small.evolve({"travel.speed_kmh": 50}), "faster.toml")
    assert bench.variants == {}
