"""Fill rate and resolution against stock: how many spares the commitments need.

Drawn from a table made by :func:`simsvc.sweep.levels.spares_table`. The simulated
fill rate of one part at one depot is set beside Palm's theorem (Poisson demand
``d``, resupply time ``T``: fill rate P(Poisson(dT) <= S - 1)), and the resolution
commitments beside the stock that moves them. The file's stock and the tender's 15%
rule are marked.

Palm's curve uses the depot's own demand (:func:`~simsvc.planner.analytic.offered_loads`).
The simulation departs from it where the model does: a depot also supplies the
requests other depots cannot fill (lateral supply), which lowers its fill rate, and
a visit that would wait too long for a part swaps in a spare unit instead
(``swap_after``), which removes that request.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simsvc.charts.curves import ci_note, draw_attainment, mark_levels, share_limits
from simsvc.charts.text import Labels, literal
from simsvc.sweep.levels import feasible_levels


def spares_curve(table: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Fill rate against stock (simulated with its CI band, and Palm's theorem) and the
    resolution commitments against stock, with the file's stock and the 15% rule marked.

    ``table`` comes from :func:`~simsvc.sweep.levels.spares_table`.
    """
    words = Labels(lang)
    part, depot = literal(table.attrs.get("part", "?")), literal(table.attrs.get("depot", "?"))
    fig = Figure(figsize=(12, 6), layout="constrained")
    left, right = fig.subplots(1, 2)
    fill = table[table["kind"] == "fill_rate"]
    palm = table[table["kind"] == "palm"]
    left.plot(
        fill["level"], fill["mean"], marker="o", ms=5, color="tab:blue", label=words("fill_sim")
    )
    left.fill_between(fill["level"], fill["ci_low"], fill["ci_high"], color="tab:blue", alpha=0.15)
    load = table.attrs.get("demand_per_hour", math.nan) * table.attrs.get(
        "resupply_hours", math.nan
    )
    left.plot(
        palm["level"],
        palm["mean"],
        ls="--",
        marker="x",
        ms=6,
        color="tab:orange",
        label=words("fill_palm", load=load),
    )
    left.set_ylim(0, 1.01)
    left.yaxis.set_major_formatter(PercentFormatter(1.0))
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.grid(alpha=0.3)
    left.set_ylabel(words("fill_rate"))
    left.set_title(words("fill_panel", part=part, depot=depot))
    commitments = table[table["kind"] == "attainment"]
    if len(commitments):
        draw_attainment(right, commitments, words)
        share_limits(right, commitments)
    else:
        right.text(
            0.5, 0.5, words("no_resolution"), ha="center", va="center", transform=right.transAxes
        )
    right.set_ylabel(words("attainment"))
    right.set_title(words("resolution_panel"))
    for ax in (left, right):
        ax.set_xlabel(words("stock_of", part=part, depot=depot))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, frameon=False)
    feasible = feasible_levels(table)
    current, rule = table.attrs.get("current"), table.attrs.get("stock_rule")
    marks = [
        (current, f"{words('current')}: {current}", {"color": "0.5", "lw": 1, "ls": ":"}),
        (rule, words("rule_15", level=rule), {"color": "tab:purple", "lw": 1.2, "ls": "-."}),
    ]
    if feasible:
        marks.append(
            (
                feasible[0],
                words("least_stock", level=feasible[0]),
                {"color": "tab:green", "lw": 2.5, "alpha": 0.5, "gid": "cheapest"},
            )
        )
    handles = mark_levels((left, right), marks)
    fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncols=3, frameon=False)
    fig.suptitle(
        words(
            "spares_title",
            scenario=literal(table.attrs.get("scenario", "")),
            part=part,
            depot=depot,
        )
        + "\n"
        + ci_note(words, table),
        fontsize=11,
    )
    return words.finish(fig)
