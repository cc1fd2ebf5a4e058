"""The business clock, shifts and dates on the simulation clock (hours since t = 0).

``t = warmup`` is midnight at the start of ``[calendar] start`` (default Monday
2027-01-04). Hand-computed cases use that Monday as day 0 unless said otherwise.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pydantic import ValidationError

import simsvc
from simsvc.model.calendar import WorkCalendar, parse_span
from simsvc.records import clock_hours
from simsvc.scenario import Calendar

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(day: int, hour: float, warmup: float = 0.0) -> float:
    """Simulation time of ``hour`` o'clock on day ``day`` after the start (day 0 = start)."""
    return warmup + day * 24 + hour


def elapsed(calendar: WorkCalendar, start: float, end: float) -> float:
    return float(calendar.business_elapsed(np.array([start]), np.array([end]))[0])


def test_default_start_is_a_monday_and_warmup_is_its_midnight() -> None:
    calendar = Calendar()
    assert calendar.start == dt.date(2027, 1, 4)
    assert calendar.start.weekday() == MON
    for warmup in (0.0, 24.0, 36.0, 14 * 24.0, 7.25):
        work = WorkCalendar(calendar, warmup)
        assert work.date(warmup) == calendar.start
        assert work.date(warmup - 1e-6) == calendar.start - dt.timedelta(days=1)
        weekday, hour = work.weekday_and_hour(np.array([warmup, warmup + 24 * 4 + 17]))
        assert weekday.tolist() == [MON, FRI]
        assert hour.tolist() == pytest.approx([0.0, 17.0])


def test_a_start_that_is_not_a_monday() -> None:
    # Wednesday 2027-01-06, warm-up 2.5 days: t = 0 is Sunday 12:00
    work = WorkCalendar(Calendar(start=dt.date(2027, 1, 6)), 60.0)
    assert work.date(60.0) == dt.date(2027, 1, 6)
    assert work.date(0.0) == dt.date(2027, 1, 3)
    weekday, hour = work.weekday_and_hour(np.array([0.0, 60.0, 60.0 + 2 * 24 + 17]))
    assert weekday.tolist() == [SUN, WED, FRI]
    assert hour.tolist() == pytest.approx([12.0, 0.0, 17.0])
    # Friday 17:00 to Monday 10:00
    assert elapsed(work, 60.0 + 2 * 24 + 17, 60.0 + 5 * 24 + 10) == pytest.approx(2.0)


def test_parse_span() -> None:
    assert parse_span("09:00-18:00") == (9.0, 18.0)
    assert parse_span("08:30-20:15") == (8.5, 20.25)
    assert parse_span("20:00-08:00") == (20.0, 8.0)


@pytest.mark.parametrize("warmup", [0.0, 48.0, 36.0, 7.25], ids=lambda w: f"warmup{w:g}h")
class TestBusinessClock:
    """09:00-18:00 Monday to Friday."""

    def test_friday_evening_to_monday_morning(self, warmup: float) -> None:
        work = WorkCalendar(Calendar(), warmup)
        assert elapsed(work, at(FRI, 17, warmup), at(7 + MON, 10, warmup)) == pytest.approx(2.0)
        assert elapsed(work, at(FRI, 20, warmup), at(7 + MON, 9.5, warmup)) == pytest.approx(0.5)

    def test_within_one_day(self, warmup: float) -> None:
        work = WorkCalendar(Calendar(), warmup)
        assert elapsed(work, at(TUE, 10, warmup), at(TUE, 12.25, warmup)) == pytest.approx(2.25)
        assert elapsed(work, at(TUE, 7, warmup), at(TUE, 8.5, warmup)) == 0.0
        assert elapsed(work, at(TUE, 7, warmup), at(TUE, 23, warmup)) == pytest.approx(9.0)
        assert elapsed(work, at(TUE, 18, warmup), at(WED, 9, warmup)) == 0.0

    def test_a_whole_week_is_five_days(self, warmup: float) -> None:
        work = WorkCalendar(Calendar(), warmup)
        for start in (at(MON, 0, warmup), at(WED, 13, warmup), at(SAT, 2, warmup)):
            assert elapsed(work, start, start + 7 * 24) == pytest.approx(45.0)

    def test_saturday_report(self, warmup: float) -> None:
        work = WorkCalendar(Calendar(), warmup)
        assert elapsed(work, at(SAT, 10, warmup), at(SUN, 23, warmup)) == 0.0
        assert elapsed(work, at(SAT, 10, warmup), at(7 + MON, 9.5, warmup)) == pytest.approx(0.5)
        assert elapsed(work, at(SAT, 10, warmup), at(7 + TUE, 11, warmup)) == pytest.approx(11.0)

    def test_clock_is_non_decreasing(self, warmup: float) -> None:
        work = WorkCalendar(Calendar(holidays=[dt.date(2027, 1, 6)]), warmup)
        times = np.sort(np.random.default_rng(5).uniform(0, 60 * 24, 2000))
        assert (np.diff(work.business_hours(times)) >= 0).all()


