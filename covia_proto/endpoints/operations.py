"""Operations: the catalog and one operation's description (venue-api.md §3.3)."""

from __future__ import annotations

from typing import Any

from covia_proto.converter import structure
from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint, segment
from covia_proto.endpoints.responses import check, parse_json, parse_model
from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError
from covia_proto.http import Response
from covia_proto.models import OperationInfo

__all__ = ["get_operation", "list_operations", "parse_operation", "parse_operations"]


def list_operations(endpoint: Endpoint) -> Call[tuple[OperationInfo, ...]]:
    """``GET /operations``: the operations the venue offers."""
    return Call(endpoint.request("GET", endpoint.api_url("operations")), parse_operations)


def parse_operations(
    response: Response, request: RequestInfo | None = None
) -> tuple[OperationInfo, ...]:
    """A JSON array of operations (an ``items`` envelope is accepted too)."""
    check(response, request=request)
    data: Any = parse_json(response.body, request=request, what="operation list")
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        raise VenueProtocolError("operation list is not a JSON array", request=request)
    try:
        return tuple(structure(item, OperationInfo) for item in data)
    except VenueProtocolError as exc:
        raise VenueProtocolError(exc.message, request=request) from None


def get_operation(endpoint: Endpoint, name: str) -> Call[OperationInfo]:
    """``GET /operations/{name}``: the name is ONE segment, so ``/`` goes as ``%2F``."""
    if not isinstance(name, str):
        raise CoviaUsageError(f"an operation name must be a string, not {type(name).__name__}")
    url = endpoint.api_url("operations", segment(name.strip()))
    return Call(endpoint.request("GET", url), parse_operation)


def parse_operation(response: Response, request: RequestInfo | None = None) -> OperationInfo:
    return parse_model(response, OperationInfo, request=request)
