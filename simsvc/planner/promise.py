"""The promise table: the tightest commitments a bid team can sign with these resources.

For each severity (and zone, where the file has zones) and each clock (response,
arrival, resolution), the promised bound is the first step of the tender scale
(5, 10, 15, 30 min; 1, 2, 4, 6, 8, 12, 24, 36, 48, 72 h, then whole days) whose
attainment reaches the goal at the stated confidence: the lower bound of the
t-interval over replications is at least the goal. A higher goal can only move a
bound up the scale.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from simsvc.experiment import run_experiment
from simsvc.model.calendar import WorkCalendar
from simsvc.records import counted_clock
from simsvc.results import RunResult
from simsvc.runner import Runner
from simsvc.scenario.schema import Scenario
from simsvc.stats import mean_ci, share_within

TENDER_STEPS_HOURS: tuple[float, ...] = (
    5 / 60,
    10 / 60,
    15 / 60,
    0.5,
    1,
    2,
    4,
    6,
    8,
    12,
    24,
    36,
    48,
    72,
    96,
    120,
    168,
    240,
    336,
    720,
)
"""Bounds a tender would print, in hours."""

METRICS = ("response", "arrival", "resolution")

HEADERS = {
    "en": {
        "severity": "Severity",
        "zone": "Zone",
        "response": "Response",
        "arrival": "On site",
        "resolution": "Resolution",
        "none": "cannot promise",
        "no_data": "no incidents",
    },
    "zh": {
        "severity": "故障级别",
        "zone": "区域",
        "response": "响应时间",
        "arrival": "到场时间",
        "resolution": "解决时间",
        "none": "无法承诺",
        "no_data": "无故障样本",
    },
}


def format_bound(hours: float, lang: str = "en") -> str:
    """A bound as a tender prints it: ``30 min``, ``2 h``; ``30分钟内``, ``2小时内``."""
    minutes = round(hours * 60)
    if lang == "zh":
        if minutes < 60:
            return f"{minutes}分钟内"
        if hours > 72 and hours % 24 == 0:
            return f"{hours / 24:g}天内"
        return f"{hours:g}小时内"
    if minutes < 60:
        return f"{minutes} min"
    if hours > 72 and hours % 24 == 0:
        return f"{hours / 24:g} d"
    return f"{hours:g} h"


@dataclass(frozen=True)
class PromiseCell:
    """One promised bound: ``hours`` is ``None`` when no step reaches the goal."""

    hours: float | None
    attainment: float | None
    ci_low: float | None
    incidents: int


@dataclass(frozen=True)
class PromiseRow:
    """The promises for one severity (and zone)."""

    severity: str
    name: str
    zone: str | None
    cells: dict[str, PromiseCell]
    clocks: dict[str, str]


@dataclass
class PromiseTable:
    """The service table a bid team can sign, with its goal and confidence."""

    scenario: str
    goal: float
    confidence: float
    replications: int
    rows: list[PromiseRow]

    @property
    def has_zones(self) -> bool:
        """Whether rows are split by zone."""
        return any(row.zone for row in self.rows)

    def _cell(self, cell: PromiseCell, lang: str) -> str:
        words = HEADERS[lang]
        if cell.incidents == 0:
            return words["no_data"]
        return words["none"] if cell.hours is None else format_bound(cell.hours, lang)

    def grid(self, lang: str = "en") -> tuple[list[str], list[list[str]]]:
        """Header and rows as text cells."""
        words = HEADERS[lang]
        header = [words["severity"]] + ([words["zone"]] if self.has_zones else [])
        header += [words[m] for m in METRICS]
        rows = []
        for row in self.rows:
            label = f"{row.severity} {row.name}".strip()
            cells = [label] + ([row.zone or ""] if self.has_zones else [])
            for metric in METRICS:
                text = self._cell(row.cells[metric], lang)
                if row.clocks[metric] == "business" and row.cells[metric].hours is not None:
                    text += "（工作时间）" if lang == "zh" else " (business hours)"
                cells.append(text)
            rows.append(cells)
        return header, rows

    def caption(self, lang: str = "en") -> str:
        """What the table promises, in words."""
        goal, conf = f"{self.goal:.0%}", f"{self.confidence:.0%}"
        if lang == "zh":
            return (
                f"{self.scenario}：{goal}的故障在表中时限内完成"
                f"（置信度{conf}，{self.replications}次仿真重复）"
            )
        return (
            f"{self.scenario}: {goal} of incidents within the bound"
            f" ({conf} confidence, {self.replications} replications)"
        )

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """The table as ``table``, ``markdown``, ``csv`` or ``json`` text."""
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        header, rows = self.grid(lang)
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerows(rows)
            return buffer.getvalue()
        if fmt == "markdown":
            lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
            lines += [f"| {' | '.join(r)} |" for r in rows]
            return self.caption(lang) + "\n\n" + "\n".join(lines)
        from simsvc.terminal import render

        return self.caption(lang) + "\n\n" + render(rows, header)

    def to_dict(self) -> dict[str, Any]:
        """The promises as data."""
        return {
            "scenario": self.scenario,
            "goal": self.goal,
            "confidence": self.confidence,
            "replications": self.replications,
            "rows": [
                {
                    "severity": row.severity,
                    "zone": row.zone,
                    **{
                        metric: {
                            "within_hours": row.cells[metric].hours,
                            "clock": row.clocks[metric],
                            "attainment": row.cells[metric].attainment,
                            "ci_low": row.cells[metric].ci_low,
                            "incidents": row.cells[metric].incidents,
                        }
                        for metric in METRICS
                    },
                }
                for row in self.rows
            ],
        }


def tightest_bound(
    per_replication: list[np.ndarray], goal: float, confidence: float
) -> PromiseCell:
    """The first tender step whose attainment's lower confidence bound reaches ``goal``."""
    incidents = int(sum(len(h) for h in per_replication))
    if incidents == 0:
        return PromiseCell(None, None, None, 0)
    for step in TENDER_STEPS_HOURS:
        estimate = mean_ci([share_within(h, step) for h in per_replication], confidence, share=True)
        if math.isfinite(estimate.ci_low) and estimate.ci_low >= goal - 1e-12:
            return PromiseCell(step, estimate.mean, estimate.ci_low, incidents)
    return PromiseCell(None, None, None, incidents)


