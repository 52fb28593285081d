"""A driver that answers a flow's effects from a script, on a fake clock.

For testing flows (ours, and code built on the core): it records every request in
order, answers each from the list it was given, sleeps by moving its clock, and
checks that every stream it opened was closed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import attrs

from covia_proto.drivers import BaseSyncDriver
from covia_proto.errors import CoviaError
from covia_proto.flows.drive import Outcome, iterate
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead

__all__ = ["ScriptExhausted", "ScriptedDriver", "StreamScript"]

T = TypeVar("T")


class ScriptExhausted(AssertionError):
    """The flow sent more requests than the script answers."""


@attrs.frozen
class StreamScript:
    """A streamed answer: the head, then each chunk (or an error raised at that read)."""

    head: ResponseHead
    chunks: Sequence[bytes | CoviaError] = ()


Answer = Response | StreamScript | CoviaError


class _Stream:
    def __init__(self, chunks: Sequence[bytes | CoviaError]) -> None:
        self.chunks = deque(chunks)
        self.closed = False


class ScriptedDriver(BaseSyncDriver):
    """Answers ``Send`` and ``OpenStream`` from ``answers`` in order.

    A ``Response`` given to ``OpenStream`` is streamed as one chunk; a ``CoviaError``
    is raised at that step. ``latency`` seconds pass on the clock for every request.
    """

    def __init__(
        self, answers: Iterable[Answer] = (), *, start: float = 1000.0, latency: float = 0.0
    ):
        self.answers: deque[Answer] = deque(answers)
        self.clock = start
        self.latency = latency
        self.requests: list[Request] = []
        self.effects: list[Effect] = []
        self.sleeps: list[float] = []
        self.emitted: list[Any] = []
        self.streams: list[_Stream] = []

    # -- the script ---------------------------------------------------------------------

    def add(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def _next_answer(self, request: Request) -> Answer:
        self.requests.append(request)
        self.clock += self.latency
        if not self.answers:
            raise ScriptExhausted(f"no scripted answer for {request.method} {request.url}")
        return self.answers.popleft()

    @property
    def open_streams(self) -> int:
        return sum(not stream.closed for stream in self.streams)

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(method, url) of every request, in order."""
        return [(r.method, r.url) for r in self.requests]

    # -- the driver ---------------------------------------------------------------------

    def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        return super().perform(effect)

    def perform_send(self, effect: Send) -> Response:
        answer = self._next_answer(effect.request)
        if isinstance(answer, CoviaError):
            raise answer
        if isinstance(answer, StreamScript):
            body = b"".join(c for c in answer.chunks if isinstance(c, bytes))
            return Response(answer.head.status, answer.head.headers, body)
        return answer

    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        answer = self._next_answer(effect.request)
        if isinstance(answer, CoviaError):
            raise answer
        if isinstance(answer, Response):
            answer = StreamScript(answer.head, [answer.body] if answer.body else [])
        stream = _Stream(answer.chunks)
        self.streams.append(stream)
        return OpenedStream(answer.head, stream)

    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        stream = effect.handle
        assert isinstance(stream, _Stream)
        assert not stream.closed, "read from a closed stream"
        if not stream.chunks:
            return b""
        chunk = stream.chunks.popleft()
        if isinstance(chunk, CoviaError):
            raise chunk
        return chunk

    def perform_close_stream(self, effect: CloseStream) -> None:
        assert isinstance(effect.handle, _Stream)
        effect.handle.closed = True

    def perform_sleep(self, effect: Sleep) -> None:
        assert effect.seconds >= 0, f"negative sleep {effect.seconds}"
        self.sleeps.append(effect.seconds)
        self.clock += effect.seconds

    def perform_get_time(self, effect: GetTime) -> float:
        return self.clock

    def run(self, flow: Flow[T]) -> T:
        """Run ``flow`` to its end; emitted items are kept in ``emitted``."""
        outcome = Outcome()
        for item in iterate(flow, self.perform, outcome):
            self.emitted.append(item)
        result: T = outcome.value
        return result
