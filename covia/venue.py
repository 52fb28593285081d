"""``Venue``: a connection to one venue (sync). Each method hands a flow of the
protocol core to the connection's driver."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterable, Generator, Iterable, Mapping
from types import TracebackType
from typing import IO, Any

from covia._files import AtomicFile, Destination, check_writable, split_upload
from covia._session import SyncSession
from covia.asset import Asset
from covia.job import Job
from covia_proto.endpoints import assets, discovery, jobs, operations, secrets, status
from covia_proto.endpoints.base import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.assets import (
    ContentDownload,
    download_content,
    register_asset,
    upload_content,
)
from covia_proto.flows.discovery import fetch_venue_did
from covia_proto.flows.paging import list_all_assets, list_all_jobs
from covia_proto.flows.run import run
from covia_proto.flows.runner import Outcome
from covia_proto.models import (
    AgentCard,
    AssetList,
    DidDocument,
    McpDiscovery,
    OperationInfo,
    VenueStatus,
)

__all__ = ["Venue"]


class Venue:
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

    def __repr__(self) -> str:
        return f"<Venue {self.base_url}>"

    # -- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (a session passed to ``Grid.connect`` stays open)."""
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
        return self._session.call(status.get_status(self._endpoint))

    def did_document(self) -> DidDocument:
        """The venue's DID document (``/.well-known/did.json``)."""
        return self._session.call(discovery.get_did_document(self._endpoint))

    @functools.cached_property
    def did(self) -> str:
        """The venue's DID, fetched once and then remembered."""
        return self._session.run(fetch_venue_did(self._session.context))

    def mcp_discovery(self) -> McpDiscovery:
        return self._session.call(discovery.get_mcp_discovery(self._endpoint))

    def agent_card(self) -> AgentCard:
        return self._session.call(discovery.get_agent_card(self._endpoint))

    # -- operations and jobs ------------------------------------------------------------

    def list_operations(self) -> list[OperationInfo]:
        found: tuple[OperationInfo, ...] = self._session.call(
            operations.list_operations(self._endpoint)
        )
        return list(found)

    def get_operation(self, name: str) -> OperationInfo:
        """One operation by catalog name (``v/test/ops/echo``), asset id or DID URL."""
        return self._session.call(operations.get_operation(self._endpoint, name))

    def invoke(self, operation: str, input: Any = None) -> Job:
        """Start ``operation`` (a catalog name, asset id or DID URL) with ``input``."""
        result = self._session.call(jobs.invoke(self._endpoint, operation, input))
        return Job(self._session, result.job)

    def run(self, operation: str, input: Any = None, *, timeout: float | None = None) -> Any:
        """Invoke ``operation`` and return its output (``JobFailedError`` if it fails)."""
        return self._session.run(run(self._session.context, operation, input, timeout=timeout))

    def list_jobs(self) -> list[str]:
        """The ids of every job this caller may see, oldest first (all pages)."""
        return list(self._session.run(list_all_jobs(self._session.context)))

    def get_job(self, job_id: str) -> Job:
        return Job(self._session, self._session.call(jobs.get_job(self._endpoint, job_id)))

    def delete_job(self, job_id: str) -> None:
        """Drop a job from the venue's live set (its record stays readable)."""
        self._session.call(jobs.delete_job(self._endpoint, job_id))

    # -- assets -------------------------------------------------------------------------

    def list_assets(self, offset: int | None = None, limit: int | None = None) -> AssetList:
        """One page of asset ids, with ``total``."""
        return self._session.call(assets.list_assets(self._endpoint, offset=offset, limit=limit))

    def list_all_assets(self) -> list[str]:
        """Every asset id the venue lists, across pages."""
        return list(self._session.run(list_all_assets(self._session.context)))

    def get_asset(self, asset_id: str) -> Asset:
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
    ) -> ContentDownload:
        """Stream the content to a path (written whole or not at all) or a binary file."""
        flow = download_content(
            self._session.context, asset_id, expected_sha256=expected_sha256, verify=verify
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
        self._session.call(secrets.put_secret(self._endpoint, name, value))

    def delete_secret(self, name: str) -> None:
        self._session.call(secrets.delete_secret(self._endpoint, name))
