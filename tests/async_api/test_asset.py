"""``covia.async_api.asset``: ``AsyncAsset`` — metadata views, and content and invoke
for assets bound to a venue."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import AsyncIterator

import pytest

from covia import ContentHashError, CoviaUsageError, JobStatus
from covia.async_api import AsyncAsset, AsyncJob
from tests.async_api.helpers import ECHO, Harness, memory_venue

pytestmark = pytest.mark.asyncio

DATA = b"a,b\n1,2\n" * 5000
SHA = hashlib.sha256(DATA).hexdigest()


async def test_an_unregistered_asset_is_only_metadata() -> None:
    asset = AsyncAsset({"name": "My Dataset", "content": {"contentType": "text/csv"}})
    assert asset.name == "My Dataset"
    assert asset.content_type == "text/csv"
    assert asset.is_artifact
    assert not asset.is_registered
    assert repr(asset) == "<AsyncAsset (unregistered) 'My Dataset'>"
    with pytest.raises(CoviaUsageError):
        _ = asset.id
    with pytest.raises(CoviaUsageError, match="register it first"):
        await asset.get_content()
    with pytest.raises(CoviaUsageError, match="register it first"):
        asset.iter_content()
    with pytest.raises(CoviaUsageError, match="register it first"):
        await asset.invoke({})
    with pytest.raises(CoviaUsageError):
        AsyncAsset(["not", "a", "mapping"])  # type: ignore[arg-type]


async def test_an_asset_with_an_id_but_no_venue_cannot_reach_content() -> None:
    asset = AsyncAsset({"name": "x"}, id="ab" * 32)
    assert asset.id == "ab" * 32
    with pytest.raises(CoviaUsageError):
        await asset.put_content(b"x")


async def test_content_through_the_asset(harness: Harness, tmp_path: pathlib.Path) -> None:
    asset = await harness.venue.register(
        {"name": "csv", "content": {"sha256": SHA.upper(), "contentType": "text/csv"}}
    )
    assert asset.content is not None

    async def pieces() -> AsyncIterator[bytes]:
        yield DATA[:1000]
        yield DATA[1000:]

    assert await asset.put_content(pieces()) == SHA
    # Uploads go with the metadata's content type.
    (put,) = harness.driver.sent("PUT", "/content")
    assert put.header("Content-Type") == "text/csv"
    assert await asset.get_content() == DATA
    assert b"".join([chunk async for chunk in asset.iter_content()]) == DATA
    download = await asset.download(tmp_path / "data.csv")
    assert (tmp_path / "data.csv").read_bytes() == DATA
    assert download.verified
    assert download.content_type is not None
    assert download.content_type.startswith("text/csv")


async def test_the_asset_checks_the_hash_its_metadata_declares(harness: Harness) -> None:
    other = hashlib.sha256(b"other").hexdigest()
    # Content stored for one asset is served for another declaring the same hash
    # (venue-api.md §3.2.5), so a stale view of the metadata is caught on download.
    asset = await harness.venue.register({"name": "a", "content": {"sha256": SHA}})
    await asset.put_content(DATA)
    stale = AsyncAsset(
        {"name": "a", "content": {"sha256": other}}, id=asset.id, venue=harness.venue
    )
    with pytest.raises(ContentHashError) as caught:
        await stale.get_content()
    assert (caught.value.expected, caught.value.actual) == (other, SHA)
    assert await stale.get_content(verify=False) == DATA


async def test_invoke_an_operation_asset(harness: Harness) -> None:
    echo = await harness.venue.get_operation(ECHO)
    assert echo.asset is not None
    asset = await harness.venue.get_asset(echo.asset)
    assert asset.is_operation
    job = await asset.invoke({"via": "asset"})
    assert isinstance(job, AsyncJob)
    assert (await job.wait(timeout=10)).status == JobStatus.COMPLETE
    assert job.output == {"via": "asset"}


async def test_assets_from_the_venue_know_their_venue() -> None:
    mem = await memory_venue()
    registered = await mem.venue.register(AsyncAsset({"name": "n"}))
    assert registered.is_registered
    fetched = await mem.venue.get_asset(registered.id)
    assert fetched.metadata == {"name": "n"}
    assert repr(fetched) == f"<AsyncAsset {fetched.id} 'n'>"


async def test_official_sdk_names_on_an_async_asset() -> None:
    mem = await memory_venue()
    registered = await mem.venue.register({"name": "raw"})
    fetched = await mem.venue.get_asset(f"a/{registered.id}")
    assert fetched == registered
    assert len({fetched, registered}) == 1
    assert fetched.venue is mem.venue
    assert fetched.metadata_raw is not None
    assert '"raw"' in fetched.metadata_raw
    did_url = await fetched.did_url()
    assert did_url == f"{await mem.venue.get_did()}/a/{fetched.id}"
    assert await AsyncAsset({"name": "local"}).did_url() is None
    echo = await mem.venue.get_operation(ECHO)
    assert echo.asset is not None
    operation = await mem.venue.get_asset(echo.asset)
    assert await operation.run({"via": "run"}, timeout=10) == {"via": "run"}
