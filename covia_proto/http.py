"""Plain values for HTTP requests and responses: what the core hands to a driver and
what a driver hands back. No adapter type ever appears here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Final

import attrs

from covia_proto.errors import CoviaUsageError, RequestInfo

__all__ = [
    "EVENT_STREAM",
    "Headers",
    "Request",
    "Response",
    "ResponseHead",
    "check_header",
    "check_headers",
    "header_value",
    "is_event_stream",
    "is_header_value",
    "is_sensitive_header",
    "make_headers",
    "media_type",
    "redact_headers",
]

Headers = tuple[tuple[str, str], ...]
"""Header pairs in order; names keep the case they were given."""

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# Headers whose values are credentials: shown as "***" wherever headers are printed.
SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# Custom headers carry credentials under names of every kind (X-Auth-Token, Api-Key,
# X-Session, X-Signature…): a name holding one of these words is masked too. Masking
# a harmless header (Idempotency-Key) costs nothing; showing a secret costs a lot.
_SENSITIVE_WORDS: Final = re.compile(
    r"auth|token|secret|key|cookie|passw|session|credential|signature|bearer|jwt"
)
REDACTED: Final = "***"


@lru_cache(maxsize=256)
def is_sensitive_header(name: str) -> bool:
    """Whether header ``name`` (any case) may hold a credential."""
    lowered = name.lower()
    return lowered in SENSITIVE_HEADERS or _SENSITIVE_WORDS.search(lowered) is not None


def redact_headers(headers: Headers) -> Headers:
    """``headers`` with every credential replaced by ``***``, for logs and reprs."""
    return tuple(
        (name, REDACTED if is_sensitive_header(name) else value) for name, value in headers
    )


# RFC 9110 §5.1 and §5.5: a name is a token; a value is visible ASCII, spaces, tabs and
# obs-text (the rest of latin-1), which is all HTTP/1.1 can carry. CR and LF would
# split the request (header injection), NUL and other controls are refused by servers
# and HTTP libraries (each with its own exception, some echoing the value).
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE: Final = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def is_header_value(value: str) -> bool:
    """Whether HTTP/1.1 can carry ``value`` as a header value as it is."""
    return _FIELD_VALUE.fullmatch(value) is not None


def check_header(name: object, value: object) -> None:
    """Refuse, with a ``CoviaUsageError`` that names the header but never shows its
    value (it may be a secret), a header that HTTP/1.1 cannot carry as it is."""
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        shown = ascii(name)[:60] if isinstance(name, str) else type(name).__name__
        raise CoviaUsageError(f"header name {shown} is not a valid HTTP header name")
    if not isinstance(value, str):
        raise CoviaUsageError(f"header {name} must have a str value, not {type(value).__name__}")
    if not is_header_value(value):
        raise CoviaUsageError(
            f"header {name} has a value HTTP cannot carry (control characters such as "
            "CR, LF or NUL, or characters beyond latin-1); the value is not shown"
        )


def check_headers(headers: Iterable[tuple[str, str]]) -> None:
    """``check_header`` for each pair."""
    for name, value in headers:
        check_header(name, value)


def _body_repr(body: bytes) -> str:
    return f"<{len(body)} bytes>"


def _headers_repr(headers: Headers) -> str:
    return repr(redact_headers(headers))


def make_headers(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple((str(name), str(value)) for name, value in items)


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


EVENT_STREAM: Final = "text/event-stream"


def media_type(headers: Headers) -> str:
    """The ``Content-Type`` without its parameters, in lower case ("" if none)."""
    return (header_value(headers, "content-type") or "").split(";")[0].strip().lower()


def is_event_stream(headers: Headers) -> bool:
    """Whether a response with ``headers`` is a stream of server-sent events."""
    return media_type(headers) == EVENT_STREAM


@attrs.frozen
class Request:
    """An HTTP request as the core builds it.

    ``url`` is an absolute URL; ``idempotent`` says whether re-sending the request
    after a failure that may have reached the venue is safe (retry flows read it).
    """

    method: str
    url: str
    headers: Headers = attrs.field(default=(), repr=_headers_repr)
    body: bytes = attrs.field(default=b"", repr=_body_repr)
    idempotent: bool = attrs.field()
    # What errors name the request by: made once, as drivers and flows read it often.
    info: RequestInfo = attrs.field(init=False, eq=False, repr=False)

    @idempotent.default
    def _idempotent_by_method(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    @info.default
    def _info(self) -> RequestInfo:
        return RequestInfo(self.method, self.url)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@attrs.frozen
class ResponseHead:
    """Status and headers of a response whose body is still to be read."""

    status: int
    headers: Headers = attrs.field(default=(), repr=_headers_repr)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@attrs.frozen
class Response:
    """A complete HTTP response."""

    status: int
    headers: Headers = attrs.field(default=(), repr=_headers_repr)
    # A body may carry a token (an OAuth callback's): its size is all a repr shows.
    body: bytes = attrs.field(default=b"", repr=_body_repr)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def head(self) -> ResponseHead:
        return ResponseHead(self.status, self.headers)
