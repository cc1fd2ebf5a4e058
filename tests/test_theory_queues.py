"""Queueing theory: the engineer queue and the service desk against M/M/c results.

With one site at the only base (travel time 0), no desk, no parts and
exponential on-site work, the wait of an incident for an engineer
(``arrival - report``) is the waiting time of an M/M/c queue: Erlang C for one
severity, Cobham's non-preemptive priority formula for several. A desk with
exponential handle times is an M/M/c queue on the response clock. Little's law
ties the time-average engineer queue to the mean wait.

Every check is a Student-t interval over independent replications (see
``theory_helpers``); the theoretical value must lie inside it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import simpy
from theory_helpers import (
    assert_inside,
    cobham_waits,
    counted_waits,
    erlang_c,
    mmc_mean_queue,
    mmc_mean_wait,
    mmc_wait_cdf,
    replicate,
    t_interval,
    units_for_rate,
)

import simsvc
from simsvc.experiment import replication_seed
from simsvc.model.dispatch import Dispatcher
from simsvc.model.world import World

LOCATION = "[31.23, 121.47]"
WAITED = 1e-9
"""A wait longer than this (hours) counts as a wait; shorter is clock rounding."""

# The engineer queue: lam = 4 faults/h, mu = 1/h per engineer, c = 5 (rho = 0.8).
LAM, MU, C = 4.0, 1.0, 5


def engineer_queue_scenario(
    lam: float,
    mu: float,
    engineers: int,
    shares: dict[str, tuple[int, float]],
    horizon: str = "300d",
    warmup: str = "10d",
    desk: str = "",
) -> simsvc.Scenario:
    """One site at the only base, no parts; ``shares``: severity -> (priority, share).

    No desk unless ``desk`` gives the body of a ``[desk]`` table.
    """
    severities = "".join(
        f"""
[[severity]]
id = "{sid}"
priority = {priority}
onsite_time = {{ dist = "exponential", mean = {1 / mu!r} }}
"""
        for sid, (priority, _) in shares.items()
    )
    mix = ", ".join(f"{sid} = {share!r}" for sid, (_, share) in shares.items())
    first = next(iter(shares))
    return simsvc.parse_scenario(f"""
[scenario]
name = "M/M/c engineer queue"
horizon = "{horizon}"
warmup = "{warmup}"
{severities}
[[commitment]]
severity = "{first}"
metric = "arrival"
within = "1h"

{"[desk]" if desk else ""}
{desk}

[[base]]
id = "hq"
location = {LOCATION}
engineers = {engineers}

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ {mix} }}

[[site]]
id = "plant"
location = {LOCATION}
equipment = {{ unit = {units_for_rate(lam)} }}

[travel]
cv = 0.3
""")


def test_engineer_queue_is_erlang_c() -> None:
    """One severity: P(wait > 0) is Erlang C and P(wait <= t) = 1 - C exp(-(c mu - lam) t)."""
    scenario = engineer_queue_scenario(LAM, MU, C, {"S": (1, 1.0)})
    outcomes = replicate(scenario, seed=101, replications=30)
    waits = [counted_waits(o, "report", "arrival") for o in outcomes]
    assert min(len(w) for w in waits) > 20_000
    assert all((w > -WAITED).all() for w in waits)

    theory = erlang_c(C, LAM / MU)
    assert_inside(theory, t_interval([np.mean(w > WAITED) for w in waits]), "P(wait > 0)")
    for t in (0.25, 0.5, 1.0, 2.0):
        assert_inside(
            mmc_wait_cdf(C, LAM, MU, t),
            t_interval([np.mean(w <= t) for w in waits]),
            f"P(wait <= {t}h)",
        )
    assert_inside(mmc_mean_wait(C, LAM, MU), t_interval([w.mean() for w in waits]), "mean wait")
    utilization = [o.base_busy_hours[0] / o.base_shift_hours[0] for o in outcomes]
    assert_inside(LAM / (C * MU), t_interval(utilization), "engineer utilization rho")


def two_skill_pools_scenario(
    lams: tuple[float, float], engineers: tuple[int, int], mu: float
) -> simsvc.Scenario:
    """Two bases at the site, each with its own skill; two kinds of unit, each needing one."""
    return simsvc.parse_scenario(f"""
