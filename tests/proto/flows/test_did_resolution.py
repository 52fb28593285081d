from __future__ import annotations

import pytest

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.did_resolution import fetch_venue_did, locate_did_web
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import json_response

DID = "did:web:venue.example.com"


def did_document(
    endpoint: object = "https://api.example.com/api/v1", did: str = DID
) -> dict[str, object]:
    return {
        "id": did,
        "@context": "https://www.w3.org/ns/did/v1",
        "service": [{"type": "Covia.API.v1", "serviceEndpoint": endpoint}],
    }


def context_for(url: str) -> VenueContext:
    return VenueContext(Endpoint(url))


def test_the_api_service_of_the_did_document_gives_the_base_url():
    driver = ScriptedDriver([json_response(200, did_document())])
    location = driver.run(locate_did_web(context_for("https://venue.example.com"), DID))
    assert location.base_url == "https://api.example.com"
    assert driver.calls == [("GET", "https://venue.example.com/.well-known/did.json")]


def test_a_did_with_a_path_reads_its_document_under_that_path():
    did = "did:web:example.com%3A8443:venues:one"
    driver = ScriptedDriver(
        [json_response(200, did_document("https://example.com:8443/venues/one/api/v1", did))]
    )
    location = driver.run(locate_did_web(context_for("https://example.com:8443/venues/one"), did))
    assert driver.calls == [("GET", "https://example.com:8443/venues/one/did.json")]
    assert location.base_url == "https://example.com:8443/venues/one"


def test_a_document_without_an_api_service_leaves_the_did_host():
    document = {"id": "did:key:z6Mk", "@context": "https://www.w3.org/ns/did/v1"}
    driver = ScriptedDriver([json_response(200, document)])
    location = driver.run(locate_did_web(context_for("https://venue.example.com"), DID))
    assert location.base_url == "https://venue.example.com"
    assert location.document.id == "did:key:z6Mk"


@pytest.mark.parametrize(
    "api", ["http://evil.example.com/api/v1", "http://127.0.0.1:8791/api/v1", "http://localhost"]
)
def test_a_document_that_downgrades_to_plain_http_is_refused(api):
    driver = ScriptedDriver([json_response(200, did_document(api))])
    with pytest.raises(VenueProtocolError, match="plain http"):
        driver.run(locate_did_web(context_for("https://venue.example.com"), DID))


def test_a_document_with_a_nonsense_endpoint_is_a_protocol_error():
    driver = ScriptedDriver([json_response(200, did_document("ftp://x"))])
    with pytest.raises(VenueProtocolError, match="unusable API endpoint"):
        driver.run(locate_did_web(context_for("https://venue.example.com"), DID))


def test_only_did_web_can_be_located():
    with pytest.raises(CoviaUsageError):
        ScriptedDriver([]).run(
            locate_did_web(
                context_for("https://x"), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
            )
        )


def test_venue_did_from_the_did_document_or_else_the_status():
    driver = ScriptedDriver([json_response(200, did_document())])
    assert driver.run(fetch_venue_did(context_for("https://venue.example.com"))) == DID

    driver = ScriptedDriver(
        [
            json_response(404, {"error": "Endpoint GET /.well-known/did.json not found"}),
            json_response(200, {"status": "OK", "did": "did:key:z6MkStatus"}),
        ]
    )
    assert (
        driver.run(fetch_venue_did(context_for("https://venue.example.com")))
        == "did:key:z6MkStatus"
    )
