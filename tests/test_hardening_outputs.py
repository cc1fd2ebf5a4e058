"""Regression tests for the outputs of the second hardening pass (issue 11).

Text from the scenario file never reaches matplotlib's mathtext, ids never become file
names, a report folder is replaced as one set, and a sweep loses no finished point to a
SIGKILL nor rows to a second sweep writing the same file.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.figure import Figure
from matplotlib.text import Text

import simsvc
import simsvc.runner
from simsvc import charts, report
from simsvc.cli.main import main
from simsvc.report import write_report
from simsvc.result_files import OutputError
from simsvc.results import ReplicationSummary
from simsvc.runner import Job, Progress, Runner
from simsvc.scenario.loading import scenario_from_dict
from simsvc.sweep.levels import COLUMNS, staffing_table

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "data" / "small.toml"
SMALL_DATA: dict[str, Any] = tomllib.loads(SMALL.read_text(encoding="utf-8"))

MATH = r"$\frac{1}{$"
"""Text that mathtext cannot parse: drawn as it is, it crashes matplotlib."""


def small_with(
    name: str = "Small test operation",
    severity_names: Sequence[str] = ("", ""),
    severity_ids: Sequence[str] = ("L1", "L2"),
    currency: str = "CNY",
) -> simsvc.Scenario:
    """``small.toml`` with another name, severity names and ids, and currency."""
    data = copy.deepcopy(SMALL_DATA)
    data["scenario"]["name"] = name
    data["scenario"]["currency"] = currency
    rename = dict(zip(("L1", "L2"), severity_ids, strict=True))
    for severity, new_name in zip(data["severity"], severity_names, strict=True):
        severity["id"] = rename[severity["id"]]
        severity["name"] = new_name
    for commitment in data["commitment"]:
        commitment["severity"] = rename[commitment["severity"]]
    for equipment in data["equipment"]:
        equipment["severity_mix"] = {rename[k]: v for k, v in equipment["severity_mix"].items()}
    penalty = data["costs"]["penalty"]
    data["costs"]["penalty"] = {rename[k]: v for k, v in penalty.items()}
    return scenario_from_dict(data)


def no_math_text(fig: Figure) -> None:
    """Draw ``fig`` to PNG (mathtext would raise) and check that no text is mathtext."""
    fig.savefig(os.devnull, format="png")
    texts = [t.get_text() for t in fig.findobj(Text) if isinstance(t, Text)]
    assert texts
    assert [t for t in texts if cbook.is_math_text(t)] == []


# -- 1. text from the file never reaches mathtext unescaped ----------------------------------


def test_a_report_on_a_scenario_with_mathtext_in_its_names_draws_every_chart(
    tmp_path: Path,
) -> None:
    scenario = small_with(
        name=f"Depot {MATH} cost \\ 5$",
        severity_names=(MATH, r"\$ half $x^2$"),
        severity_ids=("L1", "L_2-b"),
    )
    page = write_report(scenario, tmp_path / "out", replications=2, workers=1)
    pngs = sorted(p.name for p in page.parent.glob("*.png"))
    assert len(pngs) == 5  # two frontiers, breakdown, load, map
    assert f"Depot {MATH} cost" in page.read_text(encoding="utf-8")


def test_every_chart_draws_text_from_the_file_as_it_is() -> None:
    scenario = small_with(
        name=f"Plant {MATH}", severity_names=(MATH, "$a$"), currency=f"{MATH} USD"
    )
    result = simsvc.run_experiment(scenario, 2, workers=1, keep_incidents=True)
    frontier = charts.promise_frontier(result, "L1")
    no_math_text(frontier)
    assert frontier.axes[0].get_title().startswith("L1 " + MATH.replace("$", r"\$"))
    no_math_text(charts.time_breakdown(result))
    no_math_text(charts.load_profile(result))
    no_math_text(charts.site_map(scenario, result))
    data = {
        "scenario": scenario.scenario.name,
        "plan": {"cost": {"total": 1.0}, "commitments": [], "resources": _resources()},
        "current": {"cost": {"total": 2.0}, "commitments": [], "resources": _resources()},
    }
    costs = charts.plan_costs(data, currency=scenario.scenario.currency)
    no_math_text(costs)
    staffing = staffing_table(scenario, levels=[1, 2], replications=2, workers=1)
    staffing.attrs["scenario"] = f"Plant {MATH}"
    no_math_text(charts.staffing_curve(staffing))


def test_a_table_drawn_as_given_has_its_labels_escaped() -> None:
    rows = [
        {
            "level": level,
            "series": f"{MATH} arrival",
            "commitment": "a",
            "kind": "attainment",
            "metric": "arrival",
            "goal": 0.9,
            "mean": mean,
            "ci_low": mean - 0.02,
            "ci_high": min(mean + 0.02, 1.0),
            "met": mean >= 0.9,
        }
        for level, mean in [(0, 0.5), (1, 0.95)]
    ]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(scenario=MATH, base=MATH, current=1, confidence=0.95, replications=9)
    no_math_text(charts.staffing_curve(table))


def _resources() -> dict[str, Any]:
    return {"engineers": {"north": 2}, "stock": {"main": {"psu": 3}}, "desk_agents": 1}


# -- 2. ids never become file names unbounded ---------------------------------------------


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # English charts: no CJK font
@pytest.mark.filterwarnings("error:constrained_layout not applied")  # a legend of long ids
def test_a_report_on_a_100_character_cjk_severity_id_writes_short_ascii_names(
    tmp_path: Path,
) -> None:
    long_id = "故障" * 50
    scenario = small_with(severity_ids=(long_id, "L2"))
    page = write_report(scenario, tmp_path / "out", replications=2, workers=1)
    names = [p.name for p in page.parent.iterdir()]
    assert all(name.isascii() and len(name) <= 60 for name in names), names
    frontiers = sorted(n for n in names if n.startswith("frontier_"))
    assert len(frontiers) == 2 and frontiers[0] == "frontier_1.png"


# -- 3. a report's outputs are one set -----------------------------------------------------


def test_a_report_folder_of_another_scenario_is_replaced_as_a_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_report(small_with(severity_ids=("A1", "A2")), out, replications=2, workers=1)
    before = {p.name for p in out.iterdir()}
    assert any("A2" in name for name in before)
    write_report(small_with(severity_ids=("B1", "B2")), out, replications=2, workers=1)
    after = {p.name for p in out.iterdir()}
    assert not any("A1" in name or "A2" in name for name in after), after
    assert any("B2" in name for name in after)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_report_that_fails_midway_leaves_the_old_report_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_report(small_with(), out, replications=2, workers=1)
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    real = report._png
    drawn: list[Figure] = []

    def failing(figure: Figure) -> bytes:
        drawn.append(figure)
        if len(drawn) == 3:
            raise KeyboardInterrupt  # the user's Ctrl-C while the third chart is drawn
        return real(figure)

    monkeypatch.setattr(report, "_png", failing)
    with pytest.raises(KeyboardInterrupt):
        write_report(small_with(name="Another run"), out, replications=2, seed=5, workers=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


class RefusingRunner(Runner):
    """A runner that must not be asked to simulate."""

    def map(
        self, jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[ReplicationSummary]:
        raise AssertionError("simulated before the output folder was checked")


def test_a_report_folder_holding_a_file_of_the_user_is_refused_before_simulating(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    write_report(small_with(), out, replications=2, workers=1)
    (out / "my notes.txt").write_text("keep me", encoding="utf-8")
    before = sorted(p.name for p in out.iterdir())
    with RefusingRunner(workers=1) as runner, pytest.raises(OutputError, match=r"my notes\.txt"):
        write_report(small_with(), out, replications=2, runner=runner)
    assert sorted(p.name for p in out.iterdir()) == before
    assert (out / "my notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_current_folder_is_never_replaced_by_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    for out in (".", "..", str(here), "../empty"):
        with pytest.raises(OutputError, match="current folder"):
            write_report(small_with(), out, replications=2, workers=1)
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


# -- 4. sweeps: finished points are durable, one sweep per output -------------------------

VARY = ["--vary", "base.north.engineers=1..10", "--vary", "depot.main.stock.psu=0,2"]
POINTS = 20
PATHS = ["base.north.engineers", "depot.main.stock.psu"]


def sweep_args(out: Path) -> list[str]:
    options = ["-n", "2", "--seed", "3", "-w", "1", "-q", "--out", str(out)]
    return ["sweep", str(SMALL), *VARY, *options]


def journal_points(journal: Path) -> set[tuple[int, int]]:
    """The points of the complete lines of a sweep's journal."""
    points = set()
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            rows = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by the kill
        points |= {(int(r[PATHS[0]]), int(r[PATHS[1]])) for r in rows}
    return points


