"""Sending one request: retries, deadlines, and opening streams.

Every other flow sends through ``send`` and ``open_stream``, so the retry rules live
in one place (see ``RetryPolicy``): a request that may already have reached the venue
and is not idempotent (``POST /invoke``, ``POST /run``, a message) is never re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final, Generic, TypeVar

import attrs

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.responses import error_for
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    GridError,
    RateLimitError,
    RequestInfo,
)
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import (
    CloseStream,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead

__all__ = [
    "AttemptResult",
    "answer_is_final",
    "call_timed_out",
    "first_send",
    "open_stream",
    "reached",
    "read_body",
    "read_error_body",
    "remaining",
    "resume_send",
    "send",
    "send_request",
]

T = TypeVar("T")

logger: Final = logging.getLogger("covia.retry")


def remaining(deadline: float | None, now: float) -> float | None:
    """Seconds left before ``deadline`` (never negative), or None without one."""
    return None if deadline is None else max(0.0, deadline - now)


@attrs.frozen
class AttemptResult(Generic[T]):
    """How one attempt went: a ``value`` to return, or a ``failure`` that may be worth
    another attempt. When retries run out, ``value`` (if any) is returned instead of
    raising ``failure``: an error response is left for the caller to parse."""

    value: T | None = None
    failure: CoviaError | None = None
    retryable: bool = False

    def give_up(self) -> T:
        if self.value is not None:
            return self.value
        assert self.failure is not None
        raise self.failure


def _may_retry(request: Request, failure: CoviaError) -> bool:
    if isinstance(failure, RateLimitError):
        return True  # refused before any effect (venue-api.md §3.14)
    if isinstance(failure, CoviaConnectionError):
        return request.idempotent or not failure.sent
    return isinstance(failure, GridError) and request.idempotent


# One attempt at an exchange: ``attempt(context, request, body_stream, seconds_left)``.
# Module-level generator functions rather than closures: a call then allocates no
# cells or function objects, which adds up when thousands of calls are in flight.
Attempt = Callable[[VenueContext, Request, object, float | None], Flow[AttemptResult[T]]]


def _retrying(
    context: VenueContext,
    request: Request,
    deadline: float | None,
    attempt: Attempt[T],
    first: Flow[AttemptResult[T]] | None = None,
    *,
    started: float | None = None,
    limit: float | None = None,
) -> Flow[T]:
    """Run ``attempt`` (given the seconds left) until it succeeds or may not go again.
    ``first``, when given, is the first attempt instead (one a runner made itself, see
    ``resume_send``), and ``started`` when the call began if that was before this flow
    (a ``GetTime`` reading).

    Two bounds may hold the call: the caller's ``deadline`` (absolute) and ``limit``,
    the call's own ``call_timeout`` (seconds from its start). The earlier one ends it;
    an attempt that runs out of the call's own time is raised as a ``CoviaTimeoutError``
    naming that bound. Without either, the clock is read only once an attempt has
    failed, and the retry budget runs from that failure.
    """
    policy = context.retry
    now: float | None = None
    end = deadline
    own_end: float | None = None
    if deadline is not None or limit is not None:
        if first is None or started is None:
            # (After a runner's first attempt the failure reads the clock below.)
            now = yield GetTime()
        if limit is not None:
            began = started if started is not None else now
            assert began is not None
            own_end = began + limit
            end = own_end if end is None else min(end, own_end)
    budget_from = now
    count = 0
    while True:
        count += 1
        left = None if now is None else remaining(end, now)
        if left == 0.0:
            raise _out_of_time(request, limit, own_end, end)
        this, first = first, None
        try:
            if this is None:
                this = attempt(context, request, None, left)
            outcome = yield from this
        except CoviaTimeoutError as exc:
            if own_end is None:
                raise
            now = yield GetTime()
            if now < own_end - _CLOCK_SLACK:
                raise  # a wait ran out, or the caller's deadline: not the call's own
            raise _out_of_time(request, limit, own_end, own_end) from exc
        if outcome.failure is None:
            return outcome.give_up()
        if not outcome.retryable or count >= policy.max_attempts:
            return outcome.give_up()
        failure = outcome.failure
        retry_after = failure.retry_after if isinstance(failure, RateLimitError) else None
        delay = policy.delay(count, retry_after, context.rand())
        now = yield GetTime()
        if budget_from is None:
            budget_from = now
        out_of_budget = now + delay > budget_from + policy.budget
        if out_of_budget or (end is not None and now + delay >= end):
            return outcome.give_up()
        logger.debug("retrying %s in %.3fs after: %s", request.info, delay, failure)
        yield Sleep(delay)
        now = (yield GetTime()) if end is not None else None


# Drivers may end a wait a little before its deadline (trio moves its cancel scope's
# deadline only every 1 % of the timeout; timers round): within this, the bound is
# taken as reached.
_CLOCK_SLACK: Final = 0.005


def _out_of_time(
    request: Request, limit: float | None, own_end: float | None, end: float | None
) -> CoviaTimeoutError:
    if limit is not None and own_end is not None and end == own_end:
        return call_timed_out(request, limit)
    return CoviaTimeoutError("the caller's deadline passed", request=request.info)


def call_timed_out(request: Request, limit: float) -> CoviaTimeoutError:
    """The error of a call that ran past its ``call_timeout``."""
    return CoviaTimeoutError(
        f"no whole answer within {limit:g} s (call_timeout)", request=request.info
    )


def reached(started: float, limit: float, now: float) -> bool:
    """Whether a call that began at ``started`` has used its ``limit`` seconds."""
    return now >= started + limit - _CLOCK_SLACK


def answer_is_final(context: VenueContext, answer: Response | ResponseHead) -> bool:
    """Whether ``answer`` ends its call as it is (no retry): any answer but a 429
    and the transient statuses of the context's retry policy."""
    status = answer.status
    return status != 429 and status not in context.retry.transient_statuses


