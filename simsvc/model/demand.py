"""The fault rate over time: seasons, a changing installed base and bursts.

Think of a meter on each (site, equipment) pair that reads the pair's fault rate in
faults per hour. Without seasons, changes or bursts it never moves: units x
``failures_per_year`` / 8,760. Three things move it, each at known instants, so the
rate is piecewise constant between them:

- **seasons**: the equipment's ``monthly`` weights (else ``[arrivals] monthly_profile``)
  scale the rate in each calendar month. The weights are relative: they are divided by
  their mean over the days of a 365-day year, so ``failures_per_year`` stays the
  expected count of a year;
- **changes** of the installed base (``[[site]] changes``) add or retire units from
  midnight at the start of their date;
- **bursts** (``[[burst]]``): while a spell is on, it adds ``factor - 1`` times the rate
  of the equipment it covers (the spells themselves are drawn by :func:`draw_bursts`).

Months and dates are placed on the simulation clock by the one rule of
:mod:`simsvc.periods` (hour ``warmup`` is midnight at ``[calendar] start``), so a fault
counted in July here is assessed in July.

A :class:`RateSchedule` keeps the pieces factored (unit counts per version of the
installed base, a seasonal factor per kind, a burst factor per group of pairs) rather
than a full segments x pairs matrix: a provincial network has thousands of pairs.
"""

from __future__ import annotations

import calendar as calendars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from simsvc.periods import date_hours, month_starts
from simsvc.scenario.schema import Scenario

HOURS_PER_YEAR = 8760.0
_DAYS = np.asarray([calendars.monthrange(2027, m)[1] for m in range(1, 13)], float)
"""Days of each month of a 365-day year, January first."""


@dataclass(frozen=True)
class BurstSpell:
    """One drawn spell of a ``[[burst]]``: its index in the file and its hours on the clock."""

    burst: int
    start: float
    end: float


@dataclass(frozen=True)
class RateSchedule:
    """The fault rate of every (site, equipment) pair, constant on each segment.

    Segment ``s`` covers hours ``[bounds[s], bounds[s + 1])``. On it pair ``p`` fails at
    ``units * per_unit[p] / 8760 * season[s, kind[p]] * burst[s, group[p]]`` per hour,
    where ``units`` starts at ``units[p]`` and takes each change ``c`` (``change_units[c]``
    units of pair ``change_pair[c]``) from segment ``change_segment[c]`` on.
    """

    site: np.ndarray
    kind: np.ndarray
    units: np.ndarray
    per_unit: np.ndarray
    bounds: np.ndarray
    change_segment: np.ndarray
    change_pair: np.ndarray
    change_units: np.ndarray
    season: np.ndarray
    burst: np.ndarray
    group: np.ndarray

    @property
    def segments(self) -> int:
        """How many segments of constant rate the schedule has."""
        return len(self.bounds) - 1

    def each_rates(self) -> Iterator[np.ndarray]:
        """The fault rate per hour of every pair, segment after segment."""
        units, c = self.units.copy(), 0
        for s in range(self.segments):
            while c < len(self.change_segment) and self.change_segment[c] <= s:
                units[self.change_pair[c]] += self.change_units[c]
                c += 1
            # the same operations as units x failures_per_year / 8760 of a pair; multiplying
            # by 1.0 is exact, so without seasons or bursts the rates are untouched
            rates = units * self.per_unit / HOURS_PER_YEAR
            rates = rates * self.season[s][self.kind]
            yield np.asarray(rates * self.burst[s][self.group])

    def totals(self) -> np.ndarray:
        """Total fault rate per hour on each segment (the sum over pairs)."""
        return np.asarray([float(rates.sum()) for rates in self.each_rates()])


def monthly_factors(scenario: Scenario) -> np.ndarray | None:
    """The seasonal factor of each equipment kind (rows) in each month (columns, January
    first), or ``None`` when no equipment has a seasonal profile."""
    default = scenario.arrivals.monthly_profile if scenario.arrivals is not None else None
    profiles = [e.monthly if e.monthly is not None else default for e in scenario.equipment]
    if all(p is None for p in profiles):
        return None
    factors = np.ones((len(profiles), 12))
    for k, weights in enumerate(profiles):
        if weights is not None:
            factors[k] = _relative_to_the_year(weights)
    return factors


