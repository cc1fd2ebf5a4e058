"""Shared helpers of the validation tests against queueing and inventory theory.

The theory tests compare statistics of simulated replications with closed-form
results (Erlang C, Cobham's priority formula, Little's law, Palm's theorem,
travel-time distributions). Each comparison is a confidence interval over
independent replications: a statistic is computed once per replication, and the
Student-t interval of its mean must contain the theoretical value. No tolerance
is picked by hand: the width of every interval comes from the data.

Replication ``r`` of a test with seed ``S`` uses the same seed sequence as
replication ``r`` of ``simsvc.run_experiment(..., seed=S)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

import simsvc
from simsvc.experiment import replication_seed
from simsvc.model.world import ReplicationOutcome

CONFIDENCE = 0.999
"""Confidence level of every interval in the theory tests."""

HOURS_PER_YEAR = 8760.0
EARTH_RADIUS_KM = 6371.0


# -- confidence intervals ------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A mean over replications and its two-sided Student-t confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return (
            f"{self.mean:.5g} [{self.low:.5g}, {self.high:.5g}] "
            f"({self.confidence:.1%} CI, {self.n} replications)"
        )


def t_interval(values: Iterable[float], confidence: float = CONFIDENCE) -> Interval:
    """Student-t interval of the mean of independent per-replication values."""
    data = np.asarray(list(values), dtype=float)
    assert data.ndim == 1 and len(data) >= 2, "need at least two replications"
    assert np.isfinite(data).all(), f"non-finite per-replication values: {data}"
    mean = float(data.mean())
    half = float(stats.t.ppf((1 + confidence) / 2, len(data) - 1)) * float(data.std(ddof=1))
    half /= math.sqrt(len(data))
    return Interval(mean, mean - half, mean + half, len(data), confidence)


def assert_inside(theory: float, interval: Interval, what: str) -> None:
    """Fail, with both numbers, unless the theoretical value lies in the interval.

    The comparison is printed too (``pytest -s`` or ``-rP`` shows it).
    """
    print(f"{what}: theory {theory:.5g}, simulated {interval}")
    assert theory in interval, f"{what}: theory {theory:.5g} outside simulated {interval}"


# -- theory ---------------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability, ``c`` servers and offered load ``a`` (stable recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in M/M/c, offered load ``a = lam/mu < c``."""
    assert 0 < a < c, "the queue must be stable"
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wait_cdf(c: int, lam: float, mu: float, t: float) -> float:
    """P(W <= t) of the waiting time in M/M/c (FCFS)."""
    return 1.0 - erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def mmc_mean_wait(c: int, lam: float, mu: float) -> float:
    """Mean waiting time Wq of M/M/c."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_mean_queue(c: int, lam: float, mu: float) -> float:
    """Mean number waiting Lq of M/M/c: C(c, a) * a / (c - a)."""
    a = lam / mu
    return erlang_c(c, a) * a / (c - a)


def mmc_number_pmf(c: int, lam: float, mu: float, tol: float = 1e-14) -> np.ndarray:
    """Stationary P(N = n) of the number in an M/M/c system (waiting and in service), for
    n = 0, 1, ... until the tail left out is below ``tol``."""
    a, rho = lam / mu, lam / (c * mu)
    assert rho < 1, "the queue must be stable"
    head = [1.0]
    for n in range(1, c + 1):
        head.append(head[-1] * a / n)
    tail_count = c + int(math.log(tol) / math.log(rho)) + 1
    weights = head + [head[-1] * rho ** (n - c) for n in range(c + 1, tail_count)]
    # the geometric tail from c on sums to head[c] / (1 - rho)
    total = sum(head[:c]) + head[c] / (1 - rho)
    return np.asarray(weights) / total


def mmc_mean_number(c: int, lam: float, mu: float) -> float:
    """Mean number in an M/M/c system: L = Lq + lam / mu."""
    return mmc_mean_queue(c, lam, mu) + lam / mu


def mmc_fill_rate(c: int, lam: float, mu: float, stock: int) -> float:
    """P(N <= S - 1): the share of requests a base stock ``S`` fills at once when the
    units out are the number N in an M/M/c repair shop (arrivals see time averages)."""
    return float(mmc_number_pmf(c, lam, mu)[:stock].sum())


def mmc_backorders(c: int, lam: float, mu: float, stock: int) -> float:
    """E[(N - S)+] with N the number in an M/M/c repair shop."""
    pmf = mmc_number_pmf(c, lam, mu)
    n = np.arange(len(pmf))
    return float(np.sum(np.maximum(n - stock, 0) * pmf))


def cobham_waits(c: int, mu: float, lams: Sequence[float]) -> list[float]:
    """Mean wait of each class of a non-preemptive priority M/M/c, equal service rates.

    ``lams`` is ordered from the highest priority down. Cobham (1954):
    ``W_k = (C(c, a) / (c mu)) / ((1 - sigma_{k-1}) (1 - sigma_k))`` with
    ``sigma_k = sum_{i <= k} lam_i / (c mu)``.
    """
    a = sum(lams) / mu
    head = erlang_c(c, a) / (c * mu)
    waits, sigma = [], 0.0
    for lam in lams:
        before = sigma
        sigma += lam / (c * mu)
        waits.append(head / ((1 - before) * (1 - sigma)))
    return waits


def palm_fill_rate(demand_per_hour: float, resupply_hours: float, stock: int) -> float:
    """Palm's theorem: P(Poisson(d T) <= S - 1), the share of requests served from stock."""
    return float(stats.poisson.cdf(stock - 1, demand_per_hour * resupply_hours))


