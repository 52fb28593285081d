"""Performing effects with aiohttp: a thin asyncio driver, no protocol logic.

What the driver decides, and why:

* Redirects are never followed (a venue has no reason to redirect an API call, and
  following one would carry credentials and bodies to wherever it points), and error
  statuses are returned, never raised (``raise_for_status=False`` on every request,
  whatever the caller's session says): the core parses them.
* Retries belong to the core's flows (``RetryPolicy``). aiohttp would silently re-send
  an idempotent request once when its connection drops; on a session the driver owns
  that is switched off, so one dropped connection is one failure the flow sees, as
  under every other driver. A caller's session is used as it is.
* URLs are sent exactly as the core encoded them (``yarl.URL(..., encoded=True)``), so
  ``%2F`` in an operation name is never re-quoted or decoded.
* ``timeout`` bounds connecting and each wait for data; an effect's own ``timeout``
  can only shorten it, and for ``Send`` it bounds the whole exchange. Waiting for a
  free connection in the pool is bounded only by an effect's timeout: under load a
  request queues rather than fails.
* Streams are read with ``readany``: each ``ReadChunk`` returns what has arrived, so
  server-sent events reach the flow one by one and memory stays flat.
* asyncio's transport reads the socket itself, up to 256 KiB into a new buffer each
  time; before the body of an answer that may be large (no ``Content-Length``, or one
  of 128 KiB or more) the C allocator is readied for such reads, as the other drivers
  ready it for theirs (``covia_proto.allocator``): fresh-process 128 MiB downloads
  took 78 ms where they took 110 (medians of 20 interleaved pairs).
* Sizes: a ``Send`` body is read chunk by chunk and given up past ``Send.max_body``
  (a larger declared ``Content-Length`` is refused before any of it is read);
  ``max_header_size`` is given to aiohttp's parser, per request, as its longest
  status or header line and its longest header field (aiohttp also caps the number of
  header lines).
* A stream's body that aiohttp's parser refuses part-way (a malformed chunked
  framing arriving after the head) is never reported by aiohttp to the body's
  reader, which would wait for ever (its read timeout is dropped too), or finds the
  connection gone and raises ``RuntimeError``. The driver watches each stream's
  connection (once, however many streams it carries): when it closes under a body
  neither ended nor failed, the body fails with the parser's error, a
  ``VenueProtocolError`` as under the other drivers.
* ``open_responses`` counts the responses the driver holds (a ``Send`` in flight, a
  stream not yet closed); however an effect ends (failure, cancellation), its response
  is released or closed before the exception leaves ``perform``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import time
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any, Final

import aiohttp
import yarl
from aiohttp import http_exceptions

from covia_proto import allocator
from covia_proto.drivers import BaseAsyncDriver
from covia_proto.errors import (
    CoviaConnectionError,
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
from covia_proto.limits import DEFAULT_LIMITS, BoundedBody, body_too_large

__all__ = ["CHUNK_SIZE", "DEFAULT_LIMIT", "TRANSPORT_READ_SIZE", "AiohttpDriver"]

CHUNK_SIZE: Final = 64 * 1024
DEFAULT_LIMIT: Final = 100
TRANSPORT_READ_SIZE: Final = 256 * 1024
"""The most asyncio's selector transport reads at a time, each read a new buffer."""
_MAX_ORIGINS: Final = 1024

Verify = bool | str | ssl.SSLContext | None


class _Stream:
    """An open response body, handed to the flow as an opaque handle."""

    __slots__ = ("__weakref__", "info", "protocol", "response")

    def __init__(self, response: aiohttp.ClientResponse, info: RequestInfo) -> None:
        self.response = response
        self.info = info
        connection = response.connection
        self.protocol = None if connection is None else connection.protocol

    def broken(self) -> _BrokenBody:
        """The failure of a body whose connection closed under it: refused by
        aiohttp's parser (which tells only the connection), or cut off."""
        cause = None if self.protocol is None else self.protocol.exception()
        malformed = cause if isinstance(cause, http_exceptions.HttpProcessingError) else None
        return _BrokenBody(malformed)


class _BrokenBody(aiohttp.ClientPayloadError):
    """A stream's body whose connection closed under it; ``malformed`` is the parser's
    error if the parser refused it."""

    def __init__(self, malformed: http_exceptions.HttpProcessingError | None) -> None:
        super().__init__("the connection closed in the middle of the body")
        self.malformed = malformed


