"""Backtest: does the scenario reproduce the history of its tickets?

The scenario's resources are simulated over the tickets' period (``[calendar] start`` at
the first day, ``horizon`` its length, the file's warm-up before it), and each commitment
is measured twice: on the tickets (the share of tickets that kept the bound, counted by the
commitment's rules where the tickets stamp its clock) and on every replication. History
is one draw of that period; if the model is right it falls inside the simulated 90% band
(the 5th to the 95th percentile of the replications' attainment, widened by one ticket
either way, 1/n, since attainment moves in steps of a ticket) nine times in ten. A
verdict per commitment says *consistent*, or *optimistic* (the model keeps the bound more
often than history did) or *pessimistic*, and by how many points; the same per assessment
period (month, quarter, ...), and the clock distributions per severity (percentiles and
the Kolmogorov-Smirnov distance between history and simulation).

Clocks the tickets can measure: response (reported to responded), arrival (to arrived),
resolution (to resolved) and assigned (to dispatched). ``remote`` and ``visit`` clocks need
stamps tickets do not carry and are reported as not backtested. A ticket without the
closing stamp of a clock is left out of that clock (an export's missing stamp is not a
breach).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from simsvc.model.calendar import WorkCalendar
from simsvc.periods import period_count, period_index
from simsvc.stats import exact_binomial_interval, jsonable
from simsvc.tickets import TicketHistory

if TYPE_CHECKING:
    import pandas as pd

    from simsvc.results import RunResult
    from simsvc.runner import Progress, Runner
    from simsvc.scenario.schema import Commitment, Scenario

TICKET_STAMPS = {
    "response": ("reported", "responded"),
    "arrival": ("reported", "arrived"),
    "resolution": ("reported", "resolved"),
    "assigned": ("reported", "dispatched"),
}
"""The ticket stamps each clock a backtest can measure runs between."""

BAND = (0.05, 0.95)
"""The simulated band history is compared with: the 5th to the 95th percentile."""


@dataclass(frozen=True)
class PeriodCheck:
    """One assessment period: history's attainment against the simulated band."""

    period: int
    tickets: int
    history: float
    band_low: float
    band_high: float

    @property
    def inside(self) -> bool:
        """History is inside the band, widened by one ticket either way."""
        step = 1 / self.tickets + 1e-9
        return bool(self.band_low - step <= self.history <= self.band_high + step)


@dataclass(frozen=True)
class CommitmentCheck:
    """One commitment over the ticket period."""

    id: str
    label: str
    tickets: int
    history: float
    history_low: float
    history_high: float
    simulated: float
    band_low: float
    band_high: float
    verdict: str
    """consistent, optimistic, pessimistic, or not backtested."""
    detail: str
    periods: list[PeriodCheck] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "label": self.label,
            "tickets": self.tickets,
            "history": _finite(self.history),
            "history_ci": [_finite(self.history_low), _finite(self.history_high)],
            "simulated_median": _finite(self.simulated),
            "simulated_band": [_finite(self.band_low), _finite(self.band_high)],
            "verdict": self.verdict,
            "detail": self.detail,
            "periods": [
                {
                    "period": p.period,
                    "tickets": p.tickets,
                    "history": _finite(p.history),
                    "band": [_finite(p.band_low), _finite(p.band_high)],
                    "inside": bool(p.inside),
                }
                for p in self.periods
            ],
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass
class Backtest:
    """The comparison of a scenario with its ticket history."""

    scenario: Scenario
    """The scenario as simulated: the base with the tickets' period."""
    history: TicketHistory
    result: RunResult
    commitments: list[CommitmentCheck]
    clocks: pd.DataFrame
    """Per severity and clock: tickets, history p50/p90, simulated p50/p90, KS distance."""
    history_clocks: dict[tuple[str, str], np.ndarray]
    """(severity, clock) -> the tickets' clock hours (24x7)."""

    def simulated_clocks(self, severity: str, metric: str) -> np.ndarray:
        """The simulated clock hours (24x7) of a severity, pooled over replications."""
        parts = [r.clocks[severity][metric] for r in self.result.replications]
        values = np.concatenate(parts) if parts else np.empty(0)
        return values[~np.isnan(values)]

    def table(self) -> pd.DataFrame:
        """One row per commitment: history, simulated median and band, verdict."""
        import pandas as pd

        rows = [
            {
                "id": c.id,
                "label": c.label,
                "tickets": c.tickets,
                "history": c.history,
                "simulated": c.simulated,
                "band_low": c.band_low,
                "band_high": c.band_high,
                "periods_inside": sum(p.inside for p in c.periods),
                "periods": len(c.periods),
                "verdict": c.verdict,
            }
            for c in self.commitments
        ]
        return pd.DataFrame(rows).set_index("id")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data: dict[str, Any] = jsonable(
            {
                "tickets": self.history.source,
                "period": {"start": str(self.history.start), "end": str(self.history.end)},
                "replications": len(self.result.replications),
                "seed": self.result.seed,
                "band": list(BAND),
                "commitments": [c.to_dict() for c in self.commitments],
                "clocks": [
                    {k: (_finite(v) if isinstance(v, float) else v) for k, v in row.items()}
                    for row in self.clocks.reset_index().to_dict("records")
                ],
            }
        )
        return data

    def summary(self) -> str:
        """The verdicts as a plain-text table, then the clocks."""
        lines = [
            f"backtest of {self.scenario.scenario.name} against {self.history.source}:"
            f" {len(self.history.table)} tickets, {self.history.start} to {self.history.end},"
            f" {len(self.result.replications)} replications; band = simulated"
            f" {BAND[0]:.0%}-{BAND[1]:.0%}",
            "",
        ]
        width = max((len(c.label) for c in self.commitments), default=10)
        lines.append(
            f"{'commitment'.ljust(width)}  tickets  history  simulated [band]          periods"
            "  verdict"
        )
        for c in self.commitments:
            inside = f"{sum(p.inside for p in c.periods)}/{len(c.periods)}" if c.periods else "-"
            band = (
                f"{c.simulated:7.1%} [{c.band_low:.1%}, {c.band_high:.1%}]"
                if math.isfinite(c.simulated)
                else "-"
            )
            history = f"{c.history:7.1%}" if math.isfinite(c.history) else "      -"
            lines.append(
                f"{c.label.ljust(width)}  {c.tickets:7d}  {history}  {band.ljust(24)}  "
                f"{inside:>7}  {c.verdict}: {c.detail}"
            )
        if len(self.clocks):
            lines += ["", "clocks (hours, 24x7): history against simulation"]
            lines.append(self.clocks.to_string(float_format=lambda v: f"{v:.3g}"))
        return "\n".join(lines)


