"""``covia_requests.chunked``: a chunked body read by its framing, every chunk that has
arrived in one read, split anywhere; a malformed framing refused by the core's decoder
(``tests/proto/test_chunked.py`` tests the decoder itself), a cut-off one as urllib3
refuses it."""

from __future__ import annotations

import gzip
import pathlib
import re
import socketserver
import ssl
import threading
from typing import Any, cast

import pytest
import requests
import trustme
from urllib3.exceptions import ProtocolError

from covia import CoviaConnectionError, VenueProtocolError
from covia_proto.errors import RequestInfo
from covia_proto.flows.effects import CloseStream, OpenStream, ReadChunk
from covia_proto.http import Request
from covia_proto.testing.server import BackgroundLoop
from covia_requests import RequestsDriver
from covia_requests.chunked import ChunkedBody, chunked_body
from tests.conformance.hostile import serving

INFO = RequestInfo("GET", "http://127.0.0.1/api/v1/jobs/x/sse")
EVENTS = [f'event: job-update\ndata: {{"n": {n}}}\n\n'.encode() for n in range(40)]


def framed(pieces: list[bytes], *, extension: bytes = b"", trailer: bytes = b"") -> bytes:
    """``pieces`` as a chunked body, one chunk each."""
    chunks = [b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces]
    return b"".join(chunks) + b"0\r\n" + trailer + b"\r\n"


