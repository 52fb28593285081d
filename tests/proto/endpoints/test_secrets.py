"""Tests of the secret store endpoints (venue-api.md §3.7)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from covia_proto.auth import BearerAuth
from covia_proto.endpoints import secrets
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError, GridError, NotFoundError, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)


def test_list_request() -> None:
    request = secrets.list_secrets(ENDPOINT).request
    assert (request.method, request.url, request.body) == ("GET", BASE + "/api/v1/secrets", b"")


@pytest.mark.parametrize(
    ("body", "items", "total"),
    [
        (b'{"items":["openai","github"],"total":2}', ("openai", "github"), 2),
        (b'{"items":"[]","total":0}', (), 0),  # the 0.1 venue bug: a string
        (b'{"items":null,"total":0}', (), 0),  # any non-list items is empty (§3.7)
        (b'["openai"]', ("openai",), 1),  # the docs' bare array
        (b'{"total":0}', (), 0),
    ],
)
def test_parse_list(body: bytes, items: tuple[str, ...], total: int) -> None:
    listing = secrets.list_secrets(ENDPOINT).parse(Response(200, JSON_CT, body))
    assert (listing.items, listing.total) == (items, total)


def test_parse_list_rejects_wrong_names() -> None:
    with pytest.raises(VenueProtocolError, match="expected a string"):
        secrets.parse_secrets(Response(200, JSON_CT, b'{"items":[1],"total":1}'))


def test_put_request_body_and_repr() -> None:
    ep = Endpoint(BASE, auth=BearerAuth("tok"))
    request = secrets.put_secret(ep, "openai/key", "sk-s3cr3t").request
    assert request.method == "PUT"
    assert request.url == BASE + "/api/v1/secrets/openai%2Fkey"
    assert request.body == b'{"value":"sk-s3cr3t"}'
    assert request.header("content-type") == "application/json"
    assert request.idempotent
    assert "s3cr3t" not in repr(request)
    assert "tok" not in repr(request)


@pytest.mark.parametrize(("name", "value"), [("k", 5), ("k", None), ("", "v"), (None, "v")])
def test_put_refuses_bad_arguments(name: Any, value: Any) -> None:
    with pytest.raises(CoviaUsageError):
        secrets.put_secret(ENDPOINT, name, value)


def test_put_answer_and_errors() -> None:
    call = secrets.put_secret(ENDPOINT, "openai", "v")
    stored = call.parse(Response(200, JSON_CT, b'{"name":"openai","stored":true}'))
    assert (stored.name, stored.stored) == ("openai", True)
    with pytest.raises(GridError, match="Request body must contain a 'value' string field"):
        call.parse(
            Response(
                400, JSON_CT, b'{"error":"Request body must contain a \'value\' string field"}'
            )
        )
    with pytest.raises(VenueProtocolError, match="expected true or false"):
        call.parse(Response(200, JSON_CT, b'{"name":"openai","stored":"yes"}'))


def test_delete() -> None:
    call = secrets.delete_secret(ENDPOINT, "open ai")
    assert call.request.method == "DELETE"
    assert call.request.url == BASE + "/api/v1/secrets/open%20ai"
    assert call.request.idempotent
    assert call.parse(Response(200, (), b"")) is None
    with pytest.raises(NotFoundError, match="Secret not found: open ai"):
        call.parse(Response(404, JSON_CT, b'{"error":"Secret not found: open ai"}'))


@settings(max_examples=150, deadline=None)
@given(responses)
def test_fuzz_only_covia_errors(response: Response) -> None:
    only_covia_errors(secrets.list_secrets(ENDPOINT).parse, response)
    only_covia_errors(secrets.put_secret(ENDPOINT, "k", "v").parse, response)
    only_covia_errors(secrets.delete_secret(ENDPOINT, "k").parse, response)
    only_covia_errors(secrets.parse_secrets, response)