def sorted_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values([*PATHS, "commitment"]).reset_index(drop=True)


def test_a_sweep_killed_midway_keeps_every_finished_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "grid.csv"
    journal = tmp_path / ".grid.csv.journal"
    # A clock on which each rewrite of the file takes 10 s: the next waits 90 s (9 points),
    # as in a large sweep, so that finished points are in the journal and not in the file.
    code = (
        "import itertools, sys; import simsvc.sweep.grid as grid; from simsvc.cli.main import"
        " main; ticks = itertools.count(0, 10); grid._clock = lambda: next(ticks);"
        f" sys.exit(main({sweep_args(out)!r}))"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (journal.exists() and len(journal.read_bytes().splitlines()) >= 2):
            assert child.poll() is None, "the sweep ended before two points were in its journal"
            assert time.monotonic() < deadline, "no journal of finished points beside the output"
            time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the sweep and any worker it started
        child.wait()
    finished = journal_points(journal)
    assert 2 <= len(finished) < POINTS
    assert len(pd.read_csv(out)) < 2 * len(finished)  # some finished points are not in the file
    stale = tmp_path / ".grid.csv.k1ll3d_x.tmp"  # a temporary file of a killed rewrite
    stale.write_text("half a table", encoding="utf-8")

    simulated: list[int] = []
    real = simsvc.runner.run_job

    def counted(job: Job) -> ReplicationSummary:
        simulated.append(job.replication)
        return real(job)

    monkeypatch.setattr(simsvc.runner, "run_job", counted)
    assert main(sweep_args(out)) == 0
    assert len(simulated) == 2 * (POINTS - len(finished))  # no finished point simulated again
    resumed = pd.read_csv(out)
    assert {(int(e), int(s)) for e, s in resumed[PATHS].itertuples(index=False)} >= finished
    assert not journal.exists() and not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv"]

    monkeypatch.setattr(simsvc.runner, "run_job", real)
    whole = tmp_path / "whole" / "grid.csv"
    whole.parent.mkdir()
    assert main(sweep_args(whole)) == 0
    pd.testing.assert_frame_equal(sorted_rows(resumed), sorted_rows(pd.read_csv(whole)))


def test_a_journal_of_every_point_is_merged_without_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tmp_path / "whole.csv"
    assert main(sweep_args(whole)) == 0
    rows = pd.read_csv(whole).to_dict("records")
    out = tmp_path / "grid.csv"
    journal = tmp_path / ".grid.csv.journal"
    lines = [json.dumps(rows[k : k + 2]) for k in range(0, len(rows), 2)]  # 2 commitments
    journal.write_text("\n".join(lines) + "\n" + lines[0][:20], encoding="utf-8")  # a cut line

    def no_simulation(job: Job) -> ReplicationSummary:
        raise AssertionError("a point of the journal was simulated again")

    monkeypatch.setattr(simsvc.runner, "run_job", no_simulation)
    assert main(sweep_args(out)) == 0
    assert not journal.exists()
    pd.testing.assert_frame_equal(sorted_rows(pd.read_csv(out)), sorted_rows(pd.read_csv(whole)))


def test_a_second_sweep_on_the_same_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simsvc.result_files import output_lock

    out = tmp_path / "grid.csv"
    with output_lock(out):
        assert main(sweep_args(out)) == 2
        error = capsys.readouterr().err
        assert "in use" in error and f"process {os.getpid()}" in error
        assert not out.exists()
    assert main(sweep_args(out)) == 0  # the lock is gone with its holder
    assert len(pd.read_csv(out)) == POINTS * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.csv"]
