"""``covia.job``: a job's lifecycle — refresh, wait, result, control, messages and its
event stream — in memory (virtual time) and over loopback HTTP."""

from __future__ import annotations

import json

import pytest

from covia import (
    CoviaTimeoutError,
    Job,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobStatus,
)
from covia.models import JobRecord, MessageAck, ServerSentEvent
from covia_proto.flows.effects import GetTime, OpenStream, Send
from covia_proto.testing.faults import FaultPlan, Latency
from tests.covia.helpers import (
    CHAT,
    DELAY,
    ECHO,
    ERROR,
    NEVER,
    PAUSE,
    PROFILE_IDS,
    PROFILES,
    Harness,
    memory_venue,
)

DELAYED_ECHO = {"delay": 5000, "operation": ECHO, "input": {"late": True}}


def test_properties_of_a_completed_job(harness: Harness) -> None:
    job = harness.venue.invoke(ECHO, {"x": 1})
    assert job.status == JobStatus.COMPLETE  # echo completes inside the invoke call
    assert job.is_finished
    assert job.is_complete
    assert not job.needs_input
    assert job.output == {"x": 1}
    assert job.error is None
    assert isinstance(job.data, JobRecord)
    assert job.data.id == job.id
    assert repr(job) == f"<Job {job.id} COMPLETE>"
    assert len(job.id) == 32
    assert job.id == job.id.lower()


def test_refresh_follows_the_venue(harness: Harness) -> None:
    job = harness.venue.invoke(DELAY, {"delay": 100, "operation": ECHO, "input": 7})
    assert job.status == JobStatus.PENDING
    assert not job.is_finished
    assert job.refresh() is job
    assert job.wait(timeout=10) is job
    assert job.is_complete
    assert job.output == 7
    job.refresh()
    assert job.output == 7


def test_result_returns_output_or_raises(harness: Harness) -> None:
    assert harness.venue.invoke(ECHO, "out").result(timeout=10) == "out"
    failed = harness.venue.invoke(ERROR, {"message": "nope"})
    with pytest.raises(JobFailedError) as caught:
        failed.result(timeout=10)
    assert caught.value.job_data.status == JobStatus.FAILED
    assert caught.value.job_data.error == "nope"
    assert failed.error == "nope"
    paused = harness.venue.invoke(PAUSE, {"p": 1})
    with pytest.raises(JobInteractionRequired) as waiting:
        paused.result(timeout=10)
    assert waiting.value.job_data.status == JobStatus.PAUSED


def test_cancel_a_live_job_and_a_finished_one(harness: Harness) -> None:
    live = harness.venue.invoke(NEVER, {})
    assert live.cancel() is live
    assert live.status == JobStatus.CANCELLED
    assert live.is_finished
    assert not live.is_complete
    assert harness.sim(harness.simulator.job, live.id)["status"] == "CANCELLED"
    done = harness.venue.invoke(ECHO, 1)
    done.cancel()  # already finished: left as it is
    assert done.status == JobStatus.COMPLETE
    with pytest.raises(JobNotFoundError):
        harness.venue.get_job("f" * 32).cancel()


def test_pause_resume_and_message_the_pause_op(harness: Harness) -> None:
    job = harness.venue.invoke(PAUSE, {"keep": "me"})
    assert job.status == JobStatus.PAUSED
    assert job.waiting_for_caller
    assert job.is_paused
    assert not job.needs_input  # a paused job wants resume(), not a message
    assert not job.is_finished
    assert job.wait(timeout=10).status == JobStatus.PAUSED  # reported, not waited out
    job.resume()  # the pause op runs again and pauses again
    assert job.status == JobStatus.PAUSED
    ack = job.send_message({"content": "go"})
    assert isinstance(ack, MessageAck)
    assert ack.status == "queued"
    assert job.refresh().status == JobStatus.COMPLETE
    assert job.output == {"keep": "me"}
    assert len(harness.driver.sent("POST", f"/jobs/{job.id}")) == 1


