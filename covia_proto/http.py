"""Plain values for HTTP requests and responses: what the core hands to a driver and
what a driver hands back. No adapter type ever appears here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from covia_proto.errors import RequestInfo

__all__ = [
    "Headers",
    "Request",
    "Response",
    "ResponseHead",
    "header_value",
    "make_headers",
    "redact_headers",
]

Headers = tuple[tuple[str, str], ...]
"""Header pairs in order; names keep the case they were given."""

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# Headers whose values are credentials: shown as "***" wherever headers are printed.
SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
REDACTED: Final = "***"


def redact_headers(headers: Headers) -> Headers:
    """``headers`` with every credential replaced by ``***``, for logs and reprs."""
    return tuple(
        (name, REDACTED if name.lower() in SENSITIVE_HEADERS else value) for name, value in headers
    )


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
