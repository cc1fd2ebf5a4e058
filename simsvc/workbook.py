"""The Excel workbook a bid team opens: one sheet per results table, numbers kept as numbers.

A workbook is a list of :class:`Sheet` (a title and a table) and an *about* sheet of
key-value lines (what was simulated, the goal, the confidence, when). Every sheet has a
bold header row, frozen panes below it and right of the first column, column widths fitted
to the text (CJK characters count twice), shares shown as percentages (``0.0%``) and
hours, counts and money as plain numbers; a missing value (NaN) is an empty cell. The
tables are the ones every other output reads (:class:`~simsvc.results.RunResult`,
:class:`~simsvc.planner.promise.PromiseTable`, :class:`~simsvc.planner.plan_result.PlanResult`);
headers and a few coded values (verdicts, clocks) are in English or Chinese.

Writing needs ``openpyxl`` (``pip install 'simsvc[office]'``); the file is written
atomically (:mod:`simsvc.result_files`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simsvc.cost import COST_KINDS
from simsvc.extras import require
from simsvc.result_files import write_bytes

if TYPE_CHECKING:
    import pandas as pd

    from simsvc.planner.plan_result import PlanResult
    from simsvc.planner.promise import PromiseTable
    from simsvc.results import RunResult

PERCENT_FORMAT = "0.0%"
HOURS_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
MONEY_FORMAT = "#,##0"
DECIMAL_FORMAT = "0.000"

PERCENT_COLUMNS = frozenset(
    {
        "goal",
        "attainment",
        "ci_low",
        "ci_high",
        "breach_risk",
        "risk_ci_low",
        "risk_ci_high",
        "utilization",
        "fill_rate",
    }
)
"""Columns that hold shares (0..1), shown as percentages."""

MEAN_FORMAT = "#,##0.00"
MEAN_COLUMNS = frozenset(
    {
        "incidents",
        "breaches",
        "empty_periods",
        "breached_periods_per_year",
        "mean_backorders",
        "backorders_ci_low",
        "backorders_ci_high",
    }
)
"""Columns of means over replications (counts, but not whole numbers)."""

MONEY_COLUMNS = frozenset(
    {"penalty_mean", "penalty_p50", "penalty_p90", "holding", "cost", "plan", "current", "rule"}
)

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "id": "id",
        "label": "commitment",
        "within_hours": "within (h)",
        "overtime_hours_per_year": "overtime (h/yr)",
        "breached_periods_per_year": "breached periods per year",
        "penalty_mean": "penalty mean (/yr)",
        "penalty_p50": "penalty p50 (/yr)",
        "penalty_p90": "penalty p90 (/yr)",
        "holding": "holding (/yr)",
        "cost": "cost (/yr)",
        "rule": "15% rule",
        "item": "",
    },
    "zh": {
        "id": "编号",
        "label": "承诺",
        "severity": "故障级别",
        "name": "名称",
        "metric": "时限类型",
        "within_hours": "时限（小时）",
        "goal": "目标",
        "clock": "计时",
        "zone": "区域",
        "attainment": "达成率",
        "ci_low": "置信下限",
        "ci_high": "置信上限",
        "met": "达成",
        "verdict": "结论",
        "criterion": "判定准则",
        "period": "考核周期",
        "periods": "考核周期数",
        "breach_risk": "违约风险",
        "risk_ci_low": "违约风险置信下限",
        "risk_ci_high": "违约风险置信上限",
        "breached_periods_per_year": "年违约周期数",
        "empty_periods": "无故障周期数",
        "incidents": "故障数",
        "breaches": "超时故障数",
        "replications": "仿真重复次数",
        "penalty_mean": "年罚金（均值）",
        "penalty_p50": "年罚金（中位数）",
        "penalty_p90": "年罚金（90%分位）",
        "base": "服务基地",
        "engineers": "工程师人数",
        "shift": "班次",
        "utilization": "利用率",
        "overtime_hours_per_year": "年加班小时",
        "desk": "服务台",
        "agents": "坐席人数",
        "depot": "备件库",
        "part": "备件",
        "fill_rate": "备件满足率",
        "mean_backorders": "平均缺件数",
        "backorders_ci_low": "缺件置信下限",
        "backorders_ci_high": "缺件置信上限",
        "units": "库存件数",
        "level": "库存",
        "holding": "年持有成本",
        "cost": "年成本",
        "resource": "资源",
        "plan": "方案",
        "current": "现有",
        "rule": "15%规则",
        "item": "项目",
        "value": "值",
    },
}
"""Column headers by language; a column not listed keeps its name (English)."""

VALUES: dict[str, dict[str, str]] = {
    "zh": {
        "met": "达成",
        "not met": "未达成",
        "undecided": "未定",
        "response": "响应",
        "arrival": "到场",
        "resolution": "解决",
        "assigned": "派工",
        "visit": "派工到场",
        "24x7": "7×24小时",
        "business": "工作时间",
        "mean": "均值",
        "risk": "违约风险",
        "engineers": "工程师",
        "desk": "服务台",
        "remote": "远程支持",
        "on_call": "值班待命",
        "holding": "备件持有",
        "penalties": "罚金",
        "total": "合计",
    }
}
"""Coded values shown in words, by language (English shows the codes)."""

SHEET_TITLES: dict[str, dict[str, str]] = {
    "en": {
        "about": "about",
        "commitments": "commitments",
        "promise": "promise",
        "plan": "plan",
        "costs": "costs",
        "bases": "per base",
        "desk": "desk",
        "remote": "remote tier",
        "depots": "per depot",
        "stock": "stock",
    },
    "zh": {
        "about": "说明",
        "commitments": "服务承诺",
        "promise": "服务承诺表",
        "plan": "资源方案",
        "costs": "年成本",
        "bases": "服务基地",
        "desk": "服务台",
        "remote": "远程支持",
        "depots": "备件库",
        "stock": "备件库存",
    },
}


@dataclass(frozen=True)
class Sheet:
    """One sheet: a table (its named index levels become the first columns)."""

    kind: str
    """Which table: a key of :data:`SHEET_TITLES` (the sheet's title in each language)."""
    table: pd.DataFrame
    percent: frozenset[str] = PERCENT_COLUMNS
    """Columns shown as percentages."""
    formats: dict[str, str] = field(default_factory=dict)
    """Number formats for other columns, by column name (else chosen by the values)."""


@dataclass(frozen=True)
class Workbook:
    """Sheets and the *about* lines (label, value) shown first."""

    sheets: list[Sheet]
    about: list[tuple[str, Any, str | None]]
    """Lines of the *about* sheet: label, value, number format (``None``: as it comes)."""
    lang: str = "en"


def _label(column: str, lang: str) -> str:
    return LABELS.get(lang, {}).get(column) or LABELS["en"].get(column, column) or column


def _cell_value(value: Any, lang: str) -> Any:
    """A value as openpyxl stores it: numbers as numbers, NaN and None as empty."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return VALUES.get(lang, {}).get(value, value)
    if isinstance(value, bool | int | float | dt.date):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _width(text: str) -> int:
    """Display width: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _number_format(column: str, values: Sequence[Any], sheet: Sheet) -> str | None:
    if column in sheet.formats:
        return sheet.formats[column]
    if column in sheet.percent:
        return PERCENT_FORMAT
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return None
    if column in MONEY_COLUMNS:
        return MONEY_FORMAT
    if column in MEAN_COLUMNS:
        return MEAN_FORMAT
    if column.endswith("_hours") or "hours" in column:
        return HOURS_FORMAT
    if all(isinstance(v, int) or float(v).is_integer() for v in numbers):
        return COUNT_FORMAT
    return DECIMAL_FORMAT


def _shown(value: Any, fmt: str | None) -> str:
    """Roughly how Excel shows a value (for column widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE" if not value else "TRUE"
    if isinstance(value, int | float):
        if fmt == PERCENT_FORMAT:
            return f"{value:.1%}"
        if fmt in (COUNT_FORMAT, MONEY_FORMAT):
            return f"{value:,.0f}"
        return f"{value:.3f}"
    return str(value)


def _columns(table: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a table, its named index levels first."""
    names = [n for n in table.index.names if n is not None]
    flat = table.reset_index() if names else table
    header = [str(c) for c in flat.columns]
    rows = [list(r) for r in flat.itertuples(index=False, name=None)]
    return header, rows


def _sheet_title(kind: str, lang: str) -> str:
    title = SHEET_TITLES.get(lang, SHEET_TITLES["en"]).get(kind, kind)
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]


