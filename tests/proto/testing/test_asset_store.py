"""Asset ids and the metadata store."""

from __future__ import annotations

import pytest

from covia_proto.testing.asset_store import AssetStore, NotAnObject, asset_id, content_sha256
from covia_proto.testing.wire import BadJson


def test_ids_ignore_formatting_but_not_number_kinds() -> None:
    assert asset_id({"a": 1, "b": "é"}) == asset_id({"b": "\u00e9", "a": 1})
    assert asset_id({"a": 1}) != asset_id({"a": 1.0})
    assert len(asset_id({})) == 64


def test_register_keeps_the_latest_text() -> None:
    store = AssetStore()
    first = store.register('{"b": 2, "a": 1}')
    second = store.register('{"a":1,"b":2}')
    assert first == second
    asset = store.get(first)
    assert asset is not None
    assert asset.text == '{"a":1,"b":2}'
    assert asset.metadata == {"a": 1, "b": 2}
    assert len(store) == 1


def test_register_errors() -> None:
    store = AssetStore()
    with pytest.raises(BadJson):
        store.register("{oops")
    with pytest.raises(NotAnObject):
        store.register('"text"')


def test_ids_are_listed_in_hex_order_and_kinds() -> None:
    store = AssetStore()
    ids = [store.register(text) for text in ('{"n":1}', '{"n":2}', '{"operation":{}}')]
    assert store.ids() == sorted(ids)
    kinds = {asset.id: asset.kind for asset in store}
    assert kinds[ids[2]] == "operation"
    assert kinds[ids[0]] == "data"


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"content": {"sha256": "0x" + "AB" * 32}}, "ab" * 32),
        ({"content": {"sha256": "ab" * 32}}, "ab" * 32),
        ({"content": {"sha256": "ab" * 31}}, None),
        ({"content": {"sha256": 5}}, None),
        ({"content": "x"}, None),
        ({}, None),
    ],
)
def test_content_sha256(metadata: dict[str, object], expected: str | None) -> None:
    assert content_sha256(metadata) == expected


def test_ids_are_the_real_venues() -> None:
    # Recorded from the real venue (tests/proto/vectors/asset_ids.json).
    store = AssetStore()
    assert (
        store.register("{}") == "19f292ac6877ab838ffd2c22b7736229ebd4553e9e4b31d2aaba9f07b9d5186d"
    )
    assert store.register('{"n":1}') == (
        "2541fbf2080f91bd9b28227adc0274d8986bea34f00e56ceb3c49aa6e9b5db2e"
    )
    assert store.register('{"n": 1.0}') == (
        "0fd3cb928a7cd92c1081244670632a586fecf1cb08fd544351a7f40763b2eef8"
    )


def test_null_registers_as_the_empty_object() -> None:
    store = AssetStore()
    ident = store.register("null")
    assert ident == asset_id({})
    asset = store.get(ident)
    assert asset is not None
    assert (asset.text, asset.metadata) == ("null", {})
