"""What an incident brings with it, and the stamps of its life.

An incident's own randomness (desk handle time, remote fix, on-site work, which
part it needs, its travel factors) is drawn up front, one value per incident,
each quantity from its own named random stream. An incident therefore behaves
the same whatever the resources: only waiting changes between plans.

Its life is stamped in :class:`IncidentLog`, one array per stamp (hours, NaN
until the event happens), the single source of every result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simsvc.model.faults import FaultStream
from simsvc.scenario.schema import Scenario

NO_PART = -1


@dataclass(frozen=True)
class IncidentDraws:
    """Per-incident random quantities (hours, shares, part indices)."""

    handle: np.ndarray
    remote: np.ndarray
    remote_time: np.ndarray
    onsite: np.ndarray
    part: np.ndarray
    travel_first: np.ndarray
    travel_second: np.ndarray


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
    part_share = np.zeros(n)
    for j, sev in enumerate(scenario.severity):
        mine = severity == j
        count = int(mine.sum())
        remote_share[mine] = sev.remote_fix
        part_share[mine] = sev.part_need
        remote_time[mine] = sev.remote_time.sample(streams["remote"], count)
        onsite[mine] = sev.onsite_time.sample(streams["repair"], count)
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
        remote=remote_u < remote_share,
        remote_time=remote_time,
        onsite=onsite,
        part=part,
        travel_first=trip_factors[:n],
        travel_second=trip_factors[n:],
    )


class IncidentLog:
    """The stamps of every incident, one array per column (hours since t = 0)."""

    FLOAT_COLUMNS = ("response", "dispatch", "arrival", "part_wait", "resolution")
    INT_COLUMNS = ("engineer", "base", "depot", "part")

    def __init__(self, faults: FaultStream, window: tuple[float, float]) -> None:
        n = len(faults)
        self.report = faults.time
        self.counted = (faults.time >= window[0]) & (faults.time < window[1])
        self.response = np.full(n, np.nan)
        self.dispatch = np.full(n, np.nan)
        self.arrival = np.full(n, np.nan)
        self.part_wait = np.full(n, np.nan)
        self.resolution = np.full(n, np.nan)
        self.engineer = np.full(n, -1, np.int32)
        self.base = np.full(n, -1, np.int32)
        self.depot = np.full(n, -1, np.int32)
        self.part = np.full(n, -1, np.int32)
        self.swap = np.zeros(n, bool)
        self.remote = np.zeros(n, bool)
        self.part_ready = np.zeros(n, bool)

    def columns(self) -> dict[str, np.ndarray]:
        """Every stamp column by name."""
        names = (*self.FLOAT_COLUMNS, *self.INT_COLUMNS, "swap", "remote", "counted")
        return {name: getattr(self, name) for name in names}
