"""Tests of covia_proto.h11conn: requests to bytes, bytes to response events."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Iterable

import h11
import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaUsageError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.h11conn import (
    DEFAULT_MAX_HEAD_SIZE,
    END_OF_BODY,
    NEED_DATA,
    ClientConnection,
    ResponseEvent,
    UrlParts,
    split_url,
)
from covia_proto.http import Request, Response, ResponseHead

URL = "https://venue.example/api/v1/status"


def sent(request: Request | None = None, **kwargs: int) -> ClientConnection:
    """A connection on which ``request`` (a GET of URL by default) has been sent."""
    conn = ClientConnection(**kwargs)
    conn.send_request(request or Request("GET", URL))
    return conn


def drain(conn: ClientConnection) -> list[ResponseEvent]:
    """Every event available now, up to and including NEED_DATA or END_OF_BODY."""
    events: list[ResponseEvent] = []
    while True:
        event = conn.next_event()
        events.append(event)
        if event is NEED_DATA or event is END_OF_BODY:
            return events


def read(
    conn: ClientConnection, pieces: Iterable[bytes], *, close: bool = False
) -> tuple[ResponseHead | None, bytes, bool]:
    """Feed ``pieces`` (then a close), pulling events as they come: (head, body, ended)."""
    events: list[ResponseEvent] = []
    ended = False
    for piece in [*pieces, *([b""] if close else [])]:
        conn.receive_data(piece)
        events += drain(conn)
        if events[-1] is END_OF_BODY:
            ended = True
            break
    heads = [e for e in events if isinstance(e, ResponseHead)]
    assert len(heads) <= 1
    chunks = [e for e in events if isinstance(e, bytes)]
    assert all(chunks), "body chunks are never empty"
    return (heads[0] if heads else None), b"".join(chunks), ended


def whole(data: bytes) -> list[bytes]:
    return [data]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


# -- canned responses, fed whole and byte by byte ------------------------------------------

CANNED = {
    "content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
        b'{"ok":true}',
        False,
        ResponseHead(200, (("Content-Type", "application/json"), ("Content-Length", "11"))),
        b'{"ok":true}',
    ),
    "chunked": (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n",
        False,
        ResponseHead(201, (("Transfer-Encoding", "chunked"),)),
        b"hello world",
    ),
    "until-close": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, until the close",
        True,
        ResponseHead(200, (("Content-Type", "text/plain"),)),
        b"all of it, until the close",
    ),
    "http/1.0": (
        b"HTTP/1.0 404 Not Found\r\nServer: old\r\n\r\nnot here",
        True,
        ResponseHead(404, (("Server", "old"),)),
        b"not here",
    ),
    "100-continue": (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        False,
        ResponseHead(200, (("Content-Length", "2"),)),
        b"hi",
    ),
    "no-content": (
        b"HTTP/1.1 204 No Content\r\nX-Request-Id: 7\r\n\r\n",
        False,
        ResponseHead(204, (("X-Request-Id", "7"),)),
        b"",
    ),
    "latin-1 header": (
        b"HTTP/1.1 200 OK\r\nX-Name: caf\xe9\r\nContent-Length: 0\r\n\r\n",
        False,
        ResponseHead(200, (("X-Name", "caf\xe9"), ("Content-Length", "0"))),
        b"",
    ),
}


@pytest.mark.parametrize("split", [whole, bytewise])
@pytest.mark.parametrize("name", list(CANNED))
def test_canned_responses_whole_and_byte_by_byte(name, split):
    data, close, head, body = CANNED[name]
    assert read(sent(), split(data), close=close) == (head, body, True)


@pytest.mark.parametrize("split", [whole, bytewise])
def test_next_response_collects_the_whole_response(split):
    data, _, head, body = CANNED["chunked"]
    conn = sent()
    results = []
    for piece in split(data):
        conn.receive_data(piece)
        results.append(conn.next_response())
    assert results[:-1] == [NEED_DATA] * (len(results) - 1)
    assert results[-1] == Response(head.status, head.headers, body)


def test_expect_continue_is_visible_though_the_100_is_skipped():
    conn = ClientConnection()
    conn.start_request(Request("POST", URL, headers=(("Expect", "100-continue"),)))
    assert conn.awaiting_continue
    conn.receive_data(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert conn.next_event() is NEED_DATA
    assert not conn.awaiting_continue
    assert conn.send_body(b"go") + conn.end_request() == b"2\r\ngo\r\n0\r\n\r\n"
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert drain(conn) == [ResponseHead(200, (("Content-Length", "0"),)), END_OF_BODY]


def test_need_data_until_the_head_is_complete():
    conn = sent()
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Len")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"gth: 4\r\n\r\nab")
    assert conn.next_event() == ResponseHead(200, (("Content-Length", "4"),))
    assert conn.next_event() == b"ab"
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"cd")
    assert conn.next_event() == b"cd"
    assert conn.next_event() is END_OF_BODY


def test_events_buffered_before_a_close_are_delivered_first():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    conn.receive_data(b"")
    assert drain(conn) == [ResponseHead(200, (("Content-Length", "3"),)), b"abc", END_OF_BODY]
    assert not conn.reusable  # complete, but the venue has gone


def test_response_to_head_has_no_body():
    conn = sent(Request("HEAD", URL))
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n")
    assert drain(conn) == [ResponseHead(200, (("Content-Length", "42"),)), END_OF_BODY]
    assert conn.start_next_cycle()


def test_not_modified_has_no_body_whatever_its_length():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
    assert conn.next_response() == Response(304, (("Content-Length", "10"),), b"")
    assert conn.reusable


# -- keep-alive ---------------------------------------------------------------------------


def test_two_cycles_on_one_connection():
    conn = ClientConnection()
    assert conn.reusable  # a fresh connection can carry a request
    first = conn.send_request(Request("GET", "http://v.example/api/v1/status"))
    assert first == b"GET /api/v1/status HTTP/1.1\r\nHost: v.example\r\n\r\n"
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert conn.next_response() == Response(200, (("Content-Length", "2"),), b"{}")
    assert conn.reusable
    assert conn.start_next_cycle()

    second = conn.send_request(Request("POST", "http://v.example/api/v1/invoke", body=b"[]"))
    assert second == (
        b"POST /api/v1/invoke HTTP/1.1\r\nHost: v.example\r\nContent-Length: 2\r\n\r\n[]"
    )
    conn.receive_data(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n")
    conn.receive_data(b"3\r\nyes\r\n0\r\n\r\n")
    assert conn.next_response() == Response(201, (("Transfer-Encoding", "chunked"),), b"yes")
    assert conn.start_next_cycle()
    assert conn.start_next_cycle()  # harmless when already ready


def test_connection_close_from_the_venue_prevents_reuse():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(conn.next_response(), Response)
    assert not conn.reusable
    assert not conn.start_next_cycle()
    with pytest.raises(CoviaUsageError, match="start_next_cycle"):
        conn.send_request(Request("GET", URL))


def test_connection_close_from_us_prevents_reuse():
    conn = sent(Request("GET", URL, headers=(("Connection", "close"),)))
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(conn.next_response(), Response)
    assert not conn.start_next_cycle()


def test_body_read_until_close_prevents_reuse():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 200 OK\r\n\r\nbody")
    conn.receive_data(b"")
    assert conn.next_response() == Response(200, (), b"body")
    assert not conn.start_next_cycle()


def test_incomplete_exchange_is_not_reusable():
    conn = sent()
    assert not conn.reusable  # no response yet
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
    drain(conn)
    assert not conn.start_next_cycle()
    # Nothing was reset: the rest of the body still completes the response.
    conn.receive_data(b"cde")
    assert drain(conn) == [b"cde", END_OF_BODY]
    assert conn.start_next_cycle()


def test_unsolicited_bytes_after_the_response_prevent_reuse():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert isinstance(conn.next_response(), Response)
    assert not conn.start_next_cycle()


def test_venue_closing_an_idle_connection_prevents_reuse():
    conn = ClientConnection()
    conn.receive_data(b"")
    assert not conn.reusable


def test_early_response_during_an_upload():
    conn = ClientConnection()
    conn.start_request(Request("PUT", URL))
    conn.send_body(b"part")
    conn.receive_data(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n")
    assert conn.next_response() == Response(413, (("Content-Length", "0"),), b"")
    assert not conn.reusable  # our request is not finished
    assert conn.end_request() == b"0\r\n\r\n"
    assert conn.start_next_cycle()


# -- failures of the venue or the transport -------------------------------------------------


@pytest.mark.parametrize("split", [whole, bytewise])
@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhel",
    ],
    ids=["content-length", "chunked-between-chunks", "chunked-mid-chunk"],
)
def test_truncated_body(data, split):
    conn = sent()
    with pytest.raises(CoviaConnectionError, match="truncated") as info:
        read(conn, split(data), close=True)
    assert info.value.sent
    assert info.value.request is not None
    assert str(info.value.request) == f"GET {URL}"
    assert not conn.reusable
    with pytest.raises(CoviaUsageError, match="failed earlier"):
        conn.next_event()


@pytest.mark.parametrize("data", [b"", b"HTTP/1.1 200 OK\r\nContent-"])
def test_closed_before_the_head(data):
    conn = sent()
    conn.receive_data(data)
    conn.receive_data(b"")
    with pytest.raises(CoviaConnectionError, match="before a complete response head") as info:
        conn.next_event()
    assert info.value.sent  # the venue may have acted on the request
    assert not isinstance(info.value, VenueProtocolError)
    assert not conn.start_next_cycle()


def test_closed_after_an_interim_response_is_before_the_head():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"")
    with pytest.raises(CoviaConnectionError, match="response head"):
        conn.next_event()


@pytest.mark.parametrize("split", [whole, bytewise])
@pytest.mark.parametrize(
    "data",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
    ],
)
def test_malformed_responses(data, split):
    conn = sent()
    with pytest.raises(VenueProtocolError, match="malformed"):
        read(conn, split(data))
    assert not conn.reusable


@pytest.mark.parametrize("split", [whole, bytewise])
def test_oversized_head(split):
    conn = sent(max_head_size=100)
    head = b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 200
    with pytest.raises(VenueProtocolError, match=r"max_head_size \(100 bytes\)"):
        read(conn, split(head))


def test_default_head_limit_is_64_kib():
    assert DEFAULT_MAX_HEAD_SIZE == 64 * 1024
    start = b"HTTP/1.1 200 OK\r\nX-Big: "
    below = sent()
    below.receive_data(start + b"x" * (60 * 1024))
    assert below.next_event() is NEED_DATA
    above = sent()
    above.receive_data(start + b"x" * (65 * 1024))
    with pytest.raises(VenueProtocolError, match="max_head_size"):
        above.next_event()


# -- URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("http://v.test/api", UrlParts(("http", "v.test", 80), "v.test", "/api")),
        ("HTTPS://V.test", UrlParts(("https", "v.test", 443), "V.test", "/")),
        ("http://v?a=1#f", UrlParts(("http", "v", 80), "v", "/?a=1")),
        ("http://v#f/x", UrlParts(("http", "v", 80), "v", "/")),
        (
            "https://user:pw@[::1]:9/a%2Fb?x=%20#frag",
            UrlParts(("https", "::1", 9), "[::1]:9", "/a%2Fb?x=%20"),
        ),
    ],
)
def test_split_url(url, parts):
    assert split_url(url) == parts
    assert split_url(url) == parts  # the cached origin gives the same answer


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://v/", "not an absolute http"),
        ("v.test/x", "not an absolute http"),
        ("http:///x", "not an absolute http"),
        ("http://user@/x", "not an absolute http"),
        ("http://v:99999/", "invalid URL"),
    ],
)
def test_split_url_refuses_what_cannot_be_sent_and_names_the_request(url, reason):
    info = RequestInfo("GET", url)
    with pytest.raises(CoviaUsageError, match=reason) as caught:
        split_url(url, info)
    assert caught.value.request == info


# -- request bytes ------------------------------------------------------------------------


def test_get_bytes_keep_the_percent_encoding():
    request = Request(
        "GET",
        "https://user:secret@venue.example:8443/api/v1/operations/v%2Ftest%2Fops%2Fecho"
        "?q=a%20b&x=%2F#fragment",
        headers=(("Accept", "application/json"), ("Authorization", "Bearer t")),
    )
    assert ClientConnection().send_request(request) == (
        b"GET /api/v1/operations/v%2Ftest%2Fops%2Fecho?q=a%20b&x=%2F HTTP/1.1\r\n"
        b"Host: venue.example:8443\r\n"
        b"Accept: application/json\r\n"
        b"Authorization: Bearer t\r\n"
        b"\r\n"
    )


def test_post_bytes_carry_the_length_and_body():
    body = b'{"operation":"echo","input":{"x":1}}'
    request = Request(
        "POST",
        "http://localhost:8080/api/v1/invoke",
        headers=(("Content-Type", "application/json"),),
        body=body,
    )
    assert ClientConnection().send_request(request) == (
        b"POST /api/v1/invoke HTTP/1.1\r\n"
        b"Host: localhost:8080\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 36\r\n"
        b"\r\n" + body
    )


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            Request("POST", "http://v/x"),
            b"POST /x HTTP/1.1\r\nHost: v\r\nContent-Length: 0\r\n\r\n",
        ),
        (Request("PUT", "http://v/x"), b"PUT /x HTTP/1.1\r\nHost: v\r\nContent-Length: 0\r\n\r\n"),
        (Request("DELETE", "http://v/x"), b"DELETE /x HTTP/1.1\r\nHost: v\r\n\r\n"),
        (Request("get", "http://v"), b"GET / HTTP/1.1\r\nHost: v\r\n\r\n"),
        (Request("GET", "http://v?a=1"), b"GET /?a=1 HTTP/1.1\r\nHost: v\r\n\r\n"),
        (
            Request("PATCH", "http://v/x", body=b"abc"),
            b"PATCH /x HTTP/1.1\r\nHost: v\r\nContent-Length: 3\r\n\r\nabc",
        ),
        (
            Request("GET", "http://v/x", headers=(("host", "other"), ("X-Name", "caf\xe9"))),
            b"GET /x HTTP/1.1\r\nhost: other\r\nX-Name: caf\xe9\r\n\r\n",
        ),
        (
            Request("POST", "http://v/x", headers=(("Content-Length", "2"),), body=b"ok"),
            b"POST /x HTTP/1.1\r\nHost: v\r\nContent-Length: 2\r\n\r\nok",
        ),
        (
            Request("GET", "http://[::1]:9/x"),
            b"GET /x HTTP/1.1\r\nHost: [::1]:9\r\n\r\n",
        ),
    ],
)
def test_request_bytes(request_, expected):
    assert ClientConnection().send_request(request_) == expected


def test_chunked_upload_bytes():
    conn = ClientConnection()
    head = conn.start_request(Request("POST", "http://v/api/v1/assets", headers=(("A", "1"),)))
    assert (
        head
        == b"POST /api/v1/assets HTTP/1.1\r\nHost: v\r\nA: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert conn.send_body(b"hello") == b"5\r\nhello\r\n"
    assert conn.send_body(b"") == b""  # an empty chunk would end the body: never sent
    assert conn.send_body(b"x" * 16) == b"10\r\n" + b"x" * 16 + b"\r\n"
    assert conn.end_request() == b"0\r\n\r\n"
    conn.receive_data(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    assert conn.next_response() == Response(201, (("Content-Length", "0"),))
    assert conn.start_next_cycle()


def test_streamed_upload_with_a_length():
    conn = ClientConnection()
    request = Request("PUT", "http://v/x", headers=(("Content-Length", "6"),))
    assert conn.start_request(request, chunked=False) == (
        b"PUT /x HTTP/1.1\r\nHost: v\r\nContent-Length: 6\r\n\r\n"
    )
    assert conn.send_body(b"abc") + conn.send_body(b"def") == b"abcdef"
    assert conn.end_request() == b""


def test_streamed_upload_longer_than_its_length_breaks_the_connection():
    conn = ClientConnection()
    conn.start_request(Request("PUT", URL, headers=(("Content-Length", "2"),)), chunked=False)
    with pytest.raises(CoviaUsageError, match="Content-Length") as info:
        conn.send_body(b"abc")
    assert str(info.value.request) == f"PUT {URL}"
    assert not conn.reusable


def test_streamed_upload_shorter_than_its_length_cannot_end():
    conn = ClientConnection()
    conn.start_request(Request("PUT", URL, headers=(("Content-Length", "5"),)), chunked=False)
    conn.send_body(b"ab")
    with pytest.raises(CoviaUsageError, match="Content-Length"):
        conn.end_request()


# -- misuse -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (Request("GET", "ftp://v/x"), "absolute http"),
        (Request("GET", "/api/v1/status"), "absolute http"),
        (Request("CONNECT", "http://v:443"), "CONNECT"),
        (Request("GET", URL, headers=(("Upgrade", "websocket"),)), "Upgrade"),
        (Request("GET", URL, headers=(("X-Name", "\u20ac"),)), "latin-1"),
        (Request("GET", URL, headers=(("X-Bad", "a\r\nInjected: 1"),)), "cannot send"),
        (Request("GET", URL, headers=(("Bad Name", "v"),)), "cannot send"),
        (Request("GET", "http://v/a b"), "cannot send"),
        (Request("GET", "http://b\xfccher.example/"), "cannot send"),
        (Request("POST", URL, headers=(("Content-Length", "3"),), body=b"ab"), "does not match"),
        (Request("POST", URL, headers=(("Transfer-Encoding", "chunked"),)), "start_request"),
    ],
)
def test_bad_requests_are_refused_and_the_connection_stays_usable(request_, match):
    conn = ClientConnection()
    with pytest.raises(CoviaUsageError, match=match):
        conn.send_request(request_)
    assert conn.reusable
    assert conn.send_request(Request("GET", "http://v/")) == b"GET / HTTP/1.1\r\nHost: v\r\n\r\n"


@pytest.mark.parametrize(
    ("request_", "chunked", "match"),
    [
        (Request("POST", URL, body=b"x"), True, "send_body"),
        (Request("POST", URL, headers=(("Content-Length", "1"),)), True, "Content-Length"),
        (Request("POST", URL), False, "needs a Content-Length"),
        (Request("POST", URL, headers=(("Transfer-Encoding", "gzip"),)), True, "chunked=True"),
    ],
)
def test_bad_streamed_requests_are_refused(request_, chunked, match):
    conn = ClientConnection()
    with pytest.raises(CoviaUsageError, match=match):
        conn.start_request(request_, chunked=chunked)
    assert conn.reusable


def test_calls_out_of_order():
    conn = ClientConnection()
    with pytest.raises(CoviaUsageError, match="no request was sent"):
        conn.next_event()
    with pytest.raises(CoviaUsageError, match="start_request"):
        conn.send_body(b"x")
    with pytest.raises(CoviaUsageError, match="start_request"):
        conn.end_request()
    conn.send_request(Request("GET", URL))
    with pytest.raises(CoviaUsageError, match="already sent"):
        conn.send_request(Request("GET", URL))
    with pytest.raises(CoviaUsageError, match="start_request"):
        conn.send_body(b"x")
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(conn.next_response(), Response)
    with pytest.raises(CoviaUsageError, match="has ended"):
        conn.next_response()
    assert conn.start_next_cycle()  # misuse did not spoil the connection


def test_reading_one_response_two_ways_is_refused():
    conn = sent()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")
    assert isinstance(conn.next_event(), ResponseHead)
    with pytest.raises(CoviaUsageError, match=r"next_event\(\).*next_response\(\)"):
        conn.next_response()
    assert conn.next_event() == b"ab"


def test_data_after_the_close_is_refused():
    conn = sent()
    conn.receive_data(b"")
    with pytest.raises(CoviaUsageError, match="after the peer closed"):
        conn.receive_data(b"HTTP/1.1 200 OK\r\n")


def test_max_head_size_must_be_positive():
    with pytest.raises(CoviaUsageError, match="max_head_size"):
        ClientConnection(max_head_size=0)


def test_sentinels_repr():
    assert repr(NEED_DATA) == "NEED_DATA"
    assert repr(END_OF_BODY) == "END_OF_BODY"


# -- a body of known length passes through uncopied ------------------------------------------

LENGTH_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"


def test_a_body_still_arriving_passes_through_as_the_very_bytes_received():
    conn = sent()
    conn.receive_data(LENGTH_HEAD + b"ab")
    assert conn.next_event() == ResponseHead(200, (("Content-Length", "10"),))
    assert conn.passing_through
    assert conn.next_event() == b"ab"  # what came with the head
    assert conn.next_event() is NEED_DATA
    piece = b"cdefghij"
    conn.receive_data(piece)
    assert conn.next_event() is piece  # not a copy
    assert not conn.reusable  # the end is not read yet
    assert conn.next_event() is END_OF_BODY
    assert not conn.passing_through
    assert conn.reusable
    assert conn.start_next_cycle()
    # The next cycle is h11's again, on a connection as good as new.
    conn.send_request(Request("GET", URL))
    assert not conn.passing_through
    assert read(conn, [CANNED["chunked"][0]]) == (*CANNED["chunked"][2:], True)
    assert conn.start_next_cycle()


def test_body_left_counts_down_a_body_of_known_length_passing_through():
    conn = sent()
    assert conn.body_left is None  # no answer yet
    conn.receive_data(LENGTH_HEAD + b"ab")
    assert isinstance(conn.next_event(), ResponseHead)
    assert conn.body_left == 8  # the two that came with the head are received
    conn.receive_data(b"cdefg")
    assert conn.body_left == 3
    assert drain(conn) == [b"abcdefg", NEED_DATA]
    conn.receive_data(b"hij")
    assert drain(conn) == [b"hij", END_OF_BODY]
    assert conn.body_left is None
    chunked = sent()
    chunked.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
    assert isinstance(chunked.next_event(), ResponseHead)
    assert chunked.passing_through
    assert chunked.body_left is None  # only a length says how much is to come


def test_pieces_received_before_a_read_are_given_together():
    conn = sent()
    conn.receive_data(LENGTH_HEAD)
    assert drain(conn) == [ResponseHead(200, (("Content-Length", "10"),)), NEED_DATA]
    for piece in (b"abc", b"def", b"ghij"):
        conn.receive_data(piece)
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    assert conn.start_next_cycle()


def test_a_body_that_came_whole_with_its_head_stays_with_h11():
    conn = sent()
    conn.receive_data(LENGTH_HEAD + b"abcdefghij")
    assert isinstance(conn.next_event(), ResponseHead)
    assert not conn.passing_through
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    assert conn.start_next_cycle()


@pytest.mark.parametrize("at", range(len(LENGTH_HEAD) + 11))
def test_a_passed_body_split_anywhere_with_the_next_answer_after_it(at):
    # Each answer in two pieces cut at ``at``; the second cycle reuses the connection.
    conn = sent()
    first = LENGTH_HEAD + b"0123456789"
    assert read(conn, nonempty(first[:at], first[at:])) == (
        ResponseHead(200, (("Content-Length", "10"),)),
        b"0123456789",
        True,
    )
    assert conn.start_next_cycle()
    conn.send_request(Request("GET", URL))
    second = b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nxyz"
    cut = at % (len(second) + 1)
    assert read(conn, nonempty(second[:cut], second[cut:]))[1:] == (b"xyz", True)
    assert conn.start_next_cycle()


def nonempty(*pieces: bytes) -> list[bytes]:
    return [p for p in pieces if p]  # an empty piece would mean a close


def test_bytes_past_a_passed_body_are_not_taken_as_a_next_answer():
    conn = sent()
    conn.receive_data(LENGTH_HEAD + b"abc")
    drain(conn)
    conn.receive_data(b"defghij" + b"HTTP/1.1 200 OK\r\n")  # unasked: pipelining gone wrong
    assert drain(conn) == [b"defghij", END_OF_BODY]
    assert not conn.reusable
    assert not conn.start_next_cycle()


def test_bytes_after_a_passed_body_has_ended_prevent_reuse():
    conn = sent()
    conn.receive_data(LENGTH_HEAD)
    drain(conn)
    conn.receive_data(b"abcdefghij")
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    conn.receive_data(b"X")
    assert not conn.start_next_cycle()


def test_a_passed_body_cut_short_by_a_close_is_truncated():
    conn = sent()
    conn.receive_data(LENGTH_HEAD + b"abc")
    drain(conn)
    conn.receive_data(b"def")
    conn.receive_data(b"")
    assert conn.next_event() == b"def"  # what arrived is handed over first
    with pytest.raises(CoviaConnectionError, match=r"truncated \(4 bytes"):
        conn.next_event()
    assert not conn.reusable
    with pytest.raises(CoviaUsageError, match="failed earlier"):
        conn.next_event()


def test_a_passed_body_then_a_close_is_whole_but_not_reusable():
    conn = sent()
    conn.receive_data(LENGTH_HEAD)
    drain(conn)
    conn.receive_data(b"abcdefghij")
    conn.receive_data(b"")
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    assert not conn.start_next_cycle()


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n",
    ],
)
def test_a_passed_body_keeps_the_venues_refusal_of_keep_alive(head):
    conn = sent()
    conn.receive_data(head)
    drain(conn)
    assert conn.passing_through
    conn.receive_data(b"abcdefghij")
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    assert not conn.start_next_cycle()


def test_a_passed_body_keeps_our_refusal_of_keep_alive():
    conn = sent(Request("GET", URL, headers=(("Connection", "close"),)))
    conn.receive_data(LENGTH_HEAD)
    drain(conn)
    assert conn.passing_through
    conn.receive_data(b"abcdefghij")
    assert drain(conn) == [b"abcdefghij", END_OF_BODY]
    assert not conn.start_next_cycle()


def test_next_response_collects_a_passed_body():
    conn = sent()
    conn.receive_data(LENGTH_HEAD + b"abc")
    assert conn.next_response() is NEED_DATA
    assert conn.passing_through
    conn.receive_data(b"defghij")
    assert conn.next_response() == Response(200, (("Content-Length", "10"),), b"abcdefghij")
    assert conn.start_next_cycle()


def test_a_coded_body_is_decoded_by_h11s_path_not_passed_through():
    coded = gzip.compress(b"hello, hello, hello")
    conn = sent()
    conn.receive_data(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(coded)
    )
    assert isinstance(conn.next_event(), ResponseHead)
    assert not conn.passing_through
    _, body, ended = read(conn, bytewise(coded))
    assert (body, ended) == (b"hello, hello, hello", True)
    assert conn.start_next_cycle()


@pytest.mark.parametrize(
    ("request_", "answer"),
    [
        (Request("HEAD", URL), LENGTH_HEAD),
        (Request("GET", URL), b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
        (Request("GET", URL), b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
    ],
    ids=["HEAD", "304", "204"],
)
def test_answers_without_a_body_are_not_passed_through_whatever_their_length(request_, answer):
    conn = sent(request_)
    conn.receive_data(answer)
    assert isinstance(conn.next_event(), ResponseHead)
    assert not conn.passing_through
    assert conn.next_event() is END_OF_BODY
    assert conn.start_next_cycle()


def test_an_early_answer_during_an_upload_is_not_passed_through():
    conn = ClientConnection()
    conn.start_request(Request("PUT", URL))
    conn.receive_data(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 5\r\n\r\n")
    assert isinstance(conn.next_event(), ResponseHead)
    assert not conn.passing_through  # h11 must see our request end before any reuse
    conn.receive_data(b"large")
    assert drain(conn) == [b"large", END_OF_BODY]
    assert not conn.reusable
    conn.end_request()
    assert conn.start_next_cycle()


def test_a_passed_body_does_not_wait_for_a_continue():
    conn = sent()
    conn.receive_data(LENGTH_HEAD)
    drain(conn)
    assert not conn.awaiting_continue


# -- a chunked body passes by h11 too ---------------------------------------------------------

CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
CHUNKED_BODY = (
    b"5\r\nhello\r\n1;name=value\r\n \r\nA  \r\n0123456789\r\n"
    b"0\r\nX-Trailer: t\r\n  folded on\r\n\r\n"
)


def test_a_chunked_body_still_arriving_passes_by_h11():
    conn = sent()
    conn.receive_data(CHUNKED_HEAD)
    assert conn.next_event() == ResponseHead(200, (("Transfer-Encoding", "chunked"),))
    assert conn.passing_through
    conn.receive_data(b"5\r\nhel")
    assert conn.next_event() == b"hel"
    data = b"lo"
    conn.receive_data(data)
    assert conn.next_event() is data  # a read that is all chunk data: not even a view
    conn.receive_data(b"\r\n3\r\nabc\r\n2\r\nde\r\n")
    chunk = conn.next_event()
    assert type(chunk) is bytes
    assert chunk == b"abcde"  # what has arrived, joined once
    conn.receive_data(b"0\r\n\r\n")
    assert drain(conn) == [END_OF_BODY]
    assert conn.start_next_cycle()
    conn.send_request(Request("GET", URL))
    assert read(conn, [LENGTH_HEAD + b"0123456789"])[1:] == (b"0123456789", True)


def test_a_chunked_body_that_came_whole_with_its_head_stays_with_h11():
    conn = sent()
    conn.receive_data(CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n\r\n")
    assert isinstance(conn.next_event(), ResponseHead)
    assert not conn.passing_through
    assert drain(conn) == [b"hello", END_OF_BODY]


@pytest.mark.parametrize("at", range(len(CHUNKED_BODY) + 1))
def test_a_chunked_body_split_anywhere(at):
    conn = sent()
    pieces = nonempty(CHUNKED_HEAD, CHUNKED_BODY[:at], CHUNKED_BODY[at:])
    assert read(conn, pieces) == (
        ResponseHead(200, (("Transfer-Encoding", "chunked"),)),
        b"hello 0123456789",
        True,
    )
    assert conn.start_next_cycle()


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"5\r\nhello\r\nzz\r\n", "illegal chunk header"),
        (b"5\r\nhello\r\n5\nworld\r\n", "illegal chunk header"),
        (b"5\r\nhelloXY3\r\nabc\r\n", "malformed chunk footer"),
        (b"5\r\nhello\r\n0\r\nno colon\r\n\r\n", "illegal trailer line"),
        (b"5\r\nhello\r\n0\r\n folded first\r\n\r\n", "illegal trailer line"),
        (b"5\r\nhello\r\n" + b"1" * 200, "chunk header or trailer line over 128 bytes"),
        (b"5\r\nhello\r\n0\r\n" + b"X-A: b\r\n" * 20, "trailer over 128 bytes"),
    ],
)
@pytest.mark.parametrize("split", [whole, bytewise])
def test_a_malformed_chunked_body_fails_after_the_good_bytes(body, match, split):
    conn = sent(max_head_size=128)
    conn.receive_data(CHUNKED_HEAD)
    drain(conn)
    assert conn.passing_through
    got: list[bytes] = []
    with pytest.raises(VenueProtocolError, match=match) as info:
        feed_and_collect(conn, split(body), got)
    assert b"".join(got) == b"hello"  # handed over before the failure
    assert str(info.value.request) == f"GET {URL}"
    assert not conn.reusable
    with pytest.raises(CoviaUsageError, match="failed earlier"):
        conn.next_event()


@pytest.mark.parametrize(
    ("rest", "where"),
    [(b"", "before its last chunk"), (b"5\r\nhe", "mid-chunk"), (b"0\r\nX-A: b", "before")],
)
def test_a_passed_chunked_body_cut_short_by_a_close_is_truncated(rest, where):
    conn = sent()
    conn.receive_data(CHUNKED_HEAD)
    drain(conn)
    conn.receive_data(b"2\r\nok\r\n" + rest)
    conn.receive_data(b"")
    assert conn.next_event().startswith(b"ok")  # type: ignore[union-attr]
    with pytest.raises(CoviaConnectionError, match=f"truncated \\({where}"):
        drain(conn)
    assert not conn.reusable


def test_bytes_past_a_passed_chunked_body_prevent_reuse():
    conn = sent()
    conn.receive_data(CHUNKED_HEAD)
    drain(conn)
    conn.receive_data(b"2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert drain(conn) == [b"ok", END_OF_BODY]
    assert not conn.start_next_cycle()


def feed_and_collect(conn: ClientConnection, pieces: list[bytes], got: list[bytes]) -> bool:
    """Feed ``pieces`` until the body ends (True), adding each chunk to ``got`` as it
    comes (kept if an error cuts the reading short)."""
    for piece in pieces:
        conn.receive_data(piece)
        while isinstance(event := conn.next_event(), bytes | ResponseHead):
            if isinstance(event, bytes):
                got.append(event)
        if event is END_OF_BODY:
            return True
    return False


def h11_reference(raw: bytes, *, close: bool) -> tuple[bytes, str]:
    """What h11 itself makes of ``raw`` (a response to a GET), fed whole: the body it
    gives, and how it stops ("end", "error" or "need")."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "v")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(raw)
    if close:
        conn.receive_data(b"")
    body = b""
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError:
            return body, "error"
        if event is h11.NEED_DATA:
            return body, "need"
        if isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return body, "end"


