"""The driver contract: what an I/O driver does for the core, and one dispatch for all.

A *flow* (``covia_proto.flows``) never touches a socket or a clock. It yields *effects*
(``covia_proto.flows.effects``) and a *driver* performs them with its I/O library and
runtime: ``requests``, aiohttp, trio, an in-memory venue, a script, or yours. The user
API (``covia.Grid.connect(driver=...)``, ``covia.async_api.AsyncGrid.connect``) runs
every call through one.

The protocols
=============

``SyncDriver`` has ``perform(effect)`` and ``close()``; ``AsyncDriver`` has
``async perform(effect)`` and ``async aclose()``. Anything with those methods is a
driver (they are ``typing.Protocol`` classes, checkable with ``isinstance``).
``BaseSyncDriver`` and ``BaseAsyncDriver`` implement ``perform`` once: it looks the
effect's type up in a table and calls one method per effect, so a driver writes
``perform_send``, ``perform_open_stream``, ``perform_read_chunk``,
``perform_close_stream``, ``perform_sleep`` and ``perform_get_time``, and nothing else.

What each effect asks, and what ``perform`` returns
===================================================

``Send(request, timeout, body_stream, max_body)`` → ``Response``
    Send ``request`` (``method``, absolute ``url`` already percent-encoded by the core:
    send it byte for byte, never re-quote it; ``headers`` as given, in order; ``body``)
    and read the whole answer. Return ``Response(status, headers, body)`` for *every*
    status, 4xx and 5xx included: the core parses errors. Never follow a redirect.
    ``body_stream``, when not None, is the upload body and replaces ``request.body``
    (which is then empty): an iterable of ``bytes`` or a binary file (anything with
    ``read(n)``), and for an async driver also an async iterable of ``bytes``.
    ``max_body`` (bytes, or None for no bound) bounds the response body: refuse a larger
    declared ``Content-Length`` before reading it, stop reading past the bound, and raise
    ``covia_proto.limits.body_too_large(max_body, request.info)`` (a
    ``VenueProtocolError``); ``covia_proto.limits.BoundedBody`` does both. A body the
    server compressed anyway (``Content-Encoding``) is returned decoded.
``OpenStream(request, timeout)`` → ``OpenedStream(head, handle)``
    Send ``request`` and return as soon as the response head has arrived:
    ``head`` is a ``ResponseHead(status, headers)``, ``handle`` any object of yours that
    the flow hands back in ``ReadChunk`` and ``CloseStream``. As for ``Send``, every
    status is returned, never raised.
``ReadChunk(handle, timeout)`` → ``bytes``
    The next piece of that body: whatever has arrived (at least one byte, so server-sent
    events reach the flow as they come, not when a buffer fills), or ``b""`` at its end
    (and again on every read after the end). Reading a stream that was closed raises
    ``CoviaUsageError``. A body that breaks off raises ``CoviaConnectionError``.
``CloseStream(handle)`` → ``None``
    Release the stream: a connection whose body was read to its end may be reused, any
    other is closed. Closing twice, or after the end, is harmless.
``Sleep(seconds)`` → ``None``
    Sleep that long with your runtime (``time.sleep``, ``asyncio.sleep``,
    ``trio.sleep``, or a fake clock). The core decides every delay.
``GetTime()`` → ``float``
    Monotonic seconds (``time.monotonic``, ``trio.current_time``, a fake clock), the
    clock ``Sleep`` moves. The core owns no clock.
``Emit(item)``
    Never reaches a driver: the loops that run flows (``covia_proto.flows.drive``)
    hand the item to the user themselves.

An effect a driver does not know raises ``CoviaUsageError`` (the base classes do so).

Time
====

A driver has its own ``timeout`` (seconds), which bounds connecting and each wait for
data: each read and each write. An effect's ``timeout`` is a second, overall bound,
counted from when ``perform`` starts: for ``Send`` the whole exchange (waiting for a
pooled connection, connecting, sending the body, the head with any ``100 Continue``
answers, the whole body), for ``OpenStream`` everything up to the head, for ``ReadChunk``
the wait for that chunk. None means only the driver's ``timeout`` holds. An effect's
``timeout`` may be zero or below (the flow's deadline has passed): time out at once.
Past either bound raise ``CoviaTimeoutError``; the flow knows which deadline it set and
words the error for the user. A timed-out exchange leaves nothing running (no task, no
half-read connection back in a pool).

Failures: what a driver raises
==============================

Only the core's exceptions (``covia_proto.errors``) leave ``perform``, each with
``request=request.info`` so the error names the call:

* ``CoviaConnectionError(message, request=..., sent=...)``: the connection could not be
  made or broke. ``sent=False`` when the request surely never reached the venue
  (refused, DNS failure, TLS handshake failure); ``sent=True`` (the default) when it may
  have: retry flows re-send only what is safe to.
* ``CoviaTimeoutError``: either bound above ran out.
* ``VenueProtocolError``: the venue broke HTTP (a malformed head, a head over the
  driver's ``max_header_size``, a body over ``max_body``).
* ``CoviaUsageError``: the caller's mistake (an unusable URL, an upload chunk that is
  not bytes, reading a closed stream, an unknown effect).

Nothing from the HTTP library, ``ssl``, ``OSError`` or ``json`` escapes. Cancellation
is not a failure: ``asyncio.CancelledError``, ``trio.Cancelled`` and
``KeyboardInterrupt`` pass through untouched, after the driver has released the
connection it was using (a half-read body is never handed to the next request).

Retries are the flows' decision. A driver re-sends nothing, with one standard
exception it may make: an idempotent request whose reused keep-alive connection failed
before any byte of the answer arrived may be sent once more on a fresh connection.

Ownership and closing
=====================

A driver takes the caller's own session (or stream factory) when given one and uses it
as it is; otherwise it makes its own, ideally on first use. ``close()``/``aclose()``
closes every stream still open and what the driver owns, never the caller's session;
a stream closed so is no longer readable (``CoviaUsageError`` or
``CoviaConnectionError``), and nothing ``perform`` does after it raises a library error
(a driver that holds connections refuses with ``CoviaUsageError``); closing again is
harmless. The user API closes a driver it made
itself when the venue is closed, and never closes a ``driver=`` the caller handed in
(so one driver may serve several venues). Whatever way a flow ends (its value, an
error, cancellation), the loop that ran it sends ``CloseStream`` for every stream it
left open.

Checking a driver
=================

``covia_proto.testing.driver_kit`` runs every clause above against a driver over
loopback HTTP: ``docs/drivers.md`` shows how, with a complete example driver.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, Protocol, Self, TypeAlias, runtime_checkable

from covia_proto.errors import CoviaUsageError
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Response

__all__ = [
    "HANDLER_NAMES",
    "AsyncDriver",
    "BaseAsyncDriver",
    "BaseSyncDriver",
    "SyncDriver",
]


@runtime_checkable
class SyncDriver(Protocol):
    """Performs effects synchronously (see the module docs for the whole contract)."""

    def perform(self, effect: Effect) -> Any:
        """Carry out one effect and return its result."""

    def close(self) -> None:
        """Release the streams still open and what the driver owns; a caller's session
        is left open. Closing twice is harmless."""


@runtime_checkable
class AsyncDriver(Protocol):
    """Performs effects in a coroutine (see the module docs for the whole contract)."""

    async def perform(self, effect: Effect) -> Any:
        """Carry out one effect and return its result."""

    async def aclose(self) -> None:
        """Release the streams still open and what the driver owns; a caller's session
        is left open. Closing twice is harmless."""


HANDLER_NAMES: dict[type[Any], str] = {
    Send: "perform_send",
    OpenStream: "perform_open_stream",
    ReadChunk: "perform_read_chunk",
    CloseStream: "perform_close_stream",
    Sleep: "perform_sleep",
    GetTime: "perform_get_time",
}
"""The method of ``BaseSyncDriver``/``BaseAsyncDriver`` that performs each effect type."""

_Table: TypeAlias = dict[type[Any], Callable[[Any, Any], Any]]


def _table(cls: type) -> _Table:
    """The class's own handlers, by effect type: looked up once per class, so ``perform``
    costs one dict lookup, and a subclass's override is the one called."""
    return {effect: getattr(cls, name) for effect, name in HANDLER_NAMES.items()}