class Pieces:
    """A connection's buffered reader that has received ``pieces``, one per read."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = list(pieces)
        self.sizes: list[int] = []

    def read1(self, size: int) -> bytes:
        self.sizes.append(size)
        return self.pieces.pop(0) if self.pieces else b""


class Ends:
    """The http.client and urllib3 responses around ``fp``: what is done at the end."""

    def __init__(self, fp: Any) -> None:
        self.fp = fp
        self.calls: list[str] = []

    def close(self) -> None:
        self.calls.append("response closed")
        self.fp = None

    def release_conn(self) -> None:
        self.calls.append("connection released")

    def reader(self) -> ChunkedBody:
        return ChunkedBody(cast(Any, self), cast(Any, self), INFO)


def body_of(pieces: list[bytes]) -> tuple[list[bytes], Ends]:
    ends = Ends(Pieces(pieces))
    body = ends.reader()
    reads = []
    while data := body.read(128 * 1024):
        reads.append(data)
    assert body.read(128 * 1024) == b""  # the end stays the end
    return reads, ends


def splits(wire: bytes, step: int) -> list[bytes]:
    return [wire[i : i + step] for i in range(0, len(wire), step)]


def test_every_chunk_that_has_arrived_comes_in_one_read() -> None:
    reads, ends = body_of([framed(EVENTS)])
    assert reads == [b"".join(EVENTS)]
    assert ends.calls == ["response closed", "connection released"]


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64, 333])
def test_the_framing_may_be_split_anywhere(step: int) -> None:
    wire = framed(EVENTS, extension=b";name=value", trailer=b"X-Trailer: yes\r\n")
    reads, ends = body_of(splits(wire, step))
    assert b"".join(reads) == b"".join(EVENTS)
    assert ends.calls == ["response closed", "connection released"]


def test_what_follows_the_body_is_left_unread() -> None:
    pieces = [framed(EVENTS[:2]), b"never read"]
    ends = Ends(Pieces(pieces))
    body = ends.reader()
    assert body.read(1024) == EVENTS[0] + EVENTS[1]
    assert body.read(1024) == b""
    assert ends.calls == ["response closed", "connection released"]
    assert ends.fp is None  # "never read" was not asked for


def test_bytes_read_past_the_body_close_its_connection() -> None:
    # Unasked bytes that came with the end would be read as the next answer.
    ends = Ends(Pieces([framed(EVENTS[:2]) + b"HTTP/1.1 200 OK\r\n"]))
    body = ends.reader()
    assert body.read(1024) == EVENTS[0] + EVENTS[1]
    assert body.read(1024) == b""
    assert ends.calls == ["response closed", "response closed", "connection released"]


def test_the_connection_goes_back_with_the_last_data_before_it_is_asked_for_more() -> None:
    # A job's last event may come with the end of its stream, after which the flow
    # closes the stream without another read: the connection is back in its pool.
    ends = Ends(Pieces([framed(EVENTS[:2])]))
    assert ends.reader().read(1024) == EVENTS[0] + EVENTS[1]
    assert ends.calls == ["response closed", "connection released"]


def test_a_read_asks_for_at_most_the_size_given() -> None:
    fp = Pieces([framed(EVENTS)])
    Ends(fp).reader().read(4096)
    assert fp.sizes == [4096]


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        (b"zz\r\nabc\r\n0\r\n\r\n", "illegal chunk header: b'zz\\r\\n'"),
        (b"-3\r\nabc\r\n0\r\n\r\n", "illegal chunk header"),
        (b"\r\n", "illegal chunk header"),
        (b"3\nabc\r\n0\r\n\r\n", "illegal chunk header"),  # http.client took a bare LF
        (b"3\r\nabcXY0\r\n\r\n", "malformed chunk footer"),  # http.client dropped it unread
        (b"0\r\nno colon\r\n\r\n", "illegal trailer line"),
        (b"1" * 70000, "chunk header or trailer line over 65536 bytes"),
    ],
)
def test_a_malformed_framing_is_the_venues_fault(wire: bytes, why: str) -> None:
    first = framed(EVENTS[:1]).removesuffix(b"0\r\n\r\n")
    body = Ends(Pieces([first, *splits(wire, 1000)])).reader()
    assert body.read(1024) == EVENTS[0]  # what came before it is given first
    with pytest.raises(
        VenueProtocolError, match=f"malformed HTTP response: {re.escape(why)}"
    ) as info:
        read_to_end(body)
    assert info.value.request == INFO


def read_to_end(body: ChunkedBody) -> None:
    while body.read(1024):
        pass


@pytest.mark.parametrize(
    ("wire", "missing"),
    [(b"5\r\nabc", "mid-chunk"), (b"3\r\nabc\r\n", "before its last chunk"), (b"0\r\n", "before")],
)
def test_a_body_cut_off_is_a_broken_connection(wire: bytes, missing: str) -> None:
    with pytest.raises(ProtocolError, match=f"chunked body ended early \\({missing}"):
        body_of(splits(wire, 1000))


def test_a_connection_failure_is_a_broken_connection_and_a_timeout_stays_one() -> None:
    class Failing:
        def __init__(self, error: OSError) -> None:
            self.error = error

        def read1(self, size: int) -> bytes:
            raise self.error

    reset = Ends(Failing(ConnectionResetError())).reader()
    with pytest.raises(ProtocolError, match="Connection broken"):
        reset.read(1024)
    slow = Ends(Failing(TimeoutError())).reader()
    with pytest.raises(TimeoutError):
        slow.read(1024)


def head(*lines: str) -> bytes:
    return ("\r\n".join(["HTTP/1.1 200 OK", *lines]) + "\r\n\r\n").encode("latin-1")


def stream(url: str, job_id: str = "x") -> Request:
    target = f"{url}/api/v1/jobs/{job_id}/sse"
    return Request("GET", target, (("Accept", "text/event-stream"),))


# The driver reads streams this way on a caller's own session: on its own, it reads them
# with the core's HTTP/1.1 connection (covia_requests.lean).


def read_all(loop: BackgroundLoop, reply: bytes) -> tuple[list[bytes], bool]:
    """What each read of the stream gave, and whether it was read by its framing."""
    with serving(loop, lambda seen: reply) as server, requests.Session() as session:
        driver = RequestsDriver(session, timeout=5)
        try:
            opened = driver.perform(OpenStream(stream(server.url)))
            framing = opened.handle.chunks is not None
            reads = []
            while chunk := driver.perform(ReadChunk(opened.handle)):
                reads.append(chunk)
            driver.perform(CloseStream(opened.handle))
        finally:
            driver.close()
    return reads, framing


@pytest.fixture
def loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    return _covia_loop


def test_the_driver_reads_a_chunked_stream_by_its_framing(loop: BackgroundLoop) -> None:
    reply = head("Content-Type: text/event-stream", "Transfer-Encoding: chunked") + framed(EVENTS)
    reads, framing = read_all(loop, reply)
    assert framing
    assert b"".join(reads) == b"".join(EVENTS)
    assert len(reads) < len(EVENTS) // 4  # not a read per chunk


def test_the_driver_refuses_a_malformed_framing(loop: BackgroundLoop) -> None:
    reply = head("Content-Type: text/event-stream", "Transfer-Encoding: chunked") + b"zz\r\n"
    with pytest.raises(VenueProtocolError, match="malformed HTTP response: illegal chunk header"):
        read_all(loop, reply)


def test_the_driver_refuses_a_cut_off_framing(loop: BackgroundLoop) -> None:
    reply = head("Content-Type: text/event-stream", "Transfer-Encoding: chunked") + b"5\r\nab"
    with pytest.raises(CoviaConnectionError, match=r"mid-response: .*ended early \(mid-chunk"):
        read_all(loop, reply)


def test_an_encoded_chunked_body_is_left_to_urllib3(loop: BackgroundLoop) -> None:
    whole = b"".join(EVENTS)
    reply = head(
        "Content-Type: text/event-stream",
        "Transfer-Encoding: chunked",
        "Content-Encoding: gzip",
    ) + framed(splits(gzip.compress(whole), 100))
    reads, framing = read_all(loop, reply)
    assert not framing
    assert b"".join(reads) == whole


def test_a_body_with_a_length_is_left_to_urllib3(loop: BackgroundLoop) -> None:
    whole = b"".join(EVENTS)
    reply = head("Content-Type: text/event-stream", f"Content-Length: {len(whole)}") + whole
    reads, framing = read_all(loop, reply)
    assert not framing
    assert b"".join(reads) == whole


def test_a_response_of_another_library_is_left_alone() -> None:
    assert chunked_body(object(), INFO) is None


class KeepAlive(socketserver.ThreadingTCPServer):
    """A loopback server that answers every request on a connection with ``reply`` and
    keeps the connection open; ``accepted`` counts its connections."""

    daemon_threads = True

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.accepted = 0
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            server = cast(KeepAlive, self.server)
            server.accepted += 1
            while line := self.rfile.readline():
                if line in (b"\r\n", b"\n"):  # the end of a request's head (no body)
                    self.wfile.write(server.reply)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def test_a_stream_read_to_its_end_gives_its_connection_back() -> None:
    reply = head("Content-Type: text/event-stream", "Transfer-Encoding: chunked") + framed(EVENTS)
    with KeepAlive(reply) as server, requests.Session() as session:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = RequestsDriver(session, timeout=5)
        try:
            for _ in range(3):
                opened = driver.perform(OpenStream(stream(server.url)))
                assert opened.handle.chunks is not None
                read = b""
                while chunk := driver.perform(ReadChunk(opened.handle)):
                    read += chunk
                driver.perform(CloseStream(opened.handle))
                assert read == b"".join(EVENTS)
        finally:
            driver.close()
            server.shutdown()
    assert server.accepted == 1  # one connection served all three


def test_a_chunked_stream_over_tls_is_read_by_its_framing(
    loop: BackgroundLoop, tmp_path: pathlib.Path
) -> None:
    ca = trustme.CA()
    ca_path = str(tmp_path / "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    reply = head("Content-Type: text/event-stream", "Transfer-Encoding: chunked") + framed(EVENTS)
    with serving(loop, lambda seen: reply, tls=tls) as server, requests.Session() as session:
        driver = RequestsDriver(session, timeout=5, verify=ca_path)
        try:
            opened = driver.perform(OpenStream(stream(server.url)))
            assert opened.handle.chunks is not None
            read = b""
            while chunk := driver.perform(ReadChunk(opened.handle)):
                read += chunk
            driver.perform(CloseStream(opened.handle))
        finally:
            driver.close()
    assert read == b"".join(EVENTS)