chunked_wire = st.lists(
    st.one_of(
        st.binary(min_size=1, max_size=40).map(lambda d: b"%x\r\n%s\r\n" % (len(d), d)),
        st.sampled_from(
            [
                b"0\r\n\r\n",
                b"0\r\nX-T: 1\r\n\r\n",
                b'3;ext="q"\r\nabc\r\n',
                b"2 \r\nab\r\n",
                b"0\r\nX-T: 1\r\n  more\r\n\n",
                b"\r\n",
                b"\n",
                b"zz\r\n",
                b"G\r\n",
                b"0x2\r\nab\r\n",
                b"4\r\nab\r\n",
                b"2\r\nabXY",
                b"2\r\nab\r",
            ]
        ),
        st.binary(max_size=8),
    ),
    max_size=8,
).map(b"".join)


@given(rest=chunked_wire, cuts=st.lists(st.integers(min_value=0), max_size=8), close=st.booleans())
def test_a_passed_chunked_body_reads_as_h11_reads_it(rest, cuts, close):
    conn = sent()
    conn.receive_data(CHUNKED_HEAD)
    drain(conn)
    got: list[bytes] = []
    outcome = "need"
    try:
        if feed_and_collect(conn, [*split_at(rest, cuts), *([b""] if close else [])], got):
            outcome = "end"
    except (VenueProtocolError, CoviaConnectionError):
        outcome = "error"
    body, expected = h11_reference(CHUNKED_HEAD + rest, close=close)
    assert b"".join(got) == body
    if (outcome, expected) == ("error", "need"):
        # A size line ended by a bare LF: h11 reads on to a CRLF, and refuses it then.
        assert h11_reference(CHUNKED_HEAD + rest + b"\r\n", close=True)[1] == "error"
    else:
        assert outcome == expected


