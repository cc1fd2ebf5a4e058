"""The promise table: the tightest commitments a bid team can sign with these resources.

For each severity (and zone, where the file has zones) and each clock (response,
arrival, resolution), the promised bound is the first step of the tender scale
(5, 10, 15, 30 min; 1, 2, 4, 6, 8, 12, 24, 36, 48, 72 h, then whole days) whose
attainment reaches the goal at the stated confidence: the lower bound of the
exact interval of the pooled attainment (:func:`simsvc.stats.proportion_ci`) is at least
the goal; under ``[plan] criterion = "risk"``, the first whose breach risk over the
assessment periods has its upper bound at most ``max_breach_risk``. Each cell shows the
incidents it rests on; a cell with too few for the goal to be provable at the stated
confidence says how many it needs (add replications); a footnote explains each place
where a more severe level gets a looser promise than a less severe one. A higher goal
can only move a bound up the scale.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simsvc.experiment import run_experiment
from simsvc.model.calendar import WorkCalendar
from simsvc.periods import Period, period_count, period_index
from simsvc.records import clock_hours, counted
from simsvc.results import RunResult
from simsvc.runner import Runner
from simsvc.scenario.schema import Scenario
from simsvc.stats import proportion_ci

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
        "too_few": "too few incidents (n={n}; needs {needed})",
        "looser": "{severe} is promised a looser {metric} bound ({a}) than {mild} ({b}){zone}: ",
        "in_zone": " in zone {zone}",
        "sample": (
            "its clock is no slower ({goal} quantile {q_a} against {q_b}), but it rests on"
            " {n_a:,} incidents against {n_b:,}, and a step is promised only where the lower"
            " confidence bound reaches the goal, so fewer incidents need a looser step"
        ),
        "slower": (
            "its {goal} quantile is {q_a} against {q_b}: this level itself takes longer"
            " (on-site work, parts, swaps)"
        ),
        "noise": (
            "the two clocks are within sampling noise ({goal} quantile {q_a} against {q_b},"
            " {n_a:,} and {n_b:,} incidents): either level could draw the looser step"
        ),
    },
    "zh": {
        "severity": "故障级别",
        "zone": "区域",
        "response": "响应时间",
        "arrival": "到场时间",
        "resolution": "解决时间",
        "none": "无法承诺",
        "no_data": "无故障样本",
        "too_few": "样本不足（n={n}，需{needed}）",
        "looser": "{severe}的{metric}承诺（{a}）比{mild}（{b}）宽{zone}：",
        "in_zone": "（区域{zone}）",
        "sample": (
            "其时长并不更长（{goal}分位数{q_a}，对比{q_b}），但仅有{n_a:,}次故障样本（对比{n_b:,}次）；"
            "只有置信下限达到目标的时限才会承诺，样本越少，时限越宽"
        ),
        "slower": "其{goal}分位数为{q_a}，对比{q_b}：该级别本身耗时更长（现场工作、备件、换机）",
        "noise": "两者差异在抽样误差之内（{goal}分位数{q_a}对比{q_b}，样本{n_a:,}与{n_b:,}次）",
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
    """One promised bound: ``hours`` is ``None`` when no step reaches the goal.

    ``attainment`` and ``ci_low`` are those of the promised step; ``quantile`` is the
    goal's quantile of the clock (hours) over every counted incident, with a
    distribution-free interval ``quantile_low``-``quantile_high`` from order statistics;
    ``needed`` is, when the cell's incidents are too few for any step to reach the goal
    at the stated confidence (even with every incident within it), how many it would take.
    """

    hours: float | None
    attainment: float | None
    ci_low: float | None
    incidents: int
    quantile: float | None = None
    quantile_low: float | None = None
    quantile_high: float | None = None
    needed: int | None = None


@dataclass(frozen=True)
class PromiseRow:
    """The promises for one severity (and zone)."""

    severity: str
    name: str
    zone: str | None
    cells: dict[str, PromiseCell]
    clocks: dict[str, str]
    name_zh: str = ""
    """The severity's Chinese name (``name_zh``), used with ``lang="zh"``."""


