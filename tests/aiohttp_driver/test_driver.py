"""``covia_aiohttp.driver``: every effect over real sockets, how aiohttp's failures
become the core's exceptions, timeouts, session ownership, connection limits under
load, cancellation that leaves nothing open, and the venue's faults as the async
client sees them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import pathlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import trustme
from aiohttp import web

from covia import (
    ContentHashError,
    CoviaConnectionError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobStatus,
    RateLimitError,
    VenueProtocolError,
)
from covia.async_api import AsyncGrid
from covia_aiohttp import AiohttpDriver
from covia_aiohttp import driver as driver_module
from covia_proto import allocator
from covia_proto.flows.context import NO_RETRY
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response
from covia_proto.testing.faults import (
    BreakStream,
    FaultPlan,
    MalformedJson,
    RateLimited,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    StallResponse,
    TruncateBody,
    WrongContentType,
)
from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from tests.async_api.helpers import (
    DELAY,
    ECHO,
    NEVER,
    PROFILE_IDS,
    PROFILES,
    CountingProxy,
    delayed_echo,
    loopback_client,
)

pytestmark = pytest.mark.asyncio

Served = RunningVenue[VenueSimulator]


# -- a small raw server, for what a venue never does (redirects, dribbled events) -------


class RawServer:
    """An aiohttp.web server on the test's own loop, with a few scripted routes."""

    def __init__(self) -> None:
        self.url = ""
        self.release = asyncio.Event()  # lets a dribbling handler send its second part
        self.hits: list[str] = []

    async def redirect(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        return web.Response(status=302, headers={"Location": "/elsewhere"}, text="moved")

    async def dribble(self, request: web.Request) -> web.StreamResponse:
        answer = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await answer.prepare(request)
        await answer.write(b"event: one\ndata: 1\n\n")
        await self.release.wait()
        await answer.write(b"event: two\ndata: 2\n\n")
        await answer.write_eof()
        return answer

    async def trickle(self, request: web.Request) -> web.StreamResponse:
        """A byte every 0.2 s, never the end: each wait short, the whole endless."""
        answer = web.StreamResponse(headers={"Content-Type": "application/json"})
        answer.content_length = 100_000
        await answer.prepare(request)
        while True:
            await answer.write(b" ")
            await asyncio.sleep(0.2)

    async def stall(self, request: web.Request) -> web.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def echo(self, request: web.Request) -> web.Response:
        body = await request.read()
        return web.Response(
            status=201,
            body=body,
            headers={"X-Method": request.method, "X-Target": request.raw_path},
        )

    async def large(self, request: web.Request) -> web.StreamResponse:
        answer = web.StreamResponse()
        await answer.prepare(request)
        for _ in range(64):
            await answer.write(b"x" * 65536)
        await answer.write_eof()
        return answer


@pytest_asyncio.fixture
async def raw() -> AsyncIterator[RawServer]:
    server = RawServer()
    app = web.Application()
    app.router.add_get("/redirect", server.redirect)
    app.router.add_get("/dribble", server.dribble)
    app.router.add_get("/stall", server.stall)
    app.router.add_get("/trickle", server.trickle)
    app.router.add_route("*", "/echo/{tail:.*}", server.echo)
    app.router.add_get("/large", server.large)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        server.release.set()
        await runner.cleanup()


@pytest_asyncio.fixture
async def driver() -> AsyncIterator[AiohttpDriver]:
    made = AiohttpDriver(timeout=5.0)
    try:
        yield made
    finally:
        assert made.open_responses == 0, "a response was left open"
        await made.aclose()


@pytest.fixture
def plain_served(venue_loop: BackgroundLoop) -> Iterator[Served]:
    with serve_venue(loop=venue_loop) as venue:
        yield venue


def acquired(driver: AiohttpDriver) -> int:
    """Connections the pool has handed out and not had back (aiohttp's own count)."""
    connector = driver.session.connector
    assert connector is not None
    return len(connector._acquired)


# -- effects ------------------------------------------------------------------------------


async def test_send_returns_the_whole_response(raw: RawServer, driver: AiohttpDriver) -> None:
    request = Request("POST", f"{raw.url}/echo/a%2Fb?x=1", (("X-One", "1"),), b"payload")
    response = await driver.perform(Send(request))
    assert isinstance(response, Response)
    assert response.status == 201
    assert response.body == b"payload"
    assert response.header("x-method") == "POST"
    # The target travels exactly as the core encoded it.
    assert response.header("X-Target") == "/echo/a%2Fb?x=1"
    assert driver.open_responses == 0
    assert acquired(driver) == 0


async def test_streamed_uploads_of_every_kind(raw: RawServer, driver: AiohttpDriver) -> None:
    async def chunks() -> AsyncIterator[bytes | bytearray]:
        yield b"ab"
        yield bytearray(b"cd")

    import io

    for source in (chunks(), [b"ab", memoryview(b"cd")], io.BytesIO(b"abcd")):
        request = Request("PUT", f"{raw.url}/echo/up")
        response = await driver.perform(Send(request, body_stream=source))
        assert response.body == b"abcd"


async def test_redirects_are_never_followed(raw: RawServer, driver: AiohttpDriver) -> None:
    response = await driver.perform(Send(Request("GET", f"{raw.url}/redirect")))
    assert response.status == 302
    assert response.header("Location") == "/elsewhere"
    assert raw.hits == ["/redirect"]


async def test_a_stream_delivers_each_event_as_it_arrives(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    opened = await driver.perform(OpenStream(Request("GET", f"{raw.url}/dribble")))
    assert isinstance(opened, OpenedStream)
    assert opened.head.status == 200
    assert driver.open_responses == 1
    # The second event is not sent before the first was read: a driver that waited
    # for more data would hang here.
    first = await driver.perform(ReadChunk(opened.handle, timeout=5))
    assert first == b"event: one\ndata: 1\n\n"
    raw.release.set()
    rest = b""
    while chunk := await driver.perform(ReadChunk(opened.handle)):
        rest += chunk
    assert rest == b"event: two\ndata: 2\n\n"
    await driver.perform(CloseStream(opened.handle))
    await driver.perform(CloseStream(opened.handle))  # closing twice is harmless
    assert driver.open_responses == 0
    with pytest.raises(CoviaUsageError):
        await driver.perform(ReadChunk(opened.handle))


async def test_closing_a_half_read_stream_drops_its_connection(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    opened = await driver.perform(OpenStream(Request("GET", f"{raw.url}/large")))
    chunk = await driver.perform(ReadChunk(opened.handle))
    assert 0 < len(chunk) < 64 * 65536
    await driver.perform(CloseStream(opened.handle))
    assert driver.open_responses == 0
    assert acquired(driver) == 0


@contextlib.asynccontextmanager
async def chunked_then(rest: bytes) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A server that answers a chunked event stream of one event, then, once the
    event is set, ``rest`` and a close: bytes aiohttp parses apart from the head."""
    go = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"
        )
        await go.wait()
        writer.write(rest)
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", go
    finally:
        server.close()


async def test_a_body_the_parser_refuses_after_the_head_is_the_venues_fault(
    driver: AiohttpDriver,
) -> None:
    # aiohttp tells only the connection, and its reader would wait for ever.
    async with chunked_then(b"zz\r\n0\r\n\r\n") as (url, go):
        opened = await driver.perform(OpenStream(Request("GET", f"{url}/sse")))
        assert await driver.perform(ReadChunk(opened.handle)) == b"first"
        go.set()
        with pytest.raises(VenueProtocolError, match="malformed response: Invalid character"):
            await driver.perform(ReadChunk(opened.handle, timeout=5))
    assert driver.open_responses == 0


async def test_a_refused_body_found_after_its_connection_went_is_the_venues_fault(
    driver: AiohttpDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the watch on its connection, aiohttp raises RuntimeError("Connection
    # closed.") to a read that comes once the connection has gone.
    monkeypatch.setattr(driver_module._Watch, "start", lambda self, stream: None)
    async with chunked_then(b"zz\r\n0\r\n\r\n") as (url, go):
        opened = await driver.perform(OpenStream(Request("GET", f"{url}/sse")))
        assert await driver.perform(ReadChunk(opened.handle)) == b"first"
        protocol = opened.handle.protocol
        closed = protocol.closed
        go.set()
        await closed
        with pytest.raises(VenueProtocolError, match="malformed response: Invalid character"):
            await driver.perform(ReadChunk(opened.handle, timeout=5))
    assert driver.open_responses == 0


async def test_streams_one_after_another_on_a_connection_are_each_read_whole(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    # The watch on a kept-alive connection is set once and holds no stream once closed.
    for _ in range(3):
        opened = await driver.perform(OpenStream(Request("GET", f"{raw.url}/large")))
        got = 0
        while chunk := await driver.perform(ReadChunk(opened.handle)):
            got += len(chunk)
        await driver.perform(CloseStream(opened.handle))
        assert got == 64 * 65536
    assert len(driver._watch._streams) == 1
    assert list(driver._watch._streams.values()) == [None]


async def test_large_bodies_arrive_in_bounded_chunks(raw: RawServer, driver: AiohttpDriver) -> None:
    opened = await driver.perform(OpenStream(Request("GET", f"{raw.url}/large")))
    sizes = []
    while chunk := await driver.perform(ReadChunk(opened.handle)):
        sizes.append(len(chunk))
    await driver.perform(CloseStream(opened.handle))
    assert sum(sizes) == 64 * 65536
    assert len(sizes) > 1
    assert max(sizes) <= 1024 * 1024  # memory stays flat: never the whole body at once


@pytest.mark.parametrize(
    ("path", "body", "readied"),
    [
        ("/large", b"", True),
        ("/echo/large", bytes(allocator.MAPPED_FROM), True),
        ("/echo/small", b"small", False),
    ],
    ids=["unknown-length", "declared-large", "small"],
)
@pytest.mark.parametrize("whole", [True, False], ids=["send", "stream"])
async def test_the_allocator_is_readied_before_a_body_that_may_be_large(
    raw: RawServer,
    driver: AiohttpDriver,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    body: bytes,
    readied: bool,
    whole: bool,
) -> None:
    # asyncio's transport reads into a new buffer each time, too large for glibc's heap
    # until the allocator is readied (covia_proto.allocator); a small answer needs none.
    asked: list[int] = []
    monkeypatch.setattr("covia_proto.allocator.ready_for", asked.append)
    request = Request("POST" if body else "GET", f"{raw.url}{path}", body=body)
    if whole:
        response = await driver.perform(Send(request))
        assert isinstance(response, Response)
    else:
        opened = await driver.perform(OpenStream(request))
        while await driver.perform(ReadChunk(opened.handle)):
            pass
        await driver.perform(CloseStream(opened.handle))
    assert asked == ([driver_module.TRANSPORT_READ_SIZE] if readied else [])


async def test_sleep_time_and_unknown_effects(driver: AiohttpDriver) -> None:
    before = await driver.perform(GetTime())
    assert await driver.perform(Sleep(0.001)) is None
    after = await driver.perform(GetTime())
    assert after >= before + 0.001
    assert before <= time.monotonic()
    with pytest.raises(CoviaUsageError):
        await driver.perform(Emit("item"))


# -- failures -----------------------------------------------------------------------------


async def test_refused_connection_was_not_sent(driver: AiohttpDriver) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(CoviaConnectionError) as caught:
            await driver.perform(Send(Request("POST", f"http://127.0.0.1:{port}/x", body=b"{}")))
    assert caught.value.sent is False
    assert isinstance(caught.value, ConnectionError)
    assert caught.value.request is not None
    assert caught.value.request.method == "POST"


async def test_unknown_host_was_not_sent(driver: AiohttpDriver) -> None:
    with pytest.raises(CoviaConnectionError) as caught:
        await driver.perform(Send(Request("GET", "http://no-such-host.invalid/api/v1/status")))
    assert caught.value.sent is False


async def test_invalid_urls_and_bad_upload_chunks_are_usage_errors(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    with pytest.raises(CoviaUsageError):
        await driver.perform(Send(Request("GET", "http:///no-host")))

    async def text() -> AsyncIterator[str]:
        yield "not bytes"

    with pytest.raises((CoviaUsageError, CoviaConnectionError)):
        await driver.perform(Send(Request("PUT", f"{raw.url}/echo/x"), body_stream=text()))


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose accept queue is full: a connection attempt is never answered."""
    server = socket.socket()
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


async def test_a_connection_that_never_completes_times_out() -> None:
    driver = AiohttpDriver(timeout=0.3)
    try:
        with (
            unanswered_port() as port,
            pytest.raises(CoviaTimeoutError, match="connecting") as caught,
        ):
            await driver.perform(Send(Request("GET", f"http://127.0.0.1:{port}/")))
        assert isinstance(caught.value, TimeoutError)
    finally:
        await driver.aclose()


async def test_the_driver_timeout_bounds_each_wait_for_data(raw: RawServer) -> None:
    driver = AiohttpDriver(timeout=0.2)
    try:
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(Send(Request("GET", f"{raw.url}/stall")))
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(OpenStream(Request("GET", f"{raw.url}/stall")))
        assert driver.open_responses == 0
        assert acquired(driver) == 0
    finally:
        await driver.aclose()


async def test_an_effect_timeout_shortens_the_drivers(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    with pytest.raises(CoviaTimeoutError):
        await driver.perform(Send(Request("GET", f"{raw.url}/stall"), timeout=0.1))
    with pytest.raises(CoviaTimeoutError):
        await driver.perform(OpenStream(Request("GET", f"{raw.url}/stall"), timeout=0.1))
    opened = await driver.perform(OpenStream(Request("GET", f"{raw.url}/dribble")))
    await driver.perform(ReadChunk(opened.handle))
    with pytest.raises(CoviaTimeoutError):
        await driver.perform(ReadChunk(opened.handle, timeout=0.1))
    # A read that failed closed its stream.
    assert driver.open_responses == 0
    await driver.perform(CloseStream(opened.handle))
    assert acquired(driver) == 0


# -- sessions ------------------------------------------------------------------------------


async def test_the_driver_owns_and_closes_its_session(plain_served: Served) -> None:
    driver = AiohttpDriver(limit=7)
    assert driver.owns_session
    response = await driver.perform(Send(Request("GET", f"{plain_served.url}/api/v1/status")))
    assert response.status == 200
    session = driver.session
    assert session.connector is not None
    assert session.connector.limit == 7
    await driver.aclose()
    await driver.aclose()
    assert session.closed
    with pytest.raises(CoviaUsageError, match="closed"):
        await driver.perform(Send(Request("GET", f"{plain_served.url}/api/v1/status")))


async def test_a_callers_session_is_used_as_it_is_and_left_open(raw: RawServer) -> None:
    # Even a session that raises for error statuses: the driver returns them.
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        driver = AiohttpDriver(session)
        assert not driver.owns_session
        assert driver.session is session
        response = await driver.perform(Send(Request("GET", f"{raw.url}/redirect")))
        assert response.status == 302
        await driver.aclose()
        assert not session.closed


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"limit": 0}, "limit"),
        ({"limit": True}, "limit"),
        ({"verify": "/no/such/ca.pem"}, "CA bundle"),
        ({"verify": 1.5}, "verify"),
        ({"session": object()}, "ClientSession"),
    ],
)
async def test_bad_driver_options_are_usage_errors(options, match) -> None:
    with pytest.raises(CoviaUsageError, match=match):
        AiohttpDriver(**options)


