"""The working calendar of China: ``[calendar] country = "CN"``, ``holidays`` and ``workdays``.

Dates checked against the State Council's notices, as the ``chinese-calendar`` package
keeps them:

- 2024 Spring Festival: days off Sat 2024-02-10 to Sat 02-17; Fri 02-09 (the eve) is a
  working day; Sun 2024-02-18 is a make-up working day (the first after the holiday).
- 2026 Spring Festival: days off Sun 2026-02-15 to Mon 02-23; Sat 02-14 and Sat 02-28
  are make-up working days. Qingming: Mon 2026-04-06 is a day off.

Business hours are 09:00-18:00 throughout (9 hours a day).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.model.calendar import ShiftTimetable, WorkCalendar
from simsvc.model.official_days import CalendarPackageMissing, days_off_and_on, official_days
from simsvc.scenario import Calendar
from simsvc.scenario.errors import ScenarioError, format_path

D = dt.date.fromisoformat


def hours_from(start: dt.date, when: str) -> float:
    """Simulation hours (no warm-up: t = 0 is midnight of ``start``) of ``"YYYY-MM-DD HH:MM"``."""
    moment = dt.datetime.fromisoformat(when)
    return (moment - dt.datetime.combine(start, dt.time())).total_seconds() / 3600


def line_of(text: str, start: str) -> int:
    """The number (1-based) of the one line of ``text`` that starts with ``start``."""
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start)]
    return number


def elapsed(calendar: WorkCalendar, start: float, end: float) -> float:
    return float(calendar.business_elapsed(np.array([start]), np.array([end]))[0])


# -- the business clock on known dates ------------------------------------------------------


def test_report_on_the_friday_before_spring_festival_runs_into_the_first_working_day() -> None:
    """Fri 2024-02-09 17:00: 1 h that evening, then nothing until Sun 02-18 09:00."""
    start = D("2024-02-05")  # a Monday
    cn = WorkCalendar(Calendar(start=start, country="CN"), 0.0)
    plain = WorkCalendar(Calendar(start=start), 0.0)
    report = hours_from(start, "2024-02-09 17:00")
    # to Sun 02-18 10:00: Fri 17-18 (1 h) + Sun 09-10 (1 h) = 2 h
    assert elapsed(cn, report, hours_from(start, "2024-02-18 10:00")) == pytest.approx(2.0)
    # to Mon 02-19 10:00: 1 + 9 (the make-up Sunday) + 1 = 11 h
    assert elapsed(cn, report, hours_from(start, "2024-02-19 10:00")) == pytest.approx(11.0)
    # the whole holiday week counts nothing: Sat 02-10 00:00 to Sun 02-18 00:00
    holiday_week = (hours_from(start, "2024-02-10 00:00"), hours_from(start, "2024-02-18 00:00"))
    assert elapsed(cn, *holiday_week) == 0.0
    # without a country the same week is five ordinary days: Fri 1 + Mon-Fri 02-12..16 5 x 9 = 46 h
    assert elapsed(plain, report, hours_from(start, "2024-02-18 10:00")) == pytest.approx(46.0)
    assert elapsed(plain, *holiday_week) == pytest.approx(45.0)


def test_business_hours_count_on_a_make_up_saturday() -> None:
    start = D("2026-02-23")  # Monday, the last day of the 2026 Spring Festival holiday
    cn = WorkCalendar(Calendar(start=start, country="CN"), 0.0)
    plain = WorkCalendar(Calendar(start=start), 0.0)
    saturday = (hours_from(start, "2026-02-28 00:00"), hours_from(start, "2026-03-01 00:00"))
    assert elapsed(cn, *saturday) == pytest.approx(9.0)  # 09:00-18:00 on Sat 02-28
    assert elapsed(plain, *saturday) == 0.0
    # Mon 02-23 is a day off under CN, an ordinary Monday without
    monday = (0.0, 24.0)
    assert elapsed(cn, *monday) == 0.0
    assert elapsed(plain, *monday) == pytest.approx(9.0)
    # Mon 02-23 to Mon 03-02: CN Tue-Fri (4 x 9) + Sat 9 = 45 h; plain Mon-Fri 45 h too,
    # on other days: the week's total alone would not tell them apart
    week = (0.0, 7 * 24.0)
    assert elapsed(cn, *week) == pytest.approx(45.0)
    assert elapsed(plain, *week) == pytest.approx(45.0)
    assert cn.is_business_day(5) and not plain.is_business_day(5)  # day 5 = Sat 02-28
    assert not cn.is_business_day(0) and plain.is_business_day(0)


def test_business_shift_follows_holidays_and_make_up_days_and_24x7_does_not() -> None:
    start = D("2026-02-23")
    cn = WorkCalendar(Calendar(start=start, country="CN"), 0.0)
    until = 14 * 24.0
    # business shift: Tue 02-24 .. Sat 02-28 (the make-up day), Mon 03-02 .. Fri 03-06
    days = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]
    assert list(cn.shift_intervals("business", until)) == [(d * 24 + 9, d * 24 + 18) for d in days]
    assert cn.on_shift_hours("business", 0.0, until) == pytest.approx(10 * 9.0)
    table = ShiftTimetable(cn, "business", until)
    assert not table.is_on(12.0)  # Mon 02-23 12:00: a day off
    assert table.is_on(5 * 24 + 12.0)  # Sat 02-28 12:00: a working day
    assert table.next_start(12.0) == 24 + 9.0  # Tue 02-24 09:00
    # a 24x7 shift and a daily HH:MM shift run whatever the calendar says
    assert cn.on_shift_hours("24x7", 0.0, until) == until
    assert cn.on_shift_hours("08:00-20:00", 0.0, until) == pytest.approx(14 * 12.0)


# -- a whole run: engineers on a business shift ---------------------------------------------

SHIFT = """
[scenario]
name = "Business shift over the 2026 Spring Festival"
horizon = "14d"