@dataclass
class PromiseTable:
    """The service table a bid team can sign, with its goal and confidence."""

    scenario: str
    goal: float
    confidence: float
    replications: int
    rows: list[PromiseRow]
    criterion: str = "mean"
    sample_sizes: bool = True
    """Whether each cell shows the incidents it rests on (``n=...``)."""
    scenario_zh: str = ""
    """The scenario's Chinese name (``[scenario] name_zh``), used with ``lang="zh"``."""
    zones_zh: dict[str, str] = field(default_factory=dict)
    """Chinese names of zones (``[names.zh]``), used with ``lang="zh"``."""

    def title(self, lang: str = "en") -> str:
        """The scenario's name in ``lang`` (its English name where it has no Chinese one)."""
        return self.scenario_zh or self.scenario if lang == "zh" else self.scenario

    def severity_name(self, row: PromiseRow, lang: str = "en") -> str:
        """A row's severity name in ``lang`` (``name_zh``, else ``name``)."""
        return row.name_zh or row.name if lang == "zh" else row.name

    def zone_name(self, zone: str | None, lang: str = "en") -> str:
        """A zone as ``lang`` names it (``[names.zh]``, else its id); ``""`` for no zone."""
        if zone is None:
            return ""
        return self.zones_zh.get(zone, zone) if lang == "zh" else zone

    @property
    def has_zones(self) -> bool:
        """Whether rows are split by zone."""
        return any(row.zone for row in self.rows)

    def _cell(self, cell: PromiseCell, lang: str) -> str:
        words = HEADERS[lang]
        if cell.incidents == 0:
            return words["no_data"]
        if cell.needed is not None:
            return words["too_few"].format(n=cell.incidents, needed=cell.needed)
        return words["none"] if cell.hours is None else format_bound(cell.hours, lang)

    def grid(
        self, lang: str = "en", sizes: bool | None = None
    ) -> tuple[list[str], list[list[str]]]:
        """Header and rows as text cells (with each cell's incidents unless ``sizes`` is off)."""
        sizes = self.sample_sizes if sizes is None else sizes
        words = HEADERS[lang]
        header = [words["severity"]] + ([words["zone"]] if self.has_zones else [])
        header += [words[m] for m in METRICS]
        rows = []
        for row in self.rows:
            label = f"{row.severity} {self.severity_name(row, lang)}".strip()
            cells = [label] + ([self.zone_name(row.zone, lang)] if self.has_zones else [])
            for metric in METRICS:
                cell = row.cells[metric]
                text = self._cell(cell, lang)
                if row.clocks[metric] == "business" and cell.hours is not None:
                    text += "（工作时间）" if lang == "zh" else " (business hours)"
                if sizes and cell.incidents and cell.needed is None:
                    text += f" (n={cell.incidents:,})"
                cells.append(text)
            rows.append(cells)
        return header, rows

    def caption(self, lang: str = "en") -> str:
        """What the table promises, in words."""
        goal, conf = f"{self.goal:.0%}", f"{self.confidence:.0%}"
        if lang == "zh":
            return (
                f"{self.title(lang)}：{goal}的故障在表中时限内完成"
                f"（置信度{conf}，{self.replications}次仿真重复）"
            )
        return (
            f"{self.scenario}: {goal} of incidents within the bound"
            f" ({conf} confidence, {self.replications} replications)"
        )

    def footnotes(self, lang: str = "en") -> list[str]:
        """Why a more severe level gets a looser promise than a less severe one, where it does.

        Rows are in the file's severity order, most severe first.
        """
        words = HEADERS[lang]
        notes = []
        by_zone: dict[str | None, list[PromiseRow]] = {}
        for row in self.rows:
            by_zone.setdefault(row.zone, []).append(row)
        for zone, rows in by_zone.items():
            for metric in METRICS:
                for k, severe in enumerate(rows):
                    a = severe.cells[metric]
                    for mild in rows[k + 1 :]:
                        b = mild.cells[metric]
                        if a.hours is None or b.hours is None or a.hours <= b.hours:
                            continue
                        if severe.clocks[metric] != mild.clocks[metric]:
                            continue  # business hours against elapsed: not comparable
                        head = words["looser"].format(
                            severe=severe.severity,
                            mild=mild.severity,
                            metric=words[metric],
                            a=format_bound(a.hours, lang),
                            b=format_bound(b.hours, lang),
                            zone=words["in_zone"].format(zone=self.zone_name(zone, lang))
                            if zone
                            else "",
                        )
                        if (a.quantile or 0.0) > (b.quantile or 0.0):
                            why = "slower"
                        else:
                            why = "sample" if a.incidents < b.incidents else "noise"
                        reason = words[why].format(
                            goal=f"{self.goal:.0%}",
                            q_a=_hours_text(a.quantile),
                            q_b=_hours_text(b.quantile),
                            n_a=a.incidents,
                            n_b=b.incidents,
                        )
                        notes.append(head + reason + ("。" if lang == "zh" else "."))
                        break
        return notes

    def render(self, fmt: str = "table", lang: str = "en") -> str:
        """The table as ``table``, ``markdown``, ``csv`` or ``json`` text."""
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        header, rows = self.grid(lang, sizes=False if fmt == "csv" else None)
        if fmt == "csv":  # the bounds alone; the JSON has each cell's incidents
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerows(rows)
            return buffer.getvalue()
        listed = self.footnotes(lang)
        notes = "\n\n" + "\n".join(f"{k}. {n}" for k, n in enumerate(listed, 1)) if listed else ""
        if fmt == "markdown":
            lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
            lines += [f"| {' | '.join(r)} |" for r in rows]
            return self.caption(lang) + "\n\n" + "\n".join(lines) + notes
        from simsvc.terminal import render

        return self.caption(lang) + "\n\n" + render(rows, header) + notes

    def to_dict(self) -> dict[str, Any]:
        """The promises as data."""
        return {
            "scenario": self.scenario,
            "goal": self.goal,
            "confidence": self.confidence,
            "replications": self.replications,
            "criterion": self.criterion,
            "footnotes": self.footnotes(),
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
                            "quantile_hours": row.cells[metric].quantile,
                            "quantile_ci_hours": [
                                row.cells[metric].quantile_low,
                                row.cells[metric].quantile_high,
                            ],
                            "needed_incidents": row.cells[metric].needed,
                        }
                        for metric in METRICS
                    },
                }
                for row in self.rows
            ],
        }


