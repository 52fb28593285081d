"""base58btc and multibase ``z`` strings (the alphabet of Bitcoin, as did:key uses)."""

from __future__ import annotations

from typing import Final

from covia_proto.errors import CoviaUsageError

__all__ = ["b58decode", "b58encode", "multibase_decode", "multibase_encode"]

ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX: Final = {char: value for value, char in enumerate(ALPHABET)}
# Longer than any key form: a cap that keeps the quadratic decode cheap on hostile input.
_MAX_TEXT: Final = 512


def b58encode(data: bytes) -> str:
    """base58btc of ``data``; each leading zero byte becomes a leading ``1``."""
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The bytes of a base58btc string (``CoviaUsageError`` names a bad character)."""
    if not isinstance(text, str):
        raise CoviaUsageError(f"base58 text must be a string, not {type(text).__name__}")
    if len(text) > _MAX_TEXT:
        raise CoviaUsageError(f"base58 text too long ({len(text)} characters)")
    number = 0
    for position, char in enumerate(text):
        value = _INDEX.get(char)
        if value is None:
            raise CoviaUsageError(f"{char!r} is not a base58btc character (position {position})")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` followed by the base58btc digits."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """The bytes of a multibase base58btc string (only the ``z`` base is supported)."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise CoviaUsageError("a multibase key must start with 'z' (base58btc)")
    return b58decode(text[1:])
