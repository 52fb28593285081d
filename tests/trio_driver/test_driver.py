"""TrioDriver against the loopback venue and a scripted h11 server: keep-alive reuse,
replacement of closed connections, the no-resend rule, faults, timeouts,
cancellation, streams, streamed uploads, TLS and user stream factories."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import itertools
import json
import socket
from typing import Any

import pytest
import trio
import trio.testing
import trustme

from covia_proto.endpoints import jobs as job_endpoints
from covia_proto.endpoints import status as status_endpoints
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    VenueProtocolError,
)
from covia_proto.flows.assets import download_content, register_asset, upload_content
from covia_proto.flows.drive import Outcome, aiterate, drive_async
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Emit,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.flows.events import follow_job
from covia_proto.flows.send import send, send_request
from covia_proto.http import Request
from covia_proto.sse import ServerSentEvent
from covia_proto.testing.faults import (
    Fault,
    FaultRule,
    RateLimited,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    StallResponse,
    TruncateBody,
)
from covia_proto.testing.server import BackgroundLoop
from covia_trio import TrioDriver
from covia_trio.connection import (
    BATCH_BYTES,
    CHUNK_SIZE,
    MAX_DOWNLOAD_RECEIVE_SIZE,
    MAX_RECEIVE_SIZE,
)
from covia_trio.driver import SCHEDULE_EVERY
from tests.conformance.hostile import Seen, dribble, serving
from tests.trio_driver.conftest import Served
from tests.trio_driver.helpers import (
    CountingFactory,
    H11Server,
    MemoryFactory,
    TlsFront,
    context,
    serve_tcp,
)

ECHO = "v/test/ops/echo"
NEVER = "v/test/ops/never"


def status_request(url: str) -> Request:
    return Request("GET", url + "/api/v1/status")


def add_fault(served: Served, fault: Fault, **where: Any) -> None:
    served.call(served.simulator.faults.add, FaultRule(fault, **where))


def job_count(served: Served) -> int:
    return served.call(lambda: len(list(served.simulator.jobs)))


class Counting:
    """Wraps ``perform`` and counts the effects of each kind."""

    def __init__(self, driver: TrioDriver) -> None:
        self.driver = driver
        self.sends = 0
        self.opens = 0

    async def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            self.sends += 1
        if isinstance(effect, OpenStream):
            self.opens += 1
        return await self.driver.perform(effect)


# -- construction -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_connections": 0},
        {"max_connections": 1.5},
        {"max_connections": True},
        {"timeout": 0},
        {"timeout": -1.0},
        {"timeout": "30"},
        {"max_idle": -1},
        {"ssl_context": "yes"},
        {"stream_factory": 42},
    ],
)
def test_bad_arguments_are_usage_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(CoviaUsageError):
        TrioDriver(**kwargs)


@pytest.mark.trio
async def test_simple_effects() -> None:
    async with TrioDriver() as driver:
        before = trio.current_time()
        now = await driver.perform(GetTime())
        assert before <= now <= trio.current_time()  # trio's clock, mockable in tests
        assert await driver.perform(Sleep(0)) is None
        with pytest.raises(CoviaUsageError, match="cannot perform"):
            await driver.perform(Emit("x"))
        with pytest.raises(CoviaUsageError, match="not a stream"):
            await driver.perform(ReadChunk(object()))
    assert "0/100 connections" in repr(driver)


@pytest.mark.trio
async def test_closed_driver_refuses_requests(served: Served) -> None:
    driver = TrioDriver()
    await driver.aclose()
    with pytest.raises(CoviaUsageError, match="closed"):
        await driver.perform(Send(status_request(served.url)))


# -- keep-alive -------------------------------------------------------------------------


@pytest.mark.trio
async def test_sequential_requests_reuse_one_connection(served: Served) -> None:
    factory = CountingFactory()
    driver = TrioDriver(stream_factory=factory)
    ctx = context(served.url)
    for _ in range(5):
        response = await drive_async(send_request(ctx, status_request(served.url)), driver.perform)
        assert response.status == 200
        assert json.loads(response.body)["status"] == "OK"
    assert factory.opened == 1
    assert driver.pool.connections_opened == 1
    assert driver.pool.idle_connections == 1
    await driver.aclose()
    assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_concurrent_requests_stay_within_the_limit(served: Served) -> None:
    factory = CountingFactory()
    driver = TrioDriver(stream_factory=factory, max_connections=2)
    most = 0
    statuses: list[int] = []

    async def one() -> None:
        nonlocal most
        response = await driver.perform(Send(status_request(served.url)))
        most = max(most, driver.pool.open_connections)
        statuses.append(response.status)

    async with trio.open_nursery() as nursery:
        for _ in range(8):
            nursery.start_soon(one)
    assert statuses == [200] * 8
    assert factory.opened <= 2
    assert most <= 2
    await driver.aclose()


@pytest.mark.trio
async def test_a_request_waits_for_a_connection_of_another_origin_to_go(
    nursery: trio.Nursery, served: Served
) -> None:
    other = H11Server()
    other_url = await serve_tcp(nursery, other)
    driver = TrioDriver(max_connections=1)
    assert (await driver.perform(Send(Request("GET", other_url + "/x")))).status == 200
    assert driver.pool.idle_connections == 1
    # The only slot is held by an idle connection to the other server: it gives way.
    assert (await driver.perform(Send(status_request(served.url)))).status == 200
    await other.wait_ended(1)
    assert driver.pool.open_connections == 1
    await driver.aclose()


@pytest.mark.trio
async def test_connection_closed_by_the_venue_is_replaced(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "respond_then_close")
    url = await serve_tcp(nursery, server)
    driver = TrioDriver()
    first = await driver.perform(Send(Request("POST", url + "/a", body=b"{}")))
    assert json.loads(first.body) == {"n": 1, "connection": 0}
    await server.wait_ended(1)
    (idle,) = driver.pool._idle[("http", "127.0.0.1", int(url.rsplit(":", 1)[1]))]
    with trio.fail_after(5):
        while not idle.peer_gone():  # the FIN is on its way through loopback
            await trio.sleep(0.001)
    # Seen dead when taken from the pool: the POST goes out once, on a new connection.
    second = await driver.perform(Send(Request("POST", url + "/a", body=b"{}")))
    assert json.loads(second.body) == {"n": 2, "connection": 1}
    assert [s.connection for s in server.seen] == [0, 1]
    assert idle.closed
    await driver.aclose()


@pytest.mark.trio
async def test_response_with_connection_close_is_not_kept(nursery: trio.Nursery) -> None:
    server = H11Server()
    url = await serve_tcp(nursery, server)
    driver = TrioDriver()
    request = Request("GET", url + "/a", headers=(("Connection", "close"),))
    assert (await driver.perform(Send(request))).status == 200
    assert driver.pool.open_connections == 0
    await driver.aclose()


@pytest.mark.trio
async def test_post_on_a_reused_connection_the_peer_closed_is_not_resent(
    nursery: trio.Nursery,
) -> None:
    # The second request is read, then the connection closes without an answer.
    server = H11Server(lambda seen: "close" if len(server.seen) == 2 else "respond")
    factory = MemoryFactory(nursery, server)
    driver = TrioDriver(stream_factory=factory)
    ctx = context("http://venue.test")
    invoke = Request("POST", "http://venue.test/api/v1/invoke", body=b"{}")
    assert (await drive_async(send_request(ctx, invoke), driver.perform)).status == 200
    with pytest.raises(CoviaConnectionError) as caught:
        await drive_async(send_request(ctx, invoke), driver.perform)
    assert caught.value.sent is True
    assert len(server.seen) == 2  # neither the driver nor the flow sent it again
    assert server.connections == 1
    assert driver.pool.open_connections == 0
    await driver.aclose()


@pytest.mark.trio
async def test_idempotent_request_on_a_stale_connection_is_retried_once(
    nursery: trio.Nursery,
) -> None:
    server = H11Server(lambda seen: "close" if len(server.seen) == 2 else "respond")
    driver = TrioDriver(stream_factory=MemoryFactory(nursery, server))
    request = Request("GET", "http://venue.test/api/v1/status")
    await driver.perform(Send(request))
    response = await driver.perform(Send(request))  # one Send effect, two attempts
    assert json.loads(response.body) == {"n": 3, "connection": 1}
    assert [s.connection for s in server.seen] == [0, 0, 1]
    await driver.aclose()


@pytest.mark.trio
async def test_idempotent_retry_happens_only_once(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "respond" if len(server.seen) == 1 else "close")
    driver = TrioDriver(stream_factory=MemoryFactory(nursery, server))
    request = Request("GET", "http://venue.test/api/v1/status")
    await driver.perform(Send(request))
    with pytest.raises(CoviaConnectionError) as caught:
        await driver.perform(Send(request))
    assert caught.value.sent is True
    assert len(server.seen) == 3  # the stale attempt and one fresh one
    assert driver.pool.open_connections == 0
    await driver.aclose()


@pytest.mark.trio
async def test_streamed_upload_is_not_retried_on_a_stale_connection(
    nursery: trio.Nursery,
) -> None:
    server = H11Server(lambda seen: "close" if len(server.seen) == 2 else "respond")
    driver = TrioDriver(stream_factory=MemoryFactory(nursery, server))
    put = Request("PUT", "http://venue.test/api/v1/assets/ab/content")
    await driver.perform(Send(put, body_stream=[b"one"]))
    with pytest.raises(CoviaConnectionError):
        await driver.perform(Send(put, body_stream=[b"two"]))  # PUT, but not replayable
    assert [s.body for s in server.seen] == [b"one", b"two"]
    await driver.aclose()


# -- user stream factories ----------------------------------------------------------------


@pytest.mark.trio
async def test_memory_stream_factory(nursery: trio.Nursery) -> None:
    server = H11Server()
    factory = MemoryFactory(nursery, server)
    driver = TrioDriver(stream_factory=factory)
    for _ in range(3):
        response = await driver.perform(Send(Request("GET", "http://venue.test:8080/x?y=1")))
        assert response.status == 200
    assert factory.calls == [("venue.test", 8080, "http")]
    assert [(s.method, s.target) for s in server.seen] == [("GET", "/x?y=1")] * 3
    assert driver.pool.idle_connections == 1  # memory streams cannot be probed, still reused
    await driver.aclose()
    await server.wait_ended(1)


@pytest.mark.trio
async def test_sync_stream_factory_is_accepted(nursery: trio.Nursery) -> None:
    server = H11Server()

    def factory(host: str, port: int, scheme: str) -> trio.abc.Stream:
        client, server_side = trio.testing.memory_stream_pair()
        nursery.start_soon(server.serve, server_side)
        return client

    async with TrioDriver(stream_factory=factory) as driver:
        assert (await driver.perform(Send(Request("GET", "http://v/x")))).status == 200


@pytest.mark.trio
async def test_unix_socket_factory(nursery: trio.Nursery, tmp_path: Any) -> None:
    server = H11Server()
    path = str(tmp_path / "venue.sock")
    listener_socket = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    await listener_socket.bind(path)
    listener_socket.listen()
    listener = trio.SocketListener(listener_socket)
    await nursery.start(trio.serve_listeners, server.serve, [listener])

    async def factory(host: str, port: int, scheme: str) -> trio.abc.Stream:
        return await trio.open_unix_socket(path)

    async with TrioDriver(stream_factory=factory) as driver:
        for _ in range(2):
            response = await driver.perform(Send(Request("GET", "http://venue/api/v1/status")))
            assert response.status == 200
        assert server.connections == 1


# -- faults ---------------------------------------------------------------------------


@pytest.mark.trio
async def test_reset_before_request_is_retried_by_the_flow(served: Served) -> None:
    add_fault(served, ResetBeforeRequest(), times=1)
    async with TrioDriver() as driver:
        counting = Counting(driver)
        ctx = context(served.url)
        status = await drive_async(
            send(ctx, status_endpoints.get_status(ctx.endpoint)), counting.perform
        )
        assert status.status == "OK"
        assert counting.sends == 2
        assert driver.pool.open_connections == 1


@pytest.mark.trio
async def test_reset_after_invoke_is_raised_not_resent(served: Served) -> None:
    add_fault(served, ResetAfterRequest(), times=1)
    async with TrioDriver() as driver:
        counting = Counting(driver)
        ctx = context(served.url)
        with pytest.raises(CoviaConnectionError) as caught:
            await drive_async(
                send(ctx, job_endpoints.invoke(ctx.endpoint, ECHO, 1)), counting.perform
            )
        assert caught.value.sent is True
        assert counting.sends == 1
        assert job_count(served) == 1  # the venue acted on it, once
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_server_errors_are_retried_only_when_idempotent(served: Served) -> None:
    add_fault(served, ServerError(503), times=2)
    async with TrioDriver() as driver:
        counting = Counting(driver)
        ctx = context(served.url)
        status = await drive_async(
            send(ctx, status_endpoints.get_status(ctx.endpoint)), counting.perform
        )
        assert status.status == "OK"
        assert counting.sends == 3
        add_fault(served, ServerError(503), times=1)
        with pytest.raises(GridError) as caught:
            await drive_async(
                send(ctx, job_endpoints.invoke(ctx.endpoint, ECHO, 1)), counting.perform
            )
        assert caught.value.status_code == 503
        assert counting.sends == 4
        assert job_count(served) == 0
        # An error answer does not spoil the connection.
        assert driver.pool.connections_opened == 1


@pytest.mark.trio
async def test_rate_limited_invoke_is_retried(served: Served) -> None:
    add_fault(served, RateLimited("0"), times=1)
    async with TrioDriver() as driver:
        counting = Counting(driver)
        ctx = context(served.url)
        result = await drive_async(
            send(ctx, job_endpoints.invoke(ctx.endpoint, ECHO, {"a": 1})), counting.perform
        )
        assert result.job.output == {"a": 1}
        assert counting.sends == 2
        assert job_count(served) == 1


@pytest.mark.trio
async def test_truncated_response_is_a_connection_error(served: Served) -> None:
    add_fault(served, TruncateBody(), times=10, path="/status")
    async with TrioDriver() as driver:
        with pytest.raises(CoviaConnectionError, match="truncated"):
            await driver.perform(Send(status_request(served.url)))
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_truncated_download_fails_and_frees_the_connection(served: Served) -> None:
    data = bytes(range(256)) * 1024
    async with TrioDriver() as driver:
        ctx = context(served.url)
        asset_id = await _asset_with_content(ctx, driver, data)
        add_fault(served, TruncateBody(), path="/content$", method="GET")
        with pytest.raises((CoviaConnectionError, VenueProtocolError)):
            await drive_async(download_content(ctx, asset_id), driver.perform)
        assert driver.pool.open_connections <= 1
        assert driver.pool.idle_connections == driver.pool.open_connections


@pytest.mark.trio
async def test_stalled_venue_times_out(served: Served) -> None:
    add_fault(served, StallResponse(), times=1)
    async with TrioDriver(timeout=0.2) as driver:
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(Send(status_request(served.url)))
        assert driver.pool.open_connections == 0
        # The next request gets a new connection and an answer (with time to spare).
        driver.timeout = 30.0
        assert (await driver.perform(Send(status_request(served.url)))).status == 200
        assert driver.pool.connections_opened == 2


@pytest.mark.trio
async def test_effect_timeout_shortens_the_drivers(served: Served) -> None:
    add_fault(served, StallResponse(), times=2)
    async with TrioDriver(timeout=600) as driver:
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(Send(status_request(served.url), timeout=0.2))
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(OpenStream(status_request(served.url), timeout=0.2))
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_refused_connection_was_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens once it is closed
    async with TrioDriver() as driver:
        with pytest.raises(CoviaConnectionError) as caught:
            await driver.perform(Send(Request("POST", f"http://127.0.0.1:{port}/x")))
        assert caught.value.sent is False
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_invalid_urls_are_usage_errors() -> None:
    async with TrioDriver() as driver:
        for url in ("ftp://x/y", "/relative", "http://x:port/"):
            with pytest.raises(CoviaUsageError):
                await driver.perform(Send(Request("GET", url)))


# -- cancellation ---------------------------------------------------------------------


@pytest.mark.trio
async def test_cancelled_mid_request_leaves_no_connection(served: Served) -> None:
    add_fault(served, StallResponse(), times=1)
    async with TrioDriver() as driver:
        with trio.move_on_after(0.2) as scope:
            await driver.perform(Send(status_request(served.url)))
        assert scope.cancelled_caught
        assert driver.pool.open_connections == 0
        assert driver.pool.idle_connections == 0


@pytest.mark.trio
async def test_cancelled_mid_stream_leaves_no_connection(served: Served) -> None:
    async with TrioDriver() as driver:
        ctx = context(served.url)
        result = await drive_async(
            send(ctx, job_endpoints.invoke(ctx.endpoint, NEVER, None)), driver.perform
        )
        events: list[ServerSentEvent] = []
        with trio.CancelScope() as scope:
            async with contextlib.aclosing(
                aiterate(follow_job(ctx, result.job.id), driver.perform)
            ) as items:
                async for item in items:
                    events.append(item)
                    assert driver.pool.open_connections == 1
                    assert driver.pool.idle_connections == 0
                    scope.deadline = trio.current_time() + 0.1  # the next read is cut short
        assert scope.cancelled_caught
        assert events
        assert events[0].event is not None
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_cancelled_stream_is_closed_towards_the_server(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "stream")
    driver = TrioDriver(stream_factory=MemoryFactory(nursery, server))
    opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
    assert await driver.perform(ReadChunk(opened.handle)) == b"data: first\n\n"
    with trio.CancelScope() as scope:
        scope.cancel()
        await driver.perform(ReadChunk(opened.handle))
    assert scope.cancelled_caught
    assert driver.pool.open_connections == 0
    await server.wait_ended(1)  # the server saw the connection close
    with pytest.raises(CoviaUsageError, match="closed"):
        await driver.perform(ReadChunk(opened.handle))
    await driver.perform(CloseStream(opened.handle))  # harmless
    await driver.aclose()


@pytest.mark.trio
async def test_aclose_closes_a_stream_in_use(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "stream")
    driver = TrioDriver(stream_factory=MemoryFactory(nursery, server))
    opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
    await driver.aclose()
    assert driver.pool.open_connections == 0
    await server.wait_ended(1)
    with pytest.raises(CoviaConnectionError):
        await driver.perform(ReadChunk(opened.handle))


@pytest.mark.trio
async def test_read_timeout_on_a_stream(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "stream")
    async with TrioDriver(stream_factory=MemoryFactory(nursery, server)) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
        await driver.perform(ReadChunk(opened.handle))
        with pytest.raises(CoviaTimeoutError):
            await driver.perform(ReadChunk(opened.handle, timeout=0.05))
        assert driver.pool.open_connections == 0


# -- streams ----------------------------------------------------------------------------


@pytest.mark.trio
async def test_job_events_arrive_one_by_one(served: Served) -> None:
    async with TrioDriver() as driver:
        ctx = context(served.url)
        result = await drive_async(
            send(ctx, job_endpoints.invoke(ctx.endpoint, ECHO, {"x": 1})), driver.perform
        )
        outcome = Outcome()
        events = [
            e async for e in aiterate(follow_job(ctx, result.job.id), driver.perform, outcome)
        ]
        assert events
        assert all(isinstance(e, ServerSentEvent) for e in events)
        assert outcome.value.output == {"x": 1}
        assert driver.pool.open_connections == driver.pool.idle_connections


@pytest.mark.trio
async def test_fully_read_stream_goes_back_to_the_pool(served: Served) -> None:
    factory = CountingFactory()
    async with TrioDriver(stream_factory=factory) as driver:
        for _ in range(3):
            opened = await driver.perform(OpenStream(status_request(served.url)))
            assert isinstance(opened, OpenedStream)
            assert opened.head.status == 200
            body = b""
            while chunk := await driver.perform(ReadChunk(opened.handle)):
                body += chunk
            assert json.loads(body)["status"] == "OK"
            assert await driver.perform(ReadChunk(opened.handle)) == b""
            await driver.perform(CloseStream(opened.handle))
        assert factory.opened == 1


@pytest.mark.trio
async def test_stream_closed_early_is_closed_unless_its_end_has_arrived(
    nursery: trio.Nursery,
) -> None:
    server = H11Server(lambda seen: "stream" if seen.target == "/events" else "respond")
    async with TrioDriver(stream_factory=MemoryFactory(nursery, server)) as driver:
        # The whole small answer came with its head: the connection is kept.
        opened = await driver.perform(OpenStream(Request("GET", "http://v/small")))
        await driver.perform(CloseStream(opened.handle))
        await driver.perform(CloseStream(opened.handle))
        assert driver.pool.idle_connections == 1
        # A stream still going: closed.
        opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
        await driver.perform(CloseStream(opened.handle))
        assert driver.pool.open_connections == 0
        await server.wait_ended(1)
        assert server.connections == 1


async def _asset_with_content(ctx: Any, driver: TrioDriver, data: bytes) -> str:
    metadata = {
        "name": "blob",
        "content": {
            "sha256": hashlib.sha256(data).hexdigest(),
            "contentType": "application/octet-stream",
        },
    }
    document = await drive_async(register_asset(ctx, metadata), driver.perform)
    digest = await drive_async(upload_content(ctx, document.id, data), driver.perform)
    assert digest == hashlib.sha256(data).hexdigest()
    return str(document.id)


@pytest.mark.trio
async def test_download_streams_in_bounded_chunks_and_checks_the_hash(served: Served) -> None:
    data = hashlib.sha256(b"seed").digest() * (40 * 1024)  # 1.25 MiB
    async with TrioDriver() as driver:
        ctx = context(served.url)
        asset_id = await _asset_with_content(ctx, driver, data)
        outcome = Outcome()
        chunks = [
            c async for c in aiterate(download_content(ctx, asset_id), driver.perform, outcome)
        ]
        assert b"".join(chunks) == data
        # A body of known length passes through h11conn uncopied, in larger reads.
        assert max(len(c) for c in chunks) <= MAX_DOWNLOAD_RECEIVE_SIZE
        assert len(chunks) > 1
        assert outcome.value.verified
        assert outcome.value.size == len(data)


class _AsyncChunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __aiter__(self) -> _AsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        if not self.chunks:
            raise StopAsyncIteration
        await trio.lowlevel.checkpoint()
        return self.chunks.pop(0)


@pytest.mark.trio
@pytest.mark.parametrize("kind", ["async", "list", "generator", "file", "trio-file", "bytes"])
async def test_streamed_uploads(served: Served, kind: str, tmp_path: Any) -> None:
    data = b"0123456789abcdef" * 20000
    pieces = [data[i : i + 50000] for i in range(0, len(data), 50000)]
    path = tmp_path / "blob"
    path.write_bytes(data)
    async with TrioDriver() as driver:
        ctx = context(served.url)
        metadata = {"name": kind, "content": {"sha256": hashlib.sha256(data).hexdigest()}}
        document = await drive_async(register_asset(ctx, metadata), driver.perform)
        async with contextlib.AsyncExitStack() as stack:
            stream: object
            if kind == "async":
                stream = _AsyncChunks(list(pieces))
            elif kind == "list":
                stream = list(pieces)
            elif kind == "generator":
                stream = (bytearray(p) for p in pieces)
            elif kind == "file":
                stream = stack.enter_context(path.open("rb"))
            elif kind == "trio-file":
                stream = await stack.enter_async_context(await trio.open_file(path, "rb"))
            else:
                stream = memoryview(data)
            digest = await drive_async(
                upload_content(ctx, document.id, stream=stream), driver.perform
            )
        assert digest == hashlib.sha256(data).hexdigest()
        assert driver.pool.connections_opened == 1


@pytest.mark.trio
async def test_streamed_upload_of_wrong_chunks_is_a_usage_error(served: Served) -> None:
    async with TrioDriver() as driver:
        put = Request("PUT", served.url + "/api/v1/assets/ab/content")
        with pytest.raises(CoviaUsageError, match="bytes"):
            await driver.perform(Send(put, body_stream=["text"]))
        with pytest.raises(CoviaUsageError, match="cannot stream"):
            await driver.perform(Send(put, body_stream=42))
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_streamed_upload_with_declared_length(nursery: trio.Nursery) -> None:
    server = H11Server()
    async with TrioDriver(stream_factory=MemoryFactory(nursery, server)) as driver:
        put = Request("PUT", "http://v/up", headers=(("Content-Length", "6"),))
        assert (await driver.perform(Send(put, body_stream=io.BytesIO(b"abcdef")))).status == 200
    assert server.seen[0].body == b"abcdef"


# -- TLS ------------------------------------------------------------------------------


@pytest.mark.trio
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_tls_with_a_local_ca(
    nursery: trio.Nursery, served: Served, ca: trustme.CA, host: str
) -> None:
    front = TlsFront(ca, int(served.url.rsplit(":", 1)[1]))
    port = await front.start(nursery)
    url = f"https://{host}:{port}"
    async with TrioDriver(ssl_context=front.client_context()) as driver:
        ctx = context(url)
        for _ in range(3):
            status = await drive_async(
                send(ctx, status_endpoints.get_status(ctx.endpoint)), driver.perform
            )
            assert status.status == "OK"
        result = await drive_async(
            send(ctx, job_endpoints.invoke(ctx.endpoint, ECHO, 5)), driver.perform
        )
        assert front.accepted == 1  # one TLS connection carried all of it
        events = [e async for e in aiterate(follow_job(ctx, result.job.id), driver.perform)]
        assert events
        # The event stream may be closed before its end, which costs its connection.
        assert front.accepted == driver.pool.connections_opened


@pytest.mark.trio
async def test_tls_certificate_not_trusted_by_default(
    nursery: trio.Nursery, served: Served, ca: trustme.CA
) -> None:
    front = TlsFront(ca, int(served.url.rsplit(":", 1)[1]))
    port = await front.start(nursery)
    async with TrioDriver() as driver:  # the system's CAs do not know the test CA
        with pytest.raises(CoviaConnectionError, match="TLS failed") as caught:
            await driver.perform(Send(Request("POST", f"https://127.0.0.1:{port}/api/v1/invoke")))
        assert caught.value.sent is False
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_tls_hostname_is_checked(
    nursery: trio.Nursery, served: Served, ca: trustme.CA
) -> None:
    front = TlsFront(ca, int(served.url.rsplit(":", 1)[1]))
    port = await front.start(nursery)

    async def elsewhere(host: str, port_: int, scheme: str) -> trio.abc.Stream:
        return await trio.open_tcp_stream("127.0.0.1", port)

    driver = TrioDriver(ssl_context=front.client_context(), stream_factory=elsewhere)
    async with driver:
        with pytest.raises(CoviaConnectionError, match="TLS failed"):
            await driver.perform(Send(Request("GET", "https://venue.example/api/v1/status")))


@pytest.mark.trio
async def test_stream_factory_may_do_its_own_tls(
    nursery: trio.Nursery, served: Served, ca: trustme.CA
) -> None:
    front = TlsFront(ca, int(served.url.rsplit(":", 1)[1]))
    port = await front.start(nursery)

    async def tls(host: str, port_: int, scheme: str) -> trio.abc.Stream:
        return await trio.open_ssl_over_tcp_stream(
            "127.0.0.1", port, ssl_context=front.client_context(), https_compatible=True
        )

    async with TrioDriver(stream_factory=tls) as driver:
        response = await driver.perform(Send(status_request(f"https://127.0.0.1:{port}")))
        assert response.status == 200


@pytest.mark.trio
async def test_reading_one_stream_from_two_tasks_is_a_usage_error(nursery: trio.Nursery) -> None:
    server = H11Server(lambda seen: "stream")
    async with TrioDriver(stream_factory=MemoryFactory(nursery, server)) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
        await driver.perform(ReadChunk(opened.handle))
        errors: list[BaseException] = []

        async def read() -> None:
            try:
                await driver.perform(ReadChunk(opened.handle))
            except CoviaUsageError as exc:
                errors.append(exc)

        async with trio.open_nursery() as readers:
            readers.start_soon(read)
            await trio.testing.wait_all_tasks_blocked()
            readers.start_soon(read)
            await trio.testing.wait_all_tasks_blocked()
            readers.cancel_scope.cancel()
        assert len(errors) == 1
        assert "one task at a time" in str(errors[0])
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_tls_connection_closed_by_the_venue_is_replaced(
    nursery: trio.Nursery, ca: trustme.CA
) -> None:
    server = H11Server(lambda seen: "respond_then_close")
    plain = await serve_tcp(nursery, server)
    front = TlsFront(ca, int(plain.rsplit(":", 1)[1]))
    url = f"https://localhost:{await front.start(nursery)}"
    async with TrioDriver(ssl_context=front.client_context()) as driver:
        await driver.perform(Send(Request("POST", url + "/a", body=b"{}")))
        await server.wait_ended(1)
        (idle,) = [c for conns in driver.pool._idle.values() for c in conns]
        with trio.fail_after(5):
            while not idle.peer_gone():  # seen through the TLS layer, on its socket
                await trio.sleep(0.001)
        response = await driver.perform(Send(Request("POST", url + "/a", body=b"{}")))
        assert json.loads(response.body) == {"n": 2, "connection": 1}
        assert front.accepted == 2
        assert len(server.seen) == 2


@pytest.mark.trio
async def test_answers_arriving_byte_by_byte(nursery: trio.Nursery) -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
        b"d\r\ndata: first\n\n\r\ne\r\ndata: second\n\n\r\n0\r\n\r\n"
    )
    head_only = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"

    async def trickle(stream: trio.abc.Stream) -> None:
        while True:  # requests without bodies, one after the other
            request = b""
            while not request.endswith(b"\r\n\r\n"):
                data = await stream.receive_some(1)
                if not data:
                    return  # the client closed the connection
                request += data
            for byte in head_only if request.startswith(b"HEAD") else answer:
                await stream.send_all(bytes([byte]))
                await trio.testing.wait_all_tasks_blocked()

    async def factory(host: str, port: int, scheme: str) -> trio.abc.Stream:
        client, server = trio.testing.memory_stream_pair()
        nursery.start_soon(trickle, server)
        return client

    async with TrioDriver(stream_factory=factory) as driver:
        response = await driver.perform(Send(Request("GET", "http://v/x")))
        assert response.body == b"data: first\n\ndata: second\n\n"
        opened = await driver.perform(OpenStream(Request("GET", "http://v/x")))
        body = b""
        while chunk := await driver.perform(ReadChunk(opened.handle)):
            body += chunk
        assert body == b"data: first\n\ndata: second\n\n"
        head = await driver.perform(Send(Request("HEAD", "http://v/x")))
        assert head.status == 200
        assert head.body == b""
        assert head.header("content-length") == "5"
        # Each exchange ended cleanly, so the first connection carried them all.
        assert driver.pool.connections_opened == 1


@pytest.fixture
def raw_loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The session's server thread, for the raw venues of tests/conformance/hostile.py."""
    return _covia_loop


