"""One HTTP/1.1 connection of the trio driver: a trio stream and the core's
``ClientConnection``, and the translation of trio's failures into the core's errors.

Nothing here knows about Covia or parses HTTP: ``covia_proto.h11conn`` turns requests
into bytes and bytes into response events; this module only moves the bytes, bounds
each wait with a cancel scope, and says what a failure means. ``sent`` on a
``CoviaConnectionError`` is False only when the failure came before a byte of the
request was handed to the stream (connecting, the TLS handshake).

Over plain TCP it moves body bytes faster than trio's stream alone: what has already
arrived is read without waiting (``next_event_now``, through a second handle on the
socket), and a wait for a long body wakes per batch of bytes (``BATCH_BYTES``).
"""

from __future__ import annotations

import inspect
import math
import socket as pysocket
import ssl
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Final, TypeAlias

import trio

from covia_proto import allocator
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaUsageError,
    RequestInfo,
)
from covia_proto.h11conn import (
    DEFAULT_MAX_HEAD_SIZE,
    END_OF_BODY,
    NEED_DATA,
    ClientConnection,
    EndOfBody,
    NeedData,
    Origin,
    split_url,
)
from covia_proto.http import Request, ResponseHead, is_event_stream
from covia_proto.limits import BoundedBody

__all__ = [
    "BATCH_BYTES",
    "BATCH_PATIENCE",
    "CHUNK_SIZE",
    "FILE_READ_SIZE",
    "MAX_DOWNLOAD_RECEIVE_SIZE",
    "MAX_RECEIVE_SIZE",
    "Connection",
    "Origin",
    "StreamFactory",
    "Waits",
    "open_stream",
    "origin_of",
]

CHUNK_SIZE: Final = 64 * 1024
"""The size of the first read of each response."""

FILE_READ_SIZE: Final = 1024 * 1024
"""The size of the chunks an upload reads from a file. A sync file is read in a worker
thread, and each trip there and back costs more than copying 64 KiB: a 256 MiB file
went up at 220 MB/s in chunks of 64 KiB, at 1,000-1,150 MB/s in these (the sync and
asyncio clients' speed for the same file)."""

MAX_RECEIVE_SIZE: Final = 128 * 1024
"""The most bytes read from a stream at once while h11 parses the body (a chunked or
content-coded body, an event stream): with ``MAX_DOWNLOAD_RECEIVE_SIZE``, what bounds
the memory of a streamed download. A read that fills its buffer doubles the next one,
up to this; each response starts again at ``CHUNK_SIZE``, so small answers never pay
for big buffers. h11 copies every body byte three times: larger reads (256 KiB) fell
out of the CPU's cache and were slower, not faster."""

MAX_DOWNLOAD_RECEIVE_SIZE: Final = 512 * 1024
"""The same bound for a body that ``h11conn`` passes through uncopied (one of known
length, not content-coded: a download), unless it is an event stream. Each read costs
the same whatever its size (trio's scheduling, the flow's step), so larger reads are
what made trio download as fast as requests: 128 KiB moved 1.9 GB/s of CPU time, 512
KiB 3.3 GB/s, 1 MiB little more for twice the memory. The C allocator is readied for
such reads (``allocator``). An event stream's events are parsed as they are read, and
the sync client's gave a quarter fewer events a second from reads of 512 KiB."""

BATCH_BYTES: Final = 128 * 1024
"""While a body of known length streams in over plain TCP with at least this much of it
to come, a read that must wait asks the socket to wake it only once this much has
arrived (``SO_RCVLOWAT``), not at the first byte: each wait through trio's scheduler
and the OS's poller costs as much as reading tens of kilobytes, and waking at every
segment made a trio download a third slower than the sync client's."""

BATCH_PATIENCE: Final = 0.05
"""Seconds such a wait may take before the link is judged slow: the rest of that body
is then waited for byte by byte, so a slow venue's bytes are never held back for long
and never make a wait time out while they still arrive."""