def send_request(
    context: VenueContext,
    request: Request,
    *,
    deadline: float | None = None,
    body_stream: object = None,
    content: bool = False,
) -> Flow[Response]:
    """Send ``request`` until it gets an answer that is not worth retrying.

    Returns the final response, an error response included: callers parse it. Raises
    the last transport failure when retries run out. A streamed body can be consumed
    only once, so a request with ``body_stream`` is sent once. The call is held to the
    context's ``call_timeout`` unless it moves ``content`` (an upload: bounded per wait,
    as its size decides its length) or streams its body.
    """
    # Returns the flow rather than delegating to it: one generator less per call.
    if body_stream is not None:
        return _once(context, request, body_stream, deadline)
    limit = None if content else context.call_timeout
    return _retrying(context, request, deadline, _send_attempt, limit=limit)


# What a first attempt made outside the flow got: an answer, or the error raised.
_Got = Response | CoviaError
_NOT_SENT: Final = object()


def _send_attempt(
    context: VenueContext,
    request: Request,
    body_stream: object,
    left: float | None,
    got: _Got | object = _NOT_SENT,
) -> Flow[AttemptResult[Response]]:
    """One exchange, judged: done, or a failure that may be worth another attempt.
    With ``got`` the exchange was made already (by a runner): its result is judged as
    if it had come back from this ``yield``."""
    try:
        if got is _NOT_SENT:
            response: Response = yield Send(
                request,
                timeout=left,
                body_stream=body_stream,
                max_body=context.limits.max_body_size,
            )
        elif isinstance(got, CoviaError):
            raise got
        else:
            assert isinstance(got, Response)
            response = got
    except CoviaConnectionError as exc:
        return AttemptResult(failure=exc, retryable=_may_retry(request, exc))
    if answer_is_final(context, response):
        return AttemptResult(response)
    failure = error_for(response, request=request.info)
    return AttemptResult(response, failure, _may_retry(request, failure))


# A runner that makes a call's first exchange itself (``drive_call``) makes it with
# ``first_send``, asks ``answer_is_final`` whether that settled the call, and if not
# hands what it got to ``resume_send``: every decision stays in this module.


def first_send(context: VenueContext, request: Request) -> Send:
    """The first attempt of ``send_request(context, request)``, for a runner that makes
    it itself: the whole ``call_timeout`` is left (read the clock before it, for
    ``resume_send``)."""
    return Send(request, timeout=context.call_timeout, max_body=context.limits.max_body_size)


