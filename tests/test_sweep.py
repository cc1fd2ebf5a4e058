"""``simsvc sweep``: the grid, common random numbers, resuming, Latin hypercube, errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simsvc
import simsvc.runner
import simsvc.sweep.grid
from simsvc.cli.main import main
from simsvc.experiment import replication_seed
from simsvc.results import ReplicationSummary
from simsvc.runner import Job
from simsvc.scenario.variation import parse_axes, vary
from simsvc.sweep.grid import grid_points, sample_points

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"
VARY = ["--vary", "base.north.engineers=1..3", "--vary", "depot.main.stock.psu=0,2"]
GRID = [(e, s) for e in (1, 2, 3) for s in (0, 2)]


def sweep(out: Path, *extra: str) -> int:
    """Run ``simsvc sweep`` on the small scenario in this process."""
    return main(
        [
            "sweep",
            str(SMALL),
            *VARY,
            "-n",
            "2",
            "--seed",
            "11",
            "-w",
            "1",
            "-q",
            "--out",
            str(out),
            *extra,
        ]
    )


def read(out: Path) -> pd.DataFrame:
    return pd.read_csv(out) if out.suffix == ".csv" else pd.read_parquet(out)


Calls = list[tuple[int, int, int]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Every replication the sweep simulates, as (engineers at north, seed, replication)."""
    made: Calls = []
    real = simsvc.runner.run_job

    def counted(job: Job) -> ReplicationSummary:
        made.append((job.scenario.base[0].engineers, job.seed, job.replication))
        return real(job)

    monkeypatch.setattr(simsvc.runner, "run_job", counted)
    return made


def test_the_grid_has_one_row_per_point_and_commitment(tmp_path: Path, calls: Calls) -> None:
    out = tmp_path / "grid.csv"
    assert sweep(out) == 0
    table = read(out)
    scenario = simsvc.load_scenario(SMALL)
    assert len(table) == len(GRID) * len(scenario.commitment)
    points = table[["base.north.engineers", "depot.main.stock.psu"]].drop_duplicates()
    assert [tuple(p) for p in points.itertuples(index=False)] == GRID
    assert set(table["commitment"]) == {c.label for c in scenario.commitment}
    assert (table["seed"] == 11).all() and (table["replications"] == 2).all()
    assert (table["ci_low"] <= table["attainment"]).all()
    assert (table["attainment"] <= table["ci_high"]).all()
    assert (table["met"] == (table["ci_low"] >= table["goal"] - 1e-12)).all()
    # Cost follows the varied resources: 100,000 a person, 4.38 people a 24x7 post
    # (8,760 h / 2,000 h), psu holding 1,200 x 0.25.
    first = table.groupby(["base.north.engineers", "depot.main.stock.psu"]).first()
    holding = first["cost_holding"]
    assert first["cost_engineers"].tolist() == pytest.approx(
        [100_000.0 * 8760 / 2000 * e for e, _ in GRID]
    )
    assert holding[(1, 2)] - holding[(1, 0)] == pytest.approx(2 * 1200 * 0.25)
    assert len(calls) == len(GRID) * 2


