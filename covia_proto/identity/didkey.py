"""``did:key`` for Ed25519 keys: ``did:key:`` + multibase(0xed 0x01 + public key).

The venue names callers by this DID and expects a JWT's ``kid`` to be the bare
multibase part (``z6Mk…``), never the ``did:key:`` form (venue-api.md §2A, §6.1).
Parsing and encoding are ``covia_proto.did``'s; this module is their short form for keys.
"""

from __future__ import annotations

from typing import Final

from covia_proto.did import DidKey, parse_did_key
from covia_proto.errors import CoviaUsageError

__all__ = ["DID_KEY_PREFIX", "did_key", "multikey", "public_key_of"]

DID_KEY_PREFIX: Final = "did:key:"


def multikey(public_key: bytes) -> str:
    """The bare multibase form (``z6Mk…``) of a 32-byte Ed25519 public key."""
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        raise CoviaUsageError("an Ed25519 public key is 32 bytes")
    return DidKey.from_public_key(public_key).multibase


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
    key = parse_did_key(DID_KEY_PREFIX + text)
    if key.key_type != "Ed25519":  # pragma: no cover - the only type did.py decodes
        raise CoviaUsageError(f"not an Ed25519 did:key: {did_or_multikey[:80]!r}")
    return key.public_key
