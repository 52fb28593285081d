from __future__ import annotations

import pytest

from covia_proto.errors import CoviaConnectionError
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    Flow,
    GetTime,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.testing.scripted import ScriptedDriver, ScriptExhausted, StreamScript

GET = Request("GET", "https://v/api/v1/status")


def test_answers_in_order_and_records_requests():
    driver = ScriptedDriver([Response(200, (), b"a"), Response(201, (), b"b")])

    def flow() -> Flow[list[int]]:
        first = yield Send(GET)
        second = yield Send(Request("POST", "https://v/api/v1/invoke"))
        return [first.status, second.status]

    assert driver.run(flow()) == [200, 201]
    assert driver.calls == [("GET", "https://v/api/v1/status"), ("POST", "https://v/api/v1/invoke")]


def test_errors_are_raised_at_their_step_and_a_missing_answer_fails_loudly():
    driver = ScriptedDriver([CoviaConnectionError("reset")])

    def flow() -> Flow[str]:
        try:
            yield Send(GET)
        except CoviaConnectionError:
            yield Send(GET)
        return "unreachable"

    with pytest.raises(ScriptExhausted, match="GET https://v/api/v1/status"):
        driver.run(flow())


def test_time_is_fake_sleeps_move_the_clock_and_latency_is_charged():
    driver = ScriptedDriver([Response(200)], start=10.0, latency=0.25)

    def flow() -> Flow[float]:
        yield Sleep(1.5)
        yield Send(GET)
        now: float = yield GetTime()
        return now

    assert driver.run(flow()) == 11.75
    assert driver.sleeps == [1.5]


def test_streams_yield_their_chunks_then_end_and_are_tracked():
    script = StreamScript(ResponseHead(200), [b"one", b"two"])
    driver = ScriptedDriver([script, Response(200, (), b"whole")])

    def flow() -> Flow[list[bytes]]:
        opened = yield OpenStream(GET)
        chunks = []
        for _ in range(3):
            chunks.append((yield ReadChunk(opened.handle)))
        yield CloseStream(opened.handle)
        whole = yield OpenStream(GET)  # a Response opened as a stream: one chunk
        chunks.append((yield ReadChunk(whole.handle)))
        yield Emit("done")
        return chunks

    assert driver.run(flow()) == [b"one", b"two", b"", b"whole"]
    assert driver.emitted == ["done"]
    assert driver.open_streams == 0  # the runner closed the one the flow left open


def test_a_stream_script_answered_to_send_is_read_whole():
    driver = ScriptedDriver(
        [StreamScript(ResponseHead(200), [b"ab", CoviaConnectionError("x"), b"cd"])]
    )

    def flow() -> Flow[bytes]:
        response: Response = yield Send(GET)
        return response.body

    assert driver.run(flow()) == b"abcd"