def _cannot(driver: object, effect: object) -> CoviaUsageError:
    return CoviaUsageError(f"{type(driver).__name__} cannot perform {effect!r}")


async def _refuse(driver: object, effect: object) -> Any:
    raise _cannot(driver, effect)


class BaseSyncDriver(abc.ABC):
    """A sync driver written as one method per effect; ``perform`` dispatches to them.

    A subclass implements the six ``perform_*`` methods (each takes the effect and
    returns what the module docs say) and, if it owns anything, ``close``. It is also a
    context manager that closes it.
    """

    _handlers: ClassVar[_Table] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = _table(cls)

    def perform(self, effect: Effect) -> Any:
        """Carry out ``effect`` with the method for its type."""
        handler = self._handlers.get(type(effect))
        if handler is None:
            raise _cannot(self, effect)
        return handler(self, effect)

    @abc.abstractmethod
    def perform_send(self, effect: Send) -> Response:
        """Send the request and read the whole response (``Send`` in the module docs)."""

    @abc.abstractmethod
    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        """Send the request and return at its response head (``OpenStream``)."""

    @abc.abstractmethod
    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        """The next bytes of an open body; ``b""`` at its end (``ReadChunk``)."""

    @abc.abstractmethod
    def perform_close_stream(self, effect: CloseStream) -> None:
        """Release an open body; harmless twice (``CloseStream``)."""

    @abc.abstractmethod
    def perform_sleep(self, effect: Sleep) -> None:
        """Sleep ``effect.seconds`` with the driver's runtime (``Sleep``)."""

    @abc.abstractmethod
    def perform_get_time(self, effect: GetTime) -> float:
        """Monotonic seconds, the clock ``Sleep`` moves (``GetTime``)."""

    def close(self) -> None:
        """Release what the driver owns (nothing, unless a subclass says otherwise)."""
        return

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BaseAsyncDriver(abc.ABC):
    """An async driver written as one coroutine per effect; ``perform`` dispatches to
    them. As ``BaseSyncDriver``, with ``aclose`` and ``async with``."""

    _handlers: ClassVar[_Table] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = _table(cls)

    def perform(self, effect: Effect) -> Coroutine[Any, Any, Any]:
        """Carry out ``effect`` with the coroutine for its type: ``await`` the result."""
        handler = self._handlers.get(type(effect))
        if handler is None:
            return _refuse(self, effect)
        # The handler's own coroutine, awaited by the caller: dispatch adds no frame.
        return handler(self, effect)  # type: ignore[no-any-return]

    @abc.abstractmethod
    async def perform_send(self, effect: Send) -> Response:
        """Send the request and read the whole response (``Send`` in the module docs)."""

    @abc.abstractmethod
    async def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        """Send the request and return at its response head (``OpenStream``)."""

    @abc.abstractmethod
    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        """The next bytes of an open body; ``b""`` at its end (``ReadChunk``)."""

    @abc.abstractmethod
    async def perform_close_stream(self, effect: CloseStream) -> None:
        """Release an open body; harmless twice (``CloseStream``)."""

    @abc.abstractmethod
    async def perform_sleep(self, effect: Sleep) -> None:
        """Sleep ``effect.seconds`` with the driver's runtime (``Sleep``)."""

    @abc.abstractmethod
    async def perform_get_time(self, effect: GetTime) -> float:
        """Monotonic seconds, the clock ``Sleep`` moves (``GetTime``)."""

    async def aclose(self) -> None:
        """Release what the driver owns (nothing, unless a subclass says otherwise)."""
        return

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
