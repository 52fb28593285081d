"""Exchanges on urllib3's pooled connections, spoken by the core's HTTP/1.1.

On the SDK's own session, nearly all of a sync call's time went to ``http.client``: a
request head built and checked header by header, the answer's head parsed by the
``email`` package, urllib3's response object around it, and a body read through two
buffered layers. ``LeanSender`` takes a connection from the same urllib3 pool the rest
of the driver uses (so its TLS, its limits and its connections are the pool's), and
speaks the exchange with ``covia_proto.h11conn.ClientConnection``: the parser the trio
driver uses, with its bounds (``max_head_size``), its framing checks and its errors. An
answer is read whole (``send``) or by the piece (``open``, then ``LeanStream.read``:
downloads and event streams), as the trio driver reads it: each read gives what has
arrived, a download's reads grow to 1 MiB and its bytes pass through uncopied.

Against the benchmarks' server, ``status()`` went from 1.37× to 1.70× the official
SDK's rate and ``run()`` from 1.36× to 1.48×; against the real venue, ``status()`` 1.4×
as fast (medians of interleaved rounds; ``run()`` there is mostly the venue's own time).

Streamed uploads, proxies and a caller's own session keep urllib3's and requests' path.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from types import SimpleNamespace
from typing import Any, Final

import requests
import urllib3
from requests.cookies import extract_cookies_to_jar
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import MaxRetryError

from covia_proto import allocator
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    RequestInfo,
)
from covia_proto.h11conn import END_OF_BODY, NEED_DATA, ClientConnection
from covia_proto.http import Request, Response, ResponseHead, is_event_stream
from covia_proto.limits import BoundedBody
from covia_requests.deadline import rearm
from covia_requests.direct import DirectSender, as_requests_error

__all__ = ["MAX_READ_SIZE", "READ_SIZE", "RECEIVE_SIZE", "LeanSender", "LeanStream"]

RECEIVE_SIZE: Final = 64 * 1024
"""The most one read of the socket asks for while an answer is read whole: such an
answer is seldom larger."""

READ_SIZE: Final = 128 * 1024
"""The most bytes one read of a streamed body asks for, at first (on both of the sync
driver's paths). A read returns what has arrived (one read of the socket), so an event
comes back as soon as it is in; a caller who stops early has been given at most this
much past the point they wanted."""

MAX_READ_SIZE: Final = 1024 * 1024
"""The most one read asks for once a body of known length streams in (a download, not
an event stream): a read that fills its buffer doubles the next, up to this. With the
allocator readied for them (``covia_proto.allocator``), fresh-process downloads of 128
MiB went from 2,424 to 2,942 MiB/s with reads of 512 KiB (medians of 10,
``benchmarks/``). A checked download gains from large reads: the hashing thread takes
each read of ``covia._hashing.ALONE_BYTES`` or more as it came, and joins (copies)
smaller ones. With whole batches of 1 MiB handed over, reads of 1 MiB took
fresh-process 128 MiB checked downloads from 112 to 95 ms, medians of 14 interleaved
pairs; unchecked ones stayed at 44 ms (20 pairs). Any other body is read at most
``READ_SIZE`` at a time."""


class LeanSender:
    """Performs exchanges on the pools of ``direct``'s adapter: whole (``send``), or
    up to the head, the body left to read (``open``)."""

    __slots__ = ("_direct", "_max_head_size")

    def __init__(self, direct: DirectSender, *, max_head_size: int) -> None:
        self._direct = direct
        self._max_head_size = max_head_size

    def send(
        self,
        request: Request,
        *,
        wait: float,
        verify: bool | str,
        max_body: int | None,
        cookies: requests.cookies.RequestsCookieJar,
    ) -> Response:
        """Send ``request`` (its headers final) and read its whole answer, each wait
        bounded by ``wait`` seconds and by the thread's exchange deadline (see
        ``.deadline``), the body by ``max_body``."""
        exchange, head = self._begin(request, wait, verify, cookies)
        try:
            body = exchange.read_body(head, wait, max_body)
        except BaseException:
            exchange.discard()
            raise
        exchange.release()
        return Response(head.status, head.headers, body)

    def open(
        self,
        request: Request,
        *,
        wait: float,
        verify: bool | str,
        cookies: requests.cookies.RequestsCookieJar,
    ) -> tuple[ResponseHead, LeanStream]:
        """Send ``request`` and return at the head of its answer, with the stream its
        body is read from (``LeanStream.read``); the connection is the stream's until
        it ends or is closed."""
        exchange, head = self._begin(request, wait, verify, cookies)
        return head, LeanStream(exchange, head)

    def _begin(
        self,
        request: Request,
        wait: float,
        verify: bool | str,
        cookies: requests.cookies.RequestsCookieJar,
    ) -> tuple[_Exchange, ResponseHead]:
        """``request`` sent and the head of its answer read. A connection the venue
        closed while it was idle is replaced once, if the request may be sent again."""
        pool = self._direct.pool_for(request.url, verify)
        fresh = False
        while True:
            conn, reused = _checkout(pool, wait, fresh=fresh)
            exchange = _Exchange(pool, conn, self._http_of(conn), request.info)
            try:
                head = exchange.start(request, wait)
            except CoviaConnectionError:
                exchange.discard()
                stale = reused and not exchange.received and not fresh
                if stale and request.idempotent:
                    fresh = True
                    continue
                raise
            except BaseException:
                exchange.discard()
                raise
            if _sets_cookies(head.headers):
                _keep_cookies(cookies, request, head.headers)
            return exchange, head

    def _http_of(self, conn: Any) -> ClientConnection:
        """The core's HTTP/1.1 state of ``conn``, kept on it from one exchange to the
        next (a new one for a new socket)."""
        held = getattr(conn, "_covia_http", None)
        if held is None or held[0] is not conn.sock:
            held = (conn.sock, ClientConnection(max_head_size=self._max_head_size))
            conn._covia_http = held
        http: ClientConnection = held[1]
        return http


class _Exchange:
    """One request and its answer on one connection of ``pool``."""

    __slots__ = ("conn", "http", "info", "pool", "received", "sock")

    def __init__(self, pool: Any, conn: Any, http: ClientConnection, info: RequestInfo) -> None:
        self.pool = pool
        self.conn = conn
        self.sock: socket.socket = conn.sock
        self.http = http
        self.info = info
        self.received = False  # whether the venue sent any byte back

    def start(self, request: Request, wait: float) -> ResponseHead:
        """Send ``request``; the head of its answer."""
        sock, http = self.sock, self.http
        data = http.send_request(request)
        try:
            sock.settimeout(wait)
            rearm(sock)
            sock.sendall(data)
        except BrokenPipeError:
            pass  # the venue may have answered and closed: its answer is still read
        except OSError as exc:
            raise self._broke(exc, wait) from exc
        while (event := http.next_event()) is NEED_DATA:
            http.receive_data(self.receive(RECEIVE_SIZE, wait))
        assert isinstance(event, ResponseHead)  # h11 gives the head before anything else
        return event

    def read_body(self, head: ResponseHead, wait: float, max_body: int | None) -> bytes:
        """The rest of the answer, refused past ``max_body`` bytes."""
        body = BoundedBody(max_body, self.info, head.headers)
        http = self.http
        while True:
            event = http.next_event()
            if event is NEED_DATA:
                http.receive_data(self.receive(RECEIVE_SIZE, wait))
            elif event is END_OF_BODY:
                return body.bytes()
            else:
                assert isinstance(event, bytes)
                body.add(event)

    def receive(self, size: int, wait: float) -> bytes:
        """The next bytes, up to ``size``, once some have arrived (b"" at the end)."""
        try:
            rearm(self.sock)
            data = self.sock.recv(size)
        except OSError as exc:
            raise self._broke(exc, wait) from exc
        if data:
            self.received = True
        return data

    def release(self) -> None:
        """The exchange is over: the connection back to the pool, if it can be reused."""
        if self.http.start_next_cycle():
            self.pool._put_conn(self.conn)
        else:
            self.discard()

    def discard(self) -> None:
        _discard(self.pool, self.conn)

    def _broke(self, exc: OSError, wait: float) -> CoviaConnectionError | CoviaTimeoutError:
        if isinstance(exc, TimeoutError):
            message = f"timed out waiting for the venue ({wait:g} s)"
            return CoviaTimeoutError(message, request=self.info)
        where = "mid-response" if self.received else "before the response"
        return CoviaConnectionError(f"connection broke {where}: {exc}", request=self.info)


class LeanStream:
    """A body read piece by piece: each read gives every byte that has arrived (one
    read of the socket, then whatever else is already decoded), as the trio driver's
    reads do. The connection goes back to the pool once the body has ended."""

    __slots__ = (
        "__weakref__",
        "_armed",
        "_exchange",
        "_failure",
        "_most",
        "_size",
        "closed",
        "done",
    )

    def __init__(self, exchange: _Exchange, head: ResponseHead) -> None:
        self._exchange = exchange
        self._failure: CoviaError | None = None  # raised by the read after the bytes before it
        self._size = READ_SIZE
        downloads = exchange.http.passing_through and not is_event_stream(head.headers)
        self._most = MAX_READ_SIZE if downloads else READ_SIZE
        self._armed: float | None = None  # the socket's timeout, as last set
        self.closed = False  # by the caller or the driver: no more reads
        self.done = False  # the body has ended, the connection is back in its pool

    @property
    def info(self) -> RequestInfo:
        return self._exchange.info

    def read(self, wait: float) -> bytes:
        """The next bytes of the body, ``b""`` at its end; each wait for the venue is
        bounded by ``wait`` seconds."""
        if self.closed:
            raise CoviaUsageError("this stream is closed", request=self.info)
        if self.done:
            return b""
        exchange = self._exchange
        http = exchange.http
        try:
            if self._failure is not None:
                raise self._failure
            event = http.next_event()
            while event is NEED_DATA:
                if wait != self._armed:
                    exchange.sock.settimeout(wait)
                    self._armed = wait
                size = self._size
                data = exchange.receive(size, wait)
                self._size = allocator.next_read_size(size, len(data), self._most)
                http.receive_data(data)
                event = http.next_event()
        except CoviaError:
            self.closed = True
            exchange.discard()
            raise
        if event is END_OF_BODY:
            self._end()
            return b""
        assert isinstance(event, bytes)
        # Whatever else has arrived goes with it (see ClientConnection.take_arrived).
        more, ended, self._failure = http.take_arrived()
        if ended:
            self._end()
        return b"".join([event, *more]) if more else event

    def close(self) -> None:
        """No more reads. A body that has ended, or whose end has already arrived,
        gives its connection back to the pool; one with bytes still on the wire closes
        it (cheaper than reading them all)."""
        if self.closed or self.done:
            self.closed = True
            return
        self.closed = True
        if self._rest_is_buffered():
            self._exchange.release()
        else:
            self._exchange.discard()

    def _end(self) -> None:
        self.done = True
        self._exchange.release()

    def _rest_is_buffered(self) -> bool:
        return self._failure is None and self._exchange.http.end_has_arrived()


def _checkout(pool: Any, wait: float, *, fresh: bool) -> tuple[Any, bool]:
    """A connection of ``pool``, connected (a new one if ``fresh``), and whether it
    was open already. Failures are raised as ``HTTPAdapter.send`` raises them, for the
    driver to translate."""
    conn = pool._get_conn()  # its place in the pool, even for a new connection
    if fresh:
        conn.close()  # not another pooled one, which may have gone stale as well
    reused = conn.sock is not None
    try:
        conn.timeout = wait
        pool._validate_conn(conn)  # connects an HTTPS connection, as urllib3 does
        if conn.sock is None:
            conn.connect()
    except (Urllib3HTTPError, OSError) as exc:  # ssl's errors among them
        _discard(pool, conn)
        # As urllib3 reports a failure to connect, then as requests raises it.
        reason = urllib3.exceptions.SSLError(exc) if isinstance(exc, ssl.SSLError) else exc
        raise as_requests_error(MaxRetryError(pool, "/", reason)) from exc
    return conn, reused


def _discard(pool: Any, conn: Any) -> None:
    """Close ``conn`` and give its place in ``pool`` back, as urllib3 does."""
    conn.close()
    pool._put_conn(None)


def _sets_cookies(headers: tuple[tuple[str, str], ...]) -> bool:
    return any(len(name) == 10 and name.lower() == "set-cookie" for name, _ in headers)


def _keep_cookies(
    jar: requests.cookies.RequestsCookieJar,
    request: Request,
    headers: tuple[tuple[str, str], ...],
) -> None:
    """The answer's cookies into the session's jar, as ``Session.send`` would keep
    them: the session's next requests then go requests' full path, which sends them."""
    message = http.client.HTTPMessage()
    for name, value in headers:
        message[name] = value  # adds: every Set-Cookie is kept
    prepared = requests.PreparedRequest()
    prepared.url = request.url
    prepared.headers = requests.structures.CaseInsensitiveDict(dict(request.headers))
    answer = SimpleNamespace(_original_response=SimpleNamespace(msg=message))
    extract_cookies_to_jar(jar, prepared, answer)  # type: ignore[no-untyped-call]