class _Watch:
    """Watches the connections that carry streams: when one closes under a body
    neither ended nor failed, the body fails (``_BrokenBody``). One watch a
    connection, whatever number of streams it carries one after another."""

    __slots__ = ("_streams",)

    def __init__(self) -> None:
        # A connection's stream now, None between streams; a key once watched.
        self._streams: weakref.WeakKeyDictionary[Any, weakref.ref[_Stream] | None]
        self._streams = weakref.WeakKeyDictionary()

    def start(self, stream: _Stream) -> None:
        protocol = stream.protocol
        if protocol is None:
            return
        if protocol not in self._streams:
            closed = protocol.closed
            if closed is None:
                return  # already closed: its body has ended or failed
            closed.add_done_callback(functools.partial(self._closed, protocol))
        self._streams[protocol] = weakref.ref(stream)

    def stop(self, stream: _Stream) -> None:
        if stream.protocol is not None and stream.protocol in self._streams:
            self._streams[stream.protocol] = None

    def _closed(self, protocol: Any, closed: asyncio.Future[None]) -> None:
        if not closed.cancelled():
            closed.exception()  # seen here: not "never retrieved"
        ref = self._streams.pop(protocol, None)
        stream = None if ref is None else ref()
        if stream is None:
            return
        content = stream.response.content
        if content.exception() is None and not content.is_eof():
            content.set_exception(stream.broken())


