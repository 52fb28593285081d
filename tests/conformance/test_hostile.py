"""Hostile venues, through every client (requests, aiohttp, trio).

Each test serves answers no honest venue sends — oversized or endless bodies and
heads, endless event lines, deep JSON, invalid UTF-8, redirects to another origin, a
job record or content that is not what was asked for — from a raw loopback server,
and checks that each client refuses them with the documented ``CoviaError``, holds no
more than its ``Limits``, and sends nothing where it should not.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from covia import (
    AssetIdMismatchError,
    ContentHashError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    GridError,
    JobStatus,
    Limits,
    VenueProtocolError,
    compute_asset_id,
)
from covia.auth import BearerAuth
from covia_proto.testing.server import BackgroundLoop
from tests.conformance.hostile import (
    CLIENTS,
    RETRY,
    Reply,
    Seen,
    asset_responder,
    forever,
    raises,
    read_stream,
    response,
    run_client,
    serving,
)

JOB = "0190f3c2a1b20000aabbccddeeff0011"
ASSET = "ab" * 32
STATUS = {"status": "OK", "name": "Hostile", "did": "did:web:hostile.test"}
SMALL = Limits(max_body_size=64 * 1024, max_header_size=16 * 1024, max_event_line=16 * 1024)

pytestmark = pytest.mark.parametrize("client", CLIENTS)


def record(status: str, job_id: str = JOB, **extra: Any) -> bytes:
    return json.dumps(
        {"id": job_id, "status": status, "op": "cd" * 32, "created": 1, "updated": 1, **extra}
    ).encode()


async def status_name(venue: Any) -> Any:
    return (await venue.status()).name


# -- sizes ------------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused(venue_loop: BackgroundLoop, client: str):
    body = json.dumps({**STATUS, "pad": "x" * 100_000}).encode()
    with serving(venue_loop, lambda seen: response(200, body)) as server:
        error = raises(client, server.url, status_name, limits=SMALL)
        # Within a roomier limit the same answer is fine.
        assert run_client(client, server.url, status_name) == "Hostile"
    assert isinstance(error, VenueProtocolError)
    assert "max_body_size (65536 bytes)" in str(error)
    assert "GET http://127.0.0.1" in str(error)  # names the request
    assert len(server.seen) == 2  # refused, not retried


def test_an_endless_body_is_read_no_further_than_the_limit(venue_loop: BackgroundLoop, client: str):
    def respond(seen: Seen) -> AsyncIterator[bytes]:
        head = response(200, length=False)
        return forever(head + b'{"status":"OK","pad":"', b"x" * 4096)

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, status_name, limits=SMALL)
        assert server.gone.wait(10)  # the client hung up on it
    assert isinstance(error, VenueProtocolError)
    assert "max_body_size (65536 bytes)" in str(error)
    assert len(server.seen) == 1


def test_an_oversized_response_head_is_refused(venue_loop: BackgroundLoop, client: str):
    big = (("X-Padding", "p" * 100_000),)
    with serving(venue_loop, lambda seen: response(200, b"{}", headers=big)) as server:
        error = raises(client, server.url, status_name, limits=SMALL)
    # The sync client reads an answer read whole as trio does (covia_requests.lean).
    assert isinstance(error, VenueProtocolError)
    expected = {"requests": "max_head_size", "aiohttp": "max_header_size", "trio": "max_head_size"}
    assert "16384" in str(error) or client == "aiohttp"
    assert expected[client] in str(error)
    assert len(server.seen) == 1  # a broken answer is not asked for again


def test_an_endless_response_head_is_refused(venue_loop: BackgroundLoop, client: str):
    def respond(seen: Seen) -> AsyncIterator[bytes]:
        return forever(b"HTTP/1.1 200 OK\r\n", b"X-More: " + b"m" * 1000 + b"\r\n")

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, status_name, limits=SMALL)
        assert server.gone.wait(10)
    # trio bounds the whole head; aiohttp and http.client count the header lines.
    assert isinstance(error, VenueProtocolError)
    assert len(server.seen) == 1


def test_an_endless_content_stream_is_consumed_as_far_as_the_caller_wants(
    venue_loop: BackgroundLoop, client: str
):
    def respond(seen: Seen) -> AsyncIterator[bytes]:
        head = response(200, content_type="application/octet-stream", length=False)
        return forever(head, b"c" * 65536)

    async def take_a_mebibyte(venue: Any) -> int:
        size = 0
        async with contextlib.aclosing(venue.iter_asset_content(ASSET, verify=False)) as chunks:
            async for chunk in chunks:
                size += len(chunk)
                if size >= 1 << 20:
                    break
        return size

    with serving(venue_loop, respond) as server:
        size = run_client(client, server.url, take_a_mebibyte)
        assert server.gone.wait(10)  # leaving the loop closed the response
    assert 1 << 20 <= size < (1 << 20) + 65536 * 4
    assert [s.path for s in server.seen] == [f"/api/v1/assets/{ASSET}/content"]


@pytest.mark.parametrize("declared", [False, True], ids=["endless", "declared"])
def test_content_read_whole_into_memory_stops_at_the_body_limit(
    venue_loop: BackgroundLoop, client: str, declared: bool
):
    def respond(seen: Seen) -> Any:
        if declared:
            return response(200, b"d" * 100_000, content_type="application/octet-stream")
        head = response(200, content_type="application/octet-stream", length=False)
        return forever(head, b"c" * 65536)

    async def whole(venue: Any) -> Any:
        return await venue.get_asset_content(ASSET, verify=False)

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, whole, limits=SMALL)
        if not declared:
            assert server.gone.wait(10)
    assert isinstance(error, VenueProtocolError)
    assert "max_body_size (65536 bytes)" in str(error)
    assert len(server.seen) == 1


def test_an_event_stream_with_an_endless_line_is_given_up_and_the_job_polled(
    venue_loop: BackgroundLoop, client: str
):
    def endless_line() -> Reply:
        head = response(200, content_type="text/event-stream", length=False)
        return forever(head + b"data: ", b"e" * 4096)

    given_up_and_polled(venue_loop, client, endless_line, limits=SMALL)


def given_up_and_polled(
    venue_loop: BackgroundLoop, client: str, stream: Callable[[], Reply], **options: Any
) -> None:
    """A job whose every event stream is ``stream()`` is waited on by polling, once
    the stream has broken ``RETRY.max_attempts`` times."""
    polls: list[int] = []

    def respond(seen: Seen) -> Any:
        if seen.path.endswith("/sse"):
            return stream()
        polls.append(1)
        status = "STARTED" if len(polls) == 1 else "COMPLETE"
        return response(200, record(status, output={"done": True}))

    async def wait(venue: Any) -> Any:
        job = await venue.get_job(JOB)
        await job.wait(timeout=10)
        return job.status, job.output

    with serving(venue_loop, respond) as server:
        status, output = run_client(client, server.url, wait, **options)
    assert (status, output) == (JobStatus.COMPLETE, {"done": True})
    streams = [s for s in server.seen if s.path.endswith("/sse")]
    assert len(streams) == RETRY.max_attempts  # reopened, then given up for polling
    assert server.seen[-1].path == f"/api/v1/jobs/{JOB}"


# -- chunked framing --------------------------------------------------------------------------

STARTED_EVENT = b"event: job-update\ndata: " + record("STARTED") + b"\n\n"
CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
)
# Framings every client refuses: h11's grammar, which the sync client now follows too
# (http.client read all but the first: a sign, blanks or an underscore in a size, a
# bare LF, whatever two bytes follow a chunk's data, any trailer line).
MALFORMED_CHUNKS = {
    "size not hex": b"zz\r\n",
    "signed size": b"+5\r\nhello\r\n",
    "size with 0x": b"0x5\r\nhello\r\n",
    "blank before the size": b" 5\r\nhello\r\n",
    "underscore in the size": b"1_0\r\n0123456789abcdef\r\n",
    "size line ended by a bare LF": b"5\nhello\r\n",
    "data not followed by CRLF": b"5\r\nhelloXY",
    "empty size line": b"\r\n",
    "trailer line without a colon": b"0\r\nno colon\r\n\r\n",
}


def chunked_events(rest: bytes, *, later: bool, event: bool = True) -> Reply:
    """An event stream of one STARTED event in its chunk (unless not ``event``), then
    ``rest``; with ``later`` ``rest`` comes after a pause (read apart from the head:
    the trio client's own decoder reads it, not h11, and aiohttp's parser fails after
    the head)."""
    first = CHUNKED_HEAD
    if event:
        first += b"%x\r\n%s\r\n" % (len(STARTED_EVENT), STARTED_EVENT)
    if not later:
        return first + rest

    async def in_two() -> AsyncIterator[bytes]:
        yield first
        await asyncio.sleep(0.05)
        yield rest

    return in_two()


@pytest.mark.parametrize("later", [False, True], ids=["with-head", "after-head"])
@pytest.mark.parametrize("bad", list(MALFORMED_CHUNKS.values()), ids=list(MALFORMED_CHUNKS))
def test_a_malformed_chunked_event_stream_is_the_venues_fault(
    venue_loop: BackgroundLoop, client: str, bad: bytes, later: bool
):
    reply = chunked_events(bad + b"0\r\n\r\n", later=later)
    with serving(venue_loop, lambda seen: reply) as server:
        got, error = read_stream(client, f"{server.url}/api/v1/jobs/{JOB}/sse")
    assert isinstance(error, VenueProtocolError)
    assert "malformed" in str(error)
    assert f"GET {server.url}/api/v1/jobs/{JOB}/sse" in str(error)
    # The data before it is handed over (a chunk's data comes before its footer is
    # seen), except where aiohttp refuses the body with its head: its parser fails the
    # whole response.
    before = STARTED_EVENT + (
        b"hello" if bad == MALFORMED_CHUNKS["data not followed by CRLF"] else b""
    )
    assert got == (b"" if client == "aiohttp" and not later else before)


@pytest.mark.parametrize("later", [False, True], ids=["with-head", "after-head"])
@pytest.mark.parametrize(
    ("rest", "tail"), [(b"", b""), (b"5\r\nhe", b"he"), (b"5\r\nhello\r\n0\r\n", b"hello")]
)
def test_a_chunked_event_stream_cut_off_is_a_broken_connection(
    venue_loop: BackgroundLoop, client: str, rest: bytes, tail: bytes, later: bool
):
    with serving(venue_loop, lambda seen: chunked_events(rest, later=later)) as server:
        got, error = read_stream(client, f"{server.url}/api/v1/jobs/{JOB}/sse")
    assert isinstance(error, CoviaConnectionError)
    assert not isinstance(error, CoviaTimeoutError)
    assert got == STARTED_EVENT + tail


@pytest.mark.parametrize("good", [b"5;ext=1\r\nhello\r\n", b"5 \r\nhello\r\n", b"0\r\nX-T: 1\r\n"])
def test_a_chunked_event_stream_within_the_grammar_is_read_whole(
    venue_loop: BackgroundLoop, client: str, good: bytes
):
    rest = good + (b"\r\n" if good.startswith(b"0") else b"0\r\n\r\n")
    with serving(venue_loop, lambda seen: chunked_events(rest, later=True)) as server:
        got, error = read_stream(client, f"{server.url}/api/v1/jobs/{JOB}/sse")
    assert error is None
    assert got == STARTED_EVENT + (b"" if good.startswith(b"0") else b"hello")


@pytest.mark.parametrize("bad", [MALFORMED_CHUNKS["size not hex"], b"5\r\nhelloXY"])
def test_a_job_whose_event_stream_keeps_breaking_its_framing_is_polled(
    venue_loop: BackgroundLoop, client: str, bad: bytes
):
    # No event first: a stream that gives events is working, and is reopened.
    given_up_and_polled(
        venue_loop, client, lambda: chunked_events(bad + b"0\r\n\r\n", later=True, event=False)
    )


# -- bad JSON ---------------------------------------------------------------------------------


def test_json_nested_deeper_than_the_limit_is_refused(venue_loop: BackgroundLoop, client: str):
    deep = b'{"status":"OK","x":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    shallow = json.dumps({**STATUS, "x": [[[[1]]]]}).encode()

    def respond(seen: Seen) -> bytes:
        return response(200, deep if seen.path.endswith("/status") else shallow)

    async def both(venue: Any) -> Any:
        try:
            await venue.status()
        except VenueProtocolError as exc:
            refused = str(exc)
        else:
            raise AssertionError("deep JSON was accepted")
        return refused

    with serving(venue_loop, respond) as server:
        refused = run_client(client, server.url, both)
        tight = raises(client, server.url, status_name, limits=Limits(max_json_depth=1))
    assert "nested too deeply (max_json_depth is 800)" in refused
    assert "max_json_depth is 1" in str(tight)


@pytest.mark.parametrize(
    "body",
    [b'{"status":"OK","name":"\xff\xfe"}', b'{"status":"OK","name":"\xed\xa0\x80"}'],
    ids=["bad-bytes", "surrogate"],
)
def test_invalid_utf8_is_refused(venue_loop: BackgroundLoop, client: str, body: bytes):
    with serving(venue_loop, lambda seen: response(200, body)) as server:
        error = raises(client, server.url, status_name)
    assert isinstance(error, VenueProtocolError)
    assert "not valid UTF-8" in str(error)


# -- answers that are not what was asked for --------------------------------------------------


def test_a_job_record_with_another_id_is_refused(venue_loop: BackgroundLoop, client: str):
    other = "ff" * 16
    with serving(venue_loop, lambda seen: response(200, record("COMPLETE", other))) as server:
        error = raises(client, server.url, lambda venue: venue.get_job(JOB))
    assert isinstance(error, VenueProtocolError)
    assert f"answered job {other} when asked for {JOB}" in str(error)


def test_content_whose_hash_differs_from_its_metadata_is_refused(
    venue_loop: BackgroundLoop, client: str
):
    content = b"what the venue sends"
    declared = hashlib.sha256(b"what the metadata promised").hexdigest()
    metadata = {"name": "data", "content": {"sha256": declared, "contentType": "text/plain"}}
    ident = compute_asset_id(metadata)  # the metadata itself is the asset's own

    respond = asset_responder(metadata, content)

    async def fetch(venue: Any) -> Any:
        return await venue.get_asset_content(ident)

    async def fetch_unverified(venue: Any) -> Any:
        return await venue.get_asset_content(ident, verify=False)

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, fetch)
        assert run_client(client, server.url, fetch_unverified) == content
    assert isinstance(error, ContentHashError)
    assert declared in str(error)
    assert hashlib.sha256(content).hexdigest() in str(error)


# -- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_origin_is_not_followed(
    venue_loop: BackgroundLoop, client: str, status: int
):
    with serving(venue_loop, lambda seen: response(200, b"{}")) as elsewhere:

        def respond(seen: Seen) -> bytes:
            where = f"{elsewhere.url}{seen.target}"
            return response(status, b"", headers=(("Location", where),))

        async def invoke(venue: Any) -> Any:
            return await venue.invoke("v/test/ops/echo", {"body": "BODY-MARKER"})

        with serving(venue_loop, respond) as venue_server:
            options: dict[str, Any] = {
                "auth": BearerAuth("tok-SECRET-redirect"),
                "headers": {"X-Custom": "custom-SECRET"},
            }
            errors = [
                raises(client, venue_server.url, status_name, **options),
                raises(client, venue_server.url, invoke, **options),
                raises(client, venue_server.url, lambda v: v.get_asset_content(ASSET), **options),
            ]
    assert elsewhere.seen == []  # no credentials, custom header or body ever went there
    # One request each, the POST with its body: a redirect is not retried either.
    assert [(s.method, s.path) for s in venue_server.seen] == [
        ("GET", "/api/v1/status"),
        ("POST", "/api/v1/invoke"),
        ("GET", f"/api/v1/assets/{ASSET}"),
    ]
    assert b"BODY-MARKER" in venue_server.seen[1].body
    for error in errors:
        assert isinstance(error, CoviaError)
        assert not isinstance(error, GridError) or error.status_code == status
        assert "redirect" in str(error)
        assert "SECRET" not in str(error)


def test_metadata_tampered_with_is_refused(venue_loop: BackgroundLoop, client: str):
    genuine = {"name": "Iris", "license": "CC-BY-4.0"}
    tampered = {"name": "Iris", "license": "proprietary"}
    ident = compute_asset_id(genuine)

    def respond(seen: Seen) -> bytes:
        return response(200, json.dumps(tampered).encode(), content_type="text/plain")

    async def fetch(venue: Any) -> Any:
        return (await venue.get_asset(ident)).metadata

    async def fetch_by_reference(venue: Any) -> Any:
        return await venue.get_asset("a/" + ident)

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, fetch)
        by_reference = raises(client, server.url, fetch_by_reference)
        unchecked = run_client(client, server.url, fetch, verify_asset_ids=False)
    assert isinstance(error, AssetIdMismatchError)
    assert (error.expected, error.actual) == (ident, compute_asset_id(tampered))
    assert ident in str(error)
    assert compute_asset_id(tampered) in str(error)
    assert isinstance(by_reference, AssetIdMismatchError)
    assert unchecked == tampered


def test_a_venue_registering_under_another_id_is_refused(venue_loop: BackgroundLoop, client: str):
    metadata = {"name": "mine"}
    wrong = compute_asset_id({"name": "theirs"})

    def respond(seen: Seen) -> bytes:
        if seen.method == "POST":
            return response(201, json.dumps(wrong).encode())
        return response(200, b'{"name":"theirs"}', content_type="text/plain")

    async def register(venue: Any) -> Any:
        return (await venue.register(metadata)).id

    with serving(venue_loop, respond) as server:
        error = raises(client, server.url, register)
        unchecked = run_client(client, server.url, register, verify_asset_ids=False)
    assert isinstance(error, AssetIdMismatchError)
    assert (error.expected, error.actual) == (compute_asset_id(metadata), wrong)
    assert unchecked == wrong