[scenario]
name = "Two skill pools"
horizon = "200d"
warmup = "10d"

[[severity]]
id = "S"
onsite_time = {{ dist = "exponential", mean = {1 / mu!r} }}

[[commitment]]
severity = "S"
metric = "arrival"
within = "1h"

[[base]]
id = "electrical"
location = {LOCATION}
engineers = {engineers[0]}
skills = ["electrical"]

[[base]]
id = "mechanical"
location = {LOCATION}
engineers = {engineers[1]}
skills = ["mechanical"]

[[equipment]]
id = "switchgear"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}
skill = "electrical"

[[equipment]]
id = "pump"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}
skill = "mechanical"

[[site]]
id = "plant"
location = {LOCATION}
equipment = {{ switchgear = {units_for_rate(lams[0])}, pump = {units_for_rate(lams[1])} }}
""")


def test_two_disjoint_skill_pools_are_two_erlang_c_queues() -> None:
    """Electrical jobs go only to the electrical base, mechanical ones only to the mechanical:
    two independent M/M/c queues (c = 3 at rho 0.67, c = 2 at rho 0.6), each its own Erlang C.
    One shared queue of 5 would wait far less: the pools do not help each other."""
    lams, engineers = (2.0, 1.2), (3, 2)
    scenario = two_skill_pools_scenario(lams, engineers, MU)
    outcomes = replicate(scenario, seed=1111, replications=30)
    for kind, (lam, c) in enumerate(zip(lams, engineers, strict=True)):
        waits = []
        for outcome in outcomes:
            columns = outcome.columns
            mask = columns["counted"] & (columns["equipment"] == kind)
            waits.append((columns["arrival"] - columns["report"])[mask])
            assert (columns["base"][mask] == kind).all()  # only the qualified base went
        assert min(len(w) for w in waits) > 5_000
        assert_inside(
            erlang_c(c, lam / MU),
            t_interval([np.mean(w > WAITED) for w in waits]),
            f"P(wait>0) {kind}",
        )
        assert_inside(
            mmc_mean_wait(c, lam, MU), t_interval([w.mean() for w in waits]), f"mean wait {kind}"
        )


def test_severities_follow_cobham_priority_formula() -> None:
    """Three severities, equal service: each class's mean wait is Cobham's W_k.

    The file lists the severities out of priority order, so that the test also
    checks that dispatch follows ``priority`` rather than file order.
    """
    shares = {"minor": (3, 0.4), "urgent": (1, 0.3), "major": (2, 0.3)}
    scenario = engineer_queue_scenario(LAM, MU, C, shares)
    by_priority = sorted(shares, key=lambda sid: shares[sid][0])
    lams = [LAM * shares[sid][1] for sid in by_priority]
    theory = dict(zip(by_priority, cobham_waits(C, MU, lams), strict=True))

    outcomes = replicate(scenario, seed=202, replications=30)
    index = {s.id: j for j, s in enumerate(scenario.severity)}
    for sid in by_priority:
        means = []
        for outcome in outcomes:
            columns = outcome.columns
            mask = columns["counted"] & (columns["severity"] == index[sid])
            assert mask.sum() > 5_000
            means.append(float(np.mean((columns["arrival"] - columns["report"])[mask])))
        assert_inside(theory[sid], t_interval(means), f"mean wait of {sid}")


# -- Little's law -----------------------------------------------------------------------------

PROBE_STEP = 0.1
"""Hours between two samples of the engineer queue."""


def _probe(
    env: simpy.Environment,
    dispatcher: Dispatcher,
    window: tuple[float, float],
    samples: list[int],
) -> Iterator[simpy.Event]:
    """Sample the engineer queue at the midpoints of a regular grid over the window."""
    start, end = window
    yield env.timeout(start + PROBE_STEP / 2)
    while env.now < end:
        samples.append(dispatcher.queued_faults())
        yield env.timeout(PROBE_STEP)


def test_littles_law_on_the_engineer_queue() -> None:
    """Time-average queue L = lam W per replication, and L is Erlang C's Lq."""
    scenario = engineer_queue_scenario(LAM, MU, C, {"S": (1, 1.0)})
    horizon = scenario.scenario.horizon
    queue, little, differences = [], [], []
    for r in range(30):
        world = World(scenario, replication_seed(303, r))
        samples: list[int] = []
        world.env.process(_probe(world.env, world.dispatcher, world.window, samples))
        outcome = world.run()
        assert len(samples) == round(horizon / PROBE_STEP)
        waits = counted_waits(outcome, "report", "arrival")
        length = float(np.mean(samples))
        lam_w = len(waits) / horizon * float(waits.mean())
        queue.append(length)
        little.append(lam_w)
        differences.append(length - lam_w)

    # Little's law holds path by path (up to edges of the window and the sampling grid):
    # the mean difference between L and lam W over replications is 0.
    assert_inside(0.0, t_interval(differences), "L - lam W")
    lq = mmc_mean_queue(C, LAM, MU)
    assert_inside(lq, t_interval(queue), "time-average queue L vs Erlang C Lq")
    assert_inside(lq, t_interval(little), "lam W vs Erlang C Lq")


