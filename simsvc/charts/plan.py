"""The cost of the planner's plan beside the file's resources and the 15% stock rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simsvc.charts.text import Labels, literal
from simsvc.planner.plan_result import PlanResult

COST_PARTS = ("engineers", "desk", "holding", "penalties")
COST_COLOURS = ("tab:blue", "tab:cyan", "tab:purple", "tab:red")


def plan_costs(
    plan: PlanResult | dict[str, Any], lang: str = "en", currency: str | None = None
) -> Figure:
    """Stacked yearly cost (engineers, desk, holding of stock, expected penalties) of the
    plan, of the file's current resources and of the 15% stock rule, with the total and
    whether every commitment is met under each bar.

    ``plan`` is a :class:`PlanResult` or its ``to_dict()`` (``simsvc plan --json``).
    """
    words = Labels(lang)
    if isinstance(plan, PlanResult):
        currency = currency or plan.space.scenario.scenario.currency
        data = plan.to_dict()
    else:
        data = plan
    currency = currency or "CNY"
    columns = [("plan", data["plan"]), ("current", data["current"])]
    if data.get("stock_rule_15_percent") is not None:
        columns.append(("stock_rule", data["stock_rule_15_percent"]))
    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(columns))
    bottom = np.zeros(len(columns))
    for part, colour in zip(COST_PARTS, COST_COLOURS, strict=True):
        heights = np.asarray([float(row["cost"].get(part, 0.0)) for _, row in columns])
        key = "desk_cost" if part == "desk" else part
        ax.bar(x, heights, bottom=bottom, width=0.55, color=colour, label=words(key))
        bottom += heights
    for xi, (_, row) in zip(x, columns, strict=True):
        total = float(row["cost"]["total"])
        ax.annotate(
            words("total", total=f"{total:,.0f}"),
            (xi, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    ticks = []
    for name, row in columns:
        missed = sum(not c["met"] for c in row["commitments"])
        verdict = words("all_met") if missed == 0 else words("missed", n=missed)
        ticks.append(f"{words(name)}\n{_resources(row['resources'], words)}\n{verdict}")
    ax.set_xticks(x, ticks, fontsize=8)
    for tick, (_, row) in zip(ax.get_xticklabels(), columns, strict=True):
        if any(not c["met"] for c in row["commitments"]):
            tick.set_color("tab:red")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.12)
    ax.set_ylabel(words("cost_axis", currency=literal(currency)))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(words("cost_title", scenario=literal(data["scenario"])))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return words.finish(fig)


def _resources(resources: dict[str, Any], words: Labels) -> str:
    """``5 engineers, 1 desk agent, 12 spare units``: the size of a column's resources."""
    engineers = sum(resources["engineers"].values())
    units = sum(sum(parts.values()) for parts in resources["stock"].values())
    agents = resources.get("desk_agents") or 0
    return words("resources", engineers=engineers, agents=agents, units=units)
