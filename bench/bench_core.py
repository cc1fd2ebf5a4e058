"""Speed benchmark of the simulation core (a script, not a test).

    python bench/bench_core.py            # full run (about a minute on 2 cores)
    python bench/bench_core.py --quick    # smaller M/M/c runs, one timing of the large year
    python bench/bench_core.py --profile  # also cProfile the large year (top 25 cum / tot)
    python bench/bench_core.py --profile-only

Three measurements, then a summary with targets:

1. a lean SimPy M/M/c model (a process per customer, one ``simpy.Resource``):
   the speed of SimPy itself on this machine, the yardstick;
2. simsvc on the equivalent scenario (one site at its base, no desk, no parts,
   exponential on-site time): incidents per second, the ratio to the lean model,
   and its mean wait against Erlang C so that a fast but wrong engine shows;
3. one replication-year of a large synthetic network (``large_network.py``):
   wall time, incidents per second, peak memory, bytes per incident record, and
   ``run_experiment`` with 2 replications on one worker, summaries included.

See ``bench/README.md`` for what each figure means and the figures measured.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy

import simsvc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from large_network import large_network_toml  # noqa: E402

LAM, MU, SERVERS = 4.0, 1.0, 5  # per hour
TARGET_RATIO, AIM_RATIO = 0.5, 1.0
TARGET_YEAR_SECONDS = 2.0
TARGET_BYTES_PER_RECORD = 1024
MIN_YEARLY_INCIDENTS = 30_000


# -- helpers -------------------------------------------------------------------------------
@dataclass
class Timing:
    """Best wall and process CPU seconds over some runs, and the last run's result."""

    wall: float
    cpu: float
    result: Any


def best_of(runs: int, work: Callable[[], Any]) -> Timing:
    """Time ``runs`` calls of ``work``; CPU time shows how much a busy machine inflated wall."""
    wall, cpu, result = math.inf, math.inf, None
    for _ in range(runs):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return Timing(wall, cpu, result)


def interleaved(
    runs: int, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Timing, Timing]:
    """Best timings of two pieces of work run in turns (first, second, first, ...)."""
    a, b = best_of(1, first), best_of(1, second)
    for _ in range(runs - 1):
        a2, b2 = best_of(1, first), best_of(1, second)
        a = Timing(min(a.wall, a2.wall), min(a.cpu, a2.cpu), a2.result)
        b = Timing(min(b.wall, b2.wall), min(b.cpu, b2.cpu), b2.result)
    return a, b


def current_rss_kib() -> int:
    """Resident set size of this process now (KiB; 0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue (hours) of an M/M/c queue (Erlang C)."""
    a = lam / mu
    rho = a / c
    below = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (below + top) / (c * mu - lam)


def batch_means(values: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error by batch means (the waits are autocorrelated)."""
    usable = len(values) // batches * batches
    means = values[:usable].reshape(batches, -1).mean(axis=1)
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


def record_bytes(columns: dict[str, np.ndarray]) -> int:
    """Bytes held by the incident record columns."""
    return sum(int(np.asarray(v).nbytes) for v in columns.values())


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def table(rows: list[tuple[str, ...]], header: tuple[str, ...], left: int = 1) -> str:
    """A plain text table; the first ``left`` columns are left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)), line]
    for row in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(row, widths, strict=True)):
            cells.append(str(cell).ljust(w) if i < left else str(cell).rjust(w))
        out.append("  ".join(cells))
    return "\n".join(out)


# -- 1. lean SimPy M/M/c -------------------------------------------------------------------
def lean_mmc(customers: int, seed: int) -> np.ndarray:
    """A textbook SimPy M/M/c: one process per customer; returns each customer's wait (h)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / LAM, customers).tolist()
    services = rng.exponential(1 / MU, customers).tolist()
    env = simpy.Environment()
    servers = simpy.Resource(env, SERVERS)
    waits = [0.0] * customers

    def customer(i: int, service: float) -> Generator[simpy.Event, None, None]:
        arrived = env.now
        with servers.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(service)

    def source() -> Generator[simpy.Event, None, None]:
        for i in range(customers):
            yield env.timeout(gaps[i])
            env.process(customer(i, services[i]))

    env.process(source())
    env.run()
    return np.asarray(waits)


# -- 2. simsvc on the same queue -------------------------------------------------------------
def mmc_scenario_toml(customers: int, warmup_hours: float = 100.0) -> str:
    """The M/M/c queue as a scenario: one site at the base, no desk, no parts, 5 engineers."""
    units = 1000
    failures = LAM * 8760 / units  # units * failures_per_year / 8760 = LAM per hour
    horizon = customers / LAM
    return f"""
