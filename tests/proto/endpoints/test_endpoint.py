"""Tests of request building: URLs, path-segment encoding, JSON bodies and headers."""

from __future__ import annotations

import copy
import math

import pytest

from covia_proto import __version__
from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth
from covia_proto.endpoints.endpoint import (
    API_ROOT,
    DEFAULT_USER_AGENT,
    Endpoint,
    encode_json,
    hex_segment,
    segment,
)
from covia_proto.errors import CoviaUsageError

BASE = "https://venue.example.com"
UPPER_ID = "0x" + "AB" * 32


def test_user_agent_names_the_sdk_version() -> None:
    assert f"covia-python/{__version__}" == DEFAULT_USER_AGENT
    assert API_ROOT == "/api/v1"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("v/test/ops/echo", "v%2Ftest%2Fops%2Fecho"),
        ("v/ops/json/merge", "v%2Fops%2Fjson%2Fmerge"),
        ("did:web:venue.example.com/a/" + "ab" * 4, "did:web:venue.example.com%2Fa%2Fabababab"),
        ("did:web:h%3A8080", "did:web:h%253A8080"),
        ("a b", "a%20b"),
        ("x;y", "x%3By"),
        ("q?x#f", "q%3Fx%23f"),
        ("a+b", "a%2Bb"),
        ("openai_key", "openai_key"),
        ("ключ", "%D0%BA%D0%BB%D1%8E%D1%87"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("...", "..."),
        ("name=x,y@z", "name=x,y@z"),
    ],
)
def test_segment_encodes_everything_that_could_split_the_path(value: str, encoded: str) -> None:
    assert segment(value) == encoded
    assert "/" not in segment(value)


@pytest.mark.parametrize("bad", ["", None, 5, b"ab"])
def test_segment_refuses_non_strings_and_empty(bad: object) -> None:
    with pytest.raises(CoviaUsageError):
        segment(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (UPPER_ID, "ab" * 32),
        ("AB" * 32, "ab" * 32),
        (" 0x" + "cd" * 16 + "\n", "cd" * 16),
        ("did:key:z6Mk/a/" + "ab" * 32, "did:key:z6Mk%2Fa%2F" + "ab" * 32),
        ("w/data/x", "w%2Fdata%2Fx"),
        ("abc", "abc"),  # odd length: not an id, sent as given
    ],
)
def test_hex_segment(value: str, encoded: str) -> None:
    assert hex_segment(value, "asset id") == encoded


@pytest.mark.parametrize("bad", [None, 12, ["ab"]])
def test_hex_segment_names_what_was_wrong(bad: object) -> None:
    with pytest.raises(CoviaUsageError, match="job id must be a string"):
        hex_segment(bad, "job id")  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError):
        hex_segment("   ", "job id")


def test_encode_json_is_compact_utf8() -> None:
    assert encode_json({"a": [1, 2], "b": None, "c": "é✓"}) == (
        '{"a":[1,2],"b":null,"c":"é✓"}'.encode()
    )
    assert encode_json("x") == b'"x"'


@pytest.mark.parametrize("bad", [math.nan, math.inf, {1, 2}, {"k": object()}, {(1, 2): 3}])
def test_encode_json_refuses_what_json_cannot_carry(bad: object) -> None:
    with pytest.raises(CoviaUsageError, match="cannot be sent as JSON"):
        encode_json(bad)


def test_url_and_query() -> None:
    ep = Endpoint(BASE)
    assert ep.url("/.well-known/did.json") == BASE + "/.well-known/did.json"
    assert ep.api_url("status") == BASE + "/api/v1/status"
    assert ep.api_url("jobs", "ab", "cancel") == BASE + "/api/v1/jobs/ab/cancel"
    assert ep.api_url("assets", query={"offset": 0, "limit": None, "kind": "data"}) == (
        BASE + "/api/v1/assets?offset=0&kind=data"
    )
    assert ep.api_url("x", query={"a": None}) == BASE + "/api/v1/x"
    assert ep.api_url("x", query={"wait": True, "b": False}) == (
        BASE + "/api/v1/x?wait=true&b=false"
    )
    assert ep.api_url("values", "read", query={"path": "w/a b&c"}) == (
        BASE + "/api/v1/values/read?path=w%2Fa+b%26c"
    )
    prefixed = Endpoint("https://h.example/venue")
    assert prefixed.api_url("status") == "https://h.example/venue/api/v1/status"


