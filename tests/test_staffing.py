"""People per post (simsvc.staffing): hand-counted hours on the calendar, and the cost."""

from __future__ import annotations

from pathlib import Path

import pytest

import simsvc
from simsvc.cost import resource_cost
from simsvc.staffing import people, people_per_post

SMALL = Path(__file__).parent / "data" / "small.toml"


@pytest.fixture
def year() -> simsvc.Scenario:
    """small.toml over a year from Monday 2027-01-04, no warm-up."""
    return simsvc.load_scenario(SMALL).evolve(
        {"scenario.horizon": "365d", "scenario.warmup": 0, "calendar.start": "2027-01-04"}
    )


def test_a_round_the_clock_post_takes_four_people_and_more(year: simsvc.Scenario) -> None:
    assert people_per_post(year, "24x7") == pytest.approx(8760 / 2000)
    assert people_per_post(year, "08:00-20:00") == pytest.approx(365 * 12 / 2000)


def test_a_business_post_follows_the_calendar(year: simsvc.Scenario) -> None:
    # 365 days from a Monday: 52 weeks and a Monday, 261 weekdays of 9 h (09:00-18:00)
    assert people_per_post(year, "business") == pytest.approx(261 * 9 / 2000)
    holiday = year.evolve({"calendar.holidays": ["2027-05-03"]})  # a Monday
    assert people_per_post(holiday, "business") == pytest.approx(260 * 9 / 2000)


def test_shrinkage_and_hours_per_year_scale_the_people(year: simsvc.Scenario) -> None:
    lean = year.evolve({"staffing.shrinkage": "20%", "staffing.hours_per_year": 1800})
    assert people_per_post(lean, "24x7") == pytest.approx(8760 / (1800 * 0.8))


def test_a_shorter_horizon_is_scaled_to_a_year(year: simsvc.Scenario) -> None:
    month = year.evolve({"scenario.horizon": "28d"})  # four whole weeks
    assert people_per_post(month, "business") == pytest.approx(20 * 9 * 365 / 28 / 2000)


def test_the_cost_of_engineers_is_people_times_the_cost_of_a_person(
    year: simsvc.Scenario,
) -> None:
    staff = people(year)
    expected = sum(b.engineers * people_per_post(year, b.shift) for b in year.base)
    assert staff["engineers"] == pytest.approx(expected)
    cost = resource_cost(year)
    assert cost["engineers"] == pytest.approx(expected * year.costs.engineer_per_year)
    # round the clock costs what its people cost: twice a 12-hour day, not the same
    night_and_day = resource_cost(year.evolve({"base[0].shift": "24x7"}))["engineers"]
    day = resource_cost(year.evolve({"base[0].shift": "08:00-20:00"}))["engineers"]
    posts = year.base[0].engineers
    extra = posts * (8760 - 4380) / 2000 * year.costs.engineer_per_year
    assert night_and_day - day == pytest.approx(extra)
    assert extra > 0


def test_a_shrinkage_of_a_whole_is_refused(year: simsvc.Scenario) -> None:
    with pytest.raises(simsvc.ScenarioError) as caught:
        year.evolve({"staffing.shrinkage": 0.95})
    assert "staffing.shrinkage" in str(caught.value)
