"""A shareable report: one self-contained HTML page with the charts and tables of a run.

``write_report`` simulates a scenario (and, on request, plans it), draws the charts,
and writes into a folder: ``report.html`` (every chart embedded as a PNG data URI,
tables as HTML, no script and no link to anything outside the file), the PNGs
themselves and the results JSON. The folder is written as one set: filled beside
the target, then swapped in whole (:func:`simsvc.result_files.atomic_folder`), so a
report interrupted midway leaves the previous one as it was. Chart files are named by
their position and an ASCII slug of the id (``frontier_2_L2.png``), never by the raw id.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simsvc import charts
from simsvc.experiment import run_experiment
from simsvc.planner.promise import PromiseTable, promise_table
from simsvc.result_files import atomic_folder, write_json, write_text
from simsvc.results import RunResult
from simsvc.runner import Runner
from simsvc.scenario.schema import Scenario
from simsvc.terminal import VERDICT_TEXT, percent, plan_columns, plan_resource_rows

STYLE = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", Arial, sans-serif;
       margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
td.num { text-align: right; } .no { color: #b00; font-weight: bold; } .yes { color: #070; }
.undecided { color: #a60; }
img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; font-size: 0.9em; }
"""


@dataclass
class Report:
    """Sections of the page, in order: a heading, HTML and charts each."""

    title: str
    sections: list[tuple[str, str, list[tuple[str, Figure]]]] = field(default_factory=list)

    def add(
        self, heading: str, body: str = "", figures: list[tuple[str, Figure]] | None = None
    ) -> None:
        """Add a section with its HTML ``body`` and named ``figures``."""
        self.sections.append((heading, body, figures or []))


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


