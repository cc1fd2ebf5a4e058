"""Where replications run: this machine's processes, or a Dask cluster.

Every runner in simsvc takes a ``concurrent.futures.Executor``. This module opens
one by name, the way the command line asks for it:

- ``local``: no executor here; the runner starts its own process pool
  (``--workers`` processes, one per core by default).
- ``dask``: an existing Dask cluster, reached at its scheduler address
  (``tcp://HOST:PORT``); its workers must have simsvc installed.
- ``dask-local``: a Dask ``LocalCluster`` of ``--workers`` single-threaded processes
  started on this machine for the run and closed after it: the code path of a real
  cluster, for trying it out.

Dask is optional (``pip install 'simsvc[dask]'``) and imported only when asked for.
Results do not depend on the executor: replication ``r`` always draws from the
same seed sequence, wherever it runs (see :mod:`simsvc.experiment`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Executor

EXECUTORS = ("local", "dask", "dask-local")
"""Names accepted by ``--executor``."""

INSTALL_HINT = "pip install 'simsvc[dask]'"


class ExecutorError(Exception):
    """An executor that cannot be opened (Dask missing, scheduler unreachable)."""


@dataclass(frozen=True)
class Workplace:
    """An open executor and how many replications it runs at once.

    ``executor`` is ``None`` for ``local``: runners then use their own process pool.
    """

    name: str
    executor: Executor | None
    slots: int
    description: str


@contextlib.contextmanager
def open_executor(
    name: str = "local", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Workplace]:
    """Open the executor called ``name`` for the duration of a ``with`` block.

    ``workers`` is the number of local processes (``local`` and ``dask-local``);
    ``scheduler`` is the address of an existing cluster (``dask`` only).
    """
    if name not in EXECUTORS:
        raise ExecutorError(f"unknown executor {name!r} (known: {', '.join(EXECUTORS)})")
    if scheduler is not None and name != "dask":
        raise ExecutorError(f"--scheduler is for --executor dask, not {name}")
    from simsvc.runner import default_workers

    if name == "local":
        count = workers or default_workers()
        yield Workplace(name, None, count, f"{count} local process{'es' if count > 1 else ''}")
        return
    from simsvc.dask_cluster import (
        client,
        import_distributed,
        interrupts_outside_finalizers,
        local_cluster,
        quiet_cancellation,
        scheduler_address,
    )

    distributed = import_distributed()
    with contextlib.ExitStack() as stack:
        stack.enter_context(interrupts_outside_finalizers())
        stack.enter_context(quiet_cancellation())
        if name == "dask-local":
            count = workers or default_workers()
            address = stack.enter_context(local_cluster(count))
            description = f"local Dask cluster of {count} processes"
        else:
            address = scheduler_address(scheduler)
            description = f"Dask cluster at {address}"
        dask_client = stack.enter_context(client(distributed, address))
        slots = sum(dask_client.nthreads().values()) or 1
        if name == "dask":
            description += f" ({slots} worker thread{'s' if slots > 1 else ''})"
        executor = dask_client.get_executor(pure=False)
        try:
            yield Workplace(name, executor, slots, description)
        finally:
            executor.shutdown(wait=False)
