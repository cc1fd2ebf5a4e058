"""Benchmark of the planner's candidate evaluations on Dask: one pass spread over a cluster.

One removal screen of metro_line2's plan space (every unit removed in turn, each candidate
on its screen replications: a pass of independent replications, as the planner hands them
to its runner in one batch, which sends them out in about four tasks per worker) runs
three ways in one process:

- in this process (the reference: one core, no pool);
- on a local process pool of 2 workers;
- on a Dask ``LocalCluster`` of 2 single-threaded worker processes (``--executor dask``'s
  code path).

It prints the tasks, the wall time of each, the mean task time, the speed-up over one core,
and the expected wall time and speed-up on 16 Dask workers from the measured figures
(Amdahl: the part that does not spread is what the 2-worker run does beyond half the
one-core time), against identical results.

    .venv/bin/python bench/bench_dask.py [--replications N]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import simsvc
from simsvc.planner.candidates import Evaluator, PlanSpace
from simsvc.runner import Runner

ROOT = Path(__file__).resolve().parent.parent


def screen_pass(runner: Runner, replications: int) -> tuple[float, int, list[list[float]]]:
    """Wall seconds, tasks, and each candidate's attainments, of one pass on ``runner``."""
    scenario = simsvc.load_scenario(ROOT / "scenarios" / "metro_line2.toml")
    space = PlanSpace(scenario)
    current = space.current()
    candidates = [space.changed(current, u, -1) for u in space.units]
    chosen = [c for c in candidates if c is not None]
    evaluator = Evaluator(space, scenario.scenario.seed, replications, runner)
    started = time.perf_counter()
    evaluations = evaluator.evaluate_many(chosen)
    wall = time.perf_counter() - started
    return wall, evaluator.simulations, [[a.mean for a in e.attainment] for e in evaluations]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10, help="per candidate")
    args = parser.parse_args()
    print(
        f"planner pass on Dask, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    with Runner(workers=1) as runner:
        one, tasks, reference = screen_pass(runner, args.replications)
    with Runner(workers=2) as runner:
        pool, _, pooled = screen_pass(runner, args.replications)
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
        Runner(executor=client.get_executor(), workers=2) as runner,
    ):
        screen_pass(runner, 1)  # workers import simsvc and load the scenario once
        dask, _, on_dask = screen_pass(runner, args.replications)
    task = one / tasks  # one core's seconds per replication
    serial = max(dask - one / 2, 0.0)
    sixteen = serial + one / 16
    print(f"replications in the pass           {tasks} ({args.replications} per candidate)")
    print(f"one core (reference)               {one:.2f} s  ({task * 1000:.0f} ms per replication)")
    print(f"local pool, 2 workers              {pool:.2f} s  ({one / pool:.2f}x)")
    print(f"Dask LocalCluster, 2 workers       {dask:.2f} s  ({one / dask:.2f}x)")
    print(f"part that does not spread (Dask)   {serial:.2f} s")
    print(f"expected on 16 Dask workers        {sixteen:.2f} s  ({one / sixteen:.1f}x)")
    same = reference == pooled == on_dask
    print(f"same attainments on all three      {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
