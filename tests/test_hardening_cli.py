"""Hardening of the command line: what `run` would refuse, `validate` refuses, by file and
line; inspections are counted as the plan draws them; open incidents print no warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simsvc.cli.main import main

TINY_INSPECTIONS = """
[scenario]
name = "Tiny inspections"
horizon = "365d"

[[severity]]
id = "L1"

[[commitment]]
severity = "L1"
metric = "arrival"
within = "8h"

[[base]]
id = "b"
location = [30.0, 110.0]
engineers = 1

[[equipment]]
id = "e"
failures_per_year = 2
severity_mix = { L1 = 1.0 }

[[site]]
id = "s"
location = [30.1, 110.0]
equipment = { e = 1 }

[[inspection]]
every = "1e-9h"
duration = "1h"
months = []
"""

OVERLOADED = """
[scenario]
name = "Overloaded"
horizon = "30d"
replications = 2

[[severity]]
id = "L1"
onsite_time = "30d"

[[commitment]]
severity = "L1"
metric = "resolution"
within = "8h"
clock = "business"

[[base]]
id = "b"
location = [30.0, 110.0]
engineers = 1

[[equipment]]
id = "e"
failures_per_year = 200
severity_mix = { L1 = 1.0 }

[[site]]
id = "s"
location = [30.1, 110.0]
equipment = { e = 1 }
"""


@pytest.mark.parametrize("command", ["validate", "run"])
def test_inspections_drawn_before_their_months_are_refused_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # months = [] keeps no visit, but the plan draws one every 1e-9 hours before keeping
    # months: 8.8e12 visits, which once asked numpy for 10 TiB.
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_INSPECTIONS, "utf-8")
    line = TINY_INSPECTIONS.splitlines().index('every = "1e-9h"') + 1
    assert main([command, str(path), "-q"] if command == "run" else [command, str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{path}: 1 problem" in err
    assert f"inspection[0].every (line {line})" in err
    assert "visits drawn before keeping their months" in err


def test_open_incidents_print_no_numpy_warning(tmp_path: Path) -> None:
    path = tmp_path / "overloaded.toml"
    path.write_text(OVERLOADED, "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "simsvc", "run", str(path), "-q", "-w", "1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "still open a year after the horizon" in done.stdout
    assert "Warning" not in done.stderr, done.stderr


@pytest.mark.parametrize("confidence", ["0.9999999999999999", "0.3"])
def test_a_confidence_that_would_make_intervals_meaningless_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], confidence: str
) -> None:
    path = tmp_path / "conf.toml"
    path.write_text(OVERLOADED + f"\n[plan]\nconfidence = {confidence}\n", "utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "plan.confidence (line" in err and "Traceback" not in err


def test_run_writes_its_json_and_incidents_as_one_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = Path(__file__).parent / "data" / "small.toml"
    json_out, records = tmp_path / "res.json", tmp_path / "incidents.csv"
    json_out.write_text("old results", "utf-8")
    records.write_text("old records", "utf-8")
    import simsvc.result_files

    real = simsvc.result_files.write_table

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the second file of the set is written

    monkeypatch.setattr(simsvc.result_files, "write_table", killed)
    monkeypatch.setattr("simsvc.cli.main.write_table", killed)
    arguments = ["run", str(small), "-n", "2", "-w", "1", "-q", "--json", str(json_out)]
    assert main([*arguments, "--incidents", str(records)]) == 130
    assert json_out.read_text("utf-8") == "old results"  # neither file of the set moved
    assert records.read_text("utf-8") == "old records"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.setattr("simsvc.cli.main.write_table", real)
    assert main([*arguments, "--incidents", str(records)]) == 0
    assert json_out.read_text("utf-8").startswith("{")
    assert records.read_text("utf-8").startswith("replication,")
    capsys.readouterr()


@pytest.mark.parametrize("target", ["/proc/simsvc-results.json", "x" * 300 + ".json"])
def test_an_output_that_cannot_be_written_is_refused_before_simulating(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
) -> None:
    import simsvc.runner

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a replication started before the output was checked")

    monkeypatch.setattr(simsvc.runner, "run_job", refuse)
    small = Path(__file__).parent / "data" / "small.toml"
    out = target if target.startswith("/") else str(tmp_path / target)
    assert main(["run", str(small), "-n", "2", "-w", "1", "-q", "--json", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