VERDICT_CLASS = {"yes": "yes", "met": "yes", "NO": "no", "NOT MET": "no", "undecided": "undecided"}
"""The style of a cell that states a verdict."""


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="num"' if i in numeric else ""
            if cell in VERDICT_CLASS:
                css = f' class="{VERDICT_CLASS[cell]}"'
            cells.append(f"<td{css}>{html.escape(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def commitments_html(result: RunResult) -> str:
    """The commitments of a run (``result.commitments()``): goal, attainment and its
    interval, the assessment period, the breach risk and its interval, the verdict."""
    rows = []
    for row in result.commitments().to_dict(orient="index").values():
        rows.append(
            [
                str(row["label"]),
                percent(float(row["goal"]), 0),
                _share(float(row["attainment"])),
                _span(float(row["ci_low"]), float(row["ci_high"])),
                str(row["period"]),
                _share(float(row["breach_risk"])),
                _span(float(row["risk_ci_low"]), float(row["risk_ci_high"])),
                VERDICT_TEXT[str(row["verdict"])],
            ]
        )
    conf = percent(result.confidence, 0)
    header = ["commitment", "goal", "attained", f"{conf} CI", "period", "breach risk"]
    return _table([*header, f"{conf} CI", "verdict"], rows, {1, 2, 5})


def _span(low: float, high: float) -> str:
    return "n/a" if math.isnan(low) or math.isnan(high) else f"{_share(low)} to {_share(high)}"


def _share(value: float) -> str:
    """``97.3%``; ``n/a`` for NaN (no counted incident, or one replication)."""
    return percent(None if math.isnan(value) else value)


def promise_html(table: PromiseTable, lang: str) -> str:
    """The promise table as HTML."""
    header, rows = table.grid(lang)
    return f'<p class="note">{html.escape(table.caption(lang))}</p>' + _table(header, rows)


def plan_html(plan: Any) -> str:
    """The plan beside the current resources and the 15% rule."""
    data = plan.to_dict()
    columns = plan_columns(data)
    rows = plan_resource_rows(data, columns)
    rows.append(["yearly cost"] + [f"{c['cost']['total']:,.0f}" for _, c in columns])
    verdict = (
        "every commitment met on fresh seeds"
        if data["feasible"]
        else "not every commitment met on fresh seeds"
    )
    return (
        f"<p>{html.escape(verdict)}; {data['simulations']:,} replications simulated.</p>"
        + _table(["resource"] + [n for n, _ in columns], rows, set(range(1, len(columns) + 1)))
    )


def build_report(
    scenario: Scenario,
    result: RunResult,
    lang: str = "en",
    goal: float = 0.95,
    plan: Any | None = None,
) -> Report:
    """The sections and charts of a report on a finished run (and an optional plan)."""
    info = scenario.scenario
    report = Report(info.name)
    summary = (f"<p>{html.escape(info.description)}</p>" if info.description else "") + (
        f'<p class="note">{len(result.replications)} replications of'
        f" {info.horizon / 24:g} days after a warm-up of {info.warmup / 24:g} days,"
        f" seed {result.seed}; intervals at {percent(result.confidence, 0)} confidence.</p>"
    )
    report.add("Commitments", summary + commitments_html(result))
    report.add("What these resources can promise", promise_html(promise_table(result, goal), lang))
    frontiers = [
        (chart_name("frontier", k, s.id), charts.promise_frontier(result, s.id, lang=lang))
        for k, s in enumerate(scenario.severity, start=1)
    ]
    report.add("Share of incidents within each time, by severity", "", frontiers)
    report.add("Where the time goes", "", [("time_breakdown", charts.time_breakdown(result, lang))])
    report.add("Load and utilisation", "", [("load_profile", charts.load_profile(result, lang))])
    report.add("Sites and bases", "", [("site_map", charts.site_map(scenario, result, lang=lang))])
    if plan is not None:
        report.add(
            "Cheapest plan", plan_html(plan), [("plan_costs", charts.plan_costs(plan, lang))]
        )
    return report


SLUG_LENGTH = 40
"""The most characters of an id that go into a chart's file name."""

REPORT_FILES = re.compile(
    r"(report\.html|results\.json|plan\.json"
    r"|(time_breakdown|load_profile|site_map|plan_costs|frontier_.+)\.png)"
)
"""The names of the files a report writes (chart names of earlier versions included)."""


def chart_name(kind: str, number: int, id_: str) -> str:
    """``frontier_2_L2``: a chart's file name (without ``.png``) from its position and id.

    Only ASCII letters, digits, ``_`` and ``-`` of the id are kept, at most
    :data:`SLUG_LENGTH` of them: an id may be in any script and 100 characters long,
    too long for a file name, and the position alone tells charts apart.
    """
    slug = re.sub(r"[^A-Za-z0-9_-]", "", id_)[:SLUG_LENGTH]
    return f"{kind}_{number}_{slug}" if slug else f"{kind}_{number}"


def is_report_file(name: str) -> bool:
    """Whether a report writes a file of this name (so may replace it with its folder)."""
    return REPORT_FILES.fullmatch(name) is not None


def render_html(report: Report, images: dict[str, bytes]) -> str:
    """The page, with every figure embedded as a PNG data URI."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
    ]
    for heading, body, figures in report.sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
        for name, _ in figures:
            data = base64.b64encode(images[name]).decode("ascii")
            parts.append(
                f'<p><img alt="{html.escape(name)}" src="data:image/png;base64,{data}"></p>'
            )
    parts.append('<p class="note">Made with simsvc.</p></body></html>')
    return "\n".join(parts)


def write_report(
    scenario: Scenario,
    out: str | Path,
    replications: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    runner: Runner | None = None,
    lang: str = "en",
    with_plan: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Simulate (and plan, on request) and write ``report.html``, the PNGs and results.json.

    The experiment and the plan run on ``runner`` if given (it stays open), else on one
    runner opened for the report on ``executor`` or ``workers`` local processes.
    ``progress`` counts the experiment's replications.

    ``out`` is replaced as a whole when the report is complete. Raises
    :class:`~simsvc.result_files.OutputError` before simulating if ``out`` is not a
    folder, or holds a file that is not a report's (see :func:`is_report_file`).
    """
    folder = Path(out)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(folder, is_report_file) as staging:
        with contextlib.ExitStack() as stack:
            if runner is None:
                runner = stack.enter_context(Runner(workers=workers, executor=executor))
            result = run_experiment(
                scenario, replications, seed, runner=runner, keep_incidents=True, progress=progress
            )
            plan = None
            if with_plan:
                from simsvc.planner.search import plan as make_plan

                plan = make_plan(scenario, replications, seed, runner=runner)
        report = build_report(scenario, result, lang, plan=plan)
        images: dict[str, bytes] = {}
        for _, _, figures in report.sections:
            for name, figure in figures:
                images[name] = _png(figure)
                (staging / f"{name}.png").write_bytes(images[name])
        write_json(staging / "results.json", result.to_dict())
        if plan is not None:
            write_json(staging / "plan.json", plan.to_dict())
        write_text(staging / "report.html", render_html(report, images))
    return folder / "report.html"