[calendar]
start = 2026-02-23
{country}
{lists}

[[severity]]
id = "L1"
onsite_time = {{ dist = "constant", value = "10min" }}

[[commitment]]
severity = "L1"
metric = "arrival"
within = "1h"

[[base]]
id = "b"
location = [34.0, 108.0]
engineers = 10
shift = "business"

[[equipment]]
id = "unit"
failures_per_year = 520
severity_mix = {{ L1 = 1.0 }}

[[site]]
id = "s"
location = [34.0, 108.0]
equipment = {{ unit = 1 }}

[arrivals]
hourly_profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
weekly_profile = [1, 0, 0, 0, 0, 1, 0]
"""


def shift_run(country: bool, lists: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Report and arrival times (hours; t = 0 is Mon 2026-02-23 00:00) of one replication.

    Faults come only on Mondays and Saturdays between 10:00 and 11:00, at a site at the
    base (no travel), ten engineers on the business shift, 10 minutes on site: an
    engineer on shift is there at the instant of the report.
    """
    text = SHIFT.format(country='country = "CN"' if country else "", lists=lists)
    scenario = simsvc.parse_scenario(text, "shift.toml")
    result = simsvc.run_experiment(scenario, replications=1, seed=11, workers=1)
    incidents = result.incidents[result.incidents["counted"]]
    return incidents["report"].to_numpy(), incidents["arrival"].to_numpy()


