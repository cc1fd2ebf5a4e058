"""Small things seen on the way: counts in number, per-year counts, a plan's progress total,
a resumed sweep saying what it skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.planner.search import plan
from simsvc.terminal import plural, results_summary, scenario_summary

SMALL = Path(__file__).parent / "data" / "small.toml"


def test_counts_take_their_noun_in_number() -> None:
    assert plural(1, "agent") == "1 agent"
    assert plural(2, "agent") == "2 agents"
    assert plural(1500, "site") == "1,500 sites"
    text = SMALL.read_text("utf-8").replace("engineers = 2", "engineers = 1", 1)
    summary = scenario_summary(simsvc.parse_scenario(text))
    assert "1 base with 1 engineer; desk: 1 agent (24x7)" in summary
    assert "1 agents" not in summary and "1 bases" not in summary


def test_incidents_per_severity_are_per_year() -> None:
    scenario = simsvc.load_scenario(SMALL)  # a 30-day horizon
    result = simsvc.run_experiment(scenario, replications=2, workers=1)
    text = results_summary(result)
    assert "incidents/yr" in text
    severity = scenario.severity[0].id
    per_run = result.to_dict()["severities"][severity]["incidents"]["mean"]
    table = text[text.index("incidents/yr") :]
    row = next(line for line in table.splitlines() if line.startswith(f"{severity} "))
    assert f"{per_run * 8760 / scenario.scenario.horizon:,.1f}" in row.split()


def test_the_plan_announces_its_replications_before_it_runs_them() -> None:
    scenario = simsvc.load_scenario(SMALL)
    planned: list[int] = []
    done: list[int] = []

    def progress(n: int) -> None:
        assert planned and n <= planned[-1]  # a bar never runs past its total
        done.append(n)

    result = plan(scenario, replications=2, workers=1, planned=planned.append, progress=progress)
    assert planned == sorted(planned) and planned[-1] == result.simulations == done[-1]


def test_a_finished_sweep_run_again_says_it_skipped_every_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep.csv"
    command = ["sweep", str(SMALL), "--vary", "base.north.engineers=1,2", "-n", "1", "-w", "1"]
    assert main([*command, "--out", str(out), "-q"]) == 0
    capsys.readouterr()
    assert main([*command, "--out", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert f"skipped 2 already in {out}" in err
    assert "nothing to simulate" in err
