"""HTTP/1.1 on one client connection, as bytes in and bytes out, over h11.

For drivers that own a byte stream (``covia_trio``, or a program embedding the core in its
own loop). A :class:`ClientConnection` turns :class:`~covia_proto.http.Request` values into
bytes to write, and bytes read from the stream into response events. It never touches the
stream itself, so it works the same however the bytes are split.

A driver's exchange, one cycle of a keep-alive connection::

    stream.write(conn.send_request(request))
    while (response := conn.next_response()) is NEED_DATA:
        conn.receive_data(stream.read())  # b"" once the peer has closed
    if not conn.start_next_cycle():
        stream.close()  # a fresh connection for the next request

``next_event()`` gives the response piece by piece instead: a ``ResponseHead``, body
chunks as ``bytes``, then ``END_OF_BODY``. Every failure is a ``CoviaError``: a malformed
or oversized answer is a ``VenueProtocolError``, a close before the answer is complete a
``CoviaConnectionError``, a call out of order a ``CoviaUsageError``. No h11 exception
escapes.

h11 parses every head, but a body that is not content-coded and still on its way when
its head is parsed (a download, an event stream) passes it by: its bytes go from
``receive_data`` to ``next_event`` counted against its Content-Length (the very objects
the stream gave), or cut out of its chunked framing (joined once) by the core's
chunked decoder (``covia_proto.chunked``, which the sync driver uses too). Through h11
each byte was copied three or four times, which made a download over trio slower than
the same download over requests. The checks are h11's own: a body cut short is
truncated, bytes past its end spoil the connection, a malformed chunk or an oversized
chunk header is the venue's fault.
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache
from typing import Final, Literal, NamedTuple, TypeAlias, cast
from urllib.parse import urlsplit

import h11

from covia_proto._content_coding import ContentDecoder, decoder_for
from covia_proto.chunked import ChunkedDecoder
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaUsageError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.http import Request, Response, ResponseHead

__all__ = [
    "DEFAULT_MAX_HEAD_SIZE",
    "END_OF_BODY",
    "NEED_DATA",
    "ClientConnection",
    "EndOfBody",
    "NeedData",
    "Origin",
    "ResponseEvent",
    "UrlParts",
    "split_url",
]

DEFAULT_MAX_HEAD_SIZE: Final = 64 * 1024

# Our states once a request has been sent whole (MUST_CLOSE: not kept alive).
_SENT: Final = (h11.DONE, h11.MUST_CLOSE)

# Methods whose requests announce a length even when the body is empty: some servers
# answer 411 Length Required otherwise.
_LENGTH_REQUIRED_METHODS: Final = frozenset({"POST", "PUT"})


class NeedData(enum.Enum):
    """Type of :data:`NEED_DATA`."""

    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return self.value


class EndOfBody(enum.Enum):
    """Type of :data:`END_OF_BODY`."""

    END_OF_BODY = "END_OF_BODY"

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = NeedData.NEED_DATA
"""More bytes must be read from the stream (and given to ``receive_data``) first."""

END_OF_BODY: Final = EndOfBody.END_OF_BODY
"""The response is complete."""

ResponseEvent: TypeAlias = ResponseHead | bytes | EndOfBody | NeedData

Origin: TypeAlias = tuple[str, str, int]
"""``(scheme, host, port)``, host lower-cased: where a request goes."""

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class UrlParts(NamedTuple):
    """What sending a request to an absolute URL needs from it."""

    origin: Origin
    authority: str
    """For the ``Host`` header: host and port as written, never the userinfo."""
    target: str
    """Origin-form: path and query, percent-encoding untouched; no fragment."""


def split_url(url: str, request: RequestInfo | None = None) -> UrlParts:
    """The parts of an absolute http(s) ``url``; a ``CoviaUsageError`` (naming
    ``request``) for any other."""
    start = url.find("//")
    found = _AUTHORITY_END.search(url, start + 2) if start >= 0 else None
    end = found.start() if found is not None else len(url)
    origin = _origin(url[:end])
    if isinstance(origin, str):
        raise CoviaUsageError(origin, request=request)
    target = url[end:].partition("#")[0]
    if not target.startswith("/"):
        target = "/" + target
    return UrlParts(origin[0], origin[1], target)


_AUTHORITY_END: Final = re.compile(r"[/?#]")


@lru_cache(maxsize=256)
def _origin(prefix: str) -> tuple[Origin, str] | str:
    """The origin and authority of a URL's scheme and authority part, or what is wrong
    with it. Cached: a client talks to few origins, and splitting URLs anew was a
    visible share of each request's cost."""
    try:
        parts = urlsplit(prefix)
        port = parts.port
    except ValueError as exc:
        return f"invalid URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return "not an absolute http(s) URL"
    origin = (scheme, parts.hostname, port if port is not None else _DEFAULT_PORTS[scheme])
    return origin, parts.netloc.rpartition("@")[2]


