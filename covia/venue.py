"""``Venue``: a connection to one venue (sync). Each method hands a flow of the
protocol core to the connection's driver."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterable, Callable, Generator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import IO, Any

from covia._files import AtomicFile, Destination, check_writable, split_upload
from covia._session import SyncSession
from covia.asset import Asset
from covia.job import Job
from covia.managers import VenueManagers
from covia_proto.endpoints import assets, discovery, jobs, operations, secrets, status
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.assets import (
    ContentDownload,
    download_content,
    register_asset,
    upload_content,
)
from covia_proto.flows.caller_identity import CallerIdentity, whoami
from covia_proto.flows.did_resolution import fetch_venue_did
from covia_proto.flows.drive import Outcome
from covia_proto.flows.events import follow_job
from covia_proto.flows.job_control import cancel_job
from covia_proto.flows.paging import list_all_assets, list_all_jobs
from covia_proto.flows.readiness import wait_until_ready
from covia_proto.flows.run import run
from covia_proto.models import (
    AgentCard,
    AssetList,
    DidDocument,
    JobRecord,
    McpDiscovery,
    MessageAck,
    OperationInfo,
    VenueStatus,
)
from covia_proto.sse import ServerSentEvent

__all__ = ["Venue"]


class Venue(VenueManagers[SyncSession]):
    """A venue: its assets, operations and jobs, and its discovery documents.

    Made by ``Grid.connect``. Use it as a context manager, or call ``close()``. One
    ``Venue`` may be shared by several threads.
    """

    def __init__(self, session: SyncSession, *, address: str) -> None:
        self._session = session
        self.address = address

    @property
    def base_url(self) -> str:
        """The venue's base URL (its API lives under ``/api/v1``)."""
        return self._session.context.endpoint.base_url

    @property
    def url(self) -> str:
        """The official SDK's name for ``base_url``."""
        return self._session.context.endpoint.base_url

    def __repr__(self) -> str:
        return f"<Venue {self.base_url}>"

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection. A ``session`` or ``driver`` passed to ``Grid.connect``
        is the caller's: it stays open, and closing it is the caller's job."""
        self._session.close()

    def __enter__(self) -> Venue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _endpoint(self) -> Endpoint:
        return self._session.context.endpoint

    # -- status and discovery -----------------------------------------------------------

    def status(self) -> VenueStatus:
        """The venue's status (``GET /status``): its name, DID, version, counts."""
        return self._session.call(status.get_status(self._endpoint))

    def wait_until_ready(
        self, *, timeout: float | None = 60.0, poll_interval: float = 1.0
    ) -> VenueStatus:
        """Poll the venue's status until it is ready (it answers, with no status or
        ``"OK"``): for a venue that is still starting. ``CoviaTimeoutError`` after
        ``timeout`` seconds (None: no limit)."""
        flow = wait_until_ready(self._session.context, timeout=timeout, poll_interval=poll_interval)
        return self._session.run(flow)

    def did_document(self) -> DidDocument:
        """The venue's DID document (``/.well-known/did.json``)."""
        return self._session.call(discovery.get_did_document(self._endpoint))

    @functools.cached_property
    def did(self) -> str:
        """The venue's DID, fetched once and then remembered."""
        return self._session.run(fetch_venue_did(self._session.context))

    def mcp_discovery(self) -> McpDiscovery:
        """The venue's MCP discovery document (``/.well-known/mcp``)."""
        return self._session.call(discovery.get_mcp_discovery(self._endpoint))

    def agent_card(self) -> AgentCard:
        """The venue's A2A agent card (``/.well-known/agent-card.json``)."""
        return self._session.call(discovery.get_agent_card(self._endpoint))

    # -- operations and jobs ------------------------------------------------------------

    def list_operations(self) -> list[OperationInfo]:
        """The operations the venue offers by catalog name (``v/test/ops/echo``, …)."""
        found: tuple[OperationInfo, ...] = self._session.call(
            operations.list_operations(self._endpoint)
        )
        return list(found)

    def get_operation(self, name: str) -> OperationInfo:
        """One operation by catalog name (``v/test/ops/echo``), asset id or DID URL."""
        return self._session.call(operations.get_operation(self._endpoint, name))

    def invoke(
        self, operation: str, input: Any = None, *, ucans: Sequence[str] | None = None
    ) -> Job:
        """Start ``operation`` (a catalog name, asset id or DID URL) with ``input``;
        ``ucans`` are UCAN tokens presented as capability proofs."""
        call = jobs.invoke(self._endpoint, operation, input, ucans=ucans)
        result = self._session.call(call)
        return Job(self._session, result.job)

    def run(
        self,
        operation: str,
        input: Any = None,
        *,
        timeout: float | None = None,
        ucans: Sequence[str] | None = None,
    ) -> Any:
        """Invoke ``operation`` and wait for its output, at most ``timeout`` seconds.

        The job is created at once and followed; however the call ends early, the
        exception carries it (``job_id``, ``job_data``): ``JobFailedError`` if it fails,
        ``JobInteractionRequired`` if it pauses or asks for input, ``JobTimeoutError``
        if it does not finish in time (it goes on at the venue). ``ucans`` are UCAN
        tokens presented as capability proofs."""
        flow = run(self._session.context, operation, input, timeout=timeout, ucans=ucans)
        return self._session.run(flow)

    def whoami(self) -> CallerIdentity:
        """Who the venue takes this connection's caller to be (``v/ops/auth/whoami``)."""
        return self._session.run(whoami(self._session.context))

    def list_jobs(self) -> list[str]:
        """The ids of every job this caller may see, oldest first (all pages)."""
        return list(self._session.run(list_all_jobs(self._session.context)))

    def get_job(self, job_id: str) -> Job:
        """The job ``job_id`` as it is now (``JobNotFoundError`` if the venue has none)."""
        return Job(self._session, self._session.call(jobs.get_job(self._endpoint, job_id)))

    def delete_job(self, job_id: str) -> None:
        """Drop a job from the venue's live set (its record stays readable)."""
        self._session.call(jobs.delete_job(self._endpoint, job_id))

    # The official SDK's job controls by id: each is the ``Job`` method of that name.

    def cancel_job(self, job_id: str, reason: str | None = None) -> JobRecord:
        """Cancel job ``job_id`` (as ``get_job(id).cancel(reason=…)``); its record."""
        return self._session.run(cancel_job(self._session.context, job_id, reason=reason))

    def pause_job(self, job_id: str) -> JobRecord:
        """Pause job ``job_id``; its record."""
        return self._session.call(jobs.pause_job(self._endpoint, job_id))

    def resume_job(self, job_id: str) -> JobRecord:
        """Resume job ``job_id``; its record."""
        return self._session.call(jobs.resume_job(self._endpoint, job_id))

    def send_job_message(self, job_id: str, message: Any) -> MessageAck:
        """Send a message to job ``job_id`` (as ``Job.send_message``); never re-sent."""
        return self._session.call(jobs.send_message(self._endpoint, job_id, message))

    def stream_job_events(self, job_id: str) -> Generator[ServerSentEvent, None, None]:
        """Job ``job_id``'s events until it finishes (as ``Job.stream``)."""
        yield from self._session.iterate(follow_job(self._session.context, job_id))

    # -- assets -------------------------------------------------------------------------

    def list_assets(
        self, offset: int | None = None, limit: int | None = None, *, kind: str | None = None
    ) -> AssetList:
        """One page of asset ids, with ``total``. ``kind`` (``"operation"`` or
        ``"data"``) is a filter newer venues apply; the 0.1 venue ignores it."""
        call = assets.list_assets(self._endpoint, offset=offset, limit=limit, kind=kind)
        return self._session.call(call)

    def list_all_assets(self) -> list[str]:
        """Every asset id the venue lists, across pages."""
        return list(self._session.run(list_all_assets(self._session.context)))

    def get_asset(self, asset_id: str) -> Asset:
        """An asset's metadata by id, ``a/<id>`` or DID URL; the venue must answer the
        asset asked for (``VenueProtocolError`` otherwise), and by default the metadata
        must hash to that id (``AssetIdMismatchError``)."""
        verify = self._session.context.verify_asset_ids
        document = self._session.call(assets.get_asset(self._endpoint, asset_id, verify=verify))
        return Asset(document, venue=self)

    def register(self, asset: Asset | Mapping[str, Any]) -> Asset:
        """Register metadata (an ``Asset`` or a dict); returns the asset under the id
        the venue gave it."""
        metadata = asset.metadata if isinstance(asset, Asset) else asset
        document = self._session.run(register_asset(self._session.context, metadata))
        return Asset(document, venue=self)

    def iter_asset_content(
        self, asset_id: str, *, verify: bool = True, expected_sha256: str | None = None
    ) -> Generator[bytes, None, None]:
        """The content in chunks as they arrive; its SHA-256 is checked against the
        metadata, and a mismatch raises ``ContentHashError`` after the last chunk.
        Leaving early closes the response (``close()`` it, or let it go)."""
        flow = download_content(
            self._session.context, asset_id, expected_sha256=expected_sha256, verify=verify
        )
        yield from self._session.iterate(flow)

    def get_asset_content(
        self, asset_id: str, *, verify: bool = True, expected_sha256: str | None = None
    ) -> bytes:
        """The whole content, checked; at most ``Limits.max_body_size`` bytes of it
        (``download_asset_content`` or ``iter_asset_content`` for more)."""
        context = self._session.context
        flow = download_content(
            context,
            asset_id,
            expected_sha256=expected_sha256,
            verify=verify,
            max_size=context.limits.max_body_size,
        )
        with contextlib.closing(self._session.iterate(flow)) as chunks:
            return b"".join(chunks)

    def download_asset_content(
        self,
        asset_id: str,
        destination: Destination,
        *,
        verify: bool = True,
        expected_sha256: str | None = None,
        on_size: Callable[[int | None], None] | None = None,
    ) -> ContentDownload:
        """Stream the content to a path (written whole or not at all) or a binary file.
        ``on_size`` is told the length the venue declares before the first chunk (for a
        progress bar; None when it declares none)."""
        flow = download_content(
            self._session.context,
            asset_id,
            expected_sha256=expected_sha256,
            verify=verify,
            on_size=on_size,
        )
        outcome = Outcome()
        if hasattr(destination, "write"):
            check_writable(destination)
            # Closed at once however the loop ends (a failing write included).
            with contextlib.closing(self._session.iterate(flow, outcome)) as chunks:
                for chunk in chunks:
                    destination.write(chunk)
        else:
            target = AtomicFile(destination)
            try:
                with contextlib.closing(self._session.iterate(flow, outcome)) as chunks:
                    for chunk in chunks:
                        target.write(chunk)
            except BaseException:
                target.discard()
                raise
            target.commit()
        result: ContentDownload = outcome.value
        return result

    def put_asset_content(
        self,
        asset_id: str,
        data: bytes | IO[bytes] | Iterable[bytes],
        *,
        content_type: str | None = None,
    ) -> str:
        """Upload content from bytes, a binary file or an iterable of chunks; returns
        the SHA-256 the venue stored it under (it checks it against the metadata)."""
        body, stream = split_upload(data)
        if isinstance(stream, AsyncIterable) and not isinstance(stream, Iterable):
            raise CoviaUsageError("the sync API uploads bytes, a file or chunks, not async chunks")
        flow = upload_content(
            self._session.context, asset_id, body, stream=stream, content_type=content_type
        )
        return self._session.run(flow)

    # -- secrets ------------------------------------------------------------------------

    def list_secrets(self) -> list[str]:
        """The names of the caller's secrets (values are never returned)."""
        return list(self._session.call(secrets.list_secrets(self._endpoint)).items)

    def set_secret(self, name: str, value: str) -> None:
        """Store a secret under ``name`` for the caller (the value is never logged)."""
        self._session.call(secrets.put_secret(self._endpoint, name, value))

    def delete_secret(self, name: str) -> None:
        """Delete the caller's secret ``name``."""
        self._session.call(secrets.delete_secret(self._endpoint, name))
