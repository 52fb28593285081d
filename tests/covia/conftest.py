from __future__ import annotations

from collections.abc import Iterator

import pytest

from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from tests.covia.helpers import PROFILE_IDS, PROFILES, Harness, loopback_client, memory_venue

Served = RunningVenue[VenueSimulator]


@pytest.fixture(params=PROFILES, ids=PROFILE_IDS)
def served(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[Served]:
    """A loopback venue in each profile: 0.1 and latest, each with and without SSE."""
    profile, sse = request.param
    with serve_venue(loop=_covia_loop, profile=profile, sse=sse) as venue:
        yield venue


@pytest.fixture
def plain_served(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    """One loopback venue (0.1, no SSE) for tests where the profile does not matter."""
    with serve_venue(loop=_covia_loop) as venue:
        yield venue


KINDS = [(kind, p, sse) for kind in ("memory", "loopback") for p, sse in PROFILES]
KIND_IDS = [f"{kind}-{p}{'-sse' if sse else ''}" for kind, p, sse in KINDS]


@pytest.fixture(params=KINDS, ids=KIND_IDS)
def harness(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[Harness]:
    """The venue in every profile, in memory (FakeClock) and over loopback HTTP; on
    exit, every stream and response must have been closed."""
    kind, profile, sse = request.param
    if kind == "memory":
        mem = memory_venue(profile, sse=sse)
        yield Harness(
            kind,
            profile,
            sse,
            mem.venue,
            mem.driver,
            mem.simulator,
            lambda fn, *args: fn(*args),
            mem.clock,
        )
        mem.driver.assert_all_closed()
        mem.simulator.close()
        return
    with (
        serve_venue(loop=_covia_loop, profile=profile, sse=sse) as served,
        loopback_client(served.url) as (venue, driver, _),
    ):
        yield Harness(kind, profile, sse, venue, driver, served.simulator, served.call)


@pytest.fixture
def loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The plugin's server loop, to serve venues with options of a test's own."""
    return _covia_loop
