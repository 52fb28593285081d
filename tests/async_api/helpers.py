"""Shared helpers for the async client's tests: venues in memory and on loopback, a
driver wrapper that records every effect and every stream left open, and a TCP proxy
that counts the connections a client really opens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import attrs

from covia._driver import AsyncDriver
from covia.async_api import AsyncGrid, AsyncVenue
from covia_aiohttp import AiohttpDriver
from covia_proto.flows.context import PollPolicy, RetryPolicy
from covia_proto.flows.effects import CloseStream, Effect, OpenedStream, OpenStream, Send, Sleep
from covia_proto.http import Request
from covia_proto.testing.faults import FaultPlan
from covia_proto.testing.memory import AsyncMemoryDriver
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


def delayed_echo(ms: int, value: Any) -> dict[str, Any]:
    return {"delay": ms, "operation": ECHO, "input": value}


class AsyncRecorder:
    """Wraps an async driver: records every effect, and which streams are still open."""

    def __init__(self, inner: AsyncDriver) -> None:
        self.inner = inner
        self.effects: list[Effect] = []
        self.open: dict[int, object] = {}
        self.opened = 0
        self.closed_driver = False

    async def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        result = await self.inner.perform(effect)
        if isinstance(effect, OpenStream) and isinstance(result, OpenedStream):
            self.open[id(result.handle)] = result.handle
            self.opened += 1
        elif isinstance(effect, CloseStream):
            self.open.pop(id(effect.handle), None)
        return result

    async def aclose(self) -> None:
        self.closed_driver = True
        await self.inner.aclose()

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
