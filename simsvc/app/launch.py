"""Starting the page: ``simsvc app [SCENARIO ...] [--port N] [--host H]``.

The page is a Streamlit script (:mod:`simsvc.app.page`) served by Streamlit's own server
in a child process, on loopback by default. The scenarios named on the command line are
checked here first, so a bad file stops the command with its key path before any server
starts; the page gets them after ``--`` on its own command line (:func:`page_options`).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PAGE = Path(__file__).with_name("page.py")
"""The Streamlit script of the page."""

DEFAULT_PORT = 8501


@dataclass(frozen=True)
class PageOptions:
    """What the page is started with: scenario files to offer and local worker processes."""

    scenarios: tuple[Path, ...] = ()
    workers: int | None = None


def page_options(argv: Sequence[str]) -> PageOptions:
    """The page's options from the arguments after ``--`` (``--scenario F``, ``--workers N``)."""
    parser = argparse.ArgumentParser(prog="simsvc-app-page", add_help=False)
    parser.add_argument("--scenario", type=Path, action="append", default=[])
    parser.add_argument("--workers", type=int, default=None)
    known, _ = parser.parse_known_args(list(argv))
    return PageOptions(tuple(known.scenario), known.workers)


def streamlit_command(
    scenarios: Sequence[Path],
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    workers: int | None = None,
) -> list[str]:
    """The command line that serves the page on ``host:port``."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PAGE),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.maxUploadSize",
        "50",
        "--runner.magicEnabled",  # a docstring in the script is not text for the page
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--theme.base",
        "light",
        "--",
    ]
    for path in scenarios:
        command += ["--scenario", str(Path(path).resolve())]
    if workers is not None:
        command += ["--workers", str(workers)]
    return command


def url(host: str, port: int) -> str:
    """The address a browser opens."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    scenarios: Sequence[Path],
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    workers: int | None = None,
) -> int:
    """Check the scenarios, then serve the page until Ctrl-C; the server's exit status.

    Raises :class:`~simsvc.extras.MissingExtra` without Streamlit, and
    :class:`~simsvc.scenario.errors.ScenarioError` for a bad scenario file.
    """
    from simsvc.extras import require
    from simsvc.scenario.loading import load_scenario

    require("streamlit", "streamlit", "app", "the what-if page")
    for path in scenarios:
        load_scenario(path)
    command = streamlit_command(scenarios, port=port, host=host, workers=workers)
    print(f"simsvc app: serving the what-if page at {url(host, port)} (Ctrl-C stops it)")
    sys.stdout.flush()
    server = subprocess.Popen([*command], stdout=subprocess.DEVNULL)  # a list: no shell

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # a ``kill`` of this command ends the server too

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
