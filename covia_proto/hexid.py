"""Hex identifiers: the venue prints them bare or ``0x``-prefixed, in any case
(venue-api.md §0); the SDK always holds them as lower-case bare hex."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["is_hex_id", "normalize_hex", "parse_hex"]

_HEX: Final = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")


def parse_hex(text: str) -> str | None:
    """``text`` as lower-case bare hex, or None if it is not even-length hex."""
    match = _HEX.fullmatch(text)
    if match is None or len(match.group(1)) % 2:
        return None
    return match.group(1).lower()


def is_hex_id(text: str) -> bool:
    return parse_hex(text) is not None


def normalize_hex(text: str) -> str:
    """Hex ids as the SDK keeps them; text that is not hex is returned unchanged,
    since newer venues also use references such as ``w/data`` where ids stood."""
    return parse_hex(text) or text