async def test_limit_belongs_to_the_drivers_own_session() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(CoviaUsageError, match="limit"):
            AiohttpDriver(session, limit=5)


# -- TLS ------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def tls_server(tmp_path: pathlib.Path) -> AsyncIterator[tuple[str, str]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/ok", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield f"https://127.0.0.1:{runner.addresses[0][1]}/ok", str(ca_path)
    finally:
        await runner.cleanup()


async def test_tls_is_verified_against_the_given_ca(tls_server: tuple[str, str]) -> None:
    url, ca_path = tls_server
    for verify in (ca_path, ssl.create_default_context(cafile=ca_path), False):
        driver = AiohttpDriver(verify=verify)
        try:
            assert (await driver.perform(Send(Request("GET", url)))).status == 200
        finally:
            await driver.aclose()
    untrusting = AiohttpDriver()
    try:
        with pytest.raises(CoviaConnectionError, match="TLS") as caught:
            await untrusting.perform(Send(Request("GET", url)))
        assert caught.value.sent is False
    finally:
        await untrusting.aclose()


# -- the venue's faults, as the async client sees them ---------------------------------


@contextlib.asynccontextmanager
async def faulty(
    loop: BackgroundLoop, faults: FaultPlan, **options: Any
) -> AsyncIterator[tuple[Served, Any, Any]]:
    with serve_venue(loop=loop, faults=faults, **options) as served:
        async with loopback_client(served.url) as (venue, recorder, _):
            yield served, venue, recorder


