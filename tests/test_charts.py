"""Every chart renders for a small operation, and shows the numbers of the results.

Each test draws a chart to PNG and then checks the figure itself: its axis labels,
how many lines, bars and bands it has, that goal lines sit at the goals, and that
the plotted values are the ones the results and the theory give. Set
``SIMSVC_CHARTS_OUT`` to a folder to keep the PNGs for a look.
"""

from __future__ import annotations

import ast
import logging
import math
import os
import subprocess
import sys
import warnings
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import simsvc
from simsvc import charts
from simsvc.charts import text
from simsvc.charts.clocks import BREAKDOWN, clock_samples, share_within_curve
from simsvc.planner.analytic import offered_loads, palm_fill_rate
from simsvc.planner.search import plan
from simsvc.sweep.levels import COLUMNS, spares_table, staffing_table

SMALL = """
[scenario]
name = "Two-base test operation"
horizon = "60d"
warmup = "3d"
replications = 4
seed = 11

[[severity]]
id = "L1"
name = "System down"
priority = 1
remote_fix = 0.2
onsite_time = { dist = "lognormal", mean = "2h", cv = 0.5 }
part_need = 0.6
swap_after = "8h"

[[severity]]
id = "L2"
name = "Degraded"
priority = 2
remote_fix = 0.4
onsite_time = "3h"
part_need = 0.3

[[commitment]]
severity = "L1"
metric = "response"
within = "15min"
goal = 0.95

[[commitment]]
severity = "L1"
metric = "arrival"
within = "2h"
goal = 0.9

[[commitment]]
severity = "L1"
metric = "resolution"
within = "8h"
goal = 0.9

[[commitment]]
severity = "L2"
metric = "arrival"
within = "4h"
goal = 0.9
zone = "city"

[[commitment]]
severity = "L2"
metric = "resolution"
within = "16h"
clock = "business"
goal = 0.95

[desk]
agents = 1
handle_time = { dist = "exponential", mean = "6min" }

[[base]]
id = "north"
location = [34.34, 108.94]
engineers = 2
depot = "north-store"

[[base]]
id = "east"
location = [34.30, 109.20]
engineers = 1
shift = "08:00-20:00"
depot = "east-store"

[[depot]]
id = "north-store"
location = [34.34, 108.94]
stock = { psu = 2, board = "15%" }
resupply = { dist = "constant", value = "10d" }

[[depot]]
id = "east-store"
location = [34.30, 109.20]
stock = { psu = 1, board = 1 }
resupply = { dist = "constant", value = "10d" }

[[part]]
id = "psu"
unit_cost = 1200

[[part]]
id = "board"
unit_cost = 800

[[equipment]]
id = "gate"
failures_per_year = 10
severity_mix = { L1 = 0.3, L2 = 0.7 }
parts = { psu = 0.6, board = 0.4 }
spare_unit = "board"

[[site]]
id = "station-01"
location = [34.27, 108.95]
zone = "city"
equipment = { gate = 10 }

[[site]]
id = "station-02"
location = [34.30, 108.90]
zone = "city"
equipment = { gate = 6 }

[[site]]
id = "plant-03"
location = [34.38, 109.25]
zone = "east"
equipment = { gate = 8 }

[[site]]
id = "plant-04"
location = [34.20, 109.10]
zone = "east"
equipment = { gate = 5 }

[arrivals]
hourly_profile = [0.2, 0.2, 0.2, 0.2, 0.2, 0.5, 1, 1.5, 2, 2, 2, 2,
                  1.5, 1.5, 2, 2, 2, 1.5, 1, 1, 0.8, 0.5, 0.3, 0.2]
weekly_profile = [1.2, 1.2, 1.1, 1.1, 1, 0.6, 0.5]

[costs]
engineer_per_year = 150000
desk_agent_per_year = 80000
penalty = { L1 = 1000 }
"""


@pytest.fixture(scope="module")
def scenario() -> simsvc.Scenario:
    return simsvc.parse_scenario(SMALL)


@pytest.fixture(scope="module")
def result(scenario: simsvc.Scenario) -> simsvc.RunResult:
    return simsvc.run_experiment(scenario, workers=1, keep_incidents=True)


def rendered(fig: Figure, name: str) -> Figure:
    """Draw ``fig`` to PNG (as a notebook or report would) and check it is an image."""
    assert isinstance(fig, Figure)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    data = buffer.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5_000
    folder = os.environ.get("SIMSVC_CHARTS_OUT")
    if folder:
        Path(folder, f"{name}.png").write_bytes(data)
    return fig


