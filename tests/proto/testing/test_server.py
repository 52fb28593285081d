"""The loopback server puts every reply type on a real socket, driven with plain clients."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import aiohttp
import pytest
import requests

from covia_proto.http import Request, Response, ResponseHead
from covia_proto.testing.replies import (
    Deferred,
    Delayed,
    Reply,
    Reset,
    Stall,
    Streamed,
    Truncated,
)
from covia_proto.testing.server import (
    BackgroundLoop,
    RunningVenue,
    serve_venue,
    serve_venue_async,
    venue_clock,
)
from tests.proto.testing.fake_simulator import FakeSimulator, QueueSource

TIMEOUT = 5.0
Venue = RunningVenue[FakeSimulator]
JSON = (("Content-Type", "application/json"),)


@pytest.fixture(scope="module")
def loop() -> Iterator[BackgroundLoop]:
    with BackgroundLoop() as background:
        yield background


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Faults must end connections quietly, not as errors in aiohttp's log."""
    yield
    noisy = [r for r in caplog.records if r.name.startswith("aiohttp") and r.levelno >= 30]
    assert not noisy, [r.getMessage() for r in noisy]


@pytest.fixture
def sim() -> FakeSimulator:
    return FakeSimulator()


@pytest.fixture
def venue(sim: FakeSimulator, loop: BackgroundLoop) -> Iterator[Venue]:
    with serve_venue(sim, loop=loop) as running:
        yield running


def route(venue: Venue, path: str, answer: Callable[[Request, IO[bytes] | None], Reply]):
    venue.call(venue.simulator.routes.__setitem__, path, answer)


def fixed(reply: Reply) -> Callable[[Request, IO[bytes] | None], Reply]:
    return lambda request, body: reply


def eventually(check: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


def raw_exchange(venue: Venue, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(venue.url.rsplit(":", 1)[1])), TIMEOUT)
    sock.sendall(data)
    return sock


# Plain responses


def test_response_is_sent_exactly(venue: Venue) -> None:
    route(venue, "/r", fixed(Response(201, (("X-Thing", "a b"), *JSON), b'{"ok":true}')))
    answer = requests.get(venue.url + "/r", timeout=TIMEOUT)
    assert answer.status_code == 201
    assert answer.headers["X-Thing"] == "a b"
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.content == b'{"ok":true}'


def test_no_content_type_is_added(venue: Venue) -> None:
    route(venue, "/bare", fixed(Response(200, (), b"plain bytes")))
    route(venue, "/empty", fixed(Response(404)))
    bare = requests.get(venue.url + "/bare", timeout=TIMEOUT)
    empty = requests.put(venue.url + "/empty", timeout=TIMEOUT)
    assert "Content-Type" not in bare.headers
    assert bare.content == b"plain bytes"
    assert (empty.status_code, empty.content) == (404, b"")
    assert "Content-Type" not in empty.headers
    assert empty.headers["Content-Length"] == "0"


def test_framing_headers_come_from_the_body(venue: Venue) -> None:
    route(venue, "/lying", fixed(Response(200, (("Content-Length", "999"),), b"four")))
    answer = requests.get(venue.url + "/lying", timeout=TIMEOUT)
    assert (answer.headers["Content-Length"], answer.content) == ("4", b"four")


