from __future__ import annotations

import copy
import json
import pickle

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError
from covia_proto.identity.keys import Ed25519Key, verify_signature

seeds = st.binary(min_size=32, max_size=32)
SEED = bytes(range(32))


@given(seeds)
def test_every_form_round_trips(seed: bytes) -> None:
    key = Ed25519Key.from_seed(seed)
    assert key.export_seed() == seed
    for form in (
        Ed25519Key.from_pem(key.to_pem()),
        Ed25519Key.from_jwk(key.to_jwk()),
        Ed25519Key.from_jwk(json.dumps(key.to_jwk())),
        Ed25519Key.from_multibase(key.to_multibase()),
        Ed25519Key.load(key.to_pem()),
        Ed25519Key.load(json.dumps(key.to_jwk())),
        Ed25519Key.load(key.to_multibase() + "\n"),
        Ed25519Key.load(seed.hex()),
        Ed25519Key.load(seed),
    ):
        assert form == key
        assert form.did == key.did


@given(seeds, st.binary(max_size=200))
def test_signatures_verify_and_tampering_does_not(seed: bytes, data: bytes) -> None:
    key = Ed25519Key.from_seed(seed)
    signature = key.sign(data)
    assert verify_signature(key.public_key, signature, data)
    assert not verify_signature(key.public_key, signature, data + b"x")
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_signature(key.public_key, flipped, data)
    assert not verify_signature(key.public_key, signature[:63], data)


def test_pem_is_pkcs8_readable_by_cryptography() -> None:
    key = Ed25519Key.from_seed(SEED)
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    assert Ed25519Key(loaded) == key


def test_jwk_and_multibase_shapes() -> None:
    key = Ed25519Key.from_seed(SEED)
    jwk = key.to_jwk()
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", key.multikey)
    assert "d" not in key.public_jwk()
    assert key.to_multibase().startswith("z3u2")  # ed25519-priv multicodec


def test_the_secret_is_never_shown_nor_pickled() -> None:
    key = Ed25519Key.from_seed(SEED)
    secrets = [SEED.hex(), key.to_multibase(), key.to_jwk()["d"]]
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert key.did in text
        assert not any(secret in text for secret in secrets)
    with pytest.raises(CoviaUsageError, match="not pickled"):
        pickle.dumps(key)
    assert copy.deepcopy(key) is key


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x00" * 31, "unrecognised key"),
        ("not a key", "unrecognised key"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "PEM"),
        ('{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}', "no private part"),
        ('{"kty": "EC", "crv": "P-256", "d": "AAAA"}', "OKP"),
        ("[1, 2]", "unrecognised key"),
        ("{nope", "JSON object"),
        ("z" + "1" * 40, "ed25519-priv"),
        (b"\xff\xfe" * 40, "unrecognised key"),
    ],
)
def test_bad_keys_are_usage_errors_saying_why(data: bytes | str, match: str) -> None:
    with pytest.raises(CoviaUsageError, match=match):
        Ed25519Key.load(data)


def test_a_jwk_whose_halves_disagree_is_refused() -> None:
    jwk = Ed25519Key.from_seed(SEED).to_jwk()
    jwk["x"] = Ed25519Key.from_seed(bytes(32)).to_jwk()["x"]
    with pytest.raises(CoviaUsageError, match="does not match"):
        Ed25519Key.from_jwk(jwk)


def test_a_pem_of_another_curve_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(CoviaUsageError, match="not an Ed25519"):
        Ed25519Key.from_pem(other)


def test_an_encrypted_pem_is_refused() -> None:
    encrypted = ed25519.Ed25519PrivateKey.from_private_bytes(SEED).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(CoviaUsageError, match="PEM"):
        Ed25519Key.from_pem(encrypted)


def test_seed_must_be_32_bytes() -> None:
    with pytest.raises(CoviaUsageError, match="32 bytes"):
        Ed25519Key.from_seed(b"short")