def arrivals_by_report_day(report: np.ndarray, arrival: np.ndarray) -> dict[int, set[float]]:
    """Per day of report (0 = Mon 02-23): the arrival instants, or ``-1`` for 'at once'."""
    days: dict[int, set[float]] = {}
    for r, a in zip(report.tolist(), arrival.tolist(), strict=True):
        days.setdefault(int(r // 24), set()).add(-1.0 if a == r else a)
    return days


def test_engineers_on_a_business_shift_work_the_make_up_saturday_and_not_the_holiday() -> None:
    report, arrival = shift_run(country=True)
    days = arrivals_by_report_day(report, arrival)
    # reports on day 0 (Mon 02-23, holiday), 5 (Sat 02-28, make-up), 7 (Mon), 12 (Sat)
    assert sorted(days) == [0, 5, 7, 12]
    assert days[0] == {1 * 24 + 9.0}  # wait for Tue 02-24 09:00
    assert days[5] == {-1.0}  # on shift on the make-up Saturday: there at once
    assert days[7] == {-1.0}
    assert days[12] == {14 * 24 + 9.0}  # an ordinary Saturday: Mon 03-09 09:00


def test_without_the_country_the_same_run_keeps_the_plain_week() -> None:
    report, arrival = shift_run(country=False)
    days = arrivals_by_report_day(report, arrival)
    assert days[0] == {-1.0}  # an ordinary Monday
    assert days[5] == {7 * 24 + 9.0}  # Saturday off: Mon 03-02 09:00
    assert days[12] == {14 * 24 + 9.0}


def test_a_business_shift_follows_the_files_holidays_and_workdays_without_a_country() -> None:
    """Mon 03-02 listed as a holiday, Sat 03-07 as a workday (no country)."""
    report, arrival = shift_run(
        country=False, lists="holidays = [2026-03-02]\nworkdays = [2026-03-07]"
    )
    days = arrivals_by_report_day(report, arrival)
    assert days[0] == {-1.0}  # Mon 02-23: an ordinary Monday without the country
    # Sat 02-28 off and Mon 03-02 a holiday: both days' reports wait for Tue 03-03 09:00
    # (t = 8 x 24 + 9 = 201); more than ten of them, so some wait 10 minutes more
    waiting = days[5] | days[7]
    assert min(waiting) == 8 * 24 + 9.0
    assert {a // 1 for a in waiting} == {201.0}
    assert days[12] == {-1.0}  # Sat 03-07, a listed workday: there at once


# -- the file's lists over the package ------------------------------------------------------


def test_file_lists_override_the_package() -> None:
    calendar = Calendar(
        start=D("2026-02-23"),
        country="CN",
        holidays=[D("2026-02-28")],  # the package's make-up Saturday, a day off after all
        workdays=[D("2026-02-23")],  # the package's last holiday, worked after all
    )
    holidays, workdays = days_off_and_on(calendar)
    assert D("2026-02-28") in holidays and D("2026-02-28") not in workdays
    assert D("2026-02-23") in workdays and D("2026-02-23") not in holidays
    assert D("2026-02-14") in workdays  # the other make-up Saturday stays
    work = WorkCalendar(calendar, 0.0)
    assert elapsed(work, 0.0, 24.0) == pytest.approx(9.0)  # Mon 02-23 worked
    assert elapsed(work, 5 * 24.0, 6 * 24.0) == 0.0  # Sat 02-28 off
    assert elapsed(work, 0.0, 7 * 24.0) == pytest.approx(45.0)  # Mon-Fri


def test_workdays_without_a_country_make_a_weekend_day_a_business_day() -> None:
    start = D("2027-01-04")
    work = WorkCalendar(Calendar(start=start, workdays=[D("2027-01-09")]), 0.0)  # a Saturday
    assert elapsed(work, 5 * 24.0, 6 * 24.0) == pytest.approx(9.0)
    assert elapsed(work, 6 * 24.0, 7 * 24.0) == 0.0  # Sunday 01-10 stays off
    assert work.on_shift_hours("business", 0.0, 7 * 24.0) == pytest.approx(6 * 9.0)


def test_a_date_in_both_lists_is_an_error_naming_the_key_path() -> None:
    text = SHIFT.format(
        country="", lists="holidays = [2026-03-02, 2026-03-03]\nworkdays = [2026-03-07, 2026-03-03]"
    )
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "both.toml")
    (problem,) = caught.value.problems
    assert format_path(problem.path) == "calendar.workdays[1]"
    assert "2026-03-03 is also in calendar.holidays (item 1)" in problem.message
    assert problem.line == line_of(text, "workdays =")


def test_an_item_of_a_list_written_over_many_lines_points_to_its_own_line() -> None:
    lists = """holidays = [
  2026-03-02,  # a comment, then two dates on one line
  "2026-03-03", 2026-03-04,
]
workdays = [
  2026-03-07,
  2026-03-04,
  "2026-13-01",
]"""
    text = SHIFT.format(country="", lists=lists)
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "lines.toml")
    # the bad date is a field error (found before the cross-check of the two lists)
    (problem,) = caught.value.problems
    assert format_path(problem.path) == "calendar.workdays[2]"
    assert problem.line == line_of(text, '  "2026-13-01"')
    text = text.replace('  "2026-13-01",\n', "")
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "lines.toml")
    (problem,) = caught.value.problems
    assert format_path(problem.path) == "calendar.workdays[1]"
    assert "2026-03-04 is also in calendar.holidays (item 2)" in problem.message
    assert problem.line == line_of(text, "  2026-03-04")


