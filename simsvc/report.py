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
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simsvc import charts
from simsvc.experiment import run_experiment
from simsvc.planner.promise import PromiseTable, format_bound, promise_table
from simsvc.result_files import atomic_folder, write_json, write_text
from simsvc.results import RunResult
from simsvc.runner import Runner
from simsvc.scenario.schema import Commitment, Scenario
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


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "commitments": "Commitments",
        "promise": "What these resources can promise",
        "frontiers": "Share of incidents within each time, by severity",
        "breakdown": "Where the time goes",
        "load": "Load and utilisation",
        "map": "Sites and bases",
        "plan": "Cheapest plan",
        "summary": "{n} replications of {horizon:g} days after a warm-up of {warmup:g} days,"
        " seed {seed}; intervals at {conf} confidence.",
        "commitment": "commitment",
        "goal": "goal",
        "attained": "attained",
        "ci": "{conf} CI",
        "period": "period",
        "breach_risk": "breach risk",
        "verdict": "verdict",
        "to": "to",
        "resource": "resource",
        "yearly_cost": "yearly cost",
        "plan_met": "every commitment met on fresh seeds",
        "plan_not_met": "not every commitment met on fresh seeds",
        "simulated": "{verdict}; {n:,} replications simulated.",
        "made_with": "Made with simsvc.",
        "no_font": "",
    },
    "zh": {
        "commitments": "服务承诺",
        "promise": "现有资源可承诺的服务时限",
        "frontiers": "各故障级别在各时限内完成的故障占比",
        "breakdown": "时间花在哪里",
        "load": "报修量与利用率",
        "map": "站点与服务站",
        "plan": "最低成本方案",
        "summary": "{n}次仿真重复，每次{horizon:g}天（预热{warmup:g}天），随机种子{seed}；"
        "区间的置信度为{conf}。",
        "commitment": "承诺",
        "goal": "目标",
        "attained": "达成率",
        "ci": "{conf}置信区间",
        "period": "考核周期",
        "breach_risk": "违约风险",
        "verdict": "结论",
        "to": "至",
        "resource": "资源",
        "yearly_cost": "年度成本",
        "plan_met": "在新的随机种子上全部承诺满足",
        "plan_not_met": "在新的随机种子上并非全部承诺满足",
        "simulated": "{verdict}；共仿真{n:,}次重复。",
        "made_with": "由 simsvc 生成。",
        "no_font": "（本机未安装中文字体，图表以英文绘制。）",
    },
}
"""The report's own words in English and Chinese (the charts have theirs in
:mod:`simsvc.charts.text`)."""

VERDICT_WORDS = {
    "en": VERDICT_TEXT,
    "zh": {"met": "满足", "not met": "未满足", "undecided": "未定"},
}
"""A verdict as a report's table states it."""

PERIOD_WORDS = {
    "en": {"month": "month", "quarter": "quarter", "year": "year", "horizon": "horizon"},
    "zh": {"month": "月", "quarter": "季度", "year": "年", "horizon": "全程"},
}

COLUMN_WORDS = {
    "en": {"plan": "plan", "current": "current", "15% rule": "15% rule"},
    "zh": {"plan": "方案", "current": "现状", "15% rule": "15%规则"},
}

METRIC_ZH = {
    "response": "响应",
    "arrival": "到场",
    "resolution": "解决",
    "remote": "远程接入",
    "assigned": "派单",
    "visit": "派单到场",
}
"""Chinese names of the clocks, for commitment labels."""


@dataclass
class Report:
    """Sections of the page, in order: a heading, HTML and charts each."""

    title: str
    sections: list[tuple[str, str, list[tuple[str, Figure]]]] = field(default_factory=list)
    lang: str = "en"

    def add(
        self, heading: str, body: str = "", figures: list[tuple[str, Figure]] | None = None
    ) -> None:
        """Add a section with its HTML ``body`` and named ``figures``."""
        self.sections.append((heading, body, figures or []))


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


VERDICT_CLASS = {
    "yes": "yes",
    "met": "yes",
    "NO": "no",
    "NOT MET": "no",
    "undecided": "undecided",
    "满足": "yes",
    "未满足": "no",
    "未定": "undecided",
}
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


def commitment_label(commitment: Commitment, scenario: Scenario, lang: str = "en") -> str:
    """``L1 arrival <= 2h (city)``; in Chinese ``L1 到场 ≤ 2小时内（区域 市区）``."""
    if lang != "zh":
        return commitment.label
    clock = "（工作时间）" if commitment.clock == "business" else ""
    zone = ""
    if commitment.zone:
        zone = f"（区域 {scenario.names.zh.get(commitment.zone, commitment.zone)}）"
    bound = format_bound(commitment.within, "zh")
    return f"{commitment.severity} {METRIC_ZH[commitment.metric]} ≤ {bound}{clock}{zone}"