def test_default_headers() -> None:
    request = Endpoint(BASE).request("GET", BASE + "/api/v1/status")
    assert request.headers == (
        ("User-Agent", DEFAULT_USER_AGENT),
        ("Accept", "application/json"),
    )
    assert request.body == b""
    assert request.idempotent is True


def test_json_body_sets_content_type() -> None:
    request = Endpoint(BASE).request("POST", BASE + "/x", json_body={"operation": "o"})
    assert request.body == b'{"operation":"o"}'
    assert request.header("Content-Type") == "application/json"
    assert request.idempotent is False


def test_json_body_null_is_a_body() -> None:
    assert Endpoint(BASE).request("POST", BASE, json_body=None).body == b"null"


def test_raw_body_and_explicit_content_type() -> None:
    request = Endpoint(BASE).request(
        "PUT", BASE, body=b"\x00\x01", content_type="application/octet-stream", accept="*/*"
    )
    assert request.body == b"\x00\x01"
    assert request.header("content-type") == "application/octet-stream"
    assert request.header("accept") == "*/*"


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (BearerAuth("tok"), "Bearer tok"),
        (BasicAuth("aladdin", "opensesame"), "Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
    ],
)
def test_auth_header(auth: Auth, expected: str) -> None:
    request = Endpoint(BASE, auth=auth).request("GET", BASE)
    assert request.header("Authorization") == expected


def test_custom_auth_sees_the_finished_headers() -> None:
    seen: list[dict[str, str]] = []

    class Signing(Auth):
        def apply(self, headers: dict[str, str]) -> None:
            seen.append(dict(headers))
            headers["X-Signature"] = "sig:" + headers["Content-Type"]

    ep = Endpoint(BASE, auth=Signing(), headers=(("X-Trace", "1"),))
    request = ep.request("POST", BASE, json_body={})
    assert request.header("X-Signature") == "sig:application/json"
    assert seen[0]["X-Trace"] == "1"
    assert seen[0]["User-Agent"] == DEFAULT_USER_AGENT


def test_caller_headers_override_defaults_case_insensitively() -> None:
    ep = Endpoint(BASE, headers=(("user-agent", "my-app/2"), ("ACCEPT", "text/plain")))
    request = ep.request(
        "POST", BASE, json_body={}, extra_headers=[("content-TYPE", "application/json5")]
    )
    names = [name.lower() for name, _ in request.headers]
    assert sorted(names) == ["accept", "content-type", "user-agent"]
    assert request.header("User-Agent") == "my-app/2"
    assert request.header("Accept") == "text/plain"
    assert request.header("Content-Type") == "application/json5"


@pytest.mark.parametrize("auth", [NoAuth(), BearerAuth("t")], ids=["anonymous", "bearer"])
def test_an_accept_encoding_is_a_default_the_callers_headers_may_replace(
    auth: Auth,
) -> None:
    plain = Endpoint(BASE, auth=auth)
    assert plain.request("GET", BASE).header("Accept-Encoding") is None  # the driver's own
    asked = plain.request("GET", BASE, accept_encoding="identity")
    assert asked.header("Accept-Encoding") == "identity"
    mine = Endpoint(BASE, auth=auth, headers=(("accept-encoding", "gzip"),))
    request = mine.request("GET", BASE, accept_encoding="identity")
    assert [v for k, v in request.headers if k.lower() == "accept-encoding"] == ["gzip"]


def test_extra_headers_win_over_endpoint_headers() -> None:
    ep = Endpoint(BASE, headers=(("X-Mode", "a"),))
    assert ep.request("GET", BASE, extra_headers=[("x-mode", "b")]).header("X-Mode") == "b"


