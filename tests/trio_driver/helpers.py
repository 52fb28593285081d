"""Test helpers for the trio driver: a scripted HTTP/1.1 server on h11 (over TCP or an
in-memory stream pair), a TLS-terminating front for the loopback venue, a stream
factory that counts connections, and a flow context with fast retries."""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Callable
from typing import Literal

import attrs
import h11
import trio
import trio.testing
import trustme

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.flows.context import PollPolicy, RetryPolicy, VenueContext

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002, budget=5.0)
FAST_POLL = PollPolicy(initial=0.01, factor=1.5, maximum=0.05)

Action = Literal["respond", "respond_then_close", "close", "stream"]


def context(url: str, retry: RetryPolicy = FAST_RETRY) -> VenueContext:
    return VenueContext(Endpoint(url), retry=retry, poll=FAST_POLL)


@attrs.define
class Seen:
    """A request as the scripted server received it."""

    connection: int
    method: str
    target: str
    body: bytes


class H11Server:
    """Serves each connection with h11; ``plan(seen)`` says what to do with a request:

    * ``respond``: 200 with a JSON body naming the request, keep-alive;
    * ``respond_then_close``: the same, then close the connection (without saying so);
    * ``close``: close the connection without answering (the request was read);
    * ``stream``: a chunked 200 whose first chunk is sent, the rest never.
    """

    def __init__(self, plan: Callable[[Seen], Action] | None = None) -> None:
        self.plan: Callable[[Seen], Action] = plan or (lambda seen: "respond")
        self.seen: list[Seen] = []
        self.connections = 0
        self.ended = 0  # connections over, whoever closed them
        self._changed = trio.Event()

    async def wait_ended(self, count: int) -> None:
        with trio.fail_after(10):
            while self.ended < count:
                await self._changed.wait()

    async def serve(self, stream: trio.abc.Stream) -> None:
        index = self.connections
        self.connections += 1
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                seen = await self._read_request(conn, stream, index)
                if seen is None:
                    return
                self.seen.append(seen)
                action = self.plan(seen)
                if action == "close":
                    return
                if action == "stream":
                    await self._stream(conn, stream)
                    return
                body = json.dumps({"n": len(self.seen), "connection": index}).encode()
                head = h11.Response(
                    status_code=200,
                    headers=[
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))),
                    ],
                )
                await stream.send_all(
                    conn.send(head) + conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())
                )
                if action == "respond_then_close":
                    return
                conn.start_next_cycle()
        except (trio.BrokenResourceError, trio.ClosedResourceError, h11.ProtocolError):
            return
        finally:
            await trio.aclose_forcefully(stream)
            self.ended += 1
            self._changed.set()
            self._changed = trio.Event()

    async def _read_request(
        self, conn: h11.Connection, stream: trio.abc.Stream, index: int
    ) -> Seen | None:
        method, target, parts = "", "", []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(bytes(await stream.receive_some(65536)))
            elif isinstance(event, h11.Request):
                method, target = event.method.decode(), event.target.decode()
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return Seen(index, method, target, b"".join(parts))
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _stream(self, conn: h11.Connection, stream: trio.abc.Stream) -> None:
        head = h11.Response(
            status_code=200,
            headers=[("Content-Type", "text/event-stream"), ("Transfer-Encoding", "chunked")],
        )
        await stream.send_all(conn.send(head) + conn.send(h11.Data(data=b"data: first\n\n")))
        # Nothing more is sent; wait for the client to go away.
        while await stream.receive_some(65536):
            pass


async def serve_tcp(nursery: trio.Nursery, server: H11Server) -> str:
    """Serve ``server`` on a loopback port; its base URL."""
    listeners = await nursery.start(
        functools.partial(trio.serve_tcp, host="127.0.0.1"), server.serve, 0
    )
    return f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"


class MemoryFactory:
    """A ``stream_factory`` whose streams are in-memory pairs served by ``server``."""

    def __init__(self, nursery: trio.Nursery, server: H11Server) -> None:
        self.nursery = nursery
        self.server = server
        self.calls: list[tuple[str, int, str]] = []

    async def __call__(self, host: str, port: int, scheme: str) -> trio.abc.Stream:
        self.calls.append((host, port, scheme))
        client, server_side = trio.testing.memory_stream_pair()
        self.nursery.start_soon(self.server.serve, server_side)
        return client


class CountingFactory:
    """A ``stream_factory`` opening real TCP streams and counting them."""

    def __init__(self) -> None:
        self.opened = 0

    async def __call__(self, host: str, port: int, scheme: str) -> trio.abc.Stream:
        self.opened += 1
        return await trio.open_tcp_stream(host, port)


class TlsFront:
    """A TLS-terminating proxy in front of a plain HTTP server: certificate from a
    trustme CA for 127.0.0.1 and localhost; counts the TLS connections it accepted."""

    def __init__(self, ca: trustme.CA, target_port: int) -> None:
        self.ca = ca
        self.target_port = target_port
        self.accepted = 0
        self.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.server_context)

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    async def start(self, nursery: trio.Nursery) -> int:
        listeners = await trio.open_ssl_over_tcp_listeners(0, self.server_context, host="127.0.0.1")
        await nursery.start(trio.serve_listeners, self._handle, listeners)
        transport = listeners[0].transport_listener
        assert isinstance(transport, trio.SocketListener)
        port: int = transport.socket.getsockname()[1]
        return port

    async def _handle(self, client: trio.SSLStream[trio.SocketStream]) -> None:
        self.accepted += 1
        try:
            upstream = await trio.open_tcp_stream("127.0.0.1", self.target_port)
            async with upstream, trio.open_nursery() as nursery:
                nursery.start_soon(_pump, client, upstream, nursery.cancel_scope)
                nursery.start_soon(_pump, upstream, client, nursery.cancel_scope)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass
        finally:
            await trio.aclose_forcefully(client)


async def _pump(source: trio.abc.Stream, sink: trio.abc.Stream, scope: trio.CancelScope) -> None:
    try:
        while data := await source.receive_some(65536):
            await sink.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass
    finally:
        scope.cancel()