# -- properties ---------------------------------------------------------------------------


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


plausible_starts = st.sampled_from(
    [
        b"",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\n",
    ]
)


@given(
    start=plausible_starts,
    rest=st.binary(max_size=300),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
    close=st.booleans(),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
)
def test_arbitrary_bytes_raise_only_covia_errors(start, rest, cuts, close, method):
    conn = sent(Request(method, URL), max_head_size=128)
    error: CoviaError | None = None
    try:
        head, _, ended = read(conn, split_at(start + rest, cuts), close=close)
    except CoviaError as exc:  # anything else fails the test
        error = exc
    if error is not None:
        assert not isinstance(error, CoviaUsageError), error  # the venue's fault, not ours
        assert not conn.reusable
    else:
        # After a close nothing is left waiting: the response ended or an error said why.
        assert ended or not close
        assert head is not None or not ended


header_names = st.from_regex(r"X-[A-Za-z0-9-]{1,12}", fullmatch=True)
header_values = st.from_regex(
    r"[!-~\xa0-\xff]([ -~\xa0-\xff]{0,20}[!-~\xa0-\xff])?", fullmatch=True
)


@st.composite
def valid_responses(draw: st.DrawFn) -> tuple[bytes, ResponseHead, bytes]:
    status = draw(st.integers(min_value=200, max_value=599).filter(lambda s: s not in (204, 304)))
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=5))
    body = draw(st.binary(max_size=200))
    wire = b"".join(f"{n}: {v}\r\n".encode("latin-1") for n, v in headers)
    if draw(st.booleans()):
        framing = ("Content-Length", str(len(body)))
        payload = body
    else:
        framing = ("Transfer-Encoding", "chunked")
        sizes = draw(st.lists(st.integers(min_value=1, max_value=50), max_size=10))
        pieces, offset = [], 0
        for size in [*sizes, len(body)]:
            piece = body[offset : offset + size]
            offset += len(piece)
            if piece:
                pieces.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        payload = b"".join(pieces) + b"0\r\n\r\n"
    raw = (
        f"HTTP/1.1 {status} Whatever\r\n".encode()
        + wire
        + "{}: {}\r\n\r\n".format(*framing).encode()
        + payload
    )
    return raw, ResponseHead(status, (*headers, framing)), body


