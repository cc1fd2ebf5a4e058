"""Durations and random distributions as written in a scenario file.

A duration is a number of hours (``2``, ``0.5``) or a string with a unit
(``"45s"``, ``"30min"``, ``"2h"``, ``"14d"``). The simulation clock is in hours,
so every parsed duration is a ``float`` number of hours.

A distribution is a table with ``dist`` and its parameters, each parameter a
duration: ``{ dist = "lognormal", mean = "2h", cv = 0.5 }``. A bare duration
means a constant. Every distribution knows its mean and coefficient of
variation, and samples many values at once from a ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

HOURS_PER_UNIT: dict[str, float] = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "mins": 1 / 60,
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "m": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "w": 168.0,
    "week": 168.0,
    "weeks": 168.0,
    # as Chinese tenders write them: 30分钟, 2小时, 3天, 1周 (a trailing 内, "within", is read too)
    "秒": 1 / 3600,
    "秒钟": 1 / 3600,
    "分": 1 / 60,
    "分钟": 1 / 60,
    "小时": 1.0,
    "个小时": 1.0,
    "时": 1.0,
    "天": 24.0,
    "日": 24.0,
    "周": 168.0,
    "星期": 168.0,
}

MAX_HOURS = 100 * 8760.0
"""The longest duration a scenario may state (100 years)."""

MAX_CV = 10.0
"""The largest coefficient of variation a distribution may state."""


def not_a_bool(value: object) -> object:
    """Refuse ``true`` and ``false`` where a number is expected (pydantic reads them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


_DURATION = re.compile(
    r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z\u4e00-\u9fff]*?)\s*(?:内|以内)?\s*$"
)


def parse_duration(value: object) -> float:
    """Return a duration in hours from a number of hours or a string with a unit.

    Raises ``ValueError`` with a message that says what was expected.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 2, '30min', '2h' or '14d', got {value!r}")
    if isinstance(value, int | float):
        try:
            hours = float(value)
        except OverflowError:
            raise ValueError("a duration must be at most 100 years") from None
    elif isinstance(value, str):
        if len(value) > 40:
            raise ValueError(f"expected a duration such as '30min' or '2h', got {value[:40]!r}...")
        match = _DURATION.match(value)
        if not match:
            raise ValueError(
                f"expected a duration such as '45s', '30min', '2h' or '14d', got {value!r}"
            )
        number, unit = match.groups()
        unit = unit.lower() or "h"
        if unit not in HOURS_PER_UNIT:
            known = (
                "s, min, h, d, w (or seconds, minutes, hours, days, weeks; 秒, 分钟, 小时, 天, 周)"
            )
            raise ValueError(f"unknown unit {unit!r} in duration {value!r} (known: {known})")
        hours = float(number) * HOURS_PER_UNIT[unit]
    else:
        raise ValueError(f"expected a duration such as 2, '30min', '2h' or '14d', got {value!r}")
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"a duration must be finite and not negative, got {value!r}")
    if hours > MAX_HOURS:
        raise ValueError(f"a duration must be at most 100 years, got {value!r}")
    return hours


def format_hours(hours: float) -> str:
    """Format a number of hours the way a tender prints it (``30min``, ``2h``, ``3d``)."""
    if hours < 1:
        return f"{hours * 60:g}min"
    if hours >= 48 and hours % 24 == 0:
        return f"{hours / 24:g}d"
    return f"{hours:g}h"


Duration = Annotated[float, BeforeValidator(parse_duration, json_schema_input_type=float | str)]
"""A duration field: parsed to hours, never negative."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def cv(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class Constant(_Dist):
    """Always the same duration."""

    dist: Literal["constant"] = Field(default="constant", description="the kind of distribution")
    value: Duration = Field(description="the duration")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def cv(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


class Exponential(_Dist):
    """Memoryless durations with the given mean (cv 1)."""

    dist: Literal["exponential"] = Field(description="the kind of distribution")
    mean_: Duration = Field(alias="mean", gt=0, description="the mean duration")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def cv(self) -> float:
        return 1.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_, size)


class _MeanAndCv(_Dist):
    """A distribution given by its mean (a duration) and coefficient of variation."""

    mean_: Duration = Field(alias="mean", gt=0, description="the mean duration")
    cv_: Annotated[float, BeforeValidator(not_a_bool)] = Field(
        alias="cv",
        ge=0,
        le=MAX_CV,
        allow_inf_nan=False,
        description="coefficient of variation: standard deviation / mean",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def cv(self) -> float:
        return self.cv_


class Lognormal(_MeanAndCv):
    """Right-skewed durations given by their mean and coefficient of variation."""

    dist: Literal["lognormal"] = Field(description="the kind of distribution")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv_**2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)


class Gamma(_MeanAndCv):
    """Gamma durations given by their mean and coefficient of variation (cv > 0)."""

    dist: Literal["gamma"] = Field(description="the kind of distribution")
    cv_: Annotated[float, BeforeValidator(not_a_bool)] = Field(
        alias="cv",
        ge=1e-3,
        le=MAX_CV,
        allow_inf_nan=False,
        description="coefficient of variation: standard deviation / mean (above 0)",
    )

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = 1 / self.cv_**2
        return rng.gamma(shape, self.mean_ / shape, size)


class Triangular(_Dist):
    """Durations between ``low`` and ``high``, most often near ``mode``."""

    dist: Literal["triangular"] = Field(description="the kind of distribution")
    low: Duration = Field(description="the shortest duration")
    mode: Duration = Field(description="the most likely duration")
    high: Duration = Field(description="the longest duration")

    @field_validator("high")
    @classmethod
    def _ordered(cls, high: float, info: Any) -> float:
        low, mode = info.data.get("low"), info.data.get("mode")
        if low is not None and mode is not None and not (low <= mode <= high and low < high):
            raise ValueError("expected low <= mode <= high and low < high")
        return high

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def cv(self) -> float:
        a, c, b = self.low, self.mode, self.high
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        return math.sqrt(var) / self.mean if self.mean > 0 else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)


class Empirical(_Dist):
    """Durations resampled from observed values."""

    dist: Literal["empirical"] = Field(description="the kind of distribution")
    values: list[Duration] = Field(
        min_length=1, description="observed durations, resampled with equal weight"
    )

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def cv(self) -> float:
        mean = self.mean
        return float(np.std(self.values)) / mean if mean > 0 else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size)


def _bare_duration_is_constant(value: object) -> object:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Exponential | Lognormal | Gamma | Triangular | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(
        _bare_duration_is_constant,
        json_schema_input_type=float
        | str
        | Constant
        | Exponential
        | Lognormal
        | Gamma
        | Triangular
        | Empirical,
    ),
]
"""A distribution field: a table with ``dist``, or a bare duration (a constant)."""


def constant(hours: float) -> Constant:
    """A constant distribution of ``hours``."""
    return Constant(value=hours)
