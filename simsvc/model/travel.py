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

from simsvc.scenario import Travel

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
    so that a place index can stand for an engineer's position.
    """

    MAX_CACHED_ROWS = 2048

    def __init__(self, travel: Travel, places: Sequence[tuple[float, float]]) -> None:
        self.travel = travel
        coords = np.asarray(places, dtype=float).reshape(-1, 2)
        self._lat = coords[:, 0]
        self._lon = coords[:, 1]
        self._hours_per_km = travel.road_factor / travel.speed_kmh
        self._rows: dict[int, np.ndarray] = {}
        sigma2 = math.log1p(travel.cv**2)
        self._mu = -sigma2 / 2
        self._sigma = math.sqrt(sigma2)

    def hours_from(self, origin: int) -> np.ndarray:
        """Planned hours from place ``origin`` to every place (cached per origin)."""
        row = self._rows.get(origin)
        if row is None:
            km = great_circle_km(self._lat[origin], self._lon[origin], self._lat, self._lon)
            row = km * self._hours_per_km
            if len(self._rows) >= self.MAX_CACHED_ROWS:
                self._rows.clear()
            self._rows[origin] = row
        return row

    def hours(self, origin: int, destination: int) -> float:
        """Planned hours from one place to another."""
        return float(self.hours_from(origin)[destination])

    def trip_factors(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Random multipliers of planned times, mean 1 and the scenario's cv."""
        if self._sigma == 0:
            return np.ones(size)
        return rng.lognormal(self._mu, self._sigma, size)
