"""The "Results" section of scenarios/README.md: every bundled scenario run as `simsvc run` runs it.

    .venv/bin/python bench/scenario_results.py > /tmp/results.md

Prints, per scenario, the verdicts under the file's criterion and period, each
commitment's attainment and breach risk with their intervals, and the utilisations,
fill rates and cost, as Markdown to paste into scenarios/README.md.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import simsvc

ROOT = Path(__file__).resolve().parent.parent


def share(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:.1f}%"


def interval(low: float, high: float) -> str:
    return f"[{share(low)}, {share(high)}]"


def main() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = simsvc.load_scenario(path)
        start = time.perf_counter()
        result = simsvc.run_experiment(scenario, keep_incidents=False)
        seconds = time.perf_counter() - start
        table = result.commitments()
        counts = table["verdict"].value_counts().to_dict()
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        plan = scenario.plan
        print(
            f"**{path.stem}** ({len(result.replications)} replications, criterion"
            f" `{plan.criterion}`, period `{plan.period}`): {verdicts}."
        )
        for row in table.to_dict("records"):
            print(
                f"- {row['label']}: {share(row['attainment'])}"
                f" {interval(row['ci_low'], row['ci_high'])}; breach risk"
                f" {share(row['breach_risk'])} {interval(row['risk_ci_low'], row['risk_ci_high'])};"
                f" **{row['verdict']}**"
            )
        bases = result.bases()["utilization"]
        low, high = float(bases.min()), float(bases.max())
        util = share(low) if low == high else f"{share(low)} to {share(high)}"
        fills = result.depots()["fill_rate"]
        fill = (
            ""
            if fills.empty
            else f"; fill rate {share(float(fills.min()))} to {share(float(fills.max()))}"
        )
        cost = result.cost()["total"]
        print(
            f"\nUtilisation {util}{fill}; yearly cost {cost:,.0f} {scenario.scenario.currency};"
            f" run in {seconds:.1f} s.\n"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
