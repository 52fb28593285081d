"""``covia.grid``: ``Grid.connect`` by URL and by DID, with the caller's session or
its own, and what it sends with every request."""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any

import pytest
import requests

from covia import (
    ContentHashError,
    CoviaConnectionError,
    CoviaUsageError,
    Grid,
    NotFoundError,
    Venue,
    _hashing,
)
from covia._hashing import PipelinedSha256
from covia.auth import Auth, BasicAuth, BearerAuth, NoAuth
from covia_proto.testing.faults import FaultPlan, ServerError
from covia_requests import RequestsDriver
from tests.covia.conftest import Served
from tests.covia.helpers import (
    ECHO,
    TrackingAdapter,
    memory_venue,
    spy_close,
    tracking_session,
)


class CountingAdapter(TrackingAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def _did_web(url: str) -> str:
    host_port = url.split("://", 1)[1]
    return "did:web:" + host_port.replace(":", "%3A")


def test_connect_by_url_owns_and_closes_its_session(served: Served) -> None:
    venue = Grid.connect(served.url)
    assert isinstance(venue, Venue)
    driver = venue._session.driver
    assert isinstance(driver, RequestsDriver)
    closes = spy_close(driver.session)
    assert venue.status().name == "Covia Test Venue"
    venue.close()
    venue.close()  # closing twice is harmless
    assert closes == [1]


def test_context_manager_closes(plain_served: Served) -> None:
    with Grid.connect(plain_served.url) as venue:
        assert venue.status().name == "Covia Test Venue"
        session = venue._session.driver.session  # type: ignore[attr-defined]
        adapter = CountingAdapter()
        session.mount("http://", adapter)
    assert adapter.closed == 1


def test_callers_session_is_used_and_left_open(served: Served) -> None:
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    session.headers["X-From-Session"] = "yes"
    with Grid.connect(served.url, session=session) as venue:
        assert venue.run(ECHO, {"a": 1}, timeout=10) == {"a": 1}
        job = venue.invoke(ECHO, 2)
        job.wait(timeout=10)
    assert adapter.prepared, "the mounted adapter saw no request"
    assert all(p.headers.get("X-From-Session") == "yes" for p in adapter.prepared)
    assert adapter.closed == 0
    assert adapter.unclosed() == []
    # The session still works after the venue is closed.
    answer = session.get(served.url + "/api/v1/status", timeout=5)
    assert answer.status_code == 200
    answer.close()
    session.close()
    assert adapter.closed == 1


def test_headers_and_auth_go_out_with_every_request(plain_served: Served) -> None:
    session, adapter = tracking_session()
    with Grid.connect(
        plain_served.url,
        session=session,
        headers={"X-Tenant": "acme", "X-Request-ID": "abc123"},
        auth=BearerAuth("tok-123"),
    ) as venue:
        venue.status()
        venue.invoke(ECHO, 1)
        venue.list_operations()
    assert len(adapter.prepared) == 3
    for prepared in adapter.prepared:
        assert prepared.headers["X-Tenant"] == "acme"
        assert prepared.headers["X-Request-ID"] == "abc123"
        assert prepared.headers["Authorization"] == "Bearer tok-123"
        assert prepared.headers["User-Agent"].startswith("covia")
    session.close()


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (None, None),
        (NoAuth(), None),
        (BearerAuth("abc"), "Bearer abc"),
        (BasicAuth("user", "pa:ss"), "Basic " + base64.b64encode(b"user:pa:ss").decode()),
    ],
)
def test_auth_schemes(plain_served: Served, auth: Auth | None, expected: str | None) -> None:
    session, adapter = tracking_session()
    with Grid.connect(plain_served.url, session=session, auth=auth) as venue:
        venue.status()
    assert adapter.prepared[0].headers.get("Authorization") == expected
    session.close()


def test_custom_auth_and_a_known_token_make_the_caller_known(plain_served: Served) -> None:
    class OAuth2Auth(Auth):
        def __init__(self, access_token: str) -> None:
            self._token = access_token

        def apply(self, headers: dict[str, str]) -> None:
            headers["Authorization"] = f"Bearer {self._token}"

        def __repr__(self) -> str:
            return "OAuth2Auth(***)"

    plain_served.call(plain_served.simulator.tokens.__setitem__, "good", "did:key:z6MkAlice")
    with Grid.connect(plain_served.url, auth=OAuth2Auth("good")) as venue:
        assert venue.run("v/ops/auth/whoami", {})["caller"] == "did:key:z6MkAlice"
    with Grid.connect(plain_served.url) as venue:
        assert venue.run("v/ops/auth/whoami", {})["caller"].endswith(":public")


def test_connect_by_did_web(served: Served) -> None:
    did = _did_web(served.url)
    session, adapter = tracking_session()
    with Grid.connect(did, session=session) as venue:
        assert venue.address == did
        assert venue.base_url == served.url
        assert venue.status().name == "Covia Test Venue"
        assert venue.run(ECHO, "via did", timeout=10) == "via did"
    assert adapter.prepared[0].url == served.url + "/.well-known/did.json"
    assert adapter.unclosed() == []
    session.close()


