"""Tests of the operation catalog endpoints (venue-api.md §3.3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.endpoints import operations
from covia_proto.errors import CoviaUsageError, NotFoundError, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
OP = "7a8b" * 16
JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)

CATALOG = (
    b'[{"name":"v/test/ops/echo","asset":"' + OP.encode() + b'","description":"Echo",'
    b'"input":{"type":"any"},"output":{"type":"any"}},'
    b'{"name":"v/agents/templates/helper","asset":"0x' + OP.upper().encode() + b'"}]'
)


def test_list_request() -> None:
    request = operations.list_operations(ENDPOINT).request
    assert (request.method, request.url) == ("GET", BASE + "/api/v1/operations")
    assert request.idempotent


def test_parse_catalog() -> None:
    ops = operations.list_operations(ENDPOINT).parse(Response(200, JSON_CT, CATALOG))
    assert [op.name for op in ops] == ["v/test/ops/echo", "v/agents/templates/helper"]
    assert ops[0].asset == OP
    assert ops[1].asset == OP
    assert ops[0].description == "Echo"
    assert ops[0].input == {"type": "any"}
    assert ops[1].input is None


def test_parse_catalog_envelope_and_empty() -> None:
    body = b'{"items":[{"name":"v/ops/json/merge"}],"total":1}'
    assert operations.parse_operations(Response(200, JSON_CT, body))[0].name == "v/ops/json/merge"
    assert operations.parse_operations(Response(200, JSON_CT, b"[]")) == ()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"name":"x"}', "not a JSON array"),
        (b'{"items":"[]"}', "not a JSON array"),
        (b'["v/ops/x"]', "expected a JSON object for OperationInfo"),
        (b'[{"name":1}]', "expected a string"),
        (b"", "empty"),
    ],
)
def test_parse_catalog_rejects(body: bytes, fragment: str) -> None:
    with pytest.raises(VenueProtocolError, match=fragment) as info:
        operations.list_operations(ENDPOINT).parse(Response(200, JSON_CT, body))
    assert info.value.request is not None
    assert info.value.request.url == BASE + "/api/v1/operations"


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("v/test/ops/echo", "v%2Ftest%2Fops%2Fecho"),
        (" v/ops/json/merge ", "v%2Fops%2Fjson%2Fmerge"),
        (OP, OP),
        ("/a/" + OP, "%2Fa%2F" + OP),
        ("did:web:venue.example.com/v/ops/x", "did:web:venue.example.com%2Fv%2Fops%2Fx"),
    ],
)
def test_get_request_encodes_the_name_as_one_segment(name: str, segment: str) -> None:
    request = operations.get_operation(ENDPOINT, name).request
    assert request.method == "GET"
    assert request.url == f"{BASE}/api/v1/operations/{segment}"


@pytest.mark.parametrize("bad", ["", "  ", None, 7])
def test_get_refuses_bad_names(bad: Any) -> None:
    with pytest.raises(CoviaUsageError):
        operations.get_operation(ENDPOINT, bad)


def test_parse_operation() -> None:
    body = b'{"name":"v/test/ops/echo","asset":"' + OP.encode() + b'","description":"Echo"}'
    op = operations.get_operation(ENDPOINT, "v/test/ops/echo").parse(Response(200, JSON_CT, body))
    assert (op.name, op.asset, op.description) == ("v/test/ops/echo", OP, "Echo")


def test_unknown_operation_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="Operation not found: v/ops/nope"):
        operations.parse_operation(
            Response(404, JSON_CT, b'{"error":"Operation not found: v/ops/nope"}')
        )


@settings(max_examples=150, deadline=None)
@given(responses, st.sampled_from(["v/test/ops/echo", OP]))
def test_fuzz_only_covia_errors(response: Response, name: str) -> None:
    only_covia_errors(operations.list_operations(ENDPOINT).parse, response)
    only_covia_errors(operations.get_operation(ENDPOINT, name).parse, response)
    only_covia_errors(operations.parse_operations, response)
    only_covia_errors(operations.parse_operation, response)
