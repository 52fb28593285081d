from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import TokenError
from covia_proto.identity._b64url import b64url_decode, b64url_encode
from covia_proto.identity.jwt import decode_jwt, encode_jwt, is_time, verify_jwt
from covia_proto.identity.keys import Ed25519Key

KEY = Ed25519Key.from_seed(bytes(range(32)))
OTHER = Ed25519Key.from_seed(bytes(32))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
claims = st.dictionaries(st.text(max_size=10), json_values, max_size=6)


def _reencode(part: Mapping[str, object]) -> str:
    return b64url_encode(json.dumps(part).encode())


@given(claims)
def test_round_trip(body: dict[str, object]) -> None:
    token = encode_jwt(KEY, body)
    jwt = verify_jwt(token)
    assert jwt.claims == body
    assert jwt.header == {"alg": "EdDSA", "typ": "JWT", "kid": KEY.multikey}
    assert decode_jwt(token) == jwt


@given(claims, st.data())
def test_any_change_to_claims_breaks_the_signature(body: dict[str, object], data) -> None:
    token = encode_jwt(KEY, body)
    header, _, signature = token.split(".")
    changed = {**body, data.draw(st.text(min_size=1, max_size=5)): "added"}
    forged = f"{header}.{_reencode(changed)}.{signature}"
    with pytest.raises(TokenError, match="signature"):
        verify_jwt(forged)


def test_signature_by_another_key_or_another_kid_is_refused() -> None:
    token = encode_jwt(KEY, {"sub": "x"})
    header, payload, _ = token.split(".")
    other_signature = encode_jwt(OTHER, {"sub": "x"}).split(".")[2]
    with pytest.raises(TokenError, match="signature"):
        verify_jwt(f"{header}.{payload}.{other_signature}")
    swapped = _reencode({"alg": "EdDSA", "kid": OTHER.multikey})
    with pytest.raises(TokenError, match="signature"):
        verify_jwt(f"{swapped}.{payload}.{token.split('.')[2]}")


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ({"alg": "none", "kid": KEY.multikey}, "not EdDSA"),
        ({"alg": "HS256", "kid": KEY.multikey}, "not EdDSA"),
        ({"alg": "EdDSA"}, "no kid"),
        ({"alg": "EdDSA", "kid": KEY.did}, "bare multikey"),
        ({"alg": "EdDSA", "kid": "zzz"}, "multikey"),
    ],
)
def test_headers_the_venue_refuses_are_refused(header: dict[str, str], match: str) -> None:
    _, payload, signature = encode_jwt(KEY, {"sub": KEY.did}).split(".")
    with pytest.raises(TokenError, match=match):
        verify_jwt(f"{_reencode(header)}.{payload}.{signature}")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "!!.e30.",
        "W10.e30.",
        "e30.bm90IGpzb24.",
        5,
        "e30.e30." + "A" * 300_000,
    ],
)
def test_malformed_tokens_are_token_errors(token: object) -> None:
    with pytest.raises(TokenError):
        decode_jwt(token)  # type: ignore[arg-type]


@given(st.text(max_size=300))
def test_fuzz_only_token_errors(text: str) -> None:
    with contextlib.suppress(TokenError):
        verify_jwt(text)


def test_signing_input_is_what_the_venue_signs() -> None:
    token = encode_jwt(KEY, {"a": 1})
    jwt = decode_jwt(token)
    assert jwt.signing_input == token.rsplit(".", 1)[0].encode()
    assert b64url_decode(token.split(".")[2]) == jwt.signature


def test_is_time() -> None:
    assert is_time(1)
    assert is_time(1.5)
    assert not any(is_time(v) for v in (True, None, "1", float("nan"), float("inf")))
