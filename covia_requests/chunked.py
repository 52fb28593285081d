"""A chunked response body read by its framing, every chunk already arrived at once.

``http.client`` gives back one chunk per ``read1`` and reads each chunk's size line with
a ``readline`` of its own. A venue's event stream sends one event per chunk, so each
event cost a driver call, a step of the flow and a feed of the SSE parser, whatever had
already arrived: the sync client read events at half the rate of a plain reader
(``benchmarks/``, section 7). ``ChunkedBody`` reads the bytes that have arrived (one
read of the connection's buffered reader, a system call only when it holds none) and
strips the framing of every chunk among them in one pass.

It reads only what ``http.client`` would have read, and gives up as it would: a broken
or cut-off framing is urllib3's ``ProtocolError`` and a connection failure keeps its
``OSError`` (a timeout among them). Once the last chunk and its trailer are read, the
response is closed and its connection goes back to its pool, as urllib3 does.
"""

from __future__ import annotations

import http.client
from typing import Any, Final

import urllib3.response
from urllib3.exceptions import ProtocolError

__all__ = ["ChunkedBody", "chunked_body"]

# As http.client: the longest line (a chunk's size, a trailer) read, with its line end.
_MAX_LINE: Final = 65536


def chunked_body(raw: Any) -> ChunkedBody | None:
    """A reader of ``raw``'s body (urllib3's response, nothing of it read yet) if it is
    chunked and unencoded over ``http.client``; None for any other body, which urllib3
    reads itself."""
    if type(raw) is not urllib3.response.HTTPResponse:
        return None
    response = getattr(raw, "_fp", None)
    if type(response) is not http.client.HTTPResponse or not response.chunked:
        return None
    if response.fp is None or response.chunk_left is not None:
        return None  # a HEAD's (no body), or one already being read
    encoding = raw.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        return None  # urllib3 decodes it
    return ChunkedBody(raw, response)


class ChunkedBody:
    """Reads one chunked body; ``read`` returns b"" once it has all been read."""

    __slots__ = ("_done", "_left", "_line", "_raw", "_response", "_skip", "_trailer")

    def __init__(self, raw: urllib3.response.HTTPResponse, response: http.client.HTTPResponse):
        self._raw = raw
        self._response = response
        self._left = 0  # bytes of the current chunk's data still to come
        self._skip = 0  # bytes of the line end after that data still to drop
        self._line = b""  # the start of a size or trailer line whose end has not come
        self._trailer = False  # past the last chunk: trailer lines up to a blank one
        self._done = False

    def read(self, size: int) -> bytes:
        """The data of the chunks that have arrived (waiting for some if none has), in
        at most ``size`` bytes of the wire; b"" at the end of the body."""
        fp = self._response.fp
        while not self._done:
            if fp is None:
                raise ProtocolError("Connection broken: the response was closed")
            try:
                data = fp.read1(size)
            except TimeoutError:
                raise
            except OSError as exc:  # as urllib3 wraps it
                raise ProtocolError(f"Connection broken: {exc!r}", exc) from exc
            if not data:
                raise ProtocolError("Connection broken: the chunked body ended early")
            body = self._unframe(data)
            if self._done:
                self._finish()
            if body:
                return body
        return b""

    def _unframe(self, data: bytes) -> bytes:
        """The chunk data among ``data``, the framing around it dropped."""
        if self._line:
            data = self._line + data
            self._line = b""
        parts: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end:
            if not (self._left or self._skip or self._trailer):
                pos = _whole_chunks(data, pos, parts)
                if pos >= end:
                    break
            left = self._left
            if left:  # the rest of a chunk begun in an earlier read
                taken = data[pos : pos + left]
                parts.append(taken)
                pos += len(taken)
                self._left = left - len(taken)
                if not self._left:
                    self._skip = 2
                continue
            if self._skip:
                # The line end after a chunk's data, dropped unread as http.client does.
                dropped = min(self._skip, end - pos)
                self._skip -= dropped
                pos += dropped
                continue
            line_end = data.find(b"\n", pos, pos + _MAX_LINE)
            if line_end < 0:
                if end - pos >= _MAX_LINE:
                    raise ProtocolError("Connection broken: a chunk size line is too long")
                self._line = data[pos:]
                break
            line = data[pos:line_end]
            pos = line_end + 1
            if self._trailer:
                if not line.rstrip(b"\r"):
                    self._done = True
                    break
                continue
            size = _chunk_size(line)
            if not size:
                self._trailer = True
            elif pos + size + 2 <= end:  # the commonest case: the whole chunk is here
                parts.append(data[pos : pos + size])
                pos += size + 2
            else:
                self._left = size
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _finish(self) -> None:
        # The body is whole: its connection can serve the next request.
        self._response.close()
        self._raw.release_conn()


def _whole_chunks(data: bytes, pos: int, parts: list[bytes]) -> int:
    """Add to ``parts`` the data of the chunks that lie whole in ``data`` from ``pos``
    on, each with its line end; where the first other one starts. The loop that runs
    once per event of a stream sent one event per chunk: nothing else is looked at."""
    find, append = data.find, parts.append
    end = len(data)
    while True:
        line_end = find(b"\n", pos, pos + _MAX_LINE)
        if line_end < 0:
            return pos
        try:
            size = int(data[pos:line_end], 16)
        except ValueError:
            return pos  # an extension, or not a size: see _chunk_size
        start = line_end + 1
        stop = start + size
        if size <= 0 or stop + 2 > end:
            return pos
        append(data[start:stop])
        pos = stop + 2


def _chunk_size(line: bytes) -> int:
    """A chunk's size from its line (without its LF), read as http.client reads it."""
    try:
        size = int(line, 16)  # blanks and the CR around it allowed
    except ValueError:
        try:
            size = int(line.split(b";", 1)[0], 16)  # with extensions
        except ValueError:
            size = -1
    if size < 0:
        raise ProtocolError(f"Connection broken: invalid chunk size {line[:40]!r}")
    return size
