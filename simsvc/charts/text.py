"""Words on the charts, in English or Chinese, and the font that can draw Chinese.

Matplotlib's bundled fonts have no Chinese glyphs. A chart asked for in Chinese
looks for a CJK font installed on the machine (Noto Sans CJK from the Debian
package ``fonts-noto-cjk``, or WenQuanYi Micro Hei from ``fonts-wqy-microhei``);
without one it warns and falls back to English, because a chart of empty boxes
is worse than a chart in the other language.

Text from the scenario file (names, ids, labels, the currency) goes through
:func:`literal` before a chart draws it, so that a ``$`` in it is drawn as a dollar
sign and never starts matplotlib's mathtext (which fails on text such as ``$\\frac{1}{$``).
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

LANGUAGES = ("en", "zh")

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
"""Families that draw simplified Chinese, best first."""

_CJK_FILE_HINTS = (
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "wqy",
    "droidsansfallback",
    "uming",
    "simhei",
    "msyh",
    "pingfang",
)

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "attainment": "attainment (share of incidents within the bound)",
        "engineers_at": "engineers at {base}",
        "engineers_total": "engineers in total (every base scaled)",
        "staffing_title": "{scenario}: attainment against engineers",
        "goal": "goal {goal}",
        "goal_word": "goal",
        "cheapest": "fewest engineers meeting every commitment: {level}",
        "none_feasible": "no level shown meets every commitment",
        "ci_note": "bands: {conf} confidence interval over {n} replications",
        "stock_of": "base stock of {part} at {depot} (units)",
        "fill_rate": "fill rate (share of requests served at once)",
        "fill_sim": "simulated fill rate",
        "fill_palm": "Palm's theorem (demand x resupply = {load:.2f} units)",
        "spares_title": "{scenario}: {part} at {depot}",
        "fill_panel": "fill rate of {part} at {depot}",
        "resolution_panel": "resolution commitments",
        "no_resolution": "no resolution commitment in the file",
        "rule_15": "15% rule: {level} units",
        "least_stock": "least stock meeting every resolution commitment: {level}",
        "hours_from_report": "hours from the fault report (log scale)",
        "business_hours_from_report": "business hours from the fault report (log scale)",
        "share_within": "share of incidents within x hours",
        "frontier_title": "{severity}: share of incidents within x hours",
        "frontier_scope": "{clock} clock, {zone}",
        "all_zones": "all zones",
        "zone": "zone {zone}",
        "response": "response",
        "arrival": "on site",
        "resolution": "resolution",
        "commitment_met": "commitment (filled: met)",
        "not_shown": "{n} commitment(s) on another clock or zone not drawn",
        "breakdown_title": "{scenario}: where the time to resolution goes",
        "mean_hours": "mean hours per incident",
        "severity": "severity",
        "desk_wait": "waiting for the desk (report to response)",
        "desk_handling": "desk handling (response to dispatch)",
        "remote_fix": "remote fix (response to resolution, no visit)",
        "queue_travel": "dispatch queue + travel (dispatch to arrival; not separable)",
        "part_wait": "waiting for a part (after the first arrival)",
        "work": "on-site work, incl. return visit after a part (rest to resolution)",
        "breakdown_note": "means over {n} closed incidents; parts that do not apply count 0",
        "load_title": "{scenario}: fault reports and utilisation",
        "hour_of_day": "hour of day",
        "reports_per_hour": "reports per hour (mean)",
        "weekday": "day of week",
        "reports_per_day": "reports per day (mean)",
        "utilisation": "utilisation (busy share of on-shift hours)",
        "desk": "desk",
        "weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
        "longitude": "longitude (degrees)",
        "latitude": "latitude (degrees)",
        "map_title": "{scenario}: {commitment} by site",
        "site_attainment": "attainment at the site",
        "overall": "{share} overall",
        "site": "site (area ~ incidents)",
        "site_none": "site without such incidents",
        "base": "base (engineers)",
        "depot": "depot",
        "sites": "sites",
        "plan": "plan",
        "current": "current",
        "stock_rule": "15% rule",
        "cost_title": "{scenario}: yearly cost",
        "cost_axis": "cost per year ({currency})",
        "engineers": "engineers",
        "desk_cost": "desk agents",
        "holding": "holding of stock",
        "penalties": "expected penalties",
        "all_met": "every commitment met",
        "resources": "engineers: {engineers}\ndesk agents: {agents}\nspare units: {units}",
        "missed": "{n} missed",
        "total": "total {total}",
    },
    "zh": {
        "attainment": "达成率（时限内完成的故障占比）",
        "engineers_at": "{base}的工程师人数",
        "engineers_total": "工程师总数（各服务站按比例）",
        "staffing_title": "{scenario}：工程师人数与达成率",
        "goal": "目标 {goal}",
        "goal_word": "目标",
        "cheapest": "满足全部承诺的最少工程师：{level}",
        "none_feasible": "图中没有满足全部承诺的人数",
        "ci_note": "阴影：{n}次重复的{conf}置信区间",
        "stock_of": "{depot}的{part}库存（件）",
        "fill_rate": "满足率（立即供件的请求占比）",
        "fill_sim": "仿真满足率",
        "fill_palm": "Palm定理（需求×补货时间 = {load:.2f}件）",
        "spares_title": "{scenario}：{depot}的{part}",
        "fill_panel": "{depot}的{part}满足率",
        "resolution_panel": "解决时间承诺",
        "no_resolution": "文件中没有解决时间承诺",
        "rule_15": "15%规则：{level}件",
        "least_stock": "满足全部解决时间承诺的最少库存：{level}",
        "hours_from_report": "自报修起的小时数（对数刻度）",
        "business_hours_from_report": "自报修起的工作小时数（对数刻度）",
        "share_within": "x小时内完成的故障占比",
        "frontier_title": "{severity}：x小时内完成的故障占比",
        "frontier_scope": "计时方式 {clock}，{zone}",
        "all_zones": "全部区域",
        "zone": "区域 {zone}",
        "response": "响应",
        "arrival": "到场",
        "resolution": "解决",
        "commitment_met": "承诺（实心：已满足）",
        "not_shown": "另有{n}项其他计时或区域的承诺未画出",
        "breakdown_title": "{scenario}：解决时间的构成",
        "mean_hours": "每个故障的平均小时数",
        "severity": "故障级别",
        "desk_wait": "等待服务台（报修到响应）",
        "desk_handling": "服务台处理（响应到派单）",
        "remote_fix": "远程解决（响应到解决，无需上门）",
        "queue_travel": "派单排队+路途（派单到到场，无法拆分）",
        "part_wait": "等待备件（首次到场后）",
        "work": "现场工作，含取件后再次上门（其余至解决）",
        "breakdown_note": "{n}个已解决故障的平均值；不适用的部分按0计",
        "load_title": "{scenario}：报修量与利用率",
        "hour_of_day": "一天中的小时",
        "reports_per_hour": "每小时报修数（平均）",
        "weekday": "星期",
        "reports_per_day": "每天报修数（平均）",
        "utilisation": "利用率（当班时间中忙碌的占比）",
        "desk": "服务台",
        "weekdays": "周一,周二,周三,周四,周五,周六,周日",
        "longitude": "经度（度）",
        "latitude": "纬度（度）",
        "map_title": "{scenario}：各站点的{commitment}",
        "site_attainment": "站点达成率",
        "overall": "总体 {share}",
        "site": "站点（面积~故障数）",
        "site_none": "无此类故障的站点",
        "base": "服务站（工程师数）",
        "depot": "备件库",
        "sites": "站点",
        "plan": "方案",
        "current": "现状",
        "stock_rule": "15%规则",
        "cost_title": "{scenario}：年度成本",
        "cost_axis": "每年成本（{currency}）",
        "engineers": "工程师",
        "desk_cost": "服务台坐席",
        "holding": "备件持有",
        "penalties": "预计违约金",
        "all_met": "全部承诺满足",
        "resources": "工程师：{engineers}\n服务台坐席：{agents}\n备件：{units}",
        "missed": "{n}项未满足",
        "total": "合计 {total}",
    },
}


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or ``None``."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    # A font installed after matplotlib cached its font list is not in that list yet.
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower().replace("-", "") for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


class MissingFontWarning(UserWarning):
    """No installed font draws Chinese: a chart asked for in Chinese is drawn in English."""


def missing_font_message() -> str:
    """The one warning about a missing CJK font, naming the Debian packages that fix it."""
    return (
        "no font with Chinese glyphs is installed: charts are drawn in English; install one"
        " (Debian/Ubuntu: sudo apt-get install fonts-wqy-microhei, or fonts-noto-cjk)"
    )


class Labels:
    """The words of one chart in one language, and the font to draw them with."""

    def __init__(self, lang: str = "en") -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        self.font: str | None = None
        if lang == "zh":
            self.font = cjk_font()
            if self.font is None:
                # one location for every chart: Python's default filter shows it once
                warnings.warn(missing_font_message(), MissingFontWarning, stacklevel=1)
                lang = "en"
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        return WORDS[self.lang][key].format(**values)

    def metric(self, metric: str) -> str:
        """The name of a clock (response, on site, resolution)."""
        return self(metric)

    def finish(self, fig: Figure) -> Figure:
        """Give every text of ``fig`` the CJK font when drawing Chinese."""
        if self.font is None:
            return fig
        families = [self.font, "DejaVu Sans"]
        for text in fig.findobj(Text):
            assert isinstance(text, Text)
            text.set_fontfamily(families)
        for ax in fig.axes:
            ax.tick_params(labelfontfamily=families)
        return fig


def literal(text: object, limit: int | None = None) -> str:
    """``text`` as matplotlib draws it literally: every ``$`` escaped as ``\\$``.

    Outside mathtext only ``\\$`` means anything to matplotlib, so escaping ``$`` is
    enough: a backslash of the file's text stays as it is, also one before a ``$``
    (``\\$`` becomes ``\\\\$``, drawn as ``\\$``). Escape each piece once, where it
    enters a chart, and never text of the charts' own words. With ``limit``, text longer
    than that many characters is cut and ends in ``...`` (a legend of 100-character ids
    would leave no room for the plot).
    """
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 3, 1)] + "..."
    return text.replace("$", r"\$")


def percent(share: float, digits: int = 0) -> str:
    """``0.95`` -> ``95%``."""
    return f"{share * 100:.{digits}f}%"
