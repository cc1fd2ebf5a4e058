"""Random draws: an incident's own quantities, drawn up front, and draws taken during a run.

An incident's own randomness (desk handle time, remote fix, on-site work, which
part it needs, its travel factors) is drawn up front, one value per incident,
each quantity from its own named random stream. An incident therefore behaves
the same whatever the resources: only waiting changes between plans.

Draws whose number depends on how the run unfolds (resupply lead times, trips
back to base, inspection trips) are taken one at a time from a :class:`DrawBuffer`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simsvc.model.faults import FaultStream
from simsvc.scenario.schema import Scenario

NO_PART = -1
"""The part index of an incident that needs no part (and of equipment without a spare unit)."""


@dataclass(frozen=True)
class IncidentDraws:
    """Per-incident random quantities (hours, flags, part indices).

    ``attempt``: a remote attempt is made; ``remote``: it fixes the fault (a subset of
    ``attempt``: both compare one uniform draw with the two shares); ``remote_time``: hours
    of the attempt, whether it succeeds or not. ``escalated``: the visit cannot fix it and it
    goes to the manufacturer, who fixes it ``vendor`` hours after the diagnosis.
    ``diagnosis``: hours on site at a first visit that lacks the part (0 without
    ``diagnosis_time``).
    """

    handle: np.ndarray
    attempt: np.ndarray
    remote: np.ndarray
    remote_time: np.ndarray
    onsite: np.ndarray
    part: np.ndarray
    travel_first: np.ndarray
    travel_second: np.ndarray
    escalated: np.ndarray
    vendor: np.ndarray
    diagnosis: np.ndarray


def draw_incidents(
    scenario: Scenario,
    faults: FaultStream,
    streams: dict[str, np.random.Generator],
    trip_factors: np.ndarray,
) -> IncidentDraws:
    """Draw every incident's own random quantities from the named streams."""
    n = len(faults)
    severity = faults.severity
    handle = np.zeros(n)
    if scenario.desk is not None:
        handle = scenario.desk.handle_time.sample(streams["desk"], n)
    remote_u = streams["remote"].uniform(size=n)
    remote_time = np.zeros(n)
    onsite = np.zeros(n)
    need_u = streams["parts"].uniform(size=n)
    part = np.full(n, NO_PART, np.int32)
    part_index = {p.id: k for k, p in enumerate(scenario.part)}
    remote_share = np.zeros(n)
    attempt_share = np.zeros(n)
    part_share = np.zeros(n)
    for j, sev in enumerate(scenario.severity):
        mine = severity == j
        count = int(mine.sum())
        remote_share[mine] = sev.remote_fix
        attempt_share[mine] = sev.attempt_share
        part_share[mine] = sev.part_need
        remote_time[mine] = sev.remote_time.sample(streams["remote"], count)
        onsite[mine] = sev.onsite_time.sample(streams["repair"], count)
    escalated = np.zeros(n, bool)
    vendor = np.zeros(n)
    if any(sev.escalate > 0 for sev in scenario.severity):
        rng = streams["escalation"]
        escalate_u = rng.uniform(size=n)
        for j, sev in enumerate(scenario.severity):
            mine = severity == j
            escalated[mine] = escalate_u[mine] < sev.escalate
            vendor[mine] = sev.vendor_time.sample(rng, int(mine.sum()))
    diagnosis = np.zeros(n)
    if any(sev.diagnosis_time is not None for sev in scenario.severity):
        rng = streams["diagnosis"]
        for j, sev in enumerate(scenario.severity):
            if sev.diagnosis_time is not None:
                mine = severity == j
                diagnosis[mine] = sev.diagnosis_time.sample(rng, int(mine.sum()))
    needs = need_u < part_share
    if scenario.depot:
        for k, equipment in enumerate(scenario.equipment):
            chosen = np.flatnonzero(needs & (faults.equipment == k))
            if not equipment.parts or len(chosen) == 0:
                continue
            ids = list(equipment.parts)
            weights = np.asarray([equipment.parts[p] for p in ids], float)
            codes = np.asarray([part_index[p] for p in ids], np.int32)
            pick = streams["parts"].choice(len(ids), size=len(chosen), p=weights / weights.sum())
            part[chosen] = codes[pick]
    return IncidentDraws(
        handle=handle,
        attempt=remote_u < attempt_share,
        remote=remote_u < remote_share,
        remote_time=remote_time,
        onsite=onsite,
        part=part,
        travel_first=trip_factors[:n],
        travel_second=trip_factors[n:],
        escalated=escalated,
        vendor=vendor,
        diagnosis=diagnosis,
    )


class DrawBuffer:
    """Hands out draws of a sampler ``(rng, size) -> array``, one by one, from its generator.

    Sampling a block at once is much faster than one numpy call per draw, and the
    sequence of values is the same as drawing them one by one in blocks.
    """

    BLOCK = 512

    def __init__(
        self,
        sampler: Callable[[np.random.Generator, int], np.ndarray],
        rng: np.random.Generator,
    ) -> None:
        self._sample = sampler
        self._rng = rng
        self._values: list[float] = []
        self._next = 0

    def next(self) -> float:
        """The next draw (hours)."""
        if self._next >= len(self._values):
            self._values = self._sample(self._rng, self.BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value


def uniform(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` uniform draws on [0, 1) (a sampler for :class:`DrawBuffer`)."""
    return rng.uniform(size=size)


def draw_buffers(
    samplers: Sequence[Callable[[np.random.Generator, int], np.ndarray] | None],
    generators: Sequence[np.random.Generator | None],
    what: str,
) -> list[DrawBuffer | None]:
    """One :class:`DrawBuffer` per depot that draws (``None`` where its sampler is)."""
    streams = list(generators) or [None] * len(samplers)
    buffers: list[DrawBuffer | None] = []
    for depot, (sampler, rng) in enumerate(zip(samplers, streams, strict=True)):
        if sampler is None:
            buffers.append(None)
        elif rng is None:
            raise ValueError(f"depot {depot} draws from a {what} stream but has none")
        else:
            buffers.append(DrawBuffer(sampler, rng))
    return buffers
