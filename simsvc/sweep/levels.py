"""One resource stepped through levels: the tables the staffing and spares charts draw.

A level table simulates a scenario at each level of one resource (engineers at one
base or in total, the base stock of one part at one depot). Every level is a variant
built by :meth:`~simsvc.scenario.schema.Scenario.with_resources`, and every level runs
the same replications with the same seed, so every level sees the same faults and
the same per-incident draws (common random numbers): differences between levels
come from the resource, not from luck. The jobs of all levels go to the runner as one
batch, so a pool keeps every worker busy across levels.

A table is a pandas DataFrame with :data:`COLUMNS`, one row per level and series; the
attainment rows are read from :meth:`~simsvc.results.RunResult.commitments`, and
what the charts need besides the rows is in ``table.attrs``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from simsvc.model.depots import base_stock, nearest_depot_of_bases, stock_at_share
from simsvc.model.echelons import lead_time_hours
from simsvc.planner.analytic import offered_loads, palm_fill_rate, palm_stock_for
from simsvc.results import METRICS, RunResult
from simsvc.runner import Job, Runner, experiment_jobs
from simsvc.scenario.schema import Scenario
from simsvc.stats import mean_ci

COLUMNS = [
    "level",
    "series",
    "kind",
    "commitment",
    "metric",
    "goal",
    "mean",
    "ci_low",
    "ci_high",
    "met",
]
"""Columns of a level table.

``kind`` is ``attainment`` (``commitment`` is the commitment's id, ``series`` its
label, ``metric`` its clock), ``fill_rate`` (simulated) or ``palm`` (Palm's theorem,
no interval); ``commitment``, ``metric``, ``goal`` and ``met`` are empty for fill rates.
"""


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


def part_fill_rate(
    scenario: Scenario, columns: dict[str, np.ndarray], depot: str, part: str
) -> float:
    """Share of requests for ``part`` at ``depot`` (ids) served from its stock at once.

    Requests are counted as the depot counts them: a visit by an engineer whose
    home depot is ``depot`` that needs the part, or swaps in that spare unit,
    arriving within the horizon. NaN without requests.
    """
    j = [d.id for d in scenario.depot].index(depot)
    k = [p.id for p in scenario.part].index(part)
    home = np.asarray([-1 if d is None else d for d in nearest_depot_of_bases(scenario)])
    visited = columns["base"] >= 0
    home_of = np.where(visited, home[np.where(visited, columns["base"], 0)], -1)
    start = scenario.scenario.warmup
    arrival = columns["arrival"]
    in_window = (arrival >= start) & (arrival < start + scenario.scenario.horizon)
    requests = (columns["part"] == k) & (home_of == j) & in_window
    filled = columns["swap"] | ((columns["part_wait"] == 0) & (columns["depot"] == j))
    count = int(requests.sum())
    return float((requests & filled).sum()) / count if count else math.nan


def stock_rule_level(scenario: Scenario, depot: str, part: str, share: float = 0.15) -> int:
    """The base stock of ``part`` at ``depot`` under the rule "``share`` of the installed units"."""
    return stock_at_share(scenario, share)[depot, part]


def commitment_rows(
    level: int, result: RunResult, metrics: Iterable[str] = METRICS
) -> list[dict[str, Any]]:
    """Table rows of the commitments on ``metrics`` at ``level``, from ``result.commitments()``."""
    wanted = set(metrics)
    return [
        {
            "level": level,
            "series": row["label"],
            "kind": "attainment",
            "commitment": key,
            "metric": row["metric"],
            "goal": row["goal"],
            "mean": row["attainment"],
            "ci_low": row["ci_low"],
            "ci_high": row["ci_high"],
            "met": bool(row["met"]),
        }
        for key, row in result.commitments().to_dict(orient="index").items()
        if row["metric"] in wanted
    ]


def feasible_levels(table: pd.DataFrame) -> list[int]:
    """Levels at which every commitment of the table is met, ascending."""
    commitments = table[table["kind"] == "attainment"]
    met = commitments.groupby("level")["met"].all()
    return sorted(int(level) for level in met.index[met.to_numpy(bool)])


def run_levels(
    variants: Sequence[Scenario],
    *,
    replications: int,
    seed: int,
    keep_incidents: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """The result of each variant, all simulated as one batch with the same replications.

    Jobs go to ``runner`` if given (it stays open), else to one opened for the batch
    on ``executor`` or ``workers`` local processes. ``progress`` counts finished jobs.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    jobs: list[Job] = []
    for variant in variants:
        jobs += experiment_jobs(variant, seed, range(replications), keep_incidents=keep_incidents)
    if runner is not None:
        summaries = runner.map(jobs, progress)
    else:
        with Runner(workers=workers, executor=executor) as own:
            summaries = own.map(jobs, progress)
    return [
        RunResult(
            scenario=variant,
            seed=seed,
            replications=summaries[k * replications : (k + 1) * replications],
        )
        for k, variant in enumerate(variants)
    ]


