"""Invoking operations and controlling jobs (venue-api.md §3.4 to §3.6)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs

from covia_proto.converter import structure
from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint, hex_segment
from covia_proto.endpoints.responses import (
    ErrorContext,
    as_page,
    check,
    error_for,
    expect_empty,
    parse_json,
    parse_model,
    unexpected_status,
)
from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError
from covia_proto.hexid import normalize_hex, parse_hex
from covia_proto.http import EVENT_STREAM, Request, Response, ResponseHead, is_event_stream
from covia_proto.models import InvokeResult, JobList, JobRecord, MessageAck

__all__ = [
    "EVENT_STREAM",
    "cancel_job",
    "check_events_head",
    "delete_job",
    "events_request",
    "get_job",
    "invoke",
    "list_jobs",
    "parse_invoke",
    "parse_job",
    "parse_job_list",
    "parse_message_ack",
    "pause_job",
    "proof_list",
    "resume_job",
    "send_message",
]


def _operation_ref(operation: str) -> str:
    if not isinstance(operation, str) or not operation.strip():
        raise CoviaUsageError("an operation must be named by a non-empty string")
    operation = operation.strip()
    # Bare hex ids are sent in their canonical form; names and DID URLs as given.
    return parse_hex(operation) or operation


def proof_list(ucans: Sequence[str] | None) -> list[str]:
    """UCAN tokens as the ``ucans`` field of an invoke or run body.

    They travel as proofs in the body, never as the bearer: a 0.1 venue makes the holder
    of a venue-issued UCAN sent as the bearer act as the venue itself (an upstream bug).
    """
    if ucans is None:
        return []
    if isinstance(ucans, str | bytes) or not all(isinstance(u, str) and u for u in ucans):
        raise CoviaUsageError("ucans must be a list of UCAN tokens (non-empty strings)")
    return list(ucans)


def invoke(
    endpoint: Endpoint,
    operation: str,
    input: Any = None,
    *,
    wait: bool | float | None = None,
    ucans: Sequence[str] | None = None,
    private: bool | None = None,
) -> Call[InvokeResult]:
    """``POST /invoke``. ``wait=True`` asks a 0.1 venue to hold the answer until the job
    finishes (at most 120 s, and it FAILS the job on expiry); a number is a newer
    venue's wait in seconds, sent as milliseconds."""
    body: dict[str, Any] = {"operation": _operation_ref(operation), "input": input}
    if wait is True:
        body["wait"] = True
    elif wait is not None and wait is not False:
        if (
            isinstance(wait, bool)
            or not isinstance(wait, int | float)
            or not math.isfinite(wait)
            or wait < 0
        ):
            raise CoviaUsageError(f"wait must be a bool or seconds >= 0, not {wait!r}")
        body["wait"] = round(wait * 1000)
    if ucans := proof_list(ucans):
        body["ucans"] = ucans
    if private is not None:
        body["private"] = private
    request = endpoint.request("POST", endpoint.api_url("invoke"), json_body=body)
    return Call(request, parse_invoke)


def parse_invoke(response: Response, request: RequestInfo | None = None) -> InvokeResult:
    """201 with the job (whatever its status), or 200 when a server-side wait saw it
    complete; ``Location`` names the job."""
    job = parse_model(response, JobRecord, request=request)
    if not job.id:
        raise VenueProtocolError("invoke answered a job record without an id", request=request)
    return InvokeResult(job, response.header("location"), completed_in_wait=response.status == 200)


def list_jobs(
    endpoint: Endpoint, *, offset: int | None = None, limit: int | None = None
) -> Call[JobList]:
    """``GET /jobs``: a 0.1 venue ignores paging and answers a flat array."""
    url = endpoint.api_url("jobs", query={"offset": offset, "limit": limit})
    return Call(endpoint.request("GET", url), parse_job_list)


def parse_job_list(response: Response, request: RequestInfo | None = None) -> JobList:
    return parse_model(response, JobList, request=request, prepare=as_page)


def _job_url(endpoint: Endpoint, job_id: str, *action: str) -> str:
    return endpoint.api_url("jobs", hex_segment(job_id, "job id"), *action)


def _job_call(
    endpoint: Endpoint, method: str, job_id: str, *action: str, json_body: Any = attrs.NOTHING
) -> Call[JobRecord]:
    wanted = normalize_hex(job_id.strip()) if isinstance(job_id, str) else job_id
    request = endpoint.request(method, _job_url(endpoint, job_id, *action), json_body=json_body)
    return Call(request, lambda response, info: parse_job(response, info, job_id=wanted))


