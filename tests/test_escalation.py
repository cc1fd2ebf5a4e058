"""Escalation to the manufacturer: a share of visits the own engineer cannot fix.

Deterministic traces on the one-site scenario of ``test_remote_tier`` (an hour's drive,
an hour on site), and the escalated share against its binomial interval.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from test_remote_tier import ONSITE, TRAVEL, columns, scenario_text

import simsvc
from simsvc.scenario.errors import ScenarioError


def test_the_manufacturers_engineer_fixes_it_after_the_diagnosis() -> None:
    """The own engineer diagnoses (1 h) and leaves; the fix comes 5 h later."""
    c, outcome = columns(scenario_text(severity='escalate = 1.0\nvendor_time = "5h"\n', desk=False))
    assert c["escalated"].all()
    assert np.allclose(c["resolution"], c["arrival"] + ONSITE + 5.0)
    # the engineer's time: the drive out (up to 1 h), the diagnosis and the drive back
    n = len(outcome.columns["report"])
    assert outcome.base_busy_hours[0] <= n * (2 * TRAVEL + ONSITE) + 1e-6
    assert outcome.base_busy_hours[0] >= 0.8 * n * (2 * TRAVEL + ONSITE)


def test_without_a_vendor_visit_the_own_engineer_stays_until_the_fix() -> None:
    text = scenario_text(
        severity='escalate = 1.0\nvendor_time = "5h"\nvendor_visit = false\n', desk=False
    )
    c, outcome = columns(text)
    assert np.allclose(c["resolution"], c["arrival"] + ONSITE + 5.0)
    n = len(outcome.columns["report"])
    assert outcome.base_busy_hours[0] >= 0.8 * n * (2 * TRAVEL + ONSITE + 5.0)


def test_the_escalated_share_is_the_severitys() -> None:
    scenario = simsvc.parse_scenario(scenario_text(severity="escalate = 0.3\n", desk=False))
    flags = np.concatenate(
        [
            simsvc.simulate(scenario, np.random.SeedSequence(seed)).columns["escalated"]
            for seed in range(30)
        ]
    )
    low, high = stats.binomtest(int(flags.sum()), len(flags)).proportion_ci(0.999)
    assert len(flags) > 1000
    assert low <= 0.3 <= high


def test_without_escalate_nothing_is_escalated() -> None:
    """Without escalate nothing goes to the manufacturer (and tests/test_golden.py pins
    that the other draws are unchanged)."""
    plain = simsvc.parse_scenario(scenario_text(desk=False))
    columns_plain = simsvc.simulate(plain, np.random.SeedSequence(4)).columns
    assert not columns_plain["escalated"].any()


def test_a_vendor_visit_that_is_not_a_boolean_is_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        simsvc.parse_scenario(scenario_text(severity='escalate = 0.2\nvendor_visit = "no"\n'))
    assert "vendor_visit" in str(caught.value)