StreamFactory: TypeAlias = Callable[[str, int, str], "Awaitable[trio.abc.Stream] | trio.abc.Stream"]
"""``factory(host, port, scheme)`` returns (or, if async, resolves to) a stream."""

# Not defined on every OS; a value no option has there, refused by setsockopt.
_SO_RCVLOWAT: Final[int] = getattr(pysocket, "SO_RCVLOWAT", -1)

# What trio and the OS raise when a stream fails: the connection is gone.
_TRANSPORT_ERRORS: Final = (trio.BrokenResourceError, trio.ClosedResourceError, OSError)


def origin_of(request: Request) -> Origin:
    """The origin ``request`` goes to; a ``CoviaUsageError`` for a URL we cannot reach."""
    return split_url(request.url, request.info).origin


class Waits:
    """The time one exchange may take: a single cancel scope whose deadline moves, so
    that each wait for the venue (a write, a read) gets ``timeout`` seconds and none
    runs past ``cap`` (an absolute time on trio's clock: what the effect has left).

    One scope per exchange rather than one per wait, and its deadline moved only when
    a wait begins more than 1 % of ``timeout`` after the last move (so a wait may end
    up to 1 % early): entering scopes and moving deadlines for every read and write
    was a fifth of what the driver spent on a call. When the scope has cancelled the
    exchange, ``timed_out`` is True and ``what`` says which wait it was.
    """

    __slots__ = ("_armed_at", "_slack", "cap", "scope", "timeout", "what")

    def __init__(self, timeout: float, cap: float = math.inf) -> None:
        self.timeout = timeout
        self.cap = cap
        self.what = "waiting for the venue"
        self._slack = timeout / 100
        self._armed_at = -math.inf  # until the first wait, only ``cap`` bounds it
        self.scope = trio.CancelScope(deadline=cap)

    def arm(self, what: str) -> None:
        """A wait begins: it may last ``timeout`` seconds, and not past ``cap``."""
        self.what = what
        now = trio.current_time()
        if now - self._armed_at > self._slack:
            self._armed_at = now
            self.scope.deadline = min(self.cap, now + self.timeout)

    @property
    def timed_out(self) -> bool:
        return self.scope.cancelled_caught

    def __enter__(self) -> Waits:
        self.scope.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return self.scope.__exit__(kind, exc, traceback)


def describe(exc: BaseException) -> str:
    """A short reason for a transport failure: trio wraps the OS's (or ssl's) error."""
    inner: BaseException = exc
    for _ in range(4):
        cause = inner.__cause__ or inner.__context__
        if cause is None or str(inner):
            break
        inner = cause
    if isinstance(inner, trio.BrokenResourceError) and inner.__cause__ is not None:
        inner = inner.__cause__
    text = str(inner) or type(inner).__name__
    return text if len(text) < 200 else text[:197] + "..."


async def open_stream(
    origin: Origin,
    *,
    factory: StreamFactory | None,
    ssl_context: Callable[[], ssl.SSLContext],
    info: RequestInfo,
) -> trio.abc.Stream:
    """A stream to ``origin``, TLS included for https (and handshaken, so that a
    certificate that does not verify fails here, with ``sent=False``).

    The user's ``factory`` gives the byte stream; for an https origin it is wrapped in
    ``trio.SSLStream`` unless it already is one.
    """
    scheme, host, port = origin
    stream: trio.abc.Stream | None = None
    try:
        if factory is None:
            stream = await trio.open_tcp_stream(host, port)
        else:
            made = factory(host, port, scheme)
            stream = await made if inspect.isawaitable(made) else made
            if not isinstance(stream, trio.abc.Stream):
                raise CoviaUsageError(
                    f"stream_factory returned {type(stream).__name__}, not a trio.abc.Stream",
                    request=info,
                )
        if scheme == "https" and not isinstance(stream, trio.SSLStream):
            # https_compatible: venues (like most HTTPS servers) may close without a
            # TLS close_notify; HTTP's own framing tells a truncated body apart.
            stream = trio.SSLStream(
                stream, ssl_context(), server_hostname=host, https_compatible=True
            )
        if isinstance(stream, trio.SSLStream):
            await stream.do_handshake()
    except BaseException as exc:
        if isinstance(stream, trio.abc.AsyncResource):
            await trio.aclose_forcefully(stream)
        if isinstance(exc, trio.BrokenResourceError) and isinstance(exc.__cause__, ssl.SSLError):
            raise CoviaConnectionError(
                f"TLS failed: {describe(exc)}", request=info, sent=False
            ) from exc
        if isinstance(exc, _TRANSPORT_ERRORS):
            raise CoviaConnectionError(
                f"cannot connect to {host}:{port}: {describe(exc)}", request=info, sent=False
            ) from exc
        raise
    return stream


