"""The ``latest`` profile's back-pressure (venue-api.md §3.14): at most ``requests``
API requests per ``per`` seconds of the simulator's clock; more are refused with
429 and ``Retry-After`` before they have any effect."""

from __future__ import annotations

import math
from collections import deque

import attrs

__all__ = ["RateLimit", "RateLimiter"]


@attrs.frozen
class RateLimit:
    requests: int
    per: float = 1.0


class RateLimiter:
    """A sliding window over the times of the requests it admitted."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._admitted: deque[float] = deque()

    def admit(self, now: float) -> int | None:
        """None if a request at ``now`` may go ahead (and count it), else the whole
        seconds to wait before retrying (at least 1)."""
        while self._admitted and self._admitted[0] <= now - self._limit.per:
            self._admitted.popleft()
        if len(self._admitted) < self._limit.requests:
            self._admitted.append(now)
            return None
        return max(1, math.ceil(self._admitted[0] + self._limit.per - now))
