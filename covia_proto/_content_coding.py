"""Undoing a response's content coding (``gzip``, ``deflate``), bytes in, bytes out.

The SDK asks for no content coding, but a venue (or a proxy in front of it) may
compress anyway. requests and aiohttp then hand over the decoded bytes; a driver that
reads the wire itself (through ``covia_proto.h11conn``) decodes here, so every driver
returns the same bytes.

A small compressed body can expand enormously (a "zip bomb"), so a ``ContentDecoder``
never produces more than ``max_chunk`` bytes at once: what it has not decoded yet stays
compressed until asked for (``pending``/``drain``), and the caller's body limit stops
reading long before memory runs out.
"""

from __future__ import annotations

import zlib
from typing import Final

from covia_proto.errors import RequestInfo, VenueProtocolError

__all__ = ["DECODED_CHUNK", "ContentDecoder", "decoder_for"]

DECODED_CHUNK: Final = 64 * 1024
"""The most decoded bytes one step gives out."""

_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS


def decoder_for(
    headers: tuple[tuple[str, str], ...], request: RequestInfo | None = None
) -> ContentDecoder | None:
    """A decoder for the response's ``Content-Encoding``, or None when its body is to
    be taken as it is (no coding, ``identity``, or a coding the SDK does not know,
    which it leaves to the caller exactly as the other drivers do)."""
    for name, value in headers:
        if len(name) == 16 and name.lower() == "content-encoding":
            coding = value.strip().lower()
            if coding in ("gzip", "x-gzip", "deflate"):
                return ContentDecoder(coding, request)
            return None
    return None


class ContentDecoder:
    """Decodes one response body given piece by piece, at most ``max_chunk`` decoded
    bytes at a time."""

    __slots__ = ("_coding", "_request", "_tail", "_zlib", "max_chunk")

    def __init__(
        self, coding: str, request: RequestInfo | None = None, *, max_chunk: int = DECODED_CHUNK
    ) -> None:
        self._coding = coding
        self._request = request
        self.max_chunk = max_chunk
        # "deflate" is the zlib format (RFC 9110), but some servers send raw deflate:
        # which one is known from the first two bytes.
        self._zlib: zlib._Decompress | None = (
            zlib.decompressobj(_GZIP_WBITS) if coding != "deflate" else None
        )
        self._tail = b""

    @property
    def pending(self) -> bool:
        """Whether compressed input is waiting to be decoded (call ``drain``); not the
        first byte of a deflate body, which waits for the next one to tell its format."""
        return bool(self._tail) and self._zlib is not None

    def decode(self, data: bytes) -> bytes:
        """Decoded bytes of ``data`` (appended to what is pending): at most
        ``max_chunk`` of them, possibly none."""
        return self._step(self._tail + data if self._tail else data)

    def drain(self) -> bytes:
        """More decoded bytes of the pending input (``b""`` when there is none)."""
        return self._step(self._tail) if self._tail else b""

    def _step(self, data: bytes) -> bytes:
        if self._zlib is None:
            if len(data) < 2:
                self._tail = data
                return b""
            self._zlib = zlib.decompressobj(
                zlib.MAX_WBITS if _is_zlib_header(data) else -zlib.MAX_WBITS
            )
        if self._zlib.eof:
            self._tail = b""  # bytes after the end of the stream: ignored, as urllib3 does
            return b""
        try:
            out = self._zlib.decompress(data, self.max_chunk)
        except zlib.error:
            raise VenueProtocolError(
                f"response body is not valid {self._coding} data", request=self._request
            ) from None
        self._tail = self._zlib.unconsumed_tail
        return out


def _is_zlib_header(data: bytes) -> bool:
    return data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