class AiohttpDriver(BaseAsyncDriver):
    """Performs effects over an ``aiohttp.ClientSession``.

    ``session`` is the caller's own (its connector, proxies, cookies and TLS settings
    are used as they are, and ``aclose`` leaves it open); without one the driver makes
    a session on first use, inside the running loop, with at most ``limit`` open
    connections, and ``aclose`` closes it. ``verify`` sets TLS verification: ``None``
    (the default: verify, or whatever the caller's session does), ``False``, a CA
    bundle path, or an ``ssl.SSLContext``. ``max_header_size`` bounds each line and
    field of a response head (bytes; ``Limits.max_header_size`` by default).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        timeout: float = 30.0,
        limit: int | None = None,
        verify: Verify = None,
        max_header_size: int = DEFAULT_LIMITS.max_header_size,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise CoviaUsageError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise CoviaUsageError(f"session must be an aiohttp.ClientSession, not {session!r}")
        if session is not None and limit is not None:
            raise CoviaUsageError("limit applies to the driver's own session: set it on yours")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise CoviaUsageError(f"limit must be a positive number of connections, not {limit!r}")
        if (
            isinstance(max_header_size, bool)
            or not isinstance(max_header_size, int)
            or max_header_size < 1
        ):
            raise CoviaUsageError(
                f"max_header_size must be a positive int, not {max_header_size!r}"
            )
        self.max_header_size = max_header_size
        self.timeout = float(timeout)
        self.limit = limit if limit is not None else DEFAULT_LIMIT
        self._session = session
        self._owns_session = session is None
        self._ssl = _ssl_setting(verify)
        self._held: set[aiohttp.ClientResponse] = set()
        self._watch = _Watch()
        self._closed = False
        self._options: dict[str, dict[str, Any]] = {}
        self._whole_timeout: aiohttp.ClientTimeout | None = None
        self._capped: tuple[float, aiohttp.ClientTimeout] | None = None

    # -- the session --------------------------------------------------------------------

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session requests go through (made on first use when the driver owns it)."""
        if self._closed:
            raise CoviaUsageError("this connection is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.limit, limit_per_host=0)
            # trust_env would make aiohttp look up .netrc and the proxy environment in a
            # worker thread on every request; the proxy is looked up once per origin
            # instead (``_options_for``), and credentials come from ``auth=``, not .netrc.
            session = aiohttp.ClientSession(connector=connector, trust_env=False)
            # Retries are the core's decision (see the module docs).
            session._retry_connection = False
            self._session = session
        return self._session

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def open_responses(self) -> int:
        """Responses held right now: requests in flight and streams not yet closed."""
        return len(self._held)

    async def aclose(self) -> None:
        """Close the streams still open and, if the driver owns it, the session."""
        for response in list(self._held):
            response.close()
        self._held.clear()
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
            # Closed transports (TLS ones above all) finish closing in the loop's next
            # turns: give them those, so a loop that ends right after (asyncio.run)
            # leaves no transport unclosed behind it.
            for _ in range(3):
                await asyncio.sleep(0)

    # -- effects ------------------------------------------------------------------------

    async def perform_close_stream(self, effect: CloseStream) -> None:
        self._close_stream(_handle(effect.handle))

    async def perform_sleep(self, effect: Sleep) -> None:
        await asyncio.sleep(effect.seconds)

    async def perform_get_time(self, effect: GetTime) -> float:
        return time.monotonic()

    def _limit(self, limit: float | None) -> float:
        return self.timeout if limit is None else max(0.001, min(self.timeout, limit))

    def _timeout(self, limit: float | None, *, whole: bool) -> aiohttp.ClientTimeout:
        if whole and limit is None:
            # The common case, made once.
            if self._whole_timeout is None:
                self._whole_timeout = aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeout, sock_read=self.timeout
                )
            return self._whole_timeout
        if whole and self._capped is not None and self._capped[0] == limit:
            # The first exchange of every call carries the same bound (call_timeout).
            return self._capped[1]
        each = self._limit(limit)
        made = aiohttp.ClientTimeout(
            total=max(0.001, limit) if whole and limit is not None else None,
            sock_connect=each,
            sock_read=self.timeout if not whole else each,
        )
        if whole and limit is not None:
            self._capped = (limit, made)
        return made

    def _options_for(self, url: str) -> dict[str, Any]:
        """The request options that are the same for every request to ``url``'s origin,
        made once per origin: the environment's proxy (``HTTPS_PROXY``, ``NO_PROXY``…)
        for the driver's own session, TLS, redirects and the response head bounds."""
        end = url.find("/", url.find("//") + 2)
        origin = url if end < 0 else url[:end]
        found = self._options.get(origin)
        if found is None:
            found = {
                "allow_redirects": False,
                "raise_for_status": False,
                "max_line_size": self.max_header_size,
                "max_field_size": self.max_header_size,
            }
            if self._ssl is not None:
                found["ssl"] = self._ssl
            if self._owns_session:
                try:
                    proxy, proxy_auth = aiohttp.helpers.get_env_proxy_for_url(yarl.URL(origin))
                except LookupError:
                    pass
                else:
                    found.update(proxy=proxy, proxy_auth=proxy_auth)
            if len(self._options) >= _MAX_ORIGINS:
                self._options.clear()  # a bound, not a policy: few clients see so many
            self._options[origin] = found
        return found

    async def _request(
        self, request: Request, limit: float | None, data: Any, *, whole: bool
    ) -> aiohttp.ClientResponse:
        """Send ``request`` and return once its head has arrived."""
        sending = self.session.request(
            request.method,
            yarl.URL(request.url, encoded=True),
            headers=request.headers,
            data=data,
            timeout=self._timeout(limit, whole=whole),
            **self._options_for(request.url),
        )
        try:
            if whole or limit is None:  # bounded by ``timeout``: no extra scope needed
                response = await sending
            else:
                async with _deadline(limit):
                    response = await sending
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            raise _translate(
                exc, request.info, self.max_header_size, wait=self._limit(limit)
            ) from exc
        self._held.add(response)
        length = response.content_length
        if length is None or length >= allocator.MAPPED_FROM:
            allocator.ready_for(TRANSPORT_READ_SIZE)
        return response

    async def perform_send(self, effect: Send) -> Response:
        request, limit, body_stream = effect.request, effect.timeout, effect.body_stream
        data: Any = _upload(body_stream) if body_stream is not None else (request.body or None)
        started = time.monotonic()
        try:
            response = await self._request(request, limit, data, whole=True)
            try:
                body = await _read_whole(response, effect.max_body, request.info)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise _translate(exc, request.info, wait=self._limit(limit)) from exc
            finally:
                self._close(response)
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, started)
            if whole is exc:
                raise
            raise whole from exc
        return Response(response.status, tuple(response.headers.items()), body)

    async def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        request, limit = effect.request, effect.timeout
        started = time.monotonic()
        try:
            response = await self._request(request, limit, request.body or None, whole=False)
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, started)
            if whole is exc:
                raise
            raise whole from exc
        head = ResponseHead(response.status, tuple(response.headers.items()))
        stream = _Stream(response, request.info)
        self._watch.start(stream)
        return OpenedStream(head, stream)

    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        handle, limit = _handle(effect.handle), effect.timeout
        response = handle.response
        if response not in self._held:
            raise CoviaUsageError("read from a stream that is closed")
        try:
            async with _deadline(limit):
                return await response.content.readany()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self._close_stream(handle)
            raise _translate(exc, handle.info, wait=self._limit(limit)) from exc
        except RuntimeError as exc:
            # aiohttp's "Connection closed.": the connection went before the watch on
            # it (see _Stream) could fail the body.
            if handle.protocol is None or handle.protocol.connected:
                self._close_stream(handle)
                raise  # not that: a bug, not the venue's doing
            broken = handle.broken()  # before the close forgets the parser's error
            self._close_stream(handle)
            raise _translate(broken, handle.info) from exc
        except BaseException:
            self._close_stream(handle)  # cancelled mid-read: the body is half-read
            raise

    def _close_stream(self, handle: _Stream) -> None:
        self._watch.stop(handle)
        self._close(handle.response)

    def _close(self, response: aiohttp.ClientResponse) -> None:
        # release() keeps a connection whose body was read to the end; anything else
        # is closed, so no half-read body is ever handed to another request.
        if response.content.at_eof():
            response.release()
        else:
            response.close()
        self._held.discard(response)