@given(response=valid_responses(), cuts=st.lists(st.integers(min_value=0), max_size=20))
def test_any_split_gives_the_same_response(response, cuts):
    raw, head, body = response
    assert read(sent(), split_at(raw, cuts)) == (head, body, True)
    assert read(sent(), [raw]) == (head, body, True)


@given(
    body=st.binary(min_size=1, max_size=300),
    extra=st.binary(max_size=20),
    cuts=st.lists(st.integers(min_value=0), max_size=20),
)
def test_a_body_of_known_length_split_anywhere(body, extra, cuts):
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body + extra
    conn = sent()
    events: list[ResponseEvent] = []
    for piece in split_at(raw, cuts):  # every piece fed, even after the end
        conn.receive_data(piece)
        if END_OF_BODY not in events:
            events += [e for e in drain(conn) if e is not NEED_DATA]
    assert events[0] == ResponseHead(200, (("Content-Length", str(len(body))),))
    assert b"".join(e for e in events if isinstance(e, bytes)) == body
    assert events[-1] is END_OF_BODY
    # Bytes past the body, in whichever piece, are unasked: the connection is spoilt.
    assert conn.start_next_cycle() == (not extra)


@given(
    body=st.binary(min_size=1, max_size=300),
    keep=st.integers(min_value=0),
    cuts=st.lists(st.integers(min_value=0), max_size=20),
)
def test_a_body_of_known_length_closed_anywhere_short_is_truncated(body, keep, cuts):
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    raw = raw[: len(raw) - 1 - keep % len(body)]  # the head and less than all of the body
    conn = sent()
    with pytest.raises(CoviaConnectionError, match="truncated"):
        read(conn, split_at(raw, cuts), close=True)
    assert not conn.reusable


