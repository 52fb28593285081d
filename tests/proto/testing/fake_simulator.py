"""A stand-in simulator for the server tests: routes are plain functions of the test's
choosing, so every reply type can be put on the wire on purpose."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import IO
from urllib.parse import urlsplit

from covia_proto.http import Request, Response
from covia_proto.testing.replies import WAIT, Reply, _Wait
from covia_proto.testing.server import venue_clock

Route = Callable[[Request, "IO[bytes] | None"], Reply]


class FakeSimulator:
    """Answers by path from ``routes``; timers (on ``venue_clock``) and listeners as
    ``VenueSimulator`` has."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.handler_threads: set[int] = set()
        self.listeners: list[Callable[[], None]] = []
        self._timers: list[tuple[float, Callable[[], None]]] = []

    def handle(self, request: Request, body: IO[bytes] | None = None) -> Reply:
        self.requests.append(request)
        self.handler_threads.add(threading.get_ident())
        route = self.routes.get(urlsplit(request.url).path)
        if route is None:
            return Response(404, (("Content-Type", "application/json"),), b'{"error":"none"}')
        return route(request, body)

    def advance(self) -> None:
        now = venue_clock()
        due = [timer for timer in self._timers if timer[0] <= now]
        self._timers = [timer for timer in self._timers if timer[0] > now]
        for _, action in due:
            action()

    def next_wake(self) -> float | None:
        return min((when for when, _ in self._timers), default=None)

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    # -- for tests ---------------------------------------------------------------------

    def at(self, when: float, action: Callable[[], None]) -> None:
        self._timers.append((when, action))

    def changed(self) -> None:
        for callback in list(self.listeners):
            callback()


class QueueSource:
    """A ``BodySource`` fed by the test: WAIT while empty, end once finished."""

    def __init__(self, simulator: FakeSimulator, *chunks: bytes) -> None:
        self._simulator = simulator
        self.chunks = deque(chunks)
        self.finished = False
        self.closed = False

    def next_chunk(self) -> bytes | _Wait:
        if self.chunks:
            return self.chunks.popleft()
        return b"" if self.finished else WAIT

    def close(self) -> None:
        self.closed = True

    def push(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self._simulator.changed()

    def finish(self) -> None:
        self.finished = True
        self._simulator.changed()
