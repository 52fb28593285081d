"""The venue identity: base58btc, multikeys, did:key and the DID documents."""

from __future__ import annotations

import pytest

from covia_proto.testing.venue_did import (
    asset_did_document,
    b58encode,
    did_key,
    multikey,
    user_did_document,
    venue_did_document,
)

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _ALPHABET.index(char)
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def test_b58_known_vectors() -> None:
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58encode(b"\0\0\x01") == "112"
    assert b58encode(b"") == ""


def test_multikey_round_trip() -> None:
    key = bytes(range(32))
    text = multikey(key)
    assert text.startswith("z6Mk")
    assert _b58decode(text[1:]) == b"\xed\x01" + key
    with pytest.raises(ValueError, match="32 bytes"):
        multikey(b"short")


def test_did_key_is_stable_per_seed() -> None:
    assert did_key(1) == did_key(1)
    assert did_key(1) != did_key(2)
    assert did_key(0).startswith("did:key:z6Mk")


def test_venue_document_shape() -> None:
    did = did_key(0)
    key = did.removeprefix("did:key:")
    doc = venue_did_document(did, "https://v/api/v1")
    method = doc["verificationMethod"][0]
    assert method == {
        "id": f"{did}#{key}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": key,
    }
    for relation in (
        "authentication",
        "assertionMethod",
        "capabilityDelegation",
        "capabilityInvocation",
    ):
        assert doc[relation] == [f"{did}#{key}"]
    assert doc["service"] == [{"type": "Covia.API.v1", "serviceEndpoint": "https://v/api/v1"}]


def test_did_web_document_still_names_a_key() -> None:
    doc = venue_did_document("did:web:v.example", "https://v.example/api/v1")
    assert doc["id"] == "did:web:v.example"
    assert doc["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")


def test_asset_document() -> None:
    assert asset_did_document("did:key:z6Mk1", "abc") == {
        "@context": "https://www.w3.org/ns/did/v1",
        "id": "did:key:z6Mk1/a/abc",
    }


def test_user_document_uses_the_venue_key() -> None:
    venue = did_key(3)
    doc = user_did_document(venue, f"{venue}:u:bob")
    assert doc["controller"] == venue
    method = doc["verificationMethod"][0]
    assert method["publicKeyMultibase"] == venue.removeprefix("did:key:")
    assert method["id"] == f"{venue}:u:bob#venue-key"
