"""An incremental parser of Server-Sent Events (``text/event-stream``).

It follows the WHATWG HTML standard, "Interpreting an event stream"
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):

* the stream is UTF-8; one leading byte order mark is dropped and invalid bytes become
  U+FFFD, so no byte sequence can make decoding fail;
* lines end with CRLF, LF or CR, wherever the chunks happen to be split;
* a blank line dispatches the event; ``:`` starts a comment; a line without a colon is a
  field with an empty value; one space after the colon is dropped;
* ``event``, ``data``, ``id`` and ``retry`` are understood, other fields ignored;
* an ``id`` that HTTP cannot carry back as ``Last-Event-ID`` (NUL, as the standard
  says, and also other control characters or characters beyond latin-1) is ignored;
* an event with no ``data`` line is not dispatched (its type is forgotten);
* an incomplete event (or line) at the end of the stream is discarded.

The parser is sans-IO: the driver feeds it bytes with :meth:`SSEParser.receive_data`
and pulls events with :meth:`SSEParser.next_event`. The result never depends on how the
bytes were split. A venue that sends an over-long line or event gets a
``VenueProtocolError`` instead of unbounded buffering; after any such error the parser
refuses further input.
"""

from __future__ import annotations

import enum
import json as _json
from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat
from json.scanner import make_scanner
from typing import Any, Final, NoReturn, TypeAlias

import attrs

from covia_proto import _fast_json
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.http import is_header_value
from covia_proto.limits import (
    SHAPE_CHECKED_FROM,
    Limits,
    json_cost_exceeds,
    json_depth_exceeds,
    limits_in_force,
)

__all__ = [
    "UNDECODED",
    "SSEParser",
    "ServerSentEvent",
    "decode_data",
    "decode_shared",
    "decode_shared_all",
]

_BOM: Final = b"\xef\xbb\xbf"

_UNIFORM_FROM: Final = 2048
"""Characters of whole lines from which ``SSEParser._cut_uniform`` is tried: below it
(an event or two a read) the block-by-block loop is as quick."""

# The standard allows any run of digits. Browsers keep the reconnection time in a 64-bit
# integer, and int() refuses strings over 4300 digits, so bigger values are ignored.
_MAX_RETRY: Final = (1 << 63) - 1
_MAX_RETRY_DIGITS: Final = len(str(_MAX_RETRY))


@attrs.frozen
class ServerSentEvent:
    """One dispatched event.

    ``id`` is the last event ID in force when the event was dispatched (it persists
    across events, as in the standard), or None if the stream never set one. ``retry``
    is a reconnection time in milliseconds given in this event's own block, else None.
    """

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None
    # ``data`` as the SDK already decoded it (see ``decode_shared``), with the limits it
    # was decoded under; None when there is none to hand over.
    _decoded: tuple[Any, Limits] | None = attrs.field(
        default=None, init=False, eq=False, repr=False
    )

    def json(self, *, max_depth: int | None = None) -> Any:
        """``data`` parsed as JSON, nested no deeper than ``max_depth`` (by default the
        limits in force, see ``covia_proto.limits``); anything else is the venue's fault.

        Every call returns a value of its own, so changing one changes no other; the
        first call may take the value the SDK decoded while following a job, instead of
        decoding again."""
        limits = limits_in_force()
        decoded = self._decoded
        if decoded is not None:
            _set_decoded(self, None)  # handed over once only
            value, checked = decoded
            # Decoded under limits at least as strict: it passes these too.
            if (checked is limits and max_depth is None) or (
                checked.max_json_depth
                <= (limits.max_json_depth if max_depth is None else max_depth)
                and checked.max_json_size <= limits.max_json_size
            ):
                return value
        depth = limits.max_json_depth if max_depth is None else max_depth
        return self._parse(depth, limits.max_json_size)

    def _parse(self, depth: int, max_size: int) -> Any:
        data = self.data
        size = len(data)
        if size >= _unchecked_below(depth, max_size):
            self._check(data, depth, max_size)
        fast = _fast_json.decoder
        if fast is not None:
            try:
                return fast(data)
            except Exception:  # refused: the standard library decides, value or error
                pass
        try:
            return _decode(data)
        except (ValueError, RecursionError) as exc:
            where = f" (id {self.id!r})" if self.id else ""
            raise VenueProtocolError(
                f"event {self.event!r}{where} does not carry valid JSON: {exc}"
            ) from None

    def _check(self, data: str, depth: int, max_size: int) -> None:
        # Counting brackets in the text is json_depth_exceeds's own first test, done here
        # without encoding the text first: most records have few, and are not walked.
        deep = data.count("[") + data.count("{") > depth and json_depth_exceeds(data, depth)
        costly = None if deep else json_cost_exceeds(data, max_size)
        if deep or costly is not None:
            where = f" (id {self.id!r})" if self.id else ""
            if deep:
                raise VenueProtocolError(
                    f"event {self.event!r}{where} carries JSON nested too deeply "
                    f"(max_json_depth is {depth})"
                )
            raise VenueProtocolError(f"event {self.event!r}{where} carries JSON {costly}")


