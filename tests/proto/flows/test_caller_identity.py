from __future__ import annotations

import json

import pytest

from covia_proto.auth import Auth, BearerAuth, VenueBoundAuth
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import VenueProtocolError
from covia_proto.flows.caller_identity import CallerIdentity, bind_auth, parse_whoami, whoami
from covia_proto.flows.context import VenueContext
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import json_response

URL = "https://venue.example.com"
VENUE_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


class Addressed(VenueBoundAuth):
    """A scheme that writes the audience it was bound to."""

    def __init__(self, audience: str | None = None) -> None:
        self.audience = audience

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer for:{self.audience}"

    def for_venue(self, did: str) -> Auth:
        return Addressed(did)


def test_an_unbound_scheme_learns_the_venue_did_from_its_document():
    auth = Addressed()
    driver = ScriptedDriver([json_response(200, {"id": VENUE_DID})])
    context = driver.run(bind_auth(VenueContext(Endpoint(URL, auth=auth))))
    assert driver.calls == [("GET", f"{URL}/.well-known/did.json")]
    assert context.endpoint.auth.audience == VENUE_DID  # type: ignore[attr-defined]
    assert auth.audience is None  # the caller's own scheme is left as it was
    request = context.endpoint.request("GET", context.endpoint.api_url("status"))
    assert request.header("authorization") == f"Bearer for:{VENUE_DID}"


def test_without_a_document_the_status_did_is_used():
    driver = ScriptedDriver(
        [
            json_response(404, {"error": "Endpoint GET /.well-known/did.json not found"}),
            json_response(200, {"status": "OK", "did": VENUE_DID}),
        ]
    )
    context = driver.run(bind_auth(VenueContext(Endpoint(URL, auth=Addressed()))))
    assert context.endpoint.auth.audience == VENUE_DID  # type: ignore[attr-defined]
    assert [path for _, path in driver.calls] == [
        f"{URL}/.well-known/did.json",
        f"{URL}/api/v1/status",
    ]


@pytest.mark.parametrize("auth", [Addressed("did:web:pinned.example"), BearerAuth("t")])
def test_bound_or_fixed_schemes_send_nothing(auth: Auth):
    driver = ScriptedDriver([])
    context = VenueContext(Endpoint(URL, auth=auth))
    assert driver.run(bind_auth(context)) is context
    assert driver.calls == []


def test_whoami_runs_the_operation_and_reads_its_answer():
    record = {
        "id": "0x0a",
        "status": "COMPLETE",
        "output": {"caller": VENUE_DID + ":public", "authenticated": True, "internal": False},
    }
    driver = ScriptedDriver([json_response(201, record)])
    identity = driver.run(whoami(VenueContext(Endpoint(URL)), timeout=30))
    assert identity == CallerIdentity(VENUE_DID + ":public", authenticated=True, internal=False)
    assert driver.calls == [("POST", f"{URL}/api/v1/invoke")]
    assert json.loads(driver.requests[0].body)["operation"] == "v/ops/auth/whoami"


@pytest.mark.parametrize("output", [None, "me", {"caller": 5}, {}])
def test_a_whoami_answer_without_a_caller_is_a_protocol_error(output: object):
    with pytest.raises(VenueProtocolError, match="without a caller"):
        parse_whoami(output)
