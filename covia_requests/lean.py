"""Whole exchanges on urllib3's pooled connections, spoken by the core's HTTP/1.1.

A call whose answer is read whole (``Send``: ``status()``, an invoke, a job record) is
most of what a program does with a venue, and over urllib3 most of its time went to
``http.client``: a request head built and checked header by header, the answer's head
parsed by the ``email`` package, and urllib3's response object around it. For such an
exchange on the SDK's own session, ``LeanSender`` takes a connection from the same
urllib3 pool the rest of the driver uses (so its TLS, its limits and its connections
are the pool's, and a connection moves freely between the two paths), writes the
request and reads the answer with ``covia_proto.h11conn.ClientConnection``: the
parser the trio driver uses, with its bounds (``max_head_size``) and its errors. Against
the benchmarks' server, ``status()`` went from 1.37× to 1.70× the official SDK's rate
and ``run()`` from 1.36× to 1.48×; against the real venue, ``status()`` 1.4× as fast
(medians of interleaved rounds; ``run()`` there is mostly the venue's own time).

Streams (downloads, event streams), streamed uploads and a caller's own session keep
urllib3's and requests' path.
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

from covia_proto.errors import CoviaConnectionError, CoviaTimeoutError, RequestInfo
from covia_proto.h11conn import END_OF_BODY, NEED_DATA, ClientConnection
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.limits import BoundedBody
from covia_requests.deadline import rearm
from covia_requests.direct import DirectSender

__all__ = ["RECEIVE_SIZE", "LeanSender"]

RECEIVE_SIZE: Final = 64 * 1024
"""The most one read of the socket asks for: an answer read whole is seldom larger."""


class LeanSender:
    """Performs whole exchanges on the pools of ``direct``'s adapter."""

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
        ``.deadline``), the body by ``max_body``. A connection the venue closed while
        it was idle is replaced once, if the request may be sent again."""
        pool = self._direct.pool_for(request.url, verify)
        fresh = False
        while True:
            conn, reused = _checkout(pool, wait, fresh=fresh)
            exchange = _Exchange(conn, self._http_of(conn), request.info)
            try:
                response = exchange.run(request, wait, max_body)
            except CoviaConnectionError:
                _discard(pool, conn)
                stale = reused and not exchange.received and not fresh
                if stale and request.idempotent:
                    fresh = True
                    continue
                raise
            except BaseException:
                _discard(pool, conn)
                raise
            if exchange.http.start_next_cycle():
                pool._put_conn(conn)
            else:
                _discard(pool, conn)
            if _sets_cookies(response.headers):
                _keep_cookies(cookies, request, response.headers)
            return response

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
    """One request and its answer on one connection."""

    __slots__ = ("conn", "http", "info", "received")

    def __init__(self, conn: Any, http: ClientConnection, info: RequestInfo) -> None:
        self.conn = conn
        self.http = http
        self.info = info
        self.received = False  # whether the venue sent any byte back

    def run(self, request: Request, wait: float, max_body: int | None) -> Response:
        sock = self.conn.sock
        http = self.http
        data = http.send_request(request)
        try:
            sock.settimeout(wait)
            rearm(sock)
            sock.sendall(data)
        except BrokenPipeError:
            pass  # the venue may have answered and closed: its answer is still read
        except OSError as exc:
            raise self._broke(exc, wait) from exc
        head: ResponseHead | None = None
        body: BoundedBody | None = None
        while True:
            event = http.next_event()
            if event is NEED_DATA:
                http.receive_data(self._receive(sock, wait))
            elif event is END_OF_BODY:
                assert head is not None  # h11 gives the head first
                assert body is not None
                return Response(head.status, head.headers, body.bytes())
            elif isinstance(event, bytes):
                assert body is not None
                body.add(event)
            else:
                assert isinstance(event, ResponseHead)
                head = event
                body = BoundedBody(max_body, self.info, head.headers)

    def _receive(self, sock: socket.socket, wait: float) -> bytes:
        try:
            rearm(sock)
            data = sock.recv(RECEIVE_SIZE)
        except OSError as exc:
            raise self._broke(exc, wait) from exc
        if data:
            self.received = True
        return data

    def _broke(self, exc: OSError, wait: float) -> CoviaConnectionError | CoviaTimeoutError:
        if isinstance(exc, TimeoutError):
            message = f"timed out waiting for the venue ({wait:g} s)"
            return CoviaTimeoutError(message, request=self.info)
        where = "mid-response" if self.received else "before the response"
        return CoviaConnectionError(f"connection broke {where}: {exc}", request=self.info)


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
    except (ssl.SSLError, ssl.CertificateError, urllib3.exceptions.SSLError) as exc:
        _discard(pool, conn)
        raise requests.exceptions.SSLError(exc) from exc
    except (Urllib3HTTPError, OSError) as exc:
        _discard(pool, conn)
        if isinstance(exc, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
            exc, urllib3.exceptions.NewConnectionError
        ):
            raise requests.ConnectTimeout(exc) from exc
        raise requests.ConnectionError(exc) from exc
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
