"""Charts of the three clocks: how often a bound is kept, and where the hours go.

The *promise frontier* of a severity is, for every bound x, the share of its
incidents whose clock is within x: pooled over replications, with the interval of
:func:`simsvc.stats.proportion_ci`, exactly as a commitment's attainment is. A commitment
is a point (bound, goal) on that chart; it is met where the lower edge of the band
passes above the point.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

from simsvc.charts.text import Labels, literal, percent
from simsvc.model.calendar import WorkCalendar
from simsvc.planner.promise import TENDER_STEPS_HOURS, format_bound
from simsvc.records import counted_clock
from simsvc.results import METRICS, RunResult
from simsvc.stats import proportion_ci

METRIC_COLOURS = {"response": "tab:blue", "arrival": "tab:orange", "resolution": "tab:green"}


def clock_samples(
    result: RunResult, severity: int, metric: str, clock: str = "24x7", zone: str | None = None
) -> list[np.ndarray]:
    """Per replication, the clock (hours) of the incidents a commitment on it would count.

    From the incident records when the result kept them (exact, any clock and zone);
    otherwise from the replications' 24x7 clocks, where an arrival clock leaves out
    every incident without an arrival (remote fixes, and the rare visit still
    pending at the end).
    """
    scenario = result.scenario
    if any(r.columns is None for r in result.replications):
        if clock != "24x7" or zone is not None:
            raise ValueError(
                "a business clock or a zone needs the incident records: run the experiment"
                " with keep_incidents=True"
            )
        severity_id = scenario.severity[severity].id
        samples = [r.clocks[severity_id][metric].astype(float) for r in result.replications]
        return [h[~np.isnan(h)] for h in samples] if metric == "arrival" else samples
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    severity_id = scenario.severity[severity].id
    return [
        counted_clock(
            r.columns,
            scenario,
            severity=severity_id,
            metric=metric,
            clock=clock,
            zone=zone,
            calendar=calendar,
        )
        for r in result.replications
        if r.columns is not None
    ]


def share_within_curve(
    samples: Sequence[np.ndarray], bounds: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share within each bound (hours), pooled over replications, and its interval.

    The estimate of the commitments table (:func:`simsvc.stats.proportion_ci` of the
    incidents within the bound out of those counted), so that the curve at a
    commitment's bound is that commitment's attainment, interval and all.
    """
    counts = [len(hours) for hours in samples]
    within = [np.searchsorted(np.sort(hours), bounds + 1e-9, side="right") for hours in samples]
    estimates = [
        proportion_ci([int(w[i]) for w in within], counts, confidence) for i in range(len(bounds))
    ]
    return (
        np.asarray([e.mean for e in estimates], float),
        np.asarray([e.ci_low for e in estimates], float),
        np.asarray([e.ci_high for e in estimates], float),
    )


def promise_frontier(
    result: RunResult,
    severity: str,
    metrics: Sequence[str] = METRICS,
    *,
    clock: str = "24x7",
    zone: str | None = None,
    lang: str = "en",
    ymin: float = 0.0,
) -> Figure:
    """Share of ``severity``'s incidents within x hours, per clock, with its CI band.

    The file's commitments on the same clock and zone are drawn as points (filled when
    met). A business clock or a zone needs a result run with ``keep_incidents=True``.
    """
    words = Labels(lang)
    scenario = result.scenario
    ids = [s.id for s in scenario.severity]
    if severity not in ids:
        raise ValueError(f"unknown severity {severity!r} (known: {', '.join(ids)})")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown} (known: {', '.join(METRICS)})")
    j = ids.index(severity)
    samples = {m: clock_samples(result, j, m, clock, zone) for m in metrics}
    finite = np.concatenate([h[np.isfinite(h)] for s in samples.values() for h in s] + [[]])
    commitments = [(k, c) for k, c in enumerate(scenario.commitment) if c.severity == severity]
    drawn = [
        (k, c)
        for k, c in commitments
        if c.metric in metrics and c.clock == clock and c.zone == zone
    ]
    top = max([float(finite.max()) if len(finite) else 1.0] + [c.within for _, c in drawn])
    positive = finite[finite > 0]
    low = min(1 / 60, float(positive.min()) if len(positive) else 1 / 60)
    bounds = np.geomspace(low, top * 1.6, 240)
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    for metric in metrics:
        mean, ci_low, ci_high = share_within_curve(samples[metric], bounds, result.confidence)
        colour = METRIC_COLOURS[metric]
        count = sum(len(h) for h in samples[metric])
        ax.plot(bounds, mean, color=colour, label=f"{words.metric(metric)} (n={count:,})")
        ax.fill_between(bounds, ci_low, ci_high, color=colour, alpha=0.2)
    for k, c in drawn:
        met = result.met(k)
        colour = METRIC_COLOURS[c.metric]
        ax.plot(
            [c.within],
            [c.goal],
            marker="D",
            ms=8,
            ls="none",
            color=colour,
            markerfacecolor=colour if met else "white",
            markeredgewidth=1.5,
            gid="commitment",
        )
        ax.annotate(
            f"{format_bound(c.within, words.lang)}, {percent(c.goal)}",
            (c.within, c.goal),
            xytext=(6, -12),
            textcoords="offset points",
            fontsize=8,
        )
    if drawn:
        ax.plot([], [], marker="D", ls="none", color="0.3", label=words("commitment_met"))
    ax.set_xscale("log")
    steps = [s for s in TENDER_STEPS_HOURS if bounds[0] <= s <= bounds[-1]]
    ax.xaxis.set_major_locator(FixedLocator(steps))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(
        steps,
        [format_bound(s, words.lang).removesuffix("内") for s in steps],
        rotation=45,
        ha="right",
    )
    ax.set_xlim(bounds[0], bounds[-1])
    ax.set_ylim(ymin, 1.015)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    ax.set_xlabel(
        words("business_hours_from_report" if clock == "business" else "hours_from_report")
    )
    ax.set_ylabel(words("share_within"))
    name = scenario.severity[j].name
    ax.set_title(
        words("frontier_title", severity=literal(f"{severity} {name}".strip()))
        + "\n"
        + words(
            "frontier_scope",
            clock=clock,
            zone=words("zone", zone=literal(zone)) if zone else words("all_zones"),
        )
        + "; "
        + words("ci_note", conf=percent(result.confidence), n=len(result.replications)),
        fontsize=10,
    )
    hidden = len([c for _, c in commitments if c.metric in metrics]) - len(drawn)
    if hidden:
        ax.plot([], [], " ", label=words("not_shown", n=hidden))
    ax.legend(loc="lower right", fontsize=8)
    return words.finish(fig)


