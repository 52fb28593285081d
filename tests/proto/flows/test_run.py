from __future__ import annotations

import json

import pytest

from covia_proto.errors import CoviaTimeoutError, GridError, JobFailedError, JobInteractionRequired
from covia_proto.flows.run import job_output, run
from covia_proto.models import JobRecord
from covia_proto.status import JobStatus
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import (
    BASE,
    JOB,
    context,
    job_response,
    json_response,
    missing_route,
)

RUN_URL = f"{BASE}/api/v1/run"
INVOKE_URL = f"{BASE}/api/v1/invoke"
NO_RUN = missing_route("POST", "/api/v1/run")
SHADOWED = json_response(400, {"error": "Job request requires a job ID as a valid hex string"})


def test_run_uses_post_run_on_newer_venues():
    driver = ScriptedDriver([json_response(200, {"answer": 42})])
    ctx = context()
    assert driver.run(run(ctx, "v/test/ops/echo", {"answer": 42})) == {"answer": 42}
    assert driver.calls == [("POST", RUN_URL)]
    assert json.loads(driver.requests[0].body) == {
        "operation": "v/test/ops/echo",
        "input": {"answer": 42},
    }
    assert ctx.features.run is True


def test_run_falls_back_to_invoke_with_server_side_wait_and_remembers():
    done = job_response("COMPLETE", http_status=200, output="hi")
    driver = ScriptedDriver([NO_RUN, done])
    ctx = context()
    assert driver.run(run(ctx, "v/test/ops/echo", "hi", timeout=30)) == "hi"
    assert driver.calls == [("POST", RUN_URL), ("POST", INVOKE_URL)]
    assert json.loads(driver.requests[1].body)["wait"] is True
    assert ctx.features.run is False

    driver.add(job_response("COMPLETE", http_status=200, output="again"))
    assert driver.run(run(ctx, "v/test/ops/echo", "again", timeout=30)) == "again"
    assert driver.calls[-1] == ("POST", INVOKE_URL)


def test_run_without_timeout_does_not_ask_a_server_side_wait_and_waits_itself():
    ctx = context()
    ctx.features.run = False
    driver = ScriptedDriver(
        [job_response("PENDING", http_status=201), SHADOWED, job_response("COMPLETE", output=3)]
    )
    assert driver.run(run(ctx, "v/test/ops/delay", {})) == 3
    assert "wait" not in json.loads(driver.requests[0].body)
    assert driver.calls[1:] == [
        ("GET", f"{BASE}/api/v1/jobs/{JOB}/sse"),
        ("GET", f"{BASE}/api/v1/jobs/{JOB}"),
    ]


def test_run_raises_job_failed_with_the_record():
    ctx = context()
    ctx.features.run = False
    driver = ScriptedDriver([job_response("FAILED", http_status=201, error="Boom")])
    with pytest.raises(JobFailedError) as info:
        driver.run(run(ctx, "v/test/ops/error", {"message": "Boom"}, timeout=5))
    assert info.value.job_data.error == "Boom"
    assert info.value.job_data.status == JobStatus.FAILED


def test_run_reports_an_errors_from_post_run_that_are_not_a_missing_route():
    driver = ScriptedDriver([json_response(400, {"error": "Cannot resolve operation: x"})])
    ctx = context()
    with pytest.raises(GridError, match="Cannot resolve operation"):
        driver.run(run(ctx, "x"))
    assert ctx.features.run is True
    assert len(driver.requests) == 1


def test_run_times_out_while_waiting():
    ctx = context()
    ctx.features.run = False
    ctx.features.events = False
    driver = ScriptedDriver(
        [job_response("STARTED", http_status=201)] + [job_response("STARTED")] * 40
    )
    start = driver.clock
    with pytest.raises(CoviaTimeoutError):
        driver.run(run(ctx, "v/test/ops/never", None, timeout=0.5))
    assert driver.clock - start == pytest.approx(0.5)


def test_job_output_by_status():
    assert job_output(JobRecord(id=JOB, status=JobStatus.COMPLETE, output=[1])) == [1]
    with pytest.raises(JobInteractionRequired):
        job_output(JobRecord(id=JOB, status=JobStatus.INPUT_REQUIRED))
    for status in ("FAILED", "CANCELLED", "REJECTED", "TIMEOUT"):
        with pytest.raises(JobFailedError):
            job_output(JobRecord(id=JOB, status=JobStatus(status)))
