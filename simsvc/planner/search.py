"""The planner: the cheapest engineers, desk agents and stock that meet every commitment.

1. Start from analytic bounds: offered load per base, Erlang C for the desk, and
   stock at every echelon and in the vans by METRIC marginal analysis
   (:mod:`simsvc.planner.stocking`).
2. Marginal analysis by simulation with common random numbers: while some
   commitment is missed, add the unit with the best gain in the worst-missed
   commitment per unit of yearly cost (Sherbrooke's rule, applied to every kind
   of resource); then try removing each unit while every commitment stays met.
   In a network of many bases the regional model (:mod:`simsvc.planner.regions`)
   proposes engineers at many bases at once from a few probes, and screens the removals
   of engineers; each proposal is simulated before it is taken.
3. Verify the chosen plan on a fresh seed set, never used by the search, with at least
   the file's replications. When the verification fails, its seeds join the search set,
   the search continues from the plan, and a new fresh set verifies again (up to
   ``rounds`` verifications).

A plan is *feasible* when every commitment's verdict is "met" under ``[plan] criterion``
(:mod:`simsvc.verdicts`); "met on fresh seeds" is claimed only when the last fresh set met
every commitment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace

import numpy as np

from simsvc.model.depots import stock_at_share
from simsvc.model.faults import installed_rates
from simsvc.planner.analytic import erlang_c_wait_within, offered_loads
from simsvc.planner.candidates import Candidate, Evaluation, Evaluator, PlanSpace, Unit
from simsvc.planner.plan_result import PlanResult as PlanResult  # re-exported
from simsvc.planner.ranking import Ranking, base_engineers
from simsvc.planner.regions import (
    REGION_MIN_BASES,
    RegionModel,
    deficit,
    greedy_additions,
    probe,
    removal_order,
)
from simsvc.planner.stocking import metric_start
from simsvc.runner import Runner
from simsvc.scenario.schema import Metric, Scenario

RELEVANT: dict[Metric, set[str]] = {
    "response": {"agent"},
    "remote": {"agent", "remote"},
    "assigned": {"engineer", "agent", "remote"},
    "visit": {"engineer", "remote"},
    "arrival": {"engineer", "agent", "remote"},
    "resolution": {"engineer", "agent", "remote", "stock", "van"},
}
"""Kinds of resource that can move each clock; the search adds only these for the worst."""

BATCH_SHORTFALL = 0.05
"""Below this shortfall of the worst commitment, units are added one at a time."""

SCREEN_MIN = 3
"""Fewest replications a screen judges an option on."""

SCREEN_KEEP = 3
"""Additions a screen passes on to the whole search set (more when many are nearly as good)."""

SCREEN_MOST = 16
"""Most additions a screen passes on."""

SEARCH_MOST_FACTOR = 4
"""The search set grows (doubling) to at most this many times the file's replications
when a removal is decided by the estimates but not yet by the intervals."""

GROW_MIN_SAVING = 0.01
"""A removal undecided on the intervals grows the search set only when it would save at
least this share of the plan's yearly cost (a desk agent, not one spare part)."""

REMOVAL_MIN_SAVING = 0.001
"""A removal is tried only when it would save at least this share of the plan's yearly cost
(a spare part of 100 CNY a year in a plan of a million is not worth the simulations)."""

EXCHANGE_MIN_SHARE = 0.05
"""A unit is worth an exchange (:func:`_exchange`) when it costs at least this share of
the plan's yearly cost."""

EXCHANGE_MOST = 3
"""Most units one search tries to exchange."""

VERIFY_OFFSET = 1_000_000
"""Replication numbers of the verification start here: disjoint from the search's seeds."""


def analytic_start(space: PlanSpace) -> Candidate:
    """A starting point from offered loads and Erlang C for the staff, and METRIC marginal
    analysis for the stock at every depot and in the vans (:func:`metric_start`, with the
    vans of the engineers found first)."""
    scenario = space.scenario
    loads = offered_loads(scenario)
    engineers = [
        min(base_engineers(scenario, loads, b), scenario.plan.max_engineers_per_base)
        for b in range(len(scenario.base))
    ]
    if sum(engineers) == 0:
        engineers[0] = 1
    agents = None
    if scenario.desk is not None:
        agents = _desk_agents(scenario, loads.reports)
    remote = None
    if scenario.remote is not None:
        remote = _remote_agents(scenario, loads.reports)
    stock = metric_start(space, engineers)
    return Candidate(tuple(engineers), agents, tuple(stock.stock), remote, tuple(stock.van))