def quantile_interval(
    hours: np.ndarray, q: float, confidence: float
) -> tuple[float | None, float | None, float | None]:
    """The ``q`` quantile of ``hours`` and its distribution-free interval (order statistics).

    The interval runs from the ``l``-th to the ``u``-th smallest value, the ranks where the
    binomial count of values below the true quantile falls with ``confidence``; it assumes
    independent values (incidents of a busy week are not quite), and is ``None`` on a side
    where there are too few values.
    """
    from scipy.special import bdtrik

    data = np.sort(np.asarray(hours, float))
    n = len(data)
    if n == 0:
        return None, None, None
    estimate = float(np.quantile(data, q, method="inverted_cdf"))
    tail = (1 - confidence) / 2
    low_rank = int(np.floor(bdtrik(tail, n, q)))  # P(Bin(n, q) <= k) >= tail
    high_rank = int(np.ceil(bdtrik(1 - tail, n, q))) + 1
    low = float(data[low_rank - 1]) if 1 <= low_rank <= n else None
    high = float(data[high_rank - 1]) if 1 <= high_rank <= n else None
    return _finite(estimate), _finite(low), _finite(high)


def _hours_text(hours: float | None) -> str:
    if hours is None:
        return "n/a"
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def incidents_needed(goal: float, confidence: float) -> int:
    """The fewest incidents whose exact lower bound can reach ``goal`` (all within)."""
    tail = (1 - confidence) / 2
    return max(1, math.ceil(math.log(tail) / math.log(goal) - 1e-9)) if goal < 1 else 10**9


