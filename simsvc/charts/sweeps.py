"""What the resource sweeps share: running every level, and drawing attainment curves.

Every level of a sweep is simulated with the same seed, so every level sees the
same faults and the same per-incident draws (common random numbers): differences
between levels come from the resource, not from luck. A sweep's numbers are a
table (a pandas DataFrame with :data:`COLUMNS`, one row per level and series); its
figure is drawn from that table.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simsvc.charts.text import Labels, percent
from simsvc.experiment import default_workers, process_pool, run_experiment
from simsvc.results import METRICS, RunResult
from simsvc.scenario.schema import Scenario

COLUMNS = ["level", "series", "kind", "metric", "goal", "mean", "ci_low", "ci_high", "met"]
"""Columns of a sweep table.

``kind`` is ``attainment`` (``series`` is a commitment's label, ``metric`` its
clock), ``fill_rate`` (simulated) or ``palm`` (Palm's theorem, no interval);
``goal`` and ``met`` are empty for fill rates.
"""

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


@contextlib.contextmanager
def runner(workers: int | None, executor: Executor | None) -> Iterator[Executor | None]:
    """One process pool for every level of a sweep (``None``: run in this process)."""
    if executor is not None:
        yield executor
        return
    if workers == 1:
        yield None
        return
    pool = process_pool(workers or default_workers())
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def run_level(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    executor: Executor | None,
    keep_incidents: bool = False,
) -> RunResult:
    """Simulate one level of a sweep (with the sweep's seed: common random numbers)."""
    return run_experiment(
        scenario,
        replications,
        seed,
        workers=1 if executor is None else None,
        executor=executor,
        keep_incidents=keep_incidents,
    )


def commitment_rows(
    level: int, result: RunResult, metrics: Iterable[str] = METRICS
) -> list[dict[str, Any]]:
    """Sweep rows of the attainment of each commitment on ``metrics`` at ``level``."""
    rows = []
    for k, commitment in enumerate(result.scenario.commitment):
        if commitment.metric not in metrics:
            continue
        estimate = result.attainment(k)
        rows.append(
            {
                "level": level,
                "series": commitment.label,
                "kind": "attainment",
                "metric": commitment.metric,
                "goal": commitment.goal,
                "mean": estimate.mean,
                "ci_low": estimate.ci_low,
                "ci_high": estimate.ci_high,
                "met": result.met(k),
            }
        )
    return rows


def feasible_levels(table: pd.DataFrame) -> list[int]:
    """Levels at which every commitment of the table is met, ascending."""
    commitments = table[table["kind"] == "attainment"]
    met = commitments.groupby("level")["met"].all()
    return sorted(int(level) for level in met.index[met.to_numpy(bool)])


def colours(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` distinct colours."""
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(k % cmap.N) for k in range(n)]


def draw_attainment(ax: Axes, rows: pd.DataFrame, words: Labels) -> None:
    """One line with its CI band per commitment, and a dashed line at each goal.

    Markers shrink from one commitment to the next, so that curves lying on top
    of each other (all at 100%, say) still show every commitment.
    """
    groups = list(rows.groupby("series", sort=False))
    for k, (colour, (label, series)) in enumerate(zip(colours(len(groups)), groups, strict=True)):
        size = max(9.0 - 1.6 * k, 3.0)
        ax.plot(
            series["level"],
            series["mean"],
            marker=MARKERS[k % len(MARKERS)],
            ms=size,
            color=colour,
            label=label,
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
