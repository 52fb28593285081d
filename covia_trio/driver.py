"""Performing effects with trio: HTTP/1.1 over h11 on trio streams, no protocol logic.

Time: ``timeout`` bounds connecting and each wait for the venue (each read, each
write), like the other drivers; an effect's own ``timeout`` is the time its flow has
left, and caps the whole effect (for ``ReadChunk``, the wait for that chunk). An
exchange runs in one trio cancel scope whose deadline moves as it goes (``Waits``: a
wait that begins within 1 % of ``timeout`` of the last move keeps that deadline, so it
may end up to 1 % early), so a timeout leaves nothing running; it is raised as
``CoviaTimeoutError`` and the connection it interrupted is closed. Waiting for a free
connection (at ``max_connections``) is bounded only by an effect's ``timeout``: under
load a request queues rather than fails.

Re-sending: the flows decide about retries (``covia_proto.flows.send``). The driver
re-sends on its own in one case only, the standard one: an idempotent request whose
reused keep-alive connection failed before a byte of the answer came back (the venue
had closed it as it was taken) is sent once more on a fresh connection. A request
that is not idempotent is never re-sent by the driver: the failure reaches its flow
with ``sent=True``, and the flow does not repeat it either.

Redirects are not followed (as in the other drivers). The SDK asks for no content
coding, but a body a server compresses anyway (gzip, deflate) is decoded by the core's
``h11conn``, a chunk at a time, so this driver returns the same bytes as the others and
the body limit counts decoded bytes.

Sizes: a response head may take at most ``max_header_size`` bytes (h11's
``max_incomplete_event_size``), a ``Send`` body at most ``Send.max_body``; past either
the connection is dropped and ``VenueProtocolError`` names the limit.
"""

from __future__ import annotations

import math
import ssl
from typing import Final

import trio

