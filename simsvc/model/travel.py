"""Travel times between bases, sites and depots.

Road distance is the great-circle distance times ``road_factor``; the planned
travel time is that distance over ``speed_kmh``. Each actual trip multiplies the
planned time by a lognormal factor with mean 1 and the scenario's ``cv``, so
that dispatch chooses by the planned time and the trip itself varies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simsvc.scenario.schema import Travel

EARTH_RADIUS_KM = 6371.0


def great_circle_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle (haversine) distance in km between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


class TravelNetwork:
    """Planned travel hours between places, and lognormal trip factors.

    ``places`` are ``(lat, lon)`` pairs; sites come first, then bases, then depots,
    so that a place index can stand for an engineer's position. The hours from
    every base to every site are computed once, in one vectorised step; other
    trips (site to site, site to base, depot to depot) one at a time, cached.
    """

    MAX_CACHED_TRIPS = 1_000_000

    def __init__(
        self, travel: Travel, places: Sequence[tuple[float, float]], sites: int, bases: int
    ) -> None:
        self.travel = travel
        coords = np.asarray(places, dtype=float).reshape(-1, 2)
        self._lat = coords[:, 0].tolist()
        self.latitudes: list[float] = self._lat
        """Latitude (degrees) of every place, for quick lower bounds on trips."""
        self._lon = coords[:, 1].tolist()
        self._hours_per_km = travel.road_factor / travel.speed_kmh
        self.hours_per_degree_of_latitude = (
            math.radians(1.0) * EARTH_RADIUS_KM * self._hours_per_km * (1 - 1e-9)
        )
        """A lower bound on hours per degree of latitude between two places (a trip is at
        least as long as its north-south part)."""
        lat, lon = coords[:, 0], coords[:, 1]
        km = great_circle_km(
            lat[sites : sites + bases, None],
            lon[sites : sites + bases, None],
            lat[None, :sites],
            lon[None, :sites],
        )
        planned = km * self._hours_per_km
        self.base_to_site: list[list[float]] = planned.tolist()
        """Planned hours from base ``b`` to site ``s``: ``base_to_site[b][s]``."""
        self.bases_by_site: list[list[int]] = np.argsort(planned, axis=0, kind="stable").T.tolist()
        """The bases in order of planned hours to site ``s`` (ties: lower number first):
        ``bases_by_site[s]``."""
        self._cache: dict[tuple[int, int], float] = {}
        sigma2 = math.log1p(travel.cv**2)
        self._mu = -sigma2 / 2
        self._sigma = math.sqrt(sigma2)

    @property
    def radius_hours(self) -> float:
        """Planned hours of the dispatch radius (``inf`` without one)."""
        km = self.travel.dispatch_radius_km
        return math.inf if km is None else km * self._hours_per_km / self.travel.road_factor

    def hours(self, origin: int, destination: int) -> float:
        """Planned hours from one place to another."""
        key = (origin, destination) if origin <= destination else (destination, origin)
        hours = self._cache.get(key)
        if hours is None:
            hours = (
                _haversine_km(
                    self._lat[origin],
                    self._lon[origin],
                    self._lat[destination],
                    self._lon[destination],
                )
                * self._hours_per_km
            )
            if len(self._cache) >= self.MAX_CACHED_TRIPS:
                self._cache.clear()
            self._cache[key] = hours
        return hours

    def between(self, origin: int, destination: int, share: float) -> tuple[float, float]:
        """The point ``share`` (0 to 1) of the way from one place to another, interpolated
        linearly in latitude and longitude (degrees)."""
        lat = self._lat[origin] + share * (self._lat[destination] - self._lat[origin])
        lon = self._lon[origin] + share * (self._lon[destination] - self._lon[origin])
        return lat, lon

    def hours_from(self, lat: float, lon: float, destination: int) -> float:
        """Planned hours from a point (degrees) to a place; not cached."""
        km = _haversine_km(lat, lon, self._lat[destination], self._lon[destination])
        return km * self._hours_per_km

    def trip_factors(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Random multipliers of planned times, mean 1 and the scenario's cv."""
        if self._sigma == 0:
            return np.ones(size)
        return rng.lognormal(self._mu, self._sigma, size)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points in degrees (scalar, fast)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))
