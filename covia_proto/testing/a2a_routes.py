"""The venue's A2A endpoint, ``POST /a2a`` (venue-api.md §3.11), as far as a client
probes it: JSON-RPC 2.0 with the A2A 1.0 method names, answered as the real venue does
(measured, and read in its ``A2A`` class) — ``GetTask`` and ``CancelTask`` on the
caller's jobs, ``SendMessage`` to a job's task id (a message to the job), and the real
venue's errors for everything else (no default chat operation is configured, several
methods are "not yet implemented"). Streaming (``SendStreamingMessage``,
``SubscribeToTask``) is not simulated; it answers as unimplemented.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from covia_proto.testing.job_table import MISSING, Job
from covia_proto.testing.replies import Reply
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import (
    A2A_TYPE,
    BadJson,
    json_response,
    parse_hex,
    parse_json,
    read_all,
)

__all__ = ["a2a_post"]

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL: Final = -32603
TASK_NOT_FOUND: Final = -32001
TASK_NOT_CANCELABLE: Final = -32002
UNSUPPORTED: Final = -32004

NOT_IMPLEMENTED: Final = frozenset(
    {
        "SetTaskPushNotificationConfig",
        "GetTaskPushNotificationConfig",
        "ListTaskPushNotificationConfig",
        "DeleteTaskPushNotificationConfig",
        "ListTasks",
        "GetExtendedAgentCard",
        # Real on the venue (event streams); not simulated.
        "SendStreamingMessage",
        "SubscribeToTask",
    }
)

_STATES: Final = {
    "PENDING": "TASK_STATE_SUBMITTED",
    "STARTED": "TASK_STATE_WORKING",
    "PAUSED": "TASK_STATE_WORKING",
    "COMPLETE": "TASK_STATE_COMPLETED",
    "FAILED": "TASK_STATE_FAILED",
    "TIMEOUT": "TASK_STATE_FAILED",
    "CANCELLED": "TASK_STATE_CANCELED",
    "REJECTED": "TASK_STATE_REJECTED",
    "INPUT_REQUIRED": "TASK_STATE_INPUT_REQUIRED",
    "AUTH_REQUIRED": "TASK_STATE_AUTH_REQUIRED",
}


def _answer(body: dict[str, Any]) -> Reply:
    return json_response(200, {"jsonrpc": "2.0", **body}, content_type=A2A_TYPE)


def _error(ident: Any, code: int, message: str, *, with_id: bool = True) -> Reply:
    body: dict[str, Any] = {"id": ident} if with_id else {}
    body["error"] = {"code": code, "message": message}
    return _answer(body)


def a2a_post(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    try:
        envelope = parse_json(read_all(call.body))
    except BadJson:
        return _error(None, PARSE_ERROR, "Parse error", with_id=False)
    if envelope is None:
        return _error(None, INVALID_REQUEST, "Empty request", with_id=False)
    if not isinstance(envelope, dict):  # the venue reads the envelope as a JSON object
        return _error(None, PARSE_ERROR, "Parse error", with_id=False)
    ident = envelope.get("id")
    method = envelope.get("method")
    if not isinstance(method, str):
        return _error(ident, INVALID_REQUEST, "Missing or invalid method")
    params = envelope.get("params")
    if method in ("GetTask", "CancelTask"):
        return _task_call(venue, call, ident, method, params)
    if method == "SendMessage":
        return _send_message(venue, call, ident, params)
    if method in NOT_IMPLEMENTED:
        return _error(ident, UNSUPPORTED, f"Not yet implemented: {method}")
    return _error(ident, METHOD_NOT_FOUND, f"Method not found: {method}")


def _task_call(venue: Venue, call: Call, ident: Any, method: str, params: Any) -> Reply:
    task_id = params.get("id") if isinstance(params, dict) else None
    if not isinstance(task_id, str):
        return _error(ident, INTERNAL, f"Internal error: invalid params for {method}")
    hexid = parse_hex(task_id)
    if hexid is None:
        return _error(ident, INVALID_PARAMS, "Invalid task id")
    job = venue.jobs.get(hexid)
    if job is None or job.caller != call.caller:
        return _error(ident, TASK_NOT_FOUND, f"Task not found: {task_id}")
    if method == "CancelTask":
        if job.terminal:
            return _error(ident, TASK_NOT_CANCELABLE, "Task is already in a terminal state")
        venue.set_status(job, "CANCELLED", error=f"Job cancelled: {job.id}")
        venue.operation(job).cancel(venue, job)
    return _answer({"id": ident, "result": {"task": _task(job)}})


def _send_message(venue: Venue, call: Call, ident: Any, params: Any) -> Reply:
    message = params.get("message") if isinstance(params, dict) else None
    if not isinstance(message, dict):
        return _error(ident, INTERNAL, "Internal error: invalid params for SendMessage")
    task_id = message.get("taskId")
    if task_id is None:
        return _error(ident, UNSUPPORTED, "A2A defaultChatOp not configured on this venue")
    hexid = parse_hex(task_id) if isinstance(task_id, str) else None
    if hexid is None:
        return _error(ident, INVALID_PARAMS, "Invalid taskId")
    job = venue.jobs.get(hexid)
    if job is None or not job.live:
        return _error(ident, TASK_NOT_FOUND, f"Job not found: {hexid}")
    if job.caller != call.caller:
        return _error(ident, TASK_NOT_FOUND, "Task not found")
    record = {"message": message, "ts": venue.now_ms(), "id": "0x" + venue.jobs.new_id()}
    venue.operation(job).message(venue, job, record)
    return _answer({"id": ident, "result": {"task": _task(job)}})


def _task(job: Job) -> dict[str, Any]:
    """A job as an A2A task (``A2ACodec.toTask``): its output is the one artifact."""
    stamp = _java_instant(job.updated)
    artifacts = []
    if job.output is not MISSING and job.output is not None:
        part = {"text": job.output} if isinstance(job.output, str) else {"data": job.output}
        artifacts.append({"artifactId": job.id, "parts": [part]})
    return {
        "id": job.id,
        "contextId": job.id,
        "status": {"state": _STATES.get(job.status, "UNRECOGNIZED"), "timestamp": stamp},
        "artifacts": artifacts,
        "history": [],
    }


def _java_instant(millis: int) -> str:
    """A UTC time as Java's ``OffsetDateTime.toString`` writes it: fraction without
    trailing zeros, seconds left out when they and the fraction are zero."""
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M")
    fraction = f"{millis % 1000:03d}".rstrip("0")
    if moment.second or fraction:
        text += f":{moment.second:02d}" + (f".{fraction}" if fraction else "")
    return text + "Z"