def test_rows_match_a_run_of_the_same_point(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    assert sweep(out) == 0
    row = read(out).iloc[[6, 7]]  # engineers 2, psu stock 2
    scenario = simsvc.load_scenario(SMALL).with_resources(
        engineers={"north": 2}, stock={("main", "psu"): 2}
    )
    result = simsvc.run_experiment(scenario, replications=2, seed=11, workers=1).to_dict()
    for (_, got), want in zip(row.iterrows(), result["commitments"], strict=True):
        assert got["base.north.engineers"] == 2 and got["depot.main.stock.psu"] == 2
        assert got["attainment"] == pytest.approx(want["attainment"]["mean"], abs=1e-12)
        assert got["ci_low"] == pytest.approx(want["attainment"]["ci_low"], abs=1e-12)
        assert bool(got["met"]) == want["met"]
        assert got["cost_total"] == pytest.approx(result["cost"]["total"])


def test_every_point_uses_the_same_seeds_and_so_the_same_faults(
    tmp_path: Path, calls: Calls
) -> None:
    assert sweep(tmp_path / "crn.csv") == 0
    seeds = {e: sorted((s, r) for n, s, r in calls if n == e) for e in (1, 2, 3)}
    assert seeds[1] == seeds[2] == seeds[3] == [(11, 0), (11, 0), (11, 1), (11, 1)]
    # The same seed gives the same fault stream whatever the resources.
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(["base.north.engineers=1..3", "travel.speed_kmh=20,60"], scenario)
    faults = []
    for point in [(1, 20), (3, 60)]:
        columns = simsvc.simulate(vary(scenario, axes, point), replication_seed(11, 0)).columns
        faults.append((columns["report"], columns["severity"], columns["site"]))
    for few, many in zip(*faults, strict=True):
        assert np.array_equal(few, many)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_rerun_skips_every_point_already_written(
    tmp_path: Path, calls: Calls, suffix: str
) -> None:
    out = tmp_path / f"resume{suffix}"
    assert sweep(out) == 0
    first = read(out)
    written = out.stat().st_mtime_ns
    calls.clear()
    assert sweep(out) == 0
    assert calls == []
    assert out.stat().st_mtime_ns == written
    # One more value runs only the new points, and keeps the old rows as they were.
    assert sweep(out, "--vary", "travel.cv=0.25") == 2  # other axes: refused, not mixed
    assert (
        main(
            [
                "sweep",
                str(SMALL),
                "--vary",
                "base.north.engineers=1..4",
                "--vary",
                "depot.main.stock.psu=0,2",
                "-n",
                "2",
                "--seed",
                "11",
                "-w",
                "1",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert sorted(set(calls)) == [(4, 11, 0), (4, 11, 1)]
    grown = read(out)
    assert len(grown) == len(first) + 2 * 2
    pd.testing.assert_frame_equal(grown.iloc[: len(first)], first)


def test_another_seed_or_replication_count_is_another_point(tmp_path: Path, calls: Calls) -> None:
    out = tmp_path / "seeds.csv"
    assert sweep(out) == 0
    calls.clear()
    assert sweep(out, "--seed", "12") == 0  # the later --seed wins
    assert {s for _, s, _ in calls} == {12} and len(calls) == len(GRID) * 2
    calls.clear()
    assert sweep(out, "-n", "3") == 0
    assert len(calls) == len(GRID) * 3
    assert len(read(out)) == 3 * len(GRID) * 2


def test_an_edited_scenario_is_simulated_again(tmp_path: Path, calls: Calls) -> None:
    edited = tmp_path / "edited.toml"
    edited.write_text(SMALL.read_text().replace("speed_kmh = 40", "speed_kmh = 45"))
    out = tmp_path / "edited.csv"
    assert sweep(out) == 0
    calls.clear()
    assert (
        main(
            [
                "sweep",
                str(edited),
                *VARY,
                "-n",
                "2",
                "--seed",
                "11",
                "-w",
                "1",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert len(calls) == len(GRID) * 2
    assert read(out)["scenario_digest"].nunique() == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_interrupted_sweep_keeps_finished_points(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
) -> None:
    whole = tmp_path / f"whole{suffix}"
    assert sweep(whole) == 0
    out = tmp_path / f"stopped{suffix}"
    real = simsvc.runner.run_job
    done: list[int] = []

    def stop_in_the_fourth_point(job: Job) -> ReplicationSummary:
        if len(done) == 7:  # point 4, its second replication: Ctrl-C
            raise KeyboardInterrupt
        done.append(job.replication)
        return real(job)

    monkeypatch.setattr(simsvc.runner, "run_job", stop_in_the_fourth_point)
    assert sweep(out) == 130
    assert "3 of 6 points are in" in capsys.readouterr().err
    assert len(read(out)) == 3 * 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files
    monkeypatch.setattr(simsvc.runner, "run_job", real)
    assert sweep(out) == 0
    pd.testing.assert_frame_equal(read(out), read(whole))


def test_slow_rewrites_are_spaced_and_the_rest_written_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]
    written: list[int] = []
    real = simsvc.sweep.grid.write_table

    def slow_write(target: Path, table: pd.DataFrame) -> None:
        now[0] += 10.0  # each rewrite "takes" 10 s: the next waits 90 s
        written.append(len(table))
        real(target, table)

    monkeypatch.setattr(simsvc.sweep.grid, "write_table", slow_write)
    monkeypatch.setattr(simsvc.sweep.grid, "_clock", lambda: now[0])
    out = tmp_path / "slow.csv"
    assert sweep(out) == 0
    assert written == [2, 12]  # the first point, then the rest when the sweep ends
    assert len(read(out)) == 12


def test_worker_processes_give_the_same_file(tmp_path: Path) -> None:
    alone, pooled = tmp_path / "alone.csv", tmp_path / "pooled.csv"
    assert sweep(alone) == 0
    assert sweep(pooled, "-w", "2") == 0
    assert pooled.read_bytes() == alone.read_bytes()


def test_durations_shares_and_shifts_as_values(tmp_path: Path) -> None:
    out = tmp_path / "kinds.csv"
    assert (
        main(
            [
                "sweep",
                str(SMALL),
                "--vary",
                "commitment[0].within=30min,2h,4",
                "--vary",
                "depot.main.stock.board=1,15%",
                "--vary",
                "base.north.shift=24x7,business",
                "--vary",
                "depot.main.resupply=3d",
                "-n",
                "2",
                "-w",
                "1",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = read(out)
    assert len(table) == 3 * 2 * 2 * 2
    assert sorted(set(table["commitment[0].within"])) == ["2h", "30min", "4"]
    first = table[table["severity"] == "L1"]
    assert sorted(set(first["within_hours"])) == [0.5, 2.0, 4.0]
    assert set(table["depot.main.stock.board"].astype(str)) == {"1", "15%"}
    assert set(table["base.north.shift"]) == {"24x7", "business"}
    # The same values written another way are the same points: nothing to simulate.
    assert (
        main(
            [
                "sweep",
                str(SMALL),
                "--vary",
                "commitment[0].within=0.5,120min,4h",
                "--vary",
                "depot.main.stock.board=1,15%",
                "--vary",
                "base.north.shift=24x7,business",
                "--vary",
                "depot.main.resupply=72h",
                "-n",
                "2",
                "-w",
                "1",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert len(read(out)) == len(table)


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        ("base.nort.engineers=1..3", ["unknown base 'nort'", "north"]),
        ("base.north.engineers=-1..2", ["base[0].engineers", "greater than or equal to 0"]),
        ("base.north.engineers=two", ["expected a whole number"]),
        ("base.north.engineers", ["expected PATH=VALUES"]),
        ("base.north.engineers=3..1", ["empty"]),
        ("base.north.engineers=1,1", ["given twice"]),
        ("depot.main.stock.gpu=1", ["unknown part 'gpu'"]),
        ("travel.speed_kmh=0,40", ["travel.speed_kmh", "greater than 0"]),
        ("travel.speed=40", ["travel.speed cannot be varied", "speed_kmh"]),
        ("commitment[7].within=2h", ["commitment[7] does not exist"]),
        ("commitment[0].within=2x", ["unknown unit 'x'"]),
        ("commitment[0].goal=0.9,1.5", ["commitment[0].goal", "write 0.95 for 95%"]),
        ("severity.L1.onsite_time=2h", ["severity.L1.onsite_time cannot be varied"]),
        ("base.north.shift=1..2", ["a range a..b needs numbers"]),
        ("base.north.shift=25:00-26:00", ["base[0].shift", "HH:MM-HH:MM"]),
        ("plan.confidence=0.9", ["unknown path 'plan.confidence'", "base.<id>.engineers"]),
    ],
)
def test_a_bad_vary_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argument: str, words: list[str]
) -> None:
    out = tmp_path / "bad.csv"
    assert main(["sweep", str(SMALL), "--vary", argument, "-q", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --vary {argument}: ")
    assert "Traceback" not in err
    for word in words:
        assert word in err
    assert not out.exists()


def test_other_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run: Callable[..., int] = lambda *a: main(["sweep", str(SMALL), "-q", *a])  # noqa: E731
    assert run(*VARY, "--vary", "base.north.engineers=5", "--out", str(tmp_path / "a.csv")) == 2
    assert "already varied by --vary base.north.engineers=1..3" in capsys.readouterr().err
    assert run(*VARY, "--out", str(tmp_path / "a.txt")) == 2
    assert "expected a .csv or .parquet" in capsys.readouterr().err
    assert run(*VARY, "--out", str(tmp_path / "nowhere" / "a.csv")) == 2
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    assert run(*VARY, "--out", str(junk)) == 2
    assert "cannot be read as a sweep result" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["sweep", str(SMALL), "--out", str(tmp_path / "a.csv")])
    assert caught.value.code == 2  # --vary is required


def test_latin_hypercube_points_are_distinct_balanced_and_seeded() -> None:
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
    grid = set(grid_points(axes))
    assert len(grid) == 6 * 6 * 3 * 6
    points = sample_points(axes, 12, seed=3)
    assert len(points) == len(set(points)) == 12
    assert set(points) <= grid
    # 12 points over 6 values: each value twice; over 3 values: each four times.
    for k, size in enumerate([6, 6, 3, 6]):
        counts = pd.Series([p[k] for p in points]).value_counts()
        assert len(counts) == size and (counts == 12 // size).all()
    assert sample_points(axes, 12, seed=3) == points
    assert sample_points(axes, 12, seed=4) != points
    assert sorted(sample_points(axes, 5000, seed=3)) == sorted(grid)


def test_a_sample_is_drawn_until_it_has_enough_distinct_points() -> None:
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(["base.north.engineers=1..3", "travel.speed_kmh=20,40"], scenario)
    for count in range(1, 6):
        points = sample_points(axes, count, seed=count)
        assert len(set(points)) == count


def test_sweep_with_a_sample(tmp_path: Path, calls: Calls) -> None:
    out = tmp_path / "sample.parquet"
    assert sweep(out, "--sample", "4") == 0
    table = read(out)
    points = {tuple(p) for p in table[["base.north.engineers", "depot.main.stock.psu"]].values}
    assert len(points) == 4 and points <= set(GRID)
    calls.clear()
    assert sweep(out, "--sample", "4") == 0
    assert calls == []


def _product(*sizes: int) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(n) for n in sizes)))


def test_grid_order_is_the_last_axis_fastest() -> None:
    scenario = simsvc.load_scenario(SMALL)
    axes = parse_axes(
        ["base.north.engineers=1..2", "travel.cv=0,0.5", "desk.agents=1..2"], scenario
    )
    points = grid_points(axes)
    assert [
        tuple(axis.values.index(v) for axis, v in zip(axes, p, strict=True)) for p in points
    ] == _product(2, 2, 2)
