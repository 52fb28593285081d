from __future__ import annotations

import json

import pytest

from covia_proto.identity._b64url import b64url_encode
from covia_proto.identity.jwt import encode_jwt
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.tokens import issue_auth_token
from covia_proto.testing.caller_auth import venue_caller
from covia_proto.testing.simulator import VenueSimulator

KEY = Ed25519Key.from_seed(b"k" * 32)
OTHER = Ed25519Key.from_seed(b"o" * 32)
NOW = 1_781_000_000


def test_a_fresh_self_issued_token_names_its_key():
    token = issue_auth_token(KEY, now=NOW, audience="did:key:zVenue")
    assert venue_caller(token, NOW) == KEY.did


def test_an_expired_self_issued_token_still_authenticates_as_on_the_venue():
    token = issue_auth_token(KEY, now=NOW - 10_000, audience="did:key:zVenue")
    assert venue_caller(token, NOW) == KEY.did  # through sub, which has no expiry check
    without_sub = encode_jwt(KEY, {"iss": KEY.did, "aud": "x", "exp": NOW - 1})
    assert venue_caller(without_sub, NOW) is None


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": OTHER.did},
        {"iss": OTHER.did, "aud": "x", "exp": NOW + 60},
        {"iss": KEY.did, "exp": NOW + 60},  # a UCAN needs an aud
        {"iss": KEY.did, "aud": "x", "exp": NOW + 60, "nbf": NOW + 30},
        {},
    ],
)
def test_tokens_the_venue_refuses(claims: dict[str, object]):
    assert venue_caller(encode_jwt(KEY, claims), NOW) is None


def test_forged_and_malformed_tokens_name_nobody():
    header, payload, signature = issue_auth_token(KEY, now=NOW).split(".")
    other_signature = issue_auth_token(OTHER, now=NOW).split(".")[2]
    assert venue_caller(f"{header}.{payload}.{other_signature}", NOW) is None
    did_kid = b64url_encode(json.dumps({"alg": "EdDSA", "kid": KEY.did}).encode())
    assert venue_caller(f"{did_kid}.{payload}.{signature}", NOW) is None
    for junk in ("", "nope", "a.b.c", "..", "e30.e30.e30"):
        assert venue_caller(junk, NOW) is None


def _whoami(sim: VenueSimulator, token: str) -> tuple[int, bytes]:
    from covia_proto.http import Request

    request = Request(
        "POST",
        "http://venue.test/api/v1/invoke",
        (("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")),
        b'{"operation":"v/ops/auth/whoami"}',
    )
    reply = sim.handle(request)
    return reply.status, reply.body  # type: ignore[union-attr,return-value]


def test_the_private_simulator_admits_signed_callers_and_refuses_forgeries():
    sim = VenueSimulator(clock=lambda: NOW, public=False)
    status, body = _whoami(sim, issue_auth_token(KEY, now=NOW, audience=sim.venue.did))
    assert status == 201
    assert json.loads(body)["output"]["caller"] == KEY.did
    header, payload, _ = issue_auth_token(KEY, now=NOW).split(".")
    forged = f"{header}.{payload}.{issue_auth_token(OTHER, now=NOW).split('.')[2]}"
    assert _whoami(sim, forged) == (401, b"Invalid or expired token")
