from __future__ import annotations

import pytest

from covia_proto.errors import JobNotFoundError
from covia_proto.flows.job_control import cancel_job
from covia_proto.http import Response
from covia_proto.job_status import JobStatus
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import BASE, JOB, context, job_response, json_response

JOB_URL = f"{BASE}/api/v1/jobs/{JOB}"
NOT_LIVE = Response(404, (("Content-Type", "text/plain"),), b"")


def test_cancel_of_a_live_job_returns_the_cancelled_record():
    driver = ScriptedDriver([job_response("CANCELLED", error=f"Job cancelled: {JOB}")])
    record = driver.run(cancel_job(context(), JOB))
    assert record.status == JobStatus.CANCELLED
    assert driver.calls == [("PUT", f"{JOB_URL}/cancel")]


def test_cancel_of_a_finished_job_is_a_no_op_returning_its_record():
    driver = ScriptedDriver([NOT_LIVE, job_response("COMPLETE", output=1)])
    record = driver.run(cancel_job(context(), JOB))
    assert record.status == JobStatus.COMPLETE
    assert driver.calls == [("PUT", f"{JOB_URL}/cancel"), ("GET", JOB_URL)]


def test_cancel_of_an_unknown_job_is_job_not_found():
    driver = ScriptedDriver([NOT_LIVE, json_response(404, {"error": f"Job not found: {JOB}"})])
    with pytest.raises(JobNotFoundError) as info:
        driver.run(cancel_job(context(), JOB))
    assert info.value.job_id == JOB
    assert info.value.message == "Not Found"


def test_cancel_of_a_deleted_but_running_job_still_reports_not_found():
    driver = ScriptedDriver([NOT_LIVE, job_response("STARTED")])
    with pytest.raises(JobNotFoundError):
        driver.run(cancel_job(context(), JOB))
