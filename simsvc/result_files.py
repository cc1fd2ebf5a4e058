"""Writing results to files atomically: a temporary file in the same folder, then rename.

A run that is interrupted leaves either the previous file or the new one, never
half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class OutputError(Exception):
    """An output file that cannot be written (the message says why)."""


def check_target(target: str | Path) -> None:
    """Raise :class:`OutputError` unless ``target`` can be a file in an existing folder."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it onto ``target`` on success."""
    target = Path(target)
    check_target(target)
    folder = target.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    path = Path(temporary)
    try:
        yield path
        with open(path, "rb") as written:
            os.fsync(written.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
        os.replace(path, target)
    except OSError as error:
        raise OutputError(f"{target}: cannot write it: {error.strerror or error}") from None
    finally:
        path.unlink(missing_ok=True)


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as path:
        path.write_text(text, encoding="utf-8")


def write_json(target: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON to ``target`` atomically."""
    write_text(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_table(target: str | Path, table: pd.DataFrame) -> None:
    """Write a table as CSV or Parquet (by the file suffix) atomically."""
    suffix = Path(target).suffix.lower()
    writer: Callable[[Path], None]
    if suffix == ".csv":

        def writer(path: Path) -> None:
            table.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        try:
            import pyarrow  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            raise OutputError(
                f"{target}: writing Parquet needs pyarrow: pip install 'simsvc[parquet]'"
            ) from None

        def writer(path: Path) -> None:
            table.to_parquet(path, index=False)
    else:
        raise OutputError(f"{target}: expected a .csv or .parquet file name")
    with atomic_path(target) as path:
        writer(path)
