"""The ``simsvc`` command line: help, run with output files, and clean usage errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import simsvc
from simsvc.cli.main import main

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"
RUN = ["run", str(SMALL), "-n", "3", "--seed", "5", "--workers", "1"]


@pytest.fixture(scope="module")
def expected() -> dict[str, object]:
    """The results of the same run through the API."""
    scenario = simsvc.load_scenario(SMALL)
    return simsvc.run_experiment(scenario, replications=3, seed=5, workers=1).to_dict()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--help"], ("validate", "run")),
        (["run", "--help"], ("--replications", "--seed", "--workers", "--json", "--incidents")),
        (["validate", "--help"], ("file",)),
    ],
    ids=["simsvc", "run", "validate"],
)
def test_help_exits_0(
    argv: list[str], words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 0
    out, _ = capsys.readouterr()
    assert out.startswith("usage: simsvc")
    for word in words:
        assert word in out


def test_help_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simsvc", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert "--incidents" in done.stdout
    assert done.stderr == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"simsvc {simsvc.__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra",
    [["-n", "0"], ["-n", "many"], ["--seed", "-1"], ["--workers", "0"]],
    ids=["zero-replications", "text-replications", "negative-seed", "zero-workers"],
)
def test_bad_arguments_exit_2(extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", str(SMALL), *extra])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_run_writes_json_and_incidents(
    suffix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    expected: dict[str, object],
) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")  # the optional 'parquet' extra
    out_json = tmp_path / "out.json"
    out_incidents = tmp_path / f"out{suffix}"
    code = main([*RUN, "--json", str(out_json), "--incidents", str(out_incidents)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err

    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert {
        "scenario",
        "replications",
        "seed",
        "commitments",
        "severities",
        "bases",
        "desk",
        "depots",
        "cost",
    } <= set(data)
    assert data["replications"] == 3
    assert data["seed"] == 5
    assert data == expected  # the same numbers as the API gives

    incidents = pd.read_csv(out_incidents) if suffix == ".csv" else pd.read_parquet(out_incidents)
    assert set(incidents["replication"]) == {0, 1, 2}
    assert {
        "report",
        "response",
        "arrival",
        "resolution",
        "severity",
        "site",
        "swap",
        "counted",
    } <= set(incidents.columns)
    counted = incidents[incidents["counted"]]
    per_severity = counted.groupby("severity").size() / 3
    for severity, entry in data["severities"].items():
        assert entry["incidents"]["mean"] == pytest.approx(per_severity.get(severity, 0.0))

    # the printed table has a row per commitment, and the files are announced
    scenario = simsvc.load_scenario(SMALL)
    for commitment in scenario.commitment:
        assert commitment.label in out
    assert f"results written to {out_json}" in out
    assert f"incident records written to {out_incidents}" in out

    # nothing else is left in the folder (no temporary files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out_json.name, out_incidents.name])


def test_run_overwrites_an_existing_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json = tmp_path / "out.json"
    out_json.write_text("old", encoding="utf-8")
    assert main([*RUN, "-q", "--json", str(out_json)]) == 0
    assert json.loads(out_json.read_text(encoding="utf-8"))["seed"] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_run_without_outputs_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*RUN, "-q"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Small test operation: 3 replications, seed 5")
    assert "L1 arrival <= 4h (city)" in out
    assert "L2 resolution <= 2d business" in out
    assert err == ""


@pytest.mark.parametrize("option", ["--json", "--incidents"])
def test_output_folder_that_does_not_exist_exits_2(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    target = missing / ("out.json" if option == "--json" else "out.csv")
    assert main([*RUN, "-q", option, str(target)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ")
    assert str(missing) in err
    assert "does not exist" in err
    assert "Traceback" not in err
    assert out == ""  # checked before simulating
    assert list(tmp_path.iterdir()) == []


def test_incidents_with_an_unknown_suffix_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.txt"
    assert main([*RUN, "-q", "--incidents", str(target)]) == 2
    out, err = capsys.readouterr()
    assert str(target) in err
    assert ".csv or .parquet" in err
    assert "Traceback" not in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


def test_run_in_a_subprocess(tmp_path: Path) -> None:
    out_json = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "simsvc", *RUN, "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(out_json.read_text(encoding="utf-8"))["replications"] == 3


def test_json_to_an_existing_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    assert main([*RUN, "-q", "--json", str(folder)]) == 2
    err = capsys.readouterr().err
    assert str(folder) in err
    assert list(tmp_path.iterdir()) == [folder]


def test_output_files_follow_the_umask(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        out_json = tmp_path / "out.json"
        out_csv = tmp_path / "out.csv"
        assert main([*RUN, "-q", "--json", str(out_json), "--incidents", str(out_csv)]) == 0
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        expected_mode = stat.S_IMODE(plain.stat().st_mode)
        assert expected_mode == 0o644
        assert stat.S_IMODE(out_json.stat().st_mode) == expected_mode
        assert stat.S_IMODE(out_csv.stat().st_mode) == expected_mode
    finally:
        os.umask(umask)
