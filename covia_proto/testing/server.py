"""A real HTTP server on loopback around the sans-IO venue simulator.

The simulator answers ``Request`` values with reply values (``covia_proto.testing.replies``);
this module puts those replies on the wire with aiohttp.web, so any HTTP client, in any
process, can talk to a simulated venue. It is the only module of ``covia_proto`` that
imports aiohttp.

Everything that touches the simulator runs on the server's event loop thread: the
simulator is not thread-safe. Code on other threads reaches it through
``RunningVenue.call``.

Large bodies never sit in memory whole: request bodies are spooled to a
``SpooledTemporaryFile`` (memory up to ``spool_max`` bytes, then disk) and response bodies
of ``Streamed`` replies are written chunk by chunk as the simulator produces them. The
simulator reads a spooled body inside ``handle()`` on the loop thread, so a very large
upload holds up other requests while it is hashed (about a second per GiB); that is the
price of never sharing the simulator between threads.

Limits of the fault replies over a real socket:

* ``Reset(after_request=False)``: the simulator decides on a reset only once it has seen
  the whole request, so the body has already been read when the connection is reset. The
  client sees the reset while waiting for the answer, never while sending; what the flag
  guarantees is that the request took no effect.
* ``Reset`` sends a TCP RST (``SO_LINGER`` 0) where the platform allows it, else a plain
  close.
* ``Truncated`` closes gracefully (FIN) after the kept bytes, so the client receives them
  and then sees a body shorter than ``Content-Length``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import struct
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar, overload

from aiohttp import hdrs, web
from multidict import CIMultiDict

from covia_proto.http import Request, Response
from covia_proto.testing.replies import (
    BodySource,
    Deferred,
    Delayed,
    Reply,
    Reset,
    Stall,
    Streamed,
    Truncated,
)

__all__ = [
    "BackgroundLoop",
    "LoopbackVenue",
    "RunningVenue",
    "SimulatorLike",
    "make_simulator",
    "serve_venue",
    "serve_venue_async",
    "venue_clock",
]

if TYPE_CHECKING:
    from covia_proto.testing.simulator import VenueSimulator

T = TypeVar("T")

logger = logging.getLogger(__name__)
# One INFO record per answered request (``covia serve`` shows them).
ACCESS_LOGGER: Final = "covia_proto.testing.access"
access_logger = logging.getLogger(ACCESS_LOGGER)

LOOPBACK: Final = "127.0.0.1"
SPOOL_MAX: Final = 1024 * 1024  # request bytes kept in memory before spooling to disk
# Request bytes aiohttp buffers per connection before pausing the socket: aiohttp's
# 64 KiB default halves upload speed with its pause/resume cycles.
READ_BUFSIZE: Final = 1024 * 1024
BACKLOG: Final = 1024  # the real venue's Jetty accept queue (venue-api.md §7)
# Framing headers belong to the server: aiohttp writes them from the body it sends.
FRAMING_HEADERS: Final = frozenset({"content-length", "transfer-encoding"})
# After stop() cancels the handlers, aiohttp needs no real grace period.
SHUTDOWN_TIMEOUT: Final = 2.0
# Floor for waits computed from next_wake(), so a timer that stays due cannot spin.
MIN_WAIT: Final = 0.001


class SimulatorLike(Protocol):
    """What the server needs from a simulator (``VenueSimulator`` has it)."""

    def handle(self, request: Request, body: IO[bytes] | None = None) -> Reply: ...

    def advance(self) -> None: ...

    def next_wake(self) -> float | None: ...

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]: ...


# Fixed once: venue_clock() is monotonic (never jumps back, so timers are sound) yet
# reads like time.time(), so the simulator's job timestamps look like real ones.
_EPOCH_OFFSET: Final = time.time() - time.monotonic()


def venue_clock() -> float:
    """The clock served venues run on: ``time.monotonic`` shifted to the Unix epoch."""
    return time.monotonic() + _EPOCH_OFFSET


S = TypeVar("S", bound=SimulatorLike)


def make_simulator(**simulator_kwargs: Any) -> VenueSimulator:
    """A ``VenueSimulator`` on ``venue_clock``, as the server needs it."""
    from covia_proto.testing.simulator import VenueSimulator

    return VenueSimulator(clock=venue_clock, **simulator_kwargs)


def _close_simulator(simulator: SimulatorLike) -> None:
    close = getattr(simulator, "close", None)  # VenueSimulator has one, fakes need not
    if callable(close):
        close()


class _Pulse:
    """Broadcast wake-up: fire() wakes everyone holding the event taken before it.

    A waiter takes ``event`` *before* looking at the simulator; as everything runs on one
    loop thread, a change between the look and the wait still wakes it.
    """

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def fire(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


async def _wait(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait for ``event`` at most ``timeout`` seconds; True if it was set."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


class _ExactHeadersMixin(web.StreamResponse):
    """Keeps the simulator's Content-Type choice: aiohttp would add
    ``application/octet-stream`` to any body without one, and "no Content-Type" is a
    venue behaviour clients must meet."""

    async def _prepare_headers(self) -> None:
        had_type = hdrs.CONTENT_TYPE in self.headers
        await super()._prepare_headers()
        if not had_type:
            self.headers.popall(hdrs.CONTENT_TYPE, None)


class _ExactResponse(_ExactHeadersMixin, web.Response):
    pass


class _ExactStreamResponse(_ExactHeadersMixin, web.StreamResponse):
    pass


class _ConnectionGone(web.StreamResponse):
    """Returned once a fault has closed the transport: aiohttp treats the failing
    prepare() as a client disconnect and quietly drops the connection."""

    async def prepare(self, request: web.BaseRequest) -> None:
        raise ConnectionResetError("connection closed by a simulated fault")


def _request_value(request: web.BaseRequest, default_host: str) -> Request:
    # raw_path is the request target as sent, so %2F in an operation name stays encoded.
    target = request.raw_path
    # Without a Host header aiohttp would look up the machine's FQDN (DNS); the
    # address the client reached is the better answer anyway.
    host = request.headers.get(hdrs.HOST) or default_host
    url = target if "://" in target else f"{request.scheme}://{host}{target}"
    headers = tuple(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.raw_headers
    )
    return Request(method=request.method, url=url, headers=headers)


def _wire_headers(headers: tuple[tuple[str, str], ...], *, keep_length: bool) -> CIMultiDict[str]:
    return CIMultiDict(
        (name, value)
        for name, value in headers
        if keep_length or name.lower() not in FRAMING_HEADERS
    )


def _wants_close(headers: tuple[tuple[str, str], ...]) -> bool:
    return any(n.lower() == "connection" and v.lower() == "close" for n, v in headers)


def _hard_close(transport: asyncio.Transport | None) -> None:
    """Close with a TCP RST rather than FIN, as a crashed peer would."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _graceful_close(transport: asyncio.Transport | None) -> None:
    """Close with a FIN after what was written: the bytes sent so far reach the client."""
    if transport is not None:
        transport.close()


