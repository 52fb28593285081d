from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.errors import (
    CoviaConnectionError,
    CoviaTimeoutError,
    JobNotFoundError,
    JobTimeoutError,
    VenueProtocolError,
)
from covia_proto.flows.drive import iterate
from covia_proto.flows.effects import Emit, EmitAll, GetTime, ReadChunk, Sleep
from covia_proto.flows.events import _EMIT_AT_MOST, follow_job, job_from_event, wait_for_job
from covia_proto.http import Response
from covia_proto.job_status import JobStatus
from covia_proto.sse import ServerSentEvent
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import (
    BASE,
    JOB,
    context,
    job,
    job_response,
    json_response,
    sse_event,
    sse_stream,
)

JOB_URL = f"{BASE}/api/v1/jobs/{JOB}"
SSE_URL = f"{JOB_URL}/sse"
SHADOWED = json_response(400, {"error": "Job request requires a job ID as a valid hex string"})


def test_wait_uses_the_event_stream_and_returns_on_the_terminal_update():
    stream = sse_stream(
        sse_event(job("STARTED")),
        sse_event(job("COMPLETE", output={"x": 1}, updated=2))[:30],
        sse_event(job("COMPLETE", output={"x": 1}, updated=2))[30:],
    )
    driver = ScriptedDriver([stream])
    ctx = context()
    record = driver.run(wait_for_job(ctx, JOB, timeout=10))
    assert record.status == JobStatus.COMPLETE
    assert record.output == {"x": 1}
    assert driver.calls == [("GET", SSE_URL)]
    assert driver.requests[0].header("Accept") == "text/event-stream"
    assert driver.open_streams == 0


def test_a_shadowed_stream_route_teaches_the_connection_to_poll():
    driver = ScriptedDriver(
        [SHADOWED, job_response("STARTED"), job_response("STARTED"), job_response("COMPLETE")]
    )
    ctx = context()
    record = driver.run(wait_for_job(ctx, JOB, timeout=10))
    assert record.status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] + [("GET", JOB_URL)] * 3
    assert ctx.features.events is False
    # Backoff with jitter of 10% at rand=0.5: exactly 0.05, then 0.075.
    assert driver.sleeps == pytest.approx([0.05, 0.075])

    # The next wait on the same connection polls straight away.
    driver.add(job_response("COMPLETE"))
    driver.run(wait_for_job(ctx, JOB))
    assert driver.calls[-1] == ("GET", JOB_URL)


def test_a_stream_that_closes_after_its_snapshot_falls_back_to_polling():
    driver = ScriptedDriver(
        [sse_stream(sse_event(job("STARTED"))), job_response("FAILED", error="no")]
    )
    ctx = context()
    record = driver.run(wait_for_job(ctx, JOB))
    assert record.status == JobStatus.FAILED
    assert ctx.features.events is False


def test_paused_and_input_required_jobs_are_reported_not_waited_on():
    for status in ("PAUSED", "INPUT_REQUIRED", "AUTH_REQUIRED"):
        driver = ScriptedDriver([SHADOWED, job_response(status)])
        record = driver.run(wait_for_job(context(), JOB, timeout=5))
        assert record.status == status
        assert driver.sleeps == []


def test_polling_never_sleeps_past_the_timeout_and_then_raises():
    driver = ScriptedDriver([SHADOWED] + [job_response("STARTED")] * 50)
    start = driver.clock
    with pytest.raises(CoviaTimeoutError, match="still STARTED"):
        driver.run(wait_for_job(context(), JOB, timeout=1.0))
    assert driver.clock - start == pytest.approx(1.0)
    assert all(s >= 0 for s in driver.sleeps)


def test_a_stream_that_breaks_is_reopened_with_the_last_event_id():
    first = sse_stream(
        b"id: 7\n" + sse_event(job("STARTED")),
        b"id: 8\n" + sse_event(job("STARTED", updated=2)),
        CoviaConnectionError("reset mid-event"),
    )
    second = sse_stream(sse_event(job("COMPLETE", updated=3)))
    driver = ScriptedDriver([first, second])
    record = driver.run(wait_for_job(context(), JOB))
    assert record.status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] * 2
    assert driver.requests[1].header("Last-Event-ID") == "8"


