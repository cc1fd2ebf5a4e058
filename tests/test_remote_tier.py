"""The remote tier: who makes a remote attempt, what a failed one costs, and the
``remote`` and ``assigned`` clocks, traced incident by incident.

Every time here is deterministic (constant handle, remote and on-site times, travel
``cv = 0``, a site one hour from the base), so each stamp can be checked exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_theory_queues import remote_tier_scenario
from theory_helpers import destination

import simsvc
from simsvc.cli.main import main
from simsvc.experiment import replication_seed
from simsvc.model.world import ReplicationOutcome
from simsvc.planner.search import plan
from simsvc.scenario.errors import ScenarioError

BASE = (31.0, 121.0)
SITE = destination(BASE, 0.0, 40.0)  # 40 km: 1 h at 40 km/h with road factor 1

HANDLE, TRAVEL, ONSITE = 0.1, 1.0, 1.0


def scenario_text(
    severity: str = "remote_fix = 0.0\nremote_attempt = 1.0\n",
    remote_time: str = "30min",
    tier: str = "",
    desk: bool = True,
    shift: str = "24x7",
    metric: str = "resolution",
) -> str:
    """One site an hour from the only base, about 50 faults in 30 days, nothing random
    but the report times."""
    desk_table = f'[desk]\nagents = 50\nhandle_time = "{HANDLE * 60:g}min"\n' if desk else ""
    return f"""
[scenario]
name = "Remote tier traces"
horizon = "30d"
replications = 2

[[severity]]
id = "L1"
{severity}remote_time = "{remote_time}"
onsite_time = "{ONSITE:g}h"

[[commitment]]
severity = "L1"
metric = "{metric}"
within = "4h"

{desk_table}
{tier}
[[base]]
id = "hq"
location = [{BASE[0]}, {BASE[1]}]
engineers = 1
shift = "{shift}"

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ L1 = 1.0 }}

[[site]]
id = "plant"
location = [{SITE[0]!r}, {SITE[1]!r}]
equipment = {{ unit = 600 }}

[travel]
speed_kmh = 40
road_factor = 1.0
cv = 0.0

