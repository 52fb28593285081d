"""pytest fixtures to test code against a simulated Covia venue, with no network.

Installing the SDK registers this plugin (entry point ``pytest11``: ``covia``). It gives:

``covia_clock``
    A ``FakeClock``: time stands still until the test calls ``covia_clock.advance(s)``.
``covia_simulator``
    An in-memory ``VenueSimulator`` on ``covia_clock``; advancing the clock runs the
    simulator's timers (delayed jobs, wait caps) that fall due.
``covia_venue`` / ``covia_venue_url``
    A venue served over real HTTP on 127.0.0.1 (a ``RunningVenue``), and its base URL,
    for code that makes its own HTTP calls. It runs on real time. A fresh venue per test
    unless ``--covia-venue-scope`` (or the ini option ``covia_venue_scope``) says
    ``module`` or ``session``.

Choose the venue with a marker on a test, class or module; its keyword arguments go to
``VenueSimulator`` (``profile``, ``sse``, ``name``, ``tokens``, ``public``, ``faults``, …)::

    @pytest.mark.covia_venue(profile="latest", sse=True)
    def test_events(covia_venue_url): ...

With a shared venue, the marker of the module (or none, for ``session``) applies.

A conftest that serves venues of its own can run them on the session's server thread,
the ``_covia_loop`` fixture: ``serve_venue(loop=_covia_loop, ...)`` starts in about a ms.

Nothing here imports aiohttp or the simulator before a fixture asks for it, so test
suites that never use these fixtures pay nothing for the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, Literal

import pytest

if TYPE_CHECKING:
    from covia_proto.testing.server import BackgroundLoop, RunningVenue
    from covia_proto.testing.simulator import VenueSimulator

__all__ = [
    "FakeClock",
    "covia_clock",
    "covia_simulator",
    "covia_venue",
    "covia_venue_url",
]

MARKER: Final = "covia_venue"
SCOPES: Final = ("function", "module", "session")
START: Final = 1_781_000_000.0  # a fixed, realistic Unix time (June 2026)


class FakeClock:
    """A clock that moves only when told to: call it to read the time (seconds).

    ``advance(seconds)`` moves it forward and then calls every ``on_advance`` callback,
    so whatever runs on this clock (a simulator's timers) can catch up.
    """

    def __init__(self, start: float = START) -> None:
        self._now = start
        self._callbacks: list[Callable[[], None]] = []

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock does not go back: advance({seconds})")
        self._now += seconds
        for callback in list(self._callbacks):
            callback()

    def on_advance(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every advance; returns a function that stops it."""
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def __repr__(self) -> str:
        return f"<FakeClock {self._now}>"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("covia", "simulated Covia venue")
    group.addoption(
        "--covia-venue-scope",
        choices=SCOPES,
        default=None,
        help="how long one served covia_venue lives (default: function, a fresh one per test)",
    )
    parser.addini("covia_venue_scope", "default for --covia-venue-scope", default="function")


def pytest_configure(config: pytest.Config) -> None:
    # Checked here: an error raised while pytest evaluates a fixture scope is internal.
    scope = config.getini("covia_venue_scope")
    if scope not in SCOPES:
        raise pytest.UsageError(f"covia_venue_scope must be one of {SCOPES}, not {scope!r}")
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): VenueSimulator options (profile='0.1'|'latest', sse=True, "
        "name=..., tokens=..., faults=...) for the covia_simulator and covia_venue fixtures",
    )


def _venue_scope(
    fixture_name: str, config: pytest.Config
) -> Literal["function", "module", "session"]:
    # pytest calls this with keywords: the parameter names are part of its contract.
    scope = config.getoption("covia_venue_scope") or config.getini("covia_venue_scope")
    return "module" if scope == "module" else "session" if scope == "session" else "function"


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    # request.node is the test, or the module/session for a shared venue.
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
    if "clock" in marker.kwargs:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: the fixtures choose the clock")
    return dict(marker.kwargs)


@pytest.fixture
def covia_clock() -> FakeClock:
    """A fake clock at a fixed time; ``advance(seconds)`` moves it."""
    return FakeClock()


@pytest.fixture
def covia_simulator(
    request: pytest.FixtureRequest, covia_clock: FakeClock
) -> Iterator[VenueSimulator]:
    """An in-memory venue on ``covia_clock``, configured by the ``covia_venue`` marker."""
    from covia_proto.testing.simulator import VenueSimulator

    simulator = VenueSimulator(clock=covia_clock, **_options(request))
    stop_following = covia_clock.on_advance(simulator.advance)
    try:
        yield simulator
    finally:
        stop_following()
        simulator.close()


@pytest.fixture(scope="session")
def _covia_loop() -> Iterator[BackgroundLoop]:
    # One server thread for the whole run: a venue per test then starts in about a ms.
    from covia_proto.testing.server import BackgroundLoop

    with BackgroundLoop(name="covia-venue-pytest") as loop:
        yield loop


@pytest.fixture(scope=_venue_scope)
def covia_venue(
    request: pytest.FixtureRequest, _covia_loop: BackgroundLoop
) -> Iterator[RunningVenue[VenueSimulator]]:
    """A venue served on 127.0.0.1; reach its simulator through ``covia_venue.call``."""
    from covia_proto.testing.server import serve_venue

    with serve_venue(loop=_covia_loop, **_options(request)) as venue:
        yield venue


@pytest.fixture
def covia_venue_url(covia_venue: RunningVenue[VenueSimulator]) -> str:
    """Base URL of ``covia_venue``, such as ``http://127.0.0.1:54321``."""
    return covia_venue.url