def test_an_unknown_job_is_reported_as_job_not_found():
    driver = ScriptedDriver([SHADOWED, Response(404, (), b'{"error":"Job not found: x"}')])
    with pytest.raises(JobNotFoundError) as info:
        driver.run(wait_for_job(context(), JOB))
    assert info.value.job_id == JOB


def test_a_stream_carrying_another_jobs_record_is_a_protocol_error():
    other = job("COMPLETE", job_id="ff" * 16)
    driver = ScriptedDriver([sse_stream(sse_event(other))])
    with pytest.raises(VenueProtocolError, match="sent job"):
        driver.run(wait_for_job(context(), JOB))


def test_follow_emits_every_event_until_the_job_finishes():
    stream = sse_stream(
        b": keep-alive\n\n",
        sse_event(job("PENDING")),
        sse_event(job("INPUT_REQUIRED", updated=2)),
        sse_event(job("COMPLETE", updated=3)),
    )
    driver = ScriptedDriver([stream])
    record = driver.run(follow_job(context(), JOB))
    assert record.status == JobStatus.COMPLETE
    assert [json.loads(e.data)["status"] for e in driver.emitted] == [
        "PENDING",
        "INPUT_REQUIRED",
        "COMPLETE",
    ]
    assert {e.event for e in driver.emitted} == {"job-update"}


def test_follow_by_polling_emits_one_event_per_change():
    driver = ScriptedDriver(
        [
            SHADOWED,
            job_response("STARTED"),
            job_response("STARTED"),
            job_response("INPUT_REQUIRED", updated=2, output={"echo": 1}),
            job_response("COMPLETE", updated=3),
        ]
    )
    driver.run(follow_job(context(), JOB))
    statuses = [json.loads(e.data)["status"] for e in driver.emitted]
    assert statuses == ["STARTED", "INPUT_REQUIRED", "COMPLETE"]
    assert json.loads(driver.emitted[1].data)["output"] == {"echo": 1}
    assert sum(isinstance(e, Sleep) for e in driver.effects) == 3


def test_job_from_event_ignores_other_event_types_and_rejects_bad_json():
    assert job_from_event(ServerSentEvent(event="ping", data="{}"), JOB) is None
    with pytest.raises(VenueProtocolError):
        job_from_event(ServerSentEvent(event="job-update", data="{not json"), JOB)
    with pytest.raises(VenueProtocolError):
        job_from_event(ServerSentEvent(event="job-update", data='{"id": 5}'), JOB)


def test_an_idle_stream_the_driver_gives_up_on_is_reopened_until_the_deadline():
    idle = sse_stream(sse_event(job("STARTED")), CoviaTimeoutError("no data for 30 s"))
    done = sse_stream(sse_event(job("COMPLETE", updated=2)))
    driver = ScriptedDriver([idle, done])
    record = driver.run(wait_for_job(context(), JOB, timeout=100))
    assert record.status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] * 2


def test_an_idle_stream_past_the_deadline_is_a_timeout():
    class IdleDriver(ScriptedDriver):
        """Every read waits 10 s for nothing, as an idle stream on a real clock would."""

        def perform(self, effect: object) -> object:
            if isinstance(effect, ReadChunk):
                self.clock += 10
                raise CoviaTimeoutError("no data for 10 s")
            return super().perform(effect)  # type: ignore[arg-type]

    driver = IdleDriver([sse_stream()])
    with pytest.raises(CoviaTimeoutError, match="did not finish"):
        driver.run(wait_for_job(context(), JOB, timeout=5))
    assert driver.calls == [("GET", SSE_URL)]


