"""Performing effects with ``requests``: a thin driver, no protocol logic.

Redirects are never followed (a venue has no reason to redirect an API call, and
following one would carry credentials and bodies to wherever it points).

Most requests take a short path through requests: the core's URL is absolute and
already percent-encoded and its bodies are bytes, so a ``PreparedRequest`` is built by
hand and handed to the session's adapter, without ``Session.request``'s per-call
re-reading of the proxy environment and ``.netrc``, setting merges and cookie and
redirect handling (half of a call's time, measured by ``benchmarks/``). A session with
proxies, auth, cookies, hooks or params of its own, and streamed uploads, take the full
path, so a caller's session keeps working exactly as configured.

The SDK's own session (``Grid.connect`` without ``session=``) goes further: it adds
nothing requests must do, so its requests skip requests and ``http.client``
altogether. They are spoken by the core's HTTP/1.1 connection on connections of its
adapter's urllib3 pools (``.lean``, the pools found by ``.direct``), unless the
request streams an upload, the environment names a proxy for the venue, the venue has
set a cookie, or the caller has changed the session (mounted an adapter, set a client
certificate, auth, proxies, hooks or params). Their response heads are bounded by
``max_header_size`` (``Limits.max_header_size``), and their bodies are read as the trio
driver reads one.

On a caller's session, a stream sent in HTTP chunks over ``http.client`` (a venue's
event stream) is read by its framing (``.chunked``): one read gives every chunk that has
arrived, not one chunk,
and a malformed framing is refused by the core's chunked decoder as the trio driver
refuses it (``VenueProtocolError``).

Every other response head is bounded by ``http.client`` itself (65,536 bytes a line,
100 header lines).

A ``Send`` body is read chunk by chunk and given up past ``Send.max_body``
(``Limits.max_body_size``); a larger declared ``Content-Length`` is refused before any
of it is read.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any, Final

import requests
import urllib3.exceptions
import urllib3.response
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict

from covia_proto import allocator
from covia_proto.drivers import BaseSyncDriver
from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT
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
from covia_proto.h11conn import DEFAULT_MAX_HEAD_SIZE
from covia_proto.http import Request, Response, ResponseHead, header_value, is_event_stream
from covia_proto.limits import BoundedBody
from covia_requests.chunked import ChunkedBody, chunked_body
from covia_requests.deadline import DeadlineAdapter, exchange_deadline
from covia_requests.direct import DirectSender
from covia_requests.lean import MAX_READ_SIZE, READ_SIZE, LeanSender, LeanStream

__all__ = ["CHUNK_SIZE", "MAX_READ_SIZE", "READ_SIZE", "RequestsDriver"]

CHUNK_SIZE: Final = 64 * 1024
"""The chunk size asked of an adapter of the caller's own (``iter_content``)."""

# Failures in which the request cannot have reached the venue: safe to send again.
_NOT_SENT: Final = (
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.NameResolutionError,
)


class _Answer:
    """A response whose head has arrived through requests: ``raw`` is urllib3's
    response, whose body is read with ``read1`` (so that events arrive as sent);
    ``response`` is the ``requests.Response`` around it."""

    __slots__ = (
        "__weakref__",
        "armed",
        "chunks",
        "closed",
        "headers",
        "info",
        "max_read",
        "raw",
        "read_size",
        "response",
        "status",
    )

    def __init__(
        self,
        status: int,
        headers: tuple[tuple[str, str], ...],
        raw: Any,
        response: requests.Response,
        info: RequestInfo,
    ) -> None:
        self.status = status
        self.headers = headers
        self.raw = raw
        self.response = response
        self.info = info
        self.armed: float | None = None  # the read timeout a ReadChunk last set
        self.closed = False
        self.chunks: ChunkedBody | None = None  # a chunked stream's reader (see .chunked)
        self.read_size = READ_SIZE  # grows while the body streams in,
        self.max_read = READ_SIZE  # up to this

    @classmethod
    def of(cls, response: requests.Response, info: RequestInfo) -> _Answer:
        headers = tuple(response.headers.items())
        return cls(response.status_code, headers, response.raw, response, info)

    def close(self) -> None:
        self.closed = True
        self.response.close()


