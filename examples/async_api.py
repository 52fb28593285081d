"""The async API (docs: "Async API", "Concurrent Operations", "Async Authentication"),
with the local venue's ``v/test/ops/echo`` in place of ``my-operation`` and
``op-a``/``op-b``/``op-c``."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from covia.async_api import AsyncGrid
from covia.auth import BearerAuth


def main(venue_url: str) -> None:
    async def main() -> None:
        async with AsyncGrid.connect(venue_url) as venue:
            # All methods are awaitable
            status = await venue.status()
            result = await venue.run("v/test/ops/echo", {"prompt": "hello"})
            print(status.name)
            print(result)

    asyncio.run(main())

    async def run_parallel() -> list[Any]:
        async with AsyncGrid.connect(venue_url) as venue:
            # Launch multiple operations concurrently
            jobs = await asyncio.gather(
                venue.invoke("v/test/ops/echo", {"x": 1}),
                venue.invoke("v/test/ops/echo", {"x": 2}),
                venue.invoke("v/test/ops/echo", {"x": 3}),
            )

            # Wait for all results
            results = await asyncio.gather(*[job.result(timeout=60) for job in jobs])
            return results  # noqa: RET504 (as the documentation writes it)

    print(asyncio.run(run_parallel()))

    async def authenticated() -> None:
        async with AsyncGrid.connect(venue_url, auth=BearerAuth("token")) as venue:
            print((await venue.status()).name)

    asyncio.run(authenticated())


if __name__ == "__main__":
    main(sys.argv[1])
