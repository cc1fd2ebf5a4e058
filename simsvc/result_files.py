"""Writing results to files atomically: a temporary file in the same folder, then rename.

A run that is interrupted leaves either the previous file or the new one, never
half of one. Only a regular file (or a name not yet taken) is replaced that way: a
character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is written to
directly, and any other kind of file (a folder, a socket, a block device) is refused.

:func:`check_writable` tells, before a long run, whether its output can be written.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class OutputError(Exception):
    """An output file that cannot be written (the message says why)."""


_REFUSED_KINDS = (
    (stat.S_ISDIR, "is a folder; give a file name"),
    (stat.S_ISSOCK, "is a socket; give a regular file name"),
    (stat.S_ISBLK, "is a block device; give a regular file name"),
)


def _is_stream(target: Path) -> bool:
    """Whether ``target`` is written to in place: a character device or a FIFO.

    Raises :class:`OutputError` for a kind of file that is never written to (a folder, a
    socket, a block device); ``False`` for a regular file or a name not yet taken.
    """
    try:
        mode = target.stat().st_mode  # through a symbolic link: what it points at
    except FileNotFoundError:
        return False
    except OSError as error:
        raise OutputError(f"{target}: cannot use it: {error.strerror or error}") from None
    for test, message in _REFUSED_KINDS:
        if test(mode):
            raise OutputError(f"{target}: {message}")
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _check_name(target: Path) -> None:
    size = len(os.fsencode(target.name))
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if size > limit:
        raise OutputError(
            f"{target}: the file name is {size} bytes long; the file system allows at most"
            f" {limit}: give a shorter name"
        )


def check_target(target: str | Path) -> None:
    """Raise :class:`OutputError` unless ``target`` can be a file in an existing folder."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    _check_name(target)
    _is_stream(target)


def _temporary_file(target: Path) -> Path:
    """A new empty file beside ``target``, with a name the file system accepts."""
    # A temporary name longer than the target's could exceed the 255 bytes a name may have.
    stem = os.fsencode(target.name)[:100].decode(errors="ignore")
    handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    return Path(temporary)


def check_writable(target: str | Path) -> None:
    """Raise :class:`OutputError` unless a file can be written at ``target`` now.

    Meant to be called before a long run, so that its results are not lost to a folder
    that does not exist or is read-only (or ``/proc``), a file name too long for the file
    system, or a target that is a folder: it creates and removes a temporary file in the
    target's folder. A character device or a FIFO only needs write permission.
    """
    target = Path(target)
    check_target(target)
    if _is_stream(target):
        if not os.access(target, os.W_OK):
            raise OutputError(f"{target}: cannot write to it: permission denied")
        return
    folder = target.parent
    try:
        path = _temporary_file(target)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"{target}: cannot create a file in {folder}: {reason}") from None
    path.unlink(missing_ok=True)


@contextlib.contextmanager
def _written_in_place(target: Path) -> Iterator[Path]:
    try:
        yield target
    except OSError as error:
        raise OutputError(f"{target}: cannot write to it: {error.strerror or error}") from None


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it onto ``target`` on success.

    A character device or a FIFO is never replaced: the path yielded is ``target`` itself,
    written to in place. A folder, a socket or a block device raises :class:`OutputError`.
    """
    target = Path(target)
    check_target(target)
    folder = target.parent
    if _is_stream(target):
        with _written_in_place(target) as path:
            yield path
        return
    try:
        path = _temporary_file(target)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"{target}: cannot create a file in {folder}: {reason}") from None
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
