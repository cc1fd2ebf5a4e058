"""The what-if page in a real browser: ``simsvc app`` served, driven by Playwright in Chromium.

Like the report test, it uses Debian's ``chromium`` (CI installs it): absent, the test
fails in CI and is skipped elsewhere. The server is the real command, on a free loopback
port, in its own process group, which is ended whatever the test's outcome.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_report import BROWSER_FLAGS

DATA = Path(__file__).parent / "data"
TIMEOUT_MS = 90_000
"""How long the test waits for any one thing on the page (the machine may be loaded)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _chromium() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Debian's chromium for this test, but it is not on PATH")
        pytest.skip("Debian's chromium is not installed (CI installs it)")
    return chromium


@pytest.fixture
def server() -> Iterator[str]:
    """``simsvc app`` on a free loopback port; its address. The process group is killed at
    the end."""
    pytest.importorskip("streamlit")
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "simsvc", "app", "--port", str(port), "--workers", "2"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not _answers(address):
                if process.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"simsvc app exited with {process.returncode}: {log.read()!r}")
                if time.monotonic() > deadline:
                    pytest.fail("simsvc app did not answer within 90 s")
                time.sleep(0.3)
            yield address
        finally:
            _stop(process)


def _answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"{address}/_stcore/health", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server's process group (Streamlit and its worker processes)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def _table(page: object, heading: str) -> list[dict[str, str]]:
    """The rows of the first table after ``heading``, as header -> cell text."""
    rows: list[dict[str, str]] = page.evaluate(  # type: ignore[attr-defined]
        """(heading) => {
            const h = [...document.querySelectorAll('h1, h2, h3')]
                .find(e => e.textContent.trim() === heading);
            let node = h.closest('[data-testid="stElementContainer"]') || h;
            let table = null;
            while (node && !table) {
                node = node.nextElementSibling;
                table = node && node.querySelector('table');
            }
            const heads = [...table.querySelectorAll('thead th')].map(e => e.textContent.trim());
            return [...table.querySelectorAll('tbody tr')].map(tr => {
                const cells = [...tr.children].map(e => e.textContent.trim());
                return Object.fromEntries(heads.map((k, i) => [k, cells[i]]));
            });
        }""",
        heading,
    )
    return rows


def test_a_manager_changes_engineers_runs_compares_uploads_and_reads_chinese(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    broken = tmp_path / "broken.toml"
    text = (DATA / "small.toml").read_text(encoding="utf-8")
    broken.write_text(text.replace('severity = "L1"', 'severity = "L9"', 1), encoding="utf-8")
    shot = Path(os.environ.get("SIMSVC_ARTEFACTS", tempfile.gettempdir())) / "simsvc-app.png"
    started = time.monotonic()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(server)
            page.get_by_text("What-if: resources against the commitments").wait_for()

            # Load a bundled scenario and move one base's engineers.
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name="campus_av.toml").click()
            page.get_by_text("Engineers at xinmi-resident").wait_for()
            page.get_by_label("Engineers at xinmi-resident").fill("0")
            page.get_by_label("Replications").fill("3")
            page.get_by_role("button", name="Run the variant against the baseline").click()
            page.get_by_text("variant 1: attainment").first.wait_for()
            rows = _table(page, "Commitments")
            assert len(rows) == 11, rows
            different = [
                row for row in rows if row["baseline: attainment"] != row["variant 1: attainment"]
            ]
            assert different, rows
            assert any("arrival" in row["Commitment"] for row in different), different
            assert all(row["variant 1: verdict"] for row in rows)
            page.get_by_text("variant 1: base.xinmi-resident.engineers=0").wait_for()

            # A broken upload shows the key path and the line, and the page goes on.
            page.locator("input[type=file]").set_input_files(str(broken))
            page.get_by_text("commitment[0].severity (line 27)").wait_for()
            page.get_by_text("unknown severity 'L9'").first.wait_for()
            assert page.get_by_text("variant 1: attainment").count() > 0

            # The language switch: a Chinese heading, numbers in the Chinese way.
            page.get_by_text("中文").click()
            page.get_by_role("heading", name="服务承诺达成情况").wait_for()
            page.get_by_text("万元").first.wait_for()
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\nscreenshot of the what-if page: {shot} ({time.monotonic() - started:.1f} s)")
    assert shot.stat().st_size > 10_000
