"""The Covia Python SDK.

``Grid.connect(url_or_did)`` opens a ``Venue``; from it, assets, operations and
``Job``\\s. ``covia.async_api`` has the async mirror; ``covia.auth`` the credentials;
``covia.exceptions`` the errors; ``covia.models`` the data models. The names the
official SDK exports from here (the auth classes, its model names) are here too.
"""

from __future__ import annotations

import logging

from covia.asset import Asset
from covia.asset_id import compute_asset_id
from covia.auth import Auth, BasicAuth, BearerAuth, Ed25519Auth, NoAuth
from covia.exceptions import (
    AssetIdMismatchError,
    AssetNotFoundError,
    AuthenticationError,
    ContentHashError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobTimeoutError,
    JsonRpcError,
    MissingDependencyError,
    NotFoundError,
    RateLimitError,
    VenueProtocolError,
)
from covia.grid import Grid
from covia.job import Job
from covia.models import (
    AgentCard,
    AssetList,
    DIDDocument,
    JobData,
    MCPDiscovery,
    OperationInfo,
    VenueStatus,
)
from covia.venue import Venue
from covia_proto import __version__
from covia_proto.job_status import JobStatus
from covia_proto.limits import Limits

logging.getLogger("covia").addHandler(logging.NullHandler())

__all__ = [
    "AgentCard",
    "Asset",
    "AssetIdMismatchError",
    "AssetList",
    "AssetNotFoundError",
    "Auth",
    "AuthenticationError",
    "BasicAuth",
    "BearerAuth",
    "ContentHashError",
    "CoviaConnectionError",
    "CoviaError",
    "CoviaTimeoutError",
    "CoviaUsageError",
    "DIDDocument",
    "Ed25519Auth",
    "Grid",
    "GridError",
    "Job",
    "JobData",
    "JobFailedError",
    "JobInteractionRequired",
    "JobNotFoundError",
    "JobStatus",
    "JobTimeoutError",
    "JsonRpcError",
    "Limits",
    "MCPDiscovery",
    "MissingDependencyError",
    "NoAuth",
    "NotFoundError",
    "OperationInfo",
    "RateLimitError",
    "Venue",
    "VenueProtocolError",
    "VenueStatus",
    "__version__",
    "compute_asset_id",
]
