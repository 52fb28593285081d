"""Fault injection: which requests a plan picks, and what each fault does to them."""

from __future__ import annotations

import json

import pytest

from covia_proto.http import Response
from covia_proto.testing import (
    BreakStream,
    Deferred,
    Delayed,
    FaultPlan,
    FaultRule,
    Latency,
    MalformedJson,
    RateLimited,
    Reset,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    Stall,
    StallResponse,
    Streamed,
    TruncateBody,
    Truncated,
    WrongContentType,
)
from tests.proto.testing.simhelp import drain, js, make, request, send, settle

ECHO = {"operation": "v/test/ops/echo", "input": 1}


def _jobs(sim: object) -> int:
    return len(list(sim.jobs))  # type: ignore[attr-defined]


# -- picking requests ----------------------------------------------------------------


def test_rules_match_method_and_path() -> None:
    rule = FaultRule(Stall(), method="post", path=r"/invoke$")  # type: ignore[arg-type]
    assert rule.matches("POST", "/api/v1/invoke")
    assert not rule.matches("GET", "/api/v1/invoke")
    assert not rule.matches("POST", "/api/v1/invoke/x")
    assert FaultRule(ResetBeforeRequest()).matches("DELETE", "/anything")


def test_first_n_times_then_normal() -> None:
    sim, _ = make()
    sim.faults.add(ServerError(), path="/status", times=2)
    codes = [send(sim, "GET", "/api/v1/status").status for _ in range(4)]
    assert codes == [503, 503, 200, 200]
    assert sim.faults.rules[0].fired == 2


def test_first_matching_rule_wins_and_rules_can_be_cleared() -> None:
    sim, _ = make()
    sim.faults.add(ServerError(status=502), path="/status")
    sim.faults.add(ServerError(status=504))
    assert send(sim, "GET", "/api/v1/status").status == 502
    assert send(sim, "GET", "/api/v1/jobs").status == 504
    sim.faults.remove(sim.faults.rules[0])
    assert send(sim, "GET", "/api/v1/status").status == 504
    sim.faults.clear()
    assert send(sim, "GET", "/api/v1/status").status == 200


def test_rate_is_seeded_and_roughly_right() -> None:
    def pattern(seed: int) -> list[int]:
        sim, _ = make(seed=seed)
        sim.faults.add(ServerError(), rate=0.3)
        return [send(sim, "GET", "/api/v1/status").status for _ in range(200)]

    assert pattern(5) == pattern(5)
    assert pattern(5) != pattern(6)
    hits = pattern(5).count(503)
    assert 30 < hits < 90


def test_a_plan_given_at_construction() -> None:
    plan = FaultPlan([FaultRule(ServerError(status=500, json=False, message="down"))], seed=1)
    sim, _ = make(faults=plan)
    assert sim.faults is plan
    response = send(sim, "GET", "/.well-known/did.json")
    assert (response.status, response.body) == (500, b"down")
    assert response.header("Content-Type") == "text/plain"


# -- the faults ------------------------------------------------------------------------


def test_latency_delays_a_real_answer() -> None:
    sim, _ = make()
    sim.faults.add(Latency(2.5))
    reply = request(sim, "POST", "/api/v1/invoke", ECHO)
    assert isinstance(reply, Delayed)
    assert reply.seconds == 2.5
    assert isinstance(reply.reply, Response)
    assert reply.reply.status == 201
    assert _jobs(sim) == 1


def test_server_error_json_has_no_effect() -> None:
    sim, _ = make()
    sim.faults.add(ServerError(status=502, message="bad gateway"))
    response = send(sim, "POST", "/api/v1/invoke", ECHO)
    assert (response.status, js(response)) == (502, {"error": "bad gateway"})
    assert _jobs(sim) == 0


def test_429_storm_with_retry_after() -> None:
    sim, _ = make()
    sim.faults.add(RateLimited(retry_after="3"), times=3)
    answers = [send(sim, "POST", "/api/v1/invoke", ECHO) for _ in range(4)]
    assert [a.status for a in answers] == [429, 429, 429, 201]
    assert answers[0].header("Retry-After") == "3"
    assert js(answers[0]) == {"error": "Rate limit exceeded"}
    assert _jobs(sim) == 1


