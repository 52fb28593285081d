"""Tests of JSON-RPC over /mcp and /a2a (venue-api.md §3.10, §3.11)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.auth import BearerAuth
from covia_proto.endpoints import jsonrpc
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import GridError, JsonRpcError, RequestInfo, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, json_values, only_covia_errors, responses, sse_framed

BASE = "https://venue.example.com"
JSON_CT = (("Content-Type", "application/json"),)
SSE_CT = (("Content-Type", "text/event-stream"),)


def test_mcp_request() -> None:
    ep = Endpoint(BASE, auth=BearerAuth("tok"))
    request = jsonrpc.mcp_call(ep, "tools/list", request_id=7, session_id="sess-1").request
    assert request.method == "POST"
    assert request.url == BASE + "/mcp"
    assert request.body == b'{"jsonrpc":"2.0","id":7,"method":"tools/list"}'
    assert request.header("Accept") == "application/json, text/event-stream"
    assert request.header("Content-Type") == "application/json"
    assert request.header("Mcp-Session-Id") == "sess-1"
    assert request.header("Authorization") == "Bearer tok"
    assert request.idempotent is False


def test_mcp_request_with_params_and_no_session() -> None:
    request = jsonrpc.mcp_call(
        ENDPOINT, "tools/call", {"name": "echo", "arguments": {"x": 1}}
    ).request
    assert request.body == (
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call",'
        b'"params":{"name":"echo","arguments":{"x":1}}}'
    )
    assert request.header(jsonrpc.MCP_SESSION_HEADER) is None


def test_a2a_request() -> None:
    request = jsonrpc.a2a_call(ENDPOINT, "GetTask", {"id": "ab"}, request_id="r1").request
    assert request.method == "POST"
    assert request.url == BASE + "/a2a"
    assert request.body == b'{"jsonrpc":"2.0","id":"r1","method":"GetTask","params":{"id":"ab"}}'
    assert request.header("accept") == "application/a2a+json, application/json;q=0.9"
    assert request.idempotent is False


TOOL_RESULT = {
    "content": [{"type": "text", "text": '{"x":1}'}],
    "structuredContent": {"x": 1},
    "isError": False,
}


@pytest.mark.parametrize(
    "response",
    [
        Response(
            200, JSON_CT, json.dumps({"jsonrpc": "2.0", "id": 1, "result": TOOL_RESULT}).encode()
        ),
        Response(200, SSE_CT, sse_framed({"jsonrpc": "2.0", "id": 1, "result": TOOL_RESULT})),
        Response(
            200,
            (("Content-Type", "text/event-stream; charset=utf-8"),),
            b"event: message\r\ndata: "
            + json.dumps({"jsonrpc": "2.0", "id": 1, "result": TOOL_RESULT}).encode()
            + b"\r\n\r\n",
        ),
        # One frame whose closing blank line is missing.
        Response(
            200,
            SSE_CT,
            b"event: message\ndata: "
            + json.dumps({"jsonrpc": "2.0", "id": 1, "result": TOOL_RESULT}).encode(),
        ),
        Response(
            200,
            (("Content-Type", "application/a2a+json; charset=utf-8"),),
            json.dumps({"jsonrpc": "2.0", "id": 1, "result": TOOL_RESULT}).encode(),
        ),
    ],
)
def test_result_as_json_or_sse(response: Response) -> None:
    assert jsonrpc.mcp_call(ENDPOINT, "tools/call").parse(response) == TOOL_RESULT


def test_null_and_empty_results() -> None:
    assert (
        jsonrpc.parse_jsonrpc_result(
            Response(200, JSON_CT, b'{"jsonrpc":"2.0","id":1,"result":null}')
        )
        is None
    )
    assert (
        jsonrpc.parse_jsonrpc_result(
            Response(200, JSON_CT, b'{"jsonrpc":"2.0","id":1,"result":{}}')
        )
        == {}
    )


@pytest.mark.parametrize(
    ("error", "code", "message", "data"),
    [
        ({"code": -32602, "message": "Unknown tool: nope"}, -32602, "Unknown tool: nope", None),
        (
            {"code": -32001, "message": "Task not found", "data": {"id": "ab"}},
            -32001,
            "Task not found",
            {"id": "ab"},
        ),
        ({"code": -32700}, -32700, "(no message)", None),
    ],
)
def test_errors_are_json_rpc_errors(
    error: dict[str, Any], code: int, message: str, data: Any
) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "error": error}).encode()
    call = jsonrpc.a2a_call(ENDPOINT, "GetTask")
    for response in (
        Response(200, JSON_CT, body),
        Response(200, SSE_CT, sse_framed(json.loads(body))),
    ):
        with pytest.raises(JsonRpcError) as info:
            call.parse(response)
        assert info.value.code == code
        assert info.value.data == data
        assert str(info.value) == f"POST {BASE}/a2a: JSON-RPC error {code}: {message}"


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (Response(200, JSON_CT, b'{"id":1,"result":1}'), "not a JSON-RPC 2.0 response"),
        (Response(200, JSON_CT, b'{"jsonrpc":"1.0","result":1}'), "not a JSON-RPC 2.0"),
        (Response(200, JSON_CT, b"[]"), "not a JSON-RPC 2.0"),
        (Response(200, JSON_CT, b'{"jsonrpc":"2.0","id":1}'), "neither result nor error"),
        (Response(200, JSON_CT, b'{"jsonrpc":"2.0","error":"boom"}'), "malformed"),
        (Response(200, JSON_CT, b'{"jsonrpc":"2.0","error":{"code":"x"}}'), "malformed"),
        (Response(200, JSON_CT, b""), "empty"),
        (Response(202, JSON_CT, b""), "empty"),
        (Response(200, SSE_CT, b": keepalive\n\n"), "carried no message"),
        (Response(200, SSE_CT, b"event: message\ndata: {oops\n\n"), "valid JSON"),
    ],
)
def test_malformed_answers(response: Response, fragment: str) -> None:
    with pytest.raises(VenueProtocolError, match=fragment):
        jsonrpc.parse_jsonrpc_result(response, RequestInfo("POST", BASE + "/mcp"))


def test_http_errors() -> None:
    with pytest.raises(GridError) as info:
        jsonrpc.mcp_call(ENDPOINT, "tools/list").parse(
            Response(401, (("Content-Type", "text/plain"),), b"Invalid or expired token")
        )
    assert info.value.status_code == 401
    assert info.value.message.startswith("Invalid or expired token: authentication failed")


@settings(max_examples=150, deadline=None)
@given(responses)
def test_fuzz_only_covia_errors(response: Response) -> None:
    only_covia_errors(jsonrpc.mcp_call(ENDPOINT, "ping").parse, response)
    only_covia_errors(jsonrpc.a2a_call(ENDPOINT, "GetTask").parse, response)
    only_covia_errors(jsonrpc.parse_jsonrpc_result, response)


@settings(max_examples=100, deadline=None)
@given(json_values, st.integers(0, 999), st.booleans())
def test_fuzz_any_json_framed_either_way(value: Any, status: int, sse: bool) -> None:
    body = sse_framed(value) if sse else json.dumps(value).encode()
    only_covia_errors(
        jsonrpc.parse_jsonrpc_result, Response(status, SSE_CT if sse else JSON_CT, body)
    )


def test_an_sse_answer_is_held_to_the_event_limits_in_force() -> None:
    from covia_proto.limits import Limits

    frame = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"text": "x" * 100}}).encode()
    response = Response(200, SSE_CT, b"event: message\ndata: " + frame + b"\n\n")
    call = jsonrpc.mcp_call(ENDPOINT, "tools/call")
    assert call.parse(response, Limits(max_event_line=200)) == {"text": "x" * 100}
    with pytest.raises(VenueProtocolError, match="line longer than 50 bytes"):
        call.parse(response, Limits(max_event_line=50))
    with pytest.raises(VenueProtocolError, match="event data longer than 50 characters"):
        call.parse(response, Limits(max_event_size=50))
    with pytest.raises(VenueProtocolError, match="max_json_depth is 1"):
        call.parse(response, Limits(max_json_depth=1))
