"""Route handlers for invoke and run, jobs, the job event stream and secrets
(venue-api.md §3.4–3.7, §3.14). Each takes the venue state, the call and the path
parameters, and returns a reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from covia_proto.http import Response, ResponseHead
from covia_proto.testing import ops as _ops
from covia_proto.testing.job_table import INTERACTIVE, MISSING, Job
from covia_proto.testing.lattice_ops import verified_proofs
from covia_proto.testing.list_pages import PageError, page
from covia_proto.testing.replies import Deferred, Reply, Streamed
from covia_proto.testing.sse_source import SSE_HEADERS, JobEventSource
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import (
    BadJson,
    TooLongNumber,
    empty_response,
    json_error,
    json_response,
    parse_hex,
    unexpected,
)

__all__ = [
    "cancel",
    "delete",
    "delete_secret",
    "events",
    "get_job",
    "invoke",
    "list_jobs",
    "list_secrets",
    "message",
    "pause",
    "put_secret",
    "resume",
    "run",
]


PARSE_EXCEPTION: Final = "convex.core.exceptions.ParseException"


def _unreadable(exc: BadJson) -> Response:
    """A body the venue's JSON5 reader throws on: its plain-text 500."""
    if isinstance(exc, TooLongNumber):
        return unexpected("java.lang.NumberFormatException", exc)
    return unexpected(PARSE_EXCEPTION, exc)


def _cvm_class(value: Any) -> str:
    """The Convex class a JSON value parses to, for the venue's cast errors."""
    if isinstance(value, bool):
        return "convex.core.data.prim.CVMBool"
    if isinstance(value, int):
        return "convex.core.data.prim.CVMLong"
    if isinstance(value, float):
        return "convex.core.data.prim.CVMDouble"
    if isinstance(value, str):
        return "convex.core.data.impl.StringShort"
    return "convex.core.data.MapLeaf"


def _invoke_error(detail: str) -> Response:
    return json_error(400, f"Error invoking operation: {detail}")


def _prepare(venue: Venue, call: Call) -> tuple[dict[str, Any], Job] | Response:
    """Parse an invoke-style body and start its job, or answer the venue's error."""
    if (refusal := call.too_large()) is not None:
        return refusal
    try:
        body = call.json()
    except BadJson as exc:
        return _unreadable(exc)
    if not isinstance(body, dict):  # the venue looks up "operation" in any value
        body = {}
    ref = body.get("operation")
    if not isinstance(ref, str):
        return json_error(400, "Invoke request requires an 'operation' parameter as a String")
    resolved = venue.resolve_operation(ref)
    if resolved is None or "operation" not in resolved[1]:  # by path too, here (measured)
        return _invoke_error(f"IllegalArgumentException:Cannot resolve operation: {ref}")
    operation = resolved[1].get("operation")
    adapter = operation.get("adapter") if isinstance(operation, dict) else None
    if not isinstance(adapter, str):  # agent templates too: their operation is a string
        return _invoke_error(
            "IllegalArgumentException:Metadata must contain operation.adapter field"
        )
    adapter_name = adapter.partition(":")[0]
    if adapter_name not in _ops.ADAPTERS:
        return _invoke_error(f"IllegalStateException:Adapter not available: {adapter_name}")
    ucans = body.get("ucans")
    if ucans is not None and not isinstance(ucans, list):
        return unexpected(
            "java.lang.ClassCastException",
            f"class {_cvm_class(ucans)} cannot be cast to class convex.core.data.AVector",
        )
    private = venue.latest and body.get("private") is True
    ident, metadata = resolved
    proofs = verified_proofs(ucans or [], venue.now(), venue.key.did)
    job = venue.start_job(
        call.caller, ident, metadata, body.get("input"), private=private, proofs=proofs
    )
    return body, job


