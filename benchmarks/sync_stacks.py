"""Faster HTTP/1.1 stacks under the sync client, measured, not offered.

The sync driver spends most of a call in requests, urllib3 and http.client. To decide
with figures whether a driver over a leaner stack is worth building, these are two
drivers for the benchmarks only, each just enough for ``status()``, ``invoke()`` and
``run()`` (``Send``, ``GetTime``, ``Sleep``; no streams, no proxies, no TLS, no
retries of their own):

- ``H11SocketDriver``: the core's own ``covia_proto.h11conn.ClientConnection`` over a
  blocking socket, one kept-alive connection per origin;
- ``Urllib3Driver``: ``urllib3.PoolManager`` directly, without requests above it.

``raw_socket`` is the floor under every sync client: the same exchanges as fixed bytes
on a socket, the response framed by its ``Content-Length`` and the body ``json.loads``-ed.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from benchmarks.clients import INPUT, INVOKE_JSON, OPERATION, SyncClient
from covia_proto.errors import CoviaConnectionError, CoviaUsageError
from covia_proto.flows.effects import Effect, GetTime, Send, Sleep
from covia_proto.h11conn import NEED_DATA, ClientConnection, Origin, split_url
from covia_proto.http import Request, Response

__all__ = ["H11SocketDriver", "Urllib3Driver", "raw_socket", "sdk_on"]


class H11SocketDriver:
    """The core's h11 connection, used synchronously over a blocking socket."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.idle: dict[Origin, tuple[socket.socket, ClientConnection]] = {}

    def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self._send(effect.request, effect.timeout)
        if isinstance(effect, GetTime):
            return time.monotonic()
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        raise CoviaUsageError(f"the benchmark's h11 driver cannot perform {effect!r}")

    def _send(self, request: Request, limit: float | None) -> Response:
        origin = split_url(request.url, request.info).origin
        pair = self.idle.pop(origin, None)
        if pair is None:
            sock = socket.create_connection((origin[1], origin[2]), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (sock, ClientConnection())
        sock, conn = pair
        sock.settimeout(self.timeout if limit is None else min(limit, self.timeout))
        try:
            sock.sendall(conn.send_request(request))
            while (response := conn.next_response()) is NEED_DATA:
                conn.receive_data(sock.recv(65536))
        except OSError as exc:
            sock.close()
            raise CoviaConnectionError(str(exc), request=request.info) from exc
        if conn.start_next_cycle():
            self.idle[origin] = (sock, conn)
        else:
            sock.close()
        return response

    def close(self) -> None:
        for sock, _ in self.idle.values():
            sock.close()
        self.idle.clear()


class Urllib3Driver:
    """urllib3's pool directly: what requests itself sends through."""

    def __init__(self, timeout: float = 30.0) -> None:
        import urllib3

        self.pool = urllib3.PoolManager(retries=False, timeout=timeout)
        self.timeout = timeout

    def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            request = effect.request
            answer = self.pool.request(
                request.method,
                request.url,
                body=request.body or None,
                headers=dict(request.headers),
                redirect=False,
                timeout=self.timeout if effect.timeout is None else effect.timeout,
            )
            return Response(answer.status, tuple(answer.headers.items()), answer.data)
        if isinstance(effect, GetTime):
            return time.monotonic()
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        raise CoviaUsageError(f"the benchmark's urllib3 driver cannot perform {effect!r}")

    def close(self) -> None:
        self.pool.clear()


def sdk_on(driver: H11SocketDriver | Urllib3Driver) -> Any:
    """A factory for ``sync_clients``: the sync SDK (``Grid.connect``) on ``driver``."""

    def factory(url: str) -> SyncClient:
        from covia import Grid

        venue = Grid.connect(url, driver=driver)

        def invoke_result() -> object:
            return venue.invoke(OPERATION, INPUT).result()

        def close() -> None:
            venue.close()
            driver.close()

        return SyncClient(venue.status, invoke_result, close, {"venue": venue})

    return factory


def raw_socket(url: str) -> SyncClient:
    """Fixed request bytes on one kept-alive socket: the least any client can do."""
    authority = url.split("://", 1)[1]
    host, _, port = authority.partition(":")
    common = f"Host: {authority}\r\nUser-Agent: raw-socket\r\nAccept: application/json\r\n"
    status_bytes = f"GET /api/v1/status HTTP/1.1\r\n{common}\r\n".encode()
    invoke_bytes = (
        f"POST /api/v1/invoke HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
        f"Content-Length: {len(INVOKE_JSON)}\r\n\r\n"
    ).encode() + INVOKE_JSON
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = bytearray()

    def exchange(request: bytes) -> bytes:
        sock.sendall(request)
        while (end := pending.find(b"\r\n\r\n")) < 0:
            pending.extend(sock.recv(65536))
        head = bytes(pending[:end]).lower()
        at = head.index(b"content-length:") + 15
        length = int(head[at : head.index(b"\r\n", at) if b"\r\n" in head[at:] else None])
        total = end + 4 + length
        while len(pending) < total:
            pending.extend(sock.recv(65536))
        body = bytes(pending[end + 4 : total])
        del pending[:total]
        return body

    def status() -> object:
        return json.loads(exchange(status_bytes))

    def invoke_result() -> object:
        return json.loads(exchange(invoke_bytes))["output"]

    return SyncClient(status, invoke_result, sock.close, {})
