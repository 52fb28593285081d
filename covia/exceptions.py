"""The SDK's exceptions (one hierarchy for every driver)::

CoviaError
├── GridError                 HTTP error answers (status_code, message, body)
│   ├── NotFoundError
│   │   ├── AssetNotFoundError   (asset_id)
│   │   └── JobNotFoundError     (job_id)
│   ├── RateLimitError           (retry_after)
│   └── AuthenticationError      401: the venue did not accept the caller
├── VenueProtocolError        the venue broke the protocol
│   ├── ContentHashError
│   └── AssetIdMismatchError  metadata whose id is not its own (expected, actual)
├── CoviaConnectionError      also a ConnectionError
├── CoviaTimeoutError         also a TimeoutError
│   └── JobTimeoutError          (job_id, job_data, timeout)
├── JobFailedError            (job_id, job_data)
├── JobInteractionRequired    (job_id, job_data)
├── JsonRpcError              (code, data)
├── TokenError                a JWT or UCAN that fails verification
├── CoviaUsageError           also a ValueError
└── MissingDependencyError    also an ImportError: names the extra to install
"""

from __future__ import annotations

from covia._optional import MissingDependencyError
from covia_proto.errors import (
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
    NotFoundError,
    RateLimitError,
    RequestInfo,
    TokenError,
    VenueProtocolError,
)

__all__ = [
    "AssetIdMismatchError",
    "AssetNotFoundError",
    "AuthenticationError",
    "ContentHashError",
    "CoviaConnectionError",
    "CoviaError",
    "CoviaTimeoutError",
    "CoviaUsageError",
    "GridError",
    "JobFailedError",
    "JobInteractionRequired",
    "JobNotFoundError",
    "JobTimeoutError",
    "JsonRpcError",
    "MissingDependencyError",
    "NotFoundError",
    "RateLimitError",
    "RequestInfo",
    "TokenError",
    "VenueProtocolError",
]
