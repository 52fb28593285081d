"""``wait_until_ready``: a starting venue's status polled until it says OK."""

from __future__ import annotations

import pytest

from covia_proto.errors import CoviaConnectionError, CoviaTimeoutError, CoviaUsageError
from covia_proto.flows.context import RetryPolicy
from covia_proto.flows.readiness import wait_until_ready
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import BASE, context, json_response

STATUS = f"{BASE}/api/v1/status"
OK = json_response(200, {"status": "OK", "name": "Venue"})
STARTING = json_response(200, {"status": "STARTING"})
NO_RETRY = RetryPolicy(max_attempts=1)


def refused() -> CoviaConnectionError:
    return CoviaConnectionError("connection refused", sent=False)


def test_a_ready_venue_answers_at_once():
    driver = ScriptedDriver([OK])
    assert driver.run(wait_until_ready(context())).name == "Venue"
    assert driver.calls == [("GET", STATUS)]
    assert driver.sleeps == []


def test_a_starting_venue_is_polled_until_ready():
    driver = ScriptedDriver([refused(), json_response(503, {"error": "wait"}), STARTING, OK])
    flow = wait_until_ready(context(retry=NO_RETRY), timeout=30, poll_interval=0.5)
    assert driver.run(flow).status == "OK"
    assert driver.sleeps == [0.5, 0.5, 0.5]


def test_a_venue_never_ready_is_a_timeout_naming_the_duration():
    driver = ScriptedDriver([refused()] * 10)
    flow = wait_until_ready(context(retry=NO_RETRY), timeout=2, poll_interval=1)
    with pytest.raises(CoviaTimeoutError, match=f"venue {BASE} not ready within 2 s"):
        driver.run(flow)


@pytest.mark.parametrize(
    "options", [{"poll_interval": 0}, {"timeout": "60"}, {"poll_interval": True}]
)
def test_bad_arguments_are_usage_errors(options):
    with pytest.raises(CoviaUsageError):
        ScriptedDriver([]).run(wait_until_ready(context(), **options))
