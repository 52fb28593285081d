"""The loops that run a flow: one sync, one async, each a dozen lines of logic.

A driver supplies ``perform(effect)`` (sync or async). Failures it raises as
``CoviaError`` are thrown back into the flow at the ``yield`` that caused them; any
other exception (a bug, ``KeyboardInterrupt``, a cancellation) ends the flow. However
the flow ends, every stream it opened and did not close is closed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any, Final, TypeVar

from covia_proto.errors import CoviaError
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Emit,
    Flow,
    OpenedStream,
    OpenStream,
    Send,
)
from covia_proto.http import Response

__all__ = ["Outcome", "aiterate", "drive", "drive_async", "iterate"]

T = TypeVar("T")

# Requests and responses are logged here, once for every driver: method, URL, status
# and size only, never a header or a body (they may hold credentials).
http_log: Final = logging.getLogger("covia.http")


def _log_result(effect: Effect, result: Any) -> None:
    if not isinstance(effect, Send | OpenStream) or not http_log.isEnabledFor(logging.DEBUG):
        return
    request = effect.request
    if isinstance(result, Response):
        http_log.debug(
            "%s %s -> %d (%d bytes)", request.method, request.url, result.status, len(result.body)
        )
    elif isinstance(result, OpenedStream):
        http_log.debug("%s %s -> %d (streaming)", request.method, request.url, result.head.status)


def _log_failure(effect: Effect, error: CoviaError) -> None:
    if isinstance(effect, Send | OpenStream):
        http_log.debug("%s %s failed: %s", effect.request.method, effect.request.url, error.message)


class Outcome:
    """Receives a flow's return value when it is run as an iterator of emitted items."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Any = None


class _Streams:
    """The streams a flow has open, so they can be closed when it ends."""

    def __init__(self) -> None:
        self.handles: dict[int, object] = {}

    def note(self, effect: Effect, result: Any) -> None:
        if isinstance(effect, OpenStream) and isinstance(result, OpenedStream):
            self.handles[id(result.handle)] = result.handle
        elif isinstance(effect, CloseStream):
            self.handles.pop(id(effect.handle), None)

    def leftovers(self) -> list[CloseStream]:
        effects = [CloseStream(handle) for handle in self.handles.values()]
        self.handles.clear()
        return effects


def _step(flow: Flow[T], value: Any, error: CoviaError | None) -> Effect:
    return flow.throw(error) if error is not None else flow.send(value)


def iterate(
    flow: Flow[T], perform: Callable[[Effect], Any], outcome: Outcome | None = None
) -> Generator[Any, None, None]:
    """Run ``flow``, yielding the items it emits; its return value goes to ``outcome``."""
    streams = _Streams()
    value: Any = None
    error: CoviaError | None = None
    try:
        while True:
            try:
                effect = _step(flow, value, error)
            except StopIteration as stop:
                if outcome is not None:
                    outcome.value = stop.value
                return
            value, error = None, None
            if isinstance(effect, Emit):
                yield effect.item
                continue
            try:
                value = perform(effect)
            except CoviaError as exc:
                error = exc
                _log_failure(effect, exc)
            else:
                streams.note(effect, value)
                _log_result(effect, value)
    finally:
        flow.close()
        for close in streams.leftovers():
            # Closing is best effort: the flow's own outcome is what the caller sees.
            with contextlib.suppress(Exception):
                perform(close)


def drive(flow: Flow[T], perform: Callable[[Effect], Any]) -> T:
    """Run ``flow`` to its end and return its value (emitted items are dropped)."""
    outcome = Outcome()
    for _ in iterate(flow, perform, outcome):
        pass
    result: T = outcome.value
    return result


async def aiterate(
    flow: Flow[T], perform: Callable[[Effect], Awaitable[Any]], outcome: Outcome | None = None
) -> AsyncGenerator[Any, None]:
    """The async twin of ``iterate``."""
    streams = _Streams()
    value: Any = None
    error: CoviaError | None = None
    try:
        while True:
            try:
                effect = _step(flow, value, error)
            except StopIteration as stop:
                if outcome is not None:
                    outcome.value = stop.value
                return
            value, error = None, None
            if isinstance(effect, Emit):
                yield effect.item
                continue
            try:
                value = await perform(effect)
            except CoviaError as exc:
                error = exc
                _log_failure(effect, exc)
            else:
                streams.note(effect, value)
                _log_result(effect, value)
    finally:
        flow.close()
        for close in streams.leftovers():
            with contextlib.suppress(Exception):
                await perform(close)


async def drive_async(flow: Flow[T], perform: Callable[[Effect], Awaitable[Any]]) -> T:
    """The async twin of ``drive``."""
    outcome = Outcome()
    async for _ in aiterate(flow, perform, outcome):
        pass
    result: T = outcome.value
    return result