def test_a_stream_cut_off_mid_event_is_reopened_not_given_up_for_polling():
    record = sse_event(job("STARTED"))
    cut = sse_stream(record, sse_event(job("STARTED", updated=2))[:25])
    done = sse_stream(sse_event(job("COMPLETE", updated=3)))
    driver = ScriptedDriver([cut, done])
    ctx = context()
    assert driver.run(wait_for_job(ctx, JOB)).status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] * 2
    assert ctx.features.events is not False


def test_a_stream_that_keeps_breaking_is_given_up_for_polling():
    broken = [sse_stream(sse_event(job("STARTED"))[:20]) for _ in range(4)]
    driver = ScriptedDriver([*broken, job_response("COMPLETE")])
    ctx = context()
    assert driver.run(wait_for_job(ctx, JOB)).status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] * 4 + [("GET", JOB_URL)]
    assert ctx.features.events is False


def test_a_stream_that_sends_an_event_then_breaks_its_framing_is_given_up_for_polling():
    # Each connection: a good update, then a line past the parser's limit. The update
    # forgives a cut connection, never a malformed stream: without that, the stream is
    # reopened at once for as long as the wait lasts.
    ctx = context()
    limit = ctx.limits.max_event_line
    malformed = [
        sse_stream(sse_event(job("STARTED", updated=n)), b"data: " + b"x" * limit + b"\n\n")
        for n in range(4)
    ]
    driver = ScriptedDriver([*malformed, job_response("COMPLETE")])
    assert driver.run(wait_for_job(ctx, JOB)).status == JobStatus.COMPLETE
    attempts = ctx.retry.max_attempts
    assert driver.calls == [("GET", SSE_URL)] * attempts + [("GET", JOB_URL)]
    assert ctx.features.events is False


def test_a_stream_cut_after_each_event_keeps_being_reopened():
    # A cut is what a dropped connection does: forgiven by the event before it.
    cuts = [
        sse_stream(sse_event(job("STARTED", updated=n)), sse_event(job("STARTED"))[:25])
        for n in range(6)
    ]
    done = sse_stream(sse_event(job("COMPLETE", updated=9)))
    driver = ScriptedDriver([*cuts, done])
    ctx = context()
    assert driver.run(wait_for_job(ctx, JOB)).status == JobStatus.COMPLETE
    assert driver.calls == [("GET", SSE_URL)] * 7
    assert ctx.features.events is not False


def test_the_event_stream_is_held_to_the_contexts_limits():
    from covia_proto.limits import Limits

    record = job("COMPLETE", output={"x": [1]}, updated=2)  # depth 3
    event = sse_event(record)
    line = max(len(part) for part in event.split(b"\n"))
    # Within the limits: one connection, the record.
    roomy = context(limits=Limits(max_event_line=line, max_json_depth=3))
    driver = ScriptedDriver([sse_stream(event)])
    assert driver.run(wait_for_job(roomy, JOB, timeout=10)).output == {"x": [1]}
    # A line over the limit breaks the stream (reopened, then polled); the record
    # arrives by polling, so nothing is lost.
    tight = context(limits=Limits(max_event_line=line - 1))
    driver = ScriptedDriver(
        [sse_stream(event)] * tight.retry.max_attempts + [job_response("COMPLETE", output=1)]
    )
    assert driver.run(wait_for_job(tight, JOB, timeout=10)).output == 1
    assert driver.calls[-1] == ("GET", JOB_URL)
    assert tight.features.events is False
    assert driver.open_streams == 0
    # A record nested deeper than the limit is the venue's error.
    shallow = context(limits=Limits(max_json_depth=2))
    driver = ScriptedDriver([sse_stream(event)])
    with pytest.raises(VenueProtocolError, match="max_json_depth is 2"):
        driver.run(wait_for_job(shallow, JOB, timeout=10))
    assert driver.open_streams == 0


def test_job_from_event_takes_its_depth_limit_explicitly():
    from covia_proto.limits import Limits

    data = json.dumps(job("STARTED", output={"a": {"b": 1}}))  # depth 3
    event = ServerSentEvent("job-update", data)
    assert job_from_event(event, JOB, Limits(max_json_depth=3)) is not None
    with pytest.raises(VenueProtocolError, match="max_json_depth is 2"):
        job_from_event(event, JOB, Limits(max_json_depth=2))


