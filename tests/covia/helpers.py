"""Shared test helpers for the sync client: venues in memory and on loopback, and a
driver wrapper that records every effect and every stream left open."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import attrs
import requests
import requests.adapters

from covia import Grid, Venue
from covia._driver import SyncDriver
from covia_proto.flows.context import PollPolicy, RetryPolicy
from covia_proto.flows.effects import CloseStream, Effect, OpenedStream, OpenStream, Send, Sleep
from covia_proto.http import Request
from covia_proto.testing.faults import FaultPlan
from covia_proto.testing.memory import MemoryDriver
from covia_proto.testing.pytest_plugin import FakeClock
from covia_proto.testing.simulator import Profile, VenueSimulator

PROFILES: list[tuple[Profile, bool]] = [
    ("0.1", False),
    ("0.1", True),
    ("latest", False),
    ("latest", True),
]
PROFILE_IDS = [f"{p}{'-sse' if sse else ''}" for p, sse in PROFILES]

ECHO = "v/test/ops/echo"
ERROR = "v/test/ops/error"
NEVER = "v/test/ops/never"
DELAY = "v/test/ops/delay"
PAUSE = "v/test/ops/pause"
CHAT = "v/test/ops/chat"

# Fast, predictable retries: the fault tests should not sleep for real.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002, budget=5.0)
FAST_POLL = PollPolicy(initial=0.01, factor=1.5, maximum=0.05)


class EffectLog:
    """What a recording driver saw: every effect, and which streams are still open."""

    def __init__(self) -> None:
        self.effects: list[Effect] = []
        self.open: dict[int, object] = {}
        self.opened = 0
        self.closed_driver = False

    def note(self, effect: Effect, result: Any) -> None:
        if isinstance(effect, OpenStream) and isinstance(result, OpenedStream):
            self.open[id(result.handle)] = result.handle
            self.opened += 1
        elif isinstance(effect, CloseStream):
            self.open.pop(id(effect.handle), None)

    @property
    def requests(self) -> list[Request]:
        return [e.request for e in self.effects if isinstance(e, Send | OpenStream)]

    def sent(self, method: str, path_part: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and path_part in r.url]

    @property
    def sleeps(self) -> list[float]:
        return [e.seconds for e in self.effects if isinstance(e, Sleep)]

    def assert_all_closed(self) -> None:
        assert self.open == {}, f"{len(self.open)} stream(s) left open"


class RecordingDriver(EffectLog):
    """Wraps a driver: records every effect, and which streams are still open."""

    def __init__(self, inner: SyncDriver) -> None:
        super().__init__()
        self.inner = inner

    def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        result = self.inner.perform(effect)
        self.note(effect, result)
        return result

    def close(self) -> None:
        self.closed_driver = True
        self.inner.close()


@attrs.define
class MemoryVenue:
    clock: FakeClock
    simulator: VenueSimulator
    driver: RecordingDriver
    venue: Venue


def memory_venue(
    profile: Profile = "0.1",
    *,
    sse: bool = False,
    faults: FaultPlan | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = FAST_RETRY,
    poll: PollPolicy | None = None,
    **connect: Any,
) -> MemoryVenue:
    """A venue in memory on a fresh ``FakeClock``: no socket, virtual time."""
    clock = FakeClock()
    simulator = VenueSimulator(clock=clock, profile=profile, sse=sse, faults=faults)
    clock.on_advance(simulator.advance)
    driver = RecordingDriver(MemoryDriver(simulator, clock, timeout=timeout))
    venue = Grid.connect(
        "http://venue.test", driver=driver, retry=retry, poll=poll, timeout=timeout, **connect
    )
    return MemoryVenue(clock, simulator, driver, venue)


class TrackingAdapter(requests.adapters.HTTPAdapter):
    """An adapter that remembers every response it built, to check they were closed,
    and every request it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[requests.Response] = []
        self.prepared: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.prepared.append(request)
        return super().send(request, *args, **kwargs)

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        self.responses.append(response)
        return response

    def unclosed(self) -> list[requests.Response]:
        return [r for r in self.responses if not r.raw.closed]


def spy_close(session: requests.Session) -> list[int]:
    """Counts the calls to ``session.close`` (and still closes it)."""
    calls: list[int] = []
    original = session.close

    def close() -> None:
        calls.append(1)
        original()

    session.close = close  # type: ignore[method-assign]
    return calls


def tracking_session() -> tuple[requests.Session, TrackingAdapter]:
    session = requests.Session()
    adapter = TrackingAdapter()
    session.mount("http://", adapter)
    return session, adapter


@contextlib.contextmanager
def loopback_client(
    url: str, **connect: Any
) -> Iterator[tuple[Venue, RecordingDriver, TrackingAdapter]]:
    """A venue on ``url`` through the requests driver, over a tracked session, with
    every effect recorded. On exit, every response must have been closed."""
    from covia_requests import RequestsDriver

    session, adapter = tracking_session()
    driver = RecordingDriver(RequestsDriver(session, timeout=connect.pop("timeout", 5.0)))
    connect.setdefault("retry", FAST_RETRY)
    connect.setdefault("poll", FAST_POLL)
    venue = Grid.connect(url, driver=driver, **connect)
    try:
        yield venue, driver, adapter
        driver.assert_all_closed()
        assert adapter.unclosed() == [], "a response was left open"
    finally:
        venue.close()
        session.close()


@attrs.define
class Harness:
    """A connected ``venue`` and a way to reach its simulator (``sim(fn, *args)`` runs
    ``fn`` where the simulator lives), in memory or over loopback HTTP."""

    kind: str
    profile: Profile
    sse: bool
    venue: Venue
    driver: RecordingDriver
    simulator: VenueSimulator
    call: Any
    clock: FakeClock | None = None

    def sim(self, fn: Any, *args: Any) -> Any:
        return self.call(fn, *args)
