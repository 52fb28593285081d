"""The chunked transfer coding of an HTTP/1.1 response body, decoded as bytes in and
data out.

One decoder for every driver that meets a chunked body itself: ``h11conn`` (the trio
driver's HTTP layer) when a body passes h11 by, and the sync driver when it reads a
chunked event stream by its framing (``covia_requests.chunked``). The driver gives
:meth:`ChunkedDecoder.feed` the bytes it has read, however they were split, and takes
the chunks' data from ``pieces`` (or joined, with :meth:`ChunkedDecoder.take`); the
decoder says when the body has ended, what was malformed (``failure``), whether bytes
came after the body (``extra``) and, if the connection closes early, what was missing.

The grammar is h11's, so every driver refuses the same bodies: a size of 1 to 20 hex
digits, then chunk extensions (ignored) and blanks, ended by CRLF; the data, then CRLF;
after the last chunk, trailer fields (checked, then dropped) up to a blank line. A size
or trailer line, and the whole trailer, may not be longer than ``max_line``.

The common case is read quickly: when a read holds whole chunks with plain size lines
(a venue's event stream sends one event per chunk), their data is cut out in one loop
that looks at nothing else. Anything else (a chunk split between reads, extensions, the
last chunk, an error) goes through the general state machine, which gives the same
answer however the bytes are split.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["DEFAULT_MAX_LINE", "ChunkedDecoder"]

DEFAULT_MAX_LINE: Final = 64 * 1024
"""The longest size or trailer line accepted by default, with its line end; also the
bound on the whole trailer."""

# Where a chunked body is: reading a chunk's size line, its data, the CRLF after its
# data, the trailer lines after the last chunk, past the end, or stopped at a failure.
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE, _FAILED = range(6)

# As lenient as h11: extensions are ignored, whitespace may trail the size.
_CHUNK_HEADER: Final = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*\r\n")
_FIELD_VALUE: Final = rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?[ \t]*\r?\n"
_TRAILER_FIELD: Final = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+:[ \t]*" + _FIELD_VALUE)
_TRAILER_FOLD: Final = re.compile(rb"[ \t]+" + _FIELD_VALUE)

_CRLF: Final = b"\r\n"
_HEX_DIGITS: Final = b"0123456789abcdefABCDEF"
# The longest plain size line (20 hex digits and CRLF): the fast path looks no further.
_PLAIN_SIZE_LINE: Final = 22


class ChunkedDecoder:
    """Decodes one chunked body fed in pieces.

    ``pieces`` holds the data that has arrived and not been taken: ``bytes``, or views
    of the bytes fed (joined once by :meth:`take`), never empty. Once ``failure`` is
    set (what was malformed), nothing more is read: the data before it stays in
    ``pieces``. ``extra`` is set when bytes came after the end of the body.
    """

    __slots__ = (
        "ended",
        "extra",
        "failure",
        "left",
        "line",
        "matched",
        "max_line",
        "pieces",
        "plain",
        "state",
        "trailer_size",
    )

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.state = _SIZE
        self.left = 0  # data bytes still to come in the current chunk
        self.matched = 0  # bytes of the CRLF after a chunk's data seen so far
        self.line = b""  # the start of a size or trailer line split between reads
        self.max_line = max_line  # a line, and the whole trailer
        self.plain = min(_PLAIN_SIZE_LINE, max_line)  # how far the fast path looks
        self.trailer_size = 0
        self.pieces: list[bytes | memoryview] = []
        self.ended = False  # the last chunk and the trailer have been read
        self.extra = False
        self.failure: str | None = None

    def missing(self) -> str:
        """Where the body stands, for the message of a connection closed early."""
        return "mid-chunk" if self.state in (_DATA, _DATA_END) else "before its last chunk"

    def take(self) -> bytes:
        """The data in ``pieces``, joined (b"" if none), and ``pieces`` emptied."""
        pieces = self.pieces
        if not pieces:
            return b""
        self.pieces = []
        first = pieces[0]
        if len(pieces) == 1 and type(first) is bytes:
            return first
        return b"".join(pieces)

    def feed(self, data: bytes) -> None:
        """Decode ``data``, the next bytes of the body (kept as views: not to be
        changed by the caller)."""
        pos, end = 0, len(data)
        view: memoryview | None = None
        pieces = self.pieces
        while pos < end:
            state = self.state
            if state == _SIZE:
                if not self.line:
                    # The fast path: the chunks that lie whole from here on, each with
                    # a plain size line (hex digits, CRLF) and its CRLF, cut out in a
                    # loop that runs once per event of a stream sent one event per
                    # chunk. It checks what the grammar asks and looks at nothing
                    # else; at anything else it stops, and the state machine goes on.
                    find, append = data.find, pieces.append
                    plain, hex_digits = self.plain, _HEX_DIGITS
                    while True:
                        line_end = find(b"\r\n", pos, pos + plain)
                        if line_end <= pos:
                            break  # no plain line end near: long, split, empty, or none
                        digits = data[pos:line_end]
                        if digits.strip(hex_digits):
                            break  # an extension, blanks, or not a size
                        start = line_end + 2
                        stop = start + int(digits, 16)
                        if stop == start or stop + 2 > end:
                            break  # the last chunk, or a chunk not all here
                        if data[stop] != 13 or data[stop + 1] != 10:
                            break  # not followed by CRLF: refused below
                        append(data[start:stop])
                        pos = stop + 2
                    if pos == end:
                        return
                pos = self._take_line(data, pos)
            elif state == _DATA:
                take = min(self.left, end - pos)
                if take == end:
                    pieces.append(data)  # the whole read is data: no copy, no view
                else:
                    if view is None:
                        view = memoryview(data)
                    pieces.append(view[pos : pos + take])
                pos += take
                self.left -= take
                if not self.left:
                    self.state = _DATA_END
            elif state == _DATA_END:
                matched = self.matched
                got = data[pos : pos + 2 - matched]
                if not _CRLF.startswith(got, matched):
                    # Named up to its first wrong byte: the same however it was split.
                    seen = _CRLF[:matched] + got
                    wrong = next(i for i in range(matched, 2) if seen[i] != _CRLF[i])
                    self._fail(
                        f"malformed chunk footer: {seen[: wrong + 1]!r} (expected {_CRLF!r})"
                    )
                    return
                pos += len(got)
                self.matched = matched = matched + len(got)
                if matched == 2:
                    self.matched = 0
                    self.state = _SIZE
            elif state == _TRAILER:
                pos = self._take_line(data, pos)
            else:
                if state == _DONE:
                    self.extra = True
                return  # past the end, or after a failure: nothing more is read

    def _take_line(self, data: bytes, pos: int) -> int:
        """Read a size or trailer line from ``data`` at ``pos`` (or keep its start for
        the next read); where reading goes on."""
        newline = data.find(b"\n", pos)
        if newline < 0:
            self.line += data[pos:]
            if len(self.line) > self.max_line:
                self._fail(f"chunk header or trailer line over {self.max_line} bytes")
            return len(data)
        line = data[pos : newline + 1]
        if self.line:
            line, self.line = self.line + line, b""
        if len(line) > self.max_line:
            self._fail(f"chunk header or trailer line over {self.max_line} bytes")
        elif self.state == _SIZE:
            self._size_line(line)
        else:
            self._trailer_line(line)
        return newline + 1

    def _size_line(self, line: bytes) -> None:
        match = _CHUNK_HEADER.fullmatch(line)
        if match is None:
            self._fail(f"illegal chunk header: {line!r}")
        elif size := int(match[1], 16):
            self.left = size
            self.state = _DATA
        else:
            self.state = _TRAILER

    def _trailer_line(self, line: bytes) -> None:
        # Trailers carry nothing the venue relies on: checked as h11 does, then dropped.
        if line in (b"\r\n", b"\n"):
            self.state = _DONE
            self.ended = True
            return
        folded = self.trailer_size > 0  # obs-fold: a line that continues a field
        self.trailer_size += len(line)
        if self.trailer_size > self.max_line:
            self._fail(f"trailer over {self.max_line} bytes")
        elif not (_TRAILER_FIELD.fullmatch(line) or (folded and _TRAILER_FOLD.fullmatch(line))):
            self._fail(f"illegal trailer line: {line!r}")

    def _fail(self, failure: str) -> None:
        self.failure = failure
        self.state = _FAILED
