"""Drawing attainment against a resource level: the curves of the staffing and spares charts.

The numbers come from a level table (:mod:`simsvc.sweep.levels`): one row per level
and series, with what else the chart needs in ``table.attrs``. Nothing here simulates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simsvc.charts.text import Labels, literal, percent

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


def colours(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` distinct colours."""
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(k % cmap.N) for k in range(n)]


def draw_attainment(ax: Axes, rows: pd.DataFrame, words: Labels) -> None:
    """One line with its CI band per commitment, and a dashed line at each goal.

    Markers shrink from one commitment to the next, so that curves lying on top
    of each other (all at 100%, say) still show every commitment.
    """
    # By id: two commitments may share a label (same clock and bound, other goals).
    groups = list(rows.groupby("commitment", sort=False))
    for k, (colour, (_, series)) in enumerate(zip(colours(len(groups)), groups, strict=True)):
        size = max(9.0 - 1.6 * k, 3.0)
        ax.plot(
            series["level"],
            series["mean"],
            marker=MARKERS[k % len(MARKERS)],
            ms=size,
            color=colour,
            label=literal(series["series"].iloc[0], 60),
            lw=1.5,
        )
        ax.fill_between(
            series["level"], series["ci_low"], series["ci_high"], color=colour, alpha=0.12
        )
    for goal in sorted(rows["goal"].dropna().unique()):
        ax.axhline(goal, ls="--", lw=1, color="0.25", gid="goal")
        ax.text(
            0.99,
            goal,
            words("goal", goal=percent(goal)),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.25",
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def share_limits(ax: Axes, table: pd.DataFrame) -> None:
    """Y limits from the lowest interval or goal (less 5 points) to just above 100%."""
    values = np.r_[table["ci_low"].to_numpy(float), table["mean"].to_numpy(float)]
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    goals = table["goal"].dropna()
    if len(goals):
        low = min(low, float(goals.min()) - 0.05)
    ax.set_ylim(max(0.0, math.floor(low * 20) / 20), 1.01)


def mark_levels(
    axes: Sequence[Axes], marks: Sequence[tuple[int | None, str, dict[str, Any]]]
) -> list[Line2D]:
    """Vertical lines at chosen levels on every axes; the handles for one legend."""
    handles = []
    for level, label, style in marks:
        if level is None:
            handles.append(Line2D([], [], ls="none", label=label))
            continue
        for ax in axes:
            ax.axvline(level, **style)
        handles.append(Line2D([], [], label=label, **style))
    return handles


def ci_note(words: Labels, table: pd.DataFrame) -> str:
    """``bands: 95% confidence interval over 10 replications``."""
    return words(
        "ci_note",
        conf=percent(table.attrs.get("confidence", math.nan)),
        n=table.attrs.get("replications", "?"),
    )
