"""Attainment against engineers: how many people the commitments need.

One curve per commitment, in one panel per clock (response, on site,
resolution), for each number of engineers at one base or in total.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simsvc.charts.sweeps import (
    COLUMNS,
    ci_note,
    commitment_rows,
    draw_attainment,
    feasible_levels,
    mark_levels,
    run_level,
    runner,
    share_limits,
)
from simsvc.charts.text import Labels
from simsvc.planner.analytic import offered_loads
from simsvc.results import METRICS
from simsvc.scenario.schema import Scenario


def split_engineers(scenario: Scenario, total: int) -> dict[str, int]:
    """``total`` engineers shared out over the bases in proportion to the file's.

    Largest remainders decide the rounding; a file with no engineers at all is
    scaled by each base's offered visits instead.
    """
    weights = np.asarray([b.engineers for b in scenario.base], float)
    if weights.sum() <= 0:
        weights = np.asarray(offered_loads(scenario).visits_per_base, float)
    if weights.sum() <= 0:
        weights = np.ones(len(scenario.base))
    shares = weights / weights.sum() * total
    counts = np.floor(shares).astype(int)
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return {b.id: int(n) for b, n in zip(scenario.base, counts, strict=True)}


def staffing_table(
    scenario: Scenario,
    base: str | None = None,
    levels: Iterable[int] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Attainment of every commitment for each number of engineers at ``base``.

    With ``base=None`` the level is the total over all bases, shared out by
    :func:`split_engineers`. Levels default to 1 up to two more than the file's.
    Every level runs with the same seed (common random numbers).
    """
    ids = [b.id for b in scenario.base]
    if base is not None and base not in ids:
        raise ValueError(f"unknown base {base!r} (known: {', '.join(ids)})")
    current = (
        sum(b.engineers for b in scenario.base)
        if base is None
        else scenario.base[ids.index(base)].engineers
    )
    chosen = list(levels) if levels is not None else list(range(1, current + 3))
    if not chosen or min(chosen) < 0:
        raise ValueError(f"levels must be engineer counts of at least 0, got {chosen}")
    rows: list[dict[str, Any]] = []
    with runner(workers, executor) as pool:
        for level in chosen:
            engineers = split_engineers(scenario, level) if base is None else {base: level}
            variant = scenario.with_resources(engineers=engineers)
            rows += commitment_rows(level, run_level(variant, replications, seed, pool))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(
        scenario=scenario.scenario.name,
        base=base,
        current=current,
        confidence=scenario.plan.confidence,
        replications=replications or scenario.scenario.replications,
    )
    return table


def staffing_curve(
    scenario: Scenario,
    base: str | None = None,
    levels: Iterable[int] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    lang: str = "en",
    table: pd.DataFrame | None = None,
) -> Figure:
    """Attainment of each commitment (mean and CI band) against engineers, with its goal.

    The file's level and the fewest engineers that meet every commitment are marked.
    Pass ``table`` (from :func:`staffing_table`) to draw numbers already simulated.
    """
    words = Labels(lang)
    if table is None:
        table = staffing_table(scenario, base, levels, replications, seed, workers, executor)
    metrics = [m for m in METRICS if (table["metric"] == m).any()]
    fig = Figure(figsize=(4.6 * len(metrics) + 1, 5.8), layout="constrained")
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    where = table.attrs.get("base")
    for ax, metric in zip(axes, metrics, strict=True):
        draw_attainment(ax, table[table["metric"] == metric], words)
        ax.set_title(words.metric(metric))
        ax.set_xlabel(words("engineers_at", base=where) if where else words("engineers_total"))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False)
    share_limits(axes[0], table)
    axes[0].set_ylabel(words("attainment"))
    feasible = feasible_levels(table)
    current = table.attrs.get("current")
    handles = mark_levels(
        axes,
        [
            (current, f"{words('current')}: {current}", {"color": "0.5", "lw": 1, "ls": ":"}),
            (
                feasible[0],
                words("cheapest", level=feasible[0]),
                {"color": "tab:green", "lw": 2.5, "alpha": 0.5, "gid": "cheapest"},
            )
            if feasible
            else (None, words("none_feasible"), {}),
        ],
    )
    fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncols=2, frameon=False)
    fig.suptitle(
        words("staffing_title", scenario=scenario.scenario.name) + "\n" + ci_note(words, table),
        fontsize=11,
    )
    return words.finish(fig)
