"""Benchmark of a country-wide network: a 10-year replication and the scaling of a sweep.

Builds a synthetic network (120 bases, 450 engineers, 10,000 sites, about 100,000 fault
reports a year) and prints:

- one 10-year replication (over 1,000,000 incidents) on one core: wall time, incidents/s,
  peak memory (the peak resident size of the fresh process that ran it) and the bytes
  of incident record per incident (target < 1 KB);
- a sweep of the same network over one year (`simsvc sweep`, 4 points x 2 replications)
  with 1 and then 2 worker processes, and the speed-up (aim >= 1.8x);
- the same for a sweep of `scenarios/provincial_hvac.toml` (4 points x 10 replications).

    .venv/bin/python bench/bench_network.py            # about 3-5 minutes on 2 cores
    .venv/bin/python bench/bench_network.py --quick    # 2 years and a smaller sweep
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def network(
    seed: int = 7,
    bases: int = 120,
    engineers: int = 450,
    sites: int = 10_000,
    faults_per_year: float = 100_000.0,
    years: float = 10.0,
) -> dict[str, Any]:
    """The scenario (as the dictionary a TOML file parses to) of a country-wide network."""
    rng = np.random.default_rng(seed)
    base_lat = rng.uniform(22.5, 45.0, bases)
    base_lon = rng.uniform(100.0, 122.0, bases)
    weight = rng.lognormal(0.0, 0.6, bases)
    staff = np.maximum(1, np.floor(engineers * weight / weight.sum())).astype(int)
    staff[np.argmax(weight)] += engineers - int(staff.sum())
    home = rng.choice(bases, size=sites, p=weight / weight.sum())
    radius = np.abs(rng.normal(0.0, 25.0, sites)) / 111.0
    angle = rng.uniform(0, 2 * math.pi, sites)
    lat = np.clip(base_lat[home] + radius * np.sin(angle), -89, 89)
    lon = np.clip(base_lon[home] + radius * np.cos(angle), -179, 179)
    units = rng.integers(5, 40, sites)
    failures = faults_per_year / float(units.sum())
    depots = list(range(0, bases, 10))
    return {
        "scenario": {
            "name": "Country-wide network",
            "horizon": f"{365 * years:g}d",
            "warmup": "7d",
            "replications": 1,
            "seed": seed,
        },
        "desk": {"agents": 12, "handle_time": {"dist": "exponential", "mean": "6min"}},
        "severity": [
            {
                "id": "L1",
                "priority": 1,
                "remote_fix": 0.1,
                "part_need": 0.5,
                "onsite_time": {"dist": "lognormal", "mean": "2h", "cv": 0.6},
                "swap_after": "8h",
            },
            {
                "id": "L2",
                "priority": 2,
                "remote_fix": 0.3,
                "part_need": 0.4,
                "onsite_time": {"dist": "gamma", "mean": "2h", "cv": 0.8},
            },
            {
                "id": "L3",
                "priority": 3,
                "remote_fix": 0.5,
                "part_need": 0.2,
                "onsite_time": {"dist": "triangular", "low": "30min", "mode": "1h", "high": "4h"},
            },
            {"id": "L4", "priority": 4, "remote_fix": 0.7, "onsite_time": "1h"},
        ],
        "commitment": [
            {"severity": "L1", "metric": "response", "within": "30min"},
            {"severity": "L1", "metric": "arrival", "within": "4h", "goal": 0.9},
            {"severity": "L2", "metric": "resolution", "within": "24h", "goal": 0.9},
            {"severity": "L3", "metric": "resolution", "within": "48h", "goal": 0.9},
        ],
        "base": [
            {
                "id": f"b{b:03d}",
                "location": [float(base_lat[b]), float(base_lon[b])],
                "engineers": int(staff[b]),
                "shift": "24x7" if b % 4 == 0 else "08:00-20:00",
                "depot": f"d{(b // 10) * 10:03d}",
            }
            for b in range(bases)
        ],
        "depot": [
            {
                "id": f"d{d:03d}",
                "location": [float(base_lat[d]), float(base_lon[d])],
                "stock": {"board": 6, "psu": 8, "unit": 4},
                "resupply": {"dist": "lognormal", "mean": "10d", "cv": 0.4},
            }
            for d in depots
        ],
        "part": [
            {"id": "board", "unit_cost": 3000},
            {"id": "psu", "unit_cost": 800},
            {"id": "unit", "unit_cost": 20000},
        ],
        "equipment": [
            {
                "id": "terminal",
                "failures_per_year": failures,
                "severity_mix": {"L1": 0.05, "L2": 0.2, "L3": 0.4, "L4": 0.35},
                "parts": {"board": 0.5, "psu": 0.5},
                "spare_unit": "unit",
            }
        ],
        "site": [
            {
                "id": f"s{i:05d}",
                "location": [float(lat[i]), float(lon[i])],
                "equipment": {"terminal": int(units[i])},
            }
            for i in range(sites)
        ],
        "travel": {"speed_kmh": 50, "road_factor": 1.3, "cv": 0.3},
        "costs": {"engineer_per_year": 150000, "desk_agent_per_year": 80000},
    }


def _toml(data: dict[str, Any]) -> str:
    """Write the dictionary as TOML (enough of TOML for this scenario)."""

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, str):
            return json.dumps(v)
        return repr(v)

    lines = []
    for table, content in data.items():
        rows = content if isinstance(content, list) else [content]
        for row in rows:
            lines.append(f"[[{table}]]" if isinstance(content, list) else f"[{table}]")
            lines += [f"{k} = {value(v)}" for k, v in row.items()]
            lines.append("")
    return "\n".join(lines)


def one_replication(years: float) -> dict[str, float]:
    """Time a replication of ``years`` on one core, with its memory."""
    import simsvc
    from simsvc.scenario.loading import scenario_from_dict

    scenario = scenario_from_dict(network(years=years))
    started = time.perf_counter()
    outcome = simsvc.simulate(scenario, 1)
    wall = time.perf_counter() - started
    incidents = len(outcome.columns["report"])
    record = sum(column.nbytes for column in outcome.columns.values())
    return {
        "wall_s": wall,
        "incidents": incidents,
        "incidents_per_s": incidents / wall,
        "record_bytes_per_incident": record / incidents,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def sweep_seconds(path: Path, workers: int, replications: int, points: str) -> float:
    """Wall time of a `simsvc sweep` of the scenario at ``path`` with ``workers``
    processes (the command as a user runs it: start-up and load included)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweep.csv"
        command = [
            sys.executable,
            "-m",
            "simsvc",
            "sweep",
            str(path),
            "--vary",
            f"travel.speed_kmh={points}",
            "-n",
            str(replications),
            "-w",
            str(workers),
            "-q",
            "--out",
            str(out),
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 years; a smaller sweep")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # a fresh process, so that its peak resident size is its own
        print(json.dumps(one_replication(args.child)))
        return
    years = 2.0 if args.quick else 10.0
    print(
        f"simsvc network benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(years)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"\n[1] one replication of {years:g} years: 120 bases, 450 engineers, 10,000 sites")
    print(f"  incidents simulated           {figures['incidents']:,.0f}")
    print(f"  wall time (one core)          {figures['wall_s']:.1f} s")
    print(f"  incidents/s                   {figures['incidents_per_s']:,.0f}")
    print(f"  peak resident size            {figures['maxrss_mib']:,.0f} MiB")
    per = figures["record_bytes_per_incident"]
    print(
        f"  record bytes per incident     {per:.0f} B  (target < 1024 B:"
        f" {'PASS' if per < 1024 else 'MISS'})"
    )

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.toml"
        path.write_text(_toml(network(years=1.0)), encoding="utf-8")
        points, reps = ("40,50", 2) if args.quick else ("35,40,45,50", 2)
        one = sweep_seconds(path, 1, reps, points)
        two = sweep_seconds(path, 2, reps, points)
    print(f"\n[2] sweep of the network over one year: travel.speed_kmh={points}, {reps} reps")
    _print_scaling(one, two)

    provincial = ROOT / "scenarios" / "provincial_hvac.toml"
    # 40 replication-years: the command's serial start (imports, loading the file) is then
    # a tenth of the one-worker time, as in a sweep a bid team runs
    points, reps = ("50,60", 2) if args.quick else ("45,50,55,60", 10)
    one = sweep_seconds(provincial, 1, reps, points)
    two = sweep_seconds(provincial, 2, reps, points)
    print(f"\n[3] sweep of provincial_hvac.toml: travel.speed_kmh={points}, {reps} reps")
    _print_scaling(one, two)


def _print_scaling(one: float, two: float) -> None:
    """The wall times of a sweep on 1 and 2 workers, and the speed-up against its aim."""
    speedup = one / two
    print(f"  1 worker                      {one:.1f} s")
    print(f"  2 workers                     {two:.1f} s")
    print(
        f"  speed-up                      {speedup:.2f}x  (aim >= 1.8x:"
        f" {'PASS' if speedup >= 1.8 else 'MISS'})"
    )


if __name__ == "__main__":
    main()