class LoopbackVenue(Generic[S]):
    """An aiohttp.web server answering with ``simulator`` on ``host``:``port``.

    Use ``await start()``/``await stop()`` or ``async with`` inside a running asyncio
    loop. ``port=0`` picks a free port; ``url`` tells which after start. The simulator
    runs on ``clock``, real time in seconds: ``venue_clock`` unless told otherwise
    (``make_simulator`` builds one so). The venue does not close the simulator.
    """

    def __init__(
        self,
        simulator: S,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        backlog: int = BACKLOG,
        spool_max: int = SPOOL_MAX,
        clock: Callable[[], float] = venue_clock,
    ) -> None:
        self.simulator = simulator
        self._clock = clock
        # "localhost" may bind ::1 and 127.0.0.1 on two different free ports.
        self._host = LOOPBACK if host == "localhost" else host
        self._port = port
        self._backlog = backlog
        self._spool_max = spool_max
        self._runner: web.ServerRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = _Pulse()  # the simulator's state changed
        self._timers_due = _Pulse()  # a timer may have been added: re-read next_wake()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._timer_task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._bound_port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("the venue is not started")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._bound_port}"

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the venue is already started")
        self._loop = asyncio.get_running_loop()
        # handler_cancellation: a client that goes away ends its Stall or stream wait.
        server = web.Server(
            self._handle, handler_cancellation=True, access_log=None, read_bufsize=READ_BUFSIZE
        )
        runner = web.ServerRunner(server, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port, backlog=self._backlog)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])
        self._unsubscribe = self.simulator.add_listener(self._on_change)
        self._timer_task = asyncio.create_task(self._run_timers(), name="covia-venue-timers")

    async def stop(self) -> None:
        """Stop serving: open requests (stalls, streams) are cut, the port is freed."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [*self._handlers, *([self._timer_task] if self._timer_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._timer_task = None
        await runner.cleanup()

    async def __aenter__(self) -> LoopbackVenue[S]:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def apply(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` against the simulator, then wake whoever waits on it.

        Must be called on the server's loop thread (``RunningVenue.call`` gets there).
        """
        try:
            return fn(*args)
        finally:
            self._settle()
            # Also for changes the simulator did not announce (a test poking at its
            # state): a needless wake costs one poll.
            self._changed.fire()

    # -- simulator time and change ---------------------------------------------------

    def _on_change(self) -> None:
        # Listeners may fire on another thread if a test touches the simulator directly.
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if _running_loop() is loop:
            self._changed.fire()
        else:
            loop.call_soon_threadsafe(self._changed.fire)

    def _settle(self) -> None:
        """After anything that may have changed the simulator: run due timers and let
        the timer task re-read next_wake()."""
        self.simulator.advance()
        self._timers_due.fire()

    async def _run_timers(self) -> None:
        while True:
            event = self._timers_due.event
            try:
                self.simulator.advance()
                timeout = self._until(None)
            except Exception:
                # A failing timer is a simulator bug: report it, keep serving, and retry
                # only when something else happens (a due timer would fail in a loop).
                logger.exception("venue simulator failed while running its timers")
                timeout = None
            await _wait(event, timeout)

    def _until(self, wake_at: float | None) -> float | None:
        """Seconds until ``wake_at`` or the simulator's next timer, whichever is first."""
        times = [t for t in (wake_at, self.simulator.next_wake()) if t is not None]
        if not times:
            return None
        return max(MIN_WAIT, min(times) - self._clock())

    async def _wait_change(self, event: asyncio.Event, wake_at: float | None) -> None:
        if not await _wait(event, self._until(wake_at)):
            self.simulator.advance()  # woke on time: make sure the due timers ran

    # -- requests ----------------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            body = await self._read_body(request)
            try:
                value = _request_value(request, self.url.removeprefix("http://"))
                reply = self.simulator.handle(value, body)
            finally:
                if body is not None:
                    body.close()  # the simulator reads the body within handle()
                self._settle()
            response = await self._answer(request, reply)
            access_logger.info("%s %s %d", request.method, request.path_qs, response.status)
            return response
        finally:
            self._handlers.discard(task)

    async def _read_body(self, request: web.BaseRequest) -> IO[bytes] | None:
        if not request.body_exists:
            return None
        if request.headers.get(hdrs.EXPECT, "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        # Handed to the simulator open; _handle closes it once the simulator is done.
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self._spool_max)  # noqa: SIM115
        try:
            async for chunk in request.content.iter_any():
                spool.write(chunk)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return spool

    async def _answer(self, request: web.BaseRequest, reply: Reply) -> web.StreamResponse:
        while True:
            match reply:
                case Response():
                    return self._response(request, reply)
                case Streamed():
                    return await self._stream(request, reply)
                case Deferred():
                    reply = await self._resolve(reply)
                case Delayed(seconds=seconds, reply=inner):
                    await asyncio.sleep(seconds)
                    reply = inner
                case Reset():
                    _hard_close(request.transport)
                    return _ConnectionGone()
                case Truncated():
                    return await self._truncate(request, reply)
                case Stall():
                    await asyncio.Event().wait()  # ended by cancellation only

    def _response(self, request: web.BaseRequest, response: Response) -> web.StreamResponse:
        headers = _wire_headers(response.headers, keep_length=request.method == "HEAD")
        answer = _ExactResponse(status=response.status, headers=headers, body=response.body)
        if _wants_close(response.headers):
            answer.force_close()
        return answer

    async def _resolve(self, deferred: Deferred) -> Reply:
        while True:
            event = self._changed.event
            result = deferred.poll()
            if result is not None:
                self._settle()
                return result
            await self._wait_change(event, deferred.wake_at)

    async def _stream(self, request: web.BaseRequest, streamed: Streamed) -> web.StreamResponse:
        source = streamed.body
        try:
            head = streamed.head
            answer = _ExactStreamResponse(
                status=head.status, headers=_wire_headers(head.headers, keep_length=True)
            )
            if _wants_close(head.headers):
                answer.force_close()
            try:
                await answer.prepare(request)
                sent = 0 if request.method == "HEAD" else await self._pump(answer, source)
                promised = answer.content_length
                if request.method != "HEAD" and promised is not None and sent < promised:
                    # The source ended short of its Content-Length (a cut download):
                    # close, or the client would wait for the rest until a timeout.
                    _graceful_close(request.transport)
                    return _ConnectionGone()
                await answer.write_eof()
            except ConnectionError:
                return _ConnectionGone()
            return answer
        finally:
            source.close()
            self._settle()

    async def _pump(self, answer: web.StreamResponse, source: BodySource) -> int:
        """Write the source's chunks as they come; the number of bytes written."""
        sent = 0
        while True:
            event = self._changed.event
            chunk = source.next_chunk()
            if not isinstance(chunk, bytes):  # WAIT
                await self._wait_change(event, None)
            elif not chunk:
                return sent
            else:
                # Each write goes straight to the socket (TCP_NODELAY): one SSE event
                # or content chunk at a time, never held back.
                await answer.write(chunk)
                sent += len(chunk)

    async def _truncate(self, request: web.BaseRequest, fault: Truncated) -> web.StreamResponse:
        response = fault.response
        answer = _ExactStreamResponse(
            status=response.status, headers=_wire_headers(response.headers, keep_length=False)
        )
        answer.content_length = len(response.body)
        with contextlib.suppress(ConnectionError):
            await answer.prepare(request)
            await answer.write(response.body[: fault.keep])
        _graceful_close(request.transport)
        return _ConnectionGone()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@overload
