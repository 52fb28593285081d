"""Fixtures shared by the requests driver's tests."""

from __future__ import annotations

import pytest

from covia_proto.testing.server import BackgroundLoop


@pytest.fixture
def loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The session's server thread, on which the raw venues here are served."""
    return _covia_loop
