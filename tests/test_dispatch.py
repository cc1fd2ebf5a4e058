"""Dispatch traces: who goes where, and when, one test per rule of the Dispatcher.

Everything lies on the meridian 0° unless a test says otherwise, and travel is made
exact: ``road_factor = 1``, ``cv = 0`` and a speed of 6371 km x π/180 = 111.19 km/h, the
length of one degree of latitude. A planned trip then takes as many hours as the
degrees of latitude between its ends (great-circle km x road_factor / speed_kmh), so
site ``s3`` at latitude 3 is 3 h from a base at latitude 0 and 1 h from site ``s2``.

The unit traces drive a :class:`Dispatcher` by hand and record every job it starts as
``(job, engineer, planned hours)``; the strings in a trace mark what the test did
between dispatches. The whole-simulation traces read each incident's stamps from
``simsvc.simulate(...).columns`` as ``(incident, site, report, engineer, arrival,
resolution)``, hours rounded to 0.01. Their reports are the Poisson stream of seed 0:
the point is what follows each report, which the comments derive by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simsvc
from simsvc.model.dispatch import Dispatcher, Inspection, Job
from simsvc.model.travel import EARTH_RADIUS_KM, TravelNetwork
from simsvc.scenario.schema import Travel

SPEED_KMH = EARTH_RADIUS_KM * math.pi / 180
"""111.19 km/h: one degree of latitude (one hour of travel) per hour."""
EXACT = Travel(speed_kmh=SPEED_KMH, road_factor=1.0, cv=0.0)

Point = float | tuple[float, float]
"""A latitude on the meridian 0°, or a ``(lat, lon)`` pair."""


def _place(point: Point) -> tuple[float, float]:
    return point if isinstance(point, tuple) else (point, 0.0)


class Line:
    """A dispatcher over sites and bases, the jobs it starts, and the actions it defers.

    ``sites`` and ``bases`` are points; ``engineers[b]`` engineers work from base ``b``,
    numbered base by base as in a simulation. Each fault is a new incident.
    """

    def __init__(
        self,
        sites: list[Point],
        bases: list[Point],
        engineers: list[int],
        network: type[TravelNetwork] = TravelNetwork,
        now: Callable[[], float] | None = None,
        skills: list[set[int]] | None = None,
        travel: Travel = EXACT,
    ) -> None:
        """``skills[b]``: the skill numbers of base ``b`` (none: no skills in play)."""
        places = [_place(p) for p in (*sites, *bases)]
        self.travel = network(travel, places, len(sites), len(bases))
        self.trace: list[object] = []
        self.later: list[Callable[[], None]] = []
        self._incident_site: list[int] = []
        self._incident_skill: list[int] = []
        classes = None
        if skills is not None:  # a job class per skill: the bases that have it may take it
            count = max((max(b, default=-1) for b in skills), default=-1) + 1
            classes = (self._incident_skill, [[k in b for b in skills] for k in range(count)])
        self.dispatcher = Dispatcher(
            self.travel,
            [b for b, n in enumerate(engineers) for _ in range(n)],
            [len(sites) + b for b in range(len(bases))],
            self._incident_site,
            self._started,
            self.later.append,
            now,
            classes,
        )

    def fault(self, site: int, priority: int = 1, report: float = 0.0, skill: int = -1) -> None:
        """Report a fault at ``site`` needing ``skill``: incident 0, 1, 2, ... in call order."""
        self._incident_site.append(site)
        self._incident_skill.append(skill)
        self.dispatcher.add_fault(len(self._incident_site) - 1, priority, report)

    def base(self, base: int) -> int:
        """The place index of a base (sites come first)."""
        return self.dispatcher.base_place[base]

    def run_later(self) -> None:
        """Run what the dispatcher asked to do 'soon' (after the current instant)."""
        actions, self.later[:] = list(self.later), []
        for action in actions:
            action()

    def _started(self, engineer: int, job: Job, hours: float) -> None:
        name = job if isinstance(job, int) else f"inspect s{job.site}"
        self.trace.append((name, engineer, round(hours, 9)))


def _toml_location(point: Point) -> str:
    lat, lon = _place(point)
    return f"[{lat}, {lon}]"


def scenario(
    bases: list[tuple[str, Point, int, str]],
    sites: list[tuple[str, Point]],
    horizon: str,
    failures_per_year: float,
    onsite: str = "1h",
) -> str:
    """A scenario with exact travel, no desk, no parts: ``bases`` are (id, point, engineers,
    shift), every site has one unit of equipment ``box``."""
    text = f"""
