"""Attainment, percentiles and confidence intervals.

Replications are independent, so a quantity measured once per replication
(attainment of a commitment, a utilisation, a fill rate) gets a Student-t
confidence interval over replications. Percentiles of a clock pool the counted
incidents of every replication.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PERCENTILES: tuple[int, ...] = (50, 90, 95, 99)


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its two-sided confidence interval.

    With fewer than two finite values there is no interval (``ci_low`` and
    ``ci_high`` are NaN); with none, the mean is NaN too.
    """

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float | None]:
        """``{"mean", "ci_low", "ci_high"}`` with NaN written as ``None``."""
        return {
            "mean": _finite(self.mean),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def student_t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t with ``df`` degrees of freedom.

    ``scipy.special.stdtrit`` gives ``scipy.stats.t.ppf``'s value without importing
    ``scipy.stats`` (about 2 s of start-up on a loaded machine).
    """
    from scipy.special import stdtrit

    return float(stdtrit(df, probability))


def mean_ci(
    values: np.ndarray | list[float],
    confidence: float,
    share: bool = False,
    *,
    nonnegative: bool = False,
) -> Estimate:
    """Mean of the finite values and its Student-t interval at ``confidence``.

    The interval respects the quantity's range: [0, 1] for a ``share``, [0, inf) for a
    ``nonnegative`` quantity (a count, a backorder level), and always contains the mean.
    """
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    n = len(data)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(data.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n)
    half = student_t_quantile((1 + confidence) / 2, n - 1) * float(data.std(ddof=1))
    half /= math.sqrt(n)
    low, high = mean - half, mean + half
    if share or nonnegative:
        low = max(low, 0.0)
    if share:
        high = min(high, 1.0)
    return Estimate(mean, min(low, mean), max(high, mean), n)


def clock_summary(hours: np.ndarray) -> dict[str, float | None]:
    """Mean and percentiles of a clock (hours); ``None`` where undefined or infinite."""
    data = np.asarray(hours, dtype=float)
    data = data[~np.isnan(data)]
    summary: dict[str, float | None] = {"mean": None, **{f"p{p}": None for p in PERCENTILES}}
    if len(data) == 0:
        return summary
    summary["mean"] = _finite(float(data.mean())) if np.isfinite(data).all() else None
    with np.errstate(invalid="ignore"):  # open incidents (inf) make inf - inf: no percentile
        values = np.percentile(data, PERCENTILES)
    for p, value in zip(PERCENTILES, values, strict=True):
        summary[f"p{p}"] = _finite(float(value))
    return summary


def share_within(clock_hours: np.ndarray, bound_hours: float) -> float:
    """Share of values within the bound (NaN when there are none)."""
    data = np.asarray(clock_hours, dtype=float)
    if len(data) == 0:
        return math.nan
    return float(np.count_nonzero(data <= bound_hours + 1e-9)) / len(data)


def jsonable(value: Any) -> Any:
    """Convert numpy scalars and non-finite floats for ``json.dump``."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def proportion_ci(
    successes: Sequence[float], trials: Sequence[float], confidence: float
) -> Estimate:
    """A share pooled over replications, with an interval that never collapses.

    The estimate is the pooled share ``sum(successes) / sum(trials)`` over replications
    with at least one trial. Its interval is the exact (Clopper-Pearson) binomial interval
    on an *effective* sample size: the pooled trials divided by the design effect, the
    ratio of the between-replication variance of the share to the binomial variance (never
    below 1). Replications are independent clusters of correlated incidents (a bad week
    delays many at once), so the binomial interval alone would be too narrow.

    Why this interval: it always contains the estimate, stays within [0, 1] and keeps a
    width when every trial succeeds or none does (a t-interval over replications collapses
    to a point there), and its coverage is at least the nominal level for every true share,
    including shares near 0 or 1 where Wilson's and Jeffreys' intervals fall below it
    (``tests/test_verdicts.py`` measures the coverage). ``n`` of the estimate is the number
    of replications with trials.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    x, n = x[keep], n[keep]
    replications = len(n)
    if replications == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    total = float(n.sum())
    share = float(x.sum()) / total
    design = 1.0
    if replications >= 2 and 0.0 < share < 1.0:
        between = replications / (replications - 1) * float(((x - share * n) ** 2).sum())
        design = max(1.0, between / (share * (1 - share) * total))
    low, high = exact_binomial_interval(share, total / design, confidence)
    return Estimate(share, min(low, share), max(high, share), replications)


def exact_binomial_interval(share: float, trials: float, confidence: float) -> tuple[float, float]:
    """The Clopper-Pearson interval of a share seen over ``trials`` (possibly fractional)."""
    from scipy.special import betaincinv

    tail = (1 - confidence) / 2
    hits = share * trials
    low = 0.0 if hits <= 0 else float(betaincinv(hits, trials - hits + 1, tail))
    high = 1.0 if hits >= trials else float(betaincinv(hits + 1, trials - hits, 1 - tail))
    return low, high
