"""``covia.async_api.venue``: every ``AsyncVenue`` method, in memory and over loopback
HTTP, in both venue profiles with and without an event stream."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
from collections.abc import AsyncIterator

import pytest

from covia import (
    Asset,
    AssetNotFoundError,
    ContentHashError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobStatus,
    JobTimeoutError,
    NotFoundError,
)
from covia.async_api import AsyncAsset, AsyncJob, AsyncVenue
from covia.models import AgentCard, AssetList, DidDocument, McpDiscovery, OperationInfo
from tests.async_api.helpers import (
    DELAY,
    ECHO,
    ERROR,
    NEVER,
    PAUSE,
    Harness,
    delayed_echo,
    memory_venue,
)

pytestmark = pytest.mark.asyncio


async def test_status_names_the_venue(harness: Harness) -> None:
    status = await harness.venue.status()
    assert status.name == "Covia Test Venue"
    assert status.did == harness.simulator.did


async def test_repr_base_url_and_address(harness: Harness) -> None:
    venue = harness.venue
    assert repr(venue) == f"<AsyncVenue {venue.base_url}>"
    assert venue.address.rstrip("/") == venue.base_url


async def test_discovery_documents(harness: Harness) -> None:
    venue = harness.venue
    document = await venue.did_document()
    assert isinstance(document, DidDocument)
    assert document.id == harness.simulator.did
    assert "https://www.w3.org/ns/did/v1" in str(document.context)
    mcp = await venue.mcp_discovery()
    assert isinstance(mcp, McpDiscovery)
    assert mcp.mcp_version == "1.0"
    card = await venue.agent_card()
    assert isinstance(card, AgentCard)
    assert card.name


async def test_did_is_fetched_once_then_cached(harness: Harness) -> None:
    venue = harness.venue
    with pytest.raises(CoviaUsageError, match="get_did"):
        _ = venue.did
    before = len(harness.driver.requests)
    assert await venue.get_did() == harness.simulator.did
    fetched = len(harness.driver.requests) - before
    assert fetched >= 1
    assert await venue.get_did() == harness.simulator.did
    assert venue.did == harness.simulator.did
    assert len(harness.driver.requests) - before == fetched


async def test_operations_list_and_get_by_name_with_slashes(harness: Harness) -> None:
    operations = await harness.venue.list_operations()
    assert isinstance(operations, list)
    assert ECHO in [op.name for op in operations]
    echo = await harness.venue.get_operation(ECHO)
    assert isinstance(echo, OperationInfo)
    assert echo.name == ECHO
    (request,) = harness.driver.sent("GET", "/operations/")
    assert request.url.endswith("/api/v1/operations/v%2Ftest%2Fops%2Fecho")
    assert echo.asset is not None
    by_id = await harness.venue.get_operation(echo.asset)
    assert by_id.asset == echo.asset
    with pytest.raises(NotFoundError) as caught:
        await harness.venue.get_operation("v/test/ops/nope")
    assert caught.value.status_code == 404


async def test_slashes_stay_encoded_on_the_wire(harness: Harness) -> None:
    # The venue decodes path parameters itself: a re-quoted or decoded %2F would
    # reach another route. The simulator sees the raw target.
    echo = await harness.venue.get_operation(ECHO)
    assert echo.name == ECHO


async def test_invoke_by_name_asset_id_and_did_url(harness: Harness) -> None:
    venue = harness.venue
    asset_id = (await venue.get_operation(ECHO)).asset
    assert asset_id is not None
    did = await venue.get_did()
    jobs = [
        await venue.invoke(ECHO, {"how": "name"}),
        await venue.invoke(asset_id, {"how": "id"}),
        await venue.invoke(f"{did}/a/{asset_id}", {"how": "did"}),
    ]
    for job, how in zip(jobs, ("name", "id", "did"), strict=True):
        assert isinstance(job, AsyncJob)
        assert (await job.wait(timeout=10)) is job
        assert job.status == JobStatus.COMPLETE
        assert job.output == {"how": how}
    assert len({job.id for job in jobs}) == 3
    assert len(harness.driver.sent("POST", "/invoke")) == 3


async def test_invoke_without_input_and_unknown_operation(harness: Harness) -> None:
    job = await harness.venue.invoke(ECHO)
    assert (await job.wait(timeout=10)).output is None
    with pytest.raises(GridError) as caught:
        await harness.venue.invoke("v/test/ops/missing", {})
    assert caught.value.status_code == 400
    assert "Cannot resolve operation" in caught.value.message


async def test_run_with_and_without_timeout(harness: Harness) -> None:
    assert await harness.venue.run(ECHO, {"x": 1}) == {"x": 1}
    assert await harness.venue.run(ECHO, [1, 2], timeout=10) == [1, 2]
    assert await harness.venue.run(DELAY, delayed_echo(200, "late"), timeout=10) == "late"


async def test_run_invokes_on_every_venue_version(harness: Harness) -> None:
    await harness.venue.run(ECHO, 1)
    await harness.venue.run(ECHO, 2, timeout=10)
    assert harness.driver.sent("POST", "/api/v1/run") == []
    invokes = harness.driver.sent("POST", "/invoke")
    assert len(invokes) == 2
    assert all("wait" not in json.loads(request.body) for request in invokes)


async def test_run_of_a_failing_operation_raises_job_failed_on_every_venue_version(
    harness: Harness,
) -> None:
    with pytest.raises(JobFailedError) as caught:
        await harness.venue.run(ERROR, {"message": "something broke"})
    assert caught.value.job_data.error == "something broke"
    assert (await harness.venue.get_job(caught.value.job_id)).status == JobStatus.FAILED


async def test_run_of_an_operation_that_needs_the_caller_hands_over_the_job(
    harness: Harness,
) -> None:
    with pytest.raises(JobInteractionRequired) as paused:
        await harness.venue.run(PAUSE, {"keep": "me"}, timeout=60)
    job = await harness.venue.get_job(paused.value.job_id)
    assert job.status == JobStatus.PAUSED
    await job.send_message({"content": "go"})
    assert await job.result(timeout=10) == {"keep": "me"}


async def test_run_that_times_out_hands_over_the_job(harness: Harness) -> None:
    with pytest.raises(JobTimeoutError) as late:
        await harness.venue.run(NEVER, {}, timeout=0.2)
    job = await harness.venue.get_job(late.value.job_id)
    assert job.status == JobStatus.STARTED
    await job.cancel()
    assert (await harness.venue.get_job(job.id)).status == JobStatus.CANCELLED


async def test_list_get_and_delete_jobs(harness: Harness) -> None:
    first = await harness.venue.invoke(ECHO, 1)
    second = await harness.venue.invoke(ECHO, 2)
    ids = await harness.venue.list_jobs()
    assert ids[-2:] == [first.id, second.id]
    again = await harness.venue.get_job(second.id)
    assert isinstance(again, AsyncJob)
    assert again.output == 2
    await harness.venue.delete_job(first.id)
    assert (await harness.venue.get_job(first.id)).output == 1  # the record stays
    with pytest.raises(JobNotFoundError) as caught:
        await harness.venue.get_job("00" * 16)
    assert caught.value.job_id == "00" * 16


async def test_list_assets_pages_and_total(harness: Harness) -> None:
    page = await harness.venue.list_assets()
    assert isinstance(page, AssetList)
    assert page.total == len(page.items) > 2
    second = await harness.venue.list_assets(offset=1, limit=2)
    assert second.items == page.items[1:3]
    assert await harness.venue.list_all_assets() == list(page.items)


async def test_register_an_asset_or_a_dict_and_read_it_back(harness: Harness) -> None:
    venue = harness.venue
    metadata = {"name": "My Dataset", "description": "Sample data for analysis"}
    for given in (AsyncAsset(metadata), Asset(metadata), metadata):
        asset = await venue.register(given)
        assert isinstance(asset, AsyncAsset)
        assert asset.name == "My Dataset"
        assert asset.is_registered
        fetched = await venue.get_asset(asset.id)
        assert fetched.id == asset.id
        assert fetched.metadata == metadata
    with pytest.raises(AssetNotFoundError) as caught:
        await venue.get_asset("ab" * 32)
    assert caught.value.asset_id == "ab" * 32


async def _content_asset(venue: AsyncVenue, data: bytes) -> AsyncAsset:
    sha = hashlib.sha256(data).hexdigest()
    return await venue.register(
        {"name": "blob", "content": {"sha256": sha, "contentType": "application/octet-stream"}}
    )


async def test_content_round_trip_in_every_shape(harness: Harness, tmp_path: pathlib.Path) -> None:
    venue = harness.venue
    data = bytes(range(256)) * 1000
    asset = await _content_asset(venue, data)
    digest = hashlib.sha256(data).hexdigest()
    assert await venue.put_asset_content(asset.id, data) == digest

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 70_000):
            yield data[start : start + 70_000]

    # Streamed uploads: an async iterable, an iterable and a binary file.
    assert await venue.put_asset_content(asset.id, chunks()) == digest
    assert await venue.put_asset_content(asset.id, [data[:10], data[10:]]) == digest
    assert await venue.put_asset_content(asset.id, io.BytesIO(data)) == digest
    assert await venue.get_asset_content(asset.id) == data
    pieces = [piece async for piece in venue.iter_asset_content(asset.id)]
    assert b"".join(pieces) == data
    target = tmp_path / "out.bin"
    download = await venue.download_asset_content(asset.id, target)
    assert target.read_bytes() == data
    assert (download.sha256, download.size, download.verified) == (digest, len(data), True)
    sink = io.BytesIO()
    await venue.download_asset_content(asset.id, sink, expected_sha256=digest)
    assert sink.getvalue() == data


async def test_a_text_mode_destination_is_refused_before_any_request(
    harness: Harness, tmp_path: pathlib.Path
) -> None:
    before = len(harness.driver.requests)
    with open(tmp_path / "text.txt", "w") as text, pytest.raises(CoviaUsageError, match="binary"):
        await harness.venue.download_asset_content("ab" * 32, text)  # type: ignore[arg-type]
    assert len(harness.driver.requests) == before


async def test_content_before_upload_and_mismatched_upload(harness: Harness) -> None:
    asset = await _content_asset(harness.venue, b"expected")
    with pytest.raises(NotFoundError):
        await harness.venue.get_asset_content(asset.id)
    with pytest.raises(GridError) as caught:
        await harness.venue.put_asset_content(asset.id, b"something else")
    assert caught.value.status_code == 400
    with pytest.raises(CoviaUsageError):
        await harness.venue.put_asset_content(asset.id, "text")  # type: ignore[arg-type]


async def test_a_hash_mismatch_leaves_no_file(harness: Harness, tmp_path: pathlib.Path) -> None:
    data = b"the real content"
    asset = await _content_asset(harness.venue, data)
    await harness.venue.put_asset_content(asset.id, data)
    target = tmp_path / "never.bin"
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(ContentHashError):
        await harness.venue.download_asset_content(asset.id, target, expected_sha256=wrong)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ContentHashError):
        await harness.venue.get_asset_content(asset.id, expected_sha256=wrong)
    # verify=False takes what comes.
    assert await harness.venue.get_asset_content(asset.id, verify=False) == data


async def test_secrets(harness: Harness) -> None:
    venue = harness.venue
    await venue.invoke(ECHO, 1)  # the caller needs a user record first (§3.7)
    await venue.set_secret("api-key", "s3cret")
    assert "api-key" in await venue.list_secrets()
    await venue.delete_secret("api-key")
    assert "api-key" not in await venue.list_secrets()
    with pytest.raises(NotFoundError):
        await venue.delete_secret("api-key")


async def test_close_twice_and_aclose_alias() -> None:
    mem = await memory_venue()
    await mem.venue.close()
    await mem.venue.aclose()
    assert mem.driver.closed_driver is False  # a caller's driver stays open
    with pytest.raises(CoviaUsageError, match="closed"):
        await mem.venue.status()
