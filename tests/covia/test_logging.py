"""Logging through the ``covia`` logger: a NullHandler by default, DEBUG records for
requests, responses, job polling and DID resolution, a WARNING for plain http, and no
secret anywhere — in a record, a repr, a str or an error — across whole scenarios."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests

import covia
from covia import CoviaError, Grid
from covia.auth import Auth, BasicAuth, BearerAuth
from covia_proto.testing.faults import (
    FaultPlan,
    RateLimited,
    ResetAfterRequest,
    ServerError,
    StallResponse,
)
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.covia.conftest import Served
from tests.covia.helpers import CHAT, DELAY, ECHO, ERROR, NEVER, memory_venue, tracking_session

BEARER = "bearer-Sekr3t-7f3a"
PASSWORD = "basic-Sekr3t-pw91"
CUSTOM = "custom-Sekr3t-q8z"
SECRETS = (BEARER, PASSWORD, CUSTOM, "Sekr3t")  # the venue's own texts say SECRET


class HeaderTokenAuth(Auth):
    """A user's scheme that forgets to hide itself in its repr."""

    def __init__(self, token: str) -> None:
        self.token = token

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Token {self.token}"
        headers["X-Api-Key"] = self.token
        headers["X-Signature"] = f"sig:{self.token}"  # a header no redaction list knows


def test_the_covia_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("covia").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
    assert covia.__name__ == "covia"


def test_plain_http_warns_and_https_does_not(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="covia")
    mem = memory_venue()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name.startswith("covia")
    assert "plain http" in warnings[0].getMessage()
    caplog.clear()
    Grid.connect("https://venue.example.com", driver=mem.driver).close()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_debug_records_requests_responses_and_polling(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="covia")
    mem = memory_venue("0.1")
    mem.venue.status()
    job = mem.venue.invoke(DELAY, {"delay": 500, "operation": ECHO, "input": 1})
    job.wait(timeout=10)
    messages = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert (
        "covia.http",
        logging.DEBUG,
        "GET http://venue.test/api/v1/status -> 200 (237 bytes)",
    ) in [
        (n, lvl, m.replace(m[m.rfind("(") :], "(237 bytes)") if "status" in m else m)
        for n, lvl, m in messages
    ]
    assert any(
        n == "covia.http" and m.startswith("POST ") and "/invoke -> 201" in m
        for n, _, m in messages
    )
    polls = [m for n, _, m in messages if n == "covia.jobs" and m.startswith(f"job {job.id} is ")]
    assert polls[0] == f"job {job.id} is PENDING"
    assert polls[-1] == f"job {job.id} is COMPLETE"
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name != "covia.address")


def test_debug_records_did_resolution(plain_served: Served, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG, logger="covia")
    did = "did:web:" + plain_served.url.split("://")[1].replace(":", "%3A")
    with Grid.connect(did) as venue:
        venue.status()
    did_records = [r.getMessage() for r in caplog.records if r.name == "covia.did"]
    assert did_records[0] == f"resolving {did} at {plain_served.url}/.well-known/did.json"
    assert any(m.endswith(f"serves its API at {plain_served.url}") for m in did_records)


def test_nothing_is_logged_when_the_level_is_above_debug(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="covia")
    mem = memory_venue()
    mem.venue.run(ECHO, 1)
    assert [r for r in caplog.records if r.levelno < logging.WARNING] == []


# -- no secret, anywhere ---------------------------------------------------------------


