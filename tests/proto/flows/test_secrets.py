"""``covia_proto.flows.secrets``: the routes and the operation each flow uses, and what
it makes of the answers."""

from __future__ import annotations

import json

import pytest

from covia_proto.errors import CoviaUsageError, JobFailedError, NotFoundError, VenueProtocolError
from covia_proto.flows import secrets
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import BASE, context, job_response, json_response


def test_list_accepts_the_string_items_of_a_new_caller():
    driver = ScriptedDriver(
        [json_response(200, {"items": "[]", "total": 0}), json_response(200, {"items": ["A"]})]
    )
    assert driver.run(secrets.list_names(context())) == []
    assert driver.run(secrets.list_names(context())) == ["A"]
    assert driver.calls == [("GET", f"{BASE}/api/v1/secrets")] * 2


def test_set_puts_the_value_and_hides_it():
    driver = ScriptedDriver([json_response(200, {"name": "K", "stored": True})])
    assert driver.run(secrets.set_value(context(), "K/1", "s3cret")) is None
    (request,) = driver.requests
    assert (request.method, request.url) == ("PUT", f"{BASE}/api/v1/secrets/K%2F1")
    assert json.loads(request.body) == {"value": "s3cret"}
    assert "s3cret" not in repr(request)
    with pytest.raises(VenueProtocolError, match="did not store"):
        ScriptedDriver([json_response(200, {"stored": False})]).run(
            secrets.set_value(context(), "K", "v")
        )


def test_delete_of_an_absent_secret_is_not_found():
    driver = ScriptedDriver([json_response(404, {"error": "Secret not found: K"})])
    with pytest.raises(NotFoundError, match="Secret not found: K"):
        driver.run(secrets.delete(context(), "K"))
    assert driver.calls == [("DELETE", f"{BASE}/api/v1/secrets/K")]


def test_extract_runs_the_operation_and_returns_the_value():
    driver = ScriptedDriver([job_response("COMPLETE", http_status=201, output={"value": "v"})])
    assert driver.run(secrets.extract(context(), "K")) == "v"
    assert json.loads(driver.requests[0].body) == {
        "operation": "v/ops/secret/extract",
        "input": {"name": "K"},
    }
    refused = job_response("FAILED", http_status=201, error="No capability to extract secrets")
    with pytest.raises(JobFailedError, match="No capability"):
        ScriptedDriver([refused]).run(secrets.extract(context(), "K"))
    odd = job_response("COMPLETE", http_status=201, output={"value": 3})
    with pytest.raises(VenueProtocolError, match="without a string value"):
        ScriptedDriver([odd]).run(secrets.extract(context(), "K"))


@pytest.mark.parametrize(
    "flow",
    [
        lambda c: secrets.set_value(c, "", "v"),
        lambda c: secrets.set_value(c, "K", 3),  # type: ignore[arg-type]
        lambda c: secrets.delete(c, None),  # type: ignore[arg-type]
        lambda c: secrets.extract(c, 7),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_send_nothing(flow):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(flow(context()))
    assert driver.requests == []