def test_reset_before_request_has_no_effect() -> None:
    sim, _ = make()
    sim.faults.add(ResetBeforeRequest())
    assert request(sim, "POST", "/api/v1/invoke", ECHO) == Reset(after_request=False)
    assert _jobs(sim) == 0


def test_reset_after_request_takes_effect() -> None:
    sim, _ = make()
    sim.faults.add(ResetAfterRequest(), method="POST")
    assert request(sim, "POST", "/api/v1/invoke", ECHO) == Reset(after_request=True)
    assert _jobs(sim) == 1


def test_truncated_body() -> None:
    sim, _ = make()
    sim.faults.add(TruncateBody())
    reply = request(sim, "GET", "/api/v1/status")
    assert isinstance(reply, Truncated)
    assert reply.response.status == 200
    assert reply.keep == len(reply.response.body) // 2
    sim.faults.clear()
    sim.faults.add(TruncateBody(keep=10**6))
    reply = request(sim, "GET", "/api/v1/status")
    assert isinstance(reply, Truncated)
    assert reply.keep == len(reply.response.body)


def test_truncated_download_stream() -> None:
    sim, _ = make()
    ident = sim.add_asset({"name": "d"}, b"0123456789")
    sim.faults.add(TruncateBody(), path="/content$")
    reply = request(sim, "GET", f"/api/v1/assets/{ident}/content")
    assert isinstance(reply, Streamed)
    assert reply.head.header("Content-Length") == "10"
    assert drain(reply.body) == b"01234"
    sim.faults.clear()
    sim.faults.add(TruncateBody(keep=3))
    reply = request(sim, "GET", f"/api/v1/assets/{ident}/content")
    assert isinstance(reply, Streamed)
    assert drain(reply.body) == b"012"


def test_malformed_json_after_the_effect() -> None:
    sim, _ = make()
    sim.faults.add(MalformedJson())
    response = send(sim, "POST", "/api/v1/invoke", ECHO)
    assert response.status == 201
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.body)
    assert _jobs(sim) == 1
    empty = send(sim, "PUT", "/api/v1/jobs/" + "00" * 16 + "/cancel")
    assert empty.body == b"{"


def test_wrong_content_type() -> None:
    sim, _ = make()
    sim.faults.add(WrongContentType())
    response = send(sim, "GET", "/api/v1/status")
    types = [v for k, v in response.headers if k.lower() == "content-type"]
    assert types == ["text/html; charset=utf-8"]
    assert js(response)["status"] == "OK"


def test_fault_applies_to_a_deferred_answer() -> None:
    sim, clock = make()
    sim.faults.add(WrongContentType("application/xml"))
    reply = request(
        sim,
        "POST",
        "/api/v1/invoke",
        {
            "operation": "v/test/ops/delay",
            "wait": True,
            "input": {"delay": 10, "operation": "v/test/ops/echo"},
        },
    )
    assert isinstance(reply, Deferred)
    response = settle(sim, clock, reply)
    assert response.header("Content-Type") == "application/xml"


def test_break_stream_mid_event() -> None:
    sim, _clock = make(sse=True)
    job = js(send(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/chat"}))["id"]
    sim.faults.add(BreakStream(after_events=1), path="/sse$")
    reply = request(
        sim, "GET", f"/api/v1/jobs/{job}/sse", headers=(("Accept", "text/event-stream"),)
    )
    assert isinstance(reply, Streamed)
    first = reply.body.next_chunk()
    assert isinstance(first, bytes)
    assert first.endswith(b"\n\n")
    send(sim, "POST", f"/api/v1/jobs/{job}", "hi")
    broken = reply.body.next_chunk()
    assert isinstance(broken, bytes)
    assert broken.startswith(b"event: job-update")
    assert not broken.endswith(b"\n\n")
    assert reply.body.next_chunk() == b""
    # Plain answers pass through unchanged.
    assert send(sim, "GET", f"/api/v1/jobs/{job}/sse").status == 200


def test_stall_with_and_without_effect() -> None:
    sim, _ = make()
    rule = sim.faults.add(StallResponse(), times=1)
    assert request(sim, "POST", "/api/v1/invoke", ECHO) == Stall()
    assert _jobs(sim) == 0
    sim.faults.remove(rule)
    sim.faults.add(StallResponse(after_request=True))
    assert request(sim, "POST", "/api/v1/invoke", ECHO) == Stall()
    assert _jobs(sim) == 1
