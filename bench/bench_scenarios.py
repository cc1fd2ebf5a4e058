"""Speed of the engine on the bundled scenarios beside lean SimPy (a script, not a test).

    python bench/bench_scenarios.py             # metro_line2 and provincial_hvac, best of 3
    python bench/bench_scenarios.py --profile   # also cProfile's top 20 by own time of each
    python bench/bench_scenarios.py --instructions   # also instruction counts (valgrind)
    python bench/bench_scenarios.py --markdown  # also the speed table as Markdown (README)
    python bench/bench_scenarios.py scenarios/campus_av.toml --runs 5

For each scenario, one replication-year (``simsvc.simulate(scenario, SeedSequence(seed))``)
and the lean SimPy M/M/c of ``bench_core.py`` are timed in turns (lean, scenario, lean, ...,
best of ``--runs``), so that both see the same load on a shared machine. Printed per
scenario: incidents simulated (fault reports plus inspections, warm-up included) per
second, the ratio to lean SimPy's customers per second (target >= 0.4), the same ratio
on CPU time (the steadier figure when the machine is busy), and the ratio counting
fault reports alone. ``--instructions`` counts the instructions of each under valgrind
(the same ratios, untouched by other load on a shared machine). ``--markdown`` prints the
speed table once more as Markdown, each scenario's ratio beside lean SimPy's rate, to paste
into the README.

See ``bench/README.md`` for the figures measured.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import simpy

import simsvc
from simsvc.model.calendar import WorkCalendar
from simsvc.model.inspections import inspection_plan
from simsvc.model.world import random_streams

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_core import _short_path, fmt_rate, interleaved, lean_mmc, table  # noqa: E402

SCENARIOS = ("scenarios/metro_line2.toml", "scenarios/provincial_hvac.toml")
TARGET_RATIO = 0.4


def inspections_planned(scenario: simsvc.Scenario, seed: np.random.SeedSequence) -> int:
    """Inspections the replication feeds in (its plan, drawn first from its own stream)."""
    info = scenario.scenario
    calendar = WorkCalendar(scenario.calendar, info.warmup)
    rng = random_streams(seed)["inspections"]
    return len(inspection_plan(scenario, calendar, rng, info.warmup + info.horizon))


def profile_own_time(scenario: simsvc.Scenario, seed: int, top: int = 20) -> str:
    """cProfile of one replication-year: the top functions by own (total) time."""
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    simsvc.simulate(scenario, np.random.SeedSequence(seed))
    profiler.disable()
    profile = pstats.Stats(profiler).get_stats_profile()
    total = profile.total_tt
    rows = sorted(profile.func_profiles.items(), key=lambda item: -item[1].tottime)[:top]
    lines = [
        f"--- top {top} by own time ({total:.3f} s profiled) ---",
        f"{'calls':>9}  {'own s':>7}  {'cum s':>7}  {'own %':>5}  function",
    ]
    for name, f in rows:
        calls = int(f.ncalls.split("/")[0])  # "total/primitive" for recursive functions
        where = f"{_short_path(f.file_name)}:{f.line_number}({name})" if f.line_number else name
        share = 100 * f.tottime / total
        lines.append(f"{calls:>9,}  {f.tottime:>7.3f}  {f.cumtime:>7.3f}  {share:>5.1f}  {where}")
    return "\n".join(lines)


# -- instruction counts (valgrind) ------------------------------------------------------
IR_CUSTOMERS = 20_000
"""Customers of the lean M/M/c counted under valgrind (its rate per customer is steady)."""


def run_child(what: str, repeats: int, seed: int) -> None:
    """The work counted under valgrind: once to warm up (imports, first calls), then
    ``repeats`` more times; ``what`` is ``lean`` or a scenario file."""
    scenario = None if what == "lean" else simsvc.load_scenario(what)
    for _ in range(1 + repeats):
        if scenario is None:
            lean_mmc(IR_CUSTOMERS, seed)
        else:
            simsvc.simulate(scenario, np.random.SeedSequence(seed))


def instructions(what: str, repeats: int, seed: int) -> float:
    """Instructions of one more run of ``what`` (valgrind's count with ``1 + repeats``
    runs, less the count with one, over ``repeats``): a figure no other load moves."""
    counts = []
    for n in (0, repeats):
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            what,
            str(n),
            "--seed",
            str(seed),
        ]
        # one BLAS thread and a fixed hash seed, so that the count repeats exactly
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if refs is None:
            raise RuntimeError(f"no instruction count from valgrind: {done.stderr[-500:]}")
        counts.append(int(refs.group(1).replace(",", "")))
    return (counts[1] - counts[0]) / repeats


def instruction_table(paths: list[str], seed: int) -> str:
    """Instructions per lean customer and per incident of each scenario, and their ratio."""
    lean = instructions("lean", 2, seed) / IR_CUSTOMERS
    rows: list[tuple[str, ...]] = [("lean SimPy M/M/c", "", f"{lean:,.0f}", "", "")]
    for path in paths:
        scenario = simsvc.load_scenario(path)
        outcome = simsvc.simulate(scenario, np.random.SeedSequence(seed))
        faults = len(outcome.columns["report"])
        inspections = inspections_planned(scenario, np.random.SeedSequence(seed))
        total = instructions(path, 1 if faults + inspections > 5_000 else 4, seed)
        per = total / (faults + inspections)
        rows.append(
            (
                Path(path).stem,
                f"{total / 1e6:,.0f} M",
                f"{per:,.0f}",
                f"{lean / per:.2f}",
                f"{lean / (total / faults):.2f}",
            )
        )
    header = ("instructions", "per replication", "per incident", "ratio", "faults only")
    return table(rows, header)


def markdown_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """The rows as a Markdown table (text left-aligned in the first column, numbers right)."""
    rule = ["---", *["---:"] * (len(header) - 1)]
    lines = [header, tuple(rule), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS), metavar="TOML")
    parser.add_argument("--seed", type=int, default=0, help="replication seed (SeedSequence)")
    parser.add_argument("--runs", type=int, default=3, help="timings of each, best taken")
    parser.add_argument(
        "--customers", type=int, default=100_000, help="customers of the lean SimPy M/M/c"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile's top 20 by own time"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions under valgrind (minutes; steady on a busy machine)",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the speed table as Markdown"
    )
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child[0], int(args.child[1]), args.seed)
        return 0

    started = time.perf_counter()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    print(
        f"simsvc {simsvc.__version__} scenario benchmark, {time.strftime('%Y-%m-%d')}, SimPy "
        f"{simpy.__version__}, numpy {np.__version__}, {cores} cores, load average {load:.2f}"
    )
    if cores and load > 0.5 * cores:
        print("  note: the machine is busy; wall times are inflated (compare the CPU ratio)")
    print(
        f"lean SimPy M/M/c of bench_core.py ({args.customers:,} customers) and one "
        f"replication-year of each scenario (seed {args.seed}), in turns, best of {args.runs}\n"
    )

    rows: list[tuple[str, ...]] = []
    marked: list[tuple[str, ...]] = []
    checks: list[tuple[str, float, float]] = []
    for path in args.scenarios:
        scenario = simsvc.load_scenario(path)
        name = Path(path).stem
        lean, run = interleaved(
            args.runs,
            lambda: lean_mmc(args.customers, args.seed),
            lambda: simsvc.simulate(scenario, np.random.SeedSequence(args.seed)),  # noqa: B023
        )
        faults = len(run.result.columns["report"])
        inspections = inspections_planned(scenario, np.random.SeedSequence(args.seed))
        incidents = faults + inspections
        rate, lean_rate = incidents / run.wall, args.customers / lean.wall
        ratio = rate / lean_rate
        cpu_ratio = (incidents / run.cpu) / (args.customers / lean.cpu)
        faults_ratio = ratio * faults / incidents
        checks.append((f"{name}, faults + inspections", ratio, cpu_ratio))
        checks.append((f"{name}, fault reports only", faults_ratio, cpu_ratio * faults / incidents))
        rows.append(
            (
                name,
                f"{faults:,} + {inspections:,}",
                f"{run.wall:.3f} ({run.cpu:.3f})",
                fmt_rate(rate),
                fmt_rate(lean_rate),
                f"{ratio:.2f} ({cpu_ratio:.2f})",
                f"{faults_ratio:.2f}",
            )
        )
        marked.append(
            (
                f"`{name}`",
                f"{faults:,} + {inspections:,}",
                f"{run.wall * 1e3:.1f} ms",
                fmt_rate(rate),
                fmt_rate(lean_rate),
                f"**{ratio:.2f}** ({cpu_ratio:.2f})",
                f"{faults_ratio:.2f}",
                "PASS" if min(ratio, cpu_ratio) >= TARGET_RATIO else "MISS",
            )
        )
    header = (
        "scenario",
        "faults + inspections",
        "wall (cpu) s",
        "incidents/s",
        "lean cust/s",
        "ratio (cpu)",
        "faults only",
    )
    print(table(rows, header))
    print(
        "\nratio: incidents/s over lean customers/s, wall clock (CPU time); faults only: "
        "the same counting fault reports alone"
    )
    print("\nSummary")
    print(
        table(
            [
                (
                    name,
                    f"{ratio:.2f} (cpu {cpu_ratio:.2f})",
                    f">= {TARGET_RATIO}",
                    "PASS" if min(ratio, cpu_ratio) >= TARGET_RATIO else "MISS",
                )
                for name, ratio, cpu_ratio in checks
            ],
            ("rate / lean SimPy's", "measured", "target", "result"),
        )
    )

    if args.markdown:
        print(f"\n[markdown] the speed table for the README (target >= {TARGET_RATIO})\n")
        print(
            markdown_table(
                marked,
                (
                    "scenario",
                    "faults + inspections",
                    "one year, wall",
                    "incidents/s",
                    "lean SimPy customers/s",
                    "ratio, wall (cpu)",
                    "faults only",
                    "target",
                ),
            )
        )

    if args.instructions:
        print(
            f"\n[instructions] valgrind's count, per lean customer ({IR_CUSTOMERS:,}) and per "
            "incident; ratio: lean's count over the scenario's"
        )
        print(instruction_table(args.scenarios, args.seed))

    if args.profile:
        for path in args.scenarios:
            print(f"\n[profile] {Path(path).stem}, seed {args.seed} (read shares, not seconds)")
            print(profile_own_time(simsvc.load_scenario(path), args.seed))
    print(
        f"\nbenchmark wall time {time.perf_counter() - started:.1f} s, "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
