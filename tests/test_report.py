"""The HTML report: self-contained, every image loads in a real browser, nothing fetched."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

import simsvc
from simsvc.cli.main import main
from simsvc.report import write_report

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


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = simsvc.load_scenario(DATA / "small.toml")
    folder = tmp_path_factory.mktemp("report") / "out"
    write_report(scenario, folder, replications=3, workers=1, with_plan=True)
    return folder


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
