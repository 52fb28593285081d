"""Discovery documents outside the API root (venue-api.md §3.8, §3.9)."""

from __future__ import annotations

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint, hex_segment, segment
from covia_proto.endpoints.responses import parse_model
from covia_proto.errors import RequestInfo
from covia_proto.http import Response
from covia_proto.models import AgentCard, DidDocument, McpDiscovery

__all__ = [
    "API_SERVICE_TYPE",
    "get_agent_card",
    "get_asset_did_document",
    "get_did_document",
    "get_mcp_discovery",
    "get_user_did_document",
    "parse_agent_card",
    "parse_did_document",
    "parse_mcp_discovery",
]

API_SERVICE_TYPE = "Covia.API.v1"
_DID_ACCEPT = "application/did+json, application/json;q=0.9"


def get_did_document(endpoint: Endpoint) -> Call[DidDocument]:
    url = endpoint.url("/.well-known/did.json")
    return Call(endpoint.request("GET", url, accept=_DID_ACCEPT), parse_did_document)


def get_asset_did_document(endpoint: Endpoint, asset_id: str) -> Call[DidDocument]:
    url = endpoint.url(f"/a/{hex_segment(asset_id, 'asset id')}/did.json")
    return Call(endpoint.request("GET", url, accept=_DID_ACCEPT), parse_did_document)


def get_user_did_document(endpoint: Endpoint, user_id: str) -> Call[DidDocument]:
    url = endpoint.url(f"/u/{segment(user_id)}/did.json")
    return Call(endpoint.request("GET", url, accept=_DID_ACCEPT), parse_did_document)


def parse_did_document(response: Response, request: RequestInfo | None = None) -> DidDocument:
    return parse_model(response, DidDocument, request=request)


def get_mcp_discovery(endpoint: Endpoint) -> Call[McpDiscovery]:
    url = endpoint.url("/.well-known/mcp")
    return Call(endpoint.request("GET", url), parse_mcp_discovery)


def parse_mcp_discovery(response: Response, request: RequestInfo | None = None) -> McpDiscovery:
    return parse_model(response, McpDiscovery, request=request)


def get_agent_card(endpoint: Endpoint) -> Call[AgentCard]:
    url = endpoint.url("/.well-known/agent-card.json")
    accept = "application/a2a+json, application/json;q=0.9"
    return Call(endpoint.request("GET", url, accept=accept), parse_agent_card)


def parse_agent_card(response: Response, request: RequestInfo | None = None) -> AgentCard:
    return parse_model(response, AgentCard, request=request)