# -- the service desk ---------------------------------------------------------------------------

DESK_LAM, DESK_HANDLE_HOURS, DESK_AGENTS = 4.0, 0.6, 3  # a = 2.4, rho = 0.8


def desk_scenario(
    shares: dict[str, tuple[int, float]],
    remote: str = "[remote]\nagents = 1000\n",
    remote_time: str = "30min",
) -> simsvc.Scenario:
    """A desk of exponential handle times; every report is fixed remotely (no dispatch).

    The remote attempts go to a remote tier too large to queue (``remote``), so the desk
    agents' time is their handle time alone; ``remote = ""`` lets the desk agents make
    the attempts themselves.
    """
    severities = "".join(
        f"""
[[severity]]
id = "{sid}"
priority = {priority}
remote_fix = 1.0
remote_time = "{remote_time}"
"""
        for sid, (priority, _) in shares.items()
    )
    mix = ", ".join(f"{sid} = {share!r}" for sid, (_, share) in shares.items())
    first = next(iter(shares))
    return simsvc.parse_scenario(f"""
[scenario]
name = "M/M/c desk"
horizon = "200d"
warmup = "5d"
{severities}
[[commitment]]
severity = "{first}"
metric = "response"
within = "30min"

[desk]
agents = {DESK_AGENTS}
handle_time = {{ dist = "exponential", mean = {DESK_HANDLE_HOURS!r} }}

{remote}
[[base]]
id = "hq"
location = {LOCATION}
engineers = 1

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ {mix} }}

[[site]]
id = "plant"
location = {LOCATION}
equipment = {{ unit = {units_for_rate(DESK_LAM)} }}
""")


def test_desk_response_is_erlang_c() -> None:
    """The desk alone is M/M/c on the response clock: P(wait > 0) and the mean wait.

    Every report is fixed remotely by an ample remote tier, so dispatch never happens
    and cannot interfere, and the desk agents do nothing but answer.
    """
    scenario = desk_scenario({"S": (1, 1.0)})
    outcomes = replicate(scenario, seed=404, replications=30)
    waits = [counted_waits(o, "report", "response") for o in outcomes]
    assert min(len(w) for w in waits) > 15_000
    assert not any(np.isfinite(o.columns["dispatch"]).any() for o in outcomes)

    mu = 1 / DESK_HANDLE_HOURS
    a = DESK_LAM / mu
    assert_inside(
        erlang_c(DESK_AGENTS, a),
        t_interval([np.mean(w > WAITED) for w in waits]),
        "P(response wait > 0)",
    )
    assert_inside(
        mmc_mean_wait(DESK_AGENTS, DESK_LAM, mu),
        t_interval([w.mean() for w in waits]),
        "mean response wait",
    )
    assert_inside(
        mmc_wait_cdf(DESK_AGENTS, DESK_LAM, mu, 0.5),
        t_interval([np.mean(w <= 0.5) for w in waits]),
        "P(response wait <= 0.5h)",
    )
    utilization = [o.desk_busy_hours / o.desk_shift_hours for o in outcomes]
    assert_inside(a / DESK_AGENTS, t_interval(utilization), "desk utilization rho")


