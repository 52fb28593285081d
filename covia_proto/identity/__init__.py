"""Identity in the core: Ed25519 keys, ``did:key``, signed JWTs and UCANs.

Everything here is pure computation. Keys are made from seed bytes the caller supplies,
tokens are issued and verified at a ``now`` the caller supplies (seconds since the
epoch), and nonces come in as arguments: the shells in ``covia`` own the clock and the
random source. Ed25519 itself comes from ``cryptography``, imported on first use.
"""

from __future__ import annotations

from covia_proto.identity.didkey import did_key, multikey, public_key_of
from covia_proto.identity.keys import Ed25519Key, verify_signature
from covia_proto.identity.tokens import TokenCache, issue_auth_token, verify_auth_token
from covia_proto.identity.ucan import (
    Capability,
    Ucan,
    ability_covers,
    delegate_ucan,
    issue_ucan,
    parse_ucan,
    resource_covers,
    verify_ucan,
)

__all__ = [
    "Capability",
    "Ed25519Key",
    "TokenCache",
    "Ucan",
    "ability_covers",
    "delegate_ucan",
    "did_key",
    "issue_auth_token",
    "issue_ucan",
    "multikey",
    "parse_ucan",
    "public_key_of",
    "resource_covers",
    "verify_auth_token",
    "verify_signature",
    "verify_ucan",
]
