"""The connection layer: origins, opening streams (TCP, TLS, factories), streamed
request bodies, liveness of idle connections, and failure translation."""

from __future__ import annotations

import io
import socket
import ssl
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
import trio.testing
import trustme

from covia_proto.errors import CoviaConnectionError, CoviaUsageError, RequestInfo
from covia_proto.h11conn import END_OF_BODY, NEED_DATA
from covia_proto.http import Request, ResponseHead
from covia_trio.connection import (
    FILE_READ_SIZE,
    Connection,
    Waits,
    describe,
    open_stream,
    origin_of,
    pump_body,
)

INFO = RequestInfo("GET", "http://v/")


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://v.test/api", ("http", "v.test", 80)),
        ("HTTPS://V.test/api", ("https", "v.test", 443)),
        ("http://127.0.0.1:8080/", ("http", "127.0.0.1", 8080)),
        ("https://[::1]:9/", ("https", "::1", 9)),
    ],
)
def test_origin_of(url: str, origin: tuple[str, str, int]) -> None:
    assert origin_of(Request("GET", url)) == origin


@pytest.mark.parametrize("url", ["ftp://v/", "v.test/x", "http:///x", "http://v:99999/"])
def test_origin_of_bad_urls(url: str) -> None:
    with pytest.raises(CoviaUsageError):
        origin_of(Request("GET", url))


@pytest.mark.trio
async def test_waits_give_each_wait_its_timeout(autojump_clock: trio.testing.MockClock) -> None:
    with Waits(10.0) as waits:
        waits.arm("sending the request")
        assert waits.scope.deadline == trio.current_time() + 10.0
        await trio.sleep(6.0)
        waits.arm("waiting for the venue")  # a new wait: a full timeout again
        assert waits.scope.deadline == trio.current_time() + 10.0
        await trio.sleep(9.0)  # within the second wait's time
        await trio.sleep(2.0)  # past it
    assert waits.timed_out
    assert waits.what == "waiting for the venue"
    assert trio.current_time() == pytest.approx(16.0)


@pytest.mark.trio
async def test_waits_move_the_deadline_only_past_one_percent(
    mock_clock: trio.testing.MockClock,
) -> None:
    with Waits(10.0) as waits:
        waits.arm("sending the request")
        first = waits.scope.deadline
        mock_clock.jump(0.05)  # less than 1 % of the timeout later
        waits.arm("waiting for the venue")
        assert waits.scope.deadline == first  # the wait ends at most 0.05 s early
        mock_clock.jump(0.1)
        waits.arm("waiting for the venue")
        assert waits.scope.deadline == trio.current_time() + 10.0
    assert not waits.timed_out


@pytest.mark.trio
async def test_waits_never_pass_the_cap(autojump_clock: trio.testing.MockClock) -> None:
    with Waits(10.0, cap=trio.current_time() + 3.0) as waits:
        await trio.sleep(2.0)  # before any wait is armed, the cap alone bounds it
        waits.arm("waiting for the venue")
        assert waits.scope.deadline == pytest.approx(3.0)
        await trio.sleep(5.0)
    assert waits.timed_out
    assert trio.current_time() == pytest.approx(3.0)


@pytest.mark.trio
async def test_waits_leave_other_cancellations_alone() -> None:
    with trio.CancelScope() as outer, Waits(10.0) as waits:
        outer.cancel()
        await trio.sleep(1.0)
    assert outer.cancelled_caught
    assert not waits.timed_out


def test_describe_finds_the_underlying_reason() -> None:
    wrapped = trio.BrokenResourceError()
    wrapped.__cause__ = ssl.SSLError(1, "certificate verify failed")
    assert "certificate verify failed" in describe(wrapped)
    assert describe(OSError("x" * 500)).endswith("...")
    assert describe(trio.ClosedResourceError()) == "ClosedResourceError"


async def _collect(source: object) -> list[bytes]:
    sent: list[bytes] = []

    async def send(chunk: bytes) -> None:
        sent.append(chunk)

    await pump_body(source, send, INFO)
    return sent


async def _agen() -> AsyncIterator[bytes | bytearray]:
    yield b"a"
    yield bytearray(b"b")


@pytest.mark.trio
async def test_pump_body_sources(tmp_path: Any) -> None:
    assert await _collect(b"abc") == [b"abc"]
    assert await _collect(memoryview(b"abc")) == [b"abc"]
    assert await _collect([b"a", bytearray(b"b"), memoryview(b"c")]) == [b"a", b"b", b"c"]
    assert await _collect(_agen()) == [b"a", b"b"]
    # Files go in chunks of a mebibyte: each read of a sync file is a trip to a worker
    # thread and back, dearer than copying 64 KiB.
    big = bytes(FILE_READ_SIZE * 2 + 5)
    sizes = [FILE_READ_SIZE, FILE_READ_SIZE, 5]
    assert [len(c) for c in await _collect(io.BytesIO(big))] == sizes
    path = tmp_path / "f"
    path.write_bytes(big)
    async with await trio.open_file(path, "rb") as handle:
        got = await _collect(handle)
    assert [len(c) for c in got] == sizes
    assert b"".join(got) == big


@pytest.mark.trio
@pytest.mark.parametrize("source", [["text"], [1], 42, None])
async def test_pump_body_refuses_what_is_not_bytes(source: object) -> None:
    with pytest.raises(CoviaUsageError):
        await _collect(source)


@pytest.mark.trio
async def test_factory_must_return_a_stream() -> None:
    async def bad(host: str, port: int, scheme: str) -> Any:
        return "not a stream"

    with pytest.raises(CoviaUsageError, match="stream_factory"):
        await open_stream(
            ("http", "v", 80), factory=bad, ssl_context=ssl.create_default_context, info=INFO
        )


