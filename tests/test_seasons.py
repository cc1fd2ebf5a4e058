"""Seasons, changes of the installed base and bursts in fault demand.

The fault stream is a non-homogeneous Poisson process; these tests draw it many times
with fixed seeds and compare counts with their expectation. Monthly counts of a Poisson
process are independent Poisson variables, so the pooled counts pass a chi-square test
against the profile, and a flat profile is rejected on the same counts (the test has
power). Counts over a span are checked against a Poisson interval; counts that vary
with random bursts against a t-interval over replications. Every tolerance is a
confidence level, fixed here, and every seed is fixed, so each test gives one answer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import simsvc
from simsvc.cli.main import main
from simsvc.model.calendar import WorkCalendar
from simsvc.model.demand import (
    BurstSpell,
    draw_bursts,
    monthly_factors,
    rate_schedule,
)
from simsvc.model.faults import FaultStream, expected_faults, installed_rates, sample_faults
from simsvc.model.world import STREAMS, World, random_streams
from simsvc.periods import calendar_months, date_hours, month_starts, period_index
from simsvc.scenario.errors import ScenarioError

LEVEL = 0.999
"""Confidence of every interval and test here: a correct model fails one in a thousand."""
Z = float(stats.norm.ppf(1 - (1 - LEVEL) / 2))

SUMMER = [0.6, 0.6, 0.7, 0.8, 1.0, 1.4, 1.8, 1.7, 1.1, 0.8, 0.6, 0.6]
"""Cooling faults: a July-August peak, a winter low."""

BASE = """
[scenario]
name = "Seasons"
horizon = "365d"
warmup = "{warmup}"

[calendar]
start = 2027-01-01

[[severity]]
id = "L1"

[[commitment]]
severity = "L1"
metric = "arrival"
within = "8h"

[[base]]
id = "b"
location = [36.0, 117.0]
engineers = 2

[[equipment]]
id = "ac"
failures_per_year = 4
severity_mix = {{ L1 = 1.0 }}
{monthly}

[[equipment]]
id = "lamp"
failures_per_year = 2
severity_mix = {{ L1 = 1.0 }}

[[site]]
id = "north"
location = [36.1, 117.0]
zone = "hill"
equipment = {{ ac = 500, lamp = 500 }}
{changes}

[[site]]
id = "south"
location = [35.9, 117.0]
zone = "plain"
equipment = {{ ac = 500, lamp = 500 }}
{extra}
"""


def scenario_text(monthly: str = "", changes: str = "", extra: str = "", warmup: str = "0d") -> str:
    return BASE.format(monthly=monthly, changes=changes, extra=extra, warmup=warmup)


def scenario_of(**parts: str) -> simsvc.Scenario:
    return simsvc.parse_scenario(scenario_text(**parts))


def until_of(scenario: simsvc.Scenario) -> float:
    return scenario.scenario.warmup + scenario.scenario.horizon


def draw(scenario: simsvc.Scenario, seed: int, bursts: bool = False) -> FaultStream:
    """One replication's fault stream, drawn as the world draws it."""
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    until = until_of(scenario)
    streams = random_streams(np.random.SeedSequence(seed))
    spells = draw_bursts(scenario, streams["bursts"], until) if bursts else None
    return sample_faults(scenario, calendar, streams["arrivals"], until, spells)


def months_of(scenario: simsvc.Scenario, times: np.ndarray) -> np.ndarray:
    info = scenario.scenario
    return calendar_months(times, start=scenario.calendar.start, warmup=info.warmup)


def monthly_expectation(scenario: simsvc.Scenario, kind: int, replications: int) -> np.ndarray:
    """Expected reports of equipment ``kind`` per calendar month over the replications,
    from the file alone: units x failures_per_year x hours of the month / 8760 x weight."""
    equipment = scenario.equipment[kind]
    units = sum(site.equipment.get(equipment.id, 0) for site in scenario.site)
    weights = np.asarray(equipment.monthly or [1.0] * 12, float)
    days = np.asarray([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], float)
    relative = weights / (weights @ days / 365)
    per_hour = units * equipment.failures_per_year / 8760
    return replications * per_hour * days * 24 * relative


