"""The engine's fast paths give the same runs, to the last bit, as the plain ones.

Each speed-up of the engine has its plain version written out here, as the engine had
it before: shifts followed by a process that switches each base and business hours on
and off (now a timetable looked up, :class:`ShiftTimetable` and :class:`ShiftBoard`),
the inspection plan drawn site by site (now every site at once), busy hours split spell
by spell (now a few thousand spells at a time), ``nearest`` scanning every base (now
the bases in order of distance), feeds as processes (now chains of timeouts). The
tests compare the two unit by unit, then whole replications: a scenario with day,
night, business and 24x7 shifts, holidays, a desk shift and a warm-up of 30.5 h, and
the bundled scenarios with business hours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import simpy

import simsvc
import simsvc.model.world as world
from simsvc.model.calendar import (
    ShiftBoard,
    ShiftClock,
    ShiftTimetable,
    WorkCalendar,
    merged_intervals,
    parse_span,
    reached_instants,
)
from simsvc.model.dispatch import Dispatcher, Inspection
from simsvc.model.engineers import Engineers
from simsvc.model.feeds import call_at
from simsvc.model.inspections import due_times, inspected_sites, inspection_plan
from simsvc.model.world import ReplicationOutcome, World
from simsvc.scenario import Calendar
from simsvc.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent

# Four bases on four kinds of shift (one without engineers), business hours with two
# holidays, a desk on a shift of its own, inspections on both clocks (one only in some
# months), and a warm-up that is not whole days, so that no shift starts on the hour.
SHIFTS = """
[scenario]
name = "Every kind of shift"
horizon = "75d"
warmup = "30.5h"
seed = 5

[calendar]
start = "2027-04-26"
business_hours = "08:30-17:10"
business_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
holidays = ["2027-05-03", "2027-05-04"]

[[severity]]
id = "L1"
priority = 1
onsite_time = { dist = "lognormal", mean = "2h", cv = 0.6 }

[[severity]]
id = "L2"
priority = 2
remote_fix = 0.3
remote_time = { dist = "exponential", mean = "30min" }
onsite_time = { dist = "gamma", mean = "1.5h", cv = 0.8 }

