"""Plain-text tables for the terminal: a scenario's summary and a run's results."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simsvc.cost import COST_KINDS
from simsvc.model.depots import base_stock
from simsvc.model.echelons import depot_courier_hours, repair_times, supply_times
from simsvc.model.faults import HOURS_PER_YEAR, expected_faults, installed_rates
from simsvc.scenario.schema import Scenario
from simsvc.scenario.units import format_hours

if TYPE_CHECKING:
    from simsvc.planner.plan_result import PlanResult
    from simsvc.results import RunResult


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for a wide (CJK) character, none for a
    combining mark, one for the rest (Unicode's East Asian Width)."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def render(
    rows: Sequence[Sequence[str]], header: Sequence[str], right: set[int] | None = None
) -> str:
    """A fixed-width table; columns in ``right`` are right-aligned.

    Widths are display widths (:func:`display_width`), so that Chinese text lines up.
    """
    right = right or set()
    widths = [
        max(display_width(str(x)) for x in column) for column in zip(header, *rows, strict=False)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            _pad(str(c), w, i in right) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 agent``, ``2 agents``, ``1,500 sites``: a count with its noun in number."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def percent(value: float | None, digits: int = 1) -> str:
    """``0.9731`` -> ``97.3%``; ``None`` -> ``n/a``."""
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def _ci(estimate: dict[str, Any], digits: int = 1) -> str:
    if estimate["ci_low"] is None:
        return "n/a"
    return f"[{percent(estimate['ci_low'], digits)}, {percent(estimate['ci_high'], digits)}]"


def _over_time(scenario: Scenario) -> str:
    """How changes of the installed base and bursts move the yearly count, if they do."""
    if not scenario.burst and not any(site.changes for site in scenario.site):
        return ""
    simulated = scenario.scenario.warmup + scenario.scenario.horizon
    mean = expected_faults(scenario) * HOURS_PER_YEAR / simulated
    return f" at the start; {mean:,.0f} a year on average with changes and bursts"


def scenario_summary(scenario: Scenario) -> str:
    """A one-screen summary of what a scenario file contains."""
    s, info = scenario, scenario.scenario
    _, kinds, rates = installed_rates(s)
    yearly = rates.sum() * HOURS_PER_YEAR
    units = sum(sum(site.equipment.values()) for site in s.site)
    zones = Counter(site.zone or "(none)" for site in s.site)
    lines = [
        f"{info.name}",
        f"  horizon {format_hours(info.horizon)} after a warm-up of {format_hours(info.warmup)};"
        f" {plural(info.replications, 'replication')}, seed {info.seed}",
        f"  {plural(len(s.site), 'site')}, {plural(units, 'installed unit')} of"
        f" {plural(len(s.equipment), 'kind')};"
        f" zones: {', '.join(f'{z} ({n})' for z, n in sorted(zones.items()))}",
        f"  expected fault reports: {yearly:,.0f} a year{_over_time(s)}",
    ]
    by_severity = Counter[str]()
    for k, equipment in enumerate(s.equipment):
        rate = rates[kinds == k].sum() * HOURS_PER_YEAR
        for severity, share in equipment.severity_mix.items():
            by_severity[severity] += rate * share
    lines.append("")
    lines.append(
        render(
            [
                [
                    sev.id,
                    sev.name,
                    str(s.priority_of(sev.id)),
                    f"{by_severity[sev.id]:,.1f}",
                    percent(sev.remote_fix, 0),
                    format_hours(sev.onsite_time.mean),
                    percent(sev.part_need, 0),
                    format_hours(sev.swap_after) if sev.swap_after else "-",
                ]
                for sev in s.severity
            ],
            [
                "severity",
                "name",
                "priority",
                "faults/yr",
                "remote",
                "on site",
                "part",
                "swap after",
            ],
            right={2, 3, 4, 5, 6},
        )
    )
    lines.append("")
    lines.append(
        render(
            [
                [
                    c.severity,
                    c.metric,
                    format_hours(c.within),
                    percent(c.goal, 0),
                    c.clock,
                    c.zone or "all",
                ]
                for c in s.commitment
            ],
            ["severity", "clock of", "within", "goal", "clock", "zone"],
            right={2, 3},
        )
    )
    lines.append("")
    engineers = sum(b.engineers for b in s.base)
    desk = (
        f"{plural(s.desk.agents, 'agent')} ({s.desk.shift})"
        if s.desk
        else "none (reports answered at once)"
    )
    remote = (
        f"; remote tier: {plural(s.remote.agents, 'agent')} ({s.remote.shift})" if s.remote else ""
    )
    lines.append(
        f"  {plural(len(s.base), 'base')} with {plural(engineers, 'engineer')};"
        f" desk: {desk}{remote}"
    )
    rotas = {r.id: r for r in s.roster}
    for b in s.base:  # people on rotas, and engineers on call
        if b.roster is not None:
            r = rotas[b.roster]
            lines.append(
                f"  base {b.id}: {plural(b.engineers, 'person', 'people')} on rota {r.id}"
                f" ({r.shift}, {r.days_on} on and {r.days_off} off, {plural(r.crews, 'crew')},"
                f" holidays {r.holidays})"
            )
        if b.on_call is not None:
            lines.append(
                f"  base {b.id}: {plural(b.on_call.engineers, 'engineer')} on call for"
                f" {', '.join(b.on_call.severities)}, {format_hours(b.on_call.callout)} call-out"
            )
    if s.depot:
        levels = base_stock(s)
        supply = supply_times(s, depot_courier_hours(s))
        repairs = repair_times(s)
        for d, time, repair in zip(s.depot, supply, repairs, strict=True):
            stock = ", ".join(f"{p.id} {levels[d.id, p.id]}" for p in s.part)
            source = (
                f"from {d.supplier} in {_hours(time.mean)} on average"
                if d.supplier is not None and time is not None
                else f"resupply {_hours(d.resupply.mean)} on average"
            )
            if repair is not None:
                source += f"; repairs in {_hours(repair.mean)} on average"
                if d.repair_capacity is not None:
                    source += f", {d.repair_capacity} at once"
            lines.append(f"  depot {d.id}: {stock or 'no parts'}; {source}")
    else:
        lines.append("  no depots: visits never need parts")
    for insp in s.inspection:
        what = insp.sites if isinstance(insp.sites, str) else f"{len(insp.sites)} sites"
        lines.append(
            f"  inspection of {what} every {format_hours(insp.every)},"
            f" {format_hours(insp.duration)} each ({insp.clock} hours)"
        )
    return "\n".join(lines)


VERDICT_TEXT = {"met": "met", "not met": "NOT MET", "undecided": "undecided"}
"""How a verdict reads in a terminal table."""


def _share(value: float) -> str:
    return percent(value if math.isfinite(value) else None)


def _digits(low: float, high: float) -> int:
    """Decimals of a percentage that keep an interval from printing as a point."""
    if not (math.isfinite(low) and math.isfinite(high)) or low == high:
        return 1
    return next((d for d in (1, 2, 3) if percent(low, d) != percent(high, d)), 4)


def _interval(low: float, high: float, digits: int | None = None) -> str:
    """``[95.1%, 98.0%]``, with more digits where one would print an interval as a point."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    digits = _digits(low, high) if digits is None else digits
    return f"[{percent(low, digits)}, {percent(high, digits)}]"


