"""``AsyncAsset``: an asset's metadata, and its content when it is bound to a venue
(async)."""

# unasync: async-only
# The sync Asset, covia/asset.py, is generated from this file: after changing it, run
# `python tools/unasync.py`.
# unasync: end

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

from covia._views import AssetView, asset_metadata
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.assets import ContentDownload
from covia_proto.models import AssetDocument

if TYPE_CHECKING:
    from covia._files import Destination
    from covia.async_api.job import AsyncJob
    from covia.async_api.venue import AsyncVenue

__all__ = ["AsyncAsset"]


class AsyncAsset(AssetView):
    """An asset (async). ``AsyncAsset({...})`` holds metadata to register with
    ``await venue.register(...)``; assets from a venue (``get_asset``, ``register``)
    also reach their content. ``metadata_raw`` is the metadata's text as a venue sent
    it, if you have it."""

    def __init__(
        self,
        metadata: Mapping[str, Any] | AssetDocument | None = None,
        *,
        id: str | None = None,
        venue: AsyncVenue | None = None,
        metadata_raw: str | None = None,
    ) -> None:
        if metadata_raw is not None and not isinstance(metadata_raw, str):
            raise CoviaUsageError(f"metadata_raw must be text, not {type(metadata_raw).__name__}")
        self._metadata, self._model = asset_metadata(metadata if metadata is not None else {})
        self._id = metadata.id if isinstance(metadata, AssetDocument) else id
        self._raw = metadata.text if isinstance(metadata, AssetDocument) else metadata_raw
        self._venue = venue

    @property
    def venue(self) -> AsyncVenue | None:
        """The venue this asset was read from or registered with (None if neither)."""
        return self._venue

    # unasync: async-only
    async def did_url(self) -> str | None:
        """``<venue DID>/a/<id>``, the asset's address on the grid (awaited: the venue's
        DID may need a request); None for an asset not on a venue."""
        if self._venue is None or self._id is None:
            return None
        return f"{await self._venue.get_did()}/a/{self._id}"

    # unasync: end
    # unasync: sync-only
    # @property
    # def did_url(self) -> str | None:
    #     """``<venue DID>/a/<id>``, the asset's address on the grid (the venue's DID is
    #     fetched once); None for an asset not on a venue."""
    #     if self._venue is None or self._id is None:
    #         return None
    #     return f"{self._venue.did}/a/{self._id}"
    #
    # unasync: end

    def _bound(self) -> tuple[AsyncVenue, str]:
        if self._venue is None or self._id is None:
            raise CoviaUsageError("this asset is not on a venue yet: register it first")
        return self._venue, self._id

    async def get_content(self, *, verify: bool = True) -> bytes:
        """The content's bytes, checked against the metadata's SHA-256."""
        venue, asset_id = self._bound()
        return await venue.get_asset_content(
            asset_id, verify=verify, expected_sha256=self._declared_hash()
        )

    def iter_content(self, *, verify: bool = True) -> AsyncGenerator[bytes, None]:
        """The content in chunks as they arrive (an async iterator), checked after
        the last one."""
        venue, asset_id = self._bound()
        return venue.iter_asset_content(
            asset_id, verify=verify, expected_sha256=self._declared_hash()
        )

    async def download(self, destination: Destination, *, verify: bool = True) -> ContentDownload:
        """Stream the content to a path (written whole or not at all) or a binary file."""
        venue, asset_id = self._bound()
        return await venue.download_asset_content(
            asset_id, destination, verify=verify, expected_sha256=self._declared_hash()
        )

    # unasync: " | AsyncIterable[bytes]" -> ""
    async def put_content(
        self, data: bytes | IO[bytes] | Iterable[bytes] | AsyncIterable[bytes]
    ) -> str:
        """Upload the content (sent with the metadata's content type); returns the SHA-256."""
        venue, asset_id = self._bound()
        return await venue.put_asset_content(asset_id, data, content_type=self.content_type)

    async def invoke(self, input: Any = None) -> AsyncJob:
        """Invoke this asset (an operation) by its id."""
        venue, asset_id = self._bound()
        return await venue.invoke(asset_id, input)

    async def run(self, input: Any = None, *, timeout: float | None = None) -> Any:
        """Invoke this asset (an operation) and return its output, as ``venue.run``."""
        venue, asset_id = self._bound()
        return await venue.run(asset_id, input, timeout=timeout)

    def _declared_hash(self) -> str | None:
        return self.content.sha256 if self.content is not None else None
