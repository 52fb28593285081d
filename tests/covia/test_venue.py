"""``covia.venue``: every ``Venue`` method, in memory and over loopback HTTP, in both
venue profiles with and without an event stream."""

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
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    Job,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobStatus,
    JobTimeoutError,
    NotFoundError,
)
from covia.async_api import AsyncAsset
from covia.models import AgentCard, AssetList, DidDocument, McpDiscovery, OperationInfo
from tests.covia.helpers import DELAY, ECHO, ERROR, NEVER, PAUSE, Harness, memory_venue


def test_status_names_the_venue(harness: Harness) -> None:
    status = harness.venue.status()
    assert status.name == "Covia Test Venue"
    assert status.did == harness.simulator.did


def test_repr_base_url_and_address(harness: Harness) -> None:
    venue = harness.venue
    assert repr(venue) == f"<Venue {venue.base_url}>"
    assert venue.address.rstrip("/") == venue.base_url
    assert not venue.base_url.endswith("/")


def test_discovery_documents(harness: Harness) -> None:
    venue = harness.venue
    document = venue.did_document()
    assert isinstance(document, DidDocument)
    assert document.id == harness.simulator.did
    assert "https://www.w3.org/ns/did/v1" in str(document.context)
    mcp = venue.mcp_discovery()
    assert isinstance(mcp, McpDiscovery)
    assert mcp.mcp_version == "1.0"
    card = venue.agent_card()
    assert isinstance(card, AgentCard)
    assert card.name


def test_did_is_fetched_once_then_cached(harness: Harness) -> None:
    venue = harness.venue
    before = len(harness.driver.requests)
    assert venue.did == harness.simulator.did
    fetched = len(harness.driver.requests) - before
    assert fetched >= 1
    assert venue.did == harness.simulator.did
    assert len(harness.driver.requests) - before == fetched


def test_operations_list_and_get_by_name_with_slashes(harness: Harness) -> None:
    operations = harness.venue.list_operations()
    assert isinstance(operations, list)
    names = [op.name for op in operations]
    assert ECHO in names
    echo = harness.venue.get_operation(ECHO)
    assert isinstance(echo, OperationInfo)
    assert echo.name == ECHO
    assert echo.description == (
        "Returns the input unchanged. Useful for testing or as a generalised identity function."
    )
    # The slashes travel percent-encoded in one path segment (venue-api.md §2.4).
    (request,) = harness.driver.sent("GET", "/operations/")
    assert request.url.endswith("/api/v1/operations/v%2Ftest%2Fops%2Fecho")


def test_get_operation_by_asset_id(harness: Harness) -> None:
    echo = harness.venue.get_operation(ECHO)
    assert echo.asset is not None
    by_id = harness.venue.get_operation(echo.asset)
    assert by_id.asset == echo.asset
    assert by_id.description == echo.description


def test_get_operation_unknown_is_not_found(harness: Harness) -> None:
    with pytest.raises(NotFoundError) as caught:
        harness.venue.get_operation("v/test/ops/nope")
    assert caught.value.status_code == 404


def test_invoke_by_name_asset_id_and_did_url(harness: Harness) -> None:
    venue = harness.venue
    asset_id = venue.get_operation(ECHO).asset
    assert asset_id is not None
    by_name = venue.invoke(ECHO, {"how": "name"})
    by_id = venue.invoke(asset_id, {"how": "id"})
    by_did = venue.invoke(f"{venue.did}/a/{asset_id}", {"how": "did"})
    for job, how in ((by_name, "name"), (by_id, "id"), (by_did, "did")):
        assert isinstance(job, Job)
        job.wait(timeout=10)
        assert job.status == JobStatus.COMPLETE
        assert job.output == {"how": how}
    assert len({by_name.id, by_id.id, by_did.id}) == 3
    assert len(harness.driver.sent("POST", "/invoke")) == 3


def test_invoke_without_input_sends_null(harness: Harness) -> None:
    job = harness.venue.invoke(ECHO)
    assert job.wait(timeout=10).output is None


def test_invoke_unknown_operation_is_a_grid_error(harness: Harness) -> None:
    with pytest.raises(GridError) as caught:
        harness.venue.invoke("v/test/ops/missing", {})
    assert caught.value.status_code == 400
    assert "Cannot resolve operation" in caught.value.message


def test_run_with_and_without_timeout(harness: Harness) -> None:
    assert harness.venue.run(ECHO, {"x": 1}) == {"x": 1}
    assert harness.venue.run(ECHO, [1, 2], timeout=10) == [1, 2]
    # A job that completes later is waited for.
    delayed = {"delay": 200, "operation": ECHO, "input": "late"}
    assert harness.venue.run(DELAY, delayed, timeout=10) == "late"