def test_saturday_before_the_start_in_the_warmup() -> None:
    """With a warm-up of 36 h, t = 0 is Saturday 12:00; a report at t = 1 is on Saturday."""
    work = WorkCalendar(Calendar(), 36.0)
    assert work.date(0.0) == dt.date(2027, 1, 2)
    assert work.offset == pytest.approx(12.0)
    weekday, hour = work.weekday_and_hour(np.array([1.0]))
    assert (int(weekday[0]), float(hour[0])) == (SAT, pytest.approx(13.0))
    # Saturday 13:00 to Monday 10:00 (t = 36 + 10)
    assert elapsed(work, 1.0, 46.0) == pytest.approx(1.0)


def test_holiday_skips_the_whole_day() -> None:
    # Monday 2027-01-11 is a holiday: Friday 17:00 to Tuesday 10:00 is 1 h + 1 h
    work = WorkCalendar(Calendar(holidays=[dt.date(2027, 1, 11)]), 0.0)
    assert elapsed(work, at(FRI, 17), at(7 + TUE, 10)) == pytest.approx(2.0)
    assert elapsed(work, at(7 + MON, 9), at(7 + MON, 18)) == 0.0
    plain = WorkCalendar(Calendar(), 0.0)
    assert elapsed(plain, at(FRI, 17), at(7 + TUE, 10)) == pytest.approx(11.0)


def test_holiday_in_a_warmup_that_is_not_whole_days() -> None:
    # warm-up 30 h: t = 0 is Saturday 18:00; Monday the start is a holiday
    work = WorkCalendar(Calendar(holidays=[dt.date(2027, 1, 4)]), 30.0)
    assert elapsed(work, 0.0, at(TUE, 10, 30.0)) == pytest.approx(1.0)
    assert work.is_business_day(work.day_index(at(TUE, 10, 30.0)))
    assert not work.is_business_day(work.day_index(at(MON, 10, 30.0)))


def test_custom_business_days_and_hours() -> None:
    calendar = Calendar(business_hours="08:00-12:30", business_days=["Sat", "Sun"])
    work = WorkCalendar(calendar, 0.0)
    assert elapsed(work, at(MON, 0), at(7 + MON, 0)) == pytest.approx(9.0)
    assert elapsed(work, at(FRI, 12), at(SAT, 10)) == pytest.approx(2.0)


def test_business_clock_of_infinite_end_is_infinite() -> None:
    work = WorkCalendar(Calendar(), 0.0)
    clock = work.business_elapsed(np.array([1.0, 2.0]), np.array([5.0, np.inf]))
    assert math.isfinite(clock[0])
    assert clock[1] == np.inf


def test_every_accepted_business_hours_give_a_clock_that_does_not_run_backwards() -> None:
    try:
        calendar = Calendar(business_hours="18:00-09:00")
    except ValidationError:
        return  # rejecting it is a fine fix
    work = WorkCalendar(calendar, 0.0)
    assert elapsed(work, at(MON, 0), at(WED, 0)) >= 0.0


# -- shifts --------------------------------------------------------------------------------


def test_24x7_is_always_on() -> None:
    work = WorkCalendar(Calendar(), 10.0)
    assert list(work.shift_intervals("24x7", 100.0)) == [(0.0, math.inf)]
    assert work.on_shift_hours("24x7", 3.0, 50.0) == pytest.approx(47.0)


def test_business_shift_intervals() -> None:
    work = WorkCalendar(Calendar(holidays=[dt.date(2027, 1, 6)]), 0.0)
    intervals = list(work.shift_intervals("business", 8 * 24.0))
    # Mon, Tue, (Wed holiday), Thu, Fri, next Mon
    days = [MON, TUE, THU, FRI, 7 + MON]
    assert intervals == [(at(d, 9), at(d, 18)) for d in days]
    assert work.on_shift_hours("business", 0.0, 7 * 24.0) == pytest.approx(36.0)


