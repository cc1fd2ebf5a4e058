"""Calibration: every parameter of a scenario the tickets can tell, with its interval.

:func:`fit_tickets` reads a :class:`~simsvc.tickets.TicketHistory` against the scenario it
was exported for and returns a :class:`FitResult`: one :class:`Fitted` per estimate (its
scenario key path, value, interval, and the tickets that fed it), the on-site time
distribution per severity (:mod:`.durations`), the report profiles (:mod:`.rates`) and
travel (:mod:`.travel`). :attr:`FitResult.changes` are the values to write into the
scenario: only estimates with enough tickets, and profiles distinguishable from flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simsvc.fitting.durations import DurationFit, Interval, fit_duration
from simsvc.fitting.rates import (
    Profile,
    calendar_exposure,
    poisson_rate,
    profile,
    share,
    unit_years,
)
from simsvc.fitting.travel import TravelFit, fit_travel
from simsvc.scenario.schema import Scenario
from simsvc.tickets import TicketHistory

MIN_SHARE_TRIALS = 5
"""The fewest tickets a share is written from."""


@dataclass(frozen=True)
class Fitted:
    """One estimate: ``key`` is its path in the scenario (``equipment.gate.failures_per_year``)."""

    key: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    unit: str
    written: bool
    note: str = ""

    def interval(self) -> Interval:
        """The estimate as an :class:`Interval`."""
        return Interval(self.value, self.ci_low, self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "value": _finite(self.value),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
            "n": self.n,
            "unit": self.unit,
            "written": self.written,
            "note": self.note,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass
class FitResult:
    """What the tickets say about the scenario, and what to write into it."""

    scenario: Scenario
    history: TicketHistory
    confidence: float
    estimates: list[Fitted] = field(default_factory=list)
    durations: dict[str, DurationFit] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    travel: TravelFit | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    """Scenario path -> value as the file writes it (see :meth:`Scenario.evolve`)."""
    comments: dict[str, str] = field(default_factory=dict)
    """Scenario path -> the comment written beside it."""
    notes: list[str] = field(default_factory=list)

    def estimate(self, key: str) -> Fitted:
        """The estimate of ``key``."""
        for item in self.estimates:
            if item.key == key:
                return item
        raise KeyError(key)

    def fitted_scenario(self) -> Scenario:
        """The scenario with every written change (validated)."""
        return self.scenario.evolve(self.changes)

    def _add(self, item: Fitted, value: Any = None, comment: str | None = None) -> None:
        self.estimates.append(item)
        if item.written:
            self.changes[item.key] = item.value if value is None else value
            self.comments[item.key] = comment or _comment(item)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: every estimate, distribution, profile and the travel fit."""
        return {
            "tickets": self.history.source,
            "period": {"start": str(self.history.start), "end": str(self.history.end)},
            "rows": self.history.rows,
            "used": len(self.history.table),
            "left_out": [{"line": ln, "reason": r} for ln, r in self.history.problems],
            "confidence": self.confidence,
            "estimates": [e.to_dict() for e in self.estimates],
            "onsite_time": {k: d.to_dict() for k, d in self.durations.items()},
            "profiles": {
                k: {
                    "weights": p.weights,
                    "counts": p.counts,
                    "chi2": p.chi2,
                    "pvalue": p.pvalue,
                    "complete": p.complete,
                    "written": f"arrivals.{k}_profile" in self.changes,
                }
                for k, p in self.profiles.items()
            },
            "notes": self.notes,
        }


def _comment(item: Fitted) -> str:
    return f"fitted: {item.value:.4g} [{item.ci_low:.4g}, {item.ci_high:.4g}] from {item.n} tickets"


def _round_shares(shares: dict[str, float]) -> dict[str, float]:
    """Shares to 4 decimals that still sum to 1 (the largest takes the rounding)."""
    rounded = {k: round(v, 4) for k, v in shares.items()}
    largest = max(rounded, key=rounded.__getitem__)
    rounded[largest] = round(1 - sum(v for k, v in rounded.items() if k != largest), 4)
    return rounded