def job_count(served: Served) -> int:
    return served.call(lambda: len(list(served.simulator.jobs)))


async def test_a_5xx_on_a_read_is_retried(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    faults.add(ServerError(503), method="GET", path="/status", times=2)
    async with faulty(venue_loop, faults) as (_, venue, recorder):
        assert (await venue.status()).name == "Covia Test Venue"
        assert len(recorder.sent("GET", "/status")) == 3


async def test_a_5xx_on_invoke_is_not_retried(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    faults.add(ServerError(503, json=False), method="POST", path="/invoke", times=1)
    async with faulty(venue_loop, faults) as (_, venue, recorder):
        with pytest.raises(GridError) as caught:
            await venue.invoke(ECHO, 1)
        assert caught.value.status_code == 503
        assert len(recorder.sent("POST", "/invoke")) == 1


@pytest.mark.parametrize("fault", [ResetAfterRequest(), ResetBeforeRequest()])
async def test_a_dropped_invoke_is_never_sent_again(venue_loop: BackgroundLoop, fault) -> None:
    faults = FaultPlan()
    faults.add(fault, method="POST", path="/invoke", times=1)
    async with faulty(venue_loop, faults) as (served, venue, recorder):
        before = job_count(served)
        with pytest.raises(CoviaConnectionError) as caught:
            await venue.invoke(ECHO, 1)
        # Over a socket the drop comes after the request went out: it may have
        # reached the venue, so it is not sent again.
        assert caught.value.sent is True
        assert len(recorder.sent("POST", "/invoke")) == 1
        expected = 1 if isinstance(fault, ResetAfterRequest) else 0
        assert job_count(served) - before == expected


async def test_a_dropped_read_is_sent_again(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    faults.add(ResetAfterRequest(), method="GET", path="/status", times=1)
    async with faulty(venue_loop, faults) as (_, venue, recorder):
        assert (await venue.status()).name
        assert len(recorder.sent("GET", "/status")) == 2


async def test_a_rate_limited_invoke_is_retried_after_the_hint(
    venue_loop: BackgroundLoop,
) -> None:
    faults = FaultPlan()
    faults.add(RateLimited("0"), method="POST", path="/invoke", times=1)
    async with faulty(venue_loop, faults, profile="latest") as (served, venue, recorder):
        job = await venue.invoke(ECHO, {"x": 1})
        assert job.output == {"x": 1}
        assert len(recorder.sent("POST", "/invoke")) == 2
    faults.add(RateLimited("0"), method="GET", path="/status")
    with serve_venue(loop=venue_loop, faults=faults, profile="latest") as served:
        async with loopback_client(served.url, retry=NO_RETRY) as (venue2, _, _):
            with pytest.raises(RateLimitError) as limited:
                await venue2.status()
            assert limited.value.retry_after == 0


async def test_a_truncated_answer_is_a_connection_error_then_retried(
    venue_loop: BackgroundLoop,
) -> None:
    faults = FaultPlan()
    faults.add(TruncateBody(), method="GET", path="/status", times=1)
    async with faulty(venue_loop, faults) as (_, venue, recorder):
        assert (await venue.status()).name
        assert len(recorder.sent("GET", "/status")) == 2
    faults.add(TruncateBody(), method="GET", path="/status")
    with serve_venue(loop=venue_loop, faults=faults) as served:
        async with loopback_client(served.url, retry=NO_RETRY) as (venue2, _, _):
            with pytest.raises(CoviaConnectionError, match=r"mid-response|payload|closed"):
                await venue2.status()


async def test_malformed_json_is_a_protocol_error(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    faults.add(MalformedJson(), method="GET", path="/status")
    async with faulty(venue_loop, faults) as (_, venue, _):
        with pytest.raises(VenueProtocolError):
            await venue.status()


async def test_a_stalled_answer_times_out_at_the_connection_timeout(
    venue_loop: BackgroundLoop,
) -> None:
    faults = FaultPlan()
    faults.add(StallResponse(), method="GET", path="/status")
    with serve_venue(loop=venue_loop, faults=faults) as served:
        async with loopback_client(served.url, timeout=0.3) as (venue, _, aio):
            with pytest.raises(CoviaTimeoutError):
                await venue.status()
            assert acquired(aio) == 0


async def test_per_call_timeouts_over_loopback(plain_served: Served) -> None:
    async with loopback_client(plain_served.url, timeout=30) as (venue, recorder, aio):
        with pytest.raises(CoviaTimeoutError):
            await venue.run(DELAY, delayed_echo(60_000, "late"), timeout=0.3)
        job = await venue.invoke(NEVER, {})
        with pytest.raises(CoviaTimeoutError):
            await job.result(timeout=0.2)
        with pytest.raises(TimeoutError):  # the built-in, as documented
            await job.wait(timeout=0.2)
        assert aio.open_responses == 0
        assert acquired(aio) == 0
        recorder.assert_all_closed()
        await job.cancel()


async def test_a_broken_event_stream_still_follows_the_job(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    faults.add(BreakStream(after_events=1), method="GET", path="/sse", times=1)
    async with faulty(venue_loop, faults, sse=True) as (_, venue, recorder):
        job = await venue.invoke(DELAY, delayed_echo(200, "ok"))
        assert await job.result(timeout=10) == "ok"
        # After the break the job is followed again: a new stream, or polling.
        followed = recorder.sent("GET", f"/jobs/{job.id}")
        assert len(followed) >= 2
        recorder.assert_all_closed()


async def test_an_event_stream_of_the_wrong_type_falls_back_to_polling(
    venue_loop: BackgroundLoop,
) -> None:
    faults = FaultPlan()
    faults.add(WrongContentType("application/json"), method="GET", path="/sse")
    async with faulty(venue_loop, faults, sse=True) as (_, venue, recorder):
        job = await venue.invoke(DELAY, delayed_echo(100, "ok"))
        assert await job.result(timeout=10) == "ok"
        assert recorder.sent("GET", f"/jobs/{job.id}")


# -- content ---------------------------------------------------------------------------------


async def test_content_streams_with_hash_checks(
    plain_served: Served, tmp_path: pathlib.Path
) -> None:
    data = hashlib.sha256(b"seed").digest() * 200_000  # 6.4 MB
    sha = hashlib.sha256(data).hexdigest()
    async with loopback_client(plain_served.url) as (venue, _, aio):
        asset = await venue.register({"name": "big", "content": {"sha256": sha}})

        async def upload() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 1 << 20):
                yield data[start : start + (1 << 20)]

        assert await asset.put_content(upload()) == sha
        sizes = [len(chunk) async for chunk in asset.iter_content()]
        assert sum(sizes) == len(data)
        assert len(sizes) > 1
        assert max(sizes) <= 1 << 20
        target = tmp_path / "big.bin"
        result = await asset.download(target)
        assert result.verified
        assert hashlib.sha256(target.read_bytes()).hexdigest() == sha
        wrong = hashlib.sha256(b"wrong").hexdigest()
        with pytest.raises(ContentHashError):
            await venue.download_asset_content(asset.id, tmp_path / "no.bin", expected_sha256=wrong)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]
        assert aio.open_responses == 0


async def test_a_download_cut_short_leaves_no_file(
    venue_loop: BackgroundLoop, tmp_path: pathlib.Path
) -> None:
    faults = FaultPlan()
    with serve_venue(loop=venue_loop, faults=faults) as served:
        data = b"z" * 300_000
        asset_id = served.call(served.simulator.add_asset, {"name": "z"}, data)
        faults.add(TruncateBody(keep=1000), method="GET", path="/content")
        async with loopback_client(served.url) as (venue, _, _):
            with pytest.raises((CoviaConnectionError, VenueProtocolError)):
                await venue.download_asset_content(asset_id, tmp_path / "cut.bin")
            assert list(tmp_path.iterdir()) == []


# -- load -------------------------------------------------------------------------------------


async def test_a_thousand_concurrent_invocations_within_the_connection_limit(
    plain_served: Served,
) -> None:
    host, port = plain_served.url.removeprefix("http://").split(":")
    async with CountingProxy(host, int(port)) as proxy:
        async with AsyncGrid.connect(proxy.url, limit=20) as venue:

            async def invoke_and_result(i: int) -> object:
                job = await venue.invoke(ECHO, {"i": i})
                return await job.result(timeout=60)

            started = time.monotonic()
            results = await asyncio.gather(*[invoke_and_result(i) for i in range(1000)])
            took = time.monotonic() - started
        assert results == [{"i": i} for i in range(1000)]
        assert 1 <= proxy.peak <= 20
        print(
            f"1000 invoke+result: {took:.2f}s, peak {proxy.peak} connections, {proxy.total} opened"
        )


# -- cancellation -------------------------------------------------------------------------


async def _until(condition: object, what: str) -> None:
    """Yield to the loop until ``condition()`` holds (bounded by a generous count)."""
    for _ in range(2000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_cancelled_mid_request_leaves_nothing_open(venue_loop: BackgroundLoop) -> None:
    faults = FaultPlan()
    rule = faults.add(StallResponse(), method="GET", path="/status", times=1)
    with serve_venue(loop=venue_loop, faults=faults) as served:
        async with loopback_client(served.url, timeout=30) as (venue, _, aio):
            task = asyncio.create_task(venue.status())
            await _until(lambda: served.call(lambda: rule.fired) == 1, "request reached venue")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert aio.open_responses == 0
            assert acquired(aio) == 0
            assert (await venue.status()).name  # the connection is still usable


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
async def test_cancelled_mid_wait_leaves_nothing_open(
    venue_loop: BackgroundLoop, profile, sse
) -> None:
    with serve_venue(loop=venue_loop, profile=profile, sse=sse) as served:
        async with loopback_client(served.url, timeout=30) as (venue, recorder, aio):
            job = await venue.invoke(NEVER, {})
            task = asyncio.create_task(job.wait())
            # Waiting on the event stream, or polling: either way, well under way.
            await _until(
                lambda: aio.open_responses == 1 or len(recorder.sent("GET", job.id)) >= 2,
                "the wait to be under way (a stream open, or polling)",
            )
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert aio.open_responses == 0
            assert acquired(aio) == 0
            recorder.assert_all_closed()
            await job.cancel()
            assert job.status == JobStatus.CANCELLED


async def test_cancelled_mid_stream_leaves_nothing_open(venue_loop: BackgroundLoop) -> None:
    with serve_venue(loop=venue_loop, sse=True) as served:
        async with loopback_client(served.url, timeout=30) as (venue, recorder, aio):
            job = await venue.invoke(NEVER, {})
            got_one = asyncio.Event()

            async def follow() -> None:
                async for _ in job.stream():
                    got_one.set()

            task = asyncio.create_task(follow())
            await got_one.wait()
            assert aio.open_responses == 1  # the event stream, open and waiting
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert aio.open_responses == 0
            assert acquired(aio) == 0
            recorder.assert_all_closed()
            await job.cancel()


@pytest.mark.parametrize("closing", [True, False], ids=["aclosing", "abandoned"])
async def test_cancelled_mid_download_leaves_nothing_open(
    venue_loop: BackgroundLoop, tmp_path: pathlib.Path, closing: bool
) -> None:
    with serve_venue(loop=venue_loop) as served:
        data = b"q" * 4_000_000
        asset_id = served.call(served.simulator.add_asset, {"name": "q"}, data)
        async with loopback_client(served.url, timeout=30) as (venue, recorder, aio):
            first = asyncio.Event()

            async def slow_reader() -> None:
                chunks = venue.iter_asset_content(asset_id)
                async with contextlib.AsyncExitStack() as stack:
                    if closing:
                        await stack.enter_async_context(contextlib.aclosing(chunks))
                    async for _ in chunks:
                        first.set()
                        await asyncio.Event().wait()  # a consumer that stops reading

            task = asyncio.create_task(slow_reader())
            await first.wait()
            assert aio.open_responses == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            if closing:
                assert aio.open_responses == 0  # closed before the task ended
            else:
                # An abandoned async generator is closed by the loop's finaliser hook,
                # as soon as the loop runs again.
                await _until(lambda: aio.open_responses == 0, "the finaliser to close it")
            assert acquired(aio) == 0
            recorder.assert_all_closed()
            # A download to a file cancelled midway leaves no partial file either.
            target = tmp_path / "part.bin"
            download = asyncio.create_task(venue.download_asset_content(asset_id, target))
            await _until(lambda: recorder.open, "the download to start")
            download.cancel()
            with pytest.raises(asyncio.CancelledError):
                await download
            assert list(tmp_path.iterdir()) == []
            assert aio.open_responses == 0
            assert acquired(aio) == 0


async def test_the_environments_proxy_is_looked_up_once_per_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "direct.test")
    driver = AiohttpDriver()
    first = driver._options_for("http://venue.test/api/v1/status")
    assert str(first["proxy"]) == "http://127.0.0.1:3128"
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9999")  # read once, not per call
    assert driver._options_for("http://venue.test/api/v1/jobs") is first
    direct = driver._options_for("http://direct.test/api/v1/status")
    assert "proxy" not in direct
    assert direct["allow_redirects"] is False


async def test_a_callers_session_gets_no_proxy_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    async with aiohttp.ClientSession() as session:
        driver = AiohttpDriver(session, verify=False)
        options = driver._options_for("http://venue.test/api/v1/status")
    assert "proxy" not in options  # the caller's session decides that itself
    assert options["ssl"] is False


async def test_an_effects_timeout_bounds_the_whole_exchange_and_is_named(
    raw: RawServer, driver: AiohttpDriver
) -> None:
    # Each byte comes well within the driver's 5 s per wait: only the whole bound ends it.
    with pytest.raises(CoviaTimeoutError, match=r"no whole answer within 1 s"):
        await driver.perform(Send(Request("GET", f"{raw.url}/trickle"), timeout=1.0))
    with pytest.raises(CoviaTimeoutError, match=r"no whole answer within 0.5 s"):
        await driver.perform(OpenStream(Request("GET", f"{raw.url}/stall"), timeout=0.5))
