"""base64url without padding, as JWTs and JWKs write it (RFC 7515 §2)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from covia_proto.errors import CoviaUsageError

__all__ = ["b64url_decode", "b64url_encode"]

_ALPHABET: Final = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str = "base64url text") -> bytes:
    """Strict: only the URL-safe alphabet, no padding, no whitespace."""
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise CoviaUsageError(f"{what} is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CoviaUsageError(f"{what} is not base64url") from None
