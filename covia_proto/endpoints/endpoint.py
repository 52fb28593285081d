"""Building requests: where a venue lives, how to reach it, and how paths are encoded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote, urlencode

import attrs

from covia_proto._version import __version__
from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth
from covia_proto.errors import CoviaUsageError
from covia_proto.hexid import parse_hex
from covia_proto.http import Headers, Request, check_header, check_headers, redact_headers

__all__ = [
    "API_ROOT",
    "DEFAULT_USER_AGENT",
    "JSON",
    "Endpoint",
    "encode_json",
    "hex_segment",
    "segment",
]

API_ROOT: Final = "/api/v1"
DEFAULT_USER_AGENT: Final = f"covia-python/{__version__}"
JSON: Final = "application/json"

# Characters left as they are in a path segment. Everything else is percent-encoded:
# "/" above all (an operation name such as "v/test/ops/echo" is ONE segment, §2.4), and
# ";" (Jetty reads it as a path parameter) and "%" (so "did:web:h%3A1" survives).
_SEGMENT_SAFE: Final = ":@!$&'()*,="


def segment(value: str) -> str:
    """``value`` percent-encoded as a single path segment."""
    if not isinstance(value, str):
        raise CoviaUsageError(f"a path segment must be a string, not {type(value).__name__}")
    if not value:
        raise CoviaUsageError("an empty string cannot name a venue resource")
    if value in (".", ".."):
        # Sent as they are, URL libraries and proxies would resolve them as "this" or
        # "the parent" segment and hit another route.
        return value.replace(".", "%2E")
    try:
        return quote(value, safe=_SEGMENT_SAFE)
    except UnicodeEncodeError:  # a lone surrogate: no URL can carry it
        raise CoviaUsageError("a path segment cannot hold a lone surrogate") from None


def hex_segment(value: str, what: str) -> str:
    """A job or asset id as a path segment: hex ids are sent as lower-case bare hex;
    other references (DID URLs, lattice paths of newer venues) are encoded as given."""
    if not isinstance(value, str):
        raise CoviaUsageError(f"a {what} must be a string, not {type(value).__name__}")
    text = value.strip()
    return segment(parse_hex(text) or text)


# Made once: ``json.dumps`` with any option builds a new encoder on every call.
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, refusing what the venue could not read back (NaN, sets…)."""
    try:
        return _ENCODER.encode(value).encode()
    except (TypeError, ValueError) as exc:
        raise CoviaUsageError(f"value cannot be sent as JSON: {exc}") from None


def _without_trailing_slash(url: str) -> str:
    return str(url).rstrip("/")


# Schemes whose credentials never change (a subclass may: it is asked every time).
_STATIC_AUTH: Final = (NoAuth, BearerAuth, BasicAuth)


@attrs.frozen
class Endpoint:
    """Where requests go and what every request carries.

    ``base_url`` is the venue's origin plus any path prefix, without ``/api/v1``.
    ``headers`` are the caller's own extra headers; ``auth`` adds credentials.
    """

    base_url: str = attrs.field(converter=_without_trailing_slash)
    auth: Auth = attrs.field(factory=NoAuth)
    # The caller's headers may hold credentials of their own: never shown in a repr.
    headers: Headers = attrs.field(default=(), repr=lambda h: repr(redact_headers(h)))
    user_agent: str = DEFAULT_USER_AGENT
    # The credential headers of a scheme known to write the same ones every time, made
    # once: most requests then need no merging at all (None: ask the scheme each time).
    _credentials: Headers | None = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # Refused here, when the venue is opened, rather than by whichever HTTP library
        # sends the first request (each with its own exception, some showing the value).
        check_headers(self.headers)
        check_header("User-Agent", self.user_agent)
        credentials = None
        if type(self.auth) in _STATIC_AUTH:
            written: dict[str, str] = {}
            self.auth.apply(written)
            credentials = tuple(written.items())
            check_headers(credentials)
        object.__setattr__(self, "_credentials", credentials)

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of ``path`` (already encoded) with an optional query."""
        url = self.base_url + path
        if query:
            pairs = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if pairs:
                url += "?" + urlencode(pairs)
        return url

    def api_url(self, *segments: str, query: Mapping[str, Any] | None = None) -> str:
        """An API URL from already-encoded path segments."""
        return self.url(API_ROOT + "/" + "/".join(segments), query)

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = attrs.NOTHING,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str = JSON,
        accept_encoding: str | None = None,
        idempotent: bool | None = None,
        extra_headers: Iterable[tuple[str, str]] = (),
    ) -> Request:
        """A request with the SDK's headers, the caller's headers and credentials.
        ``accept_encoding``, if given, is sent unless the caller's headers name one
        (otherwise each driver sends its library's default)."""
        if json_body is not attrs.NOTHING:
            body = encode_json(json_body)
            content_type = content_type or JSON
        if self._credentials is not None and not self.headers and not extra_headers:
            fixed: list[tuple[str, str]] = [("User-Agent", self.user_agent), ("Accept", accept)]
            if accept_encoding is not None:
                fixed.append(("Accept-Encoding", accept_encoding))
            if content_type is not None:
                if content_type is not JSON:  # a caller's, for an upload
                    check_header("Content-Type", content_type)
                fixed.append(("Content-Type", content_type))
            fixed.extend(self._credentials)
            return _request(method, url, tuple(fixed), body, idempotent)
        headers: dict[str, tuple[str, str]] = {}
        _put(headers, {"User-Agent": self.user_agent, "Accept": accept}.items())
        if accept_encoding is not None:
            _put(headers, [("Accept-Encoding", accept_encoding)])
        if content_type is not None:
            _put(headers, [("Content-Type", content_type)])
        # The caller's headers may override the SDK's defaults (names compare without
        # case); credentials come last, so a stray "Authorization" in headers= cannot
        # silently replace the auth= scheme.
        _put(headers, self.headers)
        _put(headers, extra_headers)
        # Auth schemes see the finished headers (a signing scheme may need them).
        before = dict(headers.values())
        final = dict(before)
        self.auth.apply(final)
        # What the scheme wrote replaces a caller's header of the same name in any case
        # ("authorization" in headers= must not travel beside the scheme's own).
        written = {k.lower() for k, v in final.items() if before.get(k) != v}
        pairs = tuple(
            (k, v) for k, v in final.items() if k.lower() not in written or before.get(k) != v
        )
        # What a custom scheme wrote, and values taken from elsewhere (a venue's event
        # id as Last-Event-ID), are checked as they go out.
        check_headers(pairs)
        return _request(method, url, pairs, body, idempotent)


def _request(
    method: str, url: str, headers: Headers, body: bytes | None, idempotent: bool | None
) -> Request:
    if idempotent is None:
        return Request(method, url, headers, body or b"")
    return Request(method, url, headers, body or b"", idempotent=idempotent)


def _put(headers: dict[str, tuple[str, str]], pairs: Iterable[tuple[str, str]]) -> None:
    for name, value in pairs:
        headers[name.lower()] = (name, value)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
