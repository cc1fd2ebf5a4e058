"""The planner's regional model: per-region counts, predictions of probes and of mixes."""

from __future__ import annotations

import numpy as np
import pytest

import simsvc
from simsvc.planner import search
from simsvc.planner.candidates import Candidate, Evaluator, PlanSpace
from simsvc.planner.regions import RegionModel, greedy_additions, probe, removal_order
from simsvc.runner import Job, run_job

# Four centres 0.5 degrees apart (about 45-55 km), each with a cluster of cameras of its
# own size; arrivals within 2 h. With ``{radius}`` km of dispatch radius no engineer
# crosses to another centre's sites: the regions are independent.
FOUR_CENTRES = """
[scenario]
name = "four centres"
horizon = "120d"
warmup = "7d"
replications = 6
seed = {seed}

[costs]
engineer_per_year = 150000

[plan]
confidence = 0.9
max_engineers_per_base = 3

[travel]
speed_kmh = 40
road_factor = 1.3
cv = 0.3
{radius}

[[severity]]
id = "L1"
onsite_time = { dist = "gamma", mean = "3h", cv = 0.7 }

[[commitment]]
severity = "L1"
metric = "arrival"
within = "2h"
goal = 0.9

[[equipment]]
id = "camera"
failures_per_year = 3.0
severity_mix = { L1 = 1.0 }
""" + "".join(
    f"""
[[base]]
id = "{name}"
location = [{lat}, {lon}]
engineers = 1

[[site]]
id = "{name}-site"
location = [{lat + 0.05}, {lon + 0.05}]
equipment = {{ camera = {cameras} }}
"""
    for name, lat, lon, cameras in [
        ("west", 34.3, 108.4, 700),
        ("north", 34.8, 108.9, 250),
        ("east", 34.3, 109.4, 450),
        ("south", 33.8, 108.9, 120),
    ]
)


def _scenario(seed: int = 11, radius: float | None = None) -> simsvc.Scenario:
    text = FOUR_CENTRES.replace("{seed}", str(seed))
    text = text.replace("{radius}", f"dispatch_radius_km = {radius}" if radius else "")
    return simsvc.parse_scenario(text)


def _probes(evaluator: Evaluator, offsets: tuple[int, ...]) -> RegionModel:
    space = evaluator.space
    centre = space.current()
    bases = list(range(len(space.scenario.base)))
    candidates = {d: probe(space, centre, d, bases) for d in offsets}
    return RegionModel(
        space,
        dict(zip(candidates, evaluator.evaluate_many(list(candidates.values())), strict=True)),
    )


def test_region_counts_add_up_to_the_period_counts() -> None:
    scenario = _scenario()
    assert run_job(Job(scenario, 11, 0)).region_period_counted is None  # only when asked
    for r in range(2):
        summary = run_job(Job(scenario, 11, r, by_region=True))
        assert summary.region_period_counted is not None
        assert summary.region_period_met is not None
        for key in scenario.commitment_ids():
            regions = np.asarray(summary.region_period_counted[key])
            assert regions.shape == (4, len(summary.period_counted[key]))
            assert regions.sum() > 0
            np.testing.assert_array_equal(regions.sum(axis=0), summary.period_counted[key])
            np.testing.assert_array_equal(
                np.asarray(summary.region_period_met[key]).sum(axis=0), summary.period_met[key]
            )
            # every region has its own sites' incidents
            assert (regions.sum(axis=1) > 0).all()


def test_a_probe_predicted_is_the_probe_simulated() -> None:
    space = PlanSpace(_scenario())
    evaluator = Evaluator(space, seed=11, replications=6)
    model = _probes(evaluator, (-1, 0, 1))
    for offset in (-1, 0, 1):
        rows = [model.row(offset)] * 4
        simulated = evaluator.evaluate(model.candidate(rows))
        predicted = model.predict(rows)
        assert predicted.shortfall == pytest.approx(simulated.shortfall, abs=1e-12)
        assert predicted.feasible == simulated.feasible
        assert predicted.plausible == simulated.plausible


def test_a_mix_of_independent_regions_is_predicted_exactly() -> None:
    """With a dispatch radius that keeps every engineer in his region, each region's
    incidents depend only on its own centre: a mix of probes predicts the mix simulated."""
    space = PlanSpace(_scenario(radius=25))
    evaluator = Evaluator(space, seed=11, replications=6)
    model = _probes(evaluator, (0, 1, 2))
    for rows in ([2, 0, 1, 0], [1, 1, 0, 2], [0, 2, 2, 1]):
        simulated = evaluator.evaluate(model.candidate(rows))
        predicted = model.predict(rows)
        assert predicted.shortfall == pytest.approx(simulated.shortfall, abs=1e-12), rows


def test_model_adds_where_the_load_is_and_removes_where_it_is_not() -> None:
    """The busiest centre (west, 700 cameras) gets engineers first; the quietest (south)
    is the one whose engineer the model offers to remove from a generous plan."""
    space = PlanSpace(_scenario())
    evaluator = Evaluator(space, seed=11, replications=6)
    model = _probes(evaluator, (0, 1, 2))
    rows = greedy_additions(model, [0, 1, 2, 3])
    assert model.predict(rows).feasible
    engineers = model.candidate(rows).engineers
    assert engineers[0] == max(engineers) > 1
    assert engineers[3] == 1  # south has about one job a day: one engineer is enough
    # from two engineers everywhere, south's second is the first the model lets go
    generous = probe(space, space.current(), 1, [0, 1, 2, 3])
    fewer = probe(space, generous, -1, [0, 1, 2, 3])
    evaluations = evaluator.evaluate_many([generous, fewer])
    model = RegionModel(space, {0: evaluations[0], -1: evaluations[1]})
    order, together = removal_order(model, [0, 1, 2, 3])
    assert order and order[0] == 3
    assert 0 not in order  # the busiest centre's second engineer is never offered
    assert set(together) <= set(order)
    rows = [model.row(-1) if b in together else model.row(0) for b in range(4)]
    assert model.predict(rows).feasible


def test_the_search_uses_the_model_and_stays_within_two_percent_of_brute_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = _scenario()
    space = PlanSpace(scenario)
    evaluator = Evaluator(space, seed=11, replications=scenario.scenario.replications)
    built = []

    class Counting(RegionModel):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(search, "RegionModel", Counting)
    found = search.search_plan(evaluator, search.analytic_start(space))
    assert built, "the search never used the regional model"
    assert found.feasible
    grid = [Candidate(tuple(staff), None, ()) for staff in np.ndindex(*(4,) * 4) if sum(staff) > 0]
    evaluations = evaluator.evaluate_many(grid)
    optimum = min(e.total(False) for e in evaluations if e.feasible)
    assert found.total(False) <= 1.02 * optimum
