"""The page's words in English and Chinese, and numbers written the way each reader expects.

A service manager in Xi'an reads ``53.2万元`` where a reader in English reads
``532,000 CNY``; both read ``96.3%``. Every text the page shows comes from
:class:`Words`, so the language switch changes the whole page at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LANGUAGES = {"en": "English", "zh": "中文"}
"""The page's languages, by code, as the language switch names them."""

_EN: dict[str, str] = {
    "title": "What-if: resources against the commitments",
    "language": "Language / 语言",
    "scenario": "Scenario",
    "bundled": "Bundled scenario",
    "upload": "Or upload a scenario file (TOML)",
    "upload_error": "The uploaded file cannot be used",
    "loaded": "Loaded",
    "resources": "Resources of the variant",
    "variant_name": "Name of the variant",
    "engineers": "Engineers",
    "engineers_at": "Engineers at {base}",
    "shift_at": "Shift at {base}",
    "desk_agents": "Desk agents",
    "desk_shift": "Desk shift",
    "remote_agents": "Remote engineers",
    "stock": "Spare stock",
    "stock_at": "{part} at {depot}",
    "stock_help": "units, or a share of the installed units such as 15%",
    "stock_rule": "Set every stock level to 15% of the installed units",
    "swap": "Swap rule",
    "swap_after": "Swap in a spare unit after ({severity})",
    "swap_help": "such as 8h; empty: no swap for this severity",
    "travel": "Travel",
    "speed": "Travel speed (km/h)",
    "replications": "Replications",
    "run": "Run the variant against the baseline",
    "running": "Simulating {done} of {total} replications",
    "planning": "Planning: {done} replications simulated",
    "changes": "Changes from the baseline",
    "no_changes": "no changes: this is the baseline",
    "variant_error": "The variant cannot be built",
    "run_error": "The run stopped",
    "commitments": "Commitments",
    "commitments_note": "Attainment with its {confidence} interval; Δ is the difference to the"
    " baseline on the same random numbers (paired), with its interval.",
    "commitment": "Commitment",
    "goal": "Goal",
    "attainment": "attainment",
    "verdict": "verdict",
    "breach_risk": "breach risk",
    "difference": "Δ vs baseline",
    "costs": "Yearly cost",
    "utilisation": "Utilisation and fill rates",
    "resource": "Resource",
    "fill_rate": "fill rate at {depot}",
    "desk": "desk",
    "remote": "remote tier",
    "base_util": "utilisation at {base}",
    "charts": "Map and promise frontier",
    "show_charts": "Draw the charts",
    "chart_variant": "Variant",
    "chart_commitment": "Colour the sites by",
    "chart_severity": "Frontier of severity",
    "tools": "Planner",
    "find_plan": "Find the cheapest plan",
    "what_promise": "What can we promise",
    "plan_result": "Cheapest plan",
    "promise_result": "What these resources can promise",
    "downloads": "Downloads",
    "download_variant": "Variant to download",
    "download_toml": "Scenario (TOML)",
    "download_json": "Results (JSON)",
    "download_xlsx": "Results (Excel)",
    "download_html": "Report (HTML)",
    "prepare_html": "Prepare the HTML report",
    "no_results": "Run a variant to see its results beside the baseline.",
    "baseline": "baseline",
    "met": "met",
    "not met": "not met",
    "undecided": "undecided",
    "cost_engineers": "engineers",
    "cost_desk": "desk",
    "cost_remote": "remote tier",
    "cost_holding": "stock holding",
    "cost_penalties": "penalties",
    "cost_total": "total",
    "per_year": "{currency}/yr",
    "remove": "Remove variants",
}

