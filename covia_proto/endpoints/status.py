"""``GET /api/v1/status`` (venue-api.md §3.1)."""

from __future__ import annotations

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.endpoints.responses import parse_model
from covia_proto.errors import RequestInfo
from covia_proto.http import Response
from covia_proto.models import VenueStatus

__all__ = ["get_status", "parse_status"]


def get_status(endpoint: Endpoint) -> Call[VenueStatus]:
    """``GET /status``: the venue's name, DID, version and counts."""
    return Call(endpoint.request("GET", endpoint.api_url("status")), parse_status)


def parse_status(response: Response, request: RequestInfo | None = None) -> VenueStatus:
    return parse_model(response, VenueStatus, request=request)