def _wait_for(venue: Venue, call: Call, body: dict[str, Any]) -> tuple[float, bool] | None:
    """How long an invoke waits, and whether expiry fails the job (§3.4, §3.14)."""
    wait = body.get("wait")
    if wait is True or wait == "true" or call.param("wait") == "true":
        return venue.wait_cap, True
    if not venue.latest:
        return None
    if wait is None and call.param("wait") is not None:
        wait = call.param("wait")
        wait = int(wait) if isinstance(wait, str) and wait.isdigit() else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and wait > 0:
        # A numeric wait (ms) only bounds the answer; it leaves the job alone.
        return min(wait / 1000, venue.wait_cap), False
    return None


def _await(
    venue: Venue, job: Job, seconds: float, fail_on_expiry: bool, answer: Callable[[Job], Reply]
) -> Reply:
    deadline = venue.now() + seconds

    def poll() -> Reply | None:
        venue.advance()
        if job.terminal:
            return answer(job)
        if venue.now() >= deadline:
            if fail_on_expiry:  # the venue's side effect (§3.4)
                millis = round(venue.wait_cap * 1000)
                venue.set_status(job, "FAILED", error=f"Job timed out after {millis}ms")
            return answer(job)
        return None

    first = poll()
    return first if first is not None else Deferred(poll, wake_at=deadline)


def _job_response(job: Job, status: int) -> Response:
    return json_response(status, job.record(), [("Location", f"/api/v1/jobs/{job.id}")])


