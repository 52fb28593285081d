"""Invoke and run, the test operations through the API, jobs, the event stream and
secrets, route by route against venue-api.md §3.4–3.7 and §8 (profile 0.1 unless
noted)."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.job_status import JobStatus, can_transition
from covia_proto.testing import Deferred, Streamed, VenueSimulator
from tests.proto.testing.simhelp import (
    FakeClock,
    ctype,
    drain,
    invoke,
    js,
    make,
    request,
    send,
    settle,
    statuses,
)

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def sim() -> VenueSimulator:
    return make()[0]


@pytest.fixture
def new() -> tuple[VenueSimulator, FakeClock]:
    return make(profile="latest")


def test_echo_completes_inside_invoke(sim: VenueSimulator) -> None:
    response = invoke(sim, "v/test/ops/echo", {"x": [1, 2]})
    assert response.status == 201
    record = js(response)
    assert record["id"].startswith("0x")
    assert HEX32.fullmatch(record["id"][2:])
    assert response.header("Location") == f"/api/v1/jobs/{record['id'][2:]}"
    assert record["status"] == "COMPLETE"
    assert record["output"] == {"x": [1, 2]}
    assert record["name"] == "Echo Operation"
    assert record["caller"] == sim.public_caller
    assert record["created"] == record["updated"] == 1_781_000_000_000
    assert statuses(record) == ["PENDING", "STARTED", "COMPLETE"]
    assert "error" not in record


def test_echo_without_input_outputs_null(sim: VenueSimulator) -> None:
    record = js(invoke(sim, "v/test/ops/echo"))
    assert record["input"] is None
    assert record["output"] is None


@pytest.mark.parametrize("ref_kind", ["hex", "0X", "slash-a", "did-url", "did-v"])
def test_invoke_reference_forms(sim: VenueSimulator, ref_kind: str) -> None:
    listing = js(send(sim, "GET", "/api/v1/operations"))
    asset = next(entry["asset"] for entry in listing if entry["name"] == "v/test/ops/echo")
    ref = {
        "hex": asset,
        "0X": "0X" + asset.upper(),
        "slash-a": "/a/" + asset,
        "did-url": f"{sim.did}/a/{asset}",
        "did-v": f"{sim.did}/v/test/ops/echo",
    }[ref_kind]
    record = js(invoke(sim, ref, 7))
    assert (record["status"], record["output"], record["op"]) == ("COMPLETE", 7, asset)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": 1}, "Invoke request requires an 'operation' parameter as a String"),
        ({"operation": 5}, "Invoke request requires an 'operation' parameter as a String"),
        (
            {"operation": "test:echo"},
            "Error invoking operation: IllegalArgumentException:"
            "Cannot resolve operation: test:echo",
        ),
        (
            {"operation": "a/" + "00" * 32},
            "Error invoking operation: IllegalArgumentException:Cannot resolve operation: a/"
            + "00" * 32,
        ),
    ],
)
def test_invoke_errors(sim: VenueSimulator, body: dict[str, object], message: str) -> None:
    response = send(sim, "POST", "/api/v1/invoke", body)
    assert (response.status, js(response)) == (400, {"error": message})


def test_invoke_of_data_or_adapterless_metadata(sim: VenueSimulator) -> None:
    data = next(a.id for a in sim.assets if a.text == "{}")
    assert "Cannot resolve operation" in js(invoke(sim, data))["error"]
    no_adapter = sim.add_asset({"operation": {"input": {}}})
    assert js(invoke(sim, no_adapter))["error"].endswith(
        "Metadata must contain operation.adapter field"
    )
    missing = sim.add_asset({"operation": {"adapter": "langchain:openai"}})
    assert js(invoke(sim, missing))["error"] == (
        "Error invoking operation: IllegalStateException:Adapter not available: langchain"
    )
    unknown_op = sim.add_asset({"name": "Ghost", "operation": {"adapter": "test:ghost"}})
    record = js(invoke(sim, unknown_op))
    assert (record["status"], record["name"]) == ("FAILED", "Ghost")


def test_json5_bodies_are_accepted(sim: VenueSimulator) -> None:
    raw = b"{operation: 'v/test/ops/echo', /* why not */ input: {a: [1, 2,],},}"
    record = js(send(sim, "POST", "/api/v1/invoke", raw=raw))
    assert (record["status"], record["output"]) == ("COMPLETE", {"a": [1, 2]})


def test_json_that_is_not_an_object_has_no_operation(sim: VenueSimulator) -> None:
    for raw in (b"[1]", b"null", b"5"):
        response = send(sim, "POST", "/api/v1/invoke", raw=raw)
        assert (response.status, js(response)) == (
            400,
            {"error": "Invoke request requires an 'operation' parameter as a String"},
        )


def test_malformed_json_is_plain_text_500(sim: VenueSimulator) -> None:
    for raw in (b"{nope", b"{'a': 1", b"[1,,]"):
        response = send(sim, "POST", "/api/v1/invoke", raw=raw)
        assert response.status == 500
        assert response.body.startswith(b"Unexpected error: ")
        assert ctype(response) == "text/plain"


def test_oversized_json_body_is_413(sim: VenueSimulator) -> None:
    response = send(
        sim,
        "POST",
        "/api/v1/invoke",
        {"operation": "v/test/ops/echo"},
        headers=(("Content-Length", "10000001"),),
    )
    assert (response.status, js(response)) == (413, {"error": "Content Too Large"})


def test_secret_fields_are_hidden_in_the_record(sim: VenueSimulator) -> None:
    ident = sim.add_asset({"operation": {"adapter": "test:echo", "secretFields": ["key"]}})
    record = js(invoke(sim, ident, {"key": "s3cret", "other": 1}))
    assert record["input"] == {"key": "HIDDEN", "other": 1}
    assert record["output"] == {"key": "s3cret", "other": 1}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, "Random operation requires a 'length' parameter"),
        ({"length": 0}, "Length must be between 1 and 1024"),
        ({"length": 1025}, "Length must be between 1 and 1024"),
        ({"length": "many"}, "Length must be a valid number"),
    ],
)
def test_random_failures(sim: VenueSimulator, value: object, error: str) -> None:
    record = js(invoke(sim, "v/test/ops/random", value))
    assert (record["status"], record["error"]) == ("FAILED", error)
    assert statuses(record) == ["PENDING", "STARTED", "FAILED"]


def test_random_is_seeded() -> None:
    outputs = []
    for _ in range(2):
        sim, _clock = make(seed=42)
        outputs.append(js(invoke(sim, "v/test/ops/random", {"length": "16"}))["output"])
    assert outputs[0] == outputs[1]
    assert re.fullmatch(r"[0-9a-f]{32}", outputs[0]["bytes"])
    other, _clock = make(seed=43)
    assert js(invoke(other, "v/test/ops/random", {"length": 16}))["output"] != outputs[0]


def test_fake_llm(sim: VenueSimulator) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    record = js(invoke(sim, "v/test/ops/llm", {"messages": messages}))
    assert record["output"] == {"role": "assistant", "content": "hi"}
    empty = js(invoke(sim, "v/test/ops/llm", {"messages": []}))
    assert empty["output"]["content"] == "(no user message)"


def test_error_op(sim: VenueSimulator) -> None:
    record = js(invoke(sim, "v/test/ops/error", {"message": "boom"}))
    assert (record["status"], record["error"]) == ("FAILED", "boom")
    assert js(invoke(sim, "v/test/ops/error", {}))["error"] == (
        "Error operation requires a 'message' parameter"
    )


def test_never_then_cancel(sim: VenueSimulator) -> None:
    record = js(invoke(sim, "v/test/ops/never"))
    assert statuses(record) == ["PENDING", "STARTED"]
    job = record["id"][2:]
    cancelled = send(sim, "PUT", f"/api/v1/jobs/{job}/cancel", {"reason": "ignored"})
    assert cancelled.status == 200
    body = js(cancelled)
    assert (body["status"], body["error"]) == ("CANCELLED", f"Job cancelled: {job}")
    again = send(sim, "PUT", f"/api/v1/jobs/{job}/cancel")
    assert (again.status, again.body) == (404, b"")


def test_delay_completes_on_the_clock() -> None:
    sim, clock = make()
    record = js(
        invoke(
            sim,
            "v/test/ops/delay",
            {"delay": 1500, "operation": "v/test/ops/echo", "input": {"k": 1}},
        )
    )
    assert record["status"] == "PENDING"
    assert sim.next_wake() == clock.now + 1.5
    clock.tick(1.4)
    sim.advance()
    assert sim.job(record["id"])["status"] == "PENDING"
    clock.tick(0.1)
    sim.advance()
    done = sim.job(record["id"])
    assert (done["status"], done["output"]) == ("COMPLETE", {"k": 1})
    assert statuses(done) == ["PENDING", "COMPLETE"]
    assert done["updated"] - done["created"] == 1500
    assert sim.next_wake() is None


def test_delay_is_cancellable_and_handles_bad_targets() -> None:
    sim, clock = make()
    job = js(invoke(sim, "v/test/ops/delay", {"delay": 1000, "operation": "v/test/ops/echo"}))
    send(sim, "PUT", f"/api/v1/jobs/{job['id']}/cancel")
    assert sim.next_wake() is None
    bad = js(invoke(sim, "v/test/ops/delay", {"delay": 10, "operation": "nope"}))
    failing = js(
        invoke(
            sim,
            "v/test/ops/delay",
            {"delay": 10, "operation": "v/test/ops/error", "input": {"message": "late"}},
        )
    )
    clock.tick(0.01)
    sim.advance()
    assert sim.job(job["id"])["status"] == "CANCELLED"
    assert sim.job(bad["id"])["error"] == (
        "java.lang.IllegalArgumentException: Cannot resolve operation: nope"
    )
    assert sim.job(failing["id"])["error"] == "late"


def test_paused_delay_still_completes() -> None:
    sim, clock = make()
    job = js(invoke(sim, "v/test/ops/delay", {"delay": 100, "operation": "v/test/ops/echo"}))
    assert js(send(sim, "PUT", f"/api/v1/jobs/{job['id']}/pause"))["status"] == "PAUSED"
    clock.tick(0.1)
    record = js(send(sim, "GET", f"/api/v1/jobs/{job['id']}"))  # handle() runs due timers
    assert record["status"] == "COMPLETE"
    assert statuses(sim.job(job["id"])) == ["PENDING", "PAUSED", "COMPLETE"]
    # Read back from its persisted record, a finished job's prev skips the state it
    # replaced: the venue persists each state before linking it (measured).
    assert statuses(record) == ["PENDING", "COMPLETE"]


def test_pause_op_message_and_resume(sim: VenueSimulator) -> None:
    record = js(invoke(sim, "v/test/ops/pause", {"keep": True}))
    assert statuses(record) == ["PENDING", "PENDING", "PAUSED"]  # input re-recorded first
    job = record["id"]
    resumed = js(send(sim, "PUT", f"/api/v1/jobs/{job}/resume"))
    assert statuses(resumed)[-3:] == ["STARTED", "STARTED", "PAUSED"]  # re-run: pauses again
    ack = send(sim, "POST", f"/api/v1/jobs/{job}", {"anything": 1})
    assert (ack.status, js(ack)) == (202, {"status": "queued", "queueDepth": 0})
    done = sim.job(job)
    assert (done["status"], done["output"]) == ("COMPLETE", {"keep": True})


def test_chat_op_turns(sim: VenueSimulator) -> None:
    record = js(invoke(sim, "v/test/ops/chat"))
    assert statuses(record) == ["PENDING", "INPUT_REQUIRED"]
    job = record["id"][2:]
    send(sim, "POST", f"/api/v1/jobs/{job}", "hello")
    turn = sim.job(job)
    assert turn["status"] == "INPUT_REQUIRED"
    assert turn["output"] == {"echo": "hello", "message": "Send more messages or 'done' to finish"}
    send(sim, "POST", f"/api/v1/jobs/{job}", {"content": {"deep": 1}})
    assert sim.job(job)["output"]["echo"] == {"deep": 1}
    send(sim, "POST", f"/api/v1/jobs/{job}", {"content": "done"})
    final = sim.job(job)
    assert final["output"] == {"status": "conversation complete"}
    assert statuses(final) == [
        "PENDING",
        "INPUT_REQUIRED",
        "INPUT_REQUIRED",
        "INPUT_REQUIRED",
        "COMPLETE",
    ]
    late = send(sim, "POST", f"/api/v1/jobs/{job}", "more")
    assert (late.status, js(late)) == (404, {"error": f"Job not found: {job}"})


def test_a_message_to_any_live_test_job_is_a_chat_turn(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/never"))["id"]
    assert send(sim, "POST", f"/api/v1/jobs/{job}", 1).status == 202
    record = sim.job(job)
    assert (record["status"], record["output"]["echo"]) == ("INPUT_REQUIRED", 1)


def test_message_errors(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/chat"))["id"]
    bad_json = send(sim, "POST", f"/api/v1/jobs/{job}", raw=b"{bad")
    assert (bad_json.status, ctype(bad_json)) == (500, "text/plain")
    bad_id = send(sim, "POST", "/api/v1/jobs/xyz", "hi")
    assert bad_id.status == 500
    assert bad_id.body.startswith(b"Unexpected error")
    unknown = send(sim, "POST", "/api/v1/jobs/" + "00" * 16, "hi")
    assert unknown.status == 404


def test_wait_on_a_finished_job_answers_at_once(sim: VenueSimulator) -> None:
    done = invoke(sim, "v/test/ops/echo", 1, wait=True)
    assert done.status == 200
    failed = invoke(sim, "v/test/ops/error", {"message": "x"}, wait="true")
    assert failed.status == 201
    query = send(sim, "POST", "/api/v1/invoke?wait=true", {"operation": "v/test/ops/echo"})
    assert query.status == 200
    number = invoke(sim, "v/test/ops/never", wait=5)  # 0.1: a number means no wait
    assert (number.status, js(number)["status"]) == (201, "STARTED")


def test_wait_resolves_when_the_delay_completes() -> None:
    sim, clock = make()
    reply = request(
        sim,
        "POST",
        "/api/v1/invoke",
        {
            "operation": "v/test/ops/delay",
            "wait": True,
            "input": {"delay": 2000, "operation": "v/test/ops/echo", "input": "hi"},
        },
    )
    assert isinstance(reply, Deferred)
    assert reply.poll() is None
    assert reply.wake_at == clock.now + 120
    response = settle(sim, clock, reply)
    assert response.status == 200
    assert js(response)["output"] == "hi"
    assert clock.now == 1_781_000_002.0
    assert response.header("Location") == f"/api/v1/jobs/{js(response)['id'][2:]}"


def test_wait_cap_fails_a_delay_and_voids_its_timer() -> None:
    sim, clock = make(wait_cap=1.0)
    reply = request(
        sim,
        "POST",
        "/api/v1/invoke",
        {
            "operation": "v/test/ops/delay",
            "wait": True,
            "input": {"delay": 5000, "operation": "v/test/ops/echo"},
        },
    )
    response = settle(sim, clock, reply)
    assert js(response)["error"] == "Job timed out after 1000ms"
    assert clock.now == 1_781_000_001.0
    assert sim.next_wake() is None


def test_wait_cap_fails_the_job() -> None:
    sim, clock = make(wait_cap=3.0)
    reply = request(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/pause", "wait": True})
    response = settle(sim, clock, reply)
    record = js(response)
    assert response.status == 201
    assert (record["status"], record["error"]) == ("FAILED", "Job timed out after 3000ms")
    assert sim.next_wake() is None
    assert statuses(record) == ["PENDING", "PENDING", "PAUSED", "FAILED"]


def test_jobs_list_is_caller_scoped_and_bare(sim: VenueSimulator) -> None:
    sim.tokens["alice"] = "did:key:z6MkAlice"
    first = js(invoke(sim, "v/test/ops/echo", 1))["id"][2:]
    second = js(invoke(sim, "v/test/ops/never"))["id"][2:]
    send(
        sim,
        "POST",
        "/api/v1/invoke",
        {"operation": "v/test/ops/echo"},
        headers=(("Authorization", "Bearer alice"),),
    )
    listed = js(send(sim, "GET", "/api/v1/jobs?offset=1&limit=1"))
    assert listed == [first, second]
    alice = js(send(sim, "GET", "/api/v1/jobs", headers=(("Authorization", "Bearer alice"),)))
    assert len(alice) == 1
    assert alice[0] not in listed


def test_job_ids_carry_time_and_counter(sim: VenueSimulator) -> None:
    ids = [js(invoke(sim, "v/test/ops/echo"))["id"][2:] for _ in range(3)]
    millis = (1_781_000_000_000).to_bytes(6, "big").hex()
    assert all(i.startswith(millis) for i in ids)
    assert [i[12:16] for i in ids] == ["0000", "0001", "0002"]
    assert ids == sorted(ids)


def test_get_job_rules(sim: VenueSimulator) -> None:
    sim.tokens["alice"] = "did:key:z6MkAlice"
    alice = (("Authorization", "Bearer alice"),)
    live = js(invoke(sim, "v/test/ops/never"))["id"]
    done = js(invoke(sim, "v/test/ops/echo"))["id"]
    assert send(sim, "GET", f"/api/v1/jobs/{live.upper().replace('0X', '0x')}").status == 200
    foreign_live = send(sim, "GET", f"/api/v1/jobs/{live}", headers=alice)
    assert (foreign_live.status, js(foreign_live)) == (
        403,
        {"error": f"Access denied to job: {live[2:]}"},
    )
    foreign_done = send(sim, "GET", f"/api/v1/jobs/{done}", headers=alice)
    assert (foreign_done.status, js(foreign_done)) == (404, {"error": f"Job not found: {done}"})
    bad = send(sim, "GET", "/api/v1/jobs/xyz")
    assert (bad.status, js(bad)) == (
        400,
        {"error": "Job request requires a job ID as a valid hex string"},
    )
    for method, action in (
        ("PUT", "cancel"),
        ("PUT", "pause"),
        ("PUT", "resume"),
        ("PUT", "delete"),
    ):
        response = send(sim, method, f"/api/v1/jobs/{live}/{action}", headers=alice)
        assert response.status == 403


def test_job_control_on_terminal_or_unknown_is_empty_404(sim: VenueSimulator) -> None:
    done = js(invoke(sim, "v/test/ops/echo"))["id"][2:]
    for action in ("cancel", "pause", "resume"):
        for job in (done, "00" * 16):
            response = send(sim, "PUT", f"/api/v1/jobs/{job}/{action}")
            assert (response.status, response.body) == (404, b"")
            assert ctype(response) == "text/plain"
    assert send(sim, "PUT", f"/api/v1/jobs/{'00' * 16}/delete").status == 404


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("cancel", "Job cancellation request requires a job ID as a valid hex string"),
        ("pause", "Pause request requires a job ID"),
        ("resume", "Resume request requires a job ID"),
        ("delete", "Job deletion request requires a job ID as a valid hex string"),
    ],
)
def test_job_control_with_a_bad_id(sim: VenueSimulator, action: str, message: str) -> None:
    response = send(sim, "PUT", f"/api/v1/jobs/nothex/{action}")
    assert (response.status, js(response)) == (400, {"error": message})


def test_pause_and_resume_rules(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/never"))["id"]
    not_paused = send(sim, "PUT", f"/api/v1/jobs/{job}/resume")
    assert (not_paused.status, js(not_paused)) == (409, {"error": "Job is not paused: STARTED"})
    assert js(send(sim, "PUT", f"/api/v1/jobs/{job}/pause"))["status"] == "PAUSED"
    assert send(sim, "PUT", f"/api/v1/jobs/{job}/pause").status == 200  # pausing again: 200
    resumed = js(send(sim, "PUT", f"/api/v1/jobs/{job}/resume"))
    assert resumed["status"] == "STARTED"
    chat = js(invoke(sim, "v/test/ops/chat"))["id"]
    assert js(send(sim, "PUT", f"/api/v1/jobs/{chat}/resume"))["status"] == "INPUT_REQUIRED"


def test_delete_keeps_the_record(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/never"))["id"][2:]
    deleted = send(sim, "PUT", f"/api/v1/jobs/{job}/delete")
    assert (deleted.status, deleted.body) == (200, b"")
    assert js(send(sim, "GET", f"/api/v1/jobs/{job}"))["status"] == "STARTED"
    assert job in js(send(sim, "GET", "/api/v1/jobs"))
    assert send(sim, "PUT", f"/api/v1/jobs/{job}/cancel").status == 404
    assert send(sim, "POST", f"/api/v1/jobs/{job}", "x").status == 404
    assert send(sim, "PUT", f"/api/v1/jobs/{job}/delete").status == 200


def test_sse_stream_sequence() -> None:
    sim, clock = make(sse=True)
    job = js(
        invoke(sim, "v/test/ops/delay", {"delay": 50, "operation": "v/test/ops/echo", "input": 1})
    )["id"][2:]
    reply = request(
        sim, "GET", f"/api/v1/jobs/{job}/sse", headers=(("Accept", "text/event-stream"),)
    )
    assert isinstance(reply, Streamed)
    assert reply.head.header("Content-Type") == "text/event-stream; charset=utf-8"
    assert reply.head.header("Cache-Control") == "no-cache"
    assert reply.head.header("X-Accel-Buffering") == "no"
    first = drain(reply.body)
    assert first.startswith(b"event: job-update\ndata: {")
    assert first.endswith(b"}\n\n")
    assert json.loads(first.split(b"data: ", 1)[1])["status"] == "PENDING"
    clock.tick(0.05)
    sim.advance()
    event = reply.body.next_chunk()
    assert isinstance(event, bytes)
    assert json.loads(event.split(b"data: ", 1)[1])["status"] == "COMPLETE"
    assert reply.body.next_chunk() == b""


def test_sse_for_terminal_unknown_and_wrong_accept() -> None:
    sim, _ = make(sse=True, profile="latest")
    done = js(invoke(sim, "v/test/ops/echo"))["id"][2:]
    for job in (done, "00" * 16, "zz"):
        reply = request(
            sim, "GET", f"/api/v1/jobs/{job}/sse", headers=(("Accept", "text/event-stream"),)
        )
        assert isinstance(reply, Streamed)
        assert reply.body.next_chunk() == b""
    wrong = send(
        sim, "GET", f"/api/v1/jobs/{done}/sse", headers=(("Accept", "text/event-stream, */*"),)
    )
    assert (wrong.status, wrong.body) == (200, b"")


def test_secrets_lifecycle(sim: VenueSimulator) -> None:
    assert js(send(sim, "GET", "/api/v1/secrets")) == {"items": "[]", "total": 0}
    missing = send(sim, "DELETE", "/api/v1/secrets/k")
    assert (missing.status, js(missing)) == (404, {"error": "Secret not found"})
    stored = send(sim, "PUT", "/api/v1/secrets/api-key", {"value": "v1"})
    assert (stored.status, js(stored)) == (200, {"name": "api-key", "stored": True})
    assert js(send(sim, "GET", "/api/v1/secrets")) == {"items": ["api-key"], "total": 1}
    assert sim.secrets_of(sim.public_caller) == {"api-key": "v1"}
    job = js(send(sim, "GET", "/api/v1/jobs"))[-1]
    assert sim.job(job)["input"] == {"name": "api-key", "value": "HIDDEN"}
    gone = send(sim, "DELETE", "/api/v1/secrets/other")
    assert js(gone) == {"error": "Secret not found: other"}
    assert send(sim, "DELETE", "/api/v1/secrets/api-key").body == b""
    assert js(send(sim, "GET", "/api/v1/secrets")) == {"items": [], "total": 0}


def test_secret_bodies(sim: VenueSimulator) -> None:
    bare = send(sim, "PUT", "/api/v1/secrets/k", "just-a-string")
    assert (bare.status, js(bare)) == (
        400,
        {"error": "Request body must contain a 'value' string field"},
    )
    broken = send(sim, "PUT", "/api/v1/secrets/k", raw=b"{")
    assert (broken.status, ctype(broken)) == (500, "text/plain")


def test_invoking_creates_the_user_record(sim: VenueSimulator) -> None:
    invoke(sim, "v/test/ops/echo")
    assert js(send(sim, "GET", "/api/v1/secrets")) == {"items": [], "total": 0}


def test_latest_run(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, clock = new
    ok = send(sim, "POST", "/api/v1/run", {"operation": "v/test/ops/echo", "input": [1]})
    assert (ok.status, js(ok)) == (200, [1])
    failed = send(
        sim, "POST", "/api/v1/run", {"operation": "v/test/ops/error", "input": {"message": "no"}}
    )
    assert (failed.status, js(failed)) == (500, {"error": "no"})
    unknown = send(sim, "POST", "/api/v1/run", {"operation": "nope"})
    assert unknown.status == 400
    later = request(
        sim,
        "POST",
        "/api/v1/run",
        {
            "operation": "v/test/ops/delay",
            "input": {"delay": 10, "operation": "v/test/ops/echo", "input": "z"},
        },
    )
    assert js(settle(sim, clock, later)) == "z"


def test_latest_numeric_wait_does_not_fail_the_job(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, clock = new
    reply = request(sim, "POST", "/api/v1/invoke", {"operation": "v/test/ops/never", "wait": 1500})
    assert isinstance(reply, Deferred)
    assert reply.wake_at == clock.now + 1.5
    response = settle(sim, clock, reply)
    assert (response.status, js(response)["status"]) == (201, "STARTED")
    quick = send(sim, "POST", "/api/v1/invoke?wait=100", {"operation": "v/test/ops/echo"})
    assert quick.status == 200


def test_latest_paged_jobs_and_private(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    ids = [js(invoke(sim, "v/test/ops/echo", i))["id"][2:] for i in range(3)]
    private = js(invoke(sim, "v/test/ops/echo", 9, private=True))["id"][2:]
    hidden_live = js(invoke(sim, "v/test/ops/never", private=True))["id"][2:]
    envelope = js(send(sim, "GET", "/api/v1/jobs?offset=1&limit=5"))
    assert envelope == {"total": 3, "offset": 1, "limit": 5, "items": ids[1:]}
    assert send(sim, "GET", f"/api/v1/jobs/{private}").status == 404
    assert send(sim, "GET", f"/api/v1/jobs/{hidden_live}").status == 200
    assert js(send(sim, "GET", "/api/v1/jobs?limit=-1")) == {"error": "Negative limit"}
    assert send(sim, "POST", "/api/v1/jobs/" + ids[0], 1).status == 404


def test_latest_message_ack_has_no_queue_depth(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    job = js(invoke(sim, "v/test/ops/chat"))["id"]
    assert js(send(sim, "POST", f"/api/v1/jobs/{job}", "x")) == {"status": "queued"}


def test_foreign_callers_are_kept_out(sim: VenueSimulator) -> None:
    sim.tokens["alice"] = "did:key:z6MkAlice"
    alice = (("Authorization", "Bearer alice"),)
    live = js(invoke(sim, "v/test/ops/chat"))["id"][2:]
    done = js(invoke(sim, "v/test/ops/echo"))["id"][2:]
    message = send(sim, "POST", f"/api/v1/jobs/{live}", "hi", headers=alice)
    assert (message.status, js(message)) == (403, {"error": f"Access denied to job: {live}"})
    assert sim.job(live)["status"] == "INPUT_REQUIRED"
    deleted = send(sim, "PUT", f"/api/v1/jobs/{done}/delete", headers=alice)
    assert (deleted.status, deleted.body) == (404, b"")
    assert js(send(sim, "GET", "/api/v1/jobs", headers=alice)) == []


def test_anonymous_callers_share_jobs(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/never"))["id"][2:]
    forged = (("Authorization", "Bearer whoever"),)
    cancelled = send(sim, "PUT", f"/api/v1/jobs/{job}/cancel", headers=forged)
    assert js(cancelled)["status"] == "CANCELLED"


# -- a property: whatever clients do, jobs move only as the lifecycle allows -----------

_OPS = [
    "v/test/ops/echo",
    "v/test/ops/never",
    "v/test/ops/pause",
    "v/test/ops/chat",
    "v/test/ops/delay",
    "v/test/ops/error",
]
_ACTIONS = st.one_of(
    st.tuples(st.just("invoke"), st.sampled_from(_OPS)),
    st.tuples(st.sampled_from(["cancel", "pause", "resume", "delete"]), st.integers(0, 5)),
    st.tuples(st.just("message"), st.integers(0, 5)),
    st.tuples(st.just("tick"), st.floats(0, 3)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ACTIONS, max_size=25))
def test_transitions_follow_the_lifecycle(actions: list[tuple[str, object]]) -> None:
    sim, clock = make()
    ids: list[str] = []
    finished: dict[str, dict[str, object]] = {}
    for action, arg in actions:
        if action == "invoke":
            value = {"delay": 500, "operation": "v/test/ops/echo", "message": "m"}
            ids.append(js(invoke(sim, str(arg), value))["id"][2:])
        elif action == "tick":
            clock.tick(float(arg))  # type: ignore[arg-type]
            sim.advance()
        elif ids:
            job = ids[int(arg) % len(ids)]  # type: ignore[call-overload]
            if action == "message":
                send(sim, "POST", f"/api/v1/jobs/{job}", "done")
            else:
                send(sim, "PUT", f"/api/v1/jobs/{job}/{action}")
        for job in ids:
            record = sim.job(job)
            if job in finished:
                assert record == finished[job]  # a terminal record never changes
            elif JobStatus(record["status"]).is_terminal:
                finished[job] = record
    for job in ids:
        seq = [JobStatus(s) for s in statuses(sim.job(job))]
        assert seq[0] == JobStatus.PENDING
        for old, new in itertools.pairwise(seq):
            assert can_transition(old, new), (old, new)


def _orchestration(sim: VenueSimulator) -> str:
    return next(a.id for a in sim.assets if a.metadata.get("name") == "Test orchestration")


def test_test_orchestration_runs_its_steps(sim: VenueSimulator) -> None:
    ident = _orchestration(sim)
    assert ident not in {e["asset"] for e in js(send(sim, "GET", "/api/v1/operations"))}
    record = js(invoke(sim, ident, {"length": 4}))
    # As the real venue: a STARTED record after each of its three steps.
    assert statuses(record) == ["PENDING"] + ["STARTED"] * 4 + ["COMPLETE"]
    output = record["output"]
    assert re.fullmatch(r"[0-9a-f]{8}", output["final-output"])
    assert output["bytes-output"] == {"bytes": output["final-output"]}
    assert (output["original-input"], output["original-length"]) == ({"length": 4}, 4)


def test_test_orchestration_fails_with_its_step(sim: VenueSimulator) -> None:
    record = js(invoke(sim, _orchestration(sim), {}))
    assert (record["status"], record["error"]) == (
        "FAILED",
        "Failed due to subtask 0 (FAILED)",
    )


def test_a_long_conversation_still_serialises(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/chat"))["id"]
    for turn in range(1500):
        send(sim, "POST", f"/api/v1/jobs/{job}", turn)
    record = js(send(sim, "GET", f"/api/v1/jobs/{job}"))
    assert record["output"]["echo"] == 1499


def test_invoking_an_agent_template_wants_an_adapter(sim: VenueSimulator) -> None:
    goaltree = send(sim, "POST", "/api/v1/invoke", {"operation": "v/agents/templates/goaltree"})
    assert (goaltree.status, js(goaltree)) == (
        400,
        {
            "error": "Error invoking operation: IllegalArgumentException:"
            "Metadata must contain operation.adapter field"
        },
    )
    minimal = send(sim, "POST", "/api/v1/invoke", {"operation": "v/agents/templates/minimal"})
    assert (minimal.status, js(minimal)) == (
        400,
        {
            "error": "Error invoking operation: IllegalArgumentException:"
            "Cannot resolve operation: v/agents/templates/minimal"
        },
    )
    assert js(invoke(sim, "/v/test/ops/echo", 5))["output"] == 5


def test_long_fractions_fail_as_on_the_venue(sim: VenueSimulator) -> None:
    raw = b'{"operation": "v/test/ops/echo", "input": 0.30000000000000004}'
    response = send(sim, "POST", "/api/v1/invoke", raw=raw)
    assert (response.status, ctype(response)) == (500, "text/plain")
    assert response.body.startswith(b"Unexpected error: java.lang.NumberFormatException: ")
