"""Incident records: the stamps of every incident as a table.

One row per incident; times are hours since the start of the warm-up. Fields:

=================  ============================================================
replication        replication number (0-based)
incident           incident number within its replication, in report order
report             when the fault was reported
severity           severity id
site, zone         where (zone empty when the site has none)
equipment          the kind of unit that failed
response           when the desk first answered (= report without a desk)
dispatch           when the incident joined the dispatch queue (empty if fixed
                   remotely without one)
arrival            when the first engineer arrived (empty if fixed remotely)
part_wait          hours waited for a part after arrival (0 if at hand, empty
                   if no part was needed; a first visit's diagnosis included; for
                   a swap, the courier of a unit from another depot, else empty)
resolution         when service was restored (empty if still open at the end)
handover           when the desk handed it over for a remote attempt (empty if none)
remote_start       when the remote attempt began (a remote engineer logged in)
assigned           when the first engineer was assigned and set out
engineer, base     who went (engineer number, base id)
depot, part        the depot that supplied the part or spare unit, and its id
swap               a spare unit was swapped in (the ``swap_after`` rule)
escalated          the visit could not fix it: the manufacturer did (``escalate``)
from_van           the part or spare unit came from the engineer's van stock
remote             fixed by the remote attempt (before any visit fixed it)
counted            reported within the horizon (after warm-up): used in results
response_hours,    the clocks of a commitment, elapsed hours (24x7) from report
arrival_hours,     (remote: from hand-over); a clock started and not stopped is
resolution_hours,  infinite (an open incident's resolution)
remote_hours,      (visit: from dispatch, the decision to send someone to arrival)
assigned_hours,
visit_hours
=================  ============================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simsvc.model.calendar import WorkCalendar
from simsvc.scenario.schema import Commitment, Scenario

if TYPE_CHECKING:
    import pandas as pd

METRIC_STAMPS = {
    "response": ("report", "response"),
    "arrival": ("report", "arrival"),
    "resolution": ("report", "resolution"),
    "remote": ("handover", "remote_start"),
    "assigned": ("report", "assigned"),
    "visit": ("dispatch", "arrival"),
}
"""The stamps each clock runs between: from the first to the second."""

CLOCKS = tuple(METRIC_STAMPS)
"""Every clock a commitment may name (``metric``)."""


def clock_hours(
    columns: dict[str, np.ndarray],
    metric: str,
    clock: str = "24x7",
    calendar: WorkCalendar | None = None,
) -> np.ndarray:
    """Hours each incident's clock ran (:data:`METRIC_STAMPS`: from report, from the
    hand-over for the remote clock, from the dispatch decision for the visit clock).

    A clock that started and has not stopped is infinite: an open incident's
    resolution, a hand-over nobody logged in for, a dispatched visit nobody was assigned
    to (unless fixed remotely). Incidents with no such clock (no arrival for a remote
    fix, no hand-over without a remote attempt) get NaN.
    """
    begin, end = METRIC_STAMPS[metric]
    report = columns[begin]
    stamp = columns[end]
    if metric == "resolution":
        stamp = np.where(np.isnan(stamp), np.inf, stamp)
    elif metric == "remote":
        stamp = np.where(np.isnan(stamp) & ~np.isnan(report), np.inf, stamp)
    elif metric in ("assigned", "visit"):
        waiting = np.isnan(stamp) & ~np.isnan(columns["dispatch"]) & ~columns["remote"]
        stamp = np.where(waiting, np.inf, stamp)
    if clock == "business":
        if calendar is None:
            raise ValueError("a business clock needs the scenario's calendar")
        none = np.isnan(stamp) | np.isnan(report)
        start = np.where(none, 0.0, report)
        elapsed = calendar.business_elapsed(start, np.where(none, start, stamp))
        return np.where(none, np.nan, elapsed)
    return np.asarray(stamp - report)


def counted(
    columns: dict[str, np.ndarray],
    scenario: Scenario,
    *,
    severity: str,
    metric: str,
    zone: str | None = None,
) -> np.ndarray:
    """Mask of the incidents a commitment on ``severity``, ``metric`` and ``zone`` counts.

    The one rule: reported within the horizon (after warm-up), of that severity, at a
    site of that zone (any zone for ``None``). An arrival clock leaves out incidents
    fixed remotely before an engineer arrived, a remote clock counts only incidents with
    a remote attempt, an assigned clock only dispatched ones (not withdrawn by a remote
    fix), a visit clock dispatched ones not fixed remotely before an engineer came. Every
    attainment, promise and chart uses it.
    """
    index = [s.id for s in scenario.severity].index(severity)
    mask = columns["counted"] & (columns["severity"] == index)
    if zone is not None:
        in_zone = np.asarray([site.zone == zone for site in scenario.site], bool)
        mask &= in_zone[columns["site"]]
    if metric == "arrival":  # visits only: not fixed remotely before an engineer came
        mask &= ~columns["remote"] | ~np.isnan(columns["arrival"])
    elif metric == "remote":  # remote attempts only
        mask &= ~np.isnan(columns["handover"])
    elif metric == "assigned":  # dispatched, and not withdrawn by a remote fix
        mask &= ~np.isnan(columns["dispatch"])
        mask &= ~columns["remote"] | ~np.isnan(columns["assigned"])
    elif metric == "visit":  # dispatched, and not fixed remotely before an engineer came
        mask &= ~np.isnan(columns["dispatch"])
        mask &= ~columns["remote"] | ~np.isnan(columns["arrival"])
    return np.asarray(mask)


def counted_clock(
    columns: dict[str, np.ndarray],
    scenario: Scenario,
    *,
    severity: str,
    metric: str,
    clock: str = "24x7",
    zone: str | None = None,
    calendar: WorkCalendar | None = None,
) -> np.ndarray:
    """The clock (hours) of every incident :func:`counted` selects, in report order."""
    mask = counted(columns, scenario, severity=severity, metric=metric, zone=zone)
    sub = {k: v[mask] for k, v in columns.items()}
    if clock == "business" and calendar is None:
        calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    return clock_hours(sub, metric, clock, calendar)


def selected(
    columns: dict[str, np.ndarray], scenario: Scenario, commitment: Commitment
) -> np.ndarray:
    """Mask of the incidents ``commitment`` counts (see :func:`counted`)."""
    return counted(
        columns,
        scenario,
        severity=commitment.severity,
        metric=commitment.metric,
        zone=commitment.zone,
    )


def _labels(ids: list[str], codes: np.ndarray) -> pd.Categorical[str]:
    """Category labels for integer codes (-1 for none)."""
    import pandas as pd

    categories = pd.Index(ids or [""])
    return pd.Categorical.from_codes(np.asarray(codes, np.int64), categories=categories)


def incident_table(
    scenario: Scenario, columns: dict[str, np.ndarray], replication: int = 0
) -> pd.DataFrame:
    """The incident records of one replication as a DataFrame (see the module doc)."""
    import pandas as pd

    zones = [site.zone or "" for site in scenario.site]
    n = len(columns["report"])
    table = pd.DataFrame(
        {
            "replication": np.full(n, replication, np.int32),
            "incident": np.arange(n, dtype=np.int32),
            "report": columns["report"],
            "severity": _labels([s.id for s in scenario.severity], columns["severity"]),
            "site": _labels([s.id for s in scenario.site], columns["site"]),
            "zone": pd.Categorical(np.asarray(zones, object)[columns["site"]]),
            "equipment": _labels([e.id for e in scenario.equipment], columns["equipment"]),
            "response": columns["response"],
            "dispatch": columns["dispatch"],
            "arrival": columns["arrival"],
            "part_wait": columns["part_wait"],
            "resolution": columns["resolution"],
            "handover": columns["handover"],
            "remote_start": columns["remote_start"],
            "assigned": columns["assigned"],
            "engineer": columns["engineer"],
            "base": _labels([b.id for b in scenario.base], columns["base"]),
            "depot": _labels([d.id for d in scenario.depot], columns["depot"]),
            "part": _labels([p.id for p in scenario.part], columns["part"]),
            "swap": columns["swap"],
            "remote": columns["remote"],
            "escalated": columns["escalated"],
            "from_van": columns["from_van"],
            "counted": columns["counted"],
        }
    )
    for metric in CLOCKS:
        table[f"{metric}_hours"] = clock_hours(columns, metric)
    return table
