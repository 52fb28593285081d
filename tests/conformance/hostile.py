"""Helpers for the hostile-venue and secrets tests: a raw loopback HTTP server that
answers whatever bytes a test scripts (the simulator cannot misbehave this badly), and
one function that runs a scenario through each client (requests, aiohttp, trio).

A scenario is ``async def scenario(venue)`` against the async API, as in
``test_sync_async``; the sync client runs it through ``SyncFacade``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import attrs

from covia import Grid
from covia.async_api import AsyncGrid
from covia_proto.flows.context import PollPolicy, RetryPolicy
from covia_proto.testing.server import BackgroundLoop
from tests.facade import SyncFacade, run_sync

CLIENTS = ["requests", "aiohttp", "trio"]
RETRY = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002, budget=5.0)
POLL = PollPolicy(initial=0.01, factor=1.5, maximum=0.05)
TIMEOUT = 5.0

Scenario = Callable[[Any], Awaitable[Any]]


@attrs.frozen
class Seen:
    """A request as the server received it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Reply = bytes | AsyncIterator[bytes]
Responder = Callable[[Seen], Reply]


def response(
    status: int,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    headers: tuple[tuple[str, str], ...] = (),
    length: bool = True,
) -> bytes:
    """The bytes of a whole HTTP/1.1 response that closes its connection."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", "Connection: close"]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def asset_responder(metadata: Any, content: bytes) -> Responder:
    """Answers a content download with ``content`` (as text), anything else with the
    asset's ``metadata`` as JSON."""

    def respond(seen: Seen) -> bytes:
        if seen.path.endswith("/content"):
            return response(200, content, content_type="text/plain")
        return response(200, json.dumps(metadata).encode())

    return respond


class RawServer:
    """A loopback HTTP/1.1 server on ``loop``: each request is recorded in ``seen`` and
    answered by ``respond`` (whole bytes, or an async iterator of chunks written until
    the client goes away), then the connection is closed. ``gone`` is set once a
    streamed answer found its client gone."""

    def __init__(
        self, loop: BackgroundLoop, respond: Responder, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.loop = loop
        self.respond = respond
        self.tls = tls
        self.seen: list[Seen] = []
        self.gone = threading.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> RawServer:
        async def start() -> asyncio.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)

        self._server = self.loop.run(start())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        server = self._server
        assert server is not None

        async def stop() -> None:
            server.close()
            # Answers still being written (a venue dribbling to a client that gave up)
            # end with the server, not with the loop.
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await server.wait_closed()

        self.loop.run(stop())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)
        try:
            seen = await _read_request(reader)
            if seen is None:
                return
            self.seen.append(seen)
            reply = self.respond(seen)
            if isinstance(reply, bytes):
                writer.write(reply)
                await writer.drain()
            else:
                try:
                    async for chunk in reply:
                        writer.write(chunk)
                        await writer.drain()
                finally:
                    self.gone.set()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            self.gone.set()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = tuple(
        (name.strip(), value.strip())
        for name, _, value in (line.partition(":") for line in lines if line)
    )
    found = {k.lower(): v for k, v in headers}
    body = b""
    if "content-length" in found:
        body = await reader.readexactly(int(found["content-length"]))
    elif found.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            parts.append(await reader.readexactly(size))
            await reader.readuntil(b"\r\n")
        await reader.readuntil(b"\r\n")
        body = b"".join(parts)
    return Seen(method, target, headers, body)


async def forever(first: bytes, chunk: bytes) -> AsyncIterator[bytes]:
    """``first``, then ``chunk`` again and again: a body that never ends."""
    yield first
    while True:
        yield chunk
        await asyncio.sleep(0)


# -- running a scenario through each client ---------------------------------------------------


def connect_options(client: str, options: dict[str, Any]) -> dict[str, Any]:
    merged = {"retry": RETRY, "poll": POLL, "timeout": TIMEOUT, **options}
    if client == "requests":
        merged.pop("limit", None)
    return merged