def commitments_html(result: RunResult, lang: str = "en") -> str:
    """The commitments of a run (``result.commitments()``): goal, attainment and its
    interval, the assessment period, the breach risk and its interval, the verdict."""
    words, verdicts, periods = WORDS[lang], VERDICT_WORDS[lang], PERIOD_WORDS[lang]
    scenario = result.scenario
    by_id = dict(zip(scenario.commitment_ids(), scenario.commitment, strict=True))
    rows = []
    for key, row in result.commitments().to_dict(orient="index").items():
        commitment = by_id.get(str(key))
        label = commitment_label(commitment, scenario, lang) if commitment else str(row["label"])
        rows.append(
            [
                label,
                percent(float(row["goal"]), 0),
                _share(float(row["attainment"])),
                _span(float(row["ci_low"]), float(row["ci_high"]), words["to"]),
                periods.get(str(row["period"]), str(row["period"])),
                _share(float(row["breach_risk"])),
                _span(float(row["risk_ci_low"]), float(row["risk_ci_high"]), words["to"]),
                verdicts[str(row["verdict"])],
            ]
        )
    ci = words["ci"].format(conf=percent(result.confidence, 0))
    header = [words[k] for k in ("commitment", "goal", "attained")] + [ci, words["period"]]
    return _table([*header, words["breach_risk"], ci, words["verdict"]], rows, {1, 2, 5})


def _span(low: float, high: float, to: str = "to") -> str:
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    return f"{_share(low)} {to} {_share(high)}"


def _share(value: float) -> str:
    """``97.3%``; ``n/a`` for NaN (no counted incident, or one replication)."""
    return percent(None if math.isnan(value) else value)


def promise_html(table: PromiseTable, lang: str) -> str:
    """The promise table as HTML, with its caption and footnotes."""
    header, rows = table.grid(lang)
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in table.footnotes(lang))
    return (
        f'<p class="note">{html.escape(table.caption(lang))}</p>'
        + _table(header, rows)
        + (f'<ol class="note">{notes}</ol>' if notes else "")
    )


def plan_html(plan: Any, lang: str = "en") -> str:
    """The plan beside the current resources and the 15% rule."""
    words = WORDS[lang]
    data = plan.to_dict()
    columns = plan_columns(data)
    rows = plan_resource_rows(data, columns, lang)
    rows.append([words["yearly_cost"]] + [f"{c['cost']['total']:,.0f}" for _, c in columns])
    verdict = words["plan_met"] if data["feasible"] else words["plan_not_met"]
    names = [COLUMN_WORDS[lang].get(n, n) for n, _ in columns]
    text = words["simulated"].format(verdict=verdict, n=data["simulations"])
    return f"<p>{html.escape(text)}</p>" + _table(
        [words["resource"], *names], rows, set(range(1, len(columns) + 1))
    )


def build_report(
    scenario: Scenario,
    result: RunResult,
    lang: str = "en",
    goal: float = 0.95,
    plan: Any | None = None,
) -> Report:
    """The sections and charts of a report on a finished run (and an optional plan).

    With ``lang="zh"`` every word of the page is Chinese, and the names are the file's
    Chinese ones (``name_zh``, ``[names.zh]``) where it has them. Without a CJK font the
    charts are drawn in English, with one warning (:func:`simsvc.charts.text.cjk_font`).
    """
    words = WORDS[lang]
    info = scenario.scenario
    title = info.name_zh or info.name if lang == "zh" else info.name
    report = Report(title, lang=lang)
    summary = (f"<p>{html.escape(info.description)}</p>" if info.description else "") + (
        '<p class="note">'
        + html.escape(
            words["summary"].format(
                n=len(result.replications),
                horizon=info.horizon / 24,
                warmup=info.warmup / 24,
                seed=result.seed,
                conf=percent(result.confidence, 0),
            )
        )
        + "</p>"
    )
    report.add(words["commitments"], summary + commitments_html(result, lang))
    report.add(words["promise"], promise_html(promise_table(result, goal), lang))
    with quiet_missing_font(lang) as missing:
        frontiers = [
            (chart_name("frontier", k, s.id), charts.promise_frontier(result, s.id, lang=lang))
            for k, s in enumerate(scenario.severity, start=1)
        ]
        note = f'<p class="note">{html.escape(words["no_font"])}</p>' if missing else ""
        report.add(words["frontiers"], note, frontiers)
        report.add(
            words["breakdown"], "", [("time_breakdown", charts.time_breakdown(result, lang))]
        )
        report.add(words["load"], "", [("load_profile", charts.load_profile(result, lang))])
        report.add(words["map"], "", [("site_map", charts.site_map(scenario, result, lang=lang))])
        if plan is not None:
            report.add(
                words["plan"],
                plan_html(plan, lang),
                [("plan_costs", charts.plan_costs(plan, lang))],
            )
    return report


@contextlib.contextmanager
def quiet_missing_font(lang: str) -> Iterator[bool]:
    """Charts drawn inside warn at most once that no CJK font is installed: this warns
    once (naming the Debian package) and silences each chart's own warning. Yields
    whether the font is missing."""
    from simsvc.charts.text import MissingFontWarning, cjk_font, missing_font_message

    missing = lang == "zh" and cjk_font() is None
    if missing:
        warnings.warn(missing_font_message(), MissingFontWarning, stacklevel=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingFontWarning)
        yield missing


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
        f'<html lang="{report.lang}"><head><meta charset="utf-8">',
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
    parts.append(
        f'<p class="note">{html.escape(WORDS[report.lang]["made_with"])}</p></body></html>'
    )
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
