"""CAD3, the Convex data encoding, for the values venue JSON reads into.

An asset id is the SHA3-256 of the CAD3 encoding of its metadata (venue-api.md §5.1);
this module produces that encoding as Convex 0.8.5 (the venue's version) does. Python
values stand for Convex types one to one:

=====================  ==================================================
Python                 Convex
=====================  ==================================================
``None``               nil (``0x00``)
``bool``               boolean (``0xb1`` / ``0xb0``)
``int``                Integer: Long (``0x10``-``0x18``) or BigInt (``0x19``)
``float``              Double (``0x1d``), NaN in its one canonical form
``str``                String (``0x30``), UTF-8, lone surrogates as ``?``
``bytes``              Blob (``0x31``)
``list`` / ``tuple``   Vector (``0x80``)
``dict``               hash Map (``0x82``)
``set`` / ``frozenset``  hash Set (``0x83``)
=====================  ==================================================

A value becomes a tree of cells. A child whose own encoding is at most 140 bytes is
embedded in its parent; a larger one is referenced by ``0x20`` and its SHA3-256. The
large forms follow Convex's classes, which is where they differ from the prose of the
CAD3 specification: strings and blobs over 4096 bytes become trees of 4096-byte chunks
(16 children a node); vectors over 16 elements keep their last ``n % 16`` elements in a
leaf that names the packed rest after them (the prefix comes last); maps and sets over 15
entries branch on the hex digits of their keys' hashes.

Integers need at most 4096 bytes; one larger is read by the venue as a Double, so it is
encoded as the infinity of its sign, which is what the venue stores for it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import struct
from collections.abc import Iterable
from typing import Any, Final

from covia_proto.errors import CoviaUsageError

__all__ = ["MAX_EMBEDDED_LENGTH", "encode", "value_id"]

MAX_EMBEDDED_LENGTH: Final = 140  # a child encoding this long or shorter is embedded
_CHUNK: Final = 4096  # bytes in a flat string or blob cell
_FANOUT: Final = 16  # children of a tree node; elements of a vector leaf
_MAP_LEAF_MAX: Final = 15  # entries of a map (or set) leaf
_MAX_INTEGER_BYTES: Final = 4096  # Convex Constants.MAX_BIG_INTEGER_LENGTH

_NIL: Final = b"\x00"
_TRUE: Final = b"\xb1"
_FALSE: Final = b"\xb0"
_DOUBLE: Final = b"\x1d"
_BIG_INTEGER: Final = b"\x19"
_REF: Final = b"\x20"
_STRING: Final = b"\x30"
_BLOB: Final = b"\x31"
_VECTOR: Final = b"\x80"
_MAP: Final = b"\x82"
_SET: Final = b"\x83"
_CANONICAL_NAN: Final = bytes.fromhex("7ff8000000000000")


def encode(value: Any) -> bytes:
    """The CAD3 encoding of ``value``'s top cell (children over 140 bytes by hash)."""
    return _cell(value)


def value_id(value: Any) -> bytes:
    """The Convex value id: SHA3-256 of the top cell's encoding (32 bytes)."""
    return _sha3(_cell(value))


def _sha3(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def _child(encoding: bytes) -> bytes:
    """How a parent holds a child cell: embedded when small, else by value id."""
    if len(encoding) <= MAX_EMBEDDED_LENGTH:
        return encoding
    return _REF + _sha3(encoding)


def _vlq(count: int) -> bytes:
    """A VLQ count: base 128, big-endian, high bit set on every byte but the last."""
    if count < 0x80:
        return bytes((count,))
    out = [count & 0x7F]
    count >>= 7
    while count:
        out.append(0x80 | (count & 0x7F))
        count >>= 7
    return bytes(reversed(out))


def _cell(value: Any) -> bytes:
    # bool before int: True is an int to Python, a boolean to Convex.
    if value is None:
        return _NIL
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if isinstance(value, str):
        return _short_string(value) if len(value) <= _CACHED_LENGTH else _string(value)
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, dict):
        return _hashed((_entry(k, v) for k, v in value.items()), _MAP)
    if isinstance(value, list | tuple):
        return _vector([_child(_cell(item)) for item in value])
    if isinstance(value, set | frozenset):
        return _hashed((_element(item) for item in value), _SET)
    if isinstance(value, bytes | bytearray | memoryview):
        return _blob_like(_BLOB, bytes(value))
    raise CoviaUsageError(f"cannot encode a {type(value).__name__} in CAD3")


def _string(text: str) -> bytes:
    # Java's UTF-8 encoder, as Convex configures it, writes "?" for a lone surrogate.
    return _blob_like(_STRING, text.encode("utf-8", "replace"))