class ClientConnection:
    """The client side of one HTTP/1.1 connection, reused cycle after cycle.

    ``max_head_size`` bounds the bytes buffered while a response head (or a chunk
    header) is incomplete; a venue that exceeds it gets a ``VenueProtocolError``
    instead of our memory.
    """

    def __init__(self, *, max_head_size: int = DEFAULT_MAX_HEAD_SIZE) -> None:
        if max_head_size <= 0:
            raise CoviaUsageError(f"max_head_size must be positive, not {max_head_size}")
        self._conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_head_size)
        self._max_head_size = max_head_size
        self._broken = False  # an error left h11 in a state we cannot trust
        self._peer_closed = False  # receive_data(b"") was called
        self._eof_given_to_h11 = False
        self._request: RequestInfo | None = None  # the request of the current cycle
        self._response_ended = False
        # How this cycle's response is read: next_event() or next_response(), not both.
        self._reader: Literal["events", "response"] | None = None
        self._head: ResponseHead | None = None
        self._body: list[bytes] = []
        self._decoder: ContentDecoder | None = None  # the response's content coding
        # A body passed by h11 (see the module's docstring), None while h11 reads it.
        # h11 is left behind mid-response, and a fresh h11.Connection takes the next cycle.
        self._through: _LengthBody | ChunkedDecoder | None = None
        self._through_keep_alive = False  # both sides let the connection be reused

    # -- sending -----------------------------------------------------------------------

    def send_request(self, request: Request) -> bytes:
        """The bytes of ``request`` with its whole body, ready to write."""
        body = request.body
        framing: list[tuple[bytes, bytes]] = []
        named = _by_name(request)
        if "transfer-encoding" in named:
            raise CoviaUsageError(
                "Transfer-Encoding needs a streamed body: use start_request()",
                request=request.info,
            )
        declared = named.get("content-length")
        if declared is None:
            if body or request.method.upper() in _LENGTH_REQUIRED_METHODS:
                framing.append((b"Content-Length", str(len(body)).encode("ascii")))
        elif declared.strip() != str(len(body)):
            raise CoviaUsageError(
                f"Content-Length {declared!r} does not match the {len(body)}-byte body",
                request=request.info,
            )
        out = self._start(request, framing, named)
        if body:
            out += self._send(h11.Data(data=body))
        return out + self._send(h11.EndOfMessage())

    def start_request(self, request: Request, *, chunked: bool = True) -> bytes:
        """The bytes of the head of ``request``, whose body follows with ``send_body``.

        With ``chunked`` the body is sent with chunked transfer coding; without it the
        request must carry its own ``Content-Length``. ``request.body`` must be empty.
        """
        if request.body:
            raise CoviaUsageError(
                "start_request() sends only the head; pass the body to send_body()",
                request=request.info,
            )
        has_length = request.header("content-length") is not None
        if request.header("transfer-encoding") is not None:
            raise CoviaUsageError(
                "set chunked=True rather than a Transfer-Encoding header",
                request=request.info,
            )
        if chunked and has_length:
            raise CoviaUsageError(
                "a chunked request cannot also carry Content-Length", request=request.info
            )
        if not chunked and not has_length:
            raise CoviaUsageError(
                "a streamed request that is not chunked needs a Content-Length header",
                request=request.info,
            )
        framing = [(b"Transfer-Encoding", b"chunked")] if chunked else []
        return self._start(request, framing, _by_name(request))

    def send_body(self, data: bytes) -> bytes:
        """The bytes that carry ``data`` as the next piece of a streamed request body."""
        self._check_streaming_body("send_body")
        return self._send(h11.Data(data=data)) if data else b""

    def end_request(self) -> bytes:
        """The bytes that end a streamed request body."""
        self._check_streaming_body("end_request")
        return self._send(h11.EndOfMessage())

    def _start(
        self, request: Request, framing: list[tuple[bytes, bytes]], named: dict[str, str]
    ) -> bytes:
        self._check_usable()
        if self._conn.our_state is not h11.IDLE:
            raise CoviaUsageError(
                "a request was already sent on this connection: read its response, then "
                "call start_next_cycle() (False means: open a new connection)",
                request=request.info,
            )
        method = request.method.upper()
        if method == "CONNECT" or "upgrade" in named:
            # The connection would stop speaking HTTP, which this helper cannot follow.
            raise CoviaUsageError("CONNECT and Upgrade are not supported", request=request.info)
        _, authority, target = split_url(request.url, request.info)
        try:
            headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in request.headers]
            if "host" not in named:
                headers.insert(0, (b"Host", authority.encode("ascii")))
            event = h11.Request(
                method=method.encode("ascii"),
                target=target.encode("ascii"),
                headers=headers + framing,
            )
        except (h11.LocalProtocolError, UnicodeEncodeError) as exc:
            # Only validation failed: nothing was sent, the connection stays usable.
            raise CoviaUsageError(
                f"cannot send this request: {exc}", request=request.info
            ) from None
        out = self._send(event, request.info)
        self._request = request.info
        return out

    def _check_streaming_body(self, what: str) -> None:
        self._check_usable()
        if self._request is None or self._conn.our_state is not h11.SEND_BODY:
            raise CoviaUsageError(
                f"{what}() is only for the body of a request begun with start_request()",
                request=self._request,
            )

    def _send(self, event: h11.Event, request: RequestInfo | None = None) -> bytes:
        try:
            data = self._conn.send(event)
        except h11.LocalProtocolError as exc:
            # h11 has moved to its ERROR state: this connection is done.
            self._broken = True
            raise CoviaUsageError(
                f"cannot send this on the connection: {exc}", request=request or self._request
            ) from None
        return data or b""

    # -- receiving ---------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Give bytes read from the stream; ``b""`` means the peer closed it. The data
        is used at once or copied, never kept: the caller may reuse its buffer."""
        if not data:
            # Kept from h11 until every buffered byte is parsed: see _pull().
            self._peer_closed = True
            return
        if self._peer_closed:
            raise CoviaUsageError("received data after the peer closed the connection")
        if type(data) is not bytes:
            data = bytes(data)  # may be handed on as the body: never the caller's buffer
        if self._through is None:
            self._conn.receive_data(data)
        else:
            self._through.feed(data)

    def next_event(self) -> ResponseEvent:
        """The next piece of the response: its ``ResponseHead``, a body chunk
        (non-empty ``bytes``), ``END_OF_BODY``, or ``NEED_DATA``.

        Interim 1xx responses (such as ``100 Continue``) are skipped.
        """
        if self._reader != "events" or self._response_ended or self._broken:
            self._begin_read("events")  # checks what the common case has passed already
        return self._next()

    def next_response(self) -> Response | NeedData:
        """The whole response once all of it has arrived, else ``NEED_DATA``."""
        self._begin_read("response")
        while True:
            event = self._next()
            if event is NEED_DATA:
                return NEED_DATA
            if isinstance(event, ResponseHead):
                self._head = event
            elif isinstance(event, bytes):
                self._body.append(event)
            else:
                assert self._head is not None  # h11 gives the head before the end
                return Response(self._head.status, self._head.headers, b"".join(self._body))

    def _begin_read(self, reader: Literal["events", "response"]) -> None:
        self._check_usable()
        if self._request is None:
            raise CoviaUsageError("no request was sent, so there is no response to read")
        if self._response_ended:
            raise CoviaUsageError("the response has ended: call start_next_cycle()")
        if self._reader not in (None, reader):
            raise CoviaUsageError(
                f"this response is being read with {self._reader_method(self._reader)}; "
                f"do not mix it with {self._reader_method(reader)}",
                request=self._request,
            )
        self._reader = reader

    @staticmethod
    def _reader_method(reader: Literal["events", "response"]) -> str:
        return "next_event()" if reader == "events" else "next_response()"

    def _next(self) -> ResponseEvent:
        # Dispatched on the exact type: h11's events are final classes, and isinstance
        # against them goes through ABCMeta, several times per response.
        if self._through is not None:
            return self._next_through(self._through)
        decoder = self._decoder
        while True:
            if decoder is not None and decoder.pending:
                decoded = decoder.drain()
                if decoded:
                    return decoded
            event = self._pull()
            if event is h11.NEED_DATA:
                return NEED_DATA
            kind = type(event)
            if kind is h11.Data:
                data = cast(h11.Data, event).data
                if decoder is not None:
                    data = decoder.decode(bytes(data))
                if data:
                    return bytes(data)
                continue
            if kind is h11.Response:
                head = cast(h11.Response, event)
                headers = _decode_headers(head)
                # Decoded here (at most a chunk at a time) as requests and aiohttp do,
                # so every driver hands over the same bytes.
                self._decoder = decoder = decoder_for(headers, self._request)
                if decoder is None:
                    self._maybe_pass_through(head)
                return ResponseHead(head.status_code, headers)
            if kind is h11.InformationalResponse:
                continue
            if kind is h11.EndOfMessage:
                # Trailers (event.headers) carry nothing the venue relies on: dropped.
                self._response_ended = True
                return END_OF_BODY
            # PAUSED or ConnectionClosed: impossible without CONNECT or Upgrade, which
            # _start refuses; treated as the venue's fault rather than trusted.
            raise self._fail(VenueProtocolError(f"unexpected {event!r}", request=self._request))

    def _maybe_pass_through(self, head: h11.Response) -> None:
        """Take the body past h11 if it is framed (a length, or chunked), still to
        arrive, and the request was sent whole. h11 has validated the framing headers:
        one Content-Length of digits, or Transfer-Encoding exactly ``chunked``."""
        if head.status_code in (204, 304) or self._conn.our_state not in _SENT:
            return
        if self._request is not None and self._request.method.upper() == "HEAD":
            return
        chunked = False
        length = None
        for name, value in head.headers:
            if name == b"transfer-encoding":
                chunked = True  # and it beats a Content-Length
            elif name == b"content-length":
                length = int(value)
        buffered, _ = self._conn.trailing_data
        body: _LengthBody | ChunkedDecoder
        if chunked:
            if buffered.endswith(b"0\r\n\r\n"):
                return  # most likely here whole with its head: h11 takes it at once
            body = ChunkedDecoder(self._max_head_size)
        elif length is not None and length > len(buffered):
            body = _LengthBody(length)
        else:
            return  # read to the close, or here whole: h11 takes it at once
        # Keep-alive as h11 judged it from both heads: it has left our side DONE, or
        # moved it to MUST_CLOSE.
        self._through_keep_alive = self._conn.our_state is h11.DONE
        self._through = body
        if buffered:
            body.feed(buffered)

    def _next_through(self, body: _LengthBody | ChunkedDecoder) -> ResponseEvent:
        pieces = body.pieces
        if pieces:
            body.pieces = []
            first = pieces[0]
            if len(pieces) == 1 and type(first) is bytes:
                return first
            return b"".join(pieces)
        if body.failure is not None:
            error = f"malformed HTTP response: {body.failure}"
            raise self._fail(VenueProtocolError(error, request=self._request))
        if body.ended:
            self._response_ended = True
            return END_OF_BODY
        if self._peer_closed:
            raise self._fail(
                CoviaConnectionError(
                    "connection closed mid-body: the response body was truncated "
                    f"({body.missing()})",
                    request=self._request,
                )
            )
        return NEED_DATA

    def _pull(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        try:
            event = self._conn.next_event()
        except h11.RemoteProtocolError as exc:
            raise self._fail(self._protocol_error(exc)) from None
        if event is not h11.NEED_DATA or not self._peer_closed or self._eof_given_to_h11:
            return event
        # Everything buffered has been parsed and the peer has closed. Only now is h11
        # told, so that an error from here on is about the close and nothing else.
        self._eof_given_to_h11 = True
        state = self._conn.their_state
        self._conn.receive_data(b"")
        try:
            return self._conn.next_event()
        except h11.RemoteProtocolError as exc:
            if state is h11.SEND_BODY:
                error = CoviaConnectionError(
                    f"connection closed mid-body: the response body was truncated ({exc})",
                    request=self._request,
                )
            else:
                error = CoviaConnectionError(
                    "connection closed before a complete response head arrived",
                    request=self._request,
                    sent=True,  # the venue may have acted on the request
                )
            raise self._fail(error) from None

    def _protocol_error(self, exc: h11.RemoteProtocolError) -> VenueProtocolError:
        if exc.error_status_hint == 431:  # h11's "receive buffer too long"
            return VenueProtocolError(
                f"response head exceeds max_head_size ({self._max_head_size} bytes)",
                request=self._request,
            )
        return VenueProtocolError(f"malformed HTTP response: {exc}", request=self._request)

    def _fail(self, error: CoviaError) -> CoviaError:
        self._broken = True
        return error

    def _check_usable(self) -> None:
        if self._broken:
            raise CoviaUsageError(
                "this connection failed earlier and cannot be used; open a new one",
                request=self._request,
            )

    def take_arrived(self) -> tuple[list[bytes], bool, CoviaError | None]:
        """Every piece of the body that can be had from what was received, without
        waiting: the pieces, whether the body ended after them, and the error that
        stopped them, if one did. A driver hands the pieces over first and raises the
        error at the next read: a venue that flushes every event sends each in an HTTP
        chunk of its own, and one read per chunk was most of the cost of following it."""
        pieces: list[bytes] = []
        while True:
            try:
                event = self.next_event()
            except CoviaError as exc:
                return pieces, False, exc
            if not isinstance(event, bytes):
                return pieces, event is END_OF_BODY, None
            pieces.append(event)

    def end_has_arrived(self, *, look_at: int = 16) -> bool:
        """Whether the rest of the body, its end included, is among the bytes received
        (an event stream ends right after a job's last event), looking at no more than
        ``look_at`` pieces and never waiting: a body given up early whose end is in
        leaves its connection reusable. What it looks at is consumed."""
        try:
            for _ in range(look_at):
                event = self.next_event()
                if event is END_OF_BODY:
                    return True
                if not isinstance(event, bytes):
                    return False
        except CoviaError:
            return False
        return False

    @property
    def passing_through(self) -> bool:
        """Whether this response's body is passing straight through (a body of known
        length, still arriving): a driver may read it in larger pieces, as no byte of
        it is copied here."""
        return self._through is not None and not self._response_ended

    @property
    def body_left(self) -> int | None:
        """Bytes still to come of a body of known length passing through (see
        ``passing_through``); None for any other body, or none."""
        through = self._through
        if isinstance(through, _LengthBody) and not self._response_ended:
            return through.left
        return None

    @property
    def awaiting_continue(self) -> bool:
        """Whether a request sent with ``Expect: 100-continue`` still waits for the
        venue's ``100 Continue`` (skipped by ``next_event``, but seen here)."""
        return self._through is None and self._conn.client_is_waiting_for_100_continue

    # -- keep-alive --------------------------------------------------------------------

    @property
    def reusable(self) -> bool:
        """Whether the connection can carry a request now or after ``start_next_cycle``.

        False after an error, a close by the peer, ``Connection: close`` on either side,
        an exchange still under way, or bytes the venue sent unasked.
        """
        if self._broken or self._peer_closed:
            return False
        if self._through is not None:
            return self._response_ended and self._through_keep_alive and not self._through.extra
        if self._conn.trailing_data != (b"", False):
            return False
        states = (self._conn.our_state, self._conn.their_state)
        return states in ((h11.IDLE, h11.IDLE), (h11.DONE, h11.DONE))

    def start_next_cycle(self) -> bool:
        """Make the connection ready for another request, if it can carry one.

        Returns False when it cannot (see ``reusable``): the driver closes the stream
        and opens a new connection. Calling it again before a new request is harmless.
        """
        if not self.reusable:
            return False
        if self._through is not None:
            # h11 never saw this body end: a new one, as it would be after its cycle.
            self._conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=self._max_head_size)
            self._through = None
            self._through_keep_alive = False
        elif self._conn.our_state is h11.DONE:
            self._conn.start_next_cycle()
        self._request = None
        self._response_ended = False
        self._reader = None
        self._head = None
        self._body = []
        self._decoder = None
        return True


