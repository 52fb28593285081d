"""Hostile values, through every client (requests, aiohttp, trio): what the caller
gives and what the venue sends that would go back out on the wire (header values, event
ids, job and asset ids), bodies compressed unasked, listings of the wrong shape, and a
venue used after it was closed. Each is refused the same way under every client, with
a ``CoviaError`` that never echoes a secret, and nothing reaches the server that
should not.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import pathlib
import stat
import zlib
from typing import Any

import pytest

from covia import CoviaUsageError, Limits, VenueProtocolError, compute_asset_id
from covia.auth import Auth, BearerAuth
from covia_proto.testing.server import BackgroundLoop
from tests.conformance.hostile import (
    CLIENTS,
    Seen,
    asset_responder,
    raises,
    response,
    run_client,
    serving,
)

JOB = "0190f3c2a1b20000aabbccddeeff0011"
ASSET = "ab" * 32
STATUS = {"status": "OK", "name": "Hostile", "did": "did:web:hostile.test"}

pytestmark = pytest.mark.parametrize("client", CLIENTS)


def record(status: str, job_id: str = JOB) -> bytes:
    return json.dumps(
        {"id": job_id, "status": status, "op": "cd" * 32, "created": 1, "updated": 1}
    ).encode()


# -- a closed venue ---------------------------------------------------------------------------


async def _events(venue: Any) -> list[Any]:
    return [event async for event in venue.stream_job_events(JOB)]


# One of each way a shell reaches the driver: one call, a flow, a stream, a download.
AFTER_CLOSE = {
    "call": lambda venue: venue.status(),
    "flow": lambda venue: venue.list_all_assets(),
    "stream": _events,
    "content": lambda venue: venue.get_asset_content(ASSET),
}


def own_driver(client: str) -> Any:
    """A driver of ``client``'s kind made by the caller, who keeps it (and closes it)."""
    if client == "requests":
        from covia_requests import RequestsDriver

        return RequestsDriver()
    if client == "aiohttp":
        from covia_aiohttp import AiohttpDriver

        return AiohttpDriver()
    from covia_trio import TrioDriver

    return TrioDriver()


@pytest.mark.parametrize("work", AFTER_CLOSE)
@pytest.mark.parametrize("owner", ["sdk", "caller"])
def test_a_closed_venue_refuses_calls_and_sends_nothing(
    venue_loop: BackgroundLoop, client: str, work: str, owner: str
):
    # A driver the SDK made is closed with the venue and refuses by itself; a caller's
    # stays open, so only the venue's own check keeps the work from going out.
    driver = own_driver(client) if owner == "caller" else None

    async def use_after_close(venue: Any) -> Any:
        try:
            await venue.status()
            await venue.close()
            return await AFTER_CLOSE[work](venue)
        finally:
            if driver is not None:
                closed = driver.close() if client == "requests" else driver.aclose()
                if closed is not None:
                    await closed

    with serving(venue_loop, lambda seen: response(200, json.dumps(STATUS).encode())) as server:
        error = raises(client, server.url, use_after_close, driver=driver)
    assert isinstance(error, CoviaUsageError)
    assert "closed" in str(error)
    assert len(server.seen) == 1  # only the call made before close()


# -- the shape of a page ----------------------------------------------------------------------


@pytest.mark.parametrize("listing", ["list_jobs", "list_assets"])
def test_a_page_without_its_items_is_refused_not_read_as_empty(
    venue_loop: BackgroundLoop, client: str, listing: str
):
    async def list_it(venue: Any) -> Any:
        return await getattr(venue, listing)()

    # A job record where a page belongs: no "items" at all.
    with serving(venue_loop, lambda seen: response(200, record("COMPLETE"))) as server:
        error = raises(client, server.url, list_it)
    assert isinstance(error, VenueProtocolError)
    assert "no items" in str(error)


# -- content coding the SDK did not ask for ---------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some send
    ],
    ids=["gzip", "deflate", "raw-deflate"],
)
def test_a_body_compressed_unasked_is_decoded_alike_by_every_client(
    venue_loop: BackgroundLoop, client: str, coding: str, compress: Any
):
    content = b"the same decoded bytes from every driver\n" * 5000
    metadata = _content_metadata(content)
    ident = compute_asset_id(metadata)  # metadata is checked against its id

    def respond(seen: Seen) -> bytes:
        encoded = (("Content-Encoding", coding),)
        if seen.path.endswith("/content"):
            return response(200, compress(content), content_type="text/plain", headers=encoded)
        return response(200, compress(json.dumps(metadata).encode()), headers=encoded)

    async def fetch(venue: Any) -> Any:
        return await venue.get_asset_content(ident)

    async def stream(venue: Any) -> Any:
        return b"".join([chunk async for chunk in venue.iter_asset_content(ident)])

    with serving(venue_loop, respond) as server:
        assert run_client(client, server.url, fetch) == content  # hash-checked too
        assert run_client(client, server.url, stream) == content