def _handle(handle: object) -> _Stream:
    if not isinstance(handle, _Stream):
        raise CoviaUsageError(f"not a stream of the aiohttp driver: {handle!r}")
    return handle


async def _read_whole(
    response: aiohttp.ClientResponse, max_body: int | None, info: RequestInfo
) -> bytes:
    """The whole body, at most ``max_body`` bytes of it (None: no bound)."""
    if max_body is None:
        return await response.read()
    length = response.content_length
    if length is not None and response.headers.get("Content-Encoding", "identity") == "identity":
        # The common case: a declared, unencoded length decides before any byte is read.
        if length > max_body:
            raise body_too_large(max_body, info)
        return await response.read()
    body = BoundedBody(max_body, info, response.headers.items())
    while chunk := await response.content.readany():
        body.add(chunk)
    return body.bytes()


@contextlib.asynccontextmanager
async def _deadline(seconds: float | None) -> AsyncIterator[None]:
    if seconds is None:
        yield
        return
    async with asyncio.timeout(max(0.001, seconds)):
        yield


def _ssl_setting(verify: Verify) -> bool | ssl.SSLContext | None:
    if verify is None or isinstance(verify, bool | ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise CoviaUsageError(f"cannot load CA bundle {verify!r}: {exc}") from None
    raise CoviaUsageError(f"verify must be a bool, a CA bundle path or an SSLContext: {verify!r}")


async def _upload(source: object) -> AsyncIterator[bytes]:
    """A streamed upload as aiohttp sends it: an async iterator of byte chunks."""
    if isinstance(source, AsyncIterable):
        async for chunk in source:
            yield _chunk(chunk)
    elif hasattr(source, "read"):
        # File reads stay synchronous, one chunk at a time (local files are fast).
        while chunk := source.read(CHUNK_SIZE):
            yield _chunk(chunk)
    elif isinstance(source, Iterable):
        for chunk in source:
            yield _chunk(chunk)
    else:
        raise CoviaUsageError(f"cannot upload {type(source).__name__}")


def _chunk(chunk: object) -> bytes:
    if not isinstance(chunk, bytes | bytearray | memoryview):
        raise CoviaUsageError(f"upload chunks must be bytes, not {type(chunk).__name__}")
    return bytes(chunk)


def _which_bound(exc: CoviaTimeoutError, limit: float | None, started: float) -> CoviaTimeoutError:
    """``exc``, or the error naming the exchange's whole bound if that is what ran out
    (asyncio's timers may fire a little early: within 5 ms it counts as reached)."""
    if limit is None or time.monotonic() < started + limit - 0.005:
        return exc
    return CoviaTimeoutError(f"no whole answer within {limit:g} s", request=exc.request)


def _translate(
    exc: BaseException,
    info: RequestInfo,
    max_header_size: int | None = None,
    *,
    wait: float | None = None,
) -> Exception:
    """The core's exception for an aiohttp/asyncio failure; ``wait`` is the bound of
    each wait, named in a timeout's message."""
    within = "" if wait is None else f" ({wait:g} s)"
    cause = exc.__cause__
    if isinstance(exc, aiohttp.ClientResponseError) and isinstance(
        cause, http_exceptions.HttpProcessingError
    ):
        # aiohttp's parser refused the response head: the venue broke HTTP. Its
        # line-length error reaches us re-wrapped as a plain HttpProcessingError, so
        # only its wording ("Got more than N bytes") tells it apart.
        detail = " ".join(str(cause.message or "").split()) or _reason(cause)
        if detail.startswith("Got more than") and max_header_size is not None:
            return VenueProtocolError(
                f"response head exceeds max_header_size ({max_header_size} bytes a line)",
                request=info,
            )
        return VenueProtocolError(f"malformed response: {detail[:200]}", request=info)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return CoviaTimeoutError(f"timed out connecting{within}", request=info)
    if isinstance(exc, TimeoutError):  # SocketTimeoutError, total, effect caps
        return CoviaTimeoutError(f"timed out waiting for the venue{within}", request=info)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return CoviaConnectionError(f"TLS failed: {_reason(exc)}", request=info, sent=False)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | ValueError):
        return CoviaUsageError(f"invalid request: {_reason(exc)}", request=info)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, unreachable
        return CoviaConnectionError(f"connection failed: {_reason(exc)}", request=info, sent=False)
    if isinstance(exc, _BrokenBody) and exc.malformed is not None:
        detail = " ".join(str(exc.malformed.message or "").split()) or _reason(exc.malformed)
        return VenueProtocolError(f"malformed response: {detail[:200]}", request=info)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return CoviaConnectionError(f"connection broke mid-response: {_reason(exc)}", request=info)
    return CoviaConnectionError(f"connection failed: {_reason(exc)}", request=info)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."
