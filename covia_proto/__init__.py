"""covia_proto: the sans-IO protocol core of the Covia SDK.

It builds requests, parses responses and runs multi-step flows as generators of
effects. It owns no socket, event loop, clock or source of randomness.

The names in ``__all__`` are what a user of the core imports (as h11 exports its events
and its connection); the submodules hold the rest, for the SDK's own drivers and
shells. A request and its parser::

    from covia_proto import Endpoint, NoAuth, get_status

    endpoint = Endpoint("https://venue.example", auth=NoAuth())
    call = get_status(endpoint)       # a Call: the Request, and its parser
    status = call.parse(response)     # once your HTTP library has sent call.request

With retries, timeouts and fallbacks decided by the core, a ``Flow`` (a generator that
yields ``Effect`` values: ``Send``, ``Sleep``, ``GetTime``, the stream effects, ``Emit``)
runs under a ``VenueContext`` and is driven by ``drive``/``drive_async`` (or, for one
call, ``drive_call``) with a ``perform(effect)`` function of your own. The README's
"Using the core directly" shows one driven by hand.

``Effect`` (the union of the effect classes) and ``Flow[T]`` (a generator that yields
effects and returns a ``T``) are type aliases, documented here.

Importing the package is cheap: each name is imported from its module on first use.
"""

from __future__ import annotations

import importlib
import logging

from covia_proto._version import __version__

# Not ``typing.TYPE_CHECKING``: importing typing would triple this package's import
# time. Type checkers take any ``TYPE_CHECKING`` as true.
TYPE_CHECKING = False
if TYPE_CHECKING:  # what the table below gives at run time, for type checkers
    from typing import Any, Final

    from covia_proto.address import VenueAddress, parse_venue_address
    from covia_proto.auth import Auth, BasicAuth, BearerAuth, NoAuth, VenueBoundAuth
    from covia_proto.converter import structure, unstructure
    from covia_proto.did import (
        Did,
        DidKey,
        DidUrl,
        did_web_document_url,
        did_web_to_url,
        parse_did,
        url_to_did_web,
    )
    from covia_proto.drivers import AsyncDriver, BaseAsyncDriver, BaseSyncDriver, SyncDriver
    from covia_proto.endpoints.assets import get_asset, list_assets
    from covia_proto.endpoints.call import Call
    from covia_proto.endpoints.endpoint import Endpoint
    from covia_proto.endpoints.jobs import get_job, invoke, list_jobs
    from covia_proto.endpoints.operations import get_operation, list_operations
    from covia_proto.endpoints.responses import error_for
    from covia_proto.endpoints.status import get_status
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
    from covia_proto.flows.assets import (
        ContentDownload,
        download_content,
        register_asset,
        stream_content,
        upload_content,
    )
    from covia_proto.flows.context import PollPolicy, RetryPolicy, VenueContext, VenueFeatures
    from covia_proto.flows.did_resolution import VenueLocation, fetch_venue_did, locate_did_web
    from covia_proto.flows.drive import (
        Outcome,
        aiterate,
        drive,
        drive_async,
        drive_call,
        drive_call_async,
        iterate,
    )
    from covia_proto.flows.effects import (
        CloseStream,
        Effect,
        Emit,
        EmitAll,
        Flow,
        GetTime,
        OpenedStream,
        OpenStream,
        ReadChunk,
        Send,
        Sleep,
    )
    from covia_proto.flows.events import follow_job, wait_for_job
    from covia_proto.flows.job_control import cancel_job
    from covia_proto.flows.paging import list_all, list_all_assets, list_all_jobs
    from covia_proto.flows.readiness import wait_until_ready
    from covia_proto.flows.run import job_output, run
    from covia_proto.flows.send import open_stream, send, send_request
    from covia_proto.h11conn import ClientConnection
    from covia_proto.http import Request, Response, ResponseHead
    from covia_proto.identity.keys import Ed25519Key
    from covia_proto.job_status import JobStatus
    from covia_proto.limits import Limits, applied_limits
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
    from covia_proto.sse import ServerSentEvent, SSEParser