def fit_tickets(scenario: Scenario, history: TicketHistory, confidence: float = 0.95) -> FitResult:
    """Every estimate the tickets support, with its interval at ``confidence``."""
    result = FitResult(scenario, history, confidence)
    table = history.table
    hourly, weekly, monthly = calendar_exposure(history.start, history.end)
    _rates(result, scenario, history, confidence)
    _profiles(result, scenario, history, confidence, hourly, weekly, monthly)
    for severity in scenario.severity:
        _severity(result, severity.id, history, confidence)
    result.travel = fit_travel(history, scenario, confidence)
    if result.travel is None:
        result.notes.append(
            "travel: not fitted (needs dispatched, arrived and base stamps on 10 trips from a base)"
        )
    else:
        t = result.travel
        speed = Fitted(
            "travel.speed_kmh",
            t.speed_kmh.value,
            t.speed_kmh.low,
            t.speed_kmh.high,
            t.trips,
            "km/h",
            True,
            f"with road_factor {scenario.travel.road_factor:g} kept; {t.left_out} trips not"
            " from a base left out",
        )
        result._add(speed, round(speed.value, 3))
        cv = Fitted("travel.cv", t.cv.value, t.cv.low, t.cv.high, t.trips, "", True)
        result._add(cv, round(cv.value, 4))
    if scenario.desk is not None:
        result.notes.append(
            "desk.handle_time: not fitted (the stamps do not separate the desk's handling from"
            " the wait for an engineer)"
        )
    if len(table) == 0:
        result.notes.append("no usable tickets")
    return result


def _rates(
    result: FitResult, scenario: Scenario, history: TicketHistory, confidence: float
) -> None:
    table = history.table
    exposure = unit_years(scenario, history.start, history.end)
    kinds = table["equipment"].to_numpy(str)
    severities = table["severity"].to_numpy(str)
    for equipment in scenario.equipment:
        mine = kinds == equipment.id
        count = int(mine.sum())
        years = sum(v for (_, kind), v in exposure.items() if kind == equipment.id)
        if years <= 0:
            result.notes.append(f"equipment {equipment.id}: no units installed over the period")
            continue
        rate = poisson_rate(count, years, confidence)
        key = f"equipment.{equipment.id}.failures_per_year"
        result._add(
            Fitted(
                key,
                rate.value,
                rate.low,
                rate.high,
                count,
                "per unit-year",
                count > 0,
                f"{years:.1f} unit-years",
            ),
            round(rate.value, 4),
        )
        if count == 0:
            continue
        mix = {}
        for severity in scenario.severity:
            k = int(np.count_nonzero(mine & (severities == severity.id)))
            estimate = share(k, count, confidence)
            mix[severity.id] = estimate.value
            result.estimates.append(
                Fitted(
                    f"equipment.{equipment.id}.severity_mix.{severity.id}",
                    estimate.value,
                    estimate.low,
                    estimate.high,
                    count,
                    "share",
                    True,
                )
            )
        key = f"equipment.{equipment.id}.severity_mix"
        result.changes[key] = {k: v for k, v in _round_shares(mix).items() if v > 0}
        result.comments[key] = f"fitted from {count} tickets (intervals in the fit summary)"
        _parts_mix(result, equipment.id, history, mine, confidence)


def _parts_mix(
    result: FitResult, kind: str, history: TicketHistory, mine: np.ndarray, confidence: float
) -> None:
    if "part" not in history.present:
        return
    parts = history.table["part"].to_numpy(str)
    used = mine & (parts != "")
    total = int(used.sum())
    if total < MIN_SHARE_TRIALS:
        return
    mix = {}
    for part in sorted(set(parts[used])):
        k = int(np.count_nonzero(used & (parts == part)))
        estimate = share(k, total, confidence)
        mix[part] = estimate.value
        result.estimates.append(
            Fitted(
                f"equipment.{kind}.parts.{part}",
                estimate.value,
                estimate.low,
                estimate.high,
                total,
                "share",
                True,
            )
        )
    result.changes[f"equipment.{kind}.parts"] = _round_shares(mix)
    result.comments[f"equipment.{kind}.parts"] = f"fitted from {total} visits that used a part"