[scenario]
name = "Benchmark M/M/c: lam {LAM:g}/h, mu {MU:g}/h, c {SERVERS}"
horizon = "{horizon:g}h"
warmup = "{warmup_hours:g}h"
replications = 1
seed = 1

[[severity]]
id = "S"
priority = 1
onsite_time = {{ dist = "exponential", mean = "{1 / MU:g}h" }}

[[commitment]]
severity = "S"
metric = "arrival"
within = "1h"
goal = 0.5

[[base]]
id = "base"
location = [34.34, 108.94]
engineers = {SERVERS}

[[equipment]]
id = "unit"
failures_per_year = {failures:g}
severity_mix = {{ S = 1.0 }}

[[site]]
id = "site"
location = [34.34, 108.94]
equipment = {{ unit = {units} }}

[travel]
cv = 0
"""


# -- 3. large network ------------------------------------------------------------------------
def rss_child(toml_path: str, seed: int) -> None:
    """Run in a fresh process: one large year, and the process's peak RSS (KiB)."""
    scenario = simsvc.load_scenario(toml_path)
    gc.collect()
    before = current_rss_kib()
    outcome = simsvc.simulate(scenario, seed)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"before_kib": before, "after_kib": after, "incidents": len(outcome.columns["report"])}
        )
    )


