"""The service desk: agents who answer fault reports.

Like a call centre, the desk is a pool of ``agents`` working a shift. A report
waits for a free agent, first come first served within severity priority; the
moment an agent takes it is the *response*. The agent handles it for the
incident's handle time (hours) and hands it on, to a remote fix or to dispatch.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
import simpy

from simsvc.model.incident import IncidentLog


class ServiceDesk:
    """A pool of agents serving reports in priority order, on or off shift."""

    def __init__(
        self,
        env: simpy.Environment,
        agents: int,
        handle_hours: np.ndarray,
        log: IncidentLog,
        on_handled: Callable[[int], None],
        window: tuple[float, float],
    ) -> None:
        self.env = env
        self.agents = agents
        self.free = agents
        self.on_shift = True
        self._handle = handle_hours
        self._log = log
        self._on_handled = on_handled
        self._queue: list[tuple[int, float, int]] = []
        self._window = window
        self.busy_hours = 0.0

    def report(self, incident: int, priority: int) -> None:
        """A fault report reaches the desk."""
        if self.free > 0 and self.on_shift:
            self._answer(incident)
        else:
            heapq.heappush(self._queue, (priority, self._log.report[incident], incident))

    def set_on_shift(self, on: bool) -> None:
        """Start or end the agents' shift; agents finish the report in hand."""
        self.on_shift = on
        if on:
            self._serve()

    def _answer(self, incident: int) -> None:
        self.free -= 1
        now = self.env.now
        self._log.response[incident] = now
        handle = float(self._handle[incident])
        start, end = self._window
        self.busy_hours += max(0.0, min(now + handle, end) - max(now, start))
        self.env.timeout(handle).callbacks.append(lambda _: self._handled(incident))

    def _handled(self, incident: int) -> None:
        self.free += 1
        self._on_handled(incident)
        self._serve()

    def _serve(self) -> None:
        while self.free > 0 and self.on_shift and self._queue:
            self._answer(heapq.heappop(self._queue)[2])
