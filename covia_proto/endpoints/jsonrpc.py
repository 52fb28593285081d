"""JSON-RPC 2.0 over ``/mcp`` and ``/a2a`` (venue-api.md §3.10, §3.11).

The venue answers MCP with JSON, or with one SSE frame when the client accepts only
event streams; both shapes are read here. Errors come back with HTTP 200 and an
``error`` object, raised as ``JsonRpcError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import JSON, Endpoint
from covia_proto.endpoints.responses import check, parse_json
from covia_proto.errors import JsonRpcError, RequestInfo, VenueProtocolError
from covia_proto.http import Response
from covia_proto.limits import limits_in_force
from covia_proto.sse import SSEParser

__all__ = [
    "MCP_SESSION_HEADER",
    "a2a_call",
    "mcp_call",
    "parse_jsonrpc_result",
]

MCP_SESSION_HEADER: Final = "Mcp-Session-Id"


def _envelope(method: str, params: Mapping[str, Any] | None, request_id: int | str) -> Any:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        body["params"] = dict(params)
    return body


def mcp_call(
    endpoint: Endpoint,
    method: str,
    params: Mapping[str, Any] | None = None,
    *,
    request_id: int | str = 1,
    session_id: str | None = None,
) -> Call[Any]:
    """``POST /mcp``: ``initialize``, ``tools/list``, ``tools/call``, … → the ``result``."""
    extra = [(MCP_SESSION_HEADER, session_id)] if session_id else []
    request = endpoint.request(
        "POST",
        endpoint.url("/mcp"),
        json_body=_envelope(method, params, request_id),
        accept=f"{JSON}, text/event-stream",
        extra_headers=extra,
        idempotent=False,
    )
    return Call(request, parse_jsonrpc_result)


def a2a_call(
    endpoint: Endpoint,
    method: str,
    params: Mapping[str, Any] | None = None,
    *,
    request_id: int | str = 1,
) -> Call[Any]:
    """``POST /a2a``: ``SendMessage``, ``GetTask``, ``CancelTask``, … → the ``result``."""
    request = endpoint.request(
        "POST",
        endpoint.url("/a2a"),
        json_body=_envelope(method, params, request_id),
        accept="application/a2a+json, application/json;q=0.9",
        idempotent=False,
    )
    return Call(request, parse_jsonrpc_result)


def parse_jsonrpc_result(response: Response, request: RequestInfo | None = None) -> Any:
    check(response, request=request)
    content_type = (response.header("content-type") or "").lower()
    if content_type.startswith("text/event-stream"):
        parser = _event_parser()
        parser.receive_data(response.body)
        parser.end_of_stream()
        events = parser.events() or _unterminated(response.body)
        if not events:
            raise VenueProtocolError("JSON-RPC event stream carried no message", request=request)
        data = events[0].json()
    else:
        data = parse_json(response.body, request=request, what="JSON-RPC response")
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        raise VenueProtocolError("not a JSON-RPC 2.0 response", request=request)
    error = data.get("error")
    if error is not None:
        if not isinstance(error, dict) or not isinstance(error.get("code"), int):
            raise VenueProtocolError("JSON-RPC error object is malformed", request=request)
        message = error.get("message")
        raise JsonRpcError(
            error["code"],
            message if isinstance(message, str) else "(no message)",
            data=error.get("data"),
            request=request,
        )
    if "result" not in data:
        raise VenueProtocolError("JSON-RPC response has neither result nor error", request=request)
    return data["result"]


def _event_parser() -> SSEParser:
    limits = limits_in_force()
    return SSEParser(max_line_length=limits.max_event_line, max_event_size=limits.max_event_size)


def _unterminated(body: bytes) -> list[Any]:
    # One frame whose final blank line the venue left off: treat the body as complete.
    parser = _event_parser()
    parser.receive_data(body + b"\n\n")
    return parser.events()