def staffing_table(
    scenario: Scenario,
    base: str | None = None,
    levels: Iterable[int] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Attainment of every commitment for each number of engineers at ``base``.

    With ``base=None`` the level is the total over all bases, shared out by
    :func:`split_engineers`. Levels default to 1 up to two more than the file's.
    ``replications`` and ``seed`` default to the file's; the runner arguments are
    those of :func:`run_levels`.
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
    count = replications if replications is not None else scenario.scenario.replications
    base_seed = seed if seed is not None else scenario.scenario.seed
    variants = [
        scenario.with_resources(
            engineers=split_engineers(scenario, level) if base is None else {base: level}
        )
        for level in chosen
    ]
    results = run_levels(
        variants,
        replications=count,
        seed=base_seed,
        workers=workers,
        executor=executor,
        runner=runner,
        progress=progress,
    )
    rows: list[dict[str, Any]] = []
    for level, result in zip(chosen, results, strict=True):
        rows += commitment_rows(level, result)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(
        scenario=scenario.scenario.name,
        base=base,
        current=current,
        confidence=scenario.plan.confidence,
        replications=count,
        seed=base_seed,
    )
    return table


def spares_table(
    scenario: Scenario,
    depot: str,
    part: str,
    levels: Iterable[int] | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Fill rate of ``part`` at ``depot`` (simulated and by Palm's theorem) and the
    attainment of every resolution commitment, for each base stock level.

    Levels default to 0 up to one more than the largest of the file's stock, the
    15% rule and Palm's stock for a 99% fill rate (at most ``[plan]
    max_stock_per_part``). ``replications`` and ``seed`` default to the file's; the
    runner arguments are those of :func:`run_levels`.
    """
    depots, parts = [d.id for d in scenario.depot], [p.id for p in scenario.part]
    if depot not in depots:
        raise ValueError(f"unknown depot {depot!r} (known: {', '.join(depots) or 'none'})")
    if part not in parts:
        raise ValueError(f"unknown part {part!r} (known: {', '.join(parts) or 'none'})")
    j, k = depots.index(depot), parts.index(part)
    demand = offered_loads(scenario).part_demand.get((j, k), 0.0)
    resupply = lead_time_hours(scenario)[j][k]
    current = base_stock(scenario)[depot, part]
    rule = stock_rule_level(scenario, depot, part)
    if levels is None:
        top = max(current, rule, palm_stock_for(0.99, demand, resupply)) + 1
        levels = range(0, min(top, scenario.plan.max_stock_per_part) + 1)
    chosen = list(levels)
    if not chosen or min(chosen) < 0:
        raise ValueError(f"levels must be stock levels of at least 0, got {chosen}")
    count = replications if replications is not None else scenario.scenario.replications
    base_seed = seed if seed is not None else scenario.scenario.seed
    confidence = scenario.plan.confidence
    variants = [scenario.with_resources(stock={(depot, part): level}) for level in chosen]
    results = run_levels(
        variants,
        replications=count,
        seed=base_seed,
        workers=workers,
        executor=executor,
        runner=runner,
        progress=progress,
    )
    rows: list[dict[str, Any]] = []
    for level, result in zip(chosen, results, strict=True):
        # the depot's own count of the part: a supplier's includes its children's orders
        fills = [r.parts[depot, part].fill_rate for r in result.replications]
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
        replications=count,
        seed=base_seed,
    )
    return table


def _fill_row(level: int, kind: str, mean: float, low: float, high: float) -> dict[str, Any]:
    series = "fill rate" if kind == "fill_rate" else "Palm fill rate"
    return {
        "level": level,
        "series": series,
        "kind": kind,
        "commitment": None,
        "metric": None,
        "goal": math.nan,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "met": None,
    }