def labelled_lines(ax: object) -> list[Line2D]:
    """The lines of an axes that have a legend label (not bands, goals or helpers)."""
    return [
        line
        for line in ax.get_lines()  # type: ignore[attr-defined]
        if not line.get_label().startswith("_")
    ]


def goal_lines(ax: object) -> list[Line2D]:
    return [line for line in ax.get_lines() if line.get_gid() == "goal"]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def staffing(scenario: simsvc.Scenario) -> pd.DataFrame:
    return staffing_table(scenario, levels=[1, 2, 3, 4], replications=2, workers=1)


def test_staffing_curve(scenario: simsvc.Scenario, staffing: pd.DataFrame) -> None:
    fig = rendered(charts.staffing_curve(staffing), "staffing")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["response", "on site", "resolution"]
    assert all(ax.get_xlabel() == "engineers in total (every base scaled)" for ax in axes)
    assert axes[0].get_ylabel().startswith("attainment")
    assert fig.get_suptitle().startswith("Two-base test operation")
    assert "over 2 replications" in fig.get_suptitle()
    by_metric = {"response": 1, "on site": 2, "resolution": 2}
    for ax in axes:
        lines = labelled_lines(ax)
        assert len(lines) == by_metric[ax.get_title()]
        assert all(list(line.get_xdata()) == [1, 2, 3, 4] for line in lines)
        for line in lines:
            rows = staffing[staffing["series"] == line.get_label()]
            assert list(line.get_ydata()) == rows["mean"].tolist()
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == len(lines)
        goals = sorted({line.get_ydata()[0] for line in goal_lines(ax)})
        wanted = {c.goal for c in scenario.commitment if c.label in {x.get_label() for x in lines}}
        assert goals == sorted(wanted)
    current = [line for line in axes[0].get_lines() if line.get_linestyle() == ":"]
    assert current[0].get_xdata()[0] == 3
    feasible = staffing.groupby("level")["met"].all()
    cheapest = [line for line in axes[0].get_lines() if line.get_gid() == "cheapest"]
    if feasible.any():
        assert cheapest[0].get_xdata()[0] == feasible[feasible].index[0]
    else:
        assert not cheapest


def commitment_row(level: int, key: str, label: str, mean: float, met: bool) -> dict[str, Any]:
    """A hand-made attainment row of a level table."""
    return {
        "level": level,
        "series": label,
        "kind": "attainment",
        "commitment": key,
        "metric": "arrival",
        "goal": 0.9,
        "mean": mean,
        "ci_low": mean - 0.02,
        "ci_high": min(mean + 0.02, 1.0),
        "met": met,
    }


def test_staffing_curve_draws_a_table_as_given() -> None:
    # Two commitments with the same label (other goals would do it) are two curves.
    rows = [
        commitment_row(level, key, "L1 arrival <= 2h", mean, met)
        for level, key, mean, met in [
            (0, "a", 0.50, False),
            (0, "b", 0.60, False),
            (1, "a", 0.93, True),
            (1, "b", 0.80, False),
            (2, "a", 0.97, True),
            (2, "b", 0.95, True),
        ]
    ]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(scenario="By hand", base="east", current=1, confidence=0.95, replications=9)
    fig = rendered(charts.staffing_curve(table), "staffing_by_hand")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "engineers at east"
    lines = labelled_lines(ax)
    assert [list(line.get_ydata()) for line in lines] == [[0.5, 0.93, 0.97], [0.6, 0.8, 0.95]]
    (cheapest,) = [line for line in ax.get_lines() if line.get_gid() == "cheapest"]
    assert cheapest.get_xdata()[0] == 2
    assert fig.get_suptitle().startswith("By hand")
    assert "95% confidence interval over 9 replications" in fig.get_suptitle()


def test_staffing_curve_at_one_base(scenario: simsvc.Scenario) -> None:
    table = staffing_table(scenario, base="east", levels=[0, 1, 2], replications=2, workers=1)
    fig = rendered(charts.staffing_curve(table), "staffing_east")
    assert fig.axes[0].get_xlabel() == "engineers at east"
    assert list(labelled_lines(fig.axes[1])[0].get_xdata()) == [0, 1, 2]