def invoke(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    prepared = _prepare(venue, call)
    if isinstance(prepared, Response):
        return prepared
    body, job = prepared
    wait = _wait_for(venue, call, body)
    if wait is None:
        return _job_response(job, 201)
    return _await(
        venue,
        job,
        *wait,
        lambda job: _job_response(job, 200 if job.status == "COMPLETE" else 201),
    )


def run(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    """``/run`` (latest): the bare output, or the job's error as JSON (500)."""
    prepared = _prepare(venue, call)
    if isinstance(prepared, Response):
        return prepared
    job = prepared[1]

    def answer(job: Job) -> Reply:
        if job.status == "COMPLETE":
            return json_response(200, None if job.output is MISSING else job.output)
        return json_error(500, job.error or f"Job ended {job.status}")

    return _await(venue, job, venue.wait_cap, True, answer)


# -- jobs ----------------------------------------------------------------------


def list_jobs(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    ids = [job.id for job in venue.jobs if job.caller == call.caller and not job.private]
    if not venue.latest:
        return json_response(200, ids)  # not paged; offset/limit are ignored
    try:
        return json_response(200, page(ids, call.query, noun="jobs"))
    except PageError as exc:
        return json_error(400, str(exc))


def get_job(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    ident = parse_hex(params[0])
    if ident is None:
        return json_error(400, "Job request requires a job ID as a valid hex string")
    job = venue.jobs.get(ident)
    if job is not None and job.live and job.caller != call.caller:
        return json_error(403, f"Access denied to job: {ident}")
    if job is None or job.caller != call.caller:
        return json_error(404, f"Job not found: 0x{ident}")  # this route prints 0x (measured)
    # A live job answers from memory, a finished one from its persisted record (§4).
    return json_response(200, job.record() if job.live else job.stored)


def _live_job(venue: Venue, call: Call, raw: str, bad_id: str) -> Job | Response:
    """A live job the caller owns, or the control routes' errors (§3.5.4–3.5.6)."""
    ident = parse_hex(raw)
    if ident is None:
        return json_error(400, bad_id)
    job = venue.jobs.get(ident)
    if job is None or not job.live:
        return empty_response(404)
    if job.caller != call.caller:
        return json_error(403, f"Access denied to job: {ident}")
    return job


def cancel(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    job = _live_job(
        venue, call, params[0], "Job cancellation request requires a job ID as a valid hex string"
    )
    if isinstance(job, Response):
        return job
    venue.set_status(job, "CANCELLED", error=f"Job cancelled: {job.id}")
    venue.operation(job).cancel(venue, job)
    return json_response(200, job.record())


def pause(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    job = _live_job(venue, call, params[0], "Pause request requires a job ID")
    if isinstance(job, Response):
        return job
    venue.set_status(job, "PAUSED")  # only a label: the work goes on (§3.5.5)
    return json_response(200, job.record())


def resume(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    job = _live_job(venue, call, params[0], "Resume request requires a job ID")
    if isinstance(job, Response):
        return job
    if job.status not in INTERACTIVE:
        return json_error(409, f"Job is not paused: {job.status}")
    venue.set_status(job, "STARTED")
    venue.operation(job).start(venue, job)  # the venue re-runs the work (§3.5.6)
    return json_response(200, job.record())


def delete(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    ident = parse_hex(params[0])
    if ident is None:
        return json_error(400, "Job deletion request requires a job ID as a valid hex string")
    job = venue.jobs.get(ident)
    if job is not None and job.live and job.caller != call.caller:
        return json_error(403, f"Access denied to job: {ident}")
    if job is None or job.caller != call.caller:
        return empty_response(404)
    if job.live:
        venue.jobs.drop_live(job)
    return empty_response(200)


def message(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    ident = parse_hex(params[0])
    if ident is None:
        # Blob.parse gives null and the job lookup trips over it (measured).
        return unexpected(
            "java.lang.NullPointerException",
            'Cannot invoke "Object.hashCode()" because "key" is null',
        )
    if (refusal := call.too_large()) is not None:
        return refusal
    try:
        value = call.json()
    except BadJson as exc:
        return _unreadable(exc)
    job = venue.jobs.get(ident)
    if job is None or not job.live:
        return json_error(404, f"Job not found: {ident}")
    if job.caller != call.caller:
        return json_error(403, f"Access denied to job: {ident}")
    message = value if isinstance(value, dict) else {"content": value}
    record = {
        "message": message,
        "ts": venue.now_ms(),
        "id": "0x" + venue.jobs.new_id(),
        "source": call.caller,
    }
    venue.operation(job).message(venue, job, record)
    ack: dict[str, Any] = {"status": "queued"}
    if not venue.latest:  # newer venues dropped queueDepth (§9)
        ack["queueDepth"] = 0
    return json_response(202, ack)


def events(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    if call.request.header("Accept") != "text/event-stream":
        return empty_response(200)  # Javalin 6 compares the whole header (§3.6)
    ident = parse_hex(params[0])
    source = JobEventSource(venue.jobs, ident or "")
    return Streamed(ResponseHead(200, SSE_HEADERS), source)


# -- secrets -------------------------------------------------------------------


def list_secrets(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    if call.caller not in venue.users:
        return json_response(200, {"items": "[]", "total": 0})  # the venue's bug (§3.7)
    names = sorted(venue.secrets.get(call.caller, {}))
    return json_response(200, {"items": names, "total": len(names)})


def put_secret(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    if (refusal := call.too_large()) is not None:
        return refusal
    try:
        body = call.json()
    except BadJson as exc:
        return _unreadable(exc)
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, str):
        return json_error(400, "Request body must contain a 'value' string field")
    name = params[0]
    # The venue runs v/ops/secret/set as a job of the caller, and waits for it.
    setter = venue.assets.get(venue.catalog["v/ops/secret/set"])
    assert setter is not None
    job = venue.start_job(
        call.caller, setter.id, setter.metadata, {"name": name, "value": value}, private=False
    )
    venue.advance()  # the set runs off the request; this route waits for it
    if job.status != "COMPLETE":
        return unexpected("java.lang.RuntimeException", job.error)
    return json_response(200, {"name": name, "stored": True})


def delete_secret(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    name = params[0]
    if call.caller not in venue.users:
        return json_error(404, "Secret not found")
    secrets = venue.secrets.get(call.caller, {})
    if name not in secrets:
        return json_error(404, f"Secret not found: {name}")
    del secrets[name]
    venue.changed()
    return empty_response(200)