from covia_proto.drivers import BaseAsyncDriver
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    RequestInfo,
)
from covia_proto.flows.effects import (
    CloseStream,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.h11conn import END_OF_BODY, NEED_DATA
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.limits import DEFAULT_LIMITS
from covia_trio.connection import (
    Connection,
    Origin,
    StreamFactory,
    Waits,
    open_stream,
    origin_of,
)
from covia_trio.pool import ConnectionPool

__all__ = ["DEFAULT_MAX_CONNECTIONS", "DEFAULT_MAX_IDLE", "TrioDriver"]

SCHEDULE_EVERY: Final = 8
"""A read that finds its bytes already arrived yields to trio's scheduler only every
this many times (it is a cancellation point every time): a trip through the scheduler
for every read of a download cost a fifth of its time. Eight reads are at most 4 MiB,
about a millisecond on loopback; a read that waits yields whenever it waits."""

DEFAULT_MAX_IDLE: Final = 15.0
# As many open connections as aiohttp's and httpx's default pools allow.
DEFAULT_MAX_CONNECTIONS: Final = 100
"""Seconds an idle connection is kept for reuse: half of Jetty's idle timeout."""


class _Body:
    """The handle of an open response body (``OpenedStream.handle``)."""

    __slots__ = ("connection", "done", "failure", "quick_reads", "reading", "request")

    def __init__(self, connection: Connection, request: Request) -> None:
        self.connection: Connection | None = connection  # None once given back or closed
        self.request = request
        self.done = False  # the whole body was read
        self.reading = False  # a task is in ReadChunk on it
        self.quick_reads = 0  # reads whose bytes had arrived: see SCHEDULE_EVERY
        # What went wrong after the bytes the last read returned: raised by the next.
        self.failure: CoviaError | None = None


class TrioDriver(BaseAsyncDriver):
    """Performs effects over trio streams with a keep-alive pool.

    * ``stream_factory(host, port, scheme)``, sync or async, returns the
      ``trio.abc.Stream`` to speak HTTP on (a Unix socket, an in-memory stream, a
      proxy tunnel); by default ``trio.open_tcp_stream``. For an https URL the stream is
      wrapped in ``trio.SSLStream`` unless the factory already returned one.
    * ``ssl_context`` verifies the venue's certificate; by default
      ``ssl.create_default_context()`` (verifying, system CAs).
    * ``max_connections`` limits the connections open at once over all venues; a
      request beyond it waits for one to be free.
    * ``timeout`` bounds connecting and each wait for data, in seconds.
    * ``max_idle``: seconds an idle connection stays eligible for reuse.
    * ``max_header_size``: the most bytes of a response head (``Limits.max_header_size``).

    Use it from any task and any nursery: it starts no task of its own. ``aclose()``
    closes every connection, idle or in use.
    """

    def __init__(
        self,
        *,
        stream_factory: StreamFactory | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        timeout: float = 30.0,
        max_idle: float = DEFAULT_MAX_IDLE,
        max_header_size: int = DEFAULT_LIMITS.max_header_size,
    ) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise CoviaUsageError(f"max_connections must be an int, not {max_connections!r}")
        if max_connections < 1:
            raise CoviaUsageError(f"max_connections must be at least 1, not {max_connections}")
        if not _positive(timeout):
            raise CoviaUsageError(f"timeout must be a positive number, not {timeout!r}")
        if not (_positive(max_idle) or max_idle == 0):
            raise CoviaUsageError(f"max_idle must be a number of seconds, not {max_idle!r}")
        if (
            isinstance(max_header_size, bool)
            or not isinstance(max_header_size, int)
            or max_header_size < 1
        ):
            raise CoviaUsageError(
                f"max_header_size must be a positive int, not {max_header_size!r}"
            )
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise CoviaUsageError("ssl_context must be an ssl.SSLContext")
        if stream_factory is not None and not callable(stream_factory):
            raise CoviaUsageError("stream_factory must be callable: (host, port, scheme)")
        self.timeout = float(timeout)
        self._stream_factory = stream_factory
        self._ssl_context = ssl_context
        self.pool = ConnectionPool(
            self._connect,
            max_connections=max_connections,
            max_idle=float(max_idle),
            max_head_size=max_header_size,
        )

    def __repr__(self) -> str:
        pool = self.pool
        return (
            f"<TrioDriver {pool.open_connections}/{pool.max_connections} connections, "
            f"{pool.idle_connections} idle>"
        )

    # -- effects ------------------------------------------------------------------------

    # ``perform`` (``BaseAsyncDriver``) calls one of these by the effect's type.

    async def perform_sleep(self, effect: Sleep) -> None:
        await trio.sleep(max(0.0, effect.seconds))

    async def perform_get_time(self, effect: GetTime) -> float:
        return trio.current_time()

    async def aclose(self) -> None:
        """Close every connection; the driver takes no more requests."""
        await self.pool.aclose()

    # -- Send and OpenStream --------------------------------------------------------

    async def perform_send(self, effect: Send) -> Response:
        request = effect.request
        with self._waits(effect.timeout) as waits:
            connection, head = await self._exchange(request, effect.body_stream, waits)
            try:
                body = await connection.read_body(
                    request.info, waits, max_body=effect.max_body, head=head
                )
            except BaseException:
                await self.pool.discard(connection)
                raise
            await self.pool.release(connection)
            return Response(head.status, head.headers, body)
        raise _timed_out(waits, request.info, effect.timeout)

    async def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        request = effect.request
        with self._waits(effect.timeout) as waits:
            connection, head = await self._exchange(request, None, waits)
            return OpenedStream(head, _Body(connection, request))
        raise _timed_out(waits, request.info, effect.timeout)

    def _waits(self, cap: float | None) -> Waits:
        """The bounds of one exchange: ``timeout`` for each wait, and the effect's own
        ``timeout`` (if any) for the whole of it."""
        if cap is None:
            return Waits(self.timeout)
        return Waits(self.timeout, trio.current_time() + max(0.0, cap))

    async def _exchange(
        self, request: Request, body_stream: object, waits: Waits
    ) -> tuple[Connection, ResponseHead]:
        """Send ``request`` and read the head of its answer; the connection is the
        caller's until it releases or discards it."""
        origin = origin_of(request)
        # A streamed body cannot be read twice, so such a request is never re-sent.
        replayable = request.idempotent and body_stream is None
        fresh = False
        while True:
            connection = await self.pool.checkout(origin, request.info, fresh=fresh)
            try:
                await connection.send_request(request, body_stream, waits)
                head = await connection.read_head(request.info, waits)
            except CoviaConnectionError:
                await self.pool.discard(connection)
                stale = connection.reused and not connection.received
                if stale and replayable and not fresh:
                    fresh = True  # the venue closed it as we took it: once more, anew
                    continue
                raise
            except BaseException:
                await self.pool.discard(connection)
                raise
            return connection, head

    async def _connect(self, origin: Origin, info: RequestInfo) -> trio.abc.Stream:
        try:
            with trio.fail_after(self.timeout):
                return await open_stream(
                    origin,
                    factory=self._stream_factory,
                    ssl_context=self._context,
                    info=info,
                )
        except trio.TooSlowError:
            raise CoviaTimeoutError(
                f"timed out connecting ({self.timeout:g} s)", request=info
            ) from None

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    # -- ReadChunk and CloseStream ----------------------------------------------------

    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        body = _handle(effect.handle)
        if body.done:
            return b""
        connection = body.connection
        if connection is None:
            raise CoviaUsageError("this stream is closed", request=body.request.info)
        info = body.request.info
        if connection.closed:  # by aclose(), from another task
            body.connection = None
            raise CoviaConnectionError("the driver was closed", request=info)
        if body.reading:
            # Refused without touching the connection: the reading task keeps its stream.
            raise CoviaUsageError(
                "another task is reading this stream: read it from one task at a time",
                request=info,
            )
        if body.failure is not None:
            failure, body.failure, body.connection = body.failure, None, None
            await self.pool.discard(connection)
            raise failure
        limit = self.timeout if effect.timeout is None else min(self.timeout, effect.timeout)
        body.reading = True
        try:
            event = connection.next_event_now(info)
            if event is not NEED_DATA:
                # Nothing waited for: still a cancellation point every time, and a
                # schedule point every few reads, so other tasks run during a download.
                body.quick_reads += 1
                if body.quick_reads % SCHEDULE_EVERY:
                    await trio.lowlevel.checkpoint_if_cancelled()
                else:
                    await trio.lowlevel.checkpoint()
            else:
                # The whole read, however many reads of the stream it takes, within limit.
                with Waits(math.inf, trio.current_time() + max(0.0, limit)) as waits:
                    event = await connection.next_event(info, waits)
                if waits.timed_out:
                    raise CoviaTimeoutError(
                        f"timed out waiting for data ({limit:g} s)", request=info
                    )
        except BaseException:
            body.connection = None
            await self.pool.discard(connection)
            raise
        finally:
            body.reading = False
        if event is END_OF_BODY:
            body.done = True
            body.connection = None
            await self.pool.release(connection)
            return b""
        assert isinstance(event, bytes)
        # Whatever else has arrived goes with it (see ClientConnection.take_arrived).
        more, ended, body.failure = connection.http.take_arrived()
        if ended:
            body.done = True
            body.connection = None
            await self.pool.release(connection)
        return b"".join([event, *more]) if more else event

    async def perform_close_stream(self, effect: CloseStream) -> None:
        body = _handle(effect.handle)
        connection, body.connection = body.connection, None
        if connection is None:
            return
        if _rest_is_buffered(connection):
            await self.pool.release(connection)
        else:
            # Unread body left on the wire: closing is cheaper than reading it all.
            await self.pool.discard(connection)


def _rest_is_buffered(connection: Connection) -> bool:
    """Whether the rest of a body closed early has already arrived, so the connection
    can be kept (never waits)."""
    return not connection.closed and connection.http.end_has_arrived()


def _handle(handle: object) -> _Body:
    if not isinstance(handle, _Body):
        raise CoviaUsageError(f"not a stream of the trio driver: {handle!r}")
    return handle


def _timed_out(waits: Waits, info: RequestInfo, limit: float | None) -> CoviaTimeoutError:
    """Which bound ran out: the exchange's whole ``limit``, or one wait."""
    if limit is not None and trio.current_time() >= waits.cap:
        return CoviaTimeoutError(f"no whole answer within {limit:g} s", request=info)
    return CoviaTimeoutError(f"timed out {waits.what} ({waits.timeout:g} s)", request=info)


def _positive(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0