def test_desk_priorities_follow_cobham_priority_formula() -> None:
    """The desk answers by severity priority: each class's mean response wait is Cobham's W_k."""
    shares = {"low": (3, 0.5), "high": (1, 0.2), "mid": (2, 0.3)}
    scenario = desk_scenario(shares)
    by_priority = sorted(shares, key=lambda sid: shares[sid][0])
    mu = 1 / DESK_HANDLE_HOURS
    lams = [DESK_LAM * shares[sid][1] for sid in by_priority]
    theory = dict(zip(by_priority, cobham_waits(DESK_AGENTS, mu, lams), strict=True))

    outcomes = replicate(scenario, seed=505, replications=30)
    index = {s.id: j for j, s in enumerate(scenario.severity)}
    for sid in by_priority:
        means = []
        for outcome in outcomes:
            columns = outcome.columns
            mask = columns["counted"] & (columns["severity"] == index[sid])
            assert mask.sum() > 3_000
            means.append(float(np.mean((columns["response"] - columns["report"])[mask])))
        assert_inside(theory[sid], t_interval(means), f"mean response wait of {sid}")


def test_desk_agents_who_make_the_remote_attempts_are_busy_for_them() -> None:
    """Without a remote tier the desk agent makes the remote attempt: the desk's utilisation
    is lam (E[handle] + E[remote]) / c, not lam E[handle] / c (work is conserved)."""
    remote_hours = 0.1
    scenario = desk_scenario({"S": (1, 1.0)}, remote="", remote_time="6min")
    outcomes = replicate(scenario, seed=707, replications=20)
    utilization = [o.desk_busy_hours / o.desk_shift_hours for o in outcomes]
    rho = DESK_LAM * (DESK_HANDLE_HOURS + remote_hours) / DESK_AGENTS  # 0.933
    interval = t_interval(utilization)
    assert_inside(rho, interval, "desk utilisation with remote attempts")
    free_work = DESK_LAM * DESK_HANDLE_HOURS / DESK_AGENTS  # 0.8, if attempts cost nothing
    assert interval.low > free_work + 0.1


def remote_tier_scenario(agents: int, mean_hours: float, per_hour: float) -> simsvc.Scenario:
    """No desk: every report goes straight to a remote tier of exponential attempts."""
    return simsvc.parse_scenario(f"""
[scenario]
name = "M/M/c remote tier"
horizon = "200d"
warmup = "5d"

[[severity]]
id = "S"
remote_fix = 1.0
remote_time = {{ dist = "exponential", mean = {mean_hours!r} }}

[[commitment]]
severity = "S"
metric = "remote"
within = "30min"

[remote]
agents = {agents}

[[base]]
id = "hq"
location = {LOCATION}
engineers = 1

[[equipment]]
id = "unit"
failures_per_year = 1.0
severity_mix = {{ S = 1.0 }}

[[site]]
id = "plant"
location = {LOCATION}
equipment = {{ unit = {units_for_rate(per_hour)} }}
""")


