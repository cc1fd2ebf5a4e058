"""The HTML report: self-contained, every image loads in a real browser, nothing fetched."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pytest

import simsvc
from simsvc import report
from simsvc.cli.main import main
from simsvc.report import write_report
from simsvc.results import ReplicationSummary
from simsvc.runner import Job, Progress, Runner

DATA = Path(__file__).parent / "data"
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class RecordingRunner(Runner):
    """A runner that keeps the jobs of every ``map`` call and whether it was closed."""

    def __init__(self, *, workers: int | None = None, executor: Executor | None = None) -> None:
        super().__init__(workers=workers, executor=executor)
        self.calls: list[list[Job]] = []
        self.closed = False

    def map(
        self, jobs: Sequence[Job], progress: Progress | None = None
    ) -> list[ReplicationSummary]:
        self.calls.append(list(jobs))
        return super().map(jobs, progress)

    def close(self) -> None:
        self.closed = True
        super().close()


@pytest.fixture(scope="module")
def opened() -> list[RecordingRunner]:
    return []


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory, opened: list[RecordingRunner]) -> Path:
    scenario = simsvc.load_scenario(DATA / "small.toml")
    folder = tmp_path_factory.mktemp("report") / "out"

    def recording(**options: Any) -> RecordingRunner:
        runner = RecordingRunner(**options)
        opened.append(runner)
        return runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "Runner", recording)
        write_report(scenario, folder, replications=3, workers=1, with_plan=True)
    return folder


def test_report_runs_the_experiment_and_the_plan_on_one_runner(
    report_dir: Path, opened: list[RecordingRunner]
) -> None:
    (runner,) = opened
    assert runner.workers == 1 and runner.closed
    experiment, *planning = runner.calls
    assert [(job.replication, job.keep_incidents) for job in experiment] == [
        (0, True),
        (1, True),
        (2, True),
    ]
    assert planning, "the plan did not run on the report's runner"
    simulated = sum(len(jobs) for jobs in planning)
    assert simulated == json.loads((report_dir / "plan.json").read_text())["simulations"]


def test_report_on_a_runner_of_the_caller_leaves_it_open(tmp_path: Path) -> None:
    scenario = simsvc.load_scenario(DATA / "small.toml")
    with RecordingRunner(workers=1) as runner:
        write_report(scenario, tmp_path / "out", replications=2, runner=runner)
        assert not runner.closed
        assert [len(jobs) for jobs in runner.calls] == [2]
    assert (tmp_path / "out" / "report.html").is_file()


def test_report_writes_page_images_and_results(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in report_dir.glob("*.png"))
    assert {"time_breakdown.png", "load_profile.png", "site_map.png", "plan_costs.png"} <= set(pngs)
    sources = re.findall(r'<img alt="([^"]+)" src="([^"]+)"', page)
    assert sorted(f"{name}.png" for name, _ in sources) == pngs
    assert all(src.startswith("data:image/png;base64,") for _, src in sources)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing outside the file
    assert "<script" not in page
    results = json.loads((report_dir / "results.json").read_text())
    assert results["replications"] == 3 and "commitments" in results
    assert json.loads((report_dir / "plan.json").read_text())["simulations"] > 0
    assert not list(report_dir.glob("*.tmp")) and not list(report_dir.glob(".*"))


def test_report_commitments_table_shows_each_commitments_verdict(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    section = page.split("<h2>Commitments</h2>")[1].split("<h2>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td>.*?<td class=\"(yes|no|undecided)\">", section)
    results = json.loads((report_dir / "results.json").read_text())
    scenario = simsvc.load_scenario(DATA / "small.toml")
    expected = [
        (html.escape(c.label), {"met": "yes", "not met": "no"}.get(entry["verdict"], "undecided"))
        for c, entry in zip(scenario.commitment, results["commitments"], strict=True)
    ]
    assert rows == expected


def test_report_opens_in_chromium_with_every_image_and_no_request_out(report_dir: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Debian's chromium for this test, but it is not on PATH")
        pytest.skip("Debian's chromium is not installed (CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto((report_dir / "report.html").as_uri())
            page.wait_for_load_state("load")
            widths = page.evaluate(
                "Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)"
            )
            title = page.title()
        finally:
            browser.close()
    assert len(widths) == len(list(report_dir.glob("*.png")))
    assert all(width > 0 for width in widths), widths
    assert title == "Small test operation"
    assert requests, "the request log saw nothing: the page was not loaded"
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert outside == []


def test_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code = main(
        [
            "report",
            str(DATA / "small.toml"),
            "--out",
            str(out),
            "-n",
            "2",
            "-w",
            "1",
            "-q",
            "--lang",
            "zh",
        ]
    )
    assert code == 0
    assert (out / "report.html").is_file()
    assert "report written to" in capsys.readouterr().out


def test_report_into_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    code = main(["report", str(DATA / "small.toml"), "--out", str(target), "-q"])
    assert code == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def _zh_report(tmp_path: Path, out: Path) -> tuple[int, str]:
    """A Chinese report of small.toml with Chinese names for a severity and a zone."""
    text = (DATA / "small.toml").read_text("utf-8")
    text = text.replace("[[severity]]", '[[severity]]\nname_zh = "一级故障"', 1)
    zone = simsvc.parse_scenario(text).site[0].zone
    text += f'\n[names.zh]\n{zone} = "市区"\n' if zone else ""
    text = text.replace('name = "', 'name_zh = "小型测试"\nname = "', 1)
    scenario = tmp_path / "zh.toml"
    scenario.write_text(text, "utf-8")
    code = main(["report", str(scenario), "--out", str(out), "-n", "2", "-w", "1", "-q",
                 "--lang", "zh"])  # fmt: skip
    return code, (out / "report.html").read_text("utf-8") if code == 0 else ""


def test_a_chinese_report_is_chinese_from_title_to_footnote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, page = _zh_report(tmp_path, tmp_path / "not" / "yet" / "there")  # parents made
    assert code == 0, capsys.readouterr().err
    assert '<html lang="zh">' in page
    assert "<title>小型测试</title>" in page and "<h1>小型测试</h1>" in page
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings and all(not re.search(r"[A-Za-z]", h) for h in headings), headings
    header_cells = re.findall(r"<th>(.*?)</th>", page)
    assert all(not re.search(r"[A-Za-z]{3}", h) for h in header_cells), header_cells
    assert "一级故障" in page and "由 simsvc 生成。" in page
    for english in ("Commitments", "Made with", "replications of", " to ", ">met<", "horizon<"):
        assert english not in page, english


def test_a_missing_cjk_font_is_one_warning_naming_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from simsvc.charts import text

    monkeypatch.setattr(text, "cjk_font", lambda: None)
    code, page = _zh_report(tmp_path, tmp_path / "rep")
    err = capsys.readouterr().err
    assert code == 0, err
    warned = [line for line in err.splitlines() if line.strip()]
    assert len(warned) == 1, err
    assert warned[0].startswith("warning: no font with Chinese glyphs")
    assert "fonts-wqy-microhei" in warned[0] and "fonts-noto-cjk" in warned[0]
    assert "本机未安装中文字体" in page
