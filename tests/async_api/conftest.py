"""Fixtures of the async API's tests. The tests that take ``harness`` run on a venue in
memory and on loopback in every profile, under asyncio through the aiohttp driver, and
under trio through ``AsyncGrid.connect`` (which picks the trio driver): the same test
bodies, unchanged, on both event loops."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from tests.async_api.helpers import (
    PROFILE_IDS,
    PROFILES,
    Harness,
    TrioPlan,
    loopback_client,
    memory_venue,
    trio_client,
)

Served = RunningVenue[VenueSimulator]

KINDS = [(kind, p, sse) for kind in ("memory", "loopback", "trio") for p, sse in PROFILES]
KIND_IDS = [f"{kind}-{p}{'-sse' if sse else ''}" for kind, p, sse in KINDS]


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


@pytest_asyncio.fixture(params=KINDS, ids=KIND_IDS)
async def harness(
    request: pytest.FixtureRequest, _covia_loop: BackgroundLoop
) -> AsyncIterator[Harness]:
    """The venue in every profile, in memory (FakeClock), over loopback HTTP under
    asyncio, and over loopback HTTP under trio; on exit, every stream and response must
    have been closed."""
    kind, profile, sse = request.param
    if kind == "memory":
        mem = await memory_venue(profile, sse=sse)
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
        await mem.venue.close()
        mem.simulator.close()
        return
    with serve_venue(loop=_covia_loop, profile=profile, sse=sse) as served:
        if kind == "trio":
            # Connected under trio, where the test runs (pytest_pyfunc_call below).
            yield TrioPlan(profile, sse, served.url, served.simulator, served.call)  # type: ignore[misc]
            return
        async with loopback_client(served.url) as (venue, driver, aio):
            yield Harness(
                kind, profile, sse, venue, driver, served.simulator, served.call, aiohttp=aio
            )


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a test whose ``harness`` is a ``TrioPlan`` under ``trio.run`` instead of
    asyncio (pytest-asyncio has wrapped it: ``inspect.unwrap`` finds the coroutine)."""
    plan = pyfuncitem.funcargs.get("harness")
    if not isinstance(plan, TrioPlan):
        return None
    import trio

    test = inspect.unwrap(pyfuncitem.obj)
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}

    async def main() -> None:
        async with trio_client(plan.url) as (venue, driver):
            args["harness"] = Harness(
                "trio", plan.profile, plan.sse, venue, driver, plan.simulator, plan.call
            )
            await test(**args)

    trio.run(main)
    return True