def test_spares_curve(scenario: simsvc.Scenario) -> None:
    table = spares_table(scenario, "north-store", "psu", range(0, 5), replications=2, workers=1)
    fig = rendered(charts.spares_curve(table), "spares")
    left, right = fig.axes
    assert left.get_xlabel() == "base stock of psu at north-store (units)"
    assert left.get_ylabel().startswith("fill rate")
    simulated, palm = labelled_lines(left)
    assert list(simulated.get_xdata()) == [0, 1, 2, 3, 4]
    fill = table[table["kind"] == "fill_rate"]
    assert list(simulated.get_ydata()) == fill["mean"].tolist()
    demand = offered_loads(scenario).part_demand[(0, 0)]
    expected = [palm_fill_rate(s, demand, 240.0) for s in range(5)]
    assert np.allclose(palm.get_ydata(), expected)
    assert palm.get_label().startswith("Palm's theorem")
    resolution = [c for c in scenario.commitment if c.metric == "resolution"]
    assert [line.get_label() for line in labelled_lines(right)] == [c.label for c in resolution]
    assert sorted(line.get_ydata()[0] for line in goal_lines(right)) == sorted(
        {c.goal for c in resolution}
    )
    rule = [line for line in left.get_lines() if line.get_linestyle() == "-."]
    assert rule and rule[0].get_xdata()[0] == 3
    assert "psu at north-store" in fig.get_suptitle()


def test_promise_frontier(scenario: simsvc.Scenario, result: simsvc.RunResult) -> None:
    ids = [s.id for s in scenario.severity]
    fig = rendered(charts.promise_frontier(result, "L1"), "frontier")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "hours from the fault report (log scale)"
    assert ax.get_ylabel() == "share of incidents within x hours"
    curves = labelled_lines(ax)[:3]
    assert [line.get_label().split(" (")[0] for line in curves] == [
        "response",
        "on site",
        "resolution",
    ]
    assert all(np.nanmax(line.get_ydata()) <= 1.0 for line in curves)
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3
    points = [line for line in ax.get_lines() if line.get_gid() == "commitment"]
    assert sorted((p.get_xdata()[0], p.get_ydata()[0]) for p in points) == sorted(
        (c.within, c.goal) for c in scenario.commitment if c.severity == "L1"
    )
    # The curve at a commitment's bound is the commitment's attainment, CI and all.
    for k, c in enumerate(scenario.commitment):
        samples = clock_samples(result, ids.index(c.severity), c.metric, c.clock, c.zone)
        mean, low, _ = share_within_curve(samples, np.asarray([c.within]), result.confidence)
        assert mean[0] == pytest.approx(result.attainment(k).mean, abs=1e-12)
        assert low[0] == pytest.approx(result.attainment(k).ci_low, abs=1e-12)


def test_promise_frontier_on_the_business_clock(
    scenario: simsvc.Scenario, result: simsvc.RunResult
) -> None:
    fig = rendered(
        charts.promise_frontier(result, "L2", metrics=("resolution",), clock="business"),
        "frontier_business",
    )
    ax = fig.axes[0]
    points = [line for line in ax.get_lines() if line.get_gid() == "commitment"]
    assert [(p.get_xdata()[0], p.get_ydata()[0]) for p in points] == [(16.0, 0.95)]
    assert "business clock" in ax.get_title()
    lean = simsvc.run_experiment(scenario, replications=2, workers=1, keep_incidents=False)
    with pytest.raises(ValueError, match="keep_incidents=True"):
        charts.promise_frontier(lean, "L2", clock="business")
    # Without incident records the 24x7 clocks of the replications are enough.
    assert len(labelled_lines(charts.promise_frontier(lean, "L1").axes[0])) >= 3
    fig = rendered(charts.promise_frontier(result, "L2", zone="city"), "frontier_zone")
    assert "zone city" in fig.axes[0].get_title()
    points = [line for line in fig.axes[0].get_lines() if line.get_gid() == "commitment"]
    assert [(p.get_xdata()[0], p.get_ydata()[0]) for p in points] == [(4.0, 0.9)]


def test_time_breakdown_adds_up_to_the_resolution_clock(result: simsvc.RunResult) -> None:
    fig = rendered(charts.time_breakdown(result), "breakdown")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "mean hours per incident"
    assert ax.get_xlabel() == "severity"
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(BREAKDOWN)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("dispatch queue + travel" in label and "not separable" in label for label in legend)
    heights = np.sum([[bar.get_height() for bar in c] for c in bars], axis=0)
    incidents = result.incidents
    closed = incidents[incidents["counted"] & np.isfinite(incidents["resolution_hours"])]
    for severity, height in zip(("L1", "L2"), heights, strict=True):
        mean = closed.loc[closed["severity"] == severity, "resolution_hours"].mean()
        assert height == pytest.approx(mean, rel=1e-9)
    assert all(bar.get_height() >= -1e-9 for c in bars for bar in c)


