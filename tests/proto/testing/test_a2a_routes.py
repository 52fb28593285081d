"""The simulated /a2a endpoint answers as the real venue's (measured)."""

from __future__ import annotations

from typing import Any

import pytest

from covia_proto.testing import VenueSimulator
from covia_proto.testing.a2a_routes import _java_instant
from tests.proto.testing.simhelp import ctype, js, make, send


@pytest.fixture
def sim() -> VenueSimulator:
    return make()[0]


def rpc(sim: VenueSimulator, body: Any = None, raw: bytes | None = None) -> Any:
    response = send(sim, "POST", "/a2a", body, raw=raw)
    assert (response.status, ctype(response)) == (200, "application/a2a+json; charset=utf-8")
    return js(response)


def call(method: str, params: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 9, "method": method, "params": params}


def test_envelope_errors(sim: VenueSimulator) -> None:
    assert rpc(sim, raw=b"{bad") == {
        "jsonrpc": "2.0",
        "error": {"code": -32700, "message": "Parse error"},
    }
    assert rpc(sim, raw=b"[1]")["error"]["code"] == -32700
    assert rpc(sim, raw=b"null")["error"] == {"code": -32600, "message": "Empty request"}
    assert rpc(sim, {"id": 1})["error"] == {"code": -32600, "message": "Missing or invalid method"}
    assert rpc(sim, call("tasks/get"))["error"] == {
        "code": -32601,
        "message": "Method not found: tasks/get",
    }
    assert rpc(sim, call("ListTasks"))["error"] == {
        "code": -32004,
        "message": "Not yet implemented: ListTasks",
    }


def test_tasks_are_the_callers_jobs(sim: VenueSimulator) -> None:
    done = js(send(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/echo", "input": "hi"}))
    task = rpc(sim, call("GetTask", {"id": done["id"]}))["result"]["task"]
    assert task["id"] == task["contextId"] == done["id"][2:]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert task["artifacts"] == [{"artifactId": done["id"][2:], "parts": [{"text": "hi"}]}]
    refused = rpc(sim, call("CancelTask", {"id": done["id"]}))["error"]
    assert refused == {"code": -32002, "message": "Task is already in a terminal state"}
    live = js(send(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/chat"}))
    cancelled = rpc(sim, call("CancelTask", {"id": live["id"]}))["result"]["task"]
    assert cancelled["status"]["state"] == "TASK_STATE_CANCELED"
    assert sim.job(live["id"])["status"] == "CANCELLED"


def test_task_errors(sim: VenueSimulator) -> None:
    assert rpc(sim, call("GetTask", {"id": "x"}))["error"] == {
        "code": -32602,
        "message": "Invalid task id",
    }
    unknown = "00" * 16
    assert rpc(sim, call("GetTask", {"id": unknown}))["error"] == {
        "code": -32001,
        "message": f"Task not found: {unknown}",
    }
    assert rpc(sim, call("GetTask", {}))["error"]["code"] == -32603


def test_send_message(sim: VenueSimulator) -> None:
    message = {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "hi"}]}
    assert rpc(sim, call("SendMessage", {"message": message}))["error"] == {
        "code": -32004,
        "message": "A2A defaultChatOp not configured on this venue",
    }
    live = js(send(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/chat"}))
    answer = rpc(sim, call("SendMessage", {"message": {**message, "taskId": live["id"][2:]}}))
    assert answer["result"]["task"]["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    gone = rpc(sim, call("SendMessage", {"message": {**message, "taskId": "00" * 16}}))
    assert gone["error"]["code"] == -32001
    assert rpc(sim, call("SendMessage", {}))["error"]["code"] == -32603


@pytest.mark.parametrize(
    ("millis", "text"),
    [
        (1_796_530_768_177, "2026-12-06T04:19:28.177Z"),
        (1_796_530_768_180, "2026-12-06T04:19:28.18Z"),
        (1_796_530_768_000, "2026-12-06T04:19:28Z"),
        (1_796_530_740_000, "2026-12-06T04:19Z"),
    ],
)
def test_times_are_written_as_java_writes_them(millis: int, text: str) -> None:
    assert _java_instant(millis) == text