def serve_venue_async(
    simulator: None = None,
    *,
    host: str = ...,
    port: int = ...,
    clock: Callable[[], float] = ...,
    **simulator_kwargs: Any,
) -> contextlib.AbstractAsyncContextManager[LoopbackVenue[VenueSimulator]]: ...


@overload
def serve_venue_async(
    simulator: S,
    *,
    host: str = ...,
    port: int = ...,
    clock: Callable[[], float] = ...,
) -> contextlib.AbstractAsyncContextManager[LoopbackVenue[S]]: ...


@contextlib.asynccontextmanager
async def serve_venue_async(
    simulator: SimulatorLike | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    clock: Callable[[], float] = venue_clock,
    **simulator_kwargs: Any,
) -> AsyncIterator[LoopbackVenue[Any]]:
    """Serve a venue on the running asyncio loop for the duration of the block.

    Give either keyword arguments for a new ``VenueSimulator`` (``profile=``, ``sse=``,
    ``faults=``, …; it runs on ``venue_clock`` and is closed at the end) or a ready
    ``simulator`` with the ``clock`` it runs on (it is left open).
    """
    with _simulator(simulator, simulator_kwargs) as sim:
        async with LoopbackVenue(sim, host=host, port=port, clock=clock) as venue:
            yield venue


