"""``covia_proto.testing.driver_kit``: every driver of the SDK keeps the contract, and
the kit catches a driver that does not."""

from __future__ import annotations

import asyncio

import attrs
import pytest
import trio

from covia_aiohttp import AiohttpDriver
from covia_proto.errors import GridError
from covia_proto.flows.effects import GetTime, ReadChunk, Send
from covia_proto.http import Response
from covia_proto.testing.driver_kit import (
    CHECKS,
    Check,
    DriverContractError,
    check_async_driver,
    check_sync_driver,
)
from covia_proto.testing.server import BackgroundLoop
from covia_requests import RequestsDriver
from covia_trio import TrioDriver
from tests.venues import VenueTarget

TIMEOUT = 5.0


@pytest.fixture
def kit_loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    """The session's server thread, on which every check serves its venue."""
    return _covia_loop


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_the_aiohttp_driver(check: Check, kit_loop: BackgroundLoop) -> None:
    asyncio.run(check_async_driver(check, lambda: AiohttpDriver(timeout=TIMEOUT), loop=kit_loop))


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_the_trio_driver(check: Check, kit_loop: BackgroundLoop) -> None:
    trio.run(lambda: check_async_driver(check, lambda: TrioDriver(timeout=TIMEOUT), loop=kit_loop))


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_the_requests_driver(check: Check, kit_loop: BackgroundLoop) -> None:
    check_sync_driver(check, lambda: RequestsDriver(timeout=TIMEOUT), loop=kit_loop)


ON_ANY_VENUE = [check for check in CHECKS if not check.needs_simulator]


@pytest.mark.venue_needs("anonymous", "test_ops")
@pytest.mark.parametrize("check", ON_ANY_VENUE, ids=str)
def test_the_checks_that_need_no_simulator_hold_on_the_venue_under_test(
    check: Check, venue_target: VenueTarget
) -> None:
    # Against the real venue this shows the kit asks nothing the simulator alone allows.
    trio.run(
        lambda: check_async_driver(check, lambda: TrioDriver(timeout=TIMEOUT), url=venue_target.url)
    )


def test_a_check_that_needs_the_simulator_refuses_a_url() -> None:
    needy = next(check for check in CHECKS if check.needs_simulator)
    with pytest.raises(DriverContractError, match="needs the simulator"):
        check_sync_driver(needy, lambda: RequestsDriver(timeout=TIMEOUT), url="http://x")


# -- the kit catches a driver that breaks the contract ----------------------------------------


class Broken(AiohttpDriver):
    """The aiohttp driver with one clause of the contract broken."""

    def __init__(self, fault: str) -> None:
        super().__init__(timeout=TIMEOUT)
        self.fault = fault

    async def perform_send(self, effect: Send) -> Response:
        if self.fault == "leaks":
            raise OSError("connection reset by peer")
        if self.fault == "ignores timeouts":
            effect = attrs.evolve(effect, timeout=None)
        response = await super().perform_send(effect)
        if self.fault == "raises statuses" and response.status >= 400:
            raise GridError(response.status, "failed")
        if self.fault == "drops headers":
            return Response(response.status, (), response.body)
        return response

    async def perform_read_chunk(self, effect: ReadChunk) -> bytes:
        if self.fault == "ignores timeouts":
            effect = attrs.evolve(effect, timeout=None)
        return await super().perform_read_chunk(effect)

    async def perform_get_time(self, effect: GetTime) -> float:
        if self.fault == "counts in ms":
            return await super().perform_get_time(effect) * 1000
        return await super().perform_get_time(effect)


BY_NAME = {check.name: check for check in CHECKS}


@pytest.mark.parametrize(
    ("fault", "check", "says"),
    [
        ("leaks", "send_get", "let OSError out of perform"),
        ("raises statuses", "send_returns_error_statuses", "raised GridError"),
        ("drops headers", "send_get", "Content-Type header is missing"),
        ("ignores timeouts", "send_timeout", "an effect's timeout caps the driver's own"),
        ("ignores timeouts", "read_timeout", "an effect's timeout caps the driver's own"),
        ("counts in ms", "sleep_and_time", None),
    ],
)
def test_a_broken_driver_fails_its_check(
    fault: str, check: str, says: str | None, kit_loop: BackgroundLoop
) -> None:
    with pytest.raises(DriverContractError, match=says):
        asyncio.run(check_async_driver(BY_NAME[check], lambda: Broken(fault), loop=kit_loop))


def test_checks_have_unique_names() -> None:
    assert len(BY_NAME) == len(CHECKS)
    assert all(check.run.__name__ == check.name for check in CHECKS)
