"""Models of every JSON document a venue returns (venue-api.md §3, §4).

Frozen attrs classes; ``covia_proto.converter`` maps their camelCase wire names and
keeps what a newer venue adds in ``extra``. Fields the venue may omit are optional;
only what every venue version sends is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from covia_proto.converter import lazy_link, wire
from covia_proto.job_status import JobStatus

__all__ = [
    "AgentCard",
    "AssetDocument",
    "AssetList",
    "AssetMetadata",
    "ContentInfo",
    "DidDocument",
    "DidService",
    "InvokeResult",
    "JobList",
    "JobRecord",
    "McpDiscovery",
    "MessageAck",
    "OperationInfo",
    "OperationSpec",
    "SecretStored",
    "SecretsList",
    "VenueStats",
    "VenueStatus",
    "VerificationMethod",
]


def _extra() -> Any:
    return attrs.field(factory=dict, kw_only=True, repr=False, eq=True)


# --- GET /api/v1/status (§3.1) -------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@attrs.frozen
class VenueStats:
    """The counts in a venue's status: assets, users, operations, jobs."""

    assets: int | None = wire()
    users: int | None = wire()
    ops: int | None = wire()
    jobs: int | None = wire()
    user_jobs: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class VenueStatus:
    """``GET /status``: the venue's name, DID, URL, version and counts."""

    status: str | None = wire()
    ts: int | None = wire()
    did: str | None = wire()
    name: str | None = wire()
    url: str | None = wire()
    stats: VenueStats | None = wire()
    version: str | None = wire()
    extra: Mapping[str, Any] = _extra()

    @property
    def access(self) -> Mapping[str, Any] | None:
        """Who may call the venue (newer venues; read from ``extra``)."""
        value = self.extra.get("access")
        return value if isinstance(value, Mapping) else None

    @property
    def ucan_profile(self) -> Any:
        """The UCAN profile the venue accepts (``ucanProfile``, newer venues)."""
        return self.extra.get("ucanProfile")

    @property
    def ucanProfile(self) -> Any:
        """The official SDK's (wire) name for ``ucan_profile``."""
        return self.ucan_profile


# --- Assets (§3.2, §5) ---------------------------------------------------------------


@attrs.frozen
class AssetList:
    """One page of asset ids. ``limit`` is the venue's echo of the page size."""

    items: tuple[str, ...] = wire(hex=True, default=())
    total: int = wire(default=0)
    offset: int = wire(default=0)
    limit: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class ContentInfo:
    """The ``content`` object of an artifact's metadata; ``sha256`` is the id of its bytes.

    Metadata is the user's own JSON, which the venue stores unchecked: each field here is
    typed where the value has the documented shape and ``None`` where it has another,
    which is then kept in ``extra`` (as in ``OperationSpec`` and ``AssetMetadata``)."""

    sha256: str | None = wire(hex=True, lenient=True)
    content_type: str | None = wire(lenient=True)
    file_name: str | None = wire(lenient=True)
    size: int | None = wire(lenient=True)
    encoding: str | None = wire(lenient=True)
    in_language: str | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class OperationSpec:
    """The ``operation`` object of an operation's metadata."""

    adapter: str | None = wire(lenient=True)
    input: Any = wire(lenient=True)
    output: Any = wire(lenient=True)
    tool_name: str | None = wire(lenient=True)
    strict: bool | None = wire(lenient=True)
    secret_fields: tuple[str, ...] | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AssetMetadata:
    """An asset's metadata document (the venue keeps it as the text it was sent).

    Typed where a field has the documented shape; a field of another type (an agent
    template's ``"operation": "v/ops/…"``, a numeric ``name``) reads ``None`` here and
    stays in ``extra``: the whole document is always at hand as parsed JSON."""

    name: str | None = wire(lenient=True)
    description: str | None = wire(lenient=True)
    date_created: Any = wire(lenient=True)
    creator: Any = wire(lenient=True)
    content: ContentInfo | None = wire(lenient=True)
    operation: OperationSpec | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()

    @property
    def is_artifact(self) -> bool:
        """True when the metadata has a ``content`` object."""
        return self.content is not None

    @property
    def is_operation(self) -> bool:
        """True when the metadata has an ``operation`` object (what a venue invokes; an
        agent template's ``operation`` string does not make it one)."""
        return self.operation is not None