class Connection:
    """A stream and the HTTP/1.1 state of the exchanges on it.

    ``cycles`` counts the exchanges completed on it (more than 0: a reused keep-alive
    connection); ``received`` says whether any byte of the current response arrived.
    """

    def __init__(
        self,
        stream: trio.abc.Stream,
        origin: Origin,
        *,
        max_head_size: int = DEFAULT_MAX_HEAD_SIZE,
    ) -> None:
        self.stream = stream
        self.origin = origin
        self.http = ClientConnection(max_head_size=max_head_size)
        self.cycles = 0
        self.received = False
        self._receive_size = CHUNK_SIZE
        self.idle_since = 0.0
        self.closed = False
        self._socket = _socket_under(stream)  # found once: asked before every reuse
        self._raw = _raw_socket(stream)
        # SO_RCVLOWAT as set on the socket (1 is the OS's default); None once the OS
        # refused it. ``_slow``: this response's body came too slowly to batch.
        self._low_water: int | None = 1
        self._slow = False
        # Whether this response is an event stream: read in pieces that stay in the
        # CPU's cache while its events are parsed, however it is framed.
        self._events = False

    def __repr__(self) -> str:
        scheme, host, port = self.origin
        state = "closed" if self.closed else f"{self.cycles} exchanges"
        return f"<Connection {scheme}://{host}:{port} {state}>"

    async def aclose(self) -> None:
        """Close the stream at once, even in a cancelled scope: shielded, and
        ``aclose_forcefully`` never waits (no TLS close_notify), so the shield cannot
        hold anything up. The second handle on its socket goes first."""
        if self._raw is not None:
            raw, self._raw = self._raw, None
            trio.lowlevel.notify_closing(raw)  # a task waiting on it wakes, and fails
            raw.close()
        with trio.CancelScope(shield=True):
            await trio.aclose_forcefully(self.stream)

    @property
    def reused(self) -> bool:
        return self.cycles > 0

    def peer_gone(self) -> bool:
        """Whether an idle connection shows that the peer closed it (or sent something
        unasked, which spoils it as much). Only sockets can be asked without reading;
        for other streams this says False and the exchange finds out."""
        if self._socket is None:
            return False
        try:
            return self._socket.is_readable()
        except (OSError, ValueError):  # closed already
            return True

    # -- sending -----------------------------------------------------------------------

    async def send_request(self, request: Request, body_stream: object, waits: Waits) -> None:
        """Write ``request``: its whole body, or ``body_stream`` chunk by chunk (chunked
        transfer coding unless the request declares its Content-Length)."""
        self.received = False
        self._receive_size = CHUNK_SIZE
        self._slow = False
        self._set_low_water(1)
        info = request.info
        if body_stream is None:
            await self._write(self.http.send_request(request), waits, info)
            return
        chunked = request.header("content-length") is None
        await self._write(self.http.start_request(request, chunked=chunked), waits, info)

        async def send(chunk: bytes) -> None:
            await self._write(self.http.send_body(chunk), waits, info)

        await pump_body(body_stream, send, info)
        await self._write(self.http.end_request(), waits, info)

    async def _write(self, data: bytes, waits: Waits, info: RequestInfo) -> None:
        if not data:
            return
        waits.arm("sending the request")
        try:
            await self.stream.send_all(data)
        except trio.BusyResourceError:
            raise _busy(info) from None
        except _TRANSPORT_ERRORS as exc:
            raise CoviaConnectionError(
                f"connection failed while sending the request: {describe(exc)}", request=info
            ) from exc

    # -- receiving ---------------------------------------------------------------------

    async def next_event(self, info: RequestInfo, waits: Waits) -> ResponseHead | bytes | EndOfBody:
        """The next piece of the response, reading as needed, each read bounded by
        ``waits``."""
        while True:
            event = self.http.next_event()
            if event is not NEED_DATA:
                return event
            await self._receive(info, waits)

    def next_event_now(self, info: RequestInfo) -> ResponseHead | bytes | EndOfBody | NeedData:
        """The next piece of the response if it can be had without waiting: parsed from
        what was read, or from what has arrived on the socket (read without a wait or
        a checkpoint; the caller checkpoints). ``NEED_DATA`` if it would wait."""
        event = self.http.next_event()
        if event is NEED_DATA and self._receive_now(info):
            event = self.http.next_event()
        return event

    def _receive_now(self, info: RequestInfo) -> bool:
        raw = self._raw
        if raw is None:
            return False
        size = self._receive_size
        try:
            data = raw.recv(size)
        except BlockingIOError:
            return False
        except OSError as exc:
            raise self._broke(exc, info) from exc
        self._received(data, size)
        return True

    async def read_head(self, info: RequestInfo, waits: Waits) -> ResponseHead:
        while (event := self.http.next_event()) is NEED_DATA:
            await self._receive(info, waits)
        assert isinstance(event, ResponseHead)  # h11 gives the head before anything else
        self._events = is_event_stream(event.headers)
        return event

    async def read_body(
        self,
        info: RequestInfo,
        waits: Waits,
        *,
        max_body: int | None = None,
        head: ResponseHead | None = None,
    ) -> bytes:
        """The rest of the body, giving up (``VenueProtocolError``) past ``max_body``
        bytes, or at once if ``head`` declares more."""
        body = BoundedBody(max_body, info, head.headers if head is not None else ())
        while True:
            # The connection's own events, read inline: most bodies have arrived with
            # their head, and a coroutine per event would cost more than reading them.
            event = self.http.next_event()
            if event is NEED_DATA:
                await self._receive(info, waits)
            elif event is END_OF_BODY:
                return body.bytes()
            else:
                assert isinstance(event, bytes)
                body.add(event)

    async def _receive(self, info: RequestInfo, waits: Waits) -> None:
        waits.arm("waiting for the venue")
        size = self._receive_size
        left = self.http.body_left
        batch = left is not None and left >= BATCH_BYTES and not self._slow
        self._set_low_water(BATCH_BYTES if batch else 1)
        try:
            if self._low_water == BATCH_BYTES:
                with trio.move_on_after(BATCH_PATIENCE):
                    data = await self._receive_some(size)
                    self._received(data, size)
                    return
                self._slow = True  # a slow link: from now on, wake at the first byte
                self._set_low_water(1)
            data = await self._receive_some(size)
        except trio.BusyResourceError:
            raise _busy(info) from None
        except _TRANSPORT_ERRORS as exc:
            raise self._broke(exc, info) from exc
        self._received(data, size)

    async def _receive_some(self, size: int) -> bytes | bytearray:
        """The next bytes, once some have arrived. With the second handle, a wait for
        the socket and one read: what the stream's ``receive_some`` does, less the read
        that ``next_event_now`` has just found empty and the stream's own layers."""
        raw = self._raw
        if raw is None:
            return await self.stream.receive_some(size)
        while True:
            await trio.lowlevel.wait_readable(raw)
            try:
                return raw.recv(size)
            except BlockingIOError:
                continue  # woken with nothing to read after all: wait again

    def _broke(self, exc: BaseException, info: RequestInfo) -> CoviaConnectionError:
        where = "mid-response" if self.received else "before the response"
        return CoviaConnectionError(f"connection broke {where}: {describe(exc)}", request=info)

    def _set_low_water(self, wanted: int) -> None:
        if self._low_water is None or self._low_water == wanted or self._raw is None:
            return
        try:
            self._raw.setsockopt(pysocket.SOL_SOCKET, _SO_RCVLOWAT, wanted)
        except (OSError, TypeError):  # not on this OS (Windows), or a closed socket
            self._low_water = None
        else:
            self._low_water = wanted

    def _received(self, data: bytes | bytearray, size: int) -> None:
        if data:
            self.received = True
            if len(data) == size:  # filled: the next read may ask for more
                self._receive_size = allocator.next_read_size(size, size, self._receive_cap())
        self.http.receive_data(bytes(data))

    def _receive_cap(self) -> int:
        if self.http.passing_through and not self._events:
            return MAX_DOWNLOAD_RECEIVE_SIZE
        return MAX_RECEIVE_SIZE


