"""Routes of newer venues (venue-api.md §3.12, §3.14): ``run``, ``values``,
``adapters`` and ``agents``. A 0.1 venue answers them 404 ``Endpoint … not found``
(see ``is_missing_route``); flows fall back to what 0.1 offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint, segment
from covia_proto.endpoints.jobs import _operation_ref, proof_list
from covia_proto.endpoints.responses import check, parse_json
from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError
from covia_proto.http import Response

__all__ = [
    "VALUE_OPERATIONS",
    "get_adapter_operations",
    "get_agent",
    "get_value",
    "list_agents",
    "parse_any",
    "run",
]

VALUE_OPERATIONS: Final = frozenset({"read", "list", "slice", "inspect", "count", "aggregate"})


def parse_any(response: Response, request: RequestInfo | None = None) -> Any:
    """Any JSON value (``run`` answers an operation's bare output)."""
    check(response, request=request)
    return parse_json(response.body, request=request, what="result")


def run(
    endpoint: Endpoint,
    operation: str,
    input: Any = None,
    *,
    ucans: Sequence[str] | None = None,
    private: bool | None = None,
) -> Call[Any]:
    """``POST /run``: invoke and answer the bare output. Not idempotent."""
    body: dict[str, Any] = {"operation": _operation_ref(operation), "input": input}
    if ucans := proof_list(ucans):
        body["ucans"] = ucans
    if private is not None:
        body["private"] = private
    return Call(endpoint.request("POST", endpoint.api_url("run"), json_body=body), parse_any)


def get_value(endpoint: Endpoint, operation: str, path: str, **params: Any) -> Call[Any]:
    """``GET /values/{read|list|slice|inspect|count|aggregate}?path=…``: job-free reads."""
    if operation not in VALUE_OPERATIONS:
        known = ", ".join(sorted(VALUE_OPERATIONS))
        raise CoviaUsageError(f"unknown value operation {operation!r} (one of {known})")
    url = endpoint.api_url("values", operation, query={"path": path, **params})
    return Call(endpoint.request("GET", url), parse_any)


def get_adapter_operations(endpoint: Endpoint, adapter: str) -> Call[dict[str, Any]]:
    """``GET /adapters/{name}/operations`` → ``{operation name: metadata}``."""
    url = endpoint.api_url("adapters", segment(adapter), "operations")
    return Call(endpoint.request("GET", url), _parse_object)


def _parse_object(response: Response, request: RequestInfo | None = None) -> dict[str, Any]:
    data = parse_any(response, request)
    if not isinstance(data, dict):
        raise VenueProtocolError("expected a JSON object", request=request)
    return data


def list_agents(endpoint: Endpoint) -> Call[Any]:
    return Call(endpoint.request("GET", endpoint.api_url("agents")), parse_any)


def get_agent(endpoint: Endpoint, agent_id: str) -> Call[Any]:
    url = endpoint.api_url("agents", segment(agent_id))
    return Call(endpoint.request("GET", url), parse_any)
