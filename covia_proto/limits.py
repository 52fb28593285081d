"""How much a venue may make the SDK hold: one ``Limits`` value per connection.

A venue on a federated grid may be broken or hostile. Whatever it sends, the SDK keeps
at most these amounts in memory, and a venue that exceeds one gets a
``VenueProtocolError`` that names the limit:

* ``max_body_size`` – a whole (not streamed) response body, in bytes: every JSON
  answer. Drivers stop reading past it (the ``Send`` effect carries it). Streamed
  content (``iter_asset_content``, ``download``) is not bounded: the caller consumes it
  chunk by chunk and decides when to stop.
* ``max_header_size`` – a response head, in bytes. The trio driver, and the sync
  driver on its own session, bound the whole head; aiohttp bounds each header line and
  field; the sync driver on a caller's own session (or through a proxy, or streaming an
  upload) goes through ``http.client``, whose fixed bounds (65,536 bytes a line, 100
  header lines) cannot be configured.
* ``max_event_line`` / ``max_event_size`` – a line of an event stream (bytes) and the
  data of one event (characters).
* ``max_json_size`` – a JSON document the venue sends (a body, an event's data), in
  bytes (16 MiB): smaller than ``max_body_size``, because parsing JSON costs far more
  memory than the text does. Beyond the size, the document's shape is checked before it
  is parsed (``json_cost_exceeds``): arrays and objects packed so densely that the parsed
  values would take more than ``JSON_MEMORY_FACTOR`` (16) times the text – a megabyte
  of ``{},{},…`` becomes some 25 MB of dicts – are refused too (the estimate errs
  high: an array of one-digit numbers or one-letter strings is refused although
  CPython shares those values). Parsing a document therefore never holds more than 16
  times its size, or 2 MB for one under 64 KiB (measured in
  ``benchmarks/json_memory.py``).
* ``max_json_depth`` – how deeply arrays and objects may nest in any JSON the venue
  sends (bodies and event data). Not lower: a job record nests its whole history in
  ``prev``, one level per transition (venue-api.md §4.1), so a long-lived job's record
  is hundreds of levels deep. Not higher: Python's own JSON parser gives up near the
  interpreter's recursion limit (1000 frames, less whatever the caller's stack holds);
  below that, the outcome for a deep document does not depend on the call stack.

``Grid.connect(..., limits=Limits(max_body_size=...))`` sets them for a connection;
flows read them from ``VenueContext.limits``. Parsers of single responses
(``Call.parse``) see them through ``limits_in_force()``: ``Call.parse`` installs the
connection's limits while its parser runs, so no parser signature has to carry them.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Final

import attrs

from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError

__all__ = [
    "DEFAULT_LIMITS",
    "JSON_MEMORY_FACTOR",
    "SHAPE_CHECKED_FROM",
    "BoundedBody",
    "Limits",
    "applied_limits",
    "body_too_large",
    "declared_too_large",
    "json_cost_exceeds",
    "json_depth_exceeds",
    "limits_in_force",
]


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CoviaUsageError(f"{attribute.name} must be a positive int, not {value!r}")


@attrs.frozen
class Limits:
    """The most a venue may make the SDK hold (see the module docs)."""

    max_body_size: int = attrs.field(default=64 << 20, validator=_positive_int)
    max_header_size: int = attrs.field(default=64 << 10, validator=_positive_int)
    max_event_line: int = attrs.field(default=1 << 20, validator=_positive_int)
    max_event_size: int = attrs.field(default=16 << 20, validator=_positive_int)
    max_json_depth: int = attrs.field(default=800, validator=_positive_int)
    max_json_size: int = attrs.field(default=16 << 20, validator=_positive_int)


DEFAULT_LIMITS: Final = Limits()

_in_force: Final = contextvars.ContextVar("covia_limits", default=DEFAULT_LIMITS)


def limits_in_force() -> Limits:
    """The limits a parser should apply: those installed by ``applied_limits`` (which
    ``Call.parse`` does), else ``DEFAULT_LIMITS``."""
    return _in_force.get()


@contextlib.contextmanager
def applied_limits(limits: Limits) -> Iterator[Limits]:
    """Make ``limits`` the ones in force for the duration of the block."""
    if not isinstance(limits, Limits):
        raise CoviaUsageError(f"limits must be a covia Limits, not {type(limits).__name__}")
    token = _in_force.set(limits)
    try:
        yield limits
    finally:
        _in_force.reset(token)


# Brackets inside a JSON string nest nothing. What tells where strings are is the
# quotes that are not escaped: once escaped backslashes and escaped quotes are gone,
# every quote left opens or closes a string. Working on bytes is safe for UTF-8, whose
# multi-byte sequences never contain an ASCII byte.
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP: Final = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth_exceeds(document: bytes | str, max_depth: int) -> bool:
    """Whether arrays and objects in the JSON ``document`` nest deeper than
    ``max_depth``. Cheap for what is common: a document with no more than
    ``max_depth`` opening brackets cannot be that deep, and is not walked at all."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    if len(data) <= max_depth or data.count(b"[") + data.count(b"{") <= max_depth:
        return False
    # Memory stays near the document's size: whole copies at most, never an object per
    # string for the whole document (a regex substitution made one, nine times its
    # size): the strings are cut out a slice at a time, the quote state carried over.
    kept = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    depth = deepest = 0
    inside = False
    for start in range(0, len(kept), _DEPTH_SLICE):
        pieces = kept[start : start + _DEPTH_SLICE].split(b'"')
        outside = b"".join(pieces[1 if inside else 0 :: 2])  # what lies outside strings
        inside ^= len(pieces) % 2 == 0  # an odd number of quotes in the slice
        steps = list(accumulate(map(_STEP.__getitem__, outside), initial=depth))
        deepest = max(deepest, *steps)
        depth = steps[-1]
    return deepest > max_depth


_DEPTH_SLICE: Final = 64 * 1024  # bytes of brackets and quotes scanned at a time

JSON_MEMORY_FACTOR: Final = 16
"""How many times its own size parsing a JSON document may take, by estimate."""

SHAPE_CHECKED_FROM: Final = 64 * 1024
"""The size below which ``json_cost_exceeds`` does not look at a document's shape: the
worst shape (about 25 times the text) costs under 2 MB at this size, and the common
small answer is spared four scans."""

# What parsing costs, per byte of text (the text itself, its strings) and per value,
# counted by what separates values: a pointer in its container and the value itself
# (a str, int or float object, or a dict entry), and more for a container. Calibrated
# with CPython 3.11 (benchmarks/json_memory.py): an upper bound for every shape there.
_PER_BYTE: Final = 2
_PER_VALUE: Final = 56
_PER_CONTAINER: Final = 72


def json_cost_exceeds(document: bytes | str, max_size: int) -> str | None:
    """Why the JSON ``document`` is not to be parsed, or None: longer than
    ``max_size``, or shaped so densely that its values would take more than
    ``JSON_MEMORY_FACTOR`` times its size. Counts characters only, in one pass each
    (brackets and separators inside strings count too, which only overestimates)."""
    size = len(document)
    if size > max_size:
        return f"longer than max_json_size ({max_size} bytes)"
    if size < SHAPE_CHECKED_FROM:
        return None
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    containers = data.count(b"[") + data.count(b"{")
    values = data.count(b",") + data.count(b":") + 1
    estimate = _PER_BYTE * size + _PER_VALUE * values + _PER_CONTAINER * containers
    if estimate > JSON_MEMORY_FACTOR * size:
        return (
            f"so densely packed ({values} values, {containers} arrays and objects in "
            f"{size} bytes) that parsing it would take over {JSON_MEMORY_FACTOR} times "
            "its size"
        )
    return None


def body_too_large(max_body: int, request: RequestInfo | None = None) -> VenueProtocolError:
    """What a driver raises when a response body passes ``Send.max_body``."""
    return VenueProtocolError(
        f"response body exceeds max_body_size ({max_body} bytes)", request=request
    )


class BoundedBody:
    """A ``Send`` response body collected chunk by chunk by a driver, refused
    (``body_too_large``) once it passes ``max_body`` bytes, or at once when ``headers``
    declare more: every driver bounds bodies the same way, through this."""

    __slots__ = ("_info", "_max", "_parts", "_size")

    def __init__(
        self,
        max_body: int | None,
        request: RequestInfo | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        if declared_too_large(headers, max_body):
            raise body_too_large(max_body or 0, request)
        self._max = max_body
        self._info = request
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._max is not None and self._size > self._max:
            raise body_too_large(self._max, self._info)
        self._parts.append(chunk)

    def bytes(self) -> bytes:
        return b"".join(self._parts)


def declared_too_large(headers: Iterable[tuple[str, str]], max_body: int | None) -> bool:
    """Whether a response head declares a body of more than ``max_body`` bytes (its
    ``Content-Length``, when no content coding makes that the encoded size), so a driver
    can refuse the body before reading any of it."""
    if max_body is None:
        return False
    content_length: str | None = None
    for name, value in headers:
        size = len(name)  # compared first: most names are neither, and lower() costs
        if size == 16 and name.lower() == "content-encoding":
            if value.strip().lower() != "identity":
                return False
        elif size == 14 and name.lower() == "content-length" and content_length is None:
            content_length = value
    if content_length is None:
        return False
    text = content_length.strip()
    if not (text.isascii() and text.isdigit()):
        return False
    digits = text.lstrip("0")
    return len(digits) > len(str(max_body)) or int(digits or "0") > max_body
