"""The venue's MCP endpoint, ``/mcp`` (venue-api.md §3.10), as the real venue answers it
(measured, and read in its ``MCP`` class): JSON-RPC 2.0 over POST with ``initialize``
(which opens a session, ``Mcp-Session-Id``), ``ping``, ``tools/list`` (the real venue's
tool list, captured in ``catalog``) and ``tools/call``, notifications answered 202, and
batches. ``GET /mcp`` without an event-stream ``Accept`` is 405; ``DELETE /mcp`` ends a
session.

A tool call runs the tool's operation as a job of the caller and answers its output,
as the venue does; tools whose adapter the simulator lacks answer a tool error.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from covia_proto.testing import catalog as _catalog
from covia_proto.testing.job_table import MISSING
from covia_proto.testing.replies import Reply
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import (
    BARE_JSON_TYPE,
    BadJson,
    dumps,
    empty_response,
    json_response,
    parse_json,
    read_all,
)

__all__ = ["mcp_delete", "mcp_get", "mcp_post"]

SESSION_HEADER: Final = "Mcp-Session-Id"
LATEST_PROTOCOL: Final = "2025-06-18"
SERVER_VERSION: Final = "0.2.0-SNAPSHOT"

JsonRpc = dict[str, Any]


def _error(ident: Any, code: int, message: str, *, with_id: bool = True) -> JsonRpc:
    answer: JsonRpc = {"jsonrpc": "2.0", "error": {"message": message, "code": code}}
    if with_id:
        answer["id"] = ident
    return answer


def _result(ident: Any, result: Any) -> JsonRpc:
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def _tool_answer(value: Any, *, is_error: bool) -> dict[str, Any]:
    return {
        "content": [{"type": "text", "text": dumps(value).decode()}],
        "isError": is_error,
        "structuredContent": value,
    }


def _tools() -> dict[str, str]:
    """Tool name → catalog path of its operation (``v/ops/<group>/<op>`` ↔ ``group_op``)."""
    return {
        tool["name"]: "v/ops/" + tool["name"].replace("_", "/", 1).replace("_", "-")
        for tool in _catalog.load().mcp_tools
    }


def mcp_post(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    try:
        request = parse_json(read_all(call.body))
    except BadJson:
        return _answer(_error(None, -32700, "Parse error", with_id=False))
    if isinstance(request, list):
        if not request:
            return _answer(_error(None, -32600, "Invalid batch request (empty)", with_id=False))
        answers = [a for a in (_one(venue, call, item) for item in request) if a is not None]
        return _answer(answers) if answers else empty_response(202, content_type=BARE_JSON_TYPE)
    if not isinstance(request, dict):
        message = "Request must be a JSON object or array"
        return _answer(_error(None, -32600, message, with_id=False))
    single = _one(venue, call, request)
    if single is None:  # a notification
        return empty_response(202, content_type=BARE_JSON_TYPE)
    extra = []
    if request.get("method") == "initialize" and "result" in single:
        session = str(uuid.UUID(int=venue.rng.getrandbits(128), version=4))
        venue.mcp_sessions.add(session)
        extra.append((SESSION_HEADER, session))
    return _answer(single, extra)


def _answer(value: Any, extra: list[tuple[str, str]] | None = None) -> Reply:
    return json_response(200, value, extra or (), content_type=BARE_JSON_TYPE)


def _one(venue: Venue, call: Call, request: Any) -> JsonRpc | None:
    if not isinstance(request, dict):
        return _error(None, -32600, "Request must be a JSON object", with_id=False)
    ident = request.get("id")
    method = request.get("method")
    if not isinstance(method, str):
        return _error(ident, -32600, "Missing method")
    if "id" not in request:
        return None  # notifications get no answer
    params = request.get("params")
    if method == "initialize":
        return _result(ident, _initialize(venue, params))
    if method == "ping":
        return _result(ident, {})
    if method == "tools/list":
        return _result(ident, {"tools": list(_catalog.load().mcp_tools)})
    if method == "tools/call":
        return _tool_call(venue, call, ident, params)
    return _error(ident, -32601, f"Method not found: {method}")


def _initialize(venue: Venue, params: Any) -> dict[str, Any]:
    asked = params.get("protocolVersion") if isinstance(params, dict) else None
    version = asked if isinstance(asked, str) and asked < LATEST_PROTOCOL else LATEST_PROTOCOL
    info: dict[str, Any] = {"name": "covia-grid-mcp", "version": SERVER_VERSION}
    if venue.name is not None:
        info["title"] = venue.name
    return {"capabilities": {"tools": {}}, "serverInfo": info, "protocolVersion": version}


def _tool_call(venue: Venue, call: Call, ident: Any, params: Any) -> JsonRpc:
    if not isinstance(params, dict):
        return _error(ident, -32602, "params must be an object")
    name = params.get("name")
    path = _tools().get(name) if isinstance(name, str) else None
    resolved = venue.resolve_operation(path) if path else None
    if resolved is None:
        return _error(ident, -32602, f"Unknown tool: {name}")
    operation = resolved[1].get("operation")
    adapter = operation.get("adapter") if isinstance(operation, dict) else None
    if not isinstance(adapter, str) or venue.operation_for(adapter) is None:
        message = f"Adapter not available: {str(adapter).partition(':')[0]}"
        return _result(ident, _tool_answer({"message": message}, is_error=True))
    job = venue.start_job(call.caller, *resolved, params.get("arguments"), private=False)
    venue.advance()  # the venue waits for the job; work due at once (secret set) runs now
    if job.status == "COMPLETE":
        output = None if job.output is MISSING else job.output
        return _result(ident, _tool_answer(output, is_error=False))
    message = job.error or f"Tool call did not complete: job {job.id} is {job.status}"
    return _result(ident, _tool_answer({"message": message}, is_error=True))


def mcp_get(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    if "text/event-stream" not in (call.request.header("Accept") or ""):
        return empty_response(405)
    return empty_response(400)  # event streams of MCP sessions are not simulated


def mcp_delete(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    session = call.request.header(SESSION_HEADER)
    if session is None:
        return empty_response(400)
    if session not in venue.mcp_sessions:
        return empty_response(404)
    venue.mcp_sessions.discard(session)
    return empty_response(200)