def test_following_without_a_deadline_reads_the_clock_once_not_per_chunk():
    stream = sse_stream(
        sse_event(job("STARTED")), sse_event(job("STARTED", updated=2)), sse_event(job("COMPLETE"))
    )
    driver = ScriptedDriver([stream])
    driver.run(follow_job(context(), JOB))
    reads = [i for i, e in enumerate(driver.effects) if isinstance(e, ReadChunk)]
    assert len(reads) == 3
    assert not any(isinstance(e, GetTime) for e in driver.effects[reads[0] :])


def test_the_record_returned_is_not_the_value_the_user_was_handed():
    from covia_proto.flows.drive import Outcome, iterate

    stream = sse_stream(sse_event(job("STARTED")), sse_event(job("COMPLETE", output={"x": 1})))
    driver = ScriptedDriver([stream])
    outcome = Outcome()
    for event in iterate(follow_job(context(), JOB), driver.perform, outcome):
        event.json()["output"] = "changed by the user"
    assert outcome.value.output == {"x": 1}
    assert outcome.value.status == JobStatus.COMPLETE


def test_each_update_is_checked_for_its_job_and_status():
    bad_status = {**job("STARTED"), "status": 5}
    driver = ScriptedDriver([sse_stream(sse_event(bad_status), sse_event(job("COMPLETE")))])
    with pytest.raises(VenueProtocolError, match="job event"):
        driver.run(follow_job(context(), JOB))
    not_an_object = b"event: job-update\ndata: [1]\n\n"
    driver = ScriptedDriver([sse_stream(not_an_object, sse_event(job("COMPLETE")))])
    with pytest.raises(VenueProtocolError, match="job event"):
        driver.run(follow_job(context(), JOB))
    other = sse_event(job("STARTED", job_id="ff" * 16))
    driver = ScriptedDriver([sse_stream(other, sse_event(job("COMPLETE")))])
    with pytest.raises(VenueProtocolError, match="sent job"):
        driver.run(follow_job(context(), JOB))


@pytest.mark.parametrize("spelling", ["0x" + JOB, "0X" + JOB, JOB, "0x" + JOB.upper(), JOB.upper()])
def test_the_job_is_known_by_its_id_in_every_spelling(spelling: str) -> None:
    update = sse_event({**job("COMPLETE"), "id": spelling})
    record = ScriptedDriver([sse_stream(update)]).run(wait_for_job(context(), JOB))
    assert record.id == JOB


@pytest.mark.parametrize("other", ["0x" + "ff" * 16, "0x" + JOB[:-2], "0x" + JOB + "00", "0x"])
def test_another_jobs_id_as_venues_spell_it_is_refused(other: str) -> None:
    update = sse_event({**job("COMPLETE"), "id": other})
    with pytest.raises(VenueProtocolError, match="sent job"):
        ScriptedDriver([sse_stream(update)]).run(wait_for_job(context(), JOB))


@pytest.mark.parametrize("job_id", [JOB, "not-hex"])
def test_an_update_without_a_string_id_is_refused(job_id: str) -> None:
    update = sse_event({**job("STARTED"), "id": None})
    stream = sse_stream(update, sse_event(job("COMPLETE", job_id=job_id)))
    with pytest.raises(VenueProtocolError, match="job event: JobRecord: expected a string"):
        ScriptedDriver([stream]).run(wait_for_job(context(), job_id))


def test_the_record_that_ends_the_wait_is_checked_whole():
    malformed = {**job("COMPLETE"), "created": "yesterday"}
    driver = ScriptedDriver([sse_stream(sse_event(job("STARTED")), sse_event(malformed))])
    with pytest.raises(VenueProtocolError, match="job event"):
        driver.run(wait_for_job(context(), JOB))
    assert driver.open_streams == 0