class RequestsDriver(BaseSyncDriver):
    """Performs effects over a ``requests.Session``.

    ``timeout`` (seconds) bounds connecting and each wait for data; an effect's own
    ``timeout`` can only shorten it. A ``session`` passed in is used as it is (its
    proxies, TLS settings and mounted adapters) and left open by ``close``.
    ``max_header_size`` bounds the head of an answer on the driver's own session (see
    the module's docs).
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: float = 30.0,
        verify: bool | str | None = None,
        max_header_size: int = DEFAULT_MAX_HEAD_SIZE,
    ) -> None:
        if not timeout > 0:
            raise CoviaUsageError(f"timeout must be positive, not {timeout!r}")
        if isinstance(max_header_size, bool) or not isinstance(max_header_size, int):
            raise CoviaUsageError(f"max_header_size must be an int, not {max_header_size!r}")
        if max_header_size <= 0:
            raise CoviaUsageError(f"max_header_size must be positive, not {max_header_size}")
        self.max_header_size = max_header_size
        self._owns_session = session is None
        self._lean_sender: LeanSender | None = None
        self._adapter: DeadlineAdapter | None = None
        if session is None:
            session = requests.Session()
            # Heads and bodies held to each exchange's deadline (see .deadline).
            self._adapter = DeadlineAdapter()
            session.mount("https://", self._adapter)
            session.mount("http://", self._adapter)
            # The SDK's own session adds nothing requests must do: its exchanges go
            # straight to the adapter's urllib3 pools (see .direct).
            # and, unless they stream an upload, skip http.client too (see .lean).
            direct = DirectSender(self._adapter)
            self._lean_sender = LeanSender(direct, max_head_size=max_header_size)
        self.session = session
        # A User-Agent the caller set on their own session is theirs to choose: it
        # replaces the SDK's default (a connect(headers=...) one still wins).
        agent = self.session.headers.get("User-Agent")
        if isinstance(agent, bytes):
            agent = agent.decode("latin-1")
        chosen = agent and agent != requests.utils.default_user_agent()
        self._user_agent: str | None = agent if chosen else None
        # Given per request, so that a caller's session is left as it was.
        self.verify = verify
        self.timeout = timeout
        self._proxies: dict[str, dict[str, str]] = {}
        self._proxied: dict[str, bool] = {}  # origin -> whether a proxy is used for it
        # The streams open now, closed with the driver (the contract's closing clause);
        # threads share the driver, hence the lock.
        self._streams: weakref.WeakSet[_Answer | LeanStream] = weakref.WeakSet()
        self._streams_lock = threading.Lock()

    # -- effects ------------------------------------------------------------------------

    def perform_close_stream(self, effect: CloseStream) -> None:
        assert isinstance(effect.handle, _Answer | LeanStream)
        effect.handle.close()
        with self._streams_lock:
            self._streams.discard(effect.handle)

    def perform_sleep(self, effect: Sleep) -> None:
        time.sleep(effect.seconds)

    def perform_get_time(self, effect: GetTime) -> float:
        return time.monotonic()

    def _timeout(self, limit: float | None) -> float:
        return self.timeout if limit is None else max(0.001, min(self.timeout, limit))

    def _exchange(self, request: Request, limit: float | None, body: Any) -> _Answer:
        """Send ``request``; the answer's body is left to read."""
        try:
            if (body is None or isinstance(body, bytes)) and self._plain_session():
                response = self._prepared_exchange(request, limit, body)
            else:
                response = self.session.request(
                    request.method,
                    request.url,
                    headers=self._headers(request),
                    data=body,
                    timeout=self._timeout(limit),
                    verify=self.verify,
                    allow_redirects=False,
                    stream=True,
                )
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, request.info, self._timeout(limit)) from exc
        except OSError as exc:
            # Raised by requests before anything is sent: a CA bundle or a client
            # certificate named in the settings is not there.
            raise CoviaUsageError(f"TLS settings refused: {exc}", request=request.info) from exc
        return _Answer.of(response, request.info)

    def _goes_direct(self, url: str) -> bool:
        """Whether ``url`` is sent by the SDK's own adapter with no proxy (proxies, and
        an adapter the caller mounted on the session, keep requests' own path)."""
        session = self.session
        if session.cert is not None or session.get_adapter(url) is not self._adapter:
            return False
        origin = "/".join(url.split("/", 3)[:3])
        proxied = self._proxied.get(origin)
        if proxied is None:
            found = requests.utils.select_proxy(url, self._environment_proxies(url))
            proxied = self._proxied[origin] = found is not None
        return not proxied

    def _direct_headers(self, request: Request, body: bytes | None) -> dict[str, str]:
        """The headers of a request sent past requests: the session's, then the
        request's own (each name once), then its length."""
        headers = {}
        for name, value in self.session.headers.items():
            text = value if isinstance(value, str) else value.decode("latin-1")
            headers[name.lower()] = (name, text)
        for name, value in self._headers(request).items():
            headers[name.lower()] = (name, value)
        if body is not None:
            headers["content-length"] = ("Content-Length", str(len(body)))
        elif request.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            headers["content-length"] = ("Content-Length", "0")
        return dict(headers.values())

    def _headers(self, request: Request) -> dict[str, str]:
        headers = dict(request.headers)
        if self._user_agent is not None and headers.get("User-Agent") == DEFAULT_USER_AGENT:
            headers["User-Agent"] = self._user_agent
        return headers

    def _plain_session(self) -> bool:
        """Whether the session adds nothing of its own that only the full path honours."""
        session = self.session
        return not (
            session.proxies
            or session.auth
            or session.params
            or len(session.cookies)
            or any(session.hooks.values())
        )

    def _prepared_exchange(
        self, request: Request, limit: float | None, body: bytes | None
    ) -> requests.Response:
        session = self.session
        prepared = requests.PreparedRequest()
        prepared.method = request.method
        prepared.url = request.url
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in session.headers.items():
            headers[name] = value if isinstance(value, str) else value.decode("latin-1")
        headers.update(self._headers(request))
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif request.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            headers["Content-Length"] = "0"
        prepared.headers = headers
        prepared.body = body
        prepared.hooks = {"response": []}
        response = session.get_adapter(request.url).send(
            prepared,
            stream=True,
            timeout=self._timeout(limit),
            verify=self._verify_setting(),
            cert=session.cert,
            proxies=self._environment_proxies(request.url),
        )
        if response.raw is not None and response.headers.get("set-cookie"):
            # Kept as Session.send would, so a venue (or its balancer) that relies on
            # cookies gets them back: the next requests take the full path.
            extract_cookies_to_jar(session.cookies, prepared, response.raw)  # type: ignore[no-untyped-call]
        return response

    def _verify_setting(self) -> bool | str:
        verify = self.verify if self.verify is not None else self.session.verify
        if verify is True and self.session.trust_env:
            # What Session.request would find in the environment.
            return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        return True if verify is None else verify

    def _environment_proxies(self, url: str) -> dict[str, str]:
        """The environment's proxies for ``url``'s origin, looked up once per origin."""
        if not self.session.trust_env:
            return {}
        origin = "/".join(url.split("/", 3)[:3])
        found = self._proxies.get(origin)
        if found is None:
            found = self._proxies[origin] = requests.utils.get_environ_proxies(url)
        return found

    def perform_send(self, effect: Send) -> Response:
        request, limit, body_stream = effect.request, effect.timeout, effect.body_stream
        body = body_stream if body_stream is not None else (request.body or None)
        deadline = None if limit is None else time.monotonic() + limit
        try:
            with exchange_deadline(self.timeout, deadline):
                lean = self._lean(request, body)
                if lean is not None:
                    return self._lean_send(lean, effect)
                answer = self._exchange(request, limit, body)
                try:
                    content = self._read_whole(answer, effect.max_body, deadline)
                except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                    raise _translate(exc, request.info, self._timeout(limit)) from exc
                finally:
                    answer.close()
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, deadline)
            if whole is exc:
                raise
            raise whole from exc
        return Response(answer.status, answer.headers, content)

    def _lean(self, request: Request, body: object) -> LeanSender | None:
        """The lean path (see .lean), if it may take ``request``: on the SDK's own
        session, with no proxy, a body of bytes or none."""
        lean = self._lean_sender
        if lean is None or not (body is None or isinstance(body, bytes)):
            return None
        return lean if self._plain_session() and self._goes_direct(request.url) else None

    def _lean_send(self, lean: LeanSender, effect: Send) -> Response:
        request = effect.request
        wait = self._timeout(effect.timeout)
        with self._lean_errors(request, wait):
            return lean.send(
                self._final(request),
                wait=wait,
                verify=self._verify_setting(),
                max_body=effect.max_body,
                cookies=self.session.cookies,
            )

    def _lean_open(self, lean: LeanSender, effect: OpenStream) -> OpenedStream:
        request = effect.request
        wait = self._timeout(effect.timeout)
        with self._lean_errors(request, wait):
            head, stream = lean.open(
                self._final(request),
                wait=wait,
                verify=self._verify_setting(),
                cookies=self.session.cookies,
            )
        with self._streams_lock:
            self._streams.add(stream)
        return OpenedStream(head, stream)

    def _final(self, request: Request) -> Request:
        """``request`` with the headers it goes out with (the session's among them)."""
        headers = tuple(self._direct_headers(request, request.body or None).items())
        return Request(request.method, request.url, headers, request.body, request.idempotent)

    @contextlib.contextmanager
    def _lean_errors(self, request: Request, wait: float) -> Iterator[None]:
        """Failures of the lean path as the core's errors."""
        try:
            yield
        except CoviaError:
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, request.info, wait) from exc
        except OSError as exc:
            # A CA bundle or a client certificate named in the settings is not there.
            raise CoviaUsageError(f"TLS settings refused: {exc}", request=request.info) from exc

    def _read_whole(self, answer: _Answer, max_body: int | None, deadline: float | None) -> bytes:
        """The whole body (decoded, as ``response.content`` would be), at most
        ``max_body`` bytes of it, read by the piece as it arrives so that each read is
        held to the time left (a caller's session has no ``DeadlineAdapter``)."""
        body = BoundedBody(max_body, answer.info, answer.headers)
        raw = answer.raw
        if not isinstance(raw, urllib3.response.BaseHTTPResponse):  # an adapter of its own
            for chunk in answer.response.iter_content(CHUNK_SIZE):
                body.add(chunk)
            return body.bytes()
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CoviaTimeoutError("the answer did not end in time", request=answer.info)
                _limit_read(raw, min(self.timeout, left))
            chunk = raw.read1(READ_SIZE, decode_content=True)
            if not chunk:
                return body.bytes()
            body.add(chunk)

    def perform_open_stream(self, effect: OpenStream) -> OpenedStream:
        request, limit = effect.request, effect.timeout
        deadline = None if limit is None else time.monotonic() + limit
        try:
            with exchange_deadline(self.timeout, deadline):
                lean = self._lean(request, request.body or None)
                if lean is not None:
                    return self._lean_open(lean, effect)
                answer = self._exchange(request, limit, request.body or None)
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, deadline)
            if whole is exc:
                raise
            raise whole from exc
        # Read by its framing, so that one read gives every event that has arrived.
        answer.chunks = chunked_body(answer.raw, answer.info)
        if _downloads(answer):
            answer.max_read = MAX_READ_SIZE
        with self._streams_lock:
            self._streams.add(answer)
        return OpenedStream(ResponseHead(answer.status, answer.headers), answer)

    def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        handle, limit = effect.handle, effect.timeout
        if isinstance(handle, LeanStream):
            return handle.read(self._timeout(limit))
        assert isinstance(handle, _Answer)
        if handle.closed:
            raise CoviaUsageError("this stream is closed", request=handle.info)
        wait = self._timeout(limit)
        try:
            if wait != handle.armed:
                # Set once for a stream read with the same bound each time (an event
                # stream), rather than before every read: a syscall or two each.
                _limit_read(handle.raw, wait)
                handle.armed = wait
            chunks = handle.chunks
            if chunks is not None:
                return chunks.read(READ_SIZE)
            size = handle.read_size
            data = bytes(handle.raw.read1(size, decode_content=True))
            handle.read_size = allocator.next_read_size(size, len(data), handle.max_read)
            return data
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            handle.close()
            raise _translate(exc, handle.info, wait) from exc
        except VenueProtocolError:  # a malformed chunked framing (see .chunked)
            handle.close()
            raise

    def close(self) -> None:
        with self._streams_lock:
            streams, self._streams = list(self._streams), weakref.WeakSet()
        for stream in streams:
            stream.close()
        if self._owns_session:
            self.session.close()


