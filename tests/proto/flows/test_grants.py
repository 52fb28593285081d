"""``covia_proto.flows.grants``: asking the venue to sign a UCAN."""

from __future__ import annotations

import json

import pytest

from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.grants import issue
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import context, job_response

ATT = [{"with": "did:key:z6Mka/w/notes", "can": "crud/read"}]


def test_issue_sends_aud_att_exp_and_returns_the_token():
    driver = ScriptedDriver([job_response("COMPLETE", http_status=201, output={"token": "a.b.c"})])
    assert driver.run(issue(context(), "did:key:z6Mkb", ATT, expires=1_900_000_000)) == "a.b.c"
    assert json.loads(driver.requests[0].body) == {
        "operation": "v/ops/ucan/issue",
        "input": {"aud": "did:key:z6Mkb", "att": ATT, "exp": 1_900_000_000},
    }


@pytest.mark.parametrize("output", [None, {"token": 3}, {"token": "not-a-jwt"}])
def test_an_answer_without_a_token_is_a_protocol_error(output):
    driver = ScriptedDriver([job_response("COMPLETE", http_status=201, output=output)])
    with pytest.raises(VenueProtocolError, match="without a token"):
        driver.run(issue(context(), "did:key:z6Mkb", ATT, expires=1))


@pytest.mark.parametrize(
    ("audience", "att", "expires"),
    [
        ("bob", ATT, 1),
        ("did:key:z6Mkb", [], 1),
        ("did:key:z6Mkb", [{"with": "x"}], 1),
        ("did:key:z6Mkb", ATT, 1.5),
        ("did:key:z6Mkb", ATT, True),
    ],
)
def test_bad_arguments_send_nothing(audience, att, expires):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(issue(context(), audience, att, expires=expires))
    assert driver.requests == []
