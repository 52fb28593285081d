"""Tests of the discovery documents: DID documents, MCP discovery, agent card
(venue-api.md §3.8, §3.9)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from covia_proto.endpoints import discovery
from covia_proto.errors import CoviaUsageError, NotFoundError, VenueProtocolError
from covia_proto.http import Response

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
VENUE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
KEY = VENUE + "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ID = "7a8b" * 16
JSON_CT = (("Content-Type", "application/json"),)
DID_ACCEPT = "application/did+json, application/json;q=0.9"

DID_BODY = json.dumps(
    {
        "id": VENUE,
        "@context": "https://www.w3.org/ns/did/v1",
        "verificationMethod": [
            {
                "id": KEY,
                "type": "Multikey",
                "controller": VENUE,
                "publicKeyMultibase": KEY.split("#")[1],
            }
        ],
        "authentication": [KEY],
        "assertionMethod": [KEY],
        "capabilityDelegation": [KEY],
        "capabilityInvocation": [KEY],
        "service": [{"type": "Covia.API.v1", "serviceEndpoint": BASE + "/api/v1"}],
    }
).encode()


def test_did_document_requests() -> None:
    request = discovery.get_did_document(ENDPOINT).request
    assert (request.method, request.url) == ("GET", BASE + "/.well-known/did.json")
    assert request.header("accept") == DID_ACCEPT
    asset = discovery.get_asset_did_document(ENDPOINT, "0x" + ID.upper()).request
    assert asset.url == f"{BASE}/a/{ID}/did.json"
    user = discovery.get_user_did_document(ENDPOINT, "alice_gmail_com").request
    assert user.url == BASE + "/u/alice_gmail_com/did.json"
    assert discovery.get_user_did_document(ENDPOINT, "a/b").request.url == (
        BASE + "/u/a%2Fb/did.json"
    )


def test_builders_refuse_bad_ids() -> None:
    with pytest.raises(CoviaUsageError):
        discovery.get_asset_did_document(ENDPOINT, None)  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError):
        discovery.get_user_did_document(ENDPOINT, "")


def test_parse_venue_did_document() -> None:
    doc = discovery.get_did_document(ENDPOINT).parse(Response(200, JSON_CT, DID_BODY))
    assert doc.id == VENUE
    assert doc.verification_method[0].id == KEY
    assert doc.verification_method[0].type == "Multikey"
    (api,) = doc.services_of_type(discovery.API_SERVICE_TYPE)
    assert api.endpoint_url == BASE + "/api/v1"


def test_parse_minimal_asset_document() -> None:
    body = json.dumps(
        {"@context": "https://www.w3.org/ns/did/v1", "id": f"{VENUE}/a/{ID}"}
    ).encode()
    doc = discovery.get_asset_did_document(ENDPOINT, ID).parse(Response(200, JSON_CT, body))
    assert doc.id == f"{VENUE}/a/{ID}"
    assert doc.service == ()


def test_unknown_user() -> None:
    with pytest.raises(NotFoundError, match="User not found: bob"):
        discovery.get_user_did_document(ENDPOINT, "bob").parse(
            Response(404, JSON_CT, b'{"error":"User not found: bob"}')
        )


def test_bad_did_document() -> None:
    with pytest.raises(VenueProtocolError, match="expected an array"):
        discovery.parse_did_document(Response(200, JSON_CT, b'{"id":"x","authentication":"k"}'))


def test_mcp_discovery() -> None:
    call = discovery.get_mcp_discovery(ENDPOINT)
    assert call.request.url == BASE + "/.well-known/mcp"
    assert call.request.header("accept") == "application/json"
    body = (
        b'{"mcp_version":"1.0","server_url":"https://venue.example.com/mcp",'
        b'"description":null,"endpoint":{"path":"/mcp","transport":"streamable-http"}}'
    )
    doc = call.parse(Response(200, JSON_CT, body))
    assert doc.mcp_version == "1.0"
    assert doc.server_url == BASE + "/mcp"
    assert doc.description is None
    assert doc.endpoint["transport"] == "streamable-http"
    with pytest.raises(NotFoundError):
        call.parse(Response(404, JSON_CT, b'{"error":"Endpoint GET /.well-known/mcp not found"}'))


def test_agent_card() -> None:
    call = discovery.get_agent_card(ENDPOINT)
    assert call.request.url == BASE + "/.well-known/agent-card.json"
    assert call.request.header("accept") == "application/a2a+json, application/json;q=0.9"
    body = json.dumps(
        {
            "name": "covia-venue-agent",
            "description": "Covia",
            "version": "1.0",
            "provider": {"organization": "Covia", "url": "https://covia.ai"},
            "capabilities": {"streaming": True, "pushNotifications": False},
            "supportedInterfaces": [
                {
                    "protocolBinding": "JSONRPC",
                    "url": BASE + "/a2a",
                    "tenant": "",
                    "protocolVersion": "1.0",
                }
            ],
            "defaultInputModes": ["text/plain", "application/json"],
            "defaultOutputModes": ["text/plain", "application/json"],
            "skills": [],
        }
    ).encode()
    card = call.parse(
        Response(200, (("Content-Type", "application/a2a+json; charset=utf-8"),), body)
    )
    assert card.name == "covia-venue-agent"
    assert card.agentProvider == {"organization": "Covia", "url": "https://covia.ai"}
    assert card.capabilities["streaming"] is True
    assert card.default_output_modes == ("text/plain", "application/json")
    assert card.skills == []


@settings(max_examples=150, deadline=None)
@given(responses)
def test_fuzz_only_covia_errors(response: Response) -> None:
    for call in (
        discovery.get_did_document(ENDPOINT),
        discovery.get_asset_did_document(ENDPOINT, ID),
        discovery.get_user_did_document(ENDPOINT, "alice"),
        discovery.get_mcp_discovery(ENDPOINT),
        discovery.get_agent_card(ENDPOINT),
    ):
        only_covia_errors(call.parse, response)
    for parse in (
        discovery.parse_did_document,
        discovery.parse_mcp_discovery,
        discovery.parse_agent_card,
    ):
        only_covia_errors(parse, response)