def backtest_scenario(scenario: Scenario, history: TicketHistory) -> Scenario:
    """The scenario over the tickets' period: ``[calendar] start`` and ``horizon`` set."""
    return scenario.evolve(
        {"calendar.start": history.start.isoformat(), "scenario.horizon": history.days * 24.0}
    )


def _clock(history: TicketHistory, metric: str, warmup: float) -> tuple[np.ndarray, np.ndarray]:
    begin, end = TICKET_STAMPS[metric]
    return history.hours(begin, warmup=warmup), history.hours(end, warmup=warmup)


def _history_hours(
    history: TicketHistory, scenario: Scenario, commitment: Commitment, calendar: WorkCalendar
) -> tuple[np.ndarray, np.ndarray]:
    """(report hours, clock hours) of the tickets a commitment counts."""
    table = history.table
    warmup = scenario.scenario.warmup
    start, stop = _clock(history, commitment.metric, warmup)
    mask = (table["severity"].to_numpy(str) == commitment.severity) & ~np.isnan(stop)
    if commitment.zone is not None:
        zones = {s.id: s.zone for s in scenario.site}
        mask &= np.asarray([zones[s] == commitment.zone for s in table["site"]], bool)
    start, stop = start[mask], stop[mask]
    if commitment.clock == "business":
        hours = calendar.business_elapsed(start, stop)
    else:
        hours = stop - start
    return history.hours("reported", warmup=warmup)[mask], np.asarray(hours)