def test_run_invokes_on_every_venue_version(harness: Harness) -> None:
    harness.venue.run(ECHO, 1)
    harness.venue.run(ECHO, 2, timeout=10)
    # Never /run, never a server-side wait: the job's id is known at once (flows/run.py).
    assert harness.driver.sent("POST", "/api/v1/run") == []
    invokes = harness.driver.sent("POST", "/invoke")
    assert len(invokes) == 2
    assert all("wait" not in json.loads(request.body) for request in invokes)


def test_run_of_a_failing_operation_raises_job_failed_on_every_venue_version(
    harness: Harness,
) -> None:
    with pytest.raises(JobFailedError) as failed:
        harness.venue.run(ERROR, {"message": "broken on purpose"}, timeout=10)
    assert failed.value.job_data.error == "broken on purpose"
    assert failed.value.job_data.status == JobStatus.FAILED
    assert harness.venue.get_job(failed.value.job_id).status == JobStatus.FAILED


def test_run_of_an_operation_that_needs_the_caller_hands_over_the_job(harness: Harness) -> None:
    with pytest.raises(JobInteractionRequired) as paused:
        harness.venue.run(PAUSE, {"keep": "me"}, timeout=60)
    job = harness.venue.get_job(paused.value.job_id)
    assert job.status == JobStatus.PAUSED
    job.send_message({"content": "go"})
    assert job.result(timeout=10) == {"keep": "me"}


def test_run_that_times_out_hands_over_the_job(harness: Harness) -> None:
    with pytest.raises(JobTimeoutError) as late:
        harness.venue.run(NEVER, {}, timeout=0.2)
    job = harness.venue.get_job(late.value.job_id)
    assert job.status == JobStatus.STARTED
    job.cancel()
    assert harness.venue.get_job(job.id).status == JobStatus.CANCELLED


def test_list_get_and_delete_jobs(harness: Harness) -> None:
    venue = harness.venue
    first = venue.invoke(ECHO, 1)
    second = venue.invoke(NEVER, 2)
    ids = venue.list_jobs()
    assert ids[-2:] == [first.id, second.id]
    fetched = venue.get_job(second.id)
    assert isinstance(fetched, Job)
    assert fetched.id == second.id
    assert fetched.status == JobStatus.STARTED
    venue.delete_job(second.id)
    # The record stays readable, but the job is no longer live: it cannot be cancelled.
    assert venue.get_job(second.id).id == second.id
    with pytest.raises(JobNotFoundError):
        second.cancel()
    assert second.id in venue.list_jobs()


def test_get_job_unknown_is_job_not_found(harness: Harness) -> None:
    missing = "0" * 32
    with pytest.raises(JobNotFoundError) as caught:
        harness.venue.get_job(missing)
    assert caught.value.job_id == missing
    with pytest.raises(JobNotFoundError):
        harness.venue.delete_job(missing)


def test_list_assets_pages_and_total(harness: Harness) -> None:
    venue = harness.venue
    everything = venue.list_assets()
    assert isinstance(everything, AssetList)
    assert everything.total == len(everything.items) > 4
    page = venue.list_assets(offset=2, limit=3)
    assert page.items == everything.items[2:5]
    assert page.total == everything.total
    assert venue.list_all_assets() == list(everything.items)


def test_register_an_asset_or_a_dict_and_read_it_back(harness: Harness) -> None:
    venue = harness.venue
    metadata = {
        "name": "My Dataset",
        "description": "Sample data for analysis",
        "content": {"contentType": "text/csv"},
    }
    registered = venue.register(Asset(metadata))
    assert isinstance(registered, Asset)
    assert registered.is_registered
    assert registered.name == "My Dataset"
    assert registered.description == "Sample data for analysis"
    assert registered.content_type == "text/csv"
    assert registered.id in venue.list_all_assets()
    again = venue.register(dict(metadata))
    assert again.id == registered.id  # the id is the hash of the metadata
    # An async asset's metadata too, as the async venue takes a sync asset's.
    assert venue.register(AsyncAsset(metadata)).id == registered.id
    fetched = venue.get_asset(registered.id)
    assert fetched.metadata == metadata
    assert fetched.id == registered.id


def test_get_asset_unknown_is_asset_not_found(harness: Harness) -> None:
    missing = "ab" * 32
    with pytest.raises(AssetNotFoundError) as caught:
        harness.venue.get_asset(missing)
    assert caught.value.asset_id == missing
    with pytest.raises(AssetNotFoundError):
        harness.venue.get_asset_content(missing)


def _artifact(harness: Harness, content: bytes, **extra: object) -> str:
    metadata = {
        "name": "data",
        "content": {"contentType": "text/plain", "sha256": hashlib.sha256(content).hexdigest()},
        **extra,
    }
    return harness.venue.register(metadata).id


