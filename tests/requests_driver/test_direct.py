"""``covia_requests.direct``: the SDK's own session sends straight to urllib3's pools,
and everything that needs requests (a proxy, an adapter the caller mounted, cookies)
still goes through requests."""

from __future__ import annotations

import gzip
import json
import pathlib
import socket
import ssl
import time
from typing import Any

import pytest
import requests
import trustme
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import SSLError as Urllib3SSLError

from covia import CoviaConnectionError, CoviaTimeoutError, CoviaUsageError
from covia_proto.endpoints.endpoint import DEFAULT_USER_AGENT
from covia_proto.flows.effects import CloseStream, OpenStream, ReadChunk, Send
from covia_proto.http import Request
from covia_proto.testing.server import BackgroundLoop
from covia_requests import RequestsDriver
from covia_requests.direct import as_requests_error
from tests.conformance.hostile import Seen, response, serving
from tests.covia.helpers import NEVER
from tests.requests_driver.conftest import Served
from tests.requests_driver.test_driver import CannedAdapter


@pytest.fixture
def no_adapter_send(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL that went through ``HTTPAdapter.send`` (requests' own path)."""
    sent: list[str] = []
    original = requests.adapters.HTTPAdapter.send

    def send(self: Any, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        sent.append(request.url or "")
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return sent


def status(url: str) -> Request:
    headers = (("Accept", "application/json"), ("User-Agent", DEFAULT_USER_AGENT))
    return Request("GET", url + "/api/v1/status", headers)


def test_the_sdks_own_session_sends_without_requests(
    plain: Served, no_adapter_send: list[str], connects: list[int]
) -> None:
    driver = RequestsDriver(timeout=5)
    for _ in range(3):
        answer = driver.perform(Send(status(plain.url)))
        assert answer.status == 200
        assert (answer.header("content-type") or "").startswith("application/json")
    assert no_adapter_send == []
    assert connects == [1]  # one keep-alive connection, with the deadline's socket
    driver.close()


def test_what_goes_out_is_what_requests_would_send(loop: BackgroundLoop) -> None:
    with serving(loop, lambda seen: response(200, b"{}")) as server:
        driver = RequestsDriver(timeout=5)
        driver.perform(Send(status(server.url)))
        driver.perform(Send(Request("POST", server.url + "/api/v1/invoke", body=b'{"a":1}')))
        driver.perform(Send(Request("PUT", server.url + "/api/v1/jobs/ab/cancel")))
        driver.close()
    get, post, put = server.seen
    # The core's headers win over the session's defaults, as on requests' path.
    assert get.header("User-Agent") == DEFAULT_USER_AGENT
    assert get.header("Accept") == "application/json"
    assert get.header("Accept-Encoding") == requests.utils.DEFAULT_ACCEPT_ENCODING
    assert get.header("Host") == f"127.0.0.1:{server.port}"
    assert get.header("Content-Length") is None
    assert (post.body, post.header("Content-Length")) == (b'{"a":1}', "7")
    assert put.header("Content-Length") == "0"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/api/v1/assets/0xab%2Fcd?limit=5", "/api/v1/assets/0xab%2Fcd?limit=5"),
        ("?limit=5", "/?limit=5"),
        ("", "/"),
    ],
)
def test_the_target_is_the_urls_path_and_query_as_given(
    loop: BackgroundLoop, url: str, target: str
) -> None:
    with serving(loop, lambda seen: response(200, b"{}")) as server:
        driver = RequestsDriver(timeout=5)
        driver.perform(Send(Request("GET", server.url + url)))
        driver.close()
    assert [seen.target for seen in server.seen] == [target]


def test_compressed_answers_are_decoded(loop: BackgroundLoop) -> None:
    body = b'{"name": "zipped"}' * 100
    reply = response(200, gzip.compress(body), headers=(("Content-Encoding", "gzip"),))
    with serving(loop, lambda seen: reply) as server:
        driver = RequestsDriver(timeout=5)
        assert driver.perform(Send(status(server.url))).body == body
        opened = driver.perform(OpenStream(status(server.url)))
        read = b""
        while chunk := driver.perform(ReadChunk(opened.handle)):
            read += chunk
        driver.perform(CloseStream(opened.handle))
        driver.close()
    assert read == body


def test_a_stream_returns_what_has_arrived_in_large_reads(loop: BackgroundLoop) -> None:
    size = 3 * 1024 * 1024
    reply = response(200, b"x" * size, content_type="application/octet-stream")
    with serving(loop, lambda seen: reply) as server:
        driver = RequestsDriver(timeout=5)
        opened = driver.perform(OpenStream(status(server.url)))
        reads = []
        while chunk := driver.perform(ReadChunk(opened.handle)):
            reads.append(len(chunk))
        driver.perform(CloseStream(opened.handle))
        driver.close()
    assert sum(reads) == size
    assert max(reads) > 64 * 1024  # not cut to 64 KiB pieces


def test_each_read_of_a_stream_is_held_to_its_own_bound(plain: Served) -> None:
    driver = RequestsDriver(timeout=30)
    job = json.loads(
        requests.post(plain.url + "/api/v1/invoke", json={"operation": NEVER}, timeout=5).content
    )
    events = Request(
        "GET", plain.url + f"/api/v1/jobs/{job['id']}/sse", (("Accept", "text/event-stream"),)
    )
    opened = driver.perform(OpenStream(events))
    assert driver.perform(ReadChunk(opened.handle, timeout=5.0))  # the snapshot
    # Nothing more comes: a shorter bound than the last read's is the one that holds.
    started = time.monotonic()
    with pytest.raises(CoviaTimeoutError):
        driver.perform(ReadChunk(opened.handle, timeout=0.05))
    assert time.monotonic() - started < 2.0
    driver.perform(CloseStream(opened.handle))
    driver.close()


def test_an_environment_proxy_keeps_requests_path(
    monkeypatch: pytest.MonkeyPatch, no_adapter_send: list[str]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    driver = RequestsDriver(timeout=5)
    with pytest.raises(CoviaConnectionError):
        driver.perform(Send(status("http://venue.example")))
    assert no_adapter_send == ["http://venue.example/api/v1/status"]
    driver.close()


def test_tls_settings_come_from_the_driver_then_the_environment(
    loop: BackgroundLoop, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    ca = trustme.CA()
    ca_path = str(tmp_path / "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with serving(loop, lambda seen: response(200, b"{}"), tls=tls) as server:
        request = Send(status(server.url))
        refused = RequestsDriver(timeout=5)
        with pytest.raises(CoviaConnectionError, match="TLS failed"):
            refused.perform(request)
        given = RequestsDriver(timeout=5, verify=ca_path)
        assert given.perform(request).status == 200
        # As requests does: the environment's bundle when the driver names none.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_path)
        assert refused.perform(request).status == 200
        # Once the environment's bundle is gone, the same driver refuses again.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        with pytest.raises(CoviaConnectionError, match="TLS failed"):
            refused.perform(request)
        refused.close()
        given.close()
    assert len(server.seen) == 2


def test_an_adapter_mounted_on_the_sdks_session_is_used() -> None:
    driver = RequestsDriver(timeout=5)
    adapter = CannedAdapter()
    driver.session.mount("http://venue.example", adapter)
    assert driver.perform(Send(status("http://venue.example"))).body == b"body"
    assert [p.url for p in adapter.seen] == ["http://venue.example/api/v1/status"]
    driver.close()


def test_a_client_certificate_keeps_requests_path(no_adapter_send: list[str]) -> None:
    driver = RequestsDriver(timeout=5)
    driver.session.cert = "/nonexistent/client.pem"
    with pytest.raises(CoviaUsageError, match="certificate file"):
        driver.perform(Send(status("https://127.0.0.1:9")))
    assert no_adapter_send == ["https://127.0.0.1:9/api/v1/status"]
    driver.close()


@pytest.mark.parametrize("own_session", [True, False])
def test_a_missing_ca_bundle_is_a_usage_error(own_session: bool) -> None:
    driver = RequestsDriver(
        None if own_session else requests.Session(), timeout=5, verify="/nonexistent/ca.pem"
    )
    with pytest.raises(CoviaUsageError, match="CA certificate bundle"):
        driver.perform(Send(status("https://127.0.0.1:9")))
    driver.close()


def test_the_driver_works_after_its_session_was_closed(plain: Served) -> None:
    driver = RequestsDriver(timeout=5)
    assert driver.perform(Send(status(plain.url))).status == 200
    driver.session.close()  # closes the adapter's pools, as requests allows
    assert driver.perform(Send(status(plain.url))).status == 200
    driver.close()


def test_a_refused_connection_was_not_sent() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    driver = RequestsDriver(timeout=5)
    with pytest.raises(CoviaConnectionError) as refused:
        driver.perform(Send(status(f"http://127.0.0.1:{port}")))
    assert refused.value.sent is False
    driver.close()


def test_a_bad_url_is_a_usage_error() -> None:
    driver = RequestsDriver(timeout=5)
    with pytest.raises(CoviaUsageError, match="invalid URL"):
        driver.perform(Send(status("http://bad host:x")))
    driver.close()


def test_a_silent_venue_times_out(loop: BackgroundLoop) -> None:
    async def silent(seen: Seen) -> Any:
        import asyncio

        await asyncio.sleep(30)
        yield b""

    with serving(loop, silent) as server:
        driver = RequestsDriver(timeout=0.3)
        with pytest.raises(CoviaTimeoutError, match="timed out waiting for the venue"):
            driver.perform(Send(status(server.url)))
        driver.close()


POOL = urllib3.HTTPConnectionPool("venue.example")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MaxRetryError(POOL, "/", NewConnectionError(None, "refused")), requests.ConnectionError),  # type: ignore[arg-type]
        (MaxRetryError(POOL, "/", ConnectTimeoutError("slow")), requests.ConnectTimeout),
        (MaxRetryError(POOL, "/", Urllib3SSLError("bad")), requests.exceptions.SSLError),
        (
            MaxRetryError(POOL, "/", Urllib3ProxyError("p", OSError())),
            requests.exceptions.ProxyError,
        ),
        (ProtocolError("reset"), requests.ConnectionError),
        (OSError("gone"), requests.ConnectionError),
        (Urllib3SSLError("bad"), requests.exceptions.SSLError),
        (ReadTimeoutError(POOL, "/", "slow"), requests.ReadTimeout),
    ],
)
def test_urllib3_failures_become_what_requests_raises(error: Exception, expected: type) -> None:
    assert type(as_requests_error(error)) is expected


def test_other_urllib3_failures_are_left_as_they_are() -> None:
    error = DecodeError("bad gzip")
    assert as_requests_error(error) is error