def test_day_shift_intervals_with_a_partial_warmup() -> None:
    work = WorkCalendar(Calendar(), 12.0)  # t = 0 is Sunday 12:00
    intervals = list(work.shift_intervals("08:00-20:00", 12.0 + 3 * 24))
    assert intervals[0] == (0.0, 8.0)  # Sunday's shift, already running at t = 0
    assert intervals[1:] == [(at(d, 8, 12.0), at(d, 20, 12.0)) for d in (MON, TUE, WED)]
    assert work.on_shift_hours("08:00-20:00", 0.0, 12.0 + 24) == pytest.approx(8.0 + 12.0)


def test_night_shift_wraps_past_midnight() -> None:
    work = WorkCalendar(Calendar(), 0.0)
    intervals = list(work.shift_intervals("20:00-08:00", 3 * 24.0))
    # the night that began on the day before t = 0 still runs until 08:00
    assert intervals == [(0.0, 8.0), (20.0, 32.0), (44.0, 56.0), (68.0, 80.0)]
    assert all(b - a == pytest.approx(12.0) for a, b in intervals[1:])
    assert work.on_shift_hours("20:00-08:00", 0.0, 3 * 24.0) == pytest.approx(36.0)
    assert work.on_shift_hours("20:00-08:00", 6.0, 22.0) == pytest.approx(4.0)


def test_night_shift_runs_on_weekends_and_holidays() -> None:
    work = WorkCalendar(Calendar(holidays=[dt.date(2027, 1, 9)]), 0.0)
    assert work.on_shift_hours("20:00-08:00", at(SAT, 0), at(7 + MON, 0)) == pytest.approx(24.0)


def test_business_shift_on_shift_hours_with_partial_window() -> None:
    work = WorkCalendar(Calendar(), 0.0)
    assert work.on_shift_hours("business", at(MON, 12), at(TUE, 10)) == pytest.approx(7.0)
    assert work.on_shift_hours("business", at(SAT, 0), at(SUN, 23)) == 0.0


# -- end to end: a business-clock commitment ---------------------------------------------

BUSINESS = """
[scenario]
name = "Business clock"
horizon = "{horizon}"
warmup = "{warmup}"

[calendar]
business_hours = "09:00-18:00"
holidays = {holidays}

[[severity]]
id = "L1"
onsite_time = {{ dist = "constant", value = "{onsite}" }}

[[commitment]]
severity = "L1"
metric = "resolution"
within = "{within}"
goal = 0.9
clock = "business"

[[commitment]]
severity = "L1"
metric = "resolution"
within = "{within}"
goal = 0.9

[[base]]
id = "b"
location = [34.0, 108.0]
engineers = 3

[[equipment]]
id = "unit"
failures_per_year = 400
severity_mix = {{ L1 = 1.0 }}

[[site]]
id = "s"
location = [34.0, 108.0]
equipment = {{ unit = 1 }}

[arrivals]
hourly_profile = {hourly}
weekly_profile = {weekly}
"""


def business_scenario(
    hourly: list[float],
    weekly: list[float],
    holidays: list[str] | None = None,
    within: str = "30min",
    onsite: str = "3h",
    warmup: str = "12h",
    horizon: str = "70d",
) -> simsvc.Scenario:
    return simsvc.parse_scenario(
        BUSINESS.format(
            hourly=hourly,
            weekly=weekly,
            holidays=[str(h) for h in holidays or []],
            within=within,
            onsite=onsite,
            warmup=warmup,
            horizon=horizon,
        ).replace("'", '"'),
        "business.toml",
    )


def business_hours_by_hand(scenario: simsvc.Scenario, report: float, end: float) -> float:
    """Business hours between two simulation times, counted with datetimes day by day."""
    calendar = scenario.calendar
    origin = dt.datetime.combine(calendar.start, dt.time()) - dt.timedelta(
        hours=scenario.scenario.warmup
    )
    a = origin + dt.timedelta(hours=report)
    b = origin + dt.timedelta(hours=end)
    open_, close = (dt.time.fromisoformat(x) for x in calendar.business_hours.split("-"))
    days = {
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(d) for d in calendar.business_days
    }
    total = 0.0
    day = a.date()
    while day <= b.date():
        if day.weekday() in days and day not in calendar.holidays:
            start = max(a, dt.datetime.combine(day, open_))
            stop = min(b, dt.datetime.combine(day, close))
            total += max(0.0, (stop - start).total_seconds() / 3600)
        day += dt.timedelta(days=1)
    return total


