from __future__ import annotations

import pytest

from covia_proto.endpoints import jobs, status
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaTimeoutError,
    GridError,
    JobNotFoundError,
    RateLimitError,
    VenueProtocolError,
)
from covia_proto.flows.context import RetryPolicy
from covia_proto.flows.effects import GetTime, OpenStream, Send
from covia_proto.flows.send import (
    answer_is_final,
    first_send,
    open_stream,
    read_body,
    resume_send,
    send,
    send_request,
)
from covia_proto.http import Response, ResponseHead
from covia_proto.testing.scripted import ScriptedDriver, StreamScript
from tests.proto.flows.canned import BASE, JOB, context, job_response, json_response

STATUS = {"status": "OK", "did": "did:key:z6Mk", "name": "Test"}
STATUS_URL = f"{BASE}/api/v1/status"


def test_success_is_parsed_after_one_request():
    driver = ScriptedDriver([json_response(200, STATUS)])
    ctx = context()
    result = driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert result.name == "Test"
    assert driver.calls == [("GET", STATUS_URL)]
    assert driver.sleeps == []


def test_idempotent_request_is_retried_after_a_dropped_connection_then_succeeds():
    driver = ScriptedDriver([CoviaConnectionError("reset", sent=True), json_response(200, STATUS)])
    ctx = context()
    assert driver.run(send(ctx, status.get_status(ctx.endpoint))).did == "did:key:z6Mk"
    assert driver.calls == [("GET", STATUS_URL)] * 2
    # Full jitter with rand=0.5: half of base_delay * 2**0.
    assert driver.sleeps == [pytest.approx(0.1)]


def test_transient_5xx_is_retried_with_growing_delays_and_then_reported():
    driver = ScriptedDriver([json_response(503, {"error": "busy"})] * 4)
    ctx = context()
    with pytest.raises(GridError) as info:
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert info.value.status_code == 503
    assert info.value.message == "busy"
    assert len(driver.requests) == 4
    assert driver.sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_invoke_is_never_resent_after_it_may_have_reached_the_venue():
    driver = ScriptedDriver([CoviaConnectionError("reset after send", sent=True)])
    ctx = context()
    with pytest.raises(CoviaConnectionError):
        driver.run(send(ctx, jobs.invoke(ctx.endpoint, "v/test/ops/echo", {})))
    assert driver.calls == [("POST", f"{BASE}/api/v1/invoke")]


def test_invoke_5xx_is_not_retried():
    driver = ScriptedDriver([Response(500, (), b"Unexpected error: boom")])
    ctx = context()
    with pytest.raises(GridError, match="Unexpected error: boom"):
        driver.run(send(ctx, jobs.invoke(ctx.endpoint, "v/test/ops/echo", {})))
    assert len(driver.requests) == 1


def test_invoke_is_retried_when_the_connection_failed_before_sending():
    driver = ScriptedDriver(
        [CoviaConnectionError("refused", sent=False), job_response("COMPLETE", http_status=201)]
    )
    ctx = context()
    result = driver.run(send(ctx, jobs.invoke(ctx.endpoint, "v/test/ops/echo", {})))
    assert result.job.id == JOB
    assert len(driver.requests) == 2


def test_rate_limit_is_retried_even_for_invoke_and_honours_retry_after():
    limited = json_response(429, {"error": "Rate limit exceeded"}, (("Retry-After", "3"),))
    driver = ScriptedDriver([limited, job_response("COMPLETE", http_status=201)])
    ctx = context()
    driver.run(send(ctx, jobs.invoke(ctx.endpoint, "v/test/ops/echo", {})))
    assert driver.sleeps == [3.0]


def test_rate_limit_storm_ends_with_rate_limit_error_within_the_budget():
    limited = json_response(429, {"error": "slow down"}, (("Retry-After", "20"),))
    driver = ScriptedDriver([limited] * 4)
    ctx = context(retry=RetryPolicy(budget=30.0))
    with pytest.raises(RateLimitError) as info:
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert info.value.retry_after == 20.0
    # One 20 s pause fits the 30 s budget; a second would not.
    assert driver.sleeps == [20.0]
    assert len(driver.requests) == 2


def test_error_response_that_is_not_transient_reaches_the_parser_with_its_context():
    driver = ScriptedDriver([Response(404, (), b"")])
    ctx = context()
    with pytest.raises(JobNotFoundError) as info:
        driver.run(send(ctx, jobs.cancel_job(ctx.endpoint, JOB)))
    assert info.value.job_id == JOB
    assert driver.sleeps == []


def test_retry_pause_never_runs_past_the_deadline():
    driver = ScriptedDriver([CoviaConnectionError("reset", sent=True)])
    ctx = context(retry=RetryPolicy(base_delay=4.0))
    with pytest.raises(CoviaConnectionError):
        driver.run(send(ctx, status.get_status(ctx.endpoint), deadline=driver.clock + 1.0))
    assert driver.sleeps == []


