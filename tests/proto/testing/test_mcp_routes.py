"""The simulated /mcp endpoint answers as the real venue's (measured)."""

from __future__ import annotations

import json

import pytest

from covia_proto.testing import VenueSimulator
from tests.proto.testing.simhelp import ctype, js, make, send

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@pytest.fixture
def sim() -> VenueSimulator:
    return make()[0]


def rpc(sim: VenueSimulator, body: object, **kw: object) -> object:
    response = send(sim, "POST", "/mcp", body, **kw)
    assert (response.status, ctype(response)) == (200, "application/json")
    return js(response)


def test_initialize_opens_a_session(sim: VenueSimulator) -> None:
    params = {"protocolVersion": "2025-03-26", "capabilities": {}}
    response = send(
        sim, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    )
    assert js(response)["result"] == {
        "capabilities": {"tools": {}},
        "serverInfo": {
            "name": "covia-grid-mcp",
            "version": "0.2.0-SNAPSHOT",
            "title": "Covia Test Venue",
        },
        "protocolVersion": "2025-03-26",
    }
    session = response.header("Mcp-Session-Id")
    assert session is not None
    newer = rpc(
        sim,
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "initialize",
            "params": {"protocolVersion": "2099-01-01"},
        },
    )
    assert newer["result"]["protocolVersion"] == "2025-06-18"  # type: ignore[index]
    ended = send(sim, "DELETE", "/mcp", headers=(("Mcp-Session-Id", session),))
    assert ended.status == 200
    again = send(sim, "DELETE", "/mcp", headers=(("Mcp-Session-Id", session),))
    assert again.status == 404
    assert send(sim, "DELETE", "/mcp").status == 400


def test_ping_batches_and_notifications(sim: VenueSimulator) -> None:
    assert rpc(sim, PING) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert rpc(sim, [PING, {"jsonrpc": "2.0", "method": "notifications/x"}]) == [
        {"jsonrpc": "2.0", "id": 1, "result": {}}
    ]
    note = send(sim, "POST", "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert (note.status, note.body, ctype(note)) == (202, b"", "application/json")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{bad", {"message": "Parse error", "code": -32700}),
        (b"[]", {"message": "Invalid batch request (empty)", "code": -32600}),
        (b"7", {"message": "Request must be a JSON object or array", "code": -32600}),
    ],
)
def test_request_errors(sim: VenueSimulator, body: bytes, error: dict[str, object]) -> None:
    assert rpc(sim, None, raw=body) == {"jsonrpc": "2.0", "error": error}


def test_method_errors(sim: VenueSimulator) -> None:
    assert rpc(sim, {"jsonrpc": "2.0", "id": 3}) == {
        "jsonrpc": "2.0",
        "error": {"message": "Missing method", "code": -32600},
        "id": 3,
    }
    assert rpc(sim, {"jsonrpc": "2.0", "id": 4, "method": "no/such"})["error"] == {  # type: ignore[index]
        "message": "Method not found: no/such",
        "code": -32601,
    }


def test_tools_list_and_call(sim: VenueSimulator) -> None:
    tools = rpc(sim, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})["result"]["tools"]  # type: ignore[index]
    assert len(tools) == 35
    call = {"name": "secret_set", "arguments": {"name": "K", "value": "v"}}
    result = rpc(sim, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})["result"]  # type: ignore[index]
    assert result["isError"] is False
    assert result["structuredContent"] == {"name": "K", "stored": True}
    assert json.loads(result["content"][0]["text"]) == {"name": "K", "stored": True}
    assert sim.secrets_of(sim.public_caller) == {"K": "v"}
    failed = rpc(
        sim,
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "secret_set", "arguments": {}},
        },
    )
    assert failed["result"]["isError"] is True  # type: ignore[index]
    absent = rpc(
        sim,
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "agent_list", "arguments": {}},
        },
    )
    assert absent["result"]["structuredContent"] == {"message": "Adapter not available: agent"}  # type: ignore[index]
    unknown = rpc(
        sim, {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "nope"}}
    )
    assert unknown["error"] == {"message": "Unknown tool: nope", "code": -32602}  # type: ignore[index]
    bad = rpc(sim, {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": 5})
    assert bad["error"] == {"message": "params must be an object", "code": -32602}  # type: ignore[index]


def test_get_wants_an_event_stream(sim: VenueSimulator) -> None:
    assert send(sim, "GET", "/mcp").status == 405
    assert send(sim, "GET", "/mcp", headers=(("Accept", "text/event-stream"),)).status == 400


def test_a_private_venue_guards_mcp() -> None:
    sim, _ = make(public=False)
    refused = send(sim, "POST", "/mcp", PING)
    assert (refused.status, refused.body) == (401, b"Authentication required")
    assert send(sim, "GET", "/.well-known/mcp").status == 200