def measure_rss(toml_path: Path, seed: int) -> dict[str, int] | None:
    """Peak RSS of a fresh process that loads the scenario and runs one year."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rss-child",
        str(toml_path),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  (RSS child failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _short_path(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    for root in (HERE.parent, HERE):
        if path.startswith(str(root) + os.sep):
            return os.path.relpath(path, root)
    return os.path.basename(path)


def profile_year(scenario: simsvc.Scenario, seed: int, top: int = 25) -> str:
    """cProfile of one large year: the top functions by cumulative and by total time."""
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    simsvc.simulate(scenario, seed)
    profiler.disable()
    out = []
    for key, title in (("cumulative", "cumulative time"), ("tottime", "total (own) time")):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        # Name files by package path (simpy/core.py, simsvc/model/world.py), not basename.
        strip = pstats.func_strip_path  # type: ignore[attr-defined]
        pstats.func_strip_path = lambda func: (_short_path(func[0]), *func[1:])  # type: ignore
        try:
            stats.strip_dirs()
        finally:
            pstats.func_strip_path = strip  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(top)
        text = buffer.getvalue()
        # keep the header line with the total and the table itself
        lines = [ln for ln in text.splitlines() if ln.strip()]
        total = next((ln.strip() for ln in lines if "function calls" in ln), "")
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        out.append(f"--- top {top} by {title} ({total}) ---")
        out.extend(lines[start:])
        out.append("")
    return "\n".join(out)


# -- the run ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="40,000 customers instead of 200,000; one timing of the large year",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the large year and print the top 25 functions",
    )
    parser.add_argument(
        "--profile-only", action="store_true", help="only generate the large network and profile it"
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help="M/M/c customers (default 200,000; 40,000 with --quick)",
    )
    parser.add_argument("--sites", type=int, default=1500, help="sites of the large network")
    parser.add_argument("--seed", type=int, default=20270104)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--rss-child", metavar="TOML", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.rss_child:
        rss_child(args.rss_child, args.seed)
        return 0

    started = time.perf_counter()
    runs = 1 if args.quick else 3
    customers = args.customers or (40_000 if args.quick else 200_000)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    f: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "simpy": simpy.__version__,
            "numpy": np.__version__,
            "simsvc": simsvc.__version__,
            "cpu": platform.processor() or platform.machine(),
            "cores": cores,
            "date": time.strftime("%Y-%m-%d"),
            "mode": "profile" if args.profile_only else "quick" if args.quick else "full",
            "load_before": os.getloadavg()[0],
        }
    }
    m = f["machine"]
    print(
        f"simsvc {simsvc.__version__} core benchmark ({m['mode']}), {m['date']}, Python "
        f"{m['python']}, SimPy {simpy.__version__}, numpy {np.__version__}, {cores} cores, "
        f"load average {m['load_before']:.2f}"
    )
    if cores and m["load_before"] > 0.5 * cores:
        print("  note: the machine is busy; wall times are inflated (compare the CPU column)")

    text = large_network_toml(seed=args.seed, sites=args.sites)
    large = simsvc.parse_scenario(text, "<large network>")
    if args.profile_only:
        print(profile_year(large, args.seed))
        return 0

    # 1 and 2. lean SimPy and simsvc on the same M/M/c queue, timed in turns so that both
    # see the same load when the machine is shared.
    print(
        f"\n[1] lean SimPy M/M/c: lam {LAM:g}/h, mu {MU:g}/h, c {SERVERS}, "
        f"{customers:,} customers, a process per customer"
    )
    print(
        f"[2] simsvc.simulate on the same queue as a scenario (~{customers:,} incidents "
        "counted); each best of 3, run in turns"
    )
    mmc = simsvc.parse_scenario(mmc_scenario_toml(customers), "<mmc>")
    lean, run = interleaved(
        3, lambda: lean_mmc(customers, args.seed), lambda: simsvc.simulate(mmc, args.seed)
    )
    lean_rate = customers / lean.wall
    lean_wait, lean_se = batch_means(lean.result)
    f["lean"] = {
        "customers": customers,
        "seconds": lean.wall,
        "cpu_seconds": lean.cpu,
        "per_second": lean_rate,
        "mean_wait_h": lean_wait,
        "mean_wait_se_h": lean_se,
    }
    cols = run.result.columns
    simulated = len(cols["report"])
    mmc_rate = simulated / run.wall
    counted = cols["counted"]
    mmc_wait, mmc_se = batch_means((cols["arrival"] - cols["report"])[counted])
    theory = erlang_c_wait(LAM, MU, SERVERS)
    ratio = mmc_rate / lean_rate
    cpu_ratio = (simulated / run.cpu) / (customers / lean.cpu)
    f["mmc"] = {
        "incidents": simulated,
        "counted": int(counted.sum()),
        "seconds": run.wall,
        "cpu_seconds": run.cpu,
        "per_second": mmc_rate,
        "ratio_to_lean": ratio,
        "cpu_ratio_to_lean": cpu_ratio,
        "mean_wait_h": mmc_wait,
        "mean_wait_se_h": mmc_se,
        "erlang_c_wait_h": theory,
    }
    print(
        table(
            [
                (
                    "lean SimPy",
                    f"{customers:,}",
                    f"{lean.wall:.3f}",
                    f"{lean.cpu:.3f}",
                    fmt_rate(lean_rate),
                    "",
                ),
                (
                    "simsvc",
                    f"{simulated:,}",
                    f"{run.wall:.3f}",
                    f"{run.cpu:.3f}",
                    fmt_rate(mmc_rate),
                    f"{ratio:.2f} (cpu {cpu_ratio:.2f})",
                ),
            ],
            ("M/M/c speed", "jobs", "wall s", "cpu s", "jobs/s", "simsvc/lean"),
        )
    )
    print()
    print(
        table(
            [
                ("Erlang C (theory)", f"{theory:.4f}", "", ""),
                (
                    "lean SimPy",
                    f"{lean_wait:.4f}",
                    f"{lean_se:.4f}",
                    f"{(lean_wait / theory - 1) * 100:+.1f}%",
                ),
                (
                    "simsvc",
                    f"{mmc_wait:.4f}",
                    f"{mmc_se:.4f}",
                    f"{(mmc_wait / theory - 1) * 100:+.1f}%",
                ),
            ],
            ("mean wait in queue (h)", "mean", "std err", "vs theory"),
        )
    )
    del run, cols, counted

    # 3. large network
    n_sites, n_eng = len(large.site), sum(b.engineers for b in large.base)
    print(
        f"\n[3] large network: {len(large.base)} bases, {n_eng} engineers, {n_sites:,} sites, "
        f"horizon {large.scenario.horizon / 24:g} d + warm-up {large.scenario.warmup / 24:g} d"
    )
    gen = best_of(1, lambda: large_network_toml(seed=args.seed, sites=args.sites))
    parse = best_of(1, lambda: simsvc.parse_scenario(text, "<large network>"))
    year = best_of(runs, lambda: simsvc.simulate(large, args.seed))
    n = len(year.result.columns["report"])
    n_counted = int(year.result.columns["counted"].sum())
    bytes_per = record_bytes(year.result.columns) / n
    del year.result
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    simsvc.simulate(large, args.seed)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"simsvc-bench-large-{os.getpid()}.toml"
    tmp.write_text(text, encoding="utf-8")
    try:
        rss = measure_rss(tmp, args.seed)
    finally:
        tmp.unlink(missing_ok=True)
    exp = best_of(
        1, lambda: simsvc.run_experiment(large, replications=2, workers=1, seed=args.seed).to_dict()
    )
    f["large"] = {
        "bases": len(large.base),
        "engineers": n_eng,
        "sites": n_sites,
        "generate_seconds": gen.wall,
        "parse_seconds": parse.wall,
        "year_seconds": year.wall,
        "year_cpu_seconds": year.cpu,
        "year_timings": runs,
        "incidents": n,
        "incidents_counted": n_counted,
        "per_second": n / year.wall,
        "tracemalloc_peak_bytes": traced_peak,
        "record_bytes_per_incident": bytes_per,
        "rss_kib": rss,
        "experiment_2reps_seconds": exp.wall,
        "experiment_2reps_cpu_seconds": exp.cpu,
    }
    rss_text = "n/a"
    if rss:
        grew = max(0, rss["after_kib"] - rss["before_kib"]) / 1024
        rss_text = (
            f"{rss['after_kib'] / 1024:.0f} MiB peak; {rss['before_kib'] / 1024:.0f} MiB "
            f"after import + parse, so +{grew:.0f} MiB for the run"
        )
    print(
        table(
            [
                ("generate TOML (large_network_toml)", f"{gen.wall:.3f} s"),
                ("parse + validate (parse_scenario)", f"{parse.wall:.3f} s"),
                (
                    f"simulate one year (best of {runs}), wall",
                    f"{year.wall:.3f} s (cpu {year.cpu:.3f} s)",
                ),
                ("incidents simulated (counted)", f"{n:,} ({n_counted:,})"),
                ("incidents / s", f"{fmt_rate(n / year.wall)} (cpu {fmt_rate(n / year.cpu)})"),
                ("tracemalloc peak during simulate", f"{traced_peak / 2**20:.1f} MiB"),
                ("ru_maxrss of a fresh process", rss_text),
                ("record columns per incident", f"{bytes_per:.0f} B"),
                (
                    "run_experiment 2 reps, workers=1, + to_dict",
                    f"{exp.wall:.3f} s (cpu {exp.cpu:.3f} s)",
                ),
            ],
            ("figure", "value"),
            left=2,
        )
    )

    # summary
    wait_ok = abs(mmc_wait - theory) <= max(3 * mmc_se, 0.05 * theory)
    checks = [
        (
            "M/M/c speed ratio simsvc/lean",
            f"{ratio:.2f}",
            f">= {TARGET_RATIO}",
            ratio >= TARGET_RATIO,
        ),
        ("M/M/c speed ratio, aim", f"{ratio:.2f}", f">= {AIM_RATIO}", ratio >= AIM_RATIO),
        (
            "M/M/c mean wait vs Erlang C",
            f"{mmc_wait:.3f} vs {theory:.3f} h",
            "within 3 s.e. or 5%",
            wait_ok,
        ),
        (
            "large network counted incidents",
            f"{n_counted:,}",
            f">= {MIN_YEARLY_INCIDENTS:,}",
            n_counted >= MIN_YEARLY_INCIDENTS,
        ),
        (
            "large year, one replication, wall",
            f"{year.wall:.2f} s",
            f"< {TARGET_YEAR_SECONDS:g} s",
            year.wall < TARGET_YEAR_SECONDS,
        ),
        (
            "record bytes per incident",
            f"{bytes_per:.0f} B",
            f"< {TARGET_BYTES_PER_RECORD} B",
            bytes_per < TARGET_BYTES_PER_RECORD,
        ),
    ]
    print("\nSummary")
    print(
        table(
            [(a, b, c, "PASS" if ok else "MISS") for a, b, c, ok in checks],
            ("target", "measured", "target", "result"),
        )
    )
    f["checks"] = [{"name": a, "measured": b, "target": c, "pass": ok} for a, b, c, ok in checks]

    if args.profile:
        print(
            f"\n[profile] cProfile of one large year (seed {args.seed}); "
            "profiling slows the run about 3x; read shares, not seconds"
        )
        print(profile_year(large, args.seed))

    f["machine"]["load_after"] = os.getloadavg()[0]
    f["bench_seconds"] = time.perf_counter() - started
    print(
        f"benchmark wall time {f['bench_seconds']:.1f} s, load average now "
        f"{f['machine']['load_after']:.2f}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(f, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
