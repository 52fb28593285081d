"""Data models of the venue's documents (frozen attrs classes; unknown fields are
kept in ``extra``)."""

from __future__ import annotations

from covia_proto.flows.assets import ContentDownload
from covia_proto.job_status import JobStatus
from covia_proto.models import (
    AgentCard,
    AssetDocument,
    AssetList,
    AssetMetadata,
    ContentInfo,
    DidDocument,
    DidService,
    InvokeResult,
    JobList,
    JobRecord,
    McpDiscovery,
    MessageAck,
    OperationInfo,
    OperationSpec,
    SecretsList,
    SecretStored,
    VenueStats,
    VenueStatus,
    VerificationMethod,
)
from covia_proto.sse import ServerSentEvent

JobData = JobRecord
"""The name the SDK documentation uses for a job's record."""

# The official SDK's spellings of the same documents.
DIDDocument = DidDocument
MCPDiscovery = McpDiscovery

__all__ = [
    "AgentCard",
    "AssetDocument",
    "AssetList",
    "AssetMetadata",
    "ContentDownload",
    "ContentInfo",
    "DIDDocument",
    "DidDocument",
    "DidService",
    "InvokeResult",
    "JobData",
    "JobList",
    "JobRecord",
    "JobStatus",
    "MCPDiscovery",
    "McpDiscovery",
    "MessageAck",
    "OperationInfo",
    "OperationSpec",
    "SecretStored",
    "SecretsList",
    "ServerSentEvent",
    "VenueStats",
    "VenueStatus",
    "VerificationMethod",
]
