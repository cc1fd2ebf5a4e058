"""Durations and distributions as written in a scenario file.

Sampling tests use a fixed seed and tolerances derived from the sample itself: the
mean within 4 standard errors, the coefficient of variation within 4 asymptotic
standard errors (delta method on the first four sample moments). Nothing is tuned by
hand, so a change of seed or sample size keeps the tests meaningful.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simsvc.scenario.units import (
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    format_hours,
    parse_duration,
)

DIST: TypeAdapter[object] = TypeAdapter(Distribution)
Z = 4.0  # standard errors allowed; P(|N(0,1)| > 4) = 6e-5 per check
N = 200_000


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("45s", 45 / 3600),
        ("30min", 0.5),
        ("2h", 2.0),
        ("1.5h", 1.5),
        ("14d", 336.0),
        ("0.5d", 12.0),
        ("90 min", 1.5),
        (" 2h ", 2.0),
        ("2H", 2.0),
        ("1w", 168.0),
        ("3", 3.0),
        (".25h", 0.25),
        ("1e1h", 10.0),
        ("0h", 0.0),
        (2, 2.0),
        (0.5, 0.5),
        (0, 0.0),
    ],
)
def test_parse_duration(text: object, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours, rel=1e-12)
    assert isinstance(parse_duration(text), float)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (-1, "not negative"),
        (-0.5, "not negative"),
        ("-2h", "expected a duration"),
        ("2 parsecs", "unknown unit 'parsecs'"),
        ("2y", "unknown unit 'y'"),
        ("h", "expected a duration"),
        ("", "expected a duration"),
        ("two hours", "expected a duration"),
        ("2h30min", "expected a duration"),
        (float("inf"), "finite"),
        (float("nan"), "finite"),
        (True, "expected a duration"),
        (None, "expected a duration"),
        ([2], "expected a duration"),
    ],
)
def test_parse_duration_rejects(value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_duration(value)


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0.5, "30min"),
        (0.75, "45min"),
        (2.0, "2h"),
        (1.5, "1.5h"),
        (72.0, "3d"),
        (36.0, "36h"),
        (336.0, "14d"),
    ],
)
def test_format_hours_round_trips(hours: float, text: str) -> None:
    assert format_hours(hours) == text
    assert parse_duration(text) == pytest.approx(hours)


# -- distributions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "mean", "cv"),
    [
        ({"dist": "constant", "value": "6h"}, Constant, 6.0, 0.0),
        ("6h", Constant, 6.0, 0.0),
        (1.25, Constant, 1.25, 0.0),
        ({"dist": "exponential", "mean": "45min"}, Exponential, 0.75, 1.0),
        ({"dist": "lognormal", "mean": "2h", "cv": 0.5}, Lognormal, 2.0, 0.5),
        ({"dist": "gamma", "mean": "2h", "cv": 0.8}, Gamma, 2.0, 0.8),
        (
            {"dist": "triangular", "low": "1h", "mode": "2h", "high": "6h"},
            Triangular,
            3.0,
            math.sqrt((1 + 36 + 4 - 6 - 2 - 12) / 18) / 3.0,
        ),
        (
            {"dist": "empirical", "values": ["1h", "2h", "2h", "5h"]},
            Empirical,
            2.5,
            math.sqrt(((1.5**2) + 0.25 + 0.25 + 2.5**2) / 4) / 2.5,
        ),
    ],
    ids=[
        "constant",
        "bare-string",
        "bare-number",
        "exponential",
        "lognormal",
        "gamma",
        "triangular",
        "empirical",
    ],
)
def test_stated_mean_and_cv(raw: object, kind: type, mean: float, cv: float) -> None:
    dist = DIST.validate_python(raw)
    assert isinstance(dist, kind)
    assert dist.mean == pytest.approx(mean, rel=1e-12)  # type: ignore[attr-defined]
    assert dist.cv == pytest.approx(cv, rel=1e-12, abs=1e-15)  # type: ignore[attr-defined]


def _mean_and_cv_errors(sample: np.ndarray) -> tuple[float, float, float, float]:
    """Sample mean and cv with their asymptotic standard errors (plug-in moments)."""
    n = len(sample)
    m = float(sample.mean())
    centred = sample - m
    var = float(np.mean(centred**2))
    mu3 = float(np.mean(centred**3))
    mu4 = float(np.mean(centred**4))
    sd = math.sqrt(var)
    cv = sd / m
    # cv = g(mean, var) = sqrt(var) / mean; delta method with
    # Var(mean) = var/n, Var(var) = (mu4 - var^2)/n, Cov(mean, var) = mu3/n
    d_mean = -sd / m**2
    d_var = 1 / (2 * m * sd)
    var_cv = (d_mean**2 * var + 2 * d_mean * d_var * mu3 + d_var**2 * (mu4 - var**2)) / n
    return m, math.sqrt(var / n), cv, math.sqrt(var_cv)


STOCHASTIC = [
    ({"dist": "exponential", "mean": "45min"}, 0.75, 1.0),
    ({"dist": "lognormal", "mean": "2h", "cv": 0.5}, 2.0, 0.5),
    ({"dist": "lognormal", "mean": "30min", "cv": 1.2}, 0.5, 1.2),
    ({"dist": "gamma", "mean": "2h", "cv": 0.8}, 2.0, 0.8),
    ({"dist": "gamma", "mean": "14d", "cv": 0.3}, 336.0, 0.3),
    ({"dist": "triangular", "low": "1h", "mode": "2h", "high": "6h"}, 3.0, None),
    ({"dist": "triangular", "low": "14d", "mode": "21d", "high": "35d"}, 70 / 3 * 24, None),
    ({"dist": "empirical", "values": ["1h", "2h", "2h", "5h"]}, 2.5, None),
]


@pytest.mark.parametrize(
    ("raw", "mean", "cv"), STOCHASTIC, ids=lambda v: v["dist"] if isinstance(v, dict) else None
)
def test_sample_mean_and_cv_match_the_stated_ones(
    raw: dict[str, object], mean: float, cv: float | None
) -> None:
    dist = DIST.validate_python(raw)
    if cv is None:
        cv = dist.cv  # type: ignore[attr-defined]
    assert dist.mean == pytest.approx(mean)  # type: ignore[attr-defined]
    sample = dist.sample(np.random.default_rng(20261122), N)  # type: ignore[attr-defined]
    assert sample.shape == (N,)
    assert (sample >= 0).all()
    m, se_m, c, se_c = _mean_and_cv_errors(sample)
    assert abs(m - mean) <= Z * se_m, f"mean {m} vs {mean} (se {se_m})"
    assert abs(c - cv) <= Z * se_c, f"cv {c} vs {cv} (se {se_c})"


def test_the_tolerance_is_tight_enough_to_catch_a_wrong_cv() -> None:
    """A lognormal sampled with cv 0.5 is told apart from one claiming cv 0.55."""
    sample = DIST.validate_python({"dist": "lognormal", "mean": 2, "cv": 0.5}).sample(  # type: ignore[attr-defined]
        np.random.default_rng(1), N
    )
    _, _, c, se_c = _mean_and_cv_errors(sample)
    assert abs(c - 0.55) > Z * se_c


def test_constant_samples_are_exact() -> None:
    for raw in ({"dist": "constant", "value": "6h"}, "6h", 6):
        dist = DIST.validate_python(raw)
        sample = dist.sample(np.random.default_rng(0), 1000)  # type: ignore[attr-defined]
        assert (sample == 6.0).all()


def test_empirical_resamples_only_the_given_values() -> None:
    dist = DIST.validate_python({"dist": "empirical", "values": ["1h", "2h", "2h", "5h"]})
    sample = dist.sample(np.random.default_rng(3), N)  # type: ignore[attr-defined]
    values, counts = np.unique(sample, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 5.0]
    # each value's share within 4 binomial standard errors of its weight
    for count, p in zip(counts, [0.25, 0.5, 0.25], strict=True):
        assert abs(count / N - p) <= Z * math.sqrt(p * (1 - p) / N)


def test_triangular_stays_within_its_bounds() -> None:
    dist = DIST.validate_python({"dist": "triangular", "low": "1h", "mode": "2h", "high": "6h"})
    sample = dist.sample(np.random.default_rng(4), N)  # type: ignore[attr-defined]
    assert sample.min() >= 1.0
    assert sample.max() <= 6.0


def test_same_seed_same_sample() -> None:
    dist = DIST.validate_python({"dist": "gamma", "mean": "2h", "cv": 0.8})
    a = dist.sample(np.random.default_rng(9), 100)  # type: ignore[attr-defined]
    b = dist.sample(np.random.default_rng(9), 100)  # type: ignore[attr-defined]
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"dist": "weibull", "mean": "2h"}, "union_tag_invalid"),
        ({"mean": "2h"}, "union_tag_not_found"),
        ({"dist": "lognormal", "mean": "2h"}, "missing"),
        ({"dist": "lognormal", "mean": "2h", "cv": -0.1}, "greater_than_equal"),
        ({"dist": "gamma", "mean": "2h", "cv": 0}, "greater_than_equal"),
        ({"dist": "exponential", "mean": 0}, "greater_than"),
        ({"dist": "exponential", "mean": "-1h"}, "value_error"),
        ({"dist": "triangular", "low": "3h", "mode": "2h", "high": "1h"}, "value_error"),
        ({"dist": "triangular", "low": "1h", "mode": "7h", "high": "6h"}, "value_error"),
        ({"dist": "triangular", "low": "2h", "mode": "2h", "high": "2h"}, "value_error"),
        ({"dist": "empirical", "values": []}, "too_short"),
        ({"dist": "empirical", "values": ["1h", "2 parsecs"]}, "value_error"),
        ({"dist": "constant", "value": "6h", "mean": "1h"}, "extra_forbidden"),
        ("2 parsecs", "value_error"),
        (-3, "value_error"),
    ],
)
def test_bad_distributions_are_rejected(raw: object, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DIST.validate_python(raw)
    assert words in {e["type"] for e in caught.value.errors()}
