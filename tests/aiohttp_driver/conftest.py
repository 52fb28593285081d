from __future__ import annotations

import pytest

from covia_proto.testing.server import BackgroundLoop


@pytest.fixture
def venue_loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The session's server thread, on which the tests here serve their venues."""
    return _covia_loop
