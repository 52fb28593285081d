"""How the simulated venue writes its answers: compact JSON, content types, CORS headers,
and the small request-reading rules the real server applies (venue-api.md §0, §2).

Written independently of the SDK's own parsers and models on purpose, so the SDK is
tested against a second implementation of the contract rather than against itself.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import IO, Any, Final
from urllib.parse import urlsplit

from covia_proto.http import Headers, Request, Response

__all__ = [
    "A2A_TYPE",
    "BARE_JSON_TYPE",
    "CORS_HEADERS",
    "ERROR_TYPE",
    "JSON_TYPE",
    "TEXT_TYPE",
    "BadJson",
    "TooLongNumber",
    "dumps",
    "empty_response",
    "external_base",
    "fix_surrogates",
    "json_error",
    "json_response",
    "parse_hex",
    "parse_java_int",
    "parse_json",
    "read_all",
    "text_response",
    "unexpected",
]

# Exactly as the venue spells them (measured): Javalin's ``ctx.json`` on success; the
# bare type on errors, and on what the MCP library writes.
JSON_TYPE: Final = "application/json;charset=utf-8"
BARE_JSON_TYPE: Final = "application/json"
ERROR_TYPE: Final = BARE_JSON_TYPE
A2A_TYPE: Final = "application/a2a+json; charset=utf-8"
# Javalin's default content type for anything a handler does not type explicitly (§2.2).
TEXT_TYPE: Final = "text/plain"

CORS_HEADERS: Final[Headers] = (
    ("access-control-allow-origin", "*"),
    ("access-control-allow-private-network", "true"),
)

READ_CHUNK: Final = 65_536

_HEX: Final = re.compile(r"(?:0[xX])?((?:[0-9a-fA-F]{2})*)")
_JAVA_INT: Final = re.compile(r"[+-]?[0-9]+")


def dumps(value: Any) -> bytes:
    """The venue's JSON: compact, UTF-8, one line (newlines in strings are escaped)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _head(content_type: str | None, extra: Iterable[tuple[str, str]]) -> Headers:
    typed = (("Content-Type", content_type),) if content_type else ()
    return CORS_HEADERS + typed + tuple(extra)


def json_response(
    status: int,
    value: Any,
    extra: Iterable[tuple[str, str]] = (),
    *,
    content_type: str = JSON_TYPE,
) -> Response:
    return Response(status, _head(content_type, extra), dumps(value))


def json_error(status: int, message: str, extra: Iterable[tuple[str, str]] = ()) -> Response:
    return json_response(status, {"error": message}, extra, content_type=ERROR_TYPE)


def text_response(status: int, text: str, extra: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(status, _head(TEXT_TYPE, extra), text.encode())


def unexpected(kind: str, detail: object) -> Response:
    """An uncaught server exception: Javalin's plain-text 500 (§2.1)."""
    return text_response(500, f"Unexpected error: {kind}: {detail}")


def empty_response(
    status: int, extra: Iterable[tuple[str, str]] = (), *, content_type: str | None = TEXT_TYPE
) -> Response:
    return Response(status, _head(content_type, extra), b"")


class BadJson(ValueError):
    """A request body that is not strict JSON; the handlers turn it into the venue's
    plain-text 500 or JSON 400, as each route does."""


class TooLongNumber(BadJson):
    """A fractional number literal of 19 characters or more, which the venue's JSON
    readers fail on with a ``NumberFormatException`` (a 500), e.g. Python's repr of
    ``0.1 + 0.2`` (measured)."""

    def __init__(self, literal: str) -> None:
        super().__init__(f'For input string: "{literal}"')
        self.literal = literal


LONGEST_NUMBER: Final = 18  # characters of a fractional literal the venue still reads

_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_PAIR: Final = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def fix_surrogates(text: str) -> str:
    """Pairs of surrogate escapes joined into their character, lone ones read as
    ``?``, as the venue's readers do (measured)."""
    joined = _SURROGATE_PAIR.sub(
        lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text
    )
    return _LONE_SURROGATE.sub("?", joined)


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return fix_surrogates(value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {fix_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _reject_constant(name: str) -> Any:
    raise BadJson(f"invalid JSON literal {name}")


def parse_json(data: bytes) -> Any:
    """Strict JSON, as the venue reads asset metadata (invoke, job message and secret
    bodies are JSON5: ``json5.parse_json5``)."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except BadJson:
        raise
    # ValueError covers decode errors and integers too long to convert; RecursionError
    # very deep nesting. Both are the client's malformed JSON, not a simulator failure.
    except (ValueError, RecursionError) as exc:
        raise BadJson(str(exc)) from exc
    # json.loads leaves lone surrogates from escapes in place; no answer could encode them.
    return _without_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


def _finite(text: str) -> float:
    """A JSON number that overflows a double (``1e999``) is refused, so no answer can
    carry a non-JSON ``Infinity``."""
    if len(text) > LONGEST_NUMBER:
        raise TooLongNumber(text)
    value = float(text)
    if math.isinf(value):
        raise BadJson(f"number out of range: {text}")
    return value


def parse_hex(text: str) -> str | None:
    """``text`` as lower-case bare hex if it is even-length hex (``0x`` optional)."""
    match = _HEX.fullmatch(text)
    if match is None or not match.group(1):
        return None
    return match.group(1).lower()


def parse_java_int(text: str) -> int | None:
    """An integer as Java's ``Integer.parseInt`` reads it (sign allowed, no spaces)."""
    if not _JAVA_INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def read_all(body: IO[bytes]) -> bytes:
    """A small JSON body read whole, chunk by chunk."""
    parts = []
    while chunk := body.read(READ_CHUNK):
        parts.append(chunk)
    return b"".join(parts)


def _default_port(scheme: str) -> str:
    return "443" if scheme == "https" else "80"


def external_base(request: Request, base_path: str = "", *, with_extras: bool = True) -> str:
    """The venue's external base URL as ``getExternalBaseUrl`` builds it (§6.4).

    The prefix is appended *after* ``base_path``, reproducing the server's bug. With
    ``with_extras=False`` port and prefix are ignored, as the MCP discovery does (§3.9).
    """
    url = urlsplit(request.url)
    scheme = request.header("X-Forwarded-Proto") or url.scheme or "http"
    host = request.header("X-Forwarded-Host") or request.header("Host") or url.netloc
    port = request.header("X-Forwarded-Port")
    if with_extras and port and ":" not in host and port != _default_port(scheme):
        host = f"{host}:{port}"
    prefix = request.header("X-Forwarded-Prefix") if with_extras else None
    tail = "/" + prefix.strip("/") if prefix and prefix.strip("/") else ""
    return f"{scheme}://{host}{base_path}{tail}"