@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_auth_wins_over_a_stray_authorization_header(name: str) -> None:
    ep = Endpoint(BASE, auth=BearerAuth("real"), headers=((name, "Bearer stray"),))
    request = ep.request("GET", BASE)
    values = [v for k, v in request.headers if k.lower() == "authorization"]
    assert values == ["Bearer real"]


def test_without_auth_a_callers_authorization_header_is_sent() -> None:
    ep = Endpoint(BASE, headers=(("Authorization", "Bearer mine"),))
    assert ep.request("GET", BASE).header("authorization") == "Bearer mine"


def test_idempotent_flag_can_be_forced() -> None:
    ep = Endpoint(BASE)
    assert ep.request("POST", BASE, idempotent=True).idempotent is True
    assert ep.request("GET", BASE, idempotent=False).idempotent is False


def test_endpoint_repr_never_shows_credentials() -> None:
    ep = Endpoint(
        BASE,
        auth=BearerAuth("s3cr3t"),
        headers=(("Authorization", "Bearer s3cr3t2"), ("X-Api-Key", "s3cr3t3"), ("X-A", "ok")),
    )
    text = repr(ep)
    assert "s3cr3t" not in text
    assert "ok" in text
    assert "s3cr3t" not in repr(ep.request("GET", BASE))


@pytest.mark.parametrize(
    "auth", [NoAuth(), BearerAuth("tok"), BasicAuth("user", "pw")], ids=lambda a: type(a).__name__
)
def test_known_schemes_take_the_fast_path_with_the_same_headers(auth: Auth) -> None:
    class Same(type(auth)):  # type: ignore[misc]
        """A subclass: asked for its credentials on every request (the general path)."""

    general = copy.copy(auth)
    general.__class__ = Same
    fast, slow = Endpoint(BASE, auth=auth), Endpoint(BASE, auth=general)
    assert fast._credentials is not None
    assert slow._credentials is None
    for kwargs in ({}, {"json_body": {"a": 1}}, {"body": b"x", "content_type": "text/csv"}):
        assert fast.request("POST", BASE, **kwargs) == slow.request("POST", BASE, **kwargs)


def test_endpoint_repr_masks_credential_looking_custom_headers() -> None:
    headers = (("X-Auth-Token", "s3cr3t1"), ("Api-Key", "s3cr3t2"), ("X-Client-Secret", "s3cr3t3"))
    ep = Endpoint(BASE, headers=(*headers, ("X-Trace", "visible")))
    for text in (repr(ep), repr(ep.request("GET", BASE))):
        assert "s3cr3t" not in text
        assert "visible" in text


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\0", "\u2603", "\udc00"])
def test_header_values_http_cannot_carry_are_refused_when_the_endpoint_is_made(bad: str) -> None:
    for kwargs in (
        {"headers": (("X-Custom", bad),)},
        {"auth": BearerAuth("tok" + bad)},
        {"user_agent": bad},
    ):
        with pytest.raises(CoviaUsageError, match="has a value HTTP cannot carry") as caught:
            Endpoint(BASE, **kwargs)
        assert bad not in str(caught.value)


def test_header_values_are_checked_per_request_where_they_vary() -> None:
    class Signing(Auth):
        def apply(self, headers: dict[str, str]) -> None:
            headers["X-Signature"] = "sig\n"

    with pytest.raises(CoviaUsageError, match="header X-Signature"):
        Endpoint(BASE, auth=Signing()).request("GET", BASE)
    ep = Endpoint(BASE)
    with pytest.raises(CoviaUsageError, match="header Last-Event-ID"):
        ep.request("GET", BASE, extra_headers=[("Last-Event-ID", "\u2603")])
    with pytest.raises(CoviaUsageError, match="header Content-Type"):
        ep.request("PUT", BASE, body=b"x", content_type="text/plain\r\nX: y")


def test_segment_refuses_a_lone_surrogate_as_a_usage_error() -> None:
    with pytest.raises(CoviaUsageError, match="lone surrogate"):
        segment("ab\udc00")
    with pytest.raises(CoviaUsageError, match="lone surrogate"):
        hex_segment("\ud800", "asset id")
