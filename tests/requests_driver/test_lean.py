"""``covia_requests.lean``: on the SDK's own session, an answer read whole is spoken by the
core's HTTP/1.1 connection over urllib3's pooled connections, and everything else keeps
urllib3's path on the same connections."""

from __future__ import annotations

import gzip
import http.client
from collections.abc import AsyncIterator
from typing import Any

import pytest
import urllib3.connectionpool

from covia import CoviaConnectionError, CoviaUsageError, Grid, Limits, VenueProtocolError
from covia_proto.flows.effects import CloseStream, OpenStream, ReadChunk, Send
from covia_proto.http import Request
from covia_proto.testing.server import BackgroundLoop
from covia_requests import RequestsDriver
from covia_requests.lean import READ_SIZE
from tests.conformance.hostile import Seen, forever, response, serving
from tests.requests_driver.conftest import Served


@pytest.fixture
def heads_read_by_http_client(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    read: list[int] = []
    original = http.client.HTTPResponse.begin

    def begin(self: http.client.HTTPResponse) -> None:
        read.append(1)
        original(self)

    monkeypatch.setattr(http.client.HTTPResponse, "begin", begin)
    return read


def status(url: str) -> Request:
    return Request("GET", url + "/api/v1/status", (("Accept", "application/json"),))


def test_answers_and_streams_skip_http_client_on_one_kept_alive_connection(
    plain: Served, connects: list[int], heads_read_by_http_client: list[int]
) -> None:
    with RequestsDriver(timeout=5) as driver:
        for _ in range(3):
            answer = driver.perform(Send(status(plain.url)))
            assert answer.status == 200
            assert (answer.header("content-type") or "").startswith("application/json")
            opened = driver.perform(OpenStream(status(plain.url)))
            assert opened.head.status == 200
            body = b""
            while chunk := driver.perform(ReadChunk(opened.handle)):
                body += chunk
            assert driver.perform(ReadChunk(opened.handle)) == b""  # ended, and stays so
            driver.perform(CloseStream(opened.handle))
            assert b'"status"' in body
            with pytest.raises(CoviaUsageError, match="closed"):
                driver.perform(ReadChunk(opened.handle))
    assert heads_read_by_http_client == []
    assert connects == [1]  # one keep-alive connection throughout


def test_a_stream_closed_before_its_end_hangs_up(loop: BackgroundLoop) -> None:
    def respond(seen: Seen) -> AsyncIterator[bytes]:
        head = response(200, content_type="application/octet-stream", length=False)
        return forever(head, b"c" * 65536)

    with serving(loop, respond) as server, RequestsDriver(timeout=5) as driver:
        opened = driver.perform(OpenStream(status(server.url)))
        assert driver.perform(ReadChunk(opened.handle)).startswith(b"c")
        driver.perform(CloseStream(opened.handle))
        driver.perform(CloseStream(opened.handle))  # harmless twice
        assert server.gone.wait(10)  # the rest was not read: the connection was closed


def test_a_stream_read_by_pieces_is_the_venues_bytes_whatever_their_framing(
    loop: BackgroundLoop,
) -> None:
    events = [b'event: job-update\ndata: {"n": %d}\n\n' % n for n in range(2000)]
    whole = b"".join(events)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events) + b"0\r\n\r\n"
    sse = "text/event-stream"
    gzipped = (("Content-Encoding", "gzip"),)
    replies = [
        response(200, whole, content_type=sse),
        response(200, content_type=sse, length=False).replace(
            b"\r\n\r\n", b"\r\nTransfer-Encoding: chunked\r\n\r\n", 1
        )
        + chunked,
        response(200, gzip.compress(whole), content_type=sse, headers=gzipped),
    ]
    for reply in replies:

        def respond(seen: Seen, reply: bytes = reply) -> bytes:
            return reply

        with serving(loop, respond) as server, RequestsDriver(timeout=5) as driver:
            opened = driver.perform(OpenStream(status(server.url)))
            reads = []
            while chunk := driver.perform(ReadChunk(opened.handle)):
                reads.append(chunk)
            driver.perform(CloseStream(opened.handle))
        assert b"".join(reads) == whole
        assert max(map(len, reads)) <= READ_SIZE  # an event stream is read in small pieces


KEEP_ALIVE_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"status":"OK"}'
)