def test_content_round_trip(harness: Harness, tmp_path: pathlib.Path) -> None:
    venue = harness.venue
    content = b"hello, venue\n" * 1000
    asset_id = _artifact(harness, content)
    digest = venue.put_asset_content(asset_id, content)
    assert digest == hashlib.sha256(content).hexdigest()
    assert venue.get_asset_content(asset_id) == content
    assert b"".join(venue.iter_asset_content(asset_id)) == content
    result = venue.download_asset_content(asset_id, tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == content
    assert (result.sha256, result.size, result.verified) == (digest, len(content), True)
    assert result.content_type is not None
    assert result.content_type.startswith("text/plain")
    sink = io.BytesIO()
    venue.download_asset_content(asset_id, sink)
    assert sink.getvalue() == content


def test_content_before_upload_is_not_found(harness: Harness) -> None:
    asset_id = _artifact(harness, b"never uploaded")
    with pytest.raises(NotFoundError):
        harness.venue.get_asset_content(asset_id)


def test_upload_that_does_not_match_the_metadata_is_refused(harness: Harness) -> None:
    asset_id = _artifact(harness, b"the declared content")
    with pytest.raises(GridError) as caught:
        harness.venue.put_asset_content(asset_id, b"something else")
    assert caught.value.status_code == 400
    assert "hash mismatch" in caught.value.message


def test_secrets(harness: Harness) -> None:
    venue = harness.venue
    assert venue.list_secrets() == []
    venue.set_secret("api-key", "s3cr3t-value")
    venue.set_secret("other", "x")
    assert sorted(venue.list_secrets()) == ["api-key", "other"]
    caller = harness.sim(lambda: harness.simulator.public_caller)
    assert harness.sim(harness.simulator.secrets_of, caller)["api-key"] == "s3cr3t-value"
    venue.delete_secret("api-key")
    assert venue.list_secrets() == ["other"]
    with pytest.raises(NotFoundError):
        venue.delete_secret("api-key")


def test_bad_arguments_are_usage_errors() -> None:
    mem = memory_venue()
    with pytest.raises(CoviaUsageError):
        mem.venue.put_asset_content("ab" * 32, "text is not bytes")  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError):
        mem.venue.put_asset_content("ab" * 32, 42)  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError):
        mem.venue.get_asset_content("ab" * 32, expected_sha256="not-a-hash")
    with pytest.raises(CoviaUsageError):
        mem.venue.register(["not", "a", "mapping"])  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError, match="JSON"):
        mem.venue.invoke(ECHO, {1, 2})
    with pytest.raises(CoviaUsageError, match="JSON"):
        mem.venue.run(ECHO, float("nan"))
    with pytest.raises(CoviaUsageError):
        mem.venue.invoke("", 1)
    with pytest.raises(CoviaUsageError):
        mem.venue.get_job("")

    async def chunks() -> AsyncIterator[bytes]:
        yield b"async"

    with pytest.raises(CoviaUsageError, match="async"):
        mem.venue.put_asset_content("ab" * 32, chunks())  # type: ignore[arg-type]
    assert mem.driver.requests == []


def test_close_and_context_manager() -> None:
    mem = memory_venue()
    with mem.venue as venue:
        assert venue is mem.venue
        venue.status()
    assert mem.driver.closed_driver is False  # a driver passed in belongs to the caller


def test_a_closed_venue_refuses_every_call_as_the_async_one_does() -> None:
    mem = memory_venue()
    job = mem.venue.invoke(NEVER, 1)
    mem.venue.close()
    mem.venue.close()  # twice is fine
    sent = len(mem.driver.requests)
    for call in (
        mem.venue.status,
        mem.venue.list_all_assets,
        lambda: job.wait(timeout=1),
        lambda: list(job.stream()),
    ):
        with pytest.raises(CoviaUsageError, match="closed"):
            call()
    assert len(mem.driver.requests) == sent  # nothing went out


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_run_timeout_is_exact_in_virtual_time(profile) -> None:
    mem = memory_venue(profile)
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError):
        mem.venue.run(NEVER, {}, timeout=12.5)
    assert mem.clock() == start + 12.5
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_listing_everything_pages_through(profile) -> None:
    mem = memory_venue(profile)
    ids = [mem.venue.invoke(ECHO, i).id for i in range(250)]
    assert mem.venue.list_jobs() == ids
    # 0.1 answers every job at once; newer venues page (100 at a time).
    assert len(mem.driver.sent("GET", "/jobs?")) == (1 if profile == "0.1" else 3)
    for i in range(1100):
        mem.simulator.add_asset({"name": f"asset {i}"})
    everything = mem.venue.list_all_assets()
    assert len(everything) == len(set(everything)) == mem.venue.list_assets().total > 1100
    assert everything == sorted(everything)


def test_ids_are_normalised() -> None:
    mem = memory_venue()
    asset = mem.venue.register({"name": "x"})
    assert mem.venue.get_asset("0x" + asset.id.upper()).id == asset.id
    job = mem.venue.invoke(PAUSE, {})
    assert mem.venue.get_job("0x" + job.id.upper()).id == job.id
