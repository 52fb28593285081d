"""Tests of invoke and the job endpoints (venue-api.md §3.4 to §3.6, §4)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.endpoints import jobs
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import (
    CoviaUsageError,
    GridError,
    JobNotFoundError,
    NotFoundError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.http import Response, ResponseHead
from covia_proto.job_status import JobStatus

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
JOB = "0195a1b2c3d40000a1b2c3d4e5f60718"
OP = "7a8b" * 16
VENUE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)
TEXT_CT = (("Content-Type", "text/plain"),)
LOCATION = ("Location", "/api/v1/jobs/" + JOB)


def record(status: str, job_id: str = "0x" + JOB, **fields: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "op": OP,
        "name": "Echo Operation",
        "status": status,
        "created": 1781255878000,
        "updated": 1781255878004,
        "input": {"hello": "world"},
        "caller": VENUE + ":public",
        **fields,
    }


def body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# --- invoke -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "sent"),
    [
        (("v/test/ops/echo", {"x": 1}), {}, b'{"operation":"v/test/ops/echo","input":{"x":1}}'),
        (("v/test/ops/echo",), {}, b'{"operation":"v/test/ops/echo","input":null}'),
        (("0x" + OP.upper(), [1]), {}, b'{"operation":"' + OP.encode() + b'","input":[1]}'),
        (
            ("did:web:venue.example.com/a/" + OP, "é"),
            {},
            ('{"operation":"did:web:venue.example.com/a/' + OP + '","input":"é"}').encode(),
        ),
        (
            ("v/test/ops/echo", 1),
            {"wait": True},
            b'{"operation":"v/test/ops/echo","input":1,"wait":true}',
        ),
        (("v/test/ops/echo", 1), {"wait": False}, b'{"operation":"v/test/ops/echo","input":1}'),
        (
            ("v/test/ops/echo", 1),
            {"wait": 1.5},
            b'{"operation":"v/test/ops/echo","input":1,"wait":1500}',
        ),
        (
            ("v/test/ops/echo", 1),
            {"wait": 0},
            b'{"operation":"v/test/ops/echo","input":1,"wait":0}',
        ),
        (
            ("v/test/ops/echo", None),
            {"ucans": ["eyJ.a.b"], "private": True},
            b'{"operation":"v/test/ops/echo","input":null,"ucans":["eyJ.a.b"],"private":true}',
        ),
        (
            ("v/test/ops/echo", None),
            {"ucans": [], "private": False},
            b'{"operation":"v/test/ops/echo","input":null,"private":false}',
        ),
    ],
)
def test_invoke_request(args: tuple[Any, ...], kwargs: dict[str, Any], sent: bytes) -> None:
    request = jobs.invoke(ENDPOINT, *args, **kwargs).request
    assert request.method == "POST"
    assert request.url == BASE + "/api/v1/invoke"
    assert request.body == sent
    assert request.header("content-type") == "application/json"
    assert request.idempotent is False


@pytest.mark.parametrize("wait", [-1, math.nan, math.inf, "10", [1]])
def test_invoke_refuses_bad_waits(wait: Any) -> None:
    with pytest.raises(CoviaUsageError, match="wait must be"):
        jobs.invoke(ENDPOINT, "v/test/ops/echo", wait=wait)


@pytest.mark.parametrize("operation", ["", "   ", None, 5])
def test_invoke_refuses_bad_operations(operation: Any) -> None:
    with pytest.raises(CoviaUsageError):
        jobs.invoke(ENDPOINT, operation)


def test_invoke_refuses_unsendable_input() -> None:
    with pytest.raises(CoviaUsageError, match="JSON"):
        jobs.invoke(ENDPOINT, "v/test/ops/echo", {"x": math.nan})


def test_parse_invoke_201() -> None:
    answer = record(
        "COMPLETE", output={"hello": "world"}, prev=record("STARTED", prev=record("PENDING"))
    )
    result = jobs.invoke(ENDPOINT, "v/test/ops/echo").parse(
        Response(201, (*JSON_CT, LOCATION), body(answer))
    )
    assert result.job.id == JOB
    assert result.job.status is JobStatus.COMPLETE
    assert result.job.output == {"hello": "world"}
    assert result.location == "/api/v1/jobs/" + JOB
    assert result.completed_in_wait is False


def test_parse_invoke_200_after_wait() -> None:
    result = jobs.parse_invoke(Response(200, (LOCATION,), body(record("COMPLETE", output=1))))
    assert result.completed_in_wait is True
    assert result.job.output == 1


def test_parse_invoke_failed_job_is_not_an_http_error() -> None:
    result = jobs.parse_invoke(
        Response(
            201,
            JSON_CT,
            body(record("FAILED", error="Error operation requires a 'message' parameter")),
        )
    )
    assert result.job.status is JobStatus.FAILED
    assert result.location is None


def test_parse_invoke_errors() -> None:
    with pytest.raises(GridError, match="Cannot resolve operation: v/ops/nope") as info:
        jobs.invoke(ENDPOINT, "v/ops/nope").parse(
            Response(
                400,
                JSON_CT,
                body(
                    {
                        "error": "Error invoking operation: "
                        "IllegalArgumentException:Cannot resolve operation: v/ops/nope"
                    }
                ),
            )
        )
    assert info.value.request == RequestInfo("POST", BASE + "/api/v1/invoke")
    with pytest.raises(VenueProtocolError, match="without an id"):
        jobs.parse_invoke(Response(201, JSON_CT, b'{"status":"PENDING"}'))
    with pytest.raises(GridError, match="500 Unexpected error"):
        jobs.parse_invoke(Response(500, TEXT_CT, b"Unexpected error: java.lang.Exception"))


# --- list -------------------------------------------------------------------------------


def test_list_request() -> None:
    assert jobs.list_jobs(ENDPOINT).request.url == BASE + "/api/v1/jobs"
    paged = jobs.list_jobs(ENDPOINT, offset=10, limit=5).request
    assert paged.url == BASE + "/api/v1/jobs?offset=10&limit=5"
    assert paged.method == "GET"


def test_parse_flat_list_and_envelope() -> None:
    flat = jobs.list_jobs(ENDPOINT).parse(Response(200, JSON_CT, body([JOB, "0x" + OP.upper()])))
    assert flat.items == (JOB, OP)
    assert (flat.total, flat.offset, flat.limit) == (2, 0, None)
    page = jobs.parse_job_list(
        Response(
            200, JSON_CT, body({"items": ["0x" + JOB], "total": 41, "offset": 40, "limit": 20})
        )
    )
    assert page.items == (JOB,)
    assert (page.total, page.offset, page.limit) == (41, 40, 20)
    with pytest.raises(VenueProtocolError):
        jobs.parse_job_list(Response(200, JSON_CT, b"[1,2]"))


# --- one job ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "method", "suffix"),
    [
        (jobs.get_job, "GET", ""),
        (jobs.cancel_job, "PUT", "/cancel"),
        (jobs.pause_job, "PUT", "/pause"),
        (jobs.resume_job, "PUT", "/resume"),
        (jobs.delete_job, "PUT", "/delete"),
    ],
)
def test_job_control_requests(build: Any, method: str, suffix: str) -> None:
    request = build(ENDPOINT, "0x" + JOB.upper()).request
    assert request.method == method
    assert request.url == f"{BASE}/api/v1/jobs/{JOB}{suffix}"
    assert request.body == b""
    assert request.idempotent is True


def test_parse_job_with_prev_chain_and_0x_ids() -> None:
    data = record(
        "INPUT_REQUIRED",
        output={"echo": "hi"},
        prev=record("INPUT_REQUIRED", prev=record("PENDING")),
    )
    job = jobs.get_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, body(data)))
    assert job.id == JOB
    assert job.op == OP
    assert job.status is JobStatus.INPUT_REQUIRED
    assert job.status.is_interactive
    assert job.prev is not None
    assert job.prev.prev is not None
    assert job.prev.prev.status is JobStatus.PENDING


@pytest.mark.parametrize("build", [jobs.get_job, jobs.cancel_job, jobs.pause_job, jobs.resume_job])
def test_a_record_for_another_job_is_a_protocol_error(build: Any) -> None:
    other = "ff" * 16
    with pytest.raises(VenueProtocolError, match=f"answered job {other} when asked for {JOB}"):
        build(ENDPOINT, "0x" + JOB).parse(Response(200, JSON_CT, body(record("STARTED", other))))


def test_a_long_lived_jobs_deep_prev_chain_parses() -> None:
    data = record("PENDING")
    for turn in range(600):
        data = record("INPUT_REQUIRED", output={"echo": turn}, prev=data)
    job = jobs.get_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, body(data)))
    assert job.output == {"echo": 599}
    assert job.prev is not None
    assert job.prev.output == {"echo": 598}


def test_json_nested_beyond_reason_is_a_protocol_error() -> None:
    depth = 100_000
    deep = b'{"id":"' + JOB.encode() + b'","prev":'
    answer = deep * depth + b"null" + b"}" * depth
    with pytest.raises(VenueProtocolError, match="nested too deeply"):
        jobs.get_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, answer))


def test_a_record_without_id_is_a_protocol_error() -> None:
    with pytest.raises(VenueProtocolError, match="answered job \\(no id\\)"):
        jobs.get_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, b'{"status":"STARTED"}'))


def test_parse_job_without_an_id_to_check() -> None:
    job = jobs.parse_job(Response(200, JSON_CT, body(record("STARTED", "ab" * 16))))
    assert job.id == "ab" * 16


def test_cancel_of_a_finished_job_is_job_not_found() -> None:
    call = jobs.cancel_job(ENDPOINT, "0x" + JOB.upper())
    with pytest.raises(JobNotFoundError) as info:
        call.parse(Response(404, TEXT_CT, b""))
    assert info.value.job_id == JOB
    assert info.value.message == "Not Found"
    assert str(info.value) == f"PUT {BASE}/api/v1/jobs/{JOB}/cancel: 404 Not Found"


def test_cancel_sends_a_reason_only_when_given() -> None:
    assert jobs.cancel_job(ENDPOINT, JOB).request.body in (None, b"")
    call = jobs.cancel_job(ENDPOINT, JOB, reason="no longer needed")
    assert call.request.method == "PUT"
    assert json.loads(call.request.body or b"") == {"reason": "no longer needed"}


def test_a_cancel_reason_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(CoviaUsageError, match="cancel reason must be a string, not int"):
        jobs.cancel_job(ENDPOINT, JOB, reason=3)  # type: ignore[arg-type]


def test_cancel_answer() -> None:
    data = record("CANCELLED", error="Job cancelled: " + JOB, prev=record("STARTED"))
    job = jobs.cancel_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, body(data)))
    assert job.status is JobStatus.CANCELLED
    assert job.is_finished


def test_get_unknown_job_json_404() -> None:
    with pytest.raises(JobNotFoundError) as info:
        jobs.get_job(ENDPOINT, JOB).parse(
            Response(404, JSON_CT, body({"error": "Job not found: " + JOB}))
        )
    assert info.value.message == "Job not found: " + JOB


def test_resume_of_a_running_job_is_409() -> None:
    with pytest.raises(GridError) as info:
        jobs.resume_job(ENDPOINT, JOB).parse(
            Response(409, JSON_CT, b'{"error":"Job is not paused: STARTED"}')
        )
    assert info.value.status_code == 409
    assert not isinstance(info.value, NotFoundError)


def test_missing_route_is_not_job_not_found() -> None:
    with pytest.raises(NotFoundError) as info:
        jobs.pause_job(ENDPOINT, JOB).parse(
            Response(
                404, JSON_CT, body({"error": f"Endpoint PUT /api/v1/jobs/{JOB}/pause not found"})
            )
        )
    assert type(info.value) is NotFoundError


def test_delete() -> None:
    call = jobs.delete_job(ENDPOINT, JOB)
    assert call.parse(Response(200, TEXT_CT, b"")) is None
    with pytest.raises(JobNotFoundError) as info:
        call.parse(Response(404, TEXT_CT, b""))
    assert info.value.job_id == JOB


@pytest.mark.parametrize("bad", [None, 7, "", "  "])
def test_job_builders_refuse_bad_ids(bad: Any) -> None:
    for build in (
        jobs.get_job,
        jobs.cancel_job,
        jobs.pause_job,
        jobs.resume_job,
        jobs.delete_job,
        jobs.events_request,
    ):
        with pytest.raises(CoviaUsageError):
            build(ENDPOINT, bad)
    with pytest.raises(CoviaUsageError):
        jobs.send_message(ENDPOINT, bad, {"content": "hi"})


# --- messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "sent"),
    [
        ({"content": "hi"}, b'{"content":"hi"}'),
        ("done", b'"done"'),
        (None, b"null"),
    ],
)
def test_send_message_request(message: Any, sent: bytes) -> None:
    request = jobs.send_message(ENDPOINT, "0x" + JOB.upper(), message).request
    assert request.method == "POST"
    assert request.url == f"{BASE}/api/v1/jobs/{JOB}"
    assert request.body == sent
    assert request.idempotent is False


@pytest.mark.parametrize(
    ("answer", "status", "depth"),
    [
        (b'{"status":"queued","queueDepth":0}', "queued", 0),
        (b'{"status":"queued"}', "queued", None),
        (b"", None, None),
    ],
)
def test_message_ack(answer: bytes, status: str | None, depth: int | None) -> None:
    ack = jobs.send_message(ENDPOINT, JOB, "hi").parse(Response(202, JSON_CT, answer))
    assert (ack.status, ack.queue_depth) == (status, depth)


def test_message_to_a_finished_job() -> None:
    call = jobs.send_message(ENDPOINT, JOB, "hi")
    with pytest.raises(JobNotFoundError) as info:
        call.parse(Response(404, JSON_CT, body({"error": "Job not found: " + JOB})))
    assert info.value.job_id == JOB
    with pytest.raises(GridError, match="409 Job is in terminal state"):
        call.parse(Response(409, JSON_CT, body({"error": "Job is in terminal state: " + JOB})))
    with pytest.raises(VenueProtocolError):
        call.parse(Response(202, JSON_CT, b'{"queueDepth":"0"}'))
    with pytest.raises(VenueProtocolError):
        call.parse(Response(202, JSON_CT, b"[]"))


# --- events -----------------------------------------------------------------------------


def test_events_request() -> None:
    request = jobs.events_request(ENDPOINT, "0x" + JOB.upper())
    assert request.method == "GET"
    assert request.url == f"{BASE}/api/v1/jobs/{JOB}/sse"
    assert request.header("Accept") == "text/event-stream"
    assert request.header("Last-Event-ID") is None
    again = jobs.events_request(Endpoint(BASE), JOB, last_event_id="7")
    assert again.header("last-event-id") == "7"


@pytest.mark.parametrize(
    ("status", "content_type", "error_body", "stream"),
    [
        (200, "text/event-stream; charset=utf-8", b"", True),
        (200, "Text/Event-Stream", b"", True),
        (200, "text/plain", b"", False),  # wrong Accept on a 0.1 venue: empty 200
        (200, "application/json", b"", False),
        (
            400,
            "application/json",
            b'{"error":"Job request requires a job ID as a valid hex string"}',
            False,
        ),
        (405, "", b"", False),
        (406, "", b"", False),
        (501, "", b"", False),
        (404, "text/plain", b"", False),
    ],
)
def test_check_events_head(status: int, content_type: str, error_body: bytes, stream: bool) -> None:
    head = ResponseHead(status, (("Content-Type", content_type),))
    assert jobs.check_events_head(head, error_body, None, JOB) is stream


def test_check_events_head_raises_for_the_job() -> None:
    info = RequestInfo("GET", "u")
    with pytest.raises(JobNotFoundError) as err:
        jobs.check_events_head(
            ResponseHead(404, JSON_CT), body({"error": "Job not found: x"}), info, JOB
        )
    assert err.value.job_id == JOB
    with pytest.raises(GridError) as err2:
        jobs.check_events_head(ResponseHead(403, JSON_CT), b'{"error":"Access denied"}', info, JOB)
    assert err2.value.status_code == 403


# --- fuzz -------------------------------------------------------------------------------

IDS = st.sampled_from([JOB, "0x" + JOB.upper(), "w/jobs/x"])


@settings(max_examples=150, deadline=None)
@given(responses, IDS)
def test_fuzz_only_covia_errors(response: Response, job_id: str) -> None:
    for call in (
        jobs.invoke(ENDPOINT, "v/test/ops/echo"),
        jobs.list_jobs(ENDPOINT),
        jobs.get_job(ENDPOINT, job_id),
        jobs.cancel_job(ENDPOINT, job_id),
        jobs.delete_job(ENDPOINT, job_id),
        jobs.send_message(ENDPOINT, job_id, "hi"),
    ):
        only_covia_errors(call.parse, response)
    only_covia_errors(jobs.parse_invoke, response)
    only_covia_errors(jobs.parse_job_list, response)
    only_covia_errors(lambda r: jobs.parse_job(r, job_id=job_id), response)
    only_covia_errors(lambda r: jobs.parse_message_ack(r, job_id=job_id), response)
    only_covia_errors(lambda r: jobs.check_events_head(r.head, r.body, None, job_id), response)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(JobStatus)), st.integers(0, 4))
def test_record_of_any_status_and_chain_depth_parses(status: JobStatus, depth: int) -> None:
    data = record("PENDING")
    for _ in range(depth):
        data = record("STARTED", prev=data)
    data = record(status.value, prev=data) if depth else record(status.value)
    job = jobs.get_job(ENDPOINT, JOB).parse(Response(200, JSON_CT, body(data)))
    assert job.status is status


def test_an_event_stream_redirect_is_refused_not_polled() -> None:
    from covia_proto.http import ResponseHead

    head = ResponseHead(302, (("Location", "https://elsewhere.example/sse"),))
    with pytest.raises(
        VenueProtocolError, match=r"302: a redirect to https://elsewhere\.example/sse"
    ):
        jobs.check_events_head(head, b"", None, JOB)
