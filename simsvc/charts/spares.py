"""Fill rate and resolution against stock: how many spares the commitments need.

The simulated fill rate of one part at one depot is set beside Palm's theorem
(Poisson demand ``d``, resupply time ``T``: fill rate P(Poisson(dT) <= S - 1)),
and the resolution commitments beside the stock that moves them. The file's
stock and the tender's 15% rule are marked.

Palm's curve uses the depot's own demand (:func:`~simsvc.planner.analytic.offered_loads`).
The simulation departs from it where the model does: a depot also supplies the
requests other depots cannot fill (lateral supply), which lowers its fill rate, and
a visit that would wait too long for a part swaps in a spare unit instead
(``swap_after``), which removes that request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

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
from simsvc.model.depots import base_stock, nearest_depot_of_bases, stock_at_share
from simsvc.planner.analytic import offered_loads, palm_fill_rate, palm_stock_for
from simsvc.scenario.schema import Scenario
from simsvc.stats import mean_ci


def part_fill_rate(
    scenario: Scenario, columns: dict[str, np.ndarray], depot: int, part: int
) -> float:
    """Share of requests for ``part`` at ``depot`` served from its stock at once.

    Requests are counted as the depot counts them: a visit by an engineer whose
    home depot is ``depot`` that needs the part, or swaps in that spare unit,
    arriving within the horizon. NaN without requests.
    """
    home = np.asarray([-1 if d is None else d for d in nearest_depot_of_bases(scenario)])
    visited = columns["base"] >= 0
    home_of = np.where(visited, home[np.where(visited, columns["base"], 0)], -1)
    start = scenario.scenario.warmup
    arrival = columns["arrival"]
    in_window = (arrival >= start) & (arrival < start + scenario.scenario.horizon)
    requests = (columns["part"] == part) & (home_of == depot) & in_window
    filled = columns["swap"] | ((columns["part_wait"] == 0) & (columns["depot"] == depot))
    count = int(requests.sum())
    return float((requests & filled).sum()) / count if count else math.nan


def stock_rule_level(scenario: Scenario, depot: str, part: str, share: float = 0.15) -> int:
    """The base stock of ``part`` at ``depot`` under the rule "``share`` of the installed units"."""
    return stock_at_share(scenario, share)[depot, part]


def spares_table(
    scenario: Scenario,
    depot: str,
    part: str,
    levels: Iterable[int] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Fill rate of ``part`` at ``depot`` (simulated and by Palm's theorem) and the
    attainment of every resolution commitment, for each base stock level.

    Levels default to 0 up to one more than the largest of the file's stock, the
    15% rule and Palm's stock for a 99% fill rate. Every level runs with the same
    seed (common random numbers).
    """
    depots, parts = [d.id for d in scenario.depot], [p.id for p in scenario.part]
    if depot not in depots:
        raise ValueError(f"unknown depot {depot!r} (known: {', '.join(depots) or 'none'})")
    if part not in parts:
        raise ValueError(f"unknown part {part!r} (known: {', '.join(parts) or 'none'})")
    j, k = depots.index(depot), parts.index(part)
    demand = offered_loads(scenario).part_demand.get((j, k), 0.0)
    resupply = scenario.depot[j].resupply.mean
    current = base_stock(scenario)[depot, part]
    rule = stock_rule_level(scenario, depot, part)
    if levels is None:
        top = max(current, rule, palm_stock_for(0.99, demand, resupply)) + 1
        levels = range(0, min(top, scenario.plan.max_stock_per_part) + 1)
    confidence = scenario.plan.confidence
    rows: list[dict[str, Any]] = []
    with runner(workers, executor) as pool:
        for level in levels:
            variant = scenario.with_resources(stock={(depot, part): level})
            result = run_level(variant, replications, seed, pool, keep_incidents=True)
            fills = [
                part_fill_rate(variant, r.columns, j, k)
                for r in result.replications
                if r.columns is not None
            ]
            fill = mean_ci(fills, confidence, share=True)
            rows.append(_fill_row(level, "fill_rate", fill.mean, fill.ci_low, fill.ci_high))
            palm = palm_fill_rate(level, demand, resupply)
            rows.append(_fill_row(level, "palm", palm, math.nan, math.nan))
            rows += commitment_rows(level, result, ("resolution",))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(
        scenario=scenario.scenario.name,
        depot=depot,
        part=part,
        current=current,
        stock_rule=rule,
        demand_per_hour=demand,
        resupply_hours=resupply,
        confidence=confidence,
        replications=replications or scenario.scenario.replications,
    )
    return table


def _fill_row(level: int, kind: str, mean: float, low: float, high: float) -> dict[str, Any]:
    series = "fill rate" if kind == "fill_rate" else "Palm fill rate"
    return {
        "level": level,
        "series": series,
        "kind": kind,
        "metric": None,
        "goal": math.nan,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "met": None,
    }


def spares_curve(
    scenario: Scenario,
    depot: str,
    part: str,
    levels: Iterable[int] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    lang: str = "en",
    table: pd.DataFrame | None = None,
) -> Figure:
    """Fill rate against stock (simulated with its CI band, and Palm's theorem) and the
    resolution commitments against stock, with the file's stock and the 15% rule marked.

    Pass ``table`` (from :func:`spares_table`) to draw numbers already simulated.
    """
    words = Labels(lang)
    if table is None:
        table = spares_table(scenario, depot, part, levels, replications, seed, workers, executor)
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
        words("spares_title", scenario=scenario.scenario.name, part=part, depot=depot)
        + "\n"
        + ci_note(words, table),
        fontsize=11,
    )
    return words.finish(fig)