# -- the calendar rule ------------------------------------------------------------------


@pytest.mark.parametrize("warmup", [0.0, 14 * 24.0, 14.5 * 24.0, 3.25])
def test_months_are_the_months_reports_are_assessed_in(warmup: float) -> None:
    start, until = dt.date(2027, 1, 4), warmup + 400 * 24.0
    hours, numbers = month_starts(start=start, warmup=warmup, until=until)
    assert hours[0] == 0.0 and np.all(np.diff(hours) > 0) and hours[-1] < until
    # just after each start the month is the one listed, just before it the one before
    assert calendar_months(hours + 1e-6, start=start, warmup=warmup).tolist() == numbers.tolist()
    before = calendar_months(hours[1:] - 1e-6, start=start, warmup=warmup)
    assert before.tolist() == numbers[:-1].tolist()
    assert numbers.tolist() == [
        (m - 1) % 12 + 1 for m in range(numbers[0], numbers[0] + len(numbers))
    ]
    # the engine's calendar (inspections' months) and the assessed months agree
    times = np.random.default_rng(1).uniform(0, until, 5000)
    calendar = WorkCalendar(scenario_of().calendar.model_copy(update={"start": start}), warmup)
    assert (
        calendar.months(times).tolist()
        == calendar_months(times, start=start, warmup=warmup).tolist()
    )
    # and a new month is a new assessment period
    inside = times[(times >= warmup) & (times < until)]
    period = period_index(
        inside, period="month", start=start, warmup=warmup, horizon=until - warmup
    )
    month = calendar_months(inside, start=start, warmup=warmup)
    order = np.argsort(inside)
    assert np.all((np.diff(period[order]) != 0) <= (np.diff(month[order]) != 0))
    assert date_hours([start], start=start, warmup=warmup).tolist() == [warmup]


def test_weights_are_relative_to_the_days_of_the_year() -> None:
    scenario = scenario_of(monthly=f"monthly = {[2 * w for w in SUMMER]}")
    factors = monthly_factors(scenario)
    assert factors is not None
    days = np.asarray([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], float)
    assert float(factors[0] @ days) == pytest.approx(365.0, rel=1e-12)
    assert factors[1].tolist() == [1.0] * 12  # the lamps have no profile
    # a year from 1 January: the expected count is still units x failures_per_year
    assert expected_faults(scenario) == pytest.approx(1000 * 4 + 1000 * 2, rel=1e-12)


# -- default behaviour is unchanged ---------------------------------------------------------


def same_stream(a: FaultStream, b: FaultStream) -> bool:
    return all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("time", "site", "equipment", "severity")
    )


def test_a_flat_profile_and_a_burst_that_never_comes_draw_what_none_draws() -> None:
    plain = scenario_of()
    flat = scenario_of(monthly=f"monthly = {[3.0] * 12}")
    flat_default = scenario_of(extra="[arrivals]\nmonthly_profile = " + str([1] * 12))
    no_change = scenario_of(changes='changes = [{date = 2027-05-01, equipment = "ac", units = 0}]')
    for seed in range(3):
        expected = draw(plain, seed)
        assert same_stream(draw(flat, seed), expected)
        assert same_stream(draw(flat_default, seed), expected)
        assert same_stream(draw(no_change, seed), expected)
    for other in (flat, flat_default, no_change):
        assert rate_schedule(other, until_of(other)).segments == 1
    # the expected count is the one of a constant rate, to the last bit
    assert expected_faults(plain) == float(installed_rates(plain)[2].sum()) * until_of(plain)


def test_bursts_draw_from_a_new_stream_at_the_end() -> None:
    assert STREAMS.index("bursts") == STREAMS.index("inspections") + 1
    assert STREAMS.count("bursts") == 1
    scenario = scenario_of(extra=STORM)
    world = World(scenario, np.random.SeedSequence(5))
    assert same_stream(world.faults, draw(scenario, 5, bursts=True))
    assert not same_stream(world.faults, draw(scenario, 5))


# -- seasons ------------------------------------------------------------------------------


REPLICATIONS = 20