def test_load_profile(scenario: simsvc.Scenario, result: simsvc.RunResult) -> None:
    by_hour, by_day = charts.report_profile(result)
    counted = int(result.incidents["counted"].sum()) / len(result.replications)
    days = scenario.scenario.horizon / 24
    assert by_hour.to_numpy().sum() * days == pytest.approx(counted)
    # Weekday rates times the number of such days in the horizon give the count back.
    first = scenario.calendar.start.weekday()  # the horizon starts at midnight of this day
    weekdays = np.bincount((first + np.arange(int(days))) % 7, minlength=7)
    assert (by_day.to_numpy().sum(axis=1) * weekdays).sum() == pytest.approx(counted)

    fig = rendered(charts.load_profile(result), "load")
    hours_ax, days_ax, busy_ax = fig.axes
    assert hours_ax.get_xlabel() == "hour of day"
    assert hours_ax.get_ylabel() == "reports per hour (mean)"
    assert days_ax.get_ylabel() == "reports per day (mean)"
    assert [t.get_text() for t in days_ax.get_xticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert len(hours_ax.containers) == len(scenario.severity)
    assert len(hours_ax.containers[0]) == 24
    assert busy_ax.get_xlabel().startswith("utilisation")
    (busy,) = [c for c in busy_ax.containers if isinstance(c, BarContainer)]
    data = result.to_dict()
    expected = [b["utilization"]["mean"] for b in data["bases"].values()]
    expected.append(data["desk"]["utilization"]["mean"])
    assert [bar.get_width() for bar in busy] == pytest.approx(expected)
    assert [t.get_text() for t in busy_ax.get_yticklabels()] == [
        "north (2)",
        "east (1)",
        "desk (1)",
    ]


def test_site_map(scenario: simsvc.Scenario, result: simsvc.RunResult) -> None:
    fig = rendered(charts.site_map(scenario, result), "site_map")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "longitude (degrees)"
    assert ax.get_ylabel() == "latitude (degrees)"
    middle = np.mean(
        [s.location[0] for s in scenario.site] + [b.location[0] for b in scenario.base]
    )
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(middle)))
    sites = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert len(sites.get_offsets()) == len(scenario.site)
    assert sites.get_array() is not None
    # Colours are the pooled share of L1 arrivals within 2 h at each site.
    per_site = charts.site_attainment(result, 1)
    incidents = result.incidents
    l1 = incidents[incidents["counted"] & (incidents["severity"] == "L1") & ~incidents["remote"]]
    for site, share in zip(per_site["site"], per_site["attainment"], strict=True):
        mine = l1[l1["site"] == site]
        assert share == pytest.approx((mine["arrival_hours"] <= 2.0).mean())
    assert np.asarray(sites.get_array()) == pytest.approx(per_site["attainment"].to_numpy())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-2:] == ["base (engineers)", "depot"]
    colourbar = fig.axes[1]
    assert colourbar.get_ylabel() == "attainment at the site"
    assert [line.get_ydata()[0] for line in colourbar.get_lines()] == [0.9]


def test_site_attainment_counts_the_commitments_own_incidents(result: simsvc.RunResult) -> None:
    ids = result.scenario.commitment_ids()
    table = result.commitments()
    runs = len(result.replications)
    for k, key in enumerate(ids):
        per_site = charts.site_attainment(result, key)
        pd.testing.assert_frame_equal(per_site, charts.site_attainment(result, k))
        assert per_site["incidents"].sum() == pytest.approx(table.loc[key, "incidents"] * runs)
    with pytest.raises(ValueError, match="unknown commitment 'nope'"):
        charts.site_attainment(result, "nope")


def test_site_map_of_a_zone_shows_that_zone(
    scenario: simsvc.Scenario, result: simsvc.RunResult, caplog: pytest.LogCaptureFixture
) -> None:
    key = scenario.commitment_ids()[3]
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        fig = rendered(charts.site_map(scenario, result, commitment=key), "site_map_zone")
    # Fixed limits with an aspect that adjusts the limits would make matplotlib log
    # "Ignoring fixed x limits to fulfill fixed data aspect".
    assert [r.getMessage() for r in caplog.records] == []
    ax = fig.axes[0]
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(34.29)), rel=1e-3)
    assert "(city)" in ax.get_title()
    city = [s.location for s in scenario.site if s.zone == "city"]
    east = [s.location for s in scenario.site if s.zone == "east"]
    low, high = ax.get_ylim()
    assert all(low <= lat <= high for lat, _ in city)
    left, right = ax.get_xlim()
    assert all(left <= lon <= right for _, lon in city)
    # Sites of other zones count no incident for this commitment.
    per_site = charts.site_attainment(result, 3)
    assert (per_site["incidents"][[s.zone == "east" for s in scenario.site]] == 0).all()
    assert len(east) == 2