[scenario]
name = "Dispatch trace"
horizon = "{horizon}"
warmup = "0d"

[[severity]]
id = "L1"
onsite_time = "{onsite}"

[[commitment]]
severity = "L1"
metric = "arrival"
within = "4h"

[[equipment]]
id = "box"
failures_per_year = {failures_per_year}
severity_mix = {{ L1 = 1 }}

[travel]
speed_kmh = {SPEED_KMH!r}
road_factor = 1
cv = 0
"""
    for name, point, engineers, shift in bases:
        text += f"""
[[base]]
id = "{name}"
location = {_toml_location(point)}
engineers = {engineers}
shift = "{shift}"
"""
    for name, point in sites:
        text += f"""
[[site]]
id = "{name}"
location = {_toml_location(point)}
equipment = {{ box = 1 }}
"""
    return text


def visits(text: str) -> list[tuple[int, str, float, int, float, float]]:
    """(incident, site, report, engineer, arrival, resolution) of every incident, seed 0."""
    parsed = simsvc.parse_scenario(text)
    columns = simsvc.simulate(parsed, np.random.SeedSequence(0)).columns
    names = [site.id for site in parsed.site]
    rows = zip(
        columns["site"].tolist(),
        columns["report"].tolist(),
        columns["engineer"].tolist(),
        columns["arrival"].tolist(),
        columns["resolution"].tolist(),
        strict=True,
    )
    return [
        (k, names[site], round(report, 2), engineer, round(arrival, 2), round(resolved, 2))
        for k, (site, report, engineer, arrival, resolved) in enumerate(rows)
    ]


# -- 1. the nearest free engineer ---------------------------------------------------------


def test_nearest_free_engineer_takes_the_head_job() -> None:
    """The free on-shift engineer with the shortest planned trip from where they stand goes."""
    line = Line(sites=[0, 1, 2, 3, 4, 5], bases=[0, 5], engineers=[1, 1])
    south, north = 0, 1  # engineer 0 works from the south base, engineer 1 from the north
    d = line.dispatcher
    line.fault(site=4)  # 0: north 1 h, south 4 h
    line.fault(site=1)  # 1: north is busy; south 1 h
    d.release(north, 4)
    d.release(south, 1)
    line.fault(site=2)  # 2: south from s1 1 h, north from s4 2 h
    d.back_at_base(north)
    line.fault(site=3)  # 3: only north is free: from its base 2 h
    line.fault(site=0)  # 4: nobody is free; waits
    line.trace.append(f"{d.queued_faults()} waiting")
    d.release(south, 2)  # south, free at s2: 2 h to s0
    assert line.trace == [
        (0, north, 1.0),
        (1, south, 1.0),
        (2, south, 1.0),
        (3, north, 2.0),
        "1 waiting",
        (4, south, 2.0),
    ]


def test_nearest_free_engineer_in_a_simulation() -> None:
    """Engineer 0 works from the south base (latitude 0), engineer 1 from the north (2);
    site a (latitude 0.5) is 0.5 h from south and 1.5 h from north, b (1.5) the reverse."""
    text = scenario(
        bases=[("south", 0.0, 1, "24x7"), ("north", 2.0, 1, "24x7")],
        sites=[("a", 0.5), ("b", 1.5)],
        horizon="1d",
        failures_per_year=1000,
    )
    assert visits(text) == [
        (0, "b", 2.16, 1, 2.66, 3.66),  # north, 0.5 h
        (1, "a", 6.45, 0, 6.95, 7.95),  # south, 0.5 h
        (2, "b", 16.3, 1, 16.8, 17.8),
        (3, "b", 19.65, 1, 20.15, 21.15),
        (4, "a", 20.51, 0, 21.01, 22.01),
        (5, "a", 21.86, 1, 23.36, 24.36),  # south is busy at a: north, 1.5 h from home
    ]


# -- 2. the order of the queue ----------------------------------------------------------------


def test_priority_then_report_time_and_inspections_last_in_business_hours() -> None:
    """Faults by priority (1 first), then report time; inspections behind every fault,
    in due order, and those on the business clock only while business hours are open."""
    line = Line(sites=[0, 1, 2, 3], bases=[0], engineers=[1])
    d, engineer, home = line.dispatcher, 0, line.base(0)
    d.set_business_open(False)  # night
    line.fault(site=1, priority=2, report=0.0)  # 0: the engineer is free: goes at once
    d.add_inspection(Inspection(site=3, hours=1.0, business=True, due=0.5))
    d.add_inspection(Inspection(site=2, hours=1.0, business=True, due=0.6))
    line.fault(site=1, priority=2, report=1.0)  # 1
    line.fault(site=2, priority=1, report=2.0)  # 2
    line.fault(site=3, priority=1, report=1.5)  # 3: as urgent as 2, reported earlier
    for _ in range(4):
        d.release(engineer, home)  # back at base after each job, for round trips
    line.trace.append("09:00")  # the inspections have waited through the night
    d.set_business_open(True)
    line.trace.append("same instant")  # dispatch waits for every switch of this instant
    line.run_later()
    line.fault(site=1, priority=2, report=9.5)  # 4: a fault jumps the waiting inspection
    d.release(engineer, home)
    d.release(engineer, home)
    assert line.trace == [
        (0, engineer, 1.0),
        (3, engineer, 3.0),
        (2, engineer, 2.0),
        (1, engineer, 1.0),
        "09:00",
        "same instant",
        ("inspect s3", engineer, 3.0),
        (4, engineer, 1.0),
        ("inspect s2", engineer, 2.0),
    ]


# -- 3. shifts ---------------------------------------------------------------------------------


def test_off_shift_base_takes_no_new_job_until_its_shift_starts() -> None:
    """The end of a shift cancels nothing (the job in hand goes on); once free, the base's
    engineer takes nothing new until the shift starts again."""
    line = Line(sites=[0, 1, 2, 3, 4], bases=[0, 4], engineers=[1, 1])
    d, day, night = line.dispatcher, 0, 1  # engineer 0 of the day base, 1 of the other
    line.fault(site=1)  # 0: day 1 h
    line.trace.append("day base off")
    d.set_base_on_shift(0, False)
    line.fault(site=1)  # 1: day base off (and busy): night base 3 h
    line.fault(site=2)  # 2: nobody on shift is free
    d.release(day, 1)  # job 0 done: free at s1, 1 h from job 2, but off shift
    d.back_at_base(day)
    line.trace.append("day base on")
    d.set_base_on_shift(0, True)
    line.run_later()  # day: 2 h from its base
    assert line.trace == [
        (0, day, 1.0),
        "day base off",
        (1, night, 3.0),
        "day base on",
        (2, day, 2.0),
    ]


def test_job_past_the_shift_end_is_finished_in_a_simulation() -> None:
    """One engineer on a 08:00-14:00 shift, 1 h from the only site, 2 h of work there.

    Day 1 is t = 0-24 h (a Monday), its shift 8-14; day 2's shift is 32-38, day 3's 56-62."""
    text = scenario(
        bases=[("day", 0.0, 1, "08:00-14:00")],
        sites=[("a", 1.0)],
        onsite="2h",
        horizon="2d",
        failures_per_year=1000,
    )
    assert visits(text) == [
        (0, "a", 4.32, 0, 9.0, 11.0),  # reported at night: leaves at 08:00, 1 h trip
        (1, "a", 12.9, 0, 13.9, 15.9),  # still on shift: works on past 14:00 to the end
        (2, "a", 32.6, 0, 33.6, 35.6),
        (3, "a", 39.31, 0, 57.0, 59.0),  # after 14:00 on day 2: waits for day 3, 08:00
        (4, "a", 41.02, 0, 59.0, 61.0),  # queued: next, from the site itself (0 h)
        (5, "a", 43.72, 0, 61.0, 63.0),  # queued: next, from the site itself
    ]


# -- 4. chaining --------------------------------------------------------------------------------


def test_after_a_job_the_engineer_takes_the_next_from_where_they_stand() -> None:
    """The next queued job starts from the last site; with none, the engineer stays free at
    that site (driving home) until back at base, and trips start from the base again."""
    line = Line(sites=[0, 1, 2, 3, 4], bases=[0], engineers=[1])
    d, engineer = line.dispatcher, 0
    line.fault(site=3)  # 0: from base 3 h
    line.fault(site=4)  # 1: queued
    d.release(engineer, 3)  # 1 h from s3, not 4 h from base
    d.release(engineer, 4)  # nothing waits: free at s4, on the way home
    line.trace.append(f"idle: {d.is_idle(engineer)}")
    line.fault(site=3)  # 2: not yet home, so 1 h from s4 (3 h from base)
    d.release(engineer, 3)
    d.back_at_base(engineer)
    line.fault(site=4)  # 3: home: 4 h from base, not 1 h from s3
    d.release(engineer, line.base(0))  # a job that ends at the base itself
    line.fault(site=1)  # 4: 1 h from base
    assert line.trace == [
        (0, engineer, 3.0),
        (1, engineer, 1.0),
        "idle: True",
        (2, engineer, 1.0),
        (3, engineer, 4.0),
        (4, engineer, 1.0),
    ]


@pytest.mark.parametrize(("fault_at", "hours_away"), [(3, 1.0), (2, 0.0), (1, 1.0), (0, 2.0)])
def test_an_engineer_driving_home_is_sent_from_the_road(fault_at: int, hours_away: float) -> None:
    """The only engineer finished at s3 (latitude 3) at t = 0 and drives 3 h home to the base
    at latitude 0: at t = 1 the engineer is at latitude 2, so a fault at latitude L is
    |L - 2| h away (the base, 0 h from latitude 0 if back, is no nearer)."""
    clock = [0.0]
    line = Line(sites=[0, 1, 2, 3], bases=[0], engineers=[1], now=lambda: clock[0])
    d = line.dispatcher
    line.fault(site=3)
    d.release(0, 3)
    d.driving_home(0, since=0.0, hours=3.0)
    clock[0] = 1.0
    line.trace.clear()
    line.fault(site=fault_at)
    assert line.trace == [(1, 0, pytest.approx(hours_away))]
    assert not d.homeward  # sent on: no longer on the road home


def test_without_a_clock_the_road_home_is_not_interpolated() -> None:
    """The dispatcher driven by hand without ``now`` keeps the engineer at the last site."""
    line = Line(sites=[0, 1, 2, 3], bases=[0], engineers=[1])
    d = line.dispatcher
    line.fault(site=3)
    d.release(0, 3)
    d.driving_home(0, since=0.0, hours=3.0)
    line.trace.clear()
    line.fault(site=3)
    assert line.trace == [(1, 0, 0.0)]


def test_only_qualified_engineers_take_a_job_that_needs_a_skill() -> None:
    """Base 0 (latitude 0) has skill 0, base 1 (latitude 5) none. A skilled job waits for
    base 0 although base 1 is free, and does not hold up an unskilled job behind it, which
    base 1 takes; the specialist, free again, takes the waiting skilled job."""
    line = Line(sites=[0, 1], bases=[0, 5], engineers=[1, 1], skills=[{0}, set()])
    d = line.dispatcher
    line.fault(site=1, skill=0)  # 0: base 0's engineer 0, 1 h
    line.fault(site=1, priority=1, report=1.0, skill=0)  # 1: waits for engineer 0
    line.fault(site=1, priority=2, report=2.0)  # 2: less urgent, but base 1 can take it
    assert line.trace == [(0, 0, 1.0), (2, 1, 4.0)]
    assert d.queued_faults() == 1
    d.release(0, 1)  # engineer 0 done at s1
    assert line.trace[-1] == (1, 0, 0.0)


def test_a_specialist_also_takes_a_job_that_needs_no_skill() -> None:
    line = Line(sites=[0, 1], bases=[0, 5], engineers=[1, 1], skills=[{0}, set()])
    line.fault(site=1)
    assert line.trace == [(0, 0, 1.0)]  # the nearer engineer, a specialist


def test_with_skills_the_most_urgent_servable_head_goes_first() -> None:
    """Two skill queues and the general one: heads by priority, then report time."""
    line = Line(sites=[0, 1], bases=[0], engineers=[1], skills=[{0, 1}])
    d = line.dispatcher
    line.fault(site=0, skill=0)  # 0: engineer 0 at once
    line.fault(site=0, priority=3, report=1.0)  # 1
    line.fault(site=0, priority=2, report=3.0, skill=1)  # 2
    line.fault(site=0, priority=2, report=2.0, skill=0)  # 3
    for _ in range(3):
        d.release(0, 0)
    assert [job for job, _, _ in line.trace] == [0, 3, 2, 1]


def test_nobody_is_sent_beyond_the_dispatch_radius() -> None:
    """A radius of 2.5 degrees of latitude (2.5 h): a fault at latitude 3 waits while the only
    engineer is at the base (3 h away), and goes to them from site s2 (1 h away)."""
    radius = Travel(
        speed_kmh=SPEED_KMH, road_factor=1.0, cv=0.0, dispatch_radius_km=2.5 * SPEED_KMH
    )
    line = Line(sites=[0, 2, 3], bases=[0], engineers=[1], travel=radius)
    d = line.dispatcher
    line.fault(site=1)  # 0: 2 h, within the radius
    assert line.trace == [(0, 0, 2.0)]
    d.release(0, line.base(0))  # back at base
    line.fault(site=2)  # 1: 3 h from the base: waits
    assert line.trace == [(0, 0, 2.0)] and d.queued_faults() == 1
    line.fault(site=1)  # 2: 2 h, goes
    assert line.trace[-1] == (2, 0, 2.0)
    d.release(0, 1)  # done at s2, latitude 2: s3 is 1 h away
    assert line.trace[-1] == (1, 0, 1.0)


@pytest.mark.parametrize(("lookahead", "waits"), [(1.0, True), (0.25, False), (0.0, False)])
def test_a_job_waits_within_the_lookahead_for_a_nearer_engineer(
    lookahead: float, waits: bool
) -> None:
    """Engineer 0 works at s1 (latitude 1) until t = 0.5; engineer 1 is free at the base at
    latitude 4. A fault at s1 at t = 0: engineer 1 would take 3 h, engineer 0 0.5 h from
    now. With a look-ahead of 1 h the job waits and goes to engineer 0 when free; with
    0.25 h (too short to wait 0.5 h) or none, engineer 1 goes at once."""
    clock = [0.0]
    travel = Travel(speed_kmh=SPEED_KMH, road_factor=1.0, cv=0.0, lookahead=lookahead)
    line = Line(sites=[0, 1], bases=[0, 4], engineers=[1, 1], now=lambda: clock[0], travel=travel)
    d = line.dispatcher
    line.fault(site=1)  # 0: engineer 0 (base at latitude 0), 1 h
    clock[0] = 0.1
    d.expect_free(0, 0.5, 1)  # at work at s1 until 0.5
    line.trace.clear()
    line.fault(site=1, report=0.1)  # 1
    if waits:
        assert line.trace == [] and d.queued_faults() == 1
        clock[0] = 0.5
        d.release(0, 1)
        assert line.trace == [(1, 0, 0.0)]
    else:
        assert line.trace == [(1, 1, 3.0)]


def test_a_site_beyond_every_base_radius_is_refused() -> None:
    from pathlib import Path

    from simsvc.scenario.errors import ScenarioError

    small = simsvc.load_scenario(Path(__file__).parent / "data" / "small.toml")
    with pytest.raises(ScenarioError) as caught:
        small.evolve({"travel.dispatch_radius_km": 0.001})
    assert "travel.dispatch_radius_km" in str(caught.value) and "site[" in str(caught.value)


def test_chaining_in_a_simulation() -> None:
    """One engineer at latitude 0; site a 1 h away, b 2 h away and 1 h from a.

    A free engineer driving home is sent on from where the drive has got to: a fault at
    latitude 1 reported at t while the engineer drives home from b (latitude 2, left at t0,
    2 h home) is |1 - (2 - (t - t0))| h away."""
    text = scenario(
        bases=[("base", 0.0, 1, "24x7")],
        sites=[("a", 1.0), ("b", 2.0)],
        horizon="1d",
        failures_per_year=1000,
    )
    assert visits(text) == [
        (0, "b", 2.16, 0, 4.16, 5.16),  # from base, 2 h
        # driving home from b since 5.16: at 6.45 at latitude 0.71, so 0.29 h to a
        (1, "a", 6.45, 0, 6.74, 7.74),
        (2, "b", 16.3, 0, 18.3, 19.3),  # home since 8.74: from base, 2 h
        # driving home from b since 19.3: at 19.65 at latitude 1.65, so 0.35 h back to b
        (3, "b", 19.65, 0, 20.01, 21.01),
        (4, "a", 20.51, 0, 22.01, 23.01),  # queued: from b when 3 ends, 1 h
        (5, "a", 21.86, 0, 23.01, 24.01),  # queued: from a when 4 ends, 0 h
    ]


# -- 5. tie-breaks ------------------------------------------------------------------------------


def test_lowest_numbered_engineer_of_a_base_goes_first() -> None:
    """Among the free engineers of one base, the lowest-numbered goes first."""
    line = Line(sites=[0, 1], bases=[0], engineers=[3])
    for _ in range(3):
        line.fault(site=1)
    assert line.trace == [(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0)]


def test_lowest_numbered_engineer_of_a_base_goes_first_after_returns() -> None:
    """The rule holds after engineers return, whatever the order they come back in."""
    line = Line(sites=[0, 1], bases=[0], engineers=[2])
    d, home = line.dispatcher, line.base(0)
    line.fault(site=1)
    line.fault(site=1)
    d.release(0, home)
    d.release(1, home)
    line.fault(site=1)
    assert line.trace == [(0, 0, 1.0), (1, 1, 1.0), (2, 0, 1.0)]


def test_equal_time_from_two_bases_the_earlier_base_goes() -> None:
    """Site s1 lies halfway between base 0 (north, latitude 2) and base 1 (south, 0)."""
    line = Line(sites=[0, 1, 2], bases=[2, 0], engineers=[1, 1])
    d = line.dispatcher
    assert line.travel.base_to_site[0][1] == line.travel.base_to_site[1][1] == 1.0
    line.fault(site=1)  # 0: a tie: base 0
    line.fault(site=1)  # 1: base 0 is busy: base 1
    d.release(1, line.base(1))
    d.release(0, line.base(0))
    line.fault(site=1)  # 2: a tie again: base 0, whoever came back first
    assert line.trace == [(0, 0, 1.0), (1, 1, 1.0), (2, 0, 1.0)]


def test_equal_time_roaming_or_base_the_lower_number_goes() -> None:
    """At equal planned time, the lowest-numbered candidate goes.

    ``Dispatcher.nearest`` first takes the earliest base with the shortest trip (its next
    engineer), then lets a roaming engineer (free where the last job ended) replace it only
    if strictly nearer, or equally near with a lower engineer number; between roaming
    engineers, the same. Engineers are numbered base by base, so this is also 'the earlier
    base first' whenever each base's next engineer is its lowest-numbered one.
    """
    # Base 0 at latitude 3 has engineer 0; base 1 at latitude 0 has engineers 1 and 2.
    line = Line(sites=[0, 1, 2, 3], bases=[3, 0], engineers=[1, 2])
    d = line.dispatcher
    assert line.travel.hours(2, 1) == line.travel.base_to_site[1][1] == 1.0
    line.fault(site=2)  # 0: base 0, 1 h
    line.fault(site=2)  # 1: base 1, 2 h
    line.fault(site=2)  # 2: base 1, 2 h
    d.release(2, 2)  # 2 roams at s2
    d.release(1, 2)
    d.back_at_base(1)  # 1 is home at base 1
    line.fault(site=1)  # 3: 1 from base 1 or 2 from s2, both 1 h: 1 goes
    d.release(0, 2)  # 0 roams at s2
    d.back_at_base(2)  # 2 is home at base 1
    line.fault(site=1)  # 4: 0 from s2 or 2 from base 1, both 1 h: 0 goes
    assert line.trace == [(0, 0, 1.0), (1, 1, 2.0), (2, 2, 2.0), (3, 1, 1.0), (4, 0, 1.0)]


# -- 6. the latitude skip ----------------------------------------------------------------------


class CountingNetwork(TravelNetwork):
    """A travel network that records every exact trip it is asked for."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.asked: list[tuple[int, int]] = []

    def hours(self, origin: int, destination: int) -> float:
        self.asked.append((origin, destination))
        return super().hours(origin, destination)

    def hours_from(self, lat: float, lon: float, destination: int) -> float:
        self.asked.append((-1, destination))  # from a point on the road
        return super().hours_from(lat, lon, destination)


