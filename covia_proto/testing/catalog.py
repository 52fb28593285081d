"""The real venue's installed catalogue, as captured from it (``data/catalog.json``, made
by ``tests/parity/capture_catalog.py``): every installed asset's metadata text exactly as
the venue serves it, the ``/operations`` listing in the venue's order, the content of its
data assets (Iris, Hamlet) and its MCP tool list.

A client that lists every operation and reads every asset meets the same names,
descriptions, schemas and JSON types on the simulator as on the real venue — agent
templates whose ``operation`` is a string, templates with no ``operation`` at all, the
empty asset ``{}``. Only the ids differ: the real ones are CAD3 hashes the simulator
cannot compute yet; they are kept here (``real_id``) so they can be switched on later.
"""

from __future__ import annotations

import functools
import gzip
import json
from importlib import resources
from typing import Any

import attrs

__all__ = ["Catalog", "InstalledAsset", "load"]


@attrs.frozen
class InstalledAsset:
    real_id: str  # the id the real venue gives it (CAD3)
    text: str  # the metadata text, byte for byte as the venue serves it


@attrs.frozen
class Catalog:
    source: str  # which venue build it was captured from
    assets: tuple[InstalledAsset, ...]
    operations: tuple[tuple[str, str], ...]  # catalog path → real id, in listing order
    content: tuple[bytes, ...]  # content of the data assets
    mcp_tools: tuple[dict[str, Any], ...]  # POST /mcp tools/list, as the venue answers


@functools.cache
def load() -> Catalog:
    """The captured catalogue (read once per process)."""
    data = resources.files("covia_proto.testing") / "data"
    raw = json.loads((data / "catalog.json").read_text(encoding="utf-8"))
    return Catalog(
        source=raw["source"],
        assets=tuple(InstalledAsset(item["id"], item["text"]) for item in raw["assets"]),
        operations=tuple((path, ident) for path, ident in raw["operations"]),
        content=tuple(
            gzip.decompress((data / name).read_bytes()) for name in raw["content"].values()
        ),
        mcp_tools=tuple(raw["mcp_tools"]),
    )
