"""The loops that run a flow: one sync, one async, each a dozen lines of logic.

A driver supplies ``perform(effect)`` (sync or async). Failures it raises as
``CoviaError`` are thrown back into the flow at the ``yield`` that caused them; any
other exception (a bug, ``KeyboardInterrupt``, a cancellation) ends the flow. However
the flow ends, every stream it opened and did not close is closed.

``drive_call`` and its async twin run the commonest flow, one ``send``, with its first
exchange made directly and every decision left to the send flow: the same requests,
retries and errors, without a generator unless the first answer is not final.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any, Final, TypeVar

from covia_proto.endpoints.call import Call
from covia_proto.errors import CoviaError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Emit,
    EmitAll,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    Send,
)
from covia_proto.flows.send import answer_is_final, first_send, resume_send
from covia_proto.http import Response

__all__ = [
    "Outcome",
    "aiterate",
    "drive",
    "drive_async",
    "drive_call",
    "drive_call_async",
    "iterate",
]

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


class _Run:
    """One run of a flow, whatever loop drives it: what goes into the flow next, the
    streams it holds open, and the logging of every exchange."""

    def __init__(self, flow: Flow[Any], outcome: Outcome | None) -> None:
        self.flow = flow
        self.outcome = outcome
        self.value: Any = None
        self.error: CoviaError | None = None
        self.streams: dict[int, object] = {}
        # Asked once per run rather than per effect.
        self.logging = http_log.isEnabledFor(logging.DEBUG)

    def next_effect(self) -> Effect | None:
        """The flow's next effect, or None once it has returned (into ``outcome``)."""
        value, error = self.value, self.error
        self.value, self.error = None, None
        try:
            return self.flow.throw(error) if error is not None else self.flow.send(value)
        except StopIteration as stop:
            if self.outcome is not None:
                self.outcome.value = stop.value
            return None

    def performed(self, effect: Effect, value: Any) -> None:
        self.value = value
        if isinstance(effect, OpenStream) and isinstance(value, OpenedStream):
            self.streams[id(value.handle)] = value.handle
        elif isinstance(effect, CloseStream):
            self.streams.pop(id(effect.handle), None)
        if self.logging:
            _log_result(effect, value)

    def failed(self, effect: Effect, error: CoviaError) -> None:
        self.error = error  # thrown into the flow at the yield that asked for it
        _log_failure(effect, error)

    def finish(self) -> list[CloseStream]:
        """End the flow; the streams it left open, to be closed (best effort: the
        flow's own outcome is what the caller sees)."""
        self.flow.close()
        leftovers = [CloseStream(handle) for handle in self.streams.values()]
        self.streams.clear()
        return leftovers


def iterate(
    flow: Flow[T], perform: Callable[[Effect], Any], outcome: Outcome | None = None
) -> Generator[Any, None, None]:
    """Run ``flow``, yielding the items it emits; its return value goes to ``outcome``."""
    run = _Run(flow, outcome)
    try:
        while (effect := run.next_effect()) is not None:
            if isinstance(effect, Emit):
                yield effect.item
                continue
            if isinstance(effect, EmitAll):
                yield from effect.items
                continue
            try:
                value = perform(effect)
            except CoviaError as exc:
                run.failed(effect, exc)
            else:
                run.performed(effect, value)
    finally:
        for close in run.finish():
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
    run = _Run(flow, outcome)
    try:
        while (effect := run.next_effect()) is not None:
            if isinstance(effect, Emit):
                yield effect.item
                continue
            if isinstance(effect, EmitAll):
                for item in effect.items:
                    yield item
                continue
            try:
                value = await perform(effect)
            except CoviaError as exc:
                run.failed(effect, exc)
            else:
                run.performed(effect, value)
    finally:
        for close in run.finish():
            with contextlib.suppress(Exception):
                await perform(close)


async def drive_async(flow: Flow[T], perform: Callable[[Effect], Awaitable[Any]]) -> T:
    """The async twin of ``drive``."""
    outcome = Outcome()
    async for _ in aiterate(flow, perform, outcome):
        pass
    result: T = outcome.value
    return result


# The single call. ``drive(send(context, call), perform)`` does the same; these make the
# first exchange themselves and hand over to the send flow only when it is not final,
# so the call that succeeds at once (nearly every one) makes no generators. What is
# final, and what happens next, the send flow alone decides (``answer_is_final``,
# ``resume_send``).


def drive_call(context: VenueContext, call: Call[T], perform: Callable[[Effect], Any]) -> T:
    """Send ``call`` with the context's retries and parse its answer, all within the
    context's ``call_timeout``."""
    request = call.request
    # The clock is read once, for ``call_timeout``: the first Send carries the whole of
    # it, and only a call that goes on needs to know how much is left.
    started = perform(_CLOCK) if context.call_timeout is not None else None
    effect = first_send(context, request)
    try:
        response = perform(effect)
    except CoviaError as exc:
        _log_failure(effect, exc)
        response = drive(resume_send(context, request, exc, started), perform)
    else:
        _log_result(effect, response)
        if not answer_is_final(context, response):
            response = drive(resume_send(context, request, response, started), perform)
    return call.parse(response, context.limits)


async def drive_call_async(
    context: VenueContext, call: Call[T], perform: Callable[[Effect], Awaitable[Any]]
) -> T:
    """The async twin of ``drive_call``."""
    request = call.request
    started = (await perform(_CLOCK)) if context.call_timeout is not None else None
    effect = first_send(context, request)
    try:
        response = await perform(effect)
    except CoviaError as exc:
        _log_failure(effect, exc)
        response = await drive_async(resume_send(context, request, exc, started), perform)
    else:
        _log_result(effect, response)
        if not answer_is_final(context, response):
            response = await drive_async(resume_send(context, request, response, started), perform)
    return call.parse(response, context.limits)


_CLOCK: Final = GetTime()
