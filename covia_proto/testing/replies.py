"""What the simulated venue answers a request with.

The simulator is sans-IO, so an answer is a value that says what a real server would
put on the wire. ``Response`` (from ``covia_proto.http``) is the common case; the types
here cover answers that unfold over time or break the connection. Whoever carries the
simulator (the loopback HTTP server, an in-memory transport) interprets them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeAlias

import attrs

from covia_proto.http import Response, ResponseHead

__all__ = [
    "WAIT",
    "BodySource",
    "Deferred",
    "Delayed",
    "Reply",
    "Reset",
    "Stall",
    "Streamed",
    "Truncated",
]


class _Wait:
    """Returned by ``BodySource.next_chunk`` when no data is ready yet."""

    def __repr__(self) -> str:
        return "WAIT"


WAIT = _Wait()


class BodySource(Protocol):
    """A response body produced piece by piece (SSE events, large content).

    ``next_chunk()`` returns the next bytes, ``WAIT`` when nothing is ready yet (the
    carrier waits for the simulator to change or for ``wake_at``), or ``b""`` at the end.
    ``close()`` releases what the source holds; it is called however the reply ends.
    """

    def next_chunk(self) -> bytes | _Wait: ...

    def close(self) -> None: ...


@attrs.frozen
class Streamed:
    """A response whose body is read from ``body`` chunk by chunk."""

    head: ResponseHead
    body: BodySource


@attrs.frozen
class Deferred:
    """An answer that is not ready yet (invoke with server-side ``wait``).

    The carrier calls ``poll()`` again whenever the simulator changes state and at
    ``wake_at`` (clock seconds) if given; the first non-None result is the answer.
    """

    poll: Callable[[], Reply | None]
    wake_at: float | None = None


@attrs.frozen
class Delayed:
    """Fault: answer ``reply`` only after ``seconds`` of added latency."""

    seconds: float
    reply: Reply


@attrs.frozen
class Reset:
    """Fault: the connection is reset, before or after the request was read (so the
    request did or did not take effect)."""

    after_request: bool


@attrs.frozen
class Truncated:
    """Fault: the response head promises the whole body, then the connection closes
    after ``keep`` bytes of it."""

    response: Response
    keep: int


@attrs.frozen
class Stall:
    """Fault: the server reads the request and never answers."""


Reply: TypeAlias = Response | Streamed | Deferred | Delayed | Reset | Truncated | Stall