class _LengthBody:
    """A body of known length passed by h11: the bytes received, as they came."""

    __slots__ = ("extra", "failure", "left", "pieces")

    def __init__(self, length: int) -> None:
        self.left = length
        self.pieces: list[bytes | memoryview] = []  # arrived, not yet given
        self.extra = False  # bytes came after the body: unasked, the connection is spoilt
        self.failure: str | None = None  # never: any bytes fit a length

    @property
    def ended(self) -> bool:
        return self.left == 0

    def missing(self) -> str:
        return f"{self.left} bytes of its Content-Length missing"

    def feed(self, data: bytes) -> None:
        left = self.left
        if len(data) <= left:
            self.left = left - len(data)
            self.pieces.append(data)
            return
        self.left = 0
        if left:
            self.pieces.append(data[:left])
        self.extra = True


def _by_name(request: Request) -> dict[str, str]:
    """The request's headers by lower-cased name (the first value of each): one pass,
    for the several checks made before a request is sent."""
    named: dict[str, str] = {}
    for name, value in request.headers:
        named.setdefault(name.lower(), value)
    return named


def _decode_headers(response: h11.Response) -> tuple[tuple[str, str], ...]:
    # raw_items() keeps the venue's own spelling of each name.
    return tuple(
        [(n.decode("latin-1"), v.decode("latin-1")) for n, v in response.headers.raw_items()]
    )
