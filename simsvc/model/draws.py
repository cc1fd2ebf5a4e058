"""Random draws taken one at a time during a run, sampled in blocks for speed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
