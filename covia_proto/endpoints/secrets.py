"""The caller's secret store (venue-api.md §3.7). Values go in, never come back."""

from __future__ import annotations

from typing import Any

from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import Endpoint, segment
from covia_proto.endpoints.responses import expect_empty, parse_model
from covia_proto.errors import CoviaUsageError, RequestInfo
from covia_proto.http import Response
from covia_proto.models import SecretsList, SecretStored

__all__ = ["delete_secret", "list_secrets", "parse_secrets", "put_secret"]


def list_secrets(endpoint: Endpoint) -> Call[SecretsList]:
    return Call(endpoint.request("GET", endpoint.api_url("secrets")), parse_secrets)


def parse_secrets(response: Response, request: RequestInfo | None = None) -> SecretsList:
    """``{"items": [...], "total": n}``; a 0.1 venue sends ``"items": "[]"`` (a string)
    to a caller it has no record of, and a bare array is accepted too."""
    return parse_model(response, SecretsList, request=request, prepare=_normalise_items)


def _normalise_items(data: Any) -> Any:
    if isinstance(data, list):
        return {"items": data, "total": len(data)}
    if isinstance(data, dict) and "items" in data and not isinstance(data["items"], list):
        # §3.7: "Clients must accept a non-list items and treat it as empty."
        return {**data, "items": []}
    return data


def put_secret(endpoint: Endpoint, name: str, value: str) -> Call[SecretStored]:
    """``PUT /secrets/{name}`` with ``{"value": …}``; the request's repr hides the body."""
    if not isinstance(value, str):
        raise CoviaUsageError("a secret value must be a string")
    url = endpoint.api_url("secrets", segment(name))
    request = endpoint.request("PUT", url, json_body={"value": value})
    return Call(request, lambda response, info: parse_model(response, SecretStored, request=info))


def delete_secret(endpoint: Endpoint, name: str) -> Call[None]:
    url = endpoint.api_url("secrets", segment(name))
    return Call(endpoint.request("DELETE", url), lambda r, info: expect_empty(r, request=info))
