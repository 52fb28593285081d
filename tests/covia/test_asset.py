"""``covia.asset``: an ``Asset`` as metadata to register, and bound to a venue."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib

import pytest

from covia import Asset, CoviaUsageError, Job
from covia.models import AssetDocument
from covia_proto.endpoints import assets
from tests.covia.helpers import ECHO, Harness, memory_venue


def test_unregistered_asset_holds_metadata() -> None:
    asset = Asset(
        {"name": "My Dataset", "description": "d", "content": {"contentType": "text/csv"}}
    )
    assert asset.name == "My Dataset"
    assert asset.description == "d"
    assert asset.content_type == "text/csv"
    assert asset.metadata["content"] == {"contentType": "text/csv"}
    assert not asset.is_registered
    assert asset.is_artifact
    assert not asset.is_operation
    assert repr(asset) == "<Asset (unregistered) 'My Dataset'>"
    with pytest.raises(CoviaUsageError):
        _ = asset.id


def test_empty_asset() -> None:
    asset = Asset()
    assert asset.metadata == {}
    assert asset.name is None
    assert asset.content is None
    assert asset.content_type is None
    assert repr(asset) == "<Asset (unregistered)>"


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.get_content(),
        lambda a: a.iter_content(),
        lambda a: a.put_content(b"x"),
        lambda a: a.download(io.BytesIO()),
        lambda a: a.invoke({}),
    ],
)
def test_content_and_invoke_need_a_venue(call) -> None:
    with pytest.raises(CoviaUsageError, match="register it first"):
        call(Asset({"name": "x"}))
    with pytest.raises(CoviaUsageError):
        call(Asset({"name": "x"}, id="ab" * 32))  # an id but no venue


def test_metadata_that_is_not_a_mapping_is_a_usage_error() -> None:
    with pytest.raises(CoviaUsageError):
        Asset(["a", "list"])  # type: ignore[arg-type]


def test_metadata_of_unexpected_shape_is_kept_as_given() -> None:
    # Metadata is the user's own JSON: the venue stores it unchecked, so neither do we.
    asset = Asset({"name": 42, "content": "not an object", "operation": "v/ops/x"})
    assert asset.metadata == {"name": 42, "content": "not an object", "operation": "v/ops/x"}
    assert (asset.name, asset.content, asset.is_artifact, asset.is_operation) == (
        None,
        None,
        False,
        False,
    )


def test_registered_asset_round_trip(harness: Harness, tmp_path: pathlib.Path) -> None:
    content = b"name,value\nx,1\n"
    digest = hashlib.sha256(content).hexdigest()
    asset = harness.venue.register(
        Asset({"name": "csv", "content": {"contentType": "text/csv", "sha256": digest}})
    )
    assert asset.is_registered
    assert asset.content is not None
    assert asset.content.sha256 == digest
    assert repr(asset) == f"<Asset {asset.id} 'csv'>"
    assert asset.put_content(content) == digest
    assert asset.get_content() == content
    assert b"".join(asset.iter_content()) == content
    result = asset.download(tmp_path / "a.csv")
    assert result.verified
    assert (tmp_path / "a.csv").read_bytes() == content
    fetched = harness.venue.get_asset(asset.id)
    assert isinstance(fetched.metadata, dict)
    assert fetched.metadata == asset.metadata


def test_operation_asset_invokes_itself(harness: Harness) -> None:
    asset_id = harness.venue.get_operation(ECHO).asset
    assert asset_id is not None
    echo = harness.venue.get_asset(asset_id)
    assert echo.is_operation
    assert not echo.is_artifact
    job = echo.invoke({"via": "asset"})
    assert isinstance(job, Job)
    assert job.wait(timeout=10).output == {"via": "asset"}


def test_asset_from_a_document_keeps_its_id() -> None:
    mem = memory_venue()
    asset_id = mem.venue.register({"name": "n"}).id
    document = mem.venue._session.call(
        assets.get_asset(mem.venue._session.context.endpoint, asset_id)
    )
    assert isinstance(document, AssetDocument)
    asset = Asset(document, id="ignored")
    assert asset.id == asset_id
    assert asset.metadata == {"name": "n"}
    with pytest.raises(CoviaUsageError):
        asset.get_content()  # not bound to a venue


def test_two_reads_of_one_asset_are_equal_and_deduplicate() -> None:
    mem = memory_venue()
    registered = mem.venue.register({"name": "same"})
    first = mem.venue.get_asset(registered.id)
    second = mem.venue.get_asset(f"a/{registered.id}")
    assert first is not second
    assert first == second == registered
    assert len({first, second, registered}) == 1
    other = mem.venue.register({"name": "other"})
    assert other != first
    assert len({first, other}) == 2


def test_equality_of_assets_by_id_across_venues_and_unregistered() -> None:
    one, two = memory_venue(), memory_venue()
    here = one.venue.register({"name": "everywhere"})
    there = two.venue.register({"name": "everywhere"})
    assert here.id == there.id  # the id is the metadata's hash: the same asset
    assert here == there
    local = Asset({"name": "everywhere"})
    assert local != here  # not registered: equal only to itself
    assert local == local
    assert len({local, Asset({"name": "everywhere"})}) == 2
    assert here != "not an asset"


def test_a_lattice_path_id_is_compared_with_its_venue() -> None:
    one, two = memory_venue(), memory_venue()
    assert Asset({}, id="w/data", venue=one.venue) == Asset({}, id="w/data", venue=one.venue)
    # Same base URL (both in memory at http://venue.test): the same place.
    assert Asset({}, id="w/data", venue=one.venue) == Asset({}, id="w/data", venue=two.venue)
    assert Asset({}, id="w/data", venue=one.venue) != Asset({}, id="w/data")


def test_official_sdk_names_on_an_asset() -> None:
    mem = memory_venue()
    registered = mem.venue.register({"name": "raw", "description": "kept as sent"})
    fetched = mem.venue.get_asset(registered.id)
    assert fetched.venue is mem.venue
    assert fetched.metadata_raw is not None
    assert json.loads(fetched.metadata_raw) == {"name": "raw", "description": "kept as sent"}
    assert Asset({"name": "local"}).metadata_raw is None
    assert Asset({"name": "local"}).venue is None
    assert Asset({"name": "local"}).did_url is None
    assert fetched.did_url == f"{mem.venue.did}/a/{fetched.id}"
    assert mem.venue.get_asset(fetched.did_url) == fetched


def test_an_operation_asset_runs() -> None:
    mem = memory_venue()
    echo = mem.venue.get_operation(ECHO)
    assert echo.asset is not None
    assert mem.venue.get_asset(echo.asset).run({"via": "asset.run"}, timeout=10) == {
        "via": "asset.run"
    }


def test_an_asset_made_with_its_raw_text_keeps_it() -> None:
    text = '{"name": "typed by hand"}'
    asset = Asset({"name": "typed by hand"}, metadata_raw=text)
    assert asset.metadata_raw == text
    assert not asset.is_registered


def test_raw_metadata_that_is_not_text_is_refused() -> None:
    with pytest.raises(CoviaUsageError, match="metadata_raw must be text, not bytes"):
        Asset({}, metadata_raw=b"{}")  # type: ignore[arg-type]