def test_connection_close_is_honoured(venue: Venue) -> None:
    route(venue, "/close", fixed(Response(200, (("Connection", "close"),), b"bye")))
    sock = raw_exchange(venue, b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
    received = b""
    while chunk := sock.recv(65536):  # ends only because the server closes
        received += chunk
    sock.close()
    assert received.startswith(b"HTTP/1.1 200 ")
    assert received.endswith(b"\r\n\r\nbye")


def test_head_keeps_the_announced_length(venue: Venue) -> None:
    route(venue, "/h", fixed(Response(200, (("Content-Length", "42"), *JSON))))
    answer = requests.head(venue.url + "/h", timeout=TIMEOUT)
    assert (answer.status_code, answer.headers["Content-Length"]) == (200, "42")


def test_simulator_bug_is_a_logged_500(venue: Venue, caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: Request, body: IO[bytes] | None) -> Reply:
        raise ZeroDivisionError

    route(venue, "/bug", broken)
    assert requests.get(venue.url + "/bug", timeout=TIMEOUT).status_code == 500
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
    caplog.clear()


# The request as the simulator sees it


def test_request_value_keeps_percent_encoding_and_headers(venue: Venue, sim: FakeSimulator) -> None:
    path = "/api/v1/operations/v%2Ftest%2Fops%2Fecho"
    connection = http.client.HTTPConnection("127.0.0.1", int(venue.url.rsplit(":", 1)[1]))
    connection.request("GET", path + "?q=a%20b%2Fc", headers={"X-Covia-User": "alice"})
    assert connection.getresponse().status == 404
    connection.close()
    seen = venue.call(lambda: sim.requests[-1])
    assert seen.method == "GET"
    assert seen.url == f"{venue.url}{path}?q=a%20b%2Fc"
    assert ("X-Covia-User", "alice") in seen.headers
    assert seen.header("host") == venue.url.removeprefix("http://")


def test_small_body_reaches_the_simulator_as_a_file(venue: Venue) -> None:
    got: list[tuple[bytes, str]] = []

    def echo(request: Request, body: IO[bytes] | None) -> Reply:
        assert body is not None
        got.append((body.read(), request.method))
        return Response(200, JSON, b"{}")

    route(venue, "/post", echo)
    route(venue, "/get", lambda request, body: Response(200, (), b"none" if body is None else b"?"))
    assert requests.post(venue.url + "/post", data=b'{"a":1}', timeout=TIMEOUT).ok
    assert requests.get(venue.url + "/get", timeout=TIMEOUT).content == b"none"
    assert got == [(b'{"a":1}', "POST")]


def test_large_upload_is_spooled_to_disk(venue: Venue) -> None:
    block = bytes(range(256)) * 4096  # 1 MiB
    blocks = 64
    seen: dict[str, Any] = {}

    def consume(request: Request, body: IO[bytes] | None) -> Reply:
        assert body is not None
        digest, size = hashlib.sha256(), 0
        while chunk := body.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        # Private, but the one way to tell the spool went to disk instead of memory.
        seen.update(
            spooled=isinstance(body, tempfile.SpooledTemporaryFile)
            and getattr(body, "_rolled", False),
            size=size,
            sha=digest.hexdigest(),
            chunked=request.header("transfer-encoding"),
        )
        return Response(200)

    route(venue, "/upload", consume)
    answer = requests.put(
        venue.url + "/upload", data=(block for _ in range(blocks)), timeout=30
    )  # a generator: sent chunked, never whole in the client either
    assert answer.status_code == 200
    expected = hashlib.sha256()
    for _ in range(blocks):
        expected.update(block)
    assert seen == {
        "spooled": True,
        "size": blocks * len(block),
        "sha": expected.hexdigest(),
        "chunked": "chunked",
    }


def test_expect_continue_is_answered(venue: Venue) -> None:
    route(venue, "/put", lambda request, body: Response(200, (), body.read() if body else b""))
    sock = raw_exchange(
        venue,
        b"PUT /put HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    sock.sendall(b"hello")
    received = b""
    while not received.endswith(b"hello"):
        received += sock.recv(65536)
    sock.close()
    assert b"HTTP/1.1 200 " in received


# Streamed replies


def sse_head() -> ResponseHead:
    return ResponseHead(
        200, (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"))
    )


def test_stream_arrives_event_by_event(venue: Venue, sim: FakeSimulator) -> None:
    source = QueueSource(sim, b"event: job-update\ndata: 1\n\n")
    route(venue, "/sse", fixed(Streamed(sse_head(), source)))
    with requests.get(venue.url + "/sse", stream=True, timeout=TIMEOUT) as answer:
        assert answer.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        chunks = answer.iter_content(chunk_size=None)
        assert next(chunks) == b"event: job-update\ndata: 1\n\n"
        # The second event exists only now: it cannot have been buffered with the first.
        venue.call(source.push, b"event: job-update\ndata: 2\n\n")
        assert next(chunks) == b"event: job-update\ndata: 2\n\n"
        venue.call(source.finish)
        assert list(chunks) == []
    assert venue.call(lambda: source.closed)


def test_stream_wakes_at_the_next_timer(venue: Venue, sim: FakeSimulator) -> None:
    ready_at: list[float] = []

    class Timed(QueueSource):
        def next_chunk(self) -> Any:
            if ready_at and venue_clock() >= ready_at[0]:
                return b"" if self.finished else self._late()
            return super().next_chunk()

        def _late(self) -> bytes:
            self.finished = True
            return b"late"

    source = Timed(sim, b"early")

    def start(request: Request, body: IO[bytes] | None) -> Reply:
        ready_at.append(venue_clock() + 0.2)
        sim.at(ready_at[0], lambda: None)  # a timer, but no change notification
        return Streamed(ResponseHead(200), source)

    route(venue, "/timed", start)
    began = time.monotonic()
    answer = requests.get(venue.url + "/timed", timeout=TIMEOUT)
    assert answer.content == b"earlylate"
    assert 0.15 <= time.monotonic() - began < 2


def test_stream_with_length_serves_large_content(venue: Venue, sim: FakeSimulator) -> None:
    block, blocks = b"\x5a" * (1 << 20), 32
    source = QueueSource(sim, *([block] * blocks))
    source.finished = True
    head = ResponseHead(200, (("Content-Length", str(blocks << 20)),))
    route(venue, "/content", fixed(Streamed(head, source)))
    with requests.get(venue.url + "/content", stream=True, timeout=TIMEOUT) as answer:
        assert answer.headers["Content-Length"] == str(blocks << 20)
        assert "Transfer-Encoding" not in answer.headers
        assert sum(len(chunk) for chunk in answer.iter_content(1 << 16)) == blocks << 20


def test_client_leaving_a_stream_closes_the_source(venue: Venue, sim: FakeSimulator) -> None:
    source = QueueSource(sim, b"data: only\n\n")
    route(venue, "/sse", fixed(Streamed(sse_head(), source)))
    with requests.get(venue.url + "/sse", stream=True, timeout=TIMEOUT) as answer:
        assert next(answer.iter_content(chunk_size=None)) == b"data: only\n\n"
    assert eventually(lambda: venue.call(lambda: source.closed))


# Replies that wait


def test_deferred_is_answered_when_the_simulator_changes(venue: Venue, sim: FakeSimulator) -> None:
    state: dict[str, Reply] = {}
    route(venue, "/wait", fixed(Deferred(poll=lambda: state.get("answer"))))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.get, venue.url + "/wait", timeout=TIMEOUT)
        time.sleep(0.2)
        assert not pending.done()

        def finish() -> None:
            state["answer"] = Response(200, (), b"done")
            sim.changed()

        venue.call(finish)
        assert pending.result().content == b"done"


def test_deferred_woken_by_a_change_from_another_thread(venue: Venue, sim: FakeSimulator) -> None:
    state: dict[str, Reply] = {}
    route(venue, "/wait", fixed(Deferred(poll=lambda: state.get("answer"))))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.get, venue.url + "/wait", timeout=TIMEOUT)
        assert eventually(lambda: len(sim.requests) == 1)
        state["answer"] = Response(204)
        sim.changed()  # not through venue.call: the listener must hop threads itself
        assert pending.result().status_code == 204


def test_deferred_is_polled_again_at_wake_at(venue: Venue) -> None:
    def start(request: Request, body: IO[bytes] | None) -> Reply:
        due = venue_clock() + 0.2
        return Deferred(poll=lambda: Response(200) if venue_clock() >= due else None, wake_at=due)

    route(venue, "/later", start)
    began = time.monotonic()
    assert requests.get(venue.url + "/later", timeout=TIMEOUT).status_code == 200
    assert 0.15 <= time.monotonic() - began < 2


def test_timers_run_with_no_request_pending(venue: Venue, sim: FakeSimulator) -> None:
    fired = threading.Event()
    venue.call(sim.at, venue_clock() + 0.1, fired.set)
    assert fired.wait(TIMEOUT)  # only the server's timer task can have run it


def test_delayed_answers_late(venue: Venue) -> None:
    route(venue, "/slow", fixed(Delayed(0.3, Response(200, (), b"slow"))))
    began = time.monotonic()
    assert requests.get(venue.url + "/slow", timeout=TIMEOUT).content == b"slow"
    assert time.monotonic() - began >= 0.3


def test_deferred_may_resolve_to_another_fault(venue: Venue) -> None:
    route(venue, "/chain", fixed(Deferred(poll=lambda: Delayed(0.05, Reset(after_request=True)))))
    with pytest.raises(requests.ConnectionError):
        requests.get(venue.url + "/chain", timeout=TIMEOUT)


# Faults that break the connection


@pytest.mark.parametrize("after_request", [False, True])
def test_reset_is_a_connection_error(venue: Venue, after_request: bool) -> None:
    route(venue, "/reset", fixed(Reset(after_request=after_request)))
    with pytest.raises(requests.ConnectionError):
        requests.post(venue.url + "/reset", data=b"x" * 1000, timeout=TIMEOUT)


def test_reset_sends_rst(venue: Venue) -> None:
    route(venue, "/reset", fixed(Reset(after_request=True)))
    sock = raw_exchange(venue, b"GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
    with pytest.raises(ConnectionResetError):
        sock.recv(100)
    sock.close()


def test_truncated_body_is_incomplete(venue: Venue) -> None:
    body = bytes(range(256)) * 4
    route(venue, "/cut", fixed(Truncated(Response(200, JSON, body), keep=100)))
    connection = http.client.HTTPConnection("127.0.0.1", int(venue.url.rsplit(":", 1)[1]))
    connection.request("GET", "/cut")
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("Content-Length")) == (200, str(len(body)))
    assert answer.getheader("Content-Type") == "application/json"
    with pytest.raises(http.client.IncompleteRead) as excinfo:
        answer.read()
    assert excinfo.value.partial == body[:100]
    connection.close()


def test_truncated_seen_by_requests(venue: Venue) -> None:
    route(venue, "/cut", fixed(Truncated(Response(200, (), b"x" * 1000), keep=10)))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(venue.url + "/cut", timeout=TIMEOUT)


def test_stall_times_out_on_the_client_and_ends_on_the_server(venue: Venue) -> None:
    route(venue, "/stall", fixed(Stall()))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(venue.url + "/stall", timeout=0.3)
    # The client went away: the server must not keep the handler forever.
    assert eventually(lambda: venue.call(lambda: not venue.venue._handlers))


# Lifecycle, threads and load


def test_call_runs_on_the_server_thread(venue: Venue, sim: FakeSimulator) -> None:
    route(venue, "/x", fixed(Response(200)))
    requests.get(venue.url + "/x", timeout=TIMEOUT)
    server_thread = venue.call(threading.get_ident)
    assert server_thread != threading.get_ident()
    assert sim.handler_threads == {server_thread}


def test_stop_cuts_open_requests_quickly(sim: FakeSimulator, loop: BackgroundLoop) -> None:
    source = QueueSource(sim, b"data: 1\n\n")
    with serve_venue(sim, loop=loop) as running:
        route(running, "/stall", fixed(Stall()))
        route(running, "/sse", fixed(Streamed(sse_head(), source)))
        stalled = raw_exchange(running, b"GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
        stream = requests.get(running.url + "/sse", stream=True, timeout=TIMEOUT)
        assert next(stream.iter_content(chunk_size=None)) == b"data: 1\n\n"
        assert eventually(lambda: len(sim.requests) == 2)
        began = time.monotonic()
    assert time.monotonic() - began < 1.5
    assert stalled.recv(100) == b""  # closed, with no answer
    stalled.close()
    assert source.closed
    stream.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(running.url + "/sse", timeout=TIMEOUT)


def test_serve_venue_owns_its_loop_when_given_none(sim: FakeSimulator) -> None:
    before = set(threading.enumerate())
    with serve_venue(sim) as running:
        route(running, "/x", fixed(Response(200, (), b"own")))
        assert requests.get(running.url + "/x", timeout=TIMEOUT).content == b"own"
        (server_thread,) = set(threading.enumerate()) - before
    assert not server_thread.is_alive()


def test_simulator_and_options_are_exclusive(sim: FakeSimulator) -> None:
    with pytest.raises(TypeError), serve_venue(sim, profile="latest"):  # type: ignore[call-overload]
        pass


def test_a_thousand_concurrent_connections(venue: Venue, sim: FakeSimulator) -> None:
    state: dict[str, Reply] = {}
    route(venue, "/wait", fixed(Deferred(poll=lambda: state.get("answer"))))
    route(venue, "/ping", fixed(Response(200, (), b"pong")))
    port = int(venue.url.rsplit(":", 1)[1])
    sockets = [socket.create_connection(("127.0.0.1", port), TIMEOUT) for _ in range(1000)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        assert eventually(lambda: len(sim.requests) == 1000)
        began = time.monotonic()
        assert requests.get(venue.url + "/ping", timeout=TIMEOUT).content == b"pong"
        assert time.monotonic() - began < 2  # not queued behind the 1000 waiting requests

        def release() -> None:
            state["answer"] = Response(200, (), b"go")
            sim.changed()

        venue.call(release)
        for sock in sockets:
            received = b""
            while not received.endswith(b"go"):
                received += sock.recv(4096)
            assert received.startswith(b"HTTP/1.1 200 ")
    finally:
        for sock in sockets:
            sock.close()


def test_async_context_manager(sim: FakeSimulator) -> None:
    async def main() -> tuple[int, bytes]:
        sim.routes["/x"] = fixed(Response(202, (), b"async"))
        async with serve_venue_async(sim) as running, aiohttp.ClientSession() as session:
            assert running.url.startswith("http://127.0.0.1:")
            async with session.get(running.url + "/x") as answer:
                return answer.status, await answer.read()

    assert asyncio.run(main()) == (202, b"async")


def test_stream_ending_short_of_its_length_is_cut(venue: Venue, sim: FakeSimulator) -> None:
    source = QueueSource(sim, b"0123456789")
    source.finished = True
    head = ResponseHead(200, (("Content-Length", "100"),))
    route(venue, "/short", fixed(Streamed(head, source)))
    connection = http.client.HTTPConnection("127.0.0.1", int(venue.url.rsplit(":", 1)[1]))
    connection.request("GET", "/short")
    answer = connection.getresponse()
    assert answer.getheader("Content-Length") == "100"
    with pytest.raises(http.client.IncompleteRead) as excinfo:
        answer.read()
    assert excinfo.value.partial == b"0123456789"
    connection.close()


def test_head_does_not_read_the_stream(venue: Venue, sim: FakeSimulator) -> None:
    source = QueueSource(sim, b"never sent")
    head = ResponseHead(200, (("Content-Length", "10"),))
    route(venue, "/head", fixed(Streamed(head, source)))
    answer = requests.head(venue.url + "/head", timeout=TIMEOUT)
    assert (answer.status_code, answer.headers["Content-Length"]) == (200, "10")
    assert venue.call(lambda: (list(source.chunks), source.closed)) == ([b"never sent"], True)


def test_failing_timer_is_logged_and_serving_goes_on(
    venue: Venue, sim: FakeSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("timer bug")

    route(venue, "/x", fixed(Response(200)))
    venue.call(sim.at, venue_clock() + 0.05, explode)
    assert eventually(lambda: any("timers" in r.getMessage() for r in caplog.records))
    assert requests.get(venue.url + "/x", timeout=TIMEOUT).status_code == 200


def test_call_wakes_waiters_on_unannounced_changes(venue: Venue) -> None:
    state: dict[str, Reply] = {}
    route(venue, "/wait", fixed(Deferred(poll=lambda: state.get("answer"))))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.get, venue.url + "/wait", timeout=TIMEOUT)
        assert eventually(lambda: len(venue.simulator.requests) == 1)
        # No listener is told; going through call() is enough.
        venue.call(state.__setitem__, "answer", Response(200, (), b"seen"))
        assert pending.result().content == b"seen"


def test_localhost_is_served_on_ipv4(sim: FakeSimulator, loop: BackgroundLoop) -> None:
    with serve_venue(sim, host="localhost", loop=loop) as running:
        assert running.url.startswith("http://127.0.0.1:")


def test_http10_without_host_gets_the_served_address(venue: Venue, sim: FakeSimulator) -> None:
    route(venue, "/old", fixed(Response(200, (), b"ok")))
    sock = raw_exchange(venue, b"GET /old HTTP/1.0\r\n\r\n")
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    assert received.startswith(b"HTTP/1.0 200 ")
    assert received.endswith(b"ok")
    assert venue.call(lambda: sim.requests[-1].url) == venue.url + "/old"


def test_a_closed_background_loop_refuses_work() -> None:
    background = BackgroundLoop()
    assert background.call(lambda: 41 + 1) == 42
    background.close()

    async def nothing() -> None:
        pass

    with pytest.raises(RuntimeError, match="closed"):
        background.run(nothing())
    with pytest.raises(RuntimeError, match="closed"):
        background.call(print)


def test_a_taken_port_fails_to_start(sim: FakeSimulator, loop: BackgroundLoop) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=r"(?i)in use"), serve_venue(sim, port=port, loop=loop):
            pass
    with serve_venue(sim, loop=loop) as running:  # nothing was left subscribed or bound
        route(running, "/x", fixed(Response(200)))
        assert requests.get(running.url + "/x", timeout=TIMEOUT).status_code == 200
    assert sim.listeners == []
