"""Variants side by side: the tables the page shows, read from :class:`RunResult` tables.

Every variant is run with the baseline's seed, so replication ``r`` of each variant sees
the same faults and the same per-incident draws (common random numbers). The difference
of a commitment's attainment to the baseline is then estimated replication by
replication: the point is the difference of the pooled attainments, its interval the
Student-t interval of the paired per-replication differences, which is much narrower
than the two intervals side by side suggest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simsvc.app.words import Words
from simsvc.stats import student_t_quantile

if TYPE_CHECKING:
    import pandas as pd

    from simsvc.results import RunResult


@dataclass(frozen=True)
class Difference:
    """A variant's attainment minus the baseline's (shares), and its interval."""

    mean: float
    ci_low: float
    ci_high: float

    @property
    def clear(self) -> bool:
        """Whether the interval excludes zero (the change is more than noise)."""
        return bool(self.ci_low > 0 or self.ci_high < 0)


def paired_difference(variant: RunResult, baseline: RunResult, commitment: str) -> Difference:
    """The difference in ``commitment``'s attainment, variant minus baseline, on paired
    replications (the first ``min(n_variant, n_baseline)`` of each)."""
    point = variant.attainment(commitment).mean - baseline.attainment(commitment).mean
    pairs = [
        v.attainment[commitment] - b.attainment[commitment]
        for v, b in zip(variant.replications, baseline.replications, strict=False)
    ]
    values = np.asarray(pairs, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2 or not math.isfinite(point):
        return Difference(point, math.nan, math.nan)
    confidence = baseline.confidence
    half = student_t_quantile((1 + confidence) / 2, len(values) - 1)
    half *= float(values.std(ddof=1)) / math.sqrt(len(values))
    return Difference(point, point - half, point + half)


def commitments_table(
    results: Mapping[str, RunResult], baseline: str, words: Words
) -> pd.DataFrame:
    """One row per commitment of the baseline: its goal, then for each result (in order)
    its attainment with interval, verdict and breach risk, and for each result but the
    baseline the difference to it. Texts formatted for ``words``' language."""
    import pandas as pd

    base = results[baseline]
    rows: dict[str, dict[str, str]] = {}
    for key, estimate in base.estimates.items():
        row = {words("goal"): words.percent(estimate.commitment.goal, 0)}
        for name, result in results.items():
            if key not in result.estimates:
                continue
            e = result.estimates[key]
            a = e.attainment
            row[f"{name}: {words('attainment')}"] = (
                f"{words.percent(a.mean)} {words.interval(a.ci_low, a.ci_high)}".strip()
            )
            row[f"{name}: {words('verdict')}"] = words.verdict(e.verdict)
            risk = e.breach_risk
            row[f"{name}: {words('breach_risk')}"] = words.percent(risk.mean)
            if name != baseline:
                d = paired_difference(result, base, key)
                shown = words.points(d.mean)
                if math.isfinite(d.ci_low):
                    shown += f" [{d.ci_low * 100:+.1f}, {d.ci_high * 100:+.1f}]"
                row[f"{name}: {words('difference')}"] = shown
        rows[estimate.commitment.label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = words("commitment")
    return table


COST_ITEMS = ("engineers", "desk", "remote", "holding", "penalties", "total")
"""The rows of the cost table, as :meth:`RunResult.cost` names them."""


def cost_table(results: Mapping[str, RunResult], words: Words) -> pd.DataFrame:
    """The yearly cost of each result (columns) by item (rows), in the scenario's currency."""
    import pandas as pd

    columns: dict[str, list[str]] = {}
    currency = "CNY"
    for name, result in results.items():
        currency = result.scenario.scenario.currency
        cost = result.cost()
        columns[name] = [words.money(cost.get(item, 0.0), currency) for item in COST_ITEMS]
    index = pd.Index(
        [words(f"cost_{item}") for item in COST_ITEMS],
        name=words("per_year", currency=currency),
    )
    return pd.DataFrame(columns, index=index)


def utilisation_table(results: Mapping[str, RunResult], words: Words) -> pd.DataFrame:
    """Utilisation of each base, the desk and the remote tier, and each depot's fill rate
    (rows), for each result (columns), as percentages."""
    import pandas as pd

    rows: dict[str, dict[str, str]] = {}
    for name, result in results.items():
        for base, row in result.bases().iterrows():
            rows.setdefault(words("base_util", base=base), {})[name] = (
                f"{words.percent(row['utilization'])} · {int(row['engineers'])}"
            )
        for table, key in ((result.desk(), "desk"), (result.remote(), "remote")):
            for _, row in table.iterrows():
                rows.setdefault(words(key), {})[name] = (
                    f"{words.percent(row['utilization'])} · {int(row['agents'])}"
                )
        for depot, row in result.depots().iterrows():
            rows.setdefault(words("fill_rate", depot=depot), {})[name] = words.percent(
                row["fill_rate"]
            )
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = words("resource")
    return table.reindex(columns=list(results)).fillna("-")