def test_a_wait_that_times_out_on_a_stream_carries_the_last_update():
    class IdleAfterFirst(ScriptedDriver):
        def perform(self, effect: object) -> object:
            if isinstance(effect, ReadChunk) and self.effects and self.reads:
                self.clock += 10
                raise CoviaTimeoutError("no data for 10 s")
            if isinstance(effect, ReadChunk):
                self.reads = 1
            return super().perform(effect)  # type: ignore[arg-type]

        reads = 0

    driver = IdleAfterFirst([sse_stream(sse_event(job("STARTED", updated=7)))])
    with pytest.raises(JobTimeoutError, match="did not finish") as info:
        driver.run(wait_for_job(context(), JOB, timeout=5))
    last = info.value.job_data
    assert last is not None
    assert (last.status, last.updated) == (JobStatus.STARTED, 7)


def _steps(flow: Any, driver: ScriptedDriver) -> tuple[list[Any], Any]:
    """Run ``flow`` by hand: every effect it yields, emitting ones included."""
    steps: list[Any] = []
    value = None
    try:
        while True:
            effect = flow.send(value)
            steps.append(effect)
            value = None if isinstance(effect, Emit | EmitAll) else driver.perform(effect)
    except StopIteration as stop:
        return steps, stop.value


def test_the_events_of_a_long_chunk_reach_the_user_a_few_at_a_time_up_to_the_last():
    # Decoded and handed over a step at a time: the user drops each record before the
    # garbage collector runs, rather than the collector walking a read's worth of them.
    statuses = ["STARTED"] * 280 + ["COMPLETE"] * 20
    chunk = b"".join(sse_event(job(status, updated=n)) for n, status in enumerate(statuses))
    steps, record = _steps(follow_job(context(), JOB), ScriptedDriver([sse_stream(chunk)]))
    emitted = [step for step in steps if isinstance(step, EmitAll)]
    assert [len(step.items) for step in emitted] == [_EMIT_AT_MOST, _EMIT_AT_MOST, 281 - 256]
    events = [event for step in emitted for event in step.items]
    assert [e.json()["updated"] for e in events if isinstance(e, ServerSentEvent)] == list(
        range(281)
    )
    assert record.updated == 280


def test_a_malformed_event_late_in_a_long_chunk_comes_after_every_event_before_it():
    records = [sse_event(job("STARTED", updated=n)) for n in range(300)]
    records[200] = b"event: job-update\ndata: [1]\n\n"
    seen: list[ServerSentEvent] = []
    driver = ScriptedDriver([sse_stream(b"".join(records))])
    with pytest.raises(VenueProtocolError, match="job event"):
        seen.extend(iterate(follow_job(context(), JOB), driver.perform))
    assert [event.json()["updated"] for event in seen] == list(range(200))
    assert driver.open_streams == 0


def test_the_events_of_one_chunk_reach_the_user_in_one_step_up_to_the_last():
    chunk = b"".join(
        sse_event(job(status, updated=n))
        for n, status in enumerate(["STARTED", "STARTED", "COMPLETE", "COMPLETE"])
    )
    steps, record = _steps(follow_job(context(), JOB), ScriptedDriver([sse_stream(chunk)]))
    emitted = [step for step in steps if isinstance(step, Emit | EmitAll)]
    assert len(emitted) == 1
    assert isinstance(emitted[0], EmitAll)
    events = [e for e in emitted[0].items if isinstance(e, ServerSentEvent)]
    assert [e.json()["updated"] for e in events] == [0, 1, 2]
    assert record.updated == 2


def test_events_before_a_malformed_one_in_the_same_chunk_still_reach_the_user():
    not_a_record = b"event: job-update\ndata: [1]\n\n"
    chunk = sse_event(job("STARTED")) + sse_event(job("STARTED", updated=2)) + not_a_record
    seen: list[ServerSentEvent] = []
    driver = ScriptedDriver([sse_stream(chunk)])
    with pytest.raises(VenueProtocolError, match="job event"):
        seen.extend(iterate(follow_job(context(), JOB), driver.perform))
    assert [e.json()["updated"] for e in seen] == [1, 2]
    assert driver.open_streams == 0