# -- years the package does not know ---------------------------------------------------------


def covered_years() -> tuple[int, int]:
    official = official_days("CN")
    return official.first_year, official.last_year


def uncovered(start: str, horizon: str, lists: str = "", warmup: str = "0h") -> str:
    text = SHIFT.replace("2026-02-23", start).replace('"14d"', f'"{horizon}"\nwarmup = "{warmup}"')
    return text.format(country='country = "CN"', lists=lists)


def test_a_year_the_package_does_not_know_is_an_error_naming_the_year() -> None:
    first, last = covered_years()
    year = last + 1
    # from 1 December of the last year known, for 60 days: into January of the next
    text = uncovered(f"{last}-12-01", "60d")
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(text, "late.toml")
    (problem,) = caught.value.problems
    assert format_path(problem.path) == "calendar.country"
    assert problem.line == line_of(text, 'country = "CN"')
    assert f"knows China's holidays from {first} up to {last}" in problem.message
    assert f"the horizon reaches {year}: list {year}'s holidays" in problem.message
    assert "[calendar] holidays / workdays" in problem.message
    # 31 days from 1 December stay in the last year known
    simsvc.parse_scenario(uncovered(f"{last}-12-01", "31d"), "december.toml")
    # a warm-up of 10 days before 5 January of the first year known reaches back a year
    with pytest.raises(ScenarioError, match=f"the simulated days start in {first - 1}"):
        simsvc.parse_scenario(uncovered(f"{first}-01-05", "7d", warmup="10d"), "early.toml")


def test_listing_the_years_holidays_in_the_file_makes_it_usable() -> None:
    _, last = covered_years()
    year = last + 1
    saturday = next(dt.date(year, 1, d) for d in range(2, 9) if dt.date(year, 1, d).weekday() == 5)
    lists = f"holidays = [{year}-01-01]\nworkdays = [{saturday}]"
    scenario = simsvc.parse_scenario(uncovered(f"{last}-12-01", "60d", lists), "listed.toml")
    work = WorkCalendar(scenario.calendar, 0.0)
    day = (dt.date(year, 1, 1) - dt.date(last, 12, 1)).days  # day number of 1 January
    assert not work.is_business_day(day)
    assert work.is_business_day(day + saturday.day - 1)  # the listed Saturday
    assert not work.is_business_day(day + saturday.day)  # the Sunday after it


def test_the_command_line_prints_the_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, last = covered_years()
    path = tmp_path / "late.toml"
    path.write_text(uncovered(f"{last}-12-01", "60d"), "utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = line_of(path.read_text("utf-8"), 'country = "CN"')
    assert f"{path}: 1 problem in the scenario" in err
    assert f"calendar.country (line {line}): the calendar package" in err
    assert str(last + 1) in err
    assert "Traceback" not in err


def test_a_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "chinese_calendar", None)  # import raises ImportError
    with pytest.raises(CalendarPackageMissing, match="pip install chinese-calendar"):
        official_days("CN")
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(SHIFT.format(country='country = "CN"', lists=""), "missing.toml")
    (problem,) = caught.value.problems
    assert format_path(problem.path) == "calendar.country"
    assert "calendar.country = 'CN' needs the package 'chinese-calendar'" in problem.message


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(SHIFT.format(country='country = "XX"', lists=""), "xx.toml")
    assert [format_path(p.path) for p in caught.value.problems] == ["calendar.country"]


# -- the default calendar is unchanged -------------------------------------------------------


def test_the_default_calendar_has_no_country_and_no_workdays() -> None:
    calendar = Calendar()
    assert calendar.country is None and calendar.workdays == []
    assert days_off_and_on(calendar) == (frozenset(), frozenset())
    # 2026-02-28 is a make-up Saturday in China, but not without a country
    work = WorkCalendar(Calendar(start=D("2026-02-23")), 0.0)
    assert not work.is_business_day(5)
    assert work.on_shift_hours("business", 0.0, 7 * 24.0) == pytest.approx(5 * 9.0)
    assert math.isinf(elapsed(work, 0.0, math.inf))