[costs]
remote_agent_per_year = 300000
"""


def columns(text: str, seed: int = 11) -> tuple[dict[str, np.ndarray], ReplicationOutcome]:
    outcome = simsvc.simulate(simsvc.parse_scenario(text), replication_seed(seed, 0))
    cols = outcome.columns
    mask = cols["counted"]
    assert mask.sum() > 30
    return {k: v[mask] for k, v in cols.items()}, outcome


def test_a_failed_attempt_delays_the_visit_by_its_time() -> None:
    """Sequential: the desk agent tries for 30 min, fails, and only then is an engineer sent."""
    c, outcome = columns(scenario_text())
    remote = 0.5
    assert np.allclose(c["handover"], c["response"] + HANDLE)
    assert np.allclose(c["remote_start"], c["handover"])  # the desk agent, at once
    assert np.allclose(c["dispatch"], c["handover"] + remote)
    assert (c["assigned"] >= c["dispatch"] - 1e-9).all()
    trip = c["arrival"] - c["assigned"]  # from base, or from the road home: no longer
    assert (trip >= -1e-9).all() and (trip <= TRAVEL + 1e-9).all()
    assert np.isclose(trip, TRAVEL).mean() > 0.7
    assert np.allclose(c["resolution"], c["arrival"] + ONSITE)
    assert not c["remote"].any()
    # the visit clock runs from the failed attempt to the arrival, as the results count it
    scenario = simsvc.parse_scenario(scenario_text(metric="visit"))
    result = simsvc.run_experiment(scenario, replications=1, seed=11)
    visits = result.replications[0].clocks["L1"]["visit"]
    assert np.allclose(np.sort(visits), np.sort(c["arrival"] - c["dispatch"]))
    assert result.commitments().iloc[0]["incidents"] == len(c["report"])
    # the desk agents are busy for the handling and the attempt (hours within the horizon)
    n = len(outcome.columns["report"])
    assert outcome.desk_busy_hours == pytest.approx(n * (HANDLE + remote), abs=HANDLE + remote)


def test_an_attempt_that_fixes_it_needs_no_visit() -> None:
    c, _ = columns(scenario_text(severity="remote_fix = 1.0\n"))
    assert c["remote"].all()
    assert np.isnan(c["dispatch"]).all() and np.isnan(c["arrival"]).all()
    assert np.allclose(c["resolution"], c["handover"] + 0.5)


def test_dispatch_during_remote_sends_the_engineer_at_the_hand_over() -> None:
    """Parallel, and the remote fix (30 min) comes before the engineer (1 h): the engineer
    turns up at a fixed site and leaves; the visit is not an arrival."""
    text = scenario_text(severity="remote_fix = 1.0\ndispatch_during_remote = true\n")
    c, outcome = columns(text)
    assert np.allclose(c["dispatch"], c["handover"])
    assert np.allclose(c["resolution"], c["handover"] + 0.5)
    assert c["remote"].all()
    # nobody arrived before the fix, but an engineer still at the site from the fault before
    arrived = ~np.isnan(c["arrival"])
    assert arrived.sum() <= 2
    assert (c["arrival"][arrived] < c["resolution"][arrived]).all()
    # those sent drove out and back: two hours each
    sent = np.count_nonzero(~np.isnan(c["assigned"]))
    assert sent > 0.8 * len(c["report"])
    assert outcome.base_busy_hours[0] == pytest.approx(2 * TRAVEL * sent, rel=0.1)


def test_a_visit_that_beats_the_remote_attempt_resolves_it() -> None:
    """Parallel, and the engineer (1 h + 1 h) beats a 3 h remote attempt that would fix it."""
    text = scenario_text(
        severity="remote_fix = 1.0\ndispatch_during_remote = true\n", remote_time="3h"
    )
    c, _ = columns(text)
    quick = c["assigned"] <= c["dispatch"] + 0.5  # the engineer was free
    assert quick.sum() > 20
    assert not c["remote"][quick].any()
    assert np.allclose(c["resolution"][quick], c["arrival"][quick] + ONSITE)
    assert (c["resolution"] <= c["handover"] + 3.0 + 1e-9).all()  # never later than remote


def test_a_remote_fix_withdraws_a_visit_nobody_set_out_on() -> None:
    """Parallel, the only engineer works 09:00-10:00: a fault handed over at night and fixed
    remotely in 12 min is withdrawn, so nobody is sent in the morning."""
    text = scenario_text(
        severity="remote_fix = 1.0\ndispatch_during_remote = true\n",
        remote_time="12min",
        shift="09:00-10:00",
        metric="assigned",
    )
    c, _ = columns(text)
    hour = np.mod(c["handover"], 24.0)  # the calendar starts at midnight
    night = (hour > 10.0) | (hour < 8.5)
    assert night.sum() > 20
    assert np.isnan(c["assigned"][night]).all()
    assert np.isnan(c["arrival"]).all()
    # withdrawn visits are not counted on the assigned clock
    result = simsvc.run_experiment(simsvc.parse_scenario(text), replications=1, seed=11)
    counted = result.commitments().iloc[0]["incidents"]
    assert counted == np.count_nonzero(~np.isnan(c["assigned"]))


def test_a_remote_tier_takes_the_attempts_off_the_desk() -> None:
    tier = '[remote]\nagents = 1\nshift = "24x7"\n'
    c, outcome = columns(scenario_text(severity="remote_fix = 1.0\n", tier=tier))
    n = len(outcome.columns["report"])
    assert outcome.desk_busy_hours == pytest.approx(n * HANDLE, abs=HANDLE)
    assert outcome.remote_busy_hours == pytest.approx(n * 0.5, abs=0.5)
    assert (c["remote_start"] >= c["handover"] - 1e-9).all()
    assert np.allclose(c["resolution"], c["remote_start"] + 0.5)
    waited = c["remote_start"] > c["handover"] + 1e-9  # one agent: some wait
    assert waited.any()


def test_without_desk_or_tier_an_attempt_starts_at_once() -> None:
    c, outcome = columns(scenario_text(desk=False))
    assert np.allclose(c["handover"], c["report"])
    assert np.allclose(c["remote_start"], c["report"])
    assert np.allclose(c["dispatch"], c["report"] + 0.5)
    assert outcome.desk_busy_hours == 0.0


def test_results_show_the_tier_its_cost_and_its_clocks() -> None:
    tier = "[remote]\nagents = 2\n"
    scenario = simsvc.parse_scenario(scenario_text(tier=tier, metric="remote"))
    result = simsvc.run_experiment(scenario, replications=2, seed=3)
    data = result.to_dict()
    assert data["remote"]["agents"] == 2
    assert 0 < data["remote"]["utilization"]["mean"] < 0.1
    # two 24x7 posts take 2 x 8,760 / 2,000 = 8.76 people at 300,000 a year
    assert data["cost"]["remote"] == pytest.approx(8.76 * 300_000)
    assert data["remote"]["people"] == pytest.approx(8.76)
    assert data["cost"]["total"] >= data["cost"]["remote"]
    clocks = data["severities"]["L1"]
    assert clocks["remote_hours"]["p50"] == pytest.approx(0.0)
    assert clocks["assigned_hours"]["mean"] >= 0.5  # after the failed 30-min attempt
    assert result.remote().loc["remote", "agents"] == 2
    assert result.commitments().iloc[0]["attainment"] == 1.0  # the login is at once


@pytest.mark.parametrize(
    ("severity", "path", "words"),
    [
        ("remote_fix = 0.5\nremote_attempt = 0.2\n", "severity[0].remote_attempt", "at least"),
        ('remote_fix = 0.5\ndispatch_during_remote = "yes"\n', "dispatch_during_remote", "bool"),
    ],
)
def test_bad_remote_settings_name_their_key(severity: str, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(scenario_text(severity=severity))
    assert path in str(caught.value)
    assert words in str(caught.value)


def test_a_remote_clock_without_attempts_is_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(scenario_text(severity="remote_fix = 0.0\n", metric="remote"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "commitment[0].metric" in err and "remote attempt" in err
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "metric" in t)
    assert f"(line {line})" in err


def test_the_planner_sizes_the_remote_tier_by_its_login_clock() -> None:
    """A remote tier alone, lam = 4/h, attempts exponential 36 min, login within 30 min at
    95%: Erlang C gives P(wait <= 30 min) = 61% with 3 engineers, 92% with 4, 98.6% with 5.
    The plan staffs 5 (4 is clearly short), and its JSON names them."""
    scenario = remote_tier_scenario(1, 0.6, 4.0).evolve(
        {
            "scenario.horizon": "60d",
            "costs.remote_agent_per_year": 200_000,
            "costs.engineer_per_year": 150_000,
        }
    )
    result = plan(scenario, replications=4, seed=5, workers=1)
    assert result.feasible
    assert result.plan.remote == 5
    assert result.to_dict()["plan"]["resources"]["remote_agents"] == 5
    assert result.cost()["remote"] == pytest.approx(5 * 8760 / 2000 * 200_000)
    # the plan's headcount: its posts' people, remote engineers included (24x7: 4.38 each)
    people = result.to_dict()["plan"]["resources"]["people"]
    engineers = sum(result.plan.engineers) * 8760 / 2000
    assert people["total"] == pytest.approx(engineers + 5 * 8760 / 2000)
    from simsvc.terminal import plan_columns, plan_resource_rows

    data = result.to_dict()
    rows = plan_resource_rows(data, plan_columns(data))
    assert any(row[0] == "people (headcount)" for row in rows)
