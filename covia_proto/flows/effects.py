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

    ``timeout`` (seconds) caps this exchange below the driver's own timeout, so a flow
    with a deadline never overshoots it. ``body_stream`` is a streaming upload (an
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
    """Send ``request`` and return once the response head has arrived."""

    request: Request
    timeout: float | None = None


@attrs.frozen
class OpenedStream:
    head: ResponseHead
    handle: object = attrs.field(repr=False)


@attrs.frozen
class ReadChunk:
    """Read the next piece of an open body; ``timeout`` caps the wait for it."""

    handle: object = attrs.field(repr=False)
    timeout: float | None = None


@attrs.frozen
class CloseStream:
    handle: object = attrs.field(repr=False)


@attrs.frozen
class Sleep:
    seconds: float


@attrs.frozen
class GetTime:
    pass


@attrs.frozen
class Emit:
    item: object


Effect: TypeAlias = Send | OpenStream | ReadChunk | CloseStream | Sleep | GetTime | Emit
Flow: TypeAlias = Generator[Effect, Any, T]
"""A flow that yields effects and finally returns a ``T``."""