class Seen:
    """Everything a user could print during a scenario."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *objects: Any) -> None:
        for obj in objects:
            self.texts.extend([repr(obj), str(obj)])
            if isinstance(obj, BaseException):
                self.texts.extend(str(a) for a in obj.args)
                self.texts.append("".join(traceback.format_exception(obj)))
                for name in ("message", "body", "request", "headers"):
                    self.texts.append(repr(getattr(obj, name, None)))

    def attempt(self, call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except CoviaError as exc:
            self.add(exc)
            return None
        self.add(result)
        return result

    def assert_clean(self, records: list[logging.LogRecord]) -> None:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in records:
            self.texts.append(formatter.format(record))
            self.texts.append(repr(record.args))
        assert self.texts
        for text in self.texts:
            for secret in SECRETS:
                assert secret not in text, f"secret in {text!r}"


def _scenario(venue: covia.Venue, seen: Seen) -> None:
    seen.add(venue, venue._session.context, venue._session.context.endpoint)
    seen.attempt(venue.status)
    seen.attempt(venue.did_document)
    seen.attempt(lambda: venue.did)
    seen.attempt(venue.list_operations)
    job = seen.attempt(lambda: venue.invoke(DELAY, {"delay": 200, "operation": ECHO, "input": 1}))
    if job is not None:
        seen.attempt(lambda: job.wait(timeout=10))
        seen.attempt(lambda: list(job.stream()))
    chat = seen.attempt(lambda: venue.invoke(CHAT, {}))
    if chat is not None:
        seen.attempt(lambda: chat.send_message("hi"))
        seen.attempt(chat.cancel)
    seen.attempt(lambda: venue.run(ERROR, {"message": "fails"}, timeout=10))
    seen.attempt(lambda: venue.invoke(NEVER, {}).wait(timeout=0.2))
    seen.attempt(lambda: venue.get_job("0" * 32))
    seen.attempt(lambda: venue.get_asset("0" * 64))
    content = b"payload"
    asset = seen.attempt(
        lambda: venue.register({"content": {"sha256": hashlib.sha256(content).hexdigest()}})
    )
    if asset is not None:
        seen.attempt(lambda: asset.put_content(content))
        seen.attempt(lambda: asset.get_content(verify=True))
        seen.attempt(lambda: venue.get_asset_content(asset.id, expected_sha256="1" * 64))
    seen.attempt(lambda: venue.set_secret("name", "value-of-secret"))
    seen.attempt(venue.list_secrets)
    seen.attempt(venue.list_jobs)


AUTHS: list[Auth] = [BearerAuth(BEARER), BasicAuth("alice", PASSWORD), HeaderTokenAuth(CUSTOM)]


@pytest.mark.parametrize("auth", AUTHS, ids=lambda a: type(a).__name__)
def test_no_secret_in_memory_scenarios_with_faults(auth: Auth, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    faults = FaultPlan(seed=1)
    faults.add(RateLimited("0.001"), path="/status", times=2)
    faults.add(ServerError(503), method="GET", path="/operations", times=1)
    faults.add(ResetAfterRequest(), method="POST", path="/invoke", rate=0.2)
    faults.add(StallResponse(), method="GET", path="did.json", times=1)
    mem = memory_venue(
        "latest", faults=faults, timeout=1.0, auth=auth, headers={"X-Tenant": "acme"}
    )
    seen = Seen()
    seen.add(auth)
    _scenario(mem.venue, seen)
    mem.venue.close()
    seen.assert_clean(caplog.records)


@pytest.mark.parametrize("auth", AUTHS, ids=lambda a: type(a).__name__)
def test_no_secret_over_http_on_a_private_venue(
    auth: Auth, loop: BackgroundLoop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_venue(loop=loop, public=False, sse=True) as served:
        seen = Seen()
        session, _ = tracking_session()
        with Grid.connect(served.url, auth=auth, session=session, timeout=5) as venue:
            _scenario(venue, seen)  # every API call is refused (401): errors everywhere
        served.call(served.simulator.tokens.__setitem__, BEARER, "did:key:z6MkBob")
        with Grid.connect(served.url, auth=auth, session=session, timeout=5) as venue:
            _scenario(venue, seen)
        session.close()
    seen.assert_clean(caplog.records)
    # The credentials did travel, in the headers only.
    assert isinstance(session, requests.Session)


def test_debug_records_connections(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="covia")
    memory_venue(auth=BearerAuth(BEARER))
    (record,) = [r for r in caplog.records if r.name == "covia.connect"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == (
        "connecting to http://venue.test at http://venue.test (auth: BearerAuth)"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2", "http://a.localhost"]
)
def test_plain_http_to_loopback_does_not_warn(caplog: pytest.LogCaptureFixture, url: str) -> None:
    caplog.set_level(logging.DEBUG, logger="covia")
    mem = memory_venue()
    caplog.clear()
    Grid.connect(url, driver=mem.driver).close()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
