"""A private stand-in for the suite-wide real-venue fixture (tests/venues.py on main,
not merged here yet): the URL of a public real venue from COVIA_TEST_VENUE_URL, else the
test is skipped and says why. Remove this file once tests/venues.py is on this branch."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def external_venue_url() -> str:
    url = os.environ.get("COVIA_TEST_VENUE_URL")
    if not url:
        pytest.skip("no real venue: set COVIA_TEST_VENUE_URL (or --venue-url on main)")
    return url.rstrip("/")
