"""Performing effects with ``requests``: a thin driver, no protocol logic.

Redirects are never followed (a venue has no reason to redirect an API call, and
following one would carry credentials and bodies to wherever it points).

Most requests take a lean path through requests: the core's URL is absolute and
already percent-encoded and its bodies are bytes, so a ``PreparedRequest`` is built by
hand and handed to the session's adapter, without ``Session.request``'s per-call
re-reading of the proxy environment and ``.netrc``, setting merges and cookie and
redirect handling (half of a call's time, measured by ``benchmarks/``). A session with
proxies, auth, cookies, hooks or params of its own, and streamed uploads, take the full
path, so a caller's session keeps working exactly as configured.

A ``Send`` body is read chunk by chunk and given up past ``Send.max_body``
(``Limits.max_body_size``); a larger declared ``Content-Length`` is refused before any
of it is read. The response head is bounded by ``http.client`` itself (65,536 bytes a
line, 100 header lines): those bounds are fixed, so ``Limits.max_header_size`` does not
apply to this driver.
"""

from __future__ import annotations

import http.client
import os
import time
from typing import Any, Final

import requests
import urllib3.exceptions
import urllib3.response
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict

from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaTimeoutError,
    CoviaUsageError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.limits import BoundedBody
from covia_requests.deadline import DeadlineAdapter, exchange_deadline

__all__ = ["CHUNK_SIZE", "RequestsDriver"]

CHUNK_SIZE: Final = 64 * 1024

# Failures in which the request cannot have reached the venue: safe to send again.
_NOT_SENT: Final = (
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.NameResolutionError,
)


class _Stream:
    """An open response body, read with ``read1`` so that events arrive as sent."""

    __slots__ = ("info", "response")

    def __init__(self, response: requests.Response, info: RequestInfo) -> None:
        self.response = response
        self.info = info


class RequestsDriver:
    """Performs effects over a ``requests.Session``.

    ``timeout`` (seconds) bounds connecting and each wait for data; an effect's own
    ``timeout`` can only shorten it. A ``session`` passed in is used as it is (its
    proxies, TLS settings and mounted adapters) and left open by ``close``.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: float = 30.0,
        verify: bool | str | None = None,
    ) -> None:
        if not timeout > 0:
            raise CoviaUsageError(f"timeout must be positive, not {timeout!r}")
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            # Heads and bodies held to each exchange's deadline (see .deadline).
            session.mount("https://", DeadlineAdapter())
            session.mount("http://", DeadlineAdapter())
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

    # -- effects ------------------------------------------------------------------------

    def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self._send(effect.request, effect.timeout, effect.body_stream, effect.max_body)
        if isinstance(effect, ReadChunk):
            return self._read(effect.handle, effect.timeout)
        if isinstance(effect, OpenStream):
            return self._open(effect.request, effect.timeout)
        if isinstance(effect, CloseStream):
            assert isinstance(effect.handle, _Stream)
            effect.handle.response.close()
            return None
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, GetTime):
            return time.monotonic()
        raise CoviaUsageError(f"requests driver cannot perform {effect!r}")

    def _timeout(self, limit: float | None) -> float:
        return self.timeout if limit is None else max(0.001, min(self.timeout, limit))

    def _exchange(
        self, request: Request, limit: float | None, body: Any, *, stream: bool
    ) -> requests.Response:
        try:
            if (body is None or isinstance(body, bytes)) and self._plain_session():
                return self._lean_exchange(request, limit, body, stream=stream)
            return self.session.request(
                request.method,
                request.url,
                headers=self._headers(request),
                data=body,
                timeout=self._timeout(limit),
                verify=self.verify,
                allow_redirects=False,
                stream=stream,
            )
        except requests.RequestException as exc:
            raise _translate(exc, request.info, self._timeout(limit)) from exc

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

    def _lean_exchange(
        self, request: Request, limit: float | None, body: bytes | None, *, stream: bool
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
            stream=stream,
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

    def _send(
        self, request: Request, limit: float | None, body_stream: object, max_body: int | None
    ) -> Response:
        body = body_stream if body_stream is not None else (request.body or None)
        deadline = None if limit is None else time.monotonic() + limit
        try:
            with exchange_deadline(self.timeout, deadline):
                response = self._exchange(request, limit, body, stream=True)
                try:
                    content = self._read_whole(response, max_body, request.info, deadline)
                except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                    raise _translate(exc, request.info, self._timeout(limit)) from exc
                finally:
                    response.close()
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, deadline)
            if whole is exc:
                raise
            raise whole from exc
        return Response(response.status_code, tuple(response.headers.items()), content)

    def _read_whole(
        self,
        response: requests.Response,
        max_body: int | None,
        info: RequestInfo,
        deadline: float | None,
    ) -> bytes:
        """The whole body (decoded, as ``response.content`` would be), at most
        ``max_body`` bytes of it, read by the piece as it arrives so that each read is
        held to the time left (a caller's session has no ``DeadlineAdapter``)."""
        body = BoundedBody(max_body, info, response.headers.items())
        raw = response.raw
        if not isinstance(raw, urllib3.response.BaseHTTPResponse):  # an adapter of its own
            for chunk in response.iter_content(CHUNK_SIZE):
                body.add(chunk)
            return body.bytes()
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CoviaTimeoutError("the answer did not end in time", request=info)
                _limit_read(response, min(self.timeout, left))
            chunk = raw.read1(CHUNK_SIZE, decode_content=True)
            if not chunk:
                return body.bytes()
            body.add(chunk)

    def _open(self, request: Request, limit: float | None) -> OpenedStream:
        deadline = None if limit is None else time.monotonic() + limit
        try:
            with exchange_deadline(self.timeout, deadline):
                response = self._exchange(request, limit, request.body or None, stream=True)
        except CoviaTimeoutError as exc:
            whole = _which_bound(exc, limit, deadline)
            if whole is exc:
                raise
            raise whole from exc
        head = ResponseHead(response.status_code, tuple(response.headers.items()))
        return OpenedStream(head, _Stream(response, request.info))

    def _read(self, handle: object, limit: float | None) -> bytes:
        assert isinstance(handle, _Stream)
        try:
            _limit_read(handle.response, self._timeout(limit))
            return bytes(handle.response.raw.read1(CHUNK_SIZE, decode_content=True))
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            handle.response.close()
            raise _translate(exc, handle.info, self._timeout(limit)) from exc

    def close(self) -> None:
        if self._owns_session:
            self.session.close()


def _limit_read(response: requests.Response, seconds: float) -> None:
    """Bound the next read of an open body to ``seconds``. urllib3 sets the read timeout
    once, when the head arrives; a flow's deadline shrinks as it reads (a job's event
    stream), so each read gets its own."""
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is None:
        # After a "Connection: close" head, only the body's reader holds the socket.
        reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
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
