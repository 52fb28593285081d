"""Reading responses: errors in every shape a venue or a proxy sends, and JSON bodies."""

from __future__ import annotations

import html
import http
import json
import json.scanner
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar

from covia_proto import _fast_json
from covia_proto._httpdate import parse_http_date
from covia_proto.converter import structure
from covia_proto.errors import (
    AssetNotFoundError,
    AuthenticationError,
    GridError,
    JobNotFoundError,
    NotFoundError,
    RateLimitError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.http import Response, ResponseHead
from covia_proto.limits import json_cost_exceeds, json_depth_exceeds, limits_in_force

__all__ = [
    "AUTHENTICATION_HELP",
    "ErrorContext",
    "as_page",
    "check",
    "error_for",
    "error_message",
    "expect_empty",
    "is_missing_route",
    "parse_json",
    "parse_model",
    "parse_retry_after",
    "unexpected_status",
]

T = TypeVar("T")

# Said with every 401: only an Ed25519 identity authenticates to a venue (§2A).
AUTHENTICATION_HELP: Final = (
    "authentication failed. Supply an Ed25519 identity: "
    "Grid.connect(..., auth=Ed25519Auth.load(path)) (or Ed25519Auth.generate()); "
    "on the command line --key FILE or COVIA_KEY=FILE (make one with 'covia key new')"
)

# How much of a non-JSON error body (plain text, an HTML page) goes into a message.
_MESSAGE_LIMIT: Final = 300
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class ErrorContext:
    """What a 404 means for the request that got it: ``asset`` or ``job`` (with the id
    asked for), or nothing in particular."""

    __slots__ = ("kind", "resource_id")

    def __init__(self, kind: str | None = None, resource_id: str = "") -> None:
        self.kind = kind
        self.resource_id = resource_id

    @classmethod
    def asset(cls, asset_id: str) -> ErrorContext:
        return cls("asset", asset_id)

    @classmethod
    def job(cls, job_id: str) -> ErrorContext:
        return cls("job", job_id)


_NO_CONTEXT: Final = ErrorContext()


def _shorten(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def error_message(status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> str:
    """The venue's explanation of an error, whatever the body's shape.

    JSON ``{"error": "..."}`` (also ``{"error": {"message": ...}}`` and ``{"message":
    ...}``) gives its message; a JSON string gives itself; an HTML page (a proxy's) gives
    its title or its text; plain text gives itself; an empty body the status phrase.
    """
    text = body.decode("utf-8", "replace").strip()
    if text[:1] in ("{", '"'):
        try:
            too_deep = json_depth_exceeds(body, limits_in_force().max_json_depth)
            data = None if too_deep else json.loads(text)
        except (ValueError, RecursionError):
            data = None
        found = _message_in(data)
        if found:
            return _shorten(found)
    content_type = (ResponseHead(status, headers).header("content-type") or "").lower()
    if "html" in content_type or text[:1] == "<":
        title = _TITLE.search(body)
        raw = title.group(1).decode("utf-8", "replace") if title else _TAGS.sub(" ", text)
        text = html.unescape(raw)
    text = _shorten(text)
    if text:
        return text
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _message_in(data: Any) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict):
                nested = _message_in(value)
                if nested:
                    return nested
    return None


def parse_retry_after(head: ResponseHead) -> float | None:
    """``Retry-After`` in seconds: delta-seconds, or an HTTP date measured against the
    response's own ``Date`` header (the core has no clock of its own)."""
    value = head.header("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    when = _http_date(value)
    now = _http_date(head.header("date"))
    if when is None or now is None:
        return None
    return max(0.0, when - now)


def _http_date(value: str | None) -> float | None:
    return parse_http_date(value) if value else None


def error_for(
    response: Response | ResponseHead,
    body: bytes = b"",
    *,
    request: RequestInfo | None = None,
    context: ErrorContext = _NO_CONTEXT,
) -> GridError:
    """The exception for an error response (status >= 400)."""
    status, headers = response.status, response.headers
    if isinstance(response, Response):
        body = response.body
    message = error_message(status, headers, body)
    common: dict[str, Any] = {"body": body, "headers": headers, "request": request}
    if status == 404:
        if context.kind == "asset" and not is_missing_route(message):
            return AssetNotFoundError(status, message, asset_id=context.resource_id, **common)
        if context.kind == "job" and not is_missing_route(message):
            return JobNotFoundError(status, message, job_id=context.resource_id, **common)
        return NotFoundError(status, message, **common)
    if status == 429:
        retry = parse_retry_after(ResponseHead(status, headers))
        return RateLimitError(status, message, retry_after=retry, **common)
    if status == 401:
        return AuthenticationError(status, f"{message}: {AUTHENTICATION_HELP}", **common)
    return GridError(status, message, **common)


def is_missing_route(message_or_error: str | GridError) -> bool:
    """Whether a 404 says the route itself does not exist (an older venue), rather than
    the thing asked for: ``{"error": "Endpoint POST /api/v1/run not found"}``."""
    if isinstance(message_or_error, GridError):
        if message_or_error.status_code not in (404, 405, 501):
            return False
        if message_or_error.status_code != 404:
            return True
        message_or_error = message_or_error.message
    return message_or_error.startswith("Endpoint ") and message_or_error.endswith(" not found")


def check(
    response: Response,
    *,
    request: RequestInfo | None = None,
    context: ErrorContext = _NO_CONTEXT,
) -> Response:
    """``response`` if its status is a success, else raise its ``GridError``."""
    if response.status >= 400:
        raise error_for(response, request=request, context=context)
    if response.status < 200 or response.status >= 300:
        raise unexpected_status(response.head, request=request)
    return response


def unexpected_status(
    head: ResponseHead, *, request: RequestInfo | None = None
) -> VenueProtocolError:
    """The error for an answer that is neither a success nor an error. Above all a
    redirect: no driver follows one (it would carry credentials, custom headers and
    request bodies to wherever it points), so the caller is told where it pointed."""
    if 300 <= head.status < 400:
        location = head.header("location")
        where = f" to {_shorten(location)}" if location else ""
        return VenueProtocolError(
            f"unexpected HTTP status {head.status}: a redirect{where}, which the SDK "
            "does not follow",
            request=request,
        )
    return VenueProtocolError(f"unexpected HTTP status {head.status}", request=request)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# Made once: ``json.loads`` with any option builds a new decoder on every call.
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)
# Its scanner, called directly: ``JSONDecoder.decode`` wraps it in two regex matches
# and two Python calls, a fifth of the time of parsing a small document.
_SCAN: Final = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]  # (typeshed)
_JSON_SPACE: Final = " \t\n\r"


def parse_json(
    body: bytes,
    *,
    request: RequestInfo | None = None,
    what: str = "body",
    max_depth: int | None = None,
) -> Any:
    """Strict JSON from a venue: UTF-8, no NaN/Infinity, no larger or denser than the
    ``max_json_size`` in force allows, arrays and objects nested no
    deeper than ``max_depth`` (by default the ``max_json_depth`` of the limits in force,
    see ``covia_proto.limits``); anything else is a ``VenueProtocolError`` that says
    what was wrong."""
    limits = limits_in_force()
    depth = limits.max_json_depth if max_depth is None else max_depth
    # Each level of a document opens and closes: one of at most twice ``depth`` bytes
    # cannot nest deeper, and is not scanned (a malformed one the decoder refuses).
    if len(body) > 2 * depth and json_depth_exceeds(body, depth):
        raise VenueProtocolError(
            f"{what} is JSON nested too deeply (max_json_depth is {depth})", request=request
        )
    costly = json_cost_exceeds(body, limits.max_json_size)  # before the text is decoded
    if costly is not None:
        raise VenueProtocolError(f"{what} is JSON {costly}", request=request)
    fast = _fast_json.decoder
    if fast is not None:
        try:
            return fast(body)  # it checks the UTF-8 itself
        except Exception:  # refused: the standard library decides, value or error
            pass
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VenueProtocolError(
            f"{what} is not valid UTF-8 (byte {exc.start})", request=request
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        # The scanner first; the decoder itself only for a text that begins with no
        # value (space first, or an error) or has more than space after it.
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:
            return _DECODER.decode(text)
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            return _DECODER.decode(text)  # raises: extra data
        return value
    except json.JSONDecodeError as exc:
        hint = "empty" if not text.strip() else f"malformed JSON ({exc.msg} at {exc.pos})"
        raise VenueProtocolError(f"{what} is {hint}", request=request) from None
    except ValueError as exc:
        raise VenueProtocolError(f"{what}: {exc}", request=request) from None
    except RecursionError:
        raise VenueProtocolError(f"{what} is JSON nested too deeply", request=request) from None


def parse_model(
    response: Response,
    cls: type[T],
    *,
    request: RequestInfo | None = None,
    context: ErrorContext = _NO_CONTEXT,
    prepare: Callable[[Any], Any] | None = None,
) -> T:
    """Check ``response`` and structure its JSON body as a ``cls``."""
    check(response, request=request, context=context)
    data = parse_json(response.body, request=request, what=f"{cls.__name__} document")
    try:
        if prepare is not None:
            data = prepare(data)
        return structure(data, cls)
    except VenueProtocolError as exc:
        raise VenueProtocolError(exc.message, request=request) from None


def as_page(data: Any) -> Any:
    """A listing's answer as a page ``{items, total, offset}``: a flat array (what 0.1
    venues and very old asset lists answer) becomes one; an object must carry its
    ``items``, so that another document (a job record, an error) answered in place of a
    page is refused rather than read as an empty listing."""
    if isinstance(data, list):
        return {"items": data, "total": len(data), "offset": 0}
    if isinstance(data, dict) and "items" not in data:
        raise VenueProtocolError("a page of a listing has no items")
    return data


def expect_empty(
    response: Response, *, request: RequestInfo | None = None, context: ErrorContext = _NO_CONTEXT
) -> None:
    """A success whose body carries nothing (job delete, secret delete)."""
    check(response, request=request, context=context)