def test_latitude_skip_never_changes_the_choice() -> None:
    """A roaming engineer whose north-south distance alone exceeds the best trip is skipped
    without the exact distance; one exactly as far still gets it, and wins the tie."""
    # s0 (latitude 1) is the new fault; base 1 (latitude 0) is 1 h from it.
    # Base 0's engineers roam: 0 at s1 (latitude 2, 1 h due north of s0), 1 at s2 (latitude 6,
    # 5 h away), 2 at s3 (latitude 1 but 3° of longitude east: about 3 h).
    line = Line(
        sites=[1, 2, 6, (1.0, 3.0)], bases=[6, 0], engineers=[3, 1], network=CountingNetwork
    )
    d = line.dispatcher
    assert isinstance(line.travel, CountingNetwork)
    d.set_base_on_shift(1, False)
    for site in (1, 2, 3):
        line.fault(site=site)  # 0, 1, 2: to engineers 0, 1, 2 of base 0
    for engineer, site in ((0, 1), (1, 2), (2, 3)):
        d.release(engineer, site)
    d.set_base_on_shift(1, True)
    line.run_later()
    line.travel.asked.clear()
    line.trace.clear()  # the set-up trips are not the point
    line.fault(site=0)  # 3: base 1's engineer 3 is 1 h away; engineer 0 too, and lower
    assert line.trace == [(3, 0, 1.0)]
    assert line.travel.asked == [(1, 0), (3, 0)]  # engineer 1 at s2 was skipped


