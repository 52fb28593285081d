"""One builder per venue endpoint, each returning a ``Call`` (the request and the
parser of its response), plus the standalone parsers.

Grouped by resource: ``status``, ``assets``, ``operations``, ``jobs``, ``secrets``,
``discovery``, ``jsonrpc`` (MCP and A2A) and ``newer`` (routes of newer venues).
"""

from __future__ import annotations

from covia_proto.endpoints import (
    assets,
    discovery,
    jobs,
    jsonrpc,
    newer,
    operations,
    secrets,
    status,
)
from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT, Endpoint
from covia_proto.endpoints.responses import error_for, is_missing_route

__all__ = [
    "DEFAULT_USER_AGENT",
    "Call",
    "Endpoint",
    "assets",
    "discovery",
    "error_for",
    "is_missing_route",
    "jobs",
    "jsonrpc",
    "newer",
    "operations",
    "secrets",
    "status",
]
