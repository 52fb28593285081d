"""Shared helpers for the async client's tests: venues in memory and on loopback (through
the aiohttp driver, or through ``AsyncGrid.connect`` under trio), a driver wrapper that
records every effect and every stream left open, and a TCP proxy that counts the
connections a client really opens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import attrs

from covia.async_api import AsyncGrid, AsyncVenue
from covia_aiohttp import AiohttpDriver
from covia_proto.drivers import AsyncDriver
from covia_proto.flows.context import PollPolicy, RetryPolicy
from covia_proto.flows.effects import Effect
from covia_proto.testing.faults import FaultPlan
from covia_proto.testing.memory import AsyncMemoryDriver
from covia_proto.testing.pytest_plugin import FakeClock
from covia_proto.testing.simulator import Profile, VenueSimulator

# Shared with the sync client's tests (re-exported for the async ones).
from tests.covia.helpers import (
    CHAT as CHAT,
)
from tests.covia.helpers import (
    DELAY as DELAY,
)
from tests.covia.helpers import (
    ECHO as ECHO,
)
from tests.covia.helpers import (
    ERROR as ERROR,
)
from tests.covia.helpers import (
    FAST_POLL as FAST_POLL,
)
from tests.covia.helpers import (
    FAST_RETRY as FAST_RETRY,
)
from tests.covia.helpers import (
    NEVER as NEVER,
)
from tests.covia.helpers import (
    PAUSE as PAUSE,
)
from tests.covia.helpers import (
    PROFILE_IDS as PROFILE_IDS,
)
from tests.covia.helpers import (
    PROFILES as PROFILES,
)
from tests.covia.helpers import (
    EffectLog,
)


def delayed_echo(ms: int, value: Any) -> dict[str, Any]:
    return {"delay": ms, "operation": ECHO, "input": value}


class AsyncRecorder(EffectLog):
    """Wraps an async driver: records every effect, and which streams are still open."""

    def __init__(self, inner: AsyncDriver) -> None:
        super().__init__()
        self.inner = inner

    async def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        result = await self.inner.perform(effect)
        self.note(effect, result)
        return result

    async def aclose(self) -> None:
        self.closed_driver = True
        await self.inner.aclose()


@attrs.define
class MemoryVenue:
    clock: FakeClock
    simulator: VenueSimulator
    driver: AsyncRecorder
    venue: AsyncVenue


async def memory_venue(
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
    driver = AsyncRecorder(AsyncMemoryDriver(simulator, clock, timeout=timeout))
    venue = await AsyncGrid.connect(
        "http://venue.test", driver=driver, retry=retry, poll=poll, timeout=timeout, **connect
    )
    return MemoryVenue(clock, simulator, driver, venue)


@contextlib.asynccontextmanager
async def loopback_client(
    url: str, *, timeout: float = 5.0, limit: int | None = None, **connect: Any
) -> AsyncIterator[tuple[AsyncVenue, AsyncRecorder, AiohttpDriver]]:
    """A venue on ``url`` through the aiohttp driver, with every effect recorded. On
    exit every stream must have been closed and the driver must hold no response."""
    aiohttp_driver = AiohttpDriver(timeout=timeout, limit=limit)
    driver = AsyncRecorder(aiohttp_driver)
    connect.setdefault("retry", FAST_RETRY)
    connect.setdefault("poll", FAST_POLL)
    venue = await AsyncGrid.connect(url, driver=driver, timeout=timeout, **connect)
    try:
        yield venue, driver, aiohttp_driver
        driver.assert_all_closed()
        assert aiohttp_driver.open_responses == 0, "a response was left open"
    finally:
        await venue.close()
        await aiohttp_driver.aclose()


@contextlib.asynccontextmanager
async def trio_client(
    url: str, *, timeout: float = 5.0, **connect: Any
) -> AsyncIterator[tuple[AsyncVenue, AsyncRecorder]]:
    """Under trio: a venue on ``url`` through ``AsyncGrid.connect`` with no driver given,
    which must pick the trio driver; every effect is recorded from then on, and on exit
    every stream must have been closed."""
    from covia_trio import TrioDriver

    connect.setdefault("retry", FAST_RETRY)
    connect.setdefault("poll", FAST_POLL)
    venue = await AsyncGrid.connect(url, timeout=timeout, **connect)
    try:
        session = venue._session
        assert isinstance(session.driver, TrioDriver), session.driver
        recorder = AsyncRecorder(session.driver)
        session.driver = recorder  # the venue, its jobs and assets share the session
        yield venue, recorder
        recorder.assert_all_closed()
    finally:
        await venue.close()


async def checkpoint() -> None:
    """Let the running loop (asyncio or trio) take a turn."""
    from covia.async_api._runtime import running_library

    if running_library() == "trio":
        import trio

        await trio.sleep(0)
    else:
        await asyncio.sleep(0)


@attrs.define
class TrioPlan:
    """What the ``harness`` fixture gives a test that is to run under trio: the venue to
    connect to there (``conftest.pytest_pyfunc_call`` runs the test and makes its
    ``Harness``)."""

    profile: Profile
    sse: bool
    url: str
    simulator: VenueSimulator
    call: Any


@attrs.define
class Harness:
    """A connected async ``venue`` and a way to reach its simulator (``sim(fn, *args)``
    runs ``fn`` where the simulator lives), in memory or over loopback HTTP."""

    kind: str
    profile: Profile
    sse: bool
    venue: AsyncVenue
    driver: AsyncRecorder
    simulator: VenueSimulator
    call: Any
    clock: FakeClock | None = None
    aiohttp: AiohttpDriver | None = None

    def sim(self, fn: Any, *args: Any) -> Any:
        return self.call(fn, *args)


class CountingProxy:
    """A TCP proxy in front of a venue that counts the connections clients open
    through it: ``current`` now, ``peak`` at most at once, ``total`` ever."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self.current = 0
        self.peak = 0
        self.total = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> CountingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=2048)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.current += 1
        self.total += 1
        self.peak = max(self.peak, self.current)
        upstream: asyncio.StreamWriter | None = None
        try:
            up_reader, upstream = await asyncio.open_connection(*self._target)
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self.current -= 1
            for w in (writer, upstream):
                if w is not None:
                    w.close()
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