# --- Operations (§3.3) ---------------------------------------------------------------


@attrs.frozen
class OperationInfo:
    """An operation a venue offers: its catalog name, asset id, description and schemas."""

    name: str = wire(default="")
    asset: str | None = wire(hex=True)
    description: str | None = wire(lenient=True)
    input: Any = wire()
    output: Any = wire()
    activity_label: str | None = wire(lenient=True)
    read_only: bool | None = wire(lenient=True)
    internal: bool | None = wire(lenient=True)
    extra: Mapping[str, Any] = _extra()

    @property
    def activityLabel(self) -> Any:
        """The official SDK's (wire) name for ``activity_label``."""
        return self.activity_label

    @property
    def readOnly(self) -> Any:
        """The official SDK's (wire) name for ``read_only``."""
        return self.read_only


# --- Jobs (§3.4, §3.5, §4) -----------------------------------------------------------


@lazy_link("prev")
@attrs.frozen
class JobRecord:
    """A job as the venue reports it.

    ``prev`` is the whole previous record, nested (0.1 venues embed it; it grows with
    every transition): structured when first read, so a record parses as fast as one
    without history, and a malformed earlier record is a ``VenueProtocolError`` raised
    by that read. ``op`` is the asset id of the operation that ran.
    """

    id: str = wire(hex=True, default="")
    status: JobStatus = wire(default=JobStatus.PENDING)
    op: str | None = wire(hex=True)
    name: str | None = wire()
    created: int | None = wire()
    updated: int | None = wire()
    input: Any = wire()
    output: Any = wire()
    error: str | None = wire()
    message: str | None = wire()
    caller: str | None = wire()
    prev: JobRecord | None = wire(repr=False)  # the whole history, nested: too long to show
    extra: Mapping[str, Any] = _extra()

    @property
    def is_finished(self) -> bool:
        """COMPLETE, FAILED, CANCELLED, REJECTED or TIMEOUT."""
        return self.status.is_terminal

    @property
    def is_complete(self) -> bool:
        """COMPLETE: finished with an output."""
        return self.status == JobStatus.COMPLETE

    @property
    def operation(self) -> str | None:
        """The operation that ran: ``op``, or the legacy ``operation`` field."""
        legacy = self.extra.get("operation")
        return self.op or (legacy if isinstance(legacy, str) else None)

    # Fields newer venues send, read from ``extra`` (where a 0.1 venue's records and
    # any other shape stay): None when absent or not of the documented type.

    @property
    def adapter(self) -> str | None:
        """The adapter that ran the job (newer venues)."""
        return _text(self.extra.get("adapter"))

    @property
    def parent(self) -> str | None:
        """The job that started this one (newer venues)."""
        return _text(self.extra.get("parent"))

    @property
    def error_code(self) -> str | None:
        """A machine-readable code for ``error`` (``errorCode``, newer venues)."""
        return _text(self.extra.get("errorCode"))

    @property
    def errorCode(self) -> Any:
        """The official SDK's (wire) name for ``error_code``."""
        return self.error_code

    @property
    def cancellation(self) -> Mapping[str, Any] | None:
        """Who cancelled the job and why (newer venues)."""
        value = self.extra.get("cancellation")
        return value if isinstance(value, Mapping) else None


@attrs.frozen
class JobList:
    """Job ids visible to the caller: a 0.1 venue's flat array, or a newer page."""

    items: tuple[str, ...] = wire(hex=True, default=())
    total: int = wire(default=0)
    offset: int = wire(default=0)
    limit: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class InvokeResult:
    """The answer to ``POST /invoke``: the job, where it lives, and whether a
    server-side wait saw it complete (HTTP 200 rather than 201)."""

    job: JobRecord
    location: str | None = None
    completed_in_wait: bool = False


@attrs.frozen
class MessageAck:
    """``POST /jobs/{id}``: ``{"status":"queued","queueDepth":0}`` (``queueDepth``
    is gone in newer venues)."""

    status: str | None = wire()
    queue_depth: int | None = wire()
    extra: Mapping[str, Any] = _extra()