def resume_send(
    context: VenueContext,
    request: Request,
    got: Response | CoviaError,
    started: float | None = None,
) -> Flow[Response]:
    """The rest of ``send_request(context, request)`` (no deadline, no streamed body)
    once a runner has made its ``first_send`` and ``got`` an answer that is not final
    or an error: that attempt judged as the flow judges any, then the same retries,
    counted from it, within the same ``call_timeout`` counted from ``started`` (the
    ``GetTime`` reading taken before it)."""
    first = _send_attempt(context, request, None, None, got)
    return _retrying(
        context, request, None, _send_attempt, first, started=started, limit=context.call_timeout
    )


def _once(
    context: VenueContext, request: Request, body_stream: object, deadline: float | None
) -> Flow[Response]:
    left = None
    if deadline is not None:
        now: float = yield GetTime()
        left = remaining(deadline, now)
    outcome = yield from _send_attempt(context, request, body_stream, left)
    return outcome.give_up()


def send(context: VenueContext, call: Call[T], *, deadline: float | None = None) -> Flow[T]:
    """Send ``call``'s request (with retries) and parse the answer."""
    response = yield from send_request(context, call.request, deadline=deadline)
    return call.parse(response, context.limits)


def read_body(
    handle: object,
    limit: int,
    *,
    deadline: float | None = None,
    request: RequestInfo | None = None,
) -> Flow[bytes]:
    """Read an open body to its end, keeping at most ``limit`` bytes (error bodies).

    With a ``deadline`` each read waits only for the time left, so a venue that
    dribbles its answer a byte at a time cannot hold the caller past it."""
    parts: list[bytes] = []
    size = 0
    while True:
        timeout = None
        if deadline is not None:
            now: float = yield GetTime()
            timeout = remaining(deadline, now)
            if timeout == 0.0:
                raise CoviaTimeoutError("deadline passed while reading the answer", request=request)
        chunk: bytes = yield ReadChunk(handle, timeout=timeout)
        if not chunk:
            return b"".join(parts)
        if size < limit:
            parts.append(chunk[: limit - size])
        size += len(chunk)
        if size >= limit:
            # Enough to explain the error; the rest would only cost time.
            return b"".join(parts)


def read_error_body(
    context: VenueContext,
    handle: object,
    request: RequestInfo,
    deadline: float | None = None,
) -> Flow[bytes]:
    """Read an error answer's body (at most ``max_error_body`` bytes) within
    ``deadline`` and ``call_timeout`` from now: a venue that dribbles an error cannot
    hold a download or a stream that has no deadline of its own."""
    limit = context.call_timeout
    if limit is not None:
        now: float = yield GetTime()
        deadline = now + limit if deadline is None else min(deadline, now + limit)
    return (
        yield from read_body(handle, context.max_error_body, deadline=deadline, request=request)
    )


def open_stream(
    context: VenueContext, request: Request, *, deadline: float | None = None
) -> Flow[OpenedStream]:
    """Open ``request`` as a stream, retrying like ``send`` until a head arrives: the
    head within ``deadline`` and the context's ``call_timeout``; the body is the
    caller's to read, within its own bounds.

    An answer with an error status is returned opened, like a success: the caller
    reads its (bounded) body with ``read_body`` and raises the right error.
    """

    return _retrying(context, request, deadline, _open_attempt, limit=context.call_timeout)


def _open_attempt(
    context: VenueContext, request: Request, _: object, left: float | None
) -> Flow[AttemptResult[OpenedStream]]:
    try:
        opened: OpenedStream = yield OpenStream(request, timeout=left)
    except CoviaConnectionError as exc:
        return AttemptResult(failure=exc, retryable=_may_retry(request, exc))
    if answer_is_final(context, opened.head):
        return AttemptResult(opened)
    deadline = None
    if left is not None:
        now: float = yield GetTime()
        deadline = now + left
    body = yield from read_body(
        opened.handle, context.max_error_body, deadline=deadline, request=request.info
    )
    yield CloseStream(opened.handle)
    failure = error_for(opened.head, body, request=request.info)
    return AttemptResult(failure=failure, retryable=_may_retry(request, failure))
