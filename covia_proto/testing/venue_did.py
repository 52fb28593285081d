"""The simulated venue's identity: a ``did:key`` made from a seeded key, and the DID
documents the venue serves (venue-api.md §3.8, §6.1).

The key pair is made from 32 seeded random bytes, so a simulator's DID is stable for
its seed and the venue can sign what the real one signs (the UCANs of
``v/ops/ucan/issue``).
"""

from __future__ import annotations

import random
from typing import Any

from covia_proto.identity._base58 import b58encode
from covia_proto.identity.didkey import multikey
from covia_proto.identity.keys import Ed25519Key

__all__ = [
    "asset_did_document",
    "b58encode",
    "did_key",
    "multikey",
    "user_did_document",
    "venue_did_document",
    "venue_key",
]


def venue_key(seed: int) -> Ed25519Key:
    """The venue's key pair for a simulator seed."""
    # A separate generator keeps the venue identity independent of job ids.
    return Ed25519Key.from_seed(random.Random(f"venue-key:{seed}").randbytes(32))


def did_key(seed: int) -> str:
    """A stable ``did:key`` for a simulator seed: that of ``venue_key(seed)``."""
    return venue_key(seed).did


def _key_of(did: str) -> str:
    """The multikey a venue DID names; a configured non-key DID still needs one."""
    if did.startswith("did:key:"):
        return did.removeprefix("did:key:")
    return multikey(random.Random(f"venue-key:{did}").randbytes(32))


def venue_did_document(did: str, service_endpoint: str) -> dict[str, Any]:
    """``/.well-known/did.json``: one Multikey method used for every relationship."""
    key = _key_of(did)
    key_id = f"{did}#{key}"
    return {
        "id": did,
        "@context": "https://www.w3.org/ns/did/v1",
        "verificationMethod": [
            {"id": key_id, "type": "Multikey", "controller": did, "publicKeyMultibase": key}
        ],
        "authentication": [key_id],
        "assertionMethod": [key_id],
        "capabilityDelegation": [key_id],
        "capabilityInvocation": [key_id],
        "service": [{"type": "Covia.API.v1", "serviceEndpoint": service_endpoint}],
    }


def asset_did_document(did: str, asset: str) -> dict[str, Any]:
    """``/a/{id}/did.json``: the venue answers for any id without checking it."""
    return {"@context": "https://www.w3.org/ns/did/v1", "id": f"{did}/a/{asset}"}


def user_did_document(venue_did: str, user_did: str) -> dict[str, Any]:
    """``/u/{id}/did.json``: the venue vouches for its user with the venue's own key."""
    key_id = f"{user_did}#venue-key"
    return {
        "@context": "https://www.w3.org/ns/did/v1",
        "id": user_did,
        "controller": venue_did,
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": venue_did,
                "publicKeyMultibase": _key_of(venue_did),
            }
        ],
        "authentication": [key_id],
        "assertionMethod": [key_id],
    }
