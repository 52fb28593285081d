"""The Covia Python SDK.

``Grid.connect(url_or_did)`` opens a ``Venue``; from it, assets, operations and
``Job``\\s. ``covia.async_api`` has the async mirror; ``covia.auth`` the credentials;
``covia.exceptions`` the errors; ``covia.models`` the data models.
"""

from __future__ import annotations

import logging

from covia.asset import Asset
from covia.asset_id import compute_asset_id
from covia.exceptions import (
    AssetIdMismatchError,
    AssetNotFoundError,
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
    NotFoundError,
    RateLimitError,
    VenueProtocolError,
)
from covia.grid import Grid
from covia.job import Job
from covia.venue import Venue
from covia_proto import __version__
from covia_proto.limits import Limits
from covia_proto.status import JobStatus

logging.getLogger("covia").addHandler(logging.NullHandler())

__all__ = [
    "Asset",
    "AssetIdMismatchError",
    "AssetNotFoundError",
    "ContentHashError",
    "CoviaConnectionError",
    "CoviaError",
    "CoviaTimeoutError",
    "CoviaUsageError",
    "Grid",
    "GridError",
    "Job",
    "JobFailedError",
    "JobInteractionRequired",
    "JobNotFoundError",
    "JobStatus",
    "JobTimeoutError",
    "JsonRpcError",
    "Limits",
    "NotFoundError",
    "RateLimitError",
    "Venue",
    "VenueProtocolError",
    "__version__",
    "compute_asset_id",
]
