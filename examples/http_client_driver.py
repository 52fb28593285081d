"""A Covia driver over the standard library's ``http.client``: one method per effect.

Run it with a venue URL: ``python examples/http_client_driver.py http://127.0.0.1:8080``.
It opens a connection per request (no pool) and speaks plain HTTP/1.1 (no content
coding), which keeps it short; ``covia_proto.testing.driver_kit`` checks it."""

from __future__ import annotations

import http.client
import socket
import ssl
import sys
import time
import urllib.parse

from covia import Grid
from covia_proto.drivers import BaseSyncDriver
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.flows.effects import (
    CloseStream,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.limits import BoundedBody

CHUNK = 64 * 1024


class Stream:
    """An open response body: the handle ``OpenStream`` gives the flow."""

    def __init__(self, conn: http.client.HTTPConnection, sock: socket.socket,
                 response: http.client.HTTPResponse, info: RequestInfo) -> None:  # fmt: skip
        # The socket is kept apart: http.client lets go of it once a response that
        # ends with the connection has begun, yet each read's timeout is set on it.
        self.conn, self.sock, self.response, self.info = conn, sock, response, info
        self.closed = False


class HttpClientDriver(BaseSyncDriver):
    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout  # bounds connecting and each wait for data
        self.open: set[Stream] = set()
        self.closed = False

    # -- the six effects ----------------------------------------------------------------

    def perform_send(self, effect: Send) -> Response:
        deadline = None if effect.timeout is None else time.monotonic() + effect.timeout
        stream = self._exchange(effect.request, effect.body_stream, deadline)
        try:
            body = BoundedBody(effect.max_body, stream.info, stream.response.getheaders())
            while chunk := self._read(stream, deadline):
                body.add(chunk)
            headers = tuple(stream.response.getheaders())
            return Response(stream.response.status, headers, body.bytes())
        finally:
            self._release(stream)

    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        deadline = None if effect.timeout is None else time.monotonic() + effect.timeout
        stream = self._exchange(effect.request, None, deadline)
        self.open.add(stream)
        response = stream.response
        return OpenedStream(ResponseHead(response.status, tuple(response.getheaders())), stream)

    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        stream = effect.handle
        if not isinstance(stream, Stream) or stream.closed:
            raise CoviaUsageError("read from a stream that is closed")
        deadline = None if effect.timeout is None else time.monotonic() + effect.timeout
        try:
            return self._read(stream, deadline)
        except CoviaError:
            self._release(stream)
            raise

    def perform_close_stream(self, effect: CloseStream) -> None:
        if isinstance(effect.handle, Stream):
            self._release(effect.handle)

    def perform_sleep(self, effect: Sleep) -> None:
        time.sleep(max(0.0, effect.seconds))

    def perform_get_time(self, effect: GetTime) -> float:
        return time.monotonic()

    def close(self) -> None:
        for stream in list(self.open):
            self._release(stream)
        self.closed = True

    # -- HTTP ---------------------------------------------------------------------------

    def _wait(self, deadline: float | None) -> float:
        """How long the next wait may take: the driver's timeout, capped by the effect's."""
        if deadline is None:
            return self.timeout
        return max(0.001, min(self.timeout, deadline - time.monotonic()))

    def _exchange(self, request: Request, upload: object, deadline: float | None) -> Stream:
        if self.closed:
            raise CoviaUsageError("this driver is closed", request=request.info)
        url = urllib.parse.urlsplit(request.url)
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = kind(url.hostname or "", url.port, timeout=self._wait(deadline))
        target = request.url[request.url.index("/", len(url.scheme) + 3) :] if url.path else "/"
        try:
            conn.connect()
        except (OSError, ssl.SSLError) as exc:
            conn.close()
            raise _failure(exc, request.info, sent=False) from exc
        try:
            conn.putrequest(request.method, target, skip_accept_encoding=True)
            for name, value in request.headers:
                conn.putheader(name, value)
            if upload is not None:  # chunks of unknown total size
                conn.putheader("Transfer-Encoding", "chunked")
            elif request.body or request.method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(request.body)))
            body = upload if upload is not None else request.body
            conn.endheaders(body, encode_chunked=upload is not None)  # type: ignore[arg-type]
            sock = conn.sock
            assert sock is not None
            sock.settimeout(self._wait(deadline))
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _failure(exc, request.info, sent=True) from exc
        return Stream(conn, sock, response, request.info)

    def _read(self, stream: Stream, deadline: float | None) -> bytes:
        try:
            stream.sock.settimeout(self._wait(deadline))
            chunk = stream.response.read1(CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            raise _failure(exc, stream.info, sent=True) from exc
        if not chunk and stream.response.length:  # the venue closed before the end
            raise CoviaConnectionError("connection closed mid-body", request=stream.info)
        return chunk

    def _release(self, stream: Stream) -> None:
        stream.closed = True
        stream.response.close()
        stream.conn.close()
        self.open.discard(stream)


def _failure(exc: Exception, info: RequestInfo, *, sent: bool) -> CoviaError:
    """The core's exception for what ``http.client`` or the socket raised."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return CoviaTimeoutError("timed out waiting for the venue", request=info)
    if isinstance(exc, http.client.IncompleteRead | http.client.RemoteDisconnected):
        return CoviaConnectionError(f"connection broke: {exc!r}", request=info)
    if isinstance(exc, http.client.HTTPException):
        return VenueProtocolError(f"malformed response: {exc!r}", request=info)
    if isinstance(exc, UnicodeError | ValueError):
        return CoviaUsageError(f"invalid request: {exc}", request=info)
    return CoviaConnectionError(f"connection failed: {exc}", request=info, sent=sent)


def main(venue_url: str) -> None:
    driver = HttpClientDriver(timeout=10.0)
    with Grid.connect(venue_url, driver=driver) as venue:
        print(venue.status().name)
        print(venue.run("v/test/ops/echo", {"over": "http.client"}))
    driver.close()  # a driver passed in is the caller's to close


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