def pooled_months(scenario: simsvc.Scenario, kind: int) -> np.ndarray:
    counts = np.zeros(12)
    for seed in range(REPLICATIONS):
        faults = draw(scenario, seed)
        months = months_of(scenario, faults.time[faults.equipment == kind])
        counts += np.bincount(months - 1, minlength=12)
    return counts


def chi_square_p(observed: np.ndarray, expected: np.ndarray) -> float:
    """P-value of Poisson counts against their expectations (independent months: 12 d.f.)."""
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return float(stats.chi2.sf(statistic, df=len(observed)))


def test_monthly_counts_follow_the_profile_and_a_flat_one_is_rejected() -> None:
    scenario = scenario_of(monthly=f"monthly = {SUMMER}")
    observed = pooled_months(scenario, kind=0)
    expected = monthly_expectation(scenario, 0, REPLICATIONS)
    assert observed.sum() > 30_000
    assert chi_square_p(observed, expected) > 1 - LEVEL
    flat = monthly_expectation(scenario_of(), 0, REPLICATIONS)
    assert chi_square_p(observed, flat) < 1 - LEVEL
    # the peak is where the file puts it: July and August near 1.75x the year's mean
    assert observed.argmax() in (6, 7)
    # equipment without a profile stays flat
    lamps = pooled_months(scenario, kind=1)
    assert chi_square_p(lamps, monthly_expectation(scenario_of(), 1, REPLICATIONS)) > 1 - LEVEL


def test_a_flat_stream_is_not_taken_for_a_seasonal_one() -> None:
    observed = pooled_months(scenario_of(), kind=0)
    seasonal = monthly_expectation(scenario_of(monthly=f"monthly = {SUMMER}"), 0, REPLICATIONS)
    assert chi_square_p(observed, monthly_expectation(scenario_of(), 0, REPLICATIONS)) > 1 - LEVEL
    assert chi_square_p(observed, seasonal) < 1 - LEVEL


def test_the_arrivals_profile_is_the_default_and_equipment_overrides_it() -> None:
    winter = [1.8, 1.6, 1.2, 0.8, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 1.2, 1.6]
    extra = f"[arrivals]\nmonthly_profile = {winter}"
    scenario = scenario_of(monthly=f"monthly = {SUMMER}", extra=extra)
    factors = monthly_factors(scenario)
    assert factors is not None
    assert factors[0].argmax() == 6 and factors[1].argmax() == 0
    lamps = pooled_months(scenario, kind=1)
    expected = monthly_expectation(scenario_of(), 1, REPLICATIONS) * factors[1]
    assert chi_square_p(lamps, expected) > 1 - LEVEL


def test_months_follow_the_calendar_through_a_warm_up() -> None:
    # a 31-day warm-up from 1 December 2026: December's reports are in the warm-up
    rising = list(range(1, 13))
    scenario = scenario_of(monthly=f"monthly = {rising}", warmup="31d")
    schedule = rate_schedule(scenario, until_of(scenario))
    assert schedule.bounds[1] == 31 * 24.0  # 1 January
    assert schedule.segments == 13
    factors = monthly_factors(scenario)
    assert factors is not None
    assert schedule.season[:, 0].tolist() == [factors[0, 11], *factors[0].tolist()]
    december = 0
    for seed in range(REPLICATIONS):
        faults = draw(scenario, seed)
        december += int(((faults.time < 31 * 24.0) & (faults.equipment == 0)).sum())
    expected = REPLICATIONS * 1000 * 4 / 8760 * 31 * 24 * factors[0, 11]
    assert abs(december - expected) <= Z * np.sqrt(expected)


# -- changes of the installed base -------------------------------------------------------------