def test_site_map_without_results(scenario: simsvc.Scenario) -> None:
    fig = rendered(charts.site_map(scenario), "site_map_plain")
    assert len(fig.axes) == 1  # no colour bar without attainment


def test_plan_costs(scenario: simsvc.Scenario) -> None:
    planned = plan(scenario, replications=3, workers=1, rounds=1)
    fig = rendered(charts.plan_costs(planned), "plan_costs")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "cost per year (CNY)"
    bars = ax.containers
    assert [c.get_label() for c in bars] == [
        "engineers",
        "desk agents",
        "holding of stock",
        "expected penalties",
    ]
    assert all(len(c) == 3 for c in bars)  # plan, current, 15% rule
    data = planned.to_dict()
    columns = [data["plan"], data["current"], data["stock_rule_15_percent"]]
    heights = np.sum([[bar.get_height() for bar in c] for c in bars], axis=0)
    assert heights == pytest.approx([c["cost"]["total"] for c in columns])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert [t.split("\n")[0] for t in ticks] == ["plan", "current", "15% rule"]
    # The JSON of `simsvc plan --json` draws the same chart.
    again = charts.plan_costs(data)
    assert [b.get_height() for c in again.axes[0].containers for b in c] == [
        b.get_height() for c in bars for b in c
    ]


def test_chinese_labels_need_a_cjk_font(
    result: simsvc.RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text, "cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="fonts-wqy-microhei, or fonts-noto-cjk"):
        fig = charts.time_breakdown(result, lang="zh")
    assert fig.axes[0].get_ylabel() == "mean hours per incident"


@pytest.mark.skipif(
    text.cjk_font() is None and not os.environ.get("CI"),
    reason="no CJK font installed (CI installs fonts-wqy-microhei, so there this test runs)",
)
def test_chinese_labels(result: simsvc.RunResult) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: none may
        fig = rendered(charts.load_profile(result, lang="zh"), "load_zh")
    hours_ax, days_ax, _ = fig.axes
    assert hours_ax.get_xlabel() == "一天中的小时"
    assert next(t.get_text() for t in days_ax.get_xticklabels()) == "周一"
    assert text.cjk_font() in hours_ax.xaxis.label.get_fontfamily()


def test_bad_language() -> None:
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        text.Labels("fr")


SIMULATING = ("simsvc.experiment", "simsvc.runner", "simsvc.model.world")
"""Modules that simulate or run replications: charts only draw, so never import them."""


def simulating_imports(source: str, package: str = "simsvc.charts") -> list[str]:
    """The modules of :data:`SIMULATING` that ``source`` imports, and ``run_experiment``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parent = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (parent, node.module or "") if p)
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]  # importlib.import_module("simsvc.runner")
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        for name in names:
            found |= {bad for bad in SIMULATING if name == bad or name.startswith(bad + ".")}
            found |= {name} if name == "run_experiment" else set()
    return sorted(found)


def test_the_import_check_sees_simulating_imports() -> None:
    assert simulating_imports("from simsvc.experiment import run_experiment") == [
        "run_experiment",
        "simsvc.experiment",
    ]
    assert simulating_imports("import simsvc\nsimsvc.run_experiment(s)") == ["run_experiment"]
    assert simulating_imports("from simsvc import runner") == ["simsvc.runner"]
    assert simulating_imports("from ..model.world import simulate") == ["simsvc.model.world"]
    assert simulating_imports("import simsvc.model.world as w") == ["simsvc.model.world"]
    assert simulating_imports("from simsvc.model.calendar import WorkCalendar") == []


def test_charts_do_not_simulate() -> None:
    folder = Path(charts.__file__).parent
    sources = sorted(folder.glob("*.py"))
    assert {"clocks.py", "operation.py", "staffing.py", "spares.py"} <= {p.name for p in sources}
    found = {
        path.name: names
        for path in sources
        if (names := simulating_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_charts_do_not_use_pyplot() -> None:
    # pyplot would pick a GUI backend and keep every figure alive.
    code = "import simsvc.charts, sys; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
