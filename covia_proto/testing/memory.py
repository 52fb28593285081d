"""In-memory drivers: a client connected to a ``VenueSimulator`` with no socket at all.

``MemoryDriver`` performs a flow's effects against the simulator directly. With a
``FakeClock`` (anything with ``advance(seconds)``) time is virtual: a sleep, a
server-side wait or a stalled answer moves the clock instead of waiting, so tests of
code that polls or times out run instantly. With a real clock it really sleeps.

``AsyncMemoryDriver`` is the same for the async API (virtual time only: it never
blocks, so it needs no event loop of its own and serves asyncio and trio alike).
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from typing import IO, Any, Protocol

import attrs

from covia_proto.drivers import BaseAsyncDriver, BaseSyncDriver
from covia_proto.errors import CoviaConnectionError, CoviaTimeoutError, CoviaUsageError, RequestInfo
from covia_proto.flows.effects import (
    CloseStream,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.limits import BoundedBody
from covia_proto.testing.replies import (
    WAIT,
    BodySource,
    Deferred,
    Delayed,
    Reply,
    Reset,
    Stall,
    Streamed,
    Truncated,
)

__all__ = ["AsyncMemoryDriver", "MemoryDriver"]


class _Simulator(Protocol):
    def handle(self, request: Request, body: IO[bytes] | None = None) -> Reply: ...

    def advance(self) -> None: ...

    def next_wake(self) -> float | None: ...


class _OneChunk:
    """A complete body served as a stream."""

    def __init__(self, body: bytes, *, then_fail: bool = False) -> None:
        self._body: bytes | None = body
        self._then_fail = then_fail

    def next_chunk(self) -> bytes:
        body, self._body = self._body, None
        if body is None:
            if self._then_fail:
                raise CoviaConnectionError("connection closed mid-body (truncated)")
            return b""
        return body

    def close(self) -> None:
        self._body = None


class _Handle:
    def __init__(self, source: BodySource | _OneChunk, info: RequestInfo) -> None:
        self.source = source
        self.info = info
        self.closed = False


class _IterableReader(io.RawIOBase):
    """An iterable of byte chunks as a readable file (streamed uploads)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = bytes(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class MemoryDriver(BaseSyncDriver):
    """Performs effects against ``simulator`` in memory.

    ``clock`` is the simulator's clock; when it can ``advance`` (a ``FakeClock``) time
    is virtual. ``timeout`` is what a stalled answer costs before it times out.
    """

    def __init__(
        self,
        simulator: _Simulator,
        clock: Callable[[], float] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.simulator = simulator
        self.clock: Callable[[], float] = clock or time.monotonic
        self.timeout = timeout
        self._advance: Callable[[float], None] | None = getattr(self.clock, "advance", None)
        self._open: set[_Handle] = set()  # closed by close(), as the contract asks

    # -- time ---------------------------------------------------------------------------

    def _pass(self, seconds: float) -> None:
        if seconds > 0:
            if self._advance is not None:
                self._advance(seconds)
            else:
                time.sleep(seconds)
        self.simulator.advance()

    def _wait_until(self, wake_at: float | None, deadline: float) -> bool:
        """Let time pass to ``wake_at`` (or the simulator's next timer); False once
        ``deadline`` is reached with nothing left to wait for."""
        now = self.clock()
        if now >= deadline:
            return False
        targets = [t for t in (wake_at, self.simulator.next_wake()) if t is not None]
        if self._advance is not None:
            step = min([*targets, deadline]) - now
        else:
            step = min(0.005, deadline - now)
        self._pass(max(step, 0.0))
        return True

    # -- replies ------------------------------------------------------------------------

    def _answer(self, request: Request, timeout: float | None, body: object = None) -> Reply:
        self.simulator.advance()
        upload: IO[bytes] | None = None
        if body is not None:
            if hasattr(body, "read"):
                upload = body  # type: ignore[assignment]
            elif isinstance(body, Iterable):
                upload = io.BufferedReader(_IterableReader(body))
            elif isinstance(body, AsyncIterable):
                raise CoviaUsageError("the sync in-memory driver cannot upload an async iterable")
        reply = self.simulator.handle(request, upload)
        deadline = self.clock() + (self.timeout if timeout is None else min(timeout, self.timeout))
        while True:
            if isinstance(reply, Delayed):
                self._pass(reply.seconds)
                reply = reply.reply
            elif isinstance(reply, Deferred):
                resolved = reply.poll()
                while resolved is None:
                    if not self._wait_until(reply.wake_at, deadline):
                        raise CoviaTimeoutError(
                            "timed out waiting for the venue", request=request.info
                        )
                    resolved = reply.poll()
                reply = resolved
            elif isinstance(reply, Stall):
                self._pass(max(0.0, deadline - self.clock()))
                raise CoviaTimeoutError("timed out waiting for the venue", request=request.info)
            elif isinstance(reply, Reset):
                raise CoviaConnectionError(
                    "connection reset by the venue", request=request.info, sent=reply.after_request
                )
            else:
                return reply

    def _read(self, handle: _Handle, timeout: float | None) -> bytes:
        deadline = self.clock() + (self.timeout if timeout is None else min(timeout, self.timeout))
        while True:
            chunk = handle.source.next_chunk()
            if chunk is not WAIT:
                assert isinstance(chunk, bytes)
                return chunk
            if not self._wait_until(None, deadline):
                raise CoviaTimeoutError("timed out waiting for data", request=handle.info)

    def _read_whole(self, handle: _Handle, timeout: float | None, max_body: int | None) -> bytes:
        """A streamed body read whole, as a driver reads a ``Send`` response."""
        body = BoundedBody(max_body, handle.info)
        while chunk := self._read(handle, timeout):
            body.add(chunk)
        return body.bytes()

    # ``perform`` (``BaseSyncDriver``) calls one of these by the effect's type.

    def perform_send(self, effect: Send) -> Response:
        reply = self._answer(effect.request, effect.timeout, effect.body_stream)
        if isinstance(reply, Truncated):
            raise CoviaConnectionError(
                "connection closed mid-body (truncated)", request=effect.request.info
            )
        if isinstance(reply, Streamed):
            handle = _Handle(reply.body, effect.request.info)
            try:
                body = self._read_whole(handle, effect.timeout, effect.max_body)
            finally:
                reply.body.close()
            return Response(reply.head.status, reply.head.headers, body)
        assert isinstance(reply, Response)
        BoundedBody(effect.max_body, effect.request.info).add(reply.body)
        return reply

    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        reply = self._answer(effect.request, effect.timeout)
        source: BodySource | _OneChunk
        if isinstance(reply, Streamed):
            head, source = reply.head, reply.body
        elif isinstance(reply, Truncated):
            head = reply.response.head
            source = _OneChunk(reply.response.body[: reply.keep], then_fail=True)
        else:
            assert isinstance(reply, Response)
            head, source = ResponseHead(reply.status, reply.headers), _OneChunk(reply.body)
        handle = _Handle(source, effect.request.info)
        self._open.add(handle)
        return OpenedStream(head, handle)

    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        handle = _handle(effect.handle)
        if handle.closed:
            raise CoviaUsageError("read from a stream that is closed", request=handle.info)
        return self._read(handle, effect.timeout)

    def perform_close_stream(self, effect: CloseStream) -> None:
        handle = _handle(effect.handle)
        self._open.discard(handle)
        if not handle.closed:
            handle.closed = True
            handle.source.close()

    def close(self) -> None:
        """Close the streams still open (the simulator is the caller's)."""
        for handle in list(self._open):
            self.perform_close_stream(CloseStream(handle))

    def perform_sleep(self, effect: Sleep) -> None:
        self._pass(effect.seconds)

    def perform_get_time(self, effect: GetTime) -> float:
        return self.clock()


def _handle(handle: object) -> _Handle:
    if not isinstance(handle, _Handle):
        raise CoviaUsageError(f"not a stream of the in-memory driver: {handle!r}")
    return handle


class AsyncMemoryDriver(BaseAsyncDriver):
    """``MemoryDriver`` for the async API; needs a virtual clock (``FakeClock``). Every
    effect is performed by the sync driver at once: nothing here ever suspends."""

    def __init__(self, simulator: _Simulator, clock: Callable[[], float], *, timeout: float = 30.0):
        if not hasattr(clock, "advance"):
            raise CoviaUsageError("AsyncMemoryDriver needs a clock that can advance (FakeClock)")
        self._sync = MemoryDriver(simulator, clock, timeout=timeout)

    async def perform_send(self, effect: Send) -> Response:
        if isinstance(effect.body_stream, AsyncIterable):
            chunks = [bytes(chunk) async for chunk in effect.body_stream]
            effect = attrs.evolve(effect, body_stream=chunks)
        return self._sync.perform_send(effect)

    async def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        return self._sync.perform_open_stream(effect)

    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        return self._sync.perform_read_chunk(effect)

    async def perform_close_stream(self, effect: CloseStream) -> None:
        self._sync.perform_close_stream(effect)

    async def perform_sleep(self, effect: Sleep) -> None:
        self._sync.perform_sleep(effect)

    async def perform_get_time(self, effect: GetTime) -> float:
        return self._sync.perform_get_time(effect)

    async def aclose(self) -> None:
        """Close the streams still open (the simulator is the caller's)."""
        self._sync.close()
