"""``AsyncVenue``: a connection to one venue (async). Each method hands a flow of the
protocol core to the connection's driver."""

# unasync: async-only
# The sync Venue, covia/venue.py, is generated from this file: after changing it, run
# `python tools/unasync.py`. So the two have the same methods, arguments, results and
# exceptions, but for the differences marked here.
# unasync: end

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable, Mapping, Sequence
from contextlib import aclosing
from types import TracebackType
from typing import IO, Any

from covia._files import AtomicFile, Destination, check_writable, split_upload
from covia._views import AssetView
from covia.async_api._session import AsyncSession
from covia.async_api.asset import AsyncAsset
from covia.async_api.job import AsyncJob
from covia.managers import VenueManagers
from covia_proto.endpoints import assets, discovery, jobs, operations, secrets, status
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.assets import (
    ContentDownload,
    download_content,
    register_asset,
    stream_content,
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

__all__ = ["AsyncVenue"]


# unasync: "Any number of tasks may use" -> "Any number of threads may use"
class AsyncVenue(VenueManagers[AsyncSession]):
    """A venue: its assets, operations and jobs, and its discovery documents (async).

    Made by ``AsyncGrid.connect``. Use it as an async context manager, or call
    ``await venue.close()``. Any number of tasks may use one ``AsyncVenue`` at once.
    """

    def __init__(self, session: AsyncSession, *, address: str) -> None:
        self._session = session
        self.address = address
        self._did: str | None = None

    @property
    def base_url(self) -> str:
        """The venue's base URL (its API lives under ``/api/v1``)."""
        return self._session.context.endpoint.base_url

    @property
    def url(self) -> str:
        """The official SDK's name for ``base_url``."""
        return self._session.context.endpoint.base_url

    def __repr__(self) -> str:
        return f"<AsyncVenue {self.base_url}>"

    # -- lifecycle ----------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection. A ``session`` or ``driver`` passed to
        ``AsyncGrid.connect`` is the caller's: it stays open, and closing it is the
        caller's job."""
        await self._session.aclose()

    # unasync: async-only
    async def aclose(self) -> None:
        """The same as ``close`` (for ``contextlib.aclosing``)."""
        await self._session.aclose()

    # unasync: end

    async def __aenter__(self) -> AsyncVenue:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._session.aclose()

    @property
    def _endpoint(self) -> Endpoint:
        return self._session.context.endpoint

    # -- status and discovery -----------------------------------------------------------

    async def status(self) -> VenueStatus:
        """The venue's status (``GET /status``): its name, DID, version, counts."""
        return await self._session.call(status.get_status(self._endpoint))

    async def wait_until_ready(
        self, *, timeout: float | None = 60.0, poll_interval: float = 1.0
    ) -> VenueStatus:
        """Poll the venue's status until it is ready (it answers, with no status or
        ``"OK"``): for a venue that is still starting. ``CoviaTimeoutError`` after
        ``timeout`` seconds (None: no limit)."""
        flow = wait_until_ready(self._session.context, timeout=timeout, poll_interval=poll_interval)
        return await self._session.run(flow)

    async def did_document(self) -> DidDocument:
        """The venue's DID document (``/.well-known/did.json``)."""
        return await self._session.call(discovery.get_did_document(self._endpoint))

    # unasync: async-only
    # The DID needs a request: a property cannot wait for one in the async API.
    async def get_did(self) -> str:
        """The venue's DID, fetched once and then remembered (see ``did``)."""
        if self._did is None:
            self._did = await self._session.run(fetch_venue_did(self._session.context))
        return self._did

    @property
    def did(self) -> str:
        """The venue's DID once ``await venue.get_did()`` has fetched it; before that, a
        ``CoviaUsageError`` (a property cannot wait for the network)."""
        if self._did is None:
            raise CoviaUsageError("the venue's DID is not fetched yet: await venue.get_did()")
        return self._did

    # unasync: end
    # unasync: sync-only
    # @property
    # def did(self) -> str:
    #     """The venue's DID, fetched once and then remembered."""
    #     if self._did is None:
    #         self._did = self._session.run(fetch_venue_did(self._session.context))
    #     return self._did
    #
    # unasync: end

    async def mcp_discovery(self) -> McpDiscovery:
        """The venue's MCP discovery document (``/.well-known/mcp``)."""
        return await self._session.call(discovery.get_mcp_discovery(self._endpoint))

    async def agent_card(self) -> AgentCard:
        """The venue's A2A agent card (``/.well-known/agent-card.json``)."""
        return await self._session.call(discovery.get_agent_card(self._endpoint))

    # -- operations and jobs ------------------------------------------------------------

    async def list_operations(self) -> list[OperationInfo]:
        """The operations the venue offers by catalog name (``v/test/ops/echo``, …)."""
        found: tuple[OperationInfo, ...] = await self._session.call(
            operations.list_operations(self._endpoint)
        )
        return list(found)

    async def get_operation(self, name: str) -> OperationInfo:
        """One operation by catalog name (``v/test/ops/echo``), asset id or DID URL."""
        return await self._session.call(operations.get_operation(self._endpoint, name))

    async def invoke(
        self, operation: str, input: Any = None, *, ucans: Sequence[str] | None = None
    ) -> AsyncJob:
        """Start ``operation`` (a catalog name, asset id or DID URL) with ``input``;
        ``ucans`` are UCAN tokens presented as capability proofs."""
        call = jobs.invoke(self._endpoint, operation, input, ucans=ucans)
        result = await self._session.call(call)
        return AsyncJob(self._session, result.job)

    async def run(
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
        return await self._session.run(flow)

    async def whoami(self) -> CallerIdentity:
        """Who the venue takes this connection's caller to be (``v/ops/auth/whoami``)."""
        return await self._session.run(whoami(self._session.context))

    async def list_jobs(self) -> list[str]:
        """The ids of every job this caller may see, oldest first (all pages)."""
        return list(await self._session.run(list_all_jobs(self._session.context)))

    async def get_job(self, job_id: str) -> AsyncJob:
        """The job ``job_id`` as it is now (``JobNotFoundError`` if the venue has none)."""
        record = await self._session.call(jobs.get_job(self._endpoint, job_id))
        return AsyncJob(self._session, record)

    async def delete_job(self, job_id: str) -> None:
        """Drop a job from the venue's live set (its record stays readable)."""
        await self._session.call(jobs.delete_job(self._endpoint, job_id))

    # The official SDK's job controls by id: each is the ``AsyncJob`` method of that name.

    async def cancel_job(self, job_id: str, reason: str | None = None) -> JobRecord:
        """Cancel job ``job_id`` (as ``(await get_job(id)).cancel(reason=…)``):
        its record."""
        return await self._session.run(cancel_job(self._session.context, job_id, reason=reason))

    async def pause_job(self, job_id: str) -> JobRecord:
        """Pause job ``job_id``; its record."""
        return await self._session.call(jobs.pause_job(self._endpoint, job_id))

    async def resume_job(self, job_id: str) -> JobRecord:
        """Resume job ``job_id``; its record."""
        return await self._session.call(jobs.resume_job(self._endpoint, job_id))

    async def send_job_message(self, job_id: str, message: Any) -> MessageAck:
        """Send a message to job ``job_id`` (as ``AsyncJob.send_message``); never re-sent."""
        return await self._session.call(jobs.send_message(self._endpoint, job_id, message))

    async def stream_job_events(self, job_id: str) -> AsyncGenerator[ServerSentEvent, None]:
        """Job ``job_id``'s events until it finishes (as ``AsyncJob.stream``)."""
        flow = follow_job(self._session.context, job_id)
        async with aclosing(self._session.iterate(flow)) as events:
            async for event in events:
                yield event

    # -- assets -------------------------------------------------------------------------

    async def list_assets(
        self, offset: int | None = None, limit: int | None = None, *, kind: str | None = None
    ) -> AssetList:
        """One page of asset ids, with ``total``. ``kind`` (``"operation"`` or
        ``"data"``) is a filter newer venues apply; the 0.1 venue ignores it."""
        call = assets.list_assets(self._endpoint, offset=offset, limit=limit, kind=kind)
        return await self._session.call(call)

    async def list_all_assets(self) -> list[str]:
        """Every asset id the venue lists, across pages."""
        return list(await self._session.run(list_all_assets(self._session.context)))

    async def get_asset(self, asset_id: str) -> AsyncAsset:
        """An asset's metadata by id, ``a/<id>`` or DID URL; the venue must answer the
        asset asked for (``VenueProtocolError`` otherwise), and by default the metadata
        must hash to that id (``AssetIdMismatchError``)."""
        verify = self._session.context.verify_asset_ids
        document = await self._session.call(
            assets.get_asset(self._endpoint, asset_id, verify=verify)
        )
        return AsyncAsset(document, venue=self)

    async def register(self, asset: AssetView | Mapping[str, Any]) -> AsyncAsset:
        """Register metadata (an asset, sync or async, or a dict); returns the asset
        under the id the venue gave it."""
        metadata = asset.metadata if isinstance(asset, AssetView) else asset
        document = await self._session.run(register_asset(self._session.context, metadata))
        return AsyncAsset(document, venue=self)

    async def iter_asset_content(
        self, asset_id: str, *, verify: bool = True, expected_sha256: str | None = None
    ) -> AsyncGenerator[bytes, None]:
        """The content in chunks as they arrive (an async iterator); its SHA-256 is
        checked against the metadata, and a mismatch raises ``ContentHashError`` after
        the last chunk. Close it (``contextlib.aclosing``) to stop early at once."""
        flow = stream_content(
            self._session.context, asset_id, expected_sha256=expected_sha256, verify=verify
        )
        async with aclosing(self._session.iterate(flow)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def get_asset_content(
        self, asset_id: str, *, verify: bool = True, expected_sha256: str | None = None
    ) -> bytes:
        """The whole content, checked; at most ``Limits.max_body_size`` bytes of it
        (``download_asset_content`` or ``iter_asset_content`` for more)."""
        context = self._session.context
        flow = stream_content(
            context,
            asset_id,
            expected_sha256=expected_sha256,
            verify=verify,
            max_size=context.limits.max_body_size,
        )
        content: list[bytes] = []
        async with aclosing(self._session.iterate(flow)) as chunks:
            async for chunk in chunks:
                content.append(chunk)
        return b"".join(content)

    # unasync: "\n        Writes are plain file writes, one chunk at a time." -> ""
    async def download_asset_content(
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
        progress bar; None when it declares none).
        Writes are plain file writes, one chunk at a time."""
        if hasattr(destination, "write"):
            check_writable(destination)  # before any request
        flow = download_content(
            self._session.context,
            asset_id,
            expected_sha256=expected_sha256,
            verify=verify,
            on_size=on_size,
        )
        outcome = Outcome()
        async with aclosing(self._session.iterate(flow, outcome)) as chunks:
            if hasattr(destination, "write"):
                async for chunk in chunks:
                    destination.write(chunk)
            else:
                target = AtomicFile(destination)
                try:
                    async for chunk in chunks:
                        target.write(chunk)
                except BaseException:
                    target.discard()
                    raise
                target.commit()
        result: ContentDownload = outcome.value
        return result

    # unasync: " | AsyncIterable[bytes]" -> ""
    # unasync: "\n        Async iterables of chunks are taken too." -> ""
    async def put_asset_content(
        self,
        asset_id: str,
        data: bytes | IO[bytes] | Iterable[bytes] | AsyncIterable[bytes],
        *,
        content_type: str | None = None,
    ) -> str:
        """Upload content from bytes, a binary file or an iterable of chunks; returns
        the SHA-256 the venue stored it under (it checks it against the metadata).
        Async iterables of chunks are taken too."""
        body, stream = split_upload(data)
        # unasync: sync-only
        # if isinstance(stream, AsyncIterable) and not isinstance(stream, Iterable):
        #     raise CoviaUsageError(
        #         "the sync API uploads bytes, a file or chunks, not async chunks"
        #     )
        # unasync: end
        flow = upload_content(
            self._session.context, asset_id, body, stream=stream, content_type=content_type
        )
        return await self._session.run(flow)

    # -- secrets ------------------------------------------------------------------------

    async def list_secrets(self) -> list[str]:
        """The names of the caller's secrets (values are never returned)."""
        return list((await self._session.call(secrets.list_secrets(self._endpoint))).items)

    async def set_secret(self, name: str, value: str) -> None:
        """Store a secret under ``name`` for the caller (the value is never logged)."""
        await self._session.call(secrets.put_secret(self._endpoint, name, value))

    async def delete_secret(self, name: str) -> None:
        """Delete the caller's secret ``name``."""
        await self._session.call(secrets.delete_secret(self._endpoint, name))
