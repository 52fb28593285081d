"""Canned venue answers for flow tests, shaped as venue-api.md describes them."""

from __future__ import annotations

import json
from typing import Any

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.flows.context import RetryPolicy, VenueContext
from covia_proto.http import Response, ResponseHead
from covia_proto.testing.scripted import StreamScript

BASE = "https://venue.test"
JOB = "0190f3c2a1b20000aabbccddeeff0011"
JSON_TYPE = (("Content-Type", "application/json; charset=utf-8"),)


def context(**kwargs: Any) -> VenueContext:
    """A context with predictable jitter (rand = 0.5) unless told otherwise."""
    kwargs.setdefault("retry", RetryPolicy())
    return VenueContext(Endpoint(BASE), rand=lambda: 0.5, **kwargs)


def json_response(status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, JSON_TYPE + headers, json.dumps(data).encode())


def job(
    status: str,
    *,
    job_id: str = JOB,
    output: Any = None,
    error: str | None = None,
    updated: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "0x" + job_id.upper(),
        "status": status,
        "op": "ab" * 32,
        "created": 1,
        "updated": updated,
        "input": None,
        "caller": "did:key:z6Mk:public",
    }
    if output is not None:
        record["output"] = output
    if error is not None:
        record["error"] = error
    record.update(extra)
    return record


def job_response(status: str, *, http_status: int = 200, **kwargs: Any) -> Response:
    headers: tuple[tuple[str, str], ...] = ()
    if http_status == 201:
        headers = (("Location", f"/api/v1/jobs/{kwargs.get('job_id', JOB)}"),)
    return json_response(http_status, job(status, **kwargs), headers)


def missing_route(method: str, path: str) -> Response:
    return json_response(404, {"error": f"Endpoint {method} {path} not found"})


SSE_HEAD = ResponseHead(200, (("Content-Type", "text/event-stream; charset=utf-8"),))


def sse_event(record: dict[str, Any]) -> bytes:
    return b"event: job-update\ndata: " + json.dumps(record).encode() + b"\n\n"


def sse_stream(*chunks: Any) -> StreamScript:
    return StreamScript(SSE_HEAD, list(chunks))
