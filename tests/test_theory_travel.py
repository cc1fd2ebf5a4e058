"""Travel times: with ample engineers nobody waits, so the arrival clock is the trip.

One base with many engineers and four sites at different distances, each in its
own direction (north, east, south, west), so that the base is nearer to every
site than any other site is. An engineer who is free is then always sent from
the base, except one still standing at the very site of the new fault after a
job there (before driving home): that trip takes no time at all. Whether that
happens depends on the other incidents, not on the trip's own random factor, so
leaving those trips out does not bias the rest.

A trip from the base takes planned hours (great-circle km x road_factor /
speed_kmh) times a lognormal factor with mean 1 and ``[travel] cv``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from theory_helpers import (
    assert_inside,
    destination,
    great_circle_km,
    replicate,
    t_interval,
    units_for_rate,
)

import simsvc
from simsvc.model.world import ReplicationOutcome

BASE = (30.66, 104.06)
SITES = {"north": (0.0, 5.0), "east": (90.0, 15.0), "south": (180.0, 30.0), "west": (270.0, 60.0)}
"""Site id -> (bearing in degrees, km from the base)."""
SPEED_KMH, ROAD_FACTOR = 45.0, 1.35
RATE_PER_SITE = 0.1
"""Faults per hour at each site."""


def site_locations() -> dict[str, tuple[float, float]]:
    return {sid: destination(BASE, bearing, km) for sid, (bearing, km) in SITES.items()}


def planned_hours() -> dict[str, float]:
    """Planned trip from the base to each site, computed here independently of the model."""
    return {
        sid: great_circle_km(BASE, place) * ROAD_FACTOR / SPEED_KMH
        for sid, place in site_locations().items()
    }


def travel_scenario(cv: float, horizon: str = "365d") -> simsvc.Scenario:
    sites = "".join(
        f"""
[[site]]
id = "{sid}"
location = [{lat!r}, {lon!r}]
equipment = {{ unit = {units_for_rate(RATE_PER_SITE)} }}
"""
        for sid, (lat, lon) in site_locations().items()
    )
    return simsvc.parse_scenario(f"""
[scenario]
name = "Ample engineers"
horizon = "{horizon}"
warmup = "2d"

[[severity]]
id = "S"
onsite_time = {{ dist = "exponential", mean = "1h" }}

[[commitment]]
severity = "S"
metric = "arrival"
within = "2h"

