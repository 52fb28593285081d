from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator

Served = RunningVenue[VenueSimulator]


@pytest.fixture(scope="module")
def venue(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    """A loopback venue shared by one test module."""
    with serve_venue(loop=_covia_loop) as served:
        yield served


@pytest.fixture
def url(venue: Served) -> str:
    return venue.url


@pytest.fixture(autouse=True)
def _no_covia_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """In-process runs see no COVIA_VENUE, COVIA_TOKEN or COVIA_KEY from the developer's
    shell, and no key in their config directory."""
    monkeypatch.delenv("COVIA_VENUE", raising=False)
    monkeypatch.delenv("COVIA_TOKEN", raising=False)
    monkeypatch.delenv("COVIA_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(params=["sigint-handled", "sigint-ignored"])
def inherited_sigint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The test runs as it would in a terminal, then as in a suite started with
    ``nohup`` or from a background job: with SIGINT ignored, which children inherit."""
    if request.param == "sigint-handled":
        yield request.param
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield request.param
    finally:
        signal.signal(signal.SIGINT, previous)