def palm_backorders(demand_per_hour: float, resupply_hours: float, stock: int) -> float:
    """Expected backorders E[(X - S)+] with X ~ Poisson(d T) units on order."""
    m = demand_per_hour * resupply_hours
    # E[(X - S)+] = E[X] - S + E[(S - X)+], the last a finite sum.
    x = np.arange(stock + 1)
    short = float(np.sum((stock - x) * stats.poisson.pmf(x, m)))
    return m - stock + short


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in km between two ``(lat, lon)`` points in degrees."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def destination(origin: tuple[float, float], bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from ``origin`` along the great circle of initial ``bearing_deg``."""
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    theta, delta = math.radians(bearing_deg), km / EARTH_RADIUS_KM
    lat2 = math.asin(
        math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(theta)
    )
    lon2 = lon1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(lat1),
        math.cos(delta) - math.sin(lat1) * math.sin(lat2),
    )
    return (math.degrees(lat2), math.degrees(lon2))


# -- running ----------------------------------------------------------------------------------


def units_for_rate(per_hour: float, failures_per_year: float = 1.0) -> int:
    """Installed units giving a fault rate of ``per_hour`` (must come out whole)."""
    units = per_hour * HOURS_PER_YEAR / failures_per_year
    assert abs(units - round(units)) < 1e-9, f"{per_hour}/h needs a whole number of units"
    return round(units)


def replicate(
    scenario: simsvc.Scenario,
    seed: int,
    replications: int,
    run: Callable[[simsvc.Scenario, np.random.SeedSequence], ReplicationOutcome] | None = None,
) -> list[ReplicationOutcome]:
    """Independent replications in this process, seeded as ``run_experiment`` seeds them."""
    run = run or simsvc.simulate
    return [run(scenario, replication_seed(seed, r)) for r in range(replications)]


def counted_waits(outcome: ReplicationOutcome, start: str, end: str) -> np.ndarray:
    """``end - start`` (hours) of the counted incidents; every one must have closed."""
    columns = outcome.columns
    mask = columns["counted"]
    hours = (columns[end] - columns[start])[mask]
    assert np.isfinite(hours).all(), f"some counted incidents have no {start} or {end} stamp"
    return np.asarray(hours)