[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"

[desk]
agents = 1
shift = "06:40-22:20"
handle_time = { dist = "exponential", mean = "8min" }

[[base]]
id = "days"
location = [34.30, 108.90]
engineers = 2
shift = "07:20-19:40"

[[base]]
id = "nights"
location = [34.20, 109.00]
engineers = 1
shift = "19:40-07:20"

[[base]]
id = "office"
location = [34.25, 108.80]
engineers = 2
shift = "business"

[[base]]
id = "empty"
location = [34.00, 108.90]
engineers = 0
shift = "09:00-17:00"

[[base]]
id = "always"
location = [33.90, 109.20]
engineers = 1
shift = "24x7"

[[equipment]]
id = "box"
failures_per_year = 50
severity_mix = { L1 = 0.4, L2 = 0.6 }

[[site]]
id = "a"
location = [34.32, 108.95]
equipment = { box = 12 }

[[site]]
id = "b"
location = [34.05, 109.10]
equipment = { box = 8 }

[[site]]
id = "c"
location = [33.95, 108.85]
equipment = { box = 10 }

[[site]]
id = "d"
location = [34.15, 108.70]
equipment = { box = 6 }

[[inspection]]
every = "9d"
duration = "3h"
sites = "all"
clock = "business"

[[inspection]]
every = "5d"
duration = "1h"
sites = ["a", "c"]
clock = "24x7"
months = [5, 6]

[travel]
speed_kmh = 35
road_factor = 1.3
cv = 0.3
"""


def shifts_scenario() -> Scenario:
    return simsvc.parse_scenario(SHIFTS, "<every kind of shift>")


# -- the plain versions ------------------------------------------------------------------


def plain_intervals(
    calendar: WorkCalendar, shift: str, until: float
) -> Iterator[tuple[float, float]]:
    """On-shift intervals day by day, as ``WorkCalendar.shift_intervals`` walked them."""
    if shift == "24x7":
        yield 0.0, math.inf
        return
    rota = None
    if " rota " in shift:  # "HH:MM-HH:MM rota 11110000 from 3[ off on holidays]"
        span, _, pattern, _, offset, *rest = shift.split(" ")
        rota = (pattern, int(offset), bool(rest))
        shift = span
    start_h, end_h = calendar.business_span if shift == "business" else parse_span(shift)
    length = (end_h - start_h) % 24 or 24.0
    last_day = int((until + calendar.offset) // 24) + 1
    for day in range(-1, last_day + 1):
        if shift == "business" and not calendar.is_business_day(day):
            continue
        if rota is not None:
            pattern, offset, off_on_holidays = rota
            if pattern[(day - calendar.start_day + offset) % len(pattern)] != "1":
                continue
            if off_on_holidays and calendar.is_holiday(day):
                continue
        begin = day * 24 + start_h - calendar.offset
        finish = begin + length
        if finish <= 0 or begin >= until:
            continue
        yield max(begin, 0.0), finish


class PlainCalendar(WorkCalendar):
    """Shift intervals and on-shift hours walked day by day."""

    def shift_intervals(self, shift: str, until: float) -> Iterator[tuple[float, float]]:
        return plain_intervals(self, shift, until)

    def on_shift_hours(self, shift: str, start: float, end: float) -> float:
        return plain_on_shift_hours(self, shift, start, end)


def plain_on_shift_hours(calendar: WorkCalendar, shift: str, start: float, end: float) -> float:
    """On-shift hours within ``[start, end)``, interval by interval."""
    if shift == "24x7":
        return end - start
    intervals = plain_intervals(calendar, shift, end)
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


class PlainShiftClock(ShiftClock):
    """A shift clock built interval by interval from the day-by-day intervals."""

    def __init__(self, calendar: WorkCalendar, shift: str, until: float) -> None:
        super().__init__(calendar, "24x7", until)
        self.always = shift == "24x7"
        starts: list[float] = []
        ends: list[float] = []
        if not self.always:
            for begin, finish in plain_intervals(calendar, shift, until):
                if starts and begin <= ends[-1]:
                    ends[-1] = max(ends[-1], finish)
                else:
                    starts.append(begin)
                    ends.append(finish)
        self._starts, self._ends, self._before = starts, ends, [0.0]
        for begin, finish in zip(starts, ends, strict=True):
            self._before.append(self._before[-1] + finish - begin)


def follow(
    env: simpy.Environment,
    calendar: WorkCalendar,
    shift: str,
    switch: Callable[[bool], None],
    until: float,
) -> Generator[simpy.Event, None, None]:
    """The process that switched a shift on and off at each start and end."""
    on = True
    for begin, finish in merged_intervals(plain_intervals(calendar, shift, until)):
        if begin > env.now:
            if on:
                switch(False)
                on = False
            yield env.timeout(begin - env.now)
        if not on:
            switch(True)
            on = True
        if math.isinf(finish):
            return
        yield env.timeout(finish - env.now)
        switch(False)
        on = False
    if on:
        switch(False)


def plain_plan(
    scenario: Scenario, calendar: WorkCalendar, rng: np.random.Generator, until: float
) -> list[Inspection]:
    """The inspection plan site by site, one ``np.arange`` each, sorted at the end."""
    plan: list[Inspection] = []
    for rule, inspection in enumerate(scenario.inspection):
        sites = inspected_sites(scenario, rule)
        first = rng.uniform(0.0, inspection.every, len(sites))
        for site, start in zip(sites, first.tolist(), strict=True):
            due = np.arange(start, until, inspection.every)
            if inspection.months is not None and len(due):
                due = due[np.isin(calendar.months(due), inspection.months)]
            business = inspection.clock == "business"
            plan += [Inspection(site, inspection.duration, business, t) for t in due.tolist()]
    plan.sort(key=lambda job: (job.due, job.site))
    return plan


class ScanningDispatcher(Dispatcher):
    """``nearest`` by a scan of every base, then every roaming engineer, none skipped."""

    def nearest(self, site: int) -> tuple[int, float]:
        best, best_hours = -1, math.inf
        for base, idle in enumerate(self.idle_at_base):
            if idle and self.base_on_shift[base]:
                hours = self.travel.base_to_site[base][site]
                if hours < best_hours:
                    best, best_hours = idle[-1], hours
        for engineer, place in self.roaming.items():
            if self.base_on_shift[self.engineer_base[engineer]]:
                road = self.homeward.get(engineer)
                if road is None:
                    hours = self.travel.hours(place, site)
                else:  # on the road home: from where the drive has got to
                    hours = self.travel.hours_from(*self.where_on_the_road(road), site)
                if hours < best_hours or (hours == best_hours and engineer < best):
                    best, best_hours = engineer, hours
        return best, float(best_hours)


class SpellBySpellEngineers(Engineers):
    """Busy hours added up at the end of each spell."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        shifts = kwargs.get("shifts", args[5] if len(args) > 5 else None)
        assert isinstance(shifts, Sequence)
        self.clocks: list[ShiftClock] = list(shifts)
        self.busy = [0.0] * len(self.base_place)
        self.overtime = [0.0] * len(self.base_place)

    @property
    def base_busy_hours(self) -> list[float]:
        return self.busy

    @property
    def base_overtime_hours(self) -> list[float]:
        return self.overtime

    def _count_busy(self, engineer: int) -> None:
        start, end = self.window
        begin, finish = max(self._busy_since[engineer], start), min(self.env.now, end)
        if finish <= begin:
            return
        base = self.base_of[engineer]
        on = self.clocks[base].on_shift(begin, finish)
        self.busy[base] += on
        self.overtime[base] += finish - begin - on


class PlainWorld(World):
    """The world as it was: a process per feed and a switch process per shift."""

    def _feed(self, times: list[float], deliver: Callable[[int], None]) -> None:
        env = self.env

        def feed() -> Generator[simpy.Event, None, None]:
            for k, when in enumerate(times):
                if when > env.now:
                    yield env.timeout(when - env.now)
                deliver(k)

        self._start(feed())

    def _look_up_shifts(self, until: float) -> None:
        env, scenario, dispatcher = self.env, self.scenario, self.dispatcher
        if any(i.clock == "business" for i in scenario.inspection):
            self._start(follow(env, self.calendar, "business", dispatcher.set_business_open, until))
        for c, crew in enumerate(self.crews):
            if crew.shift != "24x7" and crew.engineers > 0:

                def switch(on: bool, crew: int = c) -> None:
                    dispatcher.set_base_on_shift(crew, on)

                self._start(follow(env, self.calendar, crew.shift, switch, until))


def plain_simulate(
    scenario: Scenario, seed: np.random.SeedSequence, patch: pytest.MonkeyPatch
) -> ReplicationOutcome:
    """One replication with every plain version in place of the fast one."""
    with patch.context() as plain:
        plain.setattr(world, "WorkCalendar", PlainCalendar)
        plain.setattr(world, "ShiftClock", PlainShiftClock)
        plain.setattr(world, "Engineers", SpellBySpellEngineers)
        plain.setattr(world, "Dispatcher", ScanningDispatcher)
        plain.setattr(world, "inspection_plan", plain_plan)
        return PlainWorld(scenario, seed).run()


def assert_same_outcome(fast: ReplicationOutcome, plain: ReplicationOutcome) -> None:
    """Every column and counter equal, to the last bit (NaN where NaN)."""
    assert fast.columns.keys() == plain.columns.keys()
    for name, column in fast.columns.items():
        other = plain.columns[name]
        assert column.dtype == other.dtype, name
        assert column.tobytes() == other.tobytes(), name
    for field in dataclasses.fields(ReplicationOutcome):
        if field.name != "columns":
            assert getattr(fast, field.name) == getattr(plain, field.name), field.name


# -- whole replications ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_kind_of_shift_runs_as_with_switch_processes(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = shifts_scenario()
    fast = simsvc.simulate(scenario, np.random.SeedSequence(seed))
    plain = plain_simulate(scenario, np.random.SeedSequence(seed), monkeypatch)
    assert len(fast.columns["report"]) > 300 and fast.inspections_done > 50
    assert_same_outcome(fast, plain)


@pytest.mark.parametrize(
    "path",
    ["tests/data/records_mix.toml", "scenarios/metro_line2.toml", "scenarios/campus_av.toml"],
)
def test_bundled_scenarios_run_as_with_the_plain_engine(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = simsvc.load_scenario(ROOT / path)
    for seed in (0, 1):
        fast = simsvc.simulate(scenario, np.random.SeedSequence(seed))
        plain = plain_simulate(scenario, np.random.SeedSequence(seed), monkeypatch)
        assert_same_outcome(fast, plain)


# -- shift timetables --------------------------------------------------------------------

CASES = [
    (0.0, "08:00-20:00"),
    (30.5, "07:20-19:40"),
    (30.5, "19:40-07:20"),
    (12.0, "20:00-08:00"),
    (7.25, "business"),
    (100.3, "00:00-24:00"),
    (0.1, "23:53-00:01"),
]


def calendar_with_holidays(warmup: float) -> WorkCalendar:
    holidays = [dt.date(2027, 1, 6), dt.date(2027, 1, 7), dt.date(2027, 2, 12)]
    return WorkCalendar(Calendar(business_hours="08:30-17:10", holidays=holidays), warmup)


def switches(calendar: WorkCalendar, shift: str, until: float) -> list[tuple[float, bool]]:
    """Each (instant, on) at which the switch process switched, run in SimPy."""
    env, log = simpy.Environment(), list[tuple[float, bool]]()
    env.process(follow(env, calendar, shift, lambda on: log.append((env.now, on)), until))
    env.run()
    return log


@pytest.mark.parametrize(("warmup", "shift"), CASES)
def test_timetable_holds_the_instants_a_switch_process_switched_at(
    warmup: float, shift: str
) -> None:
    calendar, until = calendar_with_holidays(warmup), 60 * 24.0
    table = ShiftTimetable(calendar, shift, until)
    log = switches(calendar, shift, until)
    # The process starts on; it switches off at t = 0 if the shift starts later.
    starts = [0.0, *(t for t, on in log if on)]
    ends = [t for t, on in log if not on]
    if ends and ends[0] == 0.0:
        starts, ends = starts[1:], ends[1:]
    assert table.starts == starts
    assert table.ends == ends
    for t, on in log:
        assert table.is_on(t) == on
        if t > 0.0:
            assert table.is_on(math.nextafter(t, -math.inf)) == (not on)


def test_reached_instants_walk_the_chain_when_a_sum_rounds() -> None:
    # 303.67 + (832.98 - 303.67) is not 832.98 in floating point
    begin, finish = np.array([0.0, 832.9752851974282]), np.array([303.6688428526368, 900.0])
    assert 303.6688428526368 + (832.9752851974282 - 303.6688428526368) != 832.9752851974282
    start, end = reached_instants(begin, finish)
    now, walked = 0.0, []
    for b, f in zip(begin.tolist(), finish.tolist(), strict=True):
        if b > now:
            now += b - now
        walked.append(now)
        now += f - now
        walked.append(now)
    assert [x for pair in zip(start.tolist(), end.tolist(), strict=True) for x in pair] == walked


def test_board_agrees_with_each_timetable() -> None:
    calendar, until = calendar_with_holidays(30.5), 40 * 24.0
    day, night = (ShiftTimetable(calendar, s, until) for s in ("07:20-19:40", "19:40-07:20"))
    business = ShiftTimetable(calendar, "business", until)
    bases: list[ShiftTimetable | None] = [day, None, night, day]
    board = ShiftBoard(bases, business)
    tables = [day, night, business]
    instants = sorted({t for table in tables for t in (*table.starts, *table.ends)})
    rng = np.random.default_rng(0)
    probes = [0.0, *instants, *rng.uniform(0, until + 48, 500).tolist()]
    probes += [math.nextafter(t, -math.inf) for t in instants]
    for when in probes:
        on, open_, until_, base_start, business_start = board.look_up(when)
        assert on == [t is None or t.is_on(when) for t in bases]
        assert open_ == business.is_on(when)
        assert until_ == min((t for t in instants if t > when), default=math.inf)
        assert base_start == min(day.next_start(when), night.next_start(when))
        assert business_start == business.next_start(when)


def ran_at(env: simpy.Environment, when: float) -> list[float]:
    """The instants at which an action ``call_at(env, when, ...)`` ran."""
    seen: list[float] = []
    call_at(env, when, lambda: seen.append(env.now))
    env.run()
    return seen


def test_call_at_runs_at_the_instant_itself() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        now = float(rng.uniform(0, 1000) * 10.0 ** int(rng.integers(-3, 4)))
        when = now + float(rng.uniform(0, 1000) * 10.0 ** int(rng.integers(-6, 6)))
        env = simpy.Environment(initial_time=now)
        assert ran_at(env, when) == [when]


# -- on-shift hours ----------------------------------------------------------------------


@pytest.mark.parametrize(("warmup", "shift"), [*CASES, (5.0, "24x7")])
def test_shift_clock_is_the_one_built_interval_by_interval(warmup: float, shift: str) -> None:
    calendar, until = calendar_with_holidays(warmup), 90 * 24.0
    fast, plain = ShiftClock(calendar, shift, until), PlainShiftClock(calendar, shift, until)
    assert (fast._starts, fast._ends, fast._before) == (plain._starts, plain._ends, plain._before)
    rng = np.random.default_rng(1)
    begin = rng.uniform(-5, until, 2000)
    end = begin + rng.exponential(6.0, 2000)
    many = fast.on_shift_many(begin, end).tolist()
    assert many == [plain.on_shift(a, b) for a, b in zip(begin.tolist(), end.tolist(), strict=True)]
    for start, finish in ((0.0, until), (30.0, 30.0 + 24 * 17.3), (until / 3, until / 2)):
        plain_hours = plain_on_shift_hours(calendar, shift, start, finish)
        assert calendar.on_shift_hours(shift, start, finish) == plain_hours


@pytest.mark.parametrize(("warmup", "shift"), CASES)
def test_shift_intervals_are_the_ones_walked_day_by_day(warmup: float, shift: str) -> None:
    calendar = calendar_with_holidays(warmup)
    for until in (0.5, 30.0, 400 * 24.0):
        assert list(calendar.shift_intervals(shift, until)) == list(
            plain_intervals(calendar, shift, until)
        )


def test_busy_hours_are_added_spell_by_spell(monkeypatch: pytest.MonkeyPatch) -> None:
    """More spells than one batch (4,096), on a shift with overtime at both ends."""
    scenario = simsvc.load_scenario(ROOT / "scenarios/provincial_hvac.toml")
    fast = simsvc.simulate(scenario, np.random.SeedSequence(4))
    with monkeypatch.context() as plain:
        plain.setattr(world, "Engineers", SpellBySpellEngineers)
        slow = simsvc.simulate(scenario, np.random.SeedSequence(4))
    assert fast.base_busy_hours == slow.base_busy_hours
    assert fast.base_overtime_hours == slow.base_overtime_hours
    assert sum(fast.base_overtime_hours) > 0


# -- inspection plan ---------------------------------------------------------------------


def test_due_times_are_those_of_numpy_arange() -> None:
    rng = np.random.default_rng(2)
    for _ in range(300):
        every = float(rng.choice([0.1, 1.7, 13.37, 24 * 30.0, 24 * 61.0, rng.uniform(0.01, 5e3)]))
        until = float(rng.choice([24 * 379.0, 9432.5, rng.uniform(1, 1e5)]))
        first = rng.uniform(0.0, every, int(rng.integers(0, 6)))
        due, row = due_times(first, every, until)
        expected = [np.arange(start, until, every) for start in first.tolist()]
        assert due.tobytes() == np.concatenate([np.zeros(0), *expected]).tobytes()
        assert row.tolist() == [k for k, e in enumerate(expected) for _ in e]


@pytest.mark.parametrize(
    "path",
    ["scenarios/provincial_hvac.toml", "scenarios/campus_av.toml", "tests/data/records_mix.toml"],
)
def test_inspection_plan_is_the_one_drawn_site_by_site(path: str) -> None:
    scenario = simsvc.load_scenario(ROOT / path)
    info = scenario.scenario
    calendar = WorkCalendar(scenario.calendar, info.warmup)
    until = info.warmup + info.horizon
    fast = inspection_plan(scenario, calendar, np.random.default_rng(9), until)
    plain = plain_plan(scenario, calendar, np.random.default_rng(9), until)
    assert fast == plain
    assert [tuple(map(type, job)) for job in fast] == [tuple(map(type, job)) for job in plain]


def test_inspection_plan_of_the_shift_scenario_filters_months() -> None:
    scenario = shifts_scenario()
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    until = scenario.scenario.warmup + scenario.scenario.horizon
    fast = inspection_plan(scenario, calendar, np.random.default_rng(4), until)
    assert fast == plain_plan(scenario, calendar, np.random.default_rng(4), until)
    months = calendar.months(np.array([job.due for job in fast if not job.business]))
    assert set(months.tolist()) <= {5, 6}