def _profiles(
    result: FitResult,
    scenario: Scenario,
    history: TicketHistory,
    confidence: float,
    hourly: list[float],
    weekly: list[float],
    monthly: list[float],
) -> None:
    reported = history.table["reported"].to_numpy("datetime64[s]")
    days = reported.astype("datetime64[D]")
    hour = ((reported - days).astype(np.int64) // 3600).astype(np.int64)
    weekday = (days.astype(np.int64) + 3) % 7
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    alpha = 1 - confidence
    had = scenario.arrivals
    for name, bins, size, exposure in (
        ("hourly", hour, 24, hourly),
        ("weekly", weekday, 7, weekly),
        ("monthly", month, 12, monthly),
    ):
        found = profile(name, bins, size, exposure, confidence)
        result.profiles[name] = found
        key = f"arrivals.{name}_profile"
        existing = getattr(had, f"{name}_profile", None) if had is not None else None
        if not found.complete:
            result.notes.append(
                f"{name} profile: not fitted (the period does not cover every "
                + ("month" if name == "monthly" else "bin")
                + ")"
            )
            continue
        if found.pvalue < alpha:
            result.changes[key] = [round(w, 3) for w in found.weights]
            result.comments[key] = (
                f"fitted from {found.n} tickets; differs from flat"
                f" (chi-square p = {found.pvalue:.2g})"
            )
        elif existing is not None and len(set(existing)) > 1:
            result.changes[key] = [1.0] * size
            result.comments[key] = (
                f"{found.n} tickets do not tell it from flat (chi-square p = {found.pvalue:.2g})"
            )


def _severity(result: FitResult, severity: str, history: TicketHistory, confidence: float) -> None:
    table = history.table
    mine = table["severity"].to_numpy(str) == severity
    resolved = ~np.isnan(history.hours("resolved"))
    arrived = ~np.isnan(history.hours("arrived"))
    known = mine & (resolved | arrived)
    remote = table["remote_fixed"].to_numpy(bool)
    trials = int(known.sum())
    estimate = share(int(np.count_nonzero(known & remote)), trials, confidence)
    written = trials >= MIN_SHARE_TRIALS
    result._add(
        Fitted(
            f"severity.{severity}.remote_fix",
            estimate.value,
            estimate.low,
            estimate.high,
            trials,
            "share",
            written,
            "closed tickets",
        ),
        round(estimate.value, 4),
    )
    attempt = next(s for s in result.scenario.severity if s.id == severity).remote_attempt
    if written and attempt is not None and attempt < round(estimate.value, 4):
        result.changes[f"severity.{severity}.remote_attempt"] = round(estimate.value, 4)
        result.comments[f"severity.{severity}.remote_attempt"] = "raised to the fitted remote_fix"
    visits = mine & arrived
    parts = table["part"].to_numpy(str) != ""
    if "part" in history.present:
        n = int(visits.sum())
        estimate = share(int(np.count_nonzero(visits & parts)), n, confidence)
        result._add(
            Fitted(
                f"severity.{severity}.part_need",
                estimate.value,
                estimate.low,
                estimate.high,
                n,
                "share",
                n >= MIN_SHARE_TRIALS,
                "visits",
            ),
            round(estimate.value, 4),
        )
    # On site: arrival to resolution of visits that used no part (a part's wait is not work).
    plain = visits & resolved & ~remote & (~parts if "part" in history.present else True)
    hours = (history.hours("resolved") - history.hours("arrived"))[plain]
    fit = fit_duration(hours, confidence)
    key = f"severity.{severity}.onsite_time"
    if fit is None:
        result.notes.append(f"{key}: not fitted ({int(plain.sum())} visits without a part)")
        return
    result.durations[severity] = fit
    result.changes[key] = fit.distribution
    result.comments[key] = (
        f"fitted: {fit.family} by AIC from {fit.n} visits without a part; mean"
        f" {fit.mean.value:.3g}h [{fit.mean.low:.3g}, {fit.mean.high:.3g}], cv"
        f" {fit.cv.value:.3g} [{fit.cv.low:.3g}, {fit.cv.high:.3g}]; KS {fit.ks_distance:.3f}"
    )
    for what, interval, unit in (("mean", fit.mean, "hours"), ("cv", fit.cv, "")):
        result.estimates.append(
            Fitted(
                f"{key}.{what}",
                interval.value,
                interval.low,
                interval.high,
                fit.n,
                unit,
                True,
                fit.family,
            )
        )


__all__ = ["FitResult", "Fitted", "fit_tickets"]
