"""The fit recovers a known scenario from tickets the simulator made with it.

``tests/data/fit_truth.toml`` is simulated for K independent years (fixed seed); each
year's counted incidents are exported as a ticket file (:func:`tickets_from_incidents`),
read back and fitted. Every parameter's 95% interval must cover the truth about as often
as it says: over all parameters and years, the misses may not exceed what a binomial with
5% allows at the 0.1% level, and no single parameter may miss more than 5 of the K years
(P = 0.003 at 5% each). Parameters whose interval cannot miss (a share of 0 or 1 observed
exactly) are not counted. The intervals must also be as narrow as the sample allows, so
that the coverage is not bought with width.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from scipy import stats

from simsvc.experiment import run_experiment
from simsvc.fitting.calibration import FitResult, fit_tickets
from simsvc.fitting.durations import fit_duration
from simsvc.scenario import load_scenario
from simsvc.tickets import read_tickets, tickets_from_incidents

DATA = Path(__file__).parent / "data"
TRUTH = load_scenario(DATA / "fit_truth.toml")
YEARS = 20
START = TRUTH.calendar.start
END = START + dt.timedelta(days=365)

KNOWN = {
    "equipment.gate.failures_per_year": 6.0,
    "equipment.server.failures_per_year": 3.0,
    "equipment.gate.severity_mix.L1": 0.2,
    "equipment.gate.severity_mix.L2": 0.3,
    "equipment.gate.severity_mix.L3": 0.5,
    "equipment.server.severity_mix.L1": 0.4,
    "equipment.server.severity_mix.L2": 0.4,
    "equipment.server.severity_mix.L3": 0.2,
    "equipment.gate.parts.psu": 0.7,
    "equipment.gate.parts.board": 0.3,
    "severity.L1.remote_fix": 0.1,
    "severity.L2.remote_fix": 0.3,
    "severity.L3.remote_fix": 0.5,
    "severity.L1.part_need": 0.3,
    "severity.L2.part_need": 0.2,
    "severity.L1.onsite_time.mean": 2.0,
    "severity.L2.onsite_time.mean": 3.0,
    "severity.L3.onsite_time.mean": 1.5,
    "severity.L1.onsite_time.cv": 0.6,
    "severity.L2.onsite_time.cv": 0.5,
    "travel.speed_kmh": 40.0,
    "travel.cv": 0.25,
}
"""The parameters of fit_truth.toml the fit must recover."""


@pytest.fixture(scope="module")
def fits(tmp_path_factory: pytest.TempPathFactory) -> list[FitResult]:
    folder = tmp_path_factory.mktemp("tickets")
    result = run_experiment(TRUTH, replications=YEARS, seed=424242, workers=1)
    incidents = result.incidents
    found = []
    for year in range(YEARS):
        tickets = tickets_from_incidents(TRUTH, incidents[incidents["replication"] == year])
        path = folder / f"year{year}.csv"
        tickets.to_csv(path, index=False)
        history = read_tickets(path, TRUTH, start=START, end=END)
        assert history.problems == []
        assert len(history.table) == len(tickets)
        found.append(fit_tickets(TRUTH, history, 0.95))
    return found


def test_every_parameter_is_covered_at_the_stated_rate(fits: list[FitResult]) -> None:
    misses = {key: 0 for key in KNOWN}
    for fit in fits:
        for key, truth in KNOWN.items():
            if not fit.estimate(key).interval().covers(truth):
                misses[key] += 1
    checks = len(KNOWN) * len(fits)
    allowed = int(stats.binom.ppf(0.999, checks, 0.05))
    assert sum(misses.values()) <= allowed, misses
    worst = {key: n for key, n in misses.items() if n > 5}
    assert not worst, f"missed in more than 5 of {len(fits)} years: {worst}"


def test_intervals_are_as_narrow_as_the_counts_allow(fits: list[FitResult]) -> None:
    for fit in fits:
        rate = fit.estimate("equipment.gate.failures_per_year")
        half = (rate.ci_high - rate.ci_low) / 2 / rate.value
        assert half == pytest.approx(1.96 / math.sqrt(rate.n), rel=0.1)
        mix = fit.estimate("equipment.gate.severity_mix.L3")
        normal = 1.96 * math.sqrt(mix.value * (1 - mix.value) / mix.n)
        assert (mix.ci_high - mix.ci_low) / 2 == pytest.approx(normal, rel=0.15)
        speed = fit.estimate("travel.speed_kmh")
        assert (speed.ci_high - speed.ci_low) / speed.value < 0.1


def test_the_true_family_is_chosen_most_years(fits: list[FitResult]) -> None:
    chosen = {s: [f.durations[s].family for f in fits] for s in ("L1", "L2", "L3")}
    # ~80 visits a year: the truth wins most years, not every year
    assert chosen["L1"].count("lognormal") > len(fits) / 2, chosen["L1"]
    assert chosen["L3"].count("exponential") > len(fits) / 2, chosen["L3"]
    # gamma (cv 0.5) and lognormal are close at ~90 visits: gamma must at least lead
    assert chosen["L2"].count("gamma") >= chosen["L2"].count("lognormal"), chosen["L2"]


def test_profiles_the_truth_has_are_found_and_flat_ones_are_not(fits: list[FitResult]) -> None:
    hourly = [f.profiles["hourly"] for f in fits]
    assert all(p.pvalue < 0.05 for p in hourly)
    assert all("arrivals.hourly_profile" in f.changes for f in fits)
    truth = TRUTH.arrivals.hourly_profile if TRUTH.arrivals else []
    mean = sum(truth) / len(truth)
    covered = sum(p.intervals[h].covers(truth[h] / mean) for p in hourly for h in range(24))
    assert covered >= stats.binom.ppf(0.001, 24 * len(fits), 0.95)
    for name in ("weekly", "monthly"):  # flat in the truth: rejected about 5% of the years
        rejected = sum(f.profiles[name].pvalue < 0.05 for f in fits)
        assert rejected <= stats.binom.ppf(0.999, len(fits), 0.05), (name, rejected)


def test_the_fitted_scenario_validates_and_says_what_was_fitted(fits: list[FitResult]) -> None:
    from simsvc.fitting.scenario_text import fitted_text
    from simsvc.scenario import parse_scenario

    fit = fits[0]
    text = fitted_text(fit, (DATA / "fit_truth.toml").read_text("utf-8"), today=dt.date(2027, 1, 1))
    fitted = parse_scenario(text, "fitted")
    gate = next(e for e in fitted.equipment if e.id == "gate")
    assert gate.failures_per_year == pytest.approx(
        fit.estimate("equipment.gate.failures_per_year").value, rel=1e-3
    )
    assert fitted.severity[0].onsite_time.dist == fit.durations["L1"].family
    n = fit.estimate("equipment.gate.failures_per_year").n
    assert f"from {n} tickets" in text
    assert "# A known operation to generate tickets from" in text  # the base's comments kept


def test_a_constant_and_a_short_sample() -> None:
    assert fit_duration([1.0] * 5) is None
    constant = fit_duration([2.5] * 30)
    assert constant is not None and constant.family == "constant"
    assert constant.distribution == {"dist": "constant", "value": "2.5h"}


def report(fits: list[FitResult]) -> dict[str, object]:
    """Coverage per parameter and family choices (``python tests/test_fitting.py``)."""
    covered = {k: sum(f.estimate(k).interval().covers(t) for f in fits) for k, t in KNOWN.items()}
    families = {s: [f.durations[s].family for f in fits] for s in ("L1", "L2", "L3")}
    return {
        "covered": covered,
        "families": {s: {x: v.count(x) for x in set(v)} for s, v in families.items()},
    }