# Where each public name lives, by what it is for. A test holds this table, the imports
# above and ``__all__`` to the same names.
_EXPORTS: Final[dict[str, tuple[str, ...]]] = {
    # Requests, responses, and a call: a request with its parser.
    "covia_proto.http": ("Request", "Response", "ResponseHead"),
    "covia_proto.endpoints.endpoint": ("Endpoint",),
    "covia_proto.endpoints.call": ("Call",),
    # Request builders (each returns a Call; the rest are in covia_proto.endpoints).
    "covia_proto.endpoints.status": ("get_status",),
    "covia_proto.endpoints.assets": ("get_asset", "list_assets"),
    "covia_proto.endpoints.jobs": ("get_job", "invoke", "list_jobs"),
    "covia_proto.endpoints.operations": ("get_operation", "list_operations"),
    "covia_proto.endpoints.responses": ("error_for",),
    # Models of what a venue answers, and their (de)serialisation.
    "covia_proto.models": (
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
    ),
    "covia_proto.job_status": ("JobStatus",),
    "covia_proto.converter": ("structure", "unstructure"),
    # Errors, the same under every driver.
    "covia_proto.errors": (
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
        "NotFoundError",
        "RateLimitError",
        "RequestInfo",
        "TokenError",
        "VenueProtocolError",
    ),
    # Effects: what a flow asks its driver to do.
    "covia_proto.flows.effects": (
        "CloseStream",
        "Effect",
        "Emit",
        "EmitAll",
        "Flow",
        "GetTime",
        "OpenStream",
        "OpenedStream",
        "ReadChunk",
        "Send",
        "Sleep",
    ),
    # Driving a flow with a driver's perform(effect), sync or async.
    "covia_proto.flows.drive": (
        "Outcome",
        "aiterate",
        "drive",
        "drive_async",
        "drive_call",
        "drive_call_async",
        "iterate",
    ),
    # The driver contract: what a driver is, and the base classes with the one dispatch.
    "covia_proto.drivers": ("AsyncDriver", "BaseAsyncDriver", "BaseSyncDriver", "SyncDriver"),
    # Flows, and the context (retry and poll policies, limits) they run under.
    "covia_proto.flows.context": ("PollPolicy", "RetryPolicy", "VenueContext", "VenueFeatures"),
    "covia_proto.limits": ("Limits", "applied_limits"),
    "covia_proto.flows.send": ("open_stream", "send", "send_request"),
    "covia_proto.flows.run": ("job_output", "run"),
    "covia_proto.flows.events": ("follow_job", "wait_for_job"),
    "covia_proto.flows.job_control": ("cancel_job",),
    "covia_proto.flows.assets": (
        "ContentDownload",
        "download_content",
        "register_asset",
        "stream_content",
        "upload_content",
    ),
    "covia_proto.flows.paging": ("list_all", "list_all_assets", "list_all_jobs"),
    "covia_proto.flows.readiness": ("wait_until_ready",),
    # Incremental parsers: server-sent events, and HTTP/1.1 over any byte stream.
    "covia_proto.sse": ("SSEParser", "ServerSentEvent"),
    "covia_proto.h11conn": ("ClientConnection",),
    # Finding a venue: addresses, DIDs, did:web resolution.
    "covia_proto.address": ("VenueAddress", "parse_venue_address"),
    "covia_proto.did": (
        "Did",
        "DidKey",
        "DidUrl",
        "did_web_document_url",
        "did_web_to_url",
        "parse_did",
        "url_to_did_web",
    ),
    "covia_proto.flows.did_resolution": ("VenueLocation", "fetch_venue_did", "locate_did_web"),
    # Authentication.
    "covia_proto.auth": ("Auth", "BasicAuth", "BearerAuth", "NoAuth", "VenueBoundAuth"),
    "covia_proto.identity.keys": ("Ed25519Key",),
}

_HOMES: Final[dict[str, str]] = {
    name: module for module, names in _EXPORTS.items() for name in names
}

__all__ = [
    "AgentCard",
    "AssetDocument",
    "AssetIdMismatchError",
    "AssetList",
    "AssetMetadata",
    "AssetNotFoundError",
    "AsyncDriver",
    "Auth",
    "AuthenticationError",
    "BaseAsyncDriver",
    "BaseSyncDriver",
    "BasicAuth",
    "BearerAuth",
    "Call",
    "ClientConnection",
    "CloseStream",
    "ContentDownload",
    "ContentHashError",
    "ContentInfo",
    "CoviaConnectionError",
    "CoviaError",
    "CoviaTimeoutError",
    "CoviaUsageError",
    "Did",
    "DidDocument",
    "DidKey",
    "DidService",
    "DidUrl",
    "Ed25519Key",
    "Effect",
    "Emit",
    "EmitAll",
    "Endpoint",
    "Flow",
    "GetTime",
    "GridError",
    "InvokeResult",
    "JobFailedError",
    "JobInteractionRequired",
    "JobList",
    "JobNotFoundError",
    "JobRecord",
    "JobStatus",
    "JobTimeoutError",
    "JsonRpcError",
    "Limits",
    "McpDiscovery",
    "MessageAck",
    "NoAuth",
    "NotFoundError",
    "OpenStream",
    "OpenedStream",
    "OperationInfo",
    "OperationSpec",
    "Outcome",
    "PollPolicy",
    "RateLimitError",
    "ReadChunk",
    "Request",
    "RequestInfo",
    "Response",
    "ResponseHead",
    "RetryPolicy",
    "SSEParser",
    "SecretStored",
    "SecretsList",
    "Send",
    "ServerSentEvent",
    "Sleep",
    "SyncDriver",
    "TokenError",
    "VenueAddress",
    "VenueBoundAuth",
    "VenueContext",
    "VenueFeatures",
    "VenueLocation",
    "VenueProtocolError",
    "VenueStats",
    "VenueStatus",
    "VerificationMethod",
    "__version__",
    "aiterate",
    "applied_limits",
    "cancel_job",
    "did_web_document_url",
    "did_web_to_url",
    "download_content",
    "drive",
    "drive_async",
    "drive_call",
    "drive_call_async",
    "error_for",
    "fetch_venue_did",
    "follow_job",
    "get_asset",
    "get_job",
    "get_operation",
    "get_status",
    "invoke",
    "iterate",
    "job_output",
    "list_all",
    "list_all_assets",
    "list_all_jobs",
    "list_assets",
    "list_jobs",
    "list_operations",
    "locate_did_web",
    "open_stream",
    "parse_did",
    "parse_venue_address",
    "register_asset",
    "run",
    "send",
    "send_request",
    "stream_content",
    "structure",
    "unstructure",
    "upload_content",
    "url_to_did_web",
    "wait_for_job",
    "wait_until_ready",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562): importing the
    package stays as cheap as its version number."""
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# A library logs, applications decide where it goes (logging HOWTO, "Configuring
# Logging for a Library").
logging.getLogger("covia").addHandler(logging.NullHandler())