def promise(
    scenario: Scenario,
    goal: float = 0.95,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> PromiseTable:
    """Simulate the file's resources and find the tightest bound per severity, zone and clock."""
    if not 0 < goal <= 1:
        raise ValueError(f"the goal must be a share in (0, 1], got {goal}")
    result = run_experiment(
        scenario,
        replications,
        seed,
        workers=workers,
        executor=executor,
        runner=runner,
        keep_incidents=True,
        progress=progress,
    )
    return promise_table(result, goal)


def promise_table(result: RunResult, goal: float = 0.95) -> PromiseTable:
    """The promise table of a finished run (kept with ``keep_incidents=True``)."""
    if not 0 < goal <= 1:
        raise ValueError(f"the goal must be a share in (0, 1], got {goal}")
    scenario = result.scenario
    calendar = WorkCalendar(scenario.calendar, scenario.scenario.warmup)
    zones: list[str | None] = [z for z in sorted({s.zone for s in scenario.site if s.zone})]
    runs = [r.columns for r in result.replications if r.columns is not None]
    if len(runs) != len(result.replications):
        raise ValueError("a promise table needs the incident records: keep_incidents=True")
    rows = []
    for severity in scenario.severity:
        clocks = {
            metric: "business"
            if any(
                c.severity == severity.id and c.metric == metric and c.clock == "business"
                for c in scenario.commitment
            )
            else "24x7"
            for metric in METRICS
        }
        for zone in zones or [None]:  # one row per zone, or one for all
            cells = {}
            for metric in METRICS:
                samples = [
                    counted_clock(
                        columns,
                        scenario,
                        severity=severity.id,
                        metric=metric,
                        clock=clocks[metric],
                        zone=zone,
                        calendar=calendar,
                    )
                    for columns in runs
                ]
                cells[metric] = tightest_bound(samples, goal, scenario.plan.confidence)
            rows.append(PromiseRow(severity.id, severity.name, zone, cells, clocks))
    return PromiseTable(
        scenario.scenario.name, goal, scenario.plan.confidence, len(result.replications), rows
    )
