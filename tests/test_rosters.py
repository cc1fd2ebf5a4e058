"""Rosters: people on a rota, on shift exactly as the rota says, and what they cost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simsvc
from simsvc.model.calendar import ShiftTimetable, WorkCalendar
from simsvc.model.crews import crews_of
from simsvc.scenario.errors import ScenarioError
from simsvc.staffing import base_people, people, rostered_hours_per_week

SMALL = Path(__file__).parent / "data" / "small.toml"

FOUR_ON_FOUR_OFF = {
    "id": "day12",
    "shift": "08:00-20:00",
    "days_on": 4,
    "days_off": 4,
    "crews": 2,
}
OFFICE_WEEK = {"id": "office", "shift": "09:00-17:00", "days_on": 5, "days_off": 2}


def rostered(roster: dict[str, object], people_on_it: int, days: int = 56) -> simsvc.Scenario:
    """small.toml from Monday 2027-01-04 for ``days`` days, its first base on ``roster``."""
    small = simsvc.load_scenario(SMALL)
    return small.evolve(
        {
            "scenario.horizon": f"{days}d",
            "scenario.warmup": 0,
            "calendar.start": "2027-01-04",
            "roster": [roster],
            "base[0].roster": roster["id"],
            "base[0].shift": "24x7",
            "base[0].engineers": people_on_it,
        }
    )


def on_shift_by_hour(scenario: simsvc.Scenario, base: int, hours: int) -> np.ndarray:
    """People of ``base`` on shift at the middle of each hour, from the crews' timetables."""
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    count = np.zeros(hours, int)
    for crew in crews_of(scenario):
        if crew.base != base:
            continue
        table = ShiftTimetable(calendar, crew.shift, hours + 48.0)
        count += [crew.engineers * table.is_on(h + 0.5) for h in range(hours)]
    return count


def test_four_on_four_off_puts_half_the_people_on_every_day() -> None:
    """8 people in 2 crews, 12-hour days, 4 on and 4 off: one crew of 4 on duty 08:00-20:00
    every day, nobody at night; each works 12 x 4/8 x 7 = 42 hours a week."""
    scenario = rostered(FOUR_ON_FOUR_OFF, 8)
    count = on_shift_by_hour(scenario, 0, 56 * 24)
    hour = np.arange(56 * 24) % 24
    assert (count[(hour >= 8) & (hour < 20)] == 4).all()
    assert (count[(hour < 8) | (hour >= 20)] == 0).all()
    assert rostered_hours_per_week(scenario)[scenario.base[0].id] == pytest.approx(42.0)


def test_an_office_week_from_a_monday_is_monday_to_friday() -> None:
    """5 on, 2 off from Monday 4 January, one crew of 3: 09:00-17:00 Monday to Friday, 40 h."""
    scenario = rostered(OFFICE_WEEK, 3)
    count = on_shift_by_hour(scenario, 0, 14 * 24)
    day, hour = np.arange(14 * 24) // 24, np.arange(14 * 24) % 24
    weekday = day % 7 < 5
    assert (count[weekday & (hour >= 9) & (hour < 17)] == 3).all()
    assert (count[weekday & ((hour < 9) | (hour >= 17))] == 0).all()
    assert (count[~weekday] == 0).all()
    assert rostered_hours_per_week(scenario)[scenario.base[0].id] == pytest.approx(40.0)


def test_a_rota_that_takes_holidays_off_has_nobody_on_them() -> None:
    scenario = rostered({**OFFICE_WEEK, "holidays": "off"}, 5).evolve(
        {"calendar.holidays": ["2027-01-06"]}  # a Wednesday, day 2
    )
    count = on_shift_by_hour(scenario, 0, 7 * 24)
    assert (count[2 * 24 : 3 * 24] == 0).all()
    assert count[1 * 24 + 12] == 5 and count[3 * 24 + 12] == 5
    worked = rostered(OFFICE_WEEK, 5).evolve({"calendar.holidays": ["2027-01-06"]})
    assert on_shift_by_hour(worked, 0, 7 * 24)[2 * 24 + 12] == 5


def test_the_simulation_keeps_busy_hours_within_the_rostered_hours() -> None:
    """A simulated year: utilisation counts busy hours over the rostered ones (at most 1),
    and a rota of 8 people costs 8 people, not 8 posts round the clock."""
    scenario = rostered(FOUR_ON_FOUR_OFF, 8, days=365)
    result = simsvc.run_experiment(scenario, replications=2, seed=3, workers=1)
    row = result.bases().iloc[0]
    assert 0 < row["utilization"] <= 1
    assert row["people"] == pytest.approx(8.0)
    assert row["rostered_hours_per_week"] == pytest.approx(42.0, rel=0.01)
    assert len(scenario.base) == 1
    assert people(scenario)["engineers"] == pytest.approx(8.0)
    assert result.cost()["engineers"] == pytest.approx(8 * scenario.costs.engineer_per_year)
    arrivals = result.replications[0].columns
    assert arrivals is not None
    assert (arrivals["base"][arrivals["base"] >= 0] < len(scenario.base)).all()


def test_shrinkage_adds_relief_for_rostered_people() -> None:
    scenario = rostered(FOUR_ON_FOUR_OFF, 8).evolve({"staffing.shrinkage": 0.2})
    assert scenario.base[0].engineers == 8
    assert base_people(scenario)["north"] == pytest.approx(10.0)  # 8 / (1 - 0.2)


def test_a_base_on_a_roster_takes_no_shift_and_names_a_roster_that_exists() -> None:
    scenario = rostered(FOUR_ON_FOUR_OFF, 8)
    with pytest.raises(ScenarioError) as caught:
        scenario.evolve({"base[0].shift": "08:00-20:00"})
    assert "base[0].shift" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        scenario.evolve({"base[0].roster": "nights"})
    assert "base[0].roster" in str(caught.value) and "day12" in str(caught.value)
