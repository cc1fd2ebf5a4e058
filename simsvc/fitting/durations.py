"""Duration distributions fitted to observed hours: the families a scenario can state.

Each family of :mod:`simsvc.scenario.units` with parameters (exponential, lognormal,
gamma, triangular) is fitted by maximum likelihood (scipy.stats, location fixed at 0 where
the scenario's form has none); the family with the least AIC (``2k - 2 log L``) is chosen,
and its fit is measured by the Kolmogorov-Smirnov distance to the sample (the p-value is
approximate: the parameters come from the same sample, which makes it conservative).
Every duration is in hours.

The mean and cv of the chosen family carry intervals at the requested confidence:
exponential, exact (chi-square); lognormal, exact for the cv (chi-square on the variance of
the logs) and Cox's interval for the mean; gamma, from the Fisher information (mean and
shape are orthogonal parameters); triangular, a seeded bootstrap of the sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

FAMILIES = ("exponential", "lognormal", "gamma", "triangular")
"""The families compared by AIC."""

SCIPY_NAMES = {
    "exponential": "expon",
    "lognormal": "lognorm",
    "gamma": "gamma",
    "triangular": "triang",
}
"""The scipy.stats distribution of each family."""

MIN_SAMPLE = 10
"""The fewest positive durations a distribution is fitted to."""


@dataclass(frozen=True)
class Interval:
    """An estimate and its interval (same unit as the estimate)."""

    value: float
    low: float
    high: float

    def covers(self, truth: float) -> bool:
        """Whether ``truth`` lies in the interval (inclusive)."""
        return self.low - 1e-12 <= truth <= self.high + 1e-12


@dataclass(frozen=True)
class DurationFit:
    """The chosen family for a sample of durations (hours) and how the others compared."""

    family: str
    distribution: dict[str, Any]
    """The scenario's table for it: ``{"dist": "lognormal", "mean": "2.1h", "cv": 0.55}``."""
    mean: Interval
    cv: Interval
    n: int
    aic: dict[str, float]
    ks_distance: float
    ks_pvalue: float
    left_out: int = 0
    """Non-positive durations left out (stamps equal to the second)."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "family": self.family,
            "distribution": self.distribution,
            "mean_hours": _interval_dict(self.mean),
            "cv": _interval_dict(self.cv),
            "n": self.n,
            "aic": self.aic,
            "ks_distance": self.ks_distance,
            "ks_pvalue": self.ks_pvalue,
            "left_out": self.left_out,
        }


def _interval_dict(interval: Interval) -> dict[str, float]:
    return {"value": interval.value, "ci_low": interval.low, "ci_high": interval.high}


def hours_text(hours: float) -> str:
    """A duration as the scenario writes it, to 4 significant figures (``"1.25h"``)."""
    if hours < 1:
        return f"{hours * 60:.4g}min"
    return f"{hours:.4g}h"


def _loglik(family: str, x: np.ndarray, params: tuple[float, ...]) -> float:
    distribution = getattr(stats, SCIPY_NAMES[family])
    return float(np.sum(distribution.logpdf(x, *params)))


def _mle(family: str, x: np.ndarray) -> tuple[float, ...] | None:
    """scipy.stats parameters of the family's MLE, or ``None`` if it has none here."""
    if family == "exponential":
        return (0.0, float(x.mean()))
    if family == "lognormal":
        logs = np.log(x)
        return (float(logs.std()), 0.0, float(math.exp(logs.mean())))
    if family == "gamma":
        shape, _, scale = stats.gamma.fit(x, floc=0)
        return (float(shape), 0.0, float(scale))
    c, loc, scale = stats.triang.fit(x)
    if loc < 0 or scale <= 0 or not 0 <= c <= 1:
        return None  # a triangular law with a negative low is not a duration
    return (float(c), float(loc), float(scale))


