"""The captured catalogue of the real venue, as the simulator loads it."""

from __future__ import annotations

import hashlib
import json

from covia_proto.testing import catalog


def test_the_catalogue_is_the_real_venues() -> None:
    installed = catalog.load()
    assert "87d1b66" in installed.source
    assert (len(installed.assets), len(installed.operations)) == (126, 116)
    real_ids = {asset.real_id for asset in installed.assets}
    assert {ident for _, ident in installed.operations} <= real_ids
    assert all(len(ident) == 64 for ident in real_ids)
    assert catalog.load() is installed  # read once


def test_it_holds_the_shapes_clients_must_meet() -> None:
    installed = catalog.load()
    texts = {asset.real_id: asset.text for asset in installed.assets}
    by_path = {path: json.loads(texts[ident]) for path, ident in installed.operations}
    assert by_path["v/agents/templates/goaltree"]["operation"] == "v/ops/goaltree/chat"
    assert "operation" not in by_path["v/agents/templates/minimal"]
    assert by_path["v/test/ops/echo"]["operation"] == {
        "adapter": "test:echo",
        "input": {},
        "output": {},
    }
    assert "{}" in texts.values()
    # Metadata text is kept as the venue serves it, formatting included.
    assert (
        "\n\t"
        in texts[
            installed.operations[[p for p, _ in installed.operations].index("v/test/ops/echo")][1]
        ]
    )


def test_content_matches_the_data_assets() -> None:
    installed = catalog.load()
    declared = set()
    for asset in installed.assets:
        meta = json.loads(asset.text)
        if isinstance(meta, dict) and isinstance(meta.get("content"), dict):
            declared.add(meta["content"]["sha256"].lower())
    assert {hashlib.sha256(data).hexdigest() for data in installed.content} == declared
    assert len(declared) == 2  # Iris and Hamlet


def test_the_mcp_tools_are_listed_as_the_venue_lists_them() -> None:
    tools = catalog.load().mcp_tools
    assert len(tools) == 35
    assert {"name", "title", "description", "inputSchema", "outputSchema"} == set(tools[0])
    assert "secret_set" in {tool["name"] for tool in tools}