def workbook_bytes(book: Workbook) -> bytes:
    """The ``.xlsx`` file of ``book``, in memory."""
    require("openpyxl", "openpyxl", "office", "writing Excel files")
    from openpyxl import Workbook as Book
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    lang = book.lang
    xlsx = Book()
    about = xlsx.active
    assert about is not None
    about.title = _sheet_title("about", lang)
    bold = Font(bold=True)
    about.append([_label("item", lang) or "item", _label("value", lang)])
    for cell in about[1]:
        cell.font = bold
    widest = [8, 8]
    for label, value, fmt in book.about:
        shown = _cell_value(value, lang)
        about.append([label, shown])
        row = about.max_row
        if fmt is not None:
            about.cell(row, 2).number_format = fmt
        widest = [max(widest[0], _width(str(label))), max(widest[1], _width(str(shown or "")))]
        about.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = min(widest[0] + 2, 40)
    about.column_dimensions["B"].width = min(widest[1] + 2, 100)
    about.freeze_panes = "A2"

    used: set[str] = {about.title}
    for sheet in book.sheets:
        title = _sheet_title(sheet.kind, lang)
        while title in used:
            title = title[:28] + "_2" if not title.endswith("_2") else title + "2"
        used.add(title)
        page = xlsx.create_sheet(title)
        header, rows = _columns(sheet.table)
        page.append([_label(c, lang) for c in header])
        for cell in page[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        values = [[_cell_value(v, lang) for v in line] for line in rows]
        for line in values:
            page.append(line)
        for k, column in enumerate(header):
            column_values = [line[k] for line in values]
            fmt = _number_format(column, column_values, sheet)
            width = _width(_label(column, lang))
            for r, value in enumerate(column_values, start=2):
                if (
                    fmt is not None
                    and isinstance(value, int | float)
                    and not isinstance(value, bool)
                ):
                    page.cell(r, k + 1).number_format = fmt
                width = max(width, _width(_shown(value, fmt)))
            page.column_dimensions[get_column_letter(k + 1)].width = min(width + 2, 60)
        page.freeze_panes = "B2"
    buffer = io.BytesIO()
    xlsx.save(buffer)
    return buffer.getvalue()


def write_workbook(
    target: str | Path, book: Workbook, *, together: contextlib.ExitStack | None = None
) -> None:
    """Write ``book`` to ``target`` (``.xlsx``) atomically, alone or ``together`` with the
    other files of a set (:func:`simsvc.result_files.one_set`)."""
    write_bytes(target, workbook_bytes(book), together=together)


def _about(
    scenario_name: str, lang: str, *lines: tuple[str, str, Any]
) -> list[tuple[str, Any, str | None]]:
    """The *about* lines: the scenario, then ``lines`` (English label, Chinese label, value;
    a label ending in ``%`` shows a share as a percentage), then the version and the time."""
    from simsvc import __version__

    zh = lang == "zh"
    head: list[tuple[str, Any, str | None]] = [("场景" if zh else "scenario", scenario_name, None)]
    for en_label, zh_label, value in lines:
        share = en_label.endswith("%")
        label = (zh_label if zh else en_label).removesuffix("%").strip()
        head.append((label, value, PERCENT_FORMAT if share else None))
    head.append(("生成工具" if zh else "written by", f"simsvc {__version__}", None))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    head.append(("生成时间" if zh else "written at", now, None))
    return head


def _cost_table(costs: dict[str, dict[str, float]], currency: str) -> pd.DataFrame:
    """Rows engineers, desk, remote tier, holding, penalties, total (yearly, ``currency``);
    one column each."""
    import pandas as pd

    kinds = list(COST_KINDS)
    frame = pd.DataFrame(
        {name: [values[k] for k in kinds] for name, values in costs.items()},
        index=pd.Index(kinds, name="item"),
    )
    return frame


def result_workbook(result: RunResult, lang: str = "en") -> Workbook:
    """The tables of a run: commitments, costs, per base, desk, per depot, stock."""
    scenario = result.scenario
    currency = scenario.scenario.currency
    sheets = [
        Sheet("commitments", result.commitments()),
        Sheet(
            "costs",
            _cost_table({"cost": result.cost()}, currency),
            formats={"cost": MONEY_FORMAT},
        ),
        Sheet("bases", result.bases()),
    ]
    if scenario.desk is not None:
        sheets.append(Sheet("desk", result.desk()))
    if scenario.remote is not None:
        sheets.append(Sheet("remote", result.remote()))
    if scenario.depot:
        sheets.append(Sheet("depots", result.depots()))
        sheets.append(Sheet("stock", result.stock(), formats={"holding": MONEY_FORMAT}))
    about = _about(
        (scenario.scenario.name_zh or scenario.scenario.name)
        if lang == "zh"
        else scenario.scenario.name,
        lang,
        ("replications", "仿真重复次数", len(result.replications)),
        ("confidence %", "置信度 %", scenario.plan.confidence),
        ("criterion", "判定准则", scenario.plan.criterion),
        ("currency", "货币", currency),
        ("costs", "成本", "per year" if lang != "zh" else "每年"),
    )
    return Workbook(sheets, about, lang)


def promise_frame(table: PromiseTable, lang: str = "en") -> pd.DataFrame:
    """The promise table as numbers: per severity (and zone) and clock, the promised bound
    (hours), the bound as a tender prints it, its attainment, lower bound and incidents."""
    import pandas as pd

    from simsvc.planner.promise import HEADERS, METRICS

    words = HEADERS[lang]
    zh = lang == "zh"
    grid_header, grid_rows = table.grid(lang, sizes=False)
    offset = 2 if table.has_zones else 1
    rows = []
    for row, texts in zip(table.rows, grid_rows, strict=True):
        entry: dict[str, Any] = {
            words["severity"]: row.severity,
            ("名称" if zh else "name"): table.severity_name(row, lang),
        }
        if table.has_zones:
            entry[words["zone"]] = table.zone_name(row.zone, lang)
        for k, metric in enumerate(METRICS):
            cell = row.cells[metric]
            name = words[metric]
            entry[name] = texts[offset + k]
            entry[f"{name}（小时）" if zh else f"{name} (h)"] = cell.hours
            entry[f"{name}达成率" if zh else f"{name} attainment"] = cell.attainment
            entry[f"{name}置信下限" if zh else f"{name} CI low"] = cell.ci_low
            entry[f"{name}故障数" if zh else f"{name} incidents"] = cell.incidents
        rows.append(entry)
    del grid_header
    return pd.DataFrame(rows)


def promise_workbook(table: PromiseTable, lang: str = "en") -> Workbook:
    """The promise table (:func:`promise_frame`) with its caption and footnotes."""
    frame = promise_frame(table, lang)
    zh = lang == "zh"
    percent = frozenset(
        c for c in frame.columns if c.endswith(("达成率", "置信下限", "attainment", "CI low"))
    )
    hours = {c: HOURS_FORMAT for c in frame.columns if c.endswith(("（小时）", "(h)"))}
    counts = {c: COUNT_FORMAT for c in frame.columns if c.endswith(("故障数", "incidents"))}
    notes: list[tuple[str, Any, str | None]] = [
        (("注" if zh else "note") + f" {k}", note, None)
        for k, note in enumerate(table.footnotes(lang), start=1)
    ]
    about = _about(
        table.title(lang),
        lang,
        ("table", "说明", table.caption(lang)),
        ("goal %", "目标 %", table.goal),
        ("confidence %", "置信度 %", table.confidence),
        ("replications", "仿真重复次数", table.replications),
    )
    return Workbook(
        [Sheet("promise", frame, percent=percent, formats={**hours, **counts})],
        about + notes,
        lang,
    )


def plan_workbook(result: PlanResult, lang: str = "en") -> Workbook:
    """A plan: resources and costs beside the file's and the 15% rule's, the plan's
    commitments, bases and depots as verified on fresh seeds."""
    import pandas as pd

    from simsvc.terminal import plan_columns

    data = result.to_dict()
    columns = [("rule" if name == "15% rule" else name, c) for name, c in plan_columns(data)]
    resources = data["plan"]["resources"]
    zh = lang == "zh"
    index: list[str] = []
    rows: list[list[int]] = []
    for base in resources["engineers"]:
        index.append(f"{base} 工程师" if zh else f"engineers at {base}")
        rows.append([c["resources"]["engineers"][base] for _, c in columns])
    if resources["desk_agents"] is not None:
        index.append("服务台坐席" if zh else "desk agents")
        rows.append([c["resources"]["desk_agents"] for _, c in columns])
    if resources.get("remote_agents") is not None:
        index.append("远程支持工程师" if zh else "remote engineers")
        rows.append([c["resources"]["remote_agents"] for _, c in columns])
    for echelon in ("central", "forward"):
        central = echelon == "central"
        for depot, parts in resources["stock_by_echelon"][echelon].items():
            for part in parts:
                if zh:
                    index.append(f"{depot}{'（中心库）' if central else ''} {part}")
                else:
                    index.append(f"{part} at {depot}{' (central)' if central else ''}")
                rows.append([c["resources"]["stock"][depot][part] for _, c in columns])
    for base, parts in resources["van"].items():
        for part in parts:
            index.append(f"{base} 每辆服务车 {part}" if zh else f"{part} in each van at {base}")
            rows.append([c["resources"]["van"][base][part] for _, c in columns])
    names = [name for name, _ in columns]
    plan_frame = pd.DataFrame(rows, columns=names, index=pd.Index(index, name="resource"))
    cost_frame = _cost_table(
        {name: c["cost"] for name, c in columns}, result.space.scenario.scenario.currency
    )
    verified = result.verification.result
    sheets = [
        Sheet("plan", plan_frame, formats=dict.fromkeys(names, COUNT_FORMAT)),
        Sheet("costs", cost_frame, formats=dict.fromkeys(names, MONEY_FORMAT)),
        Sheet("commitments", verified.commitments()),
        Sheet("bases", verified.bases()),
    ]
    if result.space.scenario.depot:
        sheets.append(Sheet("depots", verified.depots()))
    scenario = result.space.scenario
    about = _about(
        (scenario.scenario.name_zh or scenario.scenario.name)
        if lang == "zh"
        else scenario.scenario.name,
        lang,
        ("feasible", "方案可行", result.feasible),
        ("confidence %", "置信度 %", scenario.plan.confidence),
        ("verification rounds", "验证轮数", result.verification_rounds),
        ("replications simulated", "仿真重复次数", result.simulations),
        ("currency", "货币", scenario.scenario.currency),
        *_rule_rows(data["stock_rule_comparison"]),
    )
    return Workbook(sheets, about, lang)


def _rule_rows(comparison: dict[str, Any] | None) -> list[tuple[str, str, Any]]:
    """The about sheet's lines on the 15% rule at the plan's staff, on the same seeds."""
    if comparison is None:
        return []
    return [
        (
            "15% rule meets every commitment",
            "15%规则满足全部承诺",
            comparison["rule_meets_commitments"],
        ),
        (
            "15% rule stock holding less the plan's (per year)",
            "15%规则备件持有成本减方案（每年）",
            round(comparison["stock_holding"]["difference"], 2),
        ),
    ]
