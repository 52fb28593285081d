"""Which venue the end-to-end tests talk to: the local simulator, or one given from outside.

The conformance suite (``tests/e2e``) runs against the simulator served on loopback by
default, and against any venue given on the command line or in the environment::

    pytest --venue-url http://127.0.0.1:8765                 # or COVIA_TEST_VENUE_URL
    pytest --private-venue-url http://127.0.0.1:8766         # or COVIA_TEST_PRIVATE_VENUE_URL

``.ci/run`` starts the real venue (``../shared/real-venue/start``) for both and sets the
variables. A test states what it needs of the venue with ``@pytest.mark.venue_needs(...)``
and is skipped, with the reason shown, where the venue lacks it — never silently:

``"anonymous"``  the venue answers callers without credentials;
``"test_ops"``   it has the test operations (``v/test/ops/echo``, ``never``, ``chat``, …);
``"real"``       it is a venue given from outside, not the local simulator.

Fixtures: ``venue_target`` (a ``VenueTarget``: ``url``, ``kind``), ``external_venue_url``
and ``private_venue_url`` (skipped when no such venue was given).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Final, Literal

import attrs
import pytest

from covia_proto.testing.server import BackgroundLoop, serve_venue

MARKER: Final = "venue_needs"
NEEDS: Final = frozenset({"anonymous", "test_ops", "real"})
PUBLIC_ENV: Final = "COVIA_TEST_VENUE_URL"
PRIVATE_ENV: Final = "COVIA_TEST_PRIVATE_VENUE_URL"
TEST_OPS: Final = ("v/test/ops/echo", "v/test/ops/error", "v/test/ops/never", "v/test/ops/chat")


@attrs.frozen
class VenueTarget:
    """A venue under test: its base URL and whether it is the local simulator."""

    url: str
    kind: Literal["simulator", "external"]
    anonymous: bool
    test_ops: bool

    @property
    def is_real(self) -> bool:
        return self.kind == "external"

    def lacks(self, need: str) -> str | None:
        """Why this venue cannot serve a test that needs ``need`` (None if it can)."""
        if need == "anonymous" and not self.anonymous:
            return f"{self.url} refuses anonymous callers"
        if need == "test_ops" and not self.test_ops:
            return f"{self.url} has no test operations ({', '.join(TEST_OPS)})"
        if need == "real" and not self.is_real:
            return f"needs a real venue: pass --venue-url URL or set {PUBLIC_ENV}"
        return None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("covia-e2e", "venue for the end-to-end conformance suite")
    group.addoption(
        "--venue-url",
        default=None,
        help=f"a public venue to run the conformance suite against (env {PUBLIC_ENV}); "
        "default: the local simulator",
    )
    group.addoption(
        "--private-venue-url",
        default=None,
        help=f"a venue that refuses anonymous callers (env {PRIVATE_ENV})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*needs): what the test needs of the venue ({', '.join(sorted(NEEDS))}); "
        "skipped with the reason where the venue lacks it",
    )


def given_url(config: pytest.Config, option: str, variable: str) -> str | None:
    """The venue URL given by option or environment, without a trailing slash."""
    url = config.getoption(option) or os.environ.get(variable, "").strip()
    return url.rstrip("/") or None


def probe(url: str) -> VenueTarget:
    """What a venue offers, asked with plain HTTP (not the SDK under test)."""
    anonymous = _status_code(f"{url}/api/v1/status") == 200
    test_ops = False
    if anonymous:
        with urllib.request.urlopen(f"{url}/api/v1/operations", timeout=10) as answer:
            names = {op.get("name") for op in json.loads(answer.read()) if isinstance(op, dict)}
        test_ops = all(name in names for name in TEST_OPS)
    return VenueTarget(url, "external", anonymous, test_ops)


def _status_code(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.fixture(scope="session")
def _e2e_loop() -> Iterator[BackgroundLoop]:
    with BackgroundLoop(name="covia-e2e-venue") as loop:
        yield loop


@pytest.fixture(scope="session")
def _venue_target(pytestconfig: pytest.Config, _e2e_loop: BackgroundLoop) -> Iterator[VenueTarget]:
    url = given_url(pytestconfig, "venue_url", PUBLIC_ENV)
    if url is not None:
        yield probe(url)
        return
    # One simulator for the session, as a real venue is one for the whole run: tests
    # must not assume they are alone on it.
    with serve_venue(loop=_e2e_loop) as served:
        yield VenueTarget(served.url, "simulator", anonymous=True, test_ops=True)


@pytest.fixture
def venue_target(request: pytest.FixtureRequest, _venue_target: VenueTarget) -> VenueTarget:
    """The venue under test, after checking the test's ``venue_needs`` marker."""
    for marker in request.node.iter_markers(MARKER):
        for need in marker.args:
            if need not in NEEDS:
                raise pytest.UsageError(f"unknown venue need {need!r}; known: {sorted(NEEDS)}")
            reason = _venue_target.lacks(need)
            if reason is not None:
                pytest.skip(reason)
    return _venue_target


@pytest.fixture(scope="session")
def external_venue_url(pytestconfig: pytest.Config) -> str:
    """A public venue given with ``--venue-url`` or ``COVIA_TEST_VENUE_URL``."""
    url = given_url(pytestconfig, "venue_url", PUBLIC_ENV)
    if url is None:
        pytest.skip(f"no venue given: pass --venue-url URL or set {PUBLIC_ENV}")
    return url


@pytest.fixture(scope="session")
def private_venue_url(pytestconfig: pytest.Config) -> str:
    """A venue that refuses anonymous callers, given with ``--private-venue-url`` or
    ``COVIA_TEST_PRIVATE_VENUE_URL``."""
    url = given_url(pytestconfig, "private_venue_url", PRIVATE_ENV)
    if url is None:
        pytest.skip(f"no private venue given: pass --private-venue-url URL or set {PRIVATE_ENV}")
    return url
