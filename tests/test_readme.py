"""The README's Python example runs as written, also under the ``spawn`` start method."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_example() -> str:
    """The first ```python block of README.md."""
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md has no ```python example"
    return match[1]


@pytest.mark.slow
def test_the_readme_example_runs_under_spawn(tmp_path: Path) -> None:
    example = readme_example()
    assert "workers=2" in example  # it must start worker processes to test anything
    script = tmp_path / "example.py"
    # As on Windows and macOS: workers start fresh and import the script again.
    script.write_text(
        'import multiprocessing\nmultiprocessing.set_start_method("spawn", force=True)\n' + example,
        "utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "BrokenProcessPool" not in done.stderr
    assert done.stdout.count("verdict") == 2 and "L1-resolution-28h" in done.stdout


def test_the_readme_run_command_installs_only_what_running_needs() -> None:
    import tomllib

    readme = (ROOT / "README.md").read_text("utf-8")
    assert "pip install -q -e . && .venv/bin/simsvc run scenarios/metro_line2.toml" in readme
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    core = {re.split(r"[<>=!\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert core == {
        "simpy",
        "numpy",
        "scipy",
        "matplotlib",
        "pydantic",
        "pandas",
        "tqdm",
        "chinese-calendar",
    }
    heavy = {"playwright", "pyarrow", "jupyterlab", "notebook", "ipykernel", "openpyxl"}
    assert not core & heavy
    assert "playwright>=1.40" in project["optional-dependencies"]["dev"]