def test_an_effects_timeout_bounds_the_whole_exchange_and_is_named(
    raw_loop: BackgroundLoop,
) -> None:
    def trickle(seen: Seen) -> Any:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
        return dribble(head, b" ", every=0.2)

    async def exchange(url: str) -> None:
        # Each byte comes well within the driver's 5 s per wait: only the whole bound ends it.
        async with TrioDriver(timeout=5.0) as driver:
            with pytest.raises(CoviaTimeoutError, match=r"no whole answer within 1 s"):
                await driver.perform(Send(Request("GET", url + "/x"), timeout=1.0))

    with serving(raw_loop, trickle) as server:
        trio.run(exchange, server.url)


class _CannedStream(trio.abc.Stream):
    """A venue that answers each request (sent in one write) with ``answer``, all of it
    at once, and records how many bytes each read asked for."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.pending = b""
        self.asked: list[int] = []

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await trio.lowlevel.checkpoint()
        self.pending += self.answer

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        await trio.lowlevel.checkpoint()
        assert max_bytes is not None
        self.asked.append(max_bytes)
        data, self.pending = self.pending[:max_bytes], self.pending[max_bytes:]
        return data

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


def _chunked(*chunks: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    return head + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


@pytest.mark.trio
async def test_a_read_hands_over_every_chunk_that_has_arrived() -> None:
    events = [b"data: %d\n\n" % n for n in range(5)]
    stream = _CannedStream(_chunked(*events))
    async with TrioDriver(stream_factory=lambda *_: stream) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
        assert await driver.perform(ReadChunk(opened.handle)) == b"".join(events)
        assert await driver.perform(ReadChunk(opened.handle)) == b""
        assert driver.pool.idle_connections == 1  # its end came with it: kept


@pytest.mark.trio
async def test_a_malformed_chunk_after_good_ones_fails_the_read_after_them() -> None:
    good = b"data: 1\n\n"
    answer = _chunked(good)[: -len(b"0\r\n\r\n")] + b"zz\r\nnot a chunk\r\n"
    async with TrioDriver(stream_factory=lambda *_: _CannedStream(answer)) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/events")))
        assert await driver.perform(ReadChunk(opened.handle)) == good
        with pytest.raises(VenueProtocolError):
            await driver.perform(ReadChunk(opened.handle))
        assert driver.pool.open_connections == 0


@pytest.mark.trio
async def test_reads_grow_while_a_body_streams_in_and_start_small_for_each_answer() -> None:
    # A body of known length passes through uncopied: its reads grow to the larger cap.
    body = bytes(3 * MAX_DOWNLOAD_RECEIVE_SIZE)
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    stream = _CannedStream(answer)
    async with TrioDriver(stream_factory=lambda *_: stream) as driver:
        for _ in range(2):  # on one kept-alive connection
            del stream.asked[:]
            opened = await driver.perform(OpenStream(Request("GET", "http://v/blob")))
            got = b""
            while chunk := await driver.perform(ReadChunk(opened.handle)):
                assert len(chunk) <= MAX_DOWNLOAD_RECEIVE_SIZE
                got += chunk
            assert got == body
            await driver.perform(CloseStream(opened.handle))
            assert CHUNK_SIZE < MAX_RECEIVE_SIZE < MAX_DOWNLOAD_RECEIVE_SIZE
            assert stream.asked[0] == CHUNK_SIZE
            assert stream.asked[1] == 2 * CHUNK_SIZE
            assert max(stream.asked) == MAX_DOWNLOAD_RECEIVE_SIZE
            assert driver.pool.idle_connections == 1


@pytest.mark.trio
async def test_reads_of_a_body_h11_decodes_grow_only_to_the_smaller_cap() -> None:
    # A content-coded body is h11's (and the decoder's) to read: 128 KiB at most.
    plain = b"".join(hashlib.sha256(b"%d" % n).digest() for n in range(24 * 1024))
    coded = gzip.compress(plain)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
    stream = _CannedStream(head % len(coded) + coded)
    async with TrioDriver(stream_factory=lambda *_: stream) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/blob")))
        got = b""
        while chunk := await driver.perform(ReadChunk(opened.handle)):
            got += chunk
        assert got == plain
        assert stream.asked[0] == CHUNK_SIZE
        assert max(stream.asked) == MAX_RECEIVE_SIZE
        assert driver.pool.idle_connections == 1


@pytest.mark.trio
async def test_a_chunked_download_passes_through_in_large_reads() -> None:
    piece = bytes(range(256)) * 128  # 32 KiB chunks, as the venue sends content
    stream = _CannedStream(_chunked(*[piece] * 48))
    async with TrioDriver(stream_factory=lambda *_: stream) as driver:
        opened = await driver.perform(OpenStream(Request("GET", "http://v/blob")))
        chunks = []
        while chunk := await driver.perform(ReadChunk(opened.handle)):
            chunks.append(chunk)
        assert b"".join(chunks) == piece * 48
        assert max(len(c) for c in chunks) <= MAX_DOWNLOAD_RECEIVE_SIZE
        assert max(stream.asked) == MAX_DOWNLOAD_RECEIVE_SIZE
        assert driver.pool.idle_connections == 1


async def _serve_blob(
    nursery: trio.Nursery, size: int, *, body: bool = True, content_type: str = ""
) -> str:
    """A loopback server answering every request with ``size`` bytes at once (or with
    the head only: the test supplies the bytes), of ``content_type`` if one is given."""
    typed = f"Content-Type: {content_type}\r\n" if content_type else ""

    async def answer(stream: trio.SocketStream) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += await stream.receive_some(4096)
        head = f"HTTP/1.1 200 OK\r\n{typed}Content-Length: {size}\r\n\r\n".encode()
        with contextlib.suppress(trio.BrokenResourceError):
            await stream.send_all(head + bytes(size if body else 0))
            await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, answer, 0)
    return f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}/blob"


class _AlwaysArrived:
    """Stands for a socket whose bytes have always arrived already: no read waits.
    Closing it closes ``handle``, the socket it stands in for."""

    def __init__(self, data: bytes, handle: Any) -> None:
        self.data = memoryview(data)
        self.handle = handle

    def recv(self, size: int) -> bytes:
        piece, self.data = bytes(self.data[: min(size, 65536)]), self.data[65536:]
        return piece

    def fileno(self) -> int:
        return int(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()


@pytest.mark.trio
async def test_a_download_that_never_waits_still_lets_other_tasks_run(
    nursery: trio.Nursery,
) -> None:
    size = 8 << 20
    url = await _serve_blob(nursery, size, body=False)
    ticks = 0

    async def sibling() -> None:
        nonlocal ticks
        while True:
            await trio.lowlevel.checkpoint()
            ticks += 1

    async with TrioDriver() as driver:
        opened = await driver.perform(OpenStream(Request("GET", url)))
        connection = opened.handle.connection
        connection._raw = _AlwaysArrived(bytes(range(256)) * (size // 256), connection._raw)
        nursery.start_soon(sibling)
        got = []
        unfair = longest = 0  # reads in a row while the sibling did not run
        while True:
            before = ticks
            chunk = await driver.perform(ReadChunk(opened.handle))
            if not chunk:
                break
            got.append(chunk)
            unfair = unfair + 1 if ticks == before else 0
            longest = max(longest, unfair)
        assert b"".join(got) == bytes(range(256)) * (size // 256)
        assert opened.handle.quick_reads == len(got) == size // 65536  # none waited
        # and yet the sibling ran every few reads (trio runs each batch of ready tasks in
        # a random order, so the reader may go first a few times in a row; without the
        # schedule points all 128 reads are one run)
        assert longest < 4 * SCHEDULE_EVERY


@pytest.mark.trio
async def test_a_read_that_need_not_wait_is_still_cancelled(nursery: trio.Nursery) -> None:
    url = await _serve_blob(nursery, 4 << 20)
    async with TrioDriver() as driver:
        opened = await driver.perform(OpenStream(Request("GET", url)))
        assert await driver.perform(ReadChunk(opened.handle))
        await trio.sleep(0.1)  # more has arrived
        with trio.CancelScope() as scope:
            scope.cancel()
            await driver.perform(ReadChunk(opened.handle))
        assert scope.cancelled_caught
        assert driver.pool.open_connections == 0  # a body half read is not kept


@pytest.mark.trio
@pytest.mark.parametrize("size", [4 << 20, 50_000])
async def test_reads_grow_only_once_the_allocator_is_ready_for_them(
    nursery: trio.Nursery, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    readied: list[int] = []
    monkeypatch.setattr("covia_proto.allocator.ready_for", readied.append)
    url = await _serve_blob(nursery, size)
    async with TrioDriver() as driver:
        chunks = await _read_all(driver, url)
    assert sum(map(len, chunks)) == size
    if size <= CHUNK_SIZE:
        assert readied == []  # one read takes it: nothing grows
        return
    # Each size the reads grow to is readied before it is read with.
    assert readied[0] == 2 * CHUNK_SIZE
    assert all(later == 2 * earlier for earlier, later in itertools.pairwise(readied))
    assert max(map(len, chunks)) <= max(readied) <= MAX_DOWNLOAD_RECEIVE_SIZE


@pytest.mark.trio
async def test_an_event_stream_is_read_in_pieces_that_stay_in_cache(
    nursery: trio.Nursery,
) -> None:
    size = 4 << 20
    url = await _serve_blob(nursery, size, content_type="text/event-stream")
    async with TrioDriver() as driver:
        chunks = await _read_all(driver, url)
    assert sum(map(len, chunks)) == size
    # Its events are parsed as they are read: never the larger reads of a download.
    assert max(map(len, chunks)) <= MAX_RECEIVE_SIZE


async def _serve_in_pieces(
    nursery: trio.Nursery, size: int, pieces: list[tuple[int, float]]
) -> str:
    """A loopback server answering with a ``size``-byte body: ``pieces`` of (bytes, then
    a pause in seconds), then whatever is left at once."""

    async def answer(stream: trio.SocketStream) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += await stream.receive_some(4096)
        with contextlib.suppress(trio.BrokenResourceError):
            await stream.send_all(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
            sent = 0
            for length, pause in pieces:
                await stream.send_all(bytes(length))
                sent += length
                await trio.sleep(pause)
            await stream.send_all(bytes(size - sent))
            await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, answer, 0)
    return f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}/blob"


async def _read_all(driver: TrioDriver, url: str) -> list[bytes]:
    opened = await driver.perform(OpenStream(Request("GET", url)))
    chunks = []
    while chunk := await driver.perform(ReadChunk(opened.handle)):
        chunks.append(chunk)
    return chunks


@pytest.mark.trio
async def test_a_long_body_arriving_in_small_pieces_is_read_in_batches(
    nursery: trio.Nursery,
) -> None:
    size = 8 * BATCH_BYTES
    url = await _serve_in_pieces(nursery, size, [(8192, 0.001)] * (size // 8192 - 1))
    async with TrioDriver() as driver:
        chunks = await _read_all(driver, url)
    assert sum(map(len, chunks)) == size
    # A read that waits wakes once a batch has arrived, not at each 8 KiB piece (which
    # would make about 128 reads).
    assert len(chunks) < 40


@pytest.mark.trio
async def test_a_slow_body_is_not_held_back_for_a_batch_nor_timed_out(
    nursery: trio.Nursery,
) -> None:
    size = 4 * BATCH_BYTES
    # 4 KiB every 0.3 s to begin with: a batch would take far longer than the driver's
    # 1 s for each wait, yet every wait sees a byte well within it.
    url = await _serve_in_pieces(nursery, size, [(4096, 0.3)] * 5)
    async with TrioDriver(timeout=1.0) as driver:
        chunks = await _read_all(driver, url)
    assert sum(map(len, chunks)) == size
    assert len(chunks[0]) < BATCH_BYTES  # handed over as it came, not held for a batch


@pytest.mark.trio
async def test_without_a_low_water_mark_the_body_is_read_all_the_same(
    nursery: trio.Nursery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("covia_trio.connection._SO_RCVLOWAT", -1)  # as on Windows
    size = 4 * BATCH_BYTES
    url = await _serve_in_pieces(nursery, size, [(8192, 0.001)] * 4)
    async with TrioDriver() as driver:
        assert sum(map(len, await _read_all(driver, url))) == size


@pytest.mark.trio
async def test_closing_the_driver_fails_a_read_waiting_on_a_tcp_socket(
    nursery: trio.Nursery,
) -> None:
    # The head and a first piece, then nothing: the second read waits on the socket.
    url = await _serve_in_pieces(nursery, 4 * BATCH_BYTES, [(4096, 60.0)])
    driver = TrioDriver()
    opened = await driver.perform(OpenStream(Request("GET", url)))
    assert await driver.perform(ReadChunk(opened.handle))
    failure: list[BaseException] = []

    async def read() -> None:
        try:
            await driver.perform(ReadChunk(opened.handle))
        except CoviaConnectionError as exc:
            failure.append(exc)

    with trio.fail_after(5):  # a bound for a failing test, not a measure of speed
        async with trio.open_nursery() as readers:
            readers.start_soon(read)
            await trio.testing.wait_all_tasks_blocked()
            await driver.aclose()
    assert len(failure) == 1
    assert driver.pool.open_connections == 0