def parse_job(
    response: Response, request: RequestInfo | None = None, *, job_id: str = ""
) -> JobRecord:
    """A job record; one whose id is not the id asked for is a venue that lies."""
    job = parse_model(response, JobRecord, request=request, context=ErrorContext.job(job_id))
    if job_id and parse_hex(job_id) and job.id != job_id:
        message = f"venue answered job {job.id or '(no id)'} when asked for {job_id}"
        raise VenueProtocolError(message, request=request)
    return job


def get_job(endpoint: Endpoint, job_id: str) -> Call[JobRecord]:
    """``GET /jobs/{id}``: the job's record as it stands."""
    return _job_call(endpoint, "GET", job_id)


def cancel_job(endpoint: Endpoint, job_id: str, *, reason: str | None = None) -> Call[JobRecord]:
    """``PUT …/cancel``: a job that already finished answers 404 with an empty body.
    A ``reason`` is sent as ``{"reason": …}``; the 0.1 venue ignores it (§3.5.4)."""
    if reason is None:
        return _job_call(endpoint, "PUT", job_id, "cancel")
    if not isinstance(reason, str):
        raise CoviaUsageError(f"a cancel reason must be a string, not {type(reason).__name__}")
    return _job_call(endpoint, "PUT", job_id, "cancel", json_body={"reason": reason})


def pause_job(endpoint: Endpoint, job_id: str) -> Call[JobRecord]:
    return _job_call(endpoint, "PUT", job_id, "pause")


def resume_job(endpoint: Endpoint, job_id: str) -> Call[JobRecord]:
    return _job_call(endpoint, "PUT", job_id, "resume")


def delete_job(endpoint: Endpoint, job_id: str) -> Call[None]:
    """``PUT …/delete``: drops a live job from the venue's live set; the record stays."""
    request = endpoint.request("PUT", _job_url(endpoint, job_id, "delete"))
    wanted = normalize_hex(job_id.strip())
    return Call(
        request,
        lambda response, info: expect_empty(
            response, request=info, context=ErrorContext.job(wanted)
        ),
    )


def send_message(endpoint: Endpoint, job_id: str, message: Any) -> Call[MessageAck]:
    """``POST /jobs/{id}``: a message to a live job. Not idempotent: never re-sent."""
    request = endpoint.request("POST", _job_url(endpoint, job_id), json_body=message)
    wanted = normalize_hex(job_id.strip())
    return Call(request, lambda response, info: parse_message_ack(response, info, job_id=wanted))


def parse_message_ack(
    response: Response, request: RequestInfo | None = None, *, job_id: str = ""
) -> MessageAck:
    """``202 {"status":"queued",…}``; an empty success body is accepted as an ack."""
    check(response, request=request, context=ErrorContext.job(job_id))
    if not response.body.strip():
        return MessageAck()
    data = parse_json(response.body, request=request, what="message acknowledgement")
    try:
        return structure(data, MessageAck)
    except VenueProtocolError as exc:
        raise VenueProtocolError(exc.message, request=request) from None


def events_request(endpoint: Endpoint, job_id: str, *, last_event_id: str | None = None) -> Request:
    """``GET /jobs/{id}/sse``, to be opened as a stream."""
    extra = [("Last-Event-ID", last_event_id)] if last_event_id else []
    # A 0.1 venue compares the whole Accept header with this value (§3.6).
    return endpoint.request(
        "GET", _job_url(endpoint, job_id, "sse"), accept=EVENT_STREAM, extra_headers=extra
    )


def check_events_head(
    head: ResponseHead, error_body: bytes, request: RequestInfo | None, job_id: str
) -> bool:
    """Whether the venue answered with an event stream.

    False means "no stream here" (a 0.1 venue shadows the route and answers 400 JSON,
    or 200 with no events for a wrong Accept): the caller falls back to polling. A 404
    (or a 403) is about the job and is raised.
    """
    if 200 <= head.status < 300:
        return is_event_stream(head.headers)
    if 300 <= head.status < 400:
        raise unexpected_status(head, request=request)
    if head.status in (400, 405, 406, 501) or (head.status == 404 and not error_body.strip()):
        # A 0.1 venue's shadowed route, or a proxy that will not stream.
        return False
    raise error_for(head, error_body, request=request, context=ErrorContext.job(job_id))
