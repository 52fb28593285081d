"""Effects: what a flow asks its driver to do.

A flow is a plain generator. It yields one of these values and is sent the result:

=====================  ===============================================================
effect                 the driver sends back
=====================  ===============================================================
``Send(request,        the complete ``Response``. ``body_stream``, when set, is the
timeout, body_stream,  upload body (chunks; async ones for async drivers) and replaces
max_body)``            ``request.body``, which is then empty: a driver that ignores it
                       uploads nothing. ``timeout`` caps this exchange (seconds) below
                       the driver's own; ``max_body`` bounds the response body (bytes:
                       refuse a larger ``Content-Length``, stop reading past it,
                       ``VenueProtocolError`` naming ``max_body_size``)
``OpenStream(request,  an ``OpenedStream``: the response head and an opaque handle;
timeout)``             ``timeout`` as for ``Send``
``ReadChunk(handle)``  the next ``bytes`` of that body; ``b""`` at its end
``CloseStream(h)``     None; closing twice is harmless
``Sleep(seconds)``     None, after sleeping that long
``GetTime()``          monotonic seconds as a float (the core owns no clock)
``Emit(item)``         None, once the item has been handed to the user
=====================  ===============================================================

Transport failures are thrown into the flow as ``CoviaConnectionError`` or
``CoviaTimeoutError`` at the ``yield`` that caused them, so flows decide about retries.
A driver closes every stream a flow opened when the flow ends, however it ends.

Time: every driver has its own ``timeout``, which bounds connecting and each wait for
data (each read, each write). An effect's ``timeout`` is a second, overall bound, in
seconds from when the driver starts the effect: for ``Send`` and ``OpenStream`` the
whole exchange (waiting for a pooled connection, connecting, sending, the response head
with any interim ``100 Continue`` answers, and for ``Send`` the whole body), for
``ReadChunk`` the wait for that chunk. None means only the driver's ``timeout`` holds.
Past either bound the driver raises ``CoviaTimeoutError``; the flow, which knows which
deadline it set, says which one was hit.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeAlias, TypeVar

import attrs

from covia_proto.http import Request, ResponseHead

__all__ = [
    "CloseStream",
    "Effect",
    "Emit",
    "Flow",
    "GetTime",
    "OpenStream",
    "OpenedStream",
    "ReadChunk",
    "Send",
    "Sleep",
]

T = TypeVar("T")


@attrs.frozen
class Send:
    """Send ``request`` and read the whole response.

    ``timeout`` (seconds, or None) bounds the whole exchange, body included, each wait
    inside it also bounded by the driver's ``timeout``: the flow sets it to the time its
    call has left, so a venue that dribbles cannot hold it past its deadline. An upload
    from ``body_stream`` is sent within it too, so flows leave it None for content.
    ``body_stream`` is a streaming upload (an
    iterable of bytes, or an async one for async drivers) that replaces ``request.body``.
    ``max_body`` (bytes) bounds the response body: a driver stops reading past it (and
    refuses a larger declared ``Content-Length`` at once) and raises
    ``VenueProtocolError`` naming ``max_body_size``; None leaves it unbounded.
    """

    request: Request
    timeout: float | None = None
    body_stream: object = attrs.field(default=None, repr=False)
    max_body: int | None = None


@attrs.frozen
class OpenStream:
    """Send ``request`` and return once the response head has arrived.

    ``timeout`` (seconds, or None) bounds the exchange up to and including the head;
    the body is then read with ``ReadChunk``, each read under its own bound."""

    request: Request
    timeout: float | None = None


@attrs.frozen
class OpenedStream:
    """What ``OpenStream`` gives back: the response ``head``, and the driver's opaque
    ``handle`` on its body, for ``ReadChunk`` and ``CloseStream``."""

    head: ResponseHead
    handle: object = attrs.field(repr=False)


@attrs.frozen
class ReadChunk:
    """Read the next piece of an open body (whatever has arrived, at least one byte, or
    ``b""`` at the end); ``timeout`` (seconds, or None) caps the wait for it below the
    driver's own ``timeout``."""

    handle: object = attrs.field(repr=False)
    timeout: float | None = None


@attrs.frozen
class CloseStream:
    """Close an open body (the driver answers None); closing twice is harmless."""

    handle: object = attrs.field(repr=False)


@attrs.frozen
class Sleep:
    """Sleep ``seconds`` with the driver's runtime (the driver answers None)."""

    seconds: float


@attrs.frozen
class GetTime:
    """Read the driver's monotonic clock: the answer is seconds, as a float."""


@attrs.frozen
class Emit:
    """Hand ``item`` to the user (an event, a chunk of content); the driver's loop
    answers None once it has."""

    item: object


Effect: TypeAlias = Send | OpenStream | ReadChunk | CloseStream | Sleep | GetTime | Emit
Flow: TypeAlias = Generator[Effect, Any, T]
"""A flow that yields effects and finally returns a ``T``."""
