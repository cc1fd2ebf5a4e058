"""Resource limits: refuse, up front, a run that would not fit in memory.

A replication draws every incident at once and keeps about a dozen arrays with one
entry per incident, so its memory grows with the expected number of incidents: fault
reports (:func:`simsvc.model.faults.expected_faults`) plus preventive inspections.
:func:`check_size` estimates the memory of a whole experiment from that count and
raises :class:`~simsvc.scenario.errors.ScenarioError` before anything is simulated when the
estimate exceeds the memory the run may use, or when one replication would hold more
than :data:`MAX_INCIDENTS_PER_REPLICATION` incidents whatever the memory.

The memory the run may use is, in this order: the ``memory_bytes`` argument, the
environment variable ``SIMSVC_MEMORY_LIMIT`` (bytes), or half of the memory available
(``MemAvailable`` of ``/proc/meminfo``, lowered to the room left in the process's
cgroup, or ``os.sysconf`` where there is no ``/proc``).

How the constants were measured (``tracemalloc``, which sees numpy's buffers; one
replication of ``tests/data/small.toml``, ``metro_line2`` and ``provincial_hvac`` with
failure rates scaled up to 75,000-120,000 incidents, numpy 2.4, Python 3.11):

- Peak during ``simulate`` per incident: 180-210 B with spare engineers, 295 B when every
  incident waits in the desk or dispatch queue. The record columns are 77 B of it; the
  per-incident draws (travel factors, on-site and remote times, parts) about 70 B; the
  rest is the fault stream, Python lists built from it and queue entries.
  :data:`BYTES_PER_INCIDENT` is 400 B (35% above the worst case seen).
- The fault stream is drawn by thinning: ``peak`` times as many candidate reports as
  incidents are drawn and sorted first, ``peak`` being the largest hourly weight over
  the mean times the largest weekly weight over the mean (1 without ``[arrivals]``, up
  to 168). That costs 46-56 B per candidate, before the rest of the replication is
  built: :data:`BYTES_PER_CANDIDATE` is 80 B, and a replication's peak per incident is
  the larger of the two (``peak`` 168 measured 8,630 B per incident; estimate 13,440 B).
- Inspections are Python objects in a sorted plan: 130-240 B each measured;
  :data:`BYTES_PER_INSPECTION` is 300 B.
- Trips between places are cached, up to ``TravelNetwork.MAX_CACHED_TRIPS`` entries of
  about 111 B: :data:`BYTES_PER_CACHED_TRIP` is 128 B (about 122 MiB at most).
- What a finished replication leaves in the parent process: the three clocks of every
  counted incident as float64, 24 B (11-12 B measured when they were float32),
  :data:`BYTES_PER_SUMMARY_INCIDENT` 32 B. With incident records kept
  (``simsvc run --incidents``): the columns (77 B), the replication's table (94-97 B)
  and its copy in the concatenated table: :data:`BYTES_PER_KEPT_INCIDENT` 320 B.

Replications that run at the same time (``workers``) each need their own peak. The
memory of the interpreter and libraries (about 170 MiB per process) is not counted.
The estimate assumes a replication's memory is freed when it ends, which the engine
does at once (``World`` dismantles itself and drops its pending events).
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

from simsvc.model.faults import expected_faults
from simsvc.model.inspections import inspected_sites
from simsvc.model.travel import TravelNetwork
from simsvc.scenario.errors import Path as KeyPath
from simsvc.scenario.errors import Problem, ScenarioError
from simsvc.scenario.schema import Scenario

BYTES_PER_INCIDENT = 400
"""Peak bytes per incident of a replication while it is simulated and summarised."""

BYTES_PER_CANDIDATE = 80
"""Peak bytes per candidate fault report while the fault stream is thinned."""

BYTES_PER_INSPECTION = 300
"""Bytes per preventive inspection in a replication's plan."""

BYTES_PER_DRAWN_VISIT = 16
"""Bytes per visit an inspection rule draws before keeping only its ``months`` (the due
times as float64, and the mask that picks the months)."""

BYTES_PER_CACHED_TRIP = 128
"""Bytes per cached trip between two places (at most ``MAX_CACHED_TRIPS`` of them)."""

BYTES_PER_SUMMARY_INCIDENT = 32
"""Bytes per counted incident that a finished replication leaves in the parent."""

