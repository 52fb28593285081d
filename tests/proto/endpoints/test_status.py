"""Tests of GET /api/v1/status (venue-api.md §3.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from covia_proto.auth import Auth, BasicAuth, BearerAuth
from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT, Endpoint
from covia_proto.endpoints.status import get_status, parse_status
from covia_proto.errors import AuthenticationError, GridError, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, only_covia_errors, responses

JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)
BODY = (
    b'{"status":"OK","ts":1781255878753,"did":"did:key:z6MkoA","name":"Covia Venue",'
    b'"url":"https://venue.example.com","stats":{"assets":130,"users":0,"ops":116}}'
)


def test_request() -> None:
    call = get_status(Endpoint("https://venue.example.com", auth=BearerAuth("t")))
    request = call.request
    assert request.method == "GET"
    assert request.url == "https://venue.example.com/api/v1/status"
    assert request.headers == (
        ("User-Agent", DEFAULT_USER_AGENT),
        ("Accept", "application/json"),
        ("Authorization", "Bearer t"),
    )
    assert request.body == b""
    assert request.idempotent


def test_parse_the_venue_example() -> None:
    status = get_status(ENDPOINT).parse(Response(200, JSON_CT, BODY))
    assert status.status == "OK"
    assert status.did == "did:key:z6MkoA"
    assert status.url == "https://venue.example.com"
    assert status.stats is not None
    assert status.stats.ops == 116


def test_plain_text_401() -> None:
    with pytest.raises(GridError) as info:
        get_status(ENDPOINT).parse(
            Response(401, (("Content-Type", "text/plain"),), b"Authentication required")
        )
    assert info.value.status_code == 401
    assert isinstance(info.value, AuthenticationError)
    assert str(info.value).startswith(
        "GET https://venue.example.com/api/v1/status: 401 Authentication required: "
        "authentication failed. Supply an Ed25519 identity: "
    )
    assert "Ed25519Auth" in str(info.value)
    assert "COVIA_KEY" in str(info.value)


def test_wrong_types_are_protocol_errors() -> None:
    with pytest.raises(
        VenueProtocolError, match=r"^GET https://venue\.example\.com/api/v1/status: "
    ):
        get_status(ENDPOINT).parse(Response(200, JSON_CT, b'{"ts":"yesterday"}'))
    with pytest.raises(VenueProtocolError):
        parse_status(Response(200, JSON_CT, b"[]"))


@settings(max_examples=150, deadline=None)
@given(responses)
def test_fuzz_only_covia_errors(response: Response) -> None:
    only_covia_errors(get_status(ENDPOINT).parse, response)
    only_covia_errors(parse_status, response)


@pytest.mark.parametrize("auth", [BearerAuth("s3cr3t-token"), BasicAuth("alice", "s3cr3t-pw")])
def test_credentials_never_reach_reprs_or_errors(auth: Auth) -> None:
    call = get_status(Endpoint("https://venue.example.com", auth=auth))
    assert call.request.header("authorization") is not None
    with pytest.raises(GridError) as info:
        call.parse(Response(401, (("Content-Type", "text/plain"),), b"Invalid or expired token"))
    texts = [
        repr(call),
        repr(call.request),
        str(info.value),
        repr(info.value),
        repr(info.value.request),
        repr(info.value.args),
    ]
    for text in texts:
        assert "s3cr3t" not in text