def _estimate(mean: float, low: float, high: float) -> tuple[str, str]:
    """An estimate and its interval printed with the same decimals."""
    digits = _digits(low, high)
    value = percent(mean, digits) if math.isfinite(mean) else "n/a"
    return value, _interval(low, high, digits)


def results_summary(result: RunResult) -> str:
    """The commitments table, clocks, utilisations, fill rates and cost of a run.

    Every number comes from the result's tables (:meth:`RunResult.commitments`,
    :meth:`~RunResult.bases`, :meth:`~RunResult.desk`, :meth:`~RunResult.depots`,
    :meth:`~RunResult.cost`) and the clocks of the results JSON.
    """
    s = result.scenario
    conf = percent(result.confidence, 0)
    lines = [
        f"{s.scenario.name}: {plural(len(result.replications), 'replication')}, seed {result.seed},"
        f" {conf} confidence intervals",
        "",
    ]
    rows = []
    table = result.commitments()
    for row in table.to_dict("records"):
        attained = _estimate(float(row["attainment"]), float(row["ci_low"]), float(row["ci_high"]))
        risk = _estimate(
            float(row["breach_risk"]), float(row["risk_ci_low"]), float(row["risk_ci_high"])
        )
        rows.append(
            [
                str(row["label"]),
                percent(float(row["goal"]), 0),
                *attained,
                str(row["period"]),
                *risk,
                VERDICT_TEXT[str(row["verdict"])],
            ]
        )
    header = ["commitment", "goal", "attained", f"{conf} CI", "period", "breach risk"]
    lines.append(render(rows, [*header, f"{conf} CI", "verdict"], right={1, 2, 5}))
    plan = s.plan
    rule = (
        "met: the attainment's lower bound reaches the goal"
        if plan.criterion == "mean"
        else f"met: the breach risk's upper bound is at most {percent(plan.max_breach_risk, 0)}"
    )
    lines.append(
        f"verdicts by criterion {plan.criterion!r} ({rule}); breach risk: share of periods"
        " below the goal"
    )
    if len(result.replications) < 2:
        lines.append(
            "utilisation and fill-rate intervals need at least two replications: pass -n 2 or more"
        )
    undecided = int((table["verdict"] == "undecided").sum())
    if undecided:
        lines.append(
            f"{undecided} commitment{'s are' if undecided > 1 else ' is'} undecided: the interval"
            " straddles the line; run more replications (--until-decided)"
        )
    lines.append("")
    data = result.to_dict()
    rows = []
    per_year = HOURS_PER_YEAR / s.scenario.horizon  # the JSON's count is per replication
    for sev, entry in data["severities"].items():
        inc = entry["incidents"]["mean"] or 0.0
        rows.append(
            [sev, f"{inc * per_year:,.1f}"]
            + [_hours(entry[f"{m}_hours"]["p95"]) for m in ("response", "arrival", "resolution")]
        )
    lines.append(
        render(
            rows,
            ["severity", "incidents/yr", "response p95", "arrival p95", "resolution p95"],
            right={1, 2, 3, 4},
        )
    )
    lines.append("")
    rows = [
        [
            str(name),
            str(b["engineers"]),
            f"{b['people']:.1f}",
            _share(b["utilization"]),
            _interval(b["ci_low"], b["ci_high"]),
            f"{b['overtime_hours_per_year']:,.0f}",
        ]
        for name, b in result.bases().to_dict("index").items()
    ]
    rows += [
        [
            name,
            str(d["agents"]),
            f"{d['people']:.1f}",
            _share(d["utilization"]),
            _interval(d["ci_low"], d["ci_high"]),
            "-",
        ]
        for name, table in (("(desk)", result.desk()), ("(remote)", result.remote()))
        for d in table.to_dict("records")
    ]
    lines.append(
        render(
            rows,
            ["base", "engineers", "people", "utilisation", f"{conf} CI", "overtime h/yr"],
            right={1, 2, 3, 5},
        )
    )
    depots = result.depots()
    if len(depots):
        lines.append("")
        # the repair shop's and lateral supply's columns only where they happen
        extra = [
            (column, header)
            for column, header in (
                ("mean_in_repair", "mean in repair"),
                ("lateral_shipments_per_year", "lateral/yr"),
            )
            if (depots[column].fillna(0) > 0).any()
        ]
        rows = [
            [
                str(name),
                _share(d["fill_rate"]),
                _interval(d["ci_low"], d["ci_high"]),
                f"{d['mean_backorders']:.3f}" if math.isfinite(d["mean_backorders"]) else "n/a",
                *(f"{d[column]:.2f}" for column, _ in extra),
            ]
            for name, d in depots.to_dict("index").items()
        ]
        headers = ["depot", "fill rate", f"{conf} CI", "mean backorders"]
        headers += [header for _, header in extra]
        lines.append(render(rows, headers, right={1, 3, *range(4, len(headers))}))
    cost = result.cost()
    lines.append("")
    lines.append(
        f"yearly cost ({s.scenario.currency}): engineers {cost['engineers']:,.0f},"
        f" desk {cost['desk']:,.0f},"
        + (f" remote tier {cost['remote']:,.0f}," if s.remote else "")
        + (f" on call {cost['on_call']:,.0f}," if any(b.on_call for b in s.base) else "")
        + f" holding {cost['holding']:,.0f}, expected penalties"
        f" {cost['penalties']:,.0f}; total {cost['total']:,.0f}"
    )
    if data["open_at_end"]:
        lines.append(
            f"warning: {plural(data['open_at_end'], 'counted incident')} still open a year"
            " after the horizon (the resources cannot keep up); they count as missed"
        )
    return "\n".join(lines)