def test_added_and_retired_units_change_the_rate_from_their_date() -> None:
    changes = (
        'changes = [{date = 2027-07-01, equipment = "ac", units = 500},'
        ' {date = 2027-10-01, equipment = "ac", units = -750}]'
    )
    scenario = scenario_of(changes=changes)
    july, october = (
        float(h)
        for h in date_hours(
            [dt.date(2027, 7, 1), dt.date(2027, 10, 1)], start=dt.date(2027, 1, 1), warmup=0.0
        )
    )
    until = until_of(scenario)
    per_unit_hour = 4 / 8760
    units = {"before": 1000, "summer": 1500, "after": 750}
    spans = {"before": (0.0, july), "summer": (july, october), "after": (october, until)}
    counts = dict.fromkeys(spans, 0)
    for seed in range(REPLICATIONS):
        faults = draw(scenario, seed)
        ac = faults.time[faults.equipment == 0]
        for name, (a, b) in spans.items():
            counts[name] += int(((ac >= a) & (ac < b)).sum())
    for name, (a, b) in spans.items():
        expected = REPLICATIONS * units[name] * per_unit_hour * (b - a)
        assert abs(counts[name] - expected) <= Z * np.sqrt(expected), name
    # the rate without the change is far outside the interval of the summer's count
    a, b = spans["summer"]
    unchanged = REPLICATIONS * 1000 * per_unit_hour * (b - a)
    assert abs(counts["summer"] - unchanged) > Z * np.sqrt(unchanged)
    expected_total = (
        1000 * july + 1500 * (october - july) + 750 * (until - october)
    ) * per_unit_hour
    assert expected_faults(scenario) == pytest.approx(expected_total + 1000 * 2 * until / 8760)


def test_a_kind_that_only_a_change_brings_fails_from_its_date() -> None:
    extra = (
        '[[site]]\nid = "new"\nlocation = [36.0, 117.1]\nequipment = { lamp = 0 }\n'
        'changes = [{date = 2027-04-01, equipment = "ac", units = 1000}]\n'
    )
    scenario = scenario_of(extra=extra)
    april = float(date_hours([dt.date(2027, 4, 1)], start=dt.date(2027, 1, 1), warmup=0.0)[0])
    new_site = 2
    count, early = 0, 0
    for seed in range(REPLICATIONS):
        faults = draw(scenario, seed)
        mine = faults.time[faults.site == new_site]
        count += len(mine)
        early += int((mine < april).sum())
    expected = REPLICATIONS * 1000 * 4 / 8760 * (until_of(scenario) - april)
    assert early == 0
    assert abs(count - expected) <= Z * np.sqrt(expected)


# -- bursts -----------------------------------------------------------------------------------

STORM = """
[[burst]]
id = "storm"
per_year = 6
duration = "5d"
factor = 3
equipment = ["ac"]
zones = ["hill"]
"""


def test_bursts_raise_the_count_by_the_stated_amount() -> None:
    scenario = scenario_of(extra=STORM)
    burst = scenario.burst[0]
    until = until_of(scenario)
    base = 500 * 4 / 8760 * until  # north's air conditioning, a year
    extra = burst.per_year * burst.duration / 8760 * (burst.factor - 1) * base
    assert expected_faults(scenario) == pytest.approx(6000 + extra, rel=1e-12)
    covered, others = [], []
    replications = 300
    for seed in range(replications):
        faults = draw(scenario, seed, bursts=True)
        north_ac = (faults.site == 0) & (faults.equipment == 0)
        covered.append(int(north_ac.sum()))
        others.append(len(faults) - int(north_ac.sum()))
    mean, sem = np.mean(covered), np.std(covered, ddof=1) / np.sqrt(replications)
    t = float(stats.t.ppf(1 - (1 - LEVEL) / 2, replications - 1))
    assert abs(mean - (base + extra)) <= t * sem
    assert abs(mean - base) > t * sem  # the burst is seen: without it the mean is far off
    # south's air conditioning and every lamp are not in the burst
    rest = (500 * 4 + 1000 * 2) * until / 8760
    assert abs(np.mean(others) - rest) <= Z * np.sqrt(rest / replications)


def test_spells_are_a_poisson_process_of_the_stated_length() -> None:
    scenario = scenario_of(extra=STORM)
    until = until_of(scenario)
    rng = np.random.default_rng(3)
    spells = [draw_bursts(scenario, rng, until) for _ in range(2000)]
    counts = np.asarray([len(s) for s in spells])
    burst = scenario.burst[0]
    mean = burst.per_year * (until + burst.duration) / 8760
    assert abs(counts.mean() - mean) <= Z * np.sqrt(mean / len(counts))
    for spell in (s for one in spells for s in one):
        assert 0.0 <= spell.start < spell.end <= until
        assert spell.end - spell.start <= burst.duration + 1e-9
    # hours in a spell, on average: per_year x duration, the edges included
    on = np.mean([sum(s.end - s.start for s in one) for one in spells])
    expected_on = burst.per_year * burst.duration * until / 8760
    spread = np.std([sum(s.end - s.start for s in one) for one in spells], ddof=1)
    assert abs(on - expected_on) <= Z * spread / np.sqrt(len(spells))


