"""Agents who take incidents in turn: the service desk and the remote tier.

Like a call centre, each is a pool of ``agents`` working a shift. An incident waits
for a free agent, first come first served within severity priority; the moment an
agent takes it is stamped (the desk's *response*, the remote tier's *login*). The agent
works on it for the incident's hours, then hands it on; the hand-over may keep the
agent busy a while longer (the desk agent who does the remote attempt himself, when
there is no remote tier).

Off shift, agents finish the incident in hand and take no new one.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
import simpy

from simsvc.model.feeds import Later


class AgentPool:
    """A pool of agents serving incidents in priority order, on or off shift (hours)."""

    def __init__(
        self,
        env: simpy.Environment,
        agents: int,
        hours: np.ndarray,
        report_time: np.ndarray,
        on_taken: Callable[[int], None],
        on_done: Callable[[int], float],
        window: tuple[float, float],
    ) -> None:
        """``hours[i]`` is the work on incident ``i`` (hours); ``report_time[i]`` orders
        incidents of one priority. ``on_taken(i)`` runs when an agent takes ``i``;
        ``on_done(i)`` when the work ends, and returns the hours the agent stays busy on
        ``i`` after it (0 to be free at once). ``window`` is the horizon after warm-up,
        over which busy hours are counted."""
        self.env = env
        self.agents = agents
        self.free = agents
        self.on_shift = True
        self._hours = hours
        self._report_time = report_time
        self._on_taken = on_taken
        self._on_done = on_done
        self._queue: list[tuple[int, float, int]] = []
        self._window = window
        self.busy_hours = 0.0
        """Agent-hours busy within the window."""

    def report(self, incident: int, priority: int) -> None:
        """An incident reaches the pool."""
        if self.free > 0 and self.on_shift:
            self._take(incident)
        else:
            heapq.heappush(self._queue, (priority, float(self._report_time[incident]), incident))

    def set_on_shift(self, on: bool) -> None:
        """Start or end the agents' shift; agents finish the incident in hand."""
        self.on_shift = on
        if on:
            self._serve()

    def _busy(self, hours: float) -> None:
        now = self.env.now
        start, end = self._window
        # max(0.0, min(now + hours, end) - max(now, start)), with fewer calls
        until = now + hours
        spell = (until if until < end else end) - (now if now > start else start)
        self.busy_hours += spell if spell > 0.0 else 0.0

    def _take(self, incident: int) -> None:
        self.free -= 1
        self._on_taken(incident)
        hours = float(self._hours[incident])
        self._busy(hours)
        Later(self.env, hours, lambda _: self._done(incident))

    def _done(self, incident: int) -> None:
        more = self._on_done(incident)
        if more > 0:
            self._busy(more)
            Later(self.env, more, lambda _: self._free())
        else:
            self._free()

    def _free(self) -> None:
        self.free += 1
        self._serve()

    def _serve(self) -> None:
        while self.free > 0 and self.on_shift and self._queue:
            self._take(heapq.heappop(self._queue)[2])
