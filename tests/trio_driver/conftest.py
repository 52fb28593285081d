from __future__ import annotations

from collections.abc import Iterator

import pytest
import trustme

from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator

Served = RunningVenue[VenueSimulator]


@pytest.fixture
def served(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    """A loopback venue (newest profile, with job event streams) on a background thread."""
    with serve_venue(loop=_covia_loop, profile="latest", sse=True) as venue:
        yield venue


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()
