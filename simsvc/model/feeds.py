"""Feeds: things that fall due at given instants on the simulation clock (hours).

Fault reports and inspections enter the simulation as they fall due, like letters
dropped through the door at the times stamped on them: :class:`Feed` delivers each
item at its time with one timeout at a time, and :func:`call_at` runs an action at an
instant exactly (a shift's start, when jobs wait for it). :class:`Later` is the timeout
every step of the engine is moved on by.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy
from simpy.events import NORMAL


class Later(simpy.Timeout):
    """A timeout of ``delay`` hours that calls ``callback(event)`` when it falls due.

    The same event as ``env.timeout(delay).callbacks.append(callback)``, scheduled the
    same way (so at the same place among events of the same instant), built in one step:
    the engine creates one per state of an incident, and this is a quarter less work
    than the bound ``env.timeout`` and the append.
    """

    def __init__(
        self, env: simpy.Environment, delay: float, callback: Callable[[simpy.Event], None]
    ) -> None:
        # Timeout.__init__ inlined, as SimPy itself inlines Event.__init__ there
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._delay = delay
        self._ok = True
        env.schedule(self, NORMAL, delay)


class Feed:
    """Calls ``deliver(k)`` at ``times[k]`` (hours, in order), by a chain of timeouts.

    The instants are those of a process that sleeps from one item to the next
    (``yield env.timeout(times[k] - env.now)``), to the last bit, but without a
    process: a timeout's callback costs less than resuming a generator. Only the
    pending timeout refers to the feed, so dropping the pending events frees it.
    """

    def __init__(
        self, env: simpy.Environment, times: list[float], deliver: Callable[[int], None]
    ) -> None:
        self._env, self._times, self._deliver = env, times, deliver
        self._next = 0
        self._due(None)

    def _due(self, woken: simpy.Event | None) -> None:
        times, deliver = self._times, self._deliver
        k, now = self._next, self._env.now
        if woken is not None:  # the timeout of item k
            deliver(k)
            k += 1
        while k < len(times) and not times[k] > now:
            deliver(k)
            k += 1
        self._next = k
        if k < len(times):
            Later(self._env, times[k] - now, self._due)


def call_at(env: simpy.Environment, when: float, action: Callable[[], None]) -> None:
    """Run ``action`` at instant ``when`` (hours, not before now) exactly, not one
    rounding off: SimPy schedules at ``now + delay``, so the delay is nudged until that
    sum is ``when``."""
    now = env.now
    delay = when - now
    while now + delay < when:
        delay = math.nextafter(delay, math.inf)
    while now + delay > when:
        delay = math.nextafter(delay, -math.inf)
    Later(env, delay, lambda _: action())
