"""Tests of the routes of newer venues: run, values, adapters, agents (venue-api.md §3.12,
§3.14), and the 404 a 0.1 venue answers for them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from covia_proto.endpoints import newer
from covia_proto.endpoints.responses import is_missing_route
from covia_proto.errors import CoviaUsageError, NotFoundError, RateLimitError, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
OP = "7a8b" * 16
JSON_CT = (("Content-Type", "application/json"),)


@pytest.mark.parametrize(
    ("args", "kwargs", "sent"),
    [
        (
            ("v/ops/covia/read", {"path": "w/x"}),
            {},
            b'{"operation":"v/ops/covia/read","input":{"path":"w/x"}}',
        ),
        (("0x" + OP.upper(),), {}, b'{"operation":"' + OP.encode() + b'","input":null}'),
        (
            ("v/test/ops/echo", 1),
            {"ucans": ["u"], "private": True},
            b'{"operation":"v/test/ops/echo","input":1,"ucans":["u"],"private":true}',
        ),
    ],
)
def test_run_request(args: tuple[Any, ...], kwargs: dict[str, Any], sent: bytes) -> None:
    request = newer.run(ENDPOINT, *args, **kwargs).request
    assert request.method == "POST"
    assert request.url == BASE + "/api/v1/run"
    assert request.body == sent
    assert request.idempotent is False


@pytest.mark.parametrize("output", [b'{"a":1}', b"[1,2]", b'"text"', b"42", b"null", b"true"])
def test_run_answers_the_bare_output(output: bytes) -> None:
    import json

    assert newer.run(ENDPOINT, "v/test/ops/echo").parse(Response(200, JSON_CT, output)) == (
        json.loads(output)
    )


def test_run_on_a_0_1_venue_is_a_missing_route() -> None:
    with pytest.raises(NotFoundError) as info:
        newer.run(ENDPOINT, "v/test/ops/echo").parse(
            Response(404, JSON_CT, b'{"error":"Endpoint POST /api/v1/run not found"}')
        )
    assert is_missing_route(info.value)


def test_run_rate_limited() -> None:
    with pytest.raises(RateLimitError) as info:
        newer.run(ENDPOINT, "x").parse(
            Response(429, (("Retry-After", "3"),), b'{"error":"Rate limit exceeded"}')
        )
    assert info.value.retry_after == 3.0


def test_get_value_request() -> None:
    request = newer.get_value(ENDPOINT, "read", "w/data x", maxSize=100).request
    assert request.method == "GET"
    assert request.url == BASE + "/api/v1/values/read?path=w%2Fdata+x&maxSize=100"
    assert request.idempotent
    slice_ = newer.get_value(ENDPOINT, "slice", "w/l", offset=0, limit=None).request
    assert slice_.url == BASE + "/api/v1/values/slice?path=w%2Fl&offset=0"


def test_get_value_refuses_unknown_operations() -> None:
    with pytest.raises(CoviaUsageError, match="unknown value operation 'write'"):
        newer.get_value(ENDPOINT, "write", "w/x")


def test_adapter_operations() -> None:
    call = newer.get_adapter_operations(ENDPOINT, "json/v2")
    assert call.request.url == BASE + "/api/v1/adapters/json%2Fv2/operations"
    assert call.parse(Response(200, JSON_CT, b'{"merge":{"name":"Merge"}}')) == {
        "merge": {"name": "Merge"}
    }
    with pytest.raises(VenueProtocolError, match="expected a JSON object"):
        call.parse(Response(200, JSON_CT, b"[]"))


def test_agents() -> None:
    assert newer.list_agents(ENDPOINT).request.url == BASE + "/api/v1/agents"
    get = newer.get_agent(ENDPOINT, "helper/1")
    assert get.request.url == BASE + "/api/v1/agents/helper%2F1"
    assert get.request.method == "GET"
    assert get.parse(Response(200, JSON_CT, b'{"id":"helper/1"}')) == {"id": "helper/1"}
    with pytest.raises(CoviaUsageError):
        newer.get_agent(ENDPOINT, "")


def test_parse_any_rejects_what_is_not_json() -> None:
    with pytest.raises(VenueProtocolError, match="result is empty"):
        newer.parse_any(Response(200, JSON_CT, b""))


@settings(max_examples=150, deadline=None)
@given(responses)
def test_fuzz_only_covia_errors(response: Response) -> None:
    for call in (
        newer.run(ENDPOINT, "v/test/ops/echo"),
        newer.get_value(ENDPOINT, "read", "w/x"),
        newer.get_adapter_operations(ENDPOINT, "json"),
        newer.list_agents(ENDPOINT),
        newer.get_agent(ENDPOINT, "a"),
    ):
        only_covia_errors(call.parse, response)
    only_covia_errors(newer.parse_any, response)
