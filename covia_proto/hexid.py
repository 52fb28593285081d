"""Hex identifiers: the venue prints them bare or ``0x``-prefixed, in any case
(venue-api.md §0); the SDK always holds them as lower-case bare hex."""

from __future__ import annotations

import functools
from typing import Final

__all__ = ["is_hex_id", "normalize_hex", "parse_hex"]

_DIGITS: Final = "0123456789abcdef"


def parse_hex(text: str) -> str | None:
    """``text`` as lower-case bare hex, or None if it is not even-length hex."""
    # Ids recur (a job's id and op repeat down its prev chain): short texts are
    # remembered; long ones are not, so a hostile venue cannot fill the cache.
    return _parse_cached(text) if len(text) <= _CACHED_LENGTH else _parse(text)


_CACHED_LENGTH: Final = 130  # "0x" and 64 bytes of hex


def _parse(text: str) -> str | None:
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    if not digits or len(digits) % 2 or not digits.isascii():
        return None
    lowered = digits.lower()
    # strip() removes hex digits from both ends: anything left is not hex.
    return None if lowered.strip(_DIGITS) else lowered


_parse_cached = functools.lru_cache(maxsize=4096)(_parse)


def is_hex_id(text: str) -> bool:
    return parse_hex(text) is not None


def normalize_hex(text: str) -> str:
    """Hex ids as the SDK keeps them; text that is not hex is returned unchanged,
    since newer venues also use references such as ``w/data`` where ids stood."""
    return parse_hex(text) or text