def _unchecked_below(depth: int, max_size: int) -> int:
    """The size under which event data needs none of ``ServerSentEvent._check``'s looks:
    a text of n characters nests at most n/2 deep, one within ``max_size`` is not too
    long, and the shape of one under ``SHAPE_CHECKED_FROM`` is not checked. Most records
    are this small."""
    return min(2 * depth + 1, max_size + 1, SHAPE_CHECKED_FROM)


# ``_decoded`` set through its slot: what ``object.__setattr__`` does, without its lookup.
_set_decoded: Final = ServerSentEvent.__dict__["_decoded"].__set__


_EventMaker: TypeAlias = Callable[[str, str, str | None], ServerSentEvent]
_EventsMaker: TypeAlias = Callable[[str, list[str], str | None], list[ServerSentEvent]]


def _new_event_makers() -> tuple[_EventMaker, _EventsMaker]:
    """``make(event, data, id)``: a ``ServerSentEvent`` with no retry, as the parser
    makes one for every event of a stream; ``make_all(event, datas, id)``: one such
    event for each of ``datas``. They fill the slots directly: the frozen class's
    ``__init__`` goes through ``object.__setattr__`` for each field, which was a third
    of the parser's time per event. ``make_all`` fills each slot of all the events in
    one ``map``, run in C, where calling ``make`` for each took a quarter longer.
    ``tests/proto/test_sse.py`` holds them equal to the class's own ``__init__``."""
    slots = ServerSentEvent.__dict__
    set_event, set_data, set_id, set_retry = (
        slots[name].__set__ for name in ("event", "data", "id", "retry")
    )
    new = object.__new__

    def make(event: str, data: str, id: str | None) -> ServerSentEvent:
        made: ServerSentEvent = new(ServerSentEvent)
        set_event(made, event)
        set_data(made, data)
        set_id(made, id)
        set_retry(made, None)
        _set_decoded(made, None)
        return made

    def make_all(event: str, datas: list[str], id: str | None) -> list[ServerSentEvent]:
        made: list[ServerSentEvent] = list(map(new, repeat(ServerSentEvent, len(datas))))
        _exhaust(map(set_event, made, repeat(event)))
        _exhaust(map(set_data, made, datas))
        _exhaust(map(set_id, made, repeat(id)))
        _exhaust(map(set_retry, made, repeat(None)))
        _exhaust(map(_set_decoded, made, repeat(None)))
        return made

    return make, make_all


# Runs an iterator to its end, keeping nothing.
_exhaust: Final[Callable[[Iterable[object]], None]] = deque[object](maxlen=0).extend
_make_event, _make_events = _new_event_makers()


# json.loads's own scanner, called directly: a record that starts with its value and
# ends with it (as a venue sends it) is parsed without json.loads's layers around it
# (type checks, two whitespace scans); anything else goes to json.loads, which gives
# the same value, or the same error.
_scan: Final = make_scanner(_json.JSONDecoder())  # type: ignore[arg-type]  # typeshed: a class


def _decode(text: str) -> Any:
    if text and text[0] in _VALUE_STARTS:
        try:
            value, end = _scan(text, 0)
        except StopIteration:
            pass
        else:
            if end == len(text):
                return value
    return _json.loads(text)


# What a JSON value can start with, whitespace (and a byte order mark) excluded.
_VALUE_STARTS: Final = frozenset('{["-0123456789tfnNI')


def decode_shared(event: ServerSentEvent, limits: Limits) -> Any:
    """``event.data`` parsed as JSON under ``limits``, for the SDK to look at before it
    hands the event to the user, whose first ``json()`` then takes this same value:
    each event is decoded once. The SDK must only read it (it becomes the user's)."""
    value = event._parse(limits.max_json_depth, limits.max_json_size)
    _set_decoded(event, (value, limits))
    return value