def backtest(
    scenario: Scenario,
    history: TicketHistory,
    *,
    replications: int | None = None,
    seed: int | None = None,
    runner: Runner | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Backtest:
    """Simulate ``scenario`` over the period of ``history`` and compare, commitment by
    commitment and period by period, with what the tickets show."""
    from simsvc.experiment import run_experiment
    from simsvc.records import METRIC_STAMPS

    variant = backtest_scenario(scenario, history)
    result = run_experiment(
        variant,
        replications=replications,
        seed=seed,
        runner=runner,
        workers=workers,
        keep_incidents=False,
        progress=progress,
    )
    info = variant.scenario
    calendar = WorkCalendar(variant.calendar, info.warmup)
    checks = []
    for key, commitment in zip(variant.commitment_ids(), variant.commitment, strict=True):
        label = _label(commitment)
        if commitment.metric not in TICKET_STAMPS:
            begin, end = METRIC_STAMPS[commitment.metric]
            checks.append(
                CommitmentCheck(
                    key, label, 0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
                    "not backtested", f"tickets do not stamp the {begin} and {end} of this clock",
                )
            )  # fmt: skip
            continue
        report, hours = _history_hours(history, variant, commitment, calendar)
        within = hours <= commitment.within + 1e-9
        n = len(hours)
        simulated = np.asarray([r.attainment[key] for r in result.replications], float)
        simulated = simulated[~np.isnan(simulated)]
        if n == 0 or len(simulated) == 0:
            checks.append(
                CommitmentCheck(
                    key, label, n, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
                    "not backtested", "no tickets" if n == 0 else "no simulated incidents",
                )
            )  # fmt: skip
            continue
        share = float(within.mean())
        low, high = exact_binomial_interval(share, n, variant.plan.confidence)
        band_low, band_high = (float(q) for q in np.quantile(simulated, BAND))
        median = float(np.median(simulated))
        # One ticket either way: attainment moves in steps of 1/n, and a band of few
        # replications near 100% is a single value.
        verdict, detail = _verdict(share, median, band_low - 1 / n, band_high + 1 / n)
        period = variant.period_of(commitment)
        size = period_count(
            period=period, start=variant.calendar.start, warmup=info.warmup, horizon=info.horizon
        )
        index = period_index(
            report, period=period, start=variant.calendar.start, warmup=info.warmup,
            horizon=info.horizon,
        )  # fmt: skip
        counts = np.bincount(index, minlength=size)
        kept = np.bincount(index[within], minlength=size)
        periods = []
        for p in range(size):
            if counts[p] == 0:
                continue
            sims = [
                r.period_met[key][p] / r.period_counted[key][p]
                for r in result.replications
                if r.period_counted[key][p] > 0
            ]
            if not sims:
                continue
            q_low, q_high = (float(q) for q in np.quantile(sims, BAND))
            share_p = float(kept[p] / counts[p])
            periods.append(PeriodCheck(p, int(counts[p]), share_p, q_low, q_high))
        checks.append(
            CommitmentCheck(
                key, label, n, share, low, high, median, band_low, band_high, verdict, detail,
                periods,
            )
        )  # fmt: skip
    clocks, samples = _clock_table(history, variant, result)
    return Backtest(variant, history, result, checks, clocks, samples)


def _label(commitment: Commitment) -> str:
    zone = f" ({commitment.zone})" if commitment.zone else ""
    clock = " business" if commitment.clock == "business" else ""
    return (
        f"{commitment.severity} {commitment.metric} <= {commitment.within:g}h{clock}"
        f" {commitment.goal:.0%}{zone}"
    )


def _verdict(history: float, median: float, low: float, high: float) -> tuple[str, str]:
    """Inside the band, or which way and how far (percentage points) off."""
    if low - 1e-9 <= history <= high + 1e-9:
        return "consistent", "history inside the simulated band"
    if history < low:
        gap = (low - history) * 100
        return (
            "optimistic",
            f"the model keeps it more often: history {gap:.1f} points below the band"
            f" ({(median - history) * 100:.1f} below the median)",
        )
    gap = (history - high) * 100
    return (
        "pessimistic",
        f"the model keeps it less often: history {gap:.1f} points above the band"
        f" ({(history - median) * 100:.1f} above the median)",
    )


def _clock_table(
    history: TicketHistory, scenario: Scenario, result: RunResult
) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    import pandas as pd

    rows = []
    samples: dict[tuple[str, str], np.ndarray] = {}
    severities = history.table["severity"].to_numpy(str)
    warmup = scenario.scenario.warmup
    for severity in scenario.severity:
        for metric in TICKET_STAMPS:
            start, stop = _clock(history, metric, warmup)
            mine = (severities == severity.id) & ~np.isnan(stop)
            past = stop[mine] - start[mine]
            if len(past) == 0:
                continue
            samples[severity.id, metric] = past
            parts = [r.clocks[severity.id][metric] for r in result.replications]
            sim = np.concatenate(parts) if parts else np.empty(0)
            sim = sim[np.isfinite(sim)]
            if len(sim) == 0:
                continue
            rows.append(
                {
                    "severity": severity.id,
                    "clock": metric,
                    "tickets": len(past),
                    "history_p50": float(np.percentile(past, 50)),
                    "simulated_p50": float(np.percentile(sim, 50)),
                    "history_p90": float(np.percentile(past, 90)),
                    "simulated_p90": float(np.percentile(sim, 90)),
                    "ks_distance": float(stats.ks_2samp(past, sim).statistic),
                }
            )
    table = pd.DataFrame(rows)
    if len(table):
        table = table.set_index(["severity", "clock"])
    return table, samples


__all__ = ["BAND", "TICKET_STAMPS", "Backtest", "CommitmentCheck", "backtest"]
