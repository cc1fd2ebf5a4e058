"""Writing results to files atomically: a temporary file in the same folder, then rename.

A run that is interrupted leaves either the previous file or the new one, never
half of one. Only a regular file (or a name not yet taken) is replaced that way: a
character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is written to
directly, and any other kind of file (a folder, a socket, a block device) is refused.

A folder of outputs that belong together (a report) is written the same way as one
set: :func:`atomic_folder` fills a new folder beside the target and swaps it in whole.
:func:`output_lock` keeps a second writer off an output that is being extended.

:func:`check_writable` tells, before a long run, whether its output can be written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
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


def companion_path(target: str | Path, kind: str) -> Path:
    """The hidden file ``.<name>.<kind>`` beside ``target`` (a lock, a journal).

    A name too long for that is cut and completed with a digest of the whole name, so
    that every target has its own companion.
    """
    target = Path(target)
    name = os.fsencode(target.name)
    if len(name) + len(kind) + 2 > 255:
        digest = hashlib.sha256(name).hexdigest()[:16]
        return target.parent / f".{name[:100].decode(errors='ignore')}-{digest}.{kind}"
    return target.parent / f".{target.name}.{kind}"


def remove_temporary_files(target: str | Path) -> list[Path]:
    """Remove the temporary files of writes of ``target`` that were killed; return them.

    Only while no other process writes ``target`` (hold :func:`output_lock`): the
    temporary file of a write in progress would go too. A name over 100 bytes shares
    its temporary files' prefix with other names, so those are left alone.
    """
    target = Path(target)
    if len(os.fsencode(target.name)) > 100:
        return []
    mine = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")  # as mkstemp names
    removed = []
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            if mine.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


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


def _commit(
    target: str | Path, write: Callable[[Path], None], together: contextlib.ExitStack | None
) -> None:
    """Write through ``write`` into a temporary file put in place atomically: at once, or,
    with ``together``, when that stack closes, beside the other files of the same set."""
    if together is None:
        with atomic_path(target) as path:
            write(path)
        return
    write(together.enter_context(atomic_path(target)))


def write_text(
    target: str | Path, text: str, *, together: contextlib.ExitStack | None = None
) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically (see :func:`one_set`)."""

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    _commit(target, write, together)


def write_bytes(
    target: str | Path, data: bytes, *, together: contextlib.ExitStack | None = None
) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`one_set`): a workbook, a document."""

    def write(path: Path) -> None:
        path.write_bytes(data)

    _commit(target, write, together)


def write_json(
    target: str | Path, data: Any, *, together: contextlib.ExitStack | None = None
) -> None:
    """Write ``data`` as indented JSON to ``target`` atomically (see :func:`one_set`)."""
    write_text(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n", together=together)


@contextlib.contextmanager
def one_set() -> Iterator[contextlib.ExitStack]:
    """Write several files as one set: each is written to a temporary file, and all are put
    in place together when the block ends without an error (if it fails, none is).

    ``with one_set() as together: write_json(a, ..., together=together); write_table(b, ...,
    together=together)``: a reader never finds a new ``a`` beside an old ``b`` from an
    interrupted run, except in the instant between two renames.
    """
    with contextlib.ExitStack() as together:
        yield together


def write_table(
    target: str | Path, table: pd.DataFrame, *, together: contextlib.ExitStack | None = None
) -> None:
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
    _commit(target, writer, together)


def sync_path(path: str | Path) -> None:
    """``fsync`` a file or a folder (a folder: so that the names in it survive a crash)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _foreign_entry(folder: Path, owned: Callable[[str], bool]) -> str | None:
    """The first entry of ``folder`` that is not a file ``owned`` says was written there."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False) or not owned(entry.name):
                return entry.name
    return None


def _holds_current_folder(target: Path) -> bool:
    try:
        here = Path.cwd()
    except OSError:  # the current folder was removed: no target holds it
        return False
    resolved = target.resolve()
    return resolved == here or resolved in here.parents


def _check_replaceable(target: Path, owned: Callable[[str], bool]) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    try:
        foreign = _foreign_entry(target, owned)
    except OSError as error:
        raise OutputError(f"{target}: cannot read it: {error.strerror or error}") from None
    if foreign is not None:
        raise OutputError(
            f"{target}: holds {foreign!r}, which is not an output of this command; the folder"
            " is replaced as a whole, so move that away or give another folder"
        )


@contextlib.contextmanager
def atomic_folder(target: str | Path, owned: Callable[[str], bool]) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it takes ``target``'s place.

    Write every output of a command into the folder yielded: on success the files are
    synced, an existing ``target`` is renamed aside, the new folder renamed in and the
    old one removed, so a reader sees the old set or the new one, never a mix. On an
    error (or an interrupt) the new folder is removed and ``target`` is left as it was.

    An existing ``target`` must be a folder holding only files for which ``owned(name)``
    is true (an earlier output of the same command): anything else raises
    :class:`OutputError` rather than be deleted. That is checked when the ``with`` block
    is entered, before the work, and again before the swap.
    """
    target = Path(target)
    if target.is_symlink() or target.name in ("", ".", ".."):
        target = target.resolve()  # replace the folder linked to, and keep the link
    if target.exists() and _holds_current_folder(target):
        raise OutputError(f"{target}: is the current folder or holds it; give a new folder")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    _check_name(target)
    _check_replaceable(target, owned)
    stem = os.fsencode(target.name)[:100].decode(errors="ignore")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=".new", dir=folder))
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"{target}: cannot create a folder in {folder}: {reason}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
        yield staging
        for path in staging.iterdir():
            if path.is_file():
                sync_path(path)
        sync_path(staging)
        _check_replaceable(target, owned)  # a file may have been put there meanwhile
        _swap_in(staging, target, stem)
        sync_path(folder)
    except OSError as error:
        raise OutputError(f"{target}: cannot write it: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path, stem: str) -> None:
    """Rename ``staging`` to ``target``, the folder there first renamed aside and removed."""
    if not target.exists():
        os.rename(staging, target)
        return
    # An empty folder reserves the name; renaming a folder onto an empty one replaces it.
    aside = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=".old", dir=target.parent))
    try:
        os.rename(target, aside)
    except OSError:
        aside.rmdir()
        raise
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def output_lock(target: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``target`` for a ``with`` block, or raise :class:`OutputError`.

    The lock is ``fcntl.flock`` on the companion file ``.<name>.lock`` beside ``target``,
    which holds the locking process's id so that a refusal can say who holds it. It is
    never waited for, and it goes with its holder, also one that was killed.
    """
    target = Path(target)
    path = companion_path(target, "lock")
    handle = _locked(target, path)
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        # Removed while still locked: a process that opened it meanwhile sees, once it
        # has the lock, that the name is no longer that file, and opens it again.
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(handle)


def _locked(target: Path, path: Path) -> int:
    """A descriptor of the lock file ``path``, locked, that the name still refers to."""
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            reason = error.strerror or str(error)
            raise OutputError(f"{target}: cannot create its lock file {path}: {reason}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(handle)
            os.close(handle)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                reason = error.strerror or str(error)
                raise OutputError(f"{target}: cannot lock it: {reason}") from None
            raise OutputError(
                f"{target}: is in use by {holder}, which is writing it; wait for that to"
                f" finish or give another output (the lock is {path})"
            ) from None
        try:
            same = os.fstat(handle).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return handle
        os.close(handle)  # the holder removed it before we had the lock: try again


def _holder(handle: int) -> str:
    try:
        text = os.pread(handle, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        text = ""
    return f"process {text}" if text.isdigit() else "another process"
