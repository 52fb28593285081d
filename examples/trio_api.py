"""The async API under trio: ``covia_trio.TrioGrid.connect`` opens the same
``AsyncVenue`` as ``AsyncGrid.connect``, on the SDK's own HTTP/1.1 client (h11 over trio
streams). Run it with a venue URL: ``python examples/trio_api.py http://127.0.0.1:8080``."""

from __future__ import annotations

import sys
from typing import Any

import trio

from covia_trio import TrioGrid


def main(venue_url: str) -> None:
    async def basics() -> None:
        async with TrioGrid.connect(venue_url) as venue:
            status = await venue.status()
            result = await venue.run("v/test/ops/echo", {"prompt": "hello"})
            print(status.name)
            print(result)

    trio.run(basics)

    async def in_a_nursery() -> list[Any]:
        results: dict[int, Any] = {}
        async with TrioGrid.connect(venue_url, max_connections=4) as venue:

            async def one(i: int) -> None:
                job = await venue.invoke("v/test/ops/echo", {"x": i})
                results[i] = await job.result(timeout=60)

            async with trio.open_nursery() as nursery:
                for i in (1, 2, 3):
                    nursery.start_soon(one, i)
        return [results[i] for i in sorted(results)]

    print(trio.run(in_a_nursery))

    async def events_and_cancel_scopes() -> None:
        async with TrioGrid.connect(venue_url) as venue:
            job = await venue.invoke("v/test/ops/echo", {"y": 1})
            async for event in job.stream():
                print(f"Event: {event.event}")
            never = await venue.invoke("v/test/ops/never")
            # A cancel scope bounds any call; the connection it cut is closed.
            with trio.move_on_after(0.5):
                await never.wait()
            print(f"Still {(await never.refresh()).status.value}")
            await never.cancel()

    trio.run(events_and_cancel_scopes)


if __name__ == "__main__":
    main(sys.argv[1])
