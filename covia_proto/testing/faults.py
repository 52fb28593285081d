"""Fault injection for the simulated venue: rules that pick requests (by method, path
and count, or by a seeded rate) and faults that spoil their answers.

Faults that answer in place of the venue (``ServerError``, ``RateLimited``,
``ResetBeforeRequest``, ``Stall`` by default) have no effect on the venue's state;
the others let the request take effect first and then spoil the answer, so tests can
check that a client does not blindly repeat a request that already happened.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from typing import TypeAlias

import attrs

from covia_proto.http import Response, ResponseHead
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
    _Wait,
)
from covia_proto.testing.sse_source import BrokenEvents
from covia_proto.testing.wire import json_error, text_response

__all__ = [
    "BreakStream",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "Latency",
    "MalformedJson",
    "RateLimited",
    "ResetAfterRequest",
    "ResetBeforeRequest",
    "ServerError",
    "StallResponse",
    "TruncateBody",
    "WrongContentType",
    "apply_fault",
]


@attrs.frozen
class Latency:
    """Answer normally, ``seconds`` later."""

    seconds: float


@attrs.frozen
class ServerError:
    """A 5xx in place of the answer: JSON ``{"error": …}`` or plain text."""

    status: int = 503
    message: str = "Service unavailable"
    json: bool = True


@attrs.frozen
class RateLimited:
    """429 with ``Retry-After`` (seconds or an HTTP date), refused before any effect."""

    retry_after: str = "1"


@attrs.frozen
class ResetBeforeRequest:
    """The connection drops before the request is read: nothing happens."""


@attrs.frozen
class ResetAfterRequest:
    """The request takes effect, then the connection drops before the answer."""


@attrs.frozen
class TruncateBody:
    """The head promises the whole body; only ``keep`` bytes (default half) arrive."""

    keep: int | None = None


@attrs.frozen
class MalformedJson:
    """The request takes effect; the body that comes back is cut to invalid JSON
    (an empty body becomes ``{``). Streamed bodies pass unchanged."""


@attrs.frozen
class WrongContentType:
    content_type: str = "text/html; charset=utf-8"


@attrs.frozen
class BreakStream:
    """An event stream that ends in the middle of an event after ``after_events``
    whole events. Answers that are not streams pass unchanged (but still count against
    ``times``, so give the rule a path such as ``r"/sse$"``)."""

    after_events: int = 1


@attrs.frozen
class StallResponse:
    """The server reads the request and never answers; with ``after_request`` the
    request takes effect first."""

    after_request: bool = False


Fault: TypeAlias = (
    Latency
    | ServerError
    | RateLimited
    | ResetBeforeRequest
    | ResetAfterRequest
    | TruncateBody
    | MalformedJson
    | WrongContentType
    | BreakStream
    | StallResponse
)


@attrs.define(eq=False)
class FaultRule:
    """Which requests get ``fault``: ``method`` (any case) and ``path`` (a regex searched
    in the URL path) narrow it, ``times`` limits it to the first N matches, ``rate`` makes
    it hit each match with that probability (drawn from the plan's seeded generator)."""

    fault: Fault
    method: str | None = None
    path: str | None = None
    times: int | None = None
    rate: float = 1.0
    fired: int = attrs.field(default=0, init=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultPlan:
    """An ordered, mutable list of rules; the first rule that fires wins."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int | str | None = None) -> None:
        self._rules = list(rules)
        self._rng = random.Random(f"faults:{seed}") if seed is not None else None

    def seed(self, seed: int | str) -> None:
        """Seed the rate draws, unless the plan was given its own seed."""
        if self._rng is None:
            self._rng = random.Random(f"faults:{seed}")

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        return tuple(self._rules)

    def add(
        self,
        fault: Fault | FaultRule,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
        rate: float = 1.0,
    ) -> FaultRule:
        rule = (
            fault
            if isinstance(fault, FaultRule)
            else FaultRule(fault, method=method, path=path, times=times, rate=rate)
        )
        self._rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        self._rules.remove(rule)

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        for rule in self._rules:
            if rule.exhausted or not rule.matches(method, path):
                continue
            if rule.rate < 1.0:
                if self._rng is None:
                    self._rng = random.Random("faults:0")
                if self._rng.random() >= rule.rate:
                    continue
            rule.fired += 1
            return rule.fault
        return None


class _CutSource:
    """The first ``keep`` bytes of a body, then its end."""

    def __init__(self, inner: BodySource, keep: int) -> None:
        self._inner = inner
        self._left = keep

    def next_chunk(self) -> bytes | _Wait:
        if self._left <= 0:
            self._inner.close()
            return b""
        chunk = self._inner.next_chunk()
        if isinstance(chunk, _Wait):
            return WAIT
        chunk = chunk[: self._left]
        self._left -= len(chunk)
        return chunk

    def close(self) -> None:
        self._inner.close()


def _map_final(
    reply: Reply,
    on_response: Callable[[Response], Reply],
    on_stream: Callable[[Streamed], Reply],
) -> Reply:
    """``reply`` with the answer it finally gives transformed, however it unfolds."""
    if isinstance(reply, Response):
        return on_response(reply)
    if isinstance(reply, Streamed):
        return on_stream(reply)
    if isinstance(reply, Delayed):
        return Delayed(reply.seconds, _map_final(reply.reply, on_response, on_stream))
    if isinstance(reply, Deferred):
        inner = reply.poll

        def poll() -> Reply | None:
            answer = inner()
            return None if answer is None else _map_final(answer, on_response, on_stream)

        return Deferred(poll, reply.wake_at)
    return reply


def _discard(reply: Reply) -> None:
    if isinstance(reply, Streamed):
        reply.body.close()


def _truncate(
    fault: TruncateBody,
) -> tuple[Callable[[Response], Reply], Callable[[Streamed], Reply]]:
    def on_response(response: Response) -> Reply:
        keep = len(response.body) // 2 if fault.keep is None else fault.keep
        return Truncated(response, min(keep, len(response.body)))

    def on_stream(stream: Streamed) -> Reply:
        length = stream.head.header("Content-Length")
        keep = fault.keep
        if keep is None:
            keep = int(length) // 2 if length is not None else 1
        return Streamed(stream.head, _CutSource(stream.body, keep))

    return on_response, on_stream


def _malform(response: Response) -> Reply:
    body = response.body[: len(response.body) // 2] if len(response.body) > 1 else b"{"
    return attrs.evolve(response, body=body)


def _retype(content_type: str, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    kept = tuple((k, v) for k, v in headers if k.lower() != "content-type")
    return (*kept, ("Content-Type", content_type))


def apply_fault(fault: Fault, perform: Callable[[], Reply]) -> Reply:
    """The answer to a request hit by ``fault``; ``perform`` runs the request for real."""
    if isinstance(fault, Latency):
        return Delayed(fault.seconds, perform())
    if isinstance(fault, ServerError):
        if fault.json:
            return json_error(fault.status, fault.message)
        return text_response(fault.status, fault.message)
    if isinstance(fault, RateLimited):
        return json_error(429, "Rate limit exceeded", [("Retry-After", fault.retry_after)])
    if isinstance(fault, ResetBeforeRequest):
        return Reset(after_request=False)
    if isinstance(fault, ResetAfterRequest):
        _discard(perform())
        return Reset(after_request=True)
    if isinstance(fault, StallResponse):
        if fault.after_request:
            _discard(perform())
        return Stall()
    if isinstance(fault, TruncateBody):
        return _map_final(perform(), *_truncate(fault))
    if isinstance(fault, MalformedJson):
        return _map_final(perform(), _malform, lambda stream: stream)
    if isinstance(fault, WrongContentType):
        kind = fault.content_type
        return _map_final(
            perform(),
            lambda r: attrs.evolve(r, headers=_retype(kind, r.headers)),
            lambda s: Streamed(ResponseHead(s.head.status, _retype(kind, s.head.headers)), s.body),
        )
    after = fault.after_events
    return _map_final(
        perform(), lambda r: r, lambda s: Streamed(s.head, BrokenEvents(s.body, after))
    )