def tightest_bound(
    per_replication: list[np.ndarray],
    goal: float,
    confidence: float,
    *,
    criterion: str = "mean",
    periods: list[np.ndarray] | None = None,
    period_count: int = 1,
    max_breach_risk: float = 0.05,
) -> PromiseCell:
    """The first tender step that is "met" at ``goal`` under the criterion.

    Under ``"mean"`` the step's attainment (pooled over replications, exact interval on
    the effective count: :func:`simsvc.stats.proportion_ci`) must have its lower bound at
    the goal or above; under ``"risk"`` the step's breach risk over the periods
    (``periods``: the period of each incident) must have its upper bound at most
    ``max_breach_risk``. A cell whose incidents are too few for any step says how many
    it needs.
    """
    incidents = int(sum(len(h) for h in per_replication))
    if incidents == 0:
        return PromiseCell(None, None, None, 0)
    pooled = np.concatenate(per_replication)
    quantile, q_low, q_high = quantile_interval(pooled[~np.isnan(pooled)], goal, confidence)
    needed = incidents_needed(goal, confidence)
    if criterion == "mean" and incidents < needed:
        return PromiseCell(None, None, None, incidents, quantile, q_low, q_high, needed)
    counts = [len(h) for h in per_replication]
    for step in TENDER_STEPS_HOURS:
        within = [h <= step + 1e-9 for h in per_replication]
        estimate = proportion_ci([int(w.sum()) for w in within], counts, confidence)
        if criterion == "risk":
            assert periods is not None
            breached, assessed = [], []
            for w, index in zip(within, periods, strict=True):
                total = np.bincount(index, minlength=period_count)
                good = np.bincount(index[w], minlength=period_count)
                nonempty = total > 0
                breached.append(int((good[nonempty] < goal * total[nonempty] - 1e-9).sum()))
                assessed.append(int(nonempty.sum()))
            risk = proportion_ci(breached, assessed, confidence)
            ok = math.isfinite(risk.ci_high) and risk.ci_high <= max_breach_risk + 1e-12
        else:
            ok = math.isfinite(estimate.ci_low) and estimate.ci_low >= goal - 1e-12
        if ok:
            return PromiseCell(
                step, estimate.mean, estimate.ci_low, incidents, quantile, q_low, q_high
            )
    return PromiseCell(None, None, None, incidents, quantile, q_low, q_high)


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
    info, plan = scenario.scenario, scenario.plan
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
                period = _period(scenario, severity.id, metric)
                samples, periods = [], []
                for columns in runs:
                    mask = counted(
                        columns, scenario, severity=severity.id, metric=metric, zone=zone
                    )
                    sub = {k: v[mask] for k, v in columns.items()}
                    samples.append(clock_hours(sub, metric, clocks[metric], calendar))
                    periods.append(
                        period_index(
                            sub["report"],
                            period=period,
                            start=scenario.calendar.start,
                            warmup=info.warmup,
                            horizon=info.horizon,
                        )
                    )
                cells[metric] = tightest_bound(
                    samples,
                    goal,
                    plan.confidence,
                    criterion=plan.criterion,
                    periods=periods,
                    period_count=period_count(
                        period=period,
                        start=scenario.calendar.start,
                        warmup=info.warmup,
                        horizon=info.horizon,
                    ),
                    max_breach_risk=plan.max_breach_risk,
                )
            rows.append(
                PromiseRow(severity.id, severity.name, zone, cells, clocks, severity.name_zh)
            )
    return PromiseTable(
        scenario.scenario.name,
        goal,
        plan.confidence,
        len(result.replications),
        rows,
        criterion=plan.criterion,
        scenario_zh=info.name_zh,
        zones_zh=dict(scenario.names.zh),
    )


def _period(scenario: Scenario, severity: str, metric: str) -> Period:
    """The period the file assesses a severity's clock over (else ``[plan] period``)."""
    for commitment in scenario.commitment:
        if commitment.severity == severity and commitment.metric == metric:
            return scenario.period_of(commitment)
    return scenario.plan.period