BYTES_PER_KEPT_INCIDENT = 320
"""Bytes per incident of every replication when incident records are kept."""

MAX_INCIDENTS_PER_REPLICATION = 50_000_000
"""Expected incidents (fault reports and inspections) of one replication, whatever the memory."""

MEMORY_SHARE = 0.5
"""Share of the available memory a run may use by default."""

ENV_VAR = "SIMSVC_MEMORY_LIMIT"
"""Environment variable: the memory a run may use, in bytes (overrides the default)."""


@dataclass(frozen=True)
class SizeEstimate:
    """Expected size of an experiment: incidents of one replication, and bytes in all."""

    faults: float
    inspections: float
    bytes_per_replication: float
    bytes_total: float

    @property
    def incidents(self) -> float:
        """Expected fault reports plus inspections of one replication."""
        return self.faults + self.inspections


def expected_inspections(scenario: Scenario, *, drawn: bool = False) -> float:
    """Upper estimate of the preventive inspections of one replication (warm-up and horizon).

    Each site of a rule is first visited at a random point of the first cycle, then every
    ``every`` hours: at most ``span / every + 1`` visits, of which a rule with ``months``
    keeps about the share of the year those months make (31 days each, to stay above).
    With ``drawn``, the visits the plan draws before keeping those months (its peak of
    memory: a rule with ``months = []`` keeps none but draws them all).
    """
    span = scenario.scenario.warmup + scenario.scenario.horizon
    total = 0.0
    for rule, inspection in enumerate(scenario.inspection):
        sites = len(inspected_sites(scenario, rule))
        if not sites:
            continue
        share = 1.0
        if inspection.months is not None and not drawn:
            share = min(1.0, len(set(inspection.months)) * 31 / 365)
        total += sites * (span / inspection.every * share + 1)
    return total


def profile_peak(scenario: Scenario) -> float:
    """How many candidate fault reports the thinning draws per report kept (1 to 168)."""
    arrivals = scenario.arrivals
    if arrivals is None:
        return 1.0
    return _max_over_mean(arrivals.hourly_profile) * _max_over_mean(arrivals.weekly_profile)


def _max_over_mean(weights: list[float]) -> float:
    # Scaled by the largest weight first, so that neither 1e308 nor 5e-324 over- or underflows.
    top = max(weights, default=0.0)
    if not top > 0 or not math.isfinite(top):
        return 1.0
    mean = sum(w / top for w in weights) / len(weights)
    return 1 / mean if mean > 0 else 1.0


