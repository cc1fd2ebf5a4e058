"""Verdicts: whether a commitment is met, not met, or undecided, under the chosen criterion.

A verdict is a claim a bid team signs, so it is three-valued and never a coin flip:

- criterion ``"mean"`` (``[plan] criterion``, the default): the attainment over the whole
  assessment is estimated with a confidence interval; **met** when the interval's lower
  bound reaches the goal, **not met** when its upper bound is below the goal, else
  **undecided** (more replications would tell);
- criterion ``"risk"``: the *breach risk*, the share of assessment periods (months,
  quarters, years: ``period``) whose attainment falls below the goal, is estimated with
  its interval; **met** when the upper bound is at most ``[plan] max_breach_risk``, **not
  met** when the lower bound is above it, else **undecided**.

A commitment with no counted incident at all is undecided. ``met`` in the results JSON is
true only for the verdict ``"met"``.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from simsvc.stats import Estimate

Verdict = Literal["met", "not met", "undecided"]
VERDICTS: tuple[Verdict, ...] = ("met", "not met", "undecided")

_SLACK = 1e-12  # a bound exactly at the goal meets it, whatever the rounding


class Evidence(NamedTuple):
    """What a verdict on one commitment rests on."""

    criterion: str
    attainment: Estimate
    goal: float
    breach_risk: Estimate
    max_breach_risk: float


def verdict(evidence: Evidence) -> Verdict:
    """The verdict on one commitment (see the module doc)."""
    criterion, attainment, goal, breach_risk, max_breach_risk = evidence
    if criterion == "risk":
        low, high = breach_risk.ci_low, breach_risk.ci_high
        if not (math.isfinite(low) and math.isfinite(high)):
            return "undecided"
        if high <= max_breach_risk + _SLACK:
            return "met"
        return "not met" if low > max_breach_risk + _SLACK else "undecided"
    low, high = attainment.ci_low, attainment.ci_high
    if not (math.isfinite(low) and math.isfinite(high)):
        return "undecided"
    if low >= goal - _SLACK:
        return "met"
    return "not met" if high < goal - _SLACK else "undecided"


def shortfall(evidence: Evidence) -> float:
    """How far a commitment is from a "met" verdict (0 when met), in shares.

    Under ``"mean"``: the goal less the attainment's lower bound; under ``"risk"``: the
    breach risk's upper bound less the largest risk allowed. Without data: 1.
    """
    criterion, attainment, goal, breach_risk, max_breach_risk = evidence
    if criterion == "risk":
        high = breach_risk.ci_high
        return max(0.0, high - max_breach_risk) if math.isfinite(high) else 1.0
    low = attainment.ci_low
    return max(0.0, goal - low) if math.isfinite(low) else goal


def half_width(estimate: Estimate) -> float:
    """Half the width of an estimate's interval (``inf`` without one)."""
    if not (math.isfinite(estimate.ci_low) and math.isfinite(estimate.ci_high)):
        return math.inf
    return (estimate.ci_high - estimate.ci_low) / 2
