"""The Dask side of :mod:`simsvc.executors`: a client, a local cluster in its own session,
and Ctrl-C handled as the command line expects. Imported only when a Dask executor is asked
for (Dask is optional: ``pip install 'simsvc[dask]'``)."""

from __future__ import annotations

import _thread
import contextlib
import logging
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, InvalidStateError
from types import FrameType
from typing import Any

from simsvc.executors import INSTALL_HINT, ExecutorError


def import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(f"running on Dask needs dask and distributed: {INSTALL_HINT}") from None
    return distributed


def scheduler_address(scheduler: str | None) -> str:
    import dask

    address = scheduler or dask.config.get("scheduler-address", None)
    if not address:
        raise ExecutorError(
            "--executor dask needs the scheduler's address: --scheduler tcp://HOST:PORT"
            " (or set DASK_SCHEDULER_ADDRESS)"
        )
    return str(address)


@contextlib.contextmanager
def client(distributed: Any, address: str) -> Iterator[Any]:
    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    try:
        yield client
    finally:
        client.close()


_CLUSTER = """
import logging, sys
from distributed import LocalCluster

with LocalCluster(
    n_workers=int(sys.argv[1]), threads_per_worker=1, processes=True, host="127.0.0.1",
    dashboard_address=":0", silence_logs=logging.ERROR,
) as cluster:
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()  # until the parent closes it, or ends
"""


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[str]:
    """A LocalCluster in a process of its own session; yields its scheduler's address.

    Ctrl-C reaches every process of the terminal's group. The cluster lives outside
    it, so Ctrl-C is ours alone to handle (cancel, close the cluster, keep what is
    written) instead of each worker printing a traceback. The cluster closes when
    this process closes its standard input, or ends in any way.
    """
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _CLUSTER, str(workers)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            address = process.stdout.readline().strip()
            if not address:
                process.wait()
                log.seek(0)
                lines = log.read().strip().splitlines() or ["no message"]
                raise ExecutorError(f"the local Dask cluster did not start: {lines[-1]}")
            yield address
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def interrupts_outside_finalizers() -> Iterator[None]:
    """Ctrl-C as usual, except that it is never raised inside a finalizer.

    Dask futures release themselves in ``__del__``; a KeyboardInterrupt raised there
    is printed and dropped by Python, and the run would go on. Such a Ctrl-C is
    delivered again a moment later instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        while frame is not None:
            if frame.f_code.co_name == "__del__":
                threading.Timer(0.05, _thread.interrupt_main).start()
                return
            frame = frame.f_back
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _CancellationNoise(logging.Filter):
    """Drops what Dask logs when we cancel our own tasks (Ctrl-C): it is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, CancelledError | InvalidStateError):
            return False
        return not record.getMessage().startswith("Couldn't gather")


@contextlib.contextmanager
def quiet_cancellation() -> Iterator[None]:
    noise = _CancellationNoise()
    loggers = [
        logging.getLogger(name)
        for name in ("tornado.application", "distributed.scheduler", "distributed.client")
    ]
    for logger in loggers:
        logger.addFilter(noise)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(noise)
