"""The venue-level asset store: metadata kept as the exact text the client sent, ids
computed as the venue computes them (venue-api.md §3.2, §5).

An id is the SHA3-256 of the CAD3 encoding of the metadata read as the venue reads it
(``covia_proto.asset_id``), so offline ids equal the real venue's: key order,
whitespace and escape spelling do not matter, while ``1`` and ``1.0`` differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from covia_proto.asset_id import asset_id, asset_id_of_json
from covia_proto.testing.wire import BadJson, parse_hex, parse_json
from covia_proto.venue_json import MetadataJsonError

__all__ = ["Asset", "AssetStore", "NotAnObject", "asset_id", "content_sha256"]


class NotAnObject(ValueError):
    """Metadata that is valid JSON but not an object (the venue answers a 500)."""


def content_sha256(metadata: dict[str, Any]) -> str | None:
    """``content.sha256`` as bare lower-case hex, or None if it is not a valid hash."""
    content = metadata.get("content")
    sha = content.get("sha256") if isinstance(content, dict) else None
    parsed = parse_hex(sha) if isinstance(sha, str) else None
    return parsed if parsed is not None and len(parsed) == 64 else None


@attrs.frozen
class Asset:
    id: str
    text: str  # exactly as submitted; served back verbatim
    metadata: dict[str, Any]

    @property
    def kind(self) -> str:
        return "operation" if isinstance(self.metadata.get("operation"), dict) else "data"


class AssetStore:
    def __init__(self) -> None:
        self._assets: dict[str, Asset] = {}

    def register(self, text: str) -> str:
        """Store metadata text (strict JSON); the latest text wins for equal ids.

        Raises ``BadJson`` for text that does not parse and ``NotAnObject`` otherwise.
        """
        # The wire parser raises the venue's errors (TooLongNumber is its 500); the id
        # comes from the text read as the venue reads it, big integers and all.
        metadata = parse_json(text.encode())
        if metadata is None:
            metadata = {}  # the venue registers `null` as the empty object
        if not isinstance(metadata, dict):
            raise NotAnObject(f"asset metadata must be an object, not {type(metadata).__name__}")
        try:
            ident = asset_id_of_json(text)
        except MetadataJsonError as exc:
            raise BadJson(exc.message) from None
        self._assets[ident] = Asset(ident, text, metadata)
        return ident

    def get(self, ident: str) -> Asset | None:
        return self._assets.get(ident)

    def ids(self) -> list[str]:
        """All ids, ordered by id bytes (= by hex string), as the venue lists them."""
        return sorted(self._assets)

    def __len__(self) -> int:
        return len(self._assets)

    def __iter__(self) -> Iterator[Asset]:
        return (self._assets[ident] for ident in self.ids())

    def keep_text(self, ident: str, text: str) -> None:
        """Serve ``text`` for an asset already registered under ``ident`` (the venue
        registers a body of ``null`` as ``{}`` and then serves ``null``)."""
        asset = self._assets[ident]
        self._assets[ident] = Asset(ident, text, asset.metadata)

    def copy(self) -> AssetStore:
        """An independent store holding the same assets (they are immutable), so a
        venue can start from the installed catalogue without parsing it again."""
        twin = AssetStore()
        twin._assets = dict(self._assets)
        return twin