@pytest.fixture
def stale_connections_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib3 takes a pooled connection the venue has closed for a live one, as it
    does when the close arrives just after its check."""
    monkeypatch.setattr(urllib3.connectionpool, "is_connection_dropped", lambda conn: False)


def test_a_connection_the_venue_closed_while_idle_is_replaced_for_a_read(
    loop: BackgroundLoop,
    connects: list[int],
    stale_connections_taken: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The venue answers as if it kept the connection, then closes it.
    with serving(loop, lambda seen: KEEP_ALIVE_ANSWER) as server:
        with RequestsDriver(timeout=5) as driver:
            for _ in range(3):
                assert driver.perform(Send(status(server.url))).body == b'{"status":"OK"}'
            lean = driver._lean_sender
            assert lean is not None
            pool = lean._direct.pool_for(server.url, True)
            assert pool.pool is not None
            assert pool.pool.qsize() == pool.pool.maxsize  # every place given back
        assert [seen.path for seen in server.seen] == ["/api/v1/status"] * 3
    assert connects == [1, 1, 1]
    assert not [r for r in caplog.records if r.name.startswith("urllib3")]  # no pool warning


def test_a_connection_the_venue_closed_while_idle_is_not_replaced_for_an_invoke(
    loop: BackgroundLoop, stale_connections_taken: None
) -> None:
    invoke = Request("POST", "/api/v1/invoke", body=b'{"operation":"x"}')
    with serving(loop, lambda seen: KEEP_ALIVE_ANSWER) as server:
        with RequestsDriver(timeout=5) as driver:
            post = Request(invoke.method, server.url + invoke.url, body=invoke.body)
            assert driver.perform(Send(post)).status == 200
            with pytest.raises(CoviaConnectionError, match=r"(closed|broke) before") as broke:
                driver.perform(Send(post))
            assert broke.value.sent is True  # the driver cannot know: the core decides
            # The connection was given up: the next call opens a new one.
            assert driver.perform(Send(status(server.url))).status == 200
        assert [seen.method for seen in server.seen] == ["POST", "GET"]


def big_head(seen: Seen) -> bytes:
    padding = b"\r\nX-Padding: " + b"p" * 100_000 + b"\r\n\r\n"
    return KEEP_ALIVE_ANSWER.replace(b"\r\n\r\n", padding)


def test_the_head_of_an_answer_read_whole_is_bounded_by_max_header_size(
    loop: BackgroundLoop,
) -> None:
    # A head of 100 kB: more than http.client takes on one line, within a larger bound.
    with serving(loop, big_head) as server:
        with RequestsDriver(timeout=5, max_header_size=256 * 1024) as roomy:
            assert roomy.perform(Send(status(server.url))).status == 200
        tight = RequestsDriver(timeout=5, max_header_size=16 * 1024)
        with tight, pytest.raises(VenueProtocolError, match=r"max_head_size \(16384 bytes\)"):
            tight.perform(Send(status(server.url)))


def test_grid_connect_gives_the_driver_its_limits_header_size(plain: Served) -> None:
    with Grid.connect(plain.url, limits=Limits(max_header_size=2048)) as connected:
        driver: Any = connected._session.driver
        assert driver.max_header_size == 2048
    assert RequestsDriver().max_header_size == Limits().max_header_size


@pytest.mark.parametrize("size", [0, -1, True, 2.5, "64"])
def test_max_header_size_must_be_a_positive_int(size: Any) -> None:
    with pytest.raises(CoviaUsageError, match="max_header_size"):
        RequestsDriver(max_header_size=size)


def test_a_cookie_set_on_an_answer_read_whole_goes_back_with_the_next_request(
    loop: BackgroundLoop,
) -> None:
    def respond(seen: Seen) -> bytes:
        # "Connection: close": the next request (by requests' path, which sends the
        # cookie) opens a new connection rather than racing the venue's close.
        return response(200, b"{}", headers=(("Set-Cookie", "lb=node-7"),))

    with serving(loop, respond) as server:
        with RequestsDriver(timeout=5) as driver:
            driver.perform(Send(status(server.url)))
            assert driver.session.cookies.get("lb") == "node-7"
            driver.perform(Send(status(server.url)))
        first, second = server.seen
    assert first.header("Cookie") is None
    assert second.header("Cookie") == "lb=node-7"
