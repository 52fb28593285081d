"""Fixtures shared by the requests driver's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from covia_requests.deadline import _HTTPConnection

Served = RunningVenue[VenueSimulator]


@pytest.fixture
def loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The session's server thread, on which the raw venues here are served."""
    return _covia_loop


@pytest.fixture
def plain(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    """A simulated venue of the default profile with job event streams, on the
    session's server thread."""
    with serve_venue(loop=_covia_loop, sse=True) as served:
        yield served


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item for every connection the SDK's own session opens."""
    opened: list[int] = []
    original = _HTTPConnection.connect

    def connect(self: _HTTPConnection) -> None:
        opened.append(1)
        original(self)

    monkeypatch.setattr(_HTTPConnection, "connect", connect)
    return opened
