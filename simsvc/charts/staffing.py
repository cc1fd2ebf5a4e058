"""Attainment against engineers: how many people the commitments need.

One curve per commitment, in one panel per clock (response, on site, resolution),
for each number of engineers at one base or in total, drawn from a table made by
:func:`simsvc.sweep.levels.staffing_table`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from simsvc.charts.curves import ci_note, draw_attainment, mark_levels, share_limits
from simsvc.charts.text import Labels, literal
from simsvc.results import METRICS
from simsvc.sweep.levels import feasible_levels


def staffing_curve(table: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Attainment of each commitment (mean and CI band) against engineers, with its goal.

    ``table`` comes from :func:`~simsvc.sweep.levels.staffing_table`. The file's level
    and the fewest engineers that meet every commitment are marked.
    """
    words = Labels(lang)
    metrics = [m for m in METRICS if (table["metric"] == m).any()]
    if not metrics:
        raise ValueError("the table has no attainment rows to draw")
    fig = Figure(figsize=(4.6 * len(metrics) + 1, 5.8), layout="constrained")
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    where = table.attrs.get("base")
    for ax, metric in zip(axes, metrics, strict=True):
        draw_attainment(ax, table[table["metric"] == metric], words)
        ax.set_title(words.metric(metric))
        ax.set_xlabel(
            words("engineers_at", base=literal(where)) if where else words("engineers_total")
        )
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
        words("staffing_title", scenario=literal(table.attrs.get("scenario", "")))
        + "\n"
        + ci_note(words, table),
        fontsize=11,
    )
    return words.finish(fig)
