"""Engineers on call: outside the base's hours, for the listed severities, after a call-out.

One site an hour from the base (travel exact), a day shift 08:00-20:00 and one engineer on
call at night for L1 only, 30 minutes from the call to setting off. The calendar starts at
midnight, so the hour of day of a stamp is its time modulo 24.
"""

from __future__ import annotations

import numpy as np
import pytest
from theory_helpers import destination

import simsvc
from simsvc.experiment import replication_seed
from simsvc.scenario.errors import ScenarioError

BASE = (31.0, 121.0)
SITE = destination(BASE, 0.0, 40.0)  # 1 h at 40 km/h, road factor 1


def text(on_call: str = 'engineers = 1\nseverities = ["L1"]\ncallout = "30min"\n') -> str:
    return f"""
[scenario]
name = "On call"
horizon = "120d"

[[severity]]
id = "L1"
onsite_time = "1h"

[[severity]]
id = "L2"
onsite_time = "1h"

[[commitment]]
severity = "L1"
metric = "arrival"
within = "2h"

[[base]]
id = "hq"
location = [{BASE[0]}, {BASE[1]}]
engineers = 2
shift = "08:00-20:00"

[base.on_call]
{on_call}
[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ L1 = 0.5, L2 = 0.5 }}

[[site]]
id = "plant"
location = [{SITE[0]!r}, {SITE[1]!r}]
equipment = {{ unit = 300 }}

[travel]
speed_kmh = 40
road_factor = 1.0
cv = 0.0

[costs]
engineer_per_year = 100000
callout = 500
on_call_per_year = 20000
"""


def test_the_engineer_on_call_answers_night_l1_faults_only() -> None:
    scenario = simsvc.parse_scenario(text())
    outcome = simsvc.simulate(scenario, replication_seed(1, 0))
    c = outcome.columns
    hour = np.mod(c["report"], 24.0)
    night = (hour >= 20.5) | (hour < 6.0)  # well inside the night, both ways
    l1, l2 = c["severity"] == 0, c["severity"] == 1
    assert (night & l1).sum() > 20 and (night & l2).sum() > 20
    # an L2 at night waits for the day shift: nobody arrives before 09:00 (08:00 + 1 h)
    waited = night & l2
    arrival_hour = np.mod(c["arrival"][waited], 24.0)
    assert ((arrival_hour >= 9.0 - 1e-9) & (arrival_hour < 20.0)).all()
    # an L1 at night is called out: 30 min, then the hour's drive, when the one on call is free
    called = night & l1
    trip = c["arrival"][called] - c["report"][called]
    assert np.isclose(trip, 1.5).mean() > 0.8
    # shorter trips: sent on while still out after a call-out (no new call-out), from the
    # road home; longer ones waited for the engineer on call to be free
    assert (trip >= -1e-9).all()
    # each call-out from home is counted, within the horizon
    assert outcome.callouts[0] >= 0.8 * called.sum()
    assert outcome.on_call_busy_hours[0] > 0


def test_on_call_hours_are_counted_apart_and_cost_their_allowance_and_callouts() -> None:
    scenario = simsvc.parse_scenario(text())
    result = simsvc.run_experiment(scenario, replications=2, seed=1, workers=1)
    data = result.to_dict()
    on_call = data["bases"]["hq"]["on_call"]
    assert on_call["engineers"] == 1
    callouts = on_call["callouts_per_year"]["mean"]
    assert callouts > 50
    assert data["cost"]["on_call"] == pytest.approx(20_000 + 500 * callouts)
    # the base's utilisation is over its own shift: the night's work is not in it
    assert 0 < data["bases"]["hq"]["utilization"]["mean"] < 1
    # day posts: 2 x 12 h every day = 4.38 people; the one on call is not a post
    assert data["cost"]["engineers"] == pytest.approx(2 * 4380 / 2000 * 100_000)


def test_on_call_needs_a_daily_span_and_known_severities() -> None:
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text().replace('shift = "08:00-20:00"', 'shift = "24x7"'))
    assert "base[0].on_call" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text('severities = ["L9"]\n'))
    assert "base[0].on_call.severities[0]" in str(caught.value)