def _attempt_hours(scenario: Scenario) -> tuple[float, float]:
    """The share of reports with a remote attempt, and an attempt's mean hours."""
    _, kinds, rates = installed_rates(scenario)
    by_severity = np.zeros(len(scenario.severity))
    for pair, rate in enumerate(rates):
        mix = scenario.equipment[int(kinds[pair])].severity_mix
        for j, level in enumerate(scenario.severity):
            by_severity[j] += rate * mix.get(level.id, 0.0)
    total = float(by_severity.sum())
    if total <= 0:
        return 0.0, 0.0
    attempts = [w * s.attempt_share for w, s in zip(by_severity, scenario.severity, strict=True)]
    share = sum(attempts) / total
    if share <= 0:
        return 0.0, 0.0
    hours = sum(
        a * s.remote_time.mean for a, s in zip(attempts, scenario.severity, strict=True)
    ) / sum(attempts)
    return share, hours


def _pool_agents(rate: float, hours: float, bound: int, goals: list[tuple[float, float]]) -> int:
    """Fewest agents (1 to ``bound``) of an M/M/c pool whose wait is within each
    ``(hours, goal)``, by Erlang C; ``bound`` if none is."""
    if hours <= 0 or rate <= 0:
        return 1
    for agents in range(1, bound + 1):
        if all(erlang_c_wait_within(agents, rate, 1 / hours, w) >= g for w, g in goals):
            return agents
    return max(bound, 1)


def _desk_agents(scenario: Scenario, reports_per_hour: float) -> int:
    """Desk agents by Erlang C on the response clocks; without a remote tier an agent's
    time includes the remote attempts the desk makes."""
    assert scenario.desk is not None
    handle = scenario.desk.handle_time.mean
    if scenario.remote is None:
        share, hours = _attempt_hours(scenario)
        handle += share * hours
    goals = [(c.within, c.goal) for c in scenario.commitment if c.metric == "response"]
    return _pool_agents(reports_per_hour, handle, scenario.plan.max_desk_agents, goals)


def _remote_agents(scenario: Scenario, reports_per_hour: float) -> int:
    """Remote engineers by Erlang C on the remote clocks (hand-over to login)."""
    share, hours = _attempt_hours(scenario)
    goals = [(c.within, c.goal) for c in scenario.commitment if c.metric == "remote"]
    return _pool_agents(reports_per_hour * share, hours, scenario.plan.max_remote_agents, goals)


def _better(evaluation: Evaluation, base: Evaluation, unit_cost: float) -> tuple[float, float]:
    """Gain per unit of cost: in the worst-missed commitment, then in total shortfall."""
    worst = base.worst
    gain_worst = base.shortfall[worst] - evaluation.shortfall[worst]
    gain_total = sum(base.shortfall) - sum(evaluation.shortfall)
    return gain_worst / unit_cost, gain_total / unit_cost


