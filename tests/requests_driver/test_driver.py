"""``covia_requests.driver``: the core's effects over ``requests`` — against a loopback
venue in both profiles, with fault injection, and with fake adapters where a real
server adds nothing. Every response must be closed on every path."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

import pytest
import requests
import requests.adapters
import urllib3.exceptions

from covia import (
    CoviaConnectionError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    RateLimitError,
    VenueProtocolError,
)
from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT
from covia_proto.errors import RequestInfo
from covia_proto.flows.effects import (
    CloseStream,
    Emit,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response
from covia_proto.testing.faults import (
    BreakStream,
    Fault,
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
from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from covia_requests import RequestsDriver
from covia_requests.driver import MAX_READ_SIZE, READ_SIZE, _translate
from tests.conformance.hostile import response, serving
from tests.covia.helpers import (
    CHAT,
    DELAY,
    ECHO,
    NEVER,
    PROFILE_IDS,
    PROFILES,
    TrackingAdapter,
    loopback_client,
    spy_close,
    tracking_session,
)

Served = RunningVenue[VenueSimulator]
INFO = RequestInfo("GET", "http://venue.test/x")


@pytest.fixture(params=PROFILES, ids=PROFILE_IDS)
def served(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[Served]:
    profile, sse = request.param
    with serve_venue(loop=_covia_loop, profile=profile, sse=sse) as venue:
        yield venue


@pytest.fixture
def latest(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    with serve_venue(loop=_covia_loop, profile="latest", sse=True) as venue:
        yield venue


def add_fault(served: Served, fault: Fault, **where: Any) -> None:
    faults: FaultPlan = served.simulator.faults
    served.call(lambda: faults.add(fault, **where))


def job_count(served: Served) -> int:
    return served.call(lambda: len(list(served.simulator.jobs)))


def get(url: str, **headers: str) -> Request:
    return Request("GET", url, headers=tuple(headers.items()))


# -- effects against the loopback venue ----------------------------------------------------


def test_send_returns_the_whole_response(plain: Served) -> None:
    session, adapter = tracking_session()
    driver = RequestsDriver(session, timeout=5)
    response = driver.perform(Send(get(plain.url + "/api/v1/status")))
    assert isinstance(response, Response)
    assert response.status == 200
    assert json.loads(response.body)["name"] == "Covia Test Venue"
    assert response.header("content-type") == "application/json;charset=utf-8"
    assert adapter.unclosed() == []
    driver.close()
    session.close()


def test_streams_open_read_and_close(plain: Served) -> None:
    session, adapter = tracking_session()
    driver = RequestsDriver(session, timeout=5)
    opened = driver.perform(OpenStream(get(plain.url + "/.well-known/did.json")))
    assert isinstance(opened, OpenedStream)
    assert opened.head.status == 200
    body = b""
    while chunk := driver.perform(ReadChunk(opened.handle)):
        body += chunk
    assert json.loads(body)["id"] == plain.simulator.did
    driver.perform(CloseStream(opened.handle))
    driver.perform(CloseStream(opened.handle))  # twice is harmless
    assert adapter.unclosed() == []
    session.close()


def test_a_stream_closed_early_is_closed(plain: Served) -> None:
    session, adapter = tracking_session()
    driver = RequestsDriver(session, timeout=5)
    job = json.loads(
        requests.post(plain.url + "/api/v1/invoke", json={"operation": NEVER}, timeout=5).content
    )
    request = get(plain.url + f"/api/v1/jobs/{job['id']}/sse", Accept="text/event-stream")
    opened = driver.perform(OpenStream(request))
    assert driver.perform(ReadChunk(opened.handle)).startswith(b"event: job-update")
    assert adapter.unclosed() != []
    driver.perform(CloseStream(opened.handle))
    assert adapter.unclosed() == []
    session.close()


def test_a_read_honours_the_effects_own_timeout(plain: Served) -> None:
    session, _ = tracking_session()
    driver = RequestsDriver(session, timeout=30)
    job = json.loads(
        requests.post(plain.url + "/api/v1/invoke", json={"operation": NEVER}, timeout=5).content
    )
    request = get(plain.url + f"/api/v1/jobs/{job['id']}/sse", Accept="text/event-stream")
    opened = driver.perform(OpenStream(request))
    assert driver.perform(ReadChunk(opened.handle, timeout=5.0))  # the snapshot
    raw = opened.handle.response.raw
    sock = raw.connection.sock or raw._fp.fp.raw._sock
    assert sock.gettimeout() == 5.0
    # Nothing more comes: the read gives up at the effect's timeout, not the driver's.
    with pytest.raises(CoviaTimeoutError):
        driver.perform(ReadChunk(opened.handle, timeout=0.05))
    assert sock.gettimeout() == 0.05
    driver.perform(CloseStream(opened.handle))
    session.close()


def test_sleep_and_time() -> None:
    driver = RequestsDriver(timeout=1)
    before = time.monotonic()
    assert driver.perform(Sleep(0.001)) is None
    now = driver.perform(GetTime())
    assert isinstance(now, float)
    assert now >= before
    driver.close()


def test_unknown_effects_are_refused() -> None:
    driver = RequestsDriver(timeout=1)
    with pytest.raises(CoviaUsageError):
        driver.perform(Emit("x"))  # the runner handles Emit, never the driver
    driver.close()


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(CoviaUsageError):
        RequestsDriver(timeout=timeout)


def test_an_effects_timeout_can_only_shorten_the_drivers() -> None:
    driver = RequestsDriver(timeout=10)
    assert driver._timeout(None) == 10
    assert driver._timeout(3) == 3
    assert driver._timeout(30) == 10
    assert driver._timeout(0) == 0.001  # a spent deadline still means "now", not "never"
    driver.close()


def test_owns_its_session_or_leaves_the_callers() -> None:
    own = RequestsDriver()
    closed = spy_close(own.session)
    own.close()
    assert closed == [1]
    session = requests.Session()
    theirs = RequestsDriver(session)
    assert theirs.session is session
    calls = spy_close(session)
    theirs.close()
    assert calls == []
    session.close()
    assert calls == [1]


# -- with fake adapters: no server needed --------------------------------------------------


class CannedAdapter(requests.adapters.BaseAdapter):
    """Answers every request with ``status`` and ``headers``, or raises ``error``."""

    def __init__(
        self,
        status: int = 200,
        headers: dict[str, str] | None = None,
        error: Exception | None = None,
    ) -> None:
        super().__init__()
        self.status = status
        self.headers = headers or {}
        self.error = error
        self.seen: list[requests.PreparedRequest] = []
        self.kwargs: list[dict[str, Any]] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.seen.append(request)
        self.kwargs.append(kwargs)
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response.headers.update(self.headers)
        response.raw = io.BytesIO(b"body")
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def canned(adapter: CannedAdapter, **options: Any) -> RequestsDriver:
    session = requests.Session()
    session.mount("https://", adapter)
    return RequestsDriver(session, **options)


def test_redirects_are_never_followed() -> None:
    adapter = CannedAdapter(302, {"Location": "https://elsewhere.example/steal"})
    driver = canned(adapter)
    response = driver.perform(Send(get("https://venue.example/api/v1/status", Authorization="x")))
    assert response.status == 302
    assert len(adapter.seen) == 1


def test_headers_body_and_timeouts_reach_the_adapter() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter, timeout=7)
    request = Request(
        "POST",
        "https://venue.example/api/v1/invoke",
        headers=(("Content-Type", "application/json"), ("X-Tenant", "acme")),
        body=b'{"a":1}',
    )
    driver.perform(Send(request, timeout=2.5))
    (sent,) = adapter.seen
    assert sent.method == "POST"
    assert sent.body == b'{"a":1}'
    assert sent.headers["X-Tenant"] == "acme"
    assert adapter.kwargs[0]["timeout"] == 2.5
    assert adapter.kwargs[0]["verify"] is not False


def test_verify_is_sent_per_request_and_leaves_the_session_alone() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter, verify="/path/to/ca.pem")
    driver.perform(Send(get("https://venue.example/x")))
    assert adapter.kwargs[0]["verify"] == "/path/to/ca.pem"
    assert driver.session.verify is True


def test_a_streamed_body_goes_out_as_given() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter)
    chunks = iter([b"ab", b"cd"])
    request = Request("PUT", "https://venue.example/c", body=b"")
    driver.perform(Send(request, body_stream=chunks))
    assert adapter.seen[0].body is cast(object, chunks)
    assert adapter.seen[0].headers["Transfer-Encoding"] == "chunked"


def _reset() -> requests.ConnectionError:
    return requests.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )


def _refused() -> requests.ConnectionError:
    inner = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    retry = urllib3.exceptions.MaxRetryError(None, "/x", inner)  # type: ignore[arg-type]
    return requests.ConnectionError(retry)


@pytest.mark.parametrize(
    ("error", "expected", "sent"),
    [
        (requests.ConnectTimeout("connect"), CoviaTimeoutError, None),
        (requests.ReadTimeout("read"), CoviaTimeoutError, None),
        (requests.exceptions.SSLError("bad cert"), CoviaConnectionError, False),
        (requests.exceptions.InvalidURL("bad url"), CoviaUsageError, None),
        (requests.exceptions.ChunkedEncodingError("cut"), CoviaConnectionError, True),
        (_reset(), CoviaConnectionError, True),
        (_refused(), CoviaConnectionError, False),
    ],
    ids=["connect-timeout", "read-timeout", "tls", "invalid-url", "chunked", "reset", "refused"],
)
def test_library_failures_become_the_cores_errors(error, expected, sent) -> None:
    driver = canned(CannedAdapter(error=error))
    with pytest.raises(expected) as caught:
        driver.perform(Send(get("https://venue.example/api/v1/status")))
    assert caught.value.request == RequestInfo("GET", "https://venue.example/api/v1/status")
    assert isinstance(caught.value.__cause__, requests.RequestException)
    if sent is not None:
        assert caught.value.sent is sent
    translated = _translate(error, INFO)
    assert isinstance(translated, expected)


# -- the client over loopback, with faults -------------------------------------------------


def test_whole_client_in_every_profile(served: Served, tmp_path) -> None:
    content = b"0123456789" * 20_000
    digest = hashlib.sha256(content).hexdigest()
    with loopback_client(served.url) as (venue, _, adapter):
        assert venue.status().name == "Covia Test Venue"
        assert venue.run(ECHO, {"a": 1}, timeout=10) == {"a": 1}
        job = venue.invoke(DELAY, {"delay": 50, "operation": ECHO, "input": 2})
        assert job.wait(timeout=10).output == 2
        events = list(venue.invoke(DELAY, {"delay": 50, "operation": ECHO, "input": 3}).stream())
        assert json.loads(events[-1].data)["output"] == 3
        asset = venue.register({"content": {"contentType": "text/plain", "sha256": digest}})
        assert asset.put_content(iter([content[:1000], content[1000:]])) == digest
        assert asset.get_content() == content
        asset.download(tmp_path / "c.txt")
        assert (tmp_path / "c.txt").read_bytes() == content
        chat = venue.invoke(CHAT, {})
        chat.send_message("hi")
        assert chat.wait(timeout=10).output["echo"] == "hi"
        chat.cancel()
    uploads = [p for p in adapter.prepared if p.method == "PUT" and str(p.url).endswith("/content")]
    assert [p.headers["Content-Type"] for p in uploads] == ["text/plain"]
    assert uploads[0].headers["Transfer-Encoding"] == "chunked"


def test_sse_wait_returns_on_the_event(plain: Served) -> None:
    with loopback_client(plain.url) as (venue, driver, _):
        job = venue.invoke(DELAY, {"delay": 100, "operation": ECHO, "input": "x"})
        before = len(driver.requests)
        assert job.wait(timeout=10).output == "x"
        taken = driver.requests[before:]
        assert [r.url.rsplit("/", 1)[-1] for r in taken] == ["sse"]


@pytest.mark.parametrize(
    "fault",
    [ResetBeforeRequest(), ResetAfterRequest(), ServerError(503), TruncateBody()],
    ids=["reset-before", "reset-after", "503", "truncated"],
)
def test_gets_are_retried_through_transient_failures(plain: Served, fault) -> None:
    add_fault(plain, fault, method="GET", path="/status", times=2)
    with loopback_client(plain.url) as (venue, driver, _):
        assert venue.status().name == "Covia Test Venue"
        assert len(driver.sent("GET", "/status")) == 3


@pytest.mark.parametrize(
    "fault",
    [ResetBeforeRequest(), ResetAfterRequest(), TruncateBody(), MalformedJson()],
    ids=["reset-before", "reset-after", "truncated", "malformed"],
)
def test_invoke_is_never_sent_twice(plain: Served, fault) -> None:
    add_fault(plain, fault, method="POST", path="/invoke")
    before = job_count(plain)
    with loopback_client(plain.url) as (venue, driver, _):
        with pytest.raises((CoviaConnectionError, VenueProtocolError)):
            venue.invoke(ECHO, {"once": 1})
        assert len(driver.sent("POST", "/invoke")) == 1
    expected = 0 if isinstance(fault, ResetBeforeRequest) else 1
    assert job_count(plain) == before + expected


def test_a_message_is_never_sent_twice(plain: Served) -> None:
    with loopback_client(plain.url) as (venue, driver, _):
        job = venue.invoke(CHAT, {})
        add_fault(plain, ResetAfterRequest(), method="POST", path="/jobs/")
        with pytest.raises(CoviaConnectionError):
            job.send_message("once")
        assert len(driver.sent("POST", f"/jobs/{job.id}")) == 1
        plain.call(plain.simulator.faults.clear)
        assert job.refresh().output["echo"] == "once"
        job.cancel()


def test_429_storm_with_retry_after_is_waited_out(latest: Served) -> None:
    add_fault(latest, RateLimited("0"), method="POST", path="/invoke", times=3)
    before = job_count(latest)
    with loopback_client(latest.url) as (venue, driver, _):
        assert venue.invoke(ECHO, 5).output == 5
        assert len(driver.sent("POST", "/invoke")) == 4
        assert len(driver.sleeps) == 3
    assert job_count(latest) == before + 1


def test_429_that_never_ends_is_a_rate_limit_error(latest: Served) -> None:
    add_fault(latest, RateLimited("0"), path="/status")
    with loopback_client(latest.url) as (venue, _, _), pytest.raises(RateLimitError) as caught:
        venue.status()
    assert caught.value.retry_after == 0.0


def test_5xx_on_invoke_is_an_error_and_not_retried(plain: Served) -> None:
    add_fault(plain, ServerError(502, "bad gateway", json=False), method="POST", path="/invoke")
    with loopback_client(plain.url) as (venue, driver, _):
        with pytest.raises(GridError) as caught:
            venue.invoke(ECHO, 1)
        assert (caught.value.status_code, caught.value.message) == (502, "bad gateway")
        assert len(driver.sent("POST", "/invoke")) == 1


def test_malformed_json_is_a_protocol_error(plain: Served) -> None:
    add_fault(plain, MalformedJson(), path="/operations")
    with loopback_client(plain.url) as (venue, _, _), pytest.raises(VenueProtocolError):
        venue.list_operations()


def test_wrong_content_type_on_the_event_stream_falls_back_to_polling(plain: Served) -> None:
    add_fault(plain, WrongContentType("text/html"), path="/sse$")
    with loopback_client(plain.url) as (venue, driver, _):
        job = venue.invoke(DELAY, {"delay": 50, "operation": ECHO, "input": 1})
        assert job.wait(timeout=10).output == 1
        assert len(driver.sent("GET", f"/jobs/{job.id}")) >= 2


def test_sse_broken_mid_event(plain: Served) -> None:
    add_fault(plain, BreakStream(after_events=1), path="/sse$")
    with loopback_client(plain.url) as (venue, _, _):
        job = venue.invoke(DELAY, {"delay": 100, "operation": ECHO, "input": "b"})
        events = list(job.stream())
        assert all(json.loads(e.data)["id"] for e in events)
        assert job.output == "b"


def test_truncated_content_is_an_error_and_no_file(plain: Served, tmp_path) -> None:
    content = b"z" * 200_000
    with loopback_client(plain.url) as (venue, _, _):
        asset = venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
        asset.put_content(content)
        add_fault(plain, TruncateBody(), method="GET", path="/content$")
        with pytest.raises((CoviaConnectionError, VenueProtocolError)):
            asset.download(tmp_path / "t.bin")
        assert list(tmp_path.iterdir()) == []


def test_stalled_answer_with_a_short_timeout(plain: Served) -> None:
    add_fault(plain, StallResponse(), path="/status")
    with loopback_client(plain.url, timeout=0.2) as (venue, driver, _):
        with pytest.raises(CoviaTimeoutError) as caught:
            venue.status()
        assert isinstance(caught.value, TimeoutError)
        assert len(driver.sent("GET", "/status")) == 1


def test_stalled_invoke_is_not_sent_again(plain: Served) -> None:
    add_fault(plain, StallResponse(after_request=True), method="POST", path="/invoke")
    before = job_count(plain)
    with loopback_client(plain.url, timeout=0.2) as (venue, driver, _):
        with pytest.raises(CoviaTimeoutError):
            venue.invoke(ECHO, 1)
        assert len(driver.sent("POST", "/invoke")) == 1
    assert job_count(plain) == before + 1


def test_early_exits_close_every_response(plain: Served) -> None:
    content = b"q" * 300_000
    with loopback_client(plain.url) as (venue, _, adapter):
        asset = venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
        asset.put_content(content)
        chunks = venue.iter_asset_content(asset.id)
        next(chunks)
        assert adapter.unclosed() != []
        chunks.close()
        assert adapter.unclosed() == []
        job = venue.invoke(NEVER, {})
        events = job.stream()
        next(events)
        events.close()
        assert adapter.unclosed() == []
        job.cancel()


def test_errors_inside_a_consumer_close_the_stream(plain: Served, tmp_path) -> None:
    content = b"w" * 300_000

    class Full(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            raise OSError("disk full")

    with loopback_client(plain.url) as (venue, _, adapter):
        asset = venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
        asset.put_content(content)
        with pytest.raises(OSError, match="disk full"):
            asset.download(cast(IO[bytes], Full()))
        assert adapter.unclosed() == []


def test_session_headers_and_adapters_are_used(plain: Served) -> None:
    from covia import Grid

    session = requests.Session()
    adapter = TrackingAdapter()
    session.mount("http://", adapter)
    session.headers["X-Custom"] = "1"
    with Grid.connect(plain.url, session=session) as venue:
        venue.status()
    assert adapter.prepared[0].headers["X-Custom"] == "1"
    assert adapter.unclosed() == []
    session.close()


def _unused(fn: Callable[..., Any]) -> None:  # keeps imports honest for mypy
    del fn


class GzipVenue(requests.adapters.BaseAdapter):
    """A venue (behind a proxy) that gzips what it sends: JSON as requests asks it to,
    content even though the SDK asks for it as stored."""

    content = b"hello compressed world\n" * 1000

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        asked = str(request.headers.get("Accept-Encoding"))
        if str(request.url).endswith("/content"):
            assert asked == "identity"
            body = gzip.compress(self.content)
            headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
        else:
            assert "gzip" in asked
            sha = hashlib.sha256(self.content).hexdigest()
            body = json.dumps({"name": "z", "content": {"sha256": sha}}).encode()
            headers = {"Content-Type": "text/plain"}
        headers["Content-Length"] = str(len(body))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=200,
            preload_content=False,
            decode_content=False,
        )
        return requests.adapters.HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass


def test_compressed_content_is_decoded_and_checked(tmp_path) -> None:
    from covia import Grid, compute_asset_id

    session = requests.Session()
    session.mount("https://", GzipVenue())
    with Grid.connect("https://venue.example", session=session) as venue:
        sha = hashlib.sha256(GzipVenue.content).hexdigest()
        asset_id = compute_asset_id({"name": "z", "content": {"sha256": sha}})
        assert venue.get_asset_content(asset_id) == GzipVenue.content
        result = venue.download_asset_content(asset_id, tmp_path / "z.txt")
    assert result.verified
    assert result.size == len(GzipVenue.content)
    assert (tmp_path / "z.txt").read_bytes() == GzipVenue.content


# -- the lean path through requests ---------------------------------------------------------


def test_the_lean_path_sends_the_sessions_headers_under_the_requests_own() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter)
    driver.session.headers["X-Team"] = "blue"
    driver.session.headers["Accept"] = "text/nothing"
    driver.perform(Send(get("https://venue.example/api/v1/status", Accept="application/json")))
    (sent,) = adapter.seen
    assert sent.headers["X-Team"] == "blue"
    assert sent.headers["Accept"] == "application/json"
    assert sent.url == "https://venue.example/api/v1/status"


@pytest.mark.parametrize("full_path", [False, True])
def test_a_user_agent_set_on_the_callers_session_is_respected(full_path: bool) -> None:
    adapter = CannedAdapter()
    session = requests.Session()
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "my-app/2.0"
    if full_path:
        session.params = {"trace": "1"}  # something only the full path honours
    driver = RequestsDriver(session)
    sdk_default = get("https://venue.example/api/v1/status", **{"User-Agent": DEFAULT_USER_AGENT})
    driver.perform(Send(sdk_default))
    chosen = get("https://venue.example/api/v1/status", **{"User-Agent": "per-connect/1"})
    driver.perform(Send(chosen))  # connect(headers=...) still wins
    assert [sent.headers["User-Agent"] for sent in adapter.seen] == ["my-app/2.0", "per-connect/1"]


def test_requests_own_default_user_agent_gives_way_to_the_sdks() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter)
    sdk_default = get("https://venue.example/api/v1/status", **{"User-Agent": DEFAULT_USER_AGENT})
    driver.perform(Send(sdk_default))
    assert adapter.seen[0].headers["User-Agent"] == DEFAULT_USER_AGENT


def test_the_lean_path_keeps_the_cores_percent_encoding_and_sets_content_length() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter)
    url = "https://venue.example/api/v1/operations/v%2Ftest%2Fops%2Fecho"
    driver.perform(Send(get(url)))
    driver.perform(Send(Request("PUT", "https://venue.example/api/v1/jobs/ab/cancel")))
    driver.perform(Send(Request("POST", "https://venue.example/api/v1/invoke", body=b"{}")))
    assert adapter.seen[0].url == url
    assert adapter.seen[1].headers["Content-Length"] == "0"
    assert adapter.seen[2].headers["Content-Length"] == "2"


def test_cookies_a_venue_sets_are_kept_and_sent_back() -> None:
    import http.server
    import threading

    seen: list[str | None] = []

    class Sticky(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "route=b2; Path=/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sticky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        driver = RequestsDriver()
        url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/status"
        driver.perform(Send(get(url)))
        driver.perform(Send(get(url)))
        driver.close()
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [None, "route=b2"]


def test_a_session_with_its_own_auth_or_proxies_takes_the_full_path() -> None:
    adapter = CannedAdapter()
    driver = canned(adapter)
    driver.session.auth = ("proxy-user", "proxy-pass")
    driver.perform(Send(get("https://venue.example/api/v1/status")))
    assert adapter.seen[0].headers["Authorization"].startswith("Basic ")


def test_the_environments_proxies_and_ca_bundle_are_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/venue-ca.pem")
    adapter = CannedAdapter()
    driver = canned(adapter)
    driver.perform(Send(get("https://venue.example/api/v1/status")))
    assert adapter.kwargs[0]["proxies"].get("https") == "http://127.0.0.1:3128"
    assert adapter.kwargs[0]["verify"] == "/etc/ssl/venue-ca.pem"
    driver.session.trust_env = False
    driver.perform(Send(get("https://venue.example/api/v1/status")))
    assert adapter.kwargs[1]["proxies"] == {}
    assert adapter.kwargs[1]["verify"] is True


def _read_sizes(url: str) -> list[int]:
    driver = RequestsDriver()
    try:
        opened = driver.perform(OpenStream(Request("GET", url + "/body")))
        sizes = []
        while chunk := driver.perform(ReadChunk(opened.handle)):
            sizes.append(len(chunk))
        driver.perform(CloseStream(opened.handle))
        return sizes
    finally:
        driver.close()


@pytest.mark.parametrize(
    ("content_type", "length", "grows"),
    [
        ("application/octet-stream", True, True),
        ("text/event-stream; charset=utf-8", True, False),
        ("application/octet-stream", False, False),
    ],
    ids=["download", "events", "unknown-length"],
)
def test_reads_of_a_download_of_known_length_grow(
    loop: BackgroundLoop,
    monkeypatch: pytest.MonkeyPatch,
    content_type: str,
    length: bool,
    grows: bool,
) -> None:
    readied: list[int] = []
    monkeypatch.setattr("covia_proto.allocator.ready_for", readied.append)
    body = bytes(8 * MAX_READ_SIZE)

    def respond(seen: Any) -> bytes:
        return response(200, body, content_type=content_type, length=length)

    with serving(loop, respond) as venue:
        sizes = _read_sizes(venue.url)
    assert sum(sizes) == len(body)
    if not grows:
        # Events are parsed as they are read, in pieces that stay in the CPU's cache; a
        # caller who stops reading a body of unknown length early is given little more.
        assert max(sizes) <= READ_SIZE
        assert readied == []
        return
    # A download's reads double as they fill, each size readied before it is read with.
    assert READ_SIZE < max(sizes) <= MAX_READ_SIZE
    assert readied[0] == 2 * READ_SIZE
    assert max(sizes) <= max(readied) <= MAX_READ_SIZE
