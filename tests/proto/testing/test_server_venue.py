"""The loopback server around the real ``VenueSimulator``: routes, waits, event streams,
large content and faults, seen by a plain HTTP client."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import tracemalloc
from collections.abc import Iterator

import aiohttp
import pytest
import requests

from covia_proto.testing.faults import (
    BreakStream,
    FaultPlan,
    ResetAfterRequest,
    ResetBeforeRequest,
    StallResponse,
    TruncateBody,
)
from covia_proto.testing.server import (
    BackgroundLoop,
    RunningVenue,
    serve_venue,
    serve_venue_async,
)
from covia_proto.testing.simulator import VenueSimulator

TIMEOUT = 5.0
Venue = RunningVenue[VenueSimulator]


@pytest.fixture(scope="module")
def loop() -> Iterator[BackgroundLoop]:
    with BackgroundLoop() as background:
        yield background


@pytest.fixture
def venue(loop: BackgroundLoop) -> Iterator[Venue]:
    with serve_venue(loop=loop, sse=True) as running:
        yield running


def invoke(venue: Venue, operation: str, payload: object, **extra: object):
    body = {"operation": operation, "input": payload, **extra}
    return requests.post(venue.url + "/api/v1/invoke", json=body, timeout=TIMEOUT)


def test_status_names_the_served_url(venue: Venue) -> None:
    answer = requests.get(venue.url + "/api/v1/status", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json;charset=utf-8"
    status = answer.json()
    assert (status["status"], status["name"], status["url"]) == (
        "OK",
        "Covia Test Venue",
        venue.url,
    )
    # venue_clock reads like the wall clock, so timestamps are real milliseconds.
    assert abs(status["ts"] / 1000 - time.time()) < 60


def test_encoded_operation_name_reaches_the_route(venue: Venue) -> None:
    answer = requests.get(venue.url + "/api/v1/operations/v%2Ftest%2Fops%2Fecho", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.json()["name"] == "v/test/ops/echo"


def test_echo_job_round_trip(venue: Venue) -> None:
    created = invoke(venue, "v/test/ops/echo", {"x": 1})
    assert created.status_code == 201
    record = created.json()
    assert (record["status"], record["output"]) == ("COMPLETE", {"x": 1})
    assert created.headers["Location"] == "/api/v1/jobs/" + record["id"].removeprefix("0x")
    again = requests.get(venue.url + created.headers["Location"], timeout=TIMEOUT)
    assert again.json()["id"] == record["id"]


def test_wait_is_answered_when_the_delay_timer_fires(venue: Venue) -> None:
    began = time.monotonic()
    delayed = {"delay": 200, "operation": "v/test/ops/echo", "input": "late"}
    answer = invoke(venue, "v/test/ops/delay", delayed, wait=True)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["output"]) == ("COMPLETE", "late")
    assert 0.15 <= time.monotonic() - began < 3


def test_job_events_arrive_one_by_one(venue: Venue) -> None:
    job = invoke(venue, "v/test/ops/pause", {"keep": "me"}).json()
    job_id = job["id"].removeprefix("0x")
    assert job["status"] == "PAUSED"
    url = f"{venue.url}/api/v1/jobs/{job_id}/sse"
    headers = {"Accept": "text/event-stream"}
    with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        events = stream.iter_content(chunk_size=None)
        first = next(events)
        assert first.startswith(b"event: job-update\ndata: ")
        assert json.loads(first.split(b"data: ", 1)[1])["status"] == "PAUSED"
        # The job completes only now, after the first event was read.
        message = requests.post(f"{venue.url}/api/v1/jobs/{job_id}", json={}, timeout=TIMEOUT)
        assert message.status_code == 202
        rest = b"".join(events)  # ends: the stream closes after a terminal state
    statuses = [
        json.loads(line.removeprefix(b"data: "))["status"]
        for line in rest.split(b"\n")
        if line.startswith(b"data: ")
    ]
    assert statuses[-1] == "COMPLETE"


def test_large_content_goes_up_and_comes_back(venue: Venue) -> None:
    block = bytes(range(256)) * 4096
    blocks = 32
    digest = hashlib.sha256()
    for _ in range(blocks):
        digest.update(block)
    metadata = {"name": "big", "content": {"sha256": digest.hexdigest()}}
    created = requests.post(venue.url + "/api/v1/assets", json=metadata, timeout=TIMEOUT)
    asset = created.json()
    content_url = f"{venue.url}/api/v1/assets/{asset}/content"
    uploaded = requests.put(content_url, data=(block for _ in range(blocks)), timeout=30)
    assert uploaded.json() == "0x" + digest.hexdigest()
    back = hashlib.sha256()
    with requests.get(content_url, stream=True, timeout=30) as download:
        assert download.status_code == 200
        for chunk in download.iter_content(1 << 20):
            back.update(chunk)
    assert back.hexdigest() == digest.hexdigest()


def test_faults_over_the_wire(loop: BackgroundLoop) -> None:
    plan = FaultPlan()
    status = "/api/v1/status"
    plan.add(ResetBeforeRequest(), path=status, times=1)
    plan.add(TruncateBody(keep=5), path=status, times=1)
    plan.add(StallResponse(), path=status, times=1)
    with serve_venue(loop=loop, faults=plan) as running:
        with pytest.raises(requests.ConnectionError):
            requests.get(running.url + status, timeout=TIMEOUT)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(running.url + status, timeout=TIMEOUT)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(running.url + status, timeout=0.3)
        assert requests.get(running.url + status, timeout=TIMEOUT).status_code == 200


def test_reset_after_request_still_takes_effect(loop: BackgroundLoop) -> None:
    plan = FaultPlan()
    plan.add(ResetAfterRequest(), path="/api/v1/invoke", times=1)
    with serve_venue(loop=loop, faults=plan) as running:
        with pytest.raises(requests.ConnectionError):
            invoke(running, "v/test/ops/echo", 1)
        jobs = requests.get(running.url + "/api/v1/jobs", timeout=TIMEOUT).json()
    assert len(jobs) == 1


def test_broken_event_stream_ends_mid_event(loop: BackgroundLoop) -> None:
    plan = FaultPlan()
    plan.add(BreakStream(after_events=0), path="/sse$")
    with serve_venue(loop=loop, sse=True, faults=plan) as running:
        job_id = invoke(running, "v/test/ops/never", None).json()["id"].removeprefix("0x")
        url = f"{running.url}/api/v1/jobs/{job_id}/sse"
        headers = {"Accept": "text/event-stream"}
        received = requests.get(url, headers=headers, timeout=TIMEOUT).content
    assert received.startswith(b"event: job-update")
    assert not received.endswith(b"\n\n")


def test_large_content_never_sits_in_memory_whole(venue: Venue) -> None:
    block = b"\xa5" * (1 << 20)
    blocks = 64
    digest = hashlib.sha256()
    for _ in range(blocks):
        digest.update(block)
    metadata = {"name": "big", "content": {"sha256": digest.hexdigest()}}
    asset = requests.post(venue.url + "/api/v1/assets", json=metadata, timeout=TIMEOUT).json()
    content_url = f"{venue.url}/api/v1/assets/{asset}/content"
    # Client and server share this process: the peak covers both ends of the transfer.
    tracemalloc.start()
    try:
        requests.put(content_url, data=(block for _ in range(blocks)), timeout=30)
        with requests.get(content_url, stream=True, timeout=30) as download:
            size = sum(len(chunk) for chunk in download.iter_content(1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == blocks << 20
    assert peak < 8 << 20, f"peak {peak >> 20} MiB for {blocks} MiB of content"


def test_async_form_serves_a_simulator_of_its_own() -> None:
    async def main() -> tuple[int, str]:
        async with (
            serve_venue_async(profile="latest", name="Async") as running,
            aiohttp.ClientSession() as session,
            session.get(running.url + "/api/v1/status") as answer,
        ):
            return answer.status, (await answer.json())["name"]

    assert asyncio.run(main()) == (200, "Async")


def test_reset_before_an_upload_leaves_no_content(loop: BackgroundLoop) -> None:
    block = b"\x17" * (1 << 20)
    digest = hashlib.sha256()
    for _ in range(8):
        digest.update(block)
    plan = FaultPlan()
    plan.add(ResetBeforeRequest(), method="PUT", path="/content$", times=1)
    with serve_venue(loop=loop, faults=plan) as running:
        metadata = {"name": "cut", "content": {"sha256": digest.hexdigest()}}
        asset = requests.post(running.url + "/api/v1/assets", json=metadata, timeout=TIMEOUT)
        content_url = f"{running.url}/api/v1/assets/{asset.json()}/content"
        with pytest.raises(requests.ConnectionError):
            requests.put(content_url, data=(block for _ in range(8)), timeout=TIMEOUT)
        missing = requests.get(content_url, timeout=TIMEOUT)
        assert missing.status_code == 404
        assert requests.put(content_url, data=block * 8, timeout=TIMEOUT).status_code == 200
        assert requests.get(content_url, timeout=TIMEOUT).content == block * 8