def _screened_additions(
    evaluator: Evaluator, current: Evaluation, options: list[tuple[Unit, Candidate]]
) -> list[tuple[Unit, Candidate]]:
    """The additions worth simulating on the whole search set: the best few on a screen.

    Every option is first judged on the first quarter of the search replications (at least
    :data:`SCREEN_MIN`); only the :data:`SCREEN_KEEP` best by gain per unit of cost (more
    when many are nearly as good as the best, for the batch step) go on.
    """
    indices = evaluator.indices
    few = indices[: max(SCREEN_MIN, len(indices) // 4)]
    if len(options) <= SCREEN_KEEP or len(few) >= len(indices):
        return options
    space = evaluator.space
    base = evaluator.evaluate(current.candidate, few)
    screened = evaluator.evaluate_many([c for _, c in options], few)
    scores = [
        (_better(e, base, space.unit_cost(u)), -space.unit_cost(u))
        for (u, _), e in zip(options, screened, strict=True)
    ]
    order = sorted(range(len(options)), key=lambda k: scores[k], reverse=True)
    best = scores[order[0]][0][0]
    close = sum(1 for k in order if best > 0 and scores[k][0][0] >= 0.5 * best)
    keep = order[: min(max(SCREEN_KEEP, close), SCREEN_MOST)]
    return [options[k] for k in sorted(keep)]


def _screened_removals(
    evaluator: Evaluator, options: list[tuple[Unit, Candidate]]
) -> list[tuple[Unit, Candidate]]:
    """The removals worth simulating on the whole search set: those whose every point
    estimate stays on the right side of its line on the screen replications (even one
    option: a screen that rules it out costs a quarter of the whole set, and one that
    passes it costs nothing more, the whole set reusing its replications)."""
    indices = evaluator.indices
    few = indices[: max(SCREEN_MIN, len(indices) // 4)]
    if not options or len(few) >= len(indices):
        return options
    screened = evaluator.evaluate_many([c for _, c in options], few)
    return [option for option, e in zip(options, screened, strict=True) if e.plausible]


def search_plan(
    evaluator: Evaluator,
    start: Candidate,
    with_penalties: bool = False,
    log: Callable[[str], None] | None = None,
    *,
    screen: bool = True,
    resumed: bool = False,
    ranking: Ranking | None = None,
    failed: Sequence[int] | None = None,
) -> Evaluation:
    """Marginal analysis from ``start``, then removals; returns the best plan found.

    ``resumed``: ``start`` is a plan a verification set failed, whose seeds have joined the
    search set. Its removals were decided already (and the valuable ones undecided on the
    intervals were decided on a grown search set), so only the units added to mend it, and
    of those only the dear ones (at least :data:`GROW_MIN_SAVING` of the plan's cost), are
    tried for removal again. ``failed``: the replications of that verification set; the
    plan is first mended on them alone (the search set, where it was chosen, may still say
    it meets every goal).

    ``ranking`` (built from the plan space when not given) orders the additions
    analytically when screening (:mod:`simsvc.planner.ranking`).

    With ``screen``, the options of each step are first judged on a quarter of the search
    replications and only the promising ones on all of them (see :func:`_screened_additions`
    and :func:`_screened_removals`); the plan's verdict always rests on the whole set.
    """
    space = evaluator.space
    say = log or (lambda _: None)

    def total(evaluation: Evaluation) -> float:
        return evaluation.total(with_penalties)

    current = evaluator.evaluate(start)
    say(f"start {describe(space, start)}: {_status(space, current)}")
    if screen and ranking is None:
        ranking = Ranking(space)
    if not screen:
        current = _addition_phase(evaluator, current, say, None)
        return (
            current
            if not current.feasible
            else _removals_one_by_one(evaluator, current, total, say)
        )
    if resumed and failed:
        # mend the plan where the fresh seeds found it short, judged on those seeds alone;
        # what it adds is then tried for removal on the whole search set
        merged = evaluator.replications
        evaluator.replications = list(failed)
        mended = _addition_phase(evaluator, evaluator.evaluate(start), say, ranking)
        evaluator.replications = merged
        current = evaluator.evaluate(mended.candidate)
    exchanged_units: set[Unit] = set()
    while True:
        before = start if resumed else current.candidate
        may_grow = _grown_search_set(evaluator) is not None
        current = _addition_phase(evaluator, current, say, ranking, may_grow)
        if not current.feasible and may_grow and current.plausible:
            current = _grow(evaluator, say, "the plan", current)
            continue
        if not current.feasible:
            return current
        added = {
            u for u in space.units if space.level(current.candidate, u) > space.level(before, u)
        }
        if resumed:
            # a cheap mend stays (the fresh seeds asked for it); a dear one is for the whole
            # search set to decide, as a removal that saves that much would be
            dear = GROW_MIN_SAVING * total(current)
            added = {u for u in added if space.unit_cost(u) >= dear}
            if not added:
                return current
        only = added if resumed else None
        current, undecided = _removal_phase(evaluator, current, total, say, only)
        if undecided is not None:
            current = _grow(evaluator, say, f"removing {undecided.label}", current)
            continue
        if resumed:
            return current
        exchanged = _exchange(evaluator, current, total, say, ranking, exchanged_units)
        if exchanged is None:
            return current
        current = exchanged


def _exchange(
    evaluator: Evaluator,
    current: Evaluation,
    total: Callable[[Evaluation], float],
    say: Callable[[str], None],
    ranking: Ranking | None,
    tried: set[Unit],
) -> Evaluation | None:
    """A cheaper plan without one of the plan's dearest units, mended with cheaper ones.

    Adding and removing one unit at a time stops where no single removal keeps every
    goal, even when an engineer fewer and a few spare parts more would be cheaper. Each
    unit worth at least :data:`EXCHANGE_MIN_SHARE` of the plan's cost (at most
    :data:`EXCHANGE_MOST` of them, the dearest first, each tried once per search) is
    taken out and the plan mended by the addition phase with units cheaper than it (unless
    a goal it then misses moves with no cheaper kind of unit, :data:`RELEVANT`); the first
    mended plan that meets every goal for less is returned (None if none is).
    """
    space = evaluator.space
    dear = sorted(
        (
            u
            for u in space.units
            if u not in tried
            and space.level(current.candidate, u) > 0
            and space.unit_cost(u) >= EXCHANGE_MIN_SHARE * total(current)
        ),
        key=lambda u: (-space.unit_cost(u), u.kind, u.index),
    )
    for unit in dear[:EXCHANGE_MOST]:
        tried.add(unit)
        fewer = space.changed(current.candidate, unit, -1)
        if fewer is None:
            continue
        start = evaluator.evaluate(fewer)
        cheaper = {u.kind for u in space.units if space.unit_cost(u) < space.unit_cost(unit)}
        commitments = space.scenario.commitment
        missed = [commitments[k].metric for k, short in enumerate(start.shortfall) if short > 0]
        if not all(RELEVANT[metric] & cheaper for metric in missed):
            continue  # a goal it misses moves with no cheaper kind of unit
        mended = _addition_phase(
            evaluator,
            start,
            lambda _: None,
            ranking,
            cheaper_than=space.unit_cost(unit),
            over_budget=lambda e: total(e) >= total(current) - 1e-9,
        )
        if mended.feasible and total(mended) < total(current) - 1e-9:
            say(f"exchange {unit.label} for cheaper units: {_status(space, mended)}")
            return mended
    return None


def _grow(
    evaluator: Evaluator, say: Callable[[str], None], what: str, current: Evaluation
) -> Evaluation:
    """Double the search set (:func:`_grown_search_set`, which must not be None) and judge
    the plan of ``current`` on it."""
    grown = _grown_search_set(evaluator)
    assert grown is not None
    evaluator.replications = grown
    judged = evaluator.evaluate(current.candidate)
    say(
        f"{what} meets every goal on the estimates but not yet on the intervals: the search"
        f" set grows to {len(grown)} replications; {_status(evaluator.space, judged)}"
    )
    return judged


def _removals_one_by_one(
    evaluator: Evaluator,
    current: Evaluation,
    total: Callable[[Evaluation], float],
    say: Callable[[str], None],
) -> Evaluation:
    """The previous planner's removals (the reference of ``bench/bench_plan.py``): every
    removal on the whole search set, then the feasible ones all at once, halving."""
    space = evaluator.space
    while True:
        fewer = [(u, space.changed(current.candidate, u, -1)) for u in space.units]
        options = [(u, c) for u, c in fewer if c is not None]
        evaluations = evaluator.evaluate_many([c for _, c in options])
        good = sorted(
            (
                (total(e), k)
                for k, e in enumerate(evaluations)
                if e.feasible and total(e) < total(current) - 1e-9
            ),
        )
        if not good:
            return current
        # Try every removal that is feasible alone, all at once; if that misses a goal, the
        # better half of them, and so on: large networks shed many units per pass.
        batch = [options[k][0] for _, k in good]
        joint_found = False
        while len(batch) > 1 and not joint_found:
            fewest: Candidate | None = current.candidate
            for unit in batch:
                fewest = space.changed(fewest, unit, -1) if fewest else None
            if fewest is not None:
                joint = evaluator.evaluate(fewest)
                if joint.feasible and total(joint) < good[0][0] - 1e-9:
                    current = joint
                    say(f"remove {_units_text(batch)}: {_status(space, current)}")
                    joint_found = True
            batch = batch[: len(batch) // 2]
        if joint_found:
            continue
        unit = options[good[0][1]][0]
        current = evaluations[good[0][1]]
        say(f"remove {unit.label}: {_status(space, current)}")


def _addition_phase(
    evaluator: Evaluator,
    current: Evaluation,
    say: Callable[[str], None],
    ranking: Ranking | None,
    stop_when_plausible: bool = False,
    cheaper_than: float | None = None,
    over_budget: Callable[[Evaluation], bool] | None = None,
) -> Evaluation:
    """Add units, the best gain per unit of cost first, until every commitment is met (or
    nothing helps); see :func:`search_plan`. With a ``ranking`` (the screened search),
    only the analytically best options of each kind are screened, and only the best on
    the screen are simulated on the whole search set. With ``stop_when_plausible``, stop
    at a plan whose estimates meet every goal (its intervals are for more replications to
    decide, not for another unit). ``cheaper_than``: add only units of a lower yearly cost,
    and give up once ``over_budget`` says the plan costs too much (an exchange,
    :func:`_exchange`)."""
    space = evaluator.space
    regional = cheaper_than is None  # an exchange mends with cheap units, not engineers
    while not current.feasible and not (stop_when_plausible and current.plausible):
        if over_budget is not None and over_budget(current):
            break
        metric = space.scenario.commitment[current.worst].metric
        options: list[tuple[Unit, Candidate]] = []
        for units in ([u for u in space.units if u.kind in RELEVANT[metric]], space.units):
            for unit in units:
                if cheaper_than is not None and space.unit_cost(unit) >= cheaper_than:
                    continue
                more = space.changed(current.candidate, unit, +1)
                if more is not None:
                    options.append((unit, more))
            if options:
                break
        if not options:
            say("every resource is at its bound: no plan within the bounds meets the goals")
            break
        every = options
        bases = [u.index for u, _ in options if u.kind == "engineer"]
        leaders: set[int] | None = None  # the bases the regional model ranks best
        if regional and ranking is not None and len(bases) >= REGION_MIN_BASES:
            jumped, model = _regional_jump(evaluator, current, bases, stop_when_plausible)
            if jumped is not None and _progress(space.scenario, current, jumped):
                added = sum(jumped.candidate.engineers) - sum(current.candidate.engineers)
                current = jumped
                say(f"add {added} engineers, as the regional model says: {_status(space, current)}")
                continue
            # the model's mix did not help: one unit at a time, among its best bases
            leaders = set(model.ranked(bases)[:SCREEN_KEEP])
            regional = False
        if ranking is not None:
            kept = ranking.keep(current.candidate, [u for u, _ in options])
            if leaders is not None:
                kept = {u for u in kept if u.kind != "engineer"}
                kept |= {u for u, _ in options if u.kind == "engineer" and u.index in leaders}
            options = _screened_additions(evaluator, current, [o for o in options if o[0] in kept])
        evaluations, scored = _scored(evaluator, current, options)
        best = max(scored)
        if best[0][0] <= 0 and ranking is not None and len(kept) < len(every):
            # the models missed what helps the worst commitment: screen every option
            options = _screened_additions(evaluator, current, every)
            evaluations, scored = _scored(evaluator, current, options)
            best = max(scored)
        if best[0][0] <= 0 and best[0][1] <= 0:
            worst = space.scenario.commitment[current.worst].label
            say(f"no single added unit brings {worst} closer to its goal: stopping")
            break
        unit, _ = options[best[2]]
        # Far from the goal in a large network: also try every unit nearly as good as the
        # best, all at once (near the goal, one unit at a time keeps the plan lean).
        close = [k for score, _, k in scored if score[0] > 0 and score[0] >= 0.5 * best[0][0]]
        if len(close) > 1 and current.shortfall[current.worst] >= BATCH_SHORTFALL:
            together: Candidate | None = current.candidate
            for k in close:
                together = space.changed(together, options[k][0], +1) if together else None
            if together is not None:
                joint = evaluator.evaluate(together)
                gain = current.shortfall[current.worst] - joint.shortfall[current.worst]
                if gain >= best[0][0] * space.unit_cost(unit) - 1e-12:
                    current = joint
                    labels = _units_text([options[k][0] for k in close])
                    say(f"add {labels}: {_status(space, current)}")
                    continue
        current = evaluations[best[2]]
        say(f"add {unit.label}: {_status(space, current)}")
    return current


def _progress(scenario: Scenario, current: Evaluation, step: Evaluation) -> bool:
    """Whether ``step`` is closer to the goals than ``current``: its shortfall in
    ``current``'s worst commitment smaller; or no larger, that commitment still the worst
    (unless ``step`` is feasible), and fewer incidents short in the periods that miss
    (:func:`simsvc.planner.regions.deficit`)."""
    k = current.worst
    if step.shortfall[k] < current.shortfall[k] - 1e-12:
        return True
    if step.shortfall[k] > current.shortfall[k] + 1e-12 or (step.worst != k and not step.feasible):
        return False
    before = deficit(scenario, current.result.replications)
    return deficit(scenario, step.result.replications) < before - 1e-12


def _regional_jump(
    evaluator: Evaluator, current: Evaluation, bases: list[int], plausible_enough: bool
) -> tuple[Evaluation | None, RegionModel]:
    """The plan the regional model (:mod:`simsvc.planner.regions`) proposes from probes of
    one engineer more at every one of ``bases`` (and two more when the model asks for more
    than one somewhere), simulated on the search set; None when it proposes nothing new.
    With ``plausible_enough`` the model aims at point estimates that meet every goal (the
    search set grows next: more replications, not more engineers, settle the intervals)."""
    space = evaluator.space
    probes = {0: current}
    rows: list[int] = []
    for offset in (1, 2):
        probes[offset] = evaluator.evaluate(probe(space, current.candidate, offset, bases))
        model = RegionModel(space, probes)
        rows = greedy_additions(model, bases, plausible_enough)
        top = model.row(offset)
        predicted = model.predict(rows)
        if predicted.feasible or (plausible_enough and predicted.plausible):
            break
        if not any(rows[b] == top for b in bases):
            break
    proposed = model.candidate(rows)
    if proposed == current.candidate:
        return None, model
    return evaluator.evaluate(proposed), model


def _scored(
    evaluator: Evaluator, current: Evaluation, options: list[tuple[Unit, Candidate]]
) -> tuple[list[Evaluation], list[tuple[tuple[float, float], float, int]]]:
    """Options simulated on the search set, each with its score against ``current``: gain
    per unit of cost (:func:`_better`), then the cheaper, then its position."""
    space = evaluator.space
    evaluations = evaluator.evaluate_many([c for _, c in options])
    scored = [
        (_better(e, current, space.unit_cost(u)), -space.unit_cost(u), k)
        for k, ((u, _), e) in enumerate(zip(options, evaluations, strict=True))
    ]
    return evaluations, scored


def _removal_phase(
    evaluator: Evaluator,
    current: Evaluation,
    total: Callable[[Evaluation], float],
    say: Callable[[str], None],
    only: set[Unit] | None = None,
) -> tuple[Evaluation, Unit | None]:
    """Remove units while every commitment stays met.

    Each pass screens every removal (:func:`_screened_removals`) and tries the plausible
    ones all at once on the whole search set; a group that misses a goal is split in two
    and each half tried in turn, the more valuable first (the units sorted by cost), down
    to single units, which are then given up. A removal given up is not tried again: the
    plan only loses resources from here on, and with fewer resources that removal would
    miss by more. A pass ends when every group is decided; the next pass screens the
    removals of the smaller plan (one more unit of a part already cut, say). With engineers
    at :data:`~simsvc.planner.regions.REGION_MIN_BASES` bases or more to remove from, the
    regional model decides theirs first (:func:`_regional_removals`), then the rest go as
    above.

    ``only``: the units that may be removed (default every unit).

    Returns the leanest plan found, and the unit whose removal meets every goal on the
    point estimates but not on the intervals, if there is one, it would save at least
    :data:`GROW_MIN_SAVING` of the plan's cost and the search set may still grow (the
    caller grows it and calls again: the question is then decided on more replications,
    not given up on too few).
    """
    space = evaluator.space
    rejected: set[Unit] = set()
    may_grow = _grown_search_set(evaluator) is not None
    while True:
        options: list[tuple[Unit, Candidate]] = []
        least = REMOVAL_MIN_SAVING * total(current)
        for unit in space.units:
            if unit in rejected or (only is not None and unit not in only):
                continue
            fewer = space.changed(current.candidate, unit, -1)
            if fewer is not None and space.unit_cost(unit) >= least:
                options.append((unit, fewer))
        engineers = [u for u, _ in options if u.kind == "engineer"]
        if len(engineers) >= REGION_MIN_BASES:
            # the regional model decides the engineers' removals; then the rest, as below
            current, undecided = _regional_removals(evaluator, current, engineers, total, say)
            if undecided is not None and may_grow:
                return current, undecided
            rejected |= set(engineers)
            continue
        kept = _screened_removals(evaluator, options)
        rejected |= {u for u, _ in options} - {u for u, _ in kept}
        if not kept:
            return current, None
        batch = sorted((u for u, _ in kept), key=lambda u: (-space.unit_cost(u), u.kind, u.index))
        groups = [batch]  # a stack of groups to try, the more valuable half on top
        while groups:
            group = groups.pop()
            fewest: Candidate | None = current.candidate
            for unit in group:
                fewest = space.changed(fewest, unit, -1) if fewest else None
            joint = evaluator.evaluate(fewest) if fewest is not None else None
            if joint is not None and joint.feasible and total(joint) < total(current) - 1e-9:
                current = joint
                say(f"remove {_units_text(group)}: {_status(space, current)}")
            elif len(group) > 1:
                half = len(group) // 2
                groups += [group[half:], group[:half]]
            else:
                worth = space.unit_cost(group[0]) >= GROW_MIN_SAVING * total(current)
                if may_grow and worth and joint is not None and joint.plausible:
                    return current, group[0]
                rejected.add(group[0])


def _regional_removals(
    evaluator: Evaluator,
    current: Evaluation,
    units: list[Unit],
    total: Callable[[Evaluation], float],
    say: Callable[[str], None],
) -> tuple[Evaluation, Unit | None]:
    """Remove engineers (of ``units``) as the regional model (:mod:`simsvc.planner.regions`)
    says, from one probe of an engineer fewer at every one of their bases.

    First the group the model predicts feasible together, all at once (when it holds more
    than one); then one at a time, the removal with the most slack in the model first, the
    model re-centred on each plan taken (the probe stays: its other bases are still one
    fewer than the plan). It stops when the model offers no plausible removal, or the one
    with the most slack misses a goal (it has no better guess). Returns the plan, and that
    last removal when it meets every goal on the point estimates but not on the intervals
    and would save at least :data:`GROW_MIN_SAVING` of the plan's cost (for the caller to
    decide on a grown search set).
    """
    space = evaluator.space
    by_base = {u.index: u for u in units}
    fewer = evaluator.evaluate(probe(space, current.candidate, -1, list(by_base)))
    grouped = False
    while True:
        model = RegionModel(space, {0: current, -1: fewer})
        order, together = removal_order(model, list(by_base))
        if not order:
            return current, None
        if not grouped and len(together) > 1:  # first, the model's group at once
            grouped = True
            group = [by_base[b] for b in together]
            joint = evaluator.evaluate(probe(space, current.candidate, -1, together))
            if joint.feasible and total(joint) < total(current) - 1e-9:
                current = joint
                say(f"remove {_units_text(group)}: {_status(space, current)}")
                continue
        grouped = True
        unit = by_base[order[0]]
        single = space.changed(current.candidate, unit, -1)
        assert single is not None  # the model offers only removals within the bounds
        joint = evaluator.evaluate(single)
        if joint.feasible and total(joint) < total(current) - 1e-9:
            current = joint
            say(f"remove {unit.label}: {_status(space, current)}")
            continue
        worth = space.unit_cost(unit) >= GROW_MIN_SAVING * total(current)
        return current, unit if worth and joint.plausible else None


def _grown_search_set(evaluator: Evaluator) -> list[int] | None:
    """The search set doubled with the next replication numbers, or None when it holds
    :data:`SEARCH_MOST_FACTOR` times the file's replications already."""
    indices = evaluator.indices
    most = SEARCH_MOST_FACTOR * evaluator.space.scenario.scenario.replications
    if len(indices) * 2 > most:
        return None
    after = max(indices) + 1
    return indices + list(range(after, after + len(indices)))


def _units_text(units: list[Unit]) -> str:
    if len(units) <= 4:
        return ", ".join(u.label for u in units)
    return f"{len(units)} units ({', '.join(u.label for u in units[:3])}, ...)"


def describe(space: PlanSpace, candidate: Candidate) -> str:
    """A short text of a candidate's resources, its stock by echelon (central depots,
    forward depots, units per engineer in the vans)."""

    def listing(levels: tuple[int, ...], where: str) -> str:
        if len(levels) <= 8:
            return "+".join(str(n) for n in levels)
        return f"{sum(levels)} over {len(levels)} {where}"

    parts = [f"engineers {listing(candidate.engineers, 'bases')}"]
    if candidate.agents is not None:
        parts.append(f"agents {candidate.agents}")
    if candidate.remote is not None:
        parts.append(f"remote {candidate.remote}")
    for echelon in ("central", "forward"):
        levels = tuple(
            n
            for (depot, _), n in zip(space.stock_keys, candidate.stock, strict=True)
            if space.echelon[depot] == echelon
        )
        if levels:
            parts.append(f"{echelon} stock {listing(levels, 'depot-parts')}")
    if candidate.van:
        parts.append(f"van stock {listing(candidate.van, 'base-parts')}")
    return ", ".join(parts)


def _status(space: PlanSpace, evaluation: Evaluation) -> str:
    cost = evaluation.total(with_penalties=False)
    state = (
        "all met"
        if evaluation.feasible
        else (
            f"worst {space.scenario.commitment[evaluation.worst].label}"
            f" short by {evaluation.shortfall[evaluation.worst]:.3f}"
        )
    )
    return f"cost {cost:,.0f}, {state}"


def stock_rule_candidate(space: PlanSpace, plan: Candidate, share: float = 0.15) -> Candidate:
    """The plan's staff and van stock with every depot's stock, central and forward, at
    ``share`` of the installed units it serves (the tender rule, which speaks of the
    spares held, not of what engineers carry)."""
    levels = stock_at_share(space.scenario, share)
    stock = tuple(levels[key] for key in space.stock_keys)  # the rule as written, not capped
    return replace(plan, stock=stock)


def plan(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    with_penalties: bool = False,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
    rounds: int = 3,
    planned: Callable[[int], None] | None = None,
    screen: bool = True,
) -> PlanResult:
    """Find the cheapest resources that meet every commitment, and verify them.

    Simulations go to ``runner`` if given, else to one opened for the plan on
    ``executor`` or ``workers`` local processes. ``progress`` is called with the number
    of replications simulated so far, ``planned`` with the number handed to the runner so
    far (before they run: the total of a progress bar, which grows as the search goes on).
    """
    space = PlanSpace(scenario)
    count = replications or scenario.scenario.replications
    base_seed = scenario.scenario.seed if seed is None else seed
    steps: list[str] = []

    def record(line: str) -> None:
        steps.append(line)
        if log:
            log(line)

    with contextlib.ExitStack() as stack:
        if runner is None:
            runner = stack.enter_context(Runner(workers=workers, executor=executor))
        assert runner is not None
        # One evaluator: each (candidate, replication) is simulated once, whether for a
        # screen, the search set or a verification set.
        evaluator = Evaluator(
            space, base_seed, list(range(count)), runner, progress=progress, planned=planned
        )
        # The seeds that choose a plan never verify it: each verification uses a fresh set
        # (at least the file's replications, and as many as the search set); a failed set
        # joins the search set, the search continues from the plan, and the next
        # verification uses another fresh set.
        start = analytic_start(space)
        ranking = Ranking(space) if screen else None
        rounds_run = 0
        fresh: list[int] = []
        for round_ in range(rounds):
            found = search_plan(
                evaluator,
                start,
                with_penalties,
                record,
                screen=screen,
                resumed=round_ > 0,
                ranking=ranking,
                failed=fresh if round_ > 0 else None,
            )
            if not found.feasible:
                checked = found
                fresh = evaluator.indices
                break
            checks = max(len(evaluator.indices), scenario.scenario.replications)
            first = (round_ + 1) * VERIFY_OFFSET
            fresh = list(range(first, first + checks))
            checked = evaluator.evaluate(found.candidate, fresh)
            rounds_run += 1
            if checked.feasible:
                record(
                    f"verification round {rounds_run} on {checks} fresh seeds: every commitment met"
                )
                break
            searched = len(evaluator.indices) + checks
            record(
                f"verification round {rounds_run} on {checks} fresh seeds misses"
                f" {space.scenario.commitment[checked.worst].label}: those seeds join the"
                f" search ({searched} replications) and the plan is searched again"
            )
            evaluator.replications = evaluator.indices + fresh
            start = found.candidate
        rule = stock_rule_candidate(space, found.candidate) if space.stock_keys else None
        others = evaluator.evaluate_many([space.current()] + ([rule] if rule else []), fresh)
    return PlanResult(
        space=space,
        plan=found.candidate,
        search=found,
        verification=checked,
        current=others[0],
        stock_rule=others[1] if rule else None,
        simulations=evaluator.simulations,
        replication_years=evaluator.replication_years,
        steps=steps,
        verification_rounds=rounds_run,
    )
