from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity.jwt import decode_jwt, encode_jwt
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.tokens import (
    REFRESH_MARGIN,
    TokenCache,
    issue_auth_token,
    verify_auth_token,
)

KEY = Ed25519Key.from_seed(bytes(range(32)))
VENUE = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
times = st.integers(min_value=0, max_value=2**40)
lifetimes = st.integers(min_value=1, max_value=10**6)


@given(times, lifetimes)
def test_round_trip(now: int, lifetime: int) -> None:
    token = issue_auth_token(KEY, now=now, audience=VENUE, lifetime=lifetime)
    assert verify_auth_token(token, now=now, audience=VENUE) == KEY.did
    assert verify_auth_token(token, now=now + lifetime - 1) == KEY.did
    claims = decode_jwt(token).claims
    assert claims == {
        "iss": KEY.did,
        "sub": KEY.did,
        "iat": now,
        "exp": now + lifetime,
        "aud": VENUE,
    }
    assert decode_jwt(token).kid == KEY.multikey


@given(times, lifetimes, st.integers(min_value=0, max_value=10**6))
def test_expired_tokens_are_refused(now: int, lifetime: int, late: int) -> None:
    token = issue_auth_token(KEY, now=now, lifetime=lifetime)
    with pytest.raises(TokenError, match="expired"):
        verify_auth_token(token, now=now + lifetime + late)


@given(times)
def test_tokens_from_the_future_and_for_other_venues_are_refused(now: int) -> None:
    token = issue_auth_token(KEY, now=now + 3600, audience=VENUE)
    with pytest.raises(TokenError, match="iat"):
        verify_auth_token(token, now=now)
    assert verify_auth_token(token, now=now, leeway=3600) == KEY.did
    with pytest.raises(TokenError, match="audience"):
        verify_auth_token(token, now=now + 3600, audience="did:web:other.example")


def test_a_subject_other_than_the_signer_is_refused() -> None:
    other = Ed25519Key.from_seed(bytes(32))
    token = encode_jwt(KEY, {"sub": other.did, "exp": 100})
    with pytest.raises(TokenError, match="subject"):
        verify_auth_token(token, now=0)
    with pytest.raises(TokenError, match="exp"):
        verify_auth_token(encode_jwt(KEY, {"sub": KEY.did}), now=0)


def test_cache_reuses_a_token_until_near_expiry() -> None:
    cache = TokenCache(KEY, audience=VENUE, lifetime=300)
    first = cache.token(1000)
    assert cache.token(1000 + 300 - REFRESH_MARGIN - 1) == first
    renewed = cache.token(1000 + 300 - REFRESH_MARGIN)
    assert renewed != first
    assert decode_jwt(renewed).claims["iat"] == 1000 + 300 - REFRESH_MARGIN
    # A clock set back before the token's issue time gets a new token, not a future one.
    assert decode_jwt(cache.token(500)).claims["iat"] == 500
    assert "KEY" not in repr(cache)
    assert KEY.did in repr(cache)


@pytest.mark.parametrize("now", [float("nan"), "now", True, None])
def test_time_must_be_a_number(now: object) -> None:
    with pytest.raises(CoviaUsageError, match="seconds"):
        issue_auth_token(KEY, now=now)  # type: ignore[arg-type]


def test_lifetimes_are_checked() -> None:
    with pytest.raises(CoviaUsageError, match="lifetime"):
        issue_auth_token(KEY, now=0, lifetime=0)
    with pytest.raises(CoviaUsageError, match="lifetime"):
        TokenCache(KEY, audience=None, lifetime=REFRESH_MARGIN)