# --- Secrets (§3.7) ------------------------------------------------------------------


@attrs.frozen
class SecretsList:
    """The names of the caller's secrets (never their values)."""

    items: tuple[str, ...] = wire(default=())
    total: int | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class SecretStored:
    """The venue's answer to storing a secret."""

    name: str | None = wire()
    stored: bool | None = wire()
    extra: Mapping[str, Any] = _extra()


# --- DID documents (§3.8) ------------------------------------------------------------


@attrs.frozen
class VerificationMethod:
    """A key of a DID document (``publicKeyMultibase``)."""

    id: str = wire(default="")
    type: str | None = wire()
    controller: str | None = wire()
    public_key_multibase: str | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class DidService:
    """A service entry; ``service_endpoint`` may be a URL, a list or a map (DID core)."""

    id: str | None = wire()
    type: Any = wire()
    service_endpoint: Any = wire()
    extra: Mapping[str, Any] = _extra()

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint when it is a single URL string."""
        return self.service_endpoint if isinstance(self.service_endpoint, str) else None


@attrs.frozen
class DidDocument:
    """A venue's DID document (``/.well-known/did.json``): its keys and services."""

    id: str = wire(default="")
    context: Any = wire("@context")
    controller: Any = wire()
    verification_method: tuple[VerificationMethod, ...] = wire(default=())
    authentication: tuple[Any, ...] = wire(default=())
    assertion_method: tuple[Any, ...] = wire(default=())
    capability_delegation: tuple[Any, ...] = wire(default=())
    capability_invocation: tuple[Any, ...] = wire(default=())
    service: tuple[DidService, ...] = wire(default=())
    extra: Mapping[str, Any] = _extra()

    def services_of_type(self, service_type: str) -> tuple[DidService, ...]:
        """Services whose ``type`` is, or (as a list) contains, ``service_type``."""
        return tuple(
            s
            for s in self.service
            if s.type == service_type or (isinstance(s.type, list) and service_type in s.type)
        )


# --- Discovery documents (§3.9) ------------------------------------------------------


@attrs.frozen
class McpDiscovery:
    """``/.well-known/mcp``: its wire names are snake_case, unlike the rest."""

    mcp_version: str | None = wire("mcp_version")
    server_url: str | None = wire("server_url")
    description: str | None = wire()
    endpoint: Any = wire()
    tools_endpoint: str | None = wire("tools_endpoint")
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AgentCard:
    """The A2A agent card at ``/.well-known/agent-card.json``."""

    name: str | None = wire()
    description: str | None = wire()
    version: str | None = wire()
    url: str | None = wire()
    provider: Any = wire()
    capabilities: Any = wire()
    supported_interfaces: Any = wire()
    default_input_modes: tuple[str, ...] | None = wire()
    default_output_modes: tuple[str, ...] | None = wire()
    skills: Any = wire()
    extra: Mapping[str, Any] = _extra()

    @property
    def agentProvider(self) -> Any:
        """The provider, under the name the SDK documentation uses."""
        return self.provider

    @property
    def defaultInputModes(self) -> Any:
        """The official SDK's (wire) name for ``default_input_modes``."""
        return self.default_input_modes

    @property
    def defaultOutputModes(self) -> Any:
        """The official SDK's (wire) name for ``default_output_modes``."""
        return self.default_output_modes

    @property
    def supportedInterfaces(self) -> Any:
        """The official SDK's (wire) name for ``supported_interfaces``."""
        return self.supported_interfaces

    @property
    def preferredTransport(self) -> Any:
        """The official SDK's (wire) name for ``preferred_transport``."""
        return self.preferred_transport

    @property
    def preferred_transport(self) -> str | None:
        """``preferredTransport`` (read from ``extra``)."""
        return _text(self.extra.get("preferredTransport"))


@attrs.frozen
class AssetDocument:
    """An asset as ``GET /assets/{id}`` gives it: the metadata text exactly as the venue
    stores it, that text parsed, and its model. ``etag`` is the asset id newer venues
    send in ``ETag``."""

    id: str
    text: str = attrs.field(repr=False)
    data: Mapping[str, Any] = attrs.field(repr=False)
    metadata: AssetMetadata
    etag: str | None = None