def _downloads(answer: _Answer) -> bool:
    """Whether ``answer``'s body may be read in reads up to ``MAX_READ_SIZE``: one of
    known length, not chunked, and not an event stream. Events are parsed as they are
    read, fastest from reads that stay in the CPU's cache (read 512 KiB at a time, a
    stream of them gave a quarter fewer events a second); a caller who stops reading a
    body of unknown length early is given no more than ``READ_SIZE`` past that point."""
    return (
        answer.chunks is None
        and header_value(answer.headers, "content-length") is not None
        and not is_event_stream(answer.headers)
    )


def _limit_read(raw: Any, seconds: float) -> None:
    """Bound the next read of an open body (urllib3's ``raw`` response) to ``seconds``.
    urllib3 sets the read timeout once, when the head arrives; a flow's deadline shrinks
    as it reads (a job's event stream), so each read gets its own."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        # After a "Connection: close" head, only the body's reader holds the socket.
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _which_bound(
    exc: CoviaTimeoutError, limit: float | None, deadline: float | None
) -> CoviaTimeoutError:
    """``exc``, or the error naming the exchange's whole bound if that is what ran out."""
    if limit is None or deadline is None or time.monotonic() < deadline - _SLACK:
        return exc
    return CoviaTimeoutError(f"no whole answer within {limit:g} s", request=exc.request)


