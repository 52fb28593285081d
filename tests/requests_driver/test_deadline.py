"""The requests driver's deadline for a whole exchange (``covia_requests.deadline``):
a venue that keeps each wait short cannot make an exchange outlive its ``Send``
timeout, on the SDK's own session (head and body) and on a caller's (the body)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import requests

from covia import CoviaTimeoutError
from covia_proto.flows.effects import OpenStream, Send
from covia_proto.http import Request
from covia_proto.testing.server import BackgroundLoop
from covia_requests import RequestsDriver
from covia_requests.deadline import DeadlineAdapter, _DeadlineSocket, exchange_deadline
from tests.conformance.hostile import Seen, dribble, serving

LIMIT = 1.0


ENDED_BY = LIMIT + 3.0  # the venues below dribble for 8 s
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def slow_body(seen: Seen) -> Any:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
    return dribble(head + b"{", b" ")


def slow_head(seen: Seen) -> Any:
    return dribble(CONTINUE, CONTINUE)


def get(url: str) -> Request:
    return Request("GET", url + "/api/v1/status", (("Accept", "application/json"),))


def timed_out(driver: RequestsDriver, effect: Any) -> float:
    started = time.monotonic()
    with pytest.raises(CoviaTimeoutError, match=f"no whole answer within {LIMIT:g} s"):
        driver.perform(effect)
    return time.monotonic() - started


def test_the_sdks_session_holds_every_read_to_the_exchanges_deadline(
    loop: BackgroundLoop,
) -> None:
    driver = RequestsDriver(timeout=5.0)
    assert isinstance(driver.session.get_adapter("https://venue.test"), DeadlineAdapter)
    assert isinstance(driver.session.get_adapter("http://venue.test"), DeadlineAdapter)
    for respond in (slow_body, slow_head):
        with serving(loop, respond) as server:
            assert timed_out(driver, Send(get(server.url), timeout=LIMIT)) < ENDED_BY
    with serving(loop, slow_head) as server:
        assert timed_out(driver, OpenStream(get(server.url), timeout=LIMIT)) < ENDED_BY
    driver.close()


def test_a_callers_session_has_its_body_held_to_the_deadline(loop: BackgroundLoop) -> None:
    session = requests.Session()
    driver = RequestsDriver(session, timeout=5.0)
    assert not isinstance(session.get_adapter("http://venue.test"), DeadlineAdapter)
    with serving(loop, slow_body) as server:
        assert timed_out(driver, Send(get(server.url), timeout=LIMIT)) < ENDED_BY
    session.close()


def test_outside_an_exchange_a_read_keeps_the_timeout_it_was_given() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.__class__ = _DeadlineSocket
        left.settimeout(0.05)
        right.sendall(b"x")
        assert left.recv_into(bytearray(1)) == 1
        assert left.gettimeout() == 0.05
        with exchange_deadline(5.0, time.monotonic() + 60.0):
            right.sendall(b"y")
            left.recv_into(bytearray(1))
            rearmed = left.gettimeout()
            assert rearmed is not None
            assert 0.05 < rearmed <= 5.0  # re-armed: min(per wait, time left)
        with exchange_deadline(5.0, time.monotonic() - 1.0), pytest.raises(TimeoutError):
            left.recv_into(bytearray(1))