def test_every_client_asks_for_content_as_stored_and_json_as_its_library_likes(
    venue_loop: BackgroundLoop, client: str
):
    """A venue gzips content on the fly for a client that accepts it (18 times slower on
    the real venue): a download asks for ``identity``; other calls keep each library's
    own Accept-Encoding."""
    content = b"stored bytes\n" * 100
    metadata = _content_metadata(content)
    ident = compute_asset_id(metadata)

    async def fetch(venue: Any) -> Any:
        return await venue.get_asset_content(ident)

    with serving(venue_loop, asset_responder(metadata, content)) as server:
        assert run_client(client, server.url, fetch) == content
    downloads = [seen for seen in server.seen if seen.path.endswith("/content")]
    others = [seen for seen in server.seen if not seen.path.endswith("/content")]
    assert [seen.header("Accept-Encoding") for seen in downloads] == ["identity"]
    assert others  # the metadata, fetched to check the hash
    assert all(seen.header("Accept-Encoding") != "identity" for seen in others)


# -- header values the caller gives -----------------------------------------------------------

SECRET = "s3cr3t-value"
BAD_VALUES = {
    "crlf": f"{SECRET}\r\nX-Injected: 1",
    "lf": f"{SECRET}\nX-Injected: 1",
    "nul": f"{SECRET}\0",
    "control": f"{SECRET}\x1b[2J",
    "non-latin-1": f"{SECRET}\u2603",
    "lone-surrogate": f"{SECRET}\udc00",
}


class _WritesBadly(Auth):
    """A custom scheme whose credential cannot be sent: checked at each call."""

    def __init__(self, value: str) -> None:
        self._value = value

    def apply(self, headers: dict[str, str]) -> None:
        headers["X-Signature"] = self._value


@pytest.mark.parametrize("bad", BAD_VALUES.values(), ids=BAD_VALUES.keys())
@pytest.mark.parametrize("where", ["headers", "bearer", "custom-auth"])
def test_a_header_value_http_cannot_carry_is_refused_without_showing_it(
    venue_loop: BackgroundLoop,
    client: str,
    where: str,
    bad: str,
    caplog: pytest.LogCaptureFixture,
):
    choices: dict[str, dict[str, Any]] = {
        "headers": {"headers": {"X-Api-Token": bad}},
        "bearer": {"auth": BearerAuth(bad)},
        "custom-auth": {"auth": _WritesBadly(bad)},
    }
    options = choices[where]
    named = {"headers": "X-Api-Token", "bearer": "Authorization", "custom-auth": "X-Signature"}
    caplog.set_level(logging.DEBUG)
    with serving(venue_loop, lambda seen: response(200, json.dumps(STATUS).encode())) as server:
        error = raises(client, server.url, status_name, **options)
    assert isinstance(error, CoviaUsageError), repr(error)
    assert named[where] in str(error)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert all(SECRET not in record.getMessage() for record in caplog.records)
    assert server.seen == []  # refused before anything was sent


async def status_name(venue: Any) -> Any:
    return (await venue.status()).name


# -- values from the venue that would go back out ---------------------------------------------


def _event(event_id: str, status: str) -> bytes:
    return f"id: {event_id}\nevent: job-update\ndata: ".encode() + record(status) + b"\n\n"


@pytest.mark.parametrize(
    "bad_id", ["\u2603", "a\x1bb", "a\x7fb"], ids=["non-latin-1", "esc", "del"]
)
def test_an_event_id_http_cannot_carry_never_goes_back_as_last_event_id(
    venue_loop: BackgroundLoop, client: str, bad_id: str
):
    streams: list[Seen] = []

    def respond(seen: Seen) -> bytes:
        if not seen.path.endswith("/sse"):
            return response(200, record("STARTED" if not streams else "COMPLETE"))
        streams.append(seen)
        head = response(200, content_type="text/event-stream", length=False)
        if len(streams) == 1:  # two events, the second with an id that cannot go back
            return head + _event("7", "STARTED") + _event(bad_id, "STARTED")
        return head + _event("8", "COMPLETE")

    async def wait(venue: Any) -> Any:
        job = await venue.get_job(JOB)
        await job.wait(timeout=10)
        return job.status.value

    with serving(venue_loop, respond) as server:
        assert run_client(client, server.url, wait) == "COMPLETE"
    assert len(streams) >= 2
    # The id in force stayed the last one that can be sent back.
    assert [s.header("Last-Event-ID") for s in streams[1:]] == ["7"] * (len(streams) - 1)


BAD_IDS = {"lone-surrogate": "\\udc00", "escape": "\\u001b]0;title\\u0007", "newline": "a\\nb"}


