from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError
from covia_proto.identity._base58 import multibase_encode
from covia_proto.identity.didkey import did_key, multikey, public_key_of

# The did:key test vector of the all-zero Ed25519 seed's public key.
ZERO_SEED_PUBLIC = bytes.fromhex("3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29")
ZERO_SEED_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


def test_known_did() -> None:
    assert did_key(ZERO_SEED_PUBLIC) == ZERO_SEED_DID
    assert multikey(ZERO_SEED_PUBLIC) == ZERO_SEED_DID.removeprefix("did:key:")


@given(st.binary(min_size=32, max_size=32))
def test_round_trip_and_prefix(public: bytes) -> None:
    did = did_key(public)
    assert did.startswith("did:key:z6Mk")
    assert public_key_of(did) == public
    assert public_key_of(multikey(public)) == public
    # A DID URL names the same key.
    assert public_key_of(did + "/w/notes#frag") == public


@pytest.mark.parametrize(
    "text",
    [
        "did:web:example.com",
        "did:key:" + multibase_encode(b"\xe7\x01" + bytes(33)),  # secp256k1, not Ed25519
        "did:key:" + multibase_encode(b"\xed\x01" + bytes(31)),  # short key
        "did:key:zIII",
    ],
)
def test_what_is_not_an_ed25519_did_key_is_refused(text: str) -> None:
    with pytest.raises(CoviaUsageError):
        public_key_of(text)


def test_public_keys_are_32_bytes() -> None:
    with pytest.raises(CoviaUsageError, match="32 bytes"):
        did_key(b"\x01" * 31)
