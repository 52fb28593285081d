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