def _hours(value: float | None) -> str:
    """A clock for a table: seconds under a minute, minutes under an hour, then hours, days."""
    if value is None:
        return "n/a"
    if value < 1 / 60:
        return f"{value * 3600:.0f}s"
    if value < 1:
        return f"{value * 60:.1f}min"
    return f"{value:.1f}h" if value < 48 else f"{value / 24:.1f}d"


def plan_columns(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The plan, the current resources and (with depots) the 15% rule, from a plan's JSON."""
    columns = [("plan", data["plan"]), ("current", data["current"])]
    if data["stock_rule_15_percent"] is not None:
        columns.append(("15% rule", data["stock_rule_15_percent"]))
    return columns


def stock_rule_sentence(comparison: dict[str, Any], currency: str) -> str:
    """One sentence on the 15% rule against the plan, from ``stock_rule_comparison`` of a
    plan's JSON."""
    holding = comparison["stock_holding"]
    difference = holding["difference"]
    dearer = (
        f"{abs(difference):,.0f} {currency}/yr {'more' if difference >= 0 else 'less'} than"
        f" the plan's stock ({holding['rule']:,.0f} against {holding['plan']:,.0f})"
    )
    same = "the same" if comparison["same_seeds"] else "other"
    seeds = f"on {same} {comparison['replications']} verification seeds"
    if comparison["rule_meets_commitments"]:
        text = (
            f"With the plan's staff, stock at 15% of the installed units meets every"
            f" commitment too ({seeds}): at equal attainment the rule holds stock costing"
            f" {dearer}"
        )
    else:
        worst = comparison["worst_miss"]
        text = (
            f"With the plan's staff, stock at 15% of the installed units misses"
            f" {worst['commitment']} ({seeds}): {percent(worst['attainment'])} attained,"
            f" {100 * worst['short_by']:.1f} points short of a met verdict against a goal of"
            f" {percent(worst['goal'], 0)}, with stock costing {dearer}"
        )
    if not comparison["plan_meets_commitments"]:
        text += "; the plan itself does not meet every commitment on these seeds"
    return text + "."


RESOURCE_WORDS = {
    "en": {
        "engineers": "engineers at {base}",
        "desk": "desk agents",
        "remote": "remote engineers",
        "people": "people (headcount)",
        "stock": "{part} at {depot}",
        "central": "{part} at {depot} (central)",
        "van": "{part} in each van at {base}",
    },
    "zh": {
        "engineers": "{base}工程师",
        "desk": "服务台坐席",
        "remote": "远程工程师",
        "people": "人员（人数）",
        "stock": "{depot}的{part}库存",
        "central": "{depot}（中心库）的{part}库存",
        "van": "{base}每辆服务车的{part}",
    },
}
"""How a resource of a plan is named, in English and Chinese."""


def plan_resource_rows(
    data: dict[str, Any], columns: list[tuple[str, dict[str, Any]]], lang: str = "en"
) -> list[list[str]]:
    """One row per resource (engineers per base, desk agents, stock at central depots, at
    forward depots, in each van of a base), one cell per column."""
    words = RESOURCE_WORDS[lang]
    resources = data["plan"]["resources"]
    rows = [
        [words["engineers"].format(base=base)]
        + [str(c["resources"]["engineers"][base]) for _, c in columns]
        for base in resources["engineers"]
    ]
    if "people" in resources:  # the headcount the staff take (posts cost their people)
        rows.append(
            [words["people"]] + [f"{c['resources']['people']['total']:.1f}" for _, c in columns]
        )
    if resources["desk_agents"] is not None:
        rows.append([words["desk"]] + [str(c["resources"]["desk_agents"]) for _, c in columns])
    if resources.get("remote_agents") is not None:
        rows.append([words["remote"]] + [str(c["resources"]["remote_agents"]) for _, c in columns])
    echelons = resources.get("stock_by_echelon", {"forward": resources["stock"]})
    for echelon in ("central", "forward"):
        label = words["central" if echelon == "central" else "stock"]
        for depot, parts in echelons.get(echelon, {}).items():
            rows += [
                [label.format(part=part, depot=depot)]
                + [str(c["resources"]["stock"][depot][part]) for _, c in columns]
                for part in parts
            ]
    for base, parts in resources.get("van", {}).items():
        rows += [
            [words["van"].format(part=part, base=base)]
            + [str(c["resources"]["van"][base][part]) for _, c in columns]
            for part in parts
        ]
    return rows


def _plan_verdict(result: PlanResult) -> str:
    commitments = result.space.scenario.commitment
    rounds = result.verification_rounds
    checked = f"{rounds} verification round{'s' if rounds != 1 else ''}"
    if result.feasible:
        return f"cheapest plan found; every commitment met on fresh seeds ({checked})"
    evaluation = result.verification if result.search.feasible else result.search
    worst = evaluation.worst
    estimate = evaluation.attainment[worst]
    if not math.isfinite(estimate.mean):
        close = f"{commitments[worst].label}: no incident it counts was simulated"
        return f"no plan within the [plan] bounds meets every commitment ({close})"
    close = (
        f"{commitments[worst].label}: best {percent(estimate.mean)}, lower bound"
        f" {percent(estimate.ci_low if math.isfinite(estimate.ci_low) else None)} against a goal of"
        f" {percent(commitments[worst].goal, 0)}"
    )
    if result.search.feasible:
        return (
            f"the plan met every commitment in the search but not on the last fresh seeds"
            f" ({checked}; {close}): it is not claimed to hold"
        )
    return f"no plan within the [plan] bounds meets every commitment; closest miss: {close}"


def plan_summary(result: PlanResult) -> str:
    """The plan beside the file's resources and the 15% stock rule, with costs and attainment."""
    data = result.to_dict()
    columns = plan_columns(data)
    lines = [f"{data['scenario']}: {_plan_verdict(result)}", ""]
    rows = plan_resource_rows(data, columns)
    lines.append(
        render(
            rows,
            ["resource"] + [name for name, _ in columns],
            right=set(range(1, len(columns) + 1)),
        )
    )
    lines.append("")
    currency = result.space.scenario.scenario.currency
    rows = [
        [f"{kind} ({currency}/yr)"] + [f"{c['cost'][kind]:,.0f}" for _, c in columns]
        for kind in COST_KINDS
        if (kind != "remote" or result.space.scenario.remote is not None)
        and (kind != "on_call" or any(b.on_call for b in result.space.scenario.base))
    ]
    lines.append(
        render(
            rows, ["cost"] + [name for name, _ in columns], right=set(range(1, len(columns) + 1))
        )
    )
    lines.append("")
    rows = []
    for k, commitment in enumerate(data["plan"]["commitments"]):
        row = [commitment["commitment"], percent(commitment["goal"], 0)]
        for _, c in columns:
            entry = c["commitments"][k]
            low = entry["attainment"]["ci_low"]
            mark = {"met": "", "not met": " NOT MET", "undecided": " undecided"}[entry["verdict"]]
            row.append(f"{percent(entry['attainment']['mean'])} (>= {percent(low)}){mark}")
        rows.append(row)
    header = ["commitment", "goal"] + [f"{name}: attained (CI low)" for name, _ in columns]
    lines.append(render(rows, header, right={1}))
    lines.append("")
    if data.get("stock_rule_comparison") is not None:
        lines.append(stock_rule_sentence(data["stock_rule_comparison"], currency))
        lines.append("")
    lines.append(
        f"{data['simulations']:,} replications simulated"
        f" ({data['replication_years']:,.1f} replication-years)"
    )
    return "\n".join(lines)
