"""``covia._session``: running flows for one connection — retries and failures as the
documented exceptions (with virtual time), closing, and sharing between threads."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import threading

import pytest

from covia import (
    CoviaConnectionError,
    CoviaTimeoutError,
    GridError,
    RateLimitError,
    VenueProtocolError,
)
from covia._session import SyncSession
from covia_proto.endpoints import status
from covia_proto.flows.context import RetryPolicy
from covia_proto.flows.effects import Emit, Flow, GetTime, OpenStream, Sleep
from covia_proto.testing.faults import (
    BreakStream,
    FaultPlan,
    MalformedJson,
    RateLimited,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    StallResponse,
    TruncateBody,
    WrongContentType,
)
from tests.covia.helpers import CHAT, DELAY, ECHO, NEVER, MemoryVenue, memory_venue


class _Driver:
    def __init__(self) -> None:
        self.closed = 0
        self.performed: list[object] = []

    def perform(self, effect: object) -> object:
        self.performed.append(effect)
        if isinstance(effect, GetTime):
            return 1.0
        return None

    def close(self) -> None:
        self.closed += 1


def _session(owns: bool) -> tuple[SyncSession, _Driver]:
    mem = memory_venue()
    driver = _Driver()
    return SyncSession(mem.venue._session.context, driver, owns_driver=owns), driver


def test_close_closes_an_owned_driver_once() -> None:
    session, driver = _session(owns=True)
    session.close()
    session.close()
    assert driver.closed == 1


def test_close_leaves_a_callers_driver_open() -> None:
    session, driver = _session(owns=False)
    session.close()
    assert driver.closed == 0


def test_run_and_iterate_hand_effects_to_the_driver() -> None:
    session, driver = _session(owns=True)

    def flow() -> Flow[str]:
        now = yield GetTime()
        yield Sleep(0.5)
        yield Emit("one")
        yield Emit("two")
        return f"done at {now}"

    assert session.run(flow()) == "done at 1.0"
    assert list(session.iterate(flow())) == ["one", "two"]
    assert [type(e) for e in driver.performed] == [GetTime, Sleep, GetTime, Sleep]


def test_call_sends_and_parses() -> None:
    mem = memory_venue()
    session = mem.venue._session
    result = session.call(status.get_status(session.context.endpoint))
    assert result.name == "Covia Test Venue"


# -- faults, in virtual time --------------------------------------------------------------


def _faulty(profile: str = "0.1", **options: object) -> tuple[MemoryVenue, FaultPlan]:
    faults = FaultPlan()
    return memory_venue(profile, faults=faults, **options), faults  # type: ignore[arg-type]


def _jobs(mem: MemoryVenue) -> int:
    return len(list(mem.simulator.jobs))


@pytest.mark.parametrize("fault", [ResetBeforeRequest(), ResetAfterRequest(), ServerError(503)])
def test_idempotent_requests_are_retried_after_transient_failures(fault) -> None:
    mem, faults = _faulty()
    faults.add(fault, path="/status", times=3)
    assert mem.venue.status().name == "Covia Test Venue"
    assert len(mem.driver.sent("GET", "/status")) == 4
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("fault", [ResetBeforeRequest(), ResetAfterRequest(), ServerError(503)])
def test_retries_run_out(fault) -> None:
    mem, faults = _faulty()
    faults.add(fault, path="/status")
    with pytest.raises((CoviaConnectionError, GridError)) as caught:
        mem.venue.status()
    if isinstance(fault, ServerError):
        assert isinstance(caught.value, GridError)
        assert caught.value.status_code == 503
    else:
        assert isinstance(caught.value, ConnectionError)
    assert len(mem.driver.sent("GET", "/status")) == 4


def test_a_500_is_not_transient() -> None:
    mem, faults = _faulty()
    faults.add(ServerError(500, "boom", json=False), path="/status")
    with pytest.raises(GridError) as caught:
        mem.venue.status()
    assert (caught.value.status_code, caught.value.message) == (500, "boom")
    assert len(mem.driver.sent("GET", "/status")) == 1


def test_invoke_reset_before_the_request_is_sent_again() -> None:
    mem, faults = _faulty()
    faults.add(ResetBeforeRequest(), method="POST", path="/invoke", times=1)
    before = _jobs(mem)
    job = mem.venue.invoke(ECHO, 1)
    assert job.output == 1
    assert _jobs(mem) == before + 1
    assert len(mem.driver.sent("POST", "/invoke")) == 2


@pytest.mark.parametrize(
    "fault",
    [ResetAfterRequest(), TruncateBody(), MalformedJson(), StallResponse(after_request=True)],
    ids=["reset-after", "truncated", "malformed", "stalled"],
)
def test_invoke_that_may_have_reached_the_venue_is_never_sent_again(fault) -> None:
    mem, faults = _faulty(timeout=3.0)
    faults.add(fault, method="POST", path="/invoke")
    before = _jobs(mem)
    with pytest.raises((CoviaConnectionError, VenueProtocolError, CoviaTimeoutError)):
        mem.venue.invoke(ECHO, {"once": True})
    assert _jobs(mem) == before + 1  # it did happen, exactly once
    assert len(mem.driver.sent("POST", "/invoke")) == 1
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_run_that_may_have_reached_the_venue_is_never_sent_again(profile) -> None:
    mem, faults = _faulty(profile)
    mem.venue.run(ECHO, 0)
    faults.add(ResetAfterRequest(), method="POST", path=r"/(invoke|run)$")
    before = _jobs(mem)
    sent = len(mem.driver.sent("POST", "/invoke") + mem.driver.sent("POST", "/run"))
    with pytest.raises(CoviaConnectionError):
        mem.venue.run(ECHO, 1, timeout=10)
    assert _jobs(mem) == before + 1
    after = len(mem.driver.sent("POST", "/invoke") + mem.driver.sent("POST", "/run"))
    assert after - sent == 1


def test_a_5xx_on_invoke_is_not_retried() -> None:
    mem, faults = _faulty()
    faults.add(ServerError(503), method="POST", path="/invoke")
    with pytest.raises(GridError) as caught:
        mem.venue.invoke(ECHO, 1)
    assert caught.value.status_code == 503
    assert len(mem.driver.sent("POST", "/invoke")) == 1


def test_message_that_may_have_arrived_is_never_sent_again() -> None:
    mem, faults = _faulty()
    job = mem.venue.invoke(CHAT, {})
    faults.add(ResetAfterRequest(), method="POST", path="/jobs/")
    with pytest.raises(CoviaConnectionError):
        job.send_message("only once")
    assert len(mem.driver.sent("POST", f"/jobs/{job.id}")) == 1
    faults.clear()
    assert job.refresh().output["echo"] == "only once"


def test_rate_limit_storm_is_waited_out_then_succeeds() -> None:
    mem, faults = _faulty("latest")
    faults.add(RateLimited("1"), method="POST", path="/invoke", times=3)
    before = _jobs(mem)
    start = mem.clock()
    job = mem.venue.invoke(ECHO, "through")
    assert job.output == "through"
    assert _jobs(mem) == before + 1  # refused before any effect: safe to resend
    assert len(mem.driver.sent("POST", "/invoke")) == 4
    assert mem.driver.sleeps == [1.0, 1.0, 1.0]  # never sooner than Retry-After
    assert mem.clock() == start + 3.0


def test_rate_limit_storm_that_does_not_end_raises_rate_limit_error() -> None:
    mem, faults = _faulty("latest")
    faults.add(RateLimited("1"), path="/status")
    with pytest.raises(RateLimitError) as caught:
        mem.venue.status()
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 1.0
    assert len(mem.driver.sent("GET", "/status")) == 4


def test_rate_limit_with_an_http_date() -> None:
    mem, faults = _faulty("latest")
    faults.add(RateLimited("Wed, 21 Oct 2015 07:28:00 GMT"), path="/status", times=1)
    assert mem.venue.status().name == "Covia Test Venue"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (MalformedJson(), VenueProtocolError),
        (TruncateBody(), CoviaConnectionError),
        (StallResponse(), CoviaTimeoutError),
    ],
)
def test_spoiled_answers_surface_as_documented(fault, error) -> None:
    mem, faults = _faulty(timeout=2.0)
    faults.add(fault, path="/status")
    start = mem.clock()
    with pytest.raises(error):
        mem.venue.status()
    if isinstance(fault, StallResponse):
        assert mem.clock() == start + 2.0


def test_truncated_once_is_retried_for_a_get() -> None:
    mem, faults = _faulty()
    faults.add(TruncateBody(), path="/operations", times=1)
    assert mem.venue.list_operations()
    assert len(mem.driver.sent("GET", "/operations")) == 2


@pytest.mark.parametrize("path", ["/status", "/invoke", "did.json"])
def test_json_under_the_wrong_content_type_is_still_read(path: str) -> None:
    # A 0.1 venue itself labels some JSON text/plain (venue-api.md §2.2): the body decides.
    mem, faults = _faulty()
    faults.add(WrongContentType("text/html"), path=path)
    assert mem.venue.status().name == "Covia Test Venue"
    assert mem.venue.invoke(ECHO, 1).output == 1
    assert mem.venue.did_document().id == mem.simulator.did


def test_an_html_error_page_is_a_grid_error() -> None:
    mem, faults = _faulty()
    faults.add(ServerError(502, "<html>Bad Gateway</html>", json=False), path="/status")
    with pytest.raises(GridError) as caught:
        mem.venue.status()
    assert caught.value.status_code == 502
    assert "Bad Gateway" in caught.value.message
    assert len(mem.driver.sent("GET", "/status")) == 4  # 502 is transient for a GET


def test_wrong_content_type_on_the_event_stream_falls_back_to_polling() -> None:
    mem, faults = _faulty(sse=True)
    faults.add(WrongContentType("application/json"), path="/sse$")
    job = mem.venue.invoke(DELAY, {"delay": 1000, "operation": ECHO, "input": 1})
    assert job.wait(timeout=30).is_complete
    assert len(mem.driver.sent("GET", f"/jobs/{job.id}")) > 1  # polled
    mem.driver.assert_all_closed()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_event_stream_broken_mid_event_still_gets_the_job_done(profile) -> None:
    mem, faults = _faulty(profile, sse=True)
    faults.add(BreakStream(after_events=1), path="/sse$")
    job = mem.venue.invoke(DELAY, {"delay": 1000, "operation": ECHO, "input": "ok"})
    start = mem.clock()
    assert job.wait(timeout=30).output == "ok"
    assert mem.clock() - start < 30
    mem.driver.assert_all_closed()


def test_stream_broken_mid_event_keeps_the_events_whole() -> None:
    mem, faults = _faulty(sse=True)
    faults.add(BreakStream(after_events=1), path="/sse$", times=1)
    job = mem.venue.invoke(DELAY, {"delay": 1000, "operation": ECHO, "input": "ok"})
    events = list(job.stream())
    records = [json.loads(e.data) for e in events]  # every event parses: none was cut
    assert records[0]["status"] == "PENDING"
    assert records[-1]["status"] == "COMPLETE"
    assert job.output == "ok"
    mem.driver.assert_all_closed()


def test_stream_that_keeps_breaking_is_given_up_for_polling() -> None:
    mem, faults = _faulty(sse=True)
    faults.add(BreakStream(after_events=0), path="/sse$")
    job = mem.venue.invoke(NEVER, {})
    start = mem.clock()
    with pytest.raises(CoviaTimeoutError):
        job.wait(timeout=30)
    assert mem.clock() == start + 30
    # Reopened while the retry policy allows, then polled.
    opened = [e for e in mem.driver.effects if isinstance(e, OpenStream)]
    assert len(opened) == RetryPolicy().max_attempts
    assert len(mem.driver.sent("GET", f"/jobs/{job.id}")) > 2
    mem.driver.assert_all_closed()


def test_content_download_faults_close_the_stream() -> None:
    mem, faults = _faulty()
    content = b"x" * 100_000
    asset = mem.venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
    asset.put_content(content)
    faults.add(ServerError(503), method="GET", path="/content$", times=2)
    assert asset.get_content() == content
    faults.add(ServerError(500), method="GET", path="/content$", times=1)
    with pytest.raises(GridError):
        asset.get_content()
    faults.add(TruncateBody(keep=10), method="GET", path="/content$", times=1)
    with pytest.raises((CoviaConnectionError, VenueProtocolError)):
        asset.get_content()
    mem.driver.assert_all_closed()


# -- threads -------------------------------------------------------------------------------


def test_one_venue_shared_by_eight_threads(plain_served) -> None:
    from tests.covia.helpers import loopback_client

    content = b"shared" * 1000
    with loopback_client(plain_served.url) as (venue, _, _):
        asset = venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
        asset.put_content(content)
        start = threading.Barrier(8)

        def work(n: int) -> list[object]:
            start.wait()
            results: list[object] = []
            for i in range(5):
                results.append(venue.run(ECHO, {"n": n, "i": i}, timeout=10))
                job = venue.invoke(DELAY, {"delay": 20, "operation": ECHO, "input": n})
                results.append(job.wait(timeout=10).output)
                results.append(venue.status().name)
                results.append(venue.get_asset_content(asset.id) == content)
                results.append(job.id in venue.list_jobs())
                results.append(venue.did)
            return results

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(work, range(8)))
        for n, results in enumerate(outcomes):
            for i in range(5):
                row = results[i * 6 : i * 6 + 6]
                assert row == [
                    {"n": n, "i": i},
                    n,
                    "Covia Test Venue",
                    True,
                    True,
                    plain_served.simulator.did,
                ]
