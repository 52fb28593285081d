"""``did:key`` for Ed25519 keys: ``did:key:`` + multibase(0xed 0x01 + public key).

The venue names callers by this DID and expects a JWT's ``kid`` to be the bare
multibase part (``z6Mk…``), never the ``did:key:`` form (venue-api.md §2A, §6.1).
"""

from __future__ import annotations

from typing import Final

from covia_proto.errors import CoviaUsageError
from covia_proto.identity.base58 import multibase_decode, multibase_encode

__all__ = ["DID_KEY_PREFIX", "ED25519_PUB_CODEC", "did_key", "multikey", "public_key_of"]

DID_KEY_PREFIX: Final = "did:key:"
ED25519_PUB_CODEC: Final = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint


def multikey(public_key: bytes) -> str:
    """The bare multibase form (``z6Mk…``) of a 32-byte Ed25519 public key."""
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        raise CoviaUsageError("an Ed25519 public key is 32 bytes")
    return multibase_encode(ED25519_PUB_CODEC + public_key)


def did_key(public_key: bytes) -> str:
    """The ``did:key`` of a 32-byte Ed25519 public key."""
    return DID_KEY_PREFIX + multikey(public_key)


def public_key_of(did_or_multikey: str) -> bytes:
    """The Ed25519 public key a ``did:key:z6Mk…`` (or a bare ``z6Mk…``) names.

    A DID URL's path (``did:key:z6Mk…/w/notes``) or fragment is ignored.
    """
    if not isinstance(did_or_multikey, str):
        raise CoviaUsageError(f"a did:key must be a string, not {type(did_or_multikey).__name__}")
    text = did_or_multikey.removeprefix(DID_KEY_PREFIX)
    for stop in "/#?":
        text = text.split(stop, 1)[0]
    if not text.startswith("z"):
        raise CoviaUsageError(f"not an Ed25519 did:key: {did_or_multikey[:80]!r}")
    decoded = multibase_decode(text)
    if len(decoded) != 34 or not decoded.startswith(ED25519_PUB_CODEC):
        raise CoviaUsageError(f"not an Ed25519 did:key: {did_or_multikey[:80]!r}")
    return decoded[2:]
