"""``covia.async_api.grid``: ``AsyncGrid.connect`` awaited or entered, by URL and by
did:web, its arguments, who owns the aiohttp session, the driver it picks for the
running library (aiohttp's under asyncio, trio's under trio), and that the async shell
never imports an I/O library it was not asked for."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import aiohttp
import pytest

from covia import CoviaConnectionError, CoviaUsageError
from covia.async_api import AsyncGrid, AsyncVenue, AsyncVenueConnection
from covia.auth import BearerAuth
from covia_aiohttp import AiohttpDriver
from covia_proto.did import url_to_did_web
from tests.async_api.conftest import Served
from tests.async_api.helpers import ECHO, memory_venue


def _driver(venue: AsyncVenue) -> AiohttpDriver:
    driver = venue._session.driver
    assert isinstance(driver, AiohttpDriver)
    return driver


@pytest.mark.asyncio
async def test_async_with_connects_and_closes_its_own_session(served: Served) -> None:
    async with AsyncGrid.connect(served.url) as venue:
        assert isinstance(venue, AsyncVenue)
        assert (await venue.status()).name == "Covia Test Venue"
        assert await venue.run(ECHO, {"prompt": "hello"}) == {"prompt": "hello"}
        driver = _driver(venue)
        session = driver.session
        assert driver.owns_session
    assert session.closed


@pytest.mark.asyncio
async def test_await_connects_and_close_closes(served: Served) -> None:
    venue = await AsyncGrid.connect(served.url)
    try:
        assert venue.base_url == served.url
        assert (await venue.status()).did == served.simulator.did
    finally:
        await venue.close()
    assert _driver(venue)._closed
    with pytest.raises(CoviaUsageError):
        await venue.status()


@pytest.mark.asyncio
async def test_a_venue_is_its_own_async_context_manager(plain_served: Served) -> None:
    venue = await AsyncGrid.connect(plain_served.url)
    async with venue as same:
        assert same is venue
        await venue.status()
    assert _driver(venue)._closed


@pytest.mark.asyncio
async def test_a_did_web_is_resolved_when_awaited(plain_served: Served) -> None:
    did = url_to_did_web(plain_served.url)
    connecting = AsyncGrid.connect(did)
    assert isinstance(connecting, AsyncVenueConnection)
    async with connecting as venue:
        assert venue.address == did
        assert venue.base_url == plain_served.url
        assert (await venue.status()).name == "Covia Test Venue"


@pytest.mark.asyncio
async def test_an_unreachable_did_web_fails_and_closes_the_driver(plain_served: Served) -> None:
    # A port nobody listens on: the venue is gone.
    async with AsyncGrid.connect(plain_served.url) as venue:
        pass
    dead = plain_served.url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(CoviaConnectionError) as caught:
        await AsyncGrid.connect(url_to_did_web(dead), timeout=2)
    assert caught.value.sent is False
    assert venue is not None


@pytest.mark.asyncio
async def test_a_callers_session_is_used_and_left_open(plain_served: Served) -> None:
    seen: list[str] = []

    async def on_request_start(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        seen.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with AsyncGrid.connect(plain_served.url, session=session) as venue:
            await venue.status()
            assert not _driver(venue).owns_session
        assert not session.closed
        assert seen == [f"{plain_served.url}/api/v1/status"]
        # Still usable by its owner.
        async with session.get(f"{plain_served.url}/api/v1/status") as response:
            assert response.status == 200


@pytest.mark.asyncio
async def test_headers_and_auth_go_with_every_request() -> None:
    mem = await memory_venue(headers={"X-Tenant": "acme"}, auth=BearerAuth("t0ken"))
    await mem.venue.status()
    await mem.venue.invoke(ECHO, 1)
    for request in mem.driver.requests:
        assert request.header("X-Tenant") == "acme"
        assert request.header("Authorization") == "Bearer t0ken"


@pytest.mark.asyncio
async def test_a_limit_caps_the_sdks_own_connections(plain_served: Served) -> None:
    async with AsyncGrid.connect(plain_served.url, limit=3) as venue:
        await venue.status()
        connector = _driver(venue).session.connector
        assert connector is not None
        assert connector.limit == 3


@pytest.mark.parametrize(
    ("address", "options", "match"),
    [
        (42, {}, "URL or DID"),
        ("ftp://venue.example", {}, "ftp"),
        ("https://venue.example", {"timeout": 0}, "timeout"),
        ("https://venue.example", {"timeout": True}, "timeout"),
        ("https://venue.example", {"call_timeout": 0}, "call_timeout"),
        ("https://venue.example", {"call_timeout": True}, "call_timeout"),
        ("https://venue.example", {"auth": "token"}, "auth"),
        ("https://venue.example", {"headers": {"X": 1}}, "headers"),
        ("https://venue.example", {"limit": 0}, "limit"),
        ("https://venue.example", {"verify": 3}, "verify"),
    ],
)
@pytest.mark.asyncio
async def test_bad_arguments_are_usage_errors(address, options, match) -> None:
    # Argument errors are raised when connect() is called or awaited, before any I/O.
    with pytest.raises(CoviaUsageError, match=match):
        await AsyncGrid.connect(address, **options)


@pytest.mark.asyncio
async def test_driver_excludes_session_verify_and_limit() -> None:
    mem = await memory_venue()
    async with aiohttp.ClientSession() as session:
        for options in ({"session": session}, {"verify": False}, {"limit": 5}):
            with pytest.raises(CoviaUsageError, match="configure your driver"):
                AsyncGrid.connect("http://venue.test", driver=mem.driver, **options)
        with pytest.raises(CoviaUsageError, match="limit"):
            AsyncGrid.connect("http://venue.test", session=session, limit=5)
    with pytest.raises(CoviaUsageError, match="async driver"):
        AsyncGrid.connect("http://venue.test", driver=object())  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_a_connection_is_used_once() -> None:
    mem = await memory_venue()
    connecting = AsyncGrid.connect("http://venue.test", driver=mem.driver)
    venue = await connecting
    with pytest.raises(CoviaUsageError, match="used already"):
        await connecting
    await venue.close()
    assert not mem.driver.closed_driver  # the caller's driver is theirs to close
    assert "venue.test" in repr(connecting)


@pytest.mark.asyncio
async def test_the_shell_imports_no_io_library_and_runs_under_trio() -> None:
    script = textwrap.dedent(
        """
        import sys
        import trio
        from covia.async_api import AsyncGrid
        from covia_proto.testing.memory import AsyncMemoryDriver
        from covia_proto.testing.pytest_plugin import FakeClock
        from covia_proto.testing.simulator import VenueSimulator

        async def main():
            clock = FakeClock()
            simulator = VenueSimulator(clock=clock)
            clock.on_advance(simulator.advance)
            driver = AsyncMemoryDriver(simulator, clock)
            async with AsyncGrid.connect("http://venue.test", driver=driver) as venue:
                job = await venue.invoke("v/test/ops/delay",
                    {"delay": 500, "operation": "v/test/ops/echo", "input": "trio"})
                print(await job.result(timeout=10))
                print(len([e async for e in job.stream()]))

        trio.run(main)
        print(sorted(m for m in ("asyncio", "aiohttp", "covia_aiohttp") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["trio", "1", "[]"]


@pytest.mark.asyncio
async def test_limits_reach_the_flows_and_the_aiohttp_driver(plain_served: Served) -> None:
    from covia import Limits

    limits = Limits(max_body_size=4096, max_header_size=2048)
    async with AsyncGrid.connect(plain_served.url, limits=limits) as venue:
        assert venue._session.context.limits is limits
        assert _driver(venue).max_header_size == 2048
        await venue.status()
    async with AsyncGrid.connect(plain_served.url) as venue:
        assert venue._session.context.limits == Limits()
        assert _driver(venue).max_header_size == Limits().max_header_size
    with pytest.raises(CoviaUsageError, match="limits"):
        AsyncGrid.connect(plain_served.url, limits={"max_body_size": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
@pytest.mark.asyncio
async def test_the_aiohttp_driver_refuses_a_bad_header_limit(size: object) -> None:
    with pytest.raises(CoviaUsageError, match="max_header_size"):
        AiohttpDriver(max_header_size=size)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_an_unawaited_connection_works_as_the_official_sdks_venue(served: Served) -> None:
    # The official SDK's AsyncGrid.connect returns the venue itself: ported code
    # writes `venue = AsyncGrid.connect(url)` and awaits its methods.
    venue = AsyncGrid.connect(served.url)
    assert venue.url == venue.base_url == served.url  # known without connecting
    assert venue.address == served.url
    with pytest.raises(AttributeError, match="await a call first"):
        _ = venue.did
    assert (await venue.status()).name == "Covia Test Venue"
    job = await venue.invoke(ECHO, {"lazy": True})
    assert await job.result(timeout=10) == {"lazy": True}
    events = [event async for event in venue.stream_job_events(job.id)]
    assert events
    await venue.get_did()
    assert venue.did == served.simulator.did  # a property, once connected
    connected = await venue  # the same venue, awaited later
    driver = _driver(connected)
    await venue.aclose()
    assert driver._closed
    with pytest.raises(CoviaUsageError, match="closed"):
        await venue.status()


@pytest.mark.asyncio
async def test_an_unawaited_connection_names_what_it_lacks() -> None:
    mem = await memory_venue()
    venue = AsyncGrid.connect("http://venue.test", driver=mem.driver)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        _ = venue.no_such_thing
    assert not hasattr(venue, "_private")
    await venue.close()  # never connected: nothing to close, and no request sent
    assert mem.driver.effects == []


@pytest.mark.asyncio
async def test_an_unawaited_did_web_connection_resolves_on_first_call(
    plain_served: Served,
) -> None:
    venue = AsyncGrid.connect(url_to_did_web(plain_served.url))
    with pytest.raises(AttributeError, match="'url' needs a connected venue: await a call first"):
        _ = venue.url
    assert (await venue.status()).name == "Covia Test Venue"
    assert venue.url == plain_served.url
    await venue.close()


def test_under_trio_the_default_driver_is_trios(plain_served: Served) -> None:
    import trio

    from covia_trio import TrioDriver

    async def main() -> tuple[object, object, bool]:
        async with AsyncGrid.connect(plain_served.url, limit=7) as venue:
            driver = venue._session.driver
            result = await venue.run(ECHO, {"under": "trio"}, timeout=10)
            events = [event async for event in (await venue.invoke(ECHO, 1)).stream()]
        assert isinstance(driver, TrioDriver)
        assert driver.pool.max_connections == 7
        return result, len(events) > 0, driver.pool.closed

    assert trio.run(main) == ({"under": "trio"}, True, True)


def test_under_trio_an_unawaited_connection_picks_its_driver_at_first_call(
    plain_served: Served,
) -> None:
    import trio

    from covia_trio import TrioDriver

    venue = AsyncGrid.connect(plain_served.url)  # outside any loop: nothing chosen yet

    async def main() -> str:
        status = await venue.status()
        assert isinstance((await venue)._session.driver, TrioDriver)
        await venue.aclose()
        name: str = status.name
        return name

    assert trio.run(main) == "Covia Test Venue"


def test_under_trio_an_aiohttp_session_is_refused(plain_served: Served) -> None:
    import trio

    session = object.__new__(aiohttp.ClientSession)  # never used: refused first

    async def main() -> None:
        async with AsyncGrid.connect(plain_served.url, session=session):
            pass

    with pytest.raises(CoviaUsageError, match="needs asyncio"):
        trio.run(main)


def test_connecting_outside_any_loop_is_refused(plain_served: Served) -> None:
    connecting = AsyncGrid.connect(plain_served.url)
    coroutine = connecting.__aenter__()
    with pytest.raises(CoviaUsageError, match=r"asyncio\.run\(\) or trio\.run\(\)"):
        coroutine.send(None)


def test_under_trio_no_asyncio_or_aiohttp_is_loaded(plain_served: Served) -> None:
    script = textwrap.dedent(
        """
        import sys
        import trio
        from covia.async_api import AsyncGrid

        async def main():
            async with AsyncGrid.connect(sys.argv[1]) as venue:
                print((await venue.status()).name.split()[0])

        trio.run(main)
        print(sorted(m for m in ("asyncio", "aiohttp", "covia_aiohttp") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, plain_served.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Covia", "[]"]