def test_saturday_reports_meet_a_business_clock_and_breach_24x7() -> None:
    """Reported on Saturdays, fixed within the weekend: 0 business hours, >= 3 h elapsed."""
    scenario = business_scenario([1.0] * 24, [0, 0, 0, 0, 0, 1, 0])
    result = simsvc.run_experiment(scenario, replications=2, seed=3, workers=1)
    incidents = result.incidents[result.incidents["counted"]]
    assert len(incidents) > 50
    assert (incidents["report"].map(lambda t: ((t - 12) // 24) % 7) == SAT).all()
    assert result.attainment(0).mean == 1.0
    assert result.attainment(1).mean == 0.0
    assert result.to_dict()["commitments"][0]["clock"] == "business"


def test_friday_17h_reports_count_only_the_business_hour_left() -> None:
    """Reports on Fridays 17:00-18:00 fixed in 3 h: the business clock is 18:00 - report.

    One Friday (2027-01-15) is a holiday: its reports count 0 business hours.
    """
    hourly = [0.0] * 24
    hourly[17] = 1.0
    scenario = business_scenario(hourly, [0, 0, 0, 0, 1, 0, 0], holidays=["2027-01-15"])
    result = simsvc.run_experiment(scenario, replications=1, seed=8, workers=1)
    incidents = result.incidents[result.incidents["counted"]]
    assert len(incidents) > 50
    report, resolution = incidents["report"].to_numpy(), incidents["resolution"].to_numpy()
    hour_of_day = (report - 12.0) % 24  # warm-up 12 h: t = 12 is Monday 00:00
    assert ((hour_of_day >= 17) & (hour_of_day < 18)).all()
    on_holiday = (report - 12.0) // 24 == 11  # day 11 after the Monday start
    assert on_holiday.any() and not on_holiday.all()
    by_hand = np.array(
        [business_hours_by_hand(scenario, r, e) for r, e in zip(report, resolution, strict=True)]
    )
    # resolved on Friday evening (3 h on site, three engineers, one site at the base)
    assert (resolution < report + 24).all()
    expected = np.where(on_holiday, 0.0, 18.0 - hour_of_day)
    np.testing.assert_allclose(by_hand, expected, atol=1e-6)
    # and the simulator's business clock agrees with the hand count incident by incident
    columns = {k: incidents[k].to_numpy() for k in ("report", "response", "arrival", "resolution")}
    clock = clock_hours(columns, "resolution", "business", WorkCalendar(scenario.calendar, 12.0))
    np.testing.assert_allclose(clock, by_hand, atol=1e-9)
    # the commitment counts those within 30 business minutes
    assert result.attainment(0).mean == pytest.approx(np.mean(by_hand <= 0.5 + 1e-9))
    assert result.attainment(1).mean == 0.0


def test_business_attainment_matches_a_hand_count_over_a_whole_week() -> None:
    """Reports at any hour and day, 3 h on site; attainment of '<= 2h business' by hand."""
    scenario = business_scenario(
        [1.0] * 24,
        [1.0] * 7,
        holidays=["2027-01-06", "2027-02-01"],
        within="2h",
        warmup="30h",
    )
    result = simsvc.run_experiment(scenario, replications=2, seed=21, workers=1)
    incidents = result.incidents
    for replication in (0, 1):
        rows = incidents[(incidents["replication"] == replication) & incidents["counted"]]
        by_hand = np.array(
            [
                business_hours_by_hand(scenario, r, e)
                for r, e in zip(rows["report"], rows["resolution"], strict=True)
            ]
        )
        share = float(np.mean(by_hand <= 2.0 + 1e-9))
        assert result.replications[replication].attainment[0] == pytest.approx(share)
        elapsed_share = float(np.mean(rows["resolution_hours"] <= 2.0 + 1e-9))
        assert result.replications[replication].attainment[1] == pytest.approx(elapsed_share)
    # one incident by hand: the first one reported after 18:00 on a business day
    rows = incidents[(incidents["replication"] == 0) & incidents["counted"]]
    origin = dt.datetime(2027, 1, 4) - dt.timedelta(hours=30)
    for report, resolution in zip(rows["report"], rows["resolution"], strict=True):  # noqa: B007
        when = origin + dt.timedelta(hours=report)
        if when.weekday() < 5 and 18 <= when.hour < 20 and when.date() != dt.date(2027, 1, 6):
            break
    else:
        pytest.fail("no evening report")
    end = origin + dt.timedelta(hours=resolution)
    assert end.date() == when.date()  # fixed the same evening: 0 business hours
    assert business_hours_by_hand(scenario, report, resolution) == 0.0
    assert resolution - report >= 3.0
    work = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    assert elapsed(work, report, resolution) == 0.0
