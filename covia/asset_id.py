"""Asset ids computed locally: the id a venue will give metadata, known before it is
registered, and the check behind every metadata read (venue-api.md §5.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covia_proto.asset_id import asset_id, asset_id_of_json

__all__ = ["compute_asset_id"]


def compute_asset_id(metadata: Mapping[str, Any] | str | bytes) -> str:
    """The asset id (64 lower-case hex) of ``metadata``: the SHA3-256 of its CAD3
    encoding, exactly as the venue computes it on ``register``.

    Give the JSON text (``str`` or ``bytes``) when you have it: it is read as the venue
    reads it, so ``1.0`` stays a double and huge integers keep their value. A mapping is
    taken as already-read values (``int``, ``float``, ``str``, ``bool``, ``None``,
    lists, dicts). Raises ``CoviaUsageError`` for text the venue would refuse.
    """
    if isinstance(metadata, str | bytes):
        return asset_id_of_json(metadata)
    return asset_id(metadata)