def test_chat_takes_turns_then_completes(harness: Harness) -> None:
    job = harness.venue.invoke(CHAT, {})
    assert job.status == JobStatus.INPUT_REQUIRED
    job.send_message("hello")
    assert job.wait(timeout=10).status == JobStatus.INPUT_REQUIRED
    assert job.output["echo"] == "hello"
    assert job.pause().status == JobStatus.PAUSED
    assert job.resume().status == JobStatus.INPUT_REQUIRED
    job.send_message({"content": "done"})
    assert job.wait(timeout=10).is_complete
    assert job.output == {"status": "conversation complete"}


def test_message_to_a_finished_job_is_not_found(harness: Harness) -> None:
    job = harness.venue.invoke(ECHO, 1)
    with pytest.raises(JobNotFoundError):
        job.send_message("too late")


def test_delete_drops_the_job_from_the_live_set(harness: Harness) -> None:
    job = harness.venue.invoke(NEVER, {})
    job.delete()
    assert harness.venue.get_job(job.id).id == job.id
    with pytest.raises(JobNotFoundError):
        job.pause()
    with pytest.raises(JobNotFoundError):
        job.resume()


def test_stream_yields_events_until_the_job_finishes(harness: Harness) -> None:
    job = harness.venue.invoke(DELAY, {"delay": 150, "operation": ECHO, "input": "s"})
    events = list(job.stream())
    assert events
    assert all(isinstance(e, ServerSentEvent) for e in events)
    assert {e.event for e in events} == {"job-update"}
    last = json.loads(events[-1].data)
    assert last["status"] == "COMPLETE"
    assert last["output"] == "s"
    # The stream's last record is the job's own now.
    assert job.is_complete
    assert job.output == "s"


def test_stream_of_a_finished_job_ends(harness: Harness) -> None:
    job = harness.venue.invoke(ECHO, "done")
    events = list(job.stream())
    assert json.loads(events[-1].data)["status"] == "COMPLETE"


def test_breaking_out_of_a_stream_closes_it(harness: Harness) -> None:
    job = harness.venue.invoke(NEVER, {})
    stream = job.stream()
    for event in stream:
        assert event.event == "job-update"
        break
    stream.close()
    harness.driver.assert_all_closed()
    job.cancel()


# -- waiting, in virtual time -------------------------------------------------------------


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize("timeout", [0.25, 7.3, 61.0])
def test_wait_never_overshoots_its_timeout(profile, sse, timeout: float) -> None:
    mem = memory_venue(profile, sse=sse)
    job = mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError) as caught:
        job.wait(timeout=timeout)
    assert isinstance(caught.value, TimeoutError)
    assert mem.clock() == pytest.approx(start + timeout, abs=1e-9)
    mem.driver.assert_all_closed()
    assert job.status == JobStatus.STARTED


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
def test_wait_overshoots_by_no_more_than_the_request_latency(profile, sse) -> None:
    faults = FaultPlan()
    faults.add(Latency(0.4), method="GET", path=r"/api/v1/jobs/")
    mem = memory_venue(profile, sse=sse, faults=faults)
    job = mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError):
        job.wait(timeout=3.0)
    assert start + 3.0 <= mem.clock() <= start + 3.0 + 0.4


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
def test_result_timeout_is_a_timeout_error(profile, sse) -> None:
    mem = memory_venue(profile, sse=sse)
    job = mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(TimeoutError):
        job.result(timeout=2.0)
    assert mem.clock() == pytest.approx(start + 2.0)