def estimate(
    scenario: Scenario,
    replications: int,
    workers: int = 1,
    keep_incidents: bool = False,
) -> SizeEstimate:
    """The expected incidents of one replication and the memory of the whole experiment."""
    faults = expected_faults(scenario)
    inspections = expected_inspections(scenario)
    drawn = expected_inspections(scenario, drawn=True)
    places = len(scenario.site) + len(scenario.base) + len(scenario.depot)
    trips = min(places * (places + 1) // 2, TravelNetwork.MAX_CACHED_TRIPS)
    per_incident = max(BYTES_PER_INCIDENT, BYTES_PER_CANDIDATE * profile_peak(scenario))
    per_replication = (
        faults * per_incident
        + inspections * BYTES_PER_INSPECTION
        + drawn * BYTES_PER_DRAWN_VISIT
        + trips * BYTES_PER_CACHED_TRIP
    )
    at_once = max(1, min(workers, replications))
    left_per_replication = faults * (
        BYTES_PER_KEPT_INCIDENT if keep_incidents else BYTES_PER_SUMMARY_INCIDENT
    )
    total = at_once * per_replication + replications * left_per_replication
    return SizeEstimate(faults, inspections, per_replication, total)


def memory_limit() -> tuple[int | None, str]:
    """The memory a run may use, in bytes, and where that figure comes from.

    ``SIMSVC_MEMORY_LIMIT`` (bytes) if set, else :data:`MEMORY_SHARE` of the memory
    available; ``(None, ...)`` when the available memory cannot be read.
    """
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = -1
        if value <= 0:
            raise ScenarioError(
                [
                    Problem(
                        ("environment", ENV_VAR),
                        f"expected a positive number of bytes such as 4000000000, got {text!r}",
                    )
                ]
            )
        return value, ENV_VAR
    available = available_memory()
    if available is None:
        return None, "the memory available is unknown"
    share = "half" if MEMORY_SHARE == 0.5 else f"{MEMORY_SHARE:.0%}"
    return int(available * MEMORY_SHARE), f"{share} of the memory available"


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or ``None`` if unknown."""
    candidates: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    if not candidates:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    room = _cgroup_room()
    if room is not None:
        candidates.append(room)
    return max(0, min(candidates)) if candidates else None


def _cgroup_room() -> int | None:
    """Bytes left under this process's cgroup memory limit (v2 or v1), if it has one."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit_text = Path(limit_file).read_text().strip()
            if limit_text == "max":
                return None
            limit = int(limit_text)
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit >= 1 << 60:  # cgroup v1 "no limit"
            return None
        return limit - usage
    return None


def format_bytes(count: float) -> str:
    """``18253611008`` -> ``17 GiB``; ``1536`` -> ``1.5 KiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value, unit = float(count), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{value:.0f} B"
    text = f"{value:.1f}" if value < 10 else f"{value:,.0f}"
    return f"{text.removesuffix('.0')} {units[unit]}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if value < 1e18 else f"{value:.3g}"


def _where(scenario: Scenario, size: SizeEstimate) -> KeyPath:
    """The key path to blame: the inspection rule with most visits if inspections dominate."""
    if expected_inspections(scenario, drawn=True) > size.faults and scenario.inspection:
        span = scenario.scenario.warmup + scenario.scenario.horizon
        visits = [
            len(inspected_sites(scenario, k)) * (span / rule.every + 1)
            for k, rule in enumerate(scenario.inspection)
        ]
        worst = max(range(len(visits)), key=visits.__getitem__)
        return ("inspection", worst, "every")
    return ("scenario", "horizon")


def check_size(
    scenario: Scenario,
    replications: int,
    memory_bytes: int | None = None,
    *,
    workers: int = 1,
    keep_incidents: bool = False,
) -> None:
    """Raise :class:`ScenarioError` if the experiment would not fit in memory.

    ``replications`` and ``workers`` (replications run at the same time) are those of
    the run; ``keep_incidents`` whether every incident record is kept for output.
    ``memory_bytes`` is the memory the run may use (default: see :func:`memory_limit`).
    Cheap: nothing is simulated.
    """
    size = estimate(scenario, replications, workers, keep_incidents)
    where = _where(scenario, size)
    incidents = max(size.incidents, expected_inspections(scenario, drawn=True))
    what = "incidents"
    drawn = expected_inspections(scenario, drawn=True)
    if drawn > size.inspections * 1.5:
        what += (
            f" ({_count(size.faults)} fault reports; inspections: {_count(drawn)} visits drawn"
            f" before keeping their months)"
        )
    elif size.inspections > 0:
        what += f" ({_count(size.faults)} fault reports, {_count(size.inspections)} inspections)"
    if not math.isfinite(incidents) or not math.isfinite(size.bytes_total):
        raise ScenarioError(
            [
                Problem(
                    where,
                    "the expected number of incidents per replication is not finite"
                    " (warmup + horizon, failures_per_year or the installed units are too large)",
                )
            ]
        )
    if incidents > MAX_INCIDENTS_PER_REPLICATION:
        raise ScenarioError(
            [
                Problem(
                    where,
                    f"expected {_count(incidents)} {what} per replication; at most"
                    f" {_count(MAX_INCIDENTS_PER_REPLICATION)} are allowed (shorten the"
                    " horizon or split the installed base into several scenarios)",
                )
            ]
        )
    if memory_bytes is not None:
        limit: int | None = memory_bytes
        source = "given"
    else:
        limit, source = memory_limit()
    if limit is not None and size.bytes_total > limit:
        runs = ""
        at_once = max(1, min(workers, replications))
        if at_once > 1:
            runs = f" with {at_once} replications at once"
        kept = " and the incident records kept" if keep_incidents else ""
        raise ScenarioError(
            [
                Problem(
                    where,
                    f"expected {_count(incidents)} {what} per replication need about"
                    f" {format_bytes(size.bytes_total)}{runs}{kept}; the limit is"
                    f" {format_bytes(limit)} ({source}). Shorten the horizon, run fewer"
                    " replications at once (--workers), or set SIMSVC_MEMORY_LIMIT (bytes)",
                )
            ]
        )