def _relative_to_the_year(weights: list[float]) -> np.ndarray:
    """Weights divided by their mean over the days of a 365-day year (by the largest
    first, so that no weight overflows); equal weights give exactly 1."""
    scaled = np.asarray(weights, float) / max(weights)
    return np.asarray(scaled / (float(scaled @ _DAYS) / 365.0))


def draw_bursts(scenario: Scenario, rng: np.random.Generator, until: float) -> list[BurstSpell]:
    """The spells of every ``[[burst]]`` that overlap hours ``[0, until)``.

    For each burst in file order: the number of spells is Poisson with mean
    ``per_year * (until + duration) / 8760`` and their starts are uniform on
    ``[-duration, until)``, so that every hour of the run is as likely to be in a spell
    (a spell may have begun before the simulation); each lasts ``duration`` hours.
    """
    spells: list[BurstSpell] = []
    for b, burst in enumerate(scenario.burst):
        count = rng.poisson(burst.per_year * (until + burst.duration) / HOURS_PER_YEAR)
        starts = np.sort(rng.uniform(-burst.duration, until, count))
        for start in starts.tolist():
            spells.append(BurstSpell(b, max(start, 0.0), min(start + burst.duration, until)))
    return spells


def _pairs(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites, kinds and starting unit counts of the pairs that ever have units: the
    pairs with units installed, in file order, then those that only changes bring."""
    kind_index = {e.id: k for k, e in enumerate(scenario.equipment)}
    sites, kinds, units = [], [], []
    for i, site in enumerate(scenario.site):
        for kind, count in site.equipment.items():
            if count > 0 or (site.changes and kind in {c.equipment for c in site.changes}):
                sites.append(i)
                kinds.append(kind_index[kind])
                units.append(count)
        for kind in dict.fromkeys(c.equipment for c in site.changes):
            if kind not in site.equipment:
                sites.append(i)
                kinds.append(kind_index[kind])
                units.append(0)
    return np.asarray(sites, np.int32), np.asarray(kinds, np.int32), np.asarray(units, np.int64)


def rate_schedule(
    scenario: Scenario, until: float, spells: list[BurstSpell] | None = None
) -> RateSchedule:
    """The fault rate of every pair over hours ``[0, until)``; ``spells`` from
    :func:`draw_bursts` (none: the rate without bursts)."""
    spells = spells or []
    sites, kinds, units = _pairs(scenario)
    per_unit = np.asarray([e.failures_per_year for e in scenario.equipment], float)[kinds]
    start, warmup = scenario.calendar.start, scenario.scenario.warmup

    # the instants where some rate may change
    cuts = [np.asarray([0.0, until])]
    factors = monthly_factors(scenario)
    if factors is not None:
        month_hours, month_numbers = month_starts(start=start, warmup=warmup, until=until)
        cuts.append(month_hours)
    changes = _changes(scenario, sites, kinds)
    change_hours = date_hours([date for *_, date in changes], start=start, warmup=warmup)
    moved = np.asarray([units != 0 for _, units, _ in changes], bool)
    soon = np.flatnonzero((change_hours < until) & moved)
    soon = soon[np.argsort(change_hours[soon], kind="stable")]
    cuts.append(change_hours[soon])
    cuts += [np.asarray([spell.start, spell.end]) for spell in spells]
    bounds = np.unique(np.concatenate(cuts))
    begins = bounds[:-1]

    # seasons: the month of each segment, found by index (segments never straddle a month)
    if factors is None:
        season = np.ones((len(begins), len(scenario.equipment)))
    else:
        month = month_numbers[np.searchsorted(month_hours, begins, side="right") - 1]
        season = np.ascontiguousarray(factors[:, month - 1].T)
    burst, group = _burst_factors(scenario, sites, kinds, bounds, spells)
    schedule = RateSchedule(
        site=sites,
        kind=kinds,
        units=units,
        per_unit=per_unit,
        bounds=bounds,
        change_segment=np.searchsorted(bounds, change_hours[soon]),
        change_pair=np.asarray([changes[j][0] for j in soon.tolist()], np.int64),
        change_units=np.asarray([changes[j][1] for j in soon.tolist()], np.int64),
        season=season,
        burst=burst,
        group=group,
    )
    return _merged(schedule)


def _changes(
    scenario: Scenario, sites: np.ndarray, kinds: np.ndarray
) -> list[tuple[int, int, dt.date]]:
    """Every change of the installed base as (pair, units, date), in file order."""
    if not any(site.changes for site in scenario.site):
        return []
    pairs = zip(sites.tolist(), kinds.tolist(), strict=True)
    pair_of = {(s, k): p for p, (s, k) in enumerate(pairs)}
    kind_index = {e.id: k for k, e in enumerate(scenario.equipment)}
    return [
        (pair_of[i, kind_index[change.equipment]], change.units, change.date)
        for i, site in enumerate(scenario.site)
        for change in site.changes
    ]


def coverage(scenario: Scenario, sites: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Whether each ``[[burst]]`` (rows) covers each (site, equipment) pair (columns)."""
    zone = [site.zone for site in scenario.site]
    kind_ids = [e.id for e in scenario.equipment]
    covers = np.ones((len(scenario.burst), len(sites)), bool)
    for b, burst in enumerate(scenario.burst):
        if burst.equipment is not None:
            covers[b] &= np.isin(kinds, [kind_ids.index(k) for k in burst.equipment])
        if burst.zones is not None:
            covers[b] &= np.asarray([zone[s] in burst.zones for s in sites.tolist()], bool)
    return covers


def _burst_factors(
    scenario: Scenario,
    sites: np.ndarray,
    kinds: np.ndarray,
    bounds: np.ndarray,
    spells: list[BurstSpell],
) -> tuple[np.ndarray, np.ndarray]:
    """The burst factor of each segment (rows) and group of pairs (columns), and the
    group of each pair: pairs covered by the same bursts form a group."""
    segments = len(bounds) - 1
    if not spells:
        return np.ones((segments, 1)), np.zeros(len(sites), np.int64)
    patterns, group = np.unique(coverage(scenario, sites, kinds).T, axis=0, return_inverse=True)
    # spells on in each segment, per burst: +1 from its first segment, -1 after its last
    on = np.zeros((segments + 1, len(scenario.burst)))
    for spell in spells:
        if spell.end > spell.start:
            on[np.searchsorted(bounds, spell.start), spell.burst] += 1
            on[np.searchsorted(bounds, spell.end), spell.burst] -= 1
    active = np.cumsum(on, axis=0)[:-1]
    excess = np.asarray([b.factor - 1.0 for b in scenario.burst])
    factor = 1.0 + active @ (excess[:, None] * patterns.T)
    return np.asarray(factor), np.asarray(group, np.int64).reshape(-1)


def _merged(schedule: RateSchedule) -> RateSchedule:
    """The schedule with neighbouring segments of identical rates joined, so that a flat
    profile, or a burst that covers nothing, leaves a single segment."""
    season, burst = schedule.season, schedule.burst
    same = (season[1:] == season[:-1]).all(1) & (burst[1:] == burst[:-1]).all(1)
    same[schedule.change_segment[schedule.change_segment > 0] - 1] = False
    keep = np.concatenate(([True], ~same))
    renumber = np.cumsum(keep) - 1
    return replace(
        schedule,
        bounds=np.append(schedule.bounds[:-1][keep], schedule.bounds[-1]),
        change_segment=renumber[schedule.change_segment],
        season=season[keep],
        burst=burst[keep],
    )


def expected_count(scenario: Scenario, until: float) -> float:
    """Expected fault reports in hours ``[0, until)``, bursts included at their mean.

    Every hour is in a spell of burst ``b`` with expectation ``per_year * duration /
    8760`` (see :func:`draw_bursts`), so a burst adds ``(factor - 1)`` times that share of
    the count of the pairs it covers.
    """
    schedule = rate_schedule(scenario, until)
    lengths = np.diff(schedule.bounds)
    total, per_pair = 0.0, np.zeros(len(schedule.site))
    for s, rates in enumerate(schedule.each_rates()):
        total += float(rates.sum()) * float(lengths[s])
        per_pair += rates * lengths[s]
    if not scenario.burst:
        return total
    covers = coverage(scenario, schedule.site, schedule.kind)
    extra = 0.0
    for b, burst in enumerate(scenario.burst):
        share_on = burst.per_year * burst.duration / HOURS_PER_YEAR
        extra += (burst.factor - 1.0) * share_on * float(per_pair[covers[b]].sum())
    return total + extra