class _Undecoded(enum.Enum):
    UNDECODED = "not decoded by decode_shared_all: decode_shared says why"


UNDECODED: Final = _Undecoded.UNDECODED


def decode_shared_all(
    events: list[ServerSentEvent], limits: Limits, kind: str
) -> list[Any | _Undecoded]:
    """``decode_shared`` for each of ``events`` whose type is ``kind``, in one loop: a
    stream gives many events at once, and a call or two for each was a tenth of the
    time of following a job. ``UNDECODED`` stands for an event of another type, and
    for one whose data is not plainly within ``limits`` or not valid JSON: never an
    error here, so that only the events taken raise (``decode_shared`` for them)."""
    depth, max_size = limits.max_json_depth, limits.max_json_size
    quick = _unchecked_below(depth, max_size)
    fast = _fast_json.decoder or _decode
    values: list[Any | _Undecoded] = []
    for event in events:
        value: Any = UNDECODED
        if event.event == kind:
            data = event.data
            if len(data) < quick:
                try:
                    value = fast(data)
                except Exception:  # the stdlib and decode_shared decide, if it is taken
                    value = UNDECODED
                else:
                    _set_decoded(event, (value, limits))
        values.append(value)
    return values


def decode_data(event: ServerSentEvent, limits: Limits) -> Any:
    """``event.data`` parsed as JSON under ``limits``: a value of its own, whatever
    ``decode_shared`` left for the user."""
    return event._parse(limits.max_json_depth, limits.max_json_size)