[[base]]
id = "hq"
location = [{BASE[0]!r}, {BASE[1]!r}]
engineers = 40

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}
{sites}
[travel]
speed_kmh = {SPEED_KMH!r}
road_factor = {ROAD_FACTOR!r}
cv = {cv!r}
""")


def test_the_base_is_nearer_to_every_site_than_any_other_site() -> None:
    """The premise of the travel tests: a free engineer elsewhere never beats the base."""
    places = site_locations()
    for sid, (_, km) in SITES.items():
        assert great_circle_km(BASE, places[sid]) == pytest.approx(km, rel=1e-9)
        for other, place in places.items():
            if other != sid:
                direct = great_circle_km(BASE, places[sid])
                assert great_circle_km(place, places[sid]) > direct


def trips(outcome: ReplicationOutcome) -> tuple[np.ndarray, np.ndarray]:
    """Site index and trip hours (``arrival - dispatch``) of every counted incident."""
    columns = outcome.columns
    mask = columns["counted"]
    hours = (columns["arrival"] - columns["dispatch"])[mask]
    assert np.isfinite(hours).all()
    assert not columns["remote"][mask].any()
    # Nobody waits: every incident is dispatched at once and an engineer leaves at once.
    assert np.array_equal(columns["dispatch"][mask], columns["report"][mask])
    return columns["site"][mask], hours


def _from_base(outcome: ReplicationOutcome, longest_return: float) -> np.ndarray:
    """Mask of the counted incidents whose engineer set out from the base: the engineer's
    first job, or one dispatched after the trip home from the previous job must have ended
    (``longest_return`` x its planned hours; an engineer still on the road is sent on from
    where the drive has got to, a shorter trip)."""
    columns = outcome.columns
    planned = planned_hours()
    ids = [sid for sid in site_locations()]
    back = np.array([planned[sid] for sid in ids])
    engineer, site = columns["engineer"], columns["site"]
    order = np.argsort(columns["dispatch"], kind="stable")
    previous: dict[int, int] = {}
    mask = np.zeros(len(engineer), bool)
    for i in order.tolist():
        e = int(engineer[i])
        j = previous.get(e)
        home_by = (
            -np.inf if j is None else columns["resolution"][j] + longest_return * back[site[j]]
        )
        mask[i] = columns["dispatch"][i] >= home_by - 1e-9
        previous[e] = i
    return mask[columns["counted"]]


def check_zero_trips(outcome: ReplicationOutcome) -> None:
    """A trip of zero hours goes to an engineer who had just finished a job at that very site."""
    columns = outcome.columns
    trip = columns["arrival"] - columns["dispatch"]
    engineer, site = columns["engineer"], columns["site"]
    order = np.argsort(columns["dispatch"], kind="stable")
    previous: dict[int, int] = {}
    for i in order.tolist():
        e = int(engineer[i])
        if trip[i] == 0:
            j = previous.get(e)
            assert j is not None and site[j] == site[i], f"zero trip {i} not from the same site"
            assert columns["resolution"][j] <= columns["dispatch"][i]
        previous[e] = i


def test_trips_from_base_have_the_planned_mean_and_the_stated_cv() -> None:
    """Per site, mean trip = planned hours; the trip / planned ratio is lognormal(mean 1, cv)."""
    cv = 0.4
    scenario = travel_scenario(cv)
    planned = planned_hours()
    index = {s.id: k for k, s in enumerate(scenario.site)}
    planned_of = np.array([planned[s.id] for s in scenario.site])
    outcomes = replicate(scenario, seed=601, replications=30)

    sigma = math.sqrt(math.log1p(cv**2))
    quantiles = {p: math.exp(-(sigma**2) / 2 + sigma * stats.norm.ppf(p)) for p in (0.1, 0.5, 0.9)}
    per_site: dict[str, list[float]] = {sid: [] for sid in SITES}
    ratio_mean, ratio_var = [], []
    shares: dict[float, list[float]] = {p: [] for p in quantiles}
    for outcome in outcomes:
        check_zero_trips(outcome)
        site, hours = trips(outcome)
        # the trip home takes at most 4x its planned time (lognormal, cv 0.4: P < 1e-4)
        from_base = _from_base(outcome, 4.0)
        assert from_base.mean() > 0.5, "too few trips from the base to test"
        for sid in SITES:
            mine = from_base & (site == index[sid])
            assert mine.sum() > 300
            per_site[sid].append(float(hours[mine].mean()))
        ratio = hours[from_base] / planned_of[site[from_base]]
        ratio_mean.append(float(ratio.mean()))
        ratio_var.append(float(ratio.var(ddof=1)))
        for p, q in quantiles.items():
            shares[p].append(float(np.mean(ratio <= q)))

    for sid in SITES:
        assert_inside(planned[sid], t_interval(per_site[sid]), f"mean trip to {sid} (hours)")
    assert_inside(1.0, t_interval(ratio_mean), "mean of trip / planned")
    assert_inside(cv**2, t_interval(ratio_var), "variance of trip / planned (cv^2)")
    for p, values in shares.items():
        assert_inside(p, t_interval(values), f"P(trip / planned <= lognormal {p:.0%} quantile)")


def test_trips_without_variation_take_exactly_the_planned_time() -> None:
    """With ``cv = 0`` every trip from the base takes the planned hours (within 1e-9)."""
    scenario = travel_scenario(0.0, horizon="120d")
    planned = planned_hours()
    planned_of = np.array([planned[s.id] for s in scenario.site])
    for outcome in replicate(scenario, seed=602, replications=2):
        check_zero_trips(outcome)
        site, hours = trips(outcome)
        from_base = _from_base(outcome, 1.0)  # no variation: home exactly on time
        assert from_base.sum() > 1000
        error = np.abs(hours[from_base] - planned_of[site[from_base]])
        assert error.max() <= 1e-9, f"largest deviation from the planned time: {error.max():.3g} h"