def test_remote_tier_alone_is_erlang_c() -> None:
    """A remote tier alone is M/M/c on the remote clock (hand-over to login), and its
    agents' utilisation is rho; the results' remote clock is the same wait."""
    scenario = remote_tier_scenario(DESK_AGENTS, DESK_HANDLE_HOURS, DESK_LAM)
    outcomes = replicate(scenario, seed=808, replications=30)
    waits = [counted_waits(o, "handover", "remote_start") for o in outcomes]
    assert min(len(w) for w in waits) > 15_000
    assert not any(np.isfinite(o.columns["dispatch"]).any() for o in outcomes)
    mu = 1 / DESK_HANDLE_HOURS
    a = DESK_LAM / mu
    assert_inside(
        erlang_c(DESK_AGENTS, a),
        t_interval([np.mean(w > WAITED) for w in waits]),
        "P(remote wait > 0)",
    )
    assert_inside(
        mmc_mean_wait(DESK_AGENTS, DESK_LAM, mu),
        t_interval([w.mean() for w in waits]),
        "mean remote wait",
    )
    utilization = [o.remote_busy_hours / o.remote_shift_hours for o in outcomes]
    assert_inside(a / DESK_AGENTS, t_interval(utilization), "remote utilisation rho")
    # the commitment's clock is that wait: attainment = P(wait <= 30 min)
    result = simsvc.run_experiment(scenario, replications=8, seed=808)
    row = result.commitments().iloc[0]
    assert_inside(
        mmc_wait_cdf(DESK_AGENTS, DESK_LAM, mu, 0.5),
        t_interval([r.attainment[0] for r in result.replications]),
        "P(remote clock <= 30 min)",
    )
    assert row["incidents"] > 15_000


def test_assigned_clock_is_the_wait_for_an_engineer() -> None:
    """With no desk, the assigned clock (report to the dispatch decision) of the M/M/c
    engineer queue is Erlang C's wait, as the results compute it."""
    scenario = engineer_queue_scenario(LAM, MU, C, {"S": (1, 1.0)}, horizon="100d")
    scenario = scenario.evolve({"commitment[0].metric": "assigned", "commitment[0].within": 0.25})
    result = simsvc.run_experiment(scenario, replications=20, seed=909)
    assert_inside(
        mmc_wait_cdf(C, LAM, MU, 0.25),
        t_interval([r.attainment[0] for r in result.replications]),
        "P(assigned within 15 min)",
    )


def test_desk_then_engineers_is_a_tandem_of_erlang_c_queues() -> None:
    """A desk in front of the engineers: two M/M/c queues in series.

    By Burke's theorem the reports leaving an M/M/c desk are again a Poisson
    stream of rate lam, so the wait for an engineer (``arrival - dispatch``) is
    Erlang C of the engineers, while the response wait is Erlang C of the desk,
    and dispatch follows the response after the handle time.
    """
    desk = (
        f"agents = {DESK_AGENTS}\n"
        f'handle_time = {{ dist = "exponential", mean = {DESK_HANDLE_HOURS!r} }}'
    )
    assert DESK_LAM == LAM
    scenario = engineer_queue_scenario(LAM, MU, C, {"S": (1, 1.0)}, horizon="200d", desk=desk)
    outcomes = replicate(scenario, seed=606, replications=25)
    response = [counted_waits(o, "report", "response") for o in outcomes]
    handle = [counted_waits(o, "response", "dispatch") for o in outcomes]
    engineer = [counted_waits(o, "dispatch", "arrival") for o in outcomes]

    mu_desk = 1 / DESK_HANDLE_HOURS
    assert_inside(
        erlang_c(DESK_AGENTS, DESK_LAM / mu_desk),
        t_interval([np.mean(w > WAITED) for w in response]),
        "P(response wait > 0), desk in tandem",
    )
    assert_inside(DESK_HANDLE_HOURS, t_interval([h.mean() for h in handle]), "mean handle time")
    assert_inside(
        erlang_c(C, LAM / MU),
        t_interval([np.mean(w > WAITED) for w in engineer]),
        "P(engineer wait > 0) behind the desk",
    )
    assert_inside(
        mmc_mean_wait(C, LAM, MU),
        t_interval([w.mean() for w in engineer]),
        "mean engineer wait behind the desk",
    )
