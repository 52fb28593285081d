"""Deadlines that hold, through every client (requests, aiohttp, trio).

A venue that dribbles its answer (a byte every 0.25 s, each wait far below the
per-wait ``timeout``) or sends endless ``100 Continue`` lines must not hold a call past
its deadline: a job wait past its own ``timeout``, any other call past the
connection's ``call_timeout``. Each dribble lasts longer than the deadline plus
a margin, so a call that is not cut short is seen running on.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from covia import CoviaTimeoutError, JobTimeoutError
from covia_proto.testing.server import BackgroundLoop
from tests.conformance.hostile import CLIENTS, Seen, dribble, raises, response, serving

JOB = "0190f3c2a1b20000aabbccddeeff0011"
DEADLINE = 1.5
DRIBBLE = 8.0  # how long a venue dribbles: far past DEADLINE
ENDED_BY = DEADLINE + 3.0  # a call cut at its deadline ends well before the dribble
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

pytestmark = pytest.mark.parametrize("client", CLIENTS)


def record(status: str) -> bytes:
    return json.dumps(
        {"id": JOB, "status": status, "op": "cd" * 32, "created": 1, "updated": 1}
    ).encode()


def slow_head(status: int, content_type: str = "application/json") -> bytes:
    """A head that promises a long body, which then comes a byte at a time."""
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        "Content-Length: 100000\r\nConnection: close\r\n\r\n"
    ).encode()


def timed(client: str, url: str, scenario: Any, **options: Any) -> tuple[BaseException, float]:
    started = time.monotonic()
    error = raises(client, url, scenario, **options)
    return error, time.monotonic() - started


async def wait_for_job(venue: Any) -> Any:
    job = await venue.get_job(JOB)
    return await job.wait(timeout=DEADLINE)


async def job_result(venue: Any) -> Any:
    job = await venue.get_job(JOB)
    return await job.result(timeout=DEADLINE)


def job_venue(stream_answer: Any) -> Any:
    """A venue whose job is running and whose job event stream answers as given."""

    def respond(seen: Seen) -> Any:
        if seen.path.endswith("/sse"):
            return stream_answer()
        return response(200, record("STARTED"))

    return respond


STREAM_ANSWERS = {
    "a slow 503": lambda: dribble(slow_head(503), b" "),
    "a slow 200 that is not an event stream": lambda: dribble(slow_head(200), b" "),
    "endless 100 Continue lines": lambda: dribble(CONTINUE, CONTINUE),
    "a slow event-stream head": lambda: dribble(b"HTTP/1.1 200 OK\r\n", b"X-Pad: 1\r\n"),
}


@pytest.mark.parametrize("answer", list(STREAM_ANSWERS))
@pytest.mark.parametrize("scenario", [wait_for_job, job_result], ids=["wait", "result"])
def test_a_job_wait_ends_at_its_timeout_whatever_the_stream_route_dribbles(
    venue_loop: BackgroundLoop, client: str, answer: str, scenario: Any
):
    respond = job_venue(STREAM_ANSWERS[answer])
    with serving(venue_loop, respond) as server:
        error, elapsed = timed(client, server.url, scenario)
    assert isinstance(error, JobTimeoutError), repr(error)
    assert error.job_id == JOB
    assert elapsed < ENDED_BY


def test_run_ends_at_its_timeout_when_the_invoke_answer_dribbles(
    venue_loop: BackgroundLoop, client: str
):
    def respond(seen: Seen) -> Any:
        return dribble(slow_head(201) + b'{"id":"' + JOB.encode(), b" ")

    async def run(venue: Any) -> Any:
        return await venue.run("slow", {}, timeout=DEADLINE)

    with serving(venue_loop, respond) as server:
        error, elapsed = timed(client, server.url, run)
    assert isinstance(error, CoviaTimeoutError), repr(error)
    assert elapsed < ENDED_BY


PLAIN_ANSWERS = {
    "a dribbled body": lambda: dribble(slow_head(200) + b'{"status":"OK"', b" "),
    "endless 100 Continue lines": lambda: dribble(CONTINUE, CONTINUE),
    "a dribbled head": lambda: dribble(b"HTTP/1.1 200 OK\r\n", b"X-Pad: 1\r\n"),
}


@pytest.mark.parametrize("answer", list(PLAIN_ANSWERS))
def test_a_plain_call_ends_at_the_call_timeout(
    venue_loop: BackgroundLoop, client: str, answer: str
):
    async def status(venue: Any) -> Any:
        return await venue.status()

    with serving(venue_loop, lambda seen: PLAIN_ANSWERS[answer]()) as server:
        error, elapsed = timed(client, server.url, status, call_timeout=DEADLINE)
    assert isinstance(error, CoviaTimeoutError), repr(error)
    assert f"within {DEADLINE:g} s" in str(error)
    assert elapsed < ENDED_BY
    assert len(server.seen) == 1  # a call out of time is not tried again