def fit_duration(
    hours: np.ndarray, confidence: float = 0.95, *, seed: int = 20261122
) -> DurationFit | None:
    """The best family for ``hours`` by AIC, with intervals; ``None`` below :data:`MIN_SAMPLE`.

    Durations that are not positive are left out (counted in ``left_out``). A sample whose
    values are all equal is a constant.
    """
    values = np.asarray(hours, float)
    values = values[np.isfinite(values)]
    x = values[values > 0]
    left_out = len(values) - len(x)
    n = len(x)
    if n < MIN_SAMPLE:
        return None
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    if float(x.std()) <= 1e-9 * float(x.mean()):
        value = float(x.mean())
        return DurationFit(
            "constant",
            {"dist": "constant", "value": hours_text(value)},
            Interval(value, value, value),
            Interval(0.0, 0.0, 0.0),
            n,
            {},
            0.0,
            1.0,
            left_out,
        )
    fits: dict[str, tuple[float, ...]] = {}
    aic: dict[str, float] = {}
    for family in FAMILIES:
        params = _mle(family, x)
        if params is None:
            continue
        loglik = _loglik(family, x, params)
        if math.isfinite(loglik):
            fits[family] = params
            aic[family] = 2 * len(_free(family)) - 2 * loglik
    family = min(aic, key=aic.__getitem__)
    params = fits[family]
    mean, cv, table = _summary(family, x, params, confidence, z, seed)
    distribution = getattr(stats, SCIPY_NAMES[family])
    test = stats.kstest(x, distribution.cdf, args=params)
    return DurationFit(
        family,
        table,
        mean,
        cv,
        n,
        aic,
        float(test.statistic),
        float(test.pvalue),
        left_out,
    )


def _free(family: str) -> tuple[str, ...]:
    """The free parameters of each family (the scenario's form)."""
    return {
        "exponential": ("mean",),
        "lognormal": ("mean", "cv"),
        "gamma": ("mean", "cv"),
        "triangular": ("low", "mode", "high"),
    }[family]


def _summary(
    family: str,
    x: np.ndarray,
    params: tuple[float, ...],
    confidence: float,
    z: float,
    seed: int,
) -> tuple[Interval, Interval, dict[str, Any]]:
    """Mean and cv with intervals, and the scenario's table, for the chosen family."""
    n = len(x)
    alpha = 1 - confidence
    if family == "exponential":
        mean = float(x.mean())
        low = 2 * n * mean / float(stats.chi2.ppf(1 - alpha / 2, 2 * n))
        high = 2 * n * mean / float(stats.chi2.ppf(alpha / 2, 2 * n))
        return (
            Interval(mean, low, high),
            Interval(1.0, 1.0, 1.0),
            {"dist": "exponential", "mean": hours_text(mean)},
        )
    if family == "lognormal":
        logs = np.log(x)
        variance = float(logs.var(ddof=1))
        sigma2 = float(logs.var())  # the MLE
        mean = math.exp(float(logs.mean()) + sigma2 / 2)
        spread = z * math.sqrt(variance / n + variance**2 / (2 * (n - 1)))
        centre = float(logs.mean()) + variance / 2
        v_low = (n - 1) * variance / float(stats.chi2.ppf(1 - alpha / 2, n - 1))
        v_high = (n - 1) * variance / float(stats.chi2.ppf(alpha / 2, n - 1))
        cv = math.sqrt(math.expm1(sigma2))
        return (
            Interval(mean, math.exp(centre - spread), math.exp(centre + spread)),
            Interval(cv, math.sqrt(math.expm1(v_low)), math.sqrt(math.expm1(v_high))),
            {"dist": "lognormal", "mean": hours_text(mean), "cv": round(cv, 4)},
        )
    if family == "gamma":
        shape, _, scale = params
        mean = shape * scale
        mean_se = 1 / math.sqrt(n * shape)  # relative: var(mean) = mean^2 / (n shape)
        shape_se = 1 / math.sqrt(n * (float(special.polygamma(1, shape)) - 1 / shape))
        log_shape_se = shape_se / shape
        cv = 1 / math.sqrt(shape)
        return (
            Interval(mean, mean * math.exp(-z * mean_se), mean * math.exp(z * mean_se)),
            Interval(cv, cv * math.exp(-z * log_shape_se / 2), cv * math.exp(z * log_shape_se / 2)),
            {"dist": "gamma", "mean": hours_text(mean), "cv": round(max(cv, 1e-3), 4)},
        )
    c, loc, scale = params
    low, high = loc, loc + scale
    mode = loc + c * scale
    mean = (low + mode + high) / 3
    var = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    cv = math.sqrt(var) / mean
    rng = np.random.default_rng(seed)
    draws = x[rng.integers(0, n, size=(400, n))]
    means = draws.mean(axis=1)
    cvs = draws.std(axis=1) / means
    q = (alpha / 2, 1 - alpha / 2)
    m_low, m_high = (float(v) for v in np.quantile(means, q))
    c_low, c_high = (float(v) for v in np.quantile(cvs, q))
    return (
        Interval(mean, m_low, m_high),
        Interval(cv, c_low, c_high),
        {
            "dist": "triangular",
            "low": hours_text(low),
            "mode": hours_text(mode),
            "high": hours_text(high),
        },
    )


__all__ = ["FAMILIES", "MIN_SAMPLE", "DurationFit", "Interval", "fit_duration", "hours_text"]