def test_each_attempt_is_given_the_time_left_before_the_deadline():
    driver = ScriptedDriver([json_response(200, STATUS)], latency=0.0)
    ctx = context()
    driver.run(send(ctx, status.get_status(ctx.endpoint), deadline=driver.clock + 2.5))
    sends = [e for e in driver.effects if isinstance(e, Send)]
    assert sends[0].timeout == pytest.approx(2.5)


def test_a_passed_deadline_raises_a_timeout_without_sending():
    driver = ScriptedDriver([])
    ctx = context()
    with pytest.raises(CoviaTimeoutError):
        driver.run(send(ctx, status.get_status(ctx.endpoint), deadline=driver.clock))
    assert driver.requests == []


def test_a_streamed_upload_is_sent_once_even_when_idempotent():
    driver = ScriptedDriver([CoviaConnectionError("reset", sent=True)])
    ctx = context()
    request = ctx.endpoint.request("PUT", f"{BASE}/api/v1/assets/ab/content")
    with pytest.raises(CoviaConnectionError):
        driver.run(send_request(ctx, request, body_stream=iter([b"x"])))
    assert len(driver.requests) == 1


def test_open_stream_retries_a_503_and_closes_the_failed_stream():
    busy = StreamScript(ResponseHead(503), [b'{"error":"busy"}'])
    ok = StreamScript(ResponseHead(200), [b"data"])
    driver = ScriptedDriver([busy, ok])
    ctx = context()
    request = ctx.endpoint.request("GET", f"{BASE}/api/v1/assets/ab/content")
    opened = driver.run(open_stream(ctx, request))
    assert opened.head.status == 200
    kinds = [type(e).__name__ for e in driver.effects if type(e).__name__ != "GetTime"]
    # The failed stream is read and closed before the retry; the runner closes the
    # second one when the flow ends, since a stream cannot outlive its flow.
    assert kinds == [
        "OpenStream",
        "ReadChunk",
        "ReadChunk",
        "CloseStream",
        "Sleep",
        "OpenStream",
        "CloseStream",
    ]


def test_read_body_keeps_at_most_the_limit():
    driver = ScriptedDriver([StreamScript(ResponseHead(500), [b"abc", b"defgh", b"ij"])])
    ctx = context()

    def flow():
        opened = yield from open_stream(ctx, ctx.endpoint.request("GET", STATUS_URL))
        return (yield from read_body(opened.handle, 6))

    assert driver.run(flow()) == b"abcdef"


def test_every_send_carries_the_contexts_body_limit():
    from covia_proto.limits import DEFAULT_LIMITS, Limits

    driver = ScriptedDriver([json_response(200, STATUS), json_response(200, STATUS)])
    driver.run(send(context(), status.get_status(context().endpoint)))
    small = context(limits=Limits(max_body_size=1234))
    driver.run(send(small, status.get_status(small.endpoint)))
    sent = [e for e in driver.effects if isinstance(e, Send)]
    assert [e.max_body for e in sent] == [DEFAULT_LIMITS.max_body_size, 1234]


def test_send_parses_under_the_contexts_limits():
    from covia_proto.errors import VenueProtocolError
    from covia_proto.limits import Limits

    nested = {**STATUS, "extra": {"a": {"b": 1}}}  # depth 3
    ctx = context(limits=Limits(max_json_depth=2))
    driver = ScriptedDriver([json_response(200, nested)])
    with pytest.raises(VenueProtocolError, match="max_json_depth is 2"):
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert driver.calls == [("GET", STATUS_URL)]  # a broken answer is not asked again


def test_a_body_over_the_limit_is_not_retried():
    from covia_proto.errors import VenueProtocolError
    from covia_proto.limits import body_too_large

    request_info = status.get_status(context().endpoint).request.info
    driver = ScriptedDriver([body_too_large(10, request_info), json_response(200, STATUS)])
    ctx = context()
    with pytest.raises(VenueProtocolError, match="max_body_size"):
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert driver.calls == [("GET", STATUS_URL)]


# -- call_timeout: the deadline of the whole call ----------------------------------------------


def test_a_call_without_a_deadline_is_held_to_its_call_timeout():
    driver = ScriptedDriver([json_response(200, STATUS)])
    ctx = context(call_timeout=7.0)
    driver.run(send(ctx, status.get_status(ctx.endpoint)))
    sends = [e for e in driver.effects if isinstance(e, Send)]
    assert sends[0].timeout == pytest.approx(7.0)


def test_each_attempt_gets_what_is_left_of_the_call_timeout_and_the_earlier_bound_wins():
    driver = ScriptedDriver(
        [CoviaConnectionError("reset"), json_response(200, STATUS)], latency=1.0
    )
    ctx = context(call_timeout=5.0)
    driver.run(send(ctx, status.get_status(ctx.endpoint)))
    first, second = [e.timeout for e in driver.effects if isinstance(e, Send)]
    assert first == pytest.approx(5.0)
    assert second == pytest.approx(5.0 - 1.0 - 0.1)  # one attempt, one pause gone
    driver = ScriptedDriver([json_response(200, STATUS)])
    driver.run(send(ctx, status.get_status(ctx.endpoint), deadline=driver.clock + 2.0))
    assert [e.timeout for e in driver.effects if isinstance(e, Send)] == [pytest.approx(2.0)]


