"""Shared helpers for the simulator tests: a fake clock and request shorthands."""

from __future__ import annotations

import json
from typing import Any

from covia_proto.http import Request, Response
from covia_proto.testing import WAIT, BodySource, Deferred, Reply, VenueSimulator

START = 1_781_000_000.0
BASE = "http://venue.test"


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def make(**kwargs: Any) -> tuple[VenueSimulator, FakeClock]:
    clock = FakeClock()
    return VenueSimulator(clock=clock, **kwargs), clock


def request(
    sim: VenueSimulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    raw: bytes | None = None,
) -> Reply:
    data = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    return sim.handle(Request(method, BASE + path, headers=headers, body=data))


def send(sim: VenueSimulator, method: str, path: str, body: Any = None, **kw: Any) -> Response:
    reply = request(sim, method, path, body, **kw)
    assert isinstance(reply, Response), reply
    return reply


def js(response: Response) -> Any:
    return json.loads(response.body)


def ctype(response: Response) -> str | None:
    return response.header("Content-Type")


def drain(source: BodySource) -> bytes:
    """Everything a body source has ready, until it ends or waits."""
    parts: list[bytes] = []
    while True:
        chunk = source.next_chunk()
        if chunk is WAIT or chunk == b"":
            return b"".join(parts)
        assert isinstance(chunk, bytes)
        parts.append(chunk)


def settle(sim: VenueSimulator, clock: FakeClock, reply: Reply, limit: float = 1e6) -> Response:
    """Drive a Deferred reply to its answer by moving the fake clock to each wake time."""
    while isinstance(reply, Deferred):
        answer = reply.poll()
        if answer is not None:
            reply = answer
            continue
        wakes = [w for w in (reply.wake_at, sim.next_wake()) if w is not None]
        assert wakes
        assert min(wakes) - clock.now < limit
        clock.now = max(clock.now, min(wakes))
        sim.advance()
    assert isinstance(reply, Response), reply
    return reply


def invoke(sim: VenueSimulator, op: str, value: Any = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"operation": op, **extra}
    if value is not None:
        body["input"] = value
    return send(sim, "POST", "/api/v1/invoke", body)


def statuses(record: dict[str, Any]) -> list[str]:
    """The status sequence of a record, oldest first, read from its ``prev`` chain."""
    seq = []
    node: dict[str, Any] | None = record
    while node is not None:
        seq.append(node["status"])
        node = node.get("prev")
    return seq[::-1]
