"""The simulator's request plumbing: routing, HEAD/OPTIONS, authentication, rate
limiting, listeners and the test helpers."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.http import Request, Response
from covia_proto.testing import Deferred, Streamed, VenueSimulator
from covia_proto.testing.ratelimit import RateLimit
from tests.proto.testing.simhelp import (
    BASE,
    FakeClock,
    ctype,
    invoke,
    js,
    make,
    send,
)


@pytest.fixture
def sim() -> VenueSimulator:
    return make()[0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/x"),
        ("DELETE", "/api/v1/status"),
        ("PUT", "/api/v1/jobs/00"),
        ("GET", "/api/v1/run"),
        ("GET", "/api/v1/values/read"),
        ("POST", "/api/v1/run"),
        ("GET", "/api/v1/adapters/test/operations"),
        ("GET", "/nothing"),
    ],
)
def test_unknown_route_or_wrong_method_is_404_json(
    sim: VenueSimulator, method: str, path: str
) -> None:
    response = send(sim, method, path)
    assert response.status == 404
    assert js(response) == {"error": f"Endpoint {method} {path} not found"}


def test_trailing_slash_is_ignored(sim: VenueSimulator) -> None:
    assert send(sim, "GET", "/api/v1/status/").status == 200


def test_options_preflight(sim: VenueSimulator) -> None:
    response = send(sim, "OPTIONS", "/api/v1/invoke")
    assert response.status == 204
    assert "authorization" in (response.header("access-control-allow-headers") or "")
    assert response.header("Content-Type") is None
    elsewhere = send(sim, "OPTIONS", "/mcp")
    assert (elsewhere.status, elsewhere.body, ctype(elsewhere)) == (200, b"", "application/json")


def test_a_private_venue_refuses_preflights_too() -> None:
    sim, _ = make(public=False)
    refused = send(sim, "OPTIONS", "/api/v1/status")
    assert (refused.status, refused.body) == (401, b"Authentication required")
    assert send(sim, "OPTIONS", "/nowhere").status == 200


def test_head_answers_200_without_running_the_handler(sim: VenueSimulator) -> None:
    response = send(sim, "HEAD", "/api/v1/jobs/ffff")
    assert (response.status, response.body) == (200, b"")
    assert send(sim, "HEAD", "/api/v1/nope").status == 404


def test_private_venue_requires_a_token() -> None:
    sim, _ = make(public=False, tokens={"good": "did:key:z6MkAlice"})
    missing = send(sim, "GET", "/api/v1/status")
    assert (missing.status, missing.body, ctype(missing)) == (
        401,
        b"Authentication required",
        "text/plain",
    )
    basic = send(sim, "GET", "/api/v1/status", headers=(("Authorization", "Basic eDp5"),))
    assert basic.body == b"Authentication required"
    bad = send(sim, "GET", "/api/v1/jobs", headers=(("Authorization", "Bearer nope"),))
    assert (bad.status, bad.body) == (401, b"Invalid or expired token")
    good = send(sim, "GET", "/api/v1/jobs", headers=(("Authorization", "Bearer good"),))
    assert good.status == 200
    # Discovery documents are never behind auth.
    assert send(sim, "GET", "/.well-known/did.json").status == 200


def test_public_venue_downgrades_a_bad_token(sim: VenueSimulator) -> None:
    headers = (("Authorization", "Bearer forged"),)
    response = send(
        sim, "POST", "/api/v1/invoke", {"operation": "v/ops/auth/whoami"}, headers=headers
    )
    assert js(response)["output"] == {
        "caller": sim.public_caller,
        "authenticated": True,
        "internal": False,
    }


def test_token_maps_to_caller() -> None:
    sim, _ = make(tokens={"t": "did:key:z6MkAlice"})
    response = send(
        sim,
        "POST",
        "/api/v1/invoke",
        {"operation": "v/ops/auth/whoami"},
        headers=(("Authorization", "Bearer t"),),
    )
    assert js(response)["caller"] == "did:key:z6MkAlice"


def test_add_asset_helper(sim: VenueSimulator) -> None:
    ident = sim.add_asset({"name": "doc"}, b"abc")
    meta = json.loads(send(sim, "GET", f"/api/v1/assets/{ident}").body)
    assert meta["content"]["sha256"] == hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(ValueError, match="does not match"):
        sim.add_asset({"content": {"sha256": "00" * 32}}, b"abc")


def test_listeners_hear_state_changes() -> None:
    sim, _clock = make()
    heard: list[int] = []
    stop = sim.add_listener(lambda: heard.append(1))
    invoke(sim, "v/test/ops/echo", 1)
    assert len(heard) == 3  # created, STARTED, COMPLETE
    stop()
    invoke(sim, "v/test/ops/echo", 1)
    assert len(heard) == 3


def test_sse_route_is_shadowed_without_sse(sim: VenueSimulator) -> None:
    job = js(invoke(sim, "v/test/ops/never"))["id"][2:]
    response = send(
        sim, "GET", f"/api/v1/jobs/{job}/sse", headers=(("Accept", "text/event-stream"),)
    )
    assert (response.status, js(response)) == (
        400,
        {"error": "Job request requires a job ID as a valid hex string"},
    )


def test_rate_limit_refuses_before_any_effect() -> None:
    clock = FakeClock()
    sim = VenueSimulator(clock=clock, profile="latest", rate_limit=RateLimit(2, per=10.0))
    assert invoke(sim, "v/test/ops/echo").status == 201
    clock.tick(4)
    assert invoke(sim, "v/test/ops/echo").status == 201
    refused = invoke(sim, "v/test/ops/echo")
    assert (refused.status, js(refused)) == (429, {"error": "Rate limit exceeded"})
    assert refused.header("Retry-After") == "6"
    assert len(list(sim.jobs)) == 2
    clock.tick(6)
    assert invoke(sim, "v/test/ops/echo").status == 201
    with pytest.raises(ValueError, match="latest"):
        VenueSimulator(clock=clock, rate_limit=RateLimit(1))


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="profile"):
        VenueSimulator(clock=FakeClock(), profile="0.2")  # type: ignore[arg-type]


def _script(sim: VenueSimulator) -> list[bytes]:
    bodies = []
    for method, path, body in [
        ("GET", "/api/v1/status", None),
        ("POST", "/api/v1/invoke", {"operation": "v/test/ops/random", "input": {"length": 8}}),
        ("POST", "/api/v1/invoke", {"operation": "v/test/ops/chat"}),
        ("GET", "/api/v1/jobs", None),
        ("GET", "/.well-known/did.json", None),
    ]:
        bodies.append(send(sim, method, path, body).body)
    return bodies


def test_same_seed_same_answers() -> None:
    assert _script(make(seed=3)[0]) == _script(make(seed=3)[0])
    assert _script(make(seed=3)[0]) != _script(make(seed=4)[0])


def test_body_file_replaces_the_request_body(sim: VenueSimulator) -> None:
    request_value = Request("POST", f"{BASE}/api/v1/invoke", body=b"ignored")
    reply = sim.handle(request_value, body=io.BytesIO(b'{"operation":"v/test/ops/echo"}'))
    assert isinstance(reply, Response)
    assert reply.status == 201


def test_due_timers_run_before_a_request() -> None:
    sim, clock = make()
    body = {"operation": "v/test/ops/delay", "input": {"delay": 10, "operation": "v/test/ops/echo"}}
    job = js(send(sim, "POST", "/api/v1/invoke", body))["id"]
    clock.tick(0.01)
    assert js(send(sim, "GET", f"/api/v1/jobs/{job}"))["status"] == "COMPLETE"


def test_unsubscribing_twice_is_harmless(sim: VenueSimulator) -> None:
    stop = sim.add_listener(lambda: None)
    stop()
    stop()
    sim.close()
    sim.close()


_SEGMENTS = st.sampled_from(
    [
        "api",
        "v1",
        "jobs",
        "assets",
        "content",
        "operations",
        "invoke",
        "secrets",
        "sse",
        "cancel",
        "resume",
        "delete",
        "status",
        "a",
        "did.json",
        ".well-known",
        "0x00ff",
        "00" * 16,
        "%2F",
        "%ZZ",
        "",
        "x y",
        "é",
    ]
)
_BODIES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b'{"operation":"v/test/ops/echo"}', b"{}", b"[]", b'"x"', b"null"]),
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    prefix=st.sampled_from(["/api/v1/", "/api/v1/jobs/", "/api/v1/assets/", "/"]),
    segments=st.lists(_SEGMENTS, max_size=5),
    query=st.sampled_from(["", "?wait=true", "?offset=x", "?limit=5&offset=1", "?inline"]),
    body=_BODIES,
    profile=st.sampled_from(["0.1", "latest"]),
)
def test_any_request_gets_an_answer(
    method: str, prefix: str, segments: list[str], query: str, body: bytes, profile: str
) -> None:
    sim, _ = make(profile=profile, sse=True)
    path = prefix + "/".join(segments) + query
    reply = sim.handle(Request(method, BASE + path, body=body))
    if isinstance(reply, Response):
        assert 200 <= reply.status < 600
    else:
        assert isinstance(reply, Streamed | Deferred), reply
