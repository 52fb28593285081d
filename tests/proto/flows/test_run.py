from __future__ import annotations

import json
import pickle

import pytest

from covia_proto.errors import (
    CoviaTimeoutError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobTimeoutError,
)
from covia_proto.flows.run import job_output, run
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import (
    BASE,
    JOB,
    context,
    job,
    job_response,
    json_response,
    sse_event,
    sse_stream,
)

INVOKE_URL = f"{BASE}/api/v1/invoke"
JOB_URL = f"{BASE}/api/v1/jobs/{JOB}"
SHADOWED = json_response(400, {"error": "Job request requires a job ID as a valid hex string"})


def polling_context():
    ctx = context()
    ctx.features.events = False
    return ctx


def test_run_invokes_without_a_server_side_wait_and_returns_the_output():
    driver = ScriptedDriver([job_response("COMPLETE", http_status=201, output={"answer": 42})])
    assert driver.run(run(context(), "v/test/ops/echo", {"answer": 42}, timeout=30)) == {
        "answer": 42
    }
    assert driver.calls == [("POST", INVOKE_URL)]
    # A 0.1 venue would hold ``wait: true`` until the job is terminal: never asked.
    assert json.loads(driver.requests[0].body) == {
        "operation": "v/test/ops/echo",
        "input": {"answer": 42},
    }


def test_run_never_uses_post_run():
    driver = ScriptedDriver([job_response("COMPLETE", http_status=201, output=1)])
    driver.run(run(context(), "v/test/ops/echo", 1))
    assert all(url != f"{BASE}/api/v1/run" for _, url in driver.calls)


def test_run_of_a_running_job_waits_for_it_by_the_fastest_means():
    driver = ScriptedDriver(
        [job_response("PENDING", http_status=201), SHADOWED, job_response("COMPLETE", output=3)]
    )
    assert driver.run(run(context(), "v/test/ops/delay", {})) == 3
    assert driver.calls[1:] == [("GET", f"{JOB_URL}/sse"), ("GET", JOB_URL)]


def test_run_follows_an_event_stream_where_the_venue_has_one():
    stream = sse_stream(sse_event(job("STARTED")), sse_event(job("COMPLETE", output="done")))
    driver = ScriptedDriver([job_response("PENDING", http_status=201), stream])
    assert driver.run(run(context(), "v/test/ops/delay", {}, timeout=10)) == "done"


@pytest.mark.parametrize("status", ["PAUSED", "INPUT_REQUIRED", "AUTH_REQUIRED"])
def test_run_of_a_job_that_needs_the_caller_raises_at_once_with_the_job(status):
    driver = ScriptedDriver([job_response(status, http_status=201, output={"echo": 1})])
    with pytest.raises(JobInteractionRequired) as info:
        driver.run(run(context(), "v/test/ops/chat", None, timeout=60))
    assert info.value.job_id == JOB
    assert info.value.job_data.status == JobStatus(status)
    assert driver.clock == 1000.0  # no waiting at all: the script's clock starts there


def test_run_of_a_job_that_comes_to_need_the_caller_raises_with_the_job():
    driver = ScriptedDriver(
        [job_response("PENDING", http_status=201), job_response("PAUSED", updated=2)]
    )
    with pytest.raises(JobInteractionRequired) as info:
        driver.run(run(polling_context(), "v/test/ops/pause", {}, timeout=60))
    assert info.value.job_data.status == JobStatus.PAUSED
    assert driver.clock < 1001.0


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED", "REJECTED", "TIMEOUT"])
def test_run_of_a_job_that_fails_raises_job_failed_with_the_record(status):
    driver = ScriptedDriver([job_response(status, http_status=201, error="Boom")])
    with pytest.raises(JobFailedError) as info:
        driver.run(run(context(), "v/test/ops/error", {"message": "Boom"}, timeout=5))
    assert (info.value.job_id, info.value.job_data.error) == (JOB, "Boom")
    assert info.value.job_data.status == JobStatus(status)


def test_run_of_a_job_that_fails_later_raises_job_failed():
    driver = ScriptedDriver(
        [job_response("STARTED", http_status=201), job_response("FAILED", error="late")]
    )
    with pytest.raises(JobFailedError, match="late"):
        driver.run(run(polling_context(), "v/test/ops/delay", {}, timeout=5))


def test_a_venue_error_on_invoke_is_a_grid_error():
    driver = ScriptedDriver([json_response(400, {"error": "Cannot resolve operation: x"})])
    with pytest.raises(GridError, match="Cannot resolve operation"):
        driver.run(run(context(), "x"))
    assert len(driver.requests) == 1


def test_run_times_out_at_its_timeout_with_the_job_in_hand():
    driver = ScriptedDriver(
        [job_response("STARTED", http_status=201)] + [job_response("STARTED")] * 40
    )
    with pytest.raises(JobTimeoutError) as info:
        driver.run(run(polling_context(), "v/test/ops/never", None, timeout=0.5))
    assert driver.clock == pytest.approx(1000.5)
    assert isinstance(info.value, CoviaTimeoutError)
    assert info.value.job_id == JOB
    assert info.value.job_data is not None
    assert info.value.job_data.status == JobStatus.STARTED
    assert str(info.value) == f"job {JOB} did not finish within 0.5 s (still STARTED)"


def test_a_run_with_no_time_left_after_the_invoke_still_names_the_job():
    driver = ScriptedDriver([job_response("PENDING", http_status=201)], latency=1.0)
    with pytest.raises(JobTimeoutError) as info:
        driver.run(run(polling_context(), "v/test/ops/never", None, timeout=0.5))
    assert info.value.job_id == JOB
    assert info.value.job_data is not None
    assert info.value.job_data.status == JobStatus.PENDING


def test_job_timeout_error_survives_pickling():
    record = JobRecord(id=JOB, status=JobStatus.STARTED)
    error = pickle.loads(pickle.dumps(JobTimeoutError(JOB, 2.0, record)))
    assert (error.job_id, error.timeout, error.job_data, str(error)) == (
        JOB,
        2.0,
        record,
        f"job {JOB} did not finish within 2 s (still STARTED)",
    )


def test_job_output_by_status():
    assert job_output(JobRecord(id=JOB, status=JobStatus.COMPLETE, output=[1])) == [1]
    with pytest.raises(JobInteractionRequired):
        job_output(JobRecord(id=JOB, status=JobStatus.INPUT_REQUIRED))
    for status in ("FAILED", "CANCELLED", "REJECTED", "TIMEOUT"):
        with pytest.raises(JobFailedError):
            job_output(JobRecord(id=JOB, status=JobStatus(status)))