BREAKDOWN = ("desk_wait", "desk_handling", "remote_fix", "queue_travel", "part_wait", "work")
"""The parts of an incident's time to resolution, in the order they happen."""

BREAKDOWN_COLOURS = ("tab:blue", "tab:cyan", "tab:gray", "tab:orange", "tab:red", "tab:green")


def breakdown_table(result: RunResult) -> pd.DataFrame:
    """Mean hours of each part of the time to resolution, per severity (rows).

    Over the counted incidents that closed; a part that does not apply to an
    incident (a remote fix has no travel) counts 0, so the parts add up to the mean
    resolution clock. Travel is not stamped on its own: the dispatch queue and the
    trip are one part, from dispatch to the first arrival.
    """
    try:
        incidents = result.incidents
    except ValueError:
        raise ValueError(
            "the time breakdown needs the incident records: run with keep_incidents=True"
        ) from None
    closed = incidents[incidents["counted"] & np.isfinite(incidents["resolution_hours"])]
    remote = closed["remote"].to_numpy(bool)
    part_wait = closed["part_wait"].fillna(0.0).to_numpy(float)
    response, resolution = closed["response"].to_numpy(float), closed["resolution"].to_numpy(float)
    dispatch, arrival = closed["dispatch"].to_numpy(float), closed["arrival"].to_numpy(float)
    parts = pd.DataFrame(
        {
            "severity": closed["severity"].to_numpy(),
            "desk_wait": response - closed["report"].to_numpy(float),
            "desk_handling": np.where(remote, 0.0, dispatch - response),
            "remote_fix": np.where(remote, resolution - response, 0.0),
            "queue_travel": np.where(remote, 0.0, arrival - dispatch),
            "part_wait": np.where(remote, 0.0, part_wait),
            "work": np.where(remote, 0.0, resolution - arrival - part_wait),
        }
    )
    order = [s.id for s in result.scenario.severity]
    table = parts.groupby("severity", observed=False)[list(BREAKDOWN)].mean().reindex(order)
    table["incidents"] = parts.groupby("severity", observed=False).size().reindex(order)
    return table


def time_breakdown(result: RunResult, lang: str = "en") -> Figure:
    """Stacked mean hours per severity: desk wait, desk handling or remote fix,
    dispatch queue and travel, part wait, on-site work (see :func:`breakdown_table`).
    """
    words = Labels(lang)
    table = breakdown_table(result)
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for part, colour in zip(BREAKDOWN, BREAKDOWN_COLOURS, strict=True):
        heights = table[part].fillna(0.0).to_numpy(float)
        ax.bar(x, heights, bottom=bottom, color=colour, label=words(part), width=0.6)
        bottom += heights
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(
            f"{total:.1f} h",
            (xi, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    names = {s.id: s.name for s in result.scenario.severity}
    ax.set_xticks(x, [literal(_wrap(f"{s} {names[s]}".strip())) for s in table.index], fontsize=8)
    ax.set_xlabel(words("severity"))
    ax.set_ylabel(words("mean_hours"))
    ax.set_ylim(0, max(float(bottom.max()), 1e-3) * 1.12)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(
        words("breakdown_title", scenario=literal(result.scenario.scenario.name))
        + "\n"
        + words("breakdown_note", n=f"{int(table['incidents'].sum()):,}"),
        fontsize=10,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return words.finish(fig)


def _wrap(text: str, width: int = 22, lines: int = 3) -> str:
    """A long severity name over a few short lines, cut with an ellipsis past ``lines``."""
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" ..."))
