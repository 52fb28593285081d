"""The three clients a scenario of the conformance suite runs under: the sync API, and
the one async API (``AsyncGrid.connect``) under asyncio and under trio.

A scenario is ``async def scenario(venue) -> value``, written once against the async
API; ``Client.run(url, scenario, **options)`` connects to the venue at ``url`` with that
client (``options`` go to ``connect``) and returns what the scenario returned, or
raises what it raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Final

import attrs

from covia import Grid
from covia.async_api import AsyncGrid
from covia_proto.flows.context import PollPolicy
from tests.facade import SyncFacade, run_sync

Scenario = Callable[[Any], Coroutine[Any, Any, Any]]

# Polls sooner than the default, so the suite spends little time on a venue that serves
# no event stream (the real 0.1 venue) without changing what it proves.
OPTIONS: Final[dict[str, Any]] = {"poll": PollPolicy(initial=0.01, factor=1.5, maximum=0.2)}


def run_sync_client(url: str, scenario: Scenario, **options: Any) -> Any:
    with Grid.connect(url, **(OPTIONS | options)) as venue:
        return run_sync(scenario(SyncFacade(venue)))


def run_asyncio_client(url: str, scenario: Scenario, **options: Any) -> Any:
    async def main() -> Any:
        async with AsyncGrid.connect(url, **(OPTIONS | options)) as venue:
            return await scenario(venue)

    return asyncio.run(main())


def run_trio_client(url: str, scenario: Scenario, **options: Any) -> Any:
    import trio

    # The same entry point as under asyncio: AsyncGrid.connect picks the trio driver.
    async def main() -> Any:
        async with AsyncGrid.connect(url, **(OPTIONS | options)) as venue:
            return await scenario(venue)

    return trio.run(main)


@attrs.frozen
class Client:
    name: str
    run: Callable[..., Any]


CLIENTS: Final = [
    Client("sync", run_sync_client),
    Client("asyncio", run_asyncio_client),
    Client("trio", run_trio_client),
]