def test_latitude_skip_changes_no_record_of_a_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same simulation with the skip turned off (a bound of 0 h per degree) keeps every
    record, while computing more exact trips."""
    # Sites spread over 6 degrees of latitude, so that some roaming engineers are far
    # enough in latitude to be skipped; the north base works days only.
    text = scenario(
        bases=[("south", 0.0, 3, "24x7"), ("north", (6.0, 0.5), 3, "08:00-20:00")],
        sites=[
            ("a", 0.5),
            ("b", 1.5),
            ("c", (3.0, 0.8)),
            ("d", 4.5),
            ("e", (5.2, 1.5)),
            ("f", 6.0),
            ("g", (2.0, -1.0)),
        ],
        horizon="7d",
        failures_per_year=500,
    )
    runs = []
    for skip in (True, False):
        with monkeypatch.context() as patch:
            runs.append(_counted_run(text, patch, skip))
    (with_skip, trips_with), (without_skip, trips_without) = runs
    assert trips_with < trips_without
    assert with_skip.keys() == without_skip.keys()
    for name, column in with_skip.items():
        np.testing.assert_array_equal(column, without_skip[name], err_msg=name)


def _counted_run(
    text: str, patch: pytest.MonkeyPatch, skip: bool
) -> tuple[dict[str, np.ndarray], int]:
    built: list[CountingNetwork] = []

    class Network(CountingNetwork):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            if not skip:
                self.hours_per_degree_of_latitude = 0.0
            built.append(self)

    patch.setattr("simsvc.model.world.TravelNetwork", Network, raising=False)
    columns = simsvc.simulate(simsvc.parse_scenario(text), np.random.SeedSequence(0)).columns
    assert len(built) == 1
    return columns, len(built[0].asked)


# -- the nearest engineer, against brute force ---------------------------------------------------

grid_point = st.tuples(st.integers(-2, 2).map(lambda k: k / 2), st.sampled_from([0.0, 0.5]))
"""Ten points, so that places often coincide or mirror each other: many equal trips."""
any_point = st.tuples(st.floats(-85, 85), st.floats(-180, 180))


@st.composite
def free_engineers(draw: st.DrawFn) -> tuple[Line, list[int | str], list[bool], int]:
    """A random network, where every engineer stands (busy, at base, or at a site), which
    bases are on shift, and the site of a new fault."""
    n_sites, n_bases = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    point = st.one_of(grid_point, grid_point, any_point)
    places = draw(st.lists(point, min_size=n_sites + n_bases, max_size=n_sites + n_bases))
    engineers = draw(st.lists(st.integers(0, 3), min_size=n_bases, max_size=n_bases))
    where = st.one_of(st.sampled_from(["busy", "base"]), st.integers(0, n_sites - 1))
    stands = draw(st.lists(where, min_size=sum(engineers), max_size=sum(engineers)))
    shift = st.sampled_from([True, True, True, False])
    on_shift = draw(st.lists(shift, min_size=n_bases, max_size=n_bases))
    line = Line(places[:n_sites], places[n_sites:], engineers)
    return line, stands, on_shift, draw(st.integers(0, n_sites - 1))


@settings(derandomize=True, max_examples=400, deadline=None)
@given(free_engineers())
def test_nearest_is_the_brute_force_argmin(
    case: tuple[Line, list[int | str], list[bool], int],
) -> None:
    """``nearest(site)`` is the least (planned hours, engineer number) over every free
    on-shift engineer, from their base (``base_to_site``) or their site (``hours``).

    Everyone is first sent out, then set free in increasing engineer number (the order in
    which a stack of free engineers would send the highest-numbered first)."""
    line, stands, on_shift, site = case
    d, travel = line.dispatcher, line.travel
    for _ in stands:
        line.fault(site=0)
    assert d.queued_faults() == 0 and len(line.trace) == len(stands)
    for engineer in range(len(stands)):
        place = stands[engineer]
        if place == "base":
            d.release(engineer, line.base(d.engineer_base[engineer]))
        elif isinstance(place, int):
            d.release(engineer, place)
    for base, on in enumerate(on_shift):
        d.set_base_on_shift(base, on)
    candidates: list[tuple[float, int]] = []
    for engineer, place in enumerate(stands):
        base = d.engineer_base[engineer]
        if place == "busy" or not on_shift[base]:
            continue
        if place == "base":
            candidates.append((travel.base_to_site[base][site], engineer))
        else:
            assert isinstance(place, int)
            candidates.append((travel.hours(place, site), engineer))
    hours, engineer = min(candidates, default=(math.inf, -1))
    assert d.nearest(site) == (engineer, hours)


def test_a_skill_no_base_has_is_refused_with_its_key() -> None:
    from pathlib import Path

    from simsvc.scenario.errors import ScenarioError

    small = simsvc.load_scenario(Path(__file__).parent / "data" / "small.toml")
    with pytest.raises(ScenarioError) as caught:
        small.evolve({"equipment[0].skill": "hvac"})
    assert "equipment[0].skill" in str(caught.value)
    assert "no base has the skill 'hvac'" in str(caught.value)
    skilled = small.evolve({"equipment[0].skill": "hvac", "base[0].skills": ["hvac"]})
    assert skilled.equipment[0].skill == "hvac"


def test_a_lookahead_changes_who_goes_in_a_simulation() -> None:
    """One site 0.1 h from the near base and 1.9 h from the far one, an engineer at each,
    an hour's work per fault: without look-ahead a fault that finds the near engineer at
    work goes to the far one; with a 1-hour look-ahead it waits for the near one, so the
    far engineer goes far less often and every fault still closes."""
    text = scenario(
        bases=[("near", 0.0, 1, "24x7"), ("far", 2.0, 1, "24x7")],
        sites=[("a", 0.1)],
        horizon="60d",
        failures_per_year=2000,
    )
    plain = simsvc.parse_scenario(text)
    ahead = plain.evolve({"travel.lookahead": "1h"})
    far = []
    for sc in (plain, ahead):
        outcome = simsvc.simulate(sc, np.random.SeedSequence(3))
        assert outcome.still_open == 0
        columns = outcome.columns
        visited = columns["counted"] & ~np.isnan(columns["arrival"])
        assert visited.sum() > 200
        far.append(float(np.mean(columns["base"][visited] == 1)))
    assert far[0] > 0.1  # the far engineer often goes without look-ahead
    assert far[1] < far[0] / 2