_ZH: dict[str, str] = {
    "title": "假设分析：资源与服务承诺",
    "language": "Language / 语言",
    "scenario": "场景",
    "bundled": "内置场景",
    "upload": "或上传场景文件（TOML）",
    "upload_error": "上传的文件无法使用",
    "loaded": "已载入",
    "resources": "方案的资源",
    "variant_name": "方案名称",
    "engineers": "工程师",
    "engineers_at": "{base} 的工程师",
    "shift_at": "{base} 的班次",
    "desk_agents": "服务台坐席",
    "desk_shift": "服务台班次",
    "remote_agents": "远程工程师",
    "stock": "备件库存",
    "stock_at": "{depot} 的 {part}",
    "stock_help": "件数，或装机数量的比例，如 15%",
    "stock_rule": "所有备件按装机数量的15%配置",
    "swap": "替换规则",
    "swap_after": "超时后替换备机（{severity}）",
    "swap_help": "如 8h；留空：该级别不替换",
    "travel": "交通",
    "speed": "行车速度（公里/小时）",
    "replications": "仿真重复次数",
    "run": "运行方案并与当前配置比较",
    "running": "正在仿真：{done}/{total} 次",
    "planning": "正在规划：已仿真 {done} 次",
    "changes": "相对当前配置的改动",
    "no_changes": "没有改动：即当前配置",
    "variant_error": "无法生成该方案",
    "run_error": "运行中止",
    "commitments": "服务承诺达成情况",
    "commitments_note": "达成率及其{confidence}置信区间；"
    "Δ 为在相同随机数下与当前配置的差值（配对）及其区间。",
    "commitment": "承诺",
    "goal": "目标",
    "attainment": "达成率",
    "verdict": "结论",
    "breach_risk": "违约风险",
    "difference": "Δ 较当前配置",
    "costs": "年度成本",
    "utilisation": "利用率与备件满足率",
    "resource": "资源",
    "fill_rate": "{depot} 备件满足率",
    "desk": "服务台",
    "remote": "远程支持",
    "base_util": "{base} 利用率",
    "charts": "站点地图与承诺前沿",
    "show_charts": "绘制图表",
    "chart_variant": "方案",
    "chart_commitment": "站点着色依据",
    "chart_severity": "故障级别的前沿",
    "tools": "规划",
    "find_plan": "寻找成本最低的方案",
    "what_promise": "我们能承诺什么",
    "plan_result": "成本最低的方案",
    "promise_result": "这些资源能承诺的服务表",
    "downloads": "下载",
    "download_variant": "要下载的方案",
    "download_toml": "场景文件（TOML）",
    "download_json": "结果（JSON）",
    "download_xlsx": "结果（Excel）",
    "download_html": "报告（HTML）",
    "prepare_html": "生成HTML报告",
    "no_results": "运行一个方案，即可与当前配置并排比较。",
    "baseline": "当前配置",
    "met": "达成",
    "not met": "未达成",
    "undecided": "待定",
    "cost_engineers": "工程师",
    "cost_desk": "服务台",
    "cost_remote": "远程支持",
    "cost_holding": "备件持有",
    "cost_penalties": "违约金",
    "cost_total": "合计",
    "per_year": "{currency}/年",
    "remove": "删除方案",
}

WORDS = {"en": _EN, "zh": _ZH}


@dataclass(frozen=True)
class Words:
    """The page's texts and number formats in one language (``"en"`` or ``"zh"``)."""

    lang: str = "en"

    def __post_init__(self) -> None:
        if self.lang not in WORDS:
            raise ValueError(f"unknown language {self.lang!r} (known: {', '.join(WORDS)})")

    def __call__(self, key: str, **values: object) -> str:
        """The text ``key`` with ``{name}`` fields filled in."""
        return WORDS[self.lang][key].format(**values)

    def percent(self, share: float, digits: int = 1) -> str:
        """A share as a percentage (``0.963`` -> ``96.3%``); ``-`` when unknown."""
        if share is None or not math.isfinite(share):
            return "-"
        return f"{share * 100:.{digits}f}%"

    def interval(self, low: float, high: float, digits: int = 1) -> str:
        """A share's interval, ``[95.0%, 98.0%]`` (empty when unknown)."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return ""
        return f"[{self.percent(low, digits)}, {self.percent(high, digits)}]"

    def points(self, difference: float, digits: int = 1) -> str:
        """A difference of shares in percentage points, signed (``+1.2 pt``, ``+1.2 百分点``)."""
        if not math.isfinite(difference):
            return "-"
        unit = " pt" if self.lang == "en" else " 百分点"
        return f"{difference * 100:+.{digits}f}{unit}"

    def money(self, amount: float, currency: str) -> str:
        """A yearly amount: ``531,520 CNY`` in English, ``53.2万元`` in Chinese (for CNY)."""
        if not math.isfinite(amount):
            return "-"
        if self.lang == "zh":
            unit = "元" if currency == "CNY" else f" {currency}"
            if abs(amount) >= 10_000:
                return f"{amount / 10_000:,.1f}万{unit}"
            return f"{amount:,.0f}{unit}"
        return f"{amount:,.0f} {currency}"

    def verdict(self, verdict: str) -> str:
        """``met`` / ``not met`` / ``undecided`` in this language."""
        return self(verdict) if verdict in WORDS[self.lang] else verdict
