"""Effects: what a flow asks its driver to do.

A flow is a plain generator. It yields one of these values and is sent the result:

=====================  ===============================================================
effect                 the driver sends back
=====================  ===============================================================
``Send(request)``      the complete ``Response``
``OpenStream(req)``    an ``OpenedStream``: the response head and an opaque handle
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
    request: Request
    # A streaming upload (an iterable of bytes, sync or async, as the driver accepts);
    # when given it replaces ``request.body``.
    body_stream: object = attrs.field(default=None, repr=False)


@attrs.frozen
class OpenStream:
    request: Request


@attrs.frozen
class OpenedStream:
    head: ResponseHead
    handle: object = attrs.field(repr=False)


@attrs.frozen
class ReadChunk:
    handle: object = attrs.field(repr=False)


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
