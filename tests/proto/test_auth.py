"""Tests of the authentication schemes: the headers they add, and secrets kept out of reprs."""

from __future__ import annotations

import base64

import pytest

from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth
from covia_proto.errors import CoviaUsageError


def applied(auth: Auth) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    auth.apply(headers)
    return headers


def test_no_auth_adds_nothing() -> None:
    assert applied(NoAuth()) == {"Accept": "application/json"}
    assert repr(NoAuth()) == "NoAuth()"
    assert NoAuth() == NoAuth()
    assert hash(NoAuth()) == hash(NoAuth())
    assert NoAuth() != BearerAuth("t")


def test_bearer_sets_authorization() -> None:
    assert applied(BearerAuth("eyJ.token.sig")) == {
        "Accept": "application/json",
        "Authorization": "Bearer eyJ.token.sig",
    }


def test_bearer_strips_surrounding_whitespace() -> None:
    assert applied(BearerAuth("  tok\n"))["Authorization"] == "Bearer tok"


def test_bearer_replaces_an_existing_authorization() -> None:
    headers = {"Authorization": "Basic xxx"}
    BearerAuth("tok").apply(headers)
    assert headers == {"Authorization": "Bearer tok"}


@pytest.mark.parametrize("token", ["", "   ", None, 42, b"tok"])
def test_bearer_refuses_empty_or_non_string_tokens(token: object) -> None:
    with pytest.raises(CoviaUsageError):
        BearerAuth(token)  # type: ignore[arg-type]


def test_basic_sets_base64_credentials() -> None:
    value = applied(BasicAuth("alice", "pa:ss wörd"))["Authorization"]
    scheme, _, encoded = value.partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "alice:pa:ss wörd"
    assert applied(BasicAuth("aladdin", "opensesame"))["Authorization"] == (
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l"
    )


@pytest.mark.parametrize(("user", "password"), [("a:b", "p"), (1, "p"), ("u", None)])
def test_basic_refuses_bad_credentials(user: object, password: object) -> None:
    with pytest.raises(CoviaUsageError):
        BasicAuth(user, password)  # type: ignore[arg-type]


def test_reprs_never_show_secrets() -> None:
    bearer = BearerAuth("s3cr3t-token")
    basic = BasicAuth("alice", "hunter2")
    for text in (repr(bearer), str(bearer), f"{bearer!s}"):
        assert "s3cr3t" not in text
    assert repr(bearer) == "BearerAuth(token=***)"
    assert repr(basic) == "BasicAuth(username='alice', password=***)"
    assert "hunter2" not in str(basic)
    assert basic.username == "alice"


def test_custom_scheme_repr_hides_its_attributes() -> None:
    class ApiKey(Auth):
        def __init__(self, key: str) -> None:
            self.key = key

        def apply(self, headers: dict[str, str]) -> None:
            headers["X-Api-Key"] = self.key

    scheme = ApiKey("s3cr3t")
    assert repr(scheme) == "ApiKey(***)"
    assert applied(scheme)["X-Api-Key"] == "s3cr3t"


def test_base_class_apply_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        Auth().apply({})


def test_a_ucan_is_refused_as_a_bearer_token():
    from covia_proto.identity.keys import Ed25519Key
    from covia_proto.identity.tokens import issue_auth_token
    from covia_proto.identity.ucan import issue_ucan

    key = Ed25519Key.from_seed(b"u" * 32)
    ucan = issue_ucan(key, key.did, [(f"{key.did}/w/", "crud/read")], expires=10, nonce="n")
    with pytest.raises(CoviaUsageError, match="ucans="):
        BearerAuth(ucan)
    # Any other JWT (a self-issued token) and opaque strings pass through.
    BearerAuth(issue_auth_token(key, now=0))
    BearerAuth("a.b.c")


def test_a_venue_bound_scheme_must_say_how_it_binds():
    from covia_proto.auth import VenueBoundAuth

    class Unfinished(VenueBoundAuth):
        def apply(self, headers: dict[str, str]) -> None:
            headers["X"] = "y"

    assert Unfinished().audience is None
    with pytest.raises(NotImplementedError):
        Unfinished().for_venue("did:web:x")
