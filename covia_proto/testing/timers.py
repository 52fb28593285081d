"""Timers on the simulator's given clock: work that is due at a clock time runs when the
carrier calls ``advance()`` (or when the next request arrives), never by sleeping."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

import attrs

__all__ = ["Timer", "Timers"]


@attrs.define(eq=False)
class Timer:
    when: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()  # ties run in the order they were scheduled

    def schedule(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(when, callback)
        heapq.heappush(self._heap, (when, next(self._order), timer))
        return timer

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)

    def next_wake(self) -> float | None:
        self._drop_cancelled()
        return self._heap[0][0] if self._heap else None

    def run_due(self, now: float) -> int:
        """Run every timer due at ``now``, including ones scheduled by those that run;
        returns how many ran."""
        ran = 0
        while True:
            self._drop_cancelled()
            if not self._heap or self._heap[0][0] > now:
                return ran
            _, _, timer = heapq.heappop(self._heap)
            timer.cancelled = True  # a timer fires once
            timer.callback()
            ran += 1
