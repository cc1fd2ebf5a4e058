"""Backtest: a scenario against its own simulated tickets is consistent; against tickets
made with half the engineers it is flagged as optimistic, on the clock the engineers drive."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from simsvc.backtest import Backtest, backtest
from simsvc.cli.main import main
from simsvc.experiment import run_experiment
from simsvc.scenario import Scenario, load_scenario
from simsvc.tickets import read_tickets, tickets_from_incidents

DATA = Path(__file__).parent / "data"
BUSY = load_scenario(DATA / "fit_truth.toml").evolve(
    {
        "equipment.gate.failures_per_year": 40,
        "equipment.server.failures_per_year": 20,
        "scenario.horizon": "120d",
        "commitment[0].within": "1.5h",
        "plan.period": "month",
    }
)
START = BUSY.calendar.start
END = START + dt.timedelta(days=120)


def _tickets(truth: Scenario, folder: Path, seed: int) -> Path:
    result = run_experiment(truth, replications=1, seed=seed, workers=1)
    path = folder / f"tickets-{seed}.csv"
    tickets_from_incidents(truth, result.incidents).to_csv(path, index=False)
    return path


def _backtest(path: Path) -> Backtest:
    history = read_tickets(path, BUSY, start=START, end=END)
    return backtest(BUSY, history, replications=30, seed=5, workers=1)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_scenario_is_consistent_with_its_own_tickets(tmp_path: Path, seed: int) -> None:
    result = _backtest(_tickets(BUSY, tmp_path, seed))
    verdicts = [c.verdict for c in result.commitments]
    assert verdicts == ["consistent"] * 3, result.summary()
    arrival = result.commitments[0]
    assert len(arrival.periods) == 4  # months of the 120 days (a short stub joined)
    assert sum(p.inside for p in arrival.periods) >= 3
    assert (result.clocks["ks_distance"] < 0.15).all()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_half_the_engineers_is_flagged(tmp_path: Path, seed: int) -> None:
    half = BUSY.evolve({"base.north.engineers": 2, "base.south.engineers": 1})
    result = _backtest(_tickets(half, tmp_path, seed))
    arrival = result.commitments[0]
    assert arrival.verdict == "optimistic", result.summary()
    assert arrival.history < arrival.band_low
    assert "points below the band" in arrival.detail
    clocks = result.clocks.loc[("L1", "arrival")]
    assert clocks["history_p90"] > clocks["simulated_p90"]


def test_the_command_writes_json_and_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tickets(BUSY, tmp_path, 11)
    scenario = tmp_path / "busy.toml"
    text = (DATA / "fit_truth.toml").read_text("utf-8")
    text = text.replace("failures_per_year = 6", "failures_per_year = 40")
    text = text.replace("failures_per_year = 3", "failures_per_year = 20")
    scenario.write_text(text, encoding="utf-8")
    out, chart = tmp_path / "bt.json", tmp_path / "bt.png"
    code = main(
        ["backtest", str(scenario), str(path), "-n", "8", "-w", "1", "-q",
         "--from", str(START), "--until", str(END), "--json", str(out), "--chart", str(chart)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "L1 arrival <= 2h 90%" in printed and "verdict" in printed
    data = json.loads(out.read_text("utf-8"))
    assert len(data["commitments"]) == 3 and data["replications"] == 8
    assert {c["verdict"] for c in data["commitments"]} <= {
        "consistent",
        "optimistic",
        "pessimistic",
    }
    assert data["commitments"][0]["tickets"] > 100
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
