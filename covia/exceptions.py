"""The SDK's exceptions (one hierarchy for every driver)::

CoviaError
├── GridError                 HTTP error answers (status_code, message, body)
│   ├── NotFoundError
│   │   ├── AssetNotFoundError   (asset_id)
│   │   └── JobNotFoundError     (job_id)
│   └── RateLimitError           (retry_after)
├── VenueProtocolError        the venue broke the protocol
│   ├── ContentHashError
│   └── AssetIdMismatchError  metadata whose id is not its own (expected, actual)
├── CoviaConnectionError      also a ConnectionError
├── CoviaTimeoutError         also a TimeoutError
│   └── JobTimeoutError          (job_id, job_data, timeout)
├── JobFailedError            (job_id, job_data)
├── JobInteractionRequired    (job_id, job_data)
├── JsonRpcError              (code, data)
└── CoviaUsageError           also a ValueError
"""

from __future__ import annotations

from covia_proto.errors import (
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
    RequestInfo,
    VenueProtocolError,
)

__all__ = [
    "AssetIdMismatchError",
    "AssetNotFoundError",
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
    "NotFoundError",
    "RateLimitError",
    "RequestInfo",
    "VenueProtocolError",
]