def test_an_attempt_that_uses_the_whole_call_timeout_is_raised_as_that_bound_not_retried():
    driver = ScriptedDriver([CoviaTimeoutError("timed out waiting for the venue")], latency=3.0)
    ctx = context(call_timeout=3.0)
    with pytest.raises(CoviaTimeoutError, match=r"within 3 s \(call_timeout\)") as info:
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert isinstance(info.value.__cause__, CoviaTimeoutError)
    assert len(driver.requests) == 1


def test_a_wait_that_runs_out_before_the_call_timeout_keeps_its_own_error():
    driver = ScriptedDriver([CoviaTimeoutError("timed out waiting for the venue")], latency=1.0)
    ctx = context(call_timeout=30.0)
    with pytest.raises(CoviaTimeoutError, match="waiting for the venue"):
        driver.run(send(ctx, status.get_status(ctx.endpoint)))


def test_a_retry_is_not_begun_when_the_call_timeout_has_no_room_for_its_pause():
    driver = ScriptedDriver([CoviaConnectionError("reset")] * 2, latency=0.95)
    ctx = context(call_timeout=1.0)
    with pytest.raises(CoviaConnectionError):
        driver.run(send(ctx, status.get_status(ctx.endpoint)))
    assert len(driver.requests) == 1
    assert driver.sleeps == []


def test_uploaded_content_is_bounded_per_wait_only():
    driver = ScriptedDriver([Response(200, (), b"")])
    ctx = context(call_timeout=7.0)
    request = ctx.endpoint.request("PUT", f"{BASE}/api/v1/assets/ab/content", body=b"x")
    driver.run(send_request(ctx, request, content=True))
    assert [e.timeout for e in driver.effects if isinstance(e, Send)] == [None]


def test_a_stream_head_is_held_to_the_call_timeout():
    driver = ScriptedDriver([Response(200, (("Content-Type", "text/event-stream"),), b"")])
    ctx = context(call_timeout=4.0)
    driver.run(open_stream(ctx, jobs.events_request(ctx.endpoint, JOB)))
    opens = [e for e in driver.effects if isinstance(e, OpenStream)]
    assert opens[0].timeout == pytest.approx(4.0)


# -- a first attempt made by a runner: first_send, answer_is_final, resume_send ----------


@pytest.mark.parametrize(
    ("code", "final"), [(200, True), (404, True), (500, True), (429, False), (503, False)]
)
def test_only_429_and_the_policys_transient_statuses_are_not_final(code: int, final: bool):
    ctx = context()
    assert answer_is_final(ctx, Response(code, (), b"")) is final
    assert answer_is_final(ctx, ResponseHead(code, ())) is final


def test_first_send_is_the_first_effect_of_the_send_flow_after_its_clock():
    ctx = context(call_timeout=7.0)
    request = status.get_status(ctx.endpoint).request
    driver = ScriptedDriver([json_response(200, STATUS)])
    driver.run(send_request(ctx, request))
    assert [type(e) for e in driver.effects] == [GetTime, Send]
    assert first_send(ctx, request) == driver.effects[1]


def test_resume_send_retries_a_transient_answer_the_runner_got_within_the_same_budget():
    ctx = context(call_timeout=5.0)
    request = status.get_status(ctx.endpoint).request
    driver = ScriptedDriver([json_response(200, STATUS)], latency=1.0)
    got = json_response(503, {"error": "busy"})
    started = driver.clock - 1.0  # the runner's first attempt took a second
    response = driver.run(resume_send(ctx, request, got, started))
    assert response.status == 200
    assert driver.sleeps == [pytest.approx(0.1)]
    sends = [e for e in driver.effects if isinstance(e, Send)]
    assert [s.timeout for s in sends] == [pytest.approx(5.0 - 1.0 - 0.1)]


def test_resume_send_judges_a_raised_first_attempt_like_the_flow():
    ctx = context(call_timeout=3.0)
    request = jobs.invoke(ctx.endpoint, "v/test/ops/echo", {}).request
    reset = CoviaConnectionError("reset after send", sent=True)
    driver = ScriptedDriver([])
    with pytest.raises(CoviaConnectionError, match="reset after send"):
        driver.run(resume_send(ctx, request, reset, driver.clock))
    assert driver.requests == []  # a POST that may have arrived is not sent again
    slow = ScriptedDriver([], start=10.0)
    with pytest.raises(CoviaTimeoutError, match=r"within 3 s \(call_timeout\)"):
        slow.run(resume_send(ctx, request, CoviaTimeoutError("slow"), started=7.0))
    with pytest.raises(CoviaTimeoutError, match="slow"):
        slow.run(resume_send(ctx, request, CoviaTimeoutError("slow"), started=9.0))
    refused = ScriptedDriver([])
    with pytest.raises(VenueProtocolError, match="too big"):
        refused.run(resume_send(ctx, request, VenueProtocolError("too big"), refused.clock))