@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize(("operation", "status"), [(PAUSE, "PAUSED"), (CHAT, "INPUT_REQUIRED")])
def test_wait_returns_for_a_job_that_needs_the_caller(profile, sse, operation, status) -> None:
    mem = memory_venue(profile, sse=sse)
    job = mem.venue.invoke(operation, {})
    job.send_message("hi") if operation == CHAT else None
    before = len(mem.driver.requests)
    start = mem.clock()
    assert job.wait(timeout=600).status == JobStatus(status)
    assert len(mem.driver.requests) - before <= 2  # one look (a stream, or one poll)
    assert mem.clock() == start  # no time spent spinning
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_wait_with_an_event_stream_returns_on_the_event(profile) -> None:
    mem = memory_venue(profile, sse=True)
    job = mem.venue.invoke(DELAY, DELAYED_ECHO)
    before = len(mem.driver.effects)
    start = mem.clock()
    job.wait(timeout=60)
    assert job.is_complete
    assert job.output == {"late": True}
    assert mem.clock() == start + 5.0  # the moment the job finished
    effects = mem.driver.effects[before:]
    opened = [e for e in effects if isinstance(e, OpenStream)]
    polls = [e for e in effects if isinstance(e, Send)]
    assert len(opened) == 1
    assert opened[0].request.url.endswith(f"/jobs/{job.id}/sse")
    assert polls == []
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_wait_without_an_event_stream_polls_with_growing_pauses(profile) -> None:
    mem = memory_venue(profile, sse=False)
    job = mem.venue.invoke(DELAY, DELAYED_ECHO)
    start = mem.clock()
    job.wait(timeout=60)
    assert job.is_complete
    sleeps = mem.driver.sleeps
    assert len(sleeps) >= 3
    # Backoff: the pauses grow (jitter is at most 10% of each) up to the cap.
    assert sleeps[-1] > sleeps[0]
    assert max(sleeps) <= 5.0 * 1.1
    assert start + 5.0 <= mem.clock() <= start + 5.0 + max(sleeps)
    # The stream route is tried once per connection, then polling is remembered.
    mem.venue.invoke(DELAY, {**DELAYED_ECHO, "delay": 10}).wait(timeout=60)
    assert len([e for e in mem.driver.effects if isinstance(e, OpenStream)]) == 1


def test_wait_on_a_finished_job_sends_nothing() -> None:
    mem = memory_venue()
    job = mem.venue.invoke(ECHO, 1)
    before = len(mem.driver.effects)
    assert job.wait(timeout=1) is job
    assert mem.driver.effects[before:] == []


def test_wait_without_a_timeout_waits_as_long_as_it_takes() -> None:
    mem = memory_venue("0.1", sse=True)
    job = mem.venue.invoke(DELAY, {**DELAYED_ECHO, "delay": 3_600_000})
    start = mem.clock()
    job.wait()
    assert job.is_complete
    assert mem.clock() - start >= 3600


def test_stream_without_an_event_stream_is_made_from_polling() -> None:
    mem = memory_venue("0.1", sse=False)
    job = mem.venue.invoke(DELAY, DELAYED_ECHO)
    events = list(job.stream())
    statuses = [json.loads(e.data)["status"] for e in events]
    assert statuses[0] == "PENDING"
    assert statuses[-1] == "COMPLETE"
    assert len(statuses) == len(set(statuses))  # only changes are reported
    assert any(isinstance(e, GetTime) for e in mem.driver.effects)


def test_job_from_get_job_is_the_same_job() -> None:
    mem = memory_venue()
    job = mem.venue.invoke(PAUSE, {})
    again = mem.venue.get_job(job.id.upper())
    assert isinstance(again, Job)
    assert again.id == job.id


def test_a_plain_break_out_of_a_stream_closes_it(harness: Harness) -> None:
    job = harness.venue.invoke(NEVER, {})
    for event in job.stream():
        assert event.event == "job-update"
        break
    harness.driver.assert_all_closed()
    job.cancel()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_streaming_a_finished_job_does_not_give_up_the_event_stream(profile) -> None:
    # A working stream sends nothing for a job that has finished (venue-api.md §3.6);
    # that must not teach the connection to poll from then on.
    mem = memory_venue(profile, sse=True)
    done = mem.venue.invoke(ECHO, "early")
    events = list(done.stream())
    assert json.loads(events[-1].data)["output"] == "early"
    job = mem.venue.invoke(DELAY, DELAYED_ECHO)
    before = len(mem.driver.effects)
    job.wait(timeout=60)
    effects = mem.driver.effects[before:]
    assert [type(e) for e in effects if isinstance(e, Send | OpenStream)] == [OpenStream]