def _integer(value: int) -> bytes:
    if value == 0:
        return b"\x10"
    # Minimal two's complement: the magnitude's bits plus a sign bit, in whole bytes.
    size = ((value if value > 0 else ~value).bit_length() + 8) // 8
    if size <= 8:
        return bytes((0x10 + size,)) + value.to_bytes(size, "big", signed=True)
    if size > _MAX_INTEGER_BYTES:
        return _double(math.inf if value > 0 else -math.inf)
    return _BIG_INTEGER + _vlq(size) + value.to_bytes(size, "big", signed=True)


def _double(value: float) -> bytes:
    if math.isnan(value):
        return _DOUBLE + _CANONICAL_NAN
    return _DOUBLE + struct.pack(">d", value)


def _blob_like(tag: bytes, data: bytes) -> bytes:
    """A string (tag 0x30) or blob (0x31): flat up to 4096 bytes, else a tree whose
    children are always blobs, each but the last as large as the node's level allows."""
    size = len(data)
    if size <= _CHUNK:
        return tag + _vlq(size) + data
    chunks = (size - 1) // _CHUNK + 1
    child_size = _CHUNK
    while child_size * _FANOUT < chunks * _CHUNK:
        child_size *= _FANOUT
    children = b"".join(
        _child(_blob_like(_BLOB, data[at : at + child_size])) for at in range(0, size, child_size)
    )
    return tag + _vlq(size) + children


def _vector(items: list[bytes]) -> bytes:
    """A vector of child encodings: up to 16 in one leaf; beyond, the last ``n % 16``
    in a leaf followed by the packed prefix holding all the others."""
    count = len(items)
    if count <= _FANOUT:
        return _VECTOR + _vlq(count) + b"".join(items)
    packed = count - count % _FANOUT
    prefix = _packed_vector(items[:packed])
    if packed == count:
        return prefix
    return _VECTOR + _vlq(count) + b"".join(items[packed:]) + _child(prefix)


def _packed_vector(items: list[bytes]) -> bytes:
    """A vector whose count is a multiple of 16: a full leaf, or a tree whose children
    hold 16, 256, 4096... elements each (the last one the rest)."""
    count = len(items)
    if count == _FANOUT:
        return _VECTOR + _vlq(count) + b"".join(items)
    child_size = _FANOUT
    while child_size * _FANOUT < count:
        child_size *= _FANOUT
    children = b"".join(
        _child(_packed_vector(items[at : at + child_size])) for at in range(0, count, child_size)
    )
    return _VECTOR + _vlq(count) + children


# A map entry or set element: the key's value id (which orders and routes it), then
# what the cell writes for it (key and value refs, or the element ref alone).
_Hashed = tuple[bytes, bytes]


def _entry(key: Any, value: Any) -> _Hashed:
    if isinstance(key, str) and len(key) <= _CACHED_LENGTH:
        digest, key_cell = _string_key(key)
    else:
        key_cell = _cell(key)
        digest = _sha3(key_cell)
    return digest, _child(key_cell) + _child(_cell(value))


# Metadata repeats its short strings (every property of a JSON schema has a "type" and
# a "description", often of the same few values), so their encodings are remembered.
_CACHED_LENGTH: Final = 64  # characters


@functools.lru_cache(maxsize=4096)
def _short_string(text: str) -> bytes:
    return _string(text)


@functools.lru_cache(maxsize=4096)
def _string_key(key: str) -> tuple[bytes, bytes]:
    """A short key's value id (which orders it in its map) and encoding."""
    cell = _short_string(key)
    return _sha3(cell), cell


def _element(item: Any) -> _Hashed:
    cell = _cell(item)
    return _sha3(cell), _child(cell)


def _hashed(entries: Iterable[_Hashed], tag: bytes) -> bytes:
    return _hashed_cell(sorted(entries), tag)


def _hashed_cell(entries: list[_Hashed], tag: bytes) -> bytes:
    """A map or set: a leaf of up to 15 entries in key-hash order, else a tree node that
    branches on the first hex digit where its keys' hashes differ (the shift byte), with
    a 16-bit mask of the digits present and one child per digit."""
    count = len(entries)
    if count <= _MAP_LEAF_MAX:
        return tag + _vlq(count) + b"".join(body for _, body in entries)
    shift = _common_hex_prefix(entries[0][0], entries[-1][0])  # sorted: ends differ most
    groups: dict[int, list[_Hashed]] = {}
    for entry in entries:
        groups.setdefault(_hex_digit(entry[0], shift), []).append(entry)
    mask = sum(1 << digit for digit in groups)
    children = b"".join(_child(_hashed_cell(groups[digit], tag)) for digit in sorted(groups))
    return tag + _vlq(count) + bytes((shift,)) + mask.to_bytes(2, "big") + children


def _common_hex_prefix(a: bytes, b: bytes) -> int:
    differing = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return min(63, (256 - differing.bit_length()) // 4)


def _hex_digit(digest: bytes, position: int) -> int:
    byte = digest[position >> 1]
    return (byte >> 4) if position % 2 == 0 else (byte & 0x0F)
