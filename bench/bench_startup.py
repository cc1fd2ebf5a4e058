"""Start-up of the command line: how long ``simsvc --help``, ``simsvc validate`` and a
default ``simsvc run`` of metro_line2 (20 replications on every core) take.

Each command runs in a fresh interpreter (as a user's shell starts it), five times; the
best wall time is printed beside a bare ``python -c pass`` run the same way, so the
figure that matters is the difference (our start-up). ``-X importtime`` of the same
command gives the modules that cost most, and the check that scipy.stats, pandas and
matplotlib are not imported.

    .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "metro_line2.toml"
COMMANDS = {
    "python -c pass (reference)": ["-c", "pass"],
    "simsvc --help": ["-m", "simsvc", "--help"],
    "simsvc run --help": ["-m", "simsvc", "run", "--help"],
    "simsvc validate metro_line2": ["-m", "simsvc", "validate", str(SCENARIO)],
    "simsvc run metro_line2": ["-m", "simsvc", "run", str(SCENARIO)],
}
TARGETS = {
    "simsvc --help": 0.3,
    "simsvc run --help": 0.3,
    "simsvc validate metro_line2": 0.3,
    "simsvc run metro_line2": 1.5,
}
"""Issue 14's targets (seconds of wall time on 2 cores)."""
HEAVY = ("scipy.stats", "pandas", "matplotlib")
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def best_seconds(arguments: list[str], runs: int = 5) -> float:
    """The best wall time of ``runs`` fresh interpreters running ``arguments``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return min(times)


def import_profile(arguments: list[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """The top-level imports by cumulative microseconds, and the heavy modules imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    top: list[tuple[int, str]] = []
    heavy: set[str] = set()
    for line in done.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        cumulative, indent, name = int(match[2]), len(match[3]), match[4]
        if indent <= 1:
            top.append((cumulative, name))
        heavy |= {h for h in HEAVY if name == h or name.startswith(h + ".")}
    return sorted(top, reverse=True)[:5], sorted(heavy)


def main() -> None:
    print(f"{'command':32} {'best of 5':>10} {'above python':>13}  {'target':>14}  heavy imports")
    reference = best_seconds(COMMANDS["python -c pass (reference)"])
    for name, arguments in COMMANDS.items():
        seconds = reference if name.startswith("python") else best_seconds(arguments)
        heavy = import_profile(arguments)[1] if not name.startswith("python") else []
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target} s {'PASS' if seconds < target else 'MISS'}"
        print(
            f"{name:32} {seconds:9.3f}s {seconds - reference:12.3f}s  {verdict:>14}"
            f"  {', '.join(heavy) or 'none'}"
        )
    top, _ = import_profile(COMMANDS["simsvc validate metro_line2"])
    print("\nlargest imports of `simsvc validate` (cumulative):")
    for micros, name in top:
        print(f"  {micros / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