def run_client(client: str, address: str, scenario: Scenario, **options: Any) -> Any:
    """Connect ``client`` to ``address`` and return what ``scenario(venue)`` returns
    (its exception, raised)."""
    options = connect_options(client, options)
    if client == "requests":
        with Grid.connect(address, **options) as venue:
            return run_sync(_coroutine(scenario(SyncFacade(venue))))
    if client == "aiohttp":

        async def on_asyncio() -> Any:
            try:
                async with AsyncGrid.connect(address, **options) as venue:
                    return await scenario(venue)
            finally:
                await settle()

        return asyncio.run(on_asyncio())
    if client == "trio":
        import trio

        from covia_trio import TrioGrid

        async def on_trio() -> Any:
            async with TrioGrid.connect(address, **options) as venue:
                return await scenario(venue)

        return trio.run(on_trio)
    raise AssertionError(f"no client {client!r}")


def read_stream(client: str, url: str) -> tuple[bytes, Exception | None]:
    """Open a GET of ``url`` as a stream with ``client``'s own driver and read it to
    its end: the bytes read, and the error that stopped the reading (None at the end)."""
    from covia_proto.flows.effects import CloseStream, OpenStream, ReadChunk
    from covia_proto.http import Request

    request = Request("GET", url, (("Accept", "text/event-stream"),))
    if client == "requests":
        from covia_requests import RequestsDriver

        driver = RequestsDriver(timeout=TIMEOUT)
        got = b""
        try:
            opened = driver.perform(OpenStream(request))
            while chunk := driver.perform(ReadChunk(opened.handle, timeout=TIMEOUT)):
                got += chunk
            driver.perform(CloseStream(opened.handle))
        except Exception as exc:
            return got, exc
        finally:
            driver.close()
        return got, None

    async def read(driver: Any) -> tuple[bytes, Exception | None]:
        got = b""
        try:
            opened = await driver.perform(OpenStream(request))
            while chunk := await driver.perform(ReadChunk(opened.handle, timeout=TIMEOUT)):
                got += chunk
            await driver.perform(CloseStream(opened.handle))
        except Exception as exc:
            return got, exc
        finally:
            await driver.aclose()
        return got, None

    if client == "aiohttp":
        from covia_aiohttp import AiohttpDriver

        async def on_asyncio() -> tuple[bytes, Exception | None]:
            try:
                return await read(AiohttpDriver(timeout=TIMEOUT))
            finally:
                await settle()

        return asyncio.run(on_asyncio())
    if client == "trio":
        import trio

        from covia_trio import TrioDriver

        async def on_trio() -> tuple[bytes, Exception | None]:
            return await read(TrioDriver(timeout=TIMEOUT))

        return trio.run(on_trio)
    raise AssertionError(f"no client {client!r}")


async def settle() -> None:
    """Let asyncio finish closing transports (a TLS one takes a few loop turns to
    exchange close_notify) before ``asyncio.run`` closes the loop under them."""
    for _ in range(20):
        await asyncio.sleep(0)


async def _coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def raises(client: str, address: str, scenario: Scenario, **options: Any) -> BaseException:
    """The exception ``scenario`` raises through ``client`` (it must raise)."""
    try:
        value = run_client(client, address, scenario, **options)
    except Exception as exc:
        return exc
    raise AssertionError(f"{client}: expected an error, got {value!r}")


@contextlib.contextmanager
def serving(loop: BackgroundLoop, respond: Responder, **kwargs: Any) -> Iterator[RawServer]:
    with RawServer(loop, respond, **kwargs) as server:
        yield server


async def dribble(
    first: bytes, chunk: bytes, *, every: float = 0.25, for_seconds: float = 8.0
) -> AsyncIterator[bytes]:
    """``first``, then ``chunk`` every ``every`` seconds for ``for_seconds``: a venue
    that keeps each wait short and the whole answer long."""
    loop = asyncio.get_running_loop()
    end = loop.time() + for_seconds
    yield first
    while loop.time() < end:
        await asyncio.sleep(every)
        yield chunk