def test_a_passed_body_is_bytes_whatever_buffer_it_came_in():
    conn = sent()
    conn.receive_data(LENGTH_HEAD)
    drain(conn)
    buffer = bytearray(b"abcde")
    conn.receive_data(buffer)
    buffer[:] = b"XXXXX"  # a driver reusing its receive buffer
    conn.receive_data(memoryview(b"fghij"))
    chunk = conn.next_event()
    assert type(chunk) is bytes
    assert chunk == b"abcdefghij"


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_take_arrived_gives_every_piece_received_then_the_end() -> None:
    conn = sent()
    conn.receive_data(CHUNKED_HEAD + b"2\r\nab\r\n3\r\ncde\r\n")
    assert isinstance(conn.next_event(), ResponseHead)
    pieces, ended, failure = conn.take_arrived()
    assert (b"".join(pieces), ended, failure) == (b"abcde", False, None)  # more to come
    assert conn.take_arrived() == ([], False, None)
    conn.receive_data(b"1\r\nf\r\n0\r\n\r\n")
    pieces, ended, failure = conn.take_arrived()
    assert (b"".join(pieces), ended, failure) == (b"f", True, None)


def test_take_arrived_stops_at_a_malformed_chunk_and_keeps_what_came_before() -> None:
    conn = sent()
    conn.receive_data(CHUNKED_HEAD + b"2\r\nab\r\nzz\r\n")
    assert isinstance(conn.next_event(), ResponseHead)
    pieces, ended, failure = conn.take_arrived()
    assert (pieces, ended) == ([b"ab"], False)
    assert isinstance(failure, VenueProtocolError)
    assert "chunk" in str(failure)


@pytest.mark.parametrize(
    ("rest", "arrived"),
    [
        (b"2\r\nab\r\n0\r\n\r\n", True),  # the end is in: the connection may be kept
        (b"2\r\nab\r\n", False),  # more to come
        (b"zz\r\n", False),  # malformed
        (b"1\r\na\r\n" * 20 + b"0\r\n\r\n", False),  # more pieces than it looks at
    ],
)
def test_end_has_arrived_looks_only_at_what_was_received(rest: bytes, arrived: bool) -> None:
    conn = sent()
    conn.receive_data(CHUNKED_HEAD + rest)
    assert isinstance(conn.next_event(), ResponseHead)
    assert conn.end_has_arrived() is arrived