def _raw_socket(stream: trio.abc.Stream) -> pysocket.socket | None:
    """A second, non-blocking handle on a plain TCP stream's socket (None for TLS and
    other streams): what has already arrived is read with it directly. trio's
    ``receive_some`` makes every read a trip through the scheduler, and the driver a
    cancel scope for its deadline; skipping both when nothing needs waiting for made
    a download a third faster. ``Connection.aclose`` closes it with the stream."""
    if not isinstance(stream, trio.SocketStream):
        return None
    sock = stream.socket
    try:
        raw = pysocket.fromfd(sock.fileno(), sock.family, sock.type)
    except OSError:
        return None  # no handle to spare: every read waits through trio
    raw.setblocking(False)
    return raw


def _socket_under(stream: trio.abc.Stream) -> trio.socket.SocketType | None:
    """The socket beneath ``stream`` (through any TLS layers), if it is one."""
    while isinstance(stream, trio.SSLStream):
        stream = stream.transport_stream
    return stream.socket if isinstance(stream, trio.SocketStream) else None


async def pump_body(
    source: object, send: Callable[[bytes], Awaitable[None]], info: RequestInfo
) -> None:
    """Give ``send`` the chunks of a streamed request body: bytes, a binary file (sync,
    read in a worker thread, or trio's async file), an async iterable or an iterable of
    bytes-like chunks. A plain iterable runs in the event loop's thread, so it must not
    block (wrap blocking sources in an async iterable that uses ``trio.to_thread``)."""
    if isinstance(source, bytes | bytearray | memoryview):
        await send(bytes(source))
        return
    read = getattr(source, "read", None)
    if callable(read):
        while True:
            if inspect.iscoroutinefunction(read):
                chunk = await read(FILE_READ_SIZE)
            else:
                chunk = await trio.to_thread.run_sync(read, FILE_READ_SIZE)
            if not chunk:
                return
            await send(_as_bytes(chunk, info))
    if isinstance(source, AsyncIterable):
        async for chunk in source:
            await send(_as_bytes(chunk, info))
        return
    if isinstance(source, Iterable):
        for chunk in source:
            await send(_as_bytes(chunk, info))
        return
    raise CoviaUsageError(
        f"cannot stream a request body from {type(source).__name__}", request=info
    )


def _busy(info: RequestInfo) -> CoviaUsageError:
    return CoviaUsageError(
        "another task is using this stream: read a stream from one task at a time",
        request=info,
    )


def _as_bytes(chunk: object, info: RequestInfo) -> bytes:
    if isinstance(chunk, bytes | bytearray | memoryview):
        return bytes(chunk)
    raise CoviaUsageError(
        f"a streamed body must give bytes, not {type(chunk).__name__}", request=info
    )
