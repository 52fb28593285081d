"""``covia.async_api.job``: an ``AsyncJob``'s lifecycle — refresh, wait, result,
control, messages and its event stream as an async iterator — in memory (virtual time)
and over loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json

import pytest

from covia import (
    CoviaTimeoutError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobStatus,
)
from covia.async_api import AsyncJob
from covia.models import JobRecord, MessageAck, ServerSentEvent
from covia_proto.flows.effects import OpenStream, Send
from covia_proto.testing.faults import FaultPlan, Latency
from tests.async_api.helpers import (
    CHAT,
    DELAY,
    ECHO,
    ERROR,
    NEVER,
    PAUSE,
    PROFILE_IDS,
    PROFILES,
    Harness,
    checkpoint,
    delayed_echo,
    memory_venue,
)

pytestmark = pytest.mark.asyncio

DELAYED = delayed_echo(5000, {"late": True})


async def test_properties_of_a_completed_job(harness: Harness) -> None:
    job = await harness.venue.invoke(ECHO, {"x": 1})
    assert job.status == JobStatus.COMPLETE
    assert job.is_finished
    assert job.is_complete
    assert not job.needs_input
    assert job.output == {"x": 1}
    assert job.error is None
    assert isinstance(job.data, JobRecord)
    assert repr(job) == f"<AsyncJob {job.id} COMPLETE>"


async def test_refresh_and_wait_follow_the_venue(harness: Harness) -> None:
    job = await harness.venue.invoke(DELAY, delayed_echo(100, 7))
    assert job.status == JobStatus.PENDING
    assert await job.refresh() is job
    assert await job.wait(timeout=10) is job
    assert job.is_complete
    assert job.output == 7


async def test_result_returns_output_or_raises(harness: Harness) -> None:
    assert await (await harness.venue.invoke(ECHO, "out")).result(timeout=10) == "out"
    failed = await harness.venue.invoke(ERROR, {"message": "nope"})
    with pytest.raises(JobFailedError) as caught:
        await failed.result(timeout=10)
    assert caught.value.job_data.error == "nope"
    paused = await harness.venue.invoke(PAUSE, {"p": 1})
    with pytest.raises(JobInteractionRequired) as waiting:
        await paused.result(timeout=10)
    assert waiting.value.job_data.status == JobStatus.PAUSED


async def test_cancel_a_live_job_and_a_finished_one(harness: Harness) -> None:
    live = await harness.venue.invoke(NEVER, {})
    assert await live.cancel() is live
    assert live.status == JobStatus.CANCELLED
    assert harness.sim(harness.simulator.job, live.id)["status"] == "CANCELLED"
    done = await harness.venue.invoke(ECHO, 1)
    await done.cancel()
    assert done.status == JobStatus.COMPLETE
    with pytest.raises(JobNotFoundError):
        await AsyncJob(done._session, JobRecord(id="f" * 32)).cancel()


async def test_pause_resume_and_message(harness: Harness) -> None:
    job = await harness.venue.invoke(PAUSE, {"keep": "me"})
    assert job.status == JobStatus.PAUSED
    assert (await job.wait(timeout=10)).status == JobStatus.PAUSED
    await job.resume()
    assert job.status == JobStatus.PAUSED
    ack = await job.send_message({"content": "go"})
    assert isinstance(ack, MessageAck)
    assert ack.status == "queued"
    assert (await job.refresh()).status == JobStatus.COMPLETE
    assert job.output == {"keep": "me"}
    assert len(harness.driver.sent("POST", f"/jobs/{job.id}")) == 1


async def test_chat_takes_turns_then_completes(harness: Harness) -> None:
    job = await harness.venue.invoke(CHAT, {})
    assert job.status == JobStatus.INPUT_REQUIRED
    await job.send_message("hello")
    assert (await job.wait(timeout=10)).status == JobStatus.INPUT_REQUIRED
    assert job.output["echo"] == "hello"
    assert (await job.pause()).status == JobStatus.PAUSED
    await job.send_message({"content": "done"})
    assert (await job.wait(timeout=10)).is_complete


async def test_message_to_a_finished_job_and_delete(harness: Harness) -> None:
    done = await harness.venue.invoke(ECHO, 1)
    with pytest.raises(JobNotFoundError):
        await done.send_message("too late")
    live = await harness.venue.invoke(NEVER, {})
    await live.delete()
    assert (await harness.venue.get_job(live.id)).id == live.id
    with pytest.raises(JobNotFoundError):
        await live.pause()


async def test_stream_yields_events_until_the_job_finishes(harness: Harness) -> None:
    job = await harness.venue.invoke(DELAY, delayed_echo(150, "s"))
    events = [event async for event in job.stream()]
    assert events
    assert all(isinstance(e, ServerSentEvent) for e in events)
    assert {e.event for e in events} == {"job-update"}
    last = json.loads(events[-1].data)
    assert (last["status"], last["output"]) == ("COMPLETE", "s")
    assert job.is_complete  # the stream's last record is the job's own now
    assert job.output == "s"


async def test_stream_of_a_finished_job_ends(harness: Harness) -> None:
    job = await harness.venue.invoke(ECHO, "done")
    events = [event async for event in job.stream()]
    assert json.loads(events[-1].data)["status"] == "COMPLETE"


async def test_breaking_out_of_a_closed_stream_closes_it_at_once(harness: Harness) -> None:
    job = await harness.venue.invoke(NEVER, {})
    async with contextlib.aclosing(job.stream()) as events:
        async for event in events:
            assert event.event == "job-update"
            break
    harness.driver.assert_all_closed()
    if harness.aiohttp is not None:
        assert harness.aiohttp.open_responses == 0
    await job.cancel()


async def test_a_plain_break_closes_the_stream_once_it_is_collected(harness: Harness) -> None:
    job = await harness.venue.invoke(NEVER, {})
    # trio's async-generator hook also warns that the stream should have been closed.
    warns = (
        pytest.warns(ResourceWarning, match="garbage collected before it had been exhausted")
        if harness.kind == "trio"
        else contextlib.nullcontext()
    )
    with warns:
        async for event in job.stream():
            assert event.event == "job-update"
            break
        # The abandoned generator is finalised by the loop's async-generator hook.
        gc.collect()
    for _ in range(10):
        if not harness.driver.open:
            break
        await checkpoint()
    harness.driver.assert_all_closed()
    await job.cancel()


# -- waiting, in virtual time -------------------------------------------------------------


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize("timeout", [0.25, 61.0])
async def test_wait_never_overshoots_its_timeout(profile, sse, timeout: float) -> None:
    mem = await memory_venue(profile, sse=sse)
    job = await mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError) as caught:
        await job.wait(timeout=timeout)
    assert isinstance(caught.value, TimeoutError)
    assert mem.clock() == pytest.approx(start + timeout, abs=1e-9)
    mem.driver.assert_all_closed()
    assert job.status == JobStatus.STARTED


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
async def test_wait_overshoots_by_no_more_than_the_request_latency(profile, sse) -> None:
    faults = FaultPlan()
    faults.add(Latency(0.4), method="GET", path=r"/api/v1/jobs/")
    mem = await memory_venue(profile, sse=sse, faults=faults)
    job = await mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError):
        await job.result(timeout=3.0)
    assert start + 3.0 <= mem.clock() <= start + 3.0 + 0.4


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize(("operation", "status"), [(PAUSE, "PAUSED"), (CHAT, "INPUT_REQUIRED")])
async def test_wait_returns_for_a_job_that_needs_the_caller(profile, sse, operation, status):
    mem = await memory_venue(profile, sse=sse)
    job = await mem.venue.invoke(operation, {})
    start = mem.clock()
    assert (await job.wait(timeout=600)).status == JobStatus(status)
    assert mem.clock() == start
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
async def test_wait_with_an_event_stream_returns_on_the_event(profile) -> None:
    mem = await memory_venue(profile, sse=True)
    job = await mem.venue.invoke(DELAY, DELAYED)
    before = len(mem.driver.effects)
    start = mem.clock()
    await job.wait(timeout=60)
    assert job.output == {"late": True}
    assert mem.clock() == start + 5.0
    effects = mem.driver.effects[before:]
    opened = [e for e in effects if isinstance(e, OpenStream)]
    assert len(opened) == 1
    assert opened[0].request.url.endswith(f"/jobs/{job.id}/sse")
    assert [e for e in effects if isinstance(e, Send)] == []


@pytest.mark.parametrize("profile", ["0.1", "latest"])
async def test_wait_without_an_event_stream_polls_with_growing_pauses(profile) -> None:
    mem = await memory_venue(profile, sse=False)
    job = await mem.venue.invoke(DELAY, DELAYED)
    await job.wait(timeout=60)
    assert job.is_complete
    sleeps = mem.driver.sleeps
    assert len(sleeps) >= 3
    assert sleeps[-1] > sleeps[0]
    await (await mem.venue.invoke(DELAY, delayed_echo(10, 1))).wait(timeout=60)
    assert len([e for e in mem.driver.effects if isinstance(e, OpenStream)]) == 1


async def test_wait_on_a_finished_job_sends_nothing() -> None:
    mem = await memory_venue()
    job = await mem.venue.invoke(ECHO, 1)
    before = len(mem.driver.effects)
    assert await job.wait(timeout=1) is job
    assert mem.driver.effects[before:] == []


async def test_stream_without_an_event_stream_is_made_from_polling() -> None:
    mem = await memory_venue("0.1", sse=False)
    job = await mem.venue.invoke(DELAY, DELAYED)
    statuses = [json.loads(e.data)["status"] async for e in job.stream()]
    assert statuses[0] == "PENDING"
    assert statuses[-1] == "COMPLETE"
    assert len(statuses) == len(set(statuses))


async def test_concurrent_waits_on_one_venue() -> None:
    mem = await memory_venue("latest", sse=True)
    jobs = [await mem.venue.invoke(DELAY, delayed_echo(100 * i, i)) for i in range(1, 6)]
    results = await asyncio.gather(*[job.result(timeout=60) for job in jobs])
    assert results == [1, 2, 3, 4, 5]
    mem.driver.assert_all_closed()