class SSEParser:
    """Feed it bytes in any split, pull :class:`ServerSentEvent` values out.

    ``max_line_length`` bounds a line in bytes (without its line end);
    ``max_event_size`` bounds an event's ``data`` in characters. Exceeding either raises
    ``VenueProtocolError``.
    """

    def __init__(self, *, max_line_length: int = 1 << 20, max_event_size: int = 16 << 20) -> None:
        if max_line_length < 1 or max_event_size < 0:
            raise CoviaUsageError("SSE limits must be positive")
        self._max_line = max_line_length
        self._max_data = max_event_size
        self._ready: deque[ServerSentEvent] = deque()
        self._failure: str | None = None
        self._closed = False
        # Byte-level state: bytes of an unfinished line (never holding CR or LF), the
        # first bytes of the stream while they might still be a BOM, and whether a CR
        # ended the last chunk, so an LF starting the next one belongs to it.
        self._partial: list[bytes] = []
        self._partial_len = 0
        self._at_start = True
        self._head = b""
        self._skip_lf = False
        # The standard's buffers. The data buffer is kept as its lines; None stands for
        # an ID that was never set, which a dispatched event reports as id=None.
        self._data: list[str] = []
        self._data_size = 0
        self._event_type = ""
        self._id_buffer: str | None = None
        self._last_event_id: str | None = None
        self._block_retry: int | None = None
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The ID to send as ``Last-Event-ID`` when reconnecting ("" if none)."""
        return self._last_event_id or ""

    @property
    def retry(self) -> int | None:
        """The latest valid reconnection time (ms) the stream asked for, if any."""
        return self._retry

    def receive_data(self, data: bytes) -> None:
        """Feed the next bytes of the stream; complete events become available."""
        if self._failure is not None:
            raise VenueProtocolError(f"event stream already failed: {self._failure}")
        if not data:
            return
        if self._closed:
            self._fail("data after end of stream")
        if self._at_start:
            data = self._strip_bom(data)
        if self._skip_lf and data:
            self._skip_lf = False
            if data[0] == 0x0A:
                data = data[1:]
        if not data:
            return

        cr = data.rfind(b"\r")
        end = max(data.rfind(b"\n"), cr)
        if end < 0:
            self._keep_partial(data)
            return
        # Everything up to the last line end is whole lines; the rest waits.
        complete = data[: end + 1]
        if self._partial:
            self._partial.append(complete)
            complete = b"".join(self._partial)
            self._partial.clear()
            self._partial_len = 0
        rest = data[end + 1 :]
        if cr >= 0:
            self._skip_lf = not rest and cr == end
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # Only a block longer than the limit can hold a line that is.
        if len(complete) > self._max_line and any(
            len(line) > self._max_line for line in complete.split(b"\n")
        ):
            self._fail(f"line longer than {self._max_line} bytes")
        # Decoding a block of whole lines is safe: CR and LF never occur inside a UTF-8
        # sequence, so each line decodes exactly as it would within the whole stream.
        self._process_text(complete.decode("utf-8", "replace"))
        if rest:
            self._keep_partial(rest)

    def next_event(self) -> ServerSentEvent | None:
        """The next dispatched event, or None if no complete event is ready."""
        return self._ready.popleft() if self._ready else None

    def events(self) -> list[ServerSentEvent]:
        """Every dispatched event not yet taken, oldest first."""
        ready = list(self._ready)
        self._ready.clear()
        return ready

    def end_of_stream(self) -> bool:
        """The stream closed. An event not ended by a blank line is discarded, as the
        standard requires; events already dispatched can still be taken.

        Returns whether anything was discarded: a stream that ends mid-event was cut
        off, which a caller may want to tell from a stream that ended cleanly.
        """
        cut_off = bool(
            self._partial or self._data or self._event_type or self._block_retry is not None
        )
        self._closed = True
        self._partial.clear()
        self._partial_len = 0
        self._head = b""
        self._skip_lf = False
        self._data = []
        self._data_size = 0
        self._event_type = ""
        self._block_retry = None
        return cut_off

    def _fail(self, message: str) -> NoReturn:
        self._failure = message
        raise VenueProtocolError(f"malformed event stream: {message}")

    def _strip_bom(self, data: bytes) -> bytes:
        # The BOM may itself arrive split, so hold back a prefix of it until it is
        # decided; only the very start of the stream is examined.
        head = self._head + data
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head
            return b""
        self._at_start = False
        self._head = b""
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _keep_partial(self, data: bytes) -> None:
        self._partial_len += len(data)
        if self._partial_len > self._max_line:
            self._fail(f"line longer than {self._max_line} bytes")
        self._partial.append(data)

    def _process_text(self, text: str) -> None:
        """Whole lines of the stream (``text`` ends with a line end), a block of lines
        up to a blank one at a time.

        Most events are one ``data`` line, after an ``event`` line or not, and a blank
        line: such a block is cut out of the text where it stands, found by looking for
        single line ends (a fast search; looking for blank lines is a slow one). Any
        other block, one that continues an event the last text left open, and the
        lines after the last blank one go through ``_process`` line by line, which gives
        the same events, only slower."""
        ready, max_data = self._ready, self._max_data
        pos, size = 0, len(text)
        # Nothing of an event open: true after every block, which ends with a blank
        # line; at the start only if the last text ended an event.
        if self._data or self._event_type or self._block_retry is not None:
            pos = self._lines_to_blank(text, 0)
        if size - pos >= _UNIFORM_FROM and self._cut_uniform(text, pos):
            return
        find, startswith = text.find, text.startswith
        # Every blank line makes the ID buffer the ID in force; the blocks cut out here
        # hold no id line, so it is stored once, after them (``_process`` does its own).
        id_in_force = self._id_buffer
        cut_out = False
        # The last event line cut out, and its type: a stream repeats its types, and
        # a type seen before is matched whole and shared, not searched for and copied.
        type_line, type_seen = "event: \n", ""
        while pos < size:
            event_type = ""
            data_at = pos
            if startswith(type_line, pos):
                event_type = type_seen
                data_at = pos + len(type_line)
            elif startswith("event: ", pos):
                data_at = find("\n", pos) + 1
                event_type = text[pos + 7 : data_at - 1]
                type_line, type_seen = text[pos:data_at], event_type
            if startswith("data: ", data_at):
                end = find("\n", data_at)
                if startswith("\n", end + 1):  # a blank line ends the block
                    data = text[data_at + 6 : end]
                    if len(data) > max_data:
                        self._fail(f"event data longer than {max_data} characters")
                    ready.append(_make_event(event_type or "message", data, id_in_force))
                    cut_out = True
                    pos = end + 2
                    continue
            if cut_out:
                self._last_event_id, cut_out = id_in_force, False
            pos = self._lines_to_blank(text, pos)
            id_in_force = self._id_buffer
        if cut_out:
            self._last_event_id = id_in_force

    def _cut_uniform(self, text: str, pos: int) -> bool:
        """Cut out every block of ``text`` from ``pos`` at once, if they are all alike:
        each the same ``event`` line (or none) and one ``data`` line, then a blank line,
        as a venue sends a job's events. The text is split into lines and every test is
        made on whole slices of them, so no Python code runs per line but the event's
        making (a stream read 128 KiB at a time holds hundreds of blocks: the loop of
        ``_process_text`` took twice as long). What follows the last whole block, a block
        begun, goes through ``_process``. Returns False, having changed nothing, for text
        of any other shape, and for data over the limit (the loop raises at that event,
        the events before it dispatched)."""
        lines = (text[pos:] if pos else text).split("\n")
        lines.pop()  # the empty string after the final line end
        first = lines[0]
        if first[:7] == "event: ":
            step = 3
        elif first[:6] == "data: ":
            step = 2
        else:
            return False
        count = len(lines) // step
        if not count:
            return False  # not one block whole (a long line begun)
        whole = count * step
        data_lines = lines[step - 2 : whole : step]
        if (
            lines[step - 1 : whole : step].count("") != count
            or (step == 3 and lines[0:whole:3].count(first) != count)
            or not all(map(str.startswith, data_lines, repeat("data: ")))
            or max(map(len, data_lines)) - 6 > self._max_data
        ):
            return False
        kind = (first[7:] if step == 3 else "") or "message"
        datas = [line[6:] for line in data_lines]
        id_in_force = self._id_buffer  # no id line among them: the ID stays in force
        self._ready.extend(_make_events(kind, datas, id_in_force))
        self._last_event_id = id_in_force
        if whole < len(lines):
            self._process(lines[whole:])
        return True

    def _lines_to_blank(self, text: str, pos: int) -> int:
        """Read ``text``'s lines from ``pos`` up to and including the next blank line
        (to the end, if there is none) line by line; where the next block starts."""
        if text.startswith("\n", pos):
            end = pos + 1  # the line at pos is blank itself
        else:
            blank = text.find("\n\n", pos)  # a line's end, then a blank line
            end = len(text) if blank < 0 else blank + 2
        lines = text[pos:end].split("\n")
        lines.pop()  # the empty string after the final line end
        self._process(lines)
        return end

    def _process(self, lines: list[str]) -> None:
        # The standard's buffers are held in locals for the loop and stored back after
        # it (also when a limit stops it): this loop runs for every line of the stream.
        data, data_size, event_type = self._data, self._data_size, self._event_type
        max_data, ready = self._max_data, self._ready
        try:
            for line in lines:
                if not line:
                    # Dispatch. The ID in force is updated at every blank line, even one
                    # ending no event.
                    self._last_event_id = self._id_buffer
                    retry, self._block_retry = self._block_retry, None
                    if data:
                        ready.append(
                            ServerSentEvent(
                                event_type or "message",
                                data[0] if len(data) == 1 else "\n".join(data),
                                self._last_event_id,
                                retry,
                            )
                        )
                        data = []
                        data_size = 0
                    event_type = ""
                    continue
                if line[:6] == "data: ":  # the commonest lines, split without partition
                    name, value = "data", line[6:]
                elif line[:7] == "event: ":
                    event_type = line[7:]
                    continue
                else:
                    name, _, value = line.partition(":")
                    if not name:
                        continue  # a line starting with a colon is a comment
                    if value[:1] == " ":
                        value = value[1:]
                if name == "data":
                    data.append(value)
                    data_size += len(value) + 1
                    if data_size - 1 > max_data:
                        self._fail(f"event data longer than {max_data} characters")
                elif name == "event":
                    event_type = value
                elif name == "id":
                    # The standard ignores an id holding NUL; so is one that could not
                    # go back as Last-Event-ID (controls, beyond latin-1). Ignoring it
                    # costs at most events read again on a resume (the previous id
                    # stays in force); refusing it would end a live stream over a label.
                    if is_header_value(value):
                        self._id_buffer = value
                elif name == "retry":
                    self._set_retry(value)
        finally:
            self._data, self._data_size, self._event_type = data, data_size, event_type

    def _set_retry(self, value: str) -> None:
        if not (value.isascii() and value.isdigit()):
            return
        digits = value.lstrip("0") or "0"
        if len(digits) <= _MAX_RETRY_DIGITS and int(digits) <= _MAX_RETRY:
            self._retry = self._block_retry = int(digits)