# Socket timeouts are rounded to the millisecond: within this the deadline is reached.
_SLACK: Final = 0.005


def _translate(exc: BaseException, info: RequestInfo, wait: float | None = None) -> Exception:
    """The core's exception for a ``requests``/``urllib3`` failure; ``wait`` is the
    bound of each wait, named in a timeout's message."""
    within = "" if wait is None else f" ({wait:g} s)"
    if isinstance(exc, requests.ConnectTimeout):
        return CoviaTimeoutError(f"timed out connecting{within}", request=info)
    if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
        return CoviaTimeoutError(f"timed out waiting for the venue{within}", request=info)
    if isinstance(exc, requests.exceptions.SSLError):
        return CoviaConnectionError(f"TLS failed: {_reason(exc)}", request=info, sent=False)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return CoviaUsageError(f"invalid URL: {_reason(exc)}", request=info)
    if _caused_by(exc, (http.client.LineTooLong,)) or _caused_by_exactly(
        exc, http.client.HTTPException
    ):
        # http.client's own bounds on a response head (a line, the number of header
        # lines): the venue broke HTTP, and asking again would not help.
        return VenueProtocolError(f"response head refused: {_reason(exc)}", request=info)
    sent = not _caused_by(exc, _NOT_SENT)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | urllib3.exceptions.ProtocolError):
        return CoviaConnectionError(f"connection broke mid-response: {_reason(exc)}", request=info)
    return CoviaConnectionError(f"connection failed: {_reason(exc)}", request=info, sent=sent)


def _caused_by_exactly(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` was caused by an exception of exactly the class ``kind`` (not a
    subclass: http.client raises plain ``HTTPException`` for "too many headers", and
    subclasses such as ``RemoteDisconnected`` for a dropped connection)."""
    return _caused_by(exc, (kind,), exact=True)


def _caused_by(
    exc: BaseException, kinds: tuple[type[BaseException], ...], *, exact: bool = False
) -> bool:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if type(current) in kinds if exact else isinstance(current, kinds):
            return True
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


def _reason(exc: BaseException) -> str:
    # urllib3 messages repeat the pool's repr; the innermost reason is what helps.
    inner: BaseException = exc
    for _ in range(5):
        nested = getattr(inner, "reason", None) or next(
            (a for a in getattr(inner, "args", ()) if isinstance(a, BaseException)), None
        )
        if not isinstance(nested, BaseException):
            break
        inner = nested
    text = str(inner) or type(inner).__name__
    return text if len(text) < 200 else text[:197] + "..."
