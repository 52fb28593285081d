"""The trio driver's keep-alive pool: open connections counted against a limit, idle
ones kept per origin.

No task runs in the background: a connection is opened by the task that needs it,
checked for life when it is taken from the idle list (a socket that has become
readable while idle means the venue closed it, or sent something unasked), and
closed by whoever gives up on it. Idle connections older than ``max_idle`` seconds are
not reused, because servers close idle connections on their own clock (Jetty, which
the venue runs on, after 30 s) and a request written just as that happens is lost.

Every count changes synchronously, before any ``await``, so a cancellation can never
leave the books wrong: ``open_connections`` is exactly the number of streams not yet
closed (idle, in use, or being opened).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

import trio

from covia_proto.errors import CoviaUsageError, RequestInfo
from covia_proto.h11conn import DEFAULT_MAX_HEAD_SIZE
from covia_trio.connection import Connection, Origin

__all__ = ["ConnectionPool"]


class ConnectionPool:
    """At most ``max_connections`` open connections; ``opener(origin, request_info)``
    opens a stream (its errors name the request that needed it). Each connection
    buffers at most ``max_head_size`` bytes of an incomplete response head."""

    def __init__(
        self,
        opener: Callable[[Origin, RequestInfo], Awaitable[trio.abc.Stream]],
        *,
        max_connections: int,
        max_idle: float,
        max_head_size: int = DEFAULT_MAX_HEAD_SIZE,
    ) -> None:
        self._opener = opener
        self.max_head_size = max_head_size
        self.max_connections = max_connections
        self.max_idle = max_idle
        self._idle: dict[Origin, list[Connection]] = {}
        self._live: set[Connection] = set()  # open, idle or in use
        self._opening = 0  # slots taken by connections being opened
        # Tasks waiting for a slot, in arrival order: a freed slot wakes exactly one of
        # them (waking them all would make a burst of n requests cost O(n²) checkouts).
        self._waiters: deque[trio.Event] = deque()
        self._closed = False
        self.connections_opened = 0  # over the pool's life, for tests and statistics

    # -- bookkeeping, for tests and monitoring -----------------------------------------

    @property
    def open_connections(self) -> int:
        """Connections open now (idle, in use, or being opened)."""
        return len(self._live) + self._opening

    @property
    def idle_connections(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    @property
    def closed(self) -> bool:
        return self._closed

    # -- taking and giving back -----------------------------------------------------------

    async def checkout(
        self, origin: Origin, info: RequestInfo, *, fresh: bool = False
    ) -> Connection:
        """A connection to ``origin``: an idle one that still looks alive (unless
        ``fresh``), else a new one, waiting for a free slot if the limit is reached."""
        while True:
            self._check_open()
            if not fresh:
                connection, dead = self._take_idle(origin)
                self._pulse(len(dead))
                for gone in dead:
                    await gone.aclose()
                if connection is not None:
                    return connection
            if self.open_connections < self.max_connections:
                return await self._open(origin, info)
            victim = self._oldest_idle()
            if victim is not None:
                # Another origin's idle connection gives way to a request waiting now.
                await self.discard(victim)
                continue
            await self._wait_for_slot()

    async def release(self, connection: Connection) -> None:
        """Give back a connection whose exchange is complete: kept for the next request
        if it can carry one, closed otherwise."""
        if connection.closed:
            return
        if self._closed or not connection.http.start_next_cycle():
            await self.discard(connection)
            return
        connection.cycles += 1
        connection.idle_since = trio.current_time()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._pulse()

    async def discard(self, connection: Connection) -> None:
        """Close ``connection`` (idempotent): its exchange failed, was abandoned, or the
        connection cannot be reused."""
        if connection.closed:
            return
        connection.closed = True
        self._live.discard(connection)
        idle = self._idle.get(connection.origin)
        if idle is not None and connection in idle:
            idle.remove(connection)
        self._pulse()
        await connection.aclose()

    async def aclose(self) -> None:
        """Close every connection, in use or idle; the pool takes no more requests.
        An exchange still running on a closed connection fails."""
        self._closed = True
        self._pulse()
        for connection in list(self._live):
            await self.discard(connection)
        self._idle.clear()

    # -- internals ------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise CoviaUsageError("this trio driver is closed")

    def _pulse(self, slots: int = 1) -> None:
        """``slots`` may have come free: wake that many waiting tasks (all of them once
        the pool is closed, so they can fail)."""
        while self._waiters and (slots > 0 or self._closed):
            event = self._waiters.popleft()
            if not event.is_set():
                event.set()
                slots -= 1

    async def _wait_for_slot(self) -> None:
        event = trio.Event()
        self._waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            if event.is_set():
                self._pulse()  # woken, then cancelled: the turn passes on
            else:
                self._waiters.remove(event)
            raise

    def _take_idle(self, origin: Origin) -> tuple[Connection | None, list[Connection]]:
        idle = self._idle.get(origin)
        dead: list[Connection] = []
        if not idle:
            return None, dead
        now = trio.current_time()
        while idle:
            connection = idle.pop()  # the most recently used: the likeliest alive
            if now - connection.idle_since > self.max_idle or connection.peer_gone():
                # Off the books now, closed by checkout().
                connection.closed = True
                self._live.discard(connection)
                dead.append(connection)
                continue
            return connection, dead
        return None, dead

    def _oldest_idle(self) -> Connection | None:
        candidates = [idle[0] for idle in self._idle.values() if idle]
        return min(candidates, key=lambda c: c.idle_since, default=None)

    async def _open(self, origin: Origin, info: RequestInfo) -> Connection:
        self._opening += 1
        try:
            stream = await self._opener(origin, info)
        finally:
            self._opening -= 1
            self._pulse()
        connection = Connection(stream, origin, max_head_size=self.max_head_size)
        self.connections_opened += 1
        if self._closed:  # closed while this one was being opened
            connection.closed = True
            await connection.aclose()
            self._check_open()
        self._live.add(connection)
        return connection
