"""A chunked response body read by its framing, every chunk already arrived at once.

This is how the sync driver reads a stream over ``http.client``: on a caller's own
session, or through a proxy (on its own session it reads with the core's HTTP/1.1
connection, ``.lean``).

``http.client`` gives back one chunk per ``read1`` and reads each chunk's size line with
a ``readline`` of its own. A venue's event stream sends one event per chunk, so each
event cost a driver call, a step of the flow and a feed of the SSE parser, whatever had
already arrived: the sync client read events at half the rate of a plain reader
(``benchmarks/``, section 7). ``ChunkedBody`` reads the bytes that have arrived (one
read of the connection's buffered reader, a system call only when it holds none) and
gives them to the core's decoder (``covia_proto.chunked``), which strips the framing of
every chunk among them in one pass.

Only the reading is here. The framing is judged by the core's decoder, as strictly as
h11 judges it for the trio driver: a malformed framing is a ``VenueProtocolError``
(with the trio driver's wording), where ``http.client`` was lenient. A connection that
fails or ends before the body does is urllib3's ``ProtocolError``, as urllib3 raises
it, and a timeout keeps its ``TimeoutError``. Once the last chunk and its trailer are
read, the response is closed and its connection goes back to its pool, as urllib3 does;
if the venue sent bytes past the body, the connection is closed instead.
"""

from __future__ import annotations

import http.client
from typing import Any

import urllib3.response
from urllib3.exceptions import ProtocolError

from covia_proto.chunked import ChunkedDecoder
from covia_proto.errors import RequestInfo, VenueProtocolError

__all__ = ["ChunkedBody", "chunked_body"]


def chunked_body(raw: Any, info: RequestInfo) -> ChunkedBody | None:
    """A reader of ``raw``'s body (urllib3's response, nothing of it read yet) if it is
    chunked and unencoded over ``http.client``; None for any other body, which urllib3
    reads itself. ``info`` is the request, named in a malformed framing's error."""
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
    return ChunkedBody(raw, response, info)


class ChunkedBody:
    """Reads one chunked body; ``read`` returns b"" once it has all been read."""

    __slots__ = ("_decoder", "_info", "_raw", "_response")

    def __init__(
        self,
        raw: urllib3.response.HTTPResponse,
        response: http.client.HTTPResponse,
        info: RequestInfo,
    ) -> None:
        self._raw = raw
        self._response = response
        self._info = info
        # http.client's bound on a line (65,536 bytes) holds for a size or trailer line.
        self._decoder = ChunkedDecoder()

    def read(self, size: int) -> bytes:
        """The data of the chunks that have arrived (waiting for some if none has), in
        at most ``size`` bytes of the wire; b"" at the end of the body."""
        decoder = self._decoder
        while True:
            pieces = decoder.pieces
            if pieces:  # what came before an end or a failure is given first
                decoder.pieces = []
                first = pieces[0]
                return first if len(pieces) == 1 and type(first) is bytes else b"".join(pieces)
            if decoder.failure is not None:
                raise VenueProtocolError(
                    f"malformed HTTP response: {decoder.failure}", request=self._info
                )
            if decoder.ended:
                return b""
            fp = self._response.fp
            if fp is None:
                raise ProtocolError("Connection broken: the response was closed")
            try:
                data = fp.read1(size)
            except TimeoutError:
                raise
            except OSError as exc:  # as urllib3 wraps it
                raise ProtocolError(f"Connection broken: {exc!r}", exc) from exc
            if not data:
                raise ProtocolError(
                    f"Connection broken: the chunked body ended early ({decoder.missing()})"
                )
            decoder.feed(data)
            if decoder.ended:
                self._finish()

    def _finish(self) -> None:
        # The body is whole: its connection can serve the next request at once (the
        # data with the end may be the stream's last event, after which the flow
        # closes the stream unread), unless the venue sent bytes past the body: they
        # would be read as the next answer.
        self._response.close()
        if self._decoder.extra:
            self._raw.close()
        self._raw.release_conn()