def test_overlapping_spells_add_their_excess() -> None:
    scenario = scenario_of(extra=STORM)
    spells = [BurstSpell(0, 100.0, 300.0), BurstSpell(0, 200.0, 400.0)]
    schedule = rate_schedule(scenario, until_of(scenario), spells)
    assert schedule.bounds[:5].tolist() == [0.0, 100.0, 200.0, 300.0, 400.0]
    north_ac = int(schedule.group[0])
    assert schedule.burst[:5, north_ac].tolist() == [1.0, 3.0, 5.0, 3.0, 1.0]
    south_ac = int(schedule.group[2])
    assert schedule.burst[:5, south_ac].tolist() == [1.0] * 5


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "where", "message"),
    [
        ({"monthly": f"monthly = {[1] * 11}"}, "equipment[0].monthly", "expected 12 weights"),
        (
            {"monthly": f"monthly = {[1, 1, 1, -1, *[1] * 8]}"},
            "equipment[0].monthly[3]",
            "greater than or equal to 0",
        ),
        ({"monthly": f"monthly = {[0] * 12}"}, "equipment[0].monthly", "at least one weight"),
        (
            {"extra": f"[arrivals]\nmonthly_profile = {[1] * 13}"},
            "arrivals.monthly_profile",
            "expected 12 weights",
        ),
        (
            {
                "changes": 'changes = [{date = 2027-03-01, equipment = "ac", units = -300},'
                ' {date = 2027-02-01, equipment = "ac", units = -300}]'
            },
            "site[0].changes[0].units",
            "retiring 300 'ac' units on 2027-03-01 leaves -100 installed",
        ),
        (
            {"changes": 'changes = [{date = 2027-03-01, equipment = "fan", units = 3}]'},
            "site[0].changes[0].equipment",
            "unknown equipment 'fan'",
        ),
        (
            {"changes": 'changes = [{date = 2026-12-01, equipment = "ac", units = 3}]'},
            "site[0].changes[0].date",
            "before the simulation starts",
        ),
        (
            {"extra": STORM.replace('["hill"]', '["hills"]')},
            "burst[0].zones[0]",
            "unknown zone 'hills'",
        ),
        ({"extra": STORM.replace("factor = 3", "factor = 0.5")}, "burst[0].factor", ">= 1"),
    ],
)
def test_bad_values_name_their_key_path(parts: dict[str, str], where: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_of(**parts)
    text = str(caught.value)
    assert f"{where}" in text and message.replace(">= 1", "greater than or equal to 1") in text


def test_the_command_line_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changes = (
        '[[site.changes]]\ndate = 2027-02-01\nequipment = "ac"\nunits = 10\n\n'
        '[[site.changes]]\ndate = 2027-06-01\nequipment = "ac"\nunits = -600\n'
    )
    text = scenario_text(changes=changes, extra=STORM.replace('["hill"]', '["hills"]'))
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    lines = text.splitlines()
    units_line = lines.index("units = -600") + 1
    zones_line = lines.index('zones = ["hills"]') + 1
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"{path}: 2 problems" in err
    assert f"site[0].changes[1].units (line {units_line}): retiring 600 'ac' units" in err
    assert f"burst[0].zones[0] (line {zones_line}): unknown zone 'hills'" in err
    # a field of the wrong shape is found first, with its line, by `run` as by `validate`
    bad = tmp_path / "monthly.toml"
    bad.write_text(scenario_text(monthly=f"monthly = {[1] * 11}"), "utf-8")
    line = (
        scenario_text(monthly=f"monthly = {[1] * 11}").splitlines().index(f"monthly = {[1] * 11}")
        + 1
    )
    assert main(["run", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"equipment[0].monthly (line {line}): expected 12 weights (January first)" in err