@pytest.mark.parametrize("bad", BAD_IDS.values(), ids=BAD_IDS.keys())
@pytest.mark.parametrize("where", ["list_assets", "list_jobs", "invoke"])
def test_an_id_that_could_not_go_back_out_is_refused_where_it_is_read(
    venue_loop: BackgroundLoop, client: str, where: str, bad: str
):
    # The JSON escapes are sent as they are: "\udc00" is valid JSON for a lone surrogate.
    page = f'{{"items":["{bad}"],"total":1,"offset":0}}'.encode()
    job = f'{{"id":"{bad}","status":"PENDING","op":"{"cd" * 32}"}}'.encode()

    async def use(venue: Any) -> Any:
        if where == "invoke":
            return await (await venue.invoke("cd" * 32, {})).wait(timeout=5)
        listed = await getattr(venue, where)()
        items = listed if isinstance(listed, list) else listed.items
        return [await venue.get_asset(item) for item in items]

    with serving(venue_loop, lambda seen: response(200, job if where == "invoke" else page)) as s:
        error = raises(client, s.url, use)
    assert isinstance(error, VenueProtocolError), repr(error)
    assert "an id without control characters or lone surrogates" in str(error)
    assert len(s.seen) == 1  # nothing was sent with it


def test_a_lone_surrogate_given_as_an_id_is_a_usage_error(venue_loop: BackgroundLoop, client: str):
    async def get(venue: Any) -> Any:
        return await venue.get_asset("\udc00")

    with serving(venue_loop, lambda seen: response(500)) as server:
        error = raises(client, server.url, get)
    assert isinstance(error, CoviaUsageError), repr(error)
    assert server.seen == []


# -- files ------------------------------------------------------------------------------------


def _content_metadata(content: bytes) -> dict[str, Any]:
    return {"name": "data", "content": {"sha256": hashlib.sha256(content).hexdigest()}}


def _content_id(content: bytes) -> str:
    """The asset id of ``_content_metadata(content)``: the id it is served under."""
    return compute_asset_id(_content_metadata(content))


def _content_server(content: bytes) -> Any:
    metadata = _content_metadata(content)

    def respond(seen: Seen) -> bytes:
        if seen.path.endswith("/content"):
            return response(200, content, content_type="application/octet-stream")
        return response(200, json.dumps(metadata).encode())

    return respond


def test_a_download_over_an_existing_file_keeps_its_permissions(
    venue_loop: BackgroundLoop, client: str, tmp_path: pathlib.Path
):
    secret_file = tmp_path / "secrets.json"
    secret_file.write_bytes(b"old")
    secret_file.chmod(0o600)

    async def download(venue: Any) -> Any:
        return await venue.download_asset_content(
            _content_id(b"new secret content"), str(secret_file)
        )

    with serving(venue_loop, _content_server(b"new secret content")) as server:
        run_client(client, server.url, download)
    assert secret_file.read_bytes() == b"new secret content"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.json"]


def test_a_failed_final_move_leaves_no_partial_file(
    venue_loop: BackgroundLoop, client: str, tmp_path: pathlib.Path
):
    folder = tmp_path / "a-folder"
    (folder / "inside").mkdir(parents=True)  # os.replace cannot put a file over it

    async def download(venue: Any) -> Any:
        return await venue.download_asset_content(_content_id(b"x" * 300_000), str(folder))

    with serving(venue_loop, _content_server(b"x" * 300_000)) as server:
        error = raises(client, server.url, download)
    assert isinstance(error, OSError), repr(error)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]  # no .covia-*.part


# -- JSON that would cost far more memory than its size ---------------------------------------


@pytest.mark.parametrize("item", [b"{}", b"[]", b'{"a":1}'])
def test_json_packed_to_blow_up_in_memory_is_refused_before_it_is_parsed(
    venue_loop: BackgroundLoop, client: str, item: bytes
):
    # 4 MiB, well under max_body_size: parsed, it took some 25 times that (+100 MiB).
    body = b'{"status":"OK","name":"x","pad":[' + b",".join([item] * (1 << 20)) + b"]}"

    with serving(venue_loop, lambda seen: response(200, body)) as server:
        error = raises(client, server.url, status_name)
    assert isinstance(error, VenueProtocolError)
    assert "times its size" in str(error)
    assert len(server.seen) == 1  # refused, not retried


def test_json_longer_than_max_json_size_is_refused(venue_loop: BackgroundLoop, client: str):
    body = json.dumps({**STATUS, "pad": "x" * 300_000}).encode()
    with serving(venue_loop, lambda seen: response(200, body)) as server:
        error = raises(client, server.url, status_name, limits=Limits(max_json_size=100_000))
        assert run_client(client, server.url, status_name) == "Hostile"  # the default is roomier
    assert isinstance(error, VenueProtocolError)
    assert "max_json_size (100000 bytes)" in str(error)


# -- the real venue ---------------------------------------------------------------------------


def test_the_real_venue_answers_listings_in_a_shape_the_strict_pages_accept(
    external_venue_url: str, client: str
):
    # The real venue answers GET /jobs with a flat array and GET /assets with an envelope
    # that carries its items; it gzips answers for clients that accept gzip (requests and
    # aiohttp do), not for the trio client, which does not ask.
    async def listings(venue: Any) -> Any:
        await venue.invoke("v/test/ops/echo", {"hostile": "round two"})
        jobs = await venue.list_jobs()
        page = await venue.list_assets(limit=5)
        return jobs, page

    jobs, page = run_client(client, external_venue_url, listings)
    assert isinstance(jobs, list)
    assert jobs  # the job just invoked, at least
    assert 0 < len(page.items) <= 5
    assert page.total >= len(page.items)