@pytest.mark.trio
async def test_factory_failure_is_a_connection_error_not_sent() -> None:
    async def refuse(host: str, port: int, scheme: str) -> trio.abc.Stream:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(CoviaConnectionError, match="nobody home") as caught:
        await open_stream(
            ("http", "v", 80), factory=refuse, ssl_context=ssl.create_default_context, info=INFO
        )
    assert caught.value.sent is False


@pytest.mark.trio
async def test_https_over_a_memory_stream_with_a_local_ca(
    nursery: trio.Nursery, ca: trustme.CA
) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("venue.test").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    async def serve(raw: trio.abc.Stream) -> None:
        tls = trio.SSLStream(raw, server_context, server_side=True)
        try:
            data = await tls.receive_some(100)
            await tls.send_all(data.upper())
        except trio.BrokenResourceError:
            pass  # the client refused our certificate

    async def factory(host: str, port: int, scheme: str) -> trio.abc.Stream:
        client, server = trio.testing.memory_stream_pair()
        nursery.start_soon(serve, server)
        return client

    stream = await open_stream(
        ("https", "venue.test", 443), factory=factory, ssl_context=lambda: client_context, info=INFO
    )
    assert isinstance(stream, trio.SSLStream)
    await stream.send_all(b"hello")
    assert await stream.receive_some(100) == b"HELLO"
    await stream.aclose()
    # Another name than the certificate's: refused during the handshake, before sending.
    with pytest.raises(CoviaConnectionError, match="TLS failed") as caught:
        await open_stream(
            ("https", "other.test", 443),
            factory=factory,
            ssl_context=lambda: client_context,
            info=INFO,
        )
    assert caught.value.sent is False


@pytest.mark.trio
async def test_peer_gone_on_sockets_only(nursery: trio.Nursery) -> None:
    accepted: list[trio.SocketStream] = []

    async def keep(stream: trio.SocketStream) -> None:
        accepted.append(stream)
        await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, keep, 0)
    port = listeners[0].socket.getsockname()[1]
    client = await trio.open_tcp_stream("127.0.0.1", port)
    connection = Connection(client, ("http", "127.0.0.1", port))
    await trio.testing.wait_all_tasks_blocked()
    assert not connection.peer_gone()
    await accepted[0].aclose()
    with trio.fail_after(5):
        while not connection.peer_gone():
            await trio.sleep(0.001)
    await connection.aclose()
    assert connection.peer_gone()  # a closed socket cannot be probed: counted as gone

    memory, _ = trio.testing.memory_stream_pair()
    assert not Connection(memory, ("http", "v", 80)).peer_gone()


async def _tcp_pair(nursery: trio.Nursery) -> tuple[trio.SocketStream, trio.SocketStream]:
    """A client stream and the server's end of it, over loopback."""
    accepted: list[trio.SocketStream] = []
    arrived = trio.Event()

    async def keep(stream: trio.SocketStream) -> None:
        accepted.append(stream)
        arrived.set()
        await trio.sleep_forever()

    listeners = await nursery.start(trio.serve_tcp, keep, 0)
    port = listeners[0].socket.getsockname()[1]
    client = await trio.open_tcp_stream("127.0.0.1", port)
    await arrived.wait()
    return client, accepted[0]


@pytest.mark.trio
async def test_what_has_arrived_is_read_without_waiting(nursery: trio.Nursery) -> None:
    client, server = await _tcp_pair(nursery)
    connection = Connection(client, ("http", "127.0.0.1", 80))
    connection.http.send_request(Request("GET", "http://127.0.0.1/x"))
    assert connection.next_event_now(INFO) is NEED_DATA  # nothing yet: it would wait
    await server.send_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    with trio.fail_after(5):
        while (head := connection.next_event_now(INFO)) is NEED_DATA:
            await trio.sleep(0.001)
    assert isinstance(head, ResponseHead)
    assert head.status == 200
    assert connection.next_event_now(INFO) == b"hello"
    assert connection.next_event_now(INFO) is END_OF_BODY
    await connection.aclose()


@pytest.mark.trio
async def test_the_second_handle_closes_with_the_connection(nursery: trio.Nursery) -> None:
    client, server = await _tcp_pair(nursery)
    connection = Connection(client, ("http", "127.0.0.1", 80))
    await connection.aclose()
    with trio.fail_after(5):  # no handle left open: the venue sees the close
        assert await server.receive_some(10) == b""
    await connection.aclose()  # twice is harmless


@pytest.mark.trio
async def test_a_broken_socket_fails_a_read_without_waiting(nursery: trio.Nursery) -> None:
    client, server = await _tcp_pair(nursery)
    connection = Connection(client, ("http", "127.0.0.1", 80))
    connection.http.send_request(Request("GET", "http://127.0.0.1/x"))
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    await server.aclose()  # a reset

    async def read() -> None:
        while connection.next_event_now(INFO) is NEED_DATA:
            await trio.sleep(0.001)

    with trio.fail_after(5), pytest.raises(CoviaConnectionError, match="before the response"):
        await read()
    await connection.aclose()


@pytest.mark.trio
async def test_streams_other_than_tcp_are_read_through_trio_only() -> None:
    memory, _ = trio.testing.memory_stream_pair()
    connection = Connection(memory, ("http", "v", 80))
    connection.http.send_request(Request("GET", "http://v/x"))
    assert connection.next_event_now(INFO) is NEED_DATA
    await connection.aclose()