@contextlib.contextmanager
def _simulator(
    simulator: SimulatorLike | None, kwargs: Mapping[str, Any]
) -> Iterator[SimulatorLike]:
    """The simulator to serve; closed afterwards only if made here."""
    if simulator is not None:
        if kwargs:
            raise TypeError("give a simulator or simulator options, not both")
        yield simulator
        return
    made = make_simulator(**kwargs)
    try:
        yield made
    finally:
        _close_simulator(made)


class BackgroundLoop:
    """An asyncio loop on a daemon thread, to serve venues to synchronous code.

    One loop can carry many venues (the pytest plugin starts one per session and a venue
    per test on it). ``close()`` stops the loop and joins the thread.
    """

    def __init__(self, name: str = "covia-venue") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def _check_open(self) -> None:
        # Anything queued on a stopped loop would never run: fail instead of hanging.
        if not self._thread.is_alive():
            raise RuntimeError("the background loop is closed")

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (from another thread)."""
        try:
            if threading.current_thread() is self._thread:
                raise RuntimeError("run() on the loop's own thread would wait for itself")
            self._check_open()
        except RuntimeError:
            coroutine.close()  # never to run: spare the "never awaited" warning
            raise
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the loop thread and wait for its result."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        self._check_open()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:
                    future.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return future.result()

    def close(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()

    def __enter__(self) -> BackgroundLoop:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RunningVenue(Generic[S]):
    """A venue served on a background thread: what ``serve_venue`` yields.

    ``url`` is the base URL (``http://127.0.0.1:PORT``). ``simulator`` is there for
    setting up tests, but it is not thread-safe and the server uses it on its own
    thread: touch it through ``call(fn, *args)``, which runs ``fn`` on the server thread,
    wakes pending requests if the state changed, and returns the result::

        asset_id = venue.call(venue.simulator.add_asset, {"name": "data"}, b"bytes")
    """

    def __init__(self, venue: LoopbackVenue[S], loop: BackgroundLoop) -> None:
        self.venue = venue
        self.url = venue.url
        self.simulator = venue.simulator
        self._loop = loop

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        def apply() -> T:
            return self.venue.apply(fn, *args)

        return self._loop.call(apply)

    def __repr__(self) -> str:
        return f"<RunningVenue {self.url}>"


@overload
def serve_venue(
    simulator: None = None,
    *,
    host: str = ...,
    port: int = ...,
    clock: Callable[[], float] = ...,
    loop: BackgroundLoop | None = ...,
    **simulator_kwargs: Any,
) -> contextlib.AbstractContextManager[RunningVenue[VenueSimulator]]: ...


@overload
def serve_venue(
    simulator: S,
    *,
    host: str = ...,
    port: int = ...,
    clock: Callable[[], float] = ...,
    loop: BackgroundLoop | None = ...,
) -> contextlib.AbstractContextManager[RunningVenue[S]]: ...


@contextlib.contextmanager
def serve_venue(
    simulator: SimulatorLike | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    clock: Callable[[], float] = venue_clock,
    loop: BackgroundLoop | None = None,
    **simulator_kwargs: Any,
) -> Iterator[RunningVenue[Any]]:
    """Serve a venue on a background thread for the duration of the block.

    Options as for ``serve_venue_async``; ``loop`` reuses a ``BackgroundLoop`` (faster
    when starting many venues), otherwise one is made and closed here::

        with serve_venue(profile="latest", sse=True) as venue:
            requests.get(venue.url + "/api/v1/status")
    """
    with contextlib.ExitStack() as stack:
        sim = stack.enter_context(_simulator(simulator, simulator_kwargs))
        background = loop if loop is not None else stack.enter_context(BackgroundLoop())
        venue = LoopbackVenue(sim, host=host, port=port, clock=clock)
        background.run(venue.start())
        try:
            yield RunningVenue(venue, background)
        finally:
            background.run(venue.stop())