def test_did_resolution_failure_closes_the_owned_session(plain_served: Served) -> None:
    faults: FaultPlan = plain_served.simulator.faults
    plain_served.call(lambda: faults.add(ServerError(404, "nothing"), path=r"did\.json"))
    closed: list[int] = []
    original = requests.Session.close

    def spy(self: requests.Session) -> None:
        closed.append(1)
        original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.Session, "close", spy)
        with pytest.raises(NotFoundError):
            Grid.connect(_did_web(plain_served.url))
    assert closed == [1]


def test_did_resolution_failure_leaves_the_callers_session_open(plain_served: Served) -> None:
    faults: FaultPlan = plain_served.simulator.faults
    plain_served.call(lambda: faults.add(ServerError(404, "nothing"), path=r"did\.json"))
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    with pytest.raises(NotFoundError):
        Grid.connect(_did_web(plain_served.url), session=session)
    assert adapter.closed == 0
    session.close()


def test_nothing_listening_is_a_connection_error(plain_served: Served) -> None:
    # A port that was just closed: connecting fails, never hangs.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    venue = Grid.connect(f"http://127.0.0.1:{port}", timeout=5)
    with pytest.raises(CoviaConnectionError) as caught:
        venue.status()
    assert isinstance(caught.value, ConnectionError)
    venue.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": -5},
        {"call_timeout": 0},
        {"call_timeout": "5"},
        {"auth": "token"},
        {"headers": {"X": 1}},
    ],
)
def test_bad_options_are_usage_errors_before_any_io(kwargs: dict[str, Any]) -> None:
    with pytest.raises(CoviaUsageError):
        Grid.connect("https://venue.example.com", **kwargs)


def test_connect_with_a_driver_leaves_it_to_the_caller() -> None:
    mem = memory_venue()
    mem.venue.status()
    mem.venue.close()
    assert not mem.driver.closed_driver


def test_verify_does_not_change_the_callers_session(plain_served: Served) -> None:
    session = requests.Session()
    assert session.verify is True
    with Grid.connect(plain_served.url, session=session, verify=False) as venue:
        venue.status()
    assert session.verify is True
    session.close()


def test_limits_reach_the_flows(plain_served: Served) -> None:
    from covia import Limits, VenueProtocolError

    with Grid.connect(plain_served.url, limits=Limits(max_body_size=10)) as venue:
        assert venue._session.context.limits == Limits(max_body_size=10)
        with pytest.raises(VenueProtocolError, match=r"max_body_size \(10 bytes\)"):
            venue.status()
    with Grid.connect(plain_served.url) as venue:
        assert venue._session.context.limits == Limits()
        assert venue.status().status
    with pytest.raises(CoviaUsageError, match="limits"):
        Grid.connect(plain_served.url, limits=10)  # type: ignore[arg-type]


def test_an_async_driver_is_refused_before_any_io() -> None:
    from covia_proto.testing.memory import AsyncMemoryDriver
    from covia_proto.testing.pytest_plugin import FakeClock
    from covia_proto.testing.simulator import VenueSimulator

    clock = FakeClock()
    driver = AsyncMemoryDriver(VenueSimulator(clock=clock), clock)
    with pytest.raises(CoviaUsageError, match="must be a sync driver"):
        Grid.connect("http://venue.test", driver=driver)  # type: ignore[arg-type]


@pytest.mark.parametrize("option", [{"session": requests.Session()}, {"verify": False}])
def test_options_for_the_sdks_own_driver_are_refused_with_a_driver(
    option: dict[str, Any],
) -> None:
    mem = memory_venue()
    with pytest.raises(CoviaUsageError, match="configure your driver instead"):
        Grid.connect("http://venue.test", driver=mem.driver, **option)


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "covia-sha256"]


def test_a_sync_download_is_hashed_in_a_second_thread_that_ends_with_it(
    plain_served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_hashing, "SPARE_CORE", True)  # even on a machine of one core
    content = bytes(range(256)) * 4096 * 3  # 3 MiB: past what is hashed inline
    digest = hashlib.sha256(content).hexdigest()
    metadata = {"name": "big", "content": {"contentType": "text/plain", "sha256": digest}}
    with Grid.connect(plain_served.url) as venue:
        assert venue._session.context.hasher is PipelinedSha256
        asset_id = venue.register(metadata).id
        venue.put_asset_content(asset_id, content)
        received, hashing = [], []
        for chunk in venue.iter_asset_content(asset_id):  # checked against the declared hash
            received.append(chunk)
            hashing.append(bool(_worker_threads()))
        assert b"".join(received) == content
        assert any(hashing)
        assert _worker_threads() == []
        # A consumer who stops early, and a mismatch, end the worker too.
        chunks = venue.iter_asset_content(asset_id)
        while not _worker_threads():
            next(chunks)
        chunks.close()
        assert _worker_threads() == []
        with pytest.raises(ContentHashError):
            venue.get_asset_content(asset_id, expected_sha256="00" * 32)
        assert _worker_threads() == []
