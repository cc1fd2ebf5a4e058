"""Charts of the operation itself: when faults come, how busy people are, where sites are."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simsvc.charts.text import Labels, literal, percent
from simsvc.model.calendar import WorkCalendar
from simsvc.records import counted, counted_clock
from simsvc.results import RunResult
from simsvc.scenario.schema import Scenario

MAP_SPAN = 0.3
"""How far below the goal the site map's colour scale reaches (a share)."""

LABEL_LENGTH = 24
"""The most characters of an id drawn in a legend or beside a bar."""

EXPOSURE_STEP = 0.25
"""Hours between the points that measure how long the horizon spends in each hour and weekday."""


def _counted_incidents(result: RunResult) -> pd.DataFrame:
    try:
        incidents = result.incidents
    except ValueError:
        raise ValueError(
            "this chart needs the incident records: run with keep_incidents=True"
        ) from None
    return incidents[incidents["counted"]]


def report_profile(result: RunResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean reports per hour by hour of day, and per day by weekday, per severity.

    Counts of the counted incidents over all replications, divided by the hours
    (days) the horizon spends at that hour of day (weekday), times replications.
    """
    scenario = result.scenario
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    incidents = _counted_incidents(result)
    weekday, hour = calendar.weekday_and_hour(incidents["report"].to_numpy(float))
    start, horizon = scenario.scenario.warmup, scenario.scenario.horizon
    grid = np.arange(start, start + horizon, EXPOSURE_STEP) + EXPOSURE_STEP / 2
    grid_weekday, grid_hour = calendar.weekday_and_hour(grid)
    runs = len(result.replications)
    hour_exposure = np.bincount(grid_hour.astype(int), minlength=24) * EXPOSURE_STEP * runs
    day_exposure = np.bincount(grid_weekday, minlength=7) * EXPOSURE_STEP / 24 * runs
    severities = [s.id for s in scenario.severity]
    codes = incidents["severity"].cat.codes.to_numpy()
    by_hour, by_day = {}, {}
    for j, severity in enumerate(severities):
        mine = codes == j
        hours = np.bincount(hour[mine].astype(int), minlength=24)
        days = np.bincount(weekday[mine], minlength=7)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_hour[severity] = np.where(hour_exposure > 0, hours / hour_exposure, np.nan)
            by_day[severity] = np.where(day_exposure > 0, days / day_exposure, np.nan)
    return pd.DataFrame(by_hour), pd.DataFrame(by_day)


def load_profile(result: RunResult, lang: str = "en") -> Figure:
    """Fault reports by hour of day and by weekday (stacked by severity), and utilisation
    of each base and of the desk with their confidence intervals.
    """
    words = Labels(lang)
    by_hour, by_day = report_profile(result)
    scenario = result.scenario
    fig = Figure(figsize=(13, 5), layout="constrained")
    hours_ax, days_ax, busy_ax = fig.subplots(1, 3, width_ratios=[2.2, 1.2, 1.4])
    for ax, table, xlabel, ylabel in (
        (hours_ax, by_hour, words("hour_of_day"), words("reports_per_hour")),
        (days_ax, by_day, words("weekday"), words("reports_per_day")),
    ):
        bottom = np.zeros(len(table))
        for severity in table.columns:
            values = table[severity].fillna(0.0).to_numpy(float)
            ax.bar(
                np.arange(len(table)),
                values,
                bottom=bottom,
                label=literal(severity, LABEL_LENGTH),
                width=0.8,
            )
            bottom += values
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
    hours_ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    days_ax.set_xticks(range(7), words("weekdays").split(","))
    hours_ax.legend(title=words("severity"), fontsize=8, title_fontsize=8)
    data = result.to_dict()
    names = [
        f"{literal(b, LABEL_LENGTH)} ({entry['engineers']})" for b, entry in data["bases"].items()
    ]
    estimates = [entry["utilization"] for entry in data["bases"].values()]
    colours = ["tab:blue"] * len(names)
    if data["desk"] is not None:
        names.append(f"{words('desk')} ({data['desk']['agents']})")
        estimates.append(data["desk"]["utilization"])
        colours.append("tab:gray")
    mean = np.asarray([_number(e["mean"]) for e in estimates])
    low = np.asarray([_number(e["ci_low"], _number(e["mean"])) for e in estimates])
    high = np.asarray([_number(e["ci_high"], _number(e["mean"])) for e in estimates])
    y = np.arange(len(names))
    busy_ax.barh(
        y, mean, color=colours, xerr=np.vstack([mean - low, high - mean]), capsize=3, height=0.6
    )
    busy_ax.set_yticks(y, names, fontsize=8 if len(names) < 15 else 6)
    busy_ax.invert_yaxis()
    busy_ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    busy_ax.set_xlim(0, max(1e-3, float(np.nanmax(np.r_[high, 0.0]))) * 1.15)
    busy_ax.set_xlabel(words("utilisation"))
    busy_ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        words("load_title", scenario=literal(scenario.scenario.name))
        + "  ("
        + words("ci_note", conf=percent(result.confidence), n=len(result.replications))
        + ")"
    )
    return words.finish(fig)


def _number(value: float | None, default: float = math.nan) -> float:
    return default if value is None else float(value)


def site_attainment(result: RunResult, commitment: int | str) -> pd.DataFrame:
    """Per site, the incidents a commitment (id or position) counts and the share within
    its bound.

    Pooled over replications (a site sees too few incidents per replication for an
    interval); ``attainment`` is NaN at a site without such incidents. The incidents
    are those :func:`simsvc.records.counted` selects, as for the commitment's own
    attainment.
    """
    scenario = result.scenario
    index = _commitment_index(scenario, commitment)
    c = scenario.commitment[index]
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    sites = len(scenario.site)
    total = np.zeros(sites, int)
    within = np.zeros(sites, int)
    for r in result.replications:
        if r.columns is None:
            raise ValueError(
                "the site map needs the incident records: run with keep_incidents=True"
            )
        mask = counted(r.columns, scenario, severity=c.severity, metric=c.metric, zone=c.zone)
        site = r.columns["site"][mask]
        hours = counted_clock(
            r.columns,
            scenario,
            severity=c.severity,
            metric=c.metric,
            clock=c.clock,
            zone=c.zone,
            calendar=calendar,
        )
        total += np.bincount(site, minlength=sites)
        within += np.bincount(site[hours <= c.within + 1e-9], minlength=sites)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, within / np.maximum(total, 1), np.nan)
    return pd.DataFrame(
        {"site": [s.id for s in scenario.site], "incidents": total, "attainment": share}
    )


def _commitment_index(scenario: Scenario, commitment: int | str) -> int:
    """The position of a commitment given by id or position."""
    ids = scenario.commitment_ids()
    if isinstance(commitment, str):
        if commitment not in ids:
            raise ValueError(f"unknown commitment {commitment!r} (known: {', '.join(ids)})")
        return ids.index(commitment)
    if not 0 <= commitment < len(ids):
        raise ValueError(f"commitment {commitment} does not exist (the file has {len(ids)})")
    return commitment


def _default_commitment(scenario: Scenario) -> int:
    arrivals = [k for k, c in enumerate(scenario.commitment) if c.metric == "arrival"]
    return arrivals[0] if arrivals else 0


def site_map(
    scenario: Scenario,
    result: RunResult | None = None,
    commitment: int | str | None = None,
    lang: str = "en",
    labels: bool | None = None,
) -> Figure:
    """Sites, bases and depots on longitude and latitude (no map tiles).

    With a result run with ``keep_incidents=True``, sites are coloured by their
    attainment of ``commitment`` (an id or position; default the file's first arrival
    commitment), green above its goal and red below. One degree of longitude is
    drawn as long as the same distance in latitude (aspect 1/cos(latitude)).
    """
    words = Labels(lang)
    fig = Figure(figsize=(10, 8), layout="constrained")
    ax = fig.subplots()
    lat = np.asarray([s.location[0] for s in scenario.site])
    lon = np.asarray([s.location[1] for s in scenario.site])
    title = literal(scenario.scenario.name)
    zone_sites: np.ndarray | None = None
    if result is not None:
        index = (
            _default_commitment(result.scenario)
            if commitment is None
            else _commitment_index(result.scenario, commitment)
        )
        c = result.scenario.commitment[index]
        if c.zone is not None:
            zone_sites = np.asarray([s.zone == c.zone for s in scenario.site])
        per_site = site_attainment(result, index)
        share = per_site["attainment"].to_numpy(float)
        count = per_site["incidents"].to_numpy(float)
        have = count > 0
        # The scale spans from 30 points below the goal to 100%, the goal in the middle;
        # sites further below take the darkest red (the colour bar's arrow says so).
        lowest = float(np.nanmin(share)) if have.any() else c.goal
        vmin = max(0.0, c.goal - MAP_SPAN)
        norm: Normalize = (
            TwoSlopeNorm(vcenter=c.goal, vmin=vmin, vmax=1.0)
            if c.goal < 1
            else Normalize(vmin=vmin, vmax=1.0)
        )
        size = 15 + 120 * np.sqrt(count / max(float(count.max()), 1.0))
        points = ax.scatter(
            lon[have],
            lat[have],
            c=share[have],
            s=size[have],
            cmap="RdYlGn",
            norm=norm,
            edgecolors="0.3",
            linewidths=0.5,
            label=words("site"),
            zorder=2,
        )
        if (~have).any():
            ax.scatter(
                lon[~have],
                lat[~have],
                marker="x",
                s=15,
                color="0.6",
                label=words("site_none"),
                zorder=2,
            )
        bar = fig.colorbar(points, ax=ax, shrink=0.8, extend="min" if lowest < vmin else "neither")
        ticks = sorted({vmin, (vmin + c.goal) / 2, c.goal, (c.goal + 1) / 2, 1.0})
        bar.set_ticks(
            ticks,
            labels=[
                percent(t, 0 if abs(t * 100 - round(t * 100)) < 1e-6 else 1)
                + (f" ({words('goal_word')})" if t == c.goal else "")
                for t in ticks
            ],
        )
        bar.set_label(words("site_attainment"))
        bar.ax.axhline(c.goal, color="black", lw=1.5)
        title = words("map_title", scenario=title, commitment=literal(c.label)) + (
            f" ({words('goal', goal=percent(c.goal))}; "
            f"{words('overall', share=percent(result.attainment(index).mean, 1))})"
        )
    else:
        ax.scatter(
            lon,
            lat,
            s=20,
            color="tab:blue",
            edgecolors="0.3",
            linewidths=0.5,
            label=words("sites"),
            zorder=2,
        )
    blat = np.asarray([b.location[0] for b in scenario.base])
    blon = np.asarray([b.location[1] for b in scenario.base])
    ax.scatter(blon, blat, marker="^", s=140, color="black", label=words("base"), zorder=4)
    if scenario.depot:
        dlat = [d.location[0] for d in scenario.depot]
        dlon = [d.location[1] for d in scenario.depot]
        ax.scatter(
            dlon,
            dlat,
            marker="s",
            s=200,
            facecolors="none",
            edgecolors="tab:blue",
            linewidths=1.5,
            label=words("depot"),
            zorder=3,
        )
    if labels is None:
        labels = len(scenario.base) <= 30
    if labels:
        # Bases in one place (a day and a night team) share one label.
        together: dict[tuple[float, float], list[str]] = {}
        for b in scenario.base:
            together.setdefault(b.location, []).append(literal(f"{b.id} ({b.engineers})"))
        for (base_lat, base_lon), names in together.items():
            ax.annotate(
                "\n".join(names),
                (base_lon, base_lat),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=8,
                zorder=5,
                # See-through, so that a label over a site does not hide it.
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.45, "lw": 0},
            )
    middle = float(np.mean(np.r_[lat, blat]))
    aspect = 1 / max(math.cos(math.radians(middle)), 0.05)
    if zone_sites is not None and zone_sites.any():
        # A zone's commitment: show its sites (and the bases), not the whole network.
        # The limits are fixed, so the box takes the aspect (adjusting the limits
        # instead would override them, which matplotlib logs as a warning).
        xs, ys = np.r_[lon[zone_sites], blon], np.r_[lat[zone_sites], blat]
        pad = 0.08 * max(float(np.ptp(xs)), float(np.ptp(ys)), 0.05)
        ax.set_xlim(float(xs.min()) - pad, float(xs.max()) + pad)
        ax.set_ylim(float(ys.min()) - pad, float(ys.max()) + pad)
        ax.set_aspect(aspect, adjustable="box")
    else:
        ax.set_aspect(aspect, adjustable="datalim")
    ax.set_xlabel(words("longitude"))
    ax.set_ylabel(words("latitude"))
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="best", fontsize=8, markerscale=0.7)
    return words.finish(fig)
